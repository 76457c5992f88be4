"""Build the Something-Something-V2 list files from the official annotations.

    python tools/data/sthv2/build_file_list.py
        [--ann-dir data/sthv2/annotations] [--video-dir data/sthv2/videos]
        [--out-dir data/sthv2] [--ext auto] [--check {open,exists,none}]
        [--skip-invalid]

Reads something-something-v2-{labels,train,validation}.json from --ann-dir,
checks every video first, then writes sthv2_{train,val}_list_videos.txt
(``<id>.<ext> <label>`` per line) to --out-dir. See docs/data.md.
"""
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from _common import (DataPrepError, Sample, build_lists,  # noqa: E402
                     check_duplicates, common_parser, load_json,
                     raise_if_errors, run_cli)

DATASET = 'sthv2'
NUM_CLASSES = 174
LABELS_JSON = 'something-something-v2-labels.json'
#: split of the list file -> official annotation file. The test split has no
#: public labels, so no list is built for it.
SPLIT_JSONS = {'train': 'something-something-v2-train.json',
               'val': 'something-something-v2-validation.json'}
#: --ext auto: the official videos are .webm; transcoded copies often .mp4.
PREFERRED_EXTS = ('webm', 'mp4')


def template_to_class(template: str) -> str:
    """``'Pushing [something] from left to right'`` ->
    ``'Pushing something from left to right'`` (the class name in the labels
    file)."""
    return template.replace('[', '').replace(']', '')


def read_labels(path: str, limit: int = 20) -> Dict[str, int]:
    """``{class name: label}`` from ``something-something-v2-labels.json``;
    the labels must be exactly ``0 .. 173``."""
    content = load_json(path, dict, 'labels file')
    name = osp.basename(path)
    classes, errors = {}, []
    for class_name, value in content.items():
        try:
            classes[class_name] = int(value)
        except (TypeError, ValueError):
            errors.append(f'{name}: class {class_name!r}: label {value!r} '
                          'is not an integer')
    raise_if_errors(errors, path, limit)
    if sorted(classes.values()) != list(range(NUM_CLASSES)):
        raise DataPrepError(
            f'labels file {path}: expected the labels 0..{NUM_CLASSES - 1} '
            f'once each, got {len(classes)} classes with labels '
            f'{min(classes.values(), default=None)}..'
            f'{max(classes.values(), default=None)} '
            f'({len(set(classes.values()))} distinct)')
    return classes


def read_split(path: str, classes: Dict[str, int],
               labels_name: str = LABELS_JSON,
               limit: int = 20) -> List[Sample]:
    """The samples of ``something-something-v2-{train,validation}.json``:
    each entry's ``template`` (brackets removed) must be a class of the
    labels file."""
    content = load_json(path, list, 'annotation file')
    name = osp.basename(path)
    samples, errors = [], []
    for index, entry in enumerate(content):
        where = f'{name}[{index}]'
        if not isinstance(entry, dict):
            errors.append(f'{where}: expected an object, got {entry!r:.80}')
            continue
        video_id = entry.get('id')
        if isinstance(video_id, int) and not isinstance(video_id, bool):
            video_id = str(video_id)
        if not isinstance(video_id, str) or not video_id.strip():
            errors.append(f"{where}: missing or invalid 'id' {video_id!r}")
            continue
        where = f'{where} (id {video_id!r})'
        template = entry.get('template')
        if not isinstance(template, str):
            errors.append(f"{where}: missing or invalid 'template' "
                          f'{template!r}')
            continue
        class_name = template_to_class(template)
        if class_name not in classes:
            errors.append(f'{where}: template {template!r} (class '
                          f'{class_name!r}) is not a class in {labels_name}')
            continue
        samples.append(Sample(video_id.strip(), classes[class_name], where))
    errors += check_duplicates(samples)
    raise_if_errors(errors, path, limit)
    return samples


def read_annotations(ann_dir: str, limit: int = 20
                     ) -> Tuple[Dict[str, List[Sample]], Dict[str, int]]:
    """``({'train': samples, 'val': samples}, {class name: label})``."""
    classes = read_labels(osp.join(ann_dir, LABELS_JSON), limit)
    splits = {split: read_split(osp.join(ann_dir, file), classes,
                                LABELS_JSON, limit)
              for split, file in SPLIT_JSONS.items()}
    return splits, classes


def main(argv: Optional[Sequence[str]] = None):
    parser = common_parser(__doc__.splitlines()[0], DATASET,
                           PREFERRED_EXTS)
    args = parser.parse_args(argv)
    splits, classes = read_annotations(args.ann_dir, args.report_limit)
    print(f'{DATASET}: {len(classes)} classes, ' + ', '.join(
        f'{split}: {len(s)} entries' for split, s in splits.items()))
    return build_lists(DATASET, splits, args.video_dir, args.out_dir,
                       ext=args.ext, preferred_exts=PREFERRED_EXTS,
                       check=args.check, skip_invalid=args.skip_invalid,
                       num_workers=args.workers,
                       report_limit=args.report_limit)


if __name__ == '__main__':
    sys.exit(run_cli(main))
