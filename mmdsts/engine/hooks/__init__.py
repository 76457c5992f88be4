from .dsts_routing import DSTSRoutingHook
from .rng_state import RNGStateHook
from .udl_val_batch import UDLValBatchHook, UDLValSampler

__all__ = ['DSTSRoutingHook', 'RNGStateHook', 'UDLValBatchHook',
           'UDLValSampler']
