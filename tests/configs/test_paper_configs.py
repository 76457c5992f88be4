"""The paper's configs (configs/*.py) and ablations (configs/ablations/*.py):
each loads, builds its model on CPU (without downloading: only
``init_weights`` / ``load_from`` would) and says what the paper says.

Each distinct model is built once per session (Swin-B takes a few seconds on
CPU); the ablations only change the DSTS module, so they build that module,
except "w/o UDL", whose switch lives on the recognizer.
"""
import copy
import functools
import glob
import importlib.util
import os.path as osp

import pytest
import torch
import numpy as np
from mmaction.registry import DATASETS, MODELS, TRANSFORMS
from mmaction.utils import register_all_modules
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper

import mmdsts  # noqa: F401
from mmdsts.engine import NonFiniteSkipOptimWrapper
from mmdsts.datasets.synthetic_videos import render_clip, write_mp4

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
STOCK = osp.join(osp.dirname(importlib.util.find_spec('mmaction').origin),
                 '.mim', 'configs', 'recognition')
STOCK_SWIN_B = osp.join(STOCK, 'swin', 'swin-base-p244-w877_in1k-pre_8xb8-'
                        'amp-32x2x1-30e_kinetics400-rgb.py')

# name: (num_classes, DSTS in_channels or None for a baseline, its baseline)
MAIN = {
    'swin_b_ssv2': (174, None, None),
    'swin_b_diving48': (48, None, None),
    'tpn_ssv2': (174, None, None),
    'tpn_diving48': (48, None, None),
    'swin_b_dsts_ssv2': (174, 1024, 'swin_b_ssv2'),
    'swin_b_dsts_diving48': (48, 1024, 'swin_b_diving48'),
    'tpn_dsts_ssv2': (174, 2048, 'tpn_ssv2'),
    'tpn_dsts_diving48': (48, 2048, 'tpn_diving48'),
}
DSTS_MAIN = {name: spec for name, spec in MAIN.items() if spec[1]}
PAPER_DSTS = dict(num_neurons=10, num_layers=3, tau=1.0)  # section 4.1
# DSTS module parameters at the default width (docs/dsts.md, "Width").
# The 3 beyond 11.12M / 11.45M are the synapses' impulse gains.
DSTS_PARAMS = {1024: 11_115_648 + 3, 2048: 11_445_376 + 3}

# Tables 3-7 (TPN on Diving48); the full model and "Baseline TPN" (Table 4)
# are configs/tpn_dsts_diving48.py and configs/tpn_diving48.py.
ABLATIONS = {
    'tpn_dsts_diving48_wo_sts': dict(spatio_temporal_specialization=False),
    'tpn_dsts_diving48_wo_gates': dict(learn_gates=False),
    'tpn_dsts_diving48_wo_synapse': dict(use_synapse=False),
    'tpn_dsts_diving48_wo_udl': dict(),
    'tpn_dsts_diving48_n5': dict(num_neurons=5),
    'tpn_dsts_diving48_n15': dict(num_neurons=15),
    'tpn_dsts_diving48_l1': dict(num_layers=1),
    'tpn_dsts_diving48_l5': dict(num_layers=5),
    'tpn_dsts_diving48_paper_literal': dict(
        impulse_reduction='sum', gate_init_magnitude=None,
        residual_init_scale=None),
}
SSV2_FLIP_LABEL_MAP = {86: 87, 87: 86, 93: 94, 94: 93, 166: 167, 167: 166}
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


# Exact resume, and no checkpoint with non-finite weights (reliability.md).
BASELINE_HOOKS = ['RNGStateHook', 'CheckpointGuardHook']

def _path(name):
    if name in ABLATIONS:
        return osp.join(CONFIGS, 'ablations', name + '.py')
    return osp.join(CONFIGS, name + '.py')


@functools.lru_cache(maxsize=None)
def _cfg(name) -> Config:
    return Config.fromfile(_path(name))


def load(name) -> Config:
    return copy.deepcopy(_cfg(name))


@functools.lru_cache(maxsize=None)
def build(name):
    """The model, built once; pretrained / load_from are left as they are
    (a build never downloads)."""
    register_all_modules()
    torch.manual_seed(0)
    return MODELS.build(_cfg(name).model)


def num_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def plain(value):
    """Nested dicts and lists without the ``_scope_`` keys MMEngine adds
    to what comes from a scoped (``mmaction::``) base."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != '_scope_'}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def without(cfg_dict, *keys):
    out = plain(cfg_dict)
    for key in keys:
        out.pop(key, None)
    return out


def test_the_config_set_is_the_one_tested():
    found = {osp.splitext(osp.basename(p))[0]
             for p in glob.glob(osp.join(CONFIGS, '*.py'))}
    assert found == set(MAIN)
    found = {osp.splitext(osp.basename(p))[0]
             for p in glob.glob(osp.join(CONFIGS, 'ablations', '*.py'))}
    assert found == set(ABLATIONS)


@pytest.mark.parametrize('name', sorted(MAIN))
def test_config_builds_and_states_the_paper_settings(name):
    num_classes, channels, _ = MAIN[name]
    cfg = load(name)
    assert cfg.custom_imports == dict(imports=['mmdsts'],
                                      allow_failed_imports=False)
    model = build(name)
    assert model.cls_head.num_classes == num_classes
    assert model.cls_head.average_clips == 'prob'  # AccMetric needs it
    if name.startswith('tpn'):
        assert model.neck.aux_head.fc.out_features == num_classes
    for loader in DATALOADERS:
        dataset = cfg[loader].dataset
        assert dataset.type == 'VerifiedVideoDataset'
        assert dataset.num_classes == num_classes
        assert dataset.video_check == 'exists'
        data = 'sthv2' if num_classes == 174 else 'diving48'
        assert plain(dataset.data_prefix) == dict(video=f'data/{data}/videos')
        split = 'train' if loader == 'train_dataloader' else 'val'
        assert dataset.ann_file == \
            f'data/{data}/{data}_{split}_list_videos.txt'
    assert cfg.train_dataloader.batch_size == 8  # per GPU, 8 GPUs
    assert plain(cfg.auto_scale_lr) == dict(enable=False, base_batch_size=64)
    assert plain(cfg.val_evaluator) == dict(type='AccMetric')
    assert plain(cfg.test_evaluator) == dict(type='AccMetric')

    if channels is None:  # baseline
        assert 'dsts' not in cfg.model and not hasattr(model, 'dsts')
        assert [h.type for h in cfg.custom_hooks] == BASELINE_HOOKS
        assert 'UDL' not in cfg.optim_wrapper.get('constructor', '')
        return
    assert cfg.model.type == ('DSTSRecognizer3D' if channels == 1024
                              else 'DSTSRecognizer2D')
    assert plain(cfg.model.dsts) == dict(in_channels=channels, **PAPER_DSTS)
    assert model.udl is not None  # UDL on
    neck = model.dsts
    assert neck.in_channels == channels
    assert len(neck.layers) == 3
    for layer in neck.layers:
        assert len(layer.neurons) == 10 and layer.synapse.tau == 1.0
        assert layer.use_synapse
        assert all(type(n.gate).__name__ == 'ImprovedSemhashGate'
                   for n in layer.neurons)
    hooks = [h.type for h in cfg.custom_hooks]
    assert hooks == ['UDLValBatchHook'] + BASELINE_HOOKS
    assert plain(cfg.model_wrapper_cfg) == dict(
        type='UDLDistributedDataParallel')
    assert cfg.optim_wrapper.constructor == 'UDLOptimWrapperConstructor'
    upstream = cfg.optim_wrapper.upstream.optimizer
    assert upstream.type == cfg.optim_wrapper.optimizer.type
    assert upstream.lr == cfg.optim_wrapper.optimizer.lr  # Eq. 10: same alpha


@pytest.mark.parametrize('name', sorted(DSTS_MAIN))
def test_dsts_config_differs_from_its_baseline_only_by_dsts(name):
    _, channels, base_name = DSTS_MAIN[name]
    cfg, base = load(name), load(base_name)
    for key in ('train_cfg', 'val_cfg', 'test_cfg', 'param_scheduler',
                'auto_scale_lr', 'load_from', 'val_evaluator',
                'test_evaluator', 'default_hooks', 'randomness') + \
            DATALOADERS:
        assert plain(cfg.get(key)) == plain(base.get(key)), key
    assert without(cfg.optim_wrapper, 'constructor', 'upstream') == \
        without(base.optim_wrapper, 'constructor')
    assert without(cfg.model, 'type', 'dsts', 'udl') == \
        without(base.model, 'type')
    assert cfg.to_dict().keys() - base.to_dict().keys() == \
        {'model_wrapper_cfg'}
    assert [h.type for h in cfg.custom_hooks] == \
        ['UDLValBatchHook'] + [h.type for h in base.custom_hooks]

    added = num_params(build(name)) - num_params(build(base_name))
    assert added == num_params(build(name).dsts) == DSTS_PARAMS[channels]
    assert added == pytest.approx(11.1e6 if channels == 1024 else 11.4e6,
                                  rel=0.01)


def test_the_two_datasets_share_model_recipe_and_schedule():
    for ssv2, diving in (('swin_b_ssv2', 'swin_b_diving48'),
                         ('tpn_ssv2', 'tpn_diving48')):
        a, b = load(ssv2), load(diving)
        for key in ('train_cfg', 'param_scheduler', 'optim_wrapper',
                    'load_from'):
            assert plain(a[key]) == plain(b[key]), key


def test_section_4_1_optimizers_and_video_swin_recipe():
    swin, tpn = load('swin_b_ssv2'), load('tpn_ssv2')
    assert swin.optim_wrapper.optimizer.type == 'AdamW'
    assert swin.optim_wrapper.optimizer.lr == 3e-4
    assert tpn.optim_wrapper.optimizer.type == 'SGD'
    assert tpn.optim_wrapper.optimizer.lr == 0.01

    backbone = swin.model.backbone
    assert backbone.window_size == (16, 7, 7)
    assert backbone.drop_path_rate == 0.4
    assert backbone.pretrained is None and backbone.pretrained2d is False
    assert swin.model.cls_head.label_smooth_eps == 0.1
    assert swin.load_from.startswith('https://download.openmmlab.com/') and \
        'swin-base-p244-w877' in swin.load_from and \
        'kinetics400' in swin.load_from
    assert swin.train_cfg.max_epochs == 60
    warmup, cosine = swin.param_scheduler
    assert warmup.type == 'LinearLR' and warmup.end == 2.5
    assert cosine.type == 'CosineAnnealingLR' and cosine.T_max == 60 == \
        cosine.end
    assert swin.optim_wrapper.accumulative_counts == 8
    sampler = swin.train_dataloader.dataset.pipeline[1]
    assert plain(sampler) == dict(type='UniformSample', clip_len=32,
                                  num_clips=1)
    types = [t.type for t in swin.train_dataloader.dataset.pipeline]
    assert 'TorchVisionWrapper' in types and 'RandomErasing' in types
    assert 'Flip' not in types  # Video Swin's SSv2 recipe: flip_ratio=0
    erasing = swin.train_dataloader.dataset.pipeline[types.index(
        'RandomErasing')]
    assert erasing.erase_prob == 0.25


def test_ssv2_flips_swap_the_left_right_classes():
    for name in ('tpn_ssv2', 'tpn_dsts_ssv2'):
        flips = [t for t in load(name).train_dataloader.dataset.pipeline
                 if t.type == 'Flip']
        assert len(flips) == 1
        assert plain(flips[0].flip_label_map) == SSV2_FLIP_LABEL_MAP
    for name in ('tpn_diving48', 'swin_b_diving48'):
        flips = [t for t in load(name).train_dataloader.dataset.pipeline
                 if t.type == 'Flip']
        assert len(flips) == 1 and 'flip_label_map' not in flips[0]


@pytest.mark.parametrize('name', sorted(MAIN))
def test_every_pipeline_transform_builds(name):
    register_all_modules()
    cfg = load(name)
    for loader in DATALOADERS:
        for transform in cfg[loader].dataset.pipeline:
            if transform.type == 'TorchVisionWrapper' and \
                    importlib.util.find_spec('torchvision') is None:
                # RandAugment comes from torchvision, not installed here.
                assert transform.op == 'RandAugment'
                continue
            TRANSFORMS.build(transform)


# Shapes of `inputs` (views, C, [T,] H, W) each pipeline gives one video.
SWIN_SHAPES = dict(train_dataloader=(1, 3, 32, 224, 224),
                   val_dataloader=(1, 3, 32, 224, 224),
                   test_dataloader=(3, 3, 32, 224, 224))  # 3 crops
TPN_SHAPES = dict(train_dataloader=(8, 3, 224, 224),
                  val_dataloader=(8, 3, 224, 224),
                  test_dataloader=(48, 3, 256, 256))  # 2 x 8 segments, 3 crops


@pytest.fixture(scope='module')
def video_tree(tmp_path_factory):
    """The data layout of the configs, with one short video per list."""
    root = tmp_path_factory.mktemp('data_root')
    for data in ('sthv2', 'diving48'):
        (root / 'data' / data / 'videos').mkdir(parents=True)
        write_mp4(str(root / 'data' / data / 'videos' / 'a.mp4'),
                  render_clip(0, 0, 'train', 0))
        for split in ('train', 'val'):
            (root / 'data' / data / f'{data}_{split}_list_videos.txt'
             ).write_text('a.mp4 1\n')
    return root


@pytest.mark.parametrize('name', ['swin_b_ssv2', 'swin_b_diving48',
                                  'tpn_ssv2', 'tpn_diving48'])
def test_every_pipeline_runs_on_a_video(name, video_tree, monkeypatch):
    """The datasets and pipelines of each baseline (the DSTS configs have
    the same, see above) read a real video from the configured layout."""
    register_all_modules()
    monkeypatch.chdir(video_tree)
    shapes = SWIN_SHAPES if name.startswith('swin') else TPN_SHAPES
    for loader in ('val_dataloader', 'test_dataloader', 'train_dataloader'):
        dataset_cfg = load(name)[loader].dataset
        if importlib.util.find_spec('torchvision') is None:
            # RandAugment needs torchvision, not installed here.
            dataset_cfg.pipeline = [t for t in dataset_cfg.pipeline
                                    if t.type != 'TorchVisionWrapper']
        dataset = DATASETS.build(dataset_cfg)
        for seed in range(4):  # ColorJitter draws a random hue shift
            np.random.seed(seed)  # (negative ones need mmaction_compat)
            sample = dataset[0]
            assert tuple(sample['inputs'].shape) == shapes[loader], loader
            assert sample['data_samples'].gt_label.item() == 1


def _param_settings(optimizer, model, skip=()):
    """{parameter name: (lr, weight_decay)} from an optimizer's groups."""
    names = {id(p): n for n, p in model.named_parameters()}
    out = {}
    for group in optimizer.param_groups:
        for p in group['params']:
            if id(p) not in skip:
                out[names[id(p)]] = (pytest.approx(group['lr']),
                                     pytest.approx(group['weight_decay']))
    return out


def _plain(optim_wrapper_cfg):
    cfg = copy.deepcopy(optim_wrapper_cfg)
    cfg.type = 'OptimWrapper'  # AmpOptimWrapper needs a GPU
    cfg.pop('accumulative_counts', None)
    return cfg


def test_swin_parameter_rules_equal_video_swin_s_under_udl():
    """The custom_keys of configs/swin_b_ssv2.py give every parameter of the
    DSTS model the LR and decay SwinOptimWrapperConstructor gives it with the
    stock rules; the UDL "rest" optimizer keeps them."""
    register_all_modules()
    model = build('swin_b_dsts_ssv2')
    stock = Config.fromfile(STOCK_SWIN_B).optim_wrapper
    stock = _plain(stock)
    stock.optimizer.lr = 3e-4
    expected = _param_settings(
        build_optim_wrapper(model, stock).optimizer, model)

    cfg = load('swin_b_dsts_ssv2')
    wrappers = build_optim_wrapper(model, _plain(cfg.optim_wrapper))
    assert isinstance(wrappers, OptimWrapperDict)
    upstream = {id(p) for p in model.dsts.upstream_parameters()}
    rest = _param_settings(wrappers['rest'].optimizer, model)
    assert rest == {n: s for n, s in expected.items()
                    if id(dict(model.named_parameters())[n]) not in upstream}
    lr, _ = rest['backbone.layers.0.blocks.0.attn.qkv.weight']
    assert lr == pytest.approx(3e-5)  # backbone LR x 0.1
    assert rest['backbone.layers.0.blocks.0.norm1.weight'][1] == 0
    upstream_groups = wrappers['upstream'].optimizer.param_groups
    assert {id(p) for g in upstream_groups for p in g['params']} == upstream
    assert all(g['lr'] == 3e-4 and g['weight_decay'] == 0
               for g in upstream_groups)

    base = load('swin_b_ssv2')  # the baseline: the same rules
    plain = build_optim_wrapper(build('swin_b_ssv2'),
                                _plain(base.optim_wrapper))
    assert _param_settings(plain.optimizer, build('swin_b_ssv2')) == {
        n: s for n, s in expected.items() if not n.startswith('dsts.')}


@pytest.mark.parametrize('name', sorted(ABLATIONS))
def test_ablation_sets_its_flag_on_the_built_module(name):
    cfg, main = load(name), load('tpn_dsts_diving48')
    assert osp.basename(cfg.filename) == name + '.py'
    expected = dict(main.model.dsts, **ABLATIONS[name])
    assert plain(cfg.model.dsts) == plain(expected)
    register_all_modules()
    torch.manual_seed(0)
    neck = MODELS.build(dict(type='DSTSNeck', **cfg.model.dsts))
    assert neck.in_channels == 2048
    assert len(neck.layers) == expected['num_layers']
    for layer in neck.layers:
        assert len(layer.neurons) == expected['num_neurons']
        assert layer.synapse.tau == 1.0
        assert layer.use_synapse == expected.get('use_synapse', True)
        assert layer.synapse.scoring_kernels.requires_grad == \
            expected.get('use_synapse', True)
        kinds = {type(n).__name__ for n in layer.neurons}
        if not expected.get('spatio_temporal_specialization', True):
            assert kinds == {'Conv3dNeuron'}
            continue
        assert kinds == {'SpecializedNeuron'}
        gates = {type(n.gate).__name__ for n in layer.neurons}
        assert gates == ({'FixedHalfSplit'} if expected.get(
            'learn_gates', True) is False else {'ImprovedSemhashGate'})
    if name.endswith('wo_synapse'):  # Table 4: same size as the full model
        assert num_params(neck) == DSTS_PARAMS[2048]

    # Everything else is the full model's configuration.
    if name.endswith('wo_udl'):
        return  # test_without_udl_is_plain_training
    if name.endswith('paper_literal'):
        assert cfg.model.udl == dict(first_order_weight=0.0)
        assert num_params(neck) == DSTS_PARAMS[2048] - 3  # no gains
        assert neck.layers[0].synapse.impulse_reduction == 'sum'
        assert neck.proj_out.norm.weight.detach().eq(1).all()
        cfg.model.udl, cfg.model.dsts = main.model.udl, main.model.dsts
    assert without(cfg.to_dict(), 'model', 'filename') == \
        without(main.to_dict(), 'model', 'filename')
    assert without(cfg.model, 'dsts') == without(main.model, 'dsts')


def test_without_udl_is_plain_training():
    name = 'tpn_dsts_diving48_wo_udl'
    cfg, main = load(name), load('tpn_dsts_diving48')
    base = load('tpn_diving48')
    model = build(name)  # one ablation builds the whole model
    assert model.udl is None
    assert type(model.dsts).__name__ == 'DSTSNeck'
    assert plain(cfg.model) == plain(dict(main.model, udl=False))
    assert plain(cfg.optim_wrapper) == plain(base.optim_wrapper)
    assert 'constructor' not in cfg.optim_wrapper
    assert [h.type for h in cfg.custom_hooks] == BASELINE_HOOKS
    wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    assert type(wrapper) is NonFiniteSkipOptimWrapper  # as the baseline's
    for key in ('train_cfg', 'param_scheduler') + DATALOADERS:
        assert plain(cfg[key]) == plain(main[key]) == plain(base[key]), key
