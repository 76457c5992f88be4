from .hierarchy_head import HierarchyHead

__all__ = ['HierarchyHead']
