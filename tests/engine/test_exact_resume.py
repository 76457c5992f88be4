"""Kill a run mid-epoch, ``--resume`` it: it ends bit-identical to the run
that was never interrupted (the shipped synthetic configs on real .mp4 files,
random crops and flips, one data worker, validation between epochs)."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tiny_synthetic import synthetic_config

pytestmark = pytest.mark.slow
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HERE = osp.dirname(osp.abspath(__file__))
CONFIGS = ('slowonly_r18_synthetic', 'slowonly_r18_dsts_synthetic')
ITERS_PER_EPOCH = 5  # 20 training clips, batch 4


def _config(name, data, tmp_path, kill_at=None):
    cfg = synthetic_config(name, data)
    assert cfg.train_dataloader.num_workers >= 1
    cfg.train_cfg.max_epochs = 2
    cfg.train_cfg.val_interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = 3
    if kill_at is not None:
        cfg.custom_imports.imports.append('kill_hook')
        cfg.custom_hooks.append(dict(type='KillAtIterationHook',
                                     iteration=kill_at))
    path = tmp_path / f'{name}_{kill_at}.py'
    cfg.dump(str(path))
    return str(path)


def _train(config, work_dir, *extra):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=os.pathsep.join(filter(None, [
                   REPO, HERE, os.environ.get('PYTHONPATH')])))
    return subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir',
         str(work_dir), *extra], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=600)


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        return [t for k in sorted(obj, key=str) for t in _tensors(obj[k])]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _tensors(v)]
    return []


@pytest.mark.parametrize('name', CONFIGS)
def test_killed_mid_epoch_and_resumed_ends_bit_identical(name, tiny_synthetic,
                                                         tmp_path):
    data = tiny_synthetic
    full = _train(_config(name, data, tmp_path), tmp_path / 'full')
    assert full.returncode == 0, full.stderr[-3000:]

    work = tmp_path / 'killed'
    kill_at = ITERS_PER_EPOCH + 2  # in epoch 2
    killed = _train(_config(name, data, tmp_path, kill_at), work)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert (work / 'epoch_1.pth').is_file()
    assert not (work / 'epoch_2.pth').exists()
    resumed = _train(_config(name, data, tmp_path), work, '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    expected = torch.load(tmp_path / 'full' / 'epoch_2.pth',
                          weights_only=False)
    got = torch.load(work / 'epoch_2.pth', weights_only=False)
    assert expected['meta']['iter'] == got['meta']['iter'] == \
        2 * ITERS_PER_EPOCH
    differing = [k for k, v in expected['state_dict'].items()
                 if not torch.equal(v, got['state_dict'][k])]
    assert not differing, f'{len(differing)} tensors differ: {differing[:5]}'
    a, b = _tensors(expected['optimizer']), _tensors(got['optimizer'])
    assert len(a) == len(b) > 0
    assert all(torch.equal(x, y) for x, y in zip(a, b)), 'optimizer state'
    if 'dsts' in name:
        assert expected['udl_val_batch_hook'] == got['udl_val_batch_hook']
