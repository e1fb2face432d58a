"""bench/eval_reps.py scores rendered sets by their rep count, per view and exercise: a set
counted as rendered is right, one whose truth and count differ is listed."""

from __future__ import annotations

import json

from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize


def _render_folder(tmp_path, sets):
    """A render folder as the render scripts leave it: truth JSON beside the poses."""
    folder = tmp_path / "renders"
    (folder / "poses").mkdir(parents=True)
    for name, spec, rendered in sets:
        seq, _ = synthesize(spec)
        seq.save(folder / "poses" / f"{name}.npz")
        (folder / f"{name}.json").write_text(json.dumps(
            {"reps": [{"rep": i + 1} for i in range(rendered)]}))
    (folder / "manifest.json").write_text("{}")  # not a set
    return folder


def test_sets_are_scored_by_view_and_exercise_and_the_wrong_ones_listed(
        tmp_path, bench_modules, capsys):
    ev = bench_modules("eval_reps")
    three = (SynthRep(),) * 3
    folder = _render_folder(tmp_path, [
        ("squat_m_avg_az90", SynthSpec(exercise="squat", reps=three, noise_m=0.002), 3),
        # the truth says 4 reps, the set has 3: counted wrong
        ("deadlift_m_avg_az90", SynthSpec(exercise="deadlift", reps=three, noise_m=0.002), 4),
        ("squat_m_avg_az0", SynthSpec(exercise="squat", reps=three, yaw_deg=0.0,
                                      noise_m=0.002), 3),
    ])
    assert ev.main([str(folder), "--list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 rendered sets in 1 folder;")
    assert "| square-on | 0/1 | – | 0/1 |" in out
    assert "| side | 0/1 | 1/1 | 1/2 |" in out
    # the same sets by the lift the analysis recognised (the synthetic lifts are)
    assert "| view | recognised as: deadlift | squat | all |" in out
    assert "| side | 1/1 | 0/1 | 1/2 |" in out
    assert out.rstrip().endswith(
        "renders/deadlift_m_avg_az90: 4 rendered, 3 counted (recognised: deadlift)")


def test_no_rendered_set_is_an_error(tmp_path, bench_modules, capsys):
    ev = bench_modules("eval_reps")
    assert ev.main([str(tmp_path)]) == 1
    assert "no rendered set" in capsys.readouterr().err
