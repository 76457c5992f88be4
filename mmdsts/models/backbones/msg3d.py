"""MS-G3D backbone (Liu et al., "Disentangling and Unifying Graph
Convolutions for Skeleton-Based Action Recognition", CVPR 2020), with
optional STF modules (Ke et al., AAAI 2022) in chosen stages.

Written for MMAction2's skeleton interfaces: input ``(N, M, T, V, C)`` from
``FormatGCNInput``, output ``(N, M, C', T', V)`` for ``GCNHead``, the graph
given by an MMAction2 layout name (``graph_cfg=dict(layout='nturgb+d')``).

Each of the three stages sums two pathways on its input X^l (MS-G3D
Fig. 3): the factorized one, a multi-scale disentangled GCN followed by two
MS-TCNs, and the G3D one over sliding windows; then ReLU and one more
MS-TCN. Widths are C, 2C, 4C with temporal strides 1, 2, 2, as in MS-G3D's
published model; at its NTU settings (C = 96, 13 / 6 scales, windows 3 and
5) this backbone has 3.17M parameters, MS-G3D's reported 3.2M. A stage listed in ``stf_stages`` also carries an
:class:`~mmdsts.models.layers.STFModule` whose ``G_k = alpha(beta(X^l))`` is
added to the factorized GCN's graph (the poster's "added to the block's
graph"; the G3D pathway keeps its own windowed graph, a choice made here).
"""
from typing import List, Sequence, Tuple, Union

from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from ..layers.graph_scales import (LAYOUT_KEY, disentangled_scales,
                                   skeleton_adjacency)
from ..layers.ms_g3d import MultiWindowG3D
from ..layers.ms_gcn import MultiScaleGCN
from ..layers.ms_tcn import MultiScaleTCN
from ..layers.stf_module import STFModule


class MSG3DStage(nn.Module):
    """One MS-G3D stage; ``forward`` returns ``(out, beta map or None)``."""

    def __init__(self, in_channels: int, out_channels: int, adjacency,
                 num_gcn_scales: int, num_g3d_scales: int,
                 window_sizes: Sequence[int], stride: int,
                 with_stf: bool) -> None:
        super().__init__()
        # MS-G3D widens in the GCN of the first stage, in the first TCN after
        gcn_channels = in_channels if stride > 1 else out_channels
        self.gcn = MultiScaleGCN(
            in_channels, gcn_channels,
            disentangled_scales(adjacency, num_gcn_scales))
        self.factorized_tcn = nn.Sequential(
            MultiScaleTCN(gcn_channels, out_channels, stride),
            MultiScaleTCN(out_channels, out_channels, activation=False))
        self.g3d = MultiWindowG3D(in_channels, out_channels, adjacency,
                                  num_g3d_scales, window_sizes, stride,
                                  graph_channels=gcn_channels)
        self.relu = nn.ReLU()
        self.tcn = MultiScaleTCN(out_channels, out_channels)
        self.stf = STFModule(in_channels, len(adjacency)) if with_stf \
            else None

    def forward(self, x: Tensor):
        focus, instance_adjacency = (None, None) if self.stf is None \
            else self.stf(x)
        factorized = self.factorized_tcn(self.gcn(x, instance_adjacency))
        return self.tcn(self.relu(factorized + self.g3d(x))), focus


@MODELS.register_module()
class MSG3D(BaseModule):
    """MS-G3D, optionally with STF modules.

    Args:
        graph_cfg (dict | str): MMAction2 layout, e.g.
            ``dict(layout='nturgb+d')`` (25 joints) or ``'coco'`` (17).
        in_channels (int): C of the input (3 for 3D joints, 2 or 3 for 2D
            keypoints with/without score). Defaults to 3.
        base_channels (int): width of stage 0; stages are C, 2C, 4C.
            Defaults to 96 (MS-G3D).
        num_gcn_scales (int): disentangled scales of the factorized GCN.
            Defaults to 13 (MS-G3D on NTU; 8 on Kinetics).
        num_g3d_scales (int): scales of the G3D window graphs. Defaults to 6.
        window_sizes (Sequence[int]): G3D windows. Defaults to (3, 5).
        num_person (int): M, for the input BatchNorm over M*V*C.
            Defaults to 2.
        stf_stages (Sequence[int]): 0-based stages given an STF module.
            Defaults to () (the plain MS-G3D baseline).
        init_cfg (dict, optional): MMEngine initialisation.
    """

    def __init__(self, graph_cfg: Union[dict, str], in_channels: int = 3,
                 base_channels: int = 96, num_gcn_scales: int = 13,
                 num_g3d_scales: int = 6,
                 window_sizes: Sequence[int] = (3, 5), num_person: int = 2,
                 stf_stages: Sequence[int] = (), init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        adjacency = skeleton_adjacency(graph_cfg)
        self.num_joints = len(adjacency)
        self.in_channels = in_channels
        self.num_person = num_person
        widths = [in_channels, base_channels, 2 * base_channels,
                  4 * base_channels]
        if any(s not in range(3) for s in stf_stages):
            raise ValueError(f'model.backbone.stf_stages must index the 3 '
                             f'stages (0, 1, 2), got {tuple(stf_stages)}')
        self.stf_stages = tuple(sorted(set(stf_stages)))
        self.data_bn = nn.BatchNorm1d(num_person * in_channels *
                                      self.num_joints)
        self.stages = nn.ModuleList(
            MSG3DStage(widths[i], widths[i + 1], adjacency, num_gcn_scales,
                       num_g3d_scales, window_sizes, 1 if i == 0 else 2,
                       i in self.stf_stages) for i in range(3))
        self.out_channels = widths[-1]

    def _check_input(self, x: Tensor) -> None:
        if x.dim() != 5:
            raise ValueError(f'MSG3D expects (N, M, T, V, C) skeletons '
                             f'(FormatGCNInput), got shape {tuple(x.shape)}')
        _, m, t, v, c = x.shape
        for got, want, key in ((v, self.num_joints, LAYOUT_KEY),
                               (c, self.in_channels,
                                'model.backbone.in_channels'),
                               (m, self.num_person,
                                'model.backbone.num_person (and '
                                'FormatGCNInput.num_person)')):
            if got != want:
                raise ValueError(
                    f'MSG3D got input {tuple(x.shape)} (N, M, T, V, C) but '
                    f'is configured for {want} where the input has {got}: '
                    f'set {key} to match the data')
        if t == 0:
            raise ValueError('MSG3D got an empty sequence (T = 0)')

    def forward(self, x: Tensor, return_stf: bool = False
                ) -> Union[Tensor, Tuple[Tensor, List[dict]]]:
        """``x`` (N, M, T, V, C) -> features (N, M, C', T', V).

        With ``return_stf=True`` also returns, per STF stage, a dict with
        its input ``x`` (X^l, (N M, C, T, V)) and ``beta`` (N M, T, V).
        """
        self._check_input(x)
        n, m, t, v, c = x.shape
        x = x.permute(0, 1, 3, 4, 2).reshape(n, m * v * c, t)
        x = self.data_bn(x).view(n, m, v, c, t)
        x = x.permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
        records = []
        for i, stage in enumerate(self.stages):
            stage_input = x
            x, focus = stage(x)
            if focus is not None:
                records.append(dict(stage=i, x=stage_input, beta=focus))
        x = x.view((n, m) + x.shape[1:])
        return (x, records) if return_stf else x
