"""The DSTS neck (paper section 3.2, Fig. 2) in MMAction2."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules

from mmdsts.models import DSTSNeck
from mmdsts.models.layers import Conv3dNeuron, DSTSLayer, FixedHalfSplit

SMALL = dict(in_channels=24, mid_channels=8, num_neurons=4, num_layers=3)


def _x(batch=4, channels=24, seed=0):
    """Random features with a strong per-sample channel profile, so that
    samples differ enough to be routed to different neurons."""
    gen = torch.Generator().manual_seed(seed)
    profile = 3 * torch.randn(batch, channels, 1, 1, 1, generator=gen)
    return profile + torch.randn(batch, channels, 3, 4, 4, generator=gen)


def _neck(spread_routing=None, randomize_norms=None, **kwargs):
    torch.manual_seed(0)
    neck = DSTSNeck(**{**SMALL, **kwargs})
    for layer in neck.layers:
        if spread_routing is not None:
            spread_routing(layer.synapse)
    return randomize_norms(neck) if randomize_norms else neck


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_registered_in_mmaction_models_registry():
    assert MODELS.get('DSTSNeck') is DSTSNeck
    neck = MODELS.build(dict(type='DSTSNeck', in_channels=32, mid_channels=8))
    assert isinstance(neck, DSTSNeck)


def test_defaults_follow_section_4_1():
    neck = DSTSNeck(in_channels=64)
    assert len(neck.layers) == 3  # L
    assert all(len(layer.neurons) == 10 for layer in neck.layers)  # N
    assert all(layer.synapse.tau == 1.0 for layer in neck.layers)


@pytest.mark.parametrize('channels, mid', [(2048, 160), (1024, 160),
                                           (128, 32), (32, 16)])
def test_auto_width_is_160_on_large_features_and_proportional_on_small(
        channels, mid):
    assert DSTSNeck(in_channels=channels).mid_channels == mid


def test_default_width_adds_about_12m_parameters_on_2048_channels():
    """Table 4: TPN 63M -> 75M with DSTS (N=10, L=3). The 3 extra parameters
    are the synapses' impulse gains (``'standardized'`` impulses)."""
    added = _count(DSTSNeck(in_channels=2048))
    assert 12e6 * 0.85 <= added <= 12e6 * 1.15, added
    assert added == 11_445_376 + 3
    assert _count(DSTSNeck(in_channels=1024)) == 11_115_648 + 3
    paper = dict(impulse_reduction='sum')
    assert _count(DSTSNeck(in_channels=2048, **paper)) == 11_445_376


def test_full_width_without_projections():
    neck = DSTSNeck(in_channels=16, mid_channels=None, num_neurons=2)
    assert isinstance(neck.proj_in, torch.nn.Identity)
    assert neck.layers[0].synapse.scoring_kernels.shape == (2, 16, 16)


def test_output_keeps_the_input_shape_and_follows_the_neck_protocol():
    neck = _neck()
    x = _x()
    out, loss_aux = neck(x, data_samples=None)
    assert out.shape == x.shape
    assert loss_aux == {}


def test_skip_connection_adds_the_backbone_feature(randomize_norms):
    neck = _neck(randomize_norms=randomize_norms).eval()
    x = _x()
    z = neck.proj_in(x)
    for layer in neck.layers:
        z = layer(z)
    torch.testing.assert_close(neck.forward_features(x), x + neck.proj_out(z))
    with torch.no_grad():  # a silent module leaves exactly the backbone feature
        neck.proj_out.norm.weight.zero_()
        neck.proj_out.norm.bias.zero_()
    assert torch.equal(neck.forward_features(x), x)


def test_layers_are_stacked_each_feeding_the_next(randomize_norms):
    neck = _neck(randomize_norms=randomize_norms).eval()
    seen = []
    for layer in neck.layers:
        layer.register_forward_hook(
            lambda m, inputs, out: seen.append((inputs[0], out)))
    neck(_x())
    assert len(seen) == 3
    for (_, previous_out), (next_in, _) in zip(seen, seen[1:]):
        assert next_in is previous_out


@pytest.mark.parametrize('num_layers, num_neurons', [(1, 5), (3, 10), (5, 15)])
def test_any_number_of_layers_and_neurons(num_layers, num_neurons):
    neck = _neck(num_layers=num_layers, num_neurons=num_neurons)
    assert len(neck.layers) == num_layers
    assert all(len(layer.neurons) == num_neurons for layer in neck.layers)
    x = _x()
    out, _ = neck.train()(x)
    out.sum().backward()
    assert neck.eval()(x)[0].shape == x.shape
    assert len(neck.routing_statistics()) == num_layers


def test_evaluation_output_depends_only_on_the_selected_neurons(
        spread_routing, randomize_norms):
    neck = _neck(spread_routing, randomize_norms).eval()
    x = _x(batch=1)
    out, _ = neck(x)
    chosen = [int(s['selected']) for s in neck.routing_statistics()]
    with torch.no_grad():
        for layer, a in zip(neck.layers, chosen):
            for i, neuron in enumerate(layer.neurons):
                if i != a:
                    for p in neuron.parameters():
                        p.mul_(-2.0).add_(0.3)
    assert torch.equal(neck(x)[0], out)


def test_evaluation_is_deterministic_and_batch_independent(
        spread_routing, randomize_norms):
    neck = _neck(spread_routing, randomize_norms).eval()
    x = _x(batch=6)
    out, _ = neck(x)
    assert torch.equal(neck(x)[0], out)
    for b in range(6):
        torch.testing.assert_close(neck(x[b:b + 1])[0], out[b:b + 1])


def test_routed_evaluation_equals_dense_reference(spread_routing,
                                                  randomize_norms):
    routed = _neck(spread_routing, randomize_norms).eval()
    dense = _neck(spread_routing, randomize_norms,
                  eval_dispatch='dense').eval()
    dense.load_state_dict(routed.state_dict())
    x = _x(batch=12)
    out = routed(x)[0]
    assert any(len(s['selected'].unique()) > 1
               for s in routed.routing_statistics())
    torch.testing.assert_close(out, dense(x)[0])


def test_literal_impulses_give_the_same_model(spread_routing,
                                              randomize_norms):
    pooled = _neck(randomize_norms=randomize_norms).eval()
    literal = _neck(impulse_impl='literal').eval()
    literal.load_state_dict(pooled.state_dict())
    x = _x(batch=6)
    torch.testing.assert_close(literal(x)[0], pooled(x)[0])


def test_training_reaches_upstream_and_downstream_parameters():
    neck = _neck(impulse_reduction='mean').train()
    x = _x(batch=8)
    (neck(x)[0] * torch.randn_like(x)).sum().backward()
    for name, p in neck.named_upstream_parameters():
        if 'scoring' in name:
            assert p.grad.abs().sum() > 0, name
    gates = [p for n, p in neck.named_upstream_parameters() if 'gate' in n]
    assert sum(p.grad.abs().sum() > 0 for p in gates if p.grad is not None) \
        >= len(neck.layers)  # at least the selected neuron of each layer


def test_upstream_downstream_partition_is_public_and_disjoint():
    neck = _neck()
    up = dict(neck.named_upstream_parameters())
    down = dict(neck.named_downstream_parameters())
    assert set(up).isdisjoint(down)
    assert all(n.endswith(('synapse.scoring_kernels', 'synapse.scoring_bias',
                           'synapse.log_gain', 'gate.logits')) for n in up)
    assert all(n.endswith(('spatial.weight', 'temporal.weight'))
               for n in down)
    L, N = 3, 4
    assert len(up) == L * (3 + N) and len(down) == L * N * 2
    assert [id(p) for p in neck.upstream_parameters()] == \
        [id(p) for p in up.values()]
    assert [id(p) for p in neck.downstream_parameters()] == \
        [id(p) for p in down.values()]
    rest = [n for n, _ in neck.named_parameters()
            if n not in up and n not in down]
    assert any(n.startswith('proj_in') for n in rest)
    assert any('fuse' in n for n in rest)


@pytest.mark.parametrize('kwargs, up_suffixes, neuron_type', [
    (dict(spatio_temporal_specialization=False),
     ('scoring_kernels', 'scoring_bias', 'log_gain'), Conv3dNeuron),
    (dict(learn_gates=False), ('scoring_kernels', 'scoring_bias', 'log_gain'),
     None),
    (dict(use_synapse=False), ('gate.logits', ), None),
])
def test_ablations_as_config_keys(kwargs, up_suffixes, neuron_type):
    neck = MODELS.build(dict(type='DSTSNeck', **SMALL, **kwargs))
    assert all(n.endswith(up_suffixes)
               for n, _ in neck.named_upstream_parameters())
    if neuron_type is not None:
        assert all(isinstance(n, neuron_type) for n in neck.layers[0].neurons)
    if kwargs.get('learn_gates') is False:
        assert all(isinstance(n.gate, FixedHalfSplit)
                   for n in neck.layers[0].neurons)
    x = _x()
    neck.train()(x)[0].sum().backward()
    assert neck.eval()(x)[0].shape == x.shape


def test_without_synapse_has_the_same_parameter_count():
    assert _count(_neck(use_synapse=False)) == _count(_neck())


def test_routing_statistics_per_layer(spread_routing, randomize_norms):
    neck = _neck(spread_routing, randomize_norms).train()
    neck(_x(batch=5))
    stats = neck.routing_statistics()
    assert len(stats) == 3
    for s in stats:
        assert s['selected'].shape == (5, )
        assert s['load'].shape == (4, ) and s['load'].sum() == pytest.approx(1)
        assert ((s['temporal_fraction'] >= 0) &
                (s['temporal_fraction'] <= 1)).all()
    assert neck.temporal_fractions().shape == (3, 4)


@pytest.mark.parametrize('shape, numbers', [
    ((2, 24, 4, 4), ('5-D', '4-D')),
    ((2, 24, 1, 3, 4, 4), ('5-D', '6-D')),
])
def test_wrong_rank_names_in_channels_and_both_ranks(shape, numbers):
    with pytest.raises(ValueError) as err:
        _neck()(torch.randn(shape))
    message = str(err.value)
    assert 'in_channels=24' in message
    assert all(n in message for n in numbers)


def test_channel_mismatch_names_in_channels_and_both_numbers():
    with pytest.raises(ValueError) as err:
        _neck()(_x(channels=16))
    message = str(err.value)
    assert 'in_channels' in message and '24' in message and '16' in message


@pytest.mark.parametrize('key, value', [('in_channels', 0),
                                        ('num_layers', 0),
                                        ('num_neurons', -1),
                                        ('mid_channels', 0)])
def test_invalid_sizes_name_the_config_key(key, value):
    with pytest.raises(ValueError, match=key):
        DSTSNeck(**{**SMALL, key: value})


def test_forward_backward_under_autocast():
    neck = _neck().train()
    x = _x(batch=4)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out, _ = neck(x)
    out.float().sum().backward()
    assert out.shape == x.shape


def test_stock_recognizer3d_accepts_the_neck():
    """A stock MMAction2 model gains DSTS with one neck entry."""
    register_all_modules()
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(
                type='ResNet3d',
                depth=18,
                base_channels=8,
                pretrained=None,
                pretrained2d=False,
                conv1_kernel=(1, 7, 7),
                inflate=(0, 0, 1, 1)),
            neck=dict(type='DSTSNeck', in_channels=64, mid_channels=16,
                      num_neurons=3),
            cls_head=dict(type='I3DHead', in_channels=64, num_classes=5,
                          average_clips='prob'),
            data_preprocessor=dict(
                type='ActionDataPreprocessor', format_shape='NCTHW')))
    assert isinstance(model.neck, DSTSNeck)
    inputs = torch.randn(2, 1, 3, 8, 32, 32)
    samples = [ActionDataSample().set_gt_label(label) for label in (1, 4)]
    losses = model(inputs, samples, mode='loss')
    assert losses['loss_cls'].requires_grad
    losses['loss_cls'].backward()
    assert model.neck.layers[0].synapse.scoring_kernels.grad is not None
    model.eval()
    with torch.no_grad():
        predictions = model(inputs, samples, mode='predict')
    assert predictions[0].pred_score.shape == (5, )


# ------------------------------------------------ defaults that learn
def _post_relu(batch, channels, t, hw, seed=0):
    gen = torch.Generator().manual_seed(seed)
    profile = torch.randn(batch, channels, 1, 1, 1, generator=gen)
    return torch.relu(torch.randn(batch, channels, t, hw, hw, generator=gen)
                      + profile)


FEATURES = {  # TPN/Swin-sized (fewer frames, for CPU) and the CPU backbone
    2048: dict(batch=16, channels=2048, t=1, hw=7),
    128: dict(batch=16, channels=128, t=8, hw=2),
}


@pytest.mark.parametrize('channels', sorted(FEATURES))
def test_default_neck_starts_near_identity(channels):
    torch.manual_seed(0)
    neck = DSTSNeck(in_channels=channels)
    x = _post_relu(**FEATURES[channels])
    for mode in (True, False):
        y = neck.train(mode)(x)[0]
        assert ((y - x).norm() / x.norm()).item() < 0.03


@pytest.mark.parametrize('channels', sorted(FEATURES))
def test_default_neck_trains_every_scoring_kernel_and_spreads_the_batch(
        channels):
    """One forward/backward: every neuron's scoring kernel in every layer
    gets gradient, and so does the gate of every neuron that received a
    sample (with hard straight-through routing a neuron no sample chose has
    no output to differentiate); no layer sends the batch to one neuron."""
    torch.manual_seed(0)
    neck = DSTSNeck(in_channels=channels).train()
    x = _post_relu(**FEATURES[channels])
    y = neck(x)[0]
    (y * torch.randn_like(y)).sum().backward()
    for layer in neck.layers:
        kernels = layer.synapse.scoring_kernels.grad
        assert (kernels.flatten(1).abs().sum(1) > 0).all()
        assert layer.synapse.log_gain.grad != 0
        selected = layer.last_routing.selected
        assert selected.unique().numel() > 1
        for i in selected.unique().tolist():
            assert layer.neurons[i].gate.logits.grad.abs().sum() > 0


def test_paper_literal_neck_is_selectable_and_freezes_first_layer_routing():
    """The measured reason the paper-literal settings are not the default:
    Eq. 2's sum saturates the Gumbel-Softmax, so the first layer's scoring
    kernels get no gradient at all, and the random branch is as large as
    the backbone feature."""
    torch.manual_seed(0)
    neck = DSTSNeck(in_channels=2048, impulse_reduction='sum',
                    gate_init_magnitude=None,
                    residual_init_scale=None).train()
    x = _post_relu(**dict(FEATURES[2048], t=4))
    y = neck(x)[0]
    (y * torch.randn_like(y)).sum().backward()
    first = neck.layers[0]
    assert torch.softmax(first.last_routing.impulses,
                         -1).max(-1).values.min() > 0.9999
    assert first.synapse.scoring_kernels.grad.abs().max() < 1e-6
    assert neck.last_branch_ratio > 0.5


def test_residual_init_scale_sets_the_last_affine_of_the_branch():
    neck = DSTSNeck(**SMALL)
    assert torch.all(neck.proj_out.norm.weight == 0.01)
    torch.manual_seed(0)
    reference = DSTSNeck(in_channels=8, mid_channels=None, num_neurons=2,
                         residual_init_scale=None)
    torch.manual_seed(0)
    scaled = DSTSNeck(in_channels=8, mid_channels=None, num_neurons=2,
                      residual_init_scale=0.5)
    for a, b in zip(reference.layers[-1].neurons, scaled.layers[-1].neurons):
        torch.testing.assert_close(b.fuse.weight, 0.5 * a.fuse.weight)
        torch.testing.assert_close(b.fuse.bias, 0.5 * a.fuse.bias)
