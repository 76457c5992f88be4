"""Multi-scale disentangled graph convolution (MS-G3D, Liu et al. CVPR 2020,
Eq. 3: ``X' = sigma( sum_k (A_k + A_res_k) X W_k )``)."""
from typing import Optional

import torch
from torch import Tensor, nn


class MultiScaleGCN(nn.Module):
    """Aggregate each joint over its k-hop rings, k = 0..K-1, then mix the
    K aggregates with one 1x1 convolution (the ``W_k`` of Eq. 3 stacked),
    BatchNorm and (optionally) ReLU.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        scales (Tensor): ``(K, V, V)`` normalised adjacencies (a buffer).
        residual_adjacency (bool): learn ``A_res`` (MS-G3D's "A-res", one
            V x V mask per scale, initialised at +-1e-6). Defaults to True.
        activation (bool): ReLU at the end. Defaults to True.

    ``forward(x, instance_adjacency=None)``: ``x`` is ``(N, C, T, V)``;
    ``instance_adjacency`` ``(N, V, V)`` is added to every scale's graph for
    its own sample (the STF module's ``G_k``).
    """

    def __init__(self, in_channels: int, out_channels: int, scales: Tensor,
                 residual_adjacency: bool = True,
                 activation: bool = True) -> None:
        super().__init__()
        self.register_buffer('scales', scales.clone(), persistent=False)
        num_scales, num_joints = scales.shape[:2]
        self.residual_adjacency = nn.Parameter(
            torch.empty(num_scales, num_joints, num_joints).uniform_(
                -1e-6, 1e-6)) if residual_adjacency else None
        self.mix = nn.Conv2d(in_channels * num_scales, out_channels, 1)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.ReLU() if activation else nn.Identity()

    def forward(self, x: Tensor,
                instance_adjacency: Optional[Tensor] = None) -> Tensor:
        n, c, t, v = x.shape
        adjacency = self.scales
        if self.residual_adjacency is not None:
            adjacency = adjacency + self.residual_adjacency
        # (A_k x)_v = sum_u A_k[v, u] x_u
        agg = torch.einsum('kvu,nctu->nkctv', adjacency, x)
        if instance_adjacency is not None:  # (A_k + G) x = A_k x + G x
            agg = agg + torch.einsum('nvu,nctu->nctv', instance_adjacency,
                                     x).unsqueeze(1)
        out = self.mix(agg.reshape(n, -1, t, v))  # N, C_out, T, V
        return self.act(self.bn(out))
