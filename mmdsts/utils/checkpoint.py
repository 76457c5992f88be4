"""Resume under torch >= 2.6 without turning safe loading off.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and MMEngine
0.10.7 calls ``torch.load`` without ``weights_only``. Its checkpoints hold, beside
tensors, the message hub's ``HistoryBuffer`` objects with NumPy arrays and
scalars, so ``--resume`` fails with "Unsupported global". Instead of
``weights_only=False`` (unpickling an untrusted file can run arbitrary code) we
allow-list exactly those classes: MMEngine's ``HistoryBuffer`` and the NumPy
array/dtype/scalar reconstruction helpers. Everything else stays refused.

One more thing stands in the way: ``HistoryBuffer.__getstate__`` writes the
class-wide table of statistics functions into every pickle, and functions
such as ``HistoryBuffer.min`` pickle through ``builtins.getattr``, which must
never be allow-listed (it opens arbitrary attribute access). The table is
class-level and ``__setstate__`` re-registers the defaults (custom statistics
re-register when the module defining them is imported), so we pickle a
``HistoryBuffer`` without it. Checkpoints written after ``import mmdsts`` load
safely; older ones fail with torch's "Unsupported global: getattr" message.
"""
import numpy as np
import torch


def _numpy_globals():
    core = getattr(np, '_core', None) or np.core  # numpy 2 / numpy 1
    multiarray = core.multiarray
    found = [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar]
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    if dtypes is not None:
        found += [getattr(dtypes, n) for n in dir(dtypes)
                  if n.endswith('DType')]
    return found


def _history_buffer_state(self) -> dict:
    """``HistoryBuffer`` state without the class-level statistics table."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def allow_mmengine_checkpoint_globals() -> None:
    """Allow-list the non-tensor classes MMEngine stores in checkpoints, and
    make ``HistoryBuffer`` pickle without functions."""
    from mmengine.logging.history_buffer import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_state
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 loads them anyway
        add([HistoryBuffer] + _numpy_globals())
