"""Weights named by URL (mmdsts/utils/weights.py): found, overridable to a
local file or None, and a failed download names the config key to change."""
import argparse
import importlib.util
import os.path as osp
import re

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader

import mmdsts  # noqa: F401
from mmdsts.utils.tools_config import load_config
from mmdsts.utils.weights import (WeightsUnavailableError, find_weight_urls,
                                  prepare_weights)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STOCK = osp.join(osp.dirname(importlib.util.find_spec('mmaction').origin),
                 '.mim', 'configs', 'recognition')
STOCK_SWIN_B = osp.join(STOCK, 'swin', 'swin-base-p244-w877_in1k-pre_8xb8-'
                        'amp-32x2x1-30e_kinetics400-rgb.py')
# Port 9 (discard) on the loopback: refused at once, and allowed by the
# network guard of tests/conftest.py.
UNREACHABLE = 'http://127.0.0.1:9/weights.pth'


@pytest.fixture(autouse=True)
def empty_torch_hub(tmp_path, monkeypatch):
    """Downloads would look in (and write to) a fresh hub cache."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return tmp_path / 'torch_home' / 'hub' / 'checkpoints'


def _toy_model_cfg(pretrained):
    return dict(
        type='Recognizer3D',
        backbone=dict(type='ResNet3d', depth=18, base_channels=8,
                      pretrained=pretrained, pretrained2d=False,
                      conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1)),
        cls_head=dict(type='I3DHead', in_channels=64, num_classes=4),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW'))


def _metafile_weights(name):
    """The Weights URL of model ``name`` in MMAction2's swin metafile."""
    text = open(osp.join(STOCK, 'swin', 'metafile.yml')).read()
    block = text.split(f'- Name: {name}\n', 1)[1].split('- Name:', 1)[0]
    return re.search(r'Weights: (\S+)', block).group(1)


def test_the_walk_finds_the_stock_and_paper_urls():
    assert find_weight_urls(Config.fromfile(STOCK_SWIN_B)) == {
        'model.backbone.pretrained': 'https://download.openmmlab.com/mmaction'
        '/v1.0/recognition/swin/swin_base_patch4_window7_224.pth'}
    k400 = _metafile_weights(
        'swin-base-p244-w877_in1k-pre_8xb8-amp-32x2x1-30e_kinetics400-rgb')
    for name in ('swin_b_ssv2', 'swin_b_dsts_diving48'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', name + '.py'))
        assert find_weight_urls(cfg) == {'load_from': k400}
    for name in ('tpn_ssv2', 'ablations/tpn_dsts_diving48_l1'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', name + '.py'))
        assert find_weight_urls(cfg) == {
            'model.backbone.pretrained': 'torchvision://resnet50'}
    nested = Config(dict(model=dict(init_cfg=[dict(
        type='Pretrained', checkpoint='https://example.org/a.pth')]),
        load_from='/local/file.pth'))
    assert find_weight_urls(nested) == {
        'model.init_cfg.0.checkpoint': 'https://example.org/a.pth'}


def test_a_failed_download_names_the_key_and_the_override():
    register_all_modules()
    cfg = Config(dict(model=_toy_model_cfg(UNREACHABLE)))
    assert prepare_weights(cfg) == {'model.backbone.pretrained': UNREACHABLE}
    model = MODELS.build(cfg.model)  # building never downloads
    with pytest.raises(WeightsUnavailableError) as error:
        model.init_weights()
    message = str(error.value)
    assert UNREACHABLE in message
    assert 'model.backbone.pretrained' in message
    assert '--cfg-options model.backbone.pretrained=/path/to/' in message
    assert '--cfg-options model.backbone.pretrained=None' in message
    assert error.value.__cause__ is not None  # the original failure

    prepare_weights(Config(dict(load_from=UNREACHABLE + '?2')))
    with pytest.raises(WeightsUnavailableError,
                       match=r'--cfg-options load_from=None'):
        CheckpointLoader.load_checkpoint(UNREACHABLE + '?2')


def test_an_unknown_url_and_torchvision_scheme_still_get_a_hint():
    prepare_weights(Config(dict()))
    with pytest.raises(WeightsUnavailableError,
                       match='model.backbone.pretrained, load_from'):
        CheckpointLoader.load_checkpoint(UNREACHABLE + '?unknown')
    # torchvision:// needs the torchvision package and the network.
    with pytest.raises(WeightsUnavailableError, match='torchvision'):
        CheckpointLoader.load_checkpoint('torchvision://resnet50')


def test_the_original_loader_is_tried_first(empty_torch_hub):
    """A file already in the torch hub cache loads without the network."""
    prepare_weights(Config(dict(load_from=UNREACHABLE)))
    empty_torch_hub.mkdir(parents=True)
    torch.save({'w': torch.ones(2)}, empty_torch_hub / 'weights.pth')
    loaded = CheckpointLoader.load_checkpoint(UNREACHABLE)
    assert torch.equal(loaded['w'], torch.ones(2))


def test_guard_is_installed_once():
    prepare_weights(Config(dict()))
    loaders = dict(CheckpointLoader._schemes)
    prepare_weights(Config(dict()))
    assert dict(CheckpointLoader._schemes) == loaders
    loader = CheckpointLoader._schemes['https://']
    assert loader.mmdsts_guarded
    assert not getattr(loader.__wrapped__, 'mmdsts_guarded', False)


def test_a_local_path_loads(tmp_path):
    register_all_modules()
    torch.manual_seed(0)
    source = MODELS.build(_toy_model_cfg(None))
    path = str(tmp_path / 'backbone.pth')
    torch.save(source.backbone.state_dict(), path)
    cfg = Config(dict(model=_toy_model_cfg(UNREACHABLE)))
    cfg.merge_from_dict({'model.backbone.pretrained': path})
    assert prepare_weights(cfg) == {}
    torch.manual_seed(1)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in source.backbone.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value), key


@pytest.mark.parametrize('config', ['tpn_ssv2', 'stock_swin_b'])
def test_pretrained_none_through_load_config_initialises(config, tmp_path):
    """``--cfg-options model.backbone.pretrained=None`` alone works, although
    ResNetTSM (by default) and the stock Swin config (explicitly) keep
    pretrained2d=True, which would load a checkpoint from None."""
    path = STOCK_SWIN_B if config == 'stock_swin_b' else osp.join(
        REPO, 'configs', config + '.py')
    args = argparse.Namespace(
        config=path, cfg_options={'model.backbone.pretrained': None},
        launcher='none', work_dir=str(tmp_path), local_rank=0)
    cfg = load_config(args)
    assert cfg.model.backbone.pretrained is None
    assert cfg.model.backbone.pretrained2d is False
    assert find_weight_urls(cfg) == {}
    if config == 'tpn_ssv2':  # initialising Swin-B too would only add time
        register_all_modules()
        MODELS.build(cfg.model).init_weights()


def test_pretrained2d_is_left_alone_where_it_means_something():
    cfg = Config(dict(model=dict(
        backbone=dict(type='ResNetTSM', pretrained='/local/r50.pth'),
        neck=dict(type='DSTSNeck', pretrained=None),  # takes no pretrained2d
        other=dict(type='SwinTransformer3D', pretrained=None,
                   pretrained2d=False))))
    prepare_weights(cfg)
    assert 'pretrained2d' not in cfg.model.backbone
    assert 'pretrained2d' not in cfg.model.neck
    assert cfg.model.other.pretrained2d is False
