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
160 channels) on a ResNet3d backbone; on CPU a small one (``--preset cpu``),
on a GPU Video Swin-B at its real input with AMP (``--preset swin_b``).
A/B iterations are interleaved and the median is kept. One JSON object per
line; the LAST line holds ``udl_step_ratio`` and the device.

Usage::

    python benchmarks/udl.py [--preset cpu|swin_b_cpu|swin_b] [--repeats 5]
"""
import argparse
import json
import os.path as osp
import platform
import statistics
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', default=None, choices=list(PRESETS))
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
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

    def timed(fn):
        if cuda:
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - t

    step_plain(), step_udl(), step_udl_prev()  # warm-up (and first cache)
    plain_s, udl_s, prev_s = [], [], []
    for _ in range(args.repeats):
        plain_s.append(timed(step_plain))
        udl_s.append(timed(step_udl))
        prev_s.append(timed(step_udl_prev))
    t_plain, t_udl = statistics.median(plain_s), statistics.median(udl_s)
    t_prev = statistics.median(prev_s)
    common = dict(preset=name, batch_size=preset['batch_size'],
                  clip=preset['clip'], amp=preset['amp'])
    print(json.dumps(dict(what='train_iteration', plain_ms=1e3 * t_plain,
                          udl_ms=1e3 * t_udl,
                          udl_previous_batch_ms=1e3 * t_prev, **common)),
          flush=True)
    device_name = f'cuda: {torch.cuda.get_device_name()}' if cuda else (
        f'cpu: {platform.processor() or platform.machine()}, '
        f'{torch.get_num_threads()} threads')
    print(json.dumps(dict(
        udl_step_ratio=round(t_udl / t_plain, 3),
        d_val='fresh batch every iteration',
        udl_step_ratio_previous_batch=round(t_prev / t_plain, 3),
        backbone=preset['backbone']['type'],
        dsts=dict(num_neurons=10, num_layers=3, mid_channels=160),
        device=device_name, torch=torch.__version__,
        wall_s=round(time.perf_counter() - start, 1), **common)), flush=True)


if __name__ == '__main__':
    main()
