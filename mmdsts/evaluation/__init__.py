"""Metrics registered into MMAction2's METRICS registry."""
from .metrics import HierarchyMetric

__all__ = ['HierarchyMetric']
