"""Build the Diving48 list files from the official (V2) annotations.

    python tools/data/diving48/build_file_list.py
        [--ann-dir data/diving48/annotations]
        [--video-dir data/diving48/videos]
        [--out-dir data/diving48] [--ext auto] [--check {open,exists,none}]
        [--skip-invalid]

Reads Diving48_V2_{train,test}.json from --ann-dir, checks every video
first, then writes diving48_{train,val}_list_videos.txt (``<vid_name>.mp4
<label>`` per line; the official test split becomes the ``val`` list, as in
MMAction2) to --out-dir. See docs/data.md.
"""
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from _common import (DataPrepError, Sample, build_lists,  # noqa: E402
                     check_duplicates, common_parser, load_json,
                     raise_if_errors, run_cli)

DATASET = 'diving48'
NUM_CLASSES = 48
VOCAB_JSON = 'Diving48_vocab.json'
#: split of the list file -> official annotation file (V2 labels).
SPLIT_JSONS = {'train': 'Diving48_V2_train.json',
               'val': 'Diving48_V2_test.json'}
PREFERRED_EXTS = ('mp4', 'webm')


def check_vocab(path: str) -> None:
    """``Diving48_vocab.json`` is not needed for the lists; when it is
    there, it must describe ``NUM_CLASSES`` classes (a different file is a
    sign of a wrong annotation folder)."""
    if not osp.exists(path):
        return
    vocab = load_json(path, list, 'vocabulary file')
    if len(vocab) != NUM_CLASSES:
        raise DataPrepError(f'vocabulary file {path}: expected '
                            f'{NUM_CLASSES} classes, got {len(vocab)}')


def read_split(path: str, limit: int = 20) -> List[Sample]:
    """The samples of ``Diving48_V2_{train,test}.json``: each entry needs a
    ``vid_name`` and an integer ``label`` in ``[0, 48)``."""
    content = load_json(path, list, 'annotation file')
    name = osp.basename(path)
    samples, errors = [], []
    for index, entry in enumerate(content):
        where = f'{name}[{index}]'
        if not isinstance(entry, dict):
            errors.append(f'{where}: expected an object, got {entry!r:.80}')
            continue
        vid_name = entry.get('vid_name')
        if not isinstance(vid_name, str) or not vid_name.strip():
            errors.append(f"{where}: missing or invalid 'vid_name' "
                          f'{vid_name!r}')
            continue
        where = f'{where} (vid_name {vid_name!r})'
        label = entry.get('label')
        if not isinstance(label, int) or isinstance(label, bool):
            errors.append(f"{where}: 'label' {label!r} is not an integer")
            continue
        if not 0 <= label < NUM_CLASSES:
            errors.append(f'{where}: label {label} is outside '
                          f'[0, {NUM_CLASSES})')
            continue
        samples.append(Sample(vid_name.strip(), label, where))
    errors += check_duplicates(samples)
    raise_if_errors(errors, path, limit)
    return samples


def read_annotations(ann_dir: str, limit: int = 20) -> Dict[str, List[Sample]]:
    """``{'train': samples, 'val': samples}``."""
    check_vocab(osp.join(ann_dir, VOCAB_JSON))
    return {split: read_split(osp.join(ann_dir, file), limit)
            for split, file in SPLIT_JSONS.items()}


def main(argv: Optional[Sequence[str]] = None):
    parser = common_parser(__doc__.splitlines()[0], DATASET,
                           PREFERRED_EXTS)
    args = parser.parse_args(argv)
    splits = read_annotations(args.ann_dir, args.report_limit)
    print(f'{DATASET}: ' + ', '.join(f'{split}: {len(s)} entries'
                                     for split, s in splits.items()))
    return build_lists(DATASET, splits, args.video_dir, args.out_dir,
                       ext=args.ext, preferred_exts=PREFERRED_EXTS,
                       check=args.check, skip_invalid=args.skip_invalid,
                       num_workers=args.workers,
                       report_limit=args.report_limit)


if __name__ == '__main__':
    sys.exit(run_cli(main))
