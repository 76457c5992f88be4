"""Packaging for mmdsts, following OpenMMLab's ``.mim`` convention.

A regular (non-editable) build copies ``configs/``, ``tools/`` and, if
present, ``model-index.yml`` into ``mmdsts/.mim/`` inside the built package,
where ``mim train mmdsts ...`` looks for them. The source tree is not
modified (apart from the ``build/`` and ``mmdsts.egg-info/`` that setuptools
leaves there).

An editable build (``pip install -e .``) instead creates symbolic links
``mmdsts/.mim/{configs,tools,model-index.yml}`` in the checkout pointing at
the real folders, so edits are seen without re-installing; see README,
"Developing in a checkout", for the rest of that workflow.

This file must run in pip's isolated build environment, so it imports only
setuptools and the standard library (never ``mmdsts`` itself).
"""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
PACKAGE = 'mmdsts'
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')

INSTALL_REQUIRES = [
    # torch: a lower bound only. An installed torch (e.g. 2.13.0+cpu)
    # satisfies it, so pip installs nothing; tools/install.sh installs
    # torch==2.13.0 first where torch is missing.
    'torch>=2.0',
    'mmengine>=0.10.0,<0.11',
    'mmaction2==1.2.0',
    # mmcv is deliberately absent: PyPI has only mmcv sources, so listing it
    # would start a long source build. tools/install.sh keeps a user's
    # mmcv < 2.2.0 or installs mmcv-lite==2.1.0.
    'decord>=0.6.0',
    'openmim>=0.3.9',
    # Used but not declared by mmaction2 1.2.0 (mmaction/utils/dependency.py).
    'importlib_metadata',
    # openmim and MMEngine import pkg_resources (gone in setuptools>=81);
    # torch 2.13 requires setuptools>=77.0.3.
    'setuptools>=77.0.3,<81',
    'numpy',
]


def read_version():
    """Read ``__version__`` from mmdsts/version.py without importing mmdsts."""
    namespace = {}
    with open(osp.join(HERE, PACKAGE, 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def read_readme():
    path = osp.join(HERE, 'README.md')
    if not osp.isfile(path):
        return ''
    with open(path, encoding='utf-8') as f:
        return f.read()


def _ignore_caches(directory, names):
    return [n for n in names if n == '__pycache__' or n.endswith('.pyc')]


def copy_mim_items(mim_dir):
    """Copy the ``.mim`` items into ``mim_dir`` (a fresh folder)."""
    if osp.lexists(mim_dir):
        shutil.rmtree(mim_dir)  # drop stale files of an earlier build
    os.makedirs(mim_dir)
    for item in MIM_ITEMS:
        src = osp.join(HERE, item)
        if osp.isdir(src):
            shutil.copytree(src, osp.join(mim_dir, item),
                            ignore=_ignore_caches)
        elif osp.isfile(src):
            shutil.copy2(src, osp.join(mim_dir, item))


def link_mim_items(mim_dir):
    """Link ``mim_dir/<item>`` to ``../../<item>`` in the source tree."""
    os.makedirs(mim_dir, exist_ok=True)
    for item in MIM_ITEMS:
        link = osp.join(mim_dir, item)
        if not osp.exists(osp.join(HERE, item)):
            continue
        if osp.islink(link):
            os.remove(link)
        elif osp.exists(link):
            continue  # a real file/folder put there by hand: leave it
        os.symlink(osp.join('..', '..', item), link)


class BuildPyWithMim(build_py):
    """``build_py`` that also provides ``mmdsts/.mim``."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            link_mim_items(osp.join(HERE, PACKAGE, '.mim'))
        else:
            copy_mim_items(osp.join(self.build_lib, PACKAGE, '.mim'))


setup(
    name=PACKAGE,
    version=read_version(),
    description=('Dynamic Spatio-Temporal Specialization (DSTS, ECCV 2022) '
                 'for MMAction2'),
    long_description=read_readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=[PACKAGE, PACKAGE + '.*']),
    python_requires='>=3.8',
    install_requires=INSTALL_REQUIRES,
    extras_require={'tests': ['pytest>=7']},
    cmdclass={'build_py': BuildPyWithMim},
    zip_safe=False,
)
