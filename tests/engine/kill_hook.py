"""A hook that SIGKILLs its own process at a given training iteration:
the "killed mid-epoch" half of the exact-resume tests."""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module(force=True)
class KillAtIterationHook(Hook):

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
