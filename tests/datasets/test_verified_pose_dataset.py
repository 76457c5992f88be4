"""VerifiedPoseDataset: every bad skeleton or label is named (pkl file,
index, frame_dir, what is wrong, the config key to fix) before training."""
import mmengine
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmdsts.datasets import VerifiedPoseDataset

PIPELINE = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=8, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]


def _anno(name, label=0, frames=12, joints=25):
    rng = np.random.default_rng(abs(label))
    keypoint = rng.normal(size=(1, frames, joints, 3)).astype(np.float32)
    return dict(frame_dir=name, label=label, total_frames=frames,
                keypoint=keypoint)


def _write(tmp_path, annos, split=None):
    path = str(tmp_path / 'poses.pkl')
    split = split or dict(train=[a['frame_dir'] for a in annos])
    mmengine.dump(dict(split=split, annotations=annos), path)
    return path


def _build(path, **kwargs):
    init_default_scope('mmaction')
    kwargs.setdefault('graph_layout', 'nturgb+d')
    kwargs.setdefault('num_classes', 3)
    return VerifiedPoseDataset(path, PIPELINE, split='train', **kwargs)


def test_a_good_file_loads_and_gives_a_gcn_input(tmp_path):
    dataset = _build(_write(tmp_path, [_anno('a'), _anno('b', label=2)]))
    assert len(dataset) == 2
    sample = dataset[1]
    assert tuple(sample['inputs'].shape) == (1, 2, 8, 25, 3)  # clip,M,T,V,C
    assert sample['data_samples'].gt_label.item() == 2


def test_a_wrong_joint_count_names_the_sample_and_the_layout_key(tmp_path):
    path = _write(tmp_path, [_anno('a'), _anno('coco_one', joints=17)])
    with pytest.raises(ValueError) as error:
        _build(path)
    message = str(error.value)
    assert "annotations[1] (frame_dir 'coco_one')" in message
    assert '17 joints, the configured graph 25' in message
    assert 'model.backbone.graph_cfg.layout' in message
    assert len(_build(path, graph_layout='coco', on_invalid='skip')) == 1


@pytest.mark.parametrize('value', [np.nan, np.inf, -np.inf])
def test_non_finite_coordinates_are_named(tmp_path, value):
    bad = _anno('bad')
    bad['keypoint'][0, 3, 7, 1] = value
    with pytest.raises(ValueError, match=r"annotations\[1\] \(frame_dir "
                                         r"'bad'\) keypoint has 1 NaN/inf"):
        _build(_write(tmp_path, [_anno('a'), bad]))


def test_a_non_finite_keypoint_score_is_named(tmp_path):
    bad = _anno('scored')
    bad['keypoint_score'] = np.ones(bad['keypoint'].shape[:3], np.float32)
    bad['keypoint_score'][0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='keypoint_score has 1 NaN/inf'):
        _build(_write(tmp_path, [bad]))


def test_an_empty_sequence_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"'empty'\) is an empty sequence"):
        _build(_write(tmp_path, [_anno('a'), _anno('empty', frames=0)]))


def test_total_frames_must_match_the_array(tmp_path):
    bad = dict(_anno('short'), total_frames=20)
    with pytest.raises(ValueError, match='total_frames is 20 but keypoint '
                                         'has 12 frames'):
        _build(_write(tmp_path, [bad]))


@pytest.mark.parametrize('label', [3, -1])
def test_a_label_out_of_range_names_num_classes(tmp_path, label):
    path = _write(tmp_path, [_anno('a'), _anno('far', label=label)])
    with pytest.raises(ValueError) as error:
        _build(path, on_invalid='skip')  # labels are never skipped
    message = str(error.value)
    assert f"(frame_dir 'far'): label {label} is not in [0, " \
           'num_classes=3)' in message
    assert 'dataset.num_classes (and model.cls_head.num_classes)' in message


def test_all_bad_samples_are_reported_at_once_with_a_cap(tmp_path):
    annos = [_anno(f's{i}', joints=18) for i in range(13)] + [_anno('ok')]
    with pytest.raises(ValueError) as error:
        _build(_write(tmp_path, annos))
    message = str(error.value)
    assert message.startswith('13 of 14 samples')
    assert "'s9'" in message and "'s10'" not in message
    assert '... and 3 more' in message


def test_only_the_split_is_checked_and_a_missing_split_is_named(tmp_path):
    path = _write(tmp_path, [_anno('a'), _anno('b', joints=17)],
                  split=dict(train=['a'], val=['b']))
    assert len(_build(path)) == 1
    with pytest.raises(KeyError, match=r"'xsub_train' \(dataset.split\) is "
                                       r"not in .*\['train', 'val'\]"):
        init_default_scope('mmaction')
        VerifiedPoseDataset(path, PIPELINE, graph_layout='nturgb+d',
                            split='xsub_train')


def test_the_layout_is_required_and_must_be_known(tmp_path):
    path = _write(tmp_path, [_anno('a')])
    with pytest.raises(ValueError, match='dataset.graph_layout .* required'):
        VerifiedPoseDataset(path, PIPELINE, split='train')
    with pytest.raises(ValueError, match="got 'ntu'"):
        _build(path, graph_layout='ntu')
    dataset = _build(path, graph_layout=dict(num_node=25, inward=[],
                                             center=0))
    assert dataset.num_joints == 25


def test_a_per_video_skeleton_file_is_checked_when_loaded(tmp_path):
    """Kinetics' layout: the pkl lists the videos, one file holds each
    video's key points (compressed: (N, V, 3) with frame_inds)."""
    kp = np.zeros((4, 17, 3), np.float32)
    kp[1, 2, 0] = np.inf
    mmengine.dump(dict(keypoint=kp, frame_inds=np.arange(4)),
                  str(tmp_path / 'vid.pkl'))
    path = _write(tmp_path, [dict(frame_dir='vid', label=1, total_frames=4)])
    dataset = _build(path, graph_layout='coco',
                     data_prefix=dict(skeleton=str(tmp_path)))
    with pytest.raises(ValueError, match=r"'vid'\): its key-point file "
                                         r".*vid.pkl keypoint has 1 NaN"):
        dataset[0]


def test_a_pipeline_failure_names_the_sample(tmp_path):
    init_default_scope('mmaction')
    dataset = VerifiedPoseDataset(  # a dense file is not compressed
        _write(tmp_path, [_anno('a')]), [dict(type='DecompressPose')],
        graph_layout='nturgb+d', split='train')
    with pytest.raises(RuntimeError, match=r"failed to load .*poses.pkl: "
                                           r"annotations\[0\] \(frame_dir "
                                           r"'a'\): AssertionError"):
        dataset[0]
