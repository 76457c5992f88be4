"""What a verified dataset does with the samples its checks found unusable:
raise one error that lists them, or (``dataset.on_invalid='skip'``) log the
same list and train on the rest. Shared by ``VerifiedVideoDataset`` and
``VerifiedPoseDataset``, whose checks differ (decodable .mp4 files;
skeleton arrays) but whose answer to a bad sample must not."""
from typing import Dict, List, Sequence, Tuple, Type

from mmengine.logging import print_log

ON_INVALID = ('error', 'skip')
REPORT_LIMIT = 10


def check_on_invalid(on_invalid: str) -> str:
    """``dataset.on_invalid``, checked when the dataset is built (before its
    annotations are read)."""
    if on_invalid not in ON_INVALID:
        raise ValueError(f'dataset.on_invalid must be one of {ON_INVALID}, '
                         f'got {on_invalid!r}')
    return on_invalid


def report_lines(lines: Sequence[str], limit: int = REPORT_LIMIT) -> str:
    """At most ``limit`` indented lines, then how many were left out."""
    shown = list(lines[:limit])
    if len(lines) > limit:
        shown.append(f'... and {len(lines) - limit} more')
    return '\n'.join('  ' + line for line in shown)


def drop_or_raise(data_list: List[dict], problems: Dict[int, str], *,
                  on_invalid: str, source: str, dataset: str,
                  what: str = 'samples', fix: str = 'Fix the file',
                  error: Type[Exception] = ValueError
                  ) -> Tuple[List[dict], int]:
    """``data_list`` without the samples in ``problems`` (index -> a line
    naming the sample and what is wrong) and how many were dropped.

    Raises ``error`` listing every problem when ``on_invalid='error'``, and
    ``ValueError`` when skipping would leave nothing to train on.
    ``on_invalid`` was checked by :func:`check_on_invalid`.
    """
    if not problems:
        return data_list, 0
    report = report_lines([problems[i] for i in sorted(problems)])
    count = f'{len(problems)} of {len(data_list)} {what} of {source}'
    if on_invalid == 'error':
        raise error(f'{count} cannot be used:\n{report}\n{fix}, or set '
                    "dataset.on_invalid='skip' to leave them out")
    print_log(f"{dataset}: skipped {count} (dataset.on_invalid='skip'):\n"
              f'{report}', logger='current', level=30)
    kept = [item for i, item in enumerate(data_list) if i not in problems]
    if not kept:
        raise ValueError(f'no usable {what[:-1]} is left in {source} '
                         "(dataset.on_invalid='skip' dropped them all)")
    return kept, len(problems)
