"""Poses from another pose model than the full one every limit was chosen on: the rules that
gave false warnings (or missed the fault) on the lite or heavy model's poses of the real clips
say "not assessable" with why; the others are judged as on the full model's poses."""

from __future__ import annotations

import dataclasses

import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import load_config

ROUNDED = SynthRep(flexion_deg=40.0)
#: Per model: the rules not judged on its poses, and a figure each one's reason states.
NOT_JUDGED = {
    "lite": {"rounded_back": "5 of 18 clean real lifts", "jerky_twist": "1 of 33 real clips"},
    "heavy": {"rounded_back": "3 of 17 clean real lifts", "jerky_twist": "1 of 30 real clips",
              "lumbar_overextension": "missed the one over-arched lockout"},
}


@pytest.fixture(scope="module")
def rounded_side():
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(ROUNDED, ROUNDED), yaw_deg=90.0))
    return seq


def _clip(result, fault):
    return next(a for a in result.assessable if a.fault == fault and a.rep is None)


@pytest.mark.parametrize("model", sorted(NOT_JUDGED))
def test_rules_that_failed_on_a_models_poses_are_not_judged_there(rounded_side, model):
    full = analyze_sequence(dataclasses.replace(rounded_side, model="full"))
    assert any(f.fault == "rounded_back" for f in full.findings)
    other = analyze_sequence(dataclasses.replace(rounded_side, model=model))
    gated = NOT_JUDGED[model]
    assert not [f for f in other.findings if f.fault in gated]
    for fault, measured in gated.items():
        clip = _clip(other, fault)
        assert not clip.assessable
        assert clip.reason.startswith(f"the poses come from the {model} pose model, which "
                                      "this check was not fitted on; analyse with --model full")
        assert measured in clip.reason
        assert all(not a.assessable and a.reason == clip.reason
                   for a in other.assessable if a.fault == fault)
    for fault in {"rounded_back", "lumbar_overextension", "jerky_twist"} - set(gated):
        assert _clip(other, fault).assessable == _clip(full, fault).assessable, fault


@pytest.mark.parametrize("model", sorted(NOT_JUDGED))
def test_judging_them_can_be_switched_on(rounded_side, model):
    cfg = load_config(None, [f"rounded_back.judge_{model}_poses=true"])
    res = analyze_sequence(dataclasses.replace(rounded_side, model=model), cfg)
    assert any(f.fault == "rounded_back" for f in res.findings)
    assert _clip(res, "rounded_back").assessable


@pytest.mark.parametrize("model", ["full", "", "my_bundle"])
def test_the_full_model_and_unnamed_bundles_are_judged(rounded_side, model):
    res = analyze_sequence(dataclasses.replace(rounded_side, model=model))
    assert _clip(res, "rounded_back").assessable
    assert any(f.fault == "rounded_back" for f in res.findings)
