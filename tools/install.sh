#!/usr/bin/env bash
# Install mmdsts and its dependencies into the ACTIVE Python environment.
#
#   bash tools/install.sh        # users: regular install (mim finds mmdsts/.mim)
#   bash tools/install.sh -e     # developers: editable install of this checkout
#
# As with other OpenMMLab projects, activate the environment you want first
# (conda env or venv); everything goes through `$PYTHON -m pip` (PYTHON
# defaults to `python`). Safe to re-run; each step is skipped when satisfied.
#
# Environment:
#   MMDSTS_TORCH_EXTRA_INDEX_URL  extra pip index used only when torch must be
#       installed, e.g. PyTorch's CPU wheel index on a machine without a GPU
#       (plain PyPI serves the multi-GB CUDA build of torch).
set -euo pipefail

TORCH_VERSION=2.13.0
MMCV_LITE_VERSION=2.1.0
SETUPTOOLS_PIN='setuptools>=77.0.3,<81'   # pkg_resources (mim) + torch 2.13

PYTHON=${PYTHON:-python}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

editable=0
for arg in "$@"; do
  case "$arg" in
    -e|--editable) editable=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$arg' (use -e/--editable)" >&2; exit 2 ;;
  esac
done

pip_install() { "$PYTHON" -m pip install --disable-pip-version-check "$@"; }

# 1. torch first, pinned, and only where it is missing: mmdsts declares
#    torch>=2.0, which an installed torch satisfies without any download.
if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  echo "install.sh: torch not importable; installing torch==${TORCH_VERSION}"
  index_args=()
  if [[ -n "${MMDSTS_TORCH_EXTRA_INDEX_URL:-}" ]]; then
    index_args=(--extra-index-url "$MMDSTS_TORCH_EXTRA_INDEX_URL")
  fi
  pip_install ${index_args[@]+"${index_args[@]}"} "torch==${TORCH_VERSION}"
fi

# 2. mmcv: keep a user's mmcv if mmaction2 1.2.0 accepts it; otherwise
#    install mmcv-lite (a wheel providing the `mmcv` module without compiled
#    ops; `mmcv` itself is only on PyPI as sources).
mmcv_state=$("$PYTHON" - <<'EOF'
try:
    import mmcv
except ImportError:
    print('missing')
else:
    from pip._vendor.packaging.version import Version
    v = Version(mmcv.__version__)
    ok = Version('2.0.0rc4') <= v < Version('2.2.0')
    print(('ok ' if ok else 'bad ') + mmcv.__version__)
EOF
)
extra_reqs=()
case "$mmcv_state" in
  missing) extra_reqs+=("mmcv-lite==${MMCV_LITE_VERSION}") ;;
  ok\ *) ;;
  *)
    echo "install.sh: found mmcv ${mmcv_state#bad }, but mmaction2 1.2.0 needs" \
         "2.0.0rc4 <= mmcv < 2.2.0. Install an mmcv 2.1.x built for your" \
         "torch/CUDA, or uninstall mmcv and re-run this script (it then" \
         "installs mmcv-lite==${MMCV_LITE_VERSION})." >&2
    exit 1 ;;
esac

# 3. mmdsts with its pinned requirements (one resolver run). A regular
#    install copies configs/ and tools/ into mmdsts/.mim for `mim`.
if [[ $editable == 1 ]]; then
  pip_install ${extra_reqs[@]+"${extra_reqs[@]}"} "$SETUPTOOLS_PIN" -e ".[tests]"
  # `mim` locates mmdsts through the metadata next to the package; for the
  # checkout that is ./mmdsts.egg-info (setuptools normally leaves it there).
  if [[ ! -f mmdsts.egg-info/PKG-INFO ]]; then
    "$PYTHON" setup.py -q egg_info >/dev/null
  fi
else
  pip_install ${extra_reqs[@]+"${extra_reqs[@]}"} "$SETUPTOOLS_PIN" ".[tests]"
fi

# 4. One-line summary from installed metadata (run outside the checkout so
#    that ./mmdsts.egg-info does not shadow the installed distribution).
(cd / && "$PYTHON" - <<'EOF'
import json
from importlib.metadata import PackageNotFoundError, distribution


def version(*names):
    for name in names:
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        label = dist.version
        if name != names[0]:
            label += f' ({name})'
        direct_url = dist.read_text('direct_url.json')
        if direct_url and json.loads(direct_url).get(
                'dir_info', {}).get('editable'):
            label += ' (editable)'
        return label
    return 'MISSING'


parts = [('torch', ('torch',)), ('mmengine', ('mmengine',)),
         ('mmcv', ('mmcv', 'mmcv-lite', 'mmcv-full')),
         ('mmaction2', ('mmaction2',)), ('decord', ('decord',)),
         ('mim', ('openmim',)), ('mmdsts', ('mmdsts',))]
print('installed: ' + ' | '.join(f'{k} {version(*n)}' for k, n in parts))
EOF
)
