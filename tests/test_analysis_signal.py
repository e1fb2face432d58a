"""Signal cleaning: gap filling, zero-phase low-pass, derivatives on real timestamps, hysteresis."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.signal import (
    TimeBase,
    derivative,
    fill_gaps,
    hysteresis,
    in_ranges,
    lowpass,
    range_argmax,
    range_first_last,
    range_reduce,
    robust_range,
    run_durations,
    runs,
    smooth_rows,
)

FPS = 30.0


@pytest.mark.parametrize(
    ("gap_frames", "max_gap_s", "filled"),
    [(3, 0.3, True), (7, 0.3, True), (9, 0.3, False), (30, 0.3, False), (30, 2.0, True)],
)
def test_fill_gaps_bridges_only_short_gaps(gap_frames, max_gap_s, filled):
    t = np.arange(100) / FPS
    x = 2.0 * t + 1.0
    y = x.copy()
    y[40:40 + gap_frames] = np.nan
    out = fill_gaps(t, y, max_gap_s)
    if filled:
        np.testing.assert_allclose(out, x, atol=1e-9)
    else:
        assert np.isnan(out[40:40 + gap_frames]).all()
        np.testing.assert_array_equal(out[:40], x[:40])


def test_fill_gaps_columns_independent_and_edges_left_alone():
    t = np.arange(10) / FPS
    x = np.stack([np.arange(10.0), 10 * np.arange(10.0)], axis=1)
    x[0, 0] = np.nan  # leading NaN: no value before it
    x[5, 1] = np.nan
    out = fill_gaps(t, x, 1.0)
    assert np.isnan(out[0, 0])
    assert out[5, 1] == pytest.approx(50.0)
    assert out[5, 0] == 5.0


def test_lowpass_keeps_slow_and_removes_fast_without_lag():
    t = np.arange(600) / FPS
    slow = np.sin(2 * np.pi * 0.5 * t)
    fast = 0.5 * np.sin(2 * np.pi * 12.0 * t)
    out = lowpass(t, slow + fast, cutoff_hz=3.0)
    inner = slice(60, -60)
    assert np.max(np.abs(out[inner] - slow[inner])) < 0.03  # zero phase: no lag, no ripple


def test_lowpass_nan_stay_nan_and_nonuniform_time():
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.02, 0.045, 400))  # variable frame rate
    x = np.sin(2 * np.pi * 0.4 * t)
    x[100:105] = np.nan
    out = lowpass(t, x, cutoff_hz=3.0)
    assert np.isnan(out[100:105]).all()
    ok = np.isfinite(out)
    assert np.max(np.abs(out[ok][20:-20] - x[ok][20:-20])) < 0.05


@pytest.mark.parametrize("fps", [3.75, 5.0])
def test_lowpass_is_identity_when_cutoff_near_nyquist(fps):
    t = np.arange(40) / fps
    x = np.random.default_rng(1).normal(size=40)
    np.testing.assert_array_equal(lowpass(t, x, cutoff_hz=4.0), x)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_derivative_against_timestamps(order):
    rng = np.random.default_rng(2)
    t = np.cumsum(rng.uniform(0.014, 0.016, 2000))  # +-7% frame-time jitter
    x = np.sin(t)
    want = [np.cos(t), -np.sin(t), -np.cos(t)][order - 1]
    got = derivative(t, x, order)
    np.testing.assert_allclose(got[10:-10], want[10:-10], atol=0.02 * order)


def test_hysteresis_ignores_jitter_between_levels():
    x = np.array([0, 0.6, 1.1, 0.8, 0.95, 0.6, 1.2, 0.4, 0.2, 0.9, 0.3, np.nan, 1.5])
    on = hysteresis(x, on=1.0, off=0.5)
    assert on.tolist() == [False, False, True, True, True, True, True, False, False, False,
                           False, False, True]
    starts, ends = runs(on)
    assert starts.tolist() == [2, 12] and ends.tolist() == [7, 13]


def test_hysteresis_rejects_inverted_levels():
    with pytest.raises(ValueError):
        hysteresis(np.zeros(3), on=0.2, off=0.5)


def test_run_durations_and_robust_range():
    t = np.arange(10) / 10.0
    assert run_durations(t, np.array([2]), np.array([5])).tolist() == pytest.approx([0.3])
    lo, hi = robust_range(np.r_[np.arange(101.0), np.nan])
    assert (lo, hi) == pytest.approx((5.0, 95.0))
    assert np.isnan(robust_range(np.full(3, np.nan))[0])


# ------------------------------------------------------------------ exactness of the fast paths
@pytest.mark.parametrize("columns", [1, 2, 3, 5])
@pytest.mark.parametrize("frames", [4, 11, 300])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_lowpass_matches_sosfiltfilt_and_pairs_filter_independently(columns, frames, order):
    """Signals are filtered two at a time as one complex signal: each must come out as
    filtered alone (bit for bit), and as SciPy's sosfiltfilt."""
    from scipy.signal import butter, sosfiltfilt

    t = np.arange(frames) / FPS
    x = np.random.default_rng(columns * frames + order).normal(size=(frames, columns))
    out = lowpass(t, x, cutoff_hz=4.0, order=order)
    for j in range(columns):
        np.testing.assert_array_equal(out[:, j], lowpass(t, x[:, j], 4.0, order))
    fs = 1.0 / np.median(np.diff(t))
    sos = butter(order, 4.0 / (fs / 2.0), output="sos")
    want = sosfiltfilt(sos, x, axis=0, padlen=min(3 * (2 * len(sos) + 1), frames - 1))
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-12)


def test_smooth_rows_bridges_short_gaps_and_keeps_long_ones():
    t = np.arange(200) / FPS
    slow = np.sin(2 * np.pi * 0.3 * t)
    short, long_, empty = slow.copy(), slow.copy(), np.full_like(slow, np.nan)
    short[50:53] = np.nan
    long_[50:80] = np.nan
    out = smooth_rows(TimeBase.of(t), [slow, short, long_, empty], 3.0, max_gap_s=0.3)
    assert len(out) == 4 and all(o.dtype == np.float64 for o in out)
    assert np.isfinite(out[1]).all()
    np.testing.assert_allclose(out[1], out[0], atol=0.01)
    assert np.isnan(out[2][50:80]).all() and np.isfinite(out[2][:50]).all()
    assert np.isnan(out[3]).all()


@pytest.mark.parametrize("uniform", [True, False])
@pytest.mark.parametrize("shape", [(2,), (3,), (50,), (50, 3)])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_derivative_is_np_gradient(uniform, shape, order):
    rng = np.random.default_rng(3)
    n = shape[0]
    t = np.arange(n) * 0.25 if uniform else np.cumsum(rng.uniform(0.02, 0.04, n))
    x = rng.normal(size=shape)
    want = x
    for _ in range(order):
        want = np.gradient(want, t, axis=0)
    np.testing.assert_array_equal(derivative(t, x, order), want)


def _ranges(rng: np.random.Generator, n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.sort(rng.integers(0, n, count))
    last = np.minimum(first + rng.integers(0, 12, count), n - 1)  # overlapping, to the end
    last[-1] = n - 1
    return first, last


def test_range_reductions_match_a_loop_over_ranges():
    rng = np.random.default_rng(4)
    x = rng.normal(size=300)
    x[rng.integers(0, 300, 40)] = np.nan
    x[100:110] = np.nan  # a range of NaN only
    first, last = _ranges(rng, x.size, 60)
    first[0], last[0] = 100, 109
    spans = [x[a:b + 1] for a, b in zip(first, last, strict=True)]
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(range_reduce(np.fmax, x, first, last),
                                      [np.fmax.reduce(s) for s in spans])
    np.testing.assert_array_equal(range_reduce(np.add, np.isfinite(x), first, last,
                                               dtype=np.float64),
                                  [np.isfinite(s).sum() for s in spans])
    peaks = range_argmax(x, first, last)
    assert peaks[0] == -1
    for a, s, p in zip(first[1:], spans[1:], peaks[1:], strict=True):
        assert p == (a + np.nanargmax(s) if np.isfinite(s).any() else -1)
    lo, hi = range_first_last(lambda frames, owner: x[frames] > 0.5, first, last)
    for a, s, f, g in zip(first, spans, lo, hi, strict=True):
        hits = np.flatnonzero(s > 0.5)
        assert (f, g) == ((a + hits[0], a + hits[-1]) if hits.size else (-1, -1))
    assert range_reduce(np.fmax, x, first[:0], last[:0]).size == 0


def test_in_ranges():
    first, last = np.array([2, 5, 6, 9]), np.array([3, 7, 6, 9])
    assert np.flatnonzero(in_ranges(10, first, last)).tolist() == [2, 3, 5, 6, 7, 9]
    assert not in_ranges(4, first[:0], last[:0]).any()
