"""Models registered into MMAction2's registries."""
from .heads import HierarchyHead
from .necks import DSTSNeck
from .recognizers import (DSTSRecognizer2D, DSTSRecognizer3D,
                          HierarchyJointRecognizer)

__all__ = ['DSTSNeck', 'DSTSRecognizer2D', 'DSTSRecognizer3D', 'HierarchyHead',
           'HierarchyJointRecognizer']
