"""DSTS against its baseline, and the ablations of Tables 3-7, on the
generated dataset over several seeds.

    python tools/analysis/ablation.py [--protocol finetune|scratch]
        [--rows ROW ...] [--seeds 0 1 2] [--epochs N] [--jobs J]
        [--data-dir data/synthetic] [--work-dir DIR] [--out-dir docs/results]
        [--previous-runs FILE] [--report-only]

Protocols:

* ``finetune`` (default; the paper adds DSTS to a trained backbone). Stage
  (a) trains the baseline (``configs/synthetic/slowonly_r18_synthetic.py``,
  24 epochs, seed 0) once; stage (b) starts every (row, seed) from that
  checkpoint and fine-tunes it for the fine-tune configs' 12 epochs: the
  ``baseline`` row with the plain head
  (``slowonly_r18_finetune_synthetic.py``), ``dsts`` with DSTS + UDL
  (``slowonly_r18_dsts_finetune_synthetic.py``), every other row that
  config with one thing changed, as the paper's TPN-on-Diving48 ablations
  change ``tpn_dsts_diving48.py``.
* ``scratch``: every (row, seed) trains from random weights on the
  from-scratch configs' 24-epoch schedule.

Splits: every run trains on ``synthetic_trainsub`` (the training list minus
a held-out part), is evaluated on ``synthetic_holdout`` (the validation
split: where design choices are made) and on ``synthetic_val`` (the test
split, reported), last checkpoint, with ``tools/test.py``. Runs are separate
processes, ``--jobs`` at a time; finished runs are kept and skipped, so an
interrupted study resumes, and ``--previous-runs <runs.json>`` counts the
runs of another machine (same protocol and schedule) as done.

Writes ``<out-dir>/ablation_<study>.md`` (mean +- std over seeds), its
``.png`` chart and ``ablation_<study>_runs.json`` (every run's figures);
``<study>`` is the protocol, with ``_<N>ep`` when ``--epochs`` overrides the
configs' schedule.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from study_report import report  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(ROOT, 'configs', 'synthetic')
BASE = dict(
    scratch=dict(baseline='slowonly_r18_synthetic.py',
                 dsts='slowonly_r18_dsts_synthetic.py'),
    finetune=dict(baseline='slowonly_r18_finetune_synthetic.py',
                  dsts='slowonly_r18_dsts_finetune_synthetic.py'))
PRETRAIN = 'slowonly_r18_synthetic.py'
SPLITS = dict(train='trainsub', holdout='holdout', test='val')
# Config.fromfile resolves `mmaction::` bases through pkg_resources, which is
# not thread-safe: configs are built one at a time.
CONFIG_LOCK = threading.Lock()

# DSTSNeck as the paper writes it (its defaults before issue 12): Eq. 2's
# sum, gates at N(0, 0.01^2), PyTorch's initialisation of the branch; the
# rows using it also train with Eq. 10 alone.
PAPER_LITERAL = dict(impulse_reduction='sum', gate_init_magnitude=None,
                     residual_init_scale=None)
# The CPU config before issue 12: the above with averaged impulses, routed
# training and full-width (128-channel) neurons.
PREVIOUS_SYNTHETIC = dict(PAPER_LITERAL, impulse_reduction='mean',
                          train_dispatch='routed', mid_channels=None)


def _dsts(**changes):
    def apply(cfg):
        cfg.model.dsts.update(changes)
    return apply


def _without_udl(cfg):
    """Table 5 "w/o UDL": plain backpropagation with the baseline's single
    optimizer; no D_val batches."""
    cfg.model.udl = False
    cfg.optim_wrapper = Config.fromfile(
        cfg.filename.replace('dsts_', '')).optim_wrapper
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h['type'] != 'UDLValBatchHook']


def _udl(**changes):
    def apply(cfg):
        cfg.model.udl = dict(changes)
    return apply


def _both(*changes):
    def apply(cfg):
        for change in changes:
            change(cfg)
    return apply


# name -> (label, paper table, base ('baseline' or 'dsts'), change)
ROWS = {
    'baseline': ('Baseline (no DSTS)', '-', 'baseline', None),
    'dsts': ('DSTS (N=10, L=3, UDL)', '3-7 (full model)', 'dsts', None),
    'wo_sts': ('w/o STS', '3', 'dsts',
               _dsts(spatio_temporal_specialization=False)),
    'wo_gates': ('w/o Gates', '3', 'dsts', _dsts(learn_gates=False)),
    'wo_synapse': ('w/o Synapse', '4', 'dsts', _dsts(use_synapse=False)),
    'wo_udl': ('w/o UDL', '5', 'dsts', _without_udl),
    'n5': ('N=5', '6', 'dsts', _dsts(num_neurons=5)),
    'n15': ('N=15', '6', 'dsts', _dsts(num_neurons=15)),
    'l1': ('L=1', '7', 'dsts', _dsts(num_layers=1)),
    'l5': ('L=5', '7', 'dsts', _dsts(num_layers=5)),
    'udl_eq10_only': ('DSTS, UDL with Eq. 10 alone (no first-order term)',
                      '-', 'dsts', _udl(first_order_weight=0.0)),
    'paper_literal': ('DSTS, paper-literal (Eq. 2 sum, gates N(0, 0.01^2), '
                      'default init, Eq. 10 alone)', '-', 'dsts',
                      _both(_dsts(**PAPER_LITERAL),
                            _udl(first_order_weight=0.0))),
    'gate_init_0p5': ('DSTS, gates initialised at +-0.5 (not +-2)', '-',
                      'dsts', _dsts(gate_init_magnitude=0.5)),
    'previous_defaults': ('DSTS, CPU config before issue 12', '-', 'dsts',
                          _both(_dsts(**PREVIOUS_SYNTHETIC),
                                _udl(first_order_weight=0.0))),
}
DEFAULT_ROWS = [r for r in ROWS if r != 'previous_defaults']
DEFAULT_SEEDS = [0, 1, 2]


def set_schedule(cfg, epochs):
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    cfg.default_hooks.checkpoint.interval = epochs
    for scheduler in cfg.param_scheduler:
        if scheduler.type == 'CosineAnnealingLR':
            scheduler.T_max = epochs - 1
            scheduler.end = epochs


def set_data(cfg, data_dir, val_split='holdout'):
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', val_split),
                          ('test_dataloader', 'test')):
        dataset = cfg[loader].dataset
        dataset.ann_file = osp.join(
            data_dir, f'synthetic_{SPLITS[split]}_list_videos.txt')
        dataset.data_prefix = dict(video=osp.join(data_dir, 'videos'))


def run_config(row, seed, args):
    _, _, base, change = ROWS[row]
    cfg = Config.fromfile(osp.join(CONFIGS, BASE[args.protocol][base]))
    if change is not None:
        change(cfg)
    cfg.randomness = dict(seed=seed)
    if args.epochs:
        set_schedule(cfg, args.epochs)
    set_data(cfg, args.data_dir)
    if args.protocol == 'finetune':
        cfg.load_from = pretrain_checkpoint(args)
    if 'dsts' in cfg.model and not any(
            h['type'] == 'DSTSRoutingHook' for h in cfg.custom_hooks):
        cfg.custom_hooks.append(dict(type='DSTSRoutingHook'))
    return cfg


def pretrain_checkpoint(args):
    return osp.join(args.work_dir, 'pretrain', 'last.pth')


def study_name(args):
    """``finetune``, ``scratch``, or e.g. ``finetune_6ep`` for a schedule
    other than the configs' (its runs and report are kept apart)."""
    if args.epochs is None:
        return args.protocol
    return f'{args.protocol}_{args.epochs}ep'


def run_dir(row, seed, args):
    return osp.join(args.work_dir, study_name(args), row, f'seed{seed}')


def _process(cmd, log, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               PYTHONWARNINGS='ignore')
    with open(log, 'a') as f:
        subprocess.run([sys.executable] + cmd, check=True, cwd=ROOT, env=env,
                       stdout=f, stderr=subprocess.STDOUT)


def train_and_test(cfg, work, args, lists=None):
    """Train ``cfg`` in ``work``; test its last checkpoint on the holdout and
    the test split (``lists``: ``{split: list file}``, or ``{split: [cfg
    options]}`` for datasets that select a split otherwise, e.g.
    ``['test_dataloader.dataset.split=test']``; default: the synthetic
    lists in ``args.data_dir``). Returns ``(train_seconds, checkpoint,
    {split: metrics})``."""
    lists = lists or {
        split: osp.join(args.data_dir,
                        f'synthetic_{SPLITS[split]}_list_videos.txt')
        for split in ('holdout', 'test')}
    os.makedirs(work, exist_ok=True)
    config = osp.join(work, 'config.py')
    with CONFIG_LOCK:
        cfg.dump(config)
    log = osp.join(work, 'run.log')
    start = time.perf_counter()
    _process(['tools/train.py', config, '--work-dir', work], log,
             args.threads)
    seconds = time.perf_counter() - start
    with open(osp.join(work, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    metrics = {}
    for split, ann in lists.items():
        out = osp.join(work, f'{split}_metrics.json')
        options = ann if isinstance(ann, list) else [
            f'test_dataloader.dataset.ann_file={ann}']
        _process(['tools/test.py', config, checkpoint, '--work-dir',
                  osp.join(work, 'test'), '--metrics-json', out,
                  '--cfg-options'] + options, log, args.threads)
        with open(out) as f:
            metrics[split] = json.load(f)['metrics']
    return seconds, checkpoint, metrics


def pretrain(args):
    """Stage (a): the baseline from scratch, seed 0, once per study."""
    target = pretrain_checkpoint(args)
    if osp.isfile(target):
        return
    cfg = Config.fromfile(osp.join(CONFIGS, PRETRAIN))
    cfg.randomness = dict(seed=0)
    set_data(cfg, args.data_dir)
    work = osp.dirname(target)
    _, checkpoint, metrics = train_and_test(cfg, work, args)
    os.replace(checkpoint, target)
    with open(osp.join(work, 'result.json'), 'w') as f:
        json.dump(dict(metrics), f)


def finished_run(row, seed, args):
    result_file = osp.join(run_dir(row, seed, args), 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    return args.previous.get((row, seed))


def load_previous_runs(path, protocol, epochs):
    """``{(row, seed): result}`` from a runs.json; refuses runs of another
    protocol or schedule, which would mix them in one table."""
    if path is None:
        return {}
    with open(path) as f:
        runs = json.load(f)['runs']
    for r in runs:
        if (r.get('protocol'), r.get('epochs')) != (protocol, epochs):
            raise SystemExit(
                f'{path}: run {r["row"]} seed {r["seed"]} is '
                f'{r.get("protocol")} for {r.get("epochs")} epochs, this '
                f'study {protocol} for {epochs}; pass the same --protocol '
                'and --epochs or leave --previous-runs out.')
    return {(r['row'], r['seed']): r for r in runs}


def device_name():
    import torch
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f'cpu ({os.cpu_count()} cores)'


def run(row, seed, args):
    """Train and test one (row, seed); returns its result dict."""
    done = finished_run(row, seed, args)
    if done is not None:
        return done
    with CONFIG_LOCK:
        cfg = run_config(row, seed, args)
    seconds, _, metrics = train_and_test(cfg, run_dir(row, seed, args), args)
    result = dict(row=row, seed=seed, protocol=args.protocol,
                  epochs=args.schedule, train_seconds=seconds,
                  threads=args.threads, device=args.device,
                  holdout=metrics['holdout'], test=metrics['test'])
    with open(osp.join(run_dir(row, seed, args), 'result.json'), 'w') as f:
        json.dump(result, f)
    print(f'done: {row} seed {seed}: test top-1 '
          f'{100 * metrics["test"]["acc/top1"]:.1f}', flush=True)
    return result


def ensure_data(args):
    if osp.isfile(osp.join(args.data_dir,
                           'synthetic_holdout_list_videos.txt')):
        return
    subprocess.run([sys.executable, osp.join(
        ROOT, 'tools/data/synthetic/generate.py'), args.data_dir], check=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--protocol', choices=list(BASE), default='finetune')
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=DEFAULT_SEEDS)
    parser.add_argument('--rows', nargs='+', choices=list(ROWS),
                        default=DEFAULT_ROWS)
    parser.add_argument('--epochs', type=int, help='override max_epochs '
                        '(default: the configs\' schedule)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs trained at the same time')
    parser.add_argument('--threads', type=int, help='OMP_NUM_THREADS per '
                        'run (default: cores // jobs)')
    parser.add_argument('--data-dir', default=osp.join(ROOT, 'data',
                                                       'synthetic'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs',
                                                       'ablation'))
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'docs',
                                                      'results'))
    parser.add_argument('--previous-runs', help='runs.json of an earlier '
                        'study with the same protocol and --epochs: its '
                        'runs count as done')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing; report the finished runs')
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 2:
        parser.error('--epochs must be >= 2 (one warm-up epoch, then cosine)')
    args.threads = args.threads or max(1, (os.cpu_count() or 1) // args.jobs)
    args.schedule = args.epochs or Config.fromfile(osp.join(
        CONFIGS, BASE[args.protocol]['dsts'])).train_cfg.max_epochs
    args.previous = load_previous_runs(args.previous_runs, args.protocol,
                                       args.schedule)
    return args


def main():
    args = parse_args()
    pairs = [(row, seed) for row in args.rows for seed in args.seeds]
    if not args.report_only:
        args.device = device_name()
        todo = [p for p in pairs if finished_run(*p, args) is None]
        if todo:
            ensure_data(args)
            if args.protocol == 'finetune':
                pretrain(args)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(lambda p: run(*p, args), todo))
    done = {p: finished_run(*p, args) for p in pairs}
    results = [r for r in done.values() if r is not None]
    missing = [f'{row} seed {seed}' for (row, seed), r in done.items()
               if r is None]
    if not results:
        raise SystemExit(f'no finished run in {args.work_dir}')
    args.study = study_name(args)
    report(results, args, ROWS,
           dict(rows=DEFAULT_ROWS, seeds=DEFAULT_SEEDS), missing)


if __name__ == '__main__':
    main()
