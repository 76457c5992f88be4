"""STF training (Ke, Peng and Lyu, AAAI 2022 poster, "Overall STF Loss")::

    L = L_cls + lambda_e L_e + lambda_d L_d + lambda_c L_c + lambda_Gk L_Gk

on an :class:`~mmdsts.models.backbones.MSG3D` with STF modules. The poster
notes that optimising L_e together with L_d is unstable and separates L_e
from the other losses; here (``separate_le=True``, the default) the STF
iterations alternate: one optimises ``L_cls + lambda_e L_e``, the next
``L_cls`` plus the other three. When only one of the two groups has a
non-zero weight, every STF iteration uses it. By default
(``focus_interval=2``, beyond the poster) every second iteration is an STF
iteration, at twice the lambdas, and the ones between optimise ``L_cls``
alone; ``focus_interval=1`` is the poster's every-iteration schedule. The
schedule follows MMEngine's runner iteration (MessageHub ``iter``), so a
resumed run continues it exactly.

Evaluation (``predict``) is MMAction2's plain forward: Q needs gradients,
the recognizer does not, and the STF modules' ``G_k`` is computed from the
input alone.
"""
from contextlib import contextmanager
from typing import Dict, List, Optional

import torch
from mmaction.models import RecognizerGCN
from mmaction.registry import MODELS
from mmengine.logging import MessageHub
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from ..losses.stf_focus import (adjacency_focus_loss, consistency_loss,
                                divergence_loss, exploration_loss,
                                gradcam_focus, normalize_focus, remove_focus)

LOSS_WEIGHTS = ('loss_e', 'loss_d', 'loss_c', 'loss_gk')
FOCUS_GRADIENTS = ('second_order', 'first_order')
# Chosen on the generated skeletons' holdout split (docs/stf.md, choices 12
# and 13); the poster gives no lambda and runs every loss every iteration
# (focus_interval=1), which is one key away.
DEFAULT_LAMBDA = 0.1
DEFAULT_FOCUS_INTERVAL = 2


@contextmanager
def frozen_bn_statistics(module: torch.nn.Module):
    """Forward in training mode without updating BatchNorm running
    statistics (momentum 0): the masked second forward of L_e should not
    teach BatchNorm what masked skeletons look like."""
    saved = [(m, m.momentum) for m in module.modules()
             if isinstance(m, _BatchNorm)]
    for m, _ in saved:
        m.momentum = 0.0
    try:
        yield
    finally:
        for m, momentum in saved:
            m.momentum = momentum


@MODELS.register_module()
class STFRecognizer(RecognizerGCN):
    """MMAction2's ``RecognizerGCN`` trained with the STF losses.

    Args:
        backbone (dict): an ``MSG3D`` with ``stf_stages``.
        cls_head (dict): e.g. ``GCNHead``.
        stf_loss (dict): ``loss_e``, ``loss_d``, ``loss_c``, ``loss_gk``
            (the lambdas; 0 switches a loss off; default 0.1 each, chosen
            on the holdout, see docs/stf.md), ``separate_le``
            (default True) and ``warmup_iters`` (every lambda ramps up
            linearly over that many iterations; default 0, off; beyond the
            poster, tried and not adopted), ``focus_gradient``
            (``'second_order'``, the poster's double backward through Q,
            default; ``'first_order'``: Q's channel weights constant, no
            double backward; see :func:`gradcam_focus`) and
            ``focus_interval`` (k, default 2: the STF losses every k-th
            iteration at k times their lambda, plain classification steps
            between; beyond the poster, which is k=1: the double backward
            is paid on 1/k of the steps, and k=2 scored higher on the
            holdout than k=1; docs/stf.md has the measurements).
        **kwargs: the rest of ``RecognizerGCN``'s arguments.
    """

    def __init__(self, backbone: dict, cls_head: Optional[dict] = None,
                 stf_loss: Optional[dict] = None, **kwargs) -> None:
        super().__init__(backbone=backbone, cls_head=cls_head, **kwargs)
        cfg = dict({k: DEFAULT_LAMBDA for k in LOSS_WEIGHTS},
                   separate_le=True, warmup_iters=0,
                   focus_gradient='second_order',
                   focus_interval=DEFAULT_FOCUS_INTERVAL)
        for key, value in (stf_loss or {}).items():
            if key not in cfg:
                raise KeyError(f'model.stf_loss.{key} is not a setting; '
                               f'use {sorted(cfg)}')
            cfg[key] = value
        self.separate_le = bool(cfg.pop('separate_le'))
        self.warmup_iters = int(cfg.pop('warmup_iters'))
        self.focus_gradient = cfg.pop('focus_gradient')
        if self.focus_gradient not in FOCUS_GRADIENTS:
            raise ValueError(
                f'model.stf_loss.focus_gradient={self.focus_gradient!r}; '
                f'use one of {FOCUS_GRADIENTS}')
        self.focus_interval = cfg.pop('focus_interval')
        if not isinstance(self.focus_interval, int) or \
                self.focus_interval < 1:
            raise ValueError('model.stf_loss.focus_interval must be an '
                             f'integer >= 1, got {self.focus_interval!r}')
        self.weights = {k: float(v) for k, v in cfg.items()}
        stages = getattr(self.backbone, 'stf_stages', ())
        if any(self.weights.values()) and not stages:
            raise ValueError('model.stf_loss needs STF modules: set '
                             'model.backbone.stf_stages (e.g. (1, 2))')
        if self.weights['loss_c'] and len(stages) < 2:
            raise ValueError('model.stf_loss.loss_c compares two STF '
                             'modules: list two stages in '
                             'model.backbone.stf_stages or set loss_c=0')
        self._local_iter = 0

    def _iteration(self) -> int:
        step = MessageHub.get_current_instance().get_info('iter')
        if step is None:  # outside a runner (tests, notebooks)
            step, self._local_iter = self._local_iter, self._local_iter + 1
        return step

    def _phase(self, step: int) -> str:
        """'exploration' (L_e), 'focus' (L_d, L_c, L_Gk), 'both' or, between
        the STF iterations of ``focus_interval`` > 1, 'plain' (L_cls)."""
        if step % self.focus_interval:
            return 'plain'
        step //= self.focus_interval
        w = self.weights
        has_e = w['loss_e'] > 0
        has_rest = any(w[k] > 0 for k in ('loss_d', 'loss_c', 'loss_gk'))
        if not (self.separate_le and has_e and has_rest):
            return 'both'
        return 'exploration' if step % 2 else 'focus'

    def _ramp(self, step: int) -> float:
        """Linear warm-up of every lambda over ``warmup_iters``."""
        if self.warmup_iters <= 0:
            return 1.0
        return min(1.0, (step + 1) / self.warmup_iters)

    def loss(self, inputs: Tensor, data_samples: List, **kwargs) -> Dict:
        if not any(self.weights.values()):
            return super().loss(inputs, data_samples, **kwargs)
        step = self._iteration()
        phase = self._phase(step)
        if phase == 'plain':
            return super().loss(inputs, data_samples, **kwargs)
        x = inputs.reshape((-1, ) + inputs.shape[2:])  # N, M, T, V, C
        feats, records = self.backbone(x, return_stf=True)
        logits = self.cls_head(feats)
        losses = self.cls_head.loss_by_feat(logits, data_samples)
        # every k-th iteration with k times the weight: the same average
        # weight per iteration as the paper's every-iteration losses
        scale = self._ramp(step) * self.focus_interval
        losses.update(self._stf_losses(x, logits, records, phase, scale))
        return losses

    def _stf_losses(self, x: Tensor, logits: Tensor, records: List[dict],
                    phase: str, scale: float = 1.0) -> Dict[str, Tensor]:
        w = {k: scale * v for k, v in self.weights.items()}
        use = {k: w[k] > 0 for k in LOSS_WEIGHTS}
        if phase == 'exploration':
            use.update(loss_d=False, loss_c=False, loss_gk=False)
        elif phase == 'focus':
            use['loss_e'] = False
        top2 = logits.detach().topk(2, dim=1).indices
        # L_e needs only the last module's Q: stop the gradient there
        wanted = records if any(use[k] for k in ('loss_d', 'loss_c',
                                                 'loss_gk')) else records[-1:]
        second_order = self.focus_gradient == 'second_order'
        foci = [normalize_focus(q) for q in gradcam_focus(
            logits, top2[:, 0], [r['x'] for r in wanted], second_order)]
        out = dict(stf_focus_mean=foci[-1].detach().mean())
        if use['loss_gk']:
            out['loss_gk'] = w['loss_gk'] * adjacency_focus_loss(
                foci, [r['beta'] for r in wanted])
        if use['loss_c']:
            out['loss_c'] = w['loss_c'] * consistency_loss(foci)
        if use['loss_d']:
            second = [normalize_focus(q) for q in gradcam_focus(
                logits, top2[:, 1], [r['x'] for r in wanted], second_order)]
            out['loss_d'] = w['loss_d'] * divergence_loss(foci, second)
        if use['loss_e']:
            with frozen_bn_statistics(self):
                masked_logits = self.cls_head(
                    self.backbone(remove_focus(x, foci[-1])))
            out['loss_e'] = w['loss_e'] * exploration_loss(
                masked_logits, top2[:, 0])
        return out
