"""1x1x1 convolution + BatchNorm (+ ReLU), the projections of the DSTS neck."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class PointwiseConvBN(nn.Module):
    """``ReLU?(BN(conv_1x1x1(x)))``.

    At evaluation BatchNorm is an affine map per channel, so it is folded into
    the convolution (``W' = W gamma / sigma``, ``b' = beta - mu gamma /
    sigma``): one pass over the output instead of two. Exact up to float
    rounding; tests compare it with the unfolded modules.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        relu (bool): Apply ReLU after the BatchNorm.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 relu: bool) -> None:
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, 1, bias=False)
        self.norm = nn.BatchNorm3d(out_channels)
        self.relu = relu

    def _folded(self):
        """Weight ``(out, in)`` and bias ``(out,)`` of conv + eval BN."""
        scale = self.norm.weight * (self.norm.running_var +
                                    self.norm.eps).rsqrt()
        shift = self.norm.bias - self.norm.running_mean * scale
        return self.conv.weight.flatten(1) * scale[:, None], shift

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            x = self.norm(self.conv(x))
        else:
            weight, bias = self._folded()
            x = F.conv3d(x, weight[:, :, None, None, None], bias)
        return F.relu(x) if self.relu else x

    def forward_residual(self, x: Tensor, residual: Tensor) -> Tensor:
        """``residual + BN(conv(x))`` (no ReLU), e.g. a skip connection.

        At evaluation one batched GEMM accumulates into ``residual``; the
        folded bias rides along as an extra all-ones input channel. This
        avoids materialising the projection and adding it in a second pass.
        """
        if self.relu:
            raise ValueError('forward_residual is for projections without '
                             'ReLU')
        if self.training:
            return residual + self(x)
        weight, bias = self._folded()
        batch, channels = x.shape[:2]
        x = x.reshape(batch, channels, -1)  # B, in, THW
        ones = x.new_ones(batch, 1, x.shape[-1])
        weight = torch.cat([weight, bias[:, None]], dim=1)  # out, in + 1
        out = torch.baddbmm(
            residual.reshape(batch, residual.shape[1], -1),
            weight.expand(batch, -1, -1), torch.cat([x, ones], dim=1))
        return out.view_as(residual)
