"""The G3D pathway of MS-G3D (Liu et al., CVPR 2020, Sec. 3.2-3.3): unified
spatial-temporal graph convolution over sliding windows of tau frames, at
several disentangled scales, for several window sizes."""
from typing import Optional, Sequence

import numpy as np
from torch import Tensor, nn

from .graph_scales import disentangled_scales, window_adjacency
from .ms_gcn import MultiScaleGCN


class WindowG3D(nn.Module):
    """One window size tau: unfold ``(N, C, T, V)`` into windows
    ``(N, C, T', tau V)``, graph-convolve each window's tau V nodes with the
    multi-scale G3D graph, then collapse the window with a ``(1, tau, 1)``
    convolution and BatchNorm (no activation: the block sums pathways
    first). As in MS-G3D, the window GCN keeps ``graph_channels`` (the input
    width in later stages) and the collapse changes the width.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        adjacency (np.ndarray): binary skeleton adjacency (V, V).
        num_scales (int): disentangled scales of the window graph.
        window_size (int): tau.
        stride (int): temporal stride of the windows. Defaults to 1.
        graph_channels (int, optional): width of the window GCN.
            Defaults to ``out_channels``.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 adjacency: np.ndarray, num_scales: int, window_size: int,
                 stride: int = 1, graph_channels: Optional[int] = None
                 ) -> None:
        super().__init__()
        self.window_size = window_size
        self.unfold = nn.Unfold((window_size, 1), stride=(stride, 1),
                                padding=((window_size - 1) // 2, 0))
        scales = disentangled_scales(
            window_adjacency(adjacency, window_size), num_scales)
        graph_channels = graph_channels or out_channels
        self.gcn = MultiScaleGCN(in_channels, graph_channels, scales)
        self.collapse = nn.Conv3d(graph_channels, out_channels,
                                  (1, window_size, 1))
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        n, c, _, v = x.shape
        tau = self.window_size
        windows = self.unfold(x).view(n, c, tau, -1, v)  # N, C, tau, T', V
        t_out = windows.shape[3]
        windows = windows.permute(0, 1, 3, 2, 4).reshape(n, c, t_out, tau * v)
        out = self.gcn(windows).view(n, -1, t_out, tau, v)
        return self.bn(self.collapse(out).squeeze(3))  # N, C_out, T', V


class MultiWindowG3D(nn.Module):
    """The sum of :class:`WindowG3D` over several window sizes (MS-G3D uses
    3 and 5)."""

    def __init__(self, in_channels: int, out_channels: int,
                 adjacency: np.ndarray, num_scales: int,
                 window_sizes: Sequence[int] = (3, 5),
                 stride: int = 1, graph_channels: Optional[int] = None
                 ) -> None:
        super().__init__()
        self.windows = nn.ModuleList(
            WindowG3D(in_channels, out_channels, adjacency, num_scales, tau,
                      stride, graph_channels) for tau in window_sizes)

    def forward(self, x: Tensor) -> Tensor:
        return sum(window(x) for window in self.windows)
