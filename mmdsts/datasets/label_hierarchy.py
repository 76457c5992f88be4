"""FineGym's label hierarchy (Event > Set > Element), read from its category
file.

FineGym ships one line per element class, e.g. in ``gym99_categories.txt``::

    Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac with 0.5 turn on, ...

``Clabel`` is the element label of the split (0..98 for Gym99), ``set`` the
set id, ``Glabel`` the element's id in the whole of FineGym, and the text its
description, starting with the event's abbreviation in parentheses. The event
follows from the set id (FineGym's numbering): set 1 is vault (VT), sets
2x floor exercise (FX), 3x balance beam (BB), 4x uneven bars (UB); in general
the event id is ``set // 10`` for a two-digit set id and the set id itself
for a one-digit one. Set and event ids are renumbered ``0..S-1`` and
``0..E-1`` in increasing order of their ids, so Gym99's 15 sets and 4 events
become labels ``0..14`` and ``0..3``.

Nothing of the 99-row table is hard-coded: the file is parsed, and any line
that does not fit is an error naming the file and the line.
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

LINE = re.compile(r'^\s*Clabel:\s*(?P<element>-?\d+)\s*;\s*set:\s*'
                  r'(?P<set>-?\d+)\s*;\s*Glabel:\s*(?P<glabel>-?\d+)\s*;'
                  r'\s*(?P<name>.*?)\s*$')
EVENT_ABBREVIATION = re.compile(r'^\((?P<abbr>[^)]+)\)')
LEVELS = ('event', 'set', 'element')


def event_id_of_set(set_id: int) -> int:
    """FineGym's event id of a set id: 1 -> 1 (VT), 21 -> 2 (FX), ..."""
    return set_id // 10 if set_id >= 10 else set_id


@dataclass
class LabelHierarchy:
    """Element -> set -> event, as labels ``0..N-1`` per level.

    Attributes:
        element_to_set (list[int]): Set label of each element label.
        set_to_event (list[int]): Event label of each set label.
        set_ids (list[int]): FineGym's set id of each set label.
        event_ids (list[int]): FineGym's event id of each event label.
        element_names / event_names (list[str]): Descriptions; an event's
            name is the abbreviation its elements start with, e.g. ``'VT'``.
        source (str): The file it was read from (for messages).
    """
    element_to_set: List[int]
    set_to_event: List[int]
    set_ids: List[int]
    event_ids: List[int]
    element_names: List[str] = field(default_factory=list)
    event_names: List[str] = field(default_factory=list)
    source: str = '<memory>'

    @property
    def num_classes(self) -> Dict[str, int]:
        """Classes per level, ``dict(event=E, set=S, element=N)``."""
        return dict(event=len(self.event_ids), set=len(self.set_ids),
                    element=len(self.element_to_set))

    def labels_of(self, element: int) -> Dict[str, int]:
        """``dict(event=..., set=..., element=...)`` of an element label."""
        if not 0 <= element < len(self.element_to_set):
            raise ValueError(
                f'element label {element} is not in the hierarchy '
                f'{self.source} (labels 0..{len(self.element_to_set) - 1})')
        set_label = self.element_to_set[element]
        return dict(event=self.set_to_event[set_label], set=set_label,
                    element=element)

    @classmethod
    def from_file(cls, path: str,
                  config_key: str = 'hierarchy_file') -> 'LabelHierarchy':
        """Parse a FineGym category file (see the module docstring); a
        missing file is an error naming ``config_key`` and how to make it."""
        try:
            with open(path, encoding='utf-8') as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            raise FileNotFoundError(
                f'{config_key}: {path} does not exist (FineGym: '
                'tools/data/gym; generated data: '
                'tools/data/synthetic/generate_hierarchy.py)') from None
        return cls.from_lines(lines, path)

    @classmethod
    def from_lines(cls, lines: List[str], source: str) -> 'LabelHierarchy':
        rows: Dict[int, Tuple[int, str, int]] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f'{source}:{number}'
            match = LINE.match(line)
            if match is None:
                raise ValueError(
                    f"{where}: expected 'Clabel: <int>; set: <int>; Glabel: "
                    f"<int>; <name>', got {line.strip()!r}")
            element, set_id = int(match['element']), int(match['set'])
            if element < 0 or set_id <= 0:
                raise ValueError(f'{where}: Clabel must be >= 0 and set >= 1, '
                                 f'got Clabel {element}, set {set_id}')
            if element in rows:
                raise ValueError(f'{where}: Clabel {element} appears again '
                                 f'(first on line {rows[element][2]})')
            rows[element] = (set_id, match['name'], number)
        if not rows:
            raise ValueError(f'{source}: no category line')
        missing = sorted(set(range(max(rows) + 1)) - set(rows))
        if missing:
            raise ValueError(f'{source}: element labels must be 0..'
                             f'{max(rows)} without gaps; missing {missing[:10]}')
        return cls._build(rows, source)

    @classmethod
    def _build(cls, rows, source) -> 'LabelHierarchy':
        set_ids = sorted({set_id for set_id, _, _ in rows.values()})
        event_ids = sorted({event_id_of_set(s) for s in set_ids})
        set_label = {s: i for i, s in enumerate(set_ids)}
        event_label = {e: i for i, e in enumerate(event_ids)}
        event_names: Dict[int, str] = {}
        for element in sorted(rows):
            set_id, name, number = rows[element]
            match = EVENT_ABBREVIATION.match(name)
            if match is None:
                continue
            event = event_id_of_set(set_id)
            known = event_names.setdefault(event, match['abbr'])
            if known != match['abbr']:
                raise ValueError(
                    f'{source}:{number}: set {set_id} belongs to event '
                    f'{event} ({known}), but the name starts with '
                    f"({match['abbr']})")
        return cls(
            element_to_set=[set_label[rows[e][0]] for e in sorted(rows)],
            set_to_event=[event_label[event_id_of_set(s)] for s in set_ids],
            set_ids=set_ids, event_ids=event_ids,
            element_names=[rows[e][1] for e in sorted(rows)],
            event_names=[event_names.get(e, str(e)) for e in event_ids],
            source=source)
