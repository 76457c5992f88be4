"""Checkpoints that cannot be used fail naming the file and what to do:
random bytes, a truncated last checkpoint, a pickle payload (refused, never
run), and ``--resume`` from another model's checkpoint."""
import os.path as osp
import pickle
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

import mmdsts  # noqa: F401  the checkpoint loading rules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                            'engine'))
from toy_udl import runner_cfg  # noqa: E402


def test_random_bytes_name_the_file(tmp_path):
    path = tmp_path / 'epoch_3.pth'
    path.write_bytes(bytes(range(256)) * 16)  # no pickle, no zip
    # (before: IndexError: pop from empty list, from the unpickler)
    with pytest.raises(RuntimeError, match=r'cannot read checkpoint .*epoch_3'
                       r'.pth: .*not a PyTorch checkpoint'):
        _load_checkpoint(str(path))


def test_a_truncated_checkpoint_points_to_the_previous_one(tmp_path):
    torch.save(dict(state_dict=dict(w=torch.ones(3))), tmp_path / 'epoch_1.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(300))),
               tmp_path / 'epoch_2.pth')
    data = (tmp_path / 'epoch_2.pth').read_bytes()
    (tmp_path / 'epoch_2.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError) as error:
        _load_checkpoint(str(tmp_path / 'epoch_2.pth'))
    message = str(error.value)
    assert 'truncated' in message
    assert f'--resume {tmp_path / "epoch_1.pth"}' in message


class _Payload:
    ran = []

    def __reduce__(self):
        return (_Payload.ran.append, ('code ran', ))


def test_a_pickle_payload_is_refused_and_never_runs(tmp_path):
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        torch.save(dict(state_dict={}, meta=_Payload()), f,
                   pickle_module=pickle)
    with pytest.raises(pickle.UnpicklingError, match='Weights only load'):
        _load_checkpoint(str(path))
    assert _Payload.ran == []


def test_a_missing_checkpoint_keeps_mmengines_message(tmp_path):
    with pytest.raises(FileNotFoundError, match='can not be found'):
        _load_checkpoint(str(tmp_path / 'absent.pth'))


def _train(work_dir, udl, **kwargs):
    cfg = Config(runner_cfg(str(work_dir), 1, udl=udl, **kwargs))
    cfg.custom_hooks.append(dict(type='CheckpointGuardHook'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def test_resuming_another_setups_checkpoint_says_to_use_load_from(tmp_path):
    _train(tmp_path / 'plain', udl=False)  # one optimizer, no UDL pair
    checkpoint = str(tmp_path / 'plain' / 'iter_1.pth')
    # (before: AssertionError: Mismatched state_dict! cannot found state in
    # OptimWrapperDict)
    with pytest.raises(ValueError, match=r"the config builds \['rest', "
                       r"'upstream'\], the checkpoint holds one optimizer.*load_from="):
        _train(tmp_path / 'udl', udl=True, resume=True, load_from=checkpoint)
    # fine-tuning from it (load_from without resume) stays allowed
    _train(tmp_path / 'finetune', udl=True, load_from=checkpoint)


def test_resuming_into_another_model_names_the_missing_weights(tmp_path):
    _train(tmp_path / 'three', udl=False)  # 3 neurons per layer
    cfg = Config(runner_cfg(str(tmp_path / 'four'), 2, udl=False, resume=True,
                            load_from=str(tmp_path / 'three' / 'iter_1.pth')))
    cfg.model.dsts.num_neurons = 4
    cfg.custom_hooks.append(dict(type='CheckpointGuardHook'))
    # (before: resumed with the fourth neurons randomly initialised)
    with pytest.raises(ValueError, match=r'model: \d+ missing \(e\.g\. '
                       r'dsts\.layers\.0\.neurons\.3\.'):
        Runner.from_cfg(cfg).train()
