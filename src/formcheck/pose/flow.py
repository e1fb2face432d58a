"""Optical flow of the torso, measured beside pose inference: a cue to trunk twist that does
not go through the pose network's landmarks.

A twist turns the shoulders against the hips, so the upper torso moves across the trunk
while the lower torso stays put. ``TorsoFlow.step`` takes each frame with its landmarks and
returns, from the previous frame to this one, the median motion across the trunk (pixels per
frame, towards the lifter's left) of a band below the shoulder line and of a band above the
hip line, arms left out (they hang or reach in front of the torso and swing far more). Only
a crop around the torso is compared, scaled down to at most ``MAX_CROP_PX`` on its longer
side, so the cost per frame does not grow with the video's resolution.
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
    flow = flow[::step, ::step]
    yy, xx = np.mgrid[0:h:step, 0:w:step]
    h, w = flow.shape[:2]
    gx, gy = xx / scale + origin[0], yy / scale + origin[1]
    f = ((gx - s[0]) * chord[0] + (gy - s[1]) * chord[1]) / length ** 2
    across_pos = (gx - s[0]) * normal[0] + (gy - s[1]) * normal[1]
    across = (flow[..., 0] * normal[0] + flow[..., 1] * normal[1]) / scale
    free = np.ones((h, w), bool)
    radius = ARM_RADIUS * max(length, float(np.hypot(*(ls - rs))))
    for a, b in ARM_SEGMENTS:
        pa, pb = xy[a], xy[b]
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        d = pb - pa
        u = np.clip(((gx - pa[0]) * d[0] + (gy - pa[1]) * d[1]) / max(float(d @ d), 1e-9),
                    0.0, 1.0)
        free &= np.hypot(gx - pa[0] - u * d[0], gy - pa[1] - u * d[1]) > radius
    widths = (float(np.hypot(*(ls - rs))), float(np.hypot(*(lh - rh))))
    for k, ((lo, hi), width) in enumerate(zip(BANDS, widths, strict=True)):
        half = max(HALF_WIDTH * width, MIN_HALF_WIDTH * length)
        sel = (f >= lo) & (f <= hi) & (np.abs(across_pos) <= half) & free
        if int(sel.sum()) >= MIN_BAND_PIXELS:
            out[k] = float(np.median(across[sel]))
    return out


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
