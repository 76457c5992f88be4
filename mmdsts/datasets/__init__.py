"""Datasets registered into MMAction2's DATASETS registry, and the video
checks they share with ``tools/data``."""
from .verified_video_dataset import VerifiedVideoDataset
from .video_checks import find_video_problems, video_problem

__all__ = ['VerifiedVideoDataset', 'find_video_problems', 'video_problem']
