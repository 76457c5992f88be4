"""UDL under torchrun: 2 CPU processes (gloo) stay in lock-step."""
import os
import os.path as osp
import subprocess
import sys

WORKER = osp.join(osp.dirname(osp.abspath(__file__)), 'udl_ddp_worker.py')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_two_processes_end_with_identical_parameters(tmp_path):
    # The workers import the same mmdsts as this test process: the checkout.
    path = os.pathsep.join(filter(None, [REPO, os.environ.get('PYTHONPATH')]))
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PYTHONPATH=path)
    # --standalone: torchrun picks a free local port itself (no race).
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
           '--nproc_per_node=2', WORKER, str(tmp_path), '4']
    result = subprocess.run(cmd, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    same, numel, world = (tmp_path / 'ranks_identical.txt').read_text().split()
    assert world == '2' and int(numel) > 0
    assert same == 'True', 'ranks diverged: meta-gradients not averaged?'
    logs = list(tmp_path.glob('*/*.log'))
    assert logs and 'udl_meta_loss' in logs[0].read_text()
