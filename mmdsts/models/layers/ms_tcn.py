"""Multi-scale temporal convolution (MS-G3D, Liu et al. CVPR 2020, Sec. 3.4
"MS-TCN"): parallel branches with dilated 3x1 temporal kernels, a max-pool
branch and a 1x1 branch, concatenated, plus a residual."""
from typing import Sequence

import torch
from torch import Tensor, nn


def _conv_bn(in_channels, out_channels, kernel=1, stride=1, dilation=1):
    pad = (kernel + (kernel - 1) * (dilation - 1) - 1) // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, (kernel, 1), (stride, 1),
                  (pad, 0), (dilation, 1)), nn.BatchNorm2d(out_channels))


class MultiScaleTCN(nn.Module):
    """MS-TCN over ``(N, C, T, V)``.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out, split evenly over ``len(dilations) + 2``
            branches (the first branch takes the remainder, so any width
            works).
        stride (int): temporal stride. Defaults to 1.
        dilations (Sequence[int]): of the 3x1 branches. Defaults to
            (1, 2, 3, 4), MS-G3D's.
        activation (bool): ReLU after the residual sum. Defaults to True.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 dilations: Sequence[int] = (1, 2, 3, 4),
                 activation: bool = True) -> None:
        super().__init__()
        num_branches = len(dilations) + 2
        widths = [out_channels // num_branches] * num_branches
        widths[0] += out_channels - sum(widths)
        self.branches = nn.ModuleList()
        for width, dilation in zip(widths, dilations):
            self.branches.append(nn.Sequential(
                _conv_bn(in_channels, width), nn.ReLU(),
                _conv_bn(width, width, 3, stride, dilation)))
        self.branches.append(nn.Sequential(
            _conv_bn(in_channels, widths[-2]), nn.ReLU(),
            nn.MaxPool2d((3, 1), (stride, 1), (1, 0)),
            nn.BatchNorm2d(widths[-2])))
        self.branches.append(_conv_bn(in_channels, widths[-1], 1, stride))
        if in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = _conv_bn(in_channels, out_channels, 1, stride)
        self.act = nn.ReLU() if activation else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = torch.cat([branch(x) for branch in self.branches], dim=1)
        return self.act(out + self.residual(x))
