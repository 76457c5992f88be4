"""tools/analysis/ablation.py: each row changes what its table ablates, and
the study runs end to end (tiny data, 2 epochs)."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'ablation', osp.join(REPO, 'tools', 'analysis', 'ablation.py'))
ablation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ablation)


class Args:
    epochs = 3
    data_dir = '/data'


@pytest.mark.parametrize('row, key, value', [
    ('wo_sts', 'spatio_temporal_specialization', False),
    ('wo_gates', 'learn_gates', False),
    ('wo_synapse', 'use_synapse', False),
    ('n5', 'num_neurons', 5), ('n15', 'num_neurons', 15),
    ('l1', 'num_layers', 1), ('l5', 'num_layers', 5)])
def test_each_dsts_row_changes_one_setting(row, key, value):
    full = ablation.run_config('dsts', 0, Args())
    cfg = ablation.run_config(row, 0, Args())
    assert cfg.model.dsts[key] == value
    assert {k: v for k, v in cfg.model.dsts.items() if k != key} == \
        {k: v for k, v in full.model.dsts.items() if k != key}
    assert cfg.model.udl is True


def test_without_udl_trains_like_the_baseline():
    cfg = ablation.run_config('wo_udl', 0, Args())
    baseline = ablation.run_config('baseline', 0, Args())
    assert cfg.model.udl is False
    assert cfg.optim_wrapper == baseline.optim_wrapper
    assert [h['type'] for h in cfg.custom_hooks] == ['RNGStateHook']
    assert 'dsts' not in baseline.model


def test_seed_epochs_and_data_are_applied():
    cfg = ablation.run_config('baseline', 7, Args())
    assert cfg.randomness.seed == 7 and cfg.train_cfg.max_epochs == 3
    assert cfg.param_scheduler[-1].T_max == 2
    assert cfg.test_dataloader.dataset.ann_file == \
        '/data/synthetic_val_list_videos.txt'


def test_the_study_writes_its_table_and_chart(tmp_path):
    data = tmp_path / 'data'
    subprocess.run([sys.executable, 'tools/data/synthetic/generate.py',
                    str(data), '--train-per-class', '2',
                    '--val-per-class', '1'], cwd=REPO, check=True,
                   capture_output=True)
    out = tmp_path / 'out'
    result = subprocess.run(
        [sys.executable, 'tools/analysis/ablation.py', '--seeds', '0', '1',
         '--rows', 'baseline', 'wo_synapse', '--epochs', '2', '--data-dir',
         str(data), '--work-dir', str(tmp_path / 'work'), '--out-dir',
         str(out)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    table = (out / 'ablation.md').read_text()
    assert '10-clip test split' in table
    assert '| Baseline (no DSTS) | - | 2 |' in table
    assert '| w/o Synapse | 4 | 2 |' in table
    runs = json.loads((out / 'ablation_runs.json').read_text())['runs']
    assert all('omp_num_threads' in r for r in runs)
    assert (out / 'ablation.png').read_bytes()[:4] == b'\x89PNG'


def _fake_study(tmp_path, runs):
    """A work dir holding finished runs, and a 4-clip test list."""
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'synthetic_val_list_videos.txt').write_text(
        ''.join(f'v{i}.mp4 {i}\n' for i in range(4)))
    for row, seed, top1 in runs:
        work = tmp_path / 'work' / row / f'seed{seed}'
        work.mkdir(parents=True)
        (work / 'result.json').write_text(json.dumps(dict(
            row=row, seed=seed, epochs=3, top1=top1, mean1=top1,
            train_seconds=60.0)))
    return data


def _ablation(tmp_path, data, *extra, env=None):
    return subprocess.run(
        [sys.executable, 'tools/analysis/ablation.py', '--epochs', '3',
         '--rows', 'baseline', 'dsts', '--seeds', '0', '1', '--data-dir',
         str(data), '--work-dir', str(tmp_path / 'work'), '--out-dir',
         str(tmp_path / 'out'), *extra],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env)


def test_report_only_tables_finished_runs_and_names_missing_ones(tmp_path):
    data = _fake_study(tmp_path, [('baseline', 0, 0.5), ('baseline', 1, 0.7),
                                  ('dsts', 0, 0.25)])
    trained_with_one_thread = tmp_path / 'work' / 'dsts' / 'seed0' / \
        'result.json'
    trained_with_one_thread.write_text(json.dumps(dict(
        json.loads(trained_with_one_thread.read_text()),
        omp_num_threads='1')))
    # The header tells how the runs were trained, not how the report was.
    result = _ablation(tmp_path, data, '--report-only',
                       env=dict(os.environ, OMP_NUM_THREADS='7'))
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / 'out' / 'ablation.md').read_text()
    assert 'OMP_NUM_THREADS per run: 1 (1 run), not recorded (2 runs))' \
        in table
    assert '| Baseline (no DSTS) | - | 2 | 60.0 +- 10.0 |' in table
    assert '| DSTS (N=10, L=3, UDL) | 3-7 (full model) | 1 | 25.0 +- 0.0 |' \
        in table
    assert 'Not run yet: dsts seed 1.' in table
    assert '`python tools/analysis/ablation.py --epochs 3 --seeds 0 1 ' \
        '--rows baseline dsts`' in table
    runs = json.loads((tmp_path / 'out' / 'ablation_runs.json').read_text())
    assert sorted((r['row'], r['seed']) for r in runs['runs']) == \
        [('baseline', 0), ('baseline', 1), ('dsts', 0)]


def test_previous_runs_count_as_done_only_with_the_same_schedule(tmp_path):
    data = _fake_study(tmp_path, [('baseline', 0, 0.5)])
    previous = tmp_path / 'previous.json'
    previous.write_text(json.dumps(dict(runs=[
        dict(row='baseline', seed=1, epochs=3, top1=0.7, mean1=0.7,
             train_seconds=1.0),
        dict(row='dsts', seed=0, epochs=3, top1=0.3, mean1=0.3,
             train_seconds=1.0),
        dict(row='dsts', seed=1, epochs=3, top1=0.4, mean1=0.4,
             train_seconds=1.0)])))
    # Every (row, seed) is done, so nothing trains: a real run would fail
    # here, the data dir holds no video.
    result = _ablation(tmp_path, data, '--previous-runs', str(previous))
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / 'out' / 'ablation.md').read_text()
    assert '| DSTS (N=10, L=3, UDL) | 3-7 (full model) | 2 | 35.0 +- 5.0 |' \
        in table and 'Not run yet' not in table

    other = json.loads(previous.read_text())
    other['runs'][0]['epochs'] = 24
    previous.write_text(json.dumps(other))
    result = _ablation(tmp_path, data, '--previous-runs', str(previous))
    assert result.returncode != 0
    assert 'trained 24 epochs, this study 3' in result.stderr
