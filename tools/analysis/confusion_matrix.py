"""Confusion matrix and per-class recall of one or more ``tools/test.py
--dump`` files (summed, e.g. over seeds), to see *which* classes a model
gets wrong.

    python tools/analysis/confusion_matrix.py PRED.pkl [PRED.pkl ...]
        [--names left_arm_early ...] [--pairs 8,9 ...]

Prints the matrix (rows: true class, columns: predicted), each class's
recall, the number of errors, and for every ``--pairs a,b`` how many of
them are a <-> b swaps.
"""
import argparse
import pickle

import numpy as np


def confusion(paths):
    """Summed ``(K, K)`` counts of the dumped predictions in ``paths``."""
    pairs = []
    for path in paths:
        with open(path, 'rb') as f:
            for sample in pickle.load(f):
                pairs.append((int(sample['gt_label']),
                              int(np.asarray(sample['pred_score']).argmax())))
    if not pairs:
        raise ValueError(f'no predictions in {paths}')
    size = max(max(pair) for pair in pairs) + 1
    matrix = np.zeros((size, size), dtype=int)
    for true, pred in pairs:
        matrix[true, pred] += 1
    return matrix


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('dumps', nargs='+', help='tools/test.py --dump files')
    parser.add_argument('--names', nargs='+', help='class names, in order')
    parser.add_argument('--pairs', nargs='+', default=[],
                        help='class pairs a,b whose swaps to count')
    args = parser.parse_args()
    matrix = confusion(args.dumps)
    names = args.names or [str(i) for i in range(len(matrix))]
    print('true \\ predicted: ' + ' '.join(f'{i:>4}' for i in
                                           range(len(matrix))))
    for i, row in enumerate(matrix):
        recall = 100 * row[i] / max(row.sum(), 1)
        print(f'{names[i]:>17}: ' + ' '.join(f'{n:>4}' for n in row)
              + f'   recall {recall:5.1f}%')
    errors = matrix.sum() - np.trace(matrix)
    print(f'{errors} errors of {matrix.sum()} '
          f'(top-1 {100 * np.trace(matrix) / matrix.sum():.1f}%)')
    for pair in args.pairs:
        a, b = map(int, pair.split(','))
        print(f'{names[a]} <-> {names[b]}: {matrix[a, b] + matrix[b, a]} '
              'swaps')


if __name__ == '__main__':
    main()
