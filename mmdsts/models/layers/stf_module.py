"""The STF module (STF-GCN) of Ke, Peng and Lyu, "Towards To-a-T
Spatio-Temporal Focus for Skeleton-Based Action Recognition" (AAAI 2022):
an instance-dependent adjacency ``G_k = alpha(beta(X^l))`` added to the
block's graph.

The poster gives the composition and that ``beta(X^l)`` is a
spatio-temporal focus map (it is compared with the focus Q in
``L_Gk = ||Q - beta(X^l)||_2``), not the layers. Written here:

* ``beta``: two 1x1 convolutions (C -> max(C/4, 8) -> 1, BatchNorm and ReLU
  between) and a sigmoid: a focus map in (0, 1) of shape (N, T, V), on the
  same grid and scale as the normalised focus Q it is trained towards.
* ``alpha``: the map averaged over time, m in (0, 1)^V, gives the topology
  ``m m^T`` (joints in focus together are linked), scaled element-wise by a
  learnable intensity ``Gamma`` (V x V): ``G_k = Gamma * (m m^T)``. Gamma
  starts at zero, so a fresh STF module leaves the block exactly the plain
  MS-G3D block (the same reason MMAction2's NonLocal3d zero-initialises its
  output); the first step already gives Gamma a gradient.
"""
import torch
from torch import Tensor, nn


class STFModule(nn.Module):
    """``beta`` and ``alpha`` of one STF-GCN block.

    Args:
        in_channels (int): channels of the block input X^l.
        num_joints (int): V.

    ``forward(x)`` with ``x`` (N, C, T, V) returns ``(focus, adjacency)``:
    ``beta(x)`` (N, T, V) and ``G_k`` (N, V, V).
    """

    def __init__(self, in_channels: int, num_joints: int) -> None:
        super().__init__()
        hidden = max(in_channels // 4, 8)
        self.beta = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1), nn.BatchNorm2d(hidden),
            nn.ReLU(), nn.Conv2d(hidden, 1, 1), nn.Sigmoid())
        self.intensity = nn.Parameter(torch.zeros(num_joints, num_joints))

    def alpha(self, focus: Tensor) -> Tensor:
        joint_focus = focus.mean(dim=1)  # N, V
        topology = joint_focus.unsqueeze(2) * joint_focus.unsqueeze(1)
        return self.intensity * topology  # N, V, V

    def forward(self, x: Tensor):
        focus = self.beta(x).squeeze(1)  # N, T, V
        return focus, self.alpha(focus)
