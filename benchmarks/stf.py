"""Cost of STF: one training step and inference, STF-MS-G3D against the
plain MS-G3D, measured side by side in one run.

* ``train_step``: forward, backward and SGD step of ``RecognizerGCN`` with
  the plain MS-G3D against ``STFRecognizer`` with every STF loss on (the
  paper's M5) on the same batch. The poster's schedule alternates two kinds
  of step (L_e; the other three), so both are timed; ``train_step_ratio``
  is the median over rounds of ``(t_focus + t_exploration) / (2 t_plain)``,
  the cost of the poster's STF training per step on average. The double
  backward through the focus Q is the price. Goal: <= 2.5. Measured in the
  same rounds: ``first_order_train_step_ratio`` (``focus_gradient=
  'first_order'``, no double backward) and ``interval2_train_step_ratio``
  (``focus_interval=2``, the default: focus, plain, exploration, plain).
* ``inference``: FLOPs (``mmengine.analysis.FlopAnalyzer``) and time of one
  evaluation forward, with and without the STF modules
  (``stf_inference_flops_overhead``; goal <= 10%).

Timings are interleaved round by round (``benchmarks/_timing.py``); the
device string says where they ran. One JSON object per line, the LAST line
the summary.

Usage::

    python benchmarks/stf.py [--preset synthetic|ntu|smoke] [--repeats 5]
                             [--device cpu] [--threads N]

Presets: ``ntu`` is the paper's NTU-60 model (MS-G3D widths 96-384, 13 GCN /
6 G3D scales, windows 3 and 5, two persons) on 64-frame clips, batch 4 (300
frames as in training does not fit a CPU benchmark; on a GPU pass
``--frames 300 --batch-size 16``); ``synthetic`` is the CPU config of
``configs/stf/synthetic`` (batch 16, 32 frames); ``smoke`` is a tiny model
for tests, whose timings mean nothing.
"""
import argparse
import json
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _timing import (device_string, interleaved,  # noqa: E402
                     median_ms, paired_ratio, run_context, set_threads)
import mmdsts  # noqa: E402,F401  (repairs mmaction before its registry)
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmengine.analysis import FlopAnalyzer  # noqa: E402
from mmengine.logging import MessageHub  # noqa: E402

PRESETS = dict(
    ntu=dict(backbone=dict(base_channels=96, num_gcn_scales=13,
                           num_g3d_scales=6, window_sizes=(3, 5),
                           num_person=2),
             num_classes=60, frames=64, batch_size=4),
    synthetic=dict(backbone=dict(base_channels=16, num_gcn_scales=4,
                                 num_g3d_scales=2, window_sizes=(3, ),
                                 num_person=1),
                   num_classes=10, frames=32, batch_size=16),
    smoke=dict(backbone=dict(base_channels=8, num_gcn_scales=2,
                             num_g3d_scales=2, window_sizes=(3, ),
                             num_person=1),
               num_classes=5, frames=8, batch_size=2),
)


def build(preset, stf: bool, device, **stf_loss):
    backbone = dict(type='MSG3D', graph_cfg=dict(layout='nturgb+d'),
                    stf_stages=(1, 2) if stf else (), **preset['backbone'])
    head = dict(type='GCNHead', num_classes=preset['num_classes'],
                in_channels=4 * preset['backbone']['base_channels'])
    cfg = dict(type='STFRecognizer' if stf else 'RecognizerGCN',
               backbone=backbone, cls_head=head)
    if stf:
        cfg['stf_loss'] = stf_loss
    torch.manual_seed(0)
    model = MODELS.build(cfg).to(device)
    if stf:  # as after some training: G_k is live
        with torch.no_grad():
            for stage in model.backbone.stages:
                if stage.stf is not None:
                    stage.stf.intensity.normal_(0, 0.01)
    return model


def count_flops(module, inputs) -> int:
    analyzer = FlopAnalyzer(module, inputs)
    # quiet: the head's unused loss module would be reported on stdout
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total()


def train_step(model, inputs, samples, optimizer, iteration=None):
    def step():
        if iteration is not None:
            MessageHub.get_current_instance().update_info('iter', iteration)
        losses = model.loss(inputs, samples)
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optimizer.step()
        optimizer.zero_grad()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', default='synthetic', choices=PRESETS)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--frames', type=int)
    parser.add_argument('--batch-size', type=int)
    args = parser.parse_args()
    register_all_modules()
    threads = set_threads(args.threads)
    device = torch.device(args.device)
    preset = dict(PRESETS[args.preset])
    preset['frames'] = args.frames or preset['frames']
    preset['batch_size'] = args.batch_size or preset['batch_size']
    start = time.perf_counter()
    n, m, t = preset['batch_size'], preset['backbone']['num_person'], \
        preset['frames']
    inputs = torch.randn(n, 1, m, t, 25, 3, device=device)
    samples = [ActionDataSample().set_gt_label(i % preset['num_classes'])
               for i in range(n)]
    # the poster's every-iteration schedule, whose two kinds of step are
    # timed; the default focus_interval=2 interleaves them with plain steps
    plain = build(preset, False, device)
    stf = build(preset, True, device, focus_interval=1)
    first = build(preset, True, device, focus_interval=1,
                  focus_gradient='first_order')
    every2 = build(preset, True, device, focus_interval=2)
    sgd = [torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
           for model in (plain, stf, first, every2)]
    t_plain, t_focus, t_explore, t_focus_1, t_explore_1, t_between = \
        interleaved(
            [train_step(plain, inputs, samples, sgd[0]),
             train_step(stf, inputs, samples, sgd[1], iteration=0),
             train_step(stf, inputs, samples, sgd[1], iteration=1),
             train_step(first, inputs, samples, sgd[2], iteration=0),
             train_step(first, inputs, samples, sgd[2], iteration=1),
             # a plain step of focus_interval=2: no Q, STF modules on
             train_step(every2, inputs, samples, sgd[3], iteration=1)],
            rounds=args.repeats, device=device)
    train = dict(what='train_step', plain_ms=median_ms(t_plain),
                 stf_between_step_ms=median_ms(t_between))
    for name, focus, explore in (('', t_focus, t_explore),
                                 ('first_order_', t_focus_1, t_explore_1)):
        average = [(a + b) / 2 for a, b in zip(focus, explore)]
        train.update({
            f'{name}stf_focus_step_ms': median_ms(focus),
            f'{name}stf_exploration_step_ms': median_ms(explore),
            f'{name}focus_step_ratio': paired_ratio(focus, t_plain),
            f'{name}exploration_step_ratio': paired_ratio(explore, t_plain),
            f'{name}train_step_ratio': paired_ratio(average, t_plain)})
    # focus_interval=2 cycles focus, plain, exploration, plain
    cycle = [(a + b + 2 * c) / 4
             for a, b, c in zip(t_focus, t_explore, t_between)]
    train['interval2_train_step_ratio'] = paired_ratio(cycle, t_plain)
    print(json.dumps(train), flush=True)

    for model in (plain, stf):
        model.eval()
    feats = inputs.reshape((n, ) + inputs.shape[2:])
    flops = [count_flops(model.backbone, feats)
             + count_flops(model.cls_head, model.backbone(feats))
             for model in (plain, stf)]
    with torch.no_grad():
        t_eval_plain, t_eval_stf = interleaved(
            [lambda: plain(inputs, samples, mode='predict'),
             lambda: stf(inputs, samples, mode='predict')],
            rounds=args.repeats, device=device)
    inference = dict(what='inference', plain_gflops=round(flops[0] / 1e9, 3),
                     stf_gflops=round(flops[1] / 1e9, 3),
                     flops_overhead=round(flops[1] / flops[0] - 1, 4),
                     time_ratio=paired_ratio(t_eval_stf, t_eval_plain))
    print(json.dumps(inference), flush=True)
    print(json.dumps(dict(
        train_step_ratio=train['train_step_ratio'],
        first_order_train_step_ratio=train['first_order_train_step_ratio'],
        interval2_train_step_ratio=train['interval2_train_step_ratio'],
        stf_inference_flops_overhead=inference['flops_overhead'],
        stf_inference_time_ratio=inference['time_ratio'],
        preset=args.preset, batch_size=n, frames=t, num_person=m,
        params_plain=sum(p.numel() for p in plain.parameters()),
        params_stf=sum(p.numel() for p in stf.parameters()),
        **run_context(device_string(device), threads, args.repeats,
                      start))), flush=True)


if __name__ == '__main__':
    main()
