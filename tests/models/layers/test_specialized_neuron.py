"""Specialized neurons: spatio-temporal specialization (Eq. 4-8, Fig. 3)."""
import pytest
import torch
import torch.nn.functional as F

from mmdsts.models.layers import (Conv3dNeuron, FixedHalfSplit,
                                  ImprovedSemhashGate, SpecializedNeuron)


def _bn(x, norm):
    return F.batch_norm(x, norm.running_mean, norm.running_var, norm.weight,
                        norm.bias, False, 0.0, norm.eps)


def test_operators_have_the_paper_kernel_shapes():
    neuron = SpecializedNeuron(6)
    assert neuron.spatial.weight.shape == (6, 6, 1, 3, 3)  # S: 1x3x3
    assert neuron.temporal.weight.shape == (6, 6, 3, 1, 1)  # T: 3x1x1
    assert neuron.fuse.weight.shape == (6, 6, 1, 1, 1)  # 1x1x1 fuse
    assert isinstance(neuron.gate, ImprovedSemhashGate)
    assert neuron.gate.logits.shape == (6,)  # one gate per input channel


def test_forward_matches_equations_4_to_8(randomize_norms):
    torch.manual_seed(0)
    neuron = randomize_norms(SpecializedNeuron(6)).eval()
    x = torch.randn(2, 6, 4, 5, 5)
    b = torch.randint(0, 2, (2, 6)).float()
    out = neuron(x, decisions=b)
    bb = b[:, :, None, None, None]
    x_s, x_t = (1 - bb) * x, bb * x  # Eq. 4, 5
    z_s = F.conv3d(x_s, neuron.spatial.weight, padding=(0, 1, 1))  # Eq. 6
    z_t = F.conv3d(x_t, neuron.temporal.weight, padding=(1, 0, 0))  # Eq. 7
    z = F.relu(_bn(z_s, neuron.spatial_norm)) + \
        F.relu(_bn(z_t, neuron.temporal_norm))  # Eq. 8
    expected = F.conv3d(z, neuron.fuse.weight, neuron.fuse.bias)
    assert out.shape == x.shape
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize('mode', ['train', 'eval'])
@pytest.mark.parametrize('sign, used, unused', [(+1, 'temporal', 'spatial'),
                                                 (-1, 'spatial', 'temporal')])
def test_gate_sign_selects_the_operator(mode, sign, used, unused):
    """b = 1 (large positive gate logit) means temporal operator (Eq. 5)."""
    torch.manual_seed(0)
    neuron = getattr(SpecializedNeuron(4), mode)()
    with torch.no_grad():
        neuron.gate.logits.fill_(10.0 * sign)  # far beyond N(0, 1) noise
    x = torch.randn(2, 4, 3, 4, 4)
    torch.manual_seed(1)
    reference = neuron(x)
    with torch.no_grad():
        getattr(neuron, unused).weight.mul_(-3.0)
    torch.manual_seed(1)
    torch.testing.assert_close(neuron(x), reference)
    with torch.no_grad():
        getattr(neuron, used).weight.mul_(-3.0)
    torch.manual_seed(1)
    assert not torch.allclose(neuron(x), reference)


def test_gates_receive_gradients_in_training_only():
    torch.manual_seed(0)
    neuron = SpecializedNeuron(8).train()
    x = torch.randn(3, 8, 3, 4, 4)
    (neuron(x) * torch.randn(3, 8, 3, 4, 4)).sum().backward()
    assert neuron.gate.logits.grad is not None
    assert neuron.gate.logits.grad.abs().sum() > 0
    neuron.zero_grad(set_to_none=True)
    neuron.eval()
    (neuron(x) * torch.randn(3, 8, 3, 4, 4)).sum().backward()
    assert neuron.gate.logits.grad is None  # hard threshold, no gradient


def test_training_decisions_are_drawn_per_sample():
    torch.manual_seed(0)
    neuron = SpecializedNeuron(16).train()
    x = torch.randn(1, 16, 3, 4, 4).expand(2, -1, -1, -1, -1).contiguous()
    out = neuron(x)
    assert not torch.allclose(out[0], out[1])  # same input, other decisions


def test_without_gates_channels_are_split_half_and_half(randomize_norms):
    torch.manual_seed(0)
    neuron = randomize_norms(SpecializedNeuron(6, learn_gates=False)).eval()
    assert isinstance(neuron.gate, FixedHalfSplit)
    assert neuron.upstream_parameters() == []
    x = torch.randn(2, 6, 3, 4, 4)
    b = torch.tensor([[0., 0., 0., 1., 1., 1.]] * 2)
    torch.testing.assert_close(neuron(x), neuron(x, decisions=b))
    assert neuron.temporal_fraction() == pytest.approx(0.5)


def test_without_sts_a_neuron_is_one_3x3x3_conv_with_bn_and_relu(
        randomize_norms):
    torch.manual_seed(0)
    neuron = randomize_norms(Conv3dNeuron(4)).eval()
    assert neuron.conv.weight.shape == (4, 4, 3, 3, 3)
    assert neuron.upstream_parameters() == []
    assert neuron.downstream_parameters() == [neuron.conv.weight]
    x = torch.randn(2, 4, 3, 4, 4)
    expected = F.relu(_bn(F.conv3d(x, neuron.conv.weight, padding=1),
                          neuron.norm))
    torch.testing.assert_close(neuron(x), expected)


def test_partition_of_a_neuron():
    neuron = SpecializedNeuron(4)
    assert neuron.upstream_parameters() == [neuron.gate.logits]
    assert neuron.downstream_parameters() == [
        neuron.spatial.weight, neuron.temporal.weight
    ]


def test_temporal_fraction_reports_the_hard_decisions_used():
    neuron = SpecializedNeuron(4).eval()
    x = torch.randn(2, 4, 3, 4, 4)
    neuron(x, decisions=torch.tensor([[1., 0., 0., 0.], [1., 1., 0., 0.]]))
    assert neuron.temporal_fraction() == pytest.approx(3 / 8)


@pytest.mark.parametrize('logits', ['random', 'all_spatial', 'all_temporal'])
def test_split_channel_evaluation_equals_the_masked_form(
        logits, randomize_norms):
    torch.manual_seed(0)
    neuron = randomize_norms(SpecializedNeuron(8)).eval()
    with torch.no_grad():
        if logits == 'all_spatial':
            neuron.gate.logits.fill_(-1.0)
        elif logits == 'all_temporal':
            neuron.gate.logits.fill_(1.0)
        else:
            neuron.gate.logits.copy_(torch.tensor([1, -1, -1, 1, 1, 1, -1, 1.]))
    x = torch.randn(3, 8, 4, 5, 5)
    masked = neuron(x, decisions=(neuron.gate.logits > 0).float().expand(3, -1))
    assert neuron.split_channels_at_eval
    torch.testing.assert_close(neuron(x), masked)
    neuron.split_channels_at_eval = False
    torch.testing.assert_close(neuron(x), masked, rtol=0, atol=0)
