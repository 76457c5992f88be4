"""Top-1, top-5 and mean class accuracy at every level of a label hierarchy
(the columns of the slides' Tables 1 and 2)."""
from collections import OrderedDict
from typing import Dict, List, Sequence

import numpy as np
from mmaction.evaluation import mean_class_accuracy, top_k_accuracy
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from mmdsts.datasets.label_hierarchy import LEVELS

# where HierarchyHead.predict_by_feat stores each level
SCORE_FIELD = dict(event='pred_event_score', set='pred_set_score',
                   element='pred_score')
LABEL_FIELD = dict(event='gt_event_label', set='gt_set_label',
                   element='gt_label')


@METRICS.register_module()
class HierarchyMetric(BaseMetric):
    """``{level}/top1``, ``{level}/top5`` and ``{level}/mean1`` for event,
    set and element: nine numbers, each usable as
    ``default_hooks.checkpoint.save_best`` (e.g. ``'element/top1'``).

    Top-5 of a level with fewer than 5 classes is top-``C``, i.e. 1.0 (the
    slides report 100 for the 4 events). Mean class accuracy averages the
    recall of the classes present in the split. Works under
    ``tools/dist_test.sh``: MMEngine gathers the per-sample results.

    Args:
        levels (Sequence[str]): Levels to report. Defaults to all three.
        prefix (str, optional): Prepended as ``prefix/``. Defaults to None.
    """

    default_prefix = None

    def __init__(self, levels: Sequence[str] = LEVELS, **kwargs) -> None:
        super().__init__(**kwargs)
        unknown = set(levels) - set(LEVELS)
        if unknown:
            raise ValueError(f'HierarchyMetric.levels: unknown {unknown}; '
                             f'known: {LEVELS}')
        self.levels = tuple(levels)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            result = dict()
            for level in self.levels:
                if SCORE_FIELD[level] not in sample:
                    raise KeyError(
                        f'HierarchyMetric: the prediction has no '
                        f'{SCORE_FIELD[level]!r}; the model needs a '
                        "multi-level head (model.cls_head.type="
                        "'HierarchyHead')")
                result[level] = (
                    sample[SCORE_FIELD[level]].cpu().numpy(),
                    int(sample[LABEL_FIELD[level]].reshape(-1)[0]))
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics = OrderedDict()
        for level in self.levels:
            scores = np.stack([r[level][0] for r in results])
            labels = np.array([r[level][1] for r in results])
            top1, top5 = top_k_accuracy(
                scores, labels, (1, min(5, scores.shape[1])))
            metrics[f'{level}/top1'] = float(top1)
            metrics[f'{level}/top5'] = float(top5)
            metrics[f'{level}/mean1'] = float(
                mean_class_accuracy(scores, labels))
        return metrics
