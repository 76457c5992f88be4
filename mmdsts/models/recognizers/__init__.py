from .dsts_recognizer import DSTSRecognizer2D, DSTSRecognizer3D

__all__ = ['DSTSRecognizer2D', 'DSTSRecognizer3D']
