"""The analysis' fast paths give what the plain NumPy computations they replace give (issue
14's analysis speed): the running median of three, the posture fit by normal equations, the
twist rule's short-array median and arg-max, the median's side of a limit and the view bins."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from formcheck.analysis import faults
from formcheck.analysis import features as ft

values = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan")))


def _plain_running_median(x: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, half, mode="edge"),
                                                       2 * half + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(windows, axis=1)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 40), elements=values))
def test_running_median_of_three_is_nanmedian(x):
    np.testing.assert_array_equal(ft._running_median(x, 3), _plain_running_median(x, 3))


def test_running_median_of_three_every_nan_pattern():
    base = np.array([3.0, -1.0, 2.0])
    for mask in range(8):
        for order in ([0, 1, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]):
            x = base[order].copy()
            x[[bool(mask & (1 << i)) for i in range(3)]] = np.nan
            np.testing.assert_array_equal(ft._running_median(x, 3),
                                          _plain_running_median(x, 3))


@pytest.mark.parametrize("width", [1, 4, 5])
def test_running_median_other_widths_unchanged(width):
    x = np.random.default_rng(width).standard_normal(50)
    x[[3, 4, 20]] = np.nan
    np.testing.assert_array_equal(ft._running_median(x, width), _plain_running_median(x, width))


def _plain_without_posture(x, posture, ok):
    """The reference: NumPy's SVD least squares on the design matrix itself."""
    cols = np.vstack([np.ones(x.shape), posture])
    use = ok & np.isfinite(x) & np.isfinite(cols).all(axis=0)
    if use.sum() < 3 * cols.shape[0]:
        return x - ft._median(np.where(ok, x, np.nan))
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(cols[:, use].T, x[use], rcond=None)
        resid = x - coef @ np.where(np.isfinite(cols), cols, 0.0)
        mad = ft._median(np.abs(resid[use]))
        keep = use & (np.abs(resid) <= 3.0 * 1.4826 * mad)
        if keep.sum() < 3 * cols.shape[0]:
            break
        use = keep
    return resid


@pytest.mark.parametrize("seed", range(6))
def test_posture_fit_matches_svd_least_squares(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    trunk = rng.uniform(0, 80, n)  # degrees: the fitted rows span very different sizes
    posture = np.vstack([trunk, trunk ** 2, rng.uniform(0.4, 1.0, n), rng.uniform(0, 1, n)])
    x = 0.2 * trunk - 0.001 * trunk ** 2 + rng.normal(0, 1.0, n)
    x[rng.integers(0, n, 40)] += 30.0  # brief twists the refit leaves out
    x[rng.integers(0, n, 20)] = np.nan
    posture[2, rng.integers(0, n, 15)] = np.nan
    ok = rng.random(n) > 0.1
    got = ft._without_posture(x, posture, ok)
    want = _plain_without_posture(x, posture, ok)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_posture_fit_with_a_constant_row_matches_svd_least_squares():
    """A posture row that never changes (rank-deficient design) still gives the same residual."""
    rng = np.random.default_rng(7)
    n = 500
    posture = np.vstack([rng.uniform(0, 60, n), np.full(n, 0.8), rng.uniform(0, 1, n),
                         np.zeros(n)])
    x = rng.normal(0, 1, n)
    ok = np.ones(n, dtype=bool)
    np.testing.assert_allclose(ft._without_posture(x, posture, ok),
                               _plain_without_posture(x, posture, ok), atol=1e-9)


def test_posture_fit_with_too_few_frames_subtracts_the_median():
    x = np.array([1.0, 2.0, 10.0, np.nan])
    posture = np.ones((4, 4))
    got = ft._without_posture(x, posture, np.ones(4, dtype=bool))
    np.testing.assert_array_equal(got, x - 2.0)


short = arrays(np.float64, st.integers(1, 30), elements=values)


@settings(max_examples=300, deadline=None)
@given(short)
def test_short_nanmedian_is_nanmedian(a):
    got = faults._nanmedian_short(a)
    if np.isnan(a).all():
        assert np.isnan(got)
    else:
        assert got == float(np.nanmedian(a))


@settings(max_examples=300, deadline=None)
@given(short)
def test_short_nanargmax_of_abs_is_nanargmax(a):
    got = faults._nanargmax_abs_short(a)
    if np.isnan(a).all():
        assert got == -1
    else:
        assert got == int(np.nanargmax(np.abs(a)))


@pytest.mark.parametrize("yaw", [30.0, 135.0])
def test_analysis_on_two_threads_equals_one(yaw):
    """From ``SECOND_THREAD_MIN_FRAMES`` on, the unsmoothed and outline signals, the twist
    cues, the camera view and the twist rule run on a second thread: every number must
    be the one a single thread gives (a set with a rounding, a twist, a lean-back, a back
    outline and gaps). Filmed from behind at 45° too (session 19: on two threads the
    over-extension rule read the twist still being computed as "facing the camera" and lost
    its from-behind words)."""
    from formcheck.analysis import analyze as an
    from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize

    reps = (SynthRep(), SynthRep(flexion_deg=30.0), SynthRep(twist_deg=40.0),
            SynthRep(lean_back_deg=15.0))
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=yaw,
                                  noise_px=1.0, noise_m=0.005))
    image, world = seq.image_xy.copy(), seq.world_xyz.copy()
    image[40:45] = np.nan
    world[40:45] = np.nan
    seq = dataclasses.replace(seq, image_xy=image, world_xyz=world)
    assert len(seq) < an.SECOND_THREAD_MIN_FRAMES
    one = an.analyze_sequence(seq)
    old = an.SECOND_THREAD_MIN_FRAMES
    try:
        an.SECOND_THREAD_MIN_FRAMES = 0
        two = an.analyze_sequence(seq)
    finally:
        an.SECOND_THREAD_MIN_FRAMES = old
    assert one.findings == two.findings and (one.findings or yaw > 90.0)
    assert one.reps == two.reps and one.assessable == two.assessable
    assert one.exercise == two.exercise and one.view == two.view
    assert one.summary.keys() == two.summary.keys()
    for key, value in one.summary.items():
        other = two.summary[key]
        assert value == other or (math.isnan(value) and math.isnan(other)), key
    assert one.series.keys() == two.series.keys()
    for name, series in one.series.items():
        np.testing.assert_array_equal(series.values, two.series[name].values)


@settings(max_examples=400, deadline=None)
@given(arrays(np.float64, st.integers(0, 30),
              elements=st.one_of(st.sampled_from([-1.0, 0.0, 1.0, 89.5, 90.0, 90.5]), values)),
       st.sampled_from([0.0, 90.0]), st.sampled_from([np.float64, np.float32]))
def test_median_below_is_the_median_compared(x, limit, dtype):
    x = x.astype(dtype)
    where = np.arange(x.size) % 5 != 3
    expected = bool(ft._median(x, where) < limit)  # NaN (nothing finite) compares False
    assert ft._median_below(x, where, limit) == expected


def test_median_below_even_split_averages_the_middle_pair():
    # The two middle values straddle the limit: their mean decides, as np.median's does.
    assert ft._median_below(np.array([-3.0, -1.0, 0.5, 4.0]), np.ones(4, bool), 0.0)
    assert not ft._median_below(np.array([-3.0, -0.5, 1.0, 4.0]), np.ones(4, bool), 0.0)
    assert not ft._median_below(np.array([-1.0, 1.0]), np.ones(2, bool), 0.0)  # mean 0


@pytest.mark.parametrize("size", [5, 5000])
def test_yaw_bins_and_views_match_searchsorted_and_names(size):
    from formcheck.analysis import view
    from formcheck.config import Config

    cfg = Config().view
    edges = np.array([cfg.front_max_yaw_deg, cfg.oblique_max_yaw_deg, cfg.side_max_yaw_deg,
                      cfg.rear_oblique_max_yaw_deg])
    y = np.random.default_rng(size).uniform(-10.0, 190.0, size)
    y[::7] = np.nan
    y[1:5] = edges  # on an edge: the higher bin, as searchsorted's "right" side
    finite = np.isfinite(y)
    plain = np.where(finite, np.searchsorted(edges, np.where(finite, y, 0.0), side="right"),
                     len(view._VIEW_NAMES) - 1)
    np.testing.assert_array_equal(view._yaw_bins(y, cfg), plain)
    for value, want in zip(y[:8], plain[:8], strict=True):  # one value at a time, NaN too
        assert view._yaw_bins(float(value), cfg) == want
        assert str(view.classify_yaw(float(value), cfg)) == view._VIEW_NAMES[want]
    for views in ({"side"}, {"oblique"}, {"front", "oblique"}, {"unknown"}):
        np.testing.assert_array_equal(view.yaw_in_views(y, views, cfg),
                                      np.isin(view.classify_yaw(y, cfg), sorted(views)))



def test_gather_split_over_two_threads_equals_one():
    """A long set's landmark gather copies half of its frames on the second thread."""
    from concurrent.futures import ThreadPoolExecutor

    from formcheck.analysis import geometry as geo

    frames = 3 * geo._GATHER_BLOCK_FRAMES + 77
    points = np.random.default_rng(5).normal(size=(frames, 33, 3)).astype(np.float32)
    cols = [5, 0, 98, 42, 17]
    with ThreadPoolExecutor(1) as pool:
        split = geo.gather_rows(points, cols, pool)
    np.testing.assert_array_equal(split, geo.gather_rows(points, cols))
    np.testing.assert_array_equal(split, points.reshape(frames, -1)[:, cols].T)


@settings(max_examples=500, deadline=None)
@given(arrays(np.float64, st.integers(0, 60),
              elements=st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0]),
                                 st.floats(-3, 3, allow_nan=False), st.just(float("nan")))),
       st.sampled_from([0.0, 0.5, 1.0, 1.5]), st.sampled_from([0.0, 0.25, 0.5, 1.0]))
def test_hysteresis_runs_are_the_runs_of_the_hysteresis_mask(x, on, release):
    """``hysteresis_runs`` (the rules' and the reps' one pass) against the mask and its
    runs, including values exactly at either level, NaN and on == off."""
    from formcheck.analysis.signal import hysteresis, hysteresis_runs, runs

    off = on * release
    want = runs(hysteresis(x, on, off))
    got = hysteresis_runs(x, on, off)
    for w, g in zip(want, got, strict=True):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == np.intp
    with pytest.raises(ValueError, match="off <= on"):
        hysteresis_runs(x, on, on + 1.0)


def _plain_owned_frames(t, seen, first, last, to_previous, cfg):
    """``reps._owned_frames`` as it was: the unseen frames' running extremes over every frame."""
    from formcheck.analysis.reps import _TIME_EPS_S

    a = np.searchsorted(t, t[first] - cfg.setup_s - _TIME_EPS_S, side="left")
    b = np.searchsorted(t, t[last] + cfg.finish_s + _TIME_EPS_S, side="right") - 1
    if first.size > 1:
        split = last[:-1] + np.floor(to_previous * (first[1:] - last[:-1])).astype(np.int64)
        b[:-1] = np.minimum(b[:-1], split)
        a[1:] = np.maximum(a[1:], split)
    idx = np.arange(len(t))
    unseen_before = np.maximum.accumulate(np.where(seen, -1, idx))
    unseen_after = np.minimum.accumulate(np.where(seen, len(t), idx)[::-1])[::-1]
    a = np.maximum(a, unseen_before[np.maximum(first - 1, 0)] + 1)
    b = np.minimum(b, unseen_after[np.minimum(last + 1, len(t) - 1)] - 1)
    return np.minimum(a, first), np.maximum(b, last)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 80), st.data())
def test_owned_frames_equal_the_running_extremes(n, data):
    """``_owned_frames`` looks the nearest unseen frames up among the unseen ones only; the
    same frames as the running extremes over every frame, unseen frames anywhere (none, all,
    at the ends, next to a rep)."""
    from formcheck.analysis.reps import _owned_frames
    from formcheck.config import RepConfig

    seen = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    bounds = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=8)))
    first = np.array(bounds[0::2][:len(bounds) // 2], dtype=np.int64)
    last = np.array(bounds[1::2][:len(bounds) // 2], dtype=np.int64)
    t = np.arange(n) / 30.0
    cfg = RepConfig()
    for share in (0.0, 0.5, 1.0):
        got = _owned_frames(t, seen, first, last, share, cfg)
        want = _plain_owned_frames(t, seen, first, last, share, cfg)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(0, 40),
              elements=st.one_of(st.floats(-20, 200), st.sampled_from(
                  [float("nan"), float("inf"), -float("inf"), 0.0, 30.0, 60.0, 90.0, 120.0,
                   150.0]))),
       st.lists(st.floats(0, 180), min_size=4, max_size=4),
       st.sets(st.integers(0, 5)))
def test_yaw_in_bins_by_intervals_is_the_bins_counted(y, edges, wanted):
    """``view._in_bins`` (two comparisons per run of wanted bins) against membership of the
    counted bins, for any edges (unordered ones fall back to counting), NaN and infinities."""
    from formcheck.analysis import view
    from formcheck.config import ViewConfig

    for e in (sorted(edges), edges):
        cfg = dataclasses.replace(ViewConfig(), front_max_yaw_deg=e[0], oblique_max_yaw_deg=e[1],
                                  side_max_yaw_deg=e[2], rear_oblique_max_yaw_deg=e[3])
        want = np.array(sorted(wanted), dtype=np.intp)
        np.testing.assert_array_equal(view._in_bins(y, want, cfg),
                                      np.isin(view._yaw_bins(y, cfg), want))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 60), st.lists(st.tuples(st.integers(0, 59), st.integers(0, 12)),
                                    max_size=8), st.booleans())
def test_rep_index_per_frame_equals_marking_rep_by_rep(n, spans, in_order):
    """The running-sum marking of reps in order against marking each rep's frames in turn
    (the later rep wins a shared frame), for reps in order, touching, sharing frames,
    nested or out of order (which take the loop)."""
    from formcheck.analysis.reps import rep_index_per_frame
    from formcheck.report import Rep

    spans = [(min(a, n - 1), min(a + k, n - 1)) for a, k in spans]
    if in_order:
        spans.sort()
    reps = tuple(Rep(index=i + 1, start_s=0.0, end_s=0.0, start_frame=a, end_frame=b)
                 for i, (a, b) in enumerate(spans))
    want = np.zeros(n, dtype=np.int64)
    for r in reps:
        want[r.start_frame:r.end_frame + 1] = r.index
    got = rep_index_per_frame(n, reps)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


@settings(max_examples=600, deadline=None)
@given(arrays(np.float64, st.integers(1, 50),
              elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 1.0, -2.5]))),
       st.lists(st.one_of(st.floats(0, 100), st.sampled_from([0.0, 5.0, 50.0, 95.0, 100.0])),
                min_size=1, max_size=3))
def test_percentiles_are_numpys(v, pcts):
    """``signal.percentiles`` (one partition of the order statistics needed) gives NumPy's
    linear percentiles, any size from one value, repeated values, 0th and 100th."""
    from formcheck.analysis.signal import percentiles

    want = np.percentile(v, pcts)
    got = percentiles(v.copy(), tuple(pcts))
    assert got == tuple(want.tolist())
    for p in pcts:  # one at a time, as NumPy is called with a single percentile
        assert percentiles(v.copy(), (p,))[0] == float(np.percentile(v, p))


def test_fault_context_rep_frames_follow_its_reps():
    """``FaultContext`` makes its reps' first/last frames once, on first use; a ``replace``
    makes them afresh from its own reps."""
    from formcheck.analysis.faults import FaultContext
    from formcheck.config import Config
    from formcheck.report import Estimate, Rep

    cfg = Config()
    reps = (Rep(1, 0.0, 1.0, start_frame=3, end_frame=9),
            Rep(2, 1.0, 2.0, start_frame=9, end_frame=20))
    ctx = FaultContext(sig=None, exercise="squat", view=Estimate("side", 1.0), reps=reps,
                       rep_of_frame=np.zeros(30, dtype=np.int64),
                       thresholds=cfg.faults_for("squat"), assess=cfg.assess,
                       view_cfg=cfg.view, clip_reason=None)
    np.testing.assert_array_equal(ctx.rep_first, [3, 9])
    np.testing.assert_array_equal(ctx.rep_last, [9, 20])
    assert ctx.rep_first.dtype == np.intp
    assert ctx.rep_first is ctx.rep_first and ctx.rep_last is ctx.rep_last
    same = dataclasses.replace(ctx, view=Estimate("oblique", 1.0))
    np.testing.assert_array_equal(same.rep_last, [9, 20])
    other = dataclasses.replace(ctx, reps=reps[1:])
    np.testing.assert_array_equal(other.rep_first, [9])
    np.testing.assert_array_equal(other.rep_last, [20])
    empty = dataclasses.replace(ctx, reps=())
    assert empty.rep_first.size == 0 and empty.rep_first.dtype == np.intp
