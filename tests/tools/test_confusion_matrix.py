"""tools/analysis/confusion_matrix.py on hand-made dumps."""
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import confusion_matrix  # noqa: E402


def _dump(path, pairs):
    samples = [dict(gt_label=torch.tensor(true),
                    pred_score=torch.eye(3)[pred]) for true, pred in pairs]
    path.write_bytes(pickle.dumps(samples))
    return str(path)


def test_counts_are_summed_over_dumps_and_swaps_counted(tmp_path):
    a = _dump(tmp_path / 'a.pkl', [(0, 0), (1, 2), (2, 1)])
    b = _dump(tmp_path / 'b.pkl', [(0, 0), (1, 1), (2, 2)])
    np.testing.assert_array_equal(confusion_matrix.confusion([a, b]),
                                  [[2, 0, 0], [0, 1, 1], [0, 1, 1]])
    out = subprocess.run([sys.executable, 'tools/analysis/confusion_matrix.py',
                          a, b, '--pairs', '1,2'], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    assert '2 errors of 6 (top-1 66.7%)' in out
    assert '1 <-> 2: 2 swaps' in out
