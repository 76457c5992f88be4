"""DSTSRoutingHook: evaluation routing next to accuracy in the metrics."""
import math

from mmengine.config import Config
from mmengine.runner import Runner

from toy_udl import runner_cfg


def _val_runner(tmp_path, udl=True):
    cfg = Config(runner_cfg(str(tmp_path), 1, udl=udl))
    cfg.val_dataloader = dict(
        batch_size=4, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='ToyVideoDataset', num_samples=10, seed=3,
                     pipeline=[dict(type='PackActionInputs')]))
    cfg.val_cfg = dict(type='ValLoop')
    cfg.val_evaluator = dict(type='AccMetric')
    cfg.custom_hooks = [dict(type='DSTSRoutingHook')]
    return Runner.from_cfg(cfg)


def test_validation_metrics_carry_the_routing_of_every_layer(tmp_path):
    runner = _val_runner(tmp_path)
    metrics = runner.val()
    dsts = runner.model.dsts
    for j, layer in enumerate(dsts.layers):
        used = metrics[f'dsts/neurons_used_l{j}']
        assert 1 <= used <= len(layer.neurons)
        assert 1 / used - 1e-9 <= metrics[f'dsts/max_load_l{j}'] <= 1
        assert 0 <= metrics[f'dsts/load_entropy_l{j}'] <= 1
        if used == 1:
            assert metrics[f'dsts/max_load_l{j}'] == 1
    # 10 clips in batches of 4, 4, 2: the hook counted all of them
    hook = [h for h in runner.hooks if type(h).__name__ == 'DSTSRoutingHook']
    assert all(int(c.sum()) == 10 for c in hook[0]._counts)
    assert 'acc/top1' in metrics


def test_entropy_is_in_units_of_log_n(tmp_path):
    from mmdsts.engine import DSTSRoutingHook
    import torch
    hook = DSTSRoutingHook()
    hook._counts = [torch.tensor([5, 5, 0]), torch.tensor([3, 3, 3])]
    summary = hook._summary()
    assert summary['dsts/load_entropy_l0'] == math.log(2) / math.log(3)
    assert abs(summary['dsts/load_entropy_l1'] - 1.0) < 1e-12
    assert summary['dsts/max_load_l0'] == 0.5
    assert summary['dsts/neurons_used_l0'] == 2
