"""Body geometry over time from landmark arrays: angles, trunk lean, twist, back-profile bulge.

Arrays are used in the precision they come in (float32 from a ``PoseSequence``: ample for
angles, and half the memory traffic); callers filter in float64. World landmarks follow
MediaPipe's axes (metres, hip-centred, x right in the image, y down,
z away from the camera), so "up" is ``-y``. All functions take ``(T, 33, 3)`` world or
``(T, 33, 2)`` image arrays (or the same landmarks already gathered as ``Joints``) and return
``(T,)`` or ``(T, 3)`` arrays; NaN in, NaN out.

Inside, vectors are component-major (``(k, T)``: one contiguous row per coordinate), so each
operation is one pass over contiguous frames; a ``(T, 33, k)`` array would be strided through
once per coordinate read. ``Joints.gather`` makes that layout once per sequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarks import Landmark as L

UP = np.array([0.0, -1.0, 0.0])

#: Fewest back-outline points a frame needs for a bulge estimate.
MIN_PROFILE_POINTS = 5

#: Frames transposed per block by ``gather_rows``: a block's selected columns (about 2,000
#: frames x 57 values) stay in the cache while they are written out row by row.
_GATHER_BLOCK_FRAMES = 2048


def gather_rows(a: np.ndarray, cols: Iterable[int], executor: Executor | None = None
                ) -> np.ndarray:
    """Columns ``cols`` of ``a`` flattened per frame (``(T, ...)`` -> ``(T, D)``) as one
    contiguous ``(len(cols), T)`` array.

    A blocked transpose: each block of frames is first taken into a small frame-major array
    (one sequential read of the source), then written out transposed while it is still in
    the cache. A whole-array transposed copy writes one value to each of ``D`` rows per
    frame, a cache line per value once ``D`` rows no longer fit. With ``executor`` (a
    second thread) the first half of the frames is gathered there meanwhile: the copies
    release the GIL, and each frame is copied the same either way.
    """
    a = np.asarray(a)
    flat = a.reshape(a.shape[0], int(np.prod(a.shape[1:])))
    idx = np.asarray(list(cols), dtype=np.intp)
    if idx.size and not (0 <= idx.min() and idx.max() < flat.shape[1]):
        raise IndexError(f"columns {idx.min()}..{idx.max()} outside 0..{flat.shape[1] - 1}")
    n = flat.shape[0]
    out = np.empty((idx.size, n), dtype=flat.dtype)
    if executor is None or n < 2 * _GATHER_BLOCK_FRAMES:
        _gather_into(out, flat, idx, 0, n)
        return out
    half = (n // 2 // _GATHER_BLOCK_FRAMES) * _GATHER_BLOCK_FRAMES
    first = executor.submit(_gather_into, out, flat, idx, 0, half)
    _gather_into(out, flat, idx, half, n)
    first.result()
    return out


def _gather_into(out: np.ndarray, flat: np.ndarray, idx: np.ndarray, start: int, stop: int
                 ) -> None:
    """``gather_rows``' blocked transpose of frames ``start:stop`` into ``out``."""
    block = np.empty((min(stop - start, _GATHER_BLOCK_FRAMES), idx.size), dtype=flat.dtype)
    for lo in range(start, stop, _GATHER_BLOCK_FRAMES):
        hi = min(stop, lo + _GATHER_BLOCK_FRAMES)
        part = block[:hi - lo]
        np.take(flat[lo:hi], idx, axis=1, out=part, mode="clip")  # checked above
        out[:, lo:hi] = part.T


@dataclass(frozen=True, eq=False)
class Joints:
    """Landmarks over time, component-major: ``joints[L.LEFT_HIP]`` is a ``(k, T)`` array
    whose rows are x, y(, z) over the frames."""

    data: np.ndarray  # (J, k, T)
    slots: dict[int, int]  # landmark -> index into data
    _mids: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def gather(cls, points: np.ndarray, landmarks: Iterable[int] | None = None,
               executor: Executor | None = None) -> Joints:
        """Gather ``landmarks`` (default: all) from a ``(T, 33, k)`` array (half of the frames
        on ``executor``, if given: ``gather_rows``)."""
        p = np.asarray(points)
        if p.ndim != 3 or p.shape[1] != NUM_LANDMARKS:
            raise ValueError(f"landmarks must have shape (T, {NUM_LANDMARKS}, k), got {p.shape}")
        lms = list(dict.fromkeys(int(i) for i in (range(NUM_LANDMARKS) if landmarks is None
                                                  else landmarks)))
        k = p.shape[2]
        cols = (k * np.asarray(lms, dtype=np.intp)[:, None] + np.arange(k)).ravel()
        data = gather_rows(p, cols, executor).reshape(len(lms), k, p.shape[0])
        return cls(data, {lm: j for j, lm in enumerate(lms)})

    def __len__(self) -> int:
        return int(self.data.shape[2])

    def __getitem__(self, landmark: int) -> np.ndarray:
        return self.data[self.slots[landmark]]

    def mid(self, a: int, b: int) -> np.ndarray:
        """Midpoint of landmarks ``a`` and ``b``, ``(k, T)`` (computed once)."""
        key = (int(a), int(b))
        if key not in self._mids:
            self._mids[key] = 0.5 * (self[a] + self[b])
        return self._mids[key]


def as_joints(points: Joints | np.ndarray) -> Joints:
    return points if isinstance(points, Joints) else Joints.gather(points)


# ---------------------------------------------------------------- component-major vectors
def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    out = u[0] * v[0]
    for a, b in zip(u[1:], v[1:], strict=True):
        out = out + a * b
    return out


def _norm(u: np.ndarray) -> np.ndarray:
    return np.sqrt(_dot(u, u))


def _unit(v: np.ndarray) -> np.ndarray:
    n = _norm(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, v / n, np.nan)


def _unit_or_zero(v: np.ndarray) -> np.ndarray:
    """Unit vectors, zero where the length is zero or unknown (a part that cannot vote)."""
    n = _norm(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, v / n, 0.0)


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if len(u) == 2:
        cross = np.abs(u[0] * v[1] - u[1] * v[0])
    else:
        cross = np.sqrt((u[1] * v[2] - u[2] * v[1]) ** 2 + (u[2] * v[0] - u[0] * v[2]) ** 2
                        + (u[0] * v[1] - u[1] * v[0]) ** 2)
    return np.degrees(np.arctan2(cross, _dot(u, v)))


def _rows(vectors: np.ndarray) -> np.ndarray:
    """``(T, k)`` vectors as ``(k, T)`` rows (a view)."""
    return np.moveaxis(np.asarray(vectors), -1, 0)


def _xz(v: np.ndarray) -> np.ndarray:
    return v[::2]


def angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors (last axis 2 or 3) via ``arctan2(|u x v|, u . v)``."""
    return _angle(_rows(u), _rows(v))


def joint_angle_deg(points: Joints | np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """Angle at landmark ``b`` between ``a`` and ``c`` (180 = straight)."""
    j = as_joints(points)
    return _angle(j[a] - j[b], j[c] - j[b])


def limb_length(points: Joints | np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """Length of the two-segment limb ``a``-``b``-``c`` per frame."""
    j = as_joints(points)
    return _norm(j[a] - j[b]) + _norm(j[b] - j[c])


def joint_distance(points: Joints | np.ndarray, a: tuple[int, int],
                   b: tuple[int, int]) -> np.ndarray:
    """Distance between the midpoints of landmark pairs ``a`` and ``b`` per frame."""
    j = as_joints(points)
    return _norm(j.mid(*a) - j.mid(*b))


def midpoint(points: Joints | np.ndarray, a: int, b: int) -> np.ndarray:
    return as_joints(points).mid(a, b).T


def shoulder_mid(points: Joints | np.ndarray) -> np.ndarray:
    return midpoint(points, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


def hip_mid(points: Joints | np.ndarray) -> np.ndarray:
    return midpoint(points, L.LEFT_HIP, L.RIGHT_HIP)


def _trunk(j: Joints) -> np.ndarray:
    return j.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - j.mid(L.LEFT_HIP, L.RIGHT_HIP)


def trunk_inclination_deg(world: Joints | np.ndarray) -> np.ndarray:
    """Angle of hip-mid -> shoulder-mid from vertical (0 upright, 90 horizontal)."""
    tx, ty, tz = _trunk(as_joints(world))
    # angle to UP = (0, -1, 0): |trunk x UP| = |(tz, 0, -tx)|, trunk . UP = -ty
    return np.degrees(np.arctan2(np.sqrt(tz * tz + tx * tx), -ty))


def _left_xz(j: Joints) -> np.ndarray:
    """Shoulder line plus hip line (left minus right), horizontal part ``(2, T)``."""
    return (_xz(j[L.LEFT_SHOULDER]) - _xz(j[L.RIGHT_SHOULDER])) + (
        _xz(j[L.LEFT_HIP]) - _xz(j[L.RIGHT_HIP]))


def _with_zero_y(xz: np.ndarray) -> np.ndarray:
    """``(T, 3)`` vectors from horizontal ``(2, T)`` rows (y = 0, NaN where x is NaN)."""
    out = np.empty((3, xz.shape[1]), dtype=xz.dtype)
    out[0], out[2] = xz
    out[1] = np.where(np.isnan(xz[0]), np.nan, 0.0)
    return out.T


def left_vector(world: Joints | np.ndarray) -> np.ndarray:
    """Horizontal unit vector to the subject's left, from the shoulder and hip lines."""
    return _with_zero_y(_unit(_left_xz(as_joints(world))))


def forward_xz(world: Joints | np.ndarray) -> np.ndarray:
    """Horizontal unit vector the lifter faces as ``(2, T)`` rows (x, z): toes vs heels,
    nose vs ears, and the left-right axis, each normalised and summed (any one may be missing
    or noisy)."""
    j = as_joints(world)
    feet = (_xz(j[L.LEFT_FOOT_INDEX]) - _xz(j[L.LEFT_HEEL])) + (
        _xz(j[L.RIGHT_FOOT_INDEX]) - _xz(j[L.RIGHT_HEEL]))
    face = _xz(j[L.NOSE]) - _xz(j.mid(L.LEFT_EAR, L.RIGHT_EAR))
    lx, lz = _unit(_left_xz(j))
    lateral = np.stack([lz, -lx])  # left x up
    total = _unit_or_zero(feet) + _unit_or_zero(face) + _unit_or_zero(lateral)
    return _unit(total)


def forward_vector(world: Joints | np.ndarray) -> np.ndarray:
    """Horizontal unit vector the lifter faces, ``(T, 3)`` (see ``forward_xz``)."""
    return _with_zero_y(forward_xz(world))


def sagittal_lean_deg(world: Joints | np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Signed trunk lean in the sagittal plane: positive forward, negative behind vertical."""
    trunk = _trunk(as_joints(world))
    return np.degrees(np.arctan2(_dot(trunk, _rows(forward)), -trunk[1]))


def hip_extension_deg(world: Joints | np.ndarray) -> np.ndarray:
    """Trunk against the thighs in the body's own sagittal plane: the signed angle, about the
    lifter's left-right axis (shoulder line plus hip line), from the thigh line (knee-mid ->
    hip-mid) to the trunk (hip-mid -> shoulder-mid). Positive = the trunk behind the line of
    the thighs (hips extended past straight, as when leaning back at lockout), negative = hip
    flexion (bent forward). Both segments come from the same estimate, so a camera tilted up
    or down, or rolled, turns them together and leaves the angle unchanged."""
    j = as_joints(world)
    hip = j.mid(L.LEFT_HIP, L.RIGHT_HIP)
    thigh = hip - j.mid(L.LEFT_KNEE, L.RIGHT_KNEE)
    trunk = j.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - hip
    left = _unit((j[L.LEFT_SHOULDER] - j[L.RIGHT_SHOULDER]) + (j[L.LEFT_HIP] - j[L.RIGHT_HIP]))
    # Drop the sideways parts (legs apart, a shoulder dropped): the sagittal angle remains.
    thigh = thigh - _dot(thigh, left) * left
    trunk = trunk - _dot(trunk, left) * left
    cross = np.stack([thigh[1] * trunk[2] - thigh[2] * trunk[1],
                      thigh[2] * trunk[0] - thigh[0] * trunk[2],
                      thigh[0] * trunk[1] - thigh[1] * trunk[0]])
    # Rotation about "left" from up towards forward is flexion; extension is its negative.
    return -np.degrees(np.arctan2(_dot(cross, left), _dot(thigh, trunk)))


def picture_hip_extension_deg(image: Joints | np.ndarray, facing: float) -> np.ndarray:
    """Trunk against the thighs as the picture shows them: the signed angle from the thigh
    line (knee-mid -> hip-mid) to the trunk (hip-mid -> shoulder-mid) in the image, positive
    where the trunk lies behind the line of the thighs (away from where the lifter faces:
    ``facing`` +1 to the right of the picture, -1 to the left), negative bent forward; NaN
    everywhere where ``facing`` is 0 (not known). No depth enters it: from the side it is the
    angle itself, at 45° a foreshortened one of the same sign, so it tells whether the
    picture agrees with the world landmarks' ``hip_extension_deg`` (whose depth guess a
    camera tilted down turned into a 30° lean back on a squat the picture shows bent 13°
    forward, docs/analysis.md, session 23)."""
    j = as_joints(image)
    hip = j.mid(L.LEFT_HIP, L.RIGHT_HIP)
    thigh = hip - j.mid(L.LEFT_KNEE, L.RIGHT_KNEE)
    trunk = j.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - hip
    if not facing:
        return np.full(thigh.shape[1], np.nan)
    # The picture's y grows downwards: anticlockwise as seen is (x, -y)'s anticlockwise.
    cross = thigh[1] * trunk[0] - thigh[0] * trunk[1]
    dot = thigh[0] * trunk[0] + thigh[1] * trunk[1]
    # Facing the right, bending forward turns the trunk clockwise (negative).
    return np.degrees(np.arctan2(cross, dot)) * float(np.sign(facing))


def leg_to_trunk_ratio(world: Joints | np.ndarray, legs: np.ndarray | None = None
                       ) -> np.ndarray:
    """Per frame: the legs' length (hip-knee plus knee-ankle, the two sides' mean;
    ``leg_length``, or ``legs`` where the caller has it already) over the trunk's
    (shoulder-mid to hip-mid). A person's proportions do not change during a lift; a frame
    far off them is the network's mistake, not a pose."""
    j = as_joints(world)
    trunk = _norm(j.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - j.mid(L.LEFT_HIP, L.RIGHT_HIP))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (leg_length(j) if legs is None else legs) / trunk


def leg_length(world: Joints | np.ndarray) -> np.ndarray:
    """Per-frame mean of the two legs' hip-knee-ankle lengths (metres)."""
    j = as_joints(world)
    return 0.5 * (limb_length(j, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
                  + limb_length(j, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))


def hips_forward(world: Joints | np.ndarray, forward: np.ndarray) -> np.ndarray:
    """How far the hip centre is ahead of the ankle centre along ``forward`` (metres)."""
    j = as_joints(world)
    d = j.mid(L.LEFT_HIP, L.RIGHT_HIP) - j.mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)
    return _dot(d, _rows(forward))


def height_above_ankles(world: Joints | np.ndarray, a: int, b: int) -> np.ndarray:
    """Height of the midpoint of landmarks ``a`` and ``b`` above the ankle centre (metres)."""
    j = as_joints(world)
    return -(j.mid(a, b)[1] - j.mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)[1])


def head_neck_angle_deg(world: Joints | np.ndarray) -> np.ndarray:
    """Ear-shoulder-hip angle at the shoulder (180 = head in line with the trunk)."""
    j = as_joints(world)
    sh = j.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    return _angle(j.mid(L.LEFT_EAR, L.RIGHT_EAR) - sh, j.mid(L.LEFT_HIP, L.RIGHT_HIP) - sh)


def _unwrap(a: np.ndarray) -> np.ndarray:
    """``np.unwrap`` of angles already in [-pi, pi) (consecutive steps within (-2 pi, 2 pi)):
    a step beyond pi becomes the equivalent step the other way round; float64 out."""
    step = np.diff(a)
    turn = np.where(np.abs(step) > np.pi, np.copysign(np.float64(2 * np.pi), -step), 0.0)
    out = np.empty(a.shape)
    out[:1] = a[:1]
    np.add(a[1:], np.cumsum(turn), out=out[1:])
    return out


def twist_deg(world: Joints | np.ndarray) -> np.ndarray:
    """Signed rotation of the shoulder line relative to the hip line about vertical, unwrapped
    over time (NaN rows stay NaN)."""
    j = as_joints(world)
    sx, sz = _xz(j[L.LEFT_SHOULDER]) - _xz(j[L.RIGHT_SHOULDER])
    hx, hz = _xz(j[L.LEFT_HIP]) - _xz(j[L.RIGHT_HIP])
    d = np.arctan2(sz, sx) - np.arctan2(hz, hx)  # in (-2 pi, 2 pi)
    return _unwrapped_deg(
        np.where(d >= np.pi, d - 2 * np.pi, np.where(d < -np.pi, d + 2 * np.pi, d)))


def _unwrapped_deg(d: np.ndarray) -> np.ndarray:
    """Angles in [-pi, pi) unwrapped over time, in degrees (NaN rows stay NaN)."""
    ok = np.isfinite(d)
    if ok.all():
        out = _unwrap(d)
    else:
        out = np.full(d.shape, np.nan)
        if ok.any():
            out[ok] = _unwrap(d[ok])
    return np.degrees(out, out=out)


def hip_heading_deg(world: Joints | np.ndarray) -> np.ndarray:
    """Heading of the hip line (right hip -> left hip) about vertical, unwrapped over time: how
    the pelvis turns relative to the camera (NaN rows stay NaN)."""
    j = as_joints(world)
    hx, hz = _xz(j[L.LEFT_HIP]) - _xz(j[L.RIGHT_HIP])
    h = np.arctan2(hz, hx)
    return _unwrapped_deg(np.where(h >= np.pi, h - 2 * np.pi, h))


def image_jump(image: Joints | np.ndarray) -> np.ndarray:
    """Per-frame displacement of the hip centre in the image, in torso lengths (shoulder-mid to
    hip-mid, the larger of this and the previous frame's): a camera cut or a detection jumping
    to another person moves it by a large part of a torso between two frames. ``(T,)``, the
    first frame 0, NaN where either frame lacks the landmarks."""
    im = as_joints(image)
    hip = im.mid(L.LEFT_HIP, L.RIGHT_HIP)
    torso = _norm(im.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - hip)
    out = np.zeros(hip.shape[1])
    if hip.shape[1] > 1:
        step = _norm(np.diff(hip, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[1:] = step / np.fmax(torso[1:], torso[:-1])
    return out


def pelvis_yaw_deg(world: Joints | np.ndarray, image: Joints | np.ndarray) -> np.ndarray:
    """Like ``body_yaw_deg`` from the hip line alone: how the lifter stands to the camera,
    unaffected by the shoulders turning (a twist moves ``body_yaw_deg`` by half its angle)."""
    j, im = as_joints(world), as_joints(image)
    hx, hz = _xz(j[L.LEFT_HIP]) - _xz(j[L.RIGHT_HIP])
    li = im[L.LEFT_HIP][0] - im[L.RIGHT_HIP][0]
    return np.degrees(np.arctan2(np.abs(hz), np.copysign(np.abs(hx), li)))


def body_yaw_deg(world: Joints | np.ndarray, image: Joints | np.ndarray) -> np.ndarray:
    """Body yaw to the camera in [0, 180]: 0 facing it, 90 side on, 180 back to it.

    The depth part comes from the world landmarks; whether the lifter faces the camera or
    away comes from the image (facing the camera, the left shoulder is on the image's right).
    """
    lw_x, lw_z = _left_xz(as_joints(world))
    im = as_joints(image)
    li = (im[L.LEFT_SHOULDER][0] - im[L.RIGHT_SHOULDER][0]) + (
        im[L.LEFT_HIP][0] - im[L.RIGHT_HIP][0])
    lateral = np.copysign(np.abs(lw_x), li)
    return np.degrees(np.arctan2(np.abs(lw_z), lateral))


@dataclass(frozen=True, eq=False)
class Outline:
    """The back outline's points against the shoulder-hip chord, component-major: each
    point's signed distance from the chord along its normal, ``off[k]`` over the frames
    (pixels, NaN where the point is missing). Made once per sequence; ``back_bulge`` and
    ``behind_back`` both read it."""

    off: np.ndarray  # (K, T), the image's precision
    sh: np.ndarray  # (2, T) shoulder midpoint (x, y)
    nx: np.ndarray  # (T,) chord normal, x
    ny: np.ndarray  # (T,) chord normal, y
    length: np.ndarray  # (T,) shoulder-hip chord length (pixels)

    @classmethod
    def of(cls, image_xy: Joints | np.ndarray, back_xy: np.ndarray) -> Outline:
        """From the image landmarks and a ``(T, K, 2)`` back outline."""
        im = as_joints(image_xy)
        back = np.asarray(back_xy)
        n, k = back.shape[:2]
        sh = im.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        chord = im.mid(L.LEFT_HIP, L.RIGHT_HIP) - sh
        length = _norm(chord)
        off = np.empty((k, n), dtype=np.result_type(back.dtype, length.dtype))
        with np.errstate(invalid="ignore", divide="ignore"):
            nx, ny = -chord[1] / length, chord[0] / length
            # Frame-major within a block of frames (the outline's own layout, read once),
            # written out point by point while the block is in the cache.
            for lo in range(0, n, _GATHER_BLOCK_FRAMES):
                hi = min(n, lo + _GATHER_BLOCK_FRAMES)
                part = back[lo:hi]
                rows = (part[..., 0] - sh[0, lo:hi, None]) * nx[lo:hi, None]
                rows += (part[..., 1] - sh[1, lo:hi, None]) * ny[lo:hi, None]
                off[:, lo:hi] = rows.T
        return cls(off, sh, nx, ny, length)

    def side(self, first: int = 0, last: int | None = None) -> np.ndarray:
        """``(T,)`` which side of the chord the back is on: the sign of the majority of
        points ``first..last`` (default all), missing points not voting; 0 on a tie."""
        off = self.off[first:None if last is None else last + 1]
        votes = np.count_nonzero(off > 0, axis=0) - np.count_nonzero(off < 0, axis=0)
        return np.sign(votes).astype(off.dtype)


def _outline(image_xy: Joints | np.ndarray, back_xy: np.ndarray | Outline) -> Outline:
    return back_xy if isinstance(back_xy, Outline) else Outline.of(image_xy, back_xy)


def back_bulge(image_xy: Joints | np.ndarray, back_xy: np.ndarray | Outline, first: int,
               last: int, side: np.ndarray | None = None) -> np.ndarray:
    """Signed bow of the back outline off its own end-to-end line, as a fraction of the
    shoulder-hip chord: positive = convex (rounded), negative = concave (arched).

    A quadratic is fitted (least squares, NaN points skipped) to the outline's offset from the
    chord over points ``first..last`` (the middle of the back; the end points sit on shoulder
    blade and buttocks); the bulge is the sagitta that curvature gives over the whole chord,
    i.e. relative to the straight line through the outline's ends. The back side is the side
    of the chord where most outline points lie (``side``: ``Outline.side(first, last)`` when
    the caller has it). ``back_xy``: the ``(T, K, 2)`` outline, or its ``Outline`` already
    made.
    """
    out = _outline(image_xy, back_xy)
    n_pts = out.off.shape[0]
    if not 0 <= first < last < n_pts or last - first + 1 < MIN_PROFILE_POINTS:
        raise ValueError(f"back profile points {first}..{last} invalid for {n_pts} points")
    off = out.off[first:last + 1]  # (Kr, T) pixels
    f = np.arange(first, last + 1) / (n_pts - 1)
    g = (f - f[0]) / (f[-1] - f[0])
    basis = np.stack([np.ones_like(g), g, g * g], axis=1)  # (Kr, 3)
    # Frames with every point share one least-squares solution (a fixed row of the
    # pseudo-inverse, summed point by point over contiguous rows); a NaN point makes that
    # NaN and sends the frame to the frames with holes, which solve their own 3x3 normal
    # equations.
    weights = np.linalg.pinv(basis)[2].astype(off.dtype)
    curv = weights[0] * off[0]
    for w_k, row in zip(weights[1:], off[1:], strict=True):
        curv += w_k * row
    side = out.side(first, last) if side is None else side
    full = np.isfinite(curv)
    curv *= side
    enough = full & (side != 0)
    holed = np.flatnonzero(~full)
    if holed.size:
        sub = off[:, holed].T  # (H, Kr)
        ok = np.isfinite(sub)
        sub = np.where(ok, sub, 0.0)
        sub_side = side[holed]
        sub_enough = (ok.sum(axis=1) >= MIN_PROFILE_POINTS) & (sub_side != 0)
        solve = holed[sub_enough]
        enough[solve] = True
        if solve.size:
            wts = ok[sub_enough].astype(np.float64)
            gram = np.einsum("tk,ki,kj->tij", wts, basis, basis)
            rhs = np.einsum("tk,ki->ti", wts * sub[sub_enough] * sub_side[sub_enough, None],
                            basis)
            curv[solve] = np.linalg.solve(gram, rhs[..., None])[:, 2, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        # Curvature in chord units (per f**2), then the sagitta it gives over the whole chord.
        bulge = -curv / (f[-1] - f[0]) ** 2 / 4.0 / out.length
    return np.where(enough & (out.length > 0), bulge, np.nan)


def back_roughness(image_xy: Joints | np.ndarray, back_xy: np.ndarray, first: int,
                   last: int) -> np.ndarray:
    """How far the back outline strays from a smooth bow: the RMS distance of points
    ``first..last`` from the quadratic ``back_bulge`` fits to them, as a fraction of the
    shoulder-hip chord, ``(T,)`` (NaN with fewer than ``MIN_PROFILE_POINTS`` points).

    A back, bare or clothed, is a smooth curve at this scale; an outline that kinks (an arm,
    a dumbbell or a graphic drawn over the picture merging with the silhouette) is not a
    back's shape, whatever its bow reads."""
    im = as_joints(image_xy)
    back = np.asarray(back_xy, dtype=np.float64)
    n_pts = back.shape[1]
    if not 0 <= first < last < n_pts or last - first + 1 < MIN_PROFILE_POINTS:
        raise ValueError(f"back profile points {first}..{last} invalid for {n_pts} points")
    sh = im.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER).astype(np.float64)
    chord = im.mid(L.LEFT_HIP, L.RIGHT_HIP) - sh
    length = _norm(chord)
    with np.errstate(invalid="ignore", divide="ignore"):
        nx, ny = -chord[1] / length, chord[0] / length
        seg = back[:, first:last + 1]
        off = (seg[..., 0] - sh[0][:, None]) * nx[:, None] \
            + (seg[..., 1] - sh[1][:, None]) * ny[:, None]  # (T, Kr) pixels
    ok = np.isfinite(off)
    g = np.linspace(0.0, 1.0, last - first + 1)
    basis = np.stack([np.ones_like(g), g, g * g], axis=1)  # (Kr, 3)
    w = ok.astype(np.float64)
    y = np.where(ok, off, 0.0)
    gram = np.einsum("tk,ki,kj->tij", w, basis, basis)
    rhs = np.einsum("tk,ki->ti", w * y, basis)
    enough = (ok.sum(axis=1) >= MIN_PROFILE_POINTS) & (length > 0)
    gram[~enough] = np.eye(3)
    coef = np.linalg.solve(gram, rhs[..., None])[..., 0]  # (T, 3)
    resid = (y - coef @ basis.T) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt((resid * resid).sum(axis=1) / np.maximum(w.sum(axis=1), 1.0)) / length
    return np.where(enough, rms, np.nan)


def behind_back(image_xy: Joints | np.ndarray, back_xy: np.ndarray | Outline, a: int,
                b: int) -> np.ndarray:
    """How far the farther-back of landmarks ``a`` and ``b`` (e.g. the elbows) lies behind the
    shoulder-hip line, on the back outline's side, as a fraction of that line's length
    (negative: in front of it). ``(T,)``; NaN without an outline. ``back_xy``: the
    ``(T, K, 2)`` outline, or its ``Outline`` already made."""
    im = as_joints(image_xy)
    out = _outline(im, back_xy)
    side = out.side()  # the majority of all the outline's points
    sh, nx, ny = out.sh, out.nx, out.ny
    with np.errstate(invalid="ignore", divide="ignore"):

        def depth(lm: int) -> np.ndarray:
            return ((im[lm][0] - sh[0]) * nx + (im[lm][1] - sh[1]) * ny) * side / out.length

        far = np.fmax(depth(a), depth(b))
    return np.where(side != 0, far, np.nan)


def bulge_to_bend_deg(bulge: np.ndarray) -> np.ndarray:
    """Total bend of a parabolic arc with sagitta ``bulge`` (fraction of chord), in degrees:
    the angle between the tangents at its ends (10% -> ~44 deg, 4% -> ~18 deg)."""
    return np.degrees(2.0 * np.arctan(4.0 * np.asarray(bulge, dtype=np.float64)))


def shoulder_hip_width_ratio(image: Joints | np.ndarray) -> np.ndarray:
    """Projected shoulder width over projected hip width in the image, ``(T,)``. A twist turns
    the shoulder line and not the hip line, so the shoulders' projection shortens or
    lengthens (as the cosine of their angle to the image plane) while the hips' does not; the
    ratio cancels the lifter's distance. Needs no depth from the pose network."""
    im = as_joints(image)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _norm(im[L.LEFT_SHOULDER] - im[L.RIGHT_SHOULDER]) / _norm(
            im[L.LEFT_HIP] - im[L.RIGHT_HIP])


def left_depth_lead(world: Joints | np.ndarray) -> np.ndarray:
    """How much farther from the camera the lifter's left side is than the right (metres,
    shoulders and hips together), ``(T,)``: negative when the left side is nearer. From a
    ``(T, 33, 3)`` array only the four depths are read (gathering every landmark of a long
    set costs a hundred times more)."""
    if isinstance(world, Joints):
        def z(lm: int) -> np.ndarray:
            return world[lm][2]
    else:
        arr = np.asarray(world)

        def z(lm: int) -> np.ndarray:
            return arr[:, lm, 2].astype(np.float64)
    return 0.5 * ((z(L.LEFT_SHOULDER) - z(L.RIGHT_SHOULDER)) + (z(L.LEFT_HIP) - z(L.RIGHT_HIP)))
