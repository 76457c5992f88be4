"""The generated dataset: real decodable .mp4 files, deterministic, and
classes in pairs that differ in one detail."""
import decord
import numpy as np

from mmdsts.datasets import synthetic_videos as synthetic


def test_generate_writes_decodable_mp4s_and_lists(tmp_path):
    lists = synthetic.generate(str(tmp_path), dict(train=2, val=1), seed=3)
    lines = open(lists['train']).read().splitlines()
    assert len(lines) == 2 * synthetic.NUM_CLASSES
    labels = sorted(int(line.split()[1]) for line in lines)
    assert labels == sorted(list(range(synthetic.NUM_CLASSES)) * 2)
    path, _ = lines[0].split()
    reader = decord.VideoReader(str(tmp_path / 'videos' / path))
    assert len(reader) == synthetic.FRAMES
    assert reader[0].shape == (synthetic.SIZE, synthetic.SIZE, 3)
    assert len(open(lists['val']).read().splitlines()) == synthetic.NUM_CLASSES
    assert len((tmp_path / 'classes.txt').read_text().splitlines()) == \
        synthetic.NUM_CLASSES


def test_clips_are_deterministic_per_seed_split_and_index():
    first = synthetic.render_clip(4, seed=0, split='train', index=7)
    assert np.array_equal(first, synthetic.render_clip(4, 0, 'train', 7))
    assert not np.array_equal(first, synthetic.render_clip(4, 1, 'train', 7))
    assert not np.array_equal(first, synthetic.render_clip(4, 0, 'val', 7))


def test_classes_come_in_spatial_or_temporal_pairs():
    kinds = [c.kind for c in synthetic.CLASSES]
    assert synthetic.NUM_CLASSES % 2 == 0
    assert all(kinds[i] == kinds[i + 1] for i in range(0, len(kinds), 2))
    assert {'spatial', 'temporal'} == set(kinds)


def test_filling_and_emptying_differ_only_in_frame_order():
    """The same generator state renders an "emptying" clip as the "filling"
    clip played backwards: only the order of frames tells them apart."""
    filling = synthetic.CLASSES[2].render(np.random.default_rng(5))
    emptying = synthetic.CLASSES[3].render(np.random.default_rng(5))
    assert np.array_equal(filling[::-1], emptying)


def test_left_to_right_reversed_in_time_is_a_right_to_left_motion():
    clip = synthetic.CLASSES[0].render(np.random.default_rng(2))
    column_means = clip.std(axis=(1, 3))  # T, W: where the object is

    def centre(frame_stats):
        return np.argmax(frame_stats)
    assert centre(column_means[0]) < centre(column_means[-1])
