"""A ``VideoDataset`` that checks its list file before training starts."""
import os.path as osp
from typing import List

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.fileio import exists, list_from_file

from .invalid_samples import check_on_invalid, drop_or_raise
from .video_checks import VIDEO_CHECKS, find_video_problems


@DATASETS.register_module()
class VerifiedVideoDataset(VideoDataset):
    """MMAction2's ``VideoDataset`` (same list format: ``path label`` per
    line) whose list is validated when the dataset is built, i.e. before the
    first iteration, with errors that name the list file and line.

    Checked: every line has a path and an integer label; labels lie in
    ``[0, num_classes)``; every video exists and (``video_check='open'``)
    decord can open it. A sample that still fails while loading (e.g. a video
    truncated after its header) raises an error naming its file and line.

    Args:
        ann_file (str): The list file.
        pipeline (list): Data transforms.
        num_classes (int, optional): Number of classes; labels outside
            ``[0, num_classes)`` are an error. Set it to the head's
            ``num_classes``. None skips the range check (not recommended).
        video_check (str): ``'open'`` (default), ``'exists'`` (cheaper for
            very large lists) or ``'none'``; see
            :func:`mmdsts.datasets.video_checks.video_problem`.
        on_invalid (str): ``'error'`` (default): any missing/unreadable
            video stops with a report. ``'skip'``: such samples are dropped
            and counted in the log. Bad labels are always an error.
        check_workers (int): Threads used by the video check. Defaults to 8.
        **kwargs: The rest of ``VideoDataset``'s arguments.
    """

    def __init__(self, ann_file: str, pipeline: list, num_classes=None,
                 video_check: str = 'open', on_invalid: str = 'error',
                 check_workers: int = 8, **kwargs) -> None:
        if video_check not in VIDEO_CHECKS:
            raise ValueError(f'dataset.video_check must be one of '
                             f'{VIDEO_CHECKS}, got {video_check!r}')
        if kwargs.get('multi_class'):
            raise ValueError('VerifiedVideoDataset supports single-label '
                             'lists only; use VideoDataset for multi_class')
        self.video_check = video_check
        self.on_invalid = check_on_invalid(on_invalid)
        self.check_workers = check_workers
        self.num_skipped = 0
        super().__init__(ann_file, pipeline, num_classes=num_classes, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not exists(self.ann_file):
            raise FileNotFoundError(f'list file {self.ann_file} (dataset.'
                                    'ann_file) does not exist')
        data_list = [self._parse_line(number, line) for number, line in
                     enumerate(list_from_file(self.ann_file), start=1)
                     if line.strip()]
        if not data_list:
            raise ValueError(f'list file {self.ann_file} (dataset.ann_file) '
                             "lists no videos; expected lines 'path label'")
        return self._drop_or_raise_bad_videos(data_list)

    def _parse_line(self, number: int, line: str) -> dict:
        where = f'{self.ann_file}:{number}'
        fields = line.strip().split(self.delimiter)
        if len(fields) != 2:
            raise ValueError(f"{where}: expected 'path label', got {line!r}")
        filename, label_text = fields
        try:
            label = int(label_text)
        except ValueError:
            raise ValueError(f'{where}: label {label_text!r} is not an '
                             'integer') from None
        if label < 0 or (self.num_classes is not None
                         and label >= self.num_classes):
            raise ValueError(
                f'{where}: label {label} of {filename} is outside [0, '
                f'num_classes={self.num_classes}); fix the list or set '
                'dataset.num_classes (and the head\'s num_classes)')
        if self.data_prefix['video'] is not None:
            filename = osp.join(self.data_prefix['video'], filename)
        return dict(filename=filename, label=label, list_line=number)

    def _drop_or_raise_bad_videos(self, data_list: List[dict]) -> List[dict]:
        paths = [item['filename'] for item in data_list]
        problems = find_video_problems(paths, self.video_check,
                                       self.check_workers)
        lines = {i: f"{self.ann_file}:{data_list[i]['list_line']}: "
                 f'{paths[i]}: {problem}' for i, problem in problems.items()}
        kept, self.num_skipped = drop_or_raise(
            data_list, lines, on_invalid=self.on_invalid,
            source=self.ann_file, dataset='VerifiedVideoDataset',
            what='videos', fix='Fix the list or videos',
            error=FileNotFoundError)
        return kept

    def prepare_data(self, idx: int):
        try:
            return super().prepare_data(idx)
        except Exception as error:
            info = self.get_data_info(idx)
            raise RuntimeError(
                f"failed to load {info['filename']} ({self.ann_file}:"
                f"{info['list_line']}): {type(error).__name__}: {error}"
            ) from error
