"""Models registered into MMAction2's registries."""
from .backbones import MSG3D
from .heads import HierarchyHead
from .necks import DSTSNeck
from .recognizers import (DSTSRecognizer2D, DSTSRecognizer3D,
                          HierarchyJointRecognizer, STFRecognizer)

__all__ = ['DSTSNeck', 'DSTSRecognizer2D', 'DSTSRecognizer3D', 'HierarchyHead',
           'HierarchyJointRecognizer', 'MSG3D', 'STFRecognizer']
