"""The synapse mechanism (paper section 3.2.1, Eq. 1-3): who is activated.

Each specialized neuron ``n_i`` of a DSTS layer has a scoring kernel ``m_i``, a
1x1x1 convolution from ``N_in`` to ``N_out`` channels with bias ``b_i`` (the
paper sets ``N_out = N_in``). Its impulse is the sum of every element of the
scoring convolution's output::

    q_i = m_i(X)                                   (Eq. 1)
    v_i = sum_{c, t, h, w} q_i[c, t, h, w]         (Eq. 2)
    V   = {v_i}_{i=1..N}                           (Eq. 3)

Gumbel-Softmax over ``V`` picks one neuron per sample: in training a hard
one-hot sample with straight-through gradients, at evaluation the argmax of
``V`` without noise.

Routing (this module) is kept apart from dispatch and from the neurons
themselves (:mod:`mmdsts.models.layers.dsts_layer`), as in mixture-of-experts
code: the synapse owns the N scoring kernels, stacked in one tensor so that all
impulses come from one matrix product.

Faster than the literal form, and exact: because the convolution is 1x1x1 and
linear, Eq. 1-2 equal a linear function of the globally sum-pooled feature::

    v_i = (sum_o m_i[o, :]) . (sum_{t,h,w} X[:, t, h, w]) + T H W sum_o b_i[o]

which costs ``O(N_in THW + N N_out N_in)`` per sample instead of
``O(N N_out N_in THW)``. Values and gradients (with respect to ``m``, ``b`` and
``X``) are the same; :func:`literal_impulses` keeps the paper's form as the
reference and ``impulse_impl='literal'`` selects it.

Impulse scale (``impulse_reduction``), written down because the paper is
silent about it and it decides whether routing learns at all:

* ``'sum'``, Eq. 2 as written (paper-literal). Impulses grow with
  ``N_out x T x H x W``: on a post-ReLU (16, 2048, 8, 7, 7) feature the gap
  between the two best neurons is in the hundreds, the Gumbel-Softmax
  saturates (softmax max = 1.000000), a batch goes to 1-4 neurons and the
  scoring kernels of the first layer get exactly zero gradient.
* ``'mean'``: Eq. 2 divided by ``N_out T H W``. Impulses then differ by about
  0.01, Gumbel noise (std 1.28) decides every training choice, and the
  noise-free argmax at evaluation is dominated by the component all samples
  share (the post-ReLU mean): one neuron takes almost every test clip.
* ``'standardized'`` (default, beyond the paper). Eq. 1-2 with the mean
  reduction, applied to the feature standardised per channel with the batch
  statistics of its pooled form (a ``BatchNorm1d`` without affine, running
  statistics at evaluation), each neuron's summed kernel normalised to unit
  length and a learnable gain ``s``::

      z   = (mean_{t,h,w} X - mu) / sigma
      v_i = exp(s) (k_i . z + c_i) / ||k_i||,   k_i = mean_o m_i[o, :],
                                                c_i = mean_o b_i[o]

  Centring removes the shared component, so different samples prefer
  different neurons; unit-length kernels make ``v`` O(1) at any width and
  feature size, comparable with the Gumbel noise, so training choices are
  neither frozen nor pure noise and every kernel gets gradient; the gain
  ``s`` (``exp(s)`` starts at ``impulse_gain`` = 3) lets training sharpen
  the choice further towards the evaluation argmax. ``tau`` still divides
  ``v``.
"""
import math
from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IMPULSE_IMPLS = ('pooled', 'literal')
IMPULSE_REDUCTIONS = ('standardized', 'sum', 'mean')


def pooled_impulses(x: Tensor, kernels: Tensor, bias: Tensor) -> Tensor:
    """Eq. 1-2 through the sum-pooled feature (exact, fast).

    Args:
        x (Tensor): Feature map ``(B, N_in, T, H, W)``.
        kernels (Tensor): Scoring kernels ``(N, N_out, N_in)``.
        bias (Tensor): Scoring biases ``(N, N_out)``.

    Returns:
        Tensor: Impulses ``(B, N)``.
    """
    positions = x.shape[2] * x.shape[3] * x.shape[4]
    pooled = x.sum(dim=(2, 3, 4))  # B, N_in
    return pooled @ kernels.sum(dim=1).t() + positions * bias.sum(dim=1)


def literal_impulses(x: Tensor, kernels: Tensor, bias: Tensor) -> Tensor:
    """Eq. 1-2 as written: a 1x1x1 scoring convolution, then a full sum.

    Same arguments and result as :func:`pooled_impulses`.
    """
    num_neurons, out_channels, in_channels = kernels.shape
    q = F.conv3d(x, kernels.reshape(num_neurons * out_channels, in_channels, 1,
                                    1, 1), bias.reshape(-1))  # B, N*N_out, T, H, W
    return q.reshape(x.shape[0], num_neurons, -1).sum(dim=-1)


def standardized_impulses(z: Tensor, kernels: Tensor, bias: Tensor,
                          log_gain: Tensor) -> Tensor:
    """``'standardized'`` impulses from the standardised pooled feature.

    Args:
        z (Tensor): ``(B, N_in)``, ``(mean_{t,h,w} X - mu) / sigma``.
        kernels (Tensor): Scoring kernels ``(N, N_out, N_in)``.
        bias (Tensor): Scoring biases ``(N, N_out)``.
        log_gain (Tensor): Scalar ``s``.

    Returns:
        Tensor: ``exp(s) (k_i . z + c_i) / ||k_i||``, ``(B, N)``: Eq. 1-2 with
        the mean reduction on the standardised feature, per unit kernel.
    """
    summed = kernels.mean(dim=1)  # N, N_in: k_i
    return per_unit_kernel(z @ summed.t() + bias.mean(dim=1), kernels,
                           log_gain)


def per_unit_kernel(v: Tensor, kernels: Tensor, log_gain: Tensor) -> Tensor:
    """``exp(s) v_i / ||k_i||``: mean-reduced impulses ``v`` ``(B, N)`` as if
    each summed kernel ``k_i = mean_o m_i[o, :]`` had unit length, times the
    gain."""
    norms = kernels.mean(dim=1).norm(dim=1).clamp_min(1e-12)
    return log_gain.exp() * v / norms


def sample_gumbel(like: Tensor) -> Tensor:
    """Standard Gumbel noise ``-log(E)``, ``E ~ Exp(1)``, shaped like ``like``."""
    return -torch.empty_like(like).exponential_().log()


def gumbel_softmax_selection(impulses: Tensor,
                             tau: float,
                             training: bool,
                             noise: Optional[Tensor] = None):
    """Select one neuron per sample from its impulses (Gumbel-Softmax, [14]).

    Args:
        impulses (Tensor): ``V`` of shape ``(B, N)``.
        tau (float): Gumbel-Softmax temperature.
        training (bool): Sample with Gumbel noise and straight-through
            gradients (True) or take the argmax without noise (False).
        noise (Tensor, optional): Gumbel noise ``(B, N)``; drawn when None.

    Returns:
        tuple[Tensor, Tensor]: ``weights`` ``(B, N)``, exactly one-hot in value;
        in training its gradient is that of ``softmax((V + noise) / tau)``
        (straight-through). ``selected`` ``(B,)``, the index of the activated
        neuron.
    """
    if not training:
        selected = impulses.argmax(dim=-1)
        weights = F.one_hot(selected, impulses.shape[-1]).to(impulses.dtype)
        return weights, selected
    if noise is None:
        noise = sample_gumbel(impulses)
    soft = torch.softmax((impulses + noise) / tau, dim=-1)
    selected = soft.argmax(dim=-1)
    hard = F.one_hot(selected, impulses.shape[-1]).to(soft.dtype)
    # Parenthesised so the value is exactly one-hot (same gradient).
    return hard + (soft - soft.detach()), selected


class Routing(NamedTuple):
    """A synapse's decision for a batch.

    Attributes:
        impulses (Tensor): ``(B, N)`` impulses ``V`` (Eq. 3).
        weights (Tensor): ``(B, N)`` one-hot selection (straight-through in
            training).
        selected (Tensor): ``(B,)`` index of the activated neuron.
    """
    impulses: Tensor
    weights: Tensor
    selected: Tensor


class Synapse(nn.Module):
    """Scoring kernels of the N specialized neurons of one DSTS layer, and the
    Gumbel-Softmax choice among them.

    Args:
        in_channels (int): ``N_in``.
        num_neurons (int): ``N``.
        tau (float): Gumbel-Softmax temperature. Defaults to 1.0 (section 4.1).
        out_channels (int, optional): ``N_out``; ``N_in`` when None, as in
            section 4.1.
        impulse_impl (str): ``'pooled'`` (exact and fast, default) or
            ``'literal'`` (Eq. 1-2 as written).
        impulse_reduction (str): ``'standardized'`` (default, beyond the
            paper), ``'sum'`` (Eq. 2 as written) or ``'mean'``; see the
            module docstring.
        impulse_gain (float): Initial gain ``exp(s)`` of ``'standardized'``
            impulses. Defaults to 3.0: impulses of std ~3 across neurons, so
            the Gumbel-Softmax picks the noise-free argmax about 2 times in 3
            and its softmax is far from saturated (mean top probability
            0.66); at 1.0 the noise decided (1 in 3 for N = 10).
    """

    def __init__(self,
                 in_channels: int,
                 num_neurons: int,
                 tau: float = 1.0,
                 out_channels: Optional[int] = None,
                 impulse_impl: str = 'pooled',
                 impulse_reduction: str = 'standardized',
                 impulse_gain: float = 3.0) -> None:
        super().__init__()
        if impulse_impl not in IMPULSE_IMPLS:
            raise ValueError(f'impulse_impl must be one of {IMPULSE_IMPLS}, '
                             f'got {impulse_impl!r}')
        if impulse_reduction not in IMPULSE_REDUCTIONS:
            raise ValueError('impulse_reduction must be one of '
                             f'{IMPULSE_REDUCTIONS}, got {impulse_reduction!r}')
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        if impulse_gain <= 0:
            raise ValueError(f'impulse_gain must be positive, got '
                             f'{impulse_gain}')
        out_channels = in_channels if out_channels is None else out_channels
        self.tau = tau
        self.impulse_impl = impulse_impl
        self.impulse_reduction = impulse_reduction
        self.scoring_kernels = nn.Parameter(
            torch.empty(num_neurons, out_channels, in_channels))
        self.scoring_bias = nn.Parameter(torch.empty(num_neurons, out_channels))
        if impulse_reduction == 'standardized':
            # mu, sigma of the pooled feature; running values at evaluation.
            self.standardize = nn.BatchNorm1d(in_channels, affine=False)
            self.log_gain = nn.Parameter(
                torch.tensor(math.log(impulse_gain), dtype=torch.float32))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation of a 1x1x1 convolution, per
        kernel (the paper does not specify one)."""
        bound = 1.0 / math.sqrt(self.scoring_kernels.shape[-1])
        nn.init.uniform_(self.scoring_kernels, -bound, bound)
        nn.init.uniform_(self.scoring_bias, -bound, bound)

    @property
    def num_neurons(self) -> int:
        return self.scoring_kernels.shape[0]

    def impulses(self, x: Tensor) -> Tensor:
        """Impulses ``V`` ``(B, N)`` of a feature map ``(B, N_in, T, H, W)``.

        Computed in float32 even under autocast: they are sums over every
        element of the scoring output and overflow float16 on real features.
        """
        # float32 at least (float64 stays float64, for gradient checks).
        dtype = torch.promote_types(x.dtype, torch.float32)
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.to(dtype)
            kernels = self.scoring_kernels.to(dtype)
            bias = self.scoring_bias.to(dtype)
            if self.impulse_reduction == 'standardized':
                return self._standardized(x, kernels, bias)
            compute = pooled_impulses if self.impulse_impl == 'pooled' \
                else literal_impulses
            v = compute(x, kernels, bias)
        if self.impulse_reduction == 'mean':
            v = v / (self.scoring_kernels.shape[1] * x[0, 0].numel())
        return v

    def _standardized(self, x: Tensor, kernels: Tensor,
                      bias: Tensor) -> Tensor:
        """``'standardized'`` impulses. The literal form standardises ``X``
        itself with the statistics of its pooled form and runs Eq. 1-2 (mean
        reduction) on it; the pooled form needs only the pooled feature.
        A training batch of one sample has no batch statistics: it is
        standardised with the running ones, which it does not update."""
        pooled = x.mean(dim=(2, 3, 4))  # B, N_in
        norm = self.standardize
        use_batch = self.training and x.shape[0] > 1
        if use_batch:
            z = norm(pooled)
        else:
            z = F.batch_norm(pooled, norm.running_mean, norm.running_var,
                             training=False, eps=norm.eps)
        if self.impulse_impl == 'pooled':
            return standardized_impulses(z, kernels, bias, self.log_gain)
        # Literal: Eq. 1-2 (mean reduction) on X standardised with the same
        # statistics, whose pooled form is z.
        if use_batch:
            mean, var = pooled.mean(0), pooled.var(0, unbiased=False)
        else:
            mean, var = norm.running_mean, norm.running_var
        x_std = (x - mean[:, None, None, None]) * \
            (var + norm.eps).rsqrt()[:, None, None, None]
        v = literal_impulses(x_std, kernels, bias) / (
            kernels.shape[1] * x[0, 0].numel())
        return per_unit_kernel(v, kernels, self.log_gain)

    def forward(self, x: Tensor, noise: Optional[Tensor] = None) -> Routing:
        """Route each sample of ``x`` ``(B, N_in, T, H, W)`` to one neuron.

        Args:
            x (Tensor): Feature map.
            noise (Tensor, optional): Gumbel noise ``(B, N)`` for training;
                drawn when None.
        """
        impulses = self.impulses(x)
        weights, selected = gumbel_softmax_selection(impulses, self.tau,
                                                     self.training, noise)
        return Routing(impulses, weights.to(x.dtype), selected)
