"""The Upstream-Downstream Learning training step of the DSTS recognizers
(paper section 3.3, Eq. 9-11), on the model-independent pieces of
:mod:`mmdsts.engine.udl`.

``model.udl`` (bool or dict) switches Upstream-Downstream Learning (section 3.3);
off is the "w/o UDL" row of Table 5 and trains exactly like the stock
recognizer. With UDL the optimizer wrapper must be an ``OptimWrapperDict``
with ``upstream`` and ``rest`` wrappers (build it with
``constructor='UDLOptimWrapperConstructor'``), and every batch must carry a
disjoint ``D_val`` batch under the key ``udl_val`` (``UDLValBatchHook`` adds
it). UDL settings (dict form), all optional:

* ``alpha`` (float): step size of the simulated update (Eq. 9). None (default):
  the current learning rate of the downstream parameters, read from the
  ``rest`` optimizer each iteration, so it follows the schedule.
* ``max_nonfinite_in_a_row`` (int): a non-finite loss or meta-gradient in
  steps 1-2 skips that meta update with a warning; more than this many in a
  row stop training. Defaults to 3.
* ``d_val`` (str): ``'fresh'`` (default): a D_val batch from
  ``UDLValBatchHook`` every iteration, its backbone features computed anew.
  ``'previous_batch'``: the cheaper option, D_val is the previous
  iteration's D_train batch with the (detached) backbone features already
  computed for it, so UDL costs no extra backbone forward. Trade-offs: those
  features come from the backbone of one step earlier, the samples were just
  trained on (a weaker "unseen" estimate than an independent batch), the
  first iteration and the first after a resume make no meta update, and an
  iteration whose D_train shares a sample with the previous batch (possible
  across epoch boundaries) skips its meta update. No hook is needed.
* ``first_order_weight`` (float): beyond the paper. The upstream gradient
  of step 2 is ``grad_u l(u_hat, d_hat; D_val) + w grad_u l(u, d; D_train)``:
  Eq. 10's second-order term plus ``w`` times the ordinary first-order
  gradient of the D_train loss (taken from Eq. 9's backward pass, at no
  extra pass). Eq. 10 alone moves ``u`` by
  ``O(alpha^2)``: measured on the CPU config, the gate logits moved by 1e-5
  in 756 iterations (their meta-gradients are below Adam's epsilon), so the
  evaluation architecture stayed the initial one. Defaults to 1.0;
  ``0`` is Eq. 10 as written (the paper).
"""
import math
from typing import Dict

import torch
from mmengine.logging import MessageHub, print_log
from mmengine.optim import OptimWrapperDict

from mmdsts.engine.udl import (LossCall, all_finite, average_across_ranks,
                               frozen_buffers, meta_gradient,
                               simulated_update)
from mmdsts.models.necks.dsts_dynamics import live_gradient_fraction

UDL_DEFAULTS = dict(alpha=None, max_nonfinite_in_a_row=3, d_val='fresh',
                    first_order_weight=1.0)
D_VAL_SOURCES = ('fresh', 'previous_batch')


def _one_feature_map(x):
    if isinstance(x, (tuple, list)):
        raise ValueError(
            'the DSTS module needs one feature map but the backbone/neck '
            f'returned a {type(x).__name__} of {len(x)}; pick one output '
            '(e.g. backbone out_indices) in model.backbone')
    return x


def _without_val(data):
    """The batch without the D_val batch a UDLValBatchHook may have added."""
    return {k: v for k, v in data.items() if k != 'udl_val'}


def run_dsts(dsts, x):
    """The DSTS module on a stock feature.

    ``Recognizer2D`` (TSM-TPN) squeezes TPN's fused output, whose temporal
    length is 1, to ``(N, C, H, W)`` before the head; the module then sees it
    as ``(N, C, 1, H, W)`` (its temporal operators reduce to their centre tap)
    and the result is squeezed back.
    """
    x = _one_feature_map(x)
    if x.dim() == 4:
        return dsts(x.unsqueeze(2))[0].squeeze(2)
    return dsts(x)[0]


def _tail_loss(tail: LossCall, feats, data_samples, kwargs) -> torch.Tensor:
    """Classification loss of the DSTS module and head on backbone (+ stock
    neck) features, summed like ``BaseModel.parse_losses``."""
    x = run_dsts(tail.dsts, feats)
    losses = tail.cls_head.loss(x, data_samples, **kwargs)
    return sum(v for k, v in losses.items() if 'loss' in k)


def _disjoint(samples_a, samples_b) -> bool:
    """Whether two batches share no ``sample_idx`` (which must be packed)."""
    def ids(samples):
        found = [s.metainfo.get('sample_idx') for s in samples]
        if any(i is None for i in found):
            raise KeyError("model.udl.d_val='previous_batch' needs 'sample_idx' "
                           'in the meta_keys of PackActionInputs (train_pipeline)')
        return set(found)
    return ids(samples_a).isdisjoint(ids(samples_b))


class UDLTrainStepMixin:
    """``train_step`` with and without UDL for a recognizer holding
    ``self.dsts`` and ``self.udl`` (see :class:`DSTSRecognizerMixin`)."""

    def train_step(self, data, optim_wrapper):
        """The stock step without UDL; the three UDL steps with it."""
        if self.udl is not None:
            return self.udl_train_step(self, data, optim_wrapper)
        if isinstance(optim_wrapper, OptimWrapperDict):
            return self.plain_step_with_two_optimizers(self, data,
                                                       optim_wrapper)
        if isinstance(data, dict):
            data = _without_val(data)
        return super().train_step(data, optim_wrapper)

    def plain_step_with_two_optimizers(self, caller, data, optim_wrapper):
        """"w/o UDL" with the UDL optimizers: one backward on D_train, then
        both the rest and the upstream optimizer step (each with its own
        learning rate and schedule)."""
        wrappers = self._check_udl_wrappers(optim_wrapper)
        data = _without_val(data)
        rest, upstream = wrappers['rest'], wrappers['upstream']
        with rest.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = caller(**data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        scale = self._loss_scale(rest)
        rest.update_params(parsed)
        params = self.dsts.upstream_parameters()
        live = live_gradient_fraction(self.dsts)
        if live is not None:
            log_vars['dsts_grad_live'] = float(live)
        grads = [p.grad for p in params if p.grad is not None]
        if grads and all_finite(*grads):
            for g in grads:
                g.div_(scale)
            upstream.step()
        upstream.zero_grad()
        return log_vars

    def udl_train_step(self, caller, data, optim_wrapper) -> Dict:
        """One UDL iteration.

        Args:
            caller: What runs the forward: the model itself, or its DDP
                wrapper so that step 3's gradients are all-reduced.
            data (dict): A batch with the ``D_val`` batch under ``udl_val``.
            optim_wrapper (OptimWrapperDict): ``upstream`` and ``rest``.
        """
        wrappers = self._check_udl_wrappers(optim_wrapper)
        fresh = self.udl['d_val'] == 'fresh'
        if fresh and (not isinstance(data, dict) or 'udl_val' not in data):
            raise KeyError(
                'UDL needs a D_val batch in every training batch under '
                "'udl_val'; add custom_hooks=[dict(type='UDLValBatchHook')] "
                'to the config, or set model.udl=False')
        rest = wrappers['rest']
        with rest.optim_context(self):
            train = self.data_preprocessor(_without_val(data), True)
            val = self.data_preprocessor(data['udl_val'], True) \
                if fresh else None
            losses, meta_log = caller(
                train['inputs'], train['data_samples'], mode='udl',
                udl_val=val, udl_wrappers=wrappers)
        parsed, log_vars = self.parse_losses(losses)
        rest.update_params(parsed)  # step 3: d and the rest, u' frozen
        # Step 3's backward also reached u (first order, never applied).
        live = live_gradient_fraction(self.dsts)
        if live is not None:
            log_vars['dsts_grad_live'] = float(live)
        wrappers['upstream'].zero_grad()  # step 3 must not move u
        log_vars.update(meta_log)
        return log_vars

    def udl_forward(self, inputs, data_samples, udl_val, udl_wrappers):
        """Backbone once on D_train (graph kept) and once on D_val (no grad),
        steps 1-2 on detached features, then step 3's losses."""
        feats, kwargs = super().extract_feat(inputs, 'neck', data_samples)
        if udl_val is not None:
            with torch.no_grad(), frozen_buffers(self):
                val_feats, val_kwargs = super().extract_feat(
                    udl_val['inputs'], 'neck', udl_val['data_samples'])
            val = (_one_feature_map(val_feats), udl_val['data_samples'],
                   val_kwargs)
        else:  # d_val='previous_batch'
            val, self._previous_batch = self._previous_batch, (
                _one_feature_map(feats).detach(), data_samples,
                {k: v for k, v in kwargs.items() if k != 'loss_aux'})
            if val is not None and not _disjoint(data_samples, val[1]):
                val = None
        if val is None:
            meta_log = dict(udl_skipped=torch.ones((), device=feats.device))
        else:
            meta_log = self._meta_update(_one_feature_map(feats).detach(),
                                         data_samples, kwargs, *val,
                                         udl_wrappers)
        x = self._apply_dsts(feats)
        losses = self.cls_head.loss(x, data_samples, **kwargs)
        losses.update(kwargs.get('loss_aux', dict()))
        losses.update(self.routing_log())
        return losses, meta_log

    def _meta_update(self, feats, samples, kwargs, val_feats, val_samples,
                     val_kwargs, wrappers) -> Dict[str, torch.Tensor]:
        """Steps 1-2 (Eq. 9-10); applies u' through the upstream optimizer."""
        tail = LossCall(dsts=self.dsts, cls_head=self.cls_head)
        upstream = {f'dsts.{n}': p
                    for n, p in self.dsts.named_upstream_parameters()}
        downstream = {f'dsts.{n}': p
                      for n, p in self.dsts.named_downstream_parameters()}
        alpha = self._udl_alpha(wrappers['rest'], next(iter(
            downstream.values())))
        scale = self._loss_scale(wrappers['rest'])
        kwargs = {k: v for k, v in kwargs.items() if k != 'loss_aux'}
        val_kwargs = {k: v for k, v in val_kwargs.items() if k != 'loss_aux'}
        weight = float(self.udl['first_order_weight'])
        with frozen_buffers(self):
            train_loss = _tail_loss(tail, feats, samples, kwargs)
            d_hat = simulated_update(
                train_loss * scale, list(downstream.values()), alpha, scale,
                first_order_of=list(upstream.values()) if weight else None)
            first_order = None
            if weight:  # from the same backward pass as Eq. 9
                d_hat, first_order = d_hat
            d_hat = dict(zip(downstream, d_hat))
            val_loss, grads = meta_gradient(
                _tail_loss, tail, upstream, d_hat,
                (val_feats, val_samples, val_kwargs), scale)
        log = dict(udl_train_loss=train_loss.detach(),
                   udl_meta_loss=val_loss.detach())
        live = live_gradient_fraction(self.dsts, grads)
        if live is not None:
            log['dsts_meta_grad_live'] = live
        if first_order is not None:
            grads = [g if f is None else g + weight * f
                     for g, f in zip(grads, first_order)]
        average_across_ranks(grads)
        if not all_finite(train_loss.detach(), val_loss.detach(), *grads):
            self._skip_meta_update(wrappers['upstream'], alpha)
            log['udl_skipped'] = torch.ones((), device=feats.device)
            return log
        self._nonfinite_in_a_row = 0
        for p, g in zip(upstream.values(), grads):
            p.grad = g.to(p.dtype)
        wrappers['upstream'].step()
        wrappers['upstream'].zero_grad()
        log['udl_skipped'] = torch.zeros((), device=feats.device)
        return log

    def _skip_meta_update(self, upstream, alpha: float):
        self._nonfinite_in_a_row += 1
        it = MessageHub.get_current_instance().get_info('iter', None)
        limit = self.udl['max_nonfinite_in_a_row']
        print_log(
            f'UDL: non-finite loss or meta-gradient in steps 1-2 at iteration '
            f'{it}; meta update skipped ({self._nonfinite_in_a_row} in a row, '
            f'limit model.udl.max_nonfinite_in_a_row={limit})',
            logger='current', level=30)
        if self._nonfinite_in_a_row > limit:
            clip = upstream.clip_grad_kwargs
            clip_hint = ('optim_wrapper.upstream.clip_grad='
                         f'{dict(clip)} is on; lower its max_norm' if clip
                         else 'or clip the meta-gradient with optim_wrapper.'
                         'upstream.clip_grad=dict(max_norm=1)')
            raise RuntimeError(
                f'UDL: {self._nonfinite_in_a_row} non-finite meta updates in '
                f'a row (last at iteration {it}); training stopped. Check '
                'the training data for NaN/inf (D_val is drawn from it), '
                'lower the simulated step size (model.udl=dict(alpha=...), '
                f'now {alpha:g}) or '
                'optim_wrapper.upstream.optimizer.lr (now '
                f"{upstream.optimizer.param_groups[0]['lr']:g}), {clip_hint}.")

    def _check_udl_wrappers(self, optim_wrapper) -> OptimWrapperDict:
        if not isinstance(optim_wrapper, OptimWrapperDict) or \
                {'upstream', 'rest'} - set(optim_wrapper.keys()):
            raise TypeError(
                'UDL (model.udl) needs an OptimWrapperDict with `upstream` and '
                "`rest`: set optim_wrapper.constructor='UDLOptimWrapperConstructor' "
                'in the config, or model.udl=False')
        return optim_wrapper

    def _udl_alpha(self, rest, downstream_param) -> float:
        if self.udl['alpha'] is not None:
            return float(self.udl['alpha'])
        for group in rest.optimizer.param_groups:
            if any(p is downstream_param for p in group['params']):
                return float(group['lr'])
        raise ValueError('UDL: the downstream parameters are not in the rest '
                         'optimizer; set model.udl.alpha explicitly')

    @staticmethod
    def _loss_scale(wrapper) -> float:
        scaler = getattr(wrapper, 'loss_scaler', None)
        if scaler is None or not scaler.is_enabled():
            return 1.0
        scale = float(scaler.get_scale())
        return scale if math.isfinite(scale) and scale > 0 else 1.0


