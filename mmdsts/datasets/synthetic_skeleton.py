"""A generated 3D skeleton dataset in MMAction2's PoseDataset ``.pkl`` format,
on NTU RGB+D's 25-joint layout, where the class is *which joints* move and
*when*: a task for focus in space and time (the STF method's point).

Ten classes: five joint groups (left arm, right arm, left leg, right leg,
head) times two time windows (early: the movement lies in the first half of
the sequence; late: in the second half). Label ``2 * group + window``::

    0 left arm early   1 left arm late    2 right arm early  3 right arm late
    4 left leg early   5 left leg late    6 right leg early  7 right leg late
    8 head early       9 head late

The class movement is a clear raise (arm sideways, knee forward, head bowed)
rising and falling smoothly over 30-40% of the sequence. Every sequence also
has a distractor: another group, drawn at random, makes the same kind of
movement at 30-55% of the amplitude at a random time, so every class shares
its moving groups and times with others, and the total amount of motion
says little about the class.

Everything else is random per sequence: length (40-64 frames), body scale,
rotation about the vertical axis, position in front of the camera, a slow
sway of the whole body and per-joint jitter. Coordinates are in metres in
Kinect's camera frame (x right, y up, z away from the camera), one person
(``keypoint`` of shape ``(1, T, 25, 3)``, float32), as in MMAction2's
``ntu60_3d.pkl``.

Learnable, and only by looking at the right joints at the right time
(``python tools/data/synthetic/generate_skeleton.py --check``: default
sizes, trained on 'train', scored on 'test', chance 10%; seeds 0 / 1): a
nearest-centroid classifier on the 10 per-group early/late motion energies
(:func:`motion_energy`) scores 100.0 / 100.0%; on the sequence's global
motion energy (one number) 19.5 / 16.5%; on all joints' energy in each half
(the group ignored) 32.5 / 35.0%; on each group's energy over the whole
sequence (the time ignored) 53.5 / 50.5%. A model has to find these
features in raw coordinates; the head's bow, the smallest movement, is only
2-3 times the jitter's energy.

Generation is deterministic given the seed; each sequence has its own
generator derived from ``(seed, split, index)``.
"""
from typing import Dict, List, NamedTuple, Tuple

import numpy as np

NUM_JOINTS = 25
GROUPS = ('left arm', 'right arm', 'left leg', 'right leg', 'head')
WINDOWS = ('early', 'late')
NUM_CLASSES = len(GROUPS) * len(WINDOWS)
CLASS_NAMES = [f'{g} {w}' for g in GROUPS for w in WINDOWS]
SPLIT_SEEDS = {'train': 0, 'holdout': 1, 'test': 2}
MIN_FRAMES, MAX_FRAMES = 40, 64
# the distractor's amplitude, a fraction of the class movement's
DISTRACTOR_AMPLITUDE = (0.30, 0.55)

# NTU RGB+D joints, 0-based (the dataset's 1-based numbers minus one), as in
# mmaction.models.utils.Graph(layout='nturgb+d'): 0 base of the spine, 1 mid
# spine, 2 neck, 3 head, 4-7 left shoulder/elbow/wrist/hand, 8-11 right,
# 12-15 left hip/knee/ankle/foot, 16-19 right, 20 spine at the shoulders,
# 21/22 left hand tip/thumb, 23/24 right.
REST_POSE = np.array([
    [0.00, 1.00, 0.00], [0.00, 1.25, 0.00], [0.00, 1.55, 0.00],
    [0.00, 1.68, 0.00],
    [0.18, 1.42, 0.00], [0.22, 1.15, 0.00], [0.24, 0.90, 0.00],
    [0.25, 0.82, 0.00],
    [-0.18, 1.42, 0.00], [-0.22, 1.15, 0.00], [-0.24, 0.90, 0.00],
    [-0.25, 0.82, 0.00],
    [0.10, 0.97, 0.00], [0.11, 0.55, 0.00], [0.12, 0.10, 0.00],
    [0.12, 0.03, -0.10],
    [-0.10, 0.97, 0.00], [-0.11, 0.55, 0.00], [-0.12, 0.10, 0.00],
    [-0.12, 0.03, -0.10],
    [0.00, 1.45, 0.00],
    [0.26, 0.74, 0.00], [0.22, 0.80, -0.03],
    [-0.26, 0.74, 0.00], [-0.22, 0.80, -0.03],
], dtype=np.float64)  # the person faces the camera (-z)


class Group(NamedTuple):
    pivot: int  # the joint the group turns about
    joints: Tuple[int, ...]  # the joints that move
    axis: Tuple[float, float, float]  # rotation axis; positive angle raises
    angle: float  # full amplitude, radians


# Arms raise sideways about the shoulder, knees come forward about the hip,
# the head bows about the spine's shoulder joint.
GROUP_MOTIONS = (
    Group(4, (5, 6, 7, 21, 22), (0, 0, 1), np.radians(110)),
    Group(8, (9, 10, 11, 23, 24), (0, 0, -1), np.radians(110)),
    Group(12, (13, 14, 15), (1, 0, 0), np.radians(80)),
    Group(16, (17, 18, 19), (1, 0, 0), np.radians(80)),
    Group(20, (2, 3), (-1, 0, 0), np.radians(80)),
)


class Movement(NamedTuple):
    group: int
    start: int  # first frame of the movement
    end: int  # one past its last frame
    amplitude: float  # fraction of the group's full angle


def _rotation(axis, angle: float) -> np.ndarray:
    """Rodrigues' rotation matrix about a unit ``axis``."""
    x, y, z = np.asarray(axis, np.float64) / np.linalg.norm(axis)
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def plan_movements(label: int, rng: np.random.Generator, frames: int,
                   distractor: Tuple[float, float] = DISTRACTOR_AMPLITUDE
                   ) -> List[Movement]:
    """The class movement of ``label`` and the distractor of one sequence of
    ``frames`` frames: the class movement lies within its half; the
    distractor's amplitude is drawn from ``distractor`` (a fraction of the
    class movement's; the same number of draws whatever the range, so the
    movements' groups and times do not depend on it)."""
    group, window = divmod(label, len(WINDOWS))
    length = int(round(rng.uniform(0.30, 0.40) * frames))
    half = frames // 2
    lo, hi = (0, half - length) if window == 0 else (half, frames - length)
    start = int(rng.integers(lo, hi + 1))
    moves = [Movement(group, start, start + length, 1.0)]
    other = int(rng.choice([g for g in range(len(GROUPS)) if g != group]))
    length = int(round(rng.uniform(0.25, 0.40) * frames))
    start = int(rng.integers(0, frames - length + 1))
    moves.append(Movement(other, start, start + length,
                          float(rng.uniform(*distractor))))
    return moves


def _pose_sequence(moves: List[Movement], frames: int) -> np.ndarray:
    """(T, V, 3) body-frame poses: the rest pose with the groups turned."""
    poses = np.repeat(REST_POSE[None], frames, axis=0)
    t = np.arange(frames)
    for move in moves:
        group = GROUP_MOTIONS[move.group]
        phase = np.clip((t - move.start) / (move.end - move.start), 0, 1)
        angles = move.amplitude * group.angle * np.sin(np.pi * phase) ** 2
        joints = list(group.joints)
        for i in np.nonzero(angles)[0]:
            pivot = poses[i, group.pivot]
            turned = (poses[i, joints] - pivot) @ _rotation(
                group.axis, angles[i]).T
            poses[i, joints] = pivot + turned
    return poses


def render_skeleton(label: int, seed: int, split: str, index: int,
                    distractor: Tuple[float, float] = DISTRACTOR_AMPLITUDE
                    ) -> Tuple[np.ndarray, List[Movement]]:
    """One sequence of class ``label`` (``distractor``: see
    :func:`plan_movements`).

    Returns:
        tuple: ``keypoint`` float32 ``(1, T, 25, 3)`` in metres (camera
        frame) and the movements drawn (the class's first).
    """
    rng = np.random.default_rng([seed, SPLIT_SEEDS[split], index])
    frames = int(rng.integers(MIN_FRAMES, MAX_FRAMES + 1))
    moves = plan_movements(label, rng, frames, distractor)
    poses = _pose_sequence(moves, frames) * rng.uniform(0.85, 1.15)
    t = np.arange(frames)[:, None]
    sway = rng.uniform(0.02, 0.05, size=2) * np.sin(
        2 * np.pi * t / rng.uniform(1.0, 2.0) / frames
        + rng.uniform(0, 2 * np.pi, size=2))  # (T, 2): x and z
    poses[..., 0] += sway[:, :1]
    poses[..., 2] += sway[:, 1:]
    facing = _rotation((0, 1, 0), rng.uniform(-np.pi / 4, np.pi / 4))
    where = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.3, 0.0),
                      rng.uniform(2.5, 3.5)])  # in front of the camera
    poses = poses @ facing.T + where
    poses += rng.normal(0, 0.005, size=poses.shape)  # 5 mm
    return poses[None].astype(np.float32), moves


def split_sizes(per_class: Dict[str, int]) -> Dict[str, int]:
    """The train subsets' sizes per class: 10% and 25%, at least one."""
    train = per_class['train']
    return dict(train_p10=max(1, round(0.10 * train)),
                train_p25=max(1, round(0.25 * train)))


def generate_skeleton(per_class: Dict[str, int], seed: int = 0,
                      distractor: Tuple[float, float] = DISTRACTOR_AMPLITUDE
                      ) -> dict:
    """The whole dataset as PoseDataset's ``.pkl`` content.

    Args:
        per_class (dict): Sequences per class of the drawn splits, e.g.
            ``dict(train=30, holdout=10, test=20)``; 'train' is required.
        seed (int): The generation seed. Defaults to 0.
        distractor (tuple): The range of the distractor's amplitude, a
            fraction of the class movement's. Defaults to (0.30, 0.55);
            closer to 1 the class movement is harder to tell from it.

    Returns:
        dict: ``dict(split={name: [frame_dir, ...]}, annotations=[...])``
        with the drawn splits plus 'train_p10' and 'train_p25', stratified
        subsets of 'train' (p10 within p25), and annotations
        ``dict(frame_dir, label, total_frames, keypoint)``.
    """
    split, annotations = {}, []
    for name, count in per_class.items():
        split[name] = []
        for index in range(count * NUM_CLASSES):
            label = index // count  # class-major order
            keypoint, _ = render_skeleton(label, seed, name, index,
                                          distractor)
            frame_dir = f'{name}_{label:02d}_{index % count:04d}'
            split[name].append(frame_dir)
            annotations.append(dict(frame_dir=frame_dir, label=label,
                                    total_frames=keypoint.shape[1],
                                    keypoint=keypoint))
    # Nested subsets: one shuffled order per class, p10 its first items.
    rng = np.random.default_rng([seed, 99])
    count = per_class['train']
    orders = [rng.permutation(count) for _ in range(NUM_CLASSES)]
    for name, size in split_sizes(per_class).items():
        split[name] = [split['train'][label * count + i]
                       for label in range(NUM_CLASSES)
                       for i in sorted(orders[label][:size])]
    return dict(split=split, annotations=annotations)


def motion_energy(keypoint: np.ndarray) -> np.ndarray:
    """Per-group motion energy in the first and second half, ``(5, 2)``:
    the mean squared frame-to-frame speed of the group's joints relative to
    the base of the spine (which removes the sway and position)."""
    body = keypoint[0] - keypoint[0, :, :1]  # T, V, 3
    speed = (np.diff(body, axis=0) ** 2).sum(-1)  # T-1, V
    half = speed.shape[0] // 2
    return np.array([[speed[:half, list(g.joints)].mean(),
                      speed[half:, list(g.joints)].mean()]
                     for g in GROUP_MOTIONS])


def nearest_centroid_accuracy(train: List[Tuple[np.ndarray, int]],
                              test: List[Tuple[np.ndarray, int]]) -> float:
    """Accuracy of a nearest-centroid classifier on standardised features
    (``(feature, label)`` pairs): the learnability check's baseline."""
    x = np.stack([f for f, _ in train])
    mean, std = x.mean(0), x.std(0) + 1e-12
    labels = np.array([y for _, y in train])
    centroids = np.stack([((x - mean) / std)[labels == c].mean(0)
                          for c in range(NUM_CLASSES)])
    hits = [np.argmin(((((f - mean) / std) - centroids) ** 2).sum(-1)) == y
            for f, y in test]
    return float(np.mean(hits))
