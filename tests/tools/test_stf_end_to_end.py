"""The STF CPU configs end to end on generated skeletons (MMAction2's
PoseDataset .pkl format): tools/train.py then tools/test.py, for the plain
MS-G3D baseline and for STF, whose training log carries every STF loss
separately; the STF checkpoint is refused by the baseline's test."""
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'stf', 'synthetic')


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    out = tmp_path_factory.mktemp('skeleton') / 'skeleton.pkl'
    subprocess.run([sys.executable, 'tools/data/synthetic/generate_skeleton.py',
                    str(out), '--tiny'], cwd=REPO, check=True,
                   capture_output=True)
    return out


def _options(ann_file, *extra):
    options = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=1',
               'default_hooks.checkpoint.interval=2',
               'default_hooks.logger.interval=1',
               'train_dataloader.batch_size=4']
    for loader in ('train', 'val', 'test'):
        options.append(f'{loader}_dataloader.dataset.ann_file={ann_file}')
    return ['--cfg-options', *options, *extra]


def _run(script, config, *args, check=True):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    result = subprocess.run([sys.executable, f'tools/{script}.py',
                             osp.join(CONFIGS, config + '.py'), *args],
                            cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + \
            result.stderr[-3000:]
    return result


def _train_and_test(config, ann_file, work):
    _run('train', config, '--work-dir', str(work), *_options(ann_file))
    metrics = work / 'metrics.json'
    _run('test', config, str(work / 'epoch_2.pth'), '--work-dir',
         str(work / 'test'), '--metrics-json', str(metrics),
         *_options(ann_file))
    return json.loads(metrics.read_text())['metrics']


def _logged_keys(work):
    (log, ) = work.glob('*/vis_data/scalars.json')
    keys = set()
    for line in log.read_text().splitlines():
        keys |= set(json.loads(line))
    return keys


def test_baseline_trains_and_tests(ann_file, tmp_path):
    metrics = _train_and_test('msg3d_synthetic', ann_file, tmp_path)
    assert {'acc/top1', 'acc/top5', 'acc/mean1'} <= set(metrics)
    assert all(0.0 <= metrics[k] <= 1.0 for k in ('acc/top1', 'acc/mean1'))
    # --dump saves each test sample's scores; they give the same top-1
    dump = tmp_path / 'preds.pkl'
    _run('test', 'msg3d_synthetic', str(tmp_path / 'epoch_2.pth'),
         '--work-dir', str(tmp_path / 'dumped'), '--dump', str(dump),
         *_options(ann_file))
    preds = pickle.loads(dump.read_bytes())
    assert len(preds) == 10  # the tiny test split: one per class
    hits = [int(p['pred_score'].argmax()) == int(p['gt_label'])
            for p in preds]
    assert sum(hits) / len(hits) == pytest.approx(metrics['acc/top1'])


def test_stf_logs_each_loss_and_tests_with_a_plain_forward(ann_file,
                                                           tmp_path):
    metrics = _train_and_test('stf_msg3d_synthetic', ann_file, tmp_path)
    assert 0.0 <= metrics['acc/top1'] <= 1.0
    assert {'loss_cls', 'loss_e', 'loss_d', 'loss_c', 'loss_gk',
            'stf_focus_mean'} <= _logged_keys(tmp_path)
    # the STF checkpoint into the plain baseline: a named refusal
    wrong = _run('test', 'msg3d_synthetic', str(tmp_path / 'epoch_2.pth'),
                 '--work-dir', str(tmp_path / 'wrong'), *_options(ann_file),
                 check=False)
    assert wrong.returncode != 0
    assert 'stf' in (wrong.stdout + wrong.stderr).lower()


def test_stf_trains_under_two_rank_ddp_with_identical_ranks(ann_file,
                                                            tmp_path):
    """The double backward through Q under tools/dist_train.sh (torchrun,
    gloo, CPU): training runs, the ranks end bit-identical."""
    import socket

    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, 'stf_msg3d_synthetic.py'))
    for loader in ('train', 'val', 'test'):
        cfg[f'{loader}_dataloader'].dataset.ann_file = str(ann_file)
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.max_epochs = 1
    cfg.custom_imports.imports.append('ranks_hook')
    cfg.custom_hooks.append(dict(type='RanksIdenticalHook'))
    cfg.dump(str(tmp_path / 'config.py'))
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = str(s.getsockname()[1])
    engine_tests = osp.join(REPO, 'tests', 'engine')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PORT=port, PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join(filter(None, [
                   REPO, engine_tests, os.environ.get('PYTHONPATH')])))
    work = tmp_path / 'work'
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(tmp_path / 'config.py'), '2',
         '--work-dir', str(work)], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    ranks = json.loads((work / 'ranks.json').read_text())
    assert ranks['world'] == 2 and ranks['identical'] and ranks['finite']
