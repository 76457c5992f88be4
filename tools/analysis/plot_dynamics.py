"""Plot the training dynamics of DSTS runs (docs/dsts.md, "Training
dynamics") from their MMEngine logs.

    python tools/analysis/plot_dynamics.py WORK_DIR[=LABEL] [WORK_DIR=...]
        [--out docs/results/dynamics.png]

WORK_DIR is a ``tools/train.py`` work dir; its newest
``*/vis_data/scalars.json`` is read. One panel per instrument of
:mod:`mmdsts.models.necks.dsts_dynamics` (averaged over DSTS layers where it
is per layer), one line per run, so that settings can be compared on the
same axes. Evaluation routing (``DSTSRoutingHook``, on the validation split
after each validation epoch) is drawn as markers in the load panel.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import re

PANELS = (
    ('dsts_max_load_l', 'max neuron load (train batch; o: eval split)'),
    ('dsts_route_agree_l', 'train choice = eval argmax'),
    ('dsts_impulse_gap_l', 'impulse gap / tau (Gumbel diff. std 1.81)'),
    ('dsts_grad_live', 'neurons with first-order upstream grad'),
    ('dsts_meta_grad_live', 'neurons with UDL meta-gradient'),
    ('dsts_gate_agree', 'gate: train decision = eval'),
    ('dsts_gate_abs', 'gate |g| (Semhash noise std 1)'),
    ('dsts_branch_ratio', 'RMS(DSTS branch) / RMS(X)'),
)


def read_scalars(work_dir):
    """``(train, val)``: lists of logged dicts, with their ``step``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'{work_dir}: no */vis_data/scalars.json; pass the --work-dir of '
            'a tools/train.py run')
    train, val = [], []
    with open(files[-1]) as f:
        for line in f:
            record = json.loads(line)
            if any(k.startswith(('acc/', 'dsts/')) for k in record):
                # MMEngine steps validation records by epoch: place them at
                # the iteration the epoch ended.
                record['step'] = train[-1].get('iter', 0) if train else 0
                val.append(record)
            else:
                train.append(record)
    return train, val


def layer_mean(record, prefix):
    """Mean over layers of ``prefix{j}`` keys, or the key itself."""
    if prefix in record:
        return record[prefix]
    values = [v for k, v in record.items()
              if re.fullmatch(re.escape(prefix) + r'\d+', k)]
    return sum(values) / len(values) if values else None


def plot(runs, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cols = 4
    rows = math.ceil(len(PANELS) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows))
    for (prefix, title), ax in zip(PANELS, axes.flat):
        for i, (label, (train, val)) in enumerate(runs.items()):
            colour = f'C{i}'
            points = [(r['step'], layer_mean(r, prefix)) for r in train]
            points = [(s, v) for s, v in points if v is not None]
            if points:
                ax.plot(*zip(*points), color=colour, lw=1, label=label)
            if prefix == 'dsts_max_load_l':
                marks = [(r['step'], layer_mean(r, 'dsts/max_load_l'))
                         for r in val]
                marks = [(s, v) for s, v in marks if v is not None]
                if marks:
                    ax.plot(*zip(*marks), 'o', color=colour, ms=5)
        if prefix == 'dsts_impulse_gap_l':
            ax.axhline(math.pi / math.sqrt(3), color='k', ls=':', lw=0.8)
            ax.set_yscale('log')  # the paper-literal sum is 100x larger
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('iteration', fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(PANELS):]:
        ax.axis('off')
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('runs', nargs='+', metavar='WORK_DIR[=LABEL]')
    parser.add_argument('--out', default='docs/results/dynamics.png')
    args = parser.parse_args()
    runs = {}
    for item in args.runs:
        path, _, label = item.partition('=')
        runs[label or osp.basename(osp.normpath(path))] = read_scalars(path)
    plot(runs, args.out)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
