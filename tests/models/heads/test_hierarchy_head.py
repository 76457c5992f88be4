"""HierarchyHead: three classifiers, L = 1 L_event + 2 L_set + 4 L_element."""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmdsts  # noqa: F401
from mmdsts.datasets.label_hierarchy import LEVELS

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'datasets'))
from hierarchy_fixture import (ELEMENT_TO_SET, SET_TO_EVENT,  # noqa: E402
                               write_categories)


def _head(tmp_path, **kwargs):
    torch.manual_seed(0)
    head = MODELS.build(dict(type='HierarchyHead', in_channels=16,
                             hierarchy_file=write_categories(
                                 tmp_path / 'cat.txt'),
                             dropout_ratio=0.0, **kwargs))
    head.init_weights()
    return head


def _samples(elements):
    return [ActionDataSample().set_gt_label(e) for e in elements]


def test_the_loss_is_the_weighted_sum_of_the_levels(tmp_path):
    head = _head(tmp_path)
    x = torch.randn(4, 16, 2, 3, 3)
    elements = [0, 4, 5, 7]
    losses = head.loss(x, _samples(elements))
    pooled = x.mean(dim=(2, 3, 4))
    sets = [ELEMENT_TO_SET[e] for e in elements]
    targets = dict(element=elements, set=sets,
                   event=[SET_TO_EVENT[s] for s in sets])
    total = 0
    for level, weight in zip(LEVELS, (1.0, 2.0, 4.0)):
        fc = head.fc[level]
        expected = weight * F.cross_entropy(
            pooled @ fc.weight.T + fc.bias, torch.tensor(targets[level]))
        torch.testing.assert_close(losses[f'loss_{level}'], expected)
        total = total + expected
    summed = sum(v for k, v in losses.items() if 'loss' in k)
    torch.testing.assert_close(summed, total)
    assert {'top1_event', 'top1_set', 'top1_element'} <= set(losses)


def test_weights_joint_layer_and_slowfast_tuples(tmp_path):
    head = _head(tmp_path, loss_weights=(0.0, 0.0, 1.0), joint_channels=8)
    slow, fast = torch.randn(2, 12, 1, 2, 2), torch.randn(2, 4, 4, 2, 2)
    losses = head.loss((slow, fast), _samples([1, 2]))
    assert losses['loss_event'] == 0 and losses['loss_set'] == 0
    assert losses['loss_element'] > 0
    assert head.fc['element'].in_features == 8
    with pytest.raises(ValueError, match='in_channels=16, but the pooled '
                       'feature has 12'):
        head(slow)
    with pytest.raises(ValueError, match='one weight per level'):
        _head(tmp_path, loss_weights=(1, 2))


def test_predictions_and_true_labels_are_stored_per_level(tmp_path):
    head = _head(tmp_path, average_clips='prob')
    samples = head.predict(torch.randn(4, 16, 1, 2, 2), _samples([0, 3]))
    # 2 clips per sample, averaged
    for sample, element in zip(samples, (0, 3)):
        assert sample.pred_score.shape == (8, )
        assert sample.pred_set_score.shape == (5, )
        assert sample.pred_event_score.shape == (4, )
        torch.testing.assert_close(sample.pred_event_score.sum(),
                                   torch.tensor(1.0))
        set_label = ELEMENT_TO_SET[element]
        assert int(sample.gt_set_label) == set_label
        assert int(sample.gt_event_label) == SET_TO_EVENT[set_label]


def test_an_element_label_outside_the_hierarchy_is_named(tmp_path):
    head = _head(tmp_path)
    with pytest.raises(ValueError, match=r'element label 8 is outside the '
                       r'hierarchy .*cat.txt'):
        head.loss(torch.randn(1, 16, 1, 1, 1), _samples([8]))


def test_a_missing_hierarchy_file_names_the_config_key(tmp_path):
    with pytest.raises(FileNotFoundError, match='model.cls_head.hierarchy_'
                       'file: .*absent.txt does not exist'):
        MODELS.build(dict(type='HierarchyHead', in_channels=4,
                          hierarchy_file=str(tmp_path / 'absent.txt')))
