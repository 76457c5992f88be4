"""Improved Semhash gates (paper section 3.2.2; section 4.1 for the noise)."""
import math

import pytest
import torch

from mmdsts.models.layers import (FixedHalfSplit, ImprovedSemhashGate,
                                  improved_semhash, saturating_sigmoid)


def _phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_saturating_sigmoid_is_clipped_affine_sigmoid():
    x = torch.linspace(-8, 8, 101, dtype=torch.float64)
    expected = (1.2 * torch.sigmoid(x) - 0.1).clamp(0, 1)
    assert torch.equal(saturating_sigmoid(x), expected)
    assert saturating_sigmoid(torch.tensor(-5.0)) == 0
    assert saturating_sigmoid(torch.tensor(5.0)) == 1


def test_evaluation_thresholds_logits_at_zero_without_noise():
    logits = torch.tensor([-2.0, -1e-6, 0.0, 1e-6, 3.0])
    state = torch.random.get_rng_state()
    b = improved_semhash(logits, training=False)
    assert torch.equal(b, torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0]))
    assert torch.equal(torch.random.get_rng_state(), state), \
        'evaluation must not draw noise'


def test_training_takes_hard_or_soft_value_of_the_noisy_logits():
    logits = torch.tensor([0.3, -0.2, 1.5, -3.0])
    noise = torch.tensor([-0.5, 0.4, 0.1, 0.2])
    use_hard = torch.tensor([True, False, True, False])
    b = improved_semhash(logits, True, noise=noise, use_hard=use_hard)
    noisy = logits + noise
    soft = (1.2 * torch.sigmoid(noisy) - 0.1).clamp(0, 1)
    expected = torch.where(use_hard, (noisy > 0).float(), soft)
    torch.testing.assert_close(b, expected)
    assert b[0] == 0 and b[2] == 1  # hard values are exact


@pytest.mark.parametrize('use_hard', [True, False])
def test_gradient_always_flows_through_the_soft_value(use_hard):
    logits = torch.tensor([0.3, -0.2, 0.05, -0.4], dtype=torch.float64,
                          requires_grad=True)
    noise = torch.tensor([0.1, 0.4, -0.3, 0.2], dtype=torch.float64)
    b = improved_semhash(logits, True, noise=noise,
                         use_hard=torch.full((4,), use_hard))
    b.sum().backward()
    s = torch.sigmoid((logits + noise).detach())
    expected = 1.2 * s * (1 - s)  # d saturating_sigmoid / dx, unsaturated
    torch.testing.assert_close(logits.grad, expected)


@pytest.mark.parametrize('logit', [0.5, -1.0])
def test_training_noise_is_standard_gaussian(logit):
    torch.manual_seed(0)
    gate = ImprovedSemhashGate(1)
    with torch.no_grad():
        gate.logits.fill_(logit)
    b = gate.train()(200_000)
    # P(b = 1) = P(g + n > 0) = Phi(g) for n ~ N(0, 1).
    assert (b > 0.5).float().mean().item() == pytest.approx(
        _phi(logit), abs=0.005)


def test_each_element_picks_hard_or_soft_with_probability_one_half():
    torch.manual_seed(0)
    gate = ImprovedSemhashGate(8)
    with torch.no_grad():
        gate.logits.zero_()
    b = gate.train()(20_000)
    assert b.shape == (20_000, 8)
    binary = ((b == 0) | (b == 1)).float().mean().item()
    # Hard elements are binary; soft ones only where the saturating sigmoid
    # saturates, i.e. |noise| > ln(11) (probability 0.0165).
    assert binary == pytest.approx(0.5 + 0.5 * 0.0165, abs=0.01)


def test_gate_draws_independent_decisions_per_sample():
    torch.manual_seed(0)
    b = ImprovedSemhashGate(32).train()(4)
    assert not torch.equal(b[0], b[1])


def test_evaluation_gate_is_the_same_for_every_sample_and_call():
    gate = ImprovedSemhashGate(16).eval()
    b = gate(3)
    assert torch.equal(b, gate(3))
    assert torch.equal(b, (gate.logits > 0).float().expand(3, -1))
    assert gate.temporal_fraction() == (gate.logits > 0).float().mean()


def test_fixed_half_split_sends_first_half_spatial_second_half_temporal():
    split = FixedHalfSplit(5)
    assert list(split.parameters()) == []
    assert torch.equal(split(2), torch.tensor([[0., 0., 1., 1., 1.]] * 2))
    assert split.temporal_fraction() == pytest.approx(0.6)


def test_default_gates_start_half_temporal_at_plus_minus_two():
    gate = ImprovedSemhashGate(32)
    assert set(gate.logits.tolist()) == {-2.0, 2.0}
    assert gate.temporal_fraction().item() == 0.5


def test_paper_like_gates_start_near_zero():
    torch.manual_seed(0)
    logits = ImprovedSemhashGate(4096, init_magnitude=None).logits
    assert logits.std().item() == pytest.approx(0.01, rel=0.05)


@pytest.mark.parametrize('magnitude', [None, 0.5, 2.0])
def test_decision_agreement_is_the_chance_a_noisy_decision_matches_eval(
        magnitude):
    torch.manual_seed(0)
    gate = ImprovedSemhashGate(64, init_magnitude=magnitude).train()
    hard = torch.stack([(gate(500).detach() > 0.5) for _ in range(4)])
    # soft values above 0.5 are exactly the noisy hard decisions 1[g+n>0]
    observed = (hard == (gate.logits > 0)).float().mean()
    assert gate.decision_agreement().item() == pytest.approx(
        observed.item(), abs=0.01)
