"""Generate the synthetic fine-grained video dataset (real .mp4 files).

    python tools/data/synthetic/generate.py [OUT_DIR] [--train-per-class 60]
        [--val-per-class 20] [--holdout-per-class N] [--seed 0]

Writes OUT_DIR (default data/synthetic)/videos/{train,val}/*.mp4,
synthetic_{train,val}_list_videos.txt and classes.txt; the classes are
described in mmdsts/datasets/synthetic_videos.py. Deterministic given the
seed: the same command writes the same frames. The 'val' split is the test
split; --holdout-per-class also carves a validation split from the training
list (synthetic_trainsub_ / synthetic_holdout_list_videos.txt), which is where
design choices are made (0 carves none).
"""
import argparse
import time

from mmdsts.datasets.synthetic_videos import CLASSES, carve_holdout, generate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/synthetic')
    parser.add_argument('--train-per-class', type=int, default=60)
    parser.add_argument('--val-per-class', type=int, default=20)
    parser.add_argument('--holdout-per-class', type=int, help='default: '
                        'a sixth of --train-per-class (10 of 60)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    lists = generate(args.out_dir, dict(train=args.train_per_class,
                                        val=args.val_per_class), args.seed)
    if args.holdout_per_class is None:
        args.holdout_per_class = args.train_per_class // 6
    if args.holdout_per_class and 'train' in lists:
        lists.update(carve_holdout(lists['train'], args.holdout_per_class))
    total = len(CLASSES) * (args.train_per_class + args.val_per_class)
    print(f'wrote {total} clips of {len(CLASSES)} classes to {args.out_dir} '
          f'in {time.perf_counter() - start:.1f} s: ' +
          ', '.join(f'{split}: {path}' for split, path in lists.items()))


if __name__ == '__main__':
    main()
