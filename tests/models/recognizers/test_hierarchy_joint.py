"""Stage 2 of the 3-pathway network: stage-1 backbones loaded and frozen,
each pathway on its own frames of the same clip, the joint head trained."""
import os.path as osp
import sys

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.optim import build_optim_wrapper

import mmdsts  # noqa: F401
from mmdsts.models.recognizers.hierarchy_joint import frame_indices

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'datasets'))
from hierarchy_fixture import write_categories  # noqa: E402

register_all_modules()


def _backbone(width=4):
    return dict(type='ResNet3d', depth=18, base_channels=width,
                pretrained=None, pretrained2d=False, conv1_kernel=(1, 7, 7),
                inflate=(0, 0, 1, 1), num_stages=2, out_indices=(1, ),
                spatial_strides=(1, 2), temporal_strides=(1, 1),
                dilations=(1, 1))


def _stage1_checkpoint(path, width=4, seed=1):
    torch.manual_seed(seed)
    model = MODELS.build(dict(
        type='Recognizer3D', backbone=_backbone(width),
        cls_head=dict(type='I3DHead', in_channels=width * 2, num_classes=3),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW')))
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path), model


def _model(tmp_path, checkpoints, frames=(2, 4, 8), **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='HierarchyJointRecognizer', **kwargs,
        pathways=[dict(backbone=_backbone(), num_frames=t, checkpoint=c,
                       name=name) for t, c, name in
                  zip(frames, checkpoints, ('event', 'set', 'element'))],
        cls_head=dict(type='HierarchyHead', in_channels=3 * 8,
                      joint_channels=16, dropout_ratio=0.0,
                      hierarchy_file=write_categories(tmp_path / 'cat.txt'),
                      average_clips='prob')))
    model.init_weights()
    return model


def _batch(elements=(0, 4, 5, 7)):
    gen = torch.Generator().manual_seed(0)
    return dict(inputs=[torch.randint(0, 255, (1, 3, 8, 16, 16),
                                      generator=gen).float()
                        for _ in elements],
                data_samples=[ActionDataSample().set_gt_label(e)
                              for e in elements])


def test_frame_indices_are_segment_centres():
    assert frame_indices(32, 4).tolist() == [4, 12, 20, 28]
    assert frame_indices(8, 8).tolist() == list(range(8))
    with pytest.raises(ValueError, match='clip_len'):
        frame_indices(4, 8)


def test_frozen_pathways_get_no_gradient_and_stay_identical(tmp_path):
    checkpoints, stage1 = zip(*[_stage1_checkpoint(
        tmp_path / f'{i}.pth', seed=i) for i in range(3)])
    model = _model(tmp_path, checkpoints).train()
    for backbone, source in zip(model.pathways, stage1):
        for key, value in backbone.state_dict().items():
            assert torch.equal(value, source.backbone.state_dict()[key]), key
    before = {k: v.clone() for k, v in model.state_dict().items()}
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.5, momentum=0.9)))
    log = model.train_step(_batch(), wrapper)
    assert {'loss_event', 'loss_set', 'loss_element'} <= set(log)
    for name, param in model.pathways.named_parameters():
        assert param.grad is None and not param.requires_grad, name
    after = model.state_dict()
    for key in before:
        same = torch.equal(before[key], after[key])
        if key.startswith('pathways.'):
            assert same, key  # weights and BatchNorm statistics
    assert not torch.equal(before['cls_head.joint.0.weight'],
                           after['cls_head.joint.0.weight'])
    samples = model.val_step(_batch())
    assert samples[0].pred_event_score.shape == (4, )


def test_each_pathway_sees_its_own_frames(tmp_path):
    model = _model(tmp_path, [None] * 3).eval()
    seen = []
    for backbone in model.pathways:
        backbone.register_forward_hook(
            lambda m, args, out: seen.append(args[0].shape[2]))
    model(torch.randn(2, 1, 3, 8, 16, 16))
    assert seen == [2, 4, 8]


def test_stage1_checkpoint_errors_name_the_pathway(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'model.pathways\[0\].'
                       r'checkpoint \(event\): .*absent.pth does not exist'):
        _model(tmp_path, [str(tmp_path / 'absent.pth'), None, None])
    wide, _ = _stage1_checkpoint(tmp_path / 'wide.pth', width=8)
    with pytest.raises(ValueError, match=r'model.pathways\[1\].checkpoint '
                       r'\(set\): .*wide.pth does not fit .*another shape'):
        _model(tmp_path, [None, wide, None])
    head_only = tmp_path / 'head.pth'
    torch.save(dict(state_dict={'cls_head.fc.weight': torch.ones(1)}),
               head_only)
    with pytest.raises(ValueError, match='holds no backbone'):
        _model(tmp_path, [None, None, str(head_only)])


def test_beyond_the_paper_unfrozen_pathways_and_a_dsts_neck(tmp_path):
    model = _model(tmp_path, [None] * 3, frozen=False).train()
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.1)))
    model.train_step(_batch(), wrapper)
    assert all(p.requires_grad for p in model.pathways.parameters())
    assert model.pathways[0].training  # BatchNorm statistics update

    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='HierarchyJointRecognizer',
        pathways=[dict(backbone=_backbone(), num_frames=8, name='element',
                       neck=dict(type='DSTSNeck', in_channels=8))],
        cls_head=dict(type='HierarchyHead', in_channels=8,
                      hierarchy_file=write_categories(tmp_path / 'c.txt'))))
    model.init_weights()
    model.train()
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.1)))
    before = {k: v.clone() for k, v in model.necks.state_dict().items()}
    model.train_step(_batch(), wrapper)
    assert any(not torch.equal(v, before[k])
               for k, v in model.necks.state_dict().items())  # trained
    assert all(p.grad is None for p in model.pathways.parameters())
