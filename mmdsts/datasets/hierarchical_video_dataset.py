"""Element clips labelled at every level of FineGym's hierarchy."""
from mmaction.registry import DATASETS

from .label_hierarchy import LabelHierarchy
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
        num_classes (int, optional): Element classes; must equal the
            hierarchy's if given (default: the hierarchy's).
        **kwargs: :class:`VerifiedVideoDataset`'s.

    An element label that the hierarchy does not hold is an error naming
    the list file and line, and the hierarchy file.
    """

    def __init__(self, ann_file: str, pipeline: list, hierarchy_file: str,
                 num_classes=None, **kwargs) -> None:
        self.hierarchy = LabelHierarchy.from_file(hierarchy_file)
        elements = self.hierarchy.num_classes['element']
        if num_classes is not None and num_classes != elements:
            raise ValueError(
                f'dataset.num_classes={num_classes}, but the hierarchy '
                f'{hierarchy_file} (dataset.hierarchy_file) has {elements} '
                'element classes')
        # The range check is the hierarchy's (its message names the file).
        super().__init__(ann_file, pipeline, num_classes=None, **kwargs)
        self.num_classes = elements

    def _parse_line(self, number: int, line: str) -> dict:
        info = super()._parse_line(number, line)
        try:
            levels = self.hierarchy.labels_of(info['label'])
        except ValueError as error:
            raise ValueError(f'{self.ann_file}:{number}: {error} '
                             '(dataset.hierarchy_file)') from None
        info.update(set_label=levels['set'], event_label=levels['event'])
        return info
