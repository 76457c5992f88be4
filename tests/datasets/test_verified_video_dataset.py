"""VerifiedVideoDataset: bad lists fail before training, naming file and line."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmdsts.datasets import VerifiedVideoDataset, invalid_samples
from mmdsts.datasets.synthetic_videos import write_mp4

PIPELINE = [dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len=2, frame_interval=1,
                 num_clips=1, test_mode=True),
            dict(type='DecordDecode')]


@pytest.fixture(autouse=True)
def mmaction_scope():
    init_default_scope('mmaction')  # the pipeline's transforms live there


@pytest.fixture
def videos(tmp_path):
    """Two good .mp4 files, a corrupt one and a truncated one."""
    frames = np.zeros((4, 32, 32, 3), np.uint8)
    write_mp4(str(tmp_path / 'a.mp4'), frames)
    write_mp4(str(tmp_path / 'b.mp4'), frames + 100)
    (tmp_path / 'corrupt.mp4').write_bytes(b'not a video' * 50)
    (tmp_path / 'empty.mp4').write_bytes(b'')
    return tmp_path


def _dataset(tmp_path, lines, **kwargs):
    ann = tmp_path / 'list.txt'
    ann.write_text(''.join(f'{line}\n' for line in lines))
    kwargs.setdefault('num_classes', 3)
    return VerifiedVideoDataset(str(ann), PIPELINE,
                                data_prefix=dict(video=str(tmp_path)),
                                **kwargs), str(ann)


def test_a_clean_list_loads_and_decodes(videos):
    dataset, _ = _dataset(videos, ['a.mp4 0', 'b.mp4 2'])
    assert len(dataset) == 2 and dataset.num_skipped == 0
    assert dataset[1]['imgs'][0].shape == (32, 32, 3)
    assert dataset.get_data_info(1)['label'] == 2


def test_a_missing_video_is_an_error_naming_list_line_and_file(videos):
    with pytest.raises(FileNotFoundError) as error:
        _dataset(videos, ['a.mp4 0', 'gone.mp4 1'])
    message = str(error.value)
    assert 'list.txt:2' in message and 'gone.mp4: missing' in message
    assert "dataset.on_invalid='skip'" in message


def test_corrupt_and_empty_videos_are_reported_together(videos):
    with pytest.raises(FileNotFoundError) as error:
        _dataset(videos, ['corrupt.mp4 0', 'a.mp4 1', 'empty.mp4 1'])
    message = str(error.value)
    assert message.startswith('2 of 3 videos')
    assert 'list.txt:1' in message and 'corrupt.mp4: unreadable' in message
    assert 'list.txt:3' in message and 'empty.mp4: empty' in message


def test_skip_leaves_out_bad_videos_and_counts_them_in_the_log(
        videos, monkeypatch):
    logged = []
    monkeypatch.setattr(invalid_samples, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    dataset, _ = _dataset(videos, ['corrupt.mp4 0', 'a.mp4 1', 'gone.mp4 2'],
                          on_invalid='skip')
    assert len(dataset) == 1 and dataset.num_skipped == 2
    assert dataset.get_data_info(0)['filename'].endswith('a.mp4')
    assert len(logged) == 1 and 'skipped 2 of 3 videos' in logged[0]
    assert 'list.txt:1' in logged[0] and 'list.txt:3' in logged[0]


def test_exists_check_does_not_open_videos(videos):
    dataset, _ = _dataset(videos, ['corrupt.mp4 0'], video_check='exists')
    assert len(dataset) == 1


@pytest.mark.parametrize('label', ['3', '-1'])
def test_a_label_outside_the_classes_names_file_line_and_num_classes(
        videos, label):
    with pytest.raises(ValueError) as error:
        _dataset(videos, ['a.mp4 0', f'b.mp4 {label}'])
    message = str(error.value)
    assert 'list.txt:2' in message and f'label {label}' in message
    assert 'num_classes=3' in message


@pytest.mark.parametrize('line, problem', [('a.mp4', "expected 'path label'"),
                                           ('a.mp4 one', 'not an integer')])
def test_a_malformed_line_is_an_error_naming_the_line(videos, line, problem):
    with pytest.raises(ValueError, match=f'list.txt:1: .*{problem}'):
        _dataset(videos, [line])


def test_a_video_failing_while_loading_names_file_and_line(videos):
    dataset, _ = _dataset(videos, ['a.mp4 0', 'corrupt.mp4 1'],
                          video_check='exists')
    with pytest.raises(RuntimeError, match=r'corrupt.mp4 \(.*list.txt:2\)'):
        dataset[1]


def test_a_missing_list_file_names_the_config_key(tmp_path):
    with pytest.raises(FileNotFoundError, match='dataset.ann_file'):
        VerifiedVideoDataset(str(tmp_path / 'nope.txt'), PIPELINE)


@pytest.mark.parametrize('lines', [[], ['', '  ']])
def test_an_empty_list_file_names_the_file_and_the_config_key(tmp_path,
                                                              lines):
    # (MMEngine's own message: "need at least one array to concatenate")
    with pytest.raises(ValueError, match=r'list.txt \(dataset.ann_file\) '
                       'lists no videos'):
        _dataset(tmp_path, lines)


def test_a_list_whose_videos_are_all_skipped_is_an_error(videos):
    with pytest.raises(ValueError, match='no usable video is left'):
        _dataset(videos, ['corrupt.mp4 0', 'empty.mp4 1'], on_invalid='skip')


def test_hierarchical_samples_carry_set_and_event_labels(videos):
    from hierarchy_fixture import write_categories

    from mmdsts.datasets import HierarchicalVideoDataset
    categories = write_categories(videos / 'cat.txt')
    ann = videos / 'gym.txt'
    ann.write_text('a.mp4 4\nb.mp4 6\n')
    dataset = HierarchicalVideoDataset(
        str(ann), PIPELINE, hierarchy_file=categories,
        data_prefix=dict(video=str(videos)))
    assert dataset.num_classes == 8
    info = dataset.get_data_info(0)
    assert (info['label'], info['set_label'], info['event_label']) == \
        (4, 2, 1)
    assert dataset.get_data_info(1)['event_label'] == 3
    events = HierarchicalVideoDataset(
        str(ann), PIPELINE, hierarchy_file=categories, label_level='event',
        data_prefix=dict(video=str(videos)))
    assert events.num_classes == 4
    assert [events.get_data_info(i)['label'] for i in (0, 1)] == [1, 3]
    assert events.get_data_info(0)['element_label'] == 4

    ann.write_text('a.mp4 4\nb.mp4 8\n')
    with pytest.raises(ValueError, match=r'gym.txt:2: element label 8 is not '
                       r'in the hierarchy .*cat.txt .*dataset.hierarchy_file'):
        HierarchicalVideoDataset(str(ann), PIPELINE, hierarchy_file=categories,
                                 data_prefix=dict(video=str(videos)))
    with pytest.raises(ValueError, match='dataset.num_classes=99, but the '
                       'hierarchy .* has 8 element classes'):
        HierarchicalVideoDataset(str(ann), PIPELINE, num_classes=99,
                                 hierarchy_file=categories)
