"""bench/scene_level.py --lean: the rolled rendered sets analysed in the camera's axes and
levelled by the roll their video reads; per set the trunk lean's median error against the
truth, and the findings that match a rendered fault or none."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

import formcheck.analysis


def test_rolled_sets_are_read_both_ways(tmp_path, bench_modules, capsys, monkeypatch):
    sl = bench_modules("scene_level")
    d = tmp_path / "renders"
    (d / "poses").mkdir(parents=True)
    for name, roll in (("rolled", 10.0), ("level", 0.0)):
        truth = {"scenario": {"camera": {"roll_deg": roll}},
                 "per_frame": {"trunk_inclination_deg": [10.0, 20.0, 30.0]},
                 "faults": [{"kind": "flexion", "interval_s": [1.0, 2.0]}]}
        (d / f"{name}.json").write_text(json.dumps(truth))
        (d / f"{name}.mp4").write_bytes(b"")
        (d / "poses" / f"{name}.npz").write_bytes(b"")
    seen = []

    def analyse(seq):
        levelled = sl.EXTRA_KEY in seq.extra
        seen.append(levelled)
        lean = np.array([10.0, 20.0, 30.0]) + (1.0 if levelled else 8.0)
        finding = SimpleNamespace(fault="rounded_back", rep=1, start_s=1.2, end_s=1.5)
        false = SimpleNamespace(fault="rounded_back", rep=2, start_s=5.0, end_s=5.5)
        return SimpleNamespace(series={"trunk_inclination": SimpleNamespace(values=lean)},
                               findings=[finding] + ([] if levelled else [false]))

    monkeypatch.setattr(sl.PoseSequence, "load",
                        staticmethod(lambda p: SimpleNamespace(extra={sl.EXTRA_KEY: "old"})))
    monkeypatch.setattr(sl, "level_of_file",
                        lambda p: SimpleNamespace(as_extra=lambda: {"roll_deg": 10.0}))
    monkeypatch.setattr(formcheck.analysis, "analyze_sequence", analyse)
    assert sl.main(["--renders", str(d), "--lean"]) == 0
    out = capsys.readouterr().out
    assert seen == [False, True]  # the level set is skipped; the stored level is dropped first
    assert out.startswith("1 rolled rendered sets")
    assert ("camera    trunk lean - truth, per set: |median| 8.0 deg, 90th percentile 8.0 deg; "
            "findings matching a rendered fault 1, matching none 1") in out
    assert "levelled  trunk lean - truth, per set: |median| 1.0 deg" in out
    assert "matching a rendered fault 1, matching none 0" in out
