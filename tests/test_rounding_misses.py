"""bench/rounding_misses.py files each rendered rep under the step of the rounded-back rule
that decided it: found, the limit, the duration, the own-arch floor, or not judged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import load_config
from formcheck.pose.landmarks import L


def _set(flexion: tuple[float, ...], concave: float = 0.0):
    """A synthetic side-view deadlift set with ``flexion`` per rep and its truth in the
    renderer's form; ``concave``: a bow (fraction of the shoulder-hip chord) taken off every
    frame's back outline, as a rendered bare body's neutral back reads."""
    seq, tr = synthesize(SynthSpec(exercise="deadlift", reps=tuple(SynthRep(f) for f in flexion),
                                   pause_s=1.5, noise_m=0.002))
    if concave:
        im = seq.image_xy
        sh = 0.5 * (im[:, L.LEFT_SHOULDER] + im[:, L.RIGHT_SHOULDER])
        hip = 0.5 * (im[:, L.LEFT_HIP] + im[:, L.RIGHT_HIP])
        chord = hip - sh
        length = np.linalg.norm(chord, axis=1)
        normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / length[:, None]
        mid = seq.back_xy[:, seq.back_xy.shape[1] // 2] - 0.5 * (sh + hip)
        normal *= np.sign((normal * mid).sum(axis=1))[:, None]  # towards the back
        k = np.linspace(0.0, 1.0, seq.back_xy.shape[1])
        bow = (4.0 * concave * length)[:, None, None] * (k * (1.0 - k))[None, :, None]
        seq = replace(seq, back_xy=seq.back_xy - bow * normal[:, None, :])
    t = seq.t_s
    flex = np.zeros_like(t)
    reps = []
    for i, (a, b) in enumerate(zip(tr.rep_start_s, tr.rep_end_s, strict=True)):
        m = (t >= a) & (t < b)
        flex[m] = flexion[i] * np.sin(np.pi * (t[m] - a) / (b - a)) ** 2
        reps.append({"rep": i + 1, "start_s": a, "end_s": b})
    return seq, {"per_frame": {"t_s": t.tolist(), "flexion_deg": flex.tolist()}, "reps": reps}


@pytest.mark.parametrize(("overrides", "causes"), [
    ([], ["found", "limit"]),
    (["rounded_back.min_duration_s=1.5"], ["duration", "limit"]),
    (["rounded_back.min_flexion_deg=200", "rounded_back.min_held_flexion_deg=200"],
     ["limit", "limit"]),
])
def test_each_rep_is_filed_under_the_step_that_decided_it(bench_modules, overrides, causes):
    rm = bench_modules("rounding_misses")
    seq, truth = _set((60.0, 0.0))
    rows = rm.rep_causes(seq, truth, "deadlift", load_config(overrides=overrides))
    assert [r["size"] for r in rows] == [60.0, 0.0]
    assert [r["cause"] for r in rows] == causes
    assert rows[0]["rise"] > 45.6 and rows[1]["rise"] < 10.0


def test_a_concave_neutral_is_the_own_arch_floor(bench_modules):
    rm = bench_modules("rounding_misses")
    seq, truth = _set((60.0, 0.0), concave=0.12)
    rows = rm.rep_causes(seq, truth, "deadlift", load_config())
    # Counted from the measured neutral (about -10%) the rise passes 45.6 deg; from the -7%
    # floor it does not.
    assert rows[0]["cause"] == "own-arch floor"
    assert rows[0]["own_pct"] < -7.0
    assert rows[0]["rise_own"] >= 45.6 > rows[0]["rise"]
    rows = rm.rep_causes(seq, truth, "deadlift",
                         load_config(overrides=["rounded_back.max_own_arch_pct=inf"]))
    assert rows[0]["cause"] == "found"


def test_no_rep_judged_is_filed_so(bench_modules):
    rm = bench_modules("rounding_misses")
    seq, truth = _set((60.0, 0.0))
    rows = rm.rep_causes(seq, truth, "deadlift",
                         load_config(overrides=["rounded_back.judge_min_trunk_deg=89"]))
    assert [r["cause"] for r in rows] == ["clip not judged"] * 2


def test_the_bare_plan_is_the_same_sets_without_clothing(bench_modules):
    rm = bench_modules("rounding_misses")
    worn = rm.scenarios((50.0, 0.0))
    bare = rm.scenarios((50.0, 0.0), bare=True)
    assert len(bare) == len(worn) == 24
    assert {sc.scene.clothing for sc in bare.values()} == {"none"}
    assert {sc.scene.clothing for sc in worn.values()} == {"none", "tee", "hoodie"}
    for (name, sc), (bname, bsc) in zip(worn.items(), bare.items(), strict=True):
        # Only the clothing (and the name's clothing suffix) differ.
        assert bname == name.removesuffix("_tee").removesuffix("_hoodie")
        assert bsc.camera == sc.camera and bsc.faults == sc.faults and bsc.body == sc.body
        assert replace(bsc.scene, clothing=sc.scene.clothing) == sc.scene


def test_a_neutral_flexion_is_planned_for_the_bodies_named_only(bench_modules):
    rm = bench_modules("rounding_misses")
    plan = rm.scenarios((50.0,), neutral_flexion=rm._body_degrees(["m_avg=29", "m_tall=21.5"]))
    held = {sc.body: sc.neutral_lumbar_flexion_deg for sc in plan.values()}
    assert held == {"m_avg": 29.0, "m_tall": 21.5, "f_short": 0.0, "f_heavy": 0.0}
    with pytest.raises(SystemExit, match="BODY=DEG"):
        rm._body_degrees(["m_avg:29"])
