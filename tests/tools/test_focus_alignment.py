"""tools/analysis/focus_alignment.py: where Q's mass lies relative to the
generated class and distractor movements."""
import os.path as osp
import subprocess
import sys

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
from focus_alignment import alignment, movement_box  # noqa: E402

from mmdsts.datasets.synthetic_skeleton import (GROUP_MOTIONS,  # noqa: E402
                                                Movement)


def test_movement_box_covers_the_groups_joints_in_its_share_of_frames():
    box = movement_box(Movement(group=1, start=20, end=30, amplitude=1.0),
                       total_frames=40, clip_len=8)
    joints = list(GROUP_MOTIONS[1].joints)
    assert box[4:6][:, joints].all() and box.sum() == 2 * len(joints)


def test_shares_are_fractions_and_uniform_reference_matches_boxes(tmp_path):
    import mmdsts  # noqa: F401
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules()
    subprocess.run([sys.executable, 'tools/data/synthetic/generate_skeleton.py',
                    str(tmp_path / 'skeleton.pkl'), '--tiny'], cwd=REPO,
                   check=True, capture_output=True)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'stf', 'synthetic',
                                   'stf_msg3d_synthetic.py'))
    cfg.test_dataloader.dataset.ann_file = str(tmp_path / 'skeleton.pkl')
    cfg.dump(str(tmp_path / 'config.py'))
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()),
               tmp_path / 'model.pth')
    result = alignment(str(tmp_path / 'config.py'),
                       str(tmp_path / 'model.pth'), 'test', None, 0)
    assert result['sequences'] == 10
    for stage in ('stage1', 'stage2'):
        for key in ('cls', 'distractor'):
            assert 0.0 <= result[stage][key] <= 1.0
    assert 0.0 < result['uniform']['cls'] < 0.5
    assert np.isfinite(result['uniform']['distractor'])
