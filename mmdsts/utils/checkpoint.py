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


def check_checkpoint_matches(model: torch.nn.Module, checkpoint: str,
                             config: str) -> None:
    """Raise if ``checkpoint`` was not written by a model like ``model``.

    MMEngine loads ``load_from`` non-strictly (right for fine-tuning from
    another task), so evaluating, say, a baseline checkpoint with a DSTS
    config would silently test a randomly initialised DSTS module. Testing
    must not: every parameter and buffer must be present with its shape.

    Args:
        model (nn.Module): The built model (a wrapper is unwrapped).
        checkpoint (str): Path or URL of the checkpoint.
        config (str): The config file, named in the error.
    """
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint
    if is_model_wrapper(model):
        model = model.module
    loaded = _load_checkpoint(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded) if isinstance(loaded, dict) \
        else loaded
    problem = state_dict_mismatch(model.state_dict(), state)
    if problem:
        raise ValueError(
            f'checkpoint {checkpoint} does not fit the model of {config}: '
            f'{problem}. Was it trained with another config (e.g. the '
            'baseline instead of the DSTS one)?')


def state_dict_mismatch(expected: dict, state: dict) -> str:
    """What keeps ``state`` from loading strictly into a model whose state is
    ``expected`` (``''`` when nothing); a ``module.`` prefix is ignored."""
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    missing = sorted(set(expected) - set(state))
    # TPNHead creates `new_cls` (a 1x1x1-conv copy of fc_cls) lazily at its
    # first test forward, so checkpoints saved after a validation hold it
    # while a freshly built model does not.
    unexpected = sorted(k for k in set(state) - set(expected)
                        if '.new_cls.' not in k)
    reshaped = sorted(k for k in set(expected) & set(state)
                      if tuple(expected[k].shape) != tuple(state[k].shape))

    def some(keys):
        return ', '.join(keys[:3]) + (', ...' if len(keys) > 3 else '')
    return '; '.join(f'{len(keys)} {what} (e.g. {some(keys)})'
                     for what, keys in (('missing', missing),
                                        ('unexpected', unexpected),
                                        ('with another shape', reshaped))
                     if keys)


def name_checkpoint_read_errors() -> None:
    """A local checkpoint that cannot be read (truncated by a run killed
    while writing it, or not a checkpoint at all) fails naming the file and
    the other checkpoints next to it, instead of the unpickler's
    ``IndexError: pop from empty list`` or the zip reader's "failed finding
    central directory". Safe loading's refusal of a class ("Unsupported
    global") and a missing file keep their own messages."""
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local
    if getattr(CheckpointLoader._schemes.get(''), 'mmdsts', False):
        return

    def load(filename, map_location):
        try:
            return load_from_local(filename, map_location)
        except FileNotFoundError:
            raise
        except Exception as error:  # noqa: B902  any reader failure
            if 'Unsupported global' in str(error):
                raise  # safe loading refusing a class: keep torch's words
            raise RuntimeError(_unreadable(filename, error)) from error

    load.mmdsts = True
    CheckpointLoader.register_scheme(prefixes='', force=True)(load)


def _unreadable(filename: str, error: Exception) -> str:
    import glob
    import os.path as osp
    others = sorted((p for p in glob.glob(osp.join(
        osp.dirname(osp.abspath(filename)), '*.pth'))
        if osp.abspath(p) != osp.abspath(filename)),
        key=osp.getmtime, reverse=True)
    hint = (f' Other checkpoints there, newest first: '
            f"{', '.join(osp.basename(p) for p in others[:3])}; resume "
            f'from one with --resume {others[0]}' if others else '')
    detail = (str(error).strip().splitlines() or [''])[0][:160]
    return (f'cannot read checkpoint {filename}: it is truncated (e.g. the '
            f'run was killed while writing it) or not a PyTorch checkpoint '
            f'({type(error).__name__}: {detail}).{hint}')
