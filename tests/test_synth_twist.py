"""Synthetic twists of every shape (jerk, lead, heave, stay) and textured shirts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.synth.body import landmarks_3d, load_body, skin
from formcheck.synth.catalog import TEMPI
from formcheck.synth.clip import ClipRenderer, face_colors, shirt_pattern, spine_angles
from formcheck.synth.motion import fault_tracks, rep_timeline
from formcheck.synth.scenario import (
    Camera,
    Exercise,
    Fault,
    FaultKind,
    Scenario,
    Scene,
    TwistShape,
    load_scenario,
)

#: Where each shape turns out: (phase, fraction of it) of the rep the twist starts at.
SHAPE_START = {TwistShape.LEAD: ("up", 0.0), TwistShape.HEAVE: ("up", 1.0 / 3.0)}


def _twisted(ex: Exercise, shape: TwistShape, deg: float = 20.0, rise_s: float = 0.25,
             texture: str = "plain", width: int = 96, height: int = 72,
             fps: float = 60.0) -> Scenario:
    return Scenario(exercise=ex, reps=2, tempo=TEMPI[ex],
                    camera=Camera(azimuth_deg=0.0, width=width, height=height, fps=fps),
                    scene=Scene(shirt_texture=texture),
                    faults=(Fault(FaultKind.TWIST, deg, reps=(2,), duration_s=rise_s,
                                  twist_shape=shape),))


@pytest.mark.parametrize(("ex", "shape"), [(Exercise.DEADLIFT, TwistShape.LEAD),
                                           (Exercise.ROW, TwistShape.LEAD),
                                           (Exercise.ROW, TwistShape.HEAVE),
                                           (Exercise.SQUAT, TwistShape.STAY),
                                           (Exercise.DEADLIFT, TwistShape.STAY)])
def test_shapes_turn_out_in_their_rise_hold_and_square_up_inside_the_rep(
        ex: Exercise, shape: TwistShape) -> None:
    sc = _twisted(ex, shape, deg=-20.0)
    reps, _ = rep_timeline(sc)
    t = np.arange(0.0, reps[-1].end_s, 0.001)
    (tr,) = fault_tracks(sc, t)
    v = tr.values_deg
    assert tr.rep == 2 and tr.twist_shape is shape and tr.rise_s == pytest.approx(0.25)
    a, d = tr.interval_s
    assert reps[1].start_s <= a < d <= reps[1].end_s + 1e-9  # inside its rep
    assert np.all(v[(t < a) | (t > d)] == 0.0)
    full = t[np.isclose(v, -20.0)]
    assert full[0] - a == pytest.approx(0.25, abs=0.002)  # turned out in the rise time
    assert full[-1] - full[0] > 0.1  # and stays turned a while
    if shape in SHAPE_START:
        assert a == pytest.approx(reps[1].at(*SHAPE_START[shape]))
    rate = np.abs(np.gradient(v, t))
    assert rate.max() == pytest.approx(tr.peak_rate_deg_s, rel=0.01)


def test_the_skeleton_follows_a_lead_twist() -> None:
    sc = _twisted(Exercise.DEADLIFT, TwistShape.LEAD, deg=25.0, fps=15.0)
    r = ClipRenderer(sc)
    (tr,) = r.tracks
    ang = spine_angles(r.body, r.frames)["twist_deg"]
    held = np.isclose(tr.values_deg, 25.0)
    assert held.sum() >= 3
    assert np.all(ang[held] > 15.0)  # shoulders turned to the lifter's left against the hips
    assert np.abs(ang[tr.values_deg == 0.0]).max() < 1e-6


def test_shape_and_texture_round_trip_and_defaults_stay_out_of_files(tmp_path: Path) -> None:
    sc = _twisted(Exercise.ROW, TwistShape.HEAVE, texture="print")
    d = sc.to_dict()
    assert d["faults"][0]["twist_shape"] == "heave" and d["scene"]["shirt_texture"] == "print"
    (tmp_path / "s.json").write_text(json.dumps(d))
    assert load_scenario(tmp_path / "s.json") == sc
    plain = _twisted(Exercise.ROW, TwistShape.JERK).to_dict()
    assert "twist_shape" not in plain["faults"][0] and "shirt_texture" not in plain["scene"]
    assert Scenario.from_dict(plain) == _twisted(Exercise.ROW, TwistShape.JERK)


def test_truth_gives_each_twists_size_rate_rise_and_side() -> None:
    sc = replace(_twisted(Exercise.SQUAT, TwistShape.STAY, deg=-15.0), reps=2,
                 camera=Camera(azimuth_deg=0.0, width=48, height=36, fps=5.0),
                 faults=(Fault(FaultKind.TWIST, -15.0, reps=(2,), duration_s=0.3,
                               twist_shape=TwistShape.STAY),
                         Fault(FaultKind.TWIST, 10.0, reps=(1,), duration_s=0.2)))
    r = ClipRenderer(sc)
    lms = [landmarks_3d(r.body, f.posed, skin(r.body, f.posed)) for f in r.frames]
    faults = json.loads(json.dumps(r.truth(lms)))["faults"]
    stay = next(f for f in faults if f["rep"] == 2)
    jerk = next(f for f in faults if f["rep"] == 1)
    assert stay["shape"] == "stay" and stay["side"] == "right" and stay["peak"] == -15.0
    assert stay["rise_s"] == pytest.approx(0.3)
    assert stay["peak_rate_deg_s"] == pytest.approx(1.875 * 15.0 / 0.3, rel=1e-3)
    assert jerk["shape"] == "jerk" and jerk["side"] == "left" and jerk["rise_s"] == 0.1
    assert jerk["peak_rate_deg_s"] == pytest.approx(np.pi * 10.0 / 0.2, rel=1e-3)


def test_textures_change_only_the_shirt_and_give_it_detail() -> None:
    body = load_body("m_avg")
    plain = _twisted(Exercise.SQUAT, TwistShape.JERK)
    base = face_colors(body, plain)
    shirt = body.face_region == body.regions.index("shirt")
    detail = {}
    for tex in ("folds", "print"):
        c = face_colors(body, replace(plain, scene=Scene(shirt_texture=tex)))
        assert np.array_equal(c[~shirt], base[~shirt])
        factor = c[shirt, 0] / base[shirt, 0]
        detail[tex] = float(np.std(factor))
    assert 0.05 < detail["folds"] < detail["print"]
    pts = np.random.default_rng(0).uniform(-0.3, 0.3, (50, 3))
    assert np.array_equal(shirt_pattern(pts, "print"), shirt_pattern(pts, "print"))


def test_a_printed_shirt_shows_more_detail_on_the_torso() -> None:
    """What optical flow needs: brightness changes inside the torso, not one flat colour."""
    spread = {}
    for tex in ("plain", "print"):
        r = ClipRenderer(_twisted(Exercise.SQUAT, TwistShape.JERK, texture=tex, width=240,
                                  height=180, fps=5.0))
        img, _ = r.render_frame(0)
        gray = img.astype(float).mean(axis=2)
        # Torso: the box between the shoulders and the hips (image landmarks of the truth).
        posed = r.frames[0].posed
        xy = r.cam.project(landmarks_3d(r.body, posed, skin(r.body, posed)))
        (x0, y0), (x1, y1) = xy[[11, 12, 23, 24]].min(0), xy[[11, 12, 23, 24]].max(0)
        box = gray[int(y0) + 3:int(y1) - 3, int(x0) + 3:int(x1) - 3]
        spread[tex] = float(np.abs(np.diff(box, axis=1)).mean())
    assert spread["print"] > 2.0 * spread["plain"]


def test_cli_renders_a_shape_on_a_printed_shirt(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from formcheck.commands.synth import app

    out = tmp_path / "clip.mp4"
    res = CliRunner().invoke(app, ["render", "--out", str(out), "--exercise", "deadlift",
                                   "--reps", "1", "--width", "48", "--height", "36", "--fps",
                                   "10", "--twist", "-12", "--twist-duration", "0.3",
                                   "--twist-shape", "lead", "--shirt-texture", "print"])
    assert res.exit_code == 0, res.output
    truth = json.loads(out.with_suffix(".json").read_text())
    assert truth["faults"][0]["shape"] == "lead" and truth["faults"][0]["side"] == "right"
    assert truth["scenario"]["scene"]["shirt_texture"] == "print"
    for bad in (["--twist-shape", "spin"], ["--shirt-texture", "tartan"]):
        res = CliRunner().invoke(app, ["render", "--out", str(out), "--twist", "5", *bad])
        assert res.exit_code != 0 and "Traceback" not in res.output
