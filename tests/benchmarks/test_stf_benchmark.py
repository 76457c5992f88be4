"""``benchmarks/stf.py`` end to end at its smoke preset: every measurement
runs and the summary carries the documented keys (timings of the smoke
preset mean nothing; only their sanity is checked)."""
import json
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_smoke_preset_reports_step_ratio_and_inference_overhead():
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'benchmarks', 'stf.py'), '--preset',
         'smoke', '--threads', '1'], cwd=ROOT, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get('what') for line in lines[:2]] == ['train_step',
                                                        'inference']
    summary = lines[-1]
    # the STF step does strictly more work than the plain one
    assert summary['train_step_ratio'] > 1.0
    # the cheaper dispatches are timed in the same run
    assert summary['first_order_train_step_ratio'] > 1.0
    assert summary['interval2_train_step_ratio'] > 1.0
    assert 0.0 < summary['stf_inference_flops_overhead'] < 0.2
    assert summary['params_stf'] > summary['params_plain']
    assert summary['device'].startswith('cpu')
