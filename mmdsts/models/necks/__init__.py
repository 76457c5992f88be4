from .dsts import DSTSNeck

__all__ = ['DSTSNeck']
