"""Never write a checkpoint holding NaN or inf weights."""
from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class FiniteCheckpointHook(Hook):
    """Refuse to save a checkpoint whose parameters or buffers are not
    finite: training stops with the tensors named, and the last good
    checkpoint stays the latest one (``--resume`` picks it up).

    The optimizer wrappers of :mod:`mmdsts.engine.optim_wrappers` keep
    non-finite steps out of the weights; this is the last line of defence
    for anything else (another wrapper, a hand-written hook, a corrupt
    ``load_from``).
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
