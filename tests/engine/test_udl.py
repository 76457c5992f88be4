"""Upstream-Downstream Learning (paper section 3.3, Eq. 9-11)."""
import copy
import logging

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch.func import functional_call

import mmdsts.models.recognizers.udl_step as recognizer_module
from mmdsts.engine import UDLOptimWrapperConstructor
from mmdsts.engine.udl import LossCall, meta_gradient, simulated_update
from mmdsts.models.recognizers.udl_step import _tail_loss
from toy_udl import CLIP, NUM_CLASSES, model_cfg

register_all_modules()


def _samples(labels, first_idx=0):
    out = []
    for i, label in enumerate(labels):
        sample = ActionDataSample().set_gt_label(label)
        sample.set_metainfo(dict(sample_idx=first_idx + i))
        out.append(sample)
    return out


def _batch(batch_size=4, seed=0, first_idx=0):
    gen = torch.Generator().manual_seed(seed)
    labels = [i % NUM_CLASSES for i in range(batch_size)]
    return dict(inputs=[torch.randn(CLIP, generator=gen)
                        for _ in labels],
                data_samples=_samples(labels, first_idx))


def _model(udl=True):
    torch.manual_seed(0)
    return MODELS.build(model_cfg(udl)).train()


def _wrappers(model):
    cfg = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
               upstream=dict(optimizer=dict(type='SGD', lr=0.1)))
    return UDLOptimWrapperConstructor(cfg)(model)


def _snapshot(module):
    return {n: p.detach().clone() for n, p in module.named_parameters()}


def _changed(before, module):
    return {n for n, p in module.named_parameters()
            if not torch.equal(before[n], p.detach())}


def test_meta_gradient_equals_the_hessian_vector_form():
    """grad_u L(u_hat, d_hat(u); D_val) = -alpha d/du <grad_d L_train, v>
    with v = grad_d L_val at (u_hat, d_hat): an independent computation."""
    model = _model()
    tail = LossCall(dsts=model.dsts, cls_head=model.cls_head).double()
    up = {f'dsts.{n}': p for n, p in model.dsts.named_upstream_parameters()}
    down = {f'dsts.{n}': p
            for n, p in model.dsts.named_downstream_parameters()}
    gen = torch.Generator().manual_seed(0)
    f_train = torch.randn(4, 64, 2, 2, 2, generator=gen, dtype=torch.double)
    f_val = torch.randn(4, 64, 2, 2, 2, generator=gen, dtype=torch.double)
    s_train, s_val = _samples([0, 1, 2, 3]), _samples([3, 2, 1, 0])
    alpha = 0.3

    torch.manual_seed(1)
    d_hat = simulated_update(_tail_loss(tail, f_train, s_train, {}),
                             list(down.values()), alpha)
    torch.manual_seed(2)
    _, grads = meta_gradient(_tail_loss, tail, up, dict(zip(down, d_hat)),
                             (f_val, s_val, {}))

    leaves = {n: t.detach().requires_grad_() for n, t in zip(down, d_hat)}
    torch.manual_seed(2)
    val_loss = functional_call(
        tail, {**{n: u.detach() for n, u in up.items()}, **leaves},
        (_tail_loss, f_val, s_val, {}))
    v = torch.autograd.grad(val_loss, list(leaves.values()))
    torch.manual_seed(1)
    g = torch.autograd.grad(_tail_loss(tail, f_train, s_train, {}),
                            list(down.values()), create_graph=True)
    dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
    hvp = torch.autograd.grad(dot, list(up.values()), allow_unused=True)
    expected = [torch.zeros_like(u) if h is None else -alpha * h
                for u, h in zip(up.values(), hvp)]

    assert any(e.abs().sum() > 0 for e in expected)
    for name, got, want in zip(up, grads, expected):
        torch.testing.assert_close(got, want, msg=name)


def _run_step_with_spies(monkeypatch, model, wrappers):
    """One UDL train_step; parameter snapshots after each of the 3 steps."""
    states = {'before': _snapshot(model)}
    original = recognizer_module.simulated_update

    def spy_simulated(*args, **kwargs):
        out = original(*args, **kwargs)
        states['step1'] = _snapshot(model)
        states['step1_grads'] = {n for n, p in model.named_parameters()
                                 if p.grad is not None}
        return out

    monkeypatch.setattr(recognizer_module, 'simulated_update', spy_simulated)
    upstream_step = wrappers['upstream'].step

    def spy_upstream_step(*args, **kwargs):
        upstream_step(*args, **kwargs)
        states['step2'] = _snapshot(model)

    monkeypatch.setattr(wrappers['upstream'], 'step', spy_upstream_step)
    batch = _batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    log = model.train_step(batch, wrappers)
    states['step3'] = _snapshot(model)
    return states, log


def test_step1_changes_nothing_step2_only_upstream_step3_no_upstream(
        monkeypatch):
    model = _model()
    wrappers = _wrappers(model)
    states, log = _run_step_with_spies(monkeypatch, model, wrappers)
    upstream = {f'dsts.{n}' for n, _ in model.dsts.named_upstream_parameters()}

    assert _changed(states['before'], model) != set()  # something trained
    step1 = {n for n in states['before']
             if not torch.equal(states['before'][n], states['step1'][n])}
    assert step1 == set(), 'Eq. 9 is simulated: no parameter may change'
    assert states['step1_grads'] == set(), 'Eq. 9 must not fill .grad'
    step2 = {n for n in states['step1']
             if not torch.equal(states['step1'][n], states['step2'][n])}
    assert step2 and step2 <= upstream, 'Eq. 10 changes upstream only'
    step3 = {n for n in states['step2']
             if not torch.equal(states['step2'][n], states['step3'][n])}
    assert step3.isdisjoint(upstream), 'Eq. 11 keeps u\' frozen'
    assert any(n.startswith('backbone') for n in step3)
    assert any('spatial' in n or 'temporal' in n for n in step3)
    assert log['udl_skipped'] == 0
    assert {'udl_train_loss', 'udl_meta_loss', 'loss_cls',
            'dsts_temporal_fraction', 'dsts_load_entropy_l0'} <= set(log)


@pytest.mark.parametrize('first_order_weight, grads', [(0.0, 2), (1.0, 2)])
def test_steps_1_and_2_do_not_backpropagate_through_the_backbone(
        monkeypatch, first_order_weight, grads):
    model = _model(udl=dict(first_order_weight=first_order_weight))
    wrappers = _wrappers(model)
    calls = []
    original = torch.autograd.grad

    def spy_grad(outputs, inputs, *args, **kwargs):
        result = original(outputs, inputs, *args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(torch.autograd, 'grad', spy_grad)
    backbone_hits = []
    for p in model.backbone.parameters():
        p.register_hook(lambda g: backbone_hits.append(len(calls)))
    batch = _batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    model.train_step(batch, wrappers)
    # Eq. 9 (which also gives the first-order term), Eq. 10
    assert len(calls) == grads
    assert backbone_hits and set(backbone_hits) == {grads}, \
        'only step 3 (after the autograd.grad calls) reaches the backbone'


@pytest.mark.parametrize('weight', [0.0, 0.5])
def test_upstream_gradient_is_the_meta_gradient_plus_the_first_order_term(
        monkeypatch, weight):
    """Step 2 applies grad_u l(u_hat, d_hat; D_val) + w grad_u l(u, d;
    D_train); w = 0 is Eq. 10 as written."""
    model = _model(udl=dict(first_order_weight=weight))
    wrappers = _wrappers(model)
    upstream = [p for _, p in model.dsts.named_upstream_parameters()]
    seen = {}
    original_meta = recognizer_module.meta_gradient

    def spy_meta(*args, **kwargs):
        seen['in_meta'] = True
        loss, grads = original_meta(*args, **kwargs)
        seen['meta'] = [g.clone() for g in grads]
        return loss, grads

    original_grad = torch.autograd.grad

    def spy_grad(outputs, inputs, *args, **kwargs):
        result = original_grad(outputs, inputs, *args, **kwargs)
        tail = list(inputs)[-len(upstream):]
        if len(inputs) > len(upstream) and all(
                a is b for a, b in zip(tail, upstream)) \
                and 'in_meta' not in seen:  # Eq. 9's pass, u appended
            seen['first'] = [torch.zeros_like(u) if g is None
                             else g.detach().clone()
                             for u, g in zip(upstream,
                                             result[-len(upstream):])]
        return result

    def spy_step(*args, **kwargs):
        seen['applied'] = [p.grad.clone() for p in upstream]

    monkeypatch.setattr(recognizer_module, 'meta_gradient', spy_meta)
    monkeypatch.setattr(torch.autograd, 'grad', spy_grad)
    monkeypatch.setattr(wrappers['upstream'], 'step', spy_step)
    batch = _batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    model.train_step(batch, wrappers)
    if weight == 0:
        assert 'first' not in seen
        expected = seen['meta']
    else:
        assert any(g.abs().sum() > 0 for g in seen['first'])
        expected = [m + weight * f for m, f in zip(seen['meta'],
                                                   seen['first'])]
    for got, want in zip(seen['applied'], expected):
        torch.testing.assert_close(got, want)


def test_backbone_runs_once_on_d_train_and_once_without_grad_on_d_val():
    model = _model()
    wrappers = _wrappers(model)
    runs = []
    model.backbone.register_forward_hook(
        lambda m, i, o: runs.append(torch.is_grad_enabled()))
    batch = _batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    model.train_step(batch, wrappers)
    assert runs == [True, False]


def test_without_udl_a_step_equals_mmaction_plain_training_step():
    dsts_model = _model(udl=False)
    stock_cfg = model_cfg(False)
    stock_cfg.update(type='Recognizer3D',
                     neck=dict(type='DSTSNeck', **stock_cfg.pop('dsts')))
    stock_cfg.pop('udl')
    stock = MODELS.build(stock_cfg).train()
    state = {k.replace('dsts.', 'neck.', 1): v
             for k, v in dsts_model.state_dict().items()}
    stock.load_state_dict(state)
    outputs = []
    for model in (dsts_model, stock):
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1,
                                               momentum=0.9))
        torch.manual_seed(3)
        model.train_step(_batch(), wrapper)
        outputs.append({k.replace('dsts.', 'neck.', 1): v
                        for k, v in model.state_dict().items()})
    assert outputs[0].keys() == outputs[1].keys()
    for key in outputs[0]:
        torch.testing.assert_close(outputs[0][key], outputs[1][key], msg=key)


def test_non_finite_meta_steps_are_skipped_then_stop_training(monkeypatch,
                                                              caplog):
    model = _model()
    model.udl['max_nonfinite_in_a_row'] = 2
    wrappers = _wrappers(model)

    def nan_update(loss, downstream, alpha, scale=1.0, first_order_of=None):
        d_hat = [d * float('nan') for d in downstream]
        if first_order_of is None:
            return d_hat
        return d_hat, [torch.zeros_like(u) for u in first_order_of]

    monkeypatch.setattr(recognizer_module, 'simulated_update', nan_update)
    before = _snapshot(model)
    upstream = {f'dsts.{n}' for n, _ in model.dsts.named_upstream_parameters()}
    for _ in range(2):
        batch = _batch()
        batch['udl_val'] = _batch(seed=1, first_idx=100)
        log = model.train_step(batch, wrappers)
        assert log['udl_skipped'] == 1
    changed = _changed(before, model)
    assert changed and changed.isdisjoint(upstream)  # step 3 still trains
    batch = _batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    with pytest.raises(RuntimeError, match='non-finite meta updates'):
        model.train_step(batch, wrappers)


def test_udl_needs_the_two_optimizers_and_a_val_batch():
    model = _model()
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    batch = _batch()
    batch['udl_val'] = _batch(seed=1)
    with pytest.raises(TypeError, match='UDLOptimWrapperConstructor'):
        model.train_step(batch, plain)
    with pytest.raises(KeyError, match='UDLValBatchHook'):
        model.train_step(_batch(), _wrappers(model))


def test_constructor_splits_upstream_from_the_rest():
    model = _model()
    wrappers = _wrappers(model)
    assert isinstance(wrappers, OptimWrapperDict)
    up = {id(p) for p in model.dsts.upstream_parameters()}
    rest = {id(p) for g in wrappers['rest'].optimizer.param_groups
            for p in g['params']}
    upstream = {id(p) for g in wrappers['upstream'].optimizer.param_groups
                for p in g['params']}
    assert upstream == up and rest.isdisjoint(up)
    assert rest | up == {id(p) for p in model.parameters()}
    group = wrappers['upstream'].optimizer.param_groups[0]
    assert group['lr'] == 0.1 and group['weight_decay'] == 0.0


def test_alpha_defaults_to_the_downstream_learning_rate():
    model = _model()
    wrappers = _wrappers(model)
    down = model.dsts.downstream_parameters()[0]
    assert model._udl_alpha(wrappers['rest'], down) == 0.05
    model.udl['alpha'] = 0.5
    assert model._udl_alpha(wrappers['rest'], down) == 0.5


def _one_udl_step(model, wrappers):
    before = _snapshot(model)
    batch = _batch()
    batch['udl_val'] = _batch(seed=1, first_idx=100)
    log = model.train_step(batch, wrappers)
    assert log['udl_skipped'] == 0
    changed = _changed(before, model)
    upstream = {f'dsts.{n}' for n, _ in model.dsts.named_upstream_parameters()}
    assert changed & upstream and changed - upstream
    assert all(torch.isfinite(p).all() for p in model.parameters())
    return log


def test_udl_step_with_routed_training_and_idle_neurons():
    """With train_dispatch='routed' a neuron no sample selected is not in the
    graph: its simulated update (Eq. 9) leaves it as it is instead of
    failing."""
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(True, num_neurons=8,
                                   train_dispatch='routed')).train()
    log = _one_udl_step(model, _wrappers(model))  # batch 4 < 8 neurons
    assert torch.isfinite(log['udl_meta_loss'])


def test_udl_step_with_gradient_clipping():
    model = _model()
    cfg = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
               clip_grad=dict(max_norm=0.01))
    wrappers = UDLOptimWrapperConstructor(cfg)(model)
    _one_udl_step(model, wrappers)
    norm = wrappers['rest'].message_hub.get_scalar('train/grad_norm')
    assert norm.current() > 0.01  # clipped down to max_norm=0.01


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason='MMEngine AmpOptimWrapper runs on GPUs only')
def test_udl_step_with_amp_on_gpu():
    model = _model().cuda()
    cfg = dict(type='AmpOptimWrapper',
               optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
               clip_grad=dict(max_norm=1.0))
    wrappers = UDLOptimWrapperConstructor(cfg)(model)
    assert wrappers['rest'].loss_scaler.is_enabled()
    _one_udl_step(model, wrappers)


def test_previous_batch_d_val_needs_no_extra_backbone_pass():
    model = _model()
    model.udl['d_val'] = 'previous_batch'
    wrappers = _wrappers(model)
    runs = []
    model.backbone.register_forward_hook(lambda m, i, o: runs.append(1))
    upstream = {f'dsts.{n}' for n, _ in model.dsts.named_upstream_parameters()}

    log = model.train_step(_batch(seed=0, first_idx=0), wrappers)
    assert log['udl_skipped'] == 1  # nothing to validate on yet
    before = _snapshot(model)
    log = model.train_step(_batch(seed=1, first_idx=4), wrappers)
    assert log['udl_skipped'] == 0 and 'udl_meta_loss' in log
    assert _changed(before, model) & upstream
    log = model.train_step(_batch(seed=2, first_idx=6), wrappers)
    assert log['udl_skipped'] == 1  # shares samples 6, 7 with D_val
    assert len(runs) == 3  # one backbone forward per iteration
