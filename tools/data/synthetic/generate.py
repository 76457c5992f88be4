"""Generate the synthetic fine-grained video dataset (real .mp4 files).

    python tools/data/synthetic/generate.py [OUT_DIR] [--train-per-class 60]
        [--val-per-class 20] [--seed 0]

Writes OUT_DIR (default data/synthetic)/videos/{train,val}/*.mp4,
synthetic_{train,val}_list_videos.txt and classes.txt; the classes are
described in mmdsts/datasets/synthetic_videos.py. Deterministic given the
seed: the same command writes the same frames.
"""
import argparse
import time

from mmdsts.datasets.synthetic_videos import CLASSES, generate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/synthetic')
    parser.add_argument('--train-per-class', type=int, default=60)
    parser.add_argument('--val-per-class', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    lists = generate(args.out_dir, dict(train=args.train_per_class,
                                        val=args.val_per_class), args.seed)
    total = len(CLASSES) * (args.train_per_class + args.val_per_class)
    print(f'wrote {total} clips of {len(CLASSES)} classes to {args.out_dir} '
          f'in {time.perf_counter() - start:.1f} s: ' +
          ', '.join(f'{split}: {path}' for split, path in lists.items()))


if __name__ == '__main__':
    main()
