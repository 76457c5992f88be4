"""Randomness that survives a resume: a run stopped at any iteration and
resumed from its last epoch checkpoint draws the same random numbers as an
uninterrupted one, so it ends bit-identical (CPU, same seed).

Where a training step draws random numbers, and how each is made a function of
``(seed, epoch)`` rather than of the process's history:

* the main process (Gumbel noise, Improved Semhash noise, dropout, the
  DataLoader's per-iterator base seed): torch, NumPy and Python generators
  are reseeded at the start of every training epoch from ``(seed, epoch)``.
  What happened before (validation, the building of a resumed runner) no
  longer matters;
* data-loading workers (augmentation: crops, flips): seeded from the base seed
  their DataLoader iterator drew, i.e. from the reseeded main generator.
  MMEngine's own ``worker_init_fn`` uses ``seed + worker_id`` and would repeat
  the same augmentation draws every epoch;
* the training sampler: MMEngine's ``DefaultSampler`` shuffles with
  ``seed + epoch`` already;
* ``D_val`` (:class:`UDLValBatchHook`): restarts its stream every epoch from
  the position saved in the checkpoint, workers seeded from ``(seed, epoch)``.

What cannot be carried: a persistent worker's (``persistent_workers=True``)
generators live in another process for the whole run and continue across
epochs; they are not in any checkpoint. With persistent training workers a
resumed run is still correct but not bit-identical; the hook says so once.
Iteration-based loops have no epoch start: there the generators' states saved
with the checkpoint are restored (the main process only).
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from mmengine.runner import IterBasedTrainLoop


def derived_seed(*keys: int) -> int:
    """A 32-bit seed determined by ``keys`` (e.g. ``(seed, epoch)``)."""
    return int(np.random.SeedSequence([int(k) for k in keys])
               .generate_state(1)[0])


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def seed_worker_from_loader(worker_id: int) -> None:
    """``worker_init_fn``: NumPy and Python seeded like torch already is in a
    worker, from the base seed the DataLoader iterator drew (plus the worker
    id), so a worker's draws follow the main generator's state."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def seed_workers_from_loader(loader) -> None:
    """Make ``loader``'s workers seed from its iterator's base seed rather
    than from MMEngine's fixed ``seed + worker_id``."""
    if getattr(loader, 'num_workers', 0) > 0:
        loader.worker_init_fn = seed_worker_from_loader


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Exact resume: reseed every training epoch from ``(seed, epoch)``,
    seed data workers from that, and save the generators' states with every
    checkpoint (restored on resume; what counts for iteration-based loops).
    See the module docstring for what each random source is.
    """

    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        seed_workers_from_loader(loader)
        if getattr(loader, 'persistent_workers', False) and \
                loader.num_workers > 0:
            print_log(
                'RNGStateHook: train_dataloader.persistent_workers=True: the '
                "workers' random generators continue across epochs and are "
                'not in checkpoints, so a resumed run will not be '
                'bit-identical to an uninterrupted one (set it to False for '
                'that)', logger='current', level=30)

    def before_train_epoch(self, runner) -> None:
        # An iteration-based loop calls this once, also after a resume: there
        # the restored states must stand.
        if not isinstance(runner.train_loop, IterBasedTrainLoop):
            seed_everything(derived_seed(int(runner.seed or 0), runner.epoch))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_state'] = dict(
            torch=torch.get_rng_state(),
            cuda=torch.cuda.get_rng_state_all()
            if torch.cuda.is_available() else None,
            numpy=np.random.get_state(),
            python=random.getstate())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('rng_state')
        if state is None:
            return
        torch.set_rng_state(state['torch'])
        if state['cuda'] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
        np.random.set_state(state['numpy'])
        random.setstate(state['python'])
