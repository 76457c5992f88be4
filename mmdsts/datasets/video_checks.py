"""Up-front checks that video files exist and can be opened by decord.

Shared by :class:`~mmdsts.datasets.VerifiedVideoDataset` (before training)
and the list builders in ``tools/data/`` (before a list is written), so that a
missing or corrupt video is reported with its name at once instead of
crashing a data-loader worker hours into training.
"""
import os
import os.path as osp
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Optional, Sequence

from .invalid_samples import report_lines

VIDEO_CHECKS = ('open', 'exists', 'none')


def video_problem(path: str, check: str = 'open') -> Optional[str]:
    """Why ``path`` cannot be used as a video, or None if it can.

    Args:
        path (str): Video file.
        check (str): ``'open'`` (default): the file exists, is not empty and
            decord opens it and finds at least one frame (reads the container
            header, not every frame). ``'exists'``: only existence and a
            non-zero size. ``'none'``: no check.

    Returns:
        str or None: ``'missing'``, ``'empty'`` or ``'unreadable (<decord's
        message>)'``; None when the check passes.
    """
    if check not in VIDEO_CHECKS:
        raise ValueError(f'video check must be one of {VIDEO_CHECKS}, '
                         f'got {check!r}')
    if check == 'none':
        return None
    if not osp.isfile(path):
        return 'missing'
    if os.path.getsize(path) == 0:
        return 'empty'
    if check == 'exists':
        return None
    import decord  # imported here: only 'open' needs it
    try:
        reader = decord.VideoReader(path, num_threads=1)
        num_frames = len(reader)
    except Exception as error:  # decord raises its own DECORDError, or others
        first_line = str(error).strip().splitlines()[:1] or [type(error).__name__]
        return f'unreadable ({first_line[0][:200]})'
    if num_frames < 1:
        return 'unreadable (no frames)'
    return None


_decoder_tables_ready = False
_decoder_tables_lock = threading.Lock()


def prepare_decoder_tables() -> None:
    """Build FFmpeg's static MPEG-4 tables on this thread, once per process.

    decord 0.6.0 bundles FFmpeg 4.1, whose MPEG-4 Part 2 tables (VLCs) are
    filled on first use behind a plain ``static int done`` flag, and first
    use also comes from the stream parser, which the codec lock does not
    cover. Two threads opening their first MPEG-4 video at once can fill the
    same table together and abort the whole process ("incorrect codes",
    ``Assertion ret >= 0 failed at libavcodec/bitstream.c``); it happened
    once in a few hundred parallel checks here. Opening one tiny MPEG-4 clip
    before the threads start fills the tables while nothing else runs.
    """
    global _decoder_tables_ready
    with _decoder_tables_lock:
        if _decoder_tables_ready:
            return
        import decord
        import numpy as np

        from .synthetic_videos import write_mp4
        with tempfile.TemporaryDirectory(prefix='mmdsts_decoder_') as tmp:
            clip = osp.join(tmp, 'warm_up.mp4')
            try:
                write_mp4(clip, np.zeros((2, 16, 16, 3), np.uint8))
            except RuntimeError as error:  # an OpenCV without mp4v
                warnings.warn(f'{error}: the parallel video check runs '
                              'without filling the MPEG-4 tables first; '
                              'if it aborts in libavcodec, set the '
                              "dataset's check_workers=1 (--workers 1 in "
                              'tools/data)')
                return
            decord.VideoReader(clip, num_threads=1)
        _decoder_tables_ready = True


def find_video_problems(paths: Sequence[str], check: str = 'open',
                        num_workers: int = 8) -> Dict[int, str]:
    """Check many videos in parallel (threads: decord releases the GIL).

    Returns:
        dict: ``{index in paths: problem}`` for every video that fails
        :func:`video_problem`, in index order.
    """
    if check == 'none' or not paths:
        return {}
    if check == 'open' and num_workers > 1:
        prepare_decoder_tables()
    with ThreadPoolExecutor(max(1, num_workers)) as pool:
        problems = pool.map(lambda p: video_problem(p, check), paths)
        return {i: p for i, p in enumerate(problems) if p is not None}


def describe_problems(problems: Dict[int, str], paths: Sequence[str],
                      where: Sequence[str], limit: int = 10) -> str:
    """A readable multi-line report: one line per problem (at most ``limit``)
    naming the location (e.g. ``list.txt:12``) and the file."""
    return report_lines([f'{where[i]}: {paths[i]}: {problem}'
                         for i, problem in problems.items()], limit)
