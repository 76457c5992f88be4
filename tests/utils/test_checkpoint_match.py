"""check_checkpoint_matches: testing refuses weights of another model."""
import pytest
import torch
from torch import nn

from mmdsts.utils.checkpoint import check_checkpoint_matches


class Tiny(nn.Module):
    def __init__(self, width=4, extra=False):
        super().__init__()
        self.backbone = nn.Linear(3, width)
        self.cls_head = nn.Linear(width, 2)
        if extra:
            self.dsts = nn.Linear(width, width)


def _save(tmp_path, model, **extra_state):
    path = tmp_path / 'ckpt.pth'
    state = dict(model.state_dict(), **extra_state)
    torch.save(dict(state_dict=state, meta=dict()), path)
    return str(path)


def test_a_checkpoint_of_the_same_model_passes(tmp_path):
    check_checkpoint_matches(Tiny(), _save(tmp_path, Tiny()), 'cfg.py')


def test_a_baseline_checkpoint_for_a_dsts_model_names_missing_keys(tmp_path):
    with pytest.raises(ValueError) as error:
        check_checkpoint_matches(Tiny(extra=True), _save(tmp_path, Tiny()),
                                 'configs/x_dsts.py')
    message = str(error.value)
    assert 'does not fit the model of configs/x_dsts.py' in message
    assert '2 missing (e.g. dsts.bias, dsts.weight)' in message


def test_unexpected_and_reshaped_weights_are_named(tmp_path):
    with pytest.raises(ValueError) as error:
        check_checkpoint_matches(Tiny(width=4),
                                 _save(tmp_path, Tiny(width=5, extra=True)),
                                 'cfg.py')
    message = str(error.value)
    assert '2 unexpected' in message and 'with another shape' in message


def test_tpn_heads_lazily_created_test_layer_is_ignored(tmp_path):
    path = _save(tmp_path, Tiny(), **{'cls_head.new_cls.weight':
                                      torch.zeros(2, 4, 1, 1, 1)})
    check_checkpoint_matches(Tiny(), path, 'cfg.py')
