"""Optimizer wrappers that refuse a non-finite training step.

One NaN sample in a batch makes the loss and every gradient NaN; a plain
``OptimWrapper`` applies that update and every weight becomes NaN (and the
BatchNorm statistics of that forward are NaN already). These wrappers check
the step instead of applying it blindly:

* the loss and, after backward (and DDP's all-reduce), every gradient must be
  finite; otherwise the update is skipped, the gradients are zeroed and the
  model's buffers (BatchNorm running statistics) are put back to what they
  were before the forward, so the batch leaves no trace;
* under DDP the decision is all-reduced, so every rank skips together (a rank
  that stepped alone would leave the others behind);
* each skip is logged with its iteration and counted (``skipped_steps``);
  more than ``max_nonfinite_in_a_row`` in a row stop training with a message
  naming this wrapper's keys in the running config.

With AMP (:class:`NonFiniteSkipAmpOptimWrapper`) inf/NaN *gradients* are the
loss scaler's business (it skips the step and lowers the scale, which is
normal in the first iterations); only a non-finite loss counts here.

The backward always runs, also for a non-finite loss: under DDP every rank
must take part in the all-reduce.
"""
from typing import Dict, Optional

import torch
from mmengine.logging import MessageHub, print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

from .udl import all_finite


def _all_ranks_agree(flag: bool, device) -> bool:
    """True when ``flag`` is True on every rank."""
    if not (torch.distributed.is_available()
            and torch.distributed.is_initialized()):
        return flag
    t = torch.tensor([0.0 if flag else 1.0], device=device)
    torch.distributed.all_reduce(t)
    return t.item() == 0.0


class NonFiniteSkipMixin:
    """See the module docstring.

    Args:
        max_nonfinite_in_a_row (int): Skipped steps in a row tolerated
            before training stops. Defaults to 3.
        config_key (str): Where this wrapper's settings are in the config,
            for messages. Defaults to ``'optim_wrapper'``.
    """

    check_gradients = True

    def __init__(self, *args, max_nonfinite_in_a_row: int = 3,
                 config_key: str = 'optim_wrapper', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_nonfinite_in_a_row = max_nonfinite_in_a_row
        self.config_key = config_key
        self.skipped_steps = 0
        self._in_a_row = 0
        self._buffers = []

    def optim_context(self, model):
        # Entered before the forward: the last moment the buffers are clean.
        self._buffers = [(b, b.detach().clone()) for b in model.buffers()]
        return super().optim_context(model)

    def update_params(self, loss: torch.Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        finite = bool(torch.isfinite(loss.detach()).all())
        self.backward(self.scale_loss(loss))
        if not self.should_update():
            return
        if finite and self.check_gradients:
            grads = [p.grad for group in self.optimizer.param_groups
                     for p in group['params'] if p.grad is not None]
            finite = not grads or all_finite(*grads)
        if _all_ranks_agree(finite, loss.device):
            self._in_a_row = 0
            self.step(**(step_kwargs or {}))
        else:
            self._skip(loss)
        self.zero_grad(**(zero_kwargs or {}))

    def _skip(self, loss) -> None:
        with torch.no_grad():
            for buffer, saved in self._buffers:
                buffer.copy_(saved)
        self.skipped_steps += 1
        self._in_a_row += 1
        it = MessageHub.get_current_instance().get_info('iter', None)
        what = 'loss' if not torch.isfinite(loss.detach()).all() \
            else 'gradient'
        print_log(
            f'non-finite training {what} at iteration {it}: update skipped, '
            f'buffers restored ({self._in_a_row} in a row, limit '
            f'{self.config_key}.max_nonfinite_in_a_row='
            f'{self.max_nonfinite_in_a_row}; {self.skipped_steps} in all)',
            logger='current', level=30)
        if self._in_a_row > self.max_nonfinite_in_a_row:
            raise RuntimeError(self._stop_message(it))

    def _stop_message(self, it) -> str:
        key = self.config_key
        lr = self.optimizer.param_groups[0]['lr']
        clip = self.clip_grad_kwargs
        clip_hint = (f'gradient clipping is on ({key}.clip_grad='
                     f'{dict(clip)}); lower its max_norm' if clip else
                     f'or enable gradient clipping, e.g. {key}.clip_grad='
                     'dict(max_norm=10)')
        return (f'{self._in_a_row} non-finite training steps in a row (last '
                f'at iteration {it}); training stopped before the weights '
                f'were touched. Check the input data for NaN/inf, lower '
                f'{key}.optimizer.lr (now {lr:g}), {clip_hint}.')


@OPTIM_WRAPPERS.register_module()
class NonFiniteSkipOptimWrapper(NonFiniteSkipMixin, OptimWrapper):
    """``OptimWrapper`` that skips non-finite steps (module docstring)."""


@OPTIM_WRAPPERS.register_module()
class NonFiniteSkipAmpOptimWrapper(NonFiniteSkipMixin, AmpOptimWrapper):
    """``AmpOptimWrapper`` that skips steps with a non-finite loss; the loss
    scaler handles overflowing gradients (module docstring)."""

    check_gradients = False
