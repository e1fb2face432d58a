"""bench/oblique_rounding.py's per-rep peaks and its 3D neck angle: session 26's 45° figures
(docs/analysis.md) rest on a peak being held, not touched once, and on the angle's units."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def oblique(bench_modules):
    return bench_modules("oblique_rounding")


def test_a_peak_counts_only_as_long_as_it_is_held(oblique):
    x = np.array([0.0, 9.0, 4.0, 4.0, 4.0, 4.0, 4.0, 1.0])
    assert oblique.held_peak(x, 5) == 4.0  # the single 9 is not held
    assert oblique.held_peak(x, 1) == 9.0


def test_a_missing_frame_breaks_a_held_peak(oblique):
    x = np.array([5.0, 5.0, np.nan, 5.0, 5.0, 2.0, 2.0, 2.0])
    assert oblique.held_peak(x, 3) == 2.0
    assert np.isnan(oblique.held_peak(np.array([1.0, np.nan, 1.0]), 3))


def test_the_neck_angle_is_in_degrees_at_the_shoulders(oblique):
    ear = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    sh = np.zeros((2, 3))
    hip = np.array([[0.0, -1.0, 0.0], [0.0, -1.0, 0.0]])
    assert oblique._angle(ear, sh, hip) == pytest.approx([180.0, 90.0])
