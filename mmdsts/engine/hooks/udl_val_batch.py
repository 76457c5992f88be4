"""``D_val`` for UDL: training samples disjoint from ``D_train`` each
iteration, from an independent shuffle of the training set."""
import copy
import itertools
from collections import deque
from typing import Iterator, Optional

import torch
from mmengine.dist import all_gather_object, get_dist_info, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import DATA_SAMPLERS, HOOKS
from torch.utils.data import Sampler

from .rng_state import derived_seed, seed_workers_from_loader

# Keeps the D_val shuffle independent of DefaultSampler's (seed + epoch).
SEED_OFFSET = 1_000_003


@DATA_SAMPLERS.register_module()
class UDLValSampler(Sampler):
    """An endless stream of this rank's share of seeded permutations of the
    dataset, startable at any position (for resume).

    Args:
        dataset: The training dataset.
        seed (int): Seed of the shuffle. Defaults to 0.
        start (int): Position in this rank's stream to start from.
    """

    def __init__(self, dataset, seed: int = 0, start: int = 0) -> None:
        self.size = len(dataset)
        self.seed = seed
        self.start = start
        self.rank, self.world_size = get_dist_info()

    def _epoch(self, epoch: int) -> list:
        gen = torch.Generator().manual_seed(self.seed + SEED_OFFSET + epoch)
        return torch.randperm(self.size, generator=gen)[
            self.rank::self.world_size].tolist()

    def __iter__(self) -> Iterator[int]:
        per_epoch = len(range(self.rank, self.size, self.world_size))
        epoch, offset = divmod(self.start, per_epoch)
        for e in itertools.count(epoch):
            yield from self._epoch(e)[offset:]
            offset = 0

    def __len__(self) -> int:  # endless; DataLoader asks only for a hint
        return 2**62


@HOOKS.register_module()
class UDLValBatchHook(Hook):
    """Attach a ``D_val`` batch (key ``udl_val``) to every training batch.

    ``D_val`` has as many samples as ``D_train`` and comes from an independent
    shuffle of the training set (:class:`UDLValSampler`, built from the
    ``train_dataloader`` config). A stream sample that is in the ``D_train``
    batch of the same iteration, or already in this ``D_val`` batch (the
    stream crosses from one permutation to the next), is passed over: no
    sample appears twice in a ``D_val`` batch or in both batches of an
    iteration. Sample identity is MMEngine's ``sample_idx``; the hook adds it
    to ``PackActionInputs.meta_keys`` of the training pipeline.

    The hook's state is one number, the stream position of the first sample
    not yet used or passed over; it is saved in checkpoints. The stream
    restarts from there at every epoch start, its workers seeded from
    ``(seed, epoch)`` (see :mod:`mmdsts.engine.hooks.rng_state`), so a
    resumed run draws the same ``D_val`` batches, augmentation included, as
    an uninterrupted one.

    Args:
        seed (int, optional): Seed of the D_val shuffle. None: the runner's
            seed.
    """

    priority = 'NORMAL'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self.next_unused = 0  # stream position of the first unused sample
        self.passed_over = 0  # samples skipped as duplicates (this process)
        self._buffer = deque()
        self._iterator = None

    # -------------------------------------------------------------- set-up
    def before_train(self, runner) -> None:
        # Not before_run: that also runs for `runner.test()`, where building
        # the training dataloader would need the training list.
        if self.seed is None:
            self.seed = int(getattr(runner, 'seed', 0) or 0)
        loader = runner.train_dataloader
        _ensure_sample_idx(loader.dataset)
        self._dataloader_cfg = copy.deepcopy(runner.cfg.train_dataloader)
        _, world = get_dist_info()
        per_rank = len(loader.dataset) // world
        if loader.batch_size and per_rank < 2 * loader.batch_size:
            raise ValueError(
                f'UDL: D_train and D_val of an iteration share no sample, so '
                f'each rank needs at least 2 x train_dataloader.batch_size '
                f'= {2 * loader.batch_size} training samples; it has '
                f'{per_rank} ({len(loader.dataset)} over {world} rank(s)). '
                'Lower train_dataloader.batch_size or use more data.')

    def before_train_epoch(self, runner) -> None:
        self._start_stream(runner)

    def _start_stream(self, runner) -> None:
        cfg = copy.deepcopy(self._dataloader_cfg)
        cfg['sampler'] = dict(
            type='UDLValSampler', seed=self.seed, start=self.next_unused)
        cfg.pop('batch_sampler', None)
        cfg['persistent_workers'] = False
        # Creating a DataLoader iterator draws from the global torch RNG;
        # fork it so that the model's Gumbel / Semhash noise does not depend
        # on when the stream (re)starts, and seed it so that the workers'
        # augmentation is a function of (seed, epoch).
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derived_seed(self.seed, SEED_OFFSET,
                                           runner.epoch))
            loader = runner.build_dataloader(cfg, seed=self.seed)
            seed_workers_from_loader(loader)
            _ensure_sample_idx(loader.dataset)
            self._iterator = iter(loader)
        self._buffer.clear()
        self._consumed = self.next_unused

    def _next_sample(self):
        if not self._buffer:
            batch = next(self._iterator)
            for item in zip(batch['inputs'], batch['data_samples']):
                self._buffer.append((self._consumed, item))
                self._consumed += 1
        return self._buffer.popleft()

    # ----------------------------------------------------------- each iter
    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if data_batch is None:
            return
        if self._iterator is None:
            self._start_stream(runner)
        taken = {_sample_idx(s) for s in data_batch['data_samples']}
        chosen = []
        while len(chosen) < len(data_batch['data_samples']):
            position, (inputs, sample) = self._next_sample()
            self.next_unused = position + 1
            idx = _sample_idx(sample)
            if idx in taken:
                self.passed_over += 1
                continue
            taken.add(idx)
            chosen.append((inputs, sample))
        data_batch['udl_val'] = dict(
            inputs=[inputs for inputs, _ in chosen],
            data_samples=[sample for _, sample in chosen])

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        # Checkpoints are written by rank 0 alone (before_save_checkpoint
        # runs there only), and each rank has its own stream position.
        self._positions = all_gather_object(self.next_unused) \
            if is_distributed() else [self.next_unused]

    # ------------------------------------------------------ checkpointing
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        positions = getattr(self, '_positions', [self.next_unused])
        checkpoint['udl_val_batch_hook'] = dict(
            next_unused=positions, seed=self.seed)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('udl_val_batch_hook')
        if state is None:
            return
        positions = state['next_unused']
        if isinstance(positions, int):  # written before per-rank positions
            positions = [positions]
        rank, world = get_dist_info()
        if len(positions) == world:
            self.next_unused = positions[rank]
        else:  # same point of the shuffle, resharded: not bit-exact
            self.next_unused = min(positions) * len(positions) // world
            print_log(
                f'UDLValBatchHook: the checkpoint holds D_val positions of '
                f'{len(positions)} rank(s), this run has {world}: the D_val '
                'stream continues from the same point of its shuffle, but '
                'the run is not bit-identical to an uninterrupted one',
                logger='current', level=30)
        self.seed = state['seed']
        self._iterator = None  # restart the stream there


def _sample_idx(sample) -> int:
    idx = sample.metainfo.get('sample_idx')
    if idx is None:
        raise KeyError(
            "UDLValBatchHook needs each sample's 'sample_idx' to keep D_val "
            "disjoint from D_train: add 'sample_idx' to the meta_keys of "
            'PackActionInputs in train_pipeline (the hook does this itself '
            'unless the training dataloader started its workers before '
            'before_train, as IterBasedTrainLoop with num_workers > 0 does)')
    return int(idx)


def _ensure_sample_idx(dataset) -> None:
    """Add 'sample_idx' to the meta_keys of the pipeline's PackActionInputs."""
    while hasattr(dataset, 'dataset') and not hasattr(dataset, 'pipeline'):
        dataset = dataset.dataset  # dataset wrappers
    pipeline = getattr(dataset, 'pipeline', None)
    for transform in getattr(pipeline, 'transforms', []):
        keys = getattr(transform, 'meta_keys', None)
        if keys is not None and 'sample_idx' not in keys:
            transform.meta_keys = tuple(keys) + ('sample_idx', )
