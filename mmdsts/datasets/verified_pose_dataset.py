"""A ``PoseDataset`` that checks its skeletons before training starts."""
import os.path as osp
from typing import Dict, List, Optional, Union

import mmengine
import numpy as np
from mmaction.datasets import PoseDataset
from mmaction.models.utils import Graph
from mmaction.registry import DATASETS

from .invalid_samples import check_on_invalid, drop_or_raise, report_lines

LAYOUT_KEY = 'dataset.graph_layout (and model.backbone.graph_cfg.layout)'


class BadSkeletonError(ValueError):
    """A sample's skeleton, checked when loaded, cannot be used; the
    message names the sample."""


def layout_num_joints(layout: Union[str, dict]) -> int:
    """Number of joints of a graph layout as MMAction2's ``Graph`` takes it:
    'nturgb+d' (25), 'coco' (17), 'openpose' (18), or a dict with
    ``num_node``."""
    if isinstance(layout, dict):
        if 'num_node' not in layout:
            raise ValueError(f'{LAYOUT_KEY}: a dict layout needs num_node, '
                             f'got keys {sorted(layout)}')
        return int(layout['num_node'])
    try:
        return Graph(layout=layout, mode='spatial').num_node
    except (AssertionError, ValueError):
        raise ValueError(f"{LAYOUT_KEY} must be 'nturgb+d', 'coco', "
                         f"'openpose' or a dict, got {layout!r}") from None


def keypoint_problem(anno: dict, num_joints: int) -> Optional[str]:
    """What is wrong with one annotation's skeleton, or None.

    Both of MMAction2's formats are understood: dense ``keypoint`` ``(M, T,
    V, C)`` (NTU, the generated data) and the compressed one of the
    Kinetics key-point files (``keypoint`` ``(N, V, 3)`` with
    ``frame_inds``, decoded by ``DecompressPose``).
    """
    if 'keypoint' not in anno:
        return 'has no keypoint array'
    keypoint = np.asarray(anno['keypoint'])
    compressed = 'frame_inds' in anno
    shape = '(N, V, 3)' if compressed else '(M, T, V, C)'
    if keypoint.ndim != len(shape.split(',')):
        return f'keypoint has shape {keypoint.shape}, expected {shape}'
    joints = keypoint.shape[-2]
    if joints != num_joints:
        return (f'keypoint has {joints} joints, the configured graph '
                f'{num_joints}; set {LAYOUT_KEY} to the data\'s layout')
    total = anno.get('total_frames')
    frames = len(np.unique(anno['frame_inds'])) if compressed \
        else keypoint.shape[1]
    if keypoint.size == 0 or frames == 0 or (total is not None
                                             and total <= 0):
        return f'is an empty sequence (total_frames={total}, keypoint ' \
               f'shape {keypoint.shape})'
    if not compressed and total is not None and total != frames:
        return f'total_frames is {total} but keypoint has {frames} frames'
    for key in ('keypoint', 'keypoint_score'):
        if key in anno and not np.isfinite(anno[key]).all():
            bad = int((~np.isfinite(np.asarray(anno[key]))).sum())
            return f'{key} has {bad} NaN/inf values'
    if not keypoint.any():
        return 'keypoint is all zeros (no person in any frame)'
    return None


@DATASETS.register_module()
class VerifiedPoseDataset(PoseDataset):
    """MMAction2's ``PoseDataset`` (same ``.pkl`` format, same arguments)
    whose annotations are validated when the dataset is built, before the
    first iteration, with one error listing every bad sample by the pkl
    file, its index in ``annotations`` and its ``frame_dir``.

    Checked for each annotation of the split: a keypoint array of shape
    ``(M, T, V, C)`` (or the compressed ``(N, V, 3)``) with V the joint
    count of ``graph_layout``; a non-empty sequence whose ``total_frames``
    matches the array; finite ``keypoint`` and ``keypoint_score``; not all
    zeros; a label in ``[0, num_classes)``. With ``data_prefix=dict(
    skeleton=...)`` (Kinetics: one key-point file per video) the skeleton is
    checked when the sample is loaded, and a bad one raises an error naming
    its file.

    Args:
        ann_file (str): The ``.pkl`` file.
        pipeline (list): Data transforms.
        graph_layout (str | dict): The skeleton layout, the same value as
            ``model.backbone.graph_cfg.layout``: 'nturgb+d' (25 joints),
            'coco' (17), 'openpose' (18) or a dict with ``num_node``.
            Required.
        num_classes (int, optional): Number of classes; labels outside
            ``[0, num_classes)`` are an error. Set it to the head's
            ``num_classes``. None checks only that labels are not negative.
        on_invalid (str): ``'error'`` (default): any bad skeleton stops with
            a report. ``'skip'``: such samples are dropped and listed in the
            log (as MMAction2 drops samples without enough pose). Bad labels
            are always an error.
        **kwargs: The rest of ``PoseDataset``'s arguments (``split``,
            ``data_prefix``, ``test_mode``, ...).
    """

    def __init__(self, ann_file: str, pipeline: list,
                 graph_layout: Union[str, dict, None] = None,
                 num_classes: Optional[int] = None,
                 on_invalid: str = 'error', **kwargs) -> None:
        if graph_layout is None:
            raise ValueError(f'{LAYOUT_KEY} is required: the layout the '
                             'keypoints are checked against')
        if kwargs.get('multi_class'):
            raise ValueError('VerifiedPoseDataset supports single-label '
                             'annotations only')
        self.num_joints = layout_num_joints(graph_layout)
        self.on_invalid = check_on_invalid(on_invalid)
        self.num_skipped = 0
        super().__init__(ann_file, pipeline, num_classes=num_classes,
                         **kwargs)

    def _load_annotations(self) -> List[dict]:
        """The annotations of the split, each with ``pkl_index``."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'pose file {self.ann_file} (dataset.'
                                    'ann_file) does not exist')
        data = mmengine.load(self.ann_file)
        annos = data['annotations'] if isinstance(data, dict) else data
        annos = [dict(anno, pkl_index=i) for i, anno in enumerate(annos)]
        if self.split is None:
            return annos
        splits = data.get('split', {}) if isinstance(data, dict) else {}
        if self.split not in splits:
            raise KeyError(f'split {self.split!r} (dataset.split) is not in '
                           f'{self.ann_file}; it has {sorted(splits)}')
        wanted = set(splits[self.split])
        key = 'filename' if annos and 'filename' in annos[0] else 'frame_dir'
        return [anno for anno in annos if anno[key] in wanted]

    def load_data_list(self) -> List[Dict]:
        data_list = self._load_annotations()
        if not data_list:
            raise ValueError(f'no annotation of split {self.split!r} '
                             f'(dataset.split) in {self.ann_file}')
        self._raise_bad_labels(data_list)
        if 'skeleton' not in self.data_prefix:  # else checked when loaded
            data_list = self._drop_or_raise_bad_skeletons(data_list)
        if 'video' in self.data_prefix:  # as PoseDataset does
            for item in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in item:
                        item[key] = osp.join(self.data_prefix['video'],
                                             item[key])
        return data_list

    def _where(self, anno: dict) -> str:
        name = anno.get('frame_dir', anno.get('filename'))
        return f"{self.ann_file}: annotations[{anno['pkl_index']}] " \
               f'(frame_dir {name!r})'

    def _raise_bad_labels(self, data_list: List[dict]) -> None:
        problems = []
        for anno in data_list:
            label = anno.get('label')
            if not isinstance(label, (int, np.integer)) or label < 0 or (
                    self.num_classes is not None
                    and label >= self.num_classes):
                problems.append(f'{self._where(anno)}: label {label!r} is '
                                f'not in [0, num_classes={self.num_classes})')
        if problems:
            raise ValueError(
                f'{len(problems)} of {len(data_list)} samples of '
                f'{self.ann_file} have a bad label:\n'
                f'{report_lines(problems)}\nFix the file or set '
                'dataset.num_classes (and model.cls_head.num_classes)')

    def _drop_or_raise_bad_skeletons(self, data_list: List[dict]) -> list:
        problems = {i: keypoint_problem(anno, self.num_joints)
                    for i, anno in enumerate(data_list)}
        lines = {i: f'{self._where(data_list[i])} {problem}'
                 for i, problem in problems.items() if problem}
        kept, self.num_skipped = drop_or_raise(
            data_list, lines, on_invalid=self.on_invalid,
            source=self.ann_file, dataset='VerifiedPoseDataset')
        return kept

    def get_data_info(self, idx: int) -> Dict:
        info = super().get_data_info(idx)
        if 'skeleton' in self.data_prefix:
            problem = keypoint_problem(info, self.num_joints)
            if problem:
                path = osp.join(self.data_prefix['skeleton'],
                                info['frame_dir'] + '.pkl')
                raise BadSkeletonError(f'{self._where(info)}: its key-point '
                                       f'file {path} {problem}')
        return info

    def prepare_data(self, idx: int):
        try:
            return super().prepare_data(idx)
        except BadSkeletonError:
            raise
        except Exception as error:
            raise RuntimeError(
                f'failed to load {self._where(self.get_data_info(idx))}: '
                f'{type(error).__name__}: {error}') from error
