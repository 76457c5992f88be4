"""``D_val`` for UDL: training samples disjoint from ``D_train`` each
iteration, from an independent shuffle of the training set."""
import copy
import itertools
from collections import deque
from typing import Iterator, Optional

import torch
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.registry import DATA_SAMPLERS, HOOKS
from torch.utils.data import Sampler

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

    ``D_val`` has as many samples as ``D_train``, comes from an independent
    shuffle of the training set (:class:`UDLValSampler`, built from the
    ``train_dataloader`` config) and never contains a ``D_train`` sample of
    the same iteration: stream samples that collide are kept for later
    iterations. Sample identity is MMEngine's ``sample_idx``; the hook adds it
    to ``PackActionInputs.meta_keys`` of the training pipeline. Its position
    in the stream is saved in checkpoints and restored on resume.

    Args:
        seed (int, optional): Seed of the D_val shuffle. None: the runner's
            seed.
    """

    priority = 'NORMAL'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self.next_unused = 0  # stream position of the first unused sample
        self._buffer = deque()
        self._iterator = None
        self._loader = None

    # -------------------------------------------------------------- set-up
    def before_train(self, runner) -> None:
        # Not before_run: that also runs for `runner.test()`, where building
        # the training dataloader would need the training list.
        if self.seed is None:
            self.seed = int(getattr(runner, 'seed', 0) or 0)
        _ensure_sample_idx(runner.train_dataloader.dataset)
        self._dataloader_cfg = copy.deepcopy(runner.cfg.train_dataloader)

    def _start_stream(self, runner) -> None:
        cfg = copy.deepcopy(self._dataloader_cfg)
        cfg['sampler'] = dict(
            type='UDLValSampler', seed=self.seed, start=self.next_unused)
        cfg.pop('batch_sampler', None)
        cfg['persistent_workers'] = False
        # Creating a DataLoader iterator draws from the global torch RNG;
        # fork it so that the model's Gumbel / Semhash noise does not depend
        # on when the stream (re)starts, e.g. after a resume.
        with torch.random.fork_rng(devices=[]):
            self._loader = runner.build_dataloader(cfg, seed=self.seed)
            _ensure_sample_idx(self._loader.dataset)
            self._iterator = iter(self._loader)
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
        train_ids = {_sample_idx(s) for s in data_batch['data_samples']}
        chosen, kept = [], []
        while len(chosen) < len(data_batch['data_samples']):
            position, (inputs, sample) = self._next_sample()
            if _sample_idx(sample) in train_ids:
                kept.append((position, (inputs, sample)))
            else:
                chosen.append((position, (inputs, sample)))
        self._buffer.extendleft(reversed(kept))  # collisions wait their turn
        self.next_unused = self._buffer[0][0] if self._buffer \
            else self._consumed
        data_batch['udl_val'] = dict(
            inputs=[item[1][0] for item in chosen],
            data_samples=[item[1][1] for item in chosen])

    # ------------------------------------------------------ checkpointing
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['udl_val_batch_hook'] = dict(
            next_unused=self.next_unused, seed=self.seed)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('udl_val_batch_hook')
        if state is None:
            return
        self.next_unused = state['next_unused']
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
