"""bench/fit_arch.py's outline cues on outlines of known shape: round 10's figures
(docs/analysis.md) rest on their signs and units."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

K = 17


@pytest.fixture(scope="module")
def fit_arch(bench_modules):
    return bench_modules("fit_arch")


def _seq(depth, flip: bool = False) -> SimpleNamespace:
    """One frame: shoulders at x=100, hips at x=300 (a 200 px chord along +x, y = 100), the
    back above it (smaller y) ``depth(f)`` chords away at fraction ``f`` along it."""
    image = np.full((1, 33, 2), np.nan)
    image[0, [11, 12]] = (100.0, 100.0)
    image[0, [23, 24]] = (300.0, 100.0)
    f = np.linspace(0.0, 1.0, K)
    back = np.stack([100.0 + 200.0 * f, 100.0 - 200.0 * depth(f)], axis=1)[None]
    return SimpleNamespace(image_xy=image, back_xy=back[:, ::-1] if flip else back)


@pytest.mark.parametrize("flip", [False, True])
def test_a_straight_back_reads_zero(fit_arch, flip):
    feats = fit_arch.arch_features(_seq(lambda f: 0.1 + 0.0 * f, flip))
    for k in fit_arch.FEATURES:
        assert feats[k][0] == pytest.approx(0.0, abs=1e-9)


def test_an_arched_back_bends_out_towards_the_hips_and_a_rounded_one_the_other_way(fit_arch):
    arched = fit_arch.arch_features(_seq(lambda f: 0.1 + 0.4 * (f - 0.5) ** 2))
    rounded = fit_arch.arch_features(_seq(lambda f: 0.1 + 0.4 * f * (1.0 - f)))
    assert arched["bend"][0] > 5.0 and rounded["bend"][0] < -5.0
    assert arched["tail"][0] > 0.0 > rounded["tail"][0]
    assert arched["lower_bow"][0] < 0.0 < rounded["lower_bow"][0]


def test_the_tail_is_the_outline_s_angle_against_the_chord_in_degrees(fit_arch):
    # The hip-side points leave the chord at 20 deg (a straight line from point 11 on).
    slope = np.tan(np.radians(20.0))
    feats = fit_arch.arch_features(_seq(lambda f: 0.1 + slope * np.clip(f - 11 / 16, 0, None)))
    assert feats["tail"][0] == pytest.approx(20.0, abs=1e-6)


def test_held_rise_counts_from_the_clip_s_own_least_arched_frames(fit_arch):
    x = np.r_[np.zeros(20), np.full(6, 8.0), np.zeros(20)]
    bent = np.ones(len(x), dtype=bool)
    assert fit_arch.held_rise(x, bent) == pytest.approx(8.0)
    assert fit_arch.held_rise(x, bent, hold=7) == pytest.approx(0.0)  # not held long enough
    assert np.isnan(fit_arch.held_rise(x, np.zeros(len(x), dtype=bool)))
