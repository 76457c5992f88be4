"""tools/data/{sthv2,diving48}/build_file_list.py: official annotation JSON
files + a video folder -> MMAction2 list files, with every unusable video
reported up front.

Fake official annotations are written to tmp_path; the videos are real tiny
.mp4 files (decord opens them), plus missing, random-bytes and zero-byte
ones.
"""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS_DATA = osp.join(REPO, 'tools', 'data')


def _load(dataset):
    spec = importlib.util.spec_from_file_location(
        f'build_file_list_{dataset}',
        osp.join(TOOLS_DATA, dataset, 'build_file_list.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sthv2 = _load('sthv2')
diving48 = _load('diving48')
common = sys.modules['_common']
DataPrepError = common.DataPrepError


@pytest.fixture(scope='module')
def good_mp4(tmp_path_factory):
    """Bytes of a real 4-frame 32x32 .mp4."""
    path = str(tmp_path_factory.mktemp('video') / 'good.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 12,
                             (32, 32))
    assert writer.isOpened()
    for i in range(4):
        writer.write(np.full((32, 32, 3), 60 * i, np.uint8))
    writer.release()
    with open(path, 'rb') as f:
        return f.read()


def _videos(folder, good_mp4, good=(), corrupt=(), empty=()):
    os.makedirs(folder, exist_ok=True)
    for name in good:
        (folder / name).write_bytes(good_mp4)
    for name in corrupt:
        (folder / name).write_bytes(
            np.random.default_rng(0).bytes(2048))
    for name in empty:
        (folder / name).write_bytes(b'')
    return str(folder)


def _json(path, content):
    os.makedirs(path.parent, exist_ok=True)
    path.write_text(json.dumps(content))


# --- Something-Something-V2 ------------------------------------------------

SSV2_CLASSES = ['Pushing something from left to right',
                'Putting something on a surface',
                'Moving something and something closer to each other']
SSV2_CLASSES += [f'Class {k} of something'
                 for k in range(sthv2.NUM_CLASSES - len(SSV2_CLASSES))]


def _ssv2_entry(video_id, template):
    label = template.replace('[something]', 'a cup')
    return dict(id=video_id, label=label, template=template,
                placeholders=['a cup'] * template.count('[something]'))


def _sthv2_ann(ann_dir, train, val):
    # Label ids deliberately not in file order: 'Pushing ...' is 2.
    labels = {name: str(i) for i, name in enumerate(SSV2_CLASSES)}
    labels[SSV2_CLASSES[0]], labels[SSV2_CLASSES[2]] = '2', '0'
    _json(ann_dir / sthv2.LABELS_JSON, labels)
    _json(ann_dir / 'something-something-v2-train.json', train)
    _json(ann_dir / 'something-something-v2-validation.json', val)
    _json(ann_dir / 'something-something-v2-test.json', [{'id': '999'}])
    return str(ann_dir)


def _read(path):
    with open(path) as f:
        return f.read().splitlines()


def _quiet(_):
    pass


def test_sthv2_maps_templates_to_label_ids(tmp_path, good_mp4):
    ann = _sthv2_ann(tmp_path / 'ann', train=[
        _ssv2_entry('101', 'Pushing [something] from left to right'),
        _ssv2_entry('102', 'Putting [something] on a surface'),
        _ssv2_entry('103', 'Moving [something] and [something] closer to '
                    'each other'),
    ], val=[_ssv2_entry('201', 'Class 5 of [something]')])
    videos = _videos(tmp_path / 'videos', good_mp4,
                     good=['101.mp4', '102.mp4', '103.mp4', '201.mp4'])
    splits, classes = sthv2.read_annotations(ann)
    assert len(classes) == 174
    result = common.build_lists('sthv2', splits, videos, str(tmp_path),
                                preferred_exts=sthv2.PREFERRED_EXTS,
                                num_workers=2, log=_quiet)

    assert _read(tmp_path / 'sthv2_train_list_videos.txt') == [
        '101.mp4 2', '102.mp4 1', '103.mp4 0']
    assert _read(tmp_path / 'sthv2_val_list_videos.txt') == ['201.mp4 8']
    assert result['train'].num_written == 3
    assert result['val'].num_left_out == 0


def test_sthv2_auto_extension_prefers_webm_then_mp4(tmp_path, good_mp4):
    ann = _sthv2_ann(tmp_path / 'ann', train=[
        _ssv2_entry('1', 'Putting [something] on a surface'),
        _ssv2_entry('2', 'Putting [something] on a surface'),
        _ssv2_entry('3', 'Putting [something] on a surface'),
    ], val=[_ssv2_entry('4', 'Putting [something] on a surface')])
    # decord reads by content, so mp4 bytes named .webm/.mkv open as well.
    videos = _videos(tmp_path / 'videos', good_mp4, good=[
        '1.webm', '1.mp4', '2.mp4', '3.mkv', '4.webm', '4.mp4.part'])
    splits, _ = sthv2.read_annotations(ann)
    lines = []
    common.build_lists('sthv2', splits, videos, str(tmp_path), ext='auto',
                       preferred_exts=sthv2.PREFERRED_EXTS, check='exists',
                       log=lines.append)
    assert _read(tmp_path / 'sthv2_train_list_videos.txt') == [
        '1.webm 1', '2.mp4 1', '3.mkv 1']
    assert _read(tmp_path / 'sthv2_val_list_videos.txt') == ['4.webm 1']
    assert 'video files by extension (--ext auto): .webm: 2, ' \
        '.mp4: 1, .mkv: 1' in lines

    # An explicit --ext is used as given.
    common.build_lists('sthv2', splits, videos, str(tmp_path), ext='mp4',
                       check='none', log=_quiet)
    assert _read(tmp_path / 'sthv2_train_list_videos.txt') == [
        '1.mp4 1', '2.mp4 1', '3.mp4 1']


def test_sthv2_unknown_template_error_names_file_and_entry(tmp_path):
    ann = _sthv2_ann(tmp_path / 'ann', train=[
        _ssv2_entry('101', 'Pushing [something] from left to right'),
        _ssv2_entry('102', 'Juggling [something]'),
        {'id': '103', 'label': 'no template'},
    ], val=[])
    with pytest.raises(DataPrepError) as error:
        sthv2.read_annotations(ann)
    message = str(error.value)
    assert '2 invalid entries in ' in message
    assert ("something-something-v2-train.json[1] (id '102'): template "
            "'Juggling [something]' (class 'Juggling something') is not a "
            'class in something-something-v2-labels.json') in message
    assert ("something-something-v2-train.json[2] (id '103'): missing or "
            "invalid 'template' None") in message


def test_sthv2_labels_file_must_hold_labels_0_to_173(tmp_path):
    _sthv2_ann(tmp_path, train=[], val=[])
    _json(tmp_path / sthv2.LABELS_JSON, {'Pushing something': '0',
                                         'Putting something': '5'})
    with pytest.raises(DataPrepError, match=r'expected the labels 0\.\.173 '
                       r'once each, got 2 classes'):
        sthv2.read_annotations(str(tmp_path))


def test_missing_annotation_file_and_bad_json_are_named(tmp_path):
    with pytest.raises(DataPrepError, match='labels file .*something-'
                       'something-v2-labels.json does not exist'):
        sthv2.read_annotations(str(tmp_path))
    _json(tmp_path / 'Diving48_V2_train.json', [])
    (tmp_path / 'Diving48_V2_test.json').write_text('[{"vid_name": ')
    with pytest.raises(DataPrepError, match='annotation file .*Diving48_V2_'
                       'test.json cannot be read as JSON'):
        diving48.read_annotations(str(tmp_path))


# --- Diving48 --------------------------------------------------------------

def _dive(vid_name, label):
    return dict(vid_name=vid_name, label=label, start_frame=0, end_frame=3)


def _diving48_ann(ann_dir, train, test, vocab_size=48):
    _json(ann_dir / 'Diving48_V2_train.json', train)
    _json(ann_dir / 'Diving48_V2_test.json', test)
    _json(ann_dir / 'Diving48_vocab.json',
          [['Back', '15som', 'NoTwis', 'PIKE']] * vocab_size)
    return str(ann_dir)


def test_diving48_writes_train_and_test_split_as_val_list(tmp_path,
                                                          good_mp4):
    ann = _diving48_ann(tmp_path / 'ann',
                        train=[_dive('a_00001', 0), _dive('b_00002', 47)],
                        test=[_dive('c_00003', 12)])
    videos = _videos(tmp_path / 'videos', good_mp4,
                     good=['a_00001.mp4', 'b_00002.mp4', 'c_00003.mp4'])
    common.build_lists('diving48', diving48.read_annotations(ann), videos,
                       str(tmp_path), preferred_exts=diving48.PREFERRED_EXTS,
                       log=_quiet)
    assert _read(tmp_path / 'diving48_train_list_videos.txt') == [
        'a_00001.mp4 0', 'b_00002.mp4 47']
    assert _read(tmp_path / 'diving48_val_list_videos.txt') == [
        'c_00003.mp4 12']


def test_diving48_label_outside_0_48_error_names_entry(tmp_path):
    ann = _diving48_ann(tmp_path, train=[
        _dive('ok', 3), _dive('too_big', 48), _dive('negative', -1),
        _dive('text', '3'), {'label': 1}], test=[])
    with pytest.raises(DataPrepError) as error:
        diving48.read_annotations(ann)
    message = str(error.value)
    assert message.startswith('4 invalid entries in ')
    for expected in [
            "Diving48_V2_train.json[1] (vid_name 'too_big'): label 48 is "
            'outside [0, 48)',
            "Diving48_V2_train.json[2] (vid_name 'negative'): label -1 is "
            'outside [0, 48)',
            "Diving48_V2_train.json[3] (vid_name 'text'): 'label' '3' is "
            'not an integer',
            "Diving48_V2_train.json[4]: missing or invalid 'vid_name' None"]:
        assert expected in message


def test_diving48_vocabulary_of_another_size_is_an_error(tmp_path):
    ann = _diving48_ann(tmp_path, train=[], test=[], vocab_size=47)
    with pytest.raises(DataPrepError, match='expected 48 classes, got 47'):
        diving48.read_annotations(ann)


def test_same_video_twice_in_a_split_or_in_two_splits_is_an_error(
        tmp_path, good_mp4):
    ann = _diving48_ann(tmp_path / 'ann', train=[_dive('a', 1), _dive('a', 2)],
                        test=[])
    with pytest.raises(DataPrepError, match=r"Diving48_V2_train.json\[1\] "
                       r"\(vid_name 'a'\): video 'a' is already listed by "
                       r"Diving48_V2_train.json\[0\]"):
        diving48.read_annotations(ann)

    ann = _diving48_ann(tmp_path / 'ann', train=[_dive('a', 1)],
                        test=[_dive('a', 1)])
    videos = _videos(tmp_path / 'videos', good_mp4, good=['a.mp4'])
    with pytest.raises(DataPrepError, match=r"val: Diving48_V2_test.json\[0\]"
                       r" \(vid_name 'a'\): video 'a' is also in train"):
        common.build_lists('diving48', diving48.read_annotations(ann), videos,
                           str(tmp_path), log=_quiet)


# --- unusable videos (shared by both builders) ---------------------------

def _bad_videos_case(tmp_path, good_mp4):
    ann = _diving48_ann(tmp_path / 'ann', train=[
        _dive('good1', 1), _dive('missing', 2), _dive('random', 3),
        _dive('good2', 4)], test=[_dive('empty', 5), _dive('good3', 6)])
    videos = _videos(tmp_path / 'data' / 'videos', good_mp4,
                     good=['good1.mp4', 'good2.mp4', 'good3.mp4'],
                     corrupt=['random.mp4'], empty=['empty.mp4'])
    return ann, videos


def test_missing_and_corrupt_videos_are_all_reported_and_nothing_written(
        tmp_path, good_mp4):
    ann, videos = _bad_videos_case(tmp_path, good_mp4)
    out = tmp_path / 'data'
    with pytest.raises(DataPrepError) as error:
        common.build_lists('diving48', diving48.read_annotations(ann), videos,
                           str(out), log=_quiet)
    message = str(error.value)
    assert message.startswith('3 of 6 videos cannot be used (1 empty, '
                              '1 missing, 1 unreadable):')
    assert (f"train: Diving48_V2_train.json[1] (vid_name 'missing'): "
            f"{osp.join(videos, 'missing.mp4')}: missing") in message
    assert (f"train: Diving48_V2_train.json[2] (vid_name 'random'): "
            f"{osp.join(videos, 'random.mp4')}: unreadable (") in message
    assert (f"val: Diving48_V2_test.json[0] (vid_name 'empty'): "
            f"{osp.join(videos, 'empty.mp4')}: empty") in message
    assert 'good' not in message
    assert 'Nothing was written' in message and '--skip-invalid' in message
    assert not list(out.glob('*.txt'))


def test_skip_invalid_writes_the_good_videos_and_counts_the_rest(
        tmp_path, good_mp4):
    ann, videos = _bad_videos_case(tmp_path, good_mp4)
    out = tmp_path / 'data'
    lines = []
    result = common.build_lists('diving48', diving48.read_annotations(ann),
                                videos, str(out), skip_invalid=True,
                                log=lines.append)
    assert _read(out / 'diving48_train_list_videos.txt') == [
        'good1.mp4 1', 'good2.mp4 4']
    assert _read(out / 'diving48_val_list_videos.txt') == ['good3.mp4 6']
    assert (result['train'].num_left_out, result['val'].num_left_out) == (2, 1)
    log = '\n'.join(lines)
    assert '3 of 6 videos cannot be used' in log and 'random.mp4' in log
    assert 'diving48_train_list_videos.txt: 2 videos, left out 2' in log
    assert 'left out 3 of 6 videos in all (--skip-invalid)' in log


def test_check_exists_lets_corrupt_files_through_and_none_checks_nothing(
        tmp_path, good_mp4):
    ann, videos = _bad_videos_case(tmp_path, good_mp4)
    splits = diving48.read_annotations(ann)
    out = tmp_path / 'data'
    with pytest.raises(DataPrepError) as error:
        common.build_lists('diving48', splits, videos, str(out),
                           check='exists', log=_quiet)
    assert str(error.value).startswith('2 of 6 videos cannot be used '
                                       '(1 empty, 1 missing):')
    common.build_lists('diving48', splits, videos, str(out), check='none',
                       log=_quiet)
    assert _read(out / 'diving48_train_list_videos.txt') == [
        'good1.mp4 1', 'missing.mp4 2', 'random.mp4 3', 'good2.mp4 4']


def test_a_split_left_empty_or_a_missing_video_folder_is_an_error(
        tmp_path, good_mp4):
    ann = _diving48_ann(tmp_path / 'ann', train=[_dive('good', 1)],
                        test=[_dive('missing', 2)])
    splits = diving48.read_annotations(ann)
    with pytest.raises(DataPrepError, match='video folder .*nowhere does not '
                       'exist'):
        common.build_lists('diving48', splits, str(tmp_path / 'nowhere'),
                           str(tmp_path), log=_quiet)
    videos = _videos(tmp_path / 'videos', good_mp4, good=['good.mp4'])
    with pytest.raises(DataPrepError, match='diving48 val: no usable video'):
        common.build_lists('diving48', splits, videos, str(tmp_path),
                           skip_invalid=True, log=_quiet)
    assert not list(tmp_path.glob('*.txt'))


def test_report_lists_at_most_report_limit_videos(tmp_path, good_mp4):
    ann = _diving48_ann(tmp_path / 'ann', test=[_dive('good', 0)], train=[
        _dive(f'gone{i}', 0) for i in range(5)])
    videos = _videos(tmp_path / 'videos', good_mp4, good=['good.mp4'])
    with pytest.raises(DataPrepError) as error:
        common.build_lists('diving48', diving48.read_annotations(ann), videos,
                           str(tmp_path), report_limit=2, log=_quiet)
    message = str(error.value)
    assert 'gone1.mp4: missing' in message
    assert 'gone2' not in message and '... and 3 more' in message


# --- command line ------------------------------------------------------------

def test_cli_reports_bad_videos_with_exit_1_then_skip_invalid_writes_lists(
        tmp_path, good_mp4):
    ann, videos = _bad_videos_case(tmp_path, good_mp4)
    out = tmp_path / 'data'
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    cmd = [sys.executable, osp.join(TOOLS_DATA, 'diving48',
                                    'build_file_list.py'),
           '--ann-dir', ann, '--video-dir', videos, '--out-dir', str(out),
           '--workers', '2']
    failed = subprocess.run(cmd, capture_output=True, text=True, env=env,
                            cwd=str(tmp_path), timeout=120)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert 'error: 3 of 6 videos cannot be used' in failed.stderr
    assert "(vid_name 'missing')" in failed.stderr
    assert not list(out.glob('*.txt'))

    # In-process main() with the same arguments: the same lists a passing
    # CLI run writes (one subprocess only, to keep the suite fast).
    assert common.run_cli(diving48.main, cmd[2:] + ['--skip-invalid']) == 0
    assert _read(out / 'diving48_train_list_videos.txt') == [
        'good1.mp4 1', 'good2.mp4 4']
