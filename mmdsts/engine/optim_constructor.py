"""Two optimizers for UDL: one for upstream parameters, one for the rest."""
import copy
from typing import Optional

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmengine.registry import (OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS,
                               OPTIMIZERS)


class UDLOptimWrapperDict(OptimWrapperDict):
    """The ``upstream`` / ``rest`` pair. A plain MMEngine ``train_step``
    (``MMDistributedDataParallel``'s, for one) would enter the pair's
    ``optim_context`` and skip UDL; that fails here with the key to set,
    instead of MMEngine's "optim_context should be called by each optimizer
    separately"."""

    def optim_context(self, model):
        raise RuntimeError(
            'a plain MMEngine train_step was given the UDL optimizers '
            '(optim_wrapper.constructor=\'UDLOptimWrapperConstructor\'); '
            'it would skip UDL. With DDP set model_wrapper_cfg=dict('
            "type='UDLDistributedDataParallel') in the config (it also "
            'takes find_unused_parameters=True), not MMDistributedDataParallel')


# Stock wrapper types and the twins that skip non-finite steps.
NON_FINITE_SKIP = dict(OptimWrapper='NonFiniteSkipOptimWrapper',
                       AmpOptimWrapper='NonFiniteSkipAmpOptimWrapper')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class UDLOptimWrapperConstructor:
    """Build ``OptimWrapperDict(upstream=..., rest=...)`` for UDL.

    The config is the stock ``optim_wrapper`` plus two keys, so a DSTS config
    changes nothing else of its parent::

        optim_wrapper = dict(
            constructor='UDLOptimWrapperConstructor',
            upstream=dict(optimizer=dict(type='AdamW', lr=3e-4)))  # optional

    * ``rest``: everything of the stock ``optim_wrapper`` (type, optimizer,
      ``paramwise_cfg``, ``clip_grad``, AMP ...) over every parameter except
      the upstream ones: backbone, stock neck, head, the DSTS projections,
      norms, fuse convolutions and the downstream operators.
      A stock ``OptimWrapper`` / ``AmpOptimWrapper`` type becomes its
      ``NonFiniteSkip`` twin (:mod:`mmdsts.engine.optim_wrappers`): a
      non-finite D_train step (step 3) is skipped, never applied.
    * ``upstream``: scoring kernels and gates (``model.dsts``'s
      ``upstream_parameters()``). Defaults: a plain ``OptimWrapper`` with the
      rest's optimizer type and learning rate and ``weight_decay=0`` (decay
      would pull the gate logits to 0, i.e. to undecided gates).

    Schedulers: ``param_scheduler`` may be a list (applied to both) or
    ``dict(rest=[...], upstream=[...])`` (MMEngine's OptimWrapperDict rule).
    Logged learning rates are ``rest/lr`` and ``upstream/lr``.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        self.upstream_cfg = cfg.pop('upstream', None) or dict()
        self.rest_cfg = cfg
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model) -> OptimWrapperDict:
        module = model.module if is_model_wrapper(model) else model
        dsts = getattr(module, 'dsts', None)
        if dsts is None or not hasattr(dsts, 'upstream_parameters'):
            raise TypeError(
                'UDLOptimWrapperConstructor needs a model with a DSTS module '
                '(model.type DSTSRecognizer2D/3D); got '
                f'{type(module).__name__}')
        upstream = dsts.upstream_parameters()
        upstream_ids = {id(p) for p in upstream}

        rest_cfg = dict(self.rest_cfg)
        rest_cfg['type'] = NON_FINITE_SKIP.get(
            rest_cfg.get('type', 'OptimWrapper'), rest_cfg.get('type'))
        if rest_cfg['type'] in NON_FINITE_SKIP.values():
            rest_cfg.setdefault('config_key', 'optim_wrapper')
        rest = DefaultOptimWrapperConstructor(rest_cfg,
                                              self.paramwise_cfg)(module)
        for group in rest.optimizer.param_groups:
            group['params'] = [
                p for p in group['params'] if id(p) not in upstream_ids
            ]
        rest.optimizer.param_groups[:] = [
            g for g in rest.optimizer.param_groups if g['params']
        ]

        wrapper_cfg = copy.deepcopy(self.upstream_cfg)
        optimizer_cfg = wrapper_cfg.pop('optimizer', None)
        if optimizer_cfg is None:
            base = self.rest_cfg['optimizer']
            optimizer_cfg = dict(type=base['type'], lr=base['lr'])
            if 'momentum' in base:
                optimizer_cfg['momentum'] = base['momentum']
        optimizer_cfg = dict(optimizer_cfg)
        optimizer_cfg.setdefault('weight_decay', 0.0)
        optimizer_cfg['params'] = [p for p in upstream if p.requires_grad]
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        wrapper_cfg['optimizer'] = OPTIMIZERS.build(optimizer_cfg)
        return UDLOptimWrapperDict(
            rest=rest, upstream=OPTIM_WRAPPERS.build(wrapper_cfg))
