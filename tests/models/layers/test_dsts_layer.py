"""A DSTS layer: synapse routing + dispatch to specialized neurons."""
import pytest
import torch
import torch.nn.functional as F

from mmdsts.models.layers import (Conv3dNeuron, DSTSLayer, SpecializedNeuron,
                                  literal_impulses, sample_gumbel)

C, N = 8, 4


def _x(batch=6, seed=0):
    return torch.randn(batch, C, 3, 4, 4,
                       generator=torch.Generator().manual_seed(seed))


def _layer(spread_routing, randomize_norms, **kwargs):
    torch.manual_seed(0)
    layer = DSTSLayer(C, N, **kwargs)
    spread_routing(layer.synapse)
    return randomize_norms(layer)


def test_defaults_follow_section_4_1():
    layer = DSTSLayer(C)
    assert len(layer.neurons) == 10 and layer.synapse.tau == 1.0
    assert all(isinstance(n, SpecializedNeuron) for n in layer.neurons)
    assert (layer.train_dispatch, layer.eval_dispatch) == ('dense', 'routed')


def test_training_activates_exactly_the_sampled_neuron_per_sample(
        spread_routing, randomize_norms):
    # Fixed gates: the only randomness is the synapse's Gumbel noise.
    layer = _layer(spread_routing, randomize_norms, learn_gates=False).train()
    x = _x()
    torch.manual_seed(3)
    out = layer(x)
    torch.manual_seed(3)
    selected = layer.synapse(x).selected
    outputs = torch.stack([neuron(x) for neuron in layer.neurons])  # N, B, ...
    assert len(set(selected.tolist())) > 1
    expected = outputs[selected, torch.arange(x.shape[0])]
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize('dispatch', ['dense', 'routed'])
def test_training_gradient_of_scoring_kernels_is_the_straight_through_one(
        spread_routing, randomize_norms, dispatch):
    """dense: the paper's estimator, all neurons' outputs contribute.
    routed: only the selected neuron's term (documented difference)."""
    layer = _layer(spread_routing, randomize_norms, learn_gates=False,
                   impulse_reduction='mean', train_dispatch=dispatch).train()
    layer.double()
    x = _x().double()
    upstream = torch.randn_like(x)
    torch.manual_seed(3)
    (layer(x) * upstream).sum().backward()

    kernels = layer.synapse.scoring_kernels.detach().clone().requires_grad_()
    bias = layer.synapse.scoring_bias.detach()
    torch.manual_seed(3)
    impulses = literal_impulses(x, kernels, bias) / (C * x[0, 0].numel())
    noise = sample_gumbel(impulses)
    soft = torch.softmax(impulses + noise, -1)
    hard = F.one_hot(soft.argmax(-1), N).double()
    weights = hard + (soft - soft.detach())
    with torch.no_grad():
        # BN sees the whole batch (dense) or the neuron's own samples (routed)
        if dispatch == 'dense':
            outputs = torch.stack([n(x) for n in layer.neurons], 1)
        else:
            outputs = torch.zeros((x.shape[0], N) + x.shape[1:],
                                  dtype=x.dtype)
            for i, n in enumerate(layer.neurons):
                idx = (hard[:, i] == 1).nonzero()[:, 0]
                if idx.numel():
                    outputs[idx, i] = n(x[idx])
    contribution = (outputs * upstream[:, None]).sum(dim=(2, 3, 4, 5))
    if dispatch == 'routed':
        contribution = contribution * hard  # only the selected term
    (weights * contribution).sum().backward()
    assert kernels.grad.abs().sum() > 0
    torch.testing.assert_close(layer.synapse.scoring_kernels.grad,
                               kernels.grad)


@pytest.mark.parametrize('dispatch', ['dense', 'routed'])
def test_training_gradients_reach_scoring_kernels_and_gates(
        spread_routing, randomize_norms, dispatch):
    layer = _layer(spread_routing, randomize_norms, train_dispatch=dispatch,
                   impulse_reduction='mean').train()
    x = _x()
    (layer(x) * torch.randn_like(x)).sum().backward()
    assert layer.synapse.scoring_kernels.grad.abs().sum() > 0
    used = layer.last_routing.selected.unique().tolist()
    for i, neuron in enumerate(layer.neurons):
        grad = neuron.gate.logits.grad
        if i in used:
            assert grad.abs().sum() > 0, f'gate of selected neuron {i}'


def test_evaluation_output_depends_only_on_the_selected_neuron(
        spread_routing, randomize_norms):
    layer = _layer(spread_routing, randomize_norms).eval()
    x = _x(batch=3)
    out = layer(x)
    selected = set(layer.last_routing.selected.tolist())
    assert len(selected) < N, 'the test needs an unselected neuron'
    with torch.no_grad():
        for i, neuron in enumerate(layer.neurons):
            if i not in selected:
                for p in neuron.parameters():
                    p.add_(torch.randn_like(p))
    torch.testing.assert_close(layer(x), out, rtol=0, atol=0)
    with torch.no_grad():
        layer.neurons[next(iter(selected))].fuse.bias.add_(1.0)
    assert not torch.allclose(layer(x), out)


def test_evaluation_output_of_a_sample_ignores_the_rest_of_the_batch(
        spread_routing, randomize_norms):
    layer = _layer(spread_routing, randomize_norms).eval()
    x = _x(batch=8)
    batched = layer(x)
    for b in range(x.shape[0]):
        torch.testing.assert_close(layer(x[b:b + 1]), batched[b:b + 1])


def test_evaluation_is_deterministic_and_draws_no_noise(
        spread_routing, randomize_norms):
    layer = _layer(spread_routing, randomize_norms).eval()
    x = _x()
    state = torch.random.get_rng_state()
    first = layer(x)
    assert torch.equal(layer(x), first)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_routed_evaluation_equals_the_dense_reference(spread_routing,
                                                      randomize_norms):
    routed = _layer(spread_routing, randomize_norms).eval()
    dense = _layer(spread_routing, randomize_norms,
                   eval_dispatch='dense').eval()
    dense.load_state_dict(routed.state_dict())
    x = _x(batch=16)
    out = routed(x)
    assert len(routed.last_routing.selected.unique()) > 2
    torch.testing.assert_close(out, dense(x))


def test_routed_training_with_one_sample_equals_dense(spread_routing,
                                                      randomize_norms):
    routed = _layer(spread_routing, randomize_norms, learn_gates=False,
                    train_dispatch='routed').train()
    dense = _layer(spread_routing, randomize_norms, learn_gates=False).train()
    x = _x(batch=1)
    torch.manual_seed(5)
    a = routed(x)
    torch.manual_seed(5)
    torch.testing.assert_close(a, dense(x))


def test_without_synapse_every_neuron_runs_and_outputs_are_averaged(
        randomize_norms):
    torch.manual_seed(0)
    layer = randomize_norms(DSTSLayer(C, N, use_synapse=False)).eval()
    with_synapse = DSTSLayer(C, N)
    x = _x()
    expected = torch.stack([n(x) for n in layer.neurons]).mean(0)
    torch.testing.assert_close(layer(x), expected)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(layer) == count(with_synapse)  # Table 4: same size
    assert not any(p.requires_grad for p in layer.synapse.parameters())
    assert not any(p is layer.synapse.scoring_kernels
                   for p in layer.upstream_parameters())
    assert layer.routing_statistics()['load'].tolist() == [1.0] * N


def test_ablation_switches_build_the_right_neurons():
    no_sts = DSTSLayer(C, N, spatio_temporal_specialization=False)
    assert all(isinstance(n, Conv3dNeuron) for n in no_sts.neurons)
    no_gates = DSTSLayer(C, N, learn_gates=False)
    assert not any('gate' in name for name, _ in no_gates.named_parameters())


def test_upstream_and_downstream_partition():
    layer = DSTSLayer(C, N)
    upstream = {id(p) for p in layer.upstream_parameters()}
    downstream = {id(p) for p in layer.downstream_parameters()}
    assert upstream.isdisjoint(downstream)
    assert upstream == {id(layer.synapse.scoring_kernels),
                        id(layer.synapse.scoring_bias),
                        id(layer.synapse.log_gain)} | {
                            id(n.gate.logits) for n in layer.neurons}
    assert downstream == {id(n.spatial.weight) for n in layer.neurons} | {
        id(n.temporal.weight) for n in layer.neurons}


def test_routing_statistics_after_a_forward(spread_routing, randomize_norms):
    layer = _layer(spread_routing, randomize_norms).eval()
    x = _x(batch=10)
    layer(x)
    stats = layer.routing_statistics()
    assert stats['selected'].shape == (10,)
    assert stats['impulses'].shape == (10, N)
    assert torch.equal(stats['selected'], stats['impulses'].argmax(1))
    assert stats['load'].sum().item() == pytest.approx(1.0)
    torch.testing.assert_close(
        stats['load'],
        torch.bincount(stats['selected'], minlength=N).float() / 10)
    expected = torch.stack([(n.gate.logits > 0).float().mean()
                            for n in layer.neurons])
    torch.testing.assert_close(stats['temporal_fraction'], expected)


@pytest.mark.parametrize('key', ['train_dispatch', 'eval_dispatch'])
def test_invalid_dispatch_names_the_key(key):
    with pytest.raises(ValueError, match=key):
        DSTSLayer(C, N, **{key: 'sparse'})
