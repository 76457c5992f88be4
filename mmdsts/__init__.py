"""mmdsts: Dynamic Spatio-Temporal Specialization (ECCV 2022) for MMAction2.

Importing this package first repairs the known packaging defects of the
MMAction2 1.2.0 wheel (see :mod:`mmdsts.utils.mmaction_compat`), then registers
mmdsts' modules into MMAction2's registries.
"""
from .version import __version__
from .utils import mmaction_compat, mmengine_compat
from .utils.checkpoint import (allow_mmengine_checkpoint_globals,
                               name_checkpoint_read_errors)

mmaction_compat.apply()
mmengine_compat.apply()
allow_mmengine_checkpoint_globals()
name_checkpoint_read_errors()

from . import datasets  # noqa: E402,F401  VerifiedVideoDataset
from . import engine  # noqa: E402,F401  UDL constructor, hook, DDP wrapper
from . import evaluation  # noqa: E402,F401  HierarchyMetric
from . import models  # noqa: E402,F401  DSTSNeck, DSTSRecognizer2D/3D

__all__ = ['__version__']
