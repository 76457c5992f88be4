"""tools/dist_train.sh and tools/train.py on a tiny UDL config (CPU)."""
import os
import os.path as osp
import socket
import subprocess
import sys

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY = osp.join(REPO, 'tests', 'engine')
sys.path.insert(0, TOY)
from toy_udl import runner_cfg  # noqa: E402


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def _env():
    path = os.pathsep.join(filter(None, [REPO, TOY,
                                         os.environ.get('PYTHONPATH')]))
    return dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS='1',
                PYTHONWARNINGS='ignore', PORT=_free_port(),
                PYTHON=sys.executable)


def _config(tmp_path, max_iters):
    cfg = Config(runner_cfg(str(tmp_path / 'unused'), max_iters))
    cfg.custom_imports = dict(imports=['toy_udl'], allow_failed_imports=False)
    cfg.log_level = 'INFO'
    path = str(tmp_path / 'toy_udl_config.py')
    cfg.dump(path)
    return path


def _run(cmd):
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_dist_train_then_resume_with_cfg_options(tmp_path):
    config = _config(tmp_path, max_iters=2)
    work = tmp_path / 'work'
    _run(['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(work)])
    assert (work / 'iter_2.pth').is_file()
    log = next(work.glob('*/*.log')).read_text()
    assert 'udl_meta_loss' in log and 'upstream.lr' in log

    _run([sys.executable, 'tools/train.py', config, '--work-dir', str(work),
          '--resume', '--cfg-options', 'train_cfg.max_iters=3',
          'default_hooks.checkpoint.interval=3'])
    assert (work / 'iter_3.pth').is_file()
    logs = sorted(work.glob('*/*.log'))
    assert 'Auto resumed from the latest checkpoint' in logs[-1].read_text()
