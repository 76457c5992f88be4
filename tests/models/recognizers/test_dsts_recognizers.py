"""DSTS recognizers built from stock MMAction2 configs by changing the type."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.config import Config

import mmdsts  # noqa: F401
from mmdsts.engine import UDLOptimWrapperConstructor

CONFIGS = osp.join(osp.dirname(importlib.util.find_spec('mmaction').origin),
                   '.mim', 'configs', 'recognition')
TPN_TSM = osp.join(CONFIGS, 'tpn',
                   'tpn-tsm_imagenet-pretrained-r50_8xb8-1x1x8-150e_sthv1-rgb.py')
SWIN_B = osp.join(CONFIGS, 'swin', 'swin-base-p244-w877_in1k-pre_8xb8-amp-'
                  '32x2x1-30e_kinetics400-rgb.py')


def _dsts_model(path, model_type, channels, head_channels=None, **backbone):
    register_all_modules()
    cfg = Config.fromfile(path)
    cfg.model.backbone.update(backbone)  # no pretrained download
    cfg.model.update(type=model_type, dsts=dict(in_channels=channels,
                                                num_neurons=3))
    if head_channels is not None:
        cfg.model.cls_head.in_channels = head_channels
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def _samples(n, num_classes):
    out = []
    for i in range(n):
        s = ActionDataSample().set_gt_label(i % num_classes)
        s.set_metainfo(dict(sample_idx=i))
        out.append(s)
    return out


@pytest.mark.parametrize('name', ['tpn', 'swin'])
def test_stock_config_gains_dsts_by_changing_the_type(name):
    if name == 'tpn':
        model = _dsts_model(TPN_TSM, 'DSTSRecognizer2D', 2048, pretrained=None)
        clip, classes = (8, 3, 64, 64), 174  # 8 segments of TSM
        assert type(model.neck).__name__ == 'TPN'  # stock neck kept
    else:
        model = _dsts_model(SWIN_B, 'DSTSRecognizer3D', 1024, pretrained=None,
                            pretrained2d=False)
        clip, classes = (1, 3, 4, 64, 64), 400
    assert type(model.dsts).__name__ == 'DSTSNeck'
    data = dict(inputs=[torch.randint(0, 255, clip).float()
                        for _ in range(2)],
                data_samples=_samples(2, classes))
    val = dict(inputs=[torch.randint(0, 255, clip).float()
                       for _ in range(2)],
               data_samples=_samples(2, classes))
    for sample in val['data_samples']:
        sample.set_metainfo(dict(sample_idx=sample.sample_idx + 10))
    data['udl_val'] = val
    wrappers = UDLOptimWrapperConstructor(
        dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)))(model)
    log = model.train().train_step(data, wrappers)
    assert log['udl_skipped'] == 0
    if name == 'tpn':
        assert 'loss_aux' in log  # TPN's auxiliary loss is kept
    model.eval()
    with torch.no_grad():
        out = model.test_step(dict(inputs=data['inputs'],
                                   data_samples=_samples(2, classes)))
    assert out[0].pred_score.shape == (classes, )


def test_channel_mismatch_names_the_dsts_config_key():
    model = _dsts_model(SWIN_B, 'DSTSRecognizer3D', 512, head_channels=512,
                        pretrained=None, pretrained2d=False)
    with pytest.raises(ValueError, match=r'model\.dsts\.in_channels=1024'):
        model.extract_feat(torch.randn(1, 1, 3, 4, 64, 64))


def test_head_channel_mismatch_names_both_config_keys():
    with pytest.raises(ValueError) as error:
        _dsts_model(SWIN_B, 'DSTSRecognizer3D', 1024, head_channels=768,
                    pretrained=None, pretrained2d=False)
    assert 'model.cls_head.in_channels=768' in str(error.value)
    assert 'model.dsts.in_channels=1024' in str(error.value)


@pytest.mark.parametrize('udl', [1, 'yes', dict(alpha=0.1, beta=2),
                                 dict(d_val='cache')])
def test_invalid_udl_settings_are_refused(udl):
    with pytest.raises(ValueError, match='model.udl'):
        _dsts_model(SWIN_B, 'DSTSRecognizer3D', 1024, pretrained=None,
                    pretrained2d=False).__class__(
            dsts=dict(in_channels=8), udl=udl,
            backbone=dict(type='ResNet3d', depth=18, pretrained=None,
                          pretrained2d=False))
