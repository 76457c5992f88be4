"""Projections of the neck: 1x1x1 conv + BN (+ ReLU), folded at evaluation."""
import pytest
import torch
import torch.nn.functional as F

from mmdsts.models.layers import PointwiseConvBN


@pytest.mark.parametrize('relu', [True, False])
def test_folded_evaluation_equals_conv_then_batchnorm(relu, randomize_norms):
    torch.manual_seed(0)
    proj = randomize_norms(PointwiseConvBN(6, 4, relu)).eval()
    x = torch.randn(2, 6, 3, 4, 4)
    expected = proj.norm(proj.conv(x))
    expected = F.relu(expected) if relu else expected
    torch.testing.assert_close(proj(x), expected)
    assert proj.conv.weight.shape == (4, 6, 1, 1, 1)


def test_training_normalises_with_batch_statistics():
    torch.manual_seed(0)
    proj = PointwiseConvBN(6, 4, relu=False).train()
    out = proj(torch.randn(4, 6, 3, 4, 4) * 5 + 2)
    torch.testing.assert_close(out.mean(dim=(0, 2, 3, 4)), torch.zeros(4),
                               atol=1e-5, rtol=0)


@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_residual_form_equals_residual_plus_projection(mode, randomize_norms):
    torch.manual_seed(0)
    proj = getattr(randomize_norms(PointwiseConvBN(6, 4, relu=False)), mode)()
    x, skip = torch.randn(2, 6, 3, 4, 4), torch.randn(2, 4, 3, 4, 4)
    expected = skip + proj.norm(proj.conv(x))
    torch.testing.assert_close(proj.forward_residual(x, skip), expected)


def test_residual_form_refuses_a_relu_projection():
    with pytest.raises(ValueError, match='ReLU'):
        PointwiseConvBN(6, 4, relu=True).forward_residual(
            torch.randn(1, 6, 1, 1, 1), torch.randn(1, 4, 1, 1, 1))
