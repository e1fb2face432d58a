"""Poses from a pose model no check was measured on (a bundle given by path whose bytes are
none of lite, full and heavy) are judged, and every judged verdict says so; the full
model's, and synthetic poses, carry no such words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config

CFG = Config()
WORDS = "on which this check was never measured"


@pytest.fixture(scope="module")
def side_set():
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(),) * 2, yaw_deg=90.0))
    return seq


def test_an_unmeasured_models_verdicts_say_so(side_set):
    result = analyze_sequence(replace(side_set, model="my_finetuned"), CFG, exercise="deadlift")
    judged = [a for a in result.assessable if a.assessable]
    assert judged
    words = ('the poses come from the pose model "my_finetuned", on which this check was never '
             "measured (its limits were chosen on the full model's poses)")
    for a in judged:
        assert a.reason and words in a.reason, a
    # What is not judged keeps its own reason first.
    for a in result.assessable:
        if not a.assessable:
            assert not (a.reason or "").startswith("the poses come from")


@pytest.mark.parametrize("model", ["full", "synthetic", ""])
def test_measured_models_carry_no_such_words(side_set, model):
    result = analyze_sequence(replace(side_set, model=model), CFG, exercise="deadlift")
    assert not any(WORDS in (a.reason or "") for a in result.assessable)
