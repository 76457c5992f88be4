from .dsts_routing import DSTSRoutingHook
from .checkpoint_guard import CheckpointGuardHook
from .rng_state import RNGStateHook
from .udl_val_batch import UDLValBatchHook, UDLValSampler

__all__ = ['DSTSRoutingHook', 'CheckpointGuardHook', 'RNGStateHook',
           'UDLValBatchHook', 'UDLValSampler']
