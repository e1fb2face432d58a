"""Optical flow of the torso, measured beside pose inference: a cue to trunk twist that does
not go through the pose network's landmarks.

A twist turns the shoulders against the hips, so the upper torso moves across the trunk
while the lower torso stays put. ``TorsoFlow.step`` takes each frame with its landmarks and
returns, from the previous frame to this one, the median motion across the trunk (pixels per
frame, towards the lifter's left) of a band below the shoulder line and of a band above the
hip line, arms left out (they hang or reach in front of the torso and swing far more). Only
a crop around the torso is compared, scaled down to at most ``MAX_CROP_PX`` on its longer
side, so the cost per frame does not grow with the video's resolution.

The twist rule reads the flow only for a set seen square-on (``features.compute_twist``: the
set's median hip line within ``SignalConfig.twist_width_zero_deg`` of facing the camera or
facing away). ``FlowGate`` says, frame by frame, whether the flow is worth measuring: only
near square-on, with a wide margin and a hold time, so a lifter filmed from the side (most
deadlift and row videos) costs no flow at all. A frame not measured stores NaN, which the
rule reads as no motion, as it does a frame without a torso.

What the hands hide is left out of the bands (``MaskSpec``): on about half the judged real
front frames the hands, forearms or the bar cross the torso, and the flow there follows them.
Each measured frame also says how much of its two bands was left to read (``FlowReading.seen``,
the smaller band's share). ``PictureCut`` flags frames that follow a cut in the picture (an
edited video's change of shot), from the statistics of the whole frame against the previous one,
so that no cue is read across one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from formcheck.pose.landmarks import Landmark as L

#: Bands compared: (from, to) along the shoulder -> hip chord (0 = shoulder line).
BANDS = ((0.0, 0.35), (0.65, 1.0))
#: Half-width of a band across the chord, as a fraction of that end's landmark width (at
#: least ``MIN_HALF_WIDTH`` of the chord, for a lifter seen edge-on).
HALF_WIDTH = 0.45
MIN_HALF_WIDTH = 0.15
#: Pixels nearer an arm segment than this (times the torso's size) are left out.
ARM_RADIUS = 0.18
ARM_SEGMENTS = ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
                (L.LEFT_ELBOW, L.LEFT_WRIST), (L.RIGHT_ELBOW, L.RIGHT_WRIST),
                (L.LEFT_WRIST, L.LEFT_INDEX), (L.RIGHT_WRIST, L.RIGHT_INDEX))
FOREARMS = ((L.LEFT_ELBOW, L.LEFT_WRIST), (L.RIGHT_ELBOW, L.RIGHT_WRIST))
HAND_POINTS = (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_INDEX,
               L.RIGHT_INDEX, L.LEFT_THUMB, L.RIGHT_THUMB)


class MaskSpec(NamedTuple):
    """What is left out of the flow's bands, each a distance from landmarks in torso sizes
    (the longer of the shoulder -> hip chord and the shoulder width); 0 leaves it in."""

    #: around every arm segment, shoulder to index finger
    arm: float = ARM_RADIUS
    #: around the forearms (elbow -> wrist), wider than ``arm`` for the hands' blur
    forearm: float = 0.0
    #: around each hand's landmarks (wrist, index, pinky, thumb)
    hand: float = 0.0
    #: either side of the line through both wrists, the whole crop across: whatever is held
    #: in both hands (a bar, a handle) lies along it
    bar: float = 0.0


#: Before round 9: the arm segments only.
ARMS_ONLY = MaskSpec()
#: The pose pass's mask (round 9, docs/analysis.md: of the masks measured, this one and the
#: hands alone found the most rendered twists with no false alarm on real lifts; the bar's
#: strip is kept for the barbell, which the renders do not hold across the torso).
MASK = MaskSpec(arm=ARM_RADIUS, forearm=0.25, hand=0.3, bar=0.1)
#: Where the mask leaves less than this share of a band, neither band is read (NaN, which
#: the rule reads as no motion): the few pixels left beside the hands move with them.
MIN_SEEN = 0.25
TORSO = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
#: Margin of the crop around the torso's landmarks (times their spread).
CROP_MARGIN = 0.3
#: The crop is scaled down to at most this many pixels on its longer side.
MAX_CROP_PX = 192
#: Crops longer than this (pixels, after scaling) are read on every other pixel.
SPARSE_ABOVE_PX = 160
#: Fewest pixels a band needs for its median.
MIN_BAND_PIXELS = 8
#: ``FlowGate``: the flow is measured on frames whose own hip line is turned at most this far
#: from square-on (degrees; the rule reads it only for sets within 15 deg by median, and a
#: single frame's turn is noisy: on rendered lifters 0 to 7 deg square-on, 31 to 52 deg at a
#: 45 deg camera, 70 to 89 deg side-on) ...
GATE_MAX_TURN_DEG = 45.0
#: ... and for this long after the last such frame (seconds), so a square-on stretch keeps
#: its flow through a few noisy frames.
GATE_HOLD_S = 1.0


class FlowReading(NamedTuple):
    """One frame's torso flow: ``motion`` ``(2,)`` the shoulder band's and the hip band's
    median motion across the trunk (NaN where a band is empty), ``seen`` the share of the
    smaller-read band's pixels left after the mask (0 to 1; NaN where not measured)."""

    motion: np.ndarray
    seen: float


def _nan_reading() -> FlowReading:
    return FlowReading(np.full(2, np.nan, np.float32), float("nan"))


def _near_segments(px: np.ndarray, py: np.ndarray, segs: list[tuple[np.ndarray, np.ndarray]],
                   radius: float) -> np.ndarray:
    """Per pixel: nearer than ``radius`` to any segment (start point, direction)."""
    pa = np.array([p for p, _ in segs])
    d = np.array([q for _, q in segs])
    dd = np.array([max(float(q @ q), 1e-9) for q in d])[:, None]
    ox, oy = px[None, :] - pa[:, :1], py[None, :] - pa[:, 1:]
    u = np.clip((ox * d[:, :1] + oy * d[:, 1:]) / dd, 0.0, 1.0)
    return (np.hypot(ox - u * d[:, :1], oy - u * d[:, 1:]) <= radius).any(axis=0)


def band_reading(flow: np.ndarray, origin: np.ndarray, scale: float, image_xy: np.ndarray,
                 mask: MaskSpec | None = None, min_seen: float | None = None) -> FlowReading:
    """Median motion across the trunk (image pixels per frame, towards the lifter's left) of
    the shoulder band and of the hip band, from a dense ``flow`` field (of a crop whose pixel
    (0, 0) lies at ``origin`` in the image and that was scaled by ``scale``) and the
    landmarks ``image_xy`` it was placed with, what ``mask`` (default ``MASK``) covers left
    out; with the share of the bands left to read. Where that share is under ``min_seen``
    (default ``MIN_SEEN`` with the default mask, else 0) both motions are NaN."""
    if min_seen is None:
        min_seen = MIN_SEEN if mask is None else 0.0
    mask = MASK if mask is None else mask
    xy = image_xy.astype(np.float64)
    ls, rs, lh, rh = (xy[i] for i in TORSO)
    s, hp = (ls + rs) / 2.0, (lh + rh) / 2.0
    chord = hp - s
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 4.0:
        return _nan_reading()
    out = np.full(2, np.nan, np.float32)
    normal = np.array([-chord[1], chord[0]]) / length
    if float((ls - rs) @ normal) < 0:  # towards the lifter's left
        normal = -normal
    h, w = flow.shape[:2]
    # A large crop is read on every other pixel (medians of thousands of pixels either way).
    step = 2 if max(h, w) > SPARSE_ABOVE_PX else 1
    # Image coordinates of the pixels read, per column and per row: every per-pixel value
    # below is formed from them by broadcasting, with the same arithmetic in the same order
    # as over full coordinate grids (so the same numbers, at a fraction of the NumPy calls).
    gx = np.arange(0, w, step) / scale + origin[0]
    gy = np.arange(0, h, step) / scale + origin[1]
    dx, dy = (gx - s[0])[None, :], (gy - s[1])[:, None]
    f = (dx * chord[0] + dy * chord[1]) / length ** 2
    across_pos = np.abs(dx * normal[0] + dy * normal[1])
    widths = (float(np.hypot(*(ls - rs))), float(np.hypot(*(lh - rh))))
    halves = [max(HALF_WIDTH * width, MIN_HALF_WIDTH * length) for width in widths]
    # Only pixels inside a band can count: the arms and the motion are read there alone.
    near = across_pos <= max(halves)
    near &= ((f >= BANDS[0][0]) & (f <= BANDS[0][1])) | ((f >= BANDS[1][0]) & (f <= BANDS[1][1]))
    iy, ix = np.nonzero(near)
    if iy.size < MIN_BAND_PIXELS:
        return FlowReading(out, 0.0)
    f, across_pos = f[iy, ix], across_pos[iy, ix]
    px, py = gx[ix], gy[iy]
    size = max(length, float(np.hypot(*(ls - rs))))

    def found(a: int, b: int) -> bool:
        return bool(np.isfinite(xy[a]).all() and np.isfinite(xy[b]).all())

    hidden = np.zeros(iy.size, bool)
    arms = [(xy[a], xy[b] - xy[a]) for a, b in ARM_SEGMENTS if found(a, b)]
    if arms and mask.arm > 0:  # all segments at once: (segments, pixels)
        hidden |= _near_segments(px, py, arms, mask.arm * size)
    forearms = [(xy[a], xy[b] - xy[a]) for a, b in FOREARMS if found(a, b)]
    if forearms and mask.forearm > 0:
        hidden |= _near_segments(px, py, forearms, mask.forearm * size)
    hands = [(xy[a], np.zeros(2)) for a in HAND_POINTS if np.isfinite(xy[a]).all()]
    if hands and mask.hand > 0:
        hidden |= _near_segments(px, py, hands, mask.hand * size)
    if mask.bar > 0 and found(L.LEFT_WRIST, L.RIGHT_WRIST):
        along = xy[L.LEFT_WRIST] - xy[L.RIGHT_WRIST]
        span = float(np.hypot(*along))
        if span > 1e-6:  # distance to the line through both wrists
            off = np.abs((px - xy[L.RIGHT_WRIST][0]) * along[1]
                         - (py - xy[L.RIGHT_WRIST][1]) * along[0]) / span
            hidden |= off <= mask.bar * size
    sub = flow[iy * step, ix * step]
    across = (sub[:, 0] * normal[0] + sub[:, 1] * normal[1]) / scale
    seen = 1.0
    for k, ((lo, hi), half) in enumerate(zip(BANDS, halves, strict=True)):
        band = (f >= lo) & (f <= hi) & (across_pos <= half)
        sel = band & ~hidden
        n_band, n_sel = int(band.sum()), int(sel.sum())
        seen = min(seen, n_sel / n_band if n_band else 0.0)
        if n_sel >= MIN_BAND_PIXELS:
            out[k] = float(np.median(across[sel]))
    if seen < min_seen:
        out[:] = np.nan
    return FlowReading(out, seen)


def band_motion(flow: np.ndarray, origin: np.ndarray, scale: float,
                image_xy: np.ndarray, mask: MaskSpec | None = None) -> np.ndarray:
    """``band_reading``'s motions alone: ``(2,)``, NaN where a band is empty."""
    return band_reading(flow, origin, scale, image_xy, mask).motion


def hip_turn_deg(world_xyz: np.ndarray) -> float:
    """How far one frame's hip line is turned from square-on (0 facing the camera or facing
    away, 90 side-on), from the world landmarks' hips (x across the picture, z depth), as
    ``analysis.geometry.pelvis_yaw_deg`` folded to [0, 90]; NaN when no person was found."""
    d = world_xyz[L.LEFT_HIP].astype(np.float64) - world_xyz[L.RIGHT_HIP]
    return float(np.degrees(np.arctan2(abs(d[2]), abs(d[0]))))


class FlowGate:
    """Whether a frame's torso flow is worth measuring (module doc): yes while the hip line is
    within ``max_turn_deg`` of square-on and for ``hold_s`` after, no elsewhere. Frames must
    come in time order. A frame without a person changes nothing (its flow is NaN anyway)."""

    def __init__(self, max_turn_deg: float = GATE_MAX_TURN_DEG,
                 hold_s: float = GATE_HOLD_S) -> None:
        self.max_turn_deg = float(max_turn_deg)
        self.hold_s = float(hold_s)
        self._open_until = -float("inf")

    def wants(self, t_s: float, world_xyz: np.ndarray) -> bool:
        """True when the flow from the previous frame to this one (at ``t_s``, landmarks
        ``world_xyz``) should be measured."""
        if hip_turn_deg(world_xyz) <= self.max_turn_deg:
            self._open_until = t_s + self.hold_s
            return True
        return t_s <= self._open_until


class TorsoFlow:
    """Band motions frame after frame (``step``, ``read``); keeps the previous frame and
    landmarks."""

    def __init__(self, dense=None, mask: MaskSpec | None = None) -> None:
        """``dense(previous, current)`` gives the flow field between two grey crops (H, W, 2);
        OpenCV's DIS flow (medium preset) unless another is given (the bench compares).
        ``mask``: what is left out of the bands (``MASK`` and ``MIN_SEEN`` unless given;
        a mask given is read wherever a band keeps ``MIN_BAND_PIXELS``)."""
        import cv2

        self._cv2 = cv2
        if dense is None:
            dense = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc
            self._dense = lambda a, b: dense(a, b, None)
        else:
            self._dense = dense
        self.mask = mask
        self._prev: np.ndarray | None = None
        self._prev_xy: np.ndarray | None = None

    def keep(self, image: np.ndarray, image_xy: np.ndarray) -> np.ndarray:
        """Take ``image`` as the previous frame without measuring (a frame ``FlowGate`` turns
        down): the next ``step`` then compares against it. Returns NaN ``(2,)``."""
        self._prev, self._prev_xy = image, image_xy
        return np.full(2, np.nan, np.float32)

    def field(self, image: np.ndarray, image_xy: np.ndarray, *, rgb: bool = True):
        """The dense flow from the previous frame to ``image`` on the crop placed with the
        previous frame's landmarks: ``(flow, origin, scale, previous landmarks)``, or None for
        the first frame and where the torso was not found. Takes ``image`` as the previous
        frame for the next call."""
        prev, prev_xy = self._prev, self._prev_xy
        self._prev, self._prev_xy = image, image_xy
        if prev is None or prev.shape != image.shape or not np.isfinite(
                prev_xy[list(TORSO)]).all():
            return None
        pts = prev_xy[list(TORSO)].astype(np.float64)
        spread = float(np.ptp(pts, axis=0).max())
        hgt, wid = image.shape[:2]
        lo = np.maximum(np.floor(pts.min(0) - CROP_MARGIN * spread), 0).astype(int)
        hi = np.minimum(np.ceil(pts.max(0) + CROP_MARGIN * spread), [wid, hgt]).astype(int)
        if hi[0] - lo[0] < 16 or hi[1] - lo[1] < 16:
            return None
        scale = min(1.0, MAX_CROP_PX / float(max(hi - lo)))
        code = self._cv2.COLOR_RGB2GRAY if rgb else self._cv2.COLOR_BGR2GRAY
        crops = []
        for frame in (prev, image):
            c = self._cv2.cvtColor(frame[lo[1]:hi[1], lo[0]:hi[0]], code)
            if scale < 1.0:
                c = self._cv2.resize(c, None, fx=scale, fy=scale,
                                     interpolation=self._cv2.INTER_AREA)
            crops.append(np.ascontiguousarray(c))
        return self._dense(crops[0], crops[1]), lo.astype(np.float64), scale, prev_xy

    def read(self, image: np.ndarray, image_xy: np.ndarray, *, rgb: bool = True) -> FlowReading:
        """The bands' motions from the previous frame to ``image`` (H, W, 3 uint8, RGB unless
        ``rgb`` is False), placed with the previous frame's landmarks, and the share of the
        bands the mask left; NaN for the first frame and where the torso was not found.
        ``image_xy`` are this frame's."""
        got = self.field(image, image_xy, rgb=rgb)
        if got is None:
            return _nan_reading()
        flow, origin, scale, prev_xy = got
        return band_reading(flow, origin, scale, prev_xy, self.mask)

    def step(self, image: np.ndarray, image_xy: np.ndarray, *, rgb: bool = True) -> np.ndarray:
        """``read``'s ``(2,)`` band motions alone."""
        return self.read(image, image_xy, rgb=rgb).motion


#: ``PictureCut``: the frame is compared on a thumbnail this many pixels wide (grey, the
#: frame's own aspect) ...
CUT_THUMB_PX = 64
#: ... searched for the best match over shifts of up to this many thumbnail pixels (a pan or
#: a shaken camera moves the whole picture without changing it). How much the picture changed
#: is one minus the best match's correlation (0 the same picture, 1 nothing in common) ...
CUT_SHIFT_PX = 3
#: ... and a cut needs a change of at least this much (until ``CUT_WARM_FRAMES`` frames have
#: set the usual change, ``CUT_COLD_CHANGE``) ...
CUT_MIN_CHANGE = 0.3
CUT_WARM_FRAMES = 3
CUT_COLD_CHANGE = 0.6
#: ... and this many times the clip's usual change from frame to frame (the median over the
#: last ``CUT_HISTORY_FRAMES`` frames, at least ``CUT_USUAL_FLOOR``): a close, moving camera
#: or a low frame rate changes every frame's picture a lot, and a cut there must stand out
#: as much (round 9, docs/analysis.md: chosen on the shared clips' frames, looked at).
CUT_RATIO = 10.0
CUT_HISTORY_FRAMES = 15
CUT_USUAL_FLOOR = 0.01
#: A thumbnail whose grey levels spread less than this (standard deviation) has no picture
#: to match (a black frame): from or to such a frame counts as a cut, between two as none.
CUT_FLAT_STD = 2.0


class PictureCut:
    """Per frame, whether the picture was cut since the previous frame (a change of shot in an
    edited video: the landmarks, the flow and every cue jump there without any motion):
    ``step`` compares a small grey thumbnail of the whole frame with the previous frame's,
    allowing for a pan of up to ``CUT_SHIFT_PX``, and flags a change far above the clip's
    usual one. Frames must come in time order."""

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self._prev: np.ndarray | None = None
        self._history: list[float] = []

    def thumbnail(self, image: np.ndarray) -> np.ndarray:
        """Grey ``CUT_THUMB_PX``-wide thumbnail (float32) of a colour frame (the mean of its
        channels, so RGB and BGR give the same)."""
        cv2 = self._cv2
        h, w = image.shape[:2]
        tw = CUT_THUMB_PX
        th = max(2 * CUT_SHIFT_PX + 4, int(round(h * tw / max(w, 1))))
        stride = max(1, min(h // (2 * th), w // (2 * tw)))  # most pixels skipped first: cheap
        small = np.ascontiguousarray(image[::stride, ::stride])
        small = cv2.resize(small, (tw, th), interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            small = small.astype(np.float32).mean(axis=2)
        return small.astype(np.float32)

    def change(self, prev: np.ndarray, cur: np.ndarray) -> float:
        """How much the picture changed between two thumbnails (0 to 1; module constants),
        read inside the rows and columns where either has a picture (a letterboxed video's
        black bars, the same in every frame, would make any two frames look alike)."""
        k = CUT_SHIFT_PX
        live = [np.nonzero((prev.std(axis=ax) >= CUT_FLAT_STD)
                           | (cur.std(axis=ax) >= CUT_FLAT_STD))[0] for ax in (1, 0)]
        if any(v.size == 0 or v[-1] - v[0] + 1 < 2 * k + 4 for v in live):
            flat = (float(prev.std()) < CUT_FLAT_STD, float(cur.std()) < CUT_FLAT_STD)
            return 0.0 if flat[0] == flat[1] else 1.0
        box = np.s_[live[0][0]:live[0][-1] + 1, live[1][0]:live[1][-1] + 1]
        a, b = prev[box], cur[box]
        flat = (float(a.std()) < CUT_FLAT_STD, float(b.std()) < CUT_FLAT_STD)
        if flat[0] or flat[1]:
            return 0.0 if flat[0] and flat[1] else 1.0
        best = float(self._cv2.matchTemplate(a, np.ascontiguousarray(b[k:-k, k:-k]),
                                             self._cv2.TM_CCOEFF_NORMED).max())
        return float(np.clip(1.0 - best, 0.0, 1.0))

    def step(self, image: np.ndarray) -> tuple[bool, float]:
        """(cut, change) from the previous frame to ``image``; the first frame is no cut
        (change 0)."""
        cur = self.thumbnail(image)
        prev, self._prev = self._prev, cur
        if prev is None or prev.shape != cur.shape:
            return False, 0.0
        d = self.change(prev, cur)
        return self.judge(d), d

    def judge(self, change: float) -> bool:
        """Whether a frame's ``change`` (from ``change``) is a cut, against the usual change
        of the frames before it (which this frame then joins). ``step`` calls it; a replay of
        stored changes may too."""
        usual = max(float(np.median(self._history)) if self._history else 0.0,
                    CUT_USUAL_FLOOR)
        least = CUT_MIN_CHANGE if len(self._history) >= CUT_WARM_FRAMES else CUT_COLD_CHANGE
        cut = change >= least and change >= CUT_RATIO * usual
        self._history.append(float(change))
        del self._history[:-CUT_HISTORY_FRAMES]
        return bool(cut)
