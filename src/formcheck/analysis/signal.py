"""Signal cleaning over time: gap filling, zero-phase smoothing, derivatives, hysteresis.

Everything works against the sequence's own timestamps ``t_s`` (variable frame rate is real) and
is vectorised over frames. Arrays are ``(T,)`` or ``(T, D)``; time is axis 0.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Timestamps whose steps deviate less than this fraction from the median step count as uniform.
_UNIFORM_TOLERANCE = 0.02
#: A low-pass at or above this fraction of the sampling rate is a no-op (nothing to remove).
_MAX_CUTOFF_FRAC_OF_FS = 0.45
#: A step longer than this many median steps is a gap in the recording (a paused camera, a
#: cut, a damaged stretch): the frames on either side are filtered as separate segments and
#: nothing is resampled across it, so work and memory follow the frame count, not the span.
GAP_STEP_FACTOR = 4.0


def _as_2d(x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    arr = np.asarray(x, dtype=np.float64)
    return arr.reshape(arr.shape[0], int(np.prod(arr.shape[1:]))), arr.shape


def fill_gaps(t_s: np.ndarray, x: np.ndarray, max_gap_s: float = np.inf,
              extrapolate: bool = False) -> np.ndarray:
    """Linearly bridge runs of NaN whose span (last seen to next seen) is at most ``max_gap_s``.

    With ``extrapolate`` the leading and trailing NaN take the nearest seen value (used only
    internally before filtering; the caller restores the NaN afterwards).
    """
    t = np.asarray(t_s, dtype=np.float64)
    flat, shape = _as_2d(x)
    n, d = flat.shape
    if n == 0:
        return flat.reshape(shape)
    ok = np.isfinite(flat)
    gappy = ~ok.all(axis=0)
    if not gappy.any():
        return flat.reshape(shape).copy()
    if not gappy.all():  # work on the columns that have gaps only
        out = flat.copy()
        out[:, gappy] = fill_gaps(t, flat[:, gappy], max_gap_s, extrapolate)
        return out.reshape(shape)
    rows = np.arange(n)[:, None]
    prev = np.maximum.accumulate(np.where(ok, rows, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(ok, rows, n)[::-1], axis=0)[::-1]
    has_prev, has_next = prev >= 0, nxt < n
    p = np.where(has_prev, prev, np.where(has_next, nxt, 0))
    q = np.where(has_next, nxt, p)
    p = np.where(has_prev, p, q)
    cols = np.arange(d)[None, :]
    tp, tq = t[p], t[q]
    span = tq - tp
    w = np.where(span > 0, (t[:, None] - tp) / np.where(span > 0, span, 1.0), 0.0)
    interp = flat[p, cols] * (1.0 - w) + flat[q, cols] * w
    inner = ~ok & has_prev & has_next & (span <= max_gap_s)
    edge = ~ok & (has_prev ^ has_next) if extrapolate else np.zeros_like(ok)
    out = np.where(inner | edge, interp, flat)
    return out.reshape(shape)


@dataclass(frozen=True, eq=False)
class TimeBase:
    """A sequence's timestamps with their median step and whether they are uniform, measured
    once (every filter and decision over the sequence needs them)."""

    t_s: np.ndarray
    step_s: float  # median step (0 for fewer than two frames)
    uniform: bool
    #: First frame of each segment after a gap (steps over ``GAP_STEP_FACTOR`` median steps);
    #: empty when the recording has no gap.
    gap_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @classmethod
    def of(cls, t_s: np.ndarray) -> TimeBase:
        t = np.asarray(t_s, dtype=np.float64)
        if t.size < 2:
            return cls(t, 0.0, True)
        dt = np.diff(t)
        step = float(np.median(dt))
        uniform = t.size < 3 or bool(np.max(np.abs(dt - step)) <= _UNIFORM_TOLERANCE * step)
        gaps = np.zeros(0, dtype=np.intp) if uniform else \
            np.flatnonzero(dt > GAP_STEP_FACTOR * step) + 1
        return cls(t, step, uniform, gaps)

    def segments(self) -> list[tuple[int, int]]:
        """``[start, stop)`` frame ranges between gaps (one range when there is none)."""
        bounds = [0, *self.gap_starts.tolist(), int(self.t_s.shape[0])]
        return list(zip(bounds[:-1], bounds[1:], strict=True))


def time_gaps(t_s: np.ndarray) -> list[tuple[float, float]]:
    """``(last time before, first time after)`` of each gap in the timestamps: a step over
    ``GAP_STEP_FACTOR`` median steps (the report lists them; the analysis never bridges them)."""
    base = TimeBase.of(t_s)
    t = base.t_s
    return [(float(t[i - 1]), float(t[i])) for i in base.gap_starts.tolist()]


def lowpass(t_s: np.ndarray, x: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass (forward-backward, so no lag) against ``t_s``.

    Non-uniform timestamps are resampled onto a uniform grid at the median step, filtered and
    sampled back. NaN stay NaN (they are bridged only for the filter's sake). When the cut-off
    is near or above Nyquist (very low frame rates) the signal is returned unchanged.
    """
    flat, shape = _as_2d(x)
    rows = smooth_rows(TimeBase.of(t_s), list(flat.T), cutoff_hz, order)
    return np.stack(rows, axis=1).reshape(shape) if rows else flat.reshape(shape).copy()


def smooth_rows(base: TimeBase, rows: Sequence[np.ndarray], cutoff_hz: float, order: int = 2,
                max_gap_s: float | None = None) -> list[np.ndarray]:
    """``lowpass`` of each ``(T,)`` signal in ``rows``, after bridging gaps of up to
    ``max_gap_s`` (``fill_gaps``; None: none). Returns new float64 ``(T,)`` arrays.

    Signals without NaN go straight to the filter; only those with gaps are copied and filled.
    Each signal is its own array (no stacked copies of the whole set). Timestamps with gaps
    (``TimeBase.gap_starts``) are split there and each segment is filtered on its own.
    """
    if base.gap_starts.size:
        return _smooth_segments(base, rows, cutoff_hz, order, max_gap_s)
    return _smooth_one(base, rows, cutoff_hz, order, max_gap_s)


def _smooth_segments(base: TimeBase, rows: Sequence[np.ndarray], cutoff_hz: float, order: int,
                     max_gap_s: float | None) -> list[np.ndarray]:
    """``smooth_rows`` per segment between gaps; the filter's frame rate stays the whole
    recording's median step (a short segment does not get its own odd rate)."""
    n = base.t_s.shape[0]
    out = [np.empty(n) for _ in rows]
    arrays = [np.asarray(row) for row in rows]
    for start, stop in base.segments():
        t = base.t_s[start:stop]
        dt = np.diff(t)
        uniform = dt.size < 2 or bool(np.max(np.abs(dt - base.step_s))
                                      <= _UNIFORM_TOLERANCE * base.step_s)
        part = TimeBase(t, base.step_s, uniform)
        smooth = _smooth_one(part, [a[start:stop] for a in arrays], cutoff_hz, order, max_gap_s)
        for dest, src in zip(out, smooth, strict=True):
            dest[start:stop] = src
    return out


@functools.lru_cache(maxsize=64)
def _butter_sos(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    """A Butterworth low-pass (second-order sections, read-only) and its steady-state
    initial conditions, designed once per order and normalised cut-off (a design costs
    about 0.4 ms; every analysis filters at the same few cut-offs)."""
    from scipy.signal import butter, sosfilt_zi

    sos = butter(order, wn, output="sos")
    zi = sosfilt_zi(sos)
    sos.setflags(write=False)
    zi.setflags(write=False)
    return sos, zi


def _smooth_one(base: TimeBase, rows: Sequence[np.ndarray], cutoff_hz: float, order: int,
                max_gap_s: float | None) -> list[np.ndarray]:
    t = base.t_s
    n = t.shape[0]
    filtering = (n >= 4 and base.step_s > 0
                 and cutoff_hz < _MAX_CUTOFF_FRAC_OF_FS * (1.0 / base.step_s))
    series: list[np.ndarray] = []
    holes: list[np.ndarray | None] = []
    for row in rows:
        row = np.asarray(row)
        nan = ~np.isfinite(row)
        if nan.any() and max_gap_s is not None:
            row = fill_gaps(t, row, max_gap_s)
            nan = ~np.isfinite(row)
        if not nan.any():
            series.append(row)
            holes.append(None)
            continue
        holes.append(nan)
        if filtering:  # bridged for the filter's sake only; the NaN come back afterwards
            row = np.zeros(n) if nan.all() else fill_gaps(t, row, extrapolate=True)
        series.append(row)
    if not filtering:
        return [np.array(row, dtype=np.float64) for row in series]
    grid = t
    if not base.uniform:
        grid = t[0] + base.step_s * np.arange(int(np.floor((t[-1] - t[0]) / base.step_s)) + 1)
        series = [np.interp(grid, t, row) for row in series]
    fs = 1.0 / base.step_s
    sos, zi = _butter_sos(order, cutoff_hz / (fs / 2.0))
    padlen = min(3 * (2 * len(sos) + 1), grid.shape[0] - 1)
    smooth: list[np.ndarray] = []
    per_call = max(2, 2 * (_FILTER_BATCH_SAMPLES // grid.shape[0]))  # signals per filter call
    for i in range(0, len(series), per_call):
        smooth.extend(_filtfilt_pairs(sos, zi, series[i:i + per_call], padlen))
    if not base.uniform:
        smooth = [np.interp(t, grid, row) for row in smooth]
    for row, nan in zip(smooth, holes, strict=True):
        if nan is not None:
            row[nan] = np.nan
    return smooth


#: Samples (complex: two signals each) filtered per ``sosfilt`` call: a long set's signals go a
#: pair at a time, a short one's all at once (each call costs about 0.15 ms besides the
#: filtering, which on a 3,000-frame set is most of it).
_FILTER_BATCH_SAMPLES = 1 << 20


def _filtfilt_pairs(sos: np.ndarray, zi: np.ndarray, rows: Sequence[np.ndarray],
                    padlen: int) -> list[np.ndarray]:
    """``scipy.signal.sosfiltfilt(sos, x, padlen=padlen)`` (odd extension, steady-state
    initial conditions ``zi = sosfilt_zi(sos)``) of each signal in ``rows`` (all of one
    length), as new contiguous float64 arrays.

    Signals are filtered in pairs, as the real and imaginary parts of one complex signal:
    the coefficients are real, so each part comes out exactly as filtered on its own, while
    the recursion over samples (which bounds the speed) runs once for both; all the pairs
    go through one ``sosfilt`` call each way.
    """
    from scipy.signal import sosfilt

    m, p, k = rows[0].shape[0], padlen, len(rows)
    ext = np.empty(((k + 1) // 2, m + 2 * p), dtype=np.complex128)
    mid = ext[:, p:p + m]
    for i, row in enumerate(rows):
        (mid.real if i % 2 == 0 else mid.imag)[i // 2] = row
    if k % 2:
        mid.imag[-1] = 0.0
    ext[:, :p] = 2.0 * mid[:, :1] - mid[:, p:0:-1]
    ext[:, p + m:] = 2.0 * mid[:, -1:] - mid[:, -2:-(p + 2):-1]
    fwd, _ = sosfilt(sos, ext, axis=-1, zi=zi[:, None, :] * ext[None, :, :1])
    back, _ = sosfilt(sos, fwd[:, ::-1], axis=-1, zi=zi[:, None, :] * fwd[None, :, -1:])
    both = back[:, ::-1][:, p:p + m]
    return [(both.real if i % 2 == 0 else both.imag)[i // 2].copy() for i in range(k)]


def derivative(t_s: np.ndarray, x: np.ndarray, order: int = 1) -> np.ndarray:
    """``order``-th time derivative (central differences on non-uniform ``t_s``), as
    ``np.gradient(x, t_s, axis=0)`` applied ``order`` times."""
    t = np.asarray(t_s, dtype=np.float64)
    out = np.asarray(x, dtype=np.float64)
    if t.size < 2:
        return np.full_like(out, np.nan)
    return Gradient.of(t).apply(out, order)


@dataclass(frozen=True, eq=False)
class Gradient:
    """``np.gradient`` against fixed timestamps with its weights computed once (each
    application is then three products and two sums per frame). Time is axis 0."""

    step: np.ndarray  # (T-1,) steps, or a 0-d array when they are all equal
    weights: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # interior (a, b, c)

    @classmethod
    def of(cls, t_s: np.ndarray) -> Gradient:
        dx = np.diff(np.asarray(t_s, dtype=np.float64))
        if dx.size and (dx == dx[0]).all():  # as np.gradient: constant steps, scalar form
            return cls(np.asarray(dx[0]), None)
        dx1, dx2 = dx[:-1], dx[1:]
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        return cls(dx, (a, b, c))

    def apply(self, x: np.ndarray, order: int = 1) -> np.ndarray:
        f = np.asarray(x, dtype=np.float64)
        if f.shape[0] < 2:
            raise ValueError("a derivative needs at least two frames")
        for _ in range(order):
            out = np.empty_like(f)
            if self.weights is None:
                out[1:-1] = (f[2:] - f[:-2]) / (2.0 * self.step)
                first = last = self.step
            else:
                a, b, c = (w.reshape((-1,) + (1,) * (f.ndim - 1)) for w in self.weights)
                out[1:-1] = a * f[:-2] + b * f[1:-1] + c * f[2:]
                first, last = self.step[0], self.step[-1]
            out[0] = (f[1] - f[0]) / first
            out[-1] = (f[-1] - f[-2]) / last
            f = out
        return f


def quick_turn_taps(rise_s: float, support_s: float, fps: float) -> np.ndarray:
    """Taps of a matched filter for a quick turn: ``sum(taps * x[window])`` is the
    least-squares size of a raised-cosine step rising over ``rise_s``, centred in a window
    of ``support_s``, next to a constant, a ramp and a parabola over that window. A steady
    or slowly curving signal (a posture, a slow turn) reads about 0; a step of A reads A."""
    half = max(2, int(round(support_s * fps / 2.0)))
    t = np.arange(-half, half + 1) / fps
    u = np.clip((t + rise_s / 2.0) / rise_s, 0.0, 1.0)
    step = 0.5 - 0.5 * np.cos(np.pi * u)
    q, _ = np.linalg.qr(np.vstack([np.ones_like(t), t, t * t]).T)
    g = step - q @ (q.T @ step)
    return g / float(g @ g)


def quick_turn(x: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """``(T,)``: the quick-turn filter (``quick_turn_taps``) centred on each frame, over the
    frames as recorded (a uniform frame rate is assumed); NaN where its window holds a frame
    without a value or runs past either end."""
    x = np.asarray(x, dtype=np.float64)
    n, k = len(x), len(taps)
    out = np.full(n, np.nan)
    bad = ~np.isfinite(x)
    if n < k or bad.all():
        return out
    half = k // 2
    filled = np.where(bad, 0.0, x)
    out[half:n - half] = np.correlate(filled, taps, mode="valid")
    touched = np.convolve(bad.astype(np.float64), np.ones(k), mode="same") > 0.5
    out[touched] = np.nan
    return out


#: The turns a twist's side is read against (``turn_side``): out and back over these
#: durations (a jerk, a heave), and turns that stay, rising over these (a shoulder leading).
_OUT_AND_BACK_S = (0.2, 0.3, 0.4)
_TURN_AND_STAY_S = (0.1, 0.2, 0.3)


@functools.lru_cache(maxsize=64)
def _turn_templates(rise_s: float, support_s: float, fps: float) -> tuple[np.ndarray, ...]:
    """Each twist shape of ``turn_side`` to the left (+1 deg at most), as the quick-turn
    filter reads it, unit length, without the filter's NaN ends."""
    taps = quick_turn_taps(rise_s, support_s, fps)
    n = 4 * len(taps) + 1
    t = (np.arange(n) - n // 2) / fps
    shapes = [np.sin(np.pi * np.clip((t + d / 2.0) / d, 0.0, 1.0)) ** 2 for d in _OUT_AND_BACK_S]
    shapes += [0.5 - 0.5 * np.cos(np.pi * np.clip((t + d / 2.0) / d, 0.0, 1.0))
               for d in _TURN_AND_STAY_S]
    out = []
    for shape in shapes:
        read = quick_turn(shape, taps)
        read = read[np.isfinite(read)]
        out.append(read / np.linalg.norm(read))
    return tuple(out)


def turn_side(quick: np.ndarray, rise_s: float, support_s: float, fps: float) -> int:
    """+1 where the quick-turn reading ``quick`` (``quick_turn``; a stretch around one twist,
    NaN read as 0) is best matched by a twist to the left, -1 to the right. A twist out and
    back reads as two lobes of opposite sign and near equal size (and the filter rings before
    each), so the sign of one lobe is a coin toss where the two read unequal; matching the
    whole shape (out and back over 0.2-0.4 s, or a turn that stays, rising over 0.1-0.3 s, at
    every shift) weighs both lobes and the ringing."""
    x = np.nan_to_num(np.asarray(quick, dtype=np.float64))
    best = 0.0
    for tmpl in _turn_templates(float(rise_s), float(support_s), float(fps)):
        c = np.correlate(x, tmpl, mode="same")
        k = int(np.argmax(np.abs(c)))
        if abs(c[k]) > abs(best):
            best = float(c[k])
    return 1 if best >= 0.0 else -1


def hysteresis(x: np.ndarray, on: float, off: float) -> np.ndarray:
    """``(T,)`` bool: switches on at ``x >= on``, off at ``x < off`` (NaN switches off)."""
    x = np.asarray(x, dtype=np.float64)
    if off > on:
        raise ValueError(f"hysteresis needs off <= on, got on={on}, off={off}")
    set_on = x >= on
    set_off = ~(x >= off)
    event = set_on | set_off
    idx = np.arange(x.shape[0])
    last = np.maximum.accumulate(np.where(event, idx, -1)) if x.size else idx
    return np.where(last >= 0, set_on[np.clip(last, 0, None)], False)


def hysteresis_runs(x: np.ndarray, on: float, off: float) -> tuple[np.ndarray, np.ndarray]:
    """``runs(hysteresis(x, on, off))`` without the ``(T,)`` mask: the frames at or above
    ``on`` and those below ``off`` (or NaN) are listed, and an on-frame starts a run when an
    off-frame lies between it and the on-frame before it (or none comes before it); a run
    ends at the first off-frame after its last on-frame. A few passes over ``x`` instead of
    a dozen (``tests/test_analysis_fast_paths.py`` checks it against the two)."""
    x = np.asarray(x, dtype=np.float64)
    if off > on:
        raise ValueError(f"hysteresis needs off <= on, got on={on}, off={off}")
    on_idx = np.flatnonzero(x >= on)
    if on_idx.size == 0:
        none = np.zeros(0, dtype=np.intp)
        return none, none
    off_idx = np.flatnonzero(~(x >= off))  # never an on-frame, since off <= on
    offs_before = np.searchsorted(off_idx, on_idx)  # also: the first off-frame after it
    new = np.empty(on_idx.size, dtype=bool)
    new[0] = True
    np.not_equal(offs_before[1:], offs_before[:-1], out=new[1:])
    first = np.flatnonzero(new)
    nxt = offs_before[np.append(first[1:] - 1, on_idx.size - 1)]  # after each run's last
    ends = np.full(first.size, x.size, dtype=np.intp)
    closed = nxt < off_idx.size
    ends[closed] = off_idx[nxt[closed]]
    return on_idx[first], ends


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (exclusive) ends of the runs of True in a ``(T,)`` bool array."""
    m = np.asarray(mask, dtype=np.int8)
    d = np.diff(np.concatenate(([0], m, [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def run_durations(t_s: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Duration in seconds of each run, counting each frame as one median frame step."""
    t = np.asarray(t_s, dtype=np.float64)
    if starts.size == 0:
        return np.zeros(0)
    step = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    return t[ends - 1] - t[starts] + step


def finite_values(x: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """A float64 copy of the finite values of ``x`` (of the frames ``where`` is True, if
    given), in order: one selection pass, the caller's to overwrite."""
    x = np.asarray(x)
    keep = np.isfinite(x)
    if where is not None:
        keep &= where
    return x[keep].astype(np.float64, copy=False)


def percentile_of(v: np.ndarray, q: float) -> float:
    """``np.percentile(v, q)`` of a selection ``v`` (a copy, which this may reorder; NaN when
    empty): one partition (``percentiles``) for float64 values; NumPy's own, which computes
    in the values' type, for others."""
    if not v.size:
        return float("nan")
    if v.dtype != np.float64:
        return float(np.percentile(v, q))
    return percentiles(v, (q,))[0]


def percentiles(v: np.ndarray, pcts: tuple[float, ...]) -> tuple[float, ...]:
    """``np.percentile(v, pcts)`` (its default, linear method; the same values, computed as
    NumPy computes them) of a float64 array of finite values, at least one, which it
    partitions in place: one selection of the order statistics the percentiles need, where
    NumPy's also selects the smallest and largest value (1.3 ms of 6 on 1,000,000 values).
    ``tests/test_analysis_fast_paths.py`` checks it against NumPy."""
    n = v.size
    q = np.true_divide(np.asarray(pcts, dtype=np.float64), 100)
    virtual = (n - 1) * q
    below = np.floor(virtual).astype(np.intp)
    above = below + 1
    last = virtual >= n - 1  # as NumPy: both neighbours are the largest value
    below[last] = -1
    above[last] = -1
    v.partition(np.unique(np.concatenate((below, above)) % n))
    a, b = v[below], v[above]
    gamma = virtual - below
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return tuple(out.tolist())


def robust_range(x: np.ndarray, lo_pct: float = 5.0, hi_pct: float = 95.0,
                 where: np.ndarray | None = None) -> tuple[float, float]:
    """Percentile range of the finite values (of the frames ``where`` is True, if given);
    NaN, NaN when there are none."""
    v = finite_values(x, where)
    if v.size == 0:
        return float("nan"), float("nan")
    lo, hi = percentiles(v, (lo_pct, hi_pct))  # v is our own copy
    return lo, hi


def robust_range_over_time(x: np.ndarray, t: np.ndarray, lo_pct: float = 5.0,
                           hi_pct: float = 95.0) -> tuple[float, float]:
    """``robust_range`` of ``x`` over time rather than over frames: each frame weighs the time
    it stands for (half the steps to its neighbours; a whole step at either end; a gap's step
    taken as the median one), so a frame dropped from a steady stream hands its time to its
    neighbours instead of shifting every percentile by a rank (QA: two frames dropped from a
    real deadlift's last dip raised its 5th percentile enough to merge two reps). At a steady
    frame rate every weight is equal and it returns ``robust_range``'s values (computed by
    it); NaN, NaN with no finite value."""
    x = np.asarray(x)
    t = np.asarray(t, dtype=np.float64)
    if t.size < 3:
        return robust_range(x, lo_pct, hi_pct)
    step = np.diff(t)
    # A gap (a step over GAP_STEP_FACTOR median steps: a pause, never bridged) hands on no
    # time: the frames either side weigh as at the steady rate.
    typical = float(np.median(step))
    step = np.where(step > GAP_STEP_FACTOR * typical, typical, step)
    w = np.empty(t.size)
    w[1:-1] = 0.5 * (step[:-1] + step[1:])
    w[0], w[-1] = step[0], step[-1]
    if np.all(np.abs(w - w[0]) <= 1e-9 * w[0]):  # a steady rate: the frames' percentiles
        return robust_range(x, lo_pct, hi_pct)
    keep = np.isfinite(x)
    v, w = x[keep].astype(np.float64), w[keep]
    if v.size < 2:
        return robust_range(v, lo_pct, hi_pct)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    # Each value sits at the middle of its weight; the first and last at 0 and 1 (equal
    # weights: position i / (n - 1), NumPy's linear percentile).
    pos = np.cumsum(w) - 0.5 * w - 0.5 * w[0]
    pos /= pos[-1]
    lo, hi = np.interp((lo_pct / 100.0, hi_pct / 100.0), pos, v)
    return float(lo), float(hi)


# ---------------------------------------------------------------- per-range reductions
# Reps and episodes are inclusive frame ranges ``[first, last]``; these reduce a (T,) signal
# over many ranges at once (ranges may touch or overlap), with no Python loop over them.
def range_reduce(ufunc: np.ufunc, x: np.ndarray, first: np.ndarray, last: np.ndarray,
                 dtype: np.dtype | type | None = None) -> np.ndarray:
    """``ufunc.reduce`` of ``x`` over each inclusive range (e.g. ``np.fmax``: the NaN-ignoring
    maximum, NaN for an all-NaN range; ``np.add`` with ``dtype``: sums)."""
    x = np.asarray(x)
    first = np.asarray(first, dtype=np.intp)
    last = np.asarray(last, dtype=np.intp)
    if first.size == 0:
        return np.zeros(0, dtype=dtype or x.dtype)
    if np.any(last < first):
        raise ValueError("range_reduce needs first <= last for every range")
    bounds = np.empty(2 * first.size, dtype=np.intp)
    bounds[0::2], bounds[1::2] = first, last + 1
    if bounds.max() >= x.shape[0]:  # reduceat needs every bound inside the array
        x = np.append(x, x[-1:])
    return ufunc.reduceat(x, bounds, dtype=dtype)[0::2]


def in_ranges(n: int, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: frames inside any of the inclusive ranges ``[first, last]``."""
    first = np.asarray(first, dtype=np.intp)
    last = np.asarray(last, dtype=np.intp)
    edges = np.bincount(first, minlength=n + 1) - np.bincount(last + 1, minlength=n + 1)
    return np.cumsum(edges[:n]) > 0


def _expand(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame indices of the concatenated ranges, each range's offset in them, and lengths."""
    lengths = last - first + 1
    offsets = np.cumsum(lengths) - lengths
    frames = np.arange(int(lengths.sum())) + np.repeat(first - offsets, lengths)
    return frames, offsets, lengths


def range_first_last(mask_of: np.ndarray, first: np.ndarray,
                     last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last frame of each inclusive range where a condition holds.

    ``mask_of(frames, range_index)`` gives the condition for the frames of the concatenated
    ranges (so it may depend on the range, e.g. a per-rep level). Ranges where it never holds
    get -1.
    """
    first = np.asarray(first, dtype=np.intp)
    last = np.asarray(last, dtype=np.intp)
    if first.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    frames, offsets, lengths = _expand(first, last)
    owner = np.repeat(np.arange(first.size), lengths)
    hits = np.flatnonzero(mask_of(frames, owner))
    lo = np.searchsorted(hits, offsets)
    hi = np.searchsorted(hits, offsets + lengths) - 1
    found = lo <= hi
    safe = np.clip(np.where(found, np.stack([lo, hi]), 0), 0, max(hits.size - 1, 0))
    picked = frames[hits[safe]] if hits.size else np.zeros_like(safe)
    return np.where(found, picked[0], -1), np.where(found, picked[1], -1)


def range_argmax(x: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Index of the NaN-ignoring maximum of ``x`` in each inclusive range (its first
    occurrence, as ``np.nanargmax``); -1 for an all-NaN range."""
    top = range_reduce(np.fmax, x, first, last)
    return range_first_last(lambda frames, owner: x[frames] == top[owner], first, last)[0]
