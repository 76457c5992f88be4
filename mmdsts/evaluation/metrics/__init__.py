from .hierarchy_metric import HierarchyMetric

__all__ = ['HierarchyMetric']
