"""Element clips labelled at every level of FineGym's hierarchy."""
from mmaction.registry import DATASETS

from .label_hierarchy import LEVELS, LabelHierarchy
from .verified_video_dataset import VerifiedVideoDataset


@DATASETS.register_module()
class HierarchicalVideoDataset(VerifiedVideoDataset):
    """A :class:`VerifiedVideoDataset` of element clips (``path element``
    per line, MMAction2's Gym99 lists) whose samples also carry
    ``set_label`` and ``event_label``, from the hierarchy file.

    Args:
        ann_file (str): The list file.
        pipeline (list): Data transforms.
        hierarchy_file (str): FineGym's category file
            (:class:`~mmdsts.datasets.label_hierarchy.LabelHierarchy`).
        label_level (str): Which level is the sample's ``label`` (what a
            stock single-level head and ``AccMetric`` see): ``'element'``
            (default), or ``'set'`` / ``'event'`` for the per-level base
            models of stage 1. ``element_label`` always holds the element.
        num_classes (int, optional): Classes of ``label_level``; must equal
            the hierarchy's if given (default: the hierarchy's).
        **kwargs: :class:`VerifiedVideoDataset`'s.

    An element label that the hierarchy does not hold is an error naming
    the list file and line, and the hierarchy file.
    """

    def __init__(self, ann_file: str, pipeline: list, hierarchy_file: str,
                 label_level: str = 'element', num_classes=None,
                 **kwargs) -> None:
        if label_level not in LEVELS:
            raise ValueError(f'dataset.label_level must be one of {LEVELS}, '
                             f'got {label_level!r}')
        self.hierarchy = LabelHierarchy.from_file(
            hierarchy_file, 'dataset.hierarchy_file')
        self.label_level = label_level
        classes = self.hierarchy.num_classes[label_level]
        if num_classes is not None and num_classes != classes:
            raise ValueError(
                f'dataset.num_classes={num_classes}, but the hierarchy '
                f'{hierarchy_file} (dataset.hierarchy_file) has {classes} '
                f'{label_level} classes')
        # The range check is the hierarchy's (its message names the file).
        super().__init__(ann_file, pipeline, num_classes=None, **kwargs)
        self.num_classes = classes

    def _parse_line(self, number: int, line: str) -> dict:
        info = super()._parse_line(number, line)
        try:
            levels = self.hierarchy.labels_of(info['label'])
        except ValueError as error:
            raise ValueError(f'{self.ann_file}:{number}: {error} '
                             '(dataset.hierarchy_file)') from None
        info.update(element_label=levels['element'],
                    set_label=levels['set'], event_label=levels['event'],
                    label=levels[self.label_level])
        return info
