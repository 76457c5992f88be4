"""The README's main job, reduced (``tools/main_job.sh --quick``): real .mp4
files decoded by decord, the baseline trained (stage a) and fine-tuned with
the plain head and with DSTS (stage b) through the real ``mim train``, and
evaluated through the real ``tools/dist_test.sh`` (torchrun, 2 processes)."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRETRAIN = 'slowonly_r18_synthetic'
RUNS = ('slowonly_r18_finetune_synthetic',
        'slowonly_r18_dsts_finetune_synthetic')


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def _env(tmp):
    return dict(os.environ, WORK_DIR=str(tmp / 'work'),
                DATA_DIR=str(tmp / 'data'), PORT=_free_port(),
                PYTHON=sys.executable, OMP_NUM_THREADS='1')


@pytest.fixture(scope='module')
def main_job(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('main_job')
    result = subprocess.run(['bash', 'tools/main_job.sh', '--quick'],
                            cwd=REPO, env=_env(tmp), capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, (result.stdout[-4000:] +
                                    result.stderr[-4000:])
    return tmp, result.stdout + result.stderr


def test_main_job_trains_with_mim_and_tests_with_dist_test(main_job):
    tmp, output = main_job
    assert output.count('Training command is') == 3  # printed by mim train
    for name in (PRETRAIN, ) + RUNS:
        work = tmp / 'work' / name
        assert (work / 'epoch_1.pth').is_file()
        metrics = json.loads((work / 'test' / 'metrics.json').read_text())
        assert metrics['checkpoint'].endswith('epoch_1.pth')
        for key in ('acc/top1', 'acc/top5', 'acc/mean1'):
            assert 0.0 <= metrics['metrics'][key] <= 1.0
        assert (work / 'test' / 'train_seconds').is_file()
    # stage (b) started from stage (a)'s checkpoint
    for name in RUNS:
        log = next((tmp / 'work' / name).glob('*/*.log')).read_text()
        assert f'Load checkpoint from {tmp / "work" / PRETRAIN}' in log
    # the DSTS run used UDL and logged its dynamics; its test metrics carry
    # the routing of the test split
    log = next((tmp / 'work' / RUNS[1]).glob('*/*.log')).read_text()
    assert 'udl_meta_loss' in log and 'dsts_load_entropy_l0' in log
    assert 'dsts_gate_agree' in log and 'dsts_branch_ratio' in log
    metrics = json.loads((tmp / 'work' / RUNS[1] / 'test' /
                          'metrics.json').read_text())['metrics']
    assert {'dsts/max_load_l0', 'dsts/neurons_used_l2'} <= set(metrics)


def test_main_job_prints_the_comparison_table(main_job):
    _, output = main_job
    table = output[output.index('Accuracy (%)'):]
    header = table.splitlines()[1]
    assert all(c in header for c in ('top-1', 'top-5', 'mean class',
                                     'max load'))
    assert 'pretrained (stage a)' in table
    assert 'slowonly_r18_dsts_finetune - slowonly_r18_finetune' in table


def test_testing_a_checkpoint_of_another_model_is_refused(main_job):
    tmp, _ = main_job
    baseline_ckpt = tmp / 'work' / RUNS[0] / 'epoch_1.pth'
    result = subprocess.run(
        [sys.executable, 'tools/test.py',
         f'configs/synthetic/{RUNS[1]}.py', str(baseline_ckpt),
         '--work-dir', str(tmp / 'wrong'), '--cfg-options',
         f"test_dataloader.dataset.ann_file={tmp / 'data'}/"
         'synthetic_val_list_videos.txt',
         f"test_dataloader.dataset.data_prefix.video={tmp / 'data'}/videos"],
        cwd=REPO, env=_env(tmp), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert f'does not fit the model of configs/synthetic/{RUNS[1]}.py' in \
        result.stderr
    assert 'missing' in result.stderr and 'dsts.' in result.stderr


def test_mim_test_in_one_process_matches_dist_test_in_two(main_job):
    """Evaluation is deterministic (no Gumbel noise, hard gates) and does not
    depend on how the test split is sharded."""
    tmp, _ = main_job
    work = tmp / 'work' / RUNS[1]
    out = tmp / 'mim_test_metrics.json'
    # As tools/main_job.sh: from the checkout only with an editable install
    # (mmdsts/.mim links); after a regular install mim must not import the
    # checkout's mmdsts, so it runs elsewhere.
    editable = osp.exists(osp.join(REPO, 'mmdsts', '.mim', 'tools'))
    result = subprocess.run(
        [sys.executable, '-m', 'mim', 'test', 'mmdsts',
         osp.join(REPO, 'configs', 'synthetic', f'{RUNS[1]}.py'),
         '--checkpoint',
         str(work / 'epoch_1.pth'), '--gpus', '0', '--work-dir',
         str(tmp / 'mim_test'), '--metrics-json', str(out), '--cfg-options',
         f"test_dataloader.dataset.ann_file={tmp / 'data'}/"
         'synthetic_val_list_videos.txt',
         f"test_dataloader.dataset.data_prefix.video={tmp / 'data'}/videos"],
        cwd=REPO if editable else str(tmp), env=_env(tmp),
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Testing command is' in result.stdout + result.stderr
    single = json.loads(out.read_text())['metrics']
    double = json.loads((work / 'test' / 'metrics.json').read_text())
    assert single == pytest.approx(double['metrics'], abs=1e-6)


def test_specialization_plots_from_the_main_job_checkpoint(main_job):
    tmp, _ = main_job
    work = tmp / 'work' / RUNS[1]
    out = tmp / 'specialization'
    result = subprocess.run(
        [sys.executable, 'tools/analysis/visualize_specialization.py',
         f'configs/synthetic/{RUNS[1]}.py', str(work / 'epoch_1.pth'),
         '--out-dir', str(out), '--class-names',
         str(tmp / 'data' / 'classes.txt'), '--cfg-options',
         f"test_dataloader.dataset.ann_file={tmp / 'data'}/"
         'synthetic_val_list_videos.txt',
         f"test_dataloader.dataset.data_prefix.video={tmp / 'data'}/videos"],
        cwd=REPO, env=_env(tmp), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in ('specialization.png', 'class_neuron.png'):
        assert (out / name).read_bytes()[:4] == b'\x89PNG'
    # The runner's log goes elsewhere: --out-dir may be docs/results.
    assert sorted(p.name for p in out.iterdir()) == \
        ['class_neuron.png', 'specialization.json', 'specialization.png']
    numbers = json.loads((out / 'specialization.json').read_text())
    usage = numbers['usage']
    assert len(usage) == 3 and len(usage[0]) == 10  # L=3 layers, N=10
    assert all(abs(sum(layer) - 1) < 1e-6 for layer in usage)
    counts = numbers['class_neuron_counts']
    assert sum(map(sum, counts[0])) == 20  # every test clip, once per layer
    assert 'class-neuron NMI' in result.stdout
    assert 'moving left to right: layer 3 -> n' in result.stdout
