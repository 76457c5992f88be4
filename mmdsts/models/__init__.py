"""Models registered into MMAction2's registries."""
from .necks import DSTSNeck

__all__ = ['DSTSNeck']
