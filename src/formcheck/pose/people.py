"""Several people in the picture: which one is the lifter.

The pose model may find more than one person per frame (a spotter, a training partner, someone
walking past). ``PersonSelector`` picks one per frame, consistently: the first time (and after the
lifter was lost) by the chosen rule, then by following the same person (the candidate whose
body box overlaps the last chosen box most, or whose centre is nearest). It also counts what it
saw, for the report's notice.

Rules (``--person``): ``auto`` (largest and most central), ``largest``, ``center``, ``left``,
``right``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PERSON_RULES: tuple[str, ...] = ("auto", "largest", "center", "left", "right")


def checked_person_rule(rule: str) -> str:
    """``rule`` if it is one of ``PERSON_RULES``, else a ``ConfigError`` naming them (the
    ``--person`` option of the commands that take it as text)."""
    if rule not in PERSON_RULES:
        from formcheck.errors import ConfigError

        raise ConfigError(f"--person {rule!r}: use {', '.join(PERSON_RULES[:-1])} or "
                          f"{PERSON_RULES[-1]}")
    return rule

#: A candidate continues the track when its box centre lies within this many box diagonals of
#: the last chosen box's centre (people side by side are about one box width apart).
FOLLOW_MAX_DIAGONALS = 0.5
#: Landmarks with visibility below this do not count towards a person's box.
BOX_MIN_VISIBILITY = 0.3


def person_box(image_xy: np.ndarray, visibility: np.ndarray) -> np.ndarray | None:
    """``(x0, y0, x1, y1)`` around a person's visible landmarks (pixels), None when none."""
    ok = np.isfinite(image_xy).all(axis=1) & (visibility >= BOX_MIN_VISIBILITY)
    if not ok.any():
        ok = np.isfinite(image_xy).all(axis=1)
        if not ok.any():
            return None
    pts = image_xy[ok]
    return np.array([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()])


def _area(b: np.ndarray) -> float:
    return float(max(b[2] - b[0], 0.0) * max(b[3] - b[1], 0.0))


def _centre(b: np.ndarray) -> np.ndarray:
    return np.array([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.array([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])])
    i = _area(inter) if inter[2] > inter[0] and inter[3] > inter[1] else 0.0
    union = _area(a) + _area(b) - i
    return i / union if union > 0 else 0.0


@dataclass
class PersonSelector:
    """Choose the lifter among each frame's candidates (see module doc)."""

    rule: str = "auto"
    width: int = 1
    height: int = 1
    frames: int = 0
    frames_with_several: int = 0
    max_people: int = 0
    #: Most people the estimator's occasional probe saw in one frame (see ``PoseEstimator``).
    probed_max: int = 0
    #: Horizontal position of the chosen person relative to the others, per frame with several
    #: (-1 left of all, +1 right of all, 0 between).
    sides: list[int] = field(default_factory=list)
    #: The latest frame's: people found, and the chosen one's side when there were several.
    last_count: int = 0
    last_side: int | None = None
    _last: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.rule not in PERSON_RULES:
            raise ValueError(f"person rule must be one of {PERSON_RULES}, got {self.rule!r}")

    def _score(self, box: np.ndarray) -> float:
        c = _centre(box)
        if self.rule == "left":
            return -float(c[0])
        if self.rule == "right":
            return float(c[0])
        off = np.hypot((c[0] - self.width / 2.0) / max(self.width, 1),
                       (c[1] - self.height / 2.0) / max(self.height, 1))
        if self.rule == "center":
            return -float(off)
        frac = _area(box) / max(self.width * self.height, 1)
        if self.rule == "largest":
            return frac
        return frac * (1.0 - min(float(off), 0.9))  # auto: large and central

    def choose(self, boxes: list[np.ndarray | None]) -> int | None:
        """Index of the lifter among this frame's candidates (None when there are none)."""
        self.frames += 1
        valid = [i for i, b in enumerate(boxes) if b is not None]
        self.max_people = max(self.max_people, len(valid))
        self.last_count, self.last_side = len(valid), None
        if not valid:
            self._last = None
            return None
        pick = None
        if self._last is not None:
            last = self._last
            diag = float(np.hypot(last[2] - last[0], last[3] - last[1])) or 1.0
            dist = {i: float(np.hypot(*(_centre(boxes[i]) - _centre(last)))) for i in valid}
            near = [i for i in valid if dist[i] <= FOLLOW_MAX_DIAGONALS * diag]
            if near:
                pick = max(near, key=lambda i: (_iou(boxes[i], last), -dist[i]))
        if pick is None:
            pick = max(valid, key=lambda i: self._score(boxes[i]))
        self._last = boxes[pick]
        if len(valid) > 1:
            self.frames_with_several += 1
            xs = {i: _centre(boxes[i])[0] for i in valid}
            mine = xs[pick]
            others = [x for i, x in xs.items() if i != pick]
            self.last_side = -1 if mine < min(others) else 1 if mine > max(others) else 0
            self.sides.append(self.last_side)
        return pick

    def summary(self) -> dict:
        """What was seen, for ``seq.extra["people"]`` (and the report's notice)."""
        return _summary(self.rule, self.max_people, self.probed_max, self.frames_with_several,
                        self.frames, self.sides)


@dataclass
class PeopleTally:
    """What a ``PersonSelector`` saw on some of its frames only: a live set's (the estimator
    runs on before the set, while it is paused and into the next set). ``add`` after each
    frame of the set."""

    rule: str = "auto"
    frames: int = 0
    frames_with_several: int = 0
    max_people: int = 0
    probed_max: int = 0
    sides: list[int] = field(default_factory=list)

    def add(self, selector: PersonSelector) -> None:
        self.frames += 1
        self.max_people = max(self.max_people, selector.last_count)
        self.probed_max = max(self.probed_max, selector.probed_max)
        if selector.last_side is not None:
            self.frames_with_several += 1
            self.sides.append(selector.last_side)

    def summary(self) -> dict:
        return _summary(self.rule, self.max_people, self.probed_max, self.frames_with_several,
                        self.frames, self.sides)


def _summary(rule: str, max_people: int, probed_max: int, frames_with_several: int,
             frames: int, sides: list[int]) -> dict:
    out = {"rule": rule, "max_people": max(max_people, probed_max),
           "frames_with_several": frames_with_several, "frames": frames}
    if frames_with_several:
        mean_side = float(np.mean(sides)) if sides else 0.0
        where = ("on the left" if mean_side < -0.5 else "on the right" if mean_side > 0.5
                 else "in the middle")
        how = {"auto": "the largest, most central person", "largest": "the largest person",
               "center": "the person nearest the centre", "left": "the leftmost person",
               "right": "the rightmost person"}[rule]
        out["message"] = (
            f"{max_people} people were in the picture ({frames_with_several} of "
            f"{frames} frames); the analysis follows {how}, mostly {where}, and ignores "
            "the others; to follow another, analyse the clip again with --person "
            "largest|center|left|right (`formcheck analyze`, `batch`, `check` or `live`)")
    return out
