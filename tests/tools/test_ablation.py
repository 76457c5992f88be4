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
    work_dir = '/work'
    protocol = 'finetune'


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


def test_paper_literal_row_restores_every_paper_setting():
    cfg = ablation.run_config('paper_literal', 0, Args())
    assert cfg.model.dsts.impulse_reduction == 'sum'
    assert cfg.model.dsts.gate_init_magnitude is None
    assert cfg.model.dsts.residual_init_scale is None
    assert cfg.model.udl == dict(first_order_weight=0.0)


def test_without_udl_trains_like_the_baseline():
    cfg = ablation.run_config('wo_udl', 0, Args())
    baseline = ablation.run_config('baseline', 0, Args())
    assert cfg.model.udl is False
    assert cfg.optim_wrapper == baseline.optim_wrapper
    assert [h['type'] for h in cfg.custom_hooks] == [
        'RNGStateHook', 'CheckpointGuardHook', 'DSTSRoutingHook']
    assert 'dsts' not in baseline.model


@pytest.mark.parametrize('protocol, load_from, epochs', [
    ('finetune', '/work/pretrain/last.pth', 12), ('scratch', None, 24)])
def test_protocols_set_the_start_and_the_schedule(protocol, load_from,
                                                  epochs):
    args = Args()
    args.protocol, args.epochs = protocol, None
    for row in ('baseline', 'dsts'):
        cfg = ablation.run_config(row, 0, args)
        assert cfg.load_from == load_from
        assert cfg.train_cfg.max_epochs == epochs


def test_seed_epochs_and_splits_are_applied():
    cfg = ablation.run_config('baseline', 7, Args())
    assert cfg.randomness.seed == 7 and cfg.train_cfg.max_epochs == 3
    assert cfg.param_scheduler[-1].T_max == 2
    assert cfg.train_dataloader.dataset.ann_file == \
        '/data/synthetic_trainsub_list_videos.txt'
    assert cfg.val_dataloader.dataset.ann_file == \
        '/data/synthetic_holdout_list_videos.txt'
    assert cfg.test_dataloader.dataset.ann_file == \
        '/data/synthetic_val_list_videos.txt'


@pytest.mark.slow
def test_the_study_pretrains_fine_tunes_and_writes_its_table(tmp_path):
    data = tmp_path / 'data'
    subprocess.run([sys.executable, 'tools/data/synthetic/generate.py',
                    str(data), '--train-per-class', '3',
                    '--val-per-class', '1', '--holdout-per-class', '1'],
                   cwd=REPO, check=True, capture_output=True)
    out = tmp_path / 'out'
    result = subprocess.run(
        [sys.executable, 'tools/analysis/ablation.py', '--seeds', '0', '1',
         '--rows', 'baseline', 'dsts', '--epochs', '2', '--jobs', '2',
         '--data-dir', str(data), '--work-dir', str(tmp_path / 'work'),
         '--out-dir', str(out)], cwd=REPO, capture_output=True, text=True,
        timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    assert (tmp_path / 'work' / 'pretrain' / 'last.pth').is_file()
    table = (out / 'ablation_finetune_2ep.md').read_text()
    assert '| Baseline (no DSTS) | - | 2 |' in table
    assert '| DSTS (N=10, L=3, UDL) | 3-7 (full model) | 2 |' in table
    runs = json.loads((out / 'ablation_finetune_2ep_runs.json').read_text())
    runs = runs['runs']
    assert {(r['row'], r['seed']) for r in runs} == {
        ('baseline', 0), ('baseline', 1), ('dsts', 0), ('dsts', 1)}
    dsts = [r for r in runs if r['row'] == 'dsts'][0]
    assert {'acc/top1', 'acc/mean1', 'dsts/max_load_l0'} <= set(dsts['test'])
    assert 'acc/top1' in dsts['holdout'] and dsts['threads'] >= 1
    assert (out / 'ablation_finetune_2ep.png').read_bytes()[:4] == b'\x89PNG'


def _record(row, seed, top1, **extra):
    return dict(dict(row=row, seed=seed, protocol='finetune', epochs=3,
                     train_seconds=60.0, threads=1, device='cpu',
                     holdout=dict({'acc/top1': top1}),
                     test={'acc/top1': top1, 'acc/mean1': top1}), **extra)


def _fake_study(tmp_path, runs):
    """A work dir holding finished runs."""
    data = tmp_path / 'data'
    data.mkdir()
    for row, seed, top1 in runs:
        work = tmp_path / 'work' / 'finetune_3ep' / row / f'seed{seed}'
        work.mkdir(parents=True)
        (work / 'result.json').write_text(json.dumps(
            _record(row, seed, top1)))
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
    result = _ablation(tmp_path, data, '--report-only')
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / 'out' / 'ablation_finetune_3ep.md').read_text()
    assert 'threads per run: 1 (3 runs)' in table
    assert '| Baseline (no DSTS) | - | 2 | 60.0 +- 10.0 | 60.0 +- 10.0 |' \
        in table
    assert '| DSTS (N=10, L=3, UDL) | 3-7 (full model) | 1 | 25.0 +- 0.0 |' \
        in table
    assert 'Not run yet: dsts seed 1.' in table
    assert '`python tools/analysis/ablation.py --epochs 3 --seeds 0 1 ' \
        '--rows baseline dsts`' in table
    runs = json.loads((tmp_path / 'out' /
                       'ablation_finetune_3ep_runs.json').read_text())
    assert sorted((r['row'], r['seed']) for r in runs['runs']) == \
        [('baseline', 0), ('baseline', 1), ('dsts', 0)]


def test_previous_runs_count_as_done_only_with_the_same_protocol(tmp_path):
    data = _fake_study(tmp_path, [('baseline', 0, 0.5)])
    previous = tmp_path / 'previous.json'
    previous.write_text(json.dumps(dict(runs=[
        _record('baseline', 1, 0.7), _record('dsts', 0, 0.3),
        _record('dsts', 1, 0.4)])))
    # Every (row, seed) is done, so nothing trains: a real run would fail
    # here, the data dir holds no video.
    result = _ablation(tmp_path, data, '--previous-runs', str(previous))
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / 'out' / 'ablation_finetune_3ep.md').read_text()
    assert '| DSTS (N=10, L=3, UDL) | 3-7 (full model) | 2 | 35.0 +- 5.0 |' \
        in table and 'Not run yet' not in table

    other = json.loads(previous.read_text())
    other['runs'][0]['epochs'] = 24
    previous.write_text(json.dumps(other))
    result = _ablation(tmp_path, data, '--previous-runs', str(previous))
    assert result.returncode != 0
    assert 'is finetune for 24 epochs, this study finetune for 3' in \
        result.stderr
