"""The DSTS module (paper section 3.2, Fig. 2) as an MMAction2 neck.

A backbone feature map ``X`` ``(B, C, T, H, W)`` is processed by ``L`` stacked
DSTS layers, each holding ``N`` specialized neurons behind a synapse
(:class:`~mmdsts.models.layers.dsts_layer.DSTSLayer`); a skip connection adds
``X`` to the module's output, which has ``X``'s shape so that any stock head
consumes it unchanged::

    Z_0 = proj_in(X)                       1x1x1 conv + BN + ReLU, C -> M
    Z_j = DSTSLayer_j(Z_{j-1}),  j = 1..L  Eq. 1-8 in each layer
    Y   = X + proj_out(Z_L)                1x1x1 conv + BN, M -> C; skip (Fig. 2)

Width (a choice the paper leaves open, written down here): Table 4 reports
TPN growing from 63M to 75M parameters with DSTS (N=10, L=3), i.e. about 12M
for the module on TPN's 2048-channel feature. A neuron working at the full
2048 channels would alone cost about 2048^2 x (9 + 3 + 1 + 1) = 58M
parameters (S, T, fuse and scoring kernel), so the paper's neurons cannot be
full width. We therefore project to ``mid_channels`` (M) and back, and pick
M = 160 on those features: per neuron 14 M^2 + O(M) parameters, 30 neurons
plus the two projections give 11.4M on 2048 channels (12M - 5%) and 11.1M on
1024 channels (Video Swin-B). ``mid_channels='auto'`` (default) is
``min(160, max(16, C // 4))``: 160 on Swin and TPN, and in proportion on small
backbones (32 on a 128-channel SlowOnly-R18/4, where 160 would be wider than
the feature and 6.9M parameters on a 2M backbone). ``mid_channels=None``
keeps the full width without projections (the paper's literal form).

Residual initialisation (``residual_init_scale``, beyond the paper): the
branch's last affine (the output projection's BatchNorm weight; without
projections, the last layer's neuron outputs) starts at 0.01, so that
``Y = X + DSTS(X)`` starts as nearly ``X`` while every parameter already gets
gradient. With PyTorch's default initialisation the random branch started at
RMS 1.00 against 0.87 for the backbone feature and dominated what a
pretrained head saw. The paper fine-tunes DSTS on a trained backbone;
MMAction2's ``NonLocal3d`` zero-initialises its output norm for the same
reason, and ResNets do with ``zero_init_residual``. None keeps PyTorch's
initialisation.

The neck follows MMAction2's 3D-neck protocol (like ``TPN``):
``forward(x, data_samples=None)`` returns ``(feature, loss_aux)`` with an empty
``loss_aux``, so a stock ``Recognizer3D`` accepts it as ``neck=dict(
type='DSTSNeck', in_channels=...)``.
"""
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from ..layers import DSTSLayer, PointwiseConvBN


@MODELS.register_module()
class DSTSNeck(BaseModule):
    """Dynamic Spatio-Temporal Specialization module (Li et al., ECCV 2022).

    Args:
        in_channels (int): ``C``, channels of the backbone feature (1024 for
            Video Swin-B, 2048 for TPN).
        num_layers (int): ``L``, stacked DSTS layers. Defaults to 3.
        num_neurons (int): ``N``, specialized neurons per layer. Defaults to 10.
        mid_channels (int | str, optional): ``M``, the width the neurons work
            at (their ``N_in`` = ``N_out``). ``'auto'``:
            ``min(160, max(16, C // 4))``. None: full width ``C``, no
            projections. Defaults to ``'auto'`` (see the module docstring).
        tau (float): Gumbel-Softmax temperature. Defaults to 1.0.
        spatio_temporal_specialization (bool): False: the "w/o STS" ablation
            (Table 3), each neuron one 3x3x3 conv + BN + ReLU. Defaults to True.
        learn_gates (bool): False: the "w/o Gates" ablation (Table 3), a fixed
            half spatial / half temporal channel split. Defaults to True.
        use_synapse (bool): False: the "w/o Synapse Mechanism" ablation
            (Table 4), every neuron runs and outputs are averaged (same
            parameter count). Defaults to True.
        impulse_impl (str): ``'pooled'`` (exact fast form of Eq. 1-2, default)
            or ``'literal'`` (Eq. 1-2 as written).
        impulse_reduction (str): ``'standardized'`` (default, beyond the
            paper), ``'sum'`` (Eq. 2 as written) or ``'mean'``; see
            :mod:`mmdsts.models.layers.synapse`.
        impulse_gain (float): Initial gain of ``'standardized'`` impulses.
            Defaults to 3.0.
        train_dispatch (str): ``'dense'`` (the paper's straight-through
            estimator, default) or ``'routed'`` (cheaper, other gradient); see
            :mod:`mmdsts.models.layers.dsts_layer`.
        eval_dispatch (str): ``'routed'`` (only the selected neuron runs,
            default) or ``'dense'`` (reference; same values).
        gate_init_magnitude (float, optional): ``|g|`` of the gate logits at
            initialisation, half of the channels positive; None: N(0,
            0.01^2). Defaults to 2.0; see
            :mod:`mmdsts.models.layers.improved_semhash`.
        residual_init_scale (float, optional): Initial scale of the branch's
            last affine (near-identity start); None: PyTorch's
            initialisation. Defaults to 0.01 (see the module docstring).
        init_cfg (dict or list[dict], optional): MMEngine initialisation
            config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 num_layers: int = 3,
                 num_neurons: int = 10,
                 mid_channels: Union[int, str, None] = 'auto',
                 tau: float = 1.0,
                 spatio_temporal_specialization: bool = True,
                 learn_gates: bool = True,
                 use_synapse: bool = True,
                 impulse_impl: str = 'pooled',
                 impulse_reduction: str = 'standardized',
                 impulse_gain: float = 3.0,
                 train_dispatch: str = 'dense',
                 eval_dispatch: str = 'routed',
                 gate_init_magnitude: Optional[float] = 2.0,
                 residual_init_scale: Optional[float] = 0.01,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        for key, value in (('in_channels', in_channels),
                           ('num_layers', num_layers),
                           ('num_neurons', num_neurons)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'DSTSNeck: `{key}` must be a positive int, '
                                 f'got {value!r}')
        if mid_channels == 'auto':
            mid_channels = min(160, max(16, in_channels // 4))
        if mid_channels is not None and (not isinstance(mid_channels, int)
                                         or mid_channels < 1):
            raise ValueError('DSTSNeck: `mid_channels` must be a positive '
                             f"int, 'auto' or None, got {mid_channels!r}")
        if residual_init_scale is not None and residual_init_scale < 0:
            raise ValueError('DSTSNeck: `residual_init_scale` must be >= 0 or '
                             f'None, got {residual_init_scale!r}')
        self.in_channels = in_channels
        self.mid_channels = in_channels if mid_channels is None else mid_channels
        projected = self.mid_channels != in_channels
        self.proj_in = PointwiseConvBN(in_channels, self.mid_channels, True) \
            if projected else nn.Identity()
        self.layers = nn.ModuleList(
            DSTSLayer(
                self.mid_channels,
                num_neurons=num_neurons,
                tau=tau,
                spatio_temporal_specialization=spatio_temporal_specialization,
                learn_gates=learn_gates,
                use_synapse=use_synapse,
                impulse_impl=impulse_impl,
                impulse_reduction=impulse_reduction,
                impulse_gain=impulse_gain,
                train_dispatch=train_dispatch,
                eval_dispatch=eval_dispatch,
                gate_init_magnitude=gate_init_magnitude)
            for _ in range(num_layers))
        self.proj_out = PointwiseConvBN(self.mid_channels, in_channels, False) \
            if projected else nn.Identity()
        self.residual_init_scale = residual_init_scale
        if residual_init_scale is not None:
            self._scale_branch_output(residual_init_scale)
        # RMS(branch) / RMS(X) of the last training forward, for logging.
        self.last_branch_ratio: Optional[Tensor] = None

    @torch.no_grad()
    def _scale_branch_output(self, scale: float) -> None:
        """Scale the branch's last affine: the output projection's BN weight,
        or (without projections) every last-layer neuron's output."""
        if isinstance(self.proj_out, PointwiseConvBN):
            self.proj_out.norm.weight.fill_(scale)
        else:
            for neuron in self.layers[-1].neurons:
                neuron.scale_output_(scale)

    # Where the neck's settings live in a config, for error messages; the
    # DSTS recognizers set 'model.dsts'.
    config_key = 'model.neck'

    def _check_input(self, x: Tensor) -> None:
        if not isinstance(x, Tensor) or x.dim() != 5:
            got = f'a {x.dim()}-D tensor of shape {tuple(x.shape)}' \
                if isinstance(x, Tensor) else f'a {type(x).__name__}'
            raise ValueError(
                'DSTSNeck expects a 5-D backbone feature map (B, C, T, H, W) '
                f'with C == in_channels={self.in_channels}, got {got}.')
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'DSTSNeck was built with in_channels={self.in_channels} but '
                f'the backbone feature has {x.shape[1]} channels (shape '
                f'{tuple(x.shape)}). Set {self.config_key}.in_channels='
                f'{x.shape[1]} in the config.')

    def forward_features(self, x: Tensor) -> Tensor:
        """``(B, C, T, H, W)`` -> ``(B, C, T, H, W)``: ``X + DSTS(X)``."""
        self._check_input(x)
        z = self.proj_in(x)  # B, M, T, H, W
        for layer in self.layers:
            z = layer(z)
        if self.training:
            branch = self.proj_out(z)  # B, C, T, H, W
            self.last_branch_ratio = (branch.detach().pow(2).mean() /
                                      x.detach().pow(2).mean().clamp_min(
                                          1e-12)).sqrt()
            return x + branch  # skip connection from the backbone
        if isinstance(self.proj_out, nn.Identity):
            return x + z
        return self.proj_out.forward_residual(z, residual=x)  # x + proj_out(z)

    def forward(self,
                x: Tensor,
                data_samples: Optional[Sequence] = None
                ) -> Tuple[Tensor, Dict]:
        """MMAction2 3D-neck protocol: returns ``(feature, loss_aux)``.

        Args:
            x (Tensor): Backbone feature ``(B, C, T, H, W)``.
            data_samples (Sequence[ActionDataSample], optional): Unused; part of
                the protocol.

        Returns:
            tuple[Tensor, dict]: Feature of the same shape as ``x``, and an
            empty dict of auxiliary losses.
        """
        return self.forward_features(x), dict()

    # The partition used by Upstream-Downstream Learning (section 3.3).
    def named_upstream_parameters(self) -> Iterator[Tuple[str, nn.Parameter]]:
        """Scoring kernels (``m``) and gates (``g``), with their names."""
        return self._named_subset(DSTSLayer.upstream_parameters)

    def named_downstream_parameters(
            self) -> Iterator[Tuple[str, nn.Parameter]]:
        """Spatial and temporal operators (``S``, ``T``), with their names."""
        return self._named_subset(DSTSLayer.downstream_parameters)

    def upstream_parameters(self) -> List[nn.Parameter]:
        """Parameters that make dynamic decisions: scoring kernels (and their
        biases) of every synapse, and the gates of every neuron."""
        return [p for _, p in self.named_upstream_parameters()]

    def downstream_parameters(self) -> List[nn.Parameter]:
        """Parameters that process the input under those decisions: the
        spatial and temporal operators of every neuron."""
        return [p for _, p in self.named_downstream_parameters()]

    def _named_subset(self, select) -> Iterator[Tuple[str, nn.Parameter]]:
        """Named parameters that ``select(layer)`` returns for some layer, in
        ``named_parameters`` order."""
        ids = {id(p) for layer in self.layers for p in select(layer)}
        return ((name, p) for name, p in self.named_parameters()
                if id(p) in ids)

    def routing_statistics(self) -> List[Dict[str, Optional[Tensor]]]:
        """Per layer, what the last forward did: the selected neuron of each
        sample, the impulses, each neuron's load and its fraction of temporal
        channels. See :meth:`DSTSLayer.routing_statistics`."""
        return [layer.routing_statistics() for layer in self.layers]

    @torch.no_grad()
    def temporal_fractions(self) -> Tensor:
        """``(L, N)`` fraction of temporal channels of each neuron's
        evaluation gate (NaN for the "w/o STS" ablation)."""
        rows = []
        for layer in self.layers:
            rows.append([
                float(neuron.gate.temporal_fraction())
                if hasattr(neuron, 'gate') else float('nan')
                for neuron in layer.neurons
            ])
        return torch.tensor(rows)
