"""Body geometry over time from landmark arrays: angles, trunk lean, twist, back-profile bulge.

Arrays are used in the precision they come in (float32 from a ``PoseSequence``: ample for
angles, and half the memory traffic); callers filter in float64. World landmarks follow
MediaPipe's axes (metres, hip-centred, x right in the image, y down,
z away from the camera), so "up" is ``-y``. All functions take ``(T, 33, 3)`` world or
``(T, 33, 2)`` image arrays and return ``(T,)`` or ``(T, 3)`` arrays; NaN in, NaN out.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.landmarks import Landmark as L

UP = np.array([0.0, -1.0, 0.0])

#: Fewest back-outline points a frame needs for a bulge estimate.
MIN_PROFILE_POINTS = 5


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, v / n, np.nan)


def angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors (last axis 2 or 3) via ``arctan2(|u x v|, u . v)``."""
    u = np.asarray(u)
    v = np.asarray(v)
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.degrees(np.arctan2(cross, np.sum(u * v, axis=-1)))


def joint_angle_deg(points: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """Angle at landmark ``b`` between ``a`` and ``c`` (180 = straight)."""
    p = np.asarray(points)
    return angle_deg(p[:, a] - p[:, b], p[:, c] - p[:, b])


def midpoint(points: np.ndarray, a: int, b: int) -> np.ndarray:
    p = np.asarray(points)
    return 0.5 * (p[:, a] + p[:, b])


def shoulder_mid(points: np.ndarray) -> np.ndarray:
    return midpoint(points, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


def hip_mid(points: np.ndarray) -> np.ndarray:
    return midpoint(points, L.LEFT_HIP, L.RIGHT_HIP)


def trunk_inclination_deg(world: np.ndarray) -> np.ndarray:
    """Angle of hip-mid -> shoulder-mid from vertical (0 upright, 90 horizontal)."""
    return angle_deg(shoulder_mid(world) - hip_mid(world), UP[None, :])


def left_vector(world: np.ndarray) -> np.ndarray:
    """Horizontal unit vector to the subject's left, from the shoulder and hip lines."""
    w = np.asarray(world)
    v = (w[:, L.LEFT_SHOULDER] - w[:, L.RIGHT_SHOULDER]) + (w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP])
    v[:, 1] = 0.0
    return _unit(v)


def forward_vector(world: np.ndarray) -> np.ndarray:
    """Horizontal unit vector the lifter faces: toes vs heels, nose vs ears, and the left-right
    axis, each normalised and summed (any one may be missing or noisy)."""
    w = np.asarray(world)
    feet = (w[:, L.LEFT_FOOT_INDEX] - w[:, L.LEFT_HEEL]) + (
        w[:, L.RIGHT_FOOT_INDEX] - w[:, L.RIGHT_HEEL])
    face = w[:, L.NOSE] - midpoint(w, L.LEFT_EAR, L.RIGHT_EAR)
    lateral = np.cross(left_vector(w), UP[None, :])
    parts = []
    for v in (feet, face, lateral):
        v = v.copy()
        v[:, 1] = 0.0
        parts.append(np.nan_to_num(_unit(v)))
    return _unit(parts[0] + parts[1] + parts[2])


def sagittal_lean_deg(world: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Signed trunk lean in the sagittal plane: positive forward, negative behind vertical."""
    trunk = shoulder_mid(world) - hip_mid(world)
    return np.degrees(np.arctan2(np.sum(trunk * forward, axis=-1), trunk @ UP))


def leg_length(world: np.ndarray) -> np.ndarray:
    """Per-frame mean of the two legs' hip-knee-ankle lengths (metres)."""
    w = np.asarray(world)
    sides = []
    for hip, knee, ankle in ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
                             (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)):
        sides.append(np.linalg.norm(w[:, hip] - w[:, knee], axis=-1)
                     + np.linalg.norm(w[:, knee] - w[:, ankle], axis=-1))
    return 0.5 * (sides[0] + sides[1])


def hips_forward(world: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """How far the hip centre is ahead of the ankle centre along ``forward`` (metres)."""
    d = hip_mid(world) - midpoint(world, L.LEFT_ANKLE, L.RIGHT_ANKLE)
    return np.sum(d * forward, axis=-1)


def height_above_ankles(world: np.ndarray, a: int, b: int) -> np.ndarray:
    """Height of the midpoint of landmarks ``a`` and ``b`` above the ankle centre (metres)."""
    d = midpoint(world, a, b) - midpoint(world, L.LEFT_ANKLE, L.RIGHT_ANKLE)
    return d @ UP


def head_neck_angle_deg(world: np.ndarray) -> np.ndarray:
    """Ear-shoulder-hip angle at the shoulder (180 = head in line with the trunk)."""
    ear = midpoint(world, L.LEFT_EAR, L.RIGHT_EAR)
    sh = shoulder_mid(world)
    return angle_deg(ear - sh, hip_mid(world) - sh)


def _horizontal_heading(v: np.ndarray) -> np.ndarray:
    return np.arctan2(v[:, 2], v[:, 0])


def twist_deg(world: np.ndarray) -> np.ndarray:
    """Signed rotation of the shoulder line relative to the hip line about vertical, unwrapped
    over time (NaN rows stay NaN)."""
    w = np.asarray(world)
    s = _horizontal_heading(w[:, L.LEFT_SHOULDER] - w[:, L.RIGHT_SHOULDER])
    h = _horizontal_heading(w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP])
    d = np.angle(np.exp(1j * (s - h)))
    ok = np.isfinite(d)
    out = np.full(d.shape, np.nan)
    if ok.any():
        out[ok] = np.unwrap(d[ok])
    return np.degrees(out)


def hip_heading_deg(world: np.ndarray) -> np.ndarray:
    """Heading of the hip line (right hip -> left hip) about vertical, unwrapped over time: how
    the pelvis turns relative to the camera (NaN rows stay NaN)."""
    w = np.asarray(world)
    h = _horizontal_heading(w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP])
    ok = np.isfinite(h)
    out = np.full(h.shape, np.nan)
    if ok.any():
        out[ok] = np.unwrap(h[ok])
    return np.degrees(out)


def image_jump(image: np.ndarray) -> np.ndarray:
    """Per-frame displacement of the hip centre in the image, in torso lengths (shoulder-mid to
    hip-mid, the larger of this and the previous frame's): a camera cut or a detection jumping
    to another person moves it by a large part of a torso between two frames. ``(T,)``, the
    first frame 0, NaN where either frame lacks the landmarks."""
    im = np.asarray(image)
    hip = hip_mid(im)
    torso = np.linalg.norm(shoulder_mid(im) - hip, axis=-1)
    out = np.zeros(hip.shape[0])
    if hip.shape[0] > 1:
        step = np.linalg.norm(np.diff(hip, axis=0), axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[1:] = step / np.fmax(torso[1:], torso[:-1])
    return out


def pelvis_yaw_deg(world: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Like ``body_yaw_deg`` from the hip line alone: how the lifter stands to the camera,
    unaffected by the shoulders turning (a twist moves ``body_yaw_deg`` by half its angle)."""
    w = np.asarray(world)
    im = np.asarray(image)
    lw = w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP]
    li = im[:, L.LEFT_HIP, 0] - im[:, L.RIGHT_HIP, 0]
    return np.degrees(np.arctan2(np.abs(lw[:, 2]), np.copysign(np.abs(lw[:, 0]), li)))


def body_yaw_deg(world: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Body yaw to the camera in [0, 180]: 0 facing it, 90 side on, 180 back to it.

    The depth part comes from the world landmarks; whether the lifter faces the camera or
    away comes from the image (facing the camera, the left shoulder is on the image's right).
    """
    w = np.asarray(world)
    im = np.asarray(image)
    lw = (w[:, L.LEFT_SHOULDER] - w[:, L.RIGHT_SHOULDER]) + (w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP])
    li = (im[:, L.LEFT_SHOULDER, 0] - im[:, L.RIGHT_SHOULDER, 0]) + (
        im[:, L.LEFT_HIP, 0] - im[:, L.RIGHT_HIP, 0])
    lateral = np.copysign(np.abs(lw[:, 0]), li)
    return np.degrees(np.arctan2(np.abs(lw[:, 2]), lateral))


def back_bulge(image_xy: np.ndarray, back_xy: np.ndarray, first: int, last: int) -> np.ndarray:
    """Signed bow of the back outline off its own end-to-end line, as a fraction of the
    shoulder-hip chord: positive = convex (rounded), negative = concave (arched).

    A quadratic is fitted (least squares, NaN points skipped) to the outline's offset from the
    chord over points ``first..last`` (the middle of the back; the end points sit on shoulder
    blade and buttocks); the bulge is the sagitta that curvature gives over the whole chord,
    i.e. relative to the straight line through the outline's ends. The back side is the side
    of the chord where most outline points lie.
    """
    im = np.asarray(image_xy)
    back = np.asarray(back_xy)
    n_pts = back.shape[1]
    if not 0 <= first < last < n_pts or last - first + 1 < MIN_PROFILE_POINTS:
        raise ValueError(f"back profile points {first}..{last} invalid for {n_pts} points")
    sh, hp = shoulder_mid(im), hip_mid(im)
    chord = hp - sh
    length = np.linalg.norm(chord, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        nx, ny = -chord[:, 1] / length, chord[:, 0] / length  # unit normal of the chord
    f = np.arange(first, last + 1) / (n_pts - 1)
    seg = back[:, first:last + 1]
    # Offset from the chord along its normal; the chord itself has no normal component.
    off = seg[..., 0] * nx[:, None] + seg[..., 1] * ny[:, None] \
        - (sh[:, 0] * nx + sh[:, 1] * ny)[:, None]  # (T, Kr) pixels
    ok = np.isfinite(off)
    side = np.sign(np.sum(np.sign(np.where(ok, off, 0.0)), axis=1))  # majority of the points
    off = np.where(ok, off, 0.0)
    g = (f - f[0]) / (f[-1] - f[0])
    basis = np.stack([np.ones_like(g), g, g * g], axis=1)  # (Kr, 3)
    enough = (ok.sum(axis=1) >= MIN_PROFILE_POINTS) & (side != 0)
    # Frames with every point share one least-squares solution (a fixed row of the
    # pseudo-inverse); frames with holes solve their own 3x3 normal equations.
    curv = (off @ np.linalg.pinv(basis)[2]) * side
    holed = np.flatnonzero(enough & ~ok.all(axis=1))
    if holed.size:
        wts = ok[holed].astype(np.float64)
        gram = np.einsum("tk,ki,kj->tij", wts, basis, basis)
        rhs = np.einsum("tk,ki->ti", wts * off[holed] * side[holed, None], basis)
        curv[holed] = np.linalg.solve(gram, rhs[..., None])[:, 2, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        # Curvature in chord units (per f**2), then the sagitta it gives over the whole chord.
        bulge = -curv / (f[-1] - f[0]) ** 2 / 4.0 / length
    return np.where(enough & (length > 0), bulge, np.nan)


def behind_back(image_xy: np.ndarray, back_xy: np.ndarray, a: int, b: int) -> np.ndarray:
    """How far the farther-back of landmarks ``a`` and ``b`` (e.g. the elbows) lies behind the
    shoulder-hip line, on the back outline's side, as a fraction of that line's length
    (negative: in front of it). ``(T,)``; NaN without an outline."""
    im = np.asarray(image_xy)
    back = np.asarray(back_xy)
    sh, hp = shoulder_mid(im), hip_mid(im)
    chord = hp - sh
    length = np.linalg.norm(chord, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.stack([-chord[:, 1], chord[:, 0]], axis=-1) / length[:, None]
        off = np.einsum("tkc,tc->tk", back - sh[:, None, :], normal)
        side = np.sign(np.nansum(np.sign(off), axis=1))  # majority of the outline points
        pts = np.stack([im[:, a], im[:, b]], axis=1) - sh[:, None, :]
        depth = np.einsum("tkc,tc->tk", pts, normal) * side[:, None] / length[:, None]
    out = np.fmax(depth[:, 0], depth[:, 1])
    return np.where(side != 0, out, np.nan)


def bulge_to_bend_deg(bulge: np.ndarray) -> np.ndarray:
    """Total bend of a parabolic arc with sagitta ``bulge`` (fraction of chord), in degrees:
    the angle between the tangents at its ends (10% -> ~44 deg, 4% -> ~18 deg)."""
    return np.degrees(2.0 * np.arctan(4.0 * np.asarray(bulge, dtype=np.float64)))
