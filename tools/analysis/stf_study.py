"""STF on the generated skeleton data over several seeds: the ablation rows
M1-M5 of the poster's Table 5 and the scarce-data curve of its Table 4.

    python tools/analysis/stf_study.py [--seeds 0 1 2] [--jobs 2]
        [--threads 1] [--epochs N] [--equal-iterations] [--rows ROW ...]
        [--data-dir data/synthetic_skeleton] [--work-dir work_dirs/stf]
        [--out-dir docs/results]

Rows (``configs/stf/synthetic``; every STF row is ``stf_msg3d_synthetic.py``
with some losses switched off, lambda = 0, and the poster's schedule,
``focus_interval=1``, unless the row says otherwise):

* ``M1``: MS-G3D alone (``msg3d_synthetic.py``, RecognizerGCN);
* ``modules``: MS-G3D with the STF modules but no focus loss (not a row of
  the poster; it separates the modules' effect from the losses');
* ``M2`` +L_e, ``M3`` +L_d, ``M4`` +L_Gk, ``M5`` +L_c (the poster's order;
  M5 is the full STF); a loss that is on has the config's lambda;
* ``M1_p10``, ``M1_p25``, ``M5_p10``, ``M5_p25``: M1 and M5 trained on
  the nested 10% / 25% subsets of the training split (same epochs, or
  with ``--equal-iterations`` 10x / 4x the epochs: as many iterations as
  the full split);
* ``M5_first_order``: M5 with ``focus_gradient='first_order'`` (Q's
  channel weights constant in the losses' gradient: no double backward);
* ``M5_interval2``: M5 with ``focus_interval=2`` (the STF losses every
  second iteration at twice their lambda);
* ``M5_lambda2``: M5 on every iteration at twice the lambda (0.2), which
  separates the schedule of ``M5_interval2`` from its larger lambda.

Every run trains on ``train`` (or its subset), is tested (last checkpoint,
``tools/test.py``) on ``holdout`` (the validation split, where choices are
made) and on ``test`` (reported). Finished runs are kept and skipped. Writes
``<out-dir>/stf.md`` (mean +- std over seeds, top-1 and mean-class) and
``stf_runs.json``.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from ablation import CONFIG_LOCK, set_schedule, train_and_test  # noqa: E402
from seed_study import (ROOT, add_study_args, mean_std,  # noqa: E402
                        rerun_command, write_report)

CONFIGS = osp.join(ROOT, 'configs', 'stf', 'synthetic')
LOSSES = ('loss_e', 'loss_d', 'loss_gk', 'loss_c')  # the poster's order
CUMULATIVE = {f'M{i + 2}': LOSSES[:i + 1] for i in range(len(LOSSES))}
# name -> (label, STF losses switched on (their lambdas from the config) or
# None for the plain MS-G3D, train split)
ROWS = {
    'M1': ('M1: MS-G3D', None, 'train'),
    'modules': ('MS-G3D + STF modules, no focus loss', (), 'train'),
    **{name: (f'{name}: + ' + ', '.join('L_' + k[5:].replace('gk', 'Gk')
                                        for k in on), on, 'train')
       for name, on in CUMULATIVE.items()},
    'M1_p10': ('M1, 10% of train', None, 'train_p10'),
    'M1_p25': ('M1, 25% of train', None, 'train_p25'),
    'M5_p10': ('M5, 10% of train', LOSSES, 'train_p10'),
    'M5_p25': ('M5, 25% of train', LOSSES, 'train_p25'),
    'M5_first_order': ('M5, first-order focus gradient', LOSSES, 'train'),
    'M5_interval2': ('M5, every 2nd iteration at 2 x lambda (the default)',
                     LOSSES, 'train'),
    'M5_lambda2': ('M5, every iteration at 2 x lambda', LOSSES, 'train'),
}
# rows that change an STF setting beyond the losses: name -> stf_loss keys
SETTINGS = {'M5_first_order': dict(focus_gradient='first_order'),
            'M5_interval2': dict(focus_interval=2),
            'M5_lambda2': {k: 0.2 for k in LOSSES}}
TEST_SPLITS = dict(holdout='holdout', test='test')


def build_config(name, seed, args):
    _, on, train_split = ROWS[name]
    config = 'msg3d_synthetic.py' if on is None else \
        'stf_msg3d_synthetic.py'
    with CONFIG_LOCK:
        cfg = Config.fromfile(osp.join(CONFIGS, config))
    ann_file = osp.join(args.data_dir, 'skeleton.pkl')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = ann_file
    cfg.train_dataloader.dataset.split = train_split
    if on is not None:
        cfg.model.stf_loss.update({k: 0.0 for k in LOSSES if k not in on})
        # the poster's schedule unless the row is about another one
        cfg.model.stf_loss.update(focus_interval=1)
        cfg.model.stf_loss.update(SETTINGS.get(name, {}))
    epochs = args.epochs or cfg.train_cfg.max_epochs
    if args.equal_iterations and train_split.startswith('train_p'):
        # the subset sees as many iterations as the full split does
        epochs = epochs * 100 // int(train_split[len('train_p'):])
    if epochs != cfg.train_cfg.max_epochs:
        set_schedule(cfg, epochs)
    cfg.randomness = dict(seed=seed)
    return cfg


def run(name, seed, args):
    work = osp.join(args.work_dir, f'seed{seed}', name)
    result_file = osp.join(work, 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    lists = {key: [f'test_dataloader.dataset.split={split}']
             for key, split in TEST_SPLITS.items()}
    seconds, _, metrics = train_and_test(build_config(name, seed, args),
                                         work, args, lists)
    result = dict(name=name, seed=seed, train_seconds=seconds,
                  threads=args.threads, **metrics)
    with open(result_file, 'w') as f:
        json.dump(result, f)
    print(f"done: {name} seed {seed}: test top-1 "
          f"{100 * metrics['test']['acc/top1']:.1f}", flush=True)
    return result


def cell(runs, split, key):
    return mean_std([r[split][key] for r in runs])


def ablation_table(results):
    header = ['row', 'L_e', 'L_d', 'L_Gk', 'L_c', 'seeds', 'holdout top-1',
              'test top-1', 'test mean-class', 'delta test top-1 vs M1',
              'train time (min)']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    by_row = {n: [r for r in results if r['name'] == n] for n in ROWS}
    base = by_row['M1'] and np.mean([r['test']['acc/top1']
                                     for r in by_row['M1']])
    for name in ('M1', 'modules', *CUMULATIVE, *SETTINGS):
        runs = by_row[name]
        if not runs:
            continue
        label, on, _ = ROWS[name]
        marks = ['-' if on is None else ('x' if k in on else '')
                 for k in LOSSES]
        top1 = np.mean([r['test']['acc/top1'] for r in runs])
        delta = f'{100 * (top1 - base):+.1f}' if base else '-'
        lines.append('| ' + ' | '.join([
            label, *marks, str(len(runs)), cell(runs, 'holdout', 'acc/top1'),
            cell(runs, 'test', 'acc/top1'), cell(runs, 'test', 'acc/mean1'),
            delta, f"{np.mean([r['train_seconds'] for r in runs]) / 60:.1f}"
        ]) + ' |')
    return lines


def scarce_table(results):
    header = ['method \\ p', '10%', '25%', '100%']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for method in ('M1', 'M5'):
        row = [ROWS[method][0]]
        for suffix in ('_p10', '_p25', ''):
            runs = [r for r in results if r['name'] == method + suffix]
            row.append(cell(runs, 'test', 'acc/top1') if runs else '-')
        lines.append('| ' + ' | '.join(row) + ' |')
    return lines


def report(results, args, command):
    text = ['# STF on the generated skeleton data', '',
            f'Command: `{command}`', '',
            '## Ablation (shaped like the poster\'s Table 5)', '',
            *ablation_table(results), '',
            '## Scarce data (shaped like the poster\'s Table 4), test top-1',
            '', *scarce_table(results), '']
    write_report(args.out_dir, 'stf', text, command, results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_study_args(parser, ROWS, osp.join('data', 'synthetic_skeleton'),
                   osp.join('work_dirs', 'stf'))
    parser.add_argument('--equal-iterations', action='store_true',
                        help='train the 10%% / 25%% rows 10x / 4x the '
                        'epochs (as many iterations as on the full split)')
    args = parser.parse_args()
    if not osp.isfile(osp.join(args.data_dir, 'skeleton.pkl')):
        subprocess.run([sys.executable, osp.join(
            ROOT, 'tools/data/synthetic/generate_skeleton.py'),
            osp.join(args.data_dir, 'skeleton.pkl')], check=True)
    jobs = [(n, s) for s in args.seeds for n in args.rows]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda p: run(*p, args), jobs))
    report(results, args, rerun_command('stf_study.py', args, parser))


if __name__ == '__main__':
    main()
