"""Backbones registered into MMAction2's MODELS."""
from .msg3d import MSG3D

__all__ = ['MSG3D']
