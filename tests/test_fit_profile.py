"""bench/fit_profile.py's pieces on inputs of known answer: round 13's figures
(docs/analysis.md) rest on the shape features, the own-profile reading, the ridge fit and the
held-out limit choices."""

from __future__ import annotations

import numpy as np
import pytest

K = 17


@pytest.fixture(scope="module")
def fp(bench_modules):
    return bench_modules("fit_profile")


def test_the_shape_of_a_straight_outline_is_zero_whatever_its_tilt_and_distance(fp):
    k = np.arange(K, dtype=np.float64)
    off = np.stack([3.0 + 0.0 * k, -2.0 + 0.5 * k])
    assert np.allclose(fp.detrend(off), 0.0)


def test_the_shape_keeps_the_bend_and_drops_any_added_line(fp):
    k = np.arange(K, dtype=np.float64)
    bent = -0.1 * (k - 8.0) ** 2
    a, b = fp.detrend(np.stack([bent, bent + 4.0 - 0.3 * k]))
    assert np.allclose(a, b)
    assert a[8] > 0.0 > a[0]  # the middle stands out of the line, the ends fall below it


def _clip(n: int = 40) -> dict:
    rng = np.random.default_rng(1)
    bulge = np.r_[np.zeros(10), np.linspace(0.0, 9.0, n - 10)]
    off = rng.normal(0.0, 1.0, (n, K)) + bulge[:, None]
    return {"bulge": bulge, "off": off, "lean": np.full(n, 50.0),
            "judged": np.ones(n, dtype=bool)}


def test_the_own_reading_counts_from_the_clip_s_straightest_frames(fp):
    c = _clip()
    straight = c["bulge"] <= np.percentile(c["bulge"], 10)
    own = fp.design(c, "offsets", "own")
    assert np.allclose(own, c["off"] - np.median(c["off"][straight], axis=0))
    with_lean = fp.design(c, "offsets+lean", "own")
    assert np.allclose(with_lean[:, -1], 50.0)  # the lean is no outline: never made relative


def test_too_few_judged_frames_give_no_own_reading(fp):
    c = _clip()
    c["judged"][:] = False
    c["judged"][:5] = True
    assert np.isnan(fp.design(c, "shape", "own")).all()


def test_the_ridge_without_penalty_recovers_a_linear_rule_in_raw_units(fp):
    rng = np.random.default_rng(2)
    x = rng.normal(5.0, 3.0, (200, 3))
    y = x @ np.array([2.0, -1.0, 0.5]) + 7.0
    model = fp.Ridge(x, y, 0.0)
    w, b = model.coefficients()
    assert np.allclose(w, [2.0, -1.0, 0.5]) and b == pytest.approx(7.0)
    assert np.allclose(model(x), y)
    shrunk, _ = fp.Ridge(x, y, 10.0).coefficients()
    assert np.all(np.abs(shrunk) < np.abs(w))


def test_the_renders_limit_lies_above_every_neutral_rep_only(fp):
    est = [3.2, 11.7, 25.0, float("nan"), 40.0]
    true = [0.0, 5.0, 20.0, 0.0, 45.0]
    assert fp.lowest_clean_limit(est, true) == 12.0


def test_auc_is_the_chance_a_positive_reads_above_a_negative(fp):
    assert fp.auc([5.0, 6.0], [1.0, 2.0]) == 1.0
    assert fp.auc([1.0, 2.0], [5.0, 6.0]) == 0.0
    assert fp.auc([3.0], [3.0]) == 0.5


def test_a_source_s_own_clips_never_choose_its_limit(fp):
    real = [
        {"name": "a1", "source": "A", "label": True, "assessable": True},
        {"name": "a2", "source": "A", "label": False, "assessable": True},
        {"name": "b1", "source": "B", "label": True, "assessable": True},
        {"name": "b2", "source": "B", "label": False, "assessable": True},
    ]
    peak = {"a1": 30.0, "a2": 10.0, "b1": 12.0, "b2": 5.0}
    counts, _ = fp.source_cv(real, peak, 20.0, np.arange(0.0, 40.0, 1.0))
    # Fold A fits on B (limit 6..12, nearest 20: 12): a1 found, a2 not. Fold B fits on A
    # (11..30, nearest 20: 20): b1 missed although a limit fitted on B would find it.
    assert counts["tp"] == 1 and counts["fn"] == 1 and counts["tn"] == 2
    assert counts["limits"] == [12.0, 20.0]
    flagged = {"a1": False, "a2": False, "b1": True, "b2": False}
    with_rule, _ = fp.source_cv(real, peak, 20.0, np.arange(0.0, 40.0, 1.0), flagged)
    assert with_rule["tp"] == 2 and with_rule.get("fp", 0) == 0
