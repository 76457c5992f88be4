"""Upstream-Downstream Learning on MMEngine: the algorithm, the optimizer
constructor, the D_val hook and the DDP wrapper."""
from .hooks import (DSTSRoutingHook, CheckpointGuardHook, RNGStateHook,
                    UDLValBatchHook, UDLValSampler)
from .model_wrapper import UDLDistributedDataParallel
from .optim_constructor import UDLOptimWrapperConstructor
from .optim_wrappers import (NonFiniteSkipAmpOptimWrapper,
                             NonFiniteSkipOptimWrapper)

__all__ = [
    'DSTSRoutingHook', 'CheckpointGuardHook', 'RNGStateHook',
    'UDLValBatchHook', 'UDLValSampler',
    'UDLDistributedDataParallel', 'UDLOptimWrapperConstructor',
    'NonFiniteSkipOptimWrapper', 'NonFiniteSkipAmpOptimWrapper'
]
