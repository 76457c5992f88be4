"""Check Gym99 element lists against FineGym's category file before
training: every label is an element of the hierarchy, and every level's
classes appear in the training list.

    python tools/data/gym/check_hierarchy.py data/gym/annotations/gym99_categories.txt \
        data/gym/annotations/gym99_train.txt data/gym/annotations/gym99_val.txt

Prints the classes per level and the clips per event; exits with status 1
naming the list file and line of the first label the hierarchy lacks.
"""
import argparse
import sys
from collections import Counter

from mmdsts.datasets.label_hierarchy import LEVELS, LabelHierarchy


def check(hierarchy: LabelHierarchy, list_file: str) -> Counter:
    """Clips per event of ``list_file`` (``path element`` per line)."""
    per_event = Counter()
    with open(list_file) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                element = int(line.split()[-1])
                levels = hierarchy.labels_of(element)
            except ValueError as error:
                raise SystemExit(f'{list_file}:{number}: {error}') from None
            per_event[hierarchy.event_names[levels['event']]] += 1
    return per_event


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('categories')
    parser.add_argument('lists', nargs='+')
    args = parser.parse_args()
    hierarchy = LabelHierarchy.from_file(args.categories)
    counts = hierarchy.num_classes
    print(f'{args.categories}: ' + ', '.join(
        f'{counts[level]} {level}s' for level in LEVELS))
    for list_file in args.lists:
        per_event = check(hierarchy, list_file)
        print(f'{list_file}: {sum(per_event.values())} clips; per event: '
              + ', '.join(f'{k} {v}' for k, v in sorted(per_event.items())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
