"""bench/twist_agree.py's building blocks, on signals with known answers: the round-8 figures
(docs/analysis.md) rest on them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.pose.landmarks import Landmark as L


@pytest.fixture(scope="module")
def agree(bench_modules):
    return bench_modules("twist_agree")


FPS = 30.0


@pytest.mark.parametrize("name,kind,dur,support", [
    ("step 0.1 s", "step", 0.1, 0.8), ("step 0.25 s", "step", 0.25, 1.0),
    ("pulse 0.2 s", "pulse", 0.2, 0.8), ("pulse 0.5 s", "pulse", 0.5, 1.4)])
def test_matched_filter_reads_its_template_amplitude_and_ignores_slow_trends(
        agree, name, kind, dur, support):
    taps = agree.matched_filter(kind, dur, support, FPS)
    t = np.arange(0, 6, 1 / FPS)
    centre = 3.0
    # The template itself, 17 deg, on top of a constant, a ramp and a parabola.
    trend = 5.0 + 8.0 * (t - 2.0) - 3.0 * (t - 2.5) ** 2
    x = trend + 17.0 * agree._shape(kind, dur, t - centre)
    out = agree.filtered(x, taps)
    i = int(np.argmin(np.abs(t - centre)))
    assert out[i] == pytest.approx(17.0, abs=1e-6)
    # The trend alone reads zero wherever the filter is defined.
    flat = agree.filtered(trend, taps)
    assert np.nanmax(np.abs(flat)) < 1e-6
    assert np.isfinite(flat).sum() == len(t) - 2 * (len(taps) // 2)


def test_filtered_leaves_out_windows_that_hold_a_gap(agree):
    taps = agree.matched_filter("step", 0.1, 0.8, FPS)
    x = np.zeros(120)
    x[60] = np.nan
    out = agree.filtered(x, taps)
    half = len(taps) // 2
    assert np.isnan(out[60 - half:60 + half + 1]).all()
    assert np.isfinite(out[half:60 - half]).all()


def test_hands_on_torso_only_when_a_wrist_is_inside_the_torso_quad(agree):
    xy = np.zeros((3, len(L), 2))
    for f in range(3):
        xy[f, L.LEFT_SHOULDER] = (120, 100)
        xy[f, L.RIGHT_SHOULDER] = (80, 100)
        xy[f, L.LEFT_HIP] = (115, 200)
        xy[f, L.RIGHT_HIP] = (85, 200)
        xy[f, L.LEFT_WRIST] = (140, 220)  # hanging beside the hips
        xy[f, L.RIGHT_WRIST] = (60, 220)
    xy[1, L.LEFT_WRIST] = (100, 150)  # in front of the belly
    xy[2, L.RIGHT_WRIST] = (100, 102)  # at the chest, just under the shoulder line
    got = agree.hands_on_torso(SimpleNamespace(image_xy=xy))
    assert got.tolist() == [False, True, True]
