"""One classifier per level of a label hierarchy (Event / Set / Element),
trained with the weighted sum of the levels' losses (Leong et al., ICIP 2021,
"Proposed Multi-Task Network"):

    L_total = lambda_1 L_Event + lambda_2 L_Set + lambda_3 L_Element,
    (lambda_1, lambda_2, lambda_3) = (1, 2, 4).
"""
from typing import Dict, Optional, Sequence, Union

import torch
from mmaction.evaluation import top_k_accuracy
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS
from torch import Tensor, nn

from mmdsts.datasets.label_hierarchy import LEVELS, LabelHierarchy


def pool_features(x: Union[Tensor, Sequence[Tensor]]) -> Tensor:
    """Global average pool of a feature map (or of each pathway of a
    SlowFast-style tuple, concatenated): ``(N, C[, T], H, W) -> (N, C)``."""
    if isinstance(x, (tuple, list)):
        return torch.cat([pool_features(t) for t in x], dim=1)
    return x.flatten(2).mean(dim=2) if x.dim() > 2 else x


@MODELS.register_module()
class HierarchyHead(BaseHead):
    """Event / Set / Element classifiers on one feature, or on the joint
    representation of several (the 3-pathway network's stage 2).

    The element label is the sample's ``gt_label``; its set and event labels
    follow from the hierarchy (``hierarchy_file``, FineGym's category file,
    :class:`~mmdsts.datasets.label_hierarchy.LabelHierarchy`), so any
    single-label element list trains all three levels.

    Args:
        in_channels (int): Channels of the (pooled, concatenated) feature.
        hierarchy_file (str): The category file.
        loss_weights (Sequence[float]): ``(lambda_1, lambda_2, lambda_3)`` of
            event, set and element. Defaults to ``(1, 2, 4)`` (the slides).
        joint_channels (int, optional): Width of the linear layer that learns
            the joint representation before the classifiers (the 3-pathway
            network); None: the classifiers sit on the feature directly
            (the SlowFast multi-task baseline: "its last fully-connected
            layer modified to three classifiers").
        dropout_ratio (float): Dropout before the classifiers.
        init_std (float): Std of the classifiers' normal init.
        **kwargs: ``BaseHead``'s (``loss_cls``, ``average_clips`` ...).

    Losses are logged per level (``loss_event`` etc., each already weighted;
    their sum is ``L_total``), with training top-1 per level. Predictions
    are stored per level: ``pred_score`` / ``pred_label`` are the element's
    (so MMAction2's ``AccMetric`` keeps working), ``pred_set_score`` and
    ``pred_event_score`` the others, and ``gt_set_label`` /
    ``gt_event_label`` the true labels derived from ``gt_label``
    (:class:`~mmdsts.evaluation.HierarchyMetric` reads them).
    """

    def __init__(self, in_channels: int, hierarchy_file: str,
                 loss_weights: Sequence[float] = (1.0, 2.0, 4.0),
                 joint_channels: Optional[int] = None,
                 dropout_ratio: float = 0.5, init_std: float = 0.01,
                 **kwargs) -> None:
        self.hierarchy = LabelHierarchy.from_file(
            hierarchy_file, 'model.cls_head.hierarchy_file')
        classes = self.hierarchy.num_classes
        super().__init__(num_classes=classes['element'],
                         in_channels=in_channels, **kwargs)
        if len(loss_weights) != len(LEVELS):
            raise ValueError(f'cls_head.loss_weights needs one weight per '
                             f'level {LEVELS}, got {tuple(loss_weights)}')
        self.loss_weights = dict(zip(LEVELS, map(float, loss_weights)))
        self.init_std = init_std
        self.joint = None if joint_channels is None else nn.Sequential(
            nn.Linear(in_channels, joint_channels), nn.ReLU(inplace=True))
        width = in_channels if joint_channels is None else joint_channels
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else \
            nn.Identity()
        self.fc = nn.ModuleDict(
            {level: nn.Linear(width, classes[level]) for level in LEVELS})
        self.register_buffer('element_to_set', torch.tensor(
            self.hierarchy.element_to_set), persistent=False)
        self.register_buffer('set_to_event', torch.tensor(
            self.hierarchy.set_to_event), persistent=False)

    def init_weights(self) -> None:
        for fc in self.fc.values():
            nn.init.normal_(fc.weight, 0, self.init_std)
            nn.init.zeros_(fc.bias)

    def forward(self, x, **kwargs) -> Dict[str, Tensor]:
        """Logits per level, ``{level: (N, classes)}``."""
        x = pool_features(x)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'cls_head.in_channels={self.in_channels}, but the pooled '
                f'feature has {x.shape[1]} channels')
        if self.joint is not None:
            x = self.joint(x)
        x = self.dropout(x)
        return {level: fc(x) for level, fc in self.fc.items()}

    def level_labels(self, data_samples) -> Dict[str, Tensor]:
        """True labels of every level, from the element ``gt_label``."""
        element = torch.stack([s.gt_label for s in data_samples]).view(-1)
        element = element.to(self.element_to_set.device)
        bad = (element < 0) | (element >= self.num_classes)
        if bad.any():
            raise ValueError(
                f'element label {int(element[bad][0])} is outside the '
                f'hierarchy {self.hierarchy.source} (0..'
                f'{self.num_classes - 1}): the list and the category file '
                'do not match')
        set_label = self.element_to_set[element]
        return dict(event=self.set_to_event[set_label], set=set_label,
                    element=element)

    def loss_by_feat(self, scores: Dict[str, Tensor],
                     data_samples) -> Dict[str, Tensor]:
        labels = self.level_labels(data_samples)
        losses = dict()
        for level in LEVELS:
            target = labels[level].to(scores[level].device)
            loss = self.loss_cls(scores[level], target)
            losses[f'loss_{level}'] = self.loss_weights[level] * loss
            top1, = top_k_accuracy(scores[level].detach().cpu().numpy(),
                                   target.cpu().numpy(), (1, ))
            losses[f'top1_{level}'] = torch.tensor(top1,
                                                   device=target.device)
        return losses

    def predict_by_feat(self, scores: Dict[str, Tensor], data_samples):
        num_segs = scores['element'].shape[0] // len(data_samples)
        averaged = {level: self.average_clip(s, num_segs=num_segs)
                    for level, s in scores.items()}
        labels = self.level_labels(data_samples)
        for i, sample in enumerate(data_samples):
            sample.set_pred_score(averaged['element'][i])
            sample.set_pred_label(averaged['element'][i].argmax(
                dim=-1, keepdim=True).detach())
            for level in ('event', 'set'):
                sample.set_field(averaged[level][i], f'pred_{level}_score')
                sample.set_field(labels[level][i:i + 1],
                                 f'gt_{level}_label')
        return data_samples
