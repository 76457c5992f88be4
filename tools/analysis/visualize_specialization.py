"""Draw how a trained DSTS module specializes (the paper's Fig. 4 and 5).

    python tools/analysis/visualize_specialization.py CONFIG CHECKPOINT
        [--out-dir DIR] [--class-names FILE] [--cfg-options KEY=VALUE ...]

Runs the model over the config's test split and writes to --out-dir
(default: <checkpoint folder>/specialization):

* ``specialization.png``: per DSTS layer and neuron, how often the synapse
  selected it (usage frequency) and the fraction of its channels that its
  gates send to the temporal 3x1x1 operator (the rest use the spatial 1x3x3
  one);
* ``class_neuron.png``: per layer, a class x neuron heatmap: for each class,
  the share of its clips routed to each neuron;
* ``specialization.json``: the numbers behind both;

and prints a short summary, including per layer the normalised mutual
information between class and selected neuron (0: routing ignores the class,
1: the neuron determines the class).
"""
import argparse
import json
import os
import os.path as osp
import tempfile

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

import mmdsts  # noqa: F401
from mmdsts.models.necks import DSTSNeck
from mmdsts.utils.checkpoint import check_checkpoint_matches


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', help='default: <checkpoint folder>/'
                        'specialization')
    parser.add_argument('--work-dir', help='where the runner writes its log '
                        '(default: a temporary folder)')
    parser.add_argument('--class-names', help='text file, one class per '
                        'line (first tab-separated field), e.g. the '
                        "synthetic dataset's classes.txt")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def find_dsts(model) -> DSTSNeck:
    found = [m for m in model.modules() if isinstance(m, DSTSNeck)]
    if not found:
        raise ValueError('the model of this config has no DSTS module '
                         '(model.dsts or a DSTSNeck neck)')
    return found[0]


@torch.no_grad()
def collect_routing(runner):
    """Per layer, the selected neuron of every test clip, and the labels."""
    model = runner.model.eval()
    dsts = find_dsts(model)
    if not dsts.layers[0].use_synapse:
        raise ValueError('this DSTS module has no synapse ("w/o Synapse" '
                         'ablation): nothing is routed, nothing to draw')
    selected = [[] for _ in dsts.layers]
    labels = []
    loader = runner.test_dataloader
    progress = ProgressBar(len(loader.dataset))
    for data in loader:
        outputs = model.test_step(data)
        batch_labels = [int(o.gt_label) for o in outputs]
        for layer, stats in zip(selected, dsts.routing_statistics()):
            chosen = stats['selected'].numpy()
            # several clips per video: the module saw each clip
            clips = len(chosen) // len(batch_labels)
            layer.append(chosen.reshape(len(batch_labels), clips))
        labels.extend(batch_labels)
        for _ in batch_labels:
            progress.update()
    print()
    return ([np.concatenate(layer) for layer in selected], np.array(labels),
            dsts.temporal_fractions().numpy())


def class_neuron_counts(selected, labels, num_classes, num_neurons):
    """``(num_classes, num_neurons)`` clip counts (every clip of a video
    counts)."""
    counts = np.zeros((num_classes, num_neurons))
    clip_labels = np.repeat(labels, selected.shape[1])
    np.add.at(counts, (clip_labels, selected.reshape(-1)), 1)
    return counts


def normalized_mutual_information(counts):
    """I(class; neuron) / H(class) from a joint count table."""
    joint = counts / counts.sum()
    p_class = joint.sum(1, keepdims=True)
    p_neuron = joint.sum(0, keepdims=True)
    nz = joint > 0
    mi = (joint[nz] * np.log(joint[nz] / (p_class @ p_neuron)[nz])).sum()
    h_class = -(p_class[p_class > 0] * np.log(p_class[p_class > 0])).sum()
    return float(mi / h_class) if h_class > 0 else 0.0


def draw(usage, temporal, counts, class_names, out_dir):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    num_layers, num_neurons = usage.shape
    neurons = np.arange(num_neurons)

    fig, axes = plt.subplots(num_layers, 2, squeeze=False,
                             figsize=(8, 2.2 * num_layers))
    for j in range(num_layers):
        axes[j, 0].bar(neurons, usage[j], color='tab:blue')
        axes[j, 0].set_ylabel(f'layer {j + 1}\nusage')
        axes[j, 0].set_ylim(0, max(usage.max() * 1.1, 1e-3))
        axes[j, 1].bar(neurons, temporal[j], color='tab:orange')
        axes[j, 1].set_ylim(0, 1)
        axes[j, 1].set_ylabel('temporal\nchannels')
        for ax in axes[j]:
            ax.set_xticks(neurons)
    axes[-1, 0].set_xlabel('neuron')
    axes[-1, 1].set_xlabel('neuron')
    axes[0, 0].set_title('usage (share of clips)')
    axes[0, 1].set_title('share of channels on the temporal op.')
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'specialization.png'), dpi=80)
    plt.close(fig)

    fig, axes = plt.subplots(1, num_layers, squeeze=False,
                             figsize=(3.2 * num_layers + 1.5,
                                      0.3 * len(class_names) + 1.5))
    for j in range(num_layers):
        share = counts[j] / np.maximum(counts[j].sum(1, keepdims=True), 1)
        image = axes[0, j].imshow(share, vmin=0, vmax=1, cmap='viridis',
                                  aspect='auto')
        axes[0, j].set_title(f'layer {j + 1}')
        axes[0, j].set_xlabel('neuron')
        axes[0, j].set_xticks(neurons)
        axes[0, j].set_yticks(np.arange(len(class_names)))
        axes[0, j].set_yticklabels(class_names if j == 0 else [])
    fig.colorbar(image, ax=axes[0].tolist(), label='share of the class')
    fig.savefig(osp.join(out_dir, 'class_neuron.png'), dpi=80,
                bbox_inches='tight')
    plt.close(fig)


def summary(usage, temporal, counts, class_names):
    lines = []
    for j in range(usage.shape[0]):
        busiest = np.argsort(-usage[j])[:3]
        used = int((usage[j] > 0).sum())
        lines.append(
            f'layer {j + 1}: {used}/{usage.shape[1]} neurons used; busiest '
            + ', '.join(f'n{i} {100 * usage[j, i]:.0f}%' for i in busiest)
            + f'; temporal channels {np.nanmin(temporal[j]):.2f}-'
            f'{np.nanmax(temporal[j]):.2f}; class-neuron NMI '
            f'{normalized_mutual_information(counts[j]):.2f}')
    last = counts[-1]
    for c, name in enumerate(class_names):
        if last[c].sum():
            top = int(np.argmax(last[c]))
            lines.append(f'  {name}: layer {usage.shape[0]} -> n{top} '
                         f'({100 * last[c, top] / last[c].sum():.0f}%)')
    return '\n'.join(lines)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    out_dir = args.out_dir or osp.join(osp.dirname(args.checkpoint),
                                       'specialization')
    os.makedirs(out_dir, exist_ok=True)
    # The runner's own log and config dump stay out of the figures' folder
    # (which may be docs/results), unless --work-dir asks for them.
    with tempfile.TemporaryDirectory(prefix='dsts_spec_') as scratch:
        cfg.work_dir = args.work_dir or scratch
        cfg.load_from = args.checkpoint
        cfg.launcher = 'none'
        runner = Runner.from_cfg(cfg)
        check_checkpoint_matches(runner.model, args.checkpoint, args.config)
        runner.load_or_resume()
        selected, labels, temporal = collect_routing(runner)
    num_classes = int(runner.model.cls_head.num_classes)
    num_neurons = temporal.shape[1]
    counts = np.stack([class_neuron_counts(s, labels, num_classes,
                                           num_neurons) for s in selected])
    usage = counts.sum(1) / counts.sum(axis=(1, 2))[:, None]
    class_names = [str(c) for c in range(num_classes)]
    if args.class_names:
        with open(args.class_names) as f:
            class_names = [line.split('\t')[0].strip() for line in f
                           if line.strip()]
    draw(usage, temporal, counts, class_names, out_dir)
    with open(osp.join(out_dir, 'specialization.json'), 'w') as f:
        json.dump(dict(usage=usage.tolist(),
                       temporal_fraction=np.nan_to_num(temporal).tolist(),
                       class_neuron_counts=counts.tolist(),
                       class_names=class_names), f)
    print(summary(usage, temporal, counts, class_names))
    print(f'wrote specialization.png, class_neuron.png and '
          f'specialization.json to {out_dir}')


if __name__ == '__main__':
    main()
