"""Does the focus Q look where and when the class happens? On the generated
skeletons the answer is known: every sequence has its class movement (one
joint group, in one half) and a smaller distractor movement elsewhere
(:mod:`mmdsts.datasets.synthetic_skeleton`).

    python tools/analysis/focus_alignment.py CONFIG=CHECKPOINT[=LABEL] ...
        [--split test] [--stages 1 2] [--data-seed 0]

For each test sequence, Q (Grad-CAM at the input of each listed stage, for
the ground-truth class, normalised, resampled to the clip's frames) is
split into the share of its mass inside the class movement's box (its
joints x its frames), inside the distractor's box, and the share those
boxes have of the whole joints x frames grid (what a uniform Q would get).
Prints one JSON line per model and a markdown table.
"""
import argparse
import json

import numpy as np
import torch

import mmdsts  # noqa: F401  (repairs mmaction before its registry)
from mmaction.registry import DATASETS, MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from mmdsts.datasets.synthetic_skeleton import (GROUP_MOTIONS, NUM_JOINTS,
                                                render_skeleton)
from mmdsts.models.losses import (gradcam_focus, normalize_focus,
                                  resample_time)
from plot_focus import stage_inputs


def movement_box(move, total_frames, clip_len):
    """A (clip_len, V) 0/1 mask of a movement's joints and frames, on the
    clip's frame grid (uniform sampling spreads the clip over the
    sequence)."""
    box = np.zeros((clip_len, NUM_JOINTS))
    lo = int(np.floor(move.start / total_frames * clip_len))
    hi = int(np.ceil(move.end / total_frames * clip_len))
    box[lo:hi, list(GROUP_MOTIONS[move.group].joints)] = 1
    return box


def alignment(config, checkpoint, split, stages, data_seed):
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    stages = stages or list(model.backbone.stf_stages) or [1, 2]
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.split = split
    dataset = DATASETS.build(dataset_cfg)
    per_class = {}
    for index in range(len(dataset)):
        label = dataset.get_data_info(index)['label']
        per_class[label] = per_class.get(label, 0) + 1
    kept, handles = stage_inputs(model, stages)
    shares = {i: dict(cls=[], distractor=[]) for i in stages}
    chance = dict(cls=[], distractor=[])
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        _, label, i = info['frame_dir'].rsplit('_', 2)
        label, i = int(label), int(i)
        _, moves = render_skeleton(label, data_seed, split,
                                   label * per_class[label] + i)
        data = model.data_preprocessor(
            {k: [v] for k, v in dataset[index].items()}, False)
        x = data['inputs'].reshape((-1, ) + data['inputs'].shape[2:])
        logits = model.cls_head(model.backbone(x))
        foci = gradcam_focus(logits, torch.tensor([label]),
                             [kept[s] for s in stages], create_graph=False)
        clip_len = x.shape[2]
        boxes = [movement_box(m, info['total_frames'], clip_len)
                 for m in moves]
        for key, box in zip(('cls', 'distractor'), boxes):
            chance[key].append(box.mean())
        for s, q in zip(stages, foci):
            q = resample_time(normalize_focus(q), clip_len)[0].detach()
            q = q.numpy()
            total = q.sum() + 1e-12
            for key, box in zip(('cls', 'distractor'), boxes):
                shares[s][key].append((q * box).sum() / total)
    for handle in handles:
        handle.remove()
    return {f'stage{s}': {k: float(np.mean(v)) for k, v in d.items()}
            for s, d in shares.items()} | {
        'uniform': {k: float(np.mean(v)) for k, v in chance.items()},
        'sequences': len(dataset)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('models', nargs='+',
                        help='CONFIG=CHECKPOINT[=LABEL]')
    parser.add_argument('--split', default='test')
    parser.add_argument('--stages', type=int, nargs='+')
    parser.add_argument('--data-seed', type=int, default=0,
                        help='the --seed the data was generated with')
    args = parser.parse_args()
    register_all_modules()
    rows = []
    for spec in args.models:
        config, checkpoint, *label = spec.split('=')
        result = alignment(config, checkpoint, args.split, args.stages,
                           args.data_seed)
        result['model'] = label[0] if label else config
        print(json.dumps(result), flush=True)
        rows.append(result)
    print('| model | stage | Q mass on the class movement | on the distractor |')
    print('|---|---|---|---|')
    for r in rows:
        for key in sorted(k for k in r if k.startswith('stage')):
            print(f"| {r['model']} | {key[5:]} | {100 * r[key]['cls']:.1f}% |"
                  f" {100 * r[key]['distractor']:.1f}% |")
        print(f"| uniform Q (reference) | - | {100 * r['uniform']['cls']:.1f}%"
              f" | {100 * r['uniform']['distractor']:.1f}% |")


if __name__ == '__main__':
    main()
