"""MS-G3D backbone, its layers and the STF module inside it."""
import pytest
import torch

import mmdsts  # noqa: F401
from mmdsts.models.backbones import MSG3D
from mmdsts.models.layers.graph_scales import (disentangled_scales,
                                               skeleton_adjacency)
from mmdsts.models.layers.ms_gcn import MultiScaleGCN
from mmdsts.models.layers.ms_tcn import MultiScaleTCN

TINY = dict(graph_cfg=dict(layout='nturgb+d'), base_channels=8,
            num_gcn_scales=3, num_g3d_scales=2, window_sizes=(3, ),
            num_person=2)


def test_ms_gcn_is_the_sum_over_scales_of_a_k_x_w_k():
    torch.manual_seed(0)
    scales = disentangled_scales(skeleton_adjacency('coco'), 3)
    gcn = MultiScaleGCN(4, 5, scales, activation=False).eval()
    x = torch.randn(2, 4, 6, 17)
    g = torch.randn(2, 17, 17)
    weight = gcn.mix.weight.view(5, 3, 4)  # out, scale, in
    adjacency = scales + gcn.residual_adjacency
    expected = gcn.mix.bias.view(1, 5, 1, 1).expand(2, 5, 6, 17).clone()
    for k in range(3):
        a = adjacency[k].unsqueeze(0) + g  # the instance graph on each scale
        agg = torch.einsum('nvu,nctu->nctv', a, x)
        expected = expected + torch.einsum('oc,nctv->notv', weight[:, k], agg)
    torch.testing.assert_close(gcn(x, g), gcn.bn(expected))


def test_ms_tcn_strides_time_and_keeps_joints_for_any_width():
    tcn = MultiScaleTCN(6, 13, stride=2)
    assert tcn(torch.randn(2, 6, 10, 5)).shape == (2, 13, 5, 5)


def test_backbone_shapes_follow_mmaction_gcn_convention():
    model = MSG3D(**TINY)
    out = model(torch.randn(3, 2, 16, 25, 3))
    assert out.shape == (3, 2, 32, 4, 25)  # N, M, 4C, T/4, V
    assert model.out_channels == 32


@pytest.mark.parametrize('shape,key', [
    ((2, 2, 8, 17, 3), 'graph_cfg.layout'),
    ((2, 2, 8, 25, 2), 'model.backbone.in_channels'),
    ((2, 1, 8, 25, 3), 'model.backbone.num_person'),
])
def test_mismatched_input_names_the_config_key(shape, key):
    with pytest.raises(ValueError, match=key.replace('.', r'\.')):
        MSG3D(**TINY)(torch.randn(*shape))


def test_stf_stage_out_of_range_is_refused():
    with pytest.raises(ValueError, match='stf_stages'):
        MSG3D(**TINY, stf_stages=(3, ))


def test_fresh_stf_module_leaves_the_block_unchanged():
    torch.manual_seed(0)
    model = MSG3D(**TINY, stf_stages=(1, 2)).eval()
    x = torch.randn(2, 2, 16, 25, 3)
    with_stf, records = model(x, return_stf=True)
    assert [r['stage'] for r in records] == [1, 2]
    for stage in model.stages:
        stage.stf_saved, stage.stf = stage.stf, None
    torch.testing.assert_close(model(x), with_stf)


def test_stf_records_hold_stage_inputs_and_beta_maps():
    model = MSG3D(**TINY, stf_stages=(1, ))
    x = torch.randn(2, 2, 16, 25, 3)
    _, records = model(x, return_stf=True)
    (record, ) = records
    assert record['x'].shape == (4, 8, 16, 25)  # N M, C, T, V of stage 1
    assert record['beta'].shape == (4, 16, 25)
    assert 0 < record['beta'].min() and record['beta'].max() < 1


def test_instance_adjacency_trains_beta_and_intensity():
    torch.manual_seed(0)
    model = MSG3D(**TINY, stf_stages=(1, ))
    stf = model.stages[1].stf
    with torch.no_grad():
        stf.intensity.normal_()  # a trained, non-zero intensity
    model(torch.randn(2, 2, 16, 25, 3)).square().mean().backward()
    assert stf.intensity.grad.abs().sum() > 0
    assert all(p.grad.abs().sum() > 0 for p in stf.beta.parameters())


def test_paper_settings_have_ms_g3d_size_and_stf_adds_little():
    plain = MSG3D(dict(layout='nturgb+d'))  # C=96, 13/6 scales, (3, 5)
    stf = MSG3D(dict(layout='nturgb+d'), stf_stages=(1, 2))
    count = [sum(p.numel() for p in m.parameters()) for m in (plain, stf)]
    assert abs(count[0] / 3.2e6 - 1) < 0.02  # MS-G3D paper: 3.2M
    assert count[1] / count[0] - 1 < 0.01
