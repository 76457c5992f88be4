"""Datasets registered into MMAction2's DATASETS registry, and the video
checks they share with ``tools/data``."""
from .hierarchical_video_dataset import HierarchicalVideoDataset
from .label_hierarchy import LabelHierarchy
from .verified_pose_dataset import VerifiedPoseDataset
from .verified_video_dataset import VerifiedVideoDataset
from .video_checks import find_video_problems, video_problem

__all__ = ['HierarchicalVideoDataset', 'LabelHierarchy', 'VerifiedPoseDataset',
           'VerifiedVideoDataset', 'find_video_problems', 'video_problem']
