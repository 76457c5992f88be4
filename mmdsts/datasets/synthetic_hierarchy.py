"""A generated video dataset with a 3-level label hierarchy, in the spirit of
FineGym (Event > Set > Element), as real .mp4 files.

Each level is visible in a different kind of detail, so the levels carry
complementary information and the element is the hard one::

    event (appearance)     set (coarse motion)         elements (a brief tuck)
    BM: a bright beam      11 travels along the beam   none / early / late
        across the stage   12 hops in place            early / late
    FL: a striped floor    21 travels across the floor none / early / late
                           22 hops in place            early / late

The "tuck" is the performer (a coloured box) shrinking to a quarter of its
size, feet on the ground, for five frames, early (frames 2-6) or late (9-13)
in the 16-frame clip, or not at all: the same coarse motion and appearance,
a brief spatio-temporal detail. (A half-size, three-frame tuck was not
learned by any model within the CPU budget; the size and length were chosen
on the holdout split, see docs/results/hierarchy.md.) Element labels follow the tree in the order above (0..9); the
category file is written in FineGym's format (``Clabel: i; set: s;
Glabel: g; (EV) name``), so :class:`~mmdsts.datasets.LabelHierarchy` reads
it like Gym99's.

Everything else is random per clip: shades, colours, sizes, positions,
direction, hop height and phase, a static distractor and pixel noise.
Generation is deterministic given the seed; each clip has its own generator
derived from ``(seed, split, index)``.
"""
import os.path as osp
from typing import Dict, List, NamedTuple

import numpy as np

from .synthetic_videos import (FRAMES, SIZE, SPLIT_SEEDS, _box, _colour,
                               write_splits)

TUCK_FRAMES = dict(none=(), early=(2, 3, 4, 5, 6), late=(9, 10, 11, 12, 13))
EVENTS = {1: ('BM', 'on the beam'), 2: ('FL', 'on the floor')}
SETS = {11: ('travel', 'BM'), 12: ('hop', 'BM'),
        21: ('travel', 'FL'), 22: ('hop', 'FL')}
ELEMENTS_PER_SET = {11: ('none', 'early', 'late'), 12: ('early', 'late'),
                    21: ('none', 'early', 'late'), 22: ('early', 'late')}


class HierarchyClass(NamedTuple):
    element: int
    set_id: int
    event_id: int
    motion: str
    tuck: str

    @property
    def name(self) -> str:
        abbr, where = EVENTS[self.event_id]
        tuck = 'no tuck' if self.tuck == 'none' else f'{self.tuck} tuck'
        return f'({abbr}) {self.motion} {where}, {tuck}'


def _classes() -> List[HierarchyClass]:
    out = []
    for set_id, tucks in ELEMENTS_PER_SET.items():
        for tuck in tucks:
            out.append(HierarchyClass(len(out), set_id, set_id // 10,
                                      SETS[set_id][0], tuck))
    return out


CLASSES = _classes()
NUM_CLASSES = len(CLASSES)


def _stage(rng, event_id: int):
    """Background (T, H, W, 3) float and the floor height the performer
    moves on: a beam (BM) or a striped floor (FL), tinted per event."""
    shade = rng.uniform(50, 100)
    tint = np.array([12.0, 0, -12]) if event_id == 1 else \
        np.array([-12.0, 0, 12])
    frames = np.full((FRAMES, SIZE, SIZE, 3), shade, np.float32) + tint
    frames += rng.normal(0, 5, size=(1, SIZE, SIZE, 3)).astype(np.float32)
    ground = int(rng.integers(42, 50))
    if event_id == 1:  # a beam
        frames[:, ground:ground + 3, 4:SIZE - 4] = 235.0
    else:  # a striped floor
        for y in range(ground, SIZE, 4):
            frames[:, y:y + 2, :] = shade + 60
    y, x = rng.integers(4, 20), rng.integers(4, SIZE - 12)  # distractor
    frames[:, y:y + 6, x:x + 6] = rng.uniform(0, 255, size=3)
    return frames, ground


def _path(rng, motion: str, ground: int, half: float) -> np.ndarray:
    """(T, 2) centres: travelling along the ground, or hopping in place."""
    t = np.arange(FRAMES)
    if motion == 'travel':
        start, end = rng.uniform(10, 20), rng.uniform(44, 54)
        if rng.random() < 0.5:
            start, end = end, start
        x = np.linspace(start, end, FRAMES)
        y = np.full(FRAMES, ground - half - 1)
    else:
        x = rng.uniform(18, SIZE - 18) + rng.uniform(-0.3, 0.3) * t
        height, period = rng.uniform(10, 16), rng.uniform(5, 8)
        phase = rng.uniform(0, period)
        y = ground - half - 1 - height * np.abs(np.sin(
            np.pi * (t + phase) / period))
    return np.stack([y, x], axis=1)


def render_hierarchy_clip(label: int, seed: int, split: str,
                          index: int) -> np.ndarray:
    """Frames ``(T, H, W, 3)`` uint8 RGB of one clip of element ``label``."""
    cls = CLASSES[label]
    rng = np.random.default_rng([seed, SPLIT_SEEDS[split], index, 7])
    frames, ground = _stage(rng, cls.event_id)
    colour, half = _colour(rng), rng.uniform(4.5, 6.5)
    tucked = TUCK_FRAMES[cls.tuck]
    for t, (cy, cx) in enumerate(_path(rng, cls.motion, ground, half)):
        size = half / 4 if t in tucked else half
        _box(frames[t], cy + half - size, cx, size, colour)  # feet stay
    frames += rng.normal(0, 4, size=frames.shape).astype(np.float32)
    return np.clip(frames, 0, 255).astype(np.uint8)


def write_categories(path: str) -> str:
    """The category file of the tree, in FineGym's format."""
    with open(path, 'w') as f:
        for cls in CLASSES:
            f.write(f'Clabel: {cls.element}; set: {cls.set_id}; Glabel: '
                    f'{100 + cls.element}; {cls.name}\n')
    return path


def generate_hierarchy(out_dir: str, clips_per_class: Dict[str, int],
                       seed: int = 0) -> Dict[str, str]:
    """Write ``out_dir/videos/<split>/e<label>_<i>.mp4``, the element lists
    ``out_dir/hierarchy_<split>_list_videos.txt`` and
    ``out_dir/categories.txt``.

    Returns:
        dict: ``{split: list file}`` plus ``'categories'``.
    """
    lists = write_splits(out_dir, 'hierarchy', clips_per_class, NUM_CLASSES,
                         lambda label, split, index: render_hierarchy_clip(
                             label, seed, split, index), 'e')
    lists['categories'] = write_categories(osp.join(out_dir,
                                                    'categories.txt'))
    return lists
