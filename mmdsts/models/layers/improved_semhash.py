"""Gates of a specialized neuron: Improved Semhash (paper section 3.2.2).

Each specialized neuron owns gate logits ``g`` with one element per input
channel (``N_in`` elements). Improved Semhash (Kaiser & Bengio, 2018) turns
them into binary decisions ``b`` in {0, 1}^N_in: ``b_l = 0`` sends channel
``l`` to the spatial operator (Eq. 4), ``b_l = 1`` to the temporal operator
(Eq. 5). The paper prefers it over Gumbel-Softmax because it needs ``N_in``
rather than ``2 N_in`` parameters.

Training (as in the public reference, tensor2tensor ``discrete_bottleneck``
kind "semhash"):

* ``g_noisy = g + n`` with ``n ~ N(0, 1)`` (paper section 4.1);
* ``soft = saturating_sigmoid(g_noisy) = clip(1.2 sigmoid(g_noisy) - 0.1, 0, 1)``;
* ``hard = 1[g_noisy > 0]`` (the same as ``1[soft > 0.5]``), used with a
  straight-through estimator ``hard + soft - stop_grad(soft)``;
* every element independently takes the soft value or the straight-through
  hard value with probability 0.5, so gradients always flow through ``soft``.

Evaluation: no noise, ``b = 1[g > 0]``.

Choices the paper leaves open (ours):

* Noise and the soft/hard choice are drawn per sample and per channel, so each
  sample of a batch gets its own ``b``; the reference draws them per example
  too.
* The reference ramps the probability of the hard value up from 0 during a
  warm-up; the paper does not mention one, so we use 0.5 from the start.
* Initialisation (``init_magnitude``, default 2.0, beyond the paper): half
  of the channels, chosen at random, start at ``g = +2`` (temporal), the
  others at ``g = -2`` (spatial). With logits near 0 against noise of std 1
  (``init_magnitude=None``: N(0, ``init_std``^2), our earlier default) about
  half of the training decisions disagree with the evaluation sign, the
  operators and their BatchNorm statistics are trained under an architecture
  evaluation never uses, and the gates, which move only by the small UDL
  meta-gradient, ended training at ``|g| ~ 0.03``: the evaluation split was
  the sign pattern of the initial noise. At ``|g| = 2`` a training decision
  agrees with the evaluation one with probability ``Phi(2) = 0.977``, and a
  gate that the gradients push across 0 flips the operator for both.
"""
from typing import Optional

import torch
from torch import Tensor, nn


def saturating_sigmoid(x: Tensor) -> Tensor:
    """``clip(1.2 * sigmoid(x) - 0.1, 0, 1)``: reaches exactly 0 and 1."""
    return torch.clamp(1.2 * torch.sigmoid(x) - 0.1, min=0.0, max=1.0)


def improved_semhash(logits: Tensor,
                     training: bool,
                     noise: Optional[Tensor] = None,
                     use_hard: Optional[Tensor] = None) -> Tensor:
    """Binary decisions from real logits by Improved Semhash.

    Args:
        logits (Tensor): Gate logits ``g`` of shape ``(..., C)``.
        training (bool): Sample with noise (True) or threshold at 0 (False).
        noise (Tensor, optional): Standard-Gaussian noise broadcastable with
            ``logits``; its shape is the output shape. Drawn with the shape of
            ``logits`` when None. Only used in training.
        use_hard (Tensor, optional): Boolean mask of the output shape: True
            where the straight-through hard value is used, False where the
            soft value is. Drawn as Bernoulli(0.5) when None. Only used in
            training.

    Returns:
        Tensor: ``b`` with values in [0, 1] (training: a mix of exact 0/1 hard
        values and soft values) or exactly {0, 1} (evaluation).
    """
    if not training:
        return (logits > 0).to(logits.dtype)
    if noise is None:
        noise = torch.randn_like(logits)
    noisy = logits + noise
    soft = saturating_sigmoid(noisy)
    hard = (noisy > 0).to(soft.dtype)
    # Parenthesised so the value is exactly 0 or 1 (same gradient).
    hard_straight_through = hard + (soft - soft.detach())
    if use_hard is None:
        use_hard = torch.rand_like(soft) < 0.5
    return torch.where(use_hard, hard_straight_through, soft)


class ImprovedSemhashGate(nn.Module):
    """Learned per-channel choice between the spatial and temporal operator.

    Args:
        num_channels (int): ``N_in``, the number of gated channels.
        init_magnitude (float, optional): ``|g|`` at initialisation, half of
            the channels (at random) positive. None: N(0, ``init_std``^2).
            Defaults to 2.0 (see the module docstring).
        init_std (float): Std of the normal initialisation when
            ``init_magnitude`` is None. Defaults to 0.01.
    """

    learnable = True

    def __init__(self, num_channels: int,
                 init_magnitude: Optional[float] = 2.0,
                 init_std: float = 0.01) -> None:
        super().__init__()
        if init_magnitude is None:
            logits = torch.randn(num_channels) * init_std
        else:
            if init_magnitude <= 0:
                raise ValueError('gate_init_magnitude must be positive or '
                                 f'None, got {init_magnitude}')
            signs = torch.ones(num_channels)
            signs[torch.randperm(num_channels)[:num_channels // 2]] = -1
            logits = signs * init_magnitude
        self.logits = nn.Parameter(logits)

    def forward(self, batch_size: int) -> Tensor:
        """Return ``b`` of shape ``(batch_size, N_in)``; 1 means temporal."""
        if not self.training:
            return improved_semhash(self.logits, False).expand(batch_size, -1)
        noise = torch.randn(
            batch_size,
            self.logits.numel(),
            device=self.logits.device,
            dtype=self.logits.dtype)
        return improved_semhash(self.logits, True, noise=noise)

    def temporal_fraction(self) -> Tensor:
        """Fraction of channels the deterministic (evaluation) gate sends to
        the temporal operator."""
        return (self.logits.detach() > 0).float().mean()

    def decision_agreement(self) -> Tensor:
        """Probability that a training decision ``1[g + n > 0]`` equals the
        evaluation one ``1[g > 0]``, averaged over channels:
        ``mean Phi(|g|)``."""
        g = self.logits.detach().abs()
        return (0.5 * (1 + torch.erf(g / 2 ** 0.5))).mean()


class FixedHalfSplit(nn.Module):
    """The "w/o Gates" ablation of Table 3: a fixed architecture shared by all
    neurons. The first ``num_channels // 2`` channels go to the spatial
    operator, the rest to the temporal operator.

    Args:
        num_channels (int): ``N_in``, the number of split channels.
    """

    learnable = False

    def __init__(self, num_channels: int) -> None:
        super().__init__()
        decisions = torch.zeros(num_channels)
        decisions[num_channels // 2:] = 1.0
        self.register_buffer('decisions', decisions, persistent=False)

    def forward(self, batch_size: int) -> Tensor:
        return self.decisions.expand(batch_size, -1)

    def temporal_fraction(self) -> Tensor:
        return self.decisions.mean()
