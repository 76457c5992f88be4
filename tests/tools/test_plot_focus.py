"""tools/analysis/plot_focus.py draws Q heat-maps from a checkpoint, for the
STF model (its STF stages) and for the plain MS-G3D (any stages)."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

import mmdsts  # noqa: F401
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config

pytestmark = pytest.mark.slow
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('config', ['stf_msg3d_synthetic', 'msg3d_synthetic'])
def test_focus_figure_from_a_checkpoint(config, tmp_path):
    register_all_modules()
    subprocess.run([sys.executable, 'tools/data/synthetic/generate_skeleton.py',
                    str(tmp_path / 'skeleton.pkl'), '--tiny'], cwd=REPO,
                   check=True, capture_output=True)
    path = osp.join(REPO, 'configs', 'stf', 'synthetic', config + '.py')
    cfg = Config.fromfile(path)
    cfg.test_dataloader.dataset.ann_file = str(tmp_path / 'skeleton.pkl')
    cfg.dump(str(tmp_path / 'config.py'))
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()),
               tmp_path / 'model.pth')
    out = tmp_path / 'focus.png'
    result = subprocess.run(
        [sys.executable, 'tools/analysis/plot_focus.py',
         str(tmp_path / 'config.py'), str(tmp_path / 'model.pth'),
         '--classes', '0', '1', '--per-class', '1', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.stat().st_size > 10_000
