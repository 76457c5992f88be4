"""Pretrained weights named by URL in configs, on machines without internet.

Stock MMAction2 configs point ``model.backbone.pretrained`` (and our Swin
configs ``load_from``) at URLs or at download schemes such as
``torchvision://resnet50``. MMEngine fetches them only when the weights are
loaded (``init_weights`` / the runner's ``load_from``), never when a model is
built. Offline, that download fails with a bare ``URLError`` naming neither the
config key nor the fix. :func:`prepare_weights`, called by
:func:`mmdsts.utils.tools_config.load_config` (``tools/train.py``,
``tools/test.py``, ``mim train mmdsts``), therefore

* records which config keys hold which URLs (:func:`find_weight_urls`),
* wraps MMEngine's download loaders (``CheckpointLoader`` schemes) so that the
  original loader is still tried first (a file already in the torch hub cache
  loads as before), and its failure is re-raised as a
  :class:`WeightsUnavailableError` naming the key(s) and the
  ``--cfg-options`` override (a local path, or ``None``),
* turns ``pretrained2d=True`` off wherever ``pretrained`` is None: the stock
  Swin / ResNet-TSM backbones otherwise try to load a checkpoint from ``None``
  in ``init_weights`` (a ``TypeError``), so ``model.backbone.pretrained=None``
  alone would not work.
"""
import functools
import inspect
from typing import Callable, Dict, List, Mapping

from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

# Prefixes of CheckpointLoader schemes that download.
DOWNLOAD_PREFIXES = ('http://', 'https://', 'torchvision://', 'modelzoo://',
                     'open-mmlab://', 'openmmlab://', 'mmcls://')
# Config keys that name weights to load.
WEIGHT_KEYS = ('pretrained', 'load_from', 'checkpoint')

# url -> config keys holding it, over every config prepared in this process.
_KEYS_BY_URL: Dict[str, List[str]] = {}


class WeightsUnavailableError(RuntimeError):
    """Weights named in a config by URL could not be loaded."""


def _is_download(value) -> bool:
    return isinstance(value, str) and value.startswith(DOWNLOAD_PREFIXES)


def _walk(node, prefix: str = ''):
    """Yield ``(dotted_key, parent, key, value)`` for every item of nested
    dicts and lists; list items get their index as key (``a.0.b``, the form
    ``--cfg-options`` accepts)."""
    if isinstance(node, Mapping) or hasattr(node, '_cfg_dict'):  # Config
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        dotted = f'{prefix}{key}'
        yield dotted, node, key, value
        yield from _walk(value, dotted + '.')


def find_weight_urls(cfg) -> Dict[str, str]:
    """``{dotted config key: URL}`` for every weight the config would
    download: string values under keys named ``pretrained``, ``load_from`` or
    ``checkpoint`` (e.g. in ``init_cfg``) that start with a download scheme
    (``http(s)://``, ``torchvision://``, ``open-mmlab://`` ...)."""
    return {dotted: value for dotted, _, key, value in _walk(cfg)
            if key in WEIGHT_KEYS and _is_download(value)}


def _pretrained2d_default(module_type) -> bool:
    """Whether the registered module ``module_type`` takes ``pretrained2d``
    with a true default (ResNetTSM, ResNet3d, SwinTransformer3D ...)."""
    from mmaction.registry import MODELS
    cls = module_type if inspect.isclass(module_type) else \
        MODELS.get(module_type) if isinstance(module_type, str) else None
    if cls is None:
        return False
    try:
        parameter = inspect.signature(cls).parameters.get('pretrained2d')
    except (TypeError, ValueError):
        return False
    return parameter is not None and \
        parameter.default is not inspect.Parameter.empty and \
        bool(parameter.default)


def disable_pretrained2d_without_weights(cfg) -> List[str]:
    """Set ``pretrained2d=False`` in every module config whose ``pretrained``
    is None while ``pretrained2d`` is true (set, or the module's default),
    and return the dotted keys changed. With no weights there is nothing to
    inflate, and the stock backbones would call ``_load_checkpoint(None)``."""
    changed = []
    for dotted, _, _, value in list(_walk(cfg)):
        if not isinstance(value, Mapping) or 'pretrained' not in value or \
                value['pretrained'] is not None:
            continue
        if value.get('pretrained2d', None) is None:
            on = _pretrained2d_default(value.get('type'))
        else:
            on = bool(value['pretrained2d'])
        if on:
            value['pretrained2d'] = False
            changed.append(f'{dotted}.pretrained2d')
    return changed


def override_hint(url: str, keys: List[str] = None) -> str:
    """What to do when ``url`` cannot be downloaded."""
    keys = keys or _KEYS_BY_URL.get(url) or []
    if keys:
        where = ', '.join(keys)
        local = ' '.join(f'{k}=/path/to/weights.pth' for k in keys)
        none = ' '.join(f'{k}=None' for k in keys)
    else:
        where = 'the config key that holds it (e.g. model.backbone.' \
            'pretrained, load_from or an init_cfg checkpoint)'
        local, none = 'KEY=/path/to/weights.pth', 'KEY=None'
    hint = (f'It comes from the config key {where}. This machine may have no '
            'internet access: download the file elsewhere and point the key '
            f'at it, e.g.\n  --cfg-options {local}\nor train without these '
            f'weights:\n  --cfg-options {none}')
    if url.startswith(('torchvision://', 'modelzoo://')):
        hint += ('\n(torchvision://NAME is torchvision\'s ImageNet checkpoint '
                 'of NAME, resolved through the torchvision package and '
                 'fetched from download.pytorch.org; the .pth file itself '
                 'works as a local path.)')
    return hint


def _guarded(loader: Callable) -> Callable:
    @functools.wraps(loader)
    def load(filename, *args, **kwargs):
        try:
            return loader(filename, *args, **kwargs)
        except WeightsUnavailableError:
            raise
        except Exception as error:
            raise WeightsUnavailableError(
                f'could not load the weights at {filename} '
                f'({type(error).__name__}: {error}).\n'
                f'{override_hint(filename)}') from error

    load.mmdsts_guarded = True
    return load


def guard_downloads() -> None:
    """Wrap MMEngine's download loaders once per process (idempotent)."""
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if prefix in DOWNLOAD_PREFIXES and \
                not getattr(loader, 'mmdsts_guarded', False):
            CheckpointLoader.register_scheme(prefix, _guarded(loader),
                                             force=True)


def prepare_weights(cfg) -> Dict[str, str]:
    """Get ``cfg`` ready for a machine that may be offline (see the module
    docstring); returns :func:`find_weight_urls` of the config."""
    for key in disable_pretrained2d_without_weights(cfg):
        print_log(f'{key[:-len("pretrained2d")]}pretrained is None: set '
                  f'{key}=False (no 2D weights to inflate)', logger='current')
    urls = find_weight_urls(cfg)
    for key, url in urls.items():
        keys = _KEYS_BY_URL.setdefault(url, [])
        if key not in keys:
            keys.append(key)
        print_log(f'{key} downloads {url} when the weights are loaded; '
                  f'offline, set --cfg-options {key}=/path/to/file or None',
                  logger='current')
    guard_downloads()
    return urls
