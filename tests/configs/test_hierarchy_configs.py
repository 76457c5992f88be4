"""The Gym99 configs of the slides' Tables 1 and 2 and the SlowFast
multi-task baseline: each loads, builds, reads the right label level and
feeds its head the channels it expects. The joint networks (Gym99 and the
generated-data twins) read their stage-1 runs' last checkpoints."""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config

import mmdsts  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GYM99 = osp.join(REPO, 'configs', 'hierarchy', 'gym99')
SYNTHETIC = osp.join(REPO, 'configs', 'hierarchy', 'synthetic')
# FineGym's Gym99 sets: VT 1; FX 21-25; BB 31-35; UB 41-44 (15 sets)
SETS = [1, 21, 22, 23, 24, 25, 31, 32, 33, 34, 35, 41, 42, 43, 44]
EVENTS = {1: 'VT', 2: 'FX', 3: 'BB', 4: 'UB'}
LEVEL = dict(event_t4='event', set_t8='set', set_t16='set',
             element_t32='element', element_t4='element')

register_all_modules()


@pytest.fixture(scope='module')
def categories(tmp_path_factory):
    path = tmp_path_factory.mktemp('gym') / 'gym99_categories.txt'
    lines = []
    for i in range(99):  # invented names, Gym99's shape
        set_id = SETS[i % len(SETS)]
        event = EVENTS[set_id // 10 if set_id >= 10 else set_id]
        lines.append(f'Clabel: {i}; set: {set_id}; Glabel: {i + 1}; '
                     f'({event}) element {i}')
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def _load(name, categories):
    cfg = Config.fromfile(osp.join(GYM99, name + '.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.type == 'HierarchicalVideoDataset'
        assert cfg[loader].dataset.hierarchy_file == \
            'data/gym/annotations/gym99_categories.txt'
    model = cfg.model
    if 'hierarchy_file' in model.get('cls_head', {}):
        model.cls_head.hierarchy_file = categories
    for pathway in model.get('pathways', []):
        pathway.checkpoint = None
    backbone = model.get('backbone', {})
    if 'pretrained' in backbone:
        backbone.pretrained = None
    return cfg, MODELS.build(model)


def test_every_row_has_a_config():
    names = sorted(osp.basename(p)[:-3] for p in glob.glob(GYM99 + '/*.py'))
    assert names == sorted(
        [f'slowonly_r50_{k}_gym99' for k in LEVEL] +
        ['slowfast_r50_element_gym99', 'slowfast_r50_multitask_gym99'] +
        [f'joint_slowonly_set_t{t}_{e}_gym99' for t in (8, 16)
         for e in ('slowonly', 'slowfast')])


@pytest.mark.parametrize('key', sorted(LEVEL))
def test_stage1_models_learn_their_level(key, categories):
    cfg, model = _load(f'slowonly_r50_{key}_gym99', categories)
    level = LEVEL[key]
    assert cfg.train_dataloader.dataset.label_level == level
    assert model.cls_head.num_classes == dict(event=4, set=15,
                                              element=99)[level]
    frames = int(key.split('_t')[1])
    sample = [t for t in cfg.train_dataloader.dataset.pipeline
              if t.type == 'UniformSample'][0]
    assert sample.clip_len == frames
    assert cfg.val_evaluator.type == 'AccMetric'


def test_slowfast_multitask_baseline(categories):
    cfg, model = _load('slowfast_r50_multitask_gym99', categories)
    assert cfg.val_evaluator.type == 'HierarchyMetric'
    assert cfg.model.backbone.resample_rate == 8  # slow 4 of 32 frames
    feats = model.extract_feat(torch.randn(1, 1, 3, 32, 32, 32))[0]
    scores = model.cls_head(feats)
    assert {k: v.shape[1] for k, v in scores.items()} == dict(
        event=4, set=15, element=99)


@pytest.mark.parametrize('name', [
    'joint_slowonly_set_t16_slowfast_gym99',
    'joint_slowonly_set_t8_slowonly_gym99'])
def test_joint_networks_concatenate_their_pathways(name, categories):
    raw = Config.fromfile(osp.join(GYM99, name + '.py'))
    for pathway in raw.model.pathways:  # the stage-1 run's last checkpoint
        work, checkpoint = pathway.checkpoint.split('/')[-2:]
        stage1 = Config.fromfile(osp.join(GYM99, work + '.py'))
        assert checkpoint == f'epoch_{stage1.train_cfg.max_epochs}.pth'
    cfg, model = _load(name, categories)
    assert [p.num_frames for p in cfg.model.pathways] == [
        4, int(name.split('_t')[1].split('_')[0]), 32]
    assert [p.name for p in cfg.model.pathways] == ['event', 'set',
                                                   'element']
    assert cfg.val_evaluator.type == 'HierarchyMetric'
    scores = model.eval()(torch.randn(1, 1, 3, 32, 32, 32))
    assert scores['element'].shape == (1, 99)


@pytest.mark.parametrize('name', [
    'joint_3pathway_synthetic', 'joint_3pathway_unfrozen_synthetic',
    'joint_3pathway_dsts_synthetic'])
def test_synthetic_joint_networks_read_the_last_stage1_checkpoints(name):
    raw = Config.fromfile(osp.join(SYNTHETIC, name + '.py'))
    assert [p.name for p in raw.model.pathways] == ['event', 'set',
                                                   'element']
    for pathway in raw.model.pathways:
        work, checkpoint = pathway.checkpoint.split('/')[-2:]
        assert work == f'slowonly_r18_{pathway.name}_synthetic'
        stage1 = Config.fromfile(osp.join(SYNTHETIC, work + '.py'))
        assert checkpoint == f'epoch_{stage1.train_cfg.max_epochs}.pth'
        assert stage1.train_cfg.max_epochs == raw.train_cfg.max_epochs
