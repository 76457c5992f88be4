"""The generated hierarchical dataset: a FineGym-format tree, real .mp4
files decord reads, and each level visible in its own kind of detail."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmdsts.datasets import HierarchicalVideoDataset, LabelHierarchy
from mmdsts.datasets.synthetic_hierarchy import (CLASSES, TUCK_FRAMES,
                                                 generate_hierarchy,
                                                 render_hierarchy_clip)
from mmdsts.datasets.synthetic_videos import FRAMES, carve_holdout


def test_the_tree_reads_like_gym99s_category_file(tmp_path):
    lists = generate_hierarchy(str(tmp_path), dict(train=2, val=1))
    h = LabelHierarchy.from_file(lists['categories'])
    assert h.num_classes == dict(event=2, set=4, element=10)
    assert h.event_names == ['BM', 'FL'] and h.set_ids == [11, 12, 21, 22]
    assert h.element_to_set == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]
    split = carve_holdout(lists['train'], 1)
    assert split['holdout'].endswith('hierarchy_holdout_list_videos.txt')
    init_default_scope('mmaction')
    dataset = HierarchicalVideoDataset(
        lists['val'], [dict(type='DecordInit'), dict(
            type='SampleFrames', clip_len=FRAMES, num_clips=1,
            test_mode=True), dict(type='DecordDecode')],
        hierarchy_file=lists['categories'],
        data_prefix=dict(video=str(tmp_path / 'videos')))
    assert len(dataset) == 10
    assert dataset[9]['imgs'][0].shape == (64, 64, 3)  # decoded by decord
    info = dataset.get_data_info(9)
    assert (info['event_label'], info['set_label']) == (1, 3)


def test_generation_is_deterministic_and_per_clip():
    a = render_hierarchy_clip(3, 0, 'train', 5)
    assert np.array_equal(a, render_hierarchy_clip(3, 0, 'train', 5))
    assert not np.array_equal(a, render_hierarchy_clip(3, 0, 'train', 6))


@pytest.mark.parametrize('label', range(len(CLASSES)))
def test_the_element_is_a_brief_tuck_at_its_time(label, monkeypatch):
    """The performer's drawn size per frame: a quarter size exactly in the
    element's five tuck frames (early 2-6, late 9-13, none for 'none')."""
    import mmdsts.datasets.synthetic_hierarchy as module
    sizes = []
    monkeypatch.setattr(module, '_box', lambda frame, cy, cx, half, colour:
                        sizes.append(half))
    render_hierarchy_clip(label, 0, 'val', 100 + label)
    assert len(sizes) == FRAMES
    full = max(sizes)
    tucked = [t for t, size in enumerate(sizes) if size < full]
    assert tucked == list(TUCK_FRAMES[CLASSES[label].tuck])
    assert tucked == dict(none=[], early=[2, 3, 4, 5, 6],
                          late=[9, 10, 11, 12, 13])[CLASSES[label].tuck]
    assert all(sizes[t] == full / 4 for t in tucked)
