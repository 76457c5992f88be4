"""Training dynamics of the default DSTS module: routing stays spread and
sharpens towards the evaluation choice, gates move, and the instruments
that docs/dsts.md plots report them."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmdsts.models import DSTSNeck
from mmdsts.models.necks.dsts_dynamics import (live_gradient_fraction,
                                               routing_log)

CLASSES, CHANNELS = 6, 32


def _batch(gen, batch=24):
    """Post-ReLU features whose class sets a channel profile and whose
    temporal order carries a second cue."""
    labels = torch.arange(batch) % CLASSES
    centres = torch.randn(CLASSES, CHANNELS, 1, 1, 1,
                          generator=torch.Generator().manual_seed(0))
    x = centres[labels] + 0.5 * torch.randn(batch, CHANNELS, 4, 2, 2,
                                            generator=gen)
    ramp = torch.linspace(-1, 1, 4)[None, None, :, None, None]
    x = x + (labels % 2 * 2 - 1).float()[:, None, None, None, None] * ramp
    return F.relu(x), labels


def _agreement(neck, x):
    """Expected share of training choices equal to the eval argmax, per
    layer: mean top softmax probability of the impulses (Gumbel-max)."""
    neck.train()
    with torch.no_grad():
        neck(x)
    return [torch.softmax(layer.last_routing.impulses / layer.synapse.tau,
                          -1).max(-1).values.mean().item()
            for layer in neck.layers]


def test_a_few_iterations_keep_routing_spread_and_sharpen_it():
    torch.manual_seed(0)
    neck = DSTSNeck(in_channels=CHANNELS, num_neurons=4)
    head = torch.nn.Linear(CHANNELS, CLASSES)
    optim = torch.optim.Adam(list(neck.parameters()) +
                             list(head.parameters()), lr=1e-2)
    gen = torch.Generator().manual_seed(1)
    probe, _ = _batch(torch.Generator().manual_seed(99))
    before = _agreement(neck, probe)
    gates_before = torch.cat([n.gate.logits.detach().clone()
                              for layer in neck.layers
                              for n in layer.neurons])
    entropies = []
    for _ in range(40):
        x, labels = _batch(gen)
        y = neck.train()(x)[0]
        loss = F.cross_entropy(head(y.mean(dim=(2, 3, 4))), labels)
        optim.zero_grad()
        loss.backward()
        optim.step()
        log = routing_log(neck)
        entropies.append([log[f'dsts_load_entropy_l{j}'].item()
                          for j in range(3)])
    after = _agreement(neck, probe)
    floor = 0.5 * math.log(4)
    assert min(min(e) for e in entropies) > floor, entropies
    assert all(a > b for a, b in zip(after, before)), (before, after)
    gates_after = torch.cat([n.gate.logits.detach() for layer in neck.layers
                             for n in layer.neurons])
    assert (gates_after - gates_before).abs().max() > 0.05
    log = routing_log(neck)
    assert log['dsts_gate_agree'] > 0.95
    neck.eval()
    with torch.no_grad():
        neck(probe)
    for layer in neck.layers:  # evaluation routing is spread too
        load = torch.bincount(layer.last_routing.selected, minlength=4)
        assert load.max() < len(probe), load


def test_instruments_report_what_the_last_forward_did():
    torch.manual_seed(0)
    neck = DSTSNeck(in_channels=CHANNELS, num_neurons=4).train()
    x, _ = _batch(torch.Generator().manual_seed(0))
    y = neck(x)[0]
    (y * torch.randn_like(y)).sum().backward()
    log = routing_log(neck)
    for j, layer in enumerate(neck.layers):
        routing = layer.last_routing
        load = torch.bincount(routing.selected, minlength=4) / len(x)
        assert log[f'dsts_max_load_l{j}'] == load.max()
        assert log[f'dsts_route_agree_l{j}'] == (
            routing.selected == routing.impulses.argmax(-1)).float().mean()
        top2 = routing.impulses.topk(2, -1).values
        torch.testing.assert_close(log[f'dsts_impulse_gap_l{j}'],
                                   (top2[:, 0] - top2[:, 1]).mean())
    torch.testing.assert_close(log['dsts_gate_abs'], torch.tensor(2.0))
    torch.testing.assert_close(log['dsts_gate_agree'],
                               torch.tensor(0.5 * (1 + math.erf(2 / 2**0.5))))
    assert 0 < log['dsts_branch_ratio'] < 0.05  # near-identity start
    live = live_gradient_fraction(neck)
    selected = sum(layer.last_routing.selected.unique().numel()
                   for layer in neck.layers)
    # scoring kernels: every neuron; gates: the selected ones; biases: all
    expected = (3 * 4 + selected + 3) / (3 * 4 + 3 * 4 + 3)
    assert live.item() == pytest.approx(expected)
