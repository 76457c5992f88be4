"""A NaN in a training batch skips the step: weights and BatchNorm
statistics untouched, the skip logged and counted, training stopped after
too many in a row with a message naming keys of the running config, and no
checkpoint ever holds non-finite weights."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.runner import Runner

from mmdsts.engine import CheckpointGuardHook, UDLOptimWrapperConstructor
from test_udl import _batch
from toy_udl import model_cfg, runner_cfg

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _nan_batch(**kwargs):
    batch = _batch(**kwargs)
    batch['inputs'][1][0, 0, 0, 0, 0] = float('nan')
    return batch


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _assert_unchanged(before, model):
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def _baseline():
    torch.manual_seed(0)
    cfg = model_cfg(udl=False)
    cfg['type'] = 'Recognizer3D'
    cfg.pop('dsts'), cfg.pop('udl')
    cfg['backbone']['base_channels'] = 8
    return MODELS.build(cfg).train()


def _wrapper(model, type_):
    return build_optim_wrapper(model, dict(
        type=type_, optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
        clip_grad=dict(max_norm=10)))


def test_a_plain_wrapper_would_apply_the_nan_step():  # the failure guarded
    model = _baseline()
    model.train_step(_nan_batch(), _wrapper(model, 'OptimWrapper'))
    assert not all(torch.isfinite(p).all() for p in model.parameters())


def test_baseline_step_with_a_nan_sample_is_skipped_then_training_stops():
    model = _baseline()
    wrapper = _wrapper(model, 'NonFiniteSkipOptimWrapper')
    before = _state(model)
    for count in (1, 2, 3):
        model.train_step(_nan_batch(), wrapper)
        _assert_unchanged(before, model)  # BatchNorm statistics included
        assert wrapper.skipped_steps == count
    model.train_step(_batch(seed=1), wrapper)  # a clean batch trains
    assert any(not torch.equal(v, before[k])
               for k, v in model.state_dict().items())
    for _ in range(3):
        model.train_step(_nan_batch(), wrapper)
    with pytest.raises(RuntimeError) as error:
        model.train_step(_nan_batch(), wrapper)
    message = str(error.value)
    # keys of the config the synthetic baseline runs with
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/synthetic/slowonly_r18_synthetic.py'))
    assert 'optim_wrapper.optimizer.lr' in message and \
        cfg.optim_wrapper.optimizer.lr
    assert 'optim_wrapper.clip_grad' in message and cfg.optim_wrapper.clip_grad
    assert '4 non-finite training steps in a row' in message


def test_udl_step_with_a_nan_sample_in_d_train_leaves_no_trace(caplog):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg()).train()
    wrappers = UDLOptimWrapperConstructor(dict(
        optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
        upstream=dict(optimizer=dict(type='SGD', lr=0.1))))(model)
    assert type(wrappers['rest']).__name__ == 'NonFiniteSkipOptimWrapper'
    before = _state(model)
    batch = _nan_batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    log = model.train_step(batch, wrappers)
    assert log['udl_skipped'] == 1  # the meta step (steps 1-2)
    assert wrappers['rest'].skipped_steps == 1  # step 3
    _assert_unchanged(before, model)
    for _ in range(2):
        batch = _nan_batch()
        batch['udl_val'] = _batch(seed=1, first_idx=100)
        model.train_step(batch, wrappers)
    batch = _nan_batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    with pytest.raises(RuntimeError) as error:
        model.train_step(batch, wrappers)
    message = str(error.value)
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/synthetic/slowonly_r18_dsts_synthetic.py'))
    assert 'optim_wrapper.upstream.optimizer.lr' in message and \
        cfg.optim_wrapper.upstream.optimizer.lr
    assert 'optim_wrapper.rest' not in message  # no such key


def test_runner_skips_nan_batches_and_saves_finite_checkpoints(tmp_path):
    cfg = Config(runner_cfg(str(tmp_path), 6, num_samples=12))
    cfg.train_dataloader.dataset.nan_samples = [3]
    cfg.custom_hooks.append(dict(type='CheckpointGuardHook'))
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.optim_wrapper['rest'].skipped_steps >= 1
    checkpoint = torch.load(tmp_path / 'iter_6.pth', weights_only=False)
    for key, value in checkpoint['state_dict'].items():
        assert torch.isfinite(value).all(), key
    log = next(tmp_path.glob('*/*.log')).read_text()
    assert 'non-finite training loss at iteration' in log


def test_a_checkpoint_with_non_finite_weights_is_not_written():
    hook = CheckpointGuardHook()
    state = dict(a=torch.ones(2), b=torch.tensor([1.0, float('inf')]),
                 n=torch.tensor(3))

    class _Runner:
        epoch, iter, hooks = 2, 40, []
    with pytest.raises(RuntimeError,
                       match=r'non-finite values in 1 .*\(e\.g\. b\)'):
        hook.before_save_checkpoint(_Runner(), dict(state_dict=state))
    hook.before_save_checkpoint(_Runner(), dict(state_dict=dict(a=state['a'])))


def test_stock_wrapper_types_become_their_skipping_twins():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg()).train()
    wrappers = UDLOptimWrapperConstructor(dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=0.05)))(model)
    assert wrappers['rest'].config_key == 'optim_wrapper'
    assert isinstance(wrappers['rest'], OptimWrapper)
    assert type(wrappers['rest']).__name__ == 'NonFiniteSkipOptimWrapper'
