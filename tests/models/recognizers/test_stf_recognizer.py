"""STFRecognizer: the STF losses in training, a plain forward at test."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.logging import MessageHub

import mmdsts  # noqa: F401
from mmdsts.models.losses.stf_focus import class_scores, focus_from_gradient
from mmdsts.models.recognizers.stf_recognizer import FOCUS_GRADIENTS

register_all_modules()  # ActionDataPreprocessor, GCNHead

BACKBONE = dict(type='MSG3D', graph_cfg=dict(layout='nturgb+d'),
                base_channels=8, num_gcn_scales=3, num_g3d_scales=2,
                window_sizes=(3, ), num_person=1, stf_stages=(1, 2))
HEAD = dict(type='GCNHead', num_classes=5, in_channels=32)
OFF = dict(loss_e=0, loss_d=0, loss_c=0, loss_gk=0)


def _build(**stf_loss):
    """The poster's schedule (every iteration) and lambda 1 unless asked."""
    stf_loss = dict(dict(focus_interval=1, loss_e=1.0, loss_d=1.0,
                         loss_c=1.0, loss_gk=1.0), **stf_loss)
    torch.manual_seed(0)
    model = MODELS.build(dict(type='STFRecognizer', backbone=BACKBONE,
                              cls_head=HEAD, stf_loss=stf_loss))
    with torch.no_grad():  # as after some training: G_k is live
        for stage in model.backbone.stages:
            if stage.stf is not None:
                stage.stf.intensity.normal_(0, 0.1)
    return model


def _batch(n=4):
    inputs = torch.randn(n, 1, 1, 12, 25, 3)  # N, clips, M, T, V, C
    return inputs, [ActionDataSample().set_gt_label(i % 5) for i in range(n)]


@pytest.fixture(autouse=True)
def _forget_iteration():
    yield
    MessageHub.get_current_instance().pop_info('iter', None)


def _at_iter(step):
    MessageHub.get_current_instance().update_info('iter', step)


def test_alternates_l_e_with_the_other_losses_by_runner_iteration():
    model = _build()
    inputs, samples = _batch()
    _at_iter(0)
    even = model.loss(inputs, samples)
    _at_iter(1)
    odd = model.loss(inputs, samples)
    assert {'loss_d', 'loss_c', 'loss_gk'} <= set(even) and 'loss_e' \
        not in even
    assert 'loss_e' in odd and not {'loss_d', 'loss_c', 'loss_gk'} & set(odd)
    assert 'loss_cls' in even and 'loss_cls' in odd


def test_joint_optimisation_when_asked_or_when_one_group_is_off():
    inputs, samples = _batch()
    _at_iter(0)
    both = _build(separate_le=False).loss(inputs, samples)
    assert {'loss_e', 'loss_d', 'loss_c', 'loss_gk'} <= set(both)
    only_e = _build(**dict(OFF, loss_e=1.0)).loss(inputs, samples)
    assert 'loss_e' in only_e


def test_weights_scale_each_loss():
    inputs, samples = _batch()
    _at_iter(0)
    one = _build(**dict(OFF, loss_gk=1.0)).loss(inputs, samples)['loss_gk']
    three = _build(**dict(OFF, loss_gk=3.0)).loss(inputs, samples)['loss_gk']
    torch.testing.assert_close(three, 3 * one)


def test_l_d_reaches_head_backbone_and_stf_through_q():
    # L_d depends on the head and stage 2 only through d y_hat / d X^l:
    # a gradient there proves the double backward.
    model = _build(**dict(OFF, loss_d=1.0))
    inputs, samples = _batch()
    model.loss(inputs, samples)['loss_d'].backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads['cls_head.fc.weight'].abs().sum() > 0
    assert grads['backbone.stages.2.tcn.branches.0.0.0.weight'].abs().sum() > 0
    assert grads['backbone.stages.0.gcn.mix.weight'].abs().sum() > 0
    assert grads['backbone.stages.2.stf.intensity'].abs().sum() > 0
    assert grads['backbone.stages.2.stf.beta.0.weight'].abs().sum() > 0


def _grads(model):
    return {n: p.grad for n, p in model.named_parameters()
            if p.grad is not None}


def test_first_order_focus_gradient_drops_exactly_the_channel_weight_term(
        monkeypatch):
    inputs, samples = _batch()
    runs = {}
    for mode in FOCUS_GRADIENTS:
        model = _build(focus_gradient=mode)
        for step in (0, 1):  # the focus and the exploration iteration
            _at_iter(step)
            losses = model.loss(inputs, samples)
            sum(losses.values()).backward()
        runs[mode] = (losses, _grads(model))
    # the paper's double backward with the channel weights detached by
    # hand, as a reference computed independently of 'first_order'
    from mmdsts.models.recognizers import stf_recognizer

    def detached_weights(logits, classes, feats, create_graph=True):
        grads = torch.autograd.grad(class_scores(logits, classes), feats,
                                    create_graph=True)
        return [focus_from_gradient(x, g.detach())
                for x, g in zip(feats, grads)]

    monkeypatch.setattr(stf_recognizer, 'gradcam_focus', detached_weights)
    model = _build()
    for step in (0, 1):
        _at_iter(step)
        sum(model.loss(inputs, samples).values()).backward()
    reference = _grads(model)
    exact, first = runs['second_order'][1], runs['first_order'][1]
    assert set(first) == set(reference)
    for name, grad in first.items():
        torch.testing.assert_close(grad, reference[name], msg=name)
    for key, value in runs['first_order'][0].items():
        torch.testing.assert_close(value, runs['second_order'][0][key])
    assert not torch.allclose(first['cls_head.fc.weight'],
                              exact['cls_head.fc.weight'])


def test_first_order_l_d_does_not_reach_the_head():
    # L_d reaches the head only through d y_hat / d X^l, the term dropped
    model = _build(**dict(OFF, loss_d=1.0), focus_gradient='first_order')
    inputs, samples = _batch()
    model.loss(inputs, samples)['loss_d'].backward()
    grads = _grads(model)
    assert 'cls_head.fc.weight' not in grads
    assert grads['backbone.stages.0.gcn.mix.weight'].abs().sum() > 0
    assert grads['backbone.stages.1.stf.intensity'].abs().sum() > 0


def test_focus_interval_runs_the_paper_step_every_kth_iteration_at_k_times(
        monkeypatch):
    inputs, samples = _batch()
    every, second = _build(), _build(focus_interval=2)
    for step, paper_step in ((0, 0), (2, 1), (4, 0)):  # focus, L_e, focus
        _at_iter(paper_step)
        paper = every.loss(inputs, samples)
        _at_iter(step)
        scaled = second.loss(inputs, samples)
        assert set(scaled) == set(paper)
        torch.testing.assert_close(scaled['loss_cls'], paper['loss_cls'])
        stf_losses = {k for k in paper if k.startswith('loss_')} - {'loss_cls'}
        assert stf_losses
        for key in stf_losses:
            torch.testing.assert_close(scaled[key], 2 * paper[key], msg=key)

    def no_focus(*args, **kwargs):
        raise AssertionError('a plain iteration must not compute Q')

    monkeypatch.setattr(torch.autograd, 'grad', no_focus)
    for step in (1, 3, 5):
        _at_iter(step)
        plain = second.loss(inputs, samples)
        assert not {k for k in plain if k.startswith('loss_')} - {'loss_cls'}


def test_defaults_are_the_measured_choices_of_the_shipped_configs():
    from mmengine.config import Config
    model = MODELS.build(dict(type='STFRecognizer', backbone=BACKBONE,
                              cls_head=HEAD))
    assert model.weights == dict(loss_e=0.1, loss_d=0.1, loss_c=0.1,
                                 loss_gk=0.1)
    assert model.focus_interval == 2 and model.separate_le
    assert model.focus_gradient == 'second_order'
    shipped = Config.fromfile('configs/stf/_base_/stf_model.py').stf_model
    assert model.weights == {k: shipped.stf_loss[k] for k in model.weights}
    assert shipped.stf_loss.focus_interval == model.focus_interval


def test_l_gk_trains_beta_and_l_e_trains_through_the_focus():
    model = _build(**dict(OFF, loss_gk=1.0))
    inputs, samples = _batch()
    model.loss(inputs, samples)['loss_gk'].backward()
    assert model.backbone.stages[1].stf.beta[0].weight.grad.abs().sum() > 0
    model = _build(**dict(OFF, loss_e=1.0))
    model.loss(inputs, samples)['loss_e'].backward()
    assert model.backbone.stages[0].gcn.mix.weight.grad.abs().sum() > 0


def test_masked_forward_of_l_e_leaves_batchnorm_statistics_alone():
    model = _build(**dict(OFF, loss_e=1.0))
    inputs, samples = _batch()
    reference = _build(**OFF)
    reference.loss(inputs, samples)  # one plain forward's statistics
    model.loss(inputs, samples)
    for (name, a), (_, b) in zip(model.named_buffers(),
                                 reference.named_buffers()):
        if 'running' in name:
            torch.testing.assert_close(a, b, msg=name)


def test_evaluation_is_one_plain_forward_without_gradients(monkeypatch):
    model = _build().eval()
    inputs, samples = _batch()

    def no_grad_allowed(*args, **kwargs):
        raise AssertionError('evaluation must not compute Q')

    monkeypatch.setattr(torch.autograd, 'grad', no_grad_allowed)
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
    assert len(out) == 4 and out[0].pred_score.shape == (5, )


@pytest.mark.parametrize('kwargs,match', [
    (dict(stf_loss=dict(loss_x=1.0)), 'model.stf_loss.loss_x'),
    (dict(backbone=dict(BACKBONE, stf_stages=())), 'stf_stages'),
    (dict(backbone=dict(BACKBONE, stf_stages=(2, ))), 'loss_c'),
    (dict(stf_loss=dict(focus_gradient='exact')), 'focus_gradient'),
    (dict(stf_loss=dict(focus_interval=0)), 'focus_interval'),
])
def test_inconsistent_settings_name_the_config_key(kwargs, match):
    cfg = dict(type='STFRecognizer', backbone=BACKBONE, cls_head=HEAD)
    cfg.update(kwargs)
    with pytest.raises((KeyError, ValueError), match=match):
        MODELS.build(cfg)


def test_without_stf_weights_training_is_recognizer_gcn():
    torch.manual_seed(0)
    cfg = dict(backbone=dict(BACKBONE, stf_stages=()), cls_head=HEAD)
    plain = MODELS.build(dict(type='RecognizerGCN', **cfg))
    torch.manual_seed(0)
    stf = MODELS.build(dict(type='STFRecognizer', stf_loss=OFF, **cfg))
    inputs, samples = _batch()
    torch.testing.assert_close(plain.loss(inputs, samples)['loss_cls'],
                               stf.loss(inputs, samples)['loss_cls'])


def test_warmup_ramps_every_lambda_linearly():
    inputs, samples = _batch()
    _at_iter(0)
    full = _build(**dict(OFF, loss_gk=1.0)).loss(inputs, samples)['loss_gk']
    _at_iter(1)  # second of four warm-up iterations
    ramped = _build(**dict(OFF, loss_gk=1.0), warmup_iters=4).loss(
        inputs, samples)['loss_gk']
    torch.testing.assert_close(ramped, 0.5 * full)
