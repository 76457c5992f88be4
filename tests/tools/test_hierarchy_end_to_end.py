"""The FineGym method's CPU configs end to end on generated hierarchical
data: tools/train.py then tools/test.py, the SlowFast multi-task baseline and
the 3-pathway network (stage 1, then stage 2 on frozen stage-1 pathways),
each reporting the nine numbers (top-1 / top-5 / mean class per level)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.slow

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'hierarchy', 'synthetic')
NINE = [f'{level}/{m}' for level in ('event', 'set', 'element')
        for m in ('top1', 'top5', 'mean1')]


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp('hierarchy')
    subprocess.run([sys.executable, 'tools/data/synthetic/generate_hierarchy.py',
                    str(out), '--train-per-class', '3', '--val-per-class',
                    '1', '--holdout-per-class', '1'], cwd=REPO, check=True,
                   capture_output=True)
    return out


def _options(data, config, *extra):
    categories = f'{data}/categories.txt'
    options = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               'default_hooks.checkpoint.interval=1']
    for loader, split in (('train', 'trainsub'), ('val', 'holdout'),
                          ('test', 'val')):
        dataset = f'{loader}_dataloader.dataset'
        options += [
            f'{dataset}.ann_file={data}/hierarchy_{split}_list_videos.txt',
            f'{dataset}.data_prefix.video={data}/videos',
            f'{dataset}.hierarchy_file={categories}']
    if 'slowonly' not in config:  # a multi-level head
        options.append(f'model.cls_head.hierarchy_file={categories}')
    return ['--cfg-options', *options, *extra]


def _run(script, config, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    result = subprocess.run([sys.executable, f'tools/{script}.py',
                             osp.join(CONFIGS, config + '.py'), *args],
                            cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    return result


def _train_and_test(config, data, work, *extra):
    _run('train', config, '--work-dir', str(work),
         *_options(data, config, *extra))
    checkpoint = str(work / 'epoch_1.pth')
    metrics = work / 'metrics.json'
    _run('test', config, checkpoint, '--work-dir', str(work / 'test'),
         '--metrics-json', str(metrics), *_options(data, config, *extra))
    return checkpoint, json.loads(metrics.read_text())['metrics']


def test_slowfast_multitask_baseline_reports_nine_numbers(data, tmp_path):
    _, metrics = _train_and_test('slowfast_r18_multitask_synthetic', data,
                                 tmp_path / 'slowfast')
    assert sorted(metrics) == sorted(NINE)
    assert all(0.0 <= v <= 1.0 for v in metrics.values())
    assert metrics['event/top5'] == 1.0  # 2 events: top-5 is top-2


def test_three_pathway_network_on_frozen_stage1_models(data, tmp_path):
    element, metrics = _train_and_test('slowonly_r18_element_synthetic',
                                       data, tmp_path / 'element')
    assert 'acc/top1' in metrics  # a stage-1 model: one level, AccMetric
    # the element model stands in for all three stage-1 models here
    pathways = [f'model.pathways.{i}.checkpoint={element}' for i in range(3)]
    _, joint = _train_and_test('joint_3pathway_synthetic', data,
                               tmp_path / 'joint', *pathways)
    assert sorted(joint) == sorted(NINE)
    stage1 = torch.load(element, map_location='cpu', weights_only=False)
    stage2 = torch.load(tmp_path / 'joint' / 'epoch_1.pth',
                        map_location='cpu', weights_only=False)
    for key, value in stage1['state_dict'].items():
        if key.startswith('backbone.'):
            for i in range(3):  # frozen: still stage 1's after training
                assert torch.equal(stage2['state_dict'][
                    f'pathways.{i}.{key[len("backbone."):]}'], value), key
