"""Shared steps of the list builders in ``tools/data/<dataset>/``.

A builder turns a dataset's official annotation files into
``{split: [Sample, ...]}`` and hands them to :func:`build_lists`, which

1. picks each sample's video file in the video folder (``--ext``),
2. checks every video of every split up front with
   :func:`mmdsts.datasets.video_checks.find_video_problems`,
3. stops with one report naming every unusable video and its annotation
   entry (or, with ``skip_invalid``, leaves them out and says how many), and
4. only then writes the MMAction2 list files (``<path> <label>`` per line,
   the path relative to the video folder).

Nothing is written unless every split passed, so a failed run never leaves a
half-updated set of lists behind.
"""
import argparse
import json
import os
import os.path as osp
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

# Importing mmdsts imports MMAction2, whose mmcv-lite import warns about
# compiled ops the video check never uses.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
from mmdsts.datasets.video_checks import (  # noqa: E402
    VIDEO_CHECKS, describe_problems, find_video_problems)

#: Videos checked per batch; the progress bar advances once per batch.
CHECK_BATCH = 256


class DataPrepError(Exception):
    """A problem that stops a list builder; the message is the full report."""


@dataclass(frozen=True)
class Sample:
    """One annotation entry.

    Attributes:
        name (str): Video file name without extension (SSv2 ``id``, Diving48
            ``vid_name``).
        label (int): Class index.
        where (str): The annotation entry, for reports, e.g.
            ``"something-something-v2-train.json[12] (id '78687')"``.
    """
    name: str
    label: int
    where: str


@dataclass(frozen=True)
class SplitResult:
    """What :func:`build_lists` wrote for one split."""
    list_file: str
    num_written: int
    num_left_out: int


def load_json(path: str, expected_type: type, what: str):
    """Read an official annotation file, with errors that name it."""
    if not osp.isfile(path):
        raise DataPrepError(f'{what} {path} does not exist')
    try:
        with open(path, encoding='utf-8') as f:
            content = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataPrepError(f'{what} {path} cannot be read as JSON: {error}')
    if not isinstance(content, expected_type):
        raise DataPrepError(
            f'{what} {path}: expected a JSON {expected_type.__name__}'
            f' at the top level, got {type(content).__name__}')
    return content


def raise_if_errors(errors: Sequence[str], what: str, limit: int) -> None:
    """One :class:`DataPrepError` listing (the first ``limit`` of) all
    annotation errors, so that a run reports them all at once."""
    if not errors:
        return
    lines = [f'  {error}' for error in errors[:limit]]
    if len(errors) > limit:
        lines.append(f'  ... and {len(errors) - limit} more')
    raise DataPrepError(f'{len(errors)} invalid entr'
                        f'{"y" if len(errors) == 1 else "ies"} in {what}:\n'
                        + '\n'.join(lines) + '\nNothing was written.')


def check_duplicates(samples: Sequence[Sample]) -> List[str]:
    """Errors for samples that name a video already named by an earlier
    entry of the same split."""
    first: Dict[str, Sample] = {}
    errors = []
    for sample in samples:
        if sample.name in first:
            errors.append(f'{sample.where}: video {sample.name!r} is already '
                          f'listed by {first[sample.name].where}')
        else:
            first[sample.name] = sample
    return errors


def index_video_dir(video_dir: str) -> Dict[str, List[str]]:
    """``{file name without extension: [extensions found]}`` of the files
    directly in ``video_dir`` (one directory scan instead of a ``stat`` per
    video and extension)."""
    index: Dict[str, List[str]] = {}
    with os.scandir(video_dir) as entries:
        for entry in entries:
            stem, ext = osp.splitext(entry.name)
            if ext and entry.is_file():
                index.setdefault(stem, []).append(ext[1:])
    return index


def pick_extension(found: Sequence[str], preferred: Sequence[str]) -> str:
    """The preferred extension among ``found``; else the alphabetically
    first one found; else ``preferred[0]`` (the video is then missing)."""
    for ext in preferred:
        if ext in found:
            return ext
    return sorted(found)[0] if found else preferred[0]


def video_files(samples: Sequence[Sample], video_dir: str, ext: str,
                preferred: Sequence[str]) -> Tuple[List[str], Counter]:
    """File names (relative to ``video_dir``) of ``samples``' videos.

    Args:
        ext (str): ``'auto'``: for each sample, whichever ``<name>.*`` exists
            in ``video_dir``, ``preferred`` extensions first. Otherwise the
            extension to use for every sample (without a dot).

    Returns:
        tuple: The file names, and how many use each extension.
    """
    if ext == 'auto':
        index = index_video_dir(video_dir)
        exts = [pick_extension(index.get(s.name, ()), preferred)
                for s in samples]
    else:
        exts = [ext.lstrip('.')] * len(samples)
    return [f'{s.name}.{e}' for s, e in zip(samples, exts)], Counter(exts)


def find_problems_with_progress(paths: Sequence[str], check: str,
                                num_workers: int) -> Dict[int, str]:
    """:func:`find_video_problems` in batches, with a progress bar when
    there is more than one batch."""
    if check == 'none' or len(paths) <= CHECK_BATCH:
        return find_video_problems(paths, check, num_workers)
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(paths), file=sys.stdout)
    problems: Dict[int, str] = {}
    for start in range(0, len(paths), CHECK_BATCH):
        batch = paths[start:start + CHECK_BATCH]
        for i, problem in find_video_problems(batch, check,
                                              num_workers).items():
            problems[start + i] = problem
        bar.update(len(batch))
    sys.stdout.write('\n')
    return problems


def _problem_counts(problems: Dict[int, str]) -> str:
    kinds = Counter(problem.split(' ', 1)[0] for problem in problems.values())
    return ', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))


def write_list(path: str, lines: Sequence[str]) -> None:
    """Write a list file via a temporary file, so that an interrupted run
    does not leave a truncated list."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.writelines(f'{line}\n' for line in lines)
    os.replace(tmp, path)


def build_lists(dataset: str, splits: Dict[str, List[Sample]],
                video_dir: str, out_dir: str, ext: str = 'auto',
                preferred_exts: Sequence[str] = ('mp4', ),
                check: str = 'open', skip_invalid: bool = False,
                num_workers: int = 8, report_limit: int = 20,
                log: Callable[[str], None] = print
                ) -> Dict[str, SplitResult]:
    """Check the videos of all splits, then write
    ``out_dir/<dataset>_<split>_list_videos.txt`` for each split.

    Args:
        dataset (str): Prefix of the list files, e.g. ``'sthv2'``.
        splits (dict): ``{split: samples}``, e.g. ``train`` and ``val``.
        video_dir (str): Folder holding the videos (flat).
        out_dir (str): Where the lists go.
        ext (str): ``'auto'`` or an extension; see :func:`video_files`.
        preferred_exts (Sequence[str]): Preference order for ``'auto'``.
        check (str): ``'open'``, ``'exists'`` or ``'none'``; see
            :func:`mmdsts.datasets.video_checks.video_problem`.
        skip_invalid (bool): Leave unusable videos out instead of stopping.
        num_workers (int): Threads for the video check.
        report_limit (int): Problems listed by name per report.
        log (callable): Where progress and the summary go.

    Returns:
        dict: ``{split: SplitResult}``.

    Raises:
        DataPrepError: The video folder does not exist; some video is
            missing or unreadable (unless ``skip_invalid``); a split has no
            usable video. Nothing is written then.
    """
    if check not in VIDEO_CHECKS:
        raise DataPrepError(f'check must be one of {VIDEO_CHECKS}, '
                            f'got {check!r}')
    if not osp.isdir(video_dir):
        raise DataPrepError(f'video folder {video_dir} does not exist '
                            '(--video-dir)')

    in_split: Dict[str, Tuple[str, Sample]] = {}
    overlap = []
    for split, samples in splits.items():
        for sample in samples:
            if sample.name in in_split and in_split[sample.name][0] != split:
                other_split, other = in_split[sample.name]
                overlap.append(f'{split}: {sample.where}: video '
                               f'{sample.name!r} is also in {other_split}: '
                               f'{other.where}')
            in_split.setdefault(sample.name, (split, sample))
    raise_if_errors(overlap, f'{dataset} (a video in two splits)',
                    report_limit)

    names: List[str] = []
    owners: List[Tuple[str, Sample]] = []
    ext_counts: Counter = Counter()
    for split, samples in splits.items():
        files, counts = video_files(samples, video_dir, ext, preferred_exts)
        names += files
        owners += [(split, s) for s in samples]
        ext_counts += counts
    if ext == 'auto':
        log('video files by extension (--ext auto): ' + ', '.join(
            f'.{e}: {n}' for e, n in ext_counts.most_common()))

    paths = [osp.join(video_dir, name) for name in names]
    log(f'checking {len(paths)} videos in {video_dir} (--check {check})')
    problems = find_problems_with_progress(paths, check, num_workers)
    where = [f'{split}: {sample.where}' for split, sample in owners]
    if problems:
        report = (f'{len(problems)} of {len(paths)} videos cannot be used '
                  f'({_problem_counts(problems)}):\n'
                  + describe_problems(problems, paths, where, report_limit))
        if not skip_invalid:
            raise DataPrepError(
                report + '\nNothing was written. Restore or re-download '
                'these videos (or check --video-dir / --ext), or pass '
                '--skip-invalid to write the lists without them.')
        log(report)

    results: Dict[str, SplitResult] = {}
    lines: Dict[str, List[str]] = {}
    start = 0
    for split, samples in splits.items():
        kept = [f'{names[i]} {samples[i - start].label}'
                for i in range(start, start + len(samples))
                if i not in problems]
        if not kept:
            raise DataPrepError(f'{dataset} {split}: no usable video (of '
                                f'{len(samples)}); nothing was written.')
        lines[split] = kept
        list_file = osp.join(out_dir, f'{dataset}_{split}_list_videos.txt')
        results[split] = SplitResult(list_file, len(kept),
                                     len(samples) - len(kept))
        start += len(samples)

    for split, result in results.items():
        write_list(result.list_file, lines[split])
        left_out = (f', left out {result.num_left_out} (--skip-invalid)'
                    if result.num_left_out else '')
        log(f'wrote {result.list_file}: {result.num_written} videos'
            f'{left_out}')
    if problems:
        log(f'left out {len(problems)} of {len(paths)} videos in all '
            '(--skip-invalid)')
    expected_prefix = osp.join(out_dir, 'videos')
    if osp.normpath(video_dir) != osp.normpath(expected_prefix):
        log(f'note: the paths are relative to {video_dir}; set the configs\' '
            f"data_prefix=dict(video='{video_dir}') or move the videos to "
            f'{expected_prefix}')
    return results


def common_parser(description: str, dataset: str,
                  preferred_exts: Sequence[str]) -> argparse.ArgumentParser:
    """The arguments every list builder takes."""
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--ann-dir', default=f'data/{dataset}/annotations',
                        help='folder with the official annotation files')
    parser.add_argument('--video-dir', default=f'data/{dataset}/videos',
                        help='folder with the videos (flat)')
    parser.add_argument('--out-dir', default=f'data/{dataset}',
                        help='where the list files are written')
    parser.add_argument('--ext', default='auto',
                        help="video file extension, or 'auto': whichever "
                        '<name>.* exists for each video, preferring '
                        + ', then '.join(f'.{e}' for e in preferred_exts))
    parser.add_argument('--check', choices=VIDEO_CHECKS, default='open',
                        help="'open': decord opens every video; 'exists': "
                        "only existence and non-zero size; 'none': no check")
    parser.add_argument('--skip-invalid', action='store_true',
                        help='write the lists without missing/unreadable '
                        'videos instead of stopping')
    parser.add_argument('--workers', type=int, default=8,
                        help='threads for the video check')
    parser.add_argument('--report-limit', type=int, default=20,
                        help='problems listed by name in a report')
    return parser


def run_cli(main: Callable[[Optional[Sequence[str]]], object],
            argv: Optional[Sequence[str]] = None) -> int:
    """Run a builder's ``main``; a :class:`DataPrepError` becomes a message
    on stderr and exit status 1."""
    try:
        main(argv)
    except DataPrepError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    return 0
