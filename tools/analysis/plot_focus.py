"""Heat-maps of the spatio-temporal focus Q (joints x time) of a trained
MS-G3D / STF model, averaged over the test sequences of a few classes.

    python tools/analysis/plot_focus.py CONFIG CHECKPOINT
        [--classes 0 1 2] [--split test] [--stages 1 2] [--target label]
        [--per-class 20] [--out docs/results/stf_focus.png]

Q is the poster's Grad-CAM focus (:func:`mmdsts.models.losses.
gradcam_focus`) at the input of each listed backbone stage (the STF stages
of an STF model; any stage of a plain MS-G3D, for comparison), for the
ground-truth class (``--target label``) or the predicted one (``pred``, as
in training), normalised per sequence, resampled to the clip's frames and
averaged over the class's sequences. The first column shows where and when
the input itself moves (per-joint speed), for reference.
"""
import argparse
import os
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import mmdsts  # noqa: E402,F401  (repairs mmaction before its registry)
from mmaction.registry import DATASETS, MODELS  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

from mmdsts.datasets.synthetic_skeleton import CLASS_NAMES  # noqa: E402
from mmdsts.models.losses import (gradcam_focus, normalize_focus,  # noqa
                                  resample_time)


def stage_inputs(model, stages):
    """Forward hooks keeping the input of each listed backbone stage."""
    kept = {}

    def keep(index):
        def hook(module, args):
            kept[index] = args[0]
        return hook

    handles = [model.backbone.stages[i].register_forward_pre_hook(keep(i))
               for i in stages]
    return kept, handles


def class_focus(model, dataset, label, stages, target, per_class):
    """Mean normalised Q per stage (T, V) and mean joint speed (T, V)."""
    kept, handles = stage_inputs(model, stages)
    sums, speed, count = {i: 0 for i in stages}, 0, 0
    for index in range(len(dataset)):
        if dataset.get_data_info(index)['label'] != label:
            continue
        data = model.data_preprocessor(
            {k: [v] for k, v in dataset[index].items()}, False)
        inputs = data['inputs']  # 1, clips, M, T, V, C
        x = inputs.reshape((-1, ) + inputs.shape[2:])
        logits = model.cls_head(model.backbone(x))
        classes = torch.tensor([label]) if target == 'label' \
            else logits.argmax(1)
        foci = gradcam_focus(logits, classes, [kept[i] for i in stages],
                             create_graph=False)
        t = x.shape[2]
        for i, q in zip(stages, foci):
            sums[i] = sums[i] + resample_time(normalize_focus(q), t).mean(0)
        motion = x[0].diff(dim=1).norm(dim=-1).mean(0)  # T-1, V
        speed = speed + torch.cat([motion[:1], motion])
        count += 1
        if count == per_class:
            break
    for handle in handles:
        handle.remove()
    if count == 0:
        raise ValueError(f'no sequence of class {label} in the split')
    return {i: (s / count).detach().numpy() for i, s in sums.items()}, \
        (speed / count).detach().numpy(), count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--classes', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--split', default='test')
    parser.add_argument('--stages', type=int, nargs='+')
    parser.add_argument('--target', choices=('label', 'pred'),
                        default='label')
    parser.add_argument('--per-class', type=int, default=20)
    parser.add_argument('--out', default='docs/results/stf_focus.png')
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    stages = args.stages or list(model.backbone.stf_stages) or [1, 2]
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.split = args.split
    dataset = DATASETS.build(dataset_cfg)
    names = CLASS_NAMES if 'synthetic_skeleton' in dataset_cfg.ann_file \
        else []
    fig, axes = plt.subplots(len(args.classes), len(stages) + 1,
                             figsize=(3.2 * (len(stages) + 1),
                                      2.4 * len(args.classes)),
                             squeeze=False)
    for row, label in enumerate(args.classes):
        foci, speed, count = class_focus(model, dataset, label, stages,
                                         args.target, args.per_class)
        name = names[label] if label < len(names) else str(label)
        panels = [('input joint speed', speed)] + [
            (f'Q at stage {i} input', foci[i]) for i in stages]
        for col, (title, image) in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(image.T, aspect='auto', cmap='magma',
                      interpolation='nearest')
            ax.set_title(f'{name} (n={count}): {title}', fontsize=7)
            ax.set_xlabel('frame', fontsize=7)
            ax.set_ylabel('joint', fontsize=7)
            ax.tick_params(labelsize=6)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
