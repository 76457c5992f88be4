"""Upstream-Downstream Learning on MMEngine: the algorithm, the optimizer
constructor, the D_val hook and the DDP wrapper."""
from .hooks import DSTSRoutingHook, RNGStateHook, UDLValBatchHook, UDLValSampler
from .model_wrapper import UDLDistributedDataParallel
from .optim_constructor import UDLOptimWrapperConstructor

__all__ = [
    'DSTSRoutingHook', 'RNGStateHook', 'UDLValBatchHook', 'UDLValSampler', 'UDLDistributedDataParallel',
    'UDLOptimWrapperConstructor'
]
