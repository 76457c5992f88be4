"""Tables and charts of tools/analysis/ablation.py: mean +- std over seeds of
each row, on the holdout (validation) and the test split."""
import json
import os
import os.path as osp
import time

import numpy as np


def _stat(runs, split, key, scale=100.0):
    values = np.array([scale * r[split][key] for r in runs
                       if key in r[split]])
    if values.size == 0:
        return None
    return values.mean(), values.std()


def aggregate(results):
    """``{row: stats}`` in the order rows first appear."""
    rows = {}
    for r in results:
        rows.setdefault(r['row'], []).append(r)
    table = {}
    for row, runs in rows.items():
        layers = sorted({k for r in runs for k in r['test']
                         if k.startswith('dsts/max_load_l')})
        table[row] = dict(
            seeds=len(runs),
            holdout=_stat(runs, 'holdout', 'acc/top1'),
            top1=_stat(runs, 'test', 'acc/top1'),
            mean1=_stat(runs, 'test', 'acc/mean1'),
            max_load=[_stat(runs, 'test', k) for k in layers],
            minutes=np.mean([r['train_seconds'] / 60 for r in runs]))
    return table


def _pm(stat):
    return '-' if stat is None else f'{stat[0]:.1f} +- {stat[1]:.1f}'


def study_command(args, defaults):
    """The command that reruns the study; paths, which do not change the
    figures, are left out."""
    words = ['python tools/analysis/ablation.py']
    if args.protocol != 'finetune':
        words.append(f'--protocol {args.protocol}')
    if args.epochs:
        words.append(f'--epochs {args.epochs}')
    if args.seeds != defaults['seeds']:
        words.append('--seeds ' + ' '.join(map(str, args.seeds)))
    if args.rows != defaults['rows']:
        words.append('--rows ' + ' '.join(args.rows))
    return ' '.join(words)


def _settings(results, key, missing='not recorded'):
    counts = {}
    for r in results:
        value = str(r.get(key, missing))
        counts[value] = counts.get(value, 0) + 1
    return ', '.join(f'{v} ({n} run{"s" if n > 1 else ""})'
                     for v, n in sorted(counts.items()))


def write_markdown(table, results, args, rows, path, missing, defaults):
    protocol = dict(
        finetune='stage (a) trains the baseline for 24 epochs (seed 0); '
        'stage (b) fine-tunes every row from that checkpoint for '
        f'{args.schedule} epochs',
        scratch=f'every row trains from scratch for {args.schedule} epochs')
    lines = [
        f'# DSTS on the generated dataset: {args.protocol} protocol', '',
        f'Produced by `{study_command(args, defaults)}` on '
        f'{time.strftime("%Y-%m-%d")}: {protocol[args.protocol]}. Device: '
        f'{_settings(results, "device")}; threads per run: '
        f'{_settings(results, "threads")}. Training uses the training list '
        'minus a held-out part; "holdout" is that part (the validation '
        'split, where choices are made), the other columns are the test '
        'split, reported once. Accuracy (%), last checkpoint, mean +- std '
        'over seeds (population std). Max load: the largest fraction of '
        'test clips one neuron takes, per DSTS layer. Train time depends on '
        'what else ran on the machine: compare it within one study only.',
        '',
        '| row | paper table | seeds | holdout top-1 | test top-1 | test '
        'mean class | max load per layer (test, %) | train time (min) |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for row, stats in table.items():
        loads = ' / '.join(f'{s[0]:.0f}' for s in stats['max_load'] if s) \
            or '-'
        lines.append(
            f"| {rows[row][0]} | {rows[row][1]} | {stats['seeds']} | "
            f"{_pm(stats['holdout'])} | {_pm(stats['top1'])} | "
            f"{_pm(stats['mean1'])} | {loads} | {stats['minutes']:.1f} |")
    if missing:
        lines += ['', '**Incomplete study.** Not run yet: '
                  + ', '.join(missing) + '. Rerun the command above (it '
                  'resumes) or pass `--previous-runs` with the runs file.']
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def draw(table, rows, path, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(table)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for offset, key, colour, label in ((-0.2, 'holdout', 'tab:gray',
                                        'holdout (validation)'),
                                       (0.2, 'top1', 'tab:blue', 'test')):
        means = [table[n][key][0] if table[n][key] else 0 for n in names]
        stds = [table[n][key][1] if table[n][key] else 0 for n in names]
        ax.bar(np.arange(len(names)) + offset, means, 0.4, yerr=stds,
               color=colour, capsize=3, label=label)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([rows[n][0] for n in names], rotation=30, ha='right',
                       fontsize=8)
    ax.set_ylabel('top-1 (%)')
    low = min(table[n]['top1'][0] for n in names if table[n]['top1'])
    ax.set_ylim(max(0, low - 15), 100)
    ax.legend(loc='lower right', fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def report(results, args, rows, defaults, missing=()):
    """Write the table, the chart and the per-run records; print the table.

    Args:
        results (list[dict]): One record per finished (row, seed).
        args: The study's parsed arguments.
        rows (dict): ``{row: (label, paper table, ...)}`` in table order.
        defaults (dict): The default ``rows`` and ``seeds`` (left out of the
            printed command).
        missing (Sequence[str]): Runs not finished yet.
    """
    order = {row: i for i, row in enumerate(rows)}
    results = sorted(results, key=lambda r: (order[r['row']], r['seed']))
    table = aggregate(results)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f'ablation_{args.study}')
    write_markdown(table, results, args, rows, stem + '.md', missing,
                   defaults)
    draw(table, rows, stem + '.png',
         f'{args.protocol} protocol, {args.schedule} epochs '
         '(mean +- std over seeds)')
    with open(stem + '_runs.json', 'w') as f:
        json.dump(dict(runs=results), f, indent=1)
    print(open(stem + '.md').read())
