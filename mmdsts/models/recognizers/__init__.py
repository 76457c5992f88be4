from .dsts_recognizer import DSTSRecognizer2D, DSTSRecognizer3D
from .hierarchy_joint import HierarchyJointRecognizer
from .stf_recognizer import STFRecognizer

__all__ = ['DSTSRecognizer2D', 'DSTSRecognizer3D', 'HierarchyJointRecognizer',
           'STFRecognizer']
