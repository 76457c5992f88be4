"""What the multi-seed studies on generated data share (``stf_study.py``,
``hierarchy_study.py``): their command-line options, the command that
reruns a study, a mean +- std cell and the two files a study writes."""
import json
import os
import os.path as osp

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def add_study_args(parser, rows, data_dir, work_dir, rows_help=None):
    """The options every study has; ``rows`` the trainable rows (all by
    default), ``data_dir`` / ``work_dir`` relative to the repository."""
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at a time')
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP_NUM_THREADS of each run')
    parser.add_argument('--epochs', type=int,
                        help='override the configs\' max_epochs')
    parser.add_argument('--rows', nargs='+', choices=list(rows),
                        default=list(rows), help=rows_help)
    parser.add_argument('--data-dir', default=osp.join(ROOT, data_dir))
    parser.add_argument('--work-dir', default=osp.join(ROOT, work_dir))
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'docs',
                                                      'results'))
    return parser


def _relative(value):
    if isinstance(value, str) and osp.isabs(value) and \
            value.startswith(ROOT + os.sep):
        return osp.relpath(value, ROOT)
    return value


def rerun_command(script, args, parser):
    """``python tools/analysis/<script>`` with every option that differs
    from its default (``--out-dir``, which changes no figure, left out), so
    that the command written next to a table reproduces it."""
    words = [f'python tools/analysis/{script}']
    for action in parser._actions:
        if not action.option_strings or action.dest in ('help', 'out_dir'):
            continue
        value = getattr(args, action.dest)
        if value == action.default or value is None:
            continue
        flag = action.option_strings[-1]
        if value is True:
            words.append(flag)
        elif isinstance(value, (list, tuple)):
            words.append(' '.join([flag, *map(str, map(_relative, value))]))
        else:
            words.append(f'{flag} {_relative(value)}')
    return ' '.join(words)


def mean_std(values, scale=100.0):
    """``'mean +- std'`` of ``values`` (fractions shown as percent)."""
    values = scale * np.asarray(values, dtype=float)
    return f'{values.mean():.1f} +- {values.std():.1f}'


def write_report(out_dir, stem, markdown_lines, command, results):
    """``<stem>.md`` (the tables) and ``<stem>_runs.json`` (the command and
    every run's figures) in ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, f'{stem}.md'), 'w') as f:
        f.write('\n'.join(markdown_lines) + '\n')
    with open(osp.join(out_dir, f'{stem}_runs.json'), 'w') as f:
        json.dump(dict(command=command, runs=results), f, indent=1)
    print('\n'.join(markdown_lines))
