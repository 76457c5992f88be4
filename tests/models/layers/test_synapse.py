"""The synapse mechanism: impulses (Eq. 1-3) and Gumbel-Softmax selection."""
import pytest
import torch
import torch.nn.functional as F

from mmdsts.models.layers import (Synapse, gumbel_softmax_selection,
                                  literal_impulses, pooled_impulses,
                                  sample_gumbel)


def _inputs(dtype=torch.float64, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(3, 6, 4, 5, 3, generator=gen, dtype=dtype)
    kernels = torch.randn(4, 7, 6, generator=gen, dtype=dtype)
    bias = torch.randn(4, 7, generator=gen, dtype=dtype)
    return x, kernels, bias


def test_literal_impulse_sums_every_element_of_the_scoring_convolution():
    x, kernels, bias = _inputs()
    v = literal_impulses(x, kernels, bias)
    assert v.shape == (3, 4)
    for i in range(4):
        conv = torch.nn.Conv3d(6, 7, 1).double()
        with torch.no_grad():
            conv.weight.copy_(kernels[i, :, :, None, None, None])
            conv.bias.copy_(bias[i])
        q = conv(x)  # Eq. 1: B, N_out, Q_t, Q_h, Q_w
        torch.testing.assert_close(v[:, i], q.sum(dim=(1, 2, 3, 4)))  # Eq. 2


def test_pooled_impulses_equal_literal_values_and_gradients():
    grads = []
    values = []
    for compute in (literal_impulses, pooled_impulses):
        x, kernels, bias = (t.requires_grad_() for t in _inputs())
        v = compute(x, kernels, bias)
        weights = torch.linspace(-1, 1, v.numel(), dtype=v.dtype).view_as(v)
        (v * weights).sum().backward()
        values.append(v.detach())
        grads.append((x.grad, kernels.grad, bias.grad))
    torch.testing.assert_close(values[0], values[1])
    for literal_grad, pooled_grad in zip(*grads):
        torch.testing.assert_close(literal_grad, pooled_grad)


def test_synapse_implementations_agree_in_float32():
    torch.manual_seed(0)
    x = torch.randn(2, 16, 4, 7, 7)
    literal = Synapse(16, 5, impulse_impl='literal')
    pooled = Synapse(16, 5, impulse_impl='pooled')
    pooled.load_state_dict(literal.state_dict())
    torch.testing.assert_close(
        pooled.impulses(x), literal.impulses(x), rtol=1e-4, atol=1e-3)


def test_scoring_kernel_shape_is_n_out_by_n_in_with_n_out_equal_n_in():
    synapse = Synapse(12, 10)
    assert synapse.scoring_kernels.shape == (10, 12, 12)
    assert synapse.scoring_bias.shape == (10, 12)
    assert Synapse(12, 3, out_channels=5).scoring_kernels.shape == (3, 5, 12)


def test_mean_reduction_divides_by_the_number_of_summed_elements():
    torch.manual_seed(0)
    x = torch.randn(2, 8, 3, 4, 4)
    summed = Synapse(8, 4, impulse_reduction='sum')
    mean = Synapse(8, 4, impulse_reduction='mean')
    mean.load_state_dict(summed.state_dict())
    torch.testing.assert_close(
        mean.impulses(x), summed.impulses(x) / (8 * 3 * 4 * 4))


def test_impulses_stay_float32_under_autocast():
    torch.manual_seed(0)
    synapse = Synapse(8, 4)
    x = torch.randn(2, 8, 3, 4, 4)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        v = synapse.impulses(x.bfloat16())
    assert v.dtype == torch.float32
    torch.testing.assert_close(v, synapse.impulses(x.bfloat16().float()))


def test_training_selection_is_one_hot_with_straight_through_softmax_gradient():
    impulses = torch.tensor([[0.2, 1.0, -0.5], [0.3, -0.1, 0.4]],
                            dtype=torch.float64, requires_grad=True)
    noise = torch.tensor([[1.5, 0.1, 0.0], [-0.2, 0.3, -1.0]],
                         dtype=torch.float64)
    tau = 0.5
    weights, selected = gumbel_softmax_selection(
        impulses, tau, training=True, noise=noise)
    assert torch.equal(selected, torch.tensor([0, 1]))  # argmax of V + noise
    assert torch.equal(weights.detach(), F.one_hot(selected, 3).double())
    upstream = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]],
                            dtype=torch.float64)
    (weights * upstream).sum().backward()
    ref = impulses.detach().clone().requires_grad_()
    (torch.softmax((ref + noise) / tau, -1) * upstream).sum().backward()
    torch.testing.assert_close(impulses.grad, ref.grad)


def test_training_selection_frequencies_follow_softmax_of_impulses():
    torch.manual_seed(0)
    v = torch.tensor([1.0, 0.0, -1.0, 2.0])
    impulses = v.expand(40_000, -1)
    _, selected = gumbel_softmax_selection(impulses, 1.0, training=True)
    freq = torch.bincount(selected, minlength=4).float() / selected.numel()
    # Gumbel-max: argmax(v + Gumbel noise) ~ Categorical(softmax(v)).
    torch.testing.assert_close(freq, torch.softmax(v, 0), atol=0.01, rtol=0)


def test_evaluation_selection_is_argmax_without_noise():
    impulses = torch.tensor([[0.2, 1.0, -0.5], [3.0, -0.1, 0.4]])
    state = torch.random.get_rng_state()
    weights, selected = gumbel_softmax_selection(impulses, 1.0, training=False)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(selected, torch.tensor([1, 0]))
    assert torch.equal(weights, F.one_hot(selected, 3).float())


def test_gumbel_noise_is_standard_gumbel():
    torch.manual_seed(0)
    g = sample_gumbel(torch.empty(200_000))
    assert g.mean().item() == pytest.approx(0.5772, abs=0.01)  # Euler-Mascheroni
    assert g.var().item() == pytest.approx(torch.pi**2 / 6, abs=0.03)


def test_synapse_gradients_reach_the_scoring_kernels_in_training():
    torch.manual_seed(0)
    synapse = Synapse(8, 4, impulse_reduction='mean').train()
    x = torch.randn(5, 8, 2, 3, 3)
    routing = synapse(x)
    (routing.weights * torch.randn(5, 4)).sum().backward()
    assert synapse.scoring_kernels.grad.abs().sum() > 0
    assert synapse.scoring_bias.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs, key', [
    (dict(impulse_impl='conv'), 'impulse_impl'),
    (dict(impulse_reduction='max'), 'impulse_reduction'),
    (dict(tau=0.0), 'tau'),
])
def test_invalid_synapse_settings_name_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        Synapse(8, 4, **kwargs)


# ---------------------------------------------- 'standardized' impulses
def _standardized_reference(x, synapse):
    """exp(s) (k_i . z + c_i) / ||k_i||, z the batch-standardised pooled
    feature, computed independently of the module."""
    pooled = x.mean(dim=(2, 3, 4))
    z = (pooled - pooled.mean(0)) / (pooled.var(0, unbiased=False)
                                     + synapse.standardize.eps).sqrt()
    k = synapse.scoring_kernels.mean(1)
    c = synapse.scoring_bias.mean(1)
    return synapse.log_gain.exp() * (z @ k.t() + c) / k.norm(dim=1)


def test_standardized_is_the_default_and_its_gain_starts_at_three():
    synapse = Synapse(8, 4)
    assert synapse.impulse_reduction == 'standardized'
    assert synapse.log_gain.exp().item() == pytest.approx(3.0)
    assert synapse.log_gain.requires_grad


def test_standardized_impulses_follow_their_definition():
    torch.manual_seed(0)
    synapse = Synapse(8, 4).train()
    x = torch.relu(torch.randn(6, 8, 3, 4, 4)) + 2.0  # shared offset
    torch.testing.assert_close(synapse.impulses(x),
                               _standardized_reference(x, synapse))


@pytest.mark.parametrize('training', [True, False])
def test_standardized_literal_equals_pooled_values_and_gradients(training):
    results = []
    for impl in ('literal', 'pooled'):
        torch.manual_seed(0)
        synapse = Synapse(6, 4, impulse_impl=impl).double()
        synapse.standardize.running_mean.uniform_(0, 1)
        synapse.standardize.running_var.uniform_(0.5, 2)
        synapse.train(training)
        x = torch.randn(5, 6, 3, 2, 2, dtype=torch.float64,
                        requires_grad=True)
        v = synapse.impulses(x)
        (v * torch.linspace(-1, 1, v.numel(), dtype=v.dtype).view_as(v)
         ).sum().backward()
        results.append((v.detach(), x.grad, synapse.scoring_kernels.grad,
                        synapse.scoring_bias.grad, synapse.log_gain.grad,
                        synapse.standardize.running_mean.clone()))
    for literal, pooled in zip(*results):
        torch.testing.assert_close(literal, pooled)


def test_standardized_evaluation_uses_running_statistics_per_sample():
    torch.manual_seed(0)
    synapse = Synapse(8, 4)
    for _ in range(20):  # running statistics of this distribution
        synapse(torch.relu(torch.randn(16, 8, 2, 3, 3)) * 3 + 1)
    synapse.eval()
    x = torch.relu(torch.randn(6, 8, 2, 3, 3)) * 3 + 1
    batch = synapse.impulses(x)
    alone = torch.cat([synapse.impulses(x[i:i + 1]) for i in range(6)])
    torch.testing.assert_close(batch, alone)
    assert batch.std(0).min() > 0.3  # samples are told apart


def test_a_one_sample_training_batch_uses_and_keeps_running_statistics():
    synapse = Synapse(8, 4).train()
    before = synapse.standardize.running_mean.clone()
    synapse(torch.randn(1, 8, 2, 3, 3))  # BatchNorm1d alone would raise
    assert torch.equal(synapse.standardize.running_mean, before)


def _post_relu_feature(batch=16, channels=160, seed=0):
    gen = torch.Generator().manual_seed(seed)
    profile = torch.randn(batch, channels, 1, 1, 1, generator=gen)
    return torch.relu(torch.randn(batch, channels, 4, 7, 7, generator=gen)
                      + profile)


def test_summed_impulses_saturate_where_standardized_ones_stay_alive():
    """The measured reason Eq. 2's plain sum is not the default."""
    torch.manual_seed(0)
    x = _post_relu_feature()
    summed = Synapse(160, 10, impulse_reduction='sum')
    standardized = Synapse(160, 10)
    top_summed = torch.softmax(summed.impulses(x), -1).max(-1).values
    top_standardized = torch.softmax(standardized.impulses(x),
                                     -1).max(-1).values
    assert top_summed.min() > 0.999  # a one-hot softmax: no gradient
    assert 0.2 < top_standardized.mean() < 0.9
    assert standardized.eval().impulses(x).argmax(-1).unique().numel() > 3
