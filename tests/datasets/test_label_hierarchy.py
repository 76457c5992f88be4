"""FineGym's category file: parsed, never hard-coded; bad lines named."""
import pytest

from hierarchy_fixture import (CATEGORIES, ELEMENT_TO_SET, SET_TO_EVENT,
                               write_categories)
from mmdsts.datasets import LabelHierarchy


def test_the_category_file_gives_three_levels(tmp_path):
    h = LabelHierarchy.from_file(write_categories(tmp_path / 'cat.txt'))
    assert h.num_classes == dict(event=4, set=5, element=8)
    assert h.element_to_set == ELEMENT_TO_SET
    assert h.set_to_event == SET_TO_EVENT
    assert h.set_ids == [1, 21, 22, 31, 41] and h.event_ids == [1, 2, 3, 4]
    assert h.event_names == ['VT', 'FX', 'BB', 'UB']
    assert h.labels_of(4) == dict(event=1, set=2, element=4)


def test_duplicate_element_names_are_distinct_classes(tmp_path):
    h = LabelHierarchy.from_file(write_categories(tmp_path / 'cat.txt'))
    assert h.element_names[6] == h.element_names[7]
    assert h.labels_of(6) == dict(event=3, set=4, element=6)
    assert h.labels_of(7) == dict(event=3, set=4, element=7)


@pytest.mark.parametrize('bad, message', [
    ('Clabel: 8; set: 41 Glabel: 62; (UB) kip', r'cat.txt:9: expected'),
    ('Clabel: 3; set: 41; Glabel: 62; (UB) kip',
     r'cat.txt:9: Clabel 3 appears again \(first on line 4\)'),
    ('Clabel: 9; set: 41; Glabel: 62; (UB) kip', r'missing \[8\]'),
    ('Clabel: 8; set: 0; Glabel: 62; (UB) kip', r'cat.txt:9: .*set >= 1'),
    ('Clabel: 8; set: 41; Glabel: 62; (BB) kip',
     r'cat.txt:9: set 41 belongs to event 4 \(UB\)'),
])
def test_a_bad_line_is_named(tmp_path, bad, message):
    path = write_categories(tmp_path / 'cat.txt', CATEGORIES + bad + '\n')
    with pytest.raises(ValueError, match=message):
        LabelHierarchy.from_file(path)


def test_an_empty_file_and_an_unknown_label_are_errors(tmp_path):
    with pytest.raises(ValueError, match='no category line'):
        LabelHierarchy.from_file(write_categories(tmp_path / 'e.txt', '\n'))
    h = LabelHierarchy.from_file(write_categories(tmp_path / 'cat.txt'))
    with pytest.raises(ValueError, match=r'element label 8 is not in the '
                       r'hierarchy .*cat.txt \(labels 0..7\)'):
        h.labels_of(8)


def test_a_missing_file_names_the_config_key(tmp_path):
    from mmdsts.datasets import HierarchicalVideoDataset
    missing = str(tmp_path / 'gym99_categories.txt')
    with pytest.raises(FileNotFoundError, match=r'dataset.hierarchy_file: '
                       r'.*gym99_categories.txt does not exist \(FineGym'):
        HierarchicalVideoDataset(str(tmp_path / 'list.txt'), [],
                                 hierarchy_file=missing)
