"""The generated skeleton dataset: PoseDataset's pkl format on NTU's layout,
deterministic, nested scarce-data splits, and classes that differ only in
which joints move and when."""
import mmengine
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmdsts.datasets import VerifiedPoseDataset
from mmdsts.datasets.synthetic_skeleton import (
    GROUP_MOTIONS, NUM_CLASSES, REST_POSE, generate_skeleton, motion_energy,
    _pose_sequence, nearest_centroid_accuracy, render_skeleton)
from mmaction.models.utils import Graph  # noqa: I001  after mmdsts' repairs

TINY = dict(train=10, holdout=1, test=2)


@pytest.fixture(scope='module')
def tiny():
    return generate_skeleton(TINY, seed=0)


def test_the_format_is_what_posedataset_and_the_gcn_pipeline_read(
        tiny, tmp_path):
    path = str(tmp_path / 'skeleton.pkl')
    mmengine.dump(tiny, path)
    anno = tiny['annotations'][0]
    assert anno['keypoint'].dtype == np.float32
    assert anno['keypoint'].shape == (1, anno['total_frames'], 25, 3)
    assert all(40 <= a['total_frames'] <= 64 for a in tiny['annotations'])
    init_default_scope('mmaction')
    pipeline = [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['b']),
        dict(type='UniformSampleFrames', clip_len=32, num_clips=1,
             test_mode=True),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')]
    dataset = VerifiedPoseDataset(path, pipeline, graph_layout='nturgb+d',
                                  num_classes=NUM_CLASSES, split='test')
    assert len(dataset) == 2 * NUM_CLASSES
    sample = dataset[5]
    assert tuple(sample['inputs'].shape) == (1, 1, 32, 25, 3)
    assert np.isfinite(sample['inputs'].numpy()).all()


def test_the_rest_pose_is_a_body_on_ntus_graph():
    """Every bone of the NTU graph is 3-50 cm long; the head is on top."""
    graph = Graph(layout='nturgb+d', mode='spatial')
    for child, parent in graph.inward:
        length = np.linalg.norm(REST_POSE[child] - REST_POSE[parent])
        assert 0.03 <= length <= 0.5, (child, parent)
    assert REST_POSE[:, 1].argmax() == 3  # the head (NTU joint 4)


def test_generation_is_deterministic_and_per_sequence(tiny):
    a, _ = render_skeleton(3, 0, 'train', 5)
    assert np.array_equal(a, render_skeleton(3, 0, 'train', 5)[0])
    assert not np.array_equal(a, render_skeleton(3, 0, 'train', 6)[0])
    assert not np.array_equal(a, render_skeleton(3, 1, 'train', 5)[0])
    again = generate_skeleton(TINY, seed=0)
    assert again['split'] == tiny['split']
    assert all(np.array_equal(x['keypoint'], y['keypoint'])
               for x, y in zip(again['annotations'], tiny['annotations']))


def test_the_splits_are_stratified_disjoint_and_nested(tiny):
    split = tiny['split']
    assert set(split) == {'train', 'holdout', 'test', 'train_p10',
                          'train_p25'}
    labels = {a['frame_dir']: a['label'] for a in tiny['annotations']}
    assert len(labels) == len(tiny['annotations'])  # unique frame_dirs
    sizes = dict(TINY, train_p10=1, train_p25=2)  # 10% / 25% of 10
    for name, per_class in sizes.items():
        counts = np.bincount([labels[d] for d in split[name]],
                             minlength=NUM_CLASSES)
        assert (counts == per_class).all(), name
    assert set(split['train_p10']) < set(split['train_p25']) \
        < set(split['train'])
    assert not set(split['train']) & set(split['holdout'])
    assert not set(split['holdout']) & set(split['test'])


@pytest.mark.parametrize('label', range(NUM_CLASSES))
def test_the_class_group_moves_within_its_half_only(label):
    """Before the global transforms and noise: the class's group leaves the
    rest pose exactly during its movement, inside the early or late half;
    the distractor is another group at a smaller amplitude; no other joint
    moves. After them, the group's motion energy is still highest in its
    half."""
    group, half = divmod(label, 2)
    for index in range(4):
        keypoint, moves = render_skeleton(label, 0, 'test', index)
        frames = keypoint.shape[1]
        main, distractor = moves
        assert main.group == group and main.amplitude == 1.0
        assert main.end <= frames // 2 if half == 0 \
            else main.start >= frames // 2
        assert distractor.group != group and distractor.amplitude < 0.6
        poses = _pose_sequence(moves, frames)
        moved = np.linalg.norm(poses - REST_POSE, axis=-1) > 1e-9  # T, V
        joints = list(GROUP_MOTIONS[group].joints)
        frames_moved = np.nonzero(moved[:, joints].any(1))[0]
        assert main.start < frames_moved.min() and \
            frames_moved.max() < main.end
        groups = {m.group for m in moves}
        still = [j for j in range(25) if not any(
            j in GROUP_MOTIONS[g].joints for g in groups)]
        assert not moved[:, still].any()
        energy = motion_energy(keypoint)  # (group, half)
        assert energy[group, half] > 1.5 * energy[group, 1 - half]


def test_where_and_when_features_beat_chance_and_global_energy_does_not():
    data = generate_skeleton(dict(train=8, test=4), seed=3)
    by_dir = {a['frame_dir']: a for a in data['annotations']}

    def accuracy(feature):
        pairs = {s: [(feature(motion_energy(by_dir[d]['keypoint'])),
                      by_dir[d]['label']) for d in data['split'][s]]
                 for s in ('train', 'test')}
        return nearest_centroid_accuracy(pairs['train'], pairs['test'])

    assert accuracy(lambda e: e.ravel()) >= 0.8
    assert accuracy(lambda e: e.sum(keepdims=True)) <= 0.35


def test_distractor_range_changes_only_the_distractor_amplitude():
    """A harder distractor keeps every sequence's movements' groups and
    times (the same draws), only the distractor's amplitude moves into the
    asked range."""
    for label in (0, 9):
        for index in range(3):
            _, easy = render_skeleton(label, 0, 'train', index)
            _, hard = render_skeleton(label, 0, 'train', index,
                                      distractor=(0.6, 0.85))
            assert easy[0] == hard[0]  # the class movement
            assert easy[1][:3] == hard[1][:3]  # group, start, end
            assert 0.6 <= hard[1].amplitude <= 0.85
            assert 0.30 <= easy[1].amplitude <= 0.55
