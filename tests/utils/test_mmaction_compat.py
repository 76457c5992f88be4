"""MMAction2 1.2.0 is usable after ``import mmdsts`` (see mmaction_compat)."""
import importlib.metadata
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

import mmdsts  # noqa: F401  applies mmaction_compat
from mmdsts.utils import mmaction_compat

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMACTION_CONFIGS = osp.join(
    osp.dirname(importlib.util.find_spec('mmaction').origin), '.mim',
    'configs', 'recognition')
TPN_TSM = osp.join(MMACTION_CONFIGS, 'tpn',
                   'tpn-tsm_imagenet-pretrained-r50_8xb8-1x1x8-150e_sthv1-rgb.py')
SWIN_B = osp.join(
    MMACTION_CONFIGS, 'swin',
    'swin-base-p244-w877_in1k-pre_8xb8-amp-32x2x1-30e_kinetics400-rgb.py')


def _run_python(code):
    """Run ``code`` in a fresh interpreter importing the same mmdsts."""
    env = dict(os.environ, PYTHONPATH=osp.dirname(osp.dirname(
        osp.abspath(mmdsts.__file__))))
    return subprocess.run([sys.executable, '-c', code], env=env,
                          capture_output=True, text=True, timeout=120)


def _num_params(module):
    return sum(p.numel() for p in module.parameters())


def test_register_all_modules_works_after_import_mmdsts():
    import mmaction.models  # noqa: F401  raised ModuleNotFoundError before
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    assert MODELS.get('Recognizer3D') is not None


def test_apply_is_idempotent():
    modules = dict(sys.modules)
    mmaction_compat.apply()
    mmaction_compat.apply()
    assert {k: v for k, v in sys.modules.items() if k in modules} == modules


def test_drn_placeholder_is_used_only_where_drn_is_missing():
    drn = sys.modules[mmaction_compat.DRN_MODULE + '.drn']
    if mmaction_compat.drn_is_missing():
        assert getattr(drn, '__mmdsts_placeholder__', False)
    else:
        assert not getattr(drn, '__mmdsts_placeholder__', False)


@pytest.mark.skipif(not mmaction_compat.drn_is_missing(),
                    reason='this mmaction ships the real DRN')
def test_drn_placeholder_raises_a_clear_error():
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='DRN is missing from the mmaction2 '
                       '1.2.0 wheel.*Install mmaction2 from source'):
        DRN()


def test_importlib_metadata_is_aliased_to_stdlib_when_absent():
    # `None` in sys.modules makes `import importlib_metadata` fail, as if the
    # back-port were not installed.
    result = _run_python(
        'import sys, importlib.metadata\n'
        'sys.modules["importlib_metadata"] = None\n'
        'import mmdsts\n'
        'from mmaction.utils.dependency import satisfy_requirement\n'
        'assert sys.modules["importlib_metadata"] is importlib.metadata\n'
        'assert satisfy_requirement("mmaction2>=1.0.0")\n'
        'print("ok")\n')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith('ok')


def test_require_pkg_resources_explains_the_setuptools_pin():
    result = _run_python(
        'import sys\n'
        'sys.modules["pkg_resources"] = None\n'
        'from mmdsts.utils.mmaction_compat import require_pkg_resources\n'
        'try:\n'
        '    require_pkg_resources("mim")\n'
        'except ImportError as e:\n'
        '    print(e)\n')
    assert result.returncode == 0, result.stderr
    assert "setuptools>=77.0.3,<81" in result.stdout


def _build_stock(path, **backbone_overrides):
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()  # sets the default scope for nested builds
    cfg = Config.fromfile(path)
    cfg.model.backbone.update(backbone_overrides)  # no pretrained download
    return MODELS.build(cfg.model).eval()


def test_stock_tpn_tsm_config_builds_and_runs():
    model = _build_stock(TPN_TSM, pretrained=None)
    assert _num_params(model.backbone) == pytest.approx(23.5e6, rel=0.01)
    # NOTES: 81.9M total; measured 82.4M including both classifier layers.
    assert _num_params(model) == pytest.approx(81.9e6, rel=0.01)
    with torch.no_grad():  # N=1 video, 8 segments of 3x32x32
        scores = model(torch.randn(1, 8, 3, 32, 32), mode='tensor',
                       stage='head')
    assert scores.shape[-1] == 174


def test_stock_swin_b_config_builds_and_runs():
    model = _build_stock(SWIN_B, pretrained=None, pretrained2d=False)
    assert _num_params(model.backbone) == pytest.approx(87.6e6, rel=0.01)
    with torch.no_grad():  # N=1 video, 1 clip of 3x4x32x32
        scores = model(torch.randn(1, 1, 3, 4, 32, 32), mode='tensor',
                       stage='head')
    assert scores.shape[-1] == 400


def _installed_mmdsts():
    """The installed mmdsts distribution, ignoring ./mmdsts.egg-info."""
    path = [p for p in sys.path
            if osp.realpath(p or os.getcwd()) != osp.realpath(REPO_ROOT)]
    dists = list(importlib.metadata.distributions(name='mmdsts', path=path))
    if not dists:
        pytest.fail('mmdsts is not installed: run `bash tools/install.sh`')
    return dists[0]


def _relative_files(root):
    return {
        osp.relpath(osp.join(d, f), root)
        for d, dirs, files in os.walk(root)
        for f in files if '__pycache__' not in d and not f.endswith('.pyc')
    }


def test_installed_package_carries_configs_and_tools_in_mim():
    dist = _installed_mmdsts()
    direct_url = json.loads(dist.read_text('direct_url.json') or '{}')
    if direct_url.get('dir_info', {}).get('editable'):
        pytest.skip('mmdsts is installed editable: its .mim lives in the '
                    'checkout as symlinks (see README); nothing to check here')
    mim = str(dist.locate_file(osp.join('mmdsts', '.mim')))
    for item in ('configs', 'tools'):
        source = osp.join(REPO_ROOT, item)
        if not _relative_files(source):
            continue  # an empty folder does not survive packaging
        assert _relative_files(source) == _relative_files(
            osp.join(mim, item)), (
                f'{mim}/{item} differs from {item}/ in the checkout: the '
                'installed copy is stale, re-run `bash tools/install.sh`')
    assert osp.isfile(osp.join(mim, 'tools', 'install.sh'))


def test_color_jitter_hue_shifts_both_ways_under_numpy_2():
    """MMAction2 1.2.0 adds a negative Python int to a uint8 hue channel
    (OverflowError under NumPy 2); the replacement rotates the hue modulo 180
    like NumPy 1's wrap-around did."""
    import cv2
    import numpy as np
    from mmaction.datasets.transforms import ColorJitter
    img = np.random.default_rng(0).uniform(0, 255, (6, 6, 3)).astype(
        np.float32)
    hue = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2HSV)[..., 0]
    for factor in (-0.05, 0.05):
        out = ColorJitter.adjust_hue(img, factor)
        assert out.dtype == np.float32 and out.shape == img.shape
        shifted = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_RGB2HSV)
        expected = (hue.astype(np.int32) + int(factor * 255)) % 180
        # HSV -> RGB -> HSV round trips move hue by at most a step or two
        difference = (shifted[..., 0].astype(np.int32) - expected) % 180
        assert np.all(np.minimum(difference, 180 - difference) <= 3)
