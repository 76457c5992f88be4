"""Cost of Upstream-Downstream Learning: time per training iteration with and
without UDL, same model, same batch size, measured side by side in one run.

* without UDL: MMAction2's plain ``train_step`` (one forward/backward, one
  optimizer);
* with UDL: the three steps of section 3.3 with a fresh ``D_val`` batch every
  iteration (the backbone runs on it without gradients): ``udl_step_ratio``;
* with UDL and the cheaper ``udl.d_val='previous_batch'`` (no extra backbone
  pass, see the recognizer's docstring for the trade-off):
  ``udl_step_ratio_previous_batch``.

The model is a ``DSTSRecognizer3D`` with the default DSTS module (N=10, L=3,
``mid_channels='auto'``: 160 on Swin-B's 1024 channels, 128 on ResNet3d-18's
512; the summary prints what was built) on a ResNet3d backbone: on CPU a
small one (``--preset cpu``, the default without CUDA), on a GPU Video
Swin-B at its real input with AMP (``--preset swin_b``).

The ratio depends on how large the backbone is next to the DSTS module: the
UDL step adds a backbone forward on ``D_val`` (about a third of a plain step
when the backbone dominates) and steps 1-2 on the DSTS module and head (a
forward, a ``create_graph`` backward, a forward with ``d_hat`` and a second
order backward). The small CPU preset's module is large next to its
backbone, so its ratio is above Swin-B's. The line before the summary
(``what='udl_extra_time'``) says where the extra time went, read inside the
timed UDL steps: ``d_val_backbone_ms`` (the backbone call without
gradients), ``steps_1_2_ms`` (the recognizer's ``_meta_update``) and
``rest_ms``, each also as a share of the plain step.

Timing (``benchmarks/_timing.py``): the three variants are called in turn,
round by round, after two warm-up calls each; a time is the median over
rounds, a ratio the median over rounds of the ratio within a round (the
calls of one round are neighbours in time, so a slow spell of a shared
machine slows both and cancels), with the quartiles of those per-round
ratios beside it. torch's CPU threads are set explicitly (``--threads``,
default: torch's, i.e. one per core) and the device string says how many;
``machine`` gives the cores and the load average after the run (above the
cores, other processes competed and the figures are unreliable). One JSON
object per line; the LAST line holds ``udl_step_ratio`` and the device.

Usage::

    python benchmarks/udl.py [--preset cpu|swin_b_cpu|swin_b] [--repeats 10]
                             [--threads N]
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
                     median_ms, paired_ratio, ratio_quartiles, run_context,
                     set_threads)
import mmdsts  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402

from mmdsts.engine import UDLOptimWrapperConstructor  # noqa: E402

PRESETS = {
    # ResNet3d-18 on 8 x 112 x 112 clips: a small backbone for 2 CPU cores.
    'cpu': dict(
        backbone=dict(type='ResNet3d', depth=18, pretrained=None,
                      pretrained2d=False),
        channels=512, clip=(1, 3, 8, 112, 112), batch_size=4, amp=False),
    # Video Swin-B at the paper's input (32 frames, 224 x 224) on CPU:
    # batch 1, float32 (minutes; no GPU needed).
    'swin_b_cpu': dict(
        backbone=dict(type='SwinTransformer3D', arch='base', pretrained=None,
                      pretrained2d=False, patch_size=(2, 4, 4),
                      window_size=(16, 7, 7), drop_path_rate=0.4),
        channels=1024, clip=(1, 3, 32, 224, 224), batch_size=1, amp=False),
    # Video Swin-B at the paper's input (32 frames, 224 x 224), AMP.
    'swin_b': dict(
        backbone=dict(type='SwinTransformer3D', arch='base', pretrained=None,
                      pretrained2d=False, patch_size=(2, 4, 4),
                      window_size=(16, 7, 7), drop_path_rate=0.4),
        channels=1024, clip=(1, 3, 32, 224, 224), batch_size=2, amp=True),
}
NUM_CLASSES = 174


def build(preset, udl):
    cfg = dict(
        type='DSTSRecognizer3D', udl=udl,
        backbone=preset['backbone'],
        dsts=dict(in_channels=preset['channels']),
        cls_head=dict(type='I3DHead', in_channels=preset['channels'],
                      num_classes=NUM_CLASSES, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW'))
    torch.manual_seed(0)
    return MODELS.build(cfg)


def batch(preset, seed, first_idx):
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(preset['batch_size']):
        s = ActionDataSample().set_gt_label(int(i % NUM_CLASSES))
        s.set_metainfo(dict(sample_idx=first_idx + i))
        samples.append(s)
    return dict(inputs=[torch.randn(preset['clip'], generator=gen)
                        .mul_(50).add_(120) for _ in samples],
                data_samples=samples)


def dsts_settings(dsts):
    """N, L and M of the DSTS module as built (the defaults may change)."""
    return dict(in_channels=dsts.in_channels,
                num_neurons=len(dsts.layers[0].neurons),
                num_layers=len(dsts.layers), mid_channels=dsts.mid_channels)


def _probed(fn, out, device, only_without_grad=False):
    """``fn``, appending the seconds of each call to ``out`` (with gradients
    off only, if so asked)."""
    def run(*args, **kwargs):
        if only_without_grad and torch.is_grad_enabled():
            return fn(*args, **kwargs)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        out.append(time.perf_counter() - start)
        return result
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', default=None, choices=list(PRESETS))
    parser.add_argument('--repeats', type=int, default=10,
                        help='timed rounds (at least 5)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed rounds first (at least 2)')
    parser.add_argument('--threads', type=int, default=None,
                        help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    threads = set_threads(args.threads)
    cuda = torch.cuda.is_available()
    name = args.preset or ('swin_b' if cuda else 'cpu')
    preset = PRESETS[name]
    device = torch.device('cuda' if cuda else 'cpu')
    register_all_modules()
    start = time.perf_counter()

    optimizer = dict(type='AdamW', lr=3e-4, weight_decay=0.05)
    wrapper_type = 'AmpOptimWrapper' if preset['amp'] else 'OptimWrapper'
    plain = build(preset, udl=False).to(device).train()
    udl = build(preset, udl=True).to(device).train()
    udl.load_state_dict(plain.state_dict())
    udl_prev = build(preset, udl=dict(d_val='previous_batch')).to(
        device).train()
    udl_prev.load_state_dict(plain.state_dict())
    from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS
    plain_wrapper = OPTIM_WRAPPERS.build(dict(
        type=wrapper_type,
        optimizer=OPTIMIZERS.build(dict(optimizer,
                                        params=plain.parameters()))))
    udl_wrappers = UDLOptimWrapperConstructor(
        dict(type=wrapper_type, optimizer=optimizer))(udl)
    prev_wrappers = UDLOptimWrapperConstructor(
        dict(type=wrapper_type, optimizer=optimizer))(udl_prev)
    assert isinstance(plain_wrapper, OptimWrapper)

    counter = [0]

    def step_plain():
        counter[0] += 1
        plain.train_step(batch(preset, counter[0], 0), plain_wrapper)

    def step_udl():
        counter[0] += 1
        data = batch(preset, counter[0], 0)
        data['udl_val'] = batch(preset, 10_000 + counter[0], 1_000)  # fresh
        udl.train_step(data, udl_wrappers)

    prev_calls = [0]

    def step_udl_prev():
        counter[0] += 1
        prev_calls[0] += 1
        # disjoint consecutive batches, as a sampler without replacement
        log = udl_prev.train_step(
            batch(preset, counter[0], 100 * counter[0]), prev_wrappers)
        assert prev_calls[0] == 1 or log['udl_skipped'] == 0

    # Where the extra time of the fresh-D_val step goes, read inside the
    # timed steps: the backbone's pass on D_val (the only backbone call
    # without gradients) and steps 1-2 (the recognizer's ``_meta_update``).
    probe = dict(d_val_backbone=[], steps_1_2=[])
    udl.backbone.forward = _probed(udl.backbone.forward,
                                   probe['d_val_backbone'], device,
                                   only_without_grad=True)
    if hasattr(udl, '_meta_update'):
        udl._meta_update = _probed(udl._meta_update, probe['steps_1_2'],
                                   device)

    t_plain, t_udl, t_prev = interleaved(
        [step_plain, step_udl, step_udl_prev], args.repeats,
        warmup=args.warmup, device=device)
    common = dict(preset=name, batch_size=preset['batch_size'],
                  clip=preset['clip'], amp=preset['amp'])
    print(json.dumps(dict(what='train_iteration', plain_ms=median_ms(t_plain),
                          udl_ms=median_ms(t_udl),
                          udl_previous_batch_ms=median_ms(t_prev), **common)),
          flush=True)
    timed = {k: v[-args.repeats:] for k, v in probe.items()
             if len(v) >= args.repeats}  # one call per UDL step
    extra = [u - p for u, p in zip(t_udl, t_plain)]
    print(json.dumps(dict(
        what='udl_extra_time', extra_ms=median_ms(extra),
        **{f'{k}_ms': median_ms(v) for k, v in timed.items()},
        **{f'{k}_share_of_plain': paired_ratio(v, t_plain, 3)
           for k, v in timed.items()},
        rest_ms=median_ms([e - sum(v[r] for v in timed.values())
                           for r, e in enumerate(extra)]), **common)),
        flush=True)
    print(json.dumps(dict(
        udl_step_ratio=paired_ratio(t_udl, t_plain, 3),
        udl_step_ratio_quartiles=ratio_quartiles(t_udl, t_plain),
        d_val='fresh batch every iteration',
        udl_step_ratio_previous_batch=paired_ratio(t_prev, t_plain, 3),
        backbone=preset['backbone']['type'],
        dsts=dsts_settings(udl.dsts),
        warmup=args.warmup, **common,
        **run_context(device_string(device), threads, args.repeats,
                      start))), flush=True)


if __name__ == '__main__':
    main()
