"""Signal cleaning: gap filling, zero-phase low-pass, derivatives on real timestamps, hysteresis."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.signal import (
    derivative,
    fill_gaps,
    hysteresis,
    lowpass,
    robust_range,
    run_durations,
    runs,
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
