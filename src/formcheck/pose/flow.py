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
"""

from __future__ import annotations

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


def band_motion(flow: np.ndarray, origin: np.ndarray, scale: float,
                image_xy: np.ndarray) -> np.ndarray:
    """Median motion across the trunk (image pixels per frame, towards the lifter's left) of
    the shoulder band and of the hip band, from a dense ``flow`` field (of a crop whose pixel
    (0, 0) lies at ``origin`` in the image and that was scaled by ``scale``) and the
    landmarks ``image_xy`` it was placed with. ``(2,)``, NaN where a band is empty."""
    out = np.full(2, np.nan, np.float32)
    xy = image_xy.astype(np.float64)
    ls, rs, lh, rh = (xy[i] for i in TORSO)
    s, hp = (ls + rs) / 2.0, (lh + rh) / 2.0
    chord = hp - s
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 4.0:
        return out
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
        return out
    f, across_pos = f[iy, ix], across_pos[iy, ix]
    px, py = gx[ix], gy[iy]
    radius = ARM_RADIUS * max(length, float(np.hypot(*(ls - rs))))
    arms = [(xy[a], xy[b] - xy[a]) for a, b in ARM_SEGMENTS
            if np.isfinite(xy[a]).all() and np.isfinite(xy[b]).all()]
    free = np.ones(iy.size, bool)
    if arms:  # all segments at once: (segments, pixels)
        pa = np.array([p for p, _ in arms])
        d = np.array([q for _, q in arms])
        dd = np.array([max(float(q @ q), 1e-9) for q in d])[:, None]
        ox, oy = px[None, :] - pa[:, :1], py[None, :] - pa[:, 1:]
        u = np.clip((ox * d[:, :1] + oy * d[:, 1:]) / dd, 0.0, 1.0)
        free = (np.hypot(ox - u * d[:, :1], oy - u * d[:, 1:]) > radius).all(axis=0)
    sub = flow[iy * step, ix * step]
    across = (sub[:, 0] * normal[0] + sub[:, 1] * normal[1]) / scale
    for k, ((lo, hi), half) in enumerate(zip(BANDS, halves, strict=True)):
        sel = (f >= lo) & (f <= hi) & (across_pos <= half) & free
        if int(sel.sum()) >= MIN_BAND_PIXELS:
            out[k] = float(np.median(across[sel]))
    return out


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
    """Band motions frame after frame (``step``); keeps the previous frame and landmarks."""

    def __init__(self, dense=None) -> None:
        """``dense(previous, current)`` gives the flow field between two grey crops (H, W, 2);
        OpenCV's DIS flow (medium preset) unless another is given (the bench compares)."""
        import cv2

        self._cv2 = cv2
        if dense is None:
            dense = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc
            self._dense = lambda a, b: dense(a, b, None)
        else:
            self._dense = dense
        self._prev: np.ndarray | None = None
        self._prev_xy: np.ndarray | None = None

    def keep(self, image: np.ndarray, image_xy: np.ndarray) -> np.ndarray:
        """Take ``image`` as the previous frame without measuring (a frame ``FlowGate`` turns
        down): the next ``step`` then compares against it. Returns NaN ``(2,)``."""
        self._prev, self._prev_xy = image, image_xy
        return np.full(2, np.nan, np.float32)

    def step(self, image: np.ndarray, image_xy: np.ndarray, *, rgb: bool = True) -> np.ndarray:
        """``(2,)`` band motions from the previous frame to ``image`` (H, W, 3 uint8, RGB
        unless ``rgb`` is False), placed with the previous frame's landmarks; NaN for the
        first frame and where the torso was not found. ``image_xy`` are this frame's."""
        out = np.full(2, np.nan, np.float32)
        prev, prev_xy = self._prev, self._prev_xy
        self._prev, self._prev_xy = image, image_xy
        if prev is None or prev.shape != image.shape or not np.isfinite(
                prev_xy[list(TORSO)]).all():
            return out
        pts = prev_xy[list(TORSO)].astype(np.float64)
        spread = float(np.ptp(pts, axis=0).max())
        hgt, wid = image.shape[:2]
        lo = np.maximum(np.floor(pts.min(0) - CROP_MARGIN * spread), 0).astype(int)
        hi = np.minimum(np.ceil(pts.max(0) + CROP_MARGIN * spread), [wid, hgt]).astype(int)
        if hi[0] - lo[0] < 16 or hi[1] - lo[1] < 16:
            return out
        scale = min(1.0, MAX_CROP_PX / float(max(hi - lo)))
        code = self._cv2.COLOR_RGB2GRAY if rgb else self._cv2.COLOR_BGR2GRAY
        crops = []
        for frame in (prev, image):
            c = self._cv2.cvtColor(frame[lo[1]:hi[1], lo[0]:hi[0]], code)
            if scale < 1.0:
                c = self._cv2.resize(c, None, fx=scale, fy=scale,
                                     interpolation=self._cv2.INTER_AREA)
            crops.append(np.ascontiguousarray(c))
        flow = self._dense(crops[0], crops[1])
        return band_motion(flow, lo.astype(np.float64), scale, prev_xy)
