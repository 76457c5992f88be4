"""Generate the synthetic 3D skeleton dataset (NTU RGB+D layout, MMAction2's
PoseDataset .pkl format) for the STF method's CPU configs.

    python tools/data/synthetic/generate_skeleton.py [OUT_PKL]
        [--train-per-class 30] [--holdout-per-class 10]
        [--test-per-class 20] [--seed 0] [--tiny] [--check]

Writes OUT_PKL (default data/synthetic_skeleton/skeleton.pkl) with the splits
'train', 'holdout' (validation: choices are made here), 'test', and the
stratified, nested subsets 'train_p10' / 'train_p25' of 'train'. The classes
are described in mmdsts/datasets/synthetic_skeleton.py. --tiny writes 2/1/1
sequences per class (for tests). --check also prints the learnability check:
nearest-centroid accuracies on 'test' of the where-and-when motion energies
and of summaries that ignore the group, the time or both.
"""
import argparse
import os
import os.path as osp
import time

import mmengine
import numpy as np

from mmdsts.datasets.synthetic_skeleton import (DISTRACTOR_AMPLITUDE,
                                                NUM_CLASSES, generate_skeleton,
                                                motion_energy,
                                                nearest_centroid_accuracy)


def learnability(data: dict) -> dict:
    """Nearest-centroid accuracies ('train' -> 'test') of the per-group
    early/late motion energies and of three summaries of them."""
    by_dir = {a['frame_dir']: a for a in data['annotations']}
    features = dict(
        group_and_time=lambda e: e.ravel(),
        global_only=lambda e: e.sum(keepdims=True),  # one number
        time_only=lambda e: e.sum(0),  # all joints, each half
        group_only=lambda e: e.sum(1))  # each group, the whole sequence

    def pairs(split, feature):
        return [(feature(motion_energy(by_dir[d]['keypoint'])),
                 by_dir[d]['label']) for d in data['split'][split]]

    return {name: nearest_centroid_accuracy(pairs('train', f),
                                            pairs('test', f))
            for name, f in features.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', nargs='?',
                        default='data/synthetic_skeleton/skeleton.pkl')
    parser.add_argument('--train-per-class', type=int, default=30)
    parser.add_argument('--holdout-per-class', type=int, default=10)
    parser.add_argument('--test-per-class', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--distractor-amplitude', type=float, nargs=2,
                        metavar=('LOW', 'HIGH'), default=DISTRACTOR_AMPLITUDE,
                        help='range of the distractor movement\'s amplitude '
                        'as a fraction of the class movement\'s (closer to '
                        '1: harder to tell apart)')
    parser.add_argument('--tiny', action='store_true',
                        help='2/1/1 sequences per class, for tests')
    parser.add_argument('--check', action='store_true',
                        help='print the learnability check')
    args = parser.parse_args()
    sizes = dict(train=2, holdout=1, test=1) if args.tiny else dict(
        train=args.train_per_class, holdout=args.holdout_per_class,
        test=args.test_per_class)
    start = time.perf_counter()
    low, high = args.distractor_amplitude
    if not 0 <= low <= high <= 1:
        parser.error('--distractor-amplitude needs 0 <= LOW <= HIGH <= 1, '
                     f'got {low} {high}')
    data = generate_skeleton(sizes, args.seed, (low, high))
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    mmengine.dump(data, args.out)
    print(f'wrote {len(data["annotations"])} sequences of {NUM_CLASSES} '
          f'classes to {args.out} in {time.perf_counter() - start:.1f} s; '
          'splits: ' + ', '.join(f'{k} {len(v)}'
                                 for k, v in data['split'].items()))
    if args.check:
        for name, accuracy in learnability(data).items():
            print(f'nearest centroid on {name} motion energy: '
                  f'{100 * accuracy:.1f}% (chance {100 / NUM_CLASSES:.0f}%)')


if __name__ == '__main__':
    main()
