"""Evaluation routing of a DSTS model, next to its accuracy in the logs."""
import math
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from mmdsts.models.necks.dsts_dynamics import load_entropy


def _dsts_module(runner):
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    return getattr(model, 'dsts', None)


@HOOKS.register_module()
class DSTSRoutingHook(Hook):
    """Count which neuron each validation/test clip is routed to, per layer,
    and add to the epoch's metrics (so they land in the log and in
    ``vis_data/scalars.json``):

    * ``dsts/max_load_l{j}``: the largest fraction of clips one neuron takes;
    * ``dsts/load_entropy_l{j}``: entropy of the load, in units of
      ``log N`` (1 = perfectly balanced, 0 = one neuron takes everything);
    * ``dsts/neurons_used_l{j}``: how many neurons receive any clip.

    Runs before MMEngine's logger hook (priority ``NORMAL``), which logs the
    metrics dict it is handed. A model without a DSTS module is left alone.
    Under distributed evaluation the counts are summed over ranks, so
    ``tools/dist_test.sh`` reports what ``tools/test.py`` does (when the
    sampler pads the split to a multiple of the world size, the padded clips
    are counted too).
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._counts: Optional[List[torch.Tensor]] = None

    def _reset(self, runner) -> None:
        dsts = _dsts_module(runner)
        self._counts = None if dsts is None else [
            torch.zeros(len(layer.neurons), dtype=torch.long)
            for layer in dsts.layers
        ]

    def _count(self, runner) -> None:
        if self._counts is None:
            return
        for counts, layer in zip(self._counts, _dsts_module(runner).layers):
            if layer.last_routing is not None:
                counts += torch.bincount(layer.last_routing.selected.cpu(),
                                         minlength=counts.numel())

    def _summary(self) -> Dict[str, float]:
        out = {}
        if self._counts and get_world_size() > 1:
            for counts in self._counts:
                all_reduce(counts, op='sum')
        for j, counts in enumerate(self._counts or []):
            total = int(counts.sum())
            if total == 0:
                continue
            load = counts.double() / total
            entropy = float(load_entropy(load))
            out[f'dsts/max_load_l{j}'] = float(load.max())
            out[f'dsts/load_entropy_l{j}'] = entropy / math.log(
                counts.numel()) if counts.numel() > 1 else 1.0
            out[f'dsts/neurons_used_l{j}'] = int((counts > 0).sum())
        return out

    def before_val_epoch(self, runner) -> None:
        self._reset(runner)

    def before_test_epoch(self, runner) -> None:
        self._reset(runner)

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None) -> None:
        self._count(runner)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self._count(runner)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if metrics is not None:
            metrics.update(self._summary())

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is not None:
            metrics.update(self._summary())
