"""The ablation study of Tables 3-7 on the generated dataset, several seeds.

    python tools/analysis/ablation.py [--seeds 0 1 2] [--rows ROW ...]
        [--epochs N] [--data-dir data/synthetic] [--work-dir DIR]
        [--out-dir docs/results]

Every row is the CPU DSTS config (configs/synthetic/slowonly_r18_dsts_
synthetic.py) with one thing changed, as the paper's TPN-on-Diving48
ablations change tpn_dsts_diving48.py, plus the baseline without DSTS. Each
(row, seed) trains in its own process with ``tools/train.py`` and is
evaluated (last checkpoint) with ``tools/test.py``; finished runs are kept
and skipped when the command is re-run, so an interrupted study resumes.
Writes ``<out-dir>/ablation.md`` (mean +- std over seeds of top-1 and mean
class accuracy, training wall time), ``<out-dir>/ablation.png`` and
``<out-dir>/ablation_runs.json`` (every run's own figures).

A study too long for one machine or session can be finished elsewhere:
``--previous-runs docs/results/ablation_runs.json`` counts the runs recorded
there as done (they must have the same number of epochs), so only the
missing ones train. ``--report-only`` trains nothing and reports the runs
finished so far, naming the missing ones.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(ROOT, 'configs/synthetic/slowonly_r18_synthetic.py')
DSTS = osp.join(ROOT, 'configs/synthetic/slowonly_r18_dsts_synthetic.py')


def _dsts(**changes):
    def apply(cfg):
        cfg.model.dsts.update(changes)
    return apply


def _without_udl(cfg):
    """Table 5 "w/o UDL": plain backpropagation with the baseline's single
    optimizer; no D_val batches."""
    cfg.model.udl = False
    cfg.optim_wrapper = Config.fromfile(BASELINE).optim_wrapper
    cfg.custom_hooks = [dict(type='RNGStateHook')]


# name -> (paper table, base config, change)
ROWS = {
    'baseline': ('-', BASELINE, None),
    'dsts': ('3-7 (full model)', DSTS, None),
    'wo_sts': ('3', DSTS, _dsts(spatio_temporal_specialization=False)),
    'wo_gates': ('3', DSTS, _dsts(learn_gates=False)),
    'wo_synapse': ('4', DSTS, _dsts(use_synapse=False)),
    'wo_udl': ('5', DSTS, _without_udl),
    'n5': ('6', DSTS, _dsts(num_neurons=5)),
    'n15': ('6', DSTS, _dsts(num_neurons=15)),
    'l1': ('7', DSTS, _dsts(num_layers=1)),
    'l5': ('7', DSTS, _dsts(num_layers=5)),
}
DEFAULT_SEEDS = [0, 1, 2]
LABELS = {'baseline': 'Baseline (no DSTS)', 'dsts': 'DSTS (N=10, L=3, UDL)',
          'wo_sts': 'w/o STS', 'wo_gates': 'w/o Gates',
          'wo_synapse': 'w/o Synapse', 'wo_udl': 'w/o UDL', 'n5': 'N=5',
          'n15': 'N=15', 'l1': 'L=1', 'l5': 'L=5'}


def run_config(row, seed, args):
    _, base, change = ROWS[row]
    cfg = Config.fromfile(base)
    if change is not None:
        change(cfg)
    cfg.randomness = dict(seed=seed)
    if args.epochs:
        cfg.train_cfg.max_epochs = args.epochs
        cfg.train_cfg.val_interval = args.epochs
        cfg.default_hooks.checkpoint.interval = args.epochs
        for scheduler in cfg.param_scheduler:
            if scheduler.type == 'CosineAnnealingLR':
                scheduler.T_max = args.epochs - 1
                scheduler.end = args.epochs
    for split, loader in (('train', 'train_dataloader'),
                          ('val', 'val_dataloader'),
                          ('val', 'test_dataloader')):
        dataset = cfg[loader].dataset
        dataset.ann_file = osp.join(args.data_dir,
                                    f'synthetic_{split}_list_videos.txt')
        dataset.data_prefix = dict(video=osp.join(args.data_dir, 'videos'))
    return cfg


def run_dir(row, seed, args):
    return osp.join(args.work_dir, row, f'seed{seed}')


def finished_run(row, seed, args):
    """The result of (row, seed) if it has run (in ``--work-dir`` or in
    ``--previous-runs``), else None."""
    result_file = osp.join(run_dir(row, seed, args), 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    return args.previous.get((row, seed))


def load_previous_runs(path, epochs):
    """``{(row, seed): result}`` from an ``ablation_runs.json``; refuses runs
    of another schedule, which would mix protocols in one table."""
    if path is None:
        return {}
    with open(path) as f:
        runs = json.load(f)['runs']
    for r in runs:
        if r.get('epochs') != epochs:
            raise SystemExit(
                f'{path}: run {r["row"]} seed {r["seed"]} trained '
                f'{r.get("epochs")} epochs, this study {epochs}; pass the '
                f'same --epochs or leave --previous-runs out.')
    return {(r['row'], r['seed']): r for r in runs}


def run(row, seed, args):
    """Train and test one (row, seed); returns its result dict."""
    done = finished_run(row, seed, args)
    if done is not None:
        return done
    if not osp.isfile(osp.join(args.data_dir,
                               'synthetic_train_list_videos.txt')):
        subprocess.run([sys.executable, osp.join(
            ROOT, 'tools/data/synthetic/generate.py'), args.data_dir],
            check=True)
    work = run_dir(row, seed, args)
    os.makedirs(work, exist_ok=True)
    config = osp.join(work, 'config.py')
    run_config(row, seed, args).dump(config)
    start = time.perf_counter()
    subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'), config,
                    '--work-dir', work], check=True, cwd=ROOT)
    train_seconds = time.perf_counter() - start
    with open(osp.join(work, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    metrics_file = osp.join(work, 'test_metrics.json')
    subprocess.run([sys.executable, osp.join(ROOT, 'tools/test.py'), config,
                    checkpoint, '--work-dir', osp.join(work, 'test'),
                    '--metrics-json', metrics_file], check=True, cwd=ROOT)
    with open(metrics_file) as f:
        metrics = json.load(f)['metrics']
    result = dict(row=row, seed=seed, epochs=args.schedule,
                  top1=metrics['acc/top1'], mean1=metrics['acc/mean1'],
                  train_seconds=train_seconds,
                  omp_num_threads=os.environ.get('OMP_NUM_THREADS', 'unset'))
    with open(osp.join(work, 'result.json'), 'w') as f:
        json.dump(result, f)
    return result


def aggregate(results):
    rows = {}
    for r in results:
        rows.setdefault(r['row'], []).append(r)
    table = {}
    for row, runs in rows.items():
        top1 = np.array([100 * r['top1'] for r in runs])
        mean1 = np.array([100 * r['mean1'] for r in runs])
        minutes = np.array([r['train_seconds'] / 60 for r in runs])
        table[row] = dict(seeds=len(runs), top1=(top1.mean(), top1.std()),
                          mean1=(mean1.mean(), mean1.std()),
                          minutes=minutes.mean())
    return table


def study_command(args):
    """The command that reruns this study; the paths, which do not change
    the figures, are left out."""
    words = ['python tools/analysis/ablation.py']
    if args.epochs:
        words.append(f'--epochs {args.epochs}')
    if args.seeds != DEFAULT_SEEDS:
        words.append('--seeds ' + ' '.join(map(str, args.seeds)))
    if args.rows != list(ROWS):
        words.append('--rows ' + ' '.join(args.rows))
    return ' '.join(words)


def thread_settings(results):
    """``OMP_NUM_THREADS`` of the runs, e.g. ``1 (28 runs), unset (2 runs)``.

    Read from each run's record, not from the process writing the report:
    with ``--report-only`` or ``--previous-runs`` the two differ."""
    counts = {}
    for r in results:
        setting = r.get('omp_num_threads', 'not recorded')
        counts[setting] = counts.get(setting, 0) + 1
    return ', '.join(f'{setting} ({n} run{"s" if n > 1 else ""})'
                     for setting, n in sorted(counts.items()))


def write_markdown(table, args, path, missing=(), threads='not recorded'):
    with open(osp.join(args.data_dir, 'synthetic_val_list_videos.txt')) as f:
        test_clips = sum(1 for line in f if line.strip())
    import torch
    lines = [
        '# Ablation study on the generated dataset',
        '',
        f'Produced by `{study_command(args)}` on {time.strftime("%Y-%m-%d")} '
        f'(CPU, {os.cpu_count()} cores, torch {torch.__version__}, '
        f'OMP_NUM_THREADS per run: {threads}). Accuracy (%) on the '
        f'{test_clips}-clip test split of `tools/data/synthetic`, last '
        'checkpoint, mean +- std '
        'over seeds (population std). Train time is the wall time of '
        '`tools/train.py`, process start-up included; it depends on what '
        'else ran on the machine, so compare it within one study only.',
        '',
        '| row | paper table | seeds | top-1 | mean class | train time '
        '(min) |',
        '|---|---|---|---|---|---|',
    ]
    for row, stats in table.items():
        lines.append(
            f"| {LABELS[row]} | {ROWS[row][0]} | {stats['seeds']} | "
            f"{stats['top1'][0]:.1f} +- {stats['top1'][1]:.1f} | "
            f"{stats['mean1'][0]:.1f} +- {stats['mean1'][1]:.1f} | "
            f"{stats['minutes']:.1f} |")
    if missing:
        lines += ['', '**Incomplete study.** Not run yet: '
                  + ', '.join(missing) + '. Rerun the command above (it '
                  'resumes) or pass `--previous-runs ablation_runs.json`.']
    lines += ['', 'The test split has the same number of clips in every '
              'class, so mean class accuracy equals top-1 here.']
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def draw(table, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(table)
    means = [table[n]['top1'][0] for n in names]
    stds = [table[n]['top1'][1] for n in names]
    fig, ax = plt.subplots(figsize=(7, 3))
    colours = ['tab:gray' if n == 'baseline' else
               'tab:blue' if n == 'dsts' else 'tab:orange' for n in names]
    ax.bar(range(len(names)), means, yerr=stds, color=colours, capsize=3)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([LABELS[n] for n in names], rotation=30, ha='right')
    ax.set_ylabel('top-1 (%)')
    ax.set_ylim(0, 100)
    ax.set_title('Ablations on the generated dataset (mean +- std over seeds)')
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=DEFAULT_SEEDS)
    parser.add_argument('--rows', nargs='+', choices=list(ROWS),
                        default=list(ROWS))
    parser.add_argument('--epochs', type=int, help='override max_epochs '
                        '(default: the configs\' schedule)')
    parser.add_argument('--data-dir', default=osp.join(ROOT, 'data',
                                                       'synthetic'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs',
                                                       'ablation'))
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'docs',
                                                      'results'))
    parser.add_argument('--previous-runs', help='ablation_runs.json of an '
                        'earlier study with the same --epochs: its runs '
                        'count as done')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing; report the finished runs')
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 2:
        parser.error('--epochs must be >= 2 (one warm-up epoch, then cosine)')
    args.schedule = args.epochs or Config.fromfile(DSTS).train_cfg.max_epochs
    args.previous = load_previous_runs(args.previous_runs, args.schedule)
    if args.report_only:
        done = {(row, seed): finished_run(row, seed, args)
                for row in args.rows for seed in args.seeds}
        results = [r for r in done.values() if r is not None]
        missing = [f'{row} seed {seed}'
                   for (row, seed), r in done.items() if r is None]
        if not results:
            raise SystemExit(f'no finished run in {args.work_dir}')
        report(results, args, missing)
        return
    results = [run(row, seed, args) for row in args.rows
               for seed in args.seeds]
    report(results, args)


def report(results, args, missing=()):
    """Write the table, the chart and the per-run records; print the table."""
    # Runs from before records carried their schedule.
    results = [dict(r, epochs=r.get('epochs', args.schedule))
               for r in results]
    table = aggregate(results)
    os.makedirs(args.out_dir, exist_ok=True)
    write_markdown(table, args, osp.join(args.out_dir, 'ablation.md'),
                   missing, thread_settings(results))
    draw(table, osp.join(args.out_dir, 'ablation.png'))
    with open(osp.join(args.out_dir, 'ablation_runs.json'), 'w') as f:
        json.dump(dict(runs=results), f, indent=1)
    print(open(osp.join(args.out_dir, 'ablation.md')).read())


if __name__ == '__main__':
    main()
