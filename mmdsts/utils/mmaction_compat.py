"""Work-arounds for packaging defects of the MMAction2 1.2.0 wheel.

MMAction2 1.2.0 is the last release; its wheel, as published, cannot build a
single model. :func:`apply` (called by ``import mmdsts`` before anything else)
repairs what can be repaired in-process, without writing into site-packages,
and each repair is a no-op where the defect is absent. The defects:

1. **The ``drn`` localizer package is missing from the wheel.**
   ``mmaction/models/localizers/__init__.py`` does ``from .drn.drn import DRN``
   but ``mmaction/models/localizers/drn/`` is not in the wheel.

   *Symptom:* ``import mmaction.models`` (and therefore building any recognizer
   or calling ``mmaction.utils.register_all_modules()``) raises
   ``ModuleNotFoundError: No module named 'mmaction.models.localizers.drn'``.

   *Fix:* when, and only when, ``drn/drn.py`` is absent on disk next to the
   installed ``mmaction`` and ``mmaction.models`` has not been imported yet,
   placeholder modules ``mmaction.models.localizers.drn`` and
   ``mmaction.models.localizers.drn.drn`` are put into ``sys.modules``. They
   provide a ``DRN`` class whose construction raises :class:`ImportError`
   explaining that DRN is missing from the wheel. The placeholder is not
   registered in ``mmaction.registry.MODELS``, so a config with
   ``type='DRN'`` fails with the registry's usual "not in the registry" error.
   Nothing in mmdsts uses DRN (a temporal grounding model).

2. **``importlib_metadata`` is used but not declared.**
   ``mmaction/utils/dependency.py`` does
   ``from importlib_metadata import PackageNotFoundError, distribution``;
   mmaction2 does not list ``importlib_metadata`` among its requirements.

   *Symptom:* ``ModuleNotFoundError: No module named 'importlib_metadata'`` on
   ``import mmaction.utils`` in an environment that lacks the back-port.

   *Fix:* mmdsts declares ``importlib_metadata`` in ``install_requires``. If it
   is nevertheless not importable, ``sys.modules['importlib_metadata']`` is
   aliased to the standard library's :mod:`importlib.metadata` (Python >= 3.8),
   which provides the two names mmaction uses with the same meaning.

3. **``pkg_resources`` is gone from setuptools >= 81.**
   openmim 0.3.9 (the ``mim`` command) imports ``pkg_resources`` at module
   level, and MMEngine 0.10.7 imports it in
   ``mmengine.utils.is_installed`` / ``get_installed_path``, which resolve
   ``package::`` config scopes such as ``_base_ = ['mmaction::...']``.
   setuptools >= 81 no longer ships ``pkg_resources``, while torch 2.13
   requires setuptools >= 77.0.3.

   *Symptom:* ``ModuleNotFoundError: No module named 'pkg_resources'`` from
   ``mim`` or when loading a config that inherits with a ``package::`` scope.

   *Fix:* ``setuptools>=77.0.3,<81`` is pinned in ``install_requires`` and in
   ``tools/install.sh``. :func:`apply` does not fake ``pkg_resources`` (a fake
   would mis-answer mim's and MMEngine's distribution look-ups);
   :func:`require_pkg_resources` turns its absence into an error that says
   what to install.

4. **``ColorJitter``'s hue shift overflows under NumPy 2.**
   ``ColorJitter.adjust_hue`` adds ``int(factor * 255)``, negative for half
   of the random factors, to the uint8 hue channel. NumPy 2 refuses a Python
   int outside the array's dtype.

   *Symptom:* ``OverflowError: Python integer -12 out of bounds for uint8``
   in a data-loader worker for about half of the training samples of any
   config with ``ColorJitter`` (the stock TPN ones).

   *Fix:* :func:`fix_color_jitter_hue` replaces ``adjust_hue`` with the same
   computation done in int32 (then back to uint8): equal to the original
   wherever the original runs (NumPy 1's wrap-around gave the same modulo-180
   result).
"""
import importlib
import importlib.machinery
import importlib.util
import os.path as osp
import sys
import types
from typing import Optional

DRN_MODULE = 'mmaction.models.localizers.drn'
PKG_RESOURCES_HINT = (
    "python -m pip install 'setuptools>=77.0.3,<81'  "
    '(setuptools>=81 removed pkg_resources; torch 2.13 needs >=77.0.3)')


class DRN:
    """Stand-in for MMAction2's DRN localizer, absent from the 1.2.0 wheel.

    Raises:
        ImportError: always, on construction.
    """

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 wheel (the package '
            'mmaction/models/localizers/drn/ was not packaged); mmdsts only '
            'inserted a placeholder so that `import mmaction.models` works. '
            'Install mmaction2 from source to use DRN: '
            'https://github.com/open-mmlab/mmaction2')


def _mmaction_dir() -> Optional[str]:
    """Return the directory of the installed ``mmaction`` package, or None.

    Uses :func:`importlib.util.find_spec`, which does not execute
    ``mmaction/__init__.py``.
    """
    try:
        spec = importlib.util.find_spec('mmaction')
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return osp.dirname(spec.origin)


def drn_is_missing() -> bool:
    """Whether the installed mmaction lacks ``models/localizers/drn/drn.py``.

    Returns:
        bool: True only if mmaction is installed, its ``localizers`` package
        imports DRN, and ``drn/drn.py`` is absent on disk.
    """
    root = _mmaction_dir()
    if root is None:
        return False
    localizers = osp.join(root, 'models', 'localizers')
    if not osp.isfile(osp.join(localizers, '__init__.py')):
        return False
    return not osp.isfile(osp.join(localizers, 'drn', 'drn.py'))


def _placeholder_module(name: str, is_package: bool) -> types.ModuleType:
    module = types.ModuleType(name, 'mmdsts placeholder: ' + DRN.__doc__)
    module.__spec__ = importlib.machinery.ModuleSpec(
        name, loader=None, is_package=is_package)
    if is_package:
        module.__path__ = []
    module.__mmdsts_placeholder__ = True
    return module


def install_drn_placeholder() -> bool:
    """Insert placeholder ``drn`` modules if mmaction needs them (defect 1).

    Returns:
        bool: Whether placeholders were inserted by this call.
    """
    if 'mmaction.models' in sys.modules or DRN_MODULE in sys.modules:
        return False  # already imported (successfully) or already patched
    if not drn_is_missing():
        return False
    package = _placeholder_module(DRN_MODULE, is_package=True)
    module = _placeholder_module(DRN_MODULE + '.drn', is_package=False)
    module.DRN = DRN
    module.__all__ = ['DRN']
    package.drn = module
    package.DRN = DRN
    sys.modules[DRN_MODULE] = package
    sys.modules[module.__name__] = module
    return True


def alias_importlib_metadata() -> bool:
    """Alias ``importlib_metadata`` to the standard library if absent (defect 2).

    Returns:
        bool: Whether the alias was installed by this call.
    """
    if sys.modules.get('importlib_metadata') is not None:
        return False
    try:
        importlib.import_module('importlib_metadata')
        return False
    except ImportError:
        pass
    sys.modules['importlib_metadata'] = importlib.import_module(
        'importlib.metadata')
    return True


def require_pkg_resources(purpose: str = 'openmim / MMEngine'):
    """Import ``pkg_resources`` or explain how to get it back (defect 3).

    Args:
        purpose (str): What needs it, for the message.
            Defaults to ``'openmim / MMEngine'``.

    Returns:
        module: The ``pkg_resources`` module.

    Raises:
        ImportError: If setuptools does not provide ``pkg_resources``.
    """
    try:
        return importlib.import_module('pkg_resources')
    except ImportError as e:
        raise ImportError(
            f'{purpose} needs `pkg_resources`, which this setuptools does not '
            f'provide. Fix: {PKG_RESOURCES_HINT}') from e


def _adjust_hue(img, factor):
    """Rotate the hue of an RGB image by ``factor`` (of a full turn, times
    255/180 as MMAction2 defines it), in int32 so negative shifts work."""
    import cv2
    import numpy as np
    hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8),
                       cv2.COLOR_RGB2HSV)
    shift = int(factor * 255)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + shift) % 180).astype(
        np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def fix_color_jitter_hue() -> bool:
    """Defect 4. Returns True when ``ColorJitter.adjust_hue`` was replaced."""
    from mmaction.datasets.transforms import processing
    jitter = getattr(processing, 'ColorJitter', None)
    if jitter is None or getattr(jitter.adjust_hue, 'mmdsts_fixed', False):
        return False
    _adjust_hue.mmdsts_fixed = True
    jitter.adjust_hue = staticmethod(_adjust_hue)
    return True


def apply() -> None:
    """Apply all in-process repairs; safe to call any number of times."""
    alias_importlib_metadata()
    install_drn_placeholder()
    fix_color_jitter_hue()
