"""UDL under torchrun: 2 CPU processes (gloo) stay in lock-step."""
import os
import os.path as osp
import subprocess
import sys

WORKER = osp.join(osp.dirname(osp.abspath(__file__)), 'udl_ddp_worker.py')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _run(tmp_path, *nan_samples):
    # The workers import the same mmdsts as this test process: the checkout.
    path = os.pathsep.join(filter(None, [REPO, os.environ.get('PYTHONPATH')]))
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=path)
    # --standalone: torchrun picks a free local port itself (no race).
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
           '--nproc_per_node=2', WORKER, str(tmp_path), '4'] + \
        [str(i) for i in nan_samples]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return (tmp_path / 'ranks_identical.txt').read_text().split()


def test_a_nan_sample_on_one_rank_is_skipped_by_both(tmp_path):
    """The skip decision is all-reduced: a rank stepping alone would leave
    the other behind (and DDP's next all-reduce would mix them)."""
    same, _, _, finite, skips = _run(tmp_path, 5)
    a, b = skips.split(',')
    assert a == b and int(a) >= 1
    assert same == 'True' and finite == 'True'


def test_two_processes_end_with_identical_parameters(tmp_path):
    same, numel, world, finite, skips = _run(tmp_path)
    assert world == '2' and int(numel) > 0 and skips == '0,0'
    assert same == 'True', 'ranks diverged: meta-gradients not averaged?'
    logs = list(tmp_path.glob('*/*.log'))
    assert logs and 'udl_meta_loss' in logs[0].read_text()
