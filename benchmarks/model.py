"""Cost of DSTS on full-size models: Video Swin-B and TSM-TPN (the stock
MMAction2 configs) with and without the DSTS module, and the cost of UDL.

Each model is built twice from its stock config, weights off
(``pretrained=None``): the baseline is the stock recognizer
(``Recognizer3D`` for Swin-B, ``Recognizer2D`` for TPN), the DSTS model is the
same config with ``type='DSTSRecognizer3D'`` / ``'DSTSRecognizer2D'`` and
``dsts=dict(in_channels=1024 | 2048)`` (defaults N=10, L=3, M=160); a third
copy with ``udl=True`` runs the UDL training step. Measured in one run:

* parameters: ``dsts_param_overhead = params(DSTS) / params(baseline) - 1``;
* FLOPs at inference, with MMEngine's ``FlopAnalyzer`` (fvcore convention:
  one multiply-add counts as one FLOP), one clip (batch 1), eval mode, the
  ``mode='tensor'`` forward through the head (``stage='head'``; the default
  tensor forward stops after the backbone and would miss the DSTS module).
  What is traced is the DSTS module's evaluation path (``eval_dispatch=
  'routed'``: one neuron per sample, each operator on the channels its gates
  send it), which is what runs at inference:
  ``dsts_flop_overhead = FLOPs(DSTS) / FLOPs(baseline) - 1``;
* inference latency: the same forward, eval, ``no_grad`` (AMP on the GPU
  preset), baseline and DSTS interleaved, the median over rounds of the
  round's ratio: ``dsts_latency_overhead = t(DSTS) / t(baseline) - 1``;
* training step (``train_step``: data preprocessor, forward, backward,
  optimizer), three models interleaved, median of the per-round ratios:
  the stock baseline, the DSTS model without UDL (``udl=False``, one
  optimizer over everything) and with UDL (the three steps of section 3.3, a
  fresh disjoint ``D_val`` batch every iteration,
  ``UDLOptimWrapperConstructor``):
  ``udl_step_ratio = t(DSTS + UDL) / t(DSTS without UDL)`` (the definition of
  ``benchmarks/udl.py``) and ``dsts_train_overhead = t(DSTS without UDL) /
  t(baseline) - 1``. The optimizer is the stock config's (type, learning
  rate, ``clip_grad``; AdamW for Swin-B, SGD for TPN) built by MMEngine's
  default constructor for all three models (the stock Swin-B per-parameter
  decay and learning-rate multipliers are left out: they cost nothing
  measurable and the UDL constructor has its own);
* peak memory (GPU only): ``torch.cuda.max_memory_allocated`` during one
  call of each phase (statistics reset before it) above what was allocated
  when it started, plus the model's own parameters, buffers and optimizer
  state, i.e. the peak the model would reach alone on the device. On CPU the
  fields are null: PyTorch's CPU allocator keeps no per-model statistics and
  the process's RSS mixes all models built in the run.

Presets (``--preset``; default ``gpu`` when CUDA is available, else ``cpu``):

* ``gpu``: the real input, Swin-B 32x224x224 clips, batch 2; TPN 8 segments
  of 224x224, batch 8; float16 AMP (``torch.autocast`` at inference,
  ``AmpOptimWrapper`` in training).
* ``cpu``: a reduced input, float32, batch 1: Swin-B 8x112x112, TPN 8
  segments of 112x112 (a few minutes on 2 cores). The summary's ``device``
  says so: ratios at a reduced input are not the paper's figures (the DSTS
  module's share grows or shrinks with the feature map, not in proportion to
  the backbone).
* ``smoke``: tiny input (Swin-B 4x64x64, TPN 8 segments of 64x64), the
  fewest rounds the timer takes (5), for the tests; its ratios mean
  nothing.

One JSON object per line, one per model with every number and the input; the
LAST line is the summary: ``dsts_param_overhead``, ``dsts_flop_overhead``,
``dsts_latency_overhead`` and ``udl_step_ratio`` of Swin-B (the target model;
of the first model selected when Swin-B is not), ``targets_met`` for Swin-B's
targets (FLOP and latency overhead <= 10% at inference, ``udl_step_ratio`` <=
1.5), the per-model dicts, the input and the device. A/B(/C) timings are
interleaved after two warm-up calls each (``benchmarks/_timing.py``); a ratio
is the median over rounds of the ratio within a round, a time the median
time: only ratios measured together mean much on shared machines. torch's
CPU threads are set explicitly (``--threads``, default: torch's) and the
device string says how many. Each model is measured on its own: the previous
model's copies are freed first.

Usage::

    python benchmarks/model.py [--preset gpu|cpu|smoke] [--models swin_b tpn]
                               [--repeats N] [--threads N]
"""
import argparse
import contextlib
import copy
import gc
import importlib.util
import json
import os.path as osp
import sys
import time
import warnings

import torch

# Measure the checkout this script belongs to, installed or not.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _timing import (device_string, interleaved,  # noqa: E402
                     median_ms, paired_ratio, run_context, set_threads)
import mmdsts  # noqa: E402,F401  repairs mmaction, registers the DSTS models
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmengine.analysis import FlopAnalyzer  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import OptimWrapperDict, build_optim_wrapper  # noqa: E402

from mmdsts.engine import UDLOptimWrapperConstructor  # noqa: E402

_CONFIGS = osp.join(osp.dirname(importlib.util.find_spec('mmaction').origin),
                    '.mim', 'configs', 'recognition')
MODEL_SPECS = {
    'swin_b': dict(
        config=osp.join(_CONFIGS, 'swin', 'swin-base-p244-w877_in1k-pre_'
                        '8xb8-amp-32x2x1-30e_kinetics400-rgb.py'),
        dsts_type='DSTSRecognizer3D', channels=1024,
        backbone=dict(pretrained=None, pretrained2d=False),
        paper_input='32x224x224'),
    'tpn': dict(
        config=osp.join(_CONFIGS, 'tpn', 'tpn-tsm_imagenet-pretrained-r50_'
                        '8xb8-1x1x8-150e_sthv1-rgb.py'),
        dsts_type='DSTSRecognizer2D', channels=2048,
        backbone=dict(pretrained=None),
        paper_input='8 segments x 224x224'),
}
# frames: clip length (Swin-B) or number of segments (TPN: TSM and TPN's
# temporal modulation are built for 8).
PRESETS = {
    'gpu': dict(amp=True, repeats=5, reduced=False,
                swin_b=dict(frames=32, size=224, batch_size=2),
                tpn=dict(frames=8, size=224, batch_size=8)),
    'cpu': dict(amp=False, repeats=10, reduced=True,
                swin_b=dict(frames=8, size=112, batch_size=1),
                tpn=dict(frames=8, size=112, batch_size=1)),
    'smoke': dict(amp=False, repeats=5, reduced=True,
                  swin_b=dict(frames=4, size=64, batch_size=1),
                  tpn=dict(frames=8, size=64, batch_size=1)),
}
TARGETS = dict(dsts_flop_overhead=0.10, dsts_latency_overhead=0.10,
               udl_step_ratio=1.5)


# ------------------------------------------------------------------ building
def build(name, dsts, udl=False):
    """The stock model (``dsts=False``) or its DSTS version, weights off."""
    spec = MODEL_SPECS[name]
    cfg = Config.fromfile(spec['config'])
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.update(spec['backbone'])  # no pretrained download
    if dsts:
        model_cfg.update(type=spec['dsts_type'], udl=udl,
                         dsts=dict(in_channels=spec['channels']))
    torch.manual_seed(0)
    return MODELS.build(model_cfg), cfg


def optim_wrapper(cfg, model, amp, udl):
    """The stock optimizer (type, lr, clip_grad) with the default
    constructor, or UDL's two-optimizer constructor."""
    stock = cfg.optim_wrapper
    wrapper = dict(type='AmpOptimWrapper' if amp else 'OptimWrapper',
                   optimizer=copy.deepcopy(stock.optimizer))
    if stock.get('clip_grad'):
        wrapper['clip_grad'] = copy.deepcopy(stock.clip_grad)
    if udl:
        return UDLOptimWrapperConstructor(wrapper)(model)
    return build_optim_wrapper(model, wrapper)


def clip_shape(name, shape):
    t, s = shape['frames'], shape['size']
    return (1, 3, t, s, s) if name == 'swin_b' else (t, 3, s, s)


def describe_input(name, shape):
    t, s = shape['frames'], shape['size']
    if name == 'swin_b':
        return f'{t}x{s}x{s} clips'
    return f'{t} segments x {s}x{s}'


def batch(name, shape, num_classes, seed, first_idx):
    """A training batch as the dataloader gives it (uint8-range floats,
    ``sample_idx`` for UDL's disjointness check)."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(shape['batch_size']):
        s = ActionDataSample().set_gt_label(i % num_classes)
        s.set_metainfo(dict(sample_idx=first_idx + i))
        samples.append(s)
    inputs = [torch.randint(0, 256, clip_shape(name, shape), generator=gen)
              .float() for _ in samples]
    return dict(inputs=inputs, data_samples=samples)


class HeadForward(torch.nn.Module):
    """``model(inputs, mode='tensor', stage='head')`` as a one-input module,
    for tracing."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs):
        return self.model(inputs, mode='tensor', stage='head')


# ------------------------------------------------------------------ measuring
# interleaved, median_ms, paired_ratio: see benchmarks/_timing.py (two
# warm-up calls each, then round by round; a ratio is the median over rounds
# of the ratio within a round).


def state_bytes(model, wrapper=None):
    """Bytes of the model's parameters, buffers and optimizer state."""
    tensors = list(model.parameters()) + list(model.buffers())
    if wrapper is not None:
        wrappers = wrapper.values() if isinstance(wrapper, OptimWrapperDict) \
            else [wrapper]
        for w in wrappers:
            for state in w.optimizer.state.values():
                tensors += [v for v in state.values()
                            if isinstance(v, torch.Tensor)]
    return sum(t.numel() * t.element_size() for t in tensors)


def peak_mb(fn, device, resident_bytes):
    """Peak allocated memory of one call of ``fn`` on a GPU, as if the model
    (``resident_bytes``) were alone on it; None on CPU."""
    if device.type != 'cuda':
        return None
    gc.collect()
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    start = torch.cuda.memory_allocated(device)
    fn()
    torch.cuda.synchronize(device)
    extra = torch.cuda.max_memory_allocated(device) - start
    return round((resident_bytes + extra) / 2**20, 1)


def count_flops(model, inputs):
    model.eval()
    forward = HeadForward(model)
    with torch.no_grad():
        forward(inputs)  # TPNHead builds its pooling module on first call
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # tracer warnings on routing
        analyzer = FlopAnalyzer(forward, (inputs, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        by_module = analyzer.by_module()
        total = analyzer.total()
    return total, by_module.get('model.dsts')


def ratio(a, b):
    return round(a / b, 4)


def bench_model(name, preset, device, repeats):
    shape = preset[name]
    amp = preset['amp'] and device.type == 'cuda'
    base, cfg = build(name, dsts=False)
    dsts, _ = build(name, dsts=True, udl=False)
    udl, _ = build(name, dsts=True, udl=True)
    # Same backbone and head weights in all three.
    missing, unexpected = dsts.load_state_dict(base.state_dict(),
                                               strict=False)
    assert not unexpected and all(k.startswith('dsts.') for k in missing)
    udl.load_state_dict(dsts.state_dict())
    num_classes = cfg.model.cls_head.num_classes
    row = dict(model=name, config=osp.basename(MODEL_SPECS[name]['config']),
               input=describe_input(name, shape),
               paper_input=MODEL_SPECS[name]['paper_input'],
               batch_size=shape['batch_size'], amp=amp,
               dsts=dict(in_channels=dsts.dsts.in_channels,
                         num_neurons=len(dsts.dsts.layers[0].neurons),
                         num_layers=len(dsts.dsts.layers),
                         mid_channels=dsts.dsts.mid_channels))

    # parameters
    p_base = sum(p.numel() for p in base.parameters())
    p_dsts = sum(p.numel() for p in dsts.parameters())
    row.update(params_baseline=p_base, params_dsts=p_dsts,
               params_added=p_dsts - p_base,
               dsts_param_overhead=ratio(p_dsts - p_base, p_base))

    # FLOPs, one clip, fp32, eval
    one = base.data_preprocessor(batch(name, dict(shape, batch_size=1),
                                       num_classes, 0, 0), False)['inputs']
    f_base, _ = count_flops(base.to(device), one.to(device))
    f_dsts, f_module = count_flops(dsts.to(device), one.to(device))
    row.update(gflops_baseline=round(f_base / 1e9, 3),
               gflops_dsts=round(f_dsts / 1e9, 3),
               gflops_dsts_module=None if f_module is None
               else round(f_module / 1e9, 3),
               flops_per='one clip (batch 1), multiply-adds',
               dsts_flop_overhead=ratio(f_dsts - f_base, f_base))

    # inference latency
    udl.to(device)
    inputs = base.data_preprocessor(batch(name, shape, num_classes, 1, 0),
                                    False)['inputs'].to(device)
    autocast = (lambda: torch.autocast('cuda', dtype=torch.float16)) if amp \
        else contextlib.nullcontext

    def infer(model):
        def run():
            with torch.no_grad(), autocast():
                model(inputs, mode='tensor', stage='head')
        return run

    base.eval(), dsts.eval()
    t_base, t_dsts = interleaved([infer(base), infer(dsts)], repeats,
                                 device=device)
    row.update(infer_ms_baseline=median_ms(t_base),
               infer_ms_dsts=median_ms(t_dsts),
               dsts_latency_overhead=round(paired_ratio(t_dsts, t_base) - 1,
                                           4))
    mem_infer = [peak_mb(infer(m), device, state_bytes(m))
                 for m in (base, dsts)]

    # training steps
    base.train(), dsts.train(), udl.train()
    w_base = optim_wrapper(cfg, base, amp, udl=False)
    w_dsts = optim_wrapper(cfg, dsts, amp, udl=False)
    w_udl = optim_wrapper(cfg, udl, amp, udl=True)
    counter = [0]
    meta_updates = []

    def train(model, wrapper, with_val=False):
        def run():
            counter[0] += 1
            data = batch(name, shape, num_classes, counter[0], 0)
            if with_val:  # a fresh D_val batch, disjoint sample_idx
                data['udl_val'] = batch(name, shape, num_classes,
                                        10_000 + counter[0], 1_000)
            log = model.train_step(data, wrapper)
            if with_val:
                meta_updates.append(int(log['udl_skipped']) == 0)
        return run

    steps = [train(base, w_base), train(dsts, w_dsts),
             train(udl, w_udl, with_val=True)]
    t_base, t_dsts, t_udl = interleaved(steps, repeats, device=device)
    if not all(meta_updates):
        raise RuntimeError('UDL skipped a meta update (non-finite loss)')
    row.update(train_ms_baseline=median_ms(t_base),
               train_ms_dsts=median_ms(t_dsts),
               train_ms_dsts_udl=median_ms(t_udl),
               dsts_train_overhead=round(paired_ratio(t_dsts, t_base) - 1, 4),
               udl_step_ratio=paired_ratio(t_udl, t_dsts),
               udl_meta_updates=len(meta_updates))
    mem_train = [peak_mb(step, device, state_bytes(m, w))
                 for step, m, w in zip(steps, (base, dsts, udl),
                                       (w_base, w_dsts, w_udl))]
    if device.type == 'cuda':
        row.update(
            peak_mem_mb=dict(infer_baseline=mem_infer[0],
                             infer_dsts=mem_infer[1],
                             train_baseline=mem_train[0],
                             train_dsts=mem_train[1],
                             train_dsts_udl=mem_train[2]),
            dsts_infer_mem_ratio=ratio(mem_infer[1], mem_infer[0]),
            dsts_train_mem_ratio=ratio(mem_train[1], mem_train[0]),
            udl_train_mem_ratio=ratio(mem_train[2], mem_train[1]))
    else:
        row.update(peak_mem_mb=None, dsts_infer_mem_ratio=None,
                   dsts_train_mem_ratio=None, udl_train_mem_ratio=None,
                   peak_mem_note='not measured on CPU: the CPU allocator '
                   'keeps no per-model peak statistics and the process RSS '
                   'mixes all models built in the run')
    del base, dsts, udl, w_base, w_dsts, w_udl
    gc.collect()
    if device.type == 'cuda':
        torch.cuda.empty_cache()
    return row


def device_name(device, preset_name, preset, models):
    name = device_string(device)
    if preset['reduced']:
        inputs = ', '.join(
            f'{m} {describe_input(m, preset[m])}' for m in models)
        name += (f', reduced input ({preset_name} preset: {inputs}; not the '
                 'paper\'s ' + ', '.join(
                     f'{m} {MODEL_SPECS[m]["paper_input"]}' for m in models)
                 + ')')
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--preset', default=None, choices=list(PRESETS))
    parser.add_argument('--models', nargs='+', default=list(MODEL_SPECS),
                        choices=list(MODEL_SPECS))
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed rounds, at least 5 (default: the '
                        "preset's)")
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s)')
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    preset_name = args.preset or ('gpu' if cuda else 'cpu')
    preset = PRESETS[preset_name]
    if preset_name == 'gpu' and not cuda:
        parser.error('--preset gpu needs CUDA; use --preset cpu on CPU')
    device = torch.device('cuda' if cuda else 'cpu')
    threads = set_threads(args.threads)
    repeats = args.repeats or preset['repeats']
    register_all_modules()
    start = time.perf_counter()

    rows = {}
    for name in args.models:
        row = bench_model(name, preset, device, repeats)
        row.update(preset=preset_name, repeats=repeats)
        print(json.dumps(row), flush=True)
        rows[name] = row

    target = 'swin_b' if 'swin_b' in rows else args.models[0]
    keys = ('dsts_param_overhead', 'dsts_flop_overhead',
            'dsts_latency_overhead', 'udl_step_ratio')
    summary = {k: rows[target][k] for k in keys}
    summary.update(
        dsts_train_overhead=rows[target]['dsts_train_overhead'],
        summary_model=target,
        targets_met=None if 'swin_b' not in rows else {
            k: rows['swin_b'][k] <= v for k, v in TARGETS.items()},
        targets={k: f'<= {v}' for k, v in TARGETS.items()},
        per_model={
            name: {k: row[k] for k in keys + (
                'dsts_train_overhead', 'params_added', 'gflops_baseline',
                'gflops_dsts', 'infer_ms_baseline', 'infer_ms_dsts',
                'train_ms_baseline', 'train_ms_dsts', 'train_ms_dsts_udl',
                'dsts_infer_mem_ratio', 'dsts_train_mem_ratio',
                'udl_train_mem_ratio')}
            for name, row in rows.items()},
        input={name: dict(clip=row['input'], batch_size=row['batch_size'],
                          paper=row['paper_input'], amp=row['amp'])
               for name, row in rows.items()},
        preset=preset_name,
        **run_context(device_name(device, preset_name, preset, args.models),
                      threads, repeats, start))
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    main()
