"""Print test metrics of several runs side by side.

    python tools/analysis/compare_results.py NAME=METRICS_JSON [NAME=...]
        [--reference NAME]

METRICS_JSON is what ``tools/test.py --metrics-json`` (or
``tools/dist_test.sh ... --metrics-json``) writes. If a ``train_seconds``
file lies next to it (the main job writes one), the training wall time is
shown too. A DSTS run evaluated with ``DSTSRoutingHook`` also shows its
routing on the test split: per layer, the largest fraction of clips one
neuron takes and how many neurons receive any clip. The last rows give each
run's difference to the reference run (default: the first).
"""
import argparse
import json
import os.path as osp

COLUMNS = (('acc/top1', 'top-1'), ('acc/top5', 'top-5'),
           ('acc/mean1', 'mean class'))


def load_run(path):
    with open(path) as f:
        run = json.load(f)
    seconds = osp.join(osp.dirname(path), 'train_seconds')
    if osp.isfile(seconds):
        with open(seconds) as f:
            run['train_seconds'] = float(f.read().strip())
    missing = [key for key, _ in COLUMNS if key not in run['metrics']]
    if missing:
        raise KeyError(f'{path} has no {missing}: was the run evaluated with '
                       "test_evaluator=dict(type='AccMetric')?")
    return run


def routing(metrics):
    """``'48/70/70% (3/3/2)'``: per-layer max load and neurons used, or
    ``'-'`` for a run without a DSTS module."""
    layers = sorted(k[len('dsts/max_load_l'):] for k in metrics
                    if k.startswith('dsts/max_load_l'))
    if not layers:
        return '-'
    loads = '/'.join(f"{100 * metrics[f'dsts/max_load_l{j}']:.0f}"
                     for j in layers)
    used = '/'.join(f"{metrics.get(f'dsts/neurons_used_l{j}', 0):.0f}"
                    for j in layers)
    return f'{loads}% ({used})'


def table(runs, reference):
    header = ['run'] + [title for _, title in COLUMNS] + [
        'max load (neurons used)', 'train time']
    rows = []
    for name, run in runs.items():
        seconds = run.get('train_seconds')
        rows.append([name] + [f"{100 * run['metrics'][key]:.1f}"
                              for key, _ in COLUMNS] +
                    [routing(run['metrics']),
                     f'{seconds / 60:.1f} min' if seconds else '-'])
    ref = runs[reference]['metrics']
    for name, run in runs.items():
        if name != reference:
            rows.append([f'{name} - {reference}'] + [
                f"{100 * (run['metrics'][key] - ref[key]):+.1f}"
                for key, _ in COLUMNS] + ['', ''])
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]
    lines = ['  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths)))
             for row in [header] + rows]
    lines.insert(1, '-' * len(lines[0]))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('runs', nargs='+', metavar='NAME=METRICS_JSON')
    parser.add_argument('--reference', help='run the others are compared '
                        'to (default: the first)')
    args = parser.parse_args()
    runs = {}
    for item in args.runs:
        name, sep, path = item.partition('=')
        if not sep:
            parser.error(f'expected NAME=METRICS_JSON, got {item!r}')
        runs[name] = load_run(path)
    reference = args.reference or next(iter(runs))
    if reference not in runs:
        parser.error(f'--reference {reference!r} is not one of {list(runs)}')
    print('Accuracy (%) on the test split; each checkpoint is the last '
          'epoch. Max load: per DSTS layer, the largest share of test clips '
          'one neuron takes')
    print(table(runs, reference))


if __name__ == '__main__':
    main()
