"""Upstream-Downstream Learning (paper section 3.3, Eq. 9-11).

Upstream parameters ``u`` (scoring kernels and gates) make the dynamic
decisions; downstream parameters ``d`` (spatial and temporal operators)
process the input under them. Each iteration, with mini-batches ``D_train``
and ``D_val`` drawn from the training set without common samples:

1. Simulated update (Eq. 9), ``u`` fixed, graph kept so that ``d_hat`` is a
   function of ``u``::

       d_hat = d - alpha grad_d loss(u, d; D_train)

2. Meta update (Eq. 10), ``u_hat`` a detached copy of ``u``: the gradient
   reaches ``u`` only through ``d_hat`` (second order); ``d`` is unchanged::

       u' = u - alpha grad_u loss(u_hat, d_hat; D_val)

   (``u'`` is taken by the upstream optimizer from that gradient.)

3. Actual update (Eq. 11): ``d`` and every other non-upstream parameter are
   updated on ``D_train`` with ``u'`` frozen.

Cost: backbone features depend on neither ``u`` nor ``d``, so steps 1-2 run on
detached backbone features (no backpropagation through the backbone) and the
backbone runs once on ``D_train`` (its features, with their graph, feed step
3) and once, without gradients, on ``D_val``.

This module holds the model-independent pieces; the recognizers in
:mod:`mmdsts.models.recognizers` wire them to MMAction2.
"""
from contextlib import contextmanager
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.func import functional_call


@contextmanager
def frozen_buffers(module: nn.Module):
    """Run the block on copies of every buffer of ``module`` (BatchNorm
    running statistics), then put the original tensors back: the D_val and
    simulated forwards of steps 1-2 leave no trace. The originals are never
    written to, which matters because step 3's backward checks the version
    of the running statistics the D_train forward saved."""
    saved = []
    for m in module.modules():
        for name, buffer in m._buffers.items():
            if buffer is not None:
                saved.append((m, name, buffer))
                m._buffers[name] = buffer.clone()
    try:
        yield
    finally:
        for m, name, buffer in saved:
            m._buffers[name] = buffer


def simulated_update(loss: Tensor, downstream: Sequence[Tensor],
                     alpha: float, scale: float = 1.0,
                     first_order_of: Optional[Sequence[Tensor]] = None):
    """Eq. 9: ``d - alpha * grad_d loss``, differentiable with respect to
    everything ``loss`` depends on (``create_graph=True``).

    Args:
        loss (Tensor): ``loss(u, d; D_train)``, multiplied by ``scale``.
        downstream (Sequence[Tensor]): ``d``.
        alpha (float): Step size of the simulated update.
        scale (float): Loss scale to divide out of the gradients (AMP).
        first_order_of (Sequence[Tensor], optional): Also return the
            (detached) first-order gradient of ``loss`` with respect to these
            tensors (``u``), from the same backward pass.

    Returns:
        list[Tensor]: ``d_hat``; with ``first_order_of``, the tuple
        ``(d_hat, grads)`` (a gradient is None where ``loss`` does not reach).

    A ``d`` the loss does not reach (a neuron no sample was routed to, with
    ``train_dispatch='routed'``) has a zero gradient and stays ``d``.
    """
    extra = list(first_order_of or ())
    grads = torch.autograd.grad(loss, list(downstream) + extra,
                                create_graph=True, allow_unused=True)
    grads, extra_grads = grads[:len(downstream)], grads[len(downstream):]
    if scale != 1.0:  # g / 1 == g exactly: no pass over d (and its backward)
        grads = [None if g is None else g / scale for g in grads]
    d_hat = [d if g is None else d - alpha * g
             for d, g in zip(downstream, grads)]
    if first_order_of is None:
        return d_hat
    return d_hat, [None if g is None else g.detach() / scale
                   for g in extra_grads]


def meta_gradient(loss_fn: Callable[..., Tensor],
                  module: nn.Module,
                  upstream: Dict[str, Tensor],
                  downstream_hat: Dict[str, Tensor],
                  inputs: Tuple,
                  scale: float = 1.0) -> Tuple[Tensor, List[Tensor]]:
    """Eq. 10: ``grad_u loss(u_hat, d_hat; D_val)`` through ``d_hat`` only.

    Args:
        loss_fn (Callable): ``loss_fn(module, *inputs) -> Tensor``, evaluated
            with ``module``'s parameters replaced (``torch.func``).
        module (nn.Module): The module whose parameters are named.
        upstream (dict[str, Tensor]): ``u`` by parameter name in ``module``.
        downstream_hat (dict[str, Tensor]): ``d_hat`` by parameter name.
        inputs (tuple): The ``D_val`` inputs of ``loss_fn``.
        scale (float): Loss scale to divide out of the gradients (AMP).

    Returns:
        tuple[Tensor, list[Tensor]]: The (detached) ``D_val`` loss, and one
        gradient per ``upstream`` entry (zeros where ``u`` does not reach the
        loss).
    """
    overrides = {name: u.detach() for name, u in upstream.items()}  # u_hat
    overrides.update(downstream_hat)
    loss = functional_call(module, overrides, (loss_fn, ) + tuple(inputs))
    scaled = loss if scale == 1.0 else loss * scale
    grads = torch.autograd.grad(scaled, list(upstream.values()),
                                allow_unused=True)
    return loss.detach(), [
        torch.zeros_like(u) if g is None else
        g if scale == 1.0 else g / scale
        for u, g in zip(upstream.values(), grads)
    ]


class LossCall(nn.Module):
    """Holds the modules a UDL loss goes through, so that ``functional_call``
    can swap their parameters by name (``dsts.*``, ``cls_head.*``); calling
    it runs ``loss_fn(self, *inputs)``. Built on the fly, never registered as
    a submodule (that would duplicate parameters in checkpoints)."""

    def __init__(self, **modules: nn.Module) -> None:
        super().__init__()
        for name, module in modules.items():
            self.add_module(name, module)

    def forward(self, loss_fn, *inputs):
        return loss_fn(self, *inputs)


def all_finite(*tensors: Tensor) -> bool:
    """True when every element of every tensor is finite (one sync)."""
    flags = [torch.isfinite(t).all() for t in tensors]
    return bool(torch.stack(flags).all())


def average_across_ranks(tensors: List[Tensor]) -> None:
    """All-reduce (mean) ``tensors`` in place when running distributed.

    ``torch.autograd.grad`` bypasses DDP's gradient hooks, so the meta-gradient
    must be averaged by hand or the ranks' upstream parameters drift apart.
    """
    if not (torch.distributed.is_available()
            and torch.distributed.is_initialized()):
        return
    world = torch.distributed.get_world_size()
    if world == 1:
        return
    flat = torch.cat([t.reshape(-1) for t in tensors])
    torch.distributed.all_reduce(flat)
    flat /= world
    offset = 0
    for t in tensors:
        t.copy_(flat[offset:offset + t.numel()].view_as(t))
        offset += t.numel()
