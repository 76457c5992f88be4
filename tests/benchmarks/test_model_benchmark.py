"""``benchmarks/model.py`` end to end at its smoke preset: both stock models
(Swin-B, TSM-TPN) are built with and without DSTS, every measurement runs and
the summary line carries the documented keys. A behaviour check: the timings
of the smoke preset mean nothing and are only checked for sanity."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'benchmarks', 'model.py')
CHANNELS = dict(swin_b=1024, tpn=2048)  # the feature the DSTS module takes


def added_params(name):
    """Parameters of the default DSTS module on the model's feature (about
    11.1M on Swin-B, 11.4M on TPN at N=10, L=3, M=160), counted from the
    module itself so that the test follows its defaults."""
    from mmdsts.models import DSTSNeck
    return sum(p.numel() for p in DSTSNeck(CHANNELS[name]).parameters())


@pytest.fixture(scope='module')
def lines():
    proc = subprocess.run(
        # One thread: a behaviour check, which must not compete for the
        # cores with whatever else runs (oversubscribed OpenMP threads can
        # slow it down several-fold).
        [sys.executable, SCRIPT, '--preset', 'smoke', '--threads', '1'],
        cwd=ROOT,
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return [json.loads(line) for line in proc.stdout.splitlines()
            if line.strip()]


def test_one_line_per_model_then_the_summary(lines):
    assert [row.get('model') for row in lines[:-1]] == ['swin_b', 'tpn']
    summary = lines[-1]
    for key in ('dsts_param_overhead', 'dsts_flop_overhead',
                'dsts_latency_overhead', 'udl_step_ratio', 'device',
                'targets_met', 'per_model', 'input'):
        assert key in summary, key
    assert summary['summary_model'] == 'swin_b'
    assert set(summary['per_model']) == set(summary['input']) == \
        set(CHANNELS)
    swin = summary['per_model']['swin_b']
    for key in ('dsts_param_overhead', 'dsts_flop_overhead',
                'dsts_latency_overhead', 'udl_step_ratio'):
        assert summary[key] == swin[key]
    assert set(summary['targets_met']) == {
        'dsts_flop_overhead', 'dsts_latency_overhead', 'udl_step_ratio'}
    assert all(isinstance(v, bool) for v in summary['targets_met'].values())


def test_device_and_input_are_stated(lines):
    summary = lines[-1]
    if torch.cuda.is_available():
        assert summary['device'].startswith('cuda: ')
    else:
        assert summary['device'].startswith('cpu: ')
    assert 'reduced input' in summary['device']  # the smoke preset is
    assert summary['input']['swin_b']['clip'] == '4x64x64 clips'
    assert summary['input']['tpn']['clip'] == '8 segments x 64x64'
    assert summary['preset'] == 'smoke'


@pytest.mark.parametrize('index,name', [(0, 'swin_b'), (1, 'tpn')])
def test_model_measurements_are_sane(lines, index, name):
    row = lines[index]
    assert row['model'] == name
    # The stock models and the exact size of the default DSTS module.
    added = added_params(name)
    assert 11e6 < added < 11.5e6  # M=160 on both features
    assert row['params_dsts'] - row['params_baseline'] == added
    assert row['params_added'] == added
    assert row['dsts_param_overhead'] == pytest.approx(
        added / row['params_baseline'], abs=1e-4)
    assert row['dsts_param_overhead'] > 0
    # FLOPs: the DSTS module's routed evaluation path is counted.
    assert 0 < row['gflops_baseline'] < row['gflops_dsts']
    assert row['gflops_dsts_module'] > 0
    assert row['dsts_flop_overhead'] > 0
    for key in ('infer_ms_baseline', 'infer_ms_dsts', 'train_ms_baseline',
                'train_ms_dsts', 'train_ms_dsts_udl'):
        assert row[key] > 0, key
    # The UDL step does strictly more work (a D_val backbone pass, steps 1-2)
    # and made its meta updates. (The ratio is the median of per-round
    # ratios, not the ratio of the median times.)
    assert row['udl_step_ratio'] > 1
    assert row['repeats'] >= 5
    assert row['udl_meta_updates'] >= 2
    if torch.cuda.is_available():
        assert all(v > 0 for v in row['peak_mem_mb'].values())
    else:
        assert row['peak_mem_mb'] is None and row['peak_mem_note']
