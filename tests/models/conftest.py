"""Shared helpers for the model tests."""
import pytest
import torch

import mmdsts  # noqa: F401  repairs mmaction and registers DSTSNeck


def _spread_routing(synapse) -> None:
    """Make neuron i's impulse the pooled sum of channel i (mod C).

    With random inputs every neuron then wins for some samples, which the
    default random initialisation does not guarantee on tiny tensors.
    """
    num_neurons, _, in_channels = synapse.scoring_kernels.shape
    with torch.no_grad():
        synapse.scoring_kernels.zero_()
        synapse.scoring_bias.zero_()
        for i in range(num_neurons):
            synapse.scoring_kernels[i, 0, i % in_channels] = 1.0


@pytest.fixture
def spread_routing():
    return _spread_routing


@pytest.fixture
def randomize_norms():
    """Give every BatchNorm non-trivial running statistics and affine
    parameters, so evaluation-mode tests are not vacuous."""

    def apply(module, seed=0):
        gen = torch.Generator().manual_seed(seed)
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm3d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                with torch.no_grad():
                    m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
        return module

    return apply
