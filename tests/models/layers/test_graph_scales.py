"""MS-G3D adjacencies built from MMAction2's graph layouts."""
import numpy as np
import pytest
import torch
from mmaction.models.utils import Graph

import mmdsts  # noqa: F401
from mmdsts.models.layers.graph_scales import (disentangled_scales,
                                               hop_adjacency,
                                               skeleton_adjacency,
                                               window_adjacency)


@pytest.mark.parametrize('layout,num_joints', [('nturgb+d', 25), ('coco', 17),
                                               ('openpose', 18)])
def test_skeleton_adjacency_has_exactly_mmaction_bones(layout, num_joints):
    adjacency = skeleton_adjacency(dict(layout=layout, mode='spatial'))
    graph = Graph(layout=layout)
    assert adjacency.shape == (num_joints, num_joints)
    expected = np.zeros_like(adjacency)
    for i, j in graph.inward:
        expected[i, j] = expected[j, i] = 1
    np.testing.assert_array_equal(adjacency, expected)
    assert np.trace(adjacency) == 0


def test_hop_rings_partition_the_reachable_joints_by_distance():
    # a chain 0-1-2-3: joint 0 is 1, 2, 3 hops from joints 1, 2, 3
    chain = np.zeros((4, 4), np.float32)
    for i in range(3):
        chain[i, i + 1] = chain[i + 1, i] = 1
    eye = np.eye(4)
    np.testing.assert_array_equal(hop_adjacency(chain, 0), eye)
    np.testing.assert_array_equal(hop_adjacency(chain, 1), chain + eye)
    two = hop_adjacency(chain, 2) - eye
    assert two[0, 2] == 1 and two[0, 1] == 0 and two[0, 3] == 0
    rings = sum(hop_adjacency(chain, k) - eye for k in range(1, 4))
    np.testing.assert_array_equal(rings, 1 - eye)  # each pair exactly once


def test_scales_are_symmetrically_normalised():
    adjacency = skeleton_adjacency('nturgb+d')
    scales = disentangled_scales(adjacency, 3)
    raw = torch.from_numpy(hop_adjacency(adjacency, 1))
    degree = raw.sum(1)
    expected = raw / degree.sqrt()[:, None] / degree.sqrt()[None, :]
    torch.testing.assert_close(scales[1], expected.float())
    torch.testing.assert_close(scales[1], scales[1].T)


def test_window_graph_links_neighbours_and_self_across_frames():
    adjacency = skeleton_adjacency('coco')
    v = len(adjacency)
    window = window_adjacency(adjacency, 3)
    assert window.shape == (3 * v, 3 * v)
    i, j = Graph(layout='coco').inward[0]
    for a in range(3):
        for b in range(3):
            assert window[a * v + i, b * v + j] == 1
            if a != b:
                assert window[a * v + i, b * v + i] == 1  # itself, later
    assert np.trace(window) == 0
