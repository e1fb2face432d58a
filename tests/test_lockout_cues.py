"""bench/lockout_cues.py's readings and held-out limits: session 26's table (docs/analysis.md)
rests on the leans' signs, on "held" meaning held for a finding's least number of frames and
on each limit being fitted on the other groups' reps only."""

from __future__ import annotations

import math

import numpy as np
import pytest


@pytest.fixture(scope="module")
def cues(bench_modules):
    return bench_modules("lockout_cues")


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_a_lean_away_from_where_the_lifter_faces_is_positive(cues, facing):
    # Up the body and 10° towards the picture's left: behind a lifter facing right, ahead
    # of one facing left.
    up = np.array([[-math.sin(math.radians(10.0)), -math.cos(math.radians(10.0))]])
    assert cues._behind_vertical(up, facing)[0] == pytest.approx(10.0 * facing)
    assert cues._behind_vertical(np.array([[0.0, -1.0]]), facing)[0] == pytest.approx(0.0)


def test_a_picture_turned_back_by_the_roll_undoes_it(cues):
    point = np.array([[10.0, 0.0]])
    a = math.radians(6.0)  # the picture's lines turned 6° counter-clockwise as seen (y down)
    rolled = np.array([[10.0 * math.cos(a), -10.0 * math.sin(a)]])
    np.testing.assert_allclose(cues._turned(rolled, 6.0), point, atol=1e-9)
    assert cues._turned(point, None) is point


def test_held_max_is_the_most_kept_for_n_frames_inside_the_mask(cues):
    x = np.array([1.0, 9.0, 5.0, 6.0, 7.0, 2.0, 20.0])
    mask = np.array([True, True, True, True, True, True, False])
    assert cues.held_max(x, mask, 3) == 5.0  # 5, 6, 7: the 20 lies outside the mask
    assert cues.held_max(x, mask, 1) == 9.0
    assert math.isnan(cues.held_max(x, np.zeros(7, dtype=bool), 3))
    assert math.isnan(cues.held_max(x[:2], mask[:2], 3))


def _rep(group: str, positive: bool, value: float) -> dict:
    return {"group": group, "positive": positive, "ext": value}


def test_a_limit_is_fitted_above_the_clean_reps_and_halfway_to_the_least_fault(cues):
    train = [_rep("a", False, 4.2), _rep("a", False, -3.0), _rep("b", True, 11.8),
             _rep("b", True, 3.0), _rep("b", False, float("nan"))]
    assert cues.fit_limit(train, "ext", "above") == 4.5
    # Halfway from 4.2 to 11.8 (the 3.0 lies under the clean reps), down to half a degree.
    assert cues.fit_limit(train, "ext", "mid") == 8.0
    assert cues.fit_limit([_rep("a", False, 8.0)], "ext", "above") == 8.5
