"""tools/data/gym/check_hierarchy.py on lists in MMAction2's Gym99 format."""
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tests', 'datasets'))
from hierarchy_fixture import write_categories  # noqa: E402


def _check(*args):
    return subprocess.run([sys.executable, 'tools/data/gym/check_hierarchy.py',
                           *map(str, args)], cwd=REPO, capture_output=True,
                          text=True)


def test_lists_that_fit_are_counted_per_event(tmp_path):
    categories = write_categories(tmp_path / 'cat.txt')
    train = tmp_path / 'train.txt'
    train.write_text('a.mp4 0\nb.mp4 4\nc.mp4 7\nd.mp4 6\n')
    result = _check(categories, train)
    assert result.returncode == 0, result.stderr
    assert '4 events, 5 sets, 8 elements' in result.stdout
    assert '4 clips; per event: FX 1, UB 2, VT 1' in result.stdout


def test_a_label_outside_the_category_file_names_the_line(tmp_path):
    categories = write_categories(tmp_path / 'cat.txt')
    val = tmp_path / 'val.txt'
    val.write_text('a.mp4 0\nb.mp4 98\n')
    result = _check(categories, val)
    assert result.returncode == 1
    assert 'val.txt:2: element label 98 is not in the hierarchy' in \
        result.stderr
