"""UDL through a real MMEngine Runner: D_val, resume, logging."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import Runner

from toy_udl import runner_cfg


@HOOKS.register_module(force=True)
class RecordBatchIndices(Hook):
    """Runs after UDLValBatchHook and records both batches' sample_idx."""
    priority = 'LOW'

    def __init__(self):
        self.seen = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        ids = lambda batch: [s.metainfo['sample_idx']  # noqa: E731
                             for s in batch['data_samples']]
        self.seen.append((ids(data_batch), ids(data_batch['udl_val'])))


def _run(work_dir, max_iters, **kwargs):
    cfg = Config(runner_cfg(str(work_dir), max_iters, **kwargs))
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def test_d_val_never_shares_a_sample_with_d_train(tmp_path):
    cfg = Config(runner_cfg(str(tmp_path), 12, num_samples=8))
    cfg.custom_hooks.append(dict(type='RecordBatchIndices'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    recorder = [h for h in runner.hooks
                if isinstance(h, RecordBatchIndices)][0]
    assert len(recorder.seen) == 12
    for train_ids, val_ids in recorder.seen:
        assert len(val_ids) == len(train_ids) == 4
        assert set(train_ids).isdisjoint(val_ids)
        assert len(set(val_ids)) == 4
    # Half of the 8 samples are in every D_train: the stream had to skip.
    orders = [tuple(v) for _, v in recorder.seen]
    assert len(set(orders)) > 1


def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path):
    full = _run(tmp_path / 'full', 6)
    _run(tmp_path / 'part', 3)
    checkpoint = osp.join(tmp_path / 'part', 'iter_3.pth')
    assert osp.isfile(checkpoint)
    resumed = _run(tmp_path / 'part', 6, resume=True, load_from=checkpoint)
    assert resumed.iter == 6
    expected = full.model.state_dict()
    got = resumed.model.state_dict()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], msg=key)
    for name in ('rest', 'upstream'):
        a = full.optim_wrapper[name].optimizer.state_dict()['state']
        b = resumed.optim_wrapper[name].optimizer.state_dict()['state']
        assert a.keys() == b.keys()


def test_testing_a_udl_config_does_not_build_the_training_data(tmp_path):
    """UDLValBatchHook sets up in before_train, not before_run (which
    ``runner.test()`` also calls): evaluating must not need the training
    list."""
    cfg = Config(runner_cfg(str(tmp_path), max_iters=1))
    cfg.train_dataloader.dataset = dict(
        type='VerifiedVideoDataset', ann_file=str(tmp_path / 'absent.txt'),
        pipeline=[])
    cfg.test_dataloader = dict(
        batch_size=2, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='ToyVideoDataset', num_samples=4,
                     pipeline=[dict(type='PackActionInputs')]))
    cfg.test_cfg = dict(type='TestLoop')
    cfg.test_evaluator = dict(type='AccMetric')
    metrics = Runner.from_cfg(cfg).test()
    assert 'acc/top1' in metrics
