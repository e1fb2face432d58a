"""bench/twist_limits.py prints the jerky twist's limit per judged clip (the quick-turn
series' threshold, as the caveat states it) and its range per view and exercise."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


def _result(view, exercise, judged, limit):
    series = SimpleNamespace(threshold=limit, values=np.array([1.0, 4.5, 9.0]),
                             judged=np.array([True, True, False]))
    return SimpleNamespace(
        assessable=[SimpleNamespace(fault="jerky_twist", rep=None, assessable=judged)],
        series={"twist_quick_turn": series}, view=SimpleNamespace(name=view),
        exercise=SimpleNamespace(name=exercise))


def test_limits_of_judged_clips_by_view_and_exercise(tmp_path, bench_modules, capsys,
                                                      monkeypatch):
    tl = bench_modules("twist_limits")
    results = {"a": _result("front", "squat", True, 5.0),
               "b": _result("front", "squat", True, 20.9),
               "c": _result("side", "deadlift", False, 30.0)}  # not judged: left out
    for name in results:
        (tmp_path / f"{name}.mp4.npz").write_bytes(b"")
    monkeypatch.setattr(tl.PoseSequence, "load", staticmethod(lambda p: p.name[0]))
    monkeypatch.setattr(tl, "analyze_sequence", lambda name, config: results[name])
    assert tl.main(["--poses", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "limit   5.0 deg  largest quick turn   4.5 deg  a.mp4" in out  # judged frames only
    assert "2 of 3 clips judged for the twist" in out
    assert "front        squat       2 clips:   5.0- 20.9 deg" in out
    assert "deadlift" not in out
