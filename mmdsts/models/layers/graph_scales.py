"""Skeleton adjacencies of MS-G3D (Liu et al., CVPR 2020, Sec. 3.1-3.2),
built from MMAction2's graph layouts.

MS-G3D aggregates over *disentangled* k-hop neighbourhoods: scale k
connects each joint to the joints exactly k hops away (and to itself), so
that far joints are not drowned by near ones as in powers of the
adjacency (MS-G3D Eq. 2-3). The G3D pathway does the same on a window of
tau frames whose graph links every joint to its neighbours and itself in
every frame of the window (Eq. 5).

Choice made here (the MS-G3D paper and MMAction2 differ): every scale is
normalised symmetrically, ``D^-1/2 A D^-1/2``, as MS-G3D's own Eq. 3 does;
MMAction2's ST-GCN normalises by in-degree only.
"""
from typing import Union

import numpy as np
import torch
from mmaction.models.utils import Graph

LAYOUT_KEY = 'model.backbone.graph_cfg.layout'


def skeleton_adjacency(graph_cfg: Union[dict, str]) -> np.ndarray:
    """The binary, symmetric, self-loop-free adjacency (V, V) of an
    MMAction2 graph layout (``'nturgb+d'``, ``'coco'``, ``'openpose'`` or a
    dict with ``num_node``/``inward``/``center``), i.e. MMAction2's
    ``Graph(layout, mode='binary_adj')``. Any ``mode`` in ``graph_cfg`` is
    ignored: MS-G3D builds its own scales from the bones alone."""
    layout = graph_cfg if isinstance(graph_cfg, str) else graph_cfg['layout']
    return Graph(layout=layout, mode='binary_adj').A[0].astype(np.float32)


def normalize_symmetric(adjacency: np.ndarray) -> np.ndarray:
    """``D^-1/2 A D^-1/2`` with D the row sums (rows without edges stay 0)."""
    degree = adjacency.sum(-1)
    inv_sqrt = np.zeros_like(degree)
    inv_sqrt[degree > 0] = degree[degree > 0]**-0.5
    return inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]


def hop_adjacency(adjacency: np.ndarray, hops: int) -> np.ndarray:
    """Joints exactly ``hops`` apart, plus self loops (MS-G3D Eq. 2).
    ``hops=0`` is the identity."""
    eye = np.eye(len(adjacency), dtype=adjacency.dtype)
    if hops == 0:
        return eye
    step = adjacency + eye
    reach = np.minimum(np.linalg.matrix_power(step, hops), 1)
    closer = np.minimum(np.linalg.matrix_power(step, hops - 1), 1)
    return reach - closer + eye


def disentangled_scales(adjacency: np.ndarray,
                        num_scales: int) -> torch.Tensor:
    """``(num_scales, V, V)``: normalised k-hop adjacencies, k = 0..K-1."""
    return torch.from_numpy(
        np.stack([
            normalize_symmetric(hop_adjacency(adjacency, k))
            for k in range(num_scales)
        ]).astype(np.float32))


def window_adjacency(adjacency: np.ndarray, window_size: int) -> np.ndarray:
    """The G3D graph of a ``window_size``-frame window, ``(tau V, tau V)``:
    node (t, v) links to (t', u) for every t' in the window when u is v or a
    neighbour of v (MS-G3D Eq. 5, the tiled block adjacency)."""
    with_self = adjacency + np.eye(len(adjacency), dtype=adjacency.dtype)
    tiled = np.tile(with_self, (window_size, window_size))
    np.fill_diagonal(tiled, 0)  # hop_adjacency adds the self loops back
    return tiled
