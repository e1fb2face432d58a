"""The camera's roll, read from the scene's straight lines.

The analysis measures the trunk's lean and the body's heights in MediaPipe's world landmarks,
whose axes are the camera's: a phone propped a few degrees off level tilts every lean by as
much. A seated cable row leaning 30° at the stretch, a few degrees under the lean the rounding
rule's fixed neutral starts at, read 36° in a copy of the clip turned 6°, and three severe
rounding warnings appeared (docs/analysis.md, session 21).

Most pictures hold long straight edges that are level or plumb in the world: the line where the
wall meets the floor, door frames, racks, shelves, window edges. Their tilt in the picture is
the camera's roll (pitch makes plumb lines converge, symmetrically about the picture's centre;
yaw leaves them plumb). This module reads a few frames of a file, finds its long straight edges
(Canny edges, probabilistic Hough lines) within 20° of level or plumb, one line per place, and
takes the tilt their length agrees on (a length-weighted density's peak), the level and the
plumb edges each on their own first: where both read a tilt they must agree (a receding wall's
level edges slope; ``level_of_images``). Whether the analysis acts on it (enough lines, enough
agreement, a plausible size) is the analysis' setting (``SignalConfig.level_from_scene`` and
the limits beside it), so the stored reading is raw.

Measured on the shared clips and copies of them turned ±6° (``bench/scene_level.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

#: Frames read, spread evenly over the clip (each decoded on from the keyframe before it).
SAMPLE_FRAMES = 8
#: After a seek, frames decoded on towards the time wanted, at most (a long keyframe interval
#: would otherwise cost a decode of seconds of video per sample).
MAX_DECODE_AHEAD = 24
#: Frames are read at this long side (pixels): enough for the scene's long edges.
WORK_LONG_SIDE = 480
#: A line must be at least this share of the picture's long side.
MIN_LINE_FRAC = 0.12
#: Only lines within this of level or plumb are read (degrees).
MAX_TILT_DEG = 20.0
#: Lines lying along the picture's own border (pillarbox bars, the frame) are left out: both
#: ends within this share of the long side from the same edge.
BORDER_FRAC = 0.02
#: The density's kernel width and grid step, and how near the peak a line must be to agree.
KERNEL_DEG = 1.0
GRID_STEP_DEG = 0.25
AGREE_DEG = 2.0
#: Lines this near (midpoints, share of the long side) with the same tilt are one edge.
SAME_PLACE_FRAC = 0.03
#: A kind of edge (plumb, level) reads a tilt when it has this many lines ...
MIN_FAMILY_LINES = 3
#: ... and this share of their length agrees with its peak; where both kinds read one, the
#: two must agree this closely (deg).
FAMILY_MIN_SHARE = 0.75
FAMILY_AGREE_DEG = 2.0
#: Key in ``PoseSequence.extra``.
EXTRA_KEY = "scene_level"


@dataclass(frozen=True)
class SceneLevel:
    """The picture's tilt as its straight lines read it: ``roll_deg`` counter-clockwise
    positive (None where no line was found, or the level and plumb edges disagree), the share
    of the lines' length within ``AGREE_DEG`` of it, how many distinct lines and frames were
    read."""

    roll_deg: float | None
    share: float
    lines: int
    frames: int

    def as_extra(self) -> dict:
        return asdict(self)

    @classmethod
    def from_extra(cls, extra: dict) -> SceneLevel | None:
        """The estimate a pose pass stored in ``seq.extra`` (None: this pose pass read none)."""
        d = extra.get(EXTRA_KEY)
        if not isinstance(d, dict):
            return None
        try:
            roll = d.get("roll_deg")
            return cls(None if roll is None else float(roll), float(d.get("share", 0.0)),
                       int(d.get("lines", 0)), int(d.get("frames", 0)))
        except (TypeError, ValueError):
            return None


UNKNOWN = SceneLevel(None, 0.0, 0, 0)


def line_tilts(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each long straight edge of ``gray`` within ``MAX_TILT_DEG`` of level or plumb: its tilt
    (degrees, counter-clockwise positive), length (pixels), whether it is plumb, and its
    midpoint as a share of the picture's long side (``(N, 2)``)."""
    import cv2

    h, w = gray.shape[:2]
    side = max(h, w)
    edges = cv2.Canny(cv2.GaussianBlur(gray, (3, 3), 0), 50, 150)
    found = cv2.HoughLinesP(edges, 1, np.pi / 360, threshold=40,
                            minLineLength=int(MIN_LINE_FRAC * side), maxLineGap=4)
    if found is None:
        return np.zeros(0), np.zeros(0), np.zeros(0, bool), np.zeros((0, 2))
    x1, y1, x2, y2 = found.reshape(-1, 4).astype(np.float64).T
    m = BORDER_FRAC * side
    on_border = ((np.maximum(x1, x2) < m) | (np.minimum(x1, x2) > w - m)
                 | (np.maximum(y1, y2) < m) | (np.minimum(y1, y2) > h - m))
    dx, dy = x2 - x1, y2 - y1
    angle = (np.degrees(np.arctan2(-dy, dx)) + 90.0) % 180.0 - 90.0  # y up, in [-90, 90)
    plumb = np.abs(angle) > 45.0
    tilt = np.where(plumb, angle - np.copysign(90.0, angle), angle)
    keep = ~on_border & (np.abs(tilt) <= MAX_TILT_DEG)
    mid = np.column_stack([(x1 + x2) / 2, (y1 + y2) / 2]) / side
    return tilt[keep], np.hypot(dx, dy)[keep], plumb[keep], mid[keep]


def _distinct(tilt, length, plumb, mid):
    """One line per place: a still camera shows the same edge in every frame read (and Hough
    often finds an edge twice), which would count one edge as many that agree. Lines whose
    midpoints lie within ``SAME_PLACE_FRAC`` of the long side and whose tilts are within 1°
    are one line (the longest kept)."""
    order = np.argsort(-length, kind="stable")
    kept: list[int] = []
    for i in order:
        if not any(plumb[j] == plumb[i] and abs(tilt[j] - tilt[i]) <= 1.0
                   and np.hypot(*(mid[j] - mid[i])) <= SAME_PLACE_FRAC for j in kept):
            kept.append(int(i))
    k = np.asarray(kept, dtype=int)
    return tilt[k], length[k], plumb[k]


def _peak(tilt: np.ndarray, length: np.ndarray) -> tuple[float, float]:
    """The tilt the length-weighted density peaks at, and the share of length within
    ``AGREE_DEG`` of it."""
    grid = np.arange(-MAX_TILT_DEG, MAX_TILT_DEG + GRID_STEP_DEG / 2, GRID_STEP_DEG)
    density = np.exp(-0.5 * ((grid[:, None] - tilt[None, :]) / KERNEL_DEG) ** 2) @ length
    roll = float(grid[int(np.argmax(density))])
    return roll, float(length[np.abs(tilt - roll) <= AGREE_DEG].sum() / length.sum())


def level_of_images(images: list[np.ndarray]) -> SceneLevel:
    """The tilt the long straight edges of ``images`` (grey) agree on, or None.

    Plumb edges (door frames, racks, wall corners) stay plumb in the picture whichever way
    the camera is turned; level ones do only on a wall square to the camera (a wall seen at
    an angle recedes, and its level edges slope in the picture: a real clip's receding wall
    read 10° of roll that its plumb corner did not; a low camera makes plumb edges lean
    apart). A kind reads a tilt where most of its length agrees (``FAMILY_MIN_SHARE``); where
    both kinds read one, they must agree within ``FAMILY_AGREE_DEG``; where neither does, there
    is no reading."""
    parts = [line_tilts(g) for g in images]
    if not parts:
        return SceneLevel(None, 0.0, 0, 0)
    tilt, length, plumb = _distinct(*(np.concatenate([p[k] for p in parts])
                                      for k in range(4)))
    if tilt.size == 0:
        return SceneLevel(None, 0.0, 0, len(images))
    roll, share = _peak(tilt, length)
    strong = []
    for family in (plumb, ~plumb):
        if family.sum() >= MIN_FAMILY_LINES:
            peak, agree = _peak(tilt[family], length[family])
            if agree >= FAMILY_MIN_SHARE:
                strong.append(peak)
    if len(strong) == 2 and abs(strong[0] - strong[1]) > FAMILY_AGREE_DEG:
        return SceneLevel(None, round(share, 3), int(tilt.size), len(images))
    if not strong:
        return SceneLevel(None, round(share, 3), int(tilt.size), len(images))
    if len(strong) == 1:
        roll = strong[0]
    return SceneLevel(round(roll, 2), round(share, 3), int(tilt.size), len(images))


def _grey(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    scale = WORK_LONG_SIDE / max(h, w)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))),
                          interpolation=cv2.INTER_AREA)
    return grey


def level_of_file(path: str | Path, rotation: int = 0) -> SceneLevel:
    """``level_of_images`` of ``SAMPLE_FRAMES`` frames spread over the file ``path`` (the frame
    at each of evenly spaced times, decoded on from the keyframe before it, at most
    ``MAX_DECODE_AHEAD`` frames on), turned upright by the container's ``rotation`` as the
    pose pass turns them. Any failure to read gives
    ``UNKNOWN``: the roll is an aid, never a reason for the pose pass to fail."""
    import av

    from formcheck.io.video import _rotate as rotate_image

    try:
        images: list[np.ndarray] = []
        with av.open(str(path), mode="r") as container:
            stream = container.streams.video[0]
            tb = float(stream.time_base) if stream.time_base else 0.0
            span = float(stream.duration * tb) if stream.duration and tb else (
                container.duration / 1e6 if container.duration else 0.0)
            start = float(stream.start_time * tb) if stream.start_time and tb else 0.0
            seen: set[int] = set()
            for k in range(SAMPLE_FRAMES):
                at = start + span * (k + 0.5) / SAMPLE_FRAMES
                if span > 0 and tb > 0:
                    container.seek(int(at / tb), stream=stream, backward=True, any_frame=False)
                elif k:
                    break  # no duration: the first frame only
                # The frame at the time wanted, decoded on from the keyframe the seek found (at
                # most MAX_DECODE_AHEAD frames: a short clip has one keyframe for every time).
                pick = None
                for n, vf in enumerate(container.decode(stream)):
                    if vf.pts is not None and vf.pts not in seen:
                        pick = vf
                    if (span <= 0 or vf.time is None or vf.time >= at
                            or n + 1 >= MAX_DECODE_AHEAD):
                        break
                if pick is not None:
                    seen.add(pick.pts)
                    images.append(_grey(rotate_image(pick.to_ndarray(format="rgb24"),
                                                     rotation)))
        return level_of_images(images)
    except Exception:  # noqa: BLE001 - any unreadable file: no estimate
        return UNKNOWN


class LevelSampler:
    """The scene's level from a live camera's frames: one frame kept every ``every_s`` of the
    camera's time until ``SAMPLE_FRAMES`` are kept, then read once (``level_of_images``).
    ``offer`` returns the reading when it is made, else None."""

    def __init__(self, every_s: float = 0.25) -> None:
        self.every_s = every_s
        self.level: SceneLevel | None = None
        self._images: list[np.ndarray] = []
        self._next_s: float | None = None

    def offer(self, t_s: float, rgb: np.ndarray) -> SceneLevel | None:
        if self.level is not None or (self._next_s is not None and t_s < self._next_s):
            return None
        self._images.append(_grey(rgb))
        self._next_s = t_s + self.every_s
        if len(self._images) < SAMPLE_FRAMES:
            return None
        self.level, self._images = level_of_images(self._images), []
        return self.level

    def finish(self) -> SceneLevel | None:
        """The reading from the frames kept so far, where the camera stopped before
        ``SAMPLE_FRAMES`` were (a short set, or a machine too slow to see a frame every
        ``every_s``); None where it was made already or nothing was kept. The lines are read
        as from a file's frames: fewer frames give fewer lines, and the trust limits decide."""
        if self.level is not None or not self._images:
            return None
        self.level, self._images = level_of_images(self._images), []
        return self.level
