"""tools/analysis/ablation.py: each row changes what its table ablates, and
the study runs end to end (tiny data, 2 epochs)."""
import importlib.util
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
    assert (out / 'ablation.png').read_bytes()[:4] == b'\x89PNG'
