"""HierarchyMetric against hand-computed accuracies at each level."""
import pytest
import torch
from mmaction.structures import ActionDataSample

import mmdsts  # noqa: F401
from mmdsts.evaluation import HierarchyMetric


def _sample(element, set_label, event, element_score, set_score,
            event_score):
    sample = ActionDataSample().set_gt_label(element)
    sample.set_pred_score(torch.tensor(element_score))
    sample.set_field(torch.tensor(set_score), 'pred_set_score')
    sample.set_field(torch.tensor(event_score), 'pred_event_score')
    sample.set_field(torch.tensor([set_label]), 'gt_set_label')
    sample.set_field(torch.tensor([event]), 'gt_event_label')
    return sample.to_dict()


def test_nine_numbers_by_hand():
    E = [0.1, 0.2, 0.3, 0.4, 0.05, 0.0]  # ranks: 3, 2, 1, 0, 4, 5
    samples = [
        # element: right / set: right / event: right
        _sample(3, 1, 0, E, [0.2, 0.8], [0.9, 0.1]),
        # element: 2nd (top-5 only) / set: wrong / event: right
        _sample(2, 0, 0, E, [0.3, 0.7], [0.6, 0.4]),
        # element: 6th, outside top-5 / set: right / event: wrong
        _sample(5, 1, 1, E, [0.1, 0.9], [0.7, 0.3]),
    ]
    metric = HierarchyMetric()
    metric.process({}, samples)
    got = metric.compute_metrics(metric.results)
    assert got == pytest.approx({
        'event/top1': 2 / 3, 'event/top5': 1.0,
        # classes 0: 2/2 right, 1: 0/1
        'event/mean1': (1.0 + 0.0) / 2,
        'set/top1': 2 / 3, 'set/top5': 1.0,
        'set/mean1': (0.0 + 1.0) / 2,  # class 0: 0/1, class 1: 2/2
        'element/top1': 1 / 3, 'element/top5': 2 / 3,
        'element/mean1': (1.0 + 0.0 + 0.0) / 3,
    })


def test_a_single_level_model_is_told_what_to_use():
    sample = ActionDataSample().set_gt_label(0)
    sample.set_pred_score(torch.tensor([0.5, 0.5]))
    metric = HierarchyMetric()
    with pytest.raises(KeyError, match="HierarchyHead"):
        metric.process({}, [sample.to_dict()])
    with pytest.raises(ValueError, match='unknown'):
        HierarchyMetric(levels=('family', ))
