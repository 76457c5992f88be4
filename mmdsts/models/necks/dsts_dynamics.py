"""Training-dynamics instruments of a DSTS module (docs/dsts.md, "Training
dynamics"): what the routing, the gates and the residual branch are doing.

Everything here reads state a forward or backward already left behind and
returns device tensors (no host synchronisation), so it can run every
iteration. Keys without ``loss`` in their name are logged by MMEngine and not
summed into the loss.

Per layer ``j``:

* ``dsts_load_entropy_l{j}``: entropy (nats) of the batch's neuron load;
  ``log N`` when balanced, 0 when every sample goes to one neuron.
* ``dsts_max_load_l{j}``: largest fraction of the batch any neuron took.
* ``dsts_route_agree_l{j}``: fraction of training samples whose sampled
  neuron is the noise-free argmax that evaluation would pick.
* ``dsts_impulse_gap_l{j}``: mean gap between the best and second impulse,
  divided by ``tau``; the difference of two Gumbel noises has std
  ``pi / sqrt(3) = 1.81``, so a gap far below that means noise decides, far
  above means the softmax is saturated.

For the whole module:

* ``dsts_gate_abs``: mean ``|g|`` of the gate logits; Semhash noise has std 1.
* ``dsts_gate_agree``: probability that a training gate decision equals the
  evaluation one, ``mean Phi(|g|)``.
* ``dsts_temporal_fraction``: fraction of channels the evaluation gates send
  to the temporal operator.
* ``dsts_branch_ratio``: ``RMS(DSTS branch) / RMS(X)`` before the skip add.
"""
from typing import Dict, Iterable, Optional

import math

import torch
from torch import Tensor

GUMBEL_DIFFERENCE_STD = math.pi / math.sqrt(3)


def load_entropy(load: Tensor) -> Tensor:
    """Entropy (nats) of a load distribution, 0 log 0 = 0."""
    return -torch.special.xlogy(load, load).sum()


def routing_log(neck) -> Dict[str, Tensor]:
    """The instruments above for the last forward of ``neck`` (a
    :class:`~mmdsts.models.necks.DSTSNeck`)."""
    log = {}
    gates = []
    for j, layer in enumerate(neck.layers):
        routing = layer.last_routing
        if routing is not None:
            num_neurons = len(layer.neurons)
            selected = routing.selected
            load = torch.bincount(selected,
                                  minlength=num_neurons) / selected.numel()
            log[f'dsts_load_entropy_l{j}'] = load_entropy(load)
            log[f'dsts_max_load_l{j}'] = load.max()
            if layer.training:
                log[f'dsts_route_agree_l{j}'] = (
                    selected == routing.impulses.argmax(-1)).float().mean()
            if num_neurons > 1:
                top2 = routing.impulses.topk(2, dim=-1).values
                log[f'dsts_impulse_gap_l{j}'] = (
                    top2[:, 0] - top2[:, 1]).mean() / layer.synapse.tau
        gates += [n.gate for n in layer.neurons
                  if getattr(getattr(n, 'gate', None), 'learnable', False)]
    if gates:  # none in the "w/o STS" and "w/o Gates" ablations
        log['dsts_temporal_fraction'] = torch.stack(
            [g.temporal_fraction() for g in gates]).mean()
        logits = torch.cat([g.logits.detach().reshape(-1) for g in gates])
        log['dsts_gate_abs'] = logits.abs().mean()
        log['dsts_gate_agree'] = torch.stack(
            [g.decision_agreement() for g in gates]).mean()
    if getattr(neck, 'last_branch_ratio', None) is not None:
        log['dsts_branch_ratio'] = neck.last_branch_ratio
    return log


def live_gradient_fraction(neck,
                           grads: Optional[Iterable[Optional[Tensor]]] = None
                           ) -> Optional[Tensor]:
    """Fraction of upstream parameter tensors, one per neuron (its scoring
    kernel, its gate), whose gradient has a non-zero element.

    Args:
        neck: A :class:`~mmdsts.models.necks.DSTSNeck`.
        grads (Iterable[Tensor], optional): Gradients in
            ``neck.named_upstream_parameters()`` order (the UDL
            meta-gradient); the parameters' ``.grad`` when None.

    Returns:
        Tensor or None: A scalar in [0, 1]; None without upstream parameters.
    """
    params = [p for _, p in neck.named_upstream_parameters()]
    if grads is None:
        grads = [p.grad for p in params]
    live = []
    for p, g in zip(params, grads):
        if p.dim() == 0:  # the synapse's gain: not per neuron
            continue
        if g is None:
            live.append(torch.zeros(p.shape[0] if p.dim() == 3 else 1,
                                    device=p.device))
        elif p.dim() == 3:  # scoring kernels (N, N_out, N_in): per neuron
            live.append((g.flatten(1) != 0).any(1).float())
        else:  # a neuron's gate logits, or a layer's biases
            live.append((g != 0).any().float().reshape(1))
    if not live:
        return None
    return torch.cat(live).mean()
