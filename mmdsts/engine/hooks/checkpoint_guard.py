"""Checkpoints that can be trusted: none is written with NaN or inf
weights, and ``--resume`` refuses one written by another model or optimizer
setup, saying what to do instead."""
from mmengine.hooks import CheckpointHook, Hook
from mmengine.optim import OptimWrapperDict
from mmengine.registry import HOOKS

from mmdsts.utils.checkpoint import state_dict_mismatch


@HOOKS.register_module()
class CheckpointGuardHook(Hook):
    """Two checks around checkpoints.

    * Saving: a checkpoint whose parameters or buffers are not finite is not
      written; training stops with the tensors named, and the last good
      checkpoint stays the latest one (``--resume`` picks it up). The
      optimizer wrappers of :mod:`mmdsts.engine.optim_wrappers` keep
      non-finite steps out of the weights; this is the last line of defence
      for anything else (another wrapper, a hook, a corrupt ``load_from``).
    * Resuming: the checkpoint must hold every parameter and buffer of the
      model with its shape, and the optimizers the config builds (a baseline
      checkpoint resumed into a DSTS config has no ``upstream``/``rest``
      pair; MMEngine stops with "Mismatched state_dict! cannot found state in
      OptimWrapperDict", or, with one optimizer, resumes a randomly
      initialised DSTS module). ``load_from`` without resume (fine-tuning)
      stays non-strict, as in MMEngine.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict', {})
        bad = [k for k, v in state.items()
               if v.is_floating_point() and not v.isfinite().all()]
        if not bad:
            return
        last = [h.last_ckpt for h in runner.hooks
                if isinstance(h, CheckpointHook)
                and getattr(h, 'last_ckpt', None)]
        raise RuntimeError(
            f'the model holds non-finite values in {len(bad)} tensor(s) '
            f"(e.g. {', '.join(bad[:3])}) at epoch {runner.epoch}, iteration "
            f'{runner.iter}; the checkpoint was not written. '
            + (f'The last good checkpoint is {last[0]}. ' if last else '')
            + 'Look for the first non-finite loss in the log.')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return
        problems = []
        model = getattr(runner.model, 'module', runner.model)
        mismatch = state_dict_mismatch(model.state_dict(),
                                       checkpoint.get('state_dict', {}))
        if mismatch:
            problems.append(f'model: {mismatch}')
        wrapper = getattr(runner, 'optim_wrapper', None)
        saved = checkpoint.get('optimizer')
        if isinstance(wrapper, OptimWrapperDict) and isinstance(saved, dict):
            expected, found = sorted(wrapper.keys()), sorted(saved)
            if {'state', 'param_groups'} <= set(found):
                found = 'one optimizer'
            if expected != found:
                problems.append(f'optimizers: the config builds {expected}, '
                                f'the checkpoint holds {found}')
        if problems:
            source = runner._load_from or 'the latest checkpoint'
            raise ValueError(
                f'cannot resume from {source}: it was written by another '
                f"setup ({'; '.join(problems)}). --resume continues a run "
                'with its own config. To start this config from those '
                f'weights, train without --resume and with '
                f'--cfg-options load_from={source}')
