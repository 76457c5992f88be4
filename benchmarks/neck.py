"""Speed of the DSTS neck: fast paths against the paper-literal references.

Measured side by side in one run, on identical inputs and weights, at Video
Swin-B's last-stage feature (C=1024, T=16, H=W=7) and TPN's (C=2048, T=8,
H=W=7):

* ``impulses``: one synapse's impulses (Eq. 1-2), literal scoring convolution
  + full sum against the sum-pooled form, at the width the neurons work at
  (``mid_channels``);
* ``eval``: the whole neck at evaluation, every neuron on every sample with
  masked channels (``eval_dispatch='dense'``, the paper-literal reference)
  against only the selected neuron with split channels (``'routed'``);
  routing is spread over the neurons (see ``_spread``) so the routed path pays
  for realistic, small groups. ``eval_layers_only`` times the L DSTS layers
  alone, where dispatch acts: its ratio is ``routed_eval_speedup`` (ideal:
  N). ``eval`` times the whole neck, whose two 1x1x1 projections run the same
  way in both paths and bound that ratio (``routed_eval_speedup_whole_neck``;
  about 6 at TPN's 2048 channels, 7-8 at Swin-B's 1024);
* ``train``: forward + backward of the default training path (dense
  straight-through estimator), with the cheaper ``train_dispatch='routed'``
  beside it.

A/B timings are interleaved (``benchmarks/_timing.py``): two warm-up calls
each, then round by round; a time is the median over rounds and a speedup
the median over rounds of the ratio within a round, whose two calls are
neighbours in time: these machines are noisy and only ratios measured
together mean much. torch's CPU threads are set explicitly (``--threads``)
and the device string says how many. One JSON object per line; the
LAST line is the summary with ``impulse_speedup``, ``routed_eval_speedup``
and ``routed_eval_speedup_whole_neck`` (each the smaller of the two shapes),
batch size, shapes and device.

Usage::

    python benchmarks/neck.py [--batch-size 8] [--repeats 5] [--device cpu]
                              [--threads N]
"""
import argparse
import json
import os.path as osp
import sys
import time

import torch

# Measure the checkout this script belongs to, installed or not.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _timing import (device_string, interleaved,  # noqa: E402
                     median_ms, paired_ratio, run_context, set_threads)
import mmdsts  # noqa: E402,F401
from mmdsts.models import DSTSNeck  # noqa: E402
from mmdsts.models.layers import literal_impulses, pooled_impulses  # noqa: E402

SHAPES = {
    'swin_b': dict(channels=1024, frames=16, size=7),
    'tpn': dict(channels=2048, frames=8, size=7),
}


def compare(fn_a, fn_b, device, repeats):
    """``(ms of a, ms of b, t(a) / t(b))``: medians of interleaved calls
    after two warm-up calls each, and the paired ratio."""
    t_a, t_b = interleaved([fn_a, fn_b], repeats, device=device)
    return median_ms(t_a, None), median_ms(t_b, None), paired_ratio(
        t_a, t_b, None)


def _spread(neck):
    """Zero the scoring biases, whose constant term (T H W sum(b_i)) would
    otherwise send every sample of an untrained neck to the same neuron, so
    that routing depends on the features as it does after training."""
    with torch.no_grad():
        for layer in neck.layers:
            layer.synapse.scoring_bias.zero_()


def _feature(batch, channels, frames, size, device, seed=0):
    gen = torch.Generator().manual_seed(seed)
    # A per-sample channel profile, as real features have: samples differ.
    profile = torch.randn(batch, channels, 1, 1, 1, generator=gen)
    noise = torch.randn(batch, channels, frames, size, size, generator=gen)
    return (profile + noise).to(device)


def bench_shape(name, shape, batch, repeats, device):
    torch.manual_seed(0)
    x = _feature(batch, device=device, **shape)
    routed = DSTSNeck(shape['channels']).to(device)
    _spread(routed)
    dense = DSTSNeck(shape['channels'], eval_dispatch='dense').to(device)
    dense.load_state_dict(routed.state_dict())
    common = dict(shape=name, batch_size=batch, **shape)
    rows = []

    with torch.no_grad():
        routed.eval()
        z = routed.proj_in(x)  # the synapse's input in the first layer
        synapse = routed.layers[0].synapse
        k, b = synapse.scoring_kernels, synapse.scoring_bias
        t_lit, t_pool, speedup = compare(
            lambda: literal_impulses(z, k, b),
            lambda: pooled_impulses(z, k, b), device, repeats)
        rows.append(dict(what='impulses', width=z.shape[1],
                         literal_ms=t_lit, pooled_ms=t_pool,
                         speedup=speedup, **common))

        dense.eval()

        def stack(neck):
            def run():
                h = z
                for layer in neck.layers:
                    h = layer(h)
            return run

        t_dense, t_routed, speedup = compare(stack(dense), stack(routed),
                                             device, repeats)
        rows.append(dict(what='eval_layers_only', dense_ms=t_dense,
                         routed_ms=t_routed, speedup=speedup, **common))
        t_dense, t_routed, speedup = compare(lambda: dense(x),
                                             lambda: routed(x), device,
                                             repeats)
        torch.testing.assert_close(dense(x)[0], routed(x)[0])
        used = [len(s['selected'].unique()) for s in routed.routing_statistics()]
        rows.append(dict(what='eval', dense_ms=t_dense, routed_ms=t_routed,
                         speedup=speedup, neurons_used_per_layer=used,
                         **common))

    routed_train = DSTSNeck(shape['channels'], train_dispatch='routed').to(
        device)
    routed_train.load_state_dict(routed.state_dict())
    dense.train(), routed_train.train()
    grad = torch.randn_like(x)

    def step(neck):
        def run():
            neck.zero_grad(set_to_none=True)
            out, _ = neck(x)
            out.backward(grad)
        return run

    t_dense_train, t_routed_train, speedup = compare(
        step(dense), step(routed_train), device, repeats)
    rows.append(dict(what='train_fwd_bwd', dense_ms=t_dense_train,
                     routed_ms=t_routed_train, speedup=speedup, **common))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed rounds (at least 5)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--shapes', nargs='+', default=list(SHAPES),
                        choices=list(SHAPES))
    parser.add_argument('--threads', type=int, default=None,
                        help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    threads = set_threads(args.threads)
    device = torch.device(args.device)
    start = time.perf_counter()
    probe = DSTSNeck(SHAPES[args.shapes[0]]['channels'])  # the defaults
    settings = dict(num_neurons=len(probe.layers[0].neurons),
                    num_layers=len(probe.layers),
                    mid_channels=probe.mid_channels)
    speedups = {'impulses': {}, 'eval': {}, 'eval_layers_only': {},
                'train_fwd_bwd': {}}
    for name in args.shapes:
        for row in bench_shape(name, SHAPES[name], args.batch_size,
                               args.repeats, device):
            print(json.dumps(row, default=float), flush=True)
            speedups[row['what']][name] = round(row['speedup'], 2)
    print(json.dumps(dict(
        impulse_speedup=min(speedups['impulses'].values()),
        routed_eval_speedup=min(speedups['eval_layers_only'].values()),
        routed_eval_speedup_whole_neck=min(speedups['eval'].values()),
        impulse_speedup_per_shape=speedups['impulses'],
        routed_eval_speedup_per_shape=speedups['eval_layers_only'],
        routed_eval_speedup_whole_neck_per_shape=speedups['eval'],
        routed_train_speedup_per_shape=speedups['train_fwd_bwd'],
        **settings,
        batch_size=args.batch_size,
        shapes={n: SHAPES[n] for n in args.shapes},
        **run_context(device_string(device), threads, args.repeats,
                      start))), flush=True)


if __name__ == '__main__':
    main()
