"""find_video_problems: parallel checks that report every bad video, and
FFmpeg's shared MPEG-4 tables filled on one thread before the threads start."""
import threading

import decord
import numpy as np
import pytest

from mmdsts.datasets import video_checks
from mmdsts.datasets.synthetic_videos import write_mp4


def _videos(tmp_path, count):
    paths = []
    for i in range(count):
        path = str(tmp_path / f'v{i}.mp4')
        write_mp4(path, np.full((3, 16, 16, 3), 10 * i, np.uint8))
        paths.append(path)
    return paths


def test_every_bad_video_is_reported_by_its_index(tmp_path):
    paths = _videos(tmp_path, 3)
    (tmp_path / 'corrupt.mp4').write_bytes(b'not a video' * 50)
    paths.insert(1, str(tmp_path / 'corrupt.mp4'))
    paths.append(str(tmp_path / 'missing.mp4'))
    problems = video_checks.find_video_problems(paths, 'open', num_workers=4)
    assert list(problems) == [1, 4]
    assert problems[1].startswith('unreadable (')
    assert problems[4] == 'missing'


def test_mpeg4_tables_are_filled_on_the_calling_thread_first(
        tmp_path, monkeypatch):
    paths = _videos(tmp_path, 6)
    monkeypatch.setattr(video_checks, '_decoder_tables_ready', False)
    opened = []  # (thread, path) in the order decord was asked
    lock = threading.Lock()
    real_reader = decord.VideoReader

    def recording_reader(path, *args, **kwargs):
        with lock:
            opened.append((threading.current_thread(), path))
        return real_reader(path, *args, **kwargs)

    monkeypatch.setattr(decord, 'VideoReader', recording_reader)
    assert video_checks.find_video_problems(paths, 'open', 4) == {}
    first_thread, first_path = opened[0]
    assert first_thread is threading.main_thread()
    assert first_path.endswith('warm_up.mp4')
    assert sorted(path for _, path in opened[1:]) == sorted(paths)
    assert all(thread is not threading.main_thread()
               for thread, _ in opened[1:])

    # Once per process: a second check opens only its videos.
    opened.clear()
    video_checks.find_video_problems(paths, 'open', 4)
    assert sorted(path for _, path in opened) == sorted(paths)


def test_without_an_mp4v_writer_the_check_warns_and_still_runs(
        tmp_path, monkeypatch):
    paths = _videos(tmp_path, 2)
    monkeypatch.setattr(video_checks, '_decoder_tables_ready', False)

    def no_mp4v(path, frames):
        raise RuntimeError(f'OpenCV cannot write {path} (mp4v codec)')

    monkeypatch.setattr(
        'mmdsts.datasets.synthetic_videos.write_mp4', no_mp4v)
    with pytest.warns(UserWarning, match="dataset's check_workers=1"):
        assert video_checks.find_video_problems(paths, 'open', 2) == {}
