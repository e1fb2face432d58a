"""Session 25: the error bar a rounding that develops states holds 80% of the estimate's
errors on rendered bodies no fit used at the sizes a finding states (45-50 deg,
``bench/flexion_range.py read``), not round 11's mean error over 0-45 deg (deadlifts: ±7°
stated held 9 of 24 reps at 45°; 12° mean error, 19° for 80% of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config, load_config

README = Path(__file__).resolve().parents[1] / "README.md"
#: The measured 80% ranges, rounded as a finding states them (squats keep round 11's 14).
STATED = {"deadlift": 19, "row": 29, "squat": 14}


@pytest.mark.parametrize("exercise", sorted(STATED))
def test_a_rounding_that_develops_states_the_range_that_holds_most_held_out_reps(exercise):
    seq, _ = synthesize(SynthSpec(exercise=exercise,
                                  reps=(SynthRep(), SynthRep(flexion_deg=30.0)),
                                  yaw_deg=90.0, noise_px=1.0, noise_m=0.005))
    # Judged by the rise (the estimate whose error was measured), at a limit this crosses.
    cfg = load_config(overrides=["rounded_back.min_held_flexion_deg=1000",
                                 "rounded_back.min_flexion_deg=15"])
    found = [f for f in analyze_sequence(seq, cfg, exercise=exercise).findings
             if f.fault == "rounded_back"]
    assert found
    for f in found:
        assert f.evidence["judged_by"] == "rise"
        assert f"(±{STATED[exercise]}°)" in f.message
        assert round(f.evidence["flexion_error_deg"]) == STATED[exercise]


def test_the_readme_states_the_error_bars_the_findings_state():
    text = README.read_text(encoding="utf-8")
    said = re.findall(r"deadlifts ±(\d+)°,\s+rows ±(\d+)°,\s+squats ±(\d+)°", text)
    assert said
    cfg = Config()
    want = tuple(str(round(cfg.faults_for(e).rounded_back.flexion_error_deg))
                 for e in ("deadlift", "row", "squat"))
    assert all(s == want for s in said), said
