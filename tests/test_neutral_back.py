"""bench/neutral_back.py reads each rendered body's back at one frame of the rep: the frame
must be one where the back is bent over and a rounding is fully held, or its figures
(docs/analysis.md, session 27) say nothing about a neutral or rounded set-up."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.synth.body import load_body
from formcheck.synth.catalog import TEMPI
from formcheck.synth.motion import fault_tracks, progress, rep_timeline
from formcheck.synth.scenario import Exercise, Fault, FaultKind, Scenario


@pytest.fixture(scope="module")
def nb(bench_modules):
    return bench_modules("neutral_back")


@pytest.mark.parametrize(("exercise", "bent_progress"), [
    (Exercise.DEADLIFT, 1.0),  # the set-up, as the bar leaves the floor
    (Exercise.ROW, 0.0),  # the bar pulled in (the row is bent over throughout)
    (Exercise.SQUAT, 1.0),  # the bottom
])
def test_the_frame_read_holds_the_rounding_at_its_peak(nb, exercise, bent_progress):
    sc = Scenario(exercise=exercise, reps=1, body="m_avg", tempo=TEMPI[exercise],
                  faults=(Fault(FaultKind.FLEXION, 30.0),))
    reps, _ = rep_timeline(sc)
    t = np.array([nb.set_up_time(SimpleNamespace(reps=reps, sc=sc))])
    assert progress(sc, t)[0] == pytest.approx(bent_progress, abs=0.01)
    (track,) = fault_tracks(sc, t)
    assert track.values_deg[0] == pytest.approx(30.0)


def test_the_standing_lumbar_valley_is_deeper_on_the_male_bodies(nb):
    # The session 27 finding the bench prints: a few percent of the hip-shoulder height,
    # deeper on each male body than on each female one.
    valley = {n: nb.standing_valley(load_body(n)) for n in ("m_avg", "m_tall", "f_short",
                                                            "f_heavy")}
    assert min(valley["m_avg"], valley["m_tall"]) > max(valley["f_short"], valley["f_heavy"])
    assert all(3.0 < v < 20.0 for v in valley.values())
