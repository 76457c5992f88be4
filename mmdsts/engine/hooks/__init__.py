from .dsts_routing import DSTSRoutingHook
from .finite_checkpoint import FiniteCheckpointHook
from .rng_state import RNGStateHook
from .udl_val_batch import UDLValBatchHook, UDLValSampler

__all__ = ['DSTSRoutingHook', 'FiniteCheckpointHook', 'RNGStateHook',
           'UDLValBatchHook', 'UDLValSampler']
