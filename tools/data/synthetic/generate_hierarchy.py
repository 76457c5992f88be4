"""Generate the synthetic hierarchical video dataset (Event > Set > Element,
real .mp4 files) for the FineGym method's CPU configs.

    python tools/data/synthetic/generate_hierarchy.py [OUT_DIR]
        [--train-per-class 40] [--val-per-class 20] [--holdout-per-class N]
        [--seed 0]

Writes OUT_DIR (default data/synthetic_hierarchy)/videos/{train,val}/*.mp4,
hierarchy_{train,val}_list_videos.txt (element labels) and categories.txt
(FineGym's category-file format). The tree is described in
mmdsts/datasets/synthetic_hierarchy.py. 'val' is the test split;
--holdout-per-class carves a validation split from the training list
(hierarchy_trainsub_ / hierarchy_holdout_list_videos.txt; default a sixth).
"""
import argparse
import time

from mmdsts.datasets.synthetic_hierarchy import NUM_CLASSES, generate_hierarchy
from mmdsts.datasets.synthetic_videos import carve_holdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/synthetic_hierarchy')
    parser.add_argument('--train-per-class', type=int, default=40)
    parser.add_argument('--val-per-class', type=int, default=20)
    parser.add_argument('--holdout-per-class', type=int)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    lists = generate_hierarchy(args.out_dir, dict(
        train=args.train_per_class, val=args.val_per_class), args.seed)
    if args.holdout_per_class is None:
        args.holdout_per_class = args.train_per_class // 6
    if args.holdout_per_class:
        lists.update(carve_holdout(lists['train'], args.holdout_per_class))
    total = NUM_CLASSES * (args.train_per_class + args.val_per_class)
    print(f'wrote {total} clips of {NUM_CLASSES} elements to {args.out_dir} '
          f'in {time.perf_counter() - start:.1f} s: ' +
          ', '.join(f'{k}: {v}' for k, v in lists.items()))


if __name__ == '__main__':
    main()
