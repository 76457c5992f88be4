"""tools/analysis/gate_split.py reads the evaluation S/T split from gates."""
import os.path as osp
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import gate_split  # noqa: E402


def test_temporal_fraction_is_the_share_of_positive_logits(tmp_path, capsys,
                                                           monkeypatch):
    state = {
        'dsts.layers.0.neurons.0.gate.logits': torch.tensor([2., -2, 2, 2]),
        'dsts.layers.0.neurons.1.gate.logits': torch.tensor([-1., -1, 1, -1]),
        'backbone.conv.weight': torch.ones(1),
    }
    path = tmp_path / 'ckpt.pth'
    torch.save(dict(state_dict=state), path)
    monkeypatch.setattr(sys, 'argv', ['gate_split.py', str(path)])
    gate_split.main()
    out = capsys.readouterr().out
    assert 'layer 0: temporal fraction per neuron 0.75 0.25' in out
    assert 'spread 0.25-0.75' in out and 'mean |g| 1.500' in out


def test_a_checkpoint_without_dsts_is_named(tmp_path):
    path = tmp_path / 'baseline.pth'
    torch.save(dict(state_dict={'backbone.w': torch.ones(1)}), path)
    with pytest.raises(ValueError, match='baseline.pth holds no DSTS gate'):
        gate_split.gate_logits(str(path))
