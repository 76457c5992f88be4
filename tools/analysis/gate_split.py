"""How each trained DSTS neuron splits its channels between the spatial and
the temporal operator at evaluation (the paper's Fig. 4, from the gate logits
alone: channel c goes to the temporal 3x1x1 operator when g_c > 0).

    python tools/analysis/gate_split.py CHECKPOINT [CHECKPOINT ...]

Prints, per checkpoint and DSTS layer, the temporal fraction of each neuron,
its spread over the neurons, and how far the gate logits moved from the
+-gate_init_magnitude start (mean |g|).
"""
import argparse
import re
from collections import defaultdict

import torch

import mmdsts  # noqa: F401  safe checkpoint loading

GATE = re.compile(r'dsts\.layers\.(\d+)\.neurons\.(\d+)\.gate\.logits$')


def gate_logits(checkpoint: str) -> dict:
    """``{layer: {neuron: logits}}`` of a checkpoint's DSTS module."""
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    layers = defaultdict(dict)
    for key, value in state.items():
        match = GATE.search(key)
        if match:
            layers[int(match[1])][int(match[2])] = value.float()
    if not layers:
        raise ValueError(f'{checkpoint} holds no DSTS gate logits '
                         '(dsts.layers.*.neurons.*.gate.logits)')
    return dict(sorted(layers.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoints', nargs='+')
    args = parser.parse_args()
    for checkpoint in args.checkpoints:
        print(checkpoint)
        for layer, neurons in gate_logits(checkpoint).items():
            fractions = [float((g > 0).float().mean())
                         for _, g in sorted(neurons.items())]
            magnitude = torch.cat(list(neurons.values())).abs().mean()
            print(f'  layer {layer}: temporal fraction per neuron '
                  + ' '.join(f'{f:.2f}' for f in fractions)
                  + f'; spread {min(fractions):.2f}-{max(fractions):.2f}; '
                  f'mean |g| {magnitude:.3f}')


if __name__ == '__main__':
    main()
