"""Specialized neurons (paper section 3.2.2, Fig. 3, Eq. 4-8): what processes.

A specialized neuron ``n_i`` holds gates ``g_i`` (see
:mod:`mmdsts.models.layers.improved_semhash`), a spatial operator ``S_i`` (a
1x3x3 convolution) and a temporal operator ``T_i`` (a 3x1x1 convolution). Its
scoring kernel ``m_i`` lives in the layer's
:class:`~mmdsts.models.layers.synapse.Synapse`, which decides whether the
neuron is activated at all. Given binary decisions ``b`` drawn from ``g_i``::

    X_S = (1 - b) . X                     (Eq. 4)   channels sent to S
    X_T = b . X                           (Eq. 5)   channels sent to T
    Z_S = S_i(X_S)                        (Eq. 6)
    Z_T = T_i(X_T)                        (Eq. 7)
    Z   = ReLU(BN(Z_S)) + ReLU(BN(Z_T))   (Eq. 8)
    Z'  = fuse_i(Z)                       1x1x1 convolution

Exact faster evaluation: at evaluation ``b`` is binary and shared by every
sample, and a channel multiplied by 0 contributes nothing to a convolution, so
``S((1 - b) . X)`` equals ``S`` restricted to the input channels with
``b = 0`` applied to those channels only (likewise ``T`` for ``b = 1``). With
``split_channels_at_eval`` (default) the neuron evaluates that way: about half
the multiply-adds of ``S`` and ``T``; the evaluation BatchNorms are folded
into the sliced weights. The masked form above stays the
reference (``split_channels_at_eval=False``) and tests hold the two equal.

Choices the paper leaves open (ours): ``S`` and ``T`` map ``N_in`` to ``N_in``
channels without bias (a BatchNorm follows each); the fuse convolution keeps
``N_in`` channels and has a bias; each of ``S`` and ``T`` has its own
BatchNorm.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .improved_semhash import FixedHalfSplit, ImprovedSemhashGate


def conv_bn_relu_on_channels(conv: nn.Conv3d, norm: nn.BatchNorm3d, x: Tensor,
                             channels: Tensor) -> Tensor:
    """``ReLU(BN(conv(x')))`` at evaluation, where ``x'`` is ``x`` with every
    channel outside ``channels`` set to zero: the convolution runs on
    ``channels`` only, and the evaluation BatchNorm (a per-channel affine map)
    is folded into its weights, one pass over the output instead of two."""
    scale = norm.weight * (norm.running_var + norm.eps).rsqrt()
    shift = norm.bias - norm.running_mean * scale
    if channels.numel() == 0:  # conv(0) = 0, so only the BN shift is left
        out = shift[None, :, None, None, None].expand(
            (x.shape[0], conv.out_channels) + x.shape[2:])
        return F.relu(out)
    weight = conv.weight.index_select(1, channels) * scale[:, None, None,
                                                           None, None]
    out = F.conv3d(x.index_select(1, channels), weight, shift, conv.stride,
                   conv.padding)
    return F.relu(out, inplace=True)


class SpecializedNeuron(nn.Module):
    """A specialized neuron with spatio-temporal specialization (Fig. 3).

    Args:
        channels (int): ``N_in``, input and output channels.
        learn_gates (bool): Learn per-channel gates with Improved Semhash
            (True, the paper) or use the fixed half/half split of the
            "w/o Gates" ablation (Table 3). Defaults to True.
        split_channels_at_eval (bool): At evaluation, convolve only the
            channels each operator receives (exact, faster) instead of masking.
            Defaults to True.
        gate_init_magnitude (float, optional): ``|g|`` of the gate logits at
            initialisation; None: N(0, 0.01^2). See
            :class:`~mmdsts.models.layers.ImprovedSemhashGate`. Defaults to
            2.0.
    """

    def __init__(self,
                 channels: int,
                 learn_gates: bool = True,
                 split_channels_at_eval: bool = True,
                 gate_init_magnitude: Optional[float] = 2.0) -> None:
        super().__init__()
        self.split_channels_at_eval = split_channels_at_eval
        self.gate = ImprovedSemhashGate(channels, gate_init_magnitude) \
            if learn_gates else FixedHalfSplit(channels)
        self.spatial = nn.Conv3d(
            channels, channels, (1, 3, 3), padding=(0, 1, 1), bias=False)
        self.temporal = nn.Conv3d(
            channels, channels, (3, 1, 1), padding=(1, 0, 0), bias=False)
        self.spatial_norm = nn.BatchNorm3d(channels)
        self.temporal_norm = nn.BatchNorm3d(channels)
        self.fuse = nn.Conv3d(channels, channels, 1)
        # Kept as a tensor: converting here would synchronise with the GPU.
        self.last_temporal_fraction: Optional[Tensor] = None

    def forward(self, x: Tensor, decisions: Optional[Tensor] = None) -> Tensor:
        """Process ``x`` ``(B, N_in, T, H, W)``.

        Args:
            x (Tensor): Input feature map.
            decisions (Tensor, optional): ``b`` ``(B, N_in)``, 1 = temporal.
                Drawn from the gates when None (the normal case; tests pass
                their own).

        Returns:
            Tensor: ``Z'`` of the same shape as ``x``.
        """
        if decisions is None and not self.training \
                and self.split_channels_at_eval:
            return self._forward_split_channels(x)
        if decisions is None:
            decisions = self.gate(x.shape[0])
        self.last_temporal_fraction = (decisions.detach() > 0.5).float().mean()
        b = decisions.to(x.dtype)[:, :, None, None, None]  # B, N_in, 1, 1, 1
        z_spatial = self.spatial((1 - b) * x)  # Eq. 4, 6
        z_temporal = self.temporal(b * x)  # Eq. 5, 7
        z = F.relu(self.spatial_norm(z_spatial)) + \
            F.relu(self.temporal_norm(z_temporal))  # Eq. 8
        return self.fuse(z)

    def _forward_split_channels(self, x: Tensor) -> Tensor:
        """Eq. 4-8 at evaluation, each operator on its own channels only."""
        temporal = self.gate(1)[0] > 0.5  # N_in, shared by the batch
        self.last_temporal_fraction = temporal.float().mean()
        z_spatial = conv_bn_relu_on_channels(self.spatial, self.spatial_norm, x,
                                             (~temporal).nonzero()[:, 0])
        z_temporal = conv_bn_relu_on_channels(self.temporal,
                                              self.temporal_norm, x,
                                              temporal.nonzero()[:, 0])
        return self.fuse(z_spatial + z_temporal)

    @torch.no_grad()
    def scale_output_(self, scale: float) -> None:
        """Multiply the neuron's output ``Z'`` by ``scale`` (the fuse)."""
        self.fuse.weight.mul_(scale)
        self.fuse.bias.mul_(scale)

    def upstream_parameters(self):
        """Gate logits ``g_i`` (upstream: they make dynamic decisions)."""
        return list(self.gate.parameters())

    def downstream_parameters(self):
        """Spatial and temporal operators ``S_i``, ``T_i`` (downstream)."""
        return [self.spatial.weight, self.temporal.weight]

    def temporal_fraction(self) -> float:
        """Fraction of channels sent to ``T`` in the last forward (mean of the
        hard decisions), else by the deterministic gate."""
        if self.last_temporal_fraction is not None:
            return float(self.last_temporal_fraction)
        return float(self.gate.temporal_fraction())


class Conv3dNeuron(nn.Module):
    """The "w/o STS" ablation of Table 3: a neuron is one 3x3x3 convolution
    followed by BatchNorm and ReLU; there are no gates.

    Args:
        channels (int): ``N_in``, input and output channels.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm3d(channels)

    def forward(self, x: Tensor, decisions: Optional[Tensor] = None) -> Tensor:
        return F.relu(self.norm(self.conv(x)))

    @torch.no_grad()
    def scale_output_(self, scale: float) -> None:
        """Multiply the neuron's output by ``scale`` (BN's affine; ReLU is
        positively homogeneous)."""
        self.norm.weight.mul_(scale)
        self.norm.bias.mul_(scale)

    def upstream_parameters(self):
        return []

    def downstream_parameters(self):
        """The 3x3x3 operator takes the place of ``S`` and ``T``."""
        return [self.conv.weight]

    def temporal_fraction(self) -> float:
        """Not defined without gates: NaN."""
        return float('nan')
