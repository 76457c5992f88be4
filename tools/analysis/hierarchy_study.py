"""The FineGym method on the generated hierarchical data, over several seeds:
each stage-1 base model alone, the SlowFast multi-task baseline and the
3-pathway joint network (and two variants beyond the slides: pathways
trained too, a DSTS neck on the element pathway), every level's top-1 /
top-5 / mean class accuracy.

    python tools/analysis/hierarchy_study.py [--seeds 0 1 2] [--jobs 2]
        [--threads 1] [--epochs N] [--data-dir data/synthetic_hierarchy]
        [--work-dir work_dirs/hierarchy] [--out-dir docs/results]

Every run trains on ``hierarchy_trainsub`` and is tested, last checkpoint,
on ``hierarchy_holdout`` (validation: where choices are made) and on
``hierarchy_val`` (the test split, reported), with ``tools/test.py``. The
3-pathway network of a seed loads that seed's three stage-1 checkpoints.
Finished runs are kept and skipped (an interrupted study resumes). Writes
``<out-dir>/hierarchy.md`` (a table shaped like the slides' Table 2, mean
+- std over seeds) and ``hierarchy_runs.json``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
# one lock for building and dumping configs; the same train/test sequence
from ablation import CONFIG_LOCK, train_and_test  # noqa: E402
from seed_study import (ROOT, add_study_args, mean_std,  # noqa: E402
                        rerun_command, write_report)

CONFIGS = osp.join(ROOT, 'configs', 'hierarchy', 'synthetic')
LEVELS = ('event', 'set', 'element')
# name -> (config, row label, levels it predicts)
RUNS = {
    'event': ('slowonly_r18_event_synthetic', 'Event: SlowOnly, T=4',
              ('event', )),
    'set': ('slowonly_r18_set_synthetic', 'Set: SlowOnly, T=8', ('set', )),
    'element': ('slowonly_r18_element_synthetic', 'Element: SlowOnly, T=16',
                ('element', )),
    'slowfast_multitask': ('slowfast_r18_multitask_synthetic',
                           'SlowFast multi-task (baseline)', LEVELS),
    'joint': ('joint_3pathway_synthetic',
              '3-pathway joint network (frozen stage-1 pathways)', LEVELS),
    # beyond the slides
    'joint_unfrozen': ('joint_3pathway_unfrozen_synthetic',
                       '3-pathway, pathways trained too (lr x 0.1; beyond '
                       'the paper)', LEVELS),
    'joint_dsts': ('joint_3pathway_dsts_synthetic',
                   '3-pathway, DSTS neck on the element pathway (beyond '
                   'the paper)', LEVELS),
}
STAGE2 = ('joint', 'joint_unfrozen', 'joint_dsts')  # after their stage 1
SPLITS = dict(train='trainsub', holdout='holdout', test='val')


def run_dir(name, seed, args):
    return osp.join(args.work_dir, f'seed{seed}', name)


def build_config(name, seed, args):
    with CONFIG_LOCK:
        cfg = Config.fromfile(osp.join(CONFIGS, RUNS[name][0] + '.py'))
    categories = osp.join(args.data_dir, 'categories.txt')
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'holdout'),
                          ('test_dataloader', 'test')):
        dataset = cfg[loader].dataset
        dataset.ann_file = osp.join(
            args.data_dir, f'hierarchy_{SPLITS[split]}_list_videos.txt')
        dataset.data_prefix = dict(video=osp.join(args.data_dir, 'videos'))
        dataset.hierarchy_file = categories
    if 'hierarchy_file' in cfg.model.get('cls_head', {}):
        cfg.model.cls_head.hierarchy_file = categories
    for pathway in cfg.model.get('pathways', []):
        pathway.checkpoint = osp.join(run_dir(pathway.name, seed, args),
                                      'last.pth')
    cfg.randomness = dict(seed=seed)
    if args.epochs:
        cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = args.epochs
        cfg.default_hooks.checkpoint.interval = args.epochs
        cfg.param_scheduler[-1].update(T_max=args.epochs - 1,
                                       end=args.epochs)
    return cfg


def level_metrics(metrics, levels):
    """``{level/top1: ...}``; a one-level model's ``acc/*`` renamed."""
    if len(levels) == 1:
        return {f'{levels[0]}/{k.split("/")[1]}': v
                for k, v in metrics.items() if k.startswith('acc/')}
    return {k: v for k, v in metrics.items()
            if k.split('/')[0] in LEVELS}


def run(name, seed, args):
    work = run_dir(name, seed, args)
    result_file = osp.join(work, 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    lists = {split: osp.join(args.data_dir,
                             f'hierarchy_{SPLITS[split]}_list_videos.txt')
             for split in ('holdout', 'test')}
    seconds, checkpoint, metrics = train_and_test(
        build_config(name, seed, args), work, args, lists)
    os.replace(checkpoint, osp.join(work, 'last.pth'))  # for stage 2
    result = dict(name=name, seed=seed, train_seconds=seconds,
                  threads=args.threads)
    for split in lists:
        result[split] = level_metrics(metrics[split], RUNS[name][2])
    with open(result_file, 'w') as f:
        json.dump(result, f)
    print(f'done: {name} seed {seed}: ' + ', '.join(
        f'{k} {100 * v:.1f}' for k, v in result['test'].items()
        if k.endswith('top1')), flush=True)
    return result


def report(results, args, command):
    metrics = ('top1', 'top5', 'mean1')
    header = ['model', 'seeds'] + [f'{level} {m} (test)' for level in LEVELS
                                   for m in metrics] + [
        'element top-1 (holdout)', 'train time (min)']
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    for name, (_, label, levels) in RUNS.items():
        runs = [r for r in results if r['name'] == name]
        if not runs:
            continue
        row = [label, str(len(runs))]
        for level in LEVELS:
            for m in metrics:
                key = f'{level}/{m}'
                row.append(mean_std([r['test'][key] for r in runs])
                           if level in levels else '-')
        row.append(mean_std([r['holdout']['element/top1'] for r in runs])
                   if 'element' in levels else '-')
        row.append(f"{np.mean([r['train_seconds'] for r in runs]) / 60:.1f}")
        lines.append('| ' + ' | '.join(row) + ' |')
    write_report(args.out_dir, 'hierarchy', [
        '# Hierarchical recognition on the generated data', '',
        f'Command: `{command}`', '', *lines], command, results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_study_args(parser, STAGE2, osp.join('data', 'synthetic_hierarchy'),
                   osp.join('work_dirs', 'hierarchy'),
                   rows_help='stage-2 rows to train (stage 1 always runs)')
    args = parser.parse_args()
    if not osp.isfile(osp.join(args.data_dir,
                               'hierarchy_holdout_list_videos.txt')):
        subprocess.run([sys.executable, osp.join(
            ROOT, 'tools/data/synthetic/generate_hierarchy.py'),
            args.data_dir], check=True)
    stage1 = [(n, s) for s in args.seeds for n in RUNS if n not in STAGE2]
    stage2 = [(n, s) for s in args.seeds for n in STAGE2 if n in args.rows]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda p: run(*p, args), stage1))
        results += list(pool.map(lambda p: run(*p, args), stage2))
    report(results, args, rerun_command('hierarchy_study.py', args, parser))


if __name__ == '__main__':
    main()
