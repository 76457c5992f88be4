"""UDL through a real MMEngine Runner: D_val, resume, logging."""
import os.path as osp

import pytest
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
    # 9 samples, batch 4: the D_val stream crosses from one permutation to
    # the next inside a batch, and every D_train holds half the samples.
    cfg = Config(runner_cfg(str(tmp_path), 12, num_samples=9))
    cfg.custom_hooks.append(dict(type='RecordBatchIndices'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    recorder = [h for h in runner.hooks
                if isinstance(h, RecordBatchIndices)][0]
    assert len(recorder.seen) == 12
    for train_ids, val_ids in recorder.seen:
        assert len(val_ids) == len(train_ids)  # 4, or 1 at an epoch's end
        assert set(train_ids).isdisjoint(val_ids)
        assert len(set(val_ids)) == len(val_ids)
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


def _packed(idx):
    from mmaction.structures import ActionDataSample
    sample = ActionDataSample()
    sample.set_metainfo(dict(sample_idx=idx))
    return torch.full((1, ), float(idx)), sample


def test_d_val_passes_over_repeats_at_a_stream_boundary_and_resumes_after():
    """The D_val stream's permutations meet at ...2 | 2, 1...: the second
    2 is passed over, not served twice in a batch, nor served again after a
    checkpoint taken in between."""
    from mmdsts.engine.hooks.udl_val_batch import UDLValBatchHook
    hook = UDLValBatchHook(seed=0)
    stream = [0, 3, 2, 2, 1, 0, 3]  # permutation 0 ends, 1 begins at 3
    hook._buffer.extend((pos, _packed(i)) for pos, i in enumerate(stream))
    hook._iterator = iter(())  # the buffer must suffice

    def val_ids(train_ids):
        batch = dict(data_samples=[_packed(i)[1] for i in train_ids])
        hook.before_train_iter(None, 0, batch)
        return [s.metainfo['sample_idx'] for s in
                batch['udl_val']['data_samples']]

    assert val_ids([1, 4]) == [0, 3]
    assert val_ids([0, 4]) == [2, 1]  # 2 repeated at position 3: passed
    assert hook.next_unused == 5 and hook.passed_over == 1
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    assert checkpoint['udl_val_batch_hook']['next_unused'] == [5]
    resumed = UDLValBatchHook()
    resumed.after_load_checkpoint(None, checkpoint)
    assert resumed.next_unused == 5  # its stream restarts at sample 0


def test_a_training_set_too_small_for_disjoint_batches_is_refused(tmp_path):
    cfg = Config(runner_cfg(str(tmp_path), 2, num_samples=7))
    with pytest.raises(ValueError, match='train_dataloader.batch_size'):
        Runner.from_cfg(cfg).train()
