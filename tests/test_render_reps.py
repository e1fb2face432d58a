"""bench/render_reps.py counts rendered reps found per back fault (a finding peaking in the
rep, 0.3 s slack) by view, exercise and size, and the reps rendered without the fault that
were warned; render folders are read as they lie, with no manifest."""

from __future__ import annotations

import json
from types import SimpleNamespace

from formcheck.analysis.synthetic import SynthSpec, synthesize


def _truth(azimuth: float, exercise: str, faults: list[dict]) -> dict:
    return {"scenario": {"camera": {"azimuth_deg": azimuth}, "exercise": exercise},
            "reps": [{"rep": 1, "start_s": 0.0, "end_s": 2.0},
                     {"rep": 2, "start_s": 2.0, "end_s": 4.0}],
            "faults": faults}


def _finding(fault: str, peak_s: float):
    return SimpleNamespace(fault=fault, peak_s=peak_s)


def test_reps_are_counted_by_view_exercise_and_size(tmp_path, bench_modules, capsys,
                                                     monkeypatch):
    rr = bench_modules("render_reps")
    folder = tmp_path / "renders"
    (folder / "poses" / "video-full").mkdir(parents=True)
    seq, _ = synthesize(SynthSpec(noise_m=0.002))
    sets = {
        # rounded 35 deg in rep 2, seen from the other side (270 folds to 90): found
        "a_az270": _truth(270.0, "deadlift", [{"kind": "flexion", "rep": 2, "peak": 35.0}]),
        # rounded 35 deg in every rep (no rep named), a row from the side: rep 1 found only
        "b_az90": _truth(90.0, "row", [{"kind": "flexion", "peak": 35.0}]),
    }
    for name, truth in sets.items():
        (folder / f"{name}.json").write_text(json.dumps(truth))
        seq.save(folder / "poses" / "video-full" / f"{name}.npz")
    (folder / "manifest.json").write_text("{}")  # not a set
    (folder / "c_az0.json").write_text(json.dumps(_truth(0.0, "squat", [])))  # no poses
    findings = {
        # rep 2's rounding found; a lean back warned in rep 1, rendered without one
        "a_az270": [_finding("rounded_back", 3.0), _finding("lumbar_overextension", 1.0)],
        # one rounding, in rep 1, and one peaking 0.35 s after the set's last rep ended
        # (past the 0.3 s slack): rep 2 missed
        "b_az90": [_finding("rounded_back", 1.0), _finding("rounded_back", 4.35)],
    }
    names = iter(sorted(sets))
    monkeypatch.setattr(rr, "analyze_sequence",
                        lambda seq, config: SimpleNamespace(findings=findings[next(names)]))
    assert rr.main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 rendered sets in 1 folders")
    assert "view  90   35.0 deg: 2/3  (deadlift 1/1, row 1/2)" in out
    assert "reps rendered without it, warned: 0 of 1" in out  # a_az270's rep 1
    # over-extension: no rep rendered with one; the one warning is on a rep without
    assert "reps rendered without it, warned: 1 of 4" in out


def test_views_fold_either_side_of_the_lifter(bench_modules):
    rr = bench_modules("render_reps")
    assert [rr.view_of(a) for a in (0, 45, 90, 135, 180, 225, 270, 315, -45)] == \
        [0, 45, 90, 135, 180, 135, 90, 45, 45]
