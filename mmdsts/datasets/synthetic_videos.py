"""A small fine-grained video dataset, generated as real .mp4 files.

Classes come in pairs that differ in one detail only, in the spirit of the
paper's Fig. 1 ("pulling left to right" vs "right to left"): three pairs can
only be told apart by *when* things happen, two only by *what* is seen::

    pair  kind      class a                        class b
    0     temporal  moving left to right           moving right to left
    1     temporal  filling a container            emptying a container
    2     temporal  moving slowly                  moving quickly
    3     spatial   moving a hollow box            moving a filled box
    4     spatial   passing above the line         passing below the line

Within a class everything else is random: background shade and noise,
colours, sizes, positions, timing and a static distractor. The temporal
pairs share their frame statistics (a reversed "filling" clip is an
"emptying" clip; slow and quick clips cover similar ground), so a model that
ignores time can only guess between the two classes of a pair; the spatial
pairs share their motion, so it is the appearance that decides.

Generation is deterministic given the seed; every clip has its own
generator derived from ``(seed, split, index)``, so clips do not depend on
the order or number of the others.
"""
import os
import os.path as osp
from typing import Callable, Dict, List, NamedTuple, Tuple

import numpy as np

FRAMES = 16
SIZE = 64
FPS = 8


class SyntheticClass(NamedTuple):
    name: str
    kind: str  # which detail separates it from its pair: temporal/spatial
    render: Callable[[np.random.Generator], np.ndarray]


def _canvas(rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """A noisy background (T, H, W, 3) uint8-range float and its base shade,
    with a static distractor blob."""
    shade = rng.uniform(40, 110)
    frames = np.full((FRAMES, SIZE, SIZE, 3), shade, np.float32)
    frames += rng.normal(0, 6, size=(1, SIZE, SIZE, 3)).astype(np.float32)
    y, x = rng.integers(4, SIZE - 12, size=2)
    frames[:, y:y + 8, x:x + 8] = rng.uniform(0, 255, size=3)
    return frames, shade


def _colour(rng: np.random.Generator) -> np.ndarray:
    """A saturated colour far from the grey background."""
    colour = rng.uniform(0, 80, size=3)
    colour[rng.integers(3)] = rng.uniform(180, 255)
    return colour


def _box(frame, cy, cx, half, colour):
    y0, y1 = int(round(cy - half)), int(round(cy + half))
    x0, x1 = int(round(cx - half)), int(round(cx + half))
    frame[max(y0, 0):y1, max(x0, 0):x1] = colour


def _hollow_box(frame, cy, cx, half, colour, background):
    _box(frame, cy, cx, half, colour)
    inner = half - 2
    y0, y1 = int(round(cy - inner)), int(round(cy + inner))
    x0, x1 = int(round(cx - inner)), int(round(cx + inner))
    frame[max(y0, 0):y1, max(x0, 0):x1] = background


def _horizontal_move(rng, left_to_right: bool) -> np.ndarray:
    frames, _ = _canvas(rng)
    colour, half = _colour(rng), rng.uniform(4, 7)
    start, end = rng.uniform(8, 22), rng.uniform(42, 56)
    if not left_to_right:
        start, end = SIZE - start, SIZE - end
    cy = rng.uniform(12, SIZE - 12)
    for t, cx in enumerate(np.linspace(start, end, FRAMES)):
        _box(frames[t], cy, cx, half, colour)
    return frames


def _fill(rng, filling: bool) -> np.ndarray:
    frames, _ = _canvas(rng)
    colour = _colour(rng)
    x0 = int(rng.integers(8, SIZE - 28))
    width, bottom, height = int(rng.integers(12, 20)), SIZE - 6, 44
    outline = np.full(3, 230.0)
    levels = np.clip(np.linspace(-0.1, 1.1, FRAMES), 0, 1) * height
    for t in range(FRAMES):
        frame = frames[t]
        frame[bottom - height:bottom, x0] = outline
        frame[bottom - height:bottom, x0 + width] = outline
        frame[bottom, x0:x0 + width + 1] = outline
        level = int(round(levels[t] if filling else levels[-1 - t]))
        frame[bottom - level:bottom, x0 + 1:x0 + width] = colour
    return frames


def _bouncing_path(rng, speed: float) -> np.ndarray:
    """(T, 2) centres of an object bouncing inside the frame."""
    position = rng.uniform(16, SIZE - 16, size=2)
    angle = rng.uniform(0, 2 * np.pi)
    velocity = speed * np.array([np.sin(angle), np.cos(angle)])
    path = []
    for _ in range(FRAMES):
        path.append(position.copy())
        position += velocity
        for axis in range(2):
            if not 10 <= position[axis] <= SIZE - 10:
                velocity[axis] = -velocity[axis]
                position[axis] = np.clip(position[axis], 10, SIZE - 10)
    return np.array(path)


def _speed(rng, quick: bool) -> np.ndarray:
    frames, _ = _canvas(rng)
    colour, half = _colour(rng), rng.uniform(4, 7)
    speed = rng.uniform(2.5, 3.5) if quick else rng.uniform(0.6, 1.2)
    for t, (cy, cx) in enumerate(_bouncing_path(rng, speed)):
        _box(frames[t], cy, cx, half, colour)
    return frames


def _box_kind(rng, hollow: bool) -> np.ndarray:
    frames, shade = _canvas(rng)
    colour, half = _colour(rng), rng.uniform(6, 9)
    for t, (cy, cx) in enumerate(_bouncing_path(rng, rng.uniform(0.8, 2.5))):
        if hollow:
            _hollow_box(frames[t], cy, cx, half, colour, shade)
        else:
            _box(frames[t], cy, cx, half, colour)
    return frames


def _pass_line(rng, above: bool) -> np.ndarray:
    frames, _ = _canvas(rng)
    line_y = int(rng.integers(24, SIZE - 24))
    frames[:, line_y - 1:line_y + 1, :] = 230.0
    colour, half = _colour(rng), rng.uniform(3, 6)
    offset = rng.uniform(half + 3, half + 12)
    cy = line_y - offset if above else line_y + offset
    start, end = rng.uniform(6, 20), rng.uniform(44, 58)
    if rng.random() < 0.5:
        start, end = end, start
    for t, cx in enumerate(np.linspace(start, end, FRAMES)):
        _box(frames[t], cy, cx, half, colour)
    return frames


CLASSES: List[SyntheticClass] = [
    SyntheticClass('moving left to right', 'temporal',
                   lambda rng: _horizontal_move(rng, True)),
    SyntheticClass('moving right to left', 'temporal',
                   lambda rng: _horizontal_move(rng, False)),
    SyntheticClass('filling a container', 'temporal',
                   lambda rng: _fill(rng, True)),
    SyntheticClass('emptying a container', 'temporal',
                   lambda rng: _fill(rng, False)),
    SyntheticClass('moving slowly', 'temporal',
                   lambda rng: _speed(rng, False)),
    SyntheticClass('moving quickly', 'temporal',
                   lambda rng: _speed(rng, True)),
    SyntheticClass('moving a hollow box', 'spatial',
                   lambda rng: _box_kind(rng, True)),
    SyntheticClass('moving a filled box', 'spatial',
                   lambda rng: _box_kind(rng, False)),
    SyntheticClass('passing above the line', 'spatial',
                   lambda rng: _pass_line(rng, True)),
    SyntheticClass('passing below the line', 'spatial',
                   lambda rng: _pass_line(rng, False)),
]
NUM_CLASSES = len(CLASSES)
SPLIT_SEEDS = {'train': 0, 'val': 1}


def render_clip(label: int, seed: int, split: str, index: int) -> np.ndarray:
    """Frames ``(T, H, W, 3)`` uint8 RGB of one clip of class ``label``."""
    rng = np.random.default_rng([seed, SPLIT_SEEDS[split], index])
    frames = CLASSES[label].render(rng)
    frames += rng.normal(0, 4, size=frames.shape).astype(np.float32)
    return np.clip(frames, 0, 255).astype(np.uint8)


def write_mp4(path: str, frames: np.ndarray, fps: int = FPS) -> None:
    """Write RGB frames as an MPEG-4 Part 2 (``mp4v``) .mp4, which decord
    reads."""
    import cv2  # installed with mmaction2 (opencv-contrib-python)
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path} (mp4v codec)')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))  # RGB -> BGR
    writer.release()


def generate(out_dir: str, clips_per_class: Dict[str, int],
             seed: int = 0) -> Dict[str, str]:
    """Write ``out_dir/videos/<split>/<class>_<i>.mp4``, the lists
    ``out_dir/synthetic_<split>_list_videos.txt`` (MMAction2's VideoDataset
    format) and ``out_dir/classes.txt``.

    Args:
        out_dir (str): Output folder (created).
        clips_per_class (dict): ``{split: clips per class}``; splits are
            ``'train'`` and/or ``'val'``.
        seed (int): Dataset seed. Defaults to 0.

    Returns:
        dict: ``{split: list file path}``.
    """
    lists = write_splits(out_dir, 'synthetic', clips_per_class, NUM_CLASSES,
                         lambda label, split, index: render_clip(
                             label, seed, split, index), 'c')
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.writelines(f'{c.name}\t{c.kind}\n' for c in CLASSES)
    return lists


def write_splits(out_dir: str, name: str, clips_per_class: Dict[str, int],
                 num_classes: int, render: Callable[[int, str, int],
                                                    np.ndarray],
                 file_prefix: str) -> Dict[str, str]:
    """Render ``clips_per_class[split]`` clips of every class per split to
    ``out_dir/videos/<split>/<file_prefix><label>_<i>.mp4`` (classes in
    turn) and list them in ``out_dir/<name>_<split>_list_videos.txt``
    (MMAction2's VideoDataset format). ``render(label, split, index)``
    gives a clip's frames. Returns ``{split: list file}``."""
    lists = {}
    for split, per_class in clips_per_class.items():
        if split not in SPLIT_SEEDS:
            raise ValueError(f'unknown split {split!r}; known: '
                             f'{sorted(SPLIT_SEEDS)}')
        os.makedirs(osp.join(out_dir, 'videos', split), exist_ok=True)
        lines = []
        for index in range(per_class * num_classes):
            label = index % num_classes
            clip = (f'{split}/{file_prefix}{label:02d}_'
                    f'{index // num_classes:04d}.mp4')
            write_mp4(osp.join(out_dir, 'videos', clip),
                      render(label, split, index))
            lines.append(f'{clip} {label}\n')
        lists[split] = osp.join(out_dir, f'{name}_{split}_list_videos.txt')
        with open(lists[split], 'w') as f:
            f.writelines(lines)
    return lists


def carve_holdout(train_list: str, per_class: int) -> Dict[str, str]:
    """Split a training list into a smaller training list and a validation
    (holdout) list with the last ``per_class`` clips of every class, for
    choices that must not look at the test split.

    Writes ``<name>_trainsub_list_videos.txt`` and
    ``<name>_holdout_list_videos.txt`` next to ``train_list``
    (``<name>_train_list_videos.txt``).

    Returns:
        dict: ``{'trainsub': path, 'holdout': path}``.
    """
    with open(train_list) as f:
        lines = [line for line in f if line.strip()]
    by_class: Dict[int, list] = {}
    for line in lines:
        by_class.setdefault(int(line.split()[-1]), []).append(line)
    short = {c: len(v) for c, v in by_class.items() if len(v) <= per_class}
    if short:
        raise ValueError(f'{train_list}: cannot hold out {per_class} clips '
                         f'per class and keep some for training; clips per '
                         f'class: {short}')
    holdout = {line for v in by_class.values() for line in v[-per_class:]}
    folder, name = osp.split(train_list)
    if '_train_' not in name:
        raise ValueError(f'{train_list}: expected a name like '
                         '<name>_train_list_videos.txt')
    out = {part: osp.join(folder, name.replace('_train_', f'_{part}_'))
           for part in ('trainsub', 'holdout')}
    with open(out['trainsub'], 'w') as f:
        f.writelines(line for line in lines if line not in holdout)
    with open(out['holdout'], 'w') as f:
        f.writelines(line for line in lines if line in holdout)
    return out
