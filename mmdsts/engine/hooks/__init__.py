from .rng_state import RNGStateHook
from .udl_val_batch import UDLValBatchHook, UDLValSampler

__all__ = ['RNGStateHook', 'UDLValBatchHook', 'UDLValSampler']
