"""Synthetic lifters: posing, truth, determinism, scenario files, CLI and MediaPipe detection."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import ConfigError
from formcheck.pose.landmarks import Landmark
from formcheck.synth.body import body_names, landmarks_3d, load_body, skin
from formcheck.synth.catalog import PLACEMENTS, SAMPLE_PLAN, placement_scenarios, sample_scenarios
from formcheck.synth.clip import ClipRenderer, render_clip, spine_angles, truth_per_frame
from formcheck.synth.motion import Poser
from formcheck.synth.scenario import (
    Camera,
    Exercise,
    Fault,
    FaultKind,
    Scenario,
    Tempo,
    load_scenario,
)

REPO = Path(__file__).resolve().parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"
FAST_TEMPO = Tempo(down_s=0.4, bottom_s=0.1, up_s=0.4, top_s=0.1, lead_in_s=0.1, lead_out_s=0.1)
TINY_CAMERA = Camera(width=96, height=72, fps=15.0)


def _frames(sc: Scenario, fps: float = 20.0):
    body = load_body(sc.body)
    r = ClipRenderer(replace(sc, camera=replace(sc.camera, fps=fps)))
    return body, r.frames, r.tracks, r.t_s


@pytest.mark.parametrize("exercise", list(Exercise))
@pytest.mark.parametrize("body", ["m_avg", "f_short"])
def test_posing_keeps_bone_lengths_and_feet_on_floor(exercise: Exercise, body: str) -> None:
    sc = Scenario(exercise=exercise, reps=1, body=body, tempo=FAST_TEMPO,
                  faults=(Fault(FaultKind.FLEXION, 30.0), Fault(FaultKind.TWIST, 20.0)))
    b, frames, _, _ = _frames(sc)
    parents = b.bone_parents
    child = np.arange(1, len(parents))
    rest_len = np.linalg.norm(b.bone_heads[child] - b.bone_heads[parents[child]], axis=1)
    for f in frames:
        posed_len = np.linalg.norm(f.posed.heads[child] - f.posed.heads[parents[child]], axis=1)
        np.testing.assert_allclose(posed_len, rest_len, atol=1e-9)
        for side in "LR":  # ankles and feet stay where they stood
            i = b.bone(f"foot.{side}")
            np.testing.assert_allclose(f.posed.heads[i], b.bone_heads[i], atol=1e-9)
    verts = skin(b, frames[len(frames) // 2].posed)
    assert abs(verts[:, 1].min()) < 0.01  # still standing on the floor, not sunk or floating


@pytest.mark.parametrize("flexion_deg, lumbar_fraction", [(30.0, 0.5), (30.0, 1.0), (45.0, 0.3)])
def test_flexion_command_gives_that_angle_between_spine_segments(
        flexion_deg: float, lumbar_fraction: float) -> None:
    sc = Scenario(exercise=Exercise.SQUAT, reps=1, tempo=FAST_TEMPO,
                  faults=(Fault(FaultKind.FLEXION, flexion_deg, lumbar_fraction=lumbar_fraction),))
    b, frames, tracks, _ = _frames(sc)
    ang = spine_angles(b, frames)
    k = int(np.argmax(tracks[0].values_deg))
    assert tracks[0].values_deg[k] == pytest.approx(flexion_deg)
    assert ang["flexion_deg"][k] == pytest.approx(flexion_deg, abs=1e-6)
    assert ang["lumbar_flexion_deg"][k] == pytest.approx(flexion_deg * lumbar_fraction, abs=1e-6)
    assert np.abs(ang["flexion_deg"][:3]).max() < 1e-6  # no rounding while standing


def test_extension_arches_lumbar_and_leans_back() -> None:
    sc = Scenario(exercise=Exercise.DEADLIFT, reps=1, tempo=FAST_TEMPO,
                  faults=(Fault(FaultKind.EXTENSION, 20.0),))
    b, frames, tracks, _ = _frames(sc)
    ang = spine_angles(b, frames)
    k = int(np.argmax(tracks[0].values_deg))
    assert ang["lumbar_flexion_deg"][k] == pytest.approx(-20.0, abs=1e-6)
    assert ang["trunk_inclination_deg"][k] < -5.0  # leaning back past vertical


@pytest.mark.parametrize("exercise", [Exercise.DEADLIFT, Exercise.ROW])
def test_arch_extends_lumbar_while_bent_over(exercise: Exercise) -> None:
    """An arch while bent over: the lumbar bones extend by its size where it holds, the trunk
    stays bent forward (no lean back), and it is off outside its window."""
    sc = Scenario(exercise=exercise, reps=1, tempo=FAST_TEMPO,
                  faults=(Fault(FaultKind.ARCH, 25.0),))
    b, frames, tracks, _ = _frames(sc)
    ang = spine_angles(b, frames)
    vals = tracks[0].values_deg
    k = int(np.argmax(vals))
    assert vals[k] == pytest.approx(25.0)
    assert ang["lumbar_flexion_deg"][k] == pytest.approx(-25.0, abs=1e-6)
    assert ang["thoracic_flexion_deg"][k] == pytest.approx(0.0, abs=1e-6)
    assert ang["trunk_inclination_deg"][k] > 30.0  # still bent over
    assert np.abs(ang["lumbar_flexion_deg"][vals == 0]).max() < 1e-6
    neutral = _frames(replace(sc, faults=()))[1]
    # The pelvis tips forward by part of the arch, the chest rises by the rest: the trunk's
    # lean falls, but by less than the arch.
    lean0 = spine_angles(b, neutral)["trunk_inclination_deg"][k]
    assert 0.0 < lean0 - ang["trunk_inclination_deg"][k] < 25.0


def test_hinge_deepens_the_deadlift_set_up_only_when_asked() -> None:
    sc = Scenario(exercise=Exercise.DEADLIFT, reps=1, tempo=FAST_TEMPO)
    b, frames, _, _ = _frames(sc)
    deep = _frames(replace(sc, hinge_deg=20.0))[1]
    lean = spine_angles(b, frames)["trunk_inclination_deg"]
    lean_deep = spine_angles(b, deep)["trunk_inclination_deg"]
    assert lean.max() < 65.0 < 70.0 < lean_deep.max()  # a real set-up leans 70-80 deg
    k = int(np.argmin(lean))  # the lockout: no hinge there
    assert lean_deep[k] == pytest.approx(lean[k], abs=1e-6)
    assert "hinge_deg" not in sc.to_dict()  # the default leaves older truth files unchanged
    d = replace(sc, hinge_deg=20.0).to_dict()
    assert d["hinge_deg"] == 20.0 and Scenario.from_dict(d).hinge_deg == 20.0
    with pytest.raises(ConfigError, match="hinge_deg"):
        replace(sc, hinge_deg=-5.0)


def _lumbar_bend_deg(b, frame) -> float:
    """How far the lumbar joints bend the trunk forward in a posed frame: the angle from the
    lowest spine segment (spine05 -> spine04) to spine03 -> spine02, in the pelvis' own side
    plane, less the rest skeleton's."""
    def tilt(h: np.ndarray, a: str, c: str) -> float:
        d = h[b.bone(c)] - h[b.bone(a)]
        return float(np.degrees(np.arctan2(d[2], d[1])))

    h = frame.posed.heads @ frame.posed.rotations[b.bone("root")]  # R^T x: pelvis axes
    rest = b.bone_heads
    return (tilt(h, "spine03", "spine02") - tilt(h, "spine05", "spine04")
            - tilt(rest, "spine03", "spine02") + tilt(rest, "spine05", "spine04"))


@pytest.mark.parametrize("exercise", [Exercise.DEADLIFT, Exercise.ROW])
def test_a_neutral_lumbar_flexion_is_held_without_changing_the_lean_or_the_truths_zero(
        exercise: Exercise) -> None:
    sc = Scenario(exercise=exercise, reps=1, body="m_avg", tempo=FAST_TEMPO,
                  faults=(Fault(FaultKind.FLEXION, 30.0, lumbar_fraction=1.0),))
    b, frames, _, _ = _frames(sc)
    flat = ClipRenderer(replace(sc, neutral_lumbar_flexion_deg=29.0,
                                camera=replace(sc.camera, fps=20.0)))
    ang = spine_angles(b, frames)
    ang_flat = spine_angles(b, flat.frames, 29.0)
    # The truth counts from the neutral held: the same rounding, the same truth.
    np.testing.assert_allclose(ang_flat["flexion_deg"], ang["flexion_deg"], atol=1e-6)
    assert ang_flat["flexion_deg"].max() == pytest.approx(30.0, abs=1e-6)
    k0 = int(np.argmin(ang["flexion_deg"]))  # a neutral frame: the lumbar joints hold 29 deg
    assert _lumbar_bend_deg(b, flat.frames[k0]) == pytest.approx(29.0, abs=1e-6)
    assert _lumbar_bend_deg(b, frames[k0]) == pytest.approx(0.0, abs=1e-6)
    k1 = int(np.argmax(ang["flexion_deg"]))  # the rounding adds to it
    assert _lumbar_bend_deg(b, flat.frames[k1]) == pytest.approx(59.0, abs=1e-6)
    assert flat.frames[k1].flexion_lumbar_deg == pytest.approx(frames[k1].flexion_lumbar_deg)
    # The pelvis tips back so the trunk (shoulder-hip line) leans as it did: on the neutral
    # frames the same, with the rounding on top within 2 deg (the joints pivot elsewhere).
    assert 0.0 < flat.poser.neutral_pelvis_deg < 29.0
    neutral = np.abs(ang["flexion_deg"]) < 1e-9
    assert neutral.sum() > 5
    np.testing.assert_allclose(ang_flat["trunk_inclination_deg"][neutral],
                               ang["trunk_inclination_deg"][neutral], atol=1e-6)
    np.testing.assert_allclose(ang_flat["trunk_inclination_deg"], ang["trunk_inclination_deg"],
                               atol=2.0)
    assert "neutral_lumbar_flexion_deg" not in sc.to_dict()  # older truth files unchanged
    assert Scenario.from_dict(flat.sc.to_dict()).neutral_lumbar_flexion_deg == 29.0
    with pytest.raises(ConfigError, match="neutral_lumbar_flexion_deg"):
        replace(sc, neutral_lumbar_flexion_deg=-5.0)


def test_a_back_squat_holds_a_bar_on_the_upper_back_that_turns_with_the_shoulders() -> None:
    sc = Scenario(exercise=Exercise.SQUAT, reps=1, tempo=FAST_TEMPO, squat_bar=True,
                  faults=(Fault(FaultKind.TWIST, 30.0, duration_s=0.4),))
    b, frames, _, _ = _frames(sc)
    ix = {n: b.bone(n) for n in ("upperarm01.L", "upperarm01.R", "wrist.L", "wrist.R",
                                 "upperleg01.L", "upperleg01.R")}
    for fr in frames:
        sh_l, sh_r = fr.posed.heads[ix["upperarm01.L"]], fr.posed.heads[ix["upperarm01.R"]]
        across = (sh_l - sh_r) / np.linalg.norm(sh_l - sh_r)
        # The bar lies along the shoulder line, at shoulder height, behind the shoulders ...
        assert fr.bar_center is not None and abs(fr.bar_axis @ across) > 0.999
        assert abs(fr.bar_center[1] - (sh_l[1] + sh_r[1]) / 2) < 0.08
        hips = (fr.posed.heads[ix["upperleg01.L"]] + fr.posed.heads[ix["upperleg01.R"]]) / 2
        forward = np.cross(across, (sh_l + sh_r) / 2 - hips)  # the lifter's forward
        assert (fr.bar_center - (sh_l + sh_r) / 2) @ forward < 0.0
        # ... and the hands hold it outside the shoulders, the wrists just below it.
        for wrist, sign in (("wrist.L", 1.0), ("wrist.R", -1.0)):
            w = fr.posed.heads[ix[wrist]] - fr.bar_center
            along = float(w @ fr.bar_axis) * sign
            assert 0.25 < along < 0.45 and np.linalg.norm(w - sign * along * fr.bar_axis) < 0.09
    # The twist turns the bar with the shoulders (about the vertical, as seen from above).
    yaw = [np.degrees(np.arctan2(-fr.bar_axis[2], fr.bar_axis[0])) for fr in frames]
    assert max(yaw) - min(yaw) > 15.0
    # An air squat (the default) holds no bar; a bar is for squats only, and only asked for.
    assert _frames(replace(sc, squat_bar=False))[1][0].bar_center is None
    assert "squat_bar" not in replace(sc, squat_bar=False).to_dict()
    assert Scenario.from_dict(sc.to_dict()).squat_bar
    with pytest.raises(ConfigError, match="squat_bar"):
        replace(sc, exercise=Exercise.ROW)


@pytest.mark.parametrize("duration_s", [0.2, 2.0])
def test_twist_follows_its_duration(duration_s: float) -> None:
    sc = Scenario(exercise=Exercise.SQUAT, reps=1,
                  tempo=Tempo(down_s=1.2, bottom_s=0.3, up_s=1.2, top_s=0.3),
                  faults=(Fault(FaultKind.TWIST, 30.0, duration_s=duration_s),))
    b, frames, tracks, t = _frames(sc, fps=50.0)
    vals = tracks[0].values_deg
    active = t[vals > 0]
    assert active[-1] - active[0] == pytest.approx(duration_s, abs=0.05)
    ang = spine_angles(b, frames)
    assert ang["twist_deg"][int(np.argmax(vals))] > 10.0
    assert np.abs(ang["twist_deg"][vals == 0]).max() < 1e-6


def test_truth_json_is_consistent(tmp_path: Path) -> None:
    import av

    sc = Scenario(exercise=Exercise.ROW, reps=2, tempo=FAST_TEMPO, camera=TINY_CAMERA,
                  faults=(Fault(FaultKind.FLEXION, 20.0, reps=(2,)),))
    res = render_clip(sc, tmp_path / "c.mp4", tmp_path / "c.json")
    truth = json.loads((tmp_path / "c.json").read_text())
    with av.open(str(tmp_path / "c.mp4")) as c:
        n_decoded = sum(1 for _ in c.decode(video=0))
    pf = truth["per_frame"]
    assert n_decoded == res.frames == len(pf["t_s"])
    assert truth_per_frame(truth, "landmarks_world_m").shape == (res.frames, 33, 3)
    assert truth_per_frame(truth, "landmarks_image_xy").shape == (res.frames, 33, 2)
    # A value the JSON could not hold (null) reads back as NaN.
    hole = json.loads(json.dumps(truth))
    hole["per_frame"]["landmarks_world_m"][0][5][1] = None
    back = truth_per_frame(hole, "landmarks_world_m")
    assert np.isnan(back[0, 5, 1]) and np.isfinite(np.delete(back.ravel(), 5 * 3 + 1)).all()
    assert len(truth["landmark_map"]) == 33 and "conventions" in truth
    assert [f["rep"] for f in truth["faults"]] == [2]
    rep2 = truth["reps"][1]
    a, b = truth["faults"][0]["interval_s"]
    assert rep2["start_s"] <= a < b <= rep2["end_s"]
    t = np.array(pf["t_s"])
    fl = np.array(pf["fault_deg"]["flexion"])
    assert np.all(fl[(t < a) | (t > b)] == 0) and fl.max() == pytest.approx(20.0, abs=0.5)
    assert Scenario.from_dict(truth["scenario"]) == sc
    # Feet on the floor in the truth too; heels behind toes.
    lm = np.array(pf["landmarks_world_m"])
    assert np.all(lm[:, Landmark.LEFT_HEEL, 2] < lm[:, Landmark.LEFT_FOOT_INDEX, 2])


DET_SCENARIO = Scenario(exercise=Exercise.DEADLIFT, reps=1, tempo=FAST_TEMPO,
                        camera=TINY_CAMERA, faults=(Fault(FaultKind.TWIST, 20.0),))


def test_same_scenario_same_frames_and_truth(tmp_path: Path) -> None:
    frames: dict[str, list[np.ndarray]] = {"a": [], "b": []}
    for name in ("a", "b"):
        render_clip(DET_SCENARIO, None, tmp_path / f"{name}.json", frames_out=frames[name])
    assert all(np.array_equal(x, y) for x, y in zip(frames["a"], frames["b"], strict=True))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_same_scenario_same_mp4_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        render_clip(DET_SCENARIO, tmp_path / f"{name}.mp4")
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_landmarks_project_onto_the_rendered_body() -> None:
    sc = Scenario(exercise=Exercise.SQUAT, reps=1, tempo=FAST_TEMPO,
                  camera=Camera(width=160, height=120, azimuth_deg=0.0))
    r = ClipRenderer(sc)
    img, verts = r.render_frame(0)
    lm = landmarks_3d(r.body, r.frames[0].posed, verts)
    xy = r.cam.project(lm)
    background = r._bg.reshape(120, 2, 160, 2, 3).mean(axis=(1, 3))
    for k in (Landmark.LEFT_SHOULDER, Landmark.RIGHT_HIP, Landmark.LEFT_KNEE, Landmark.NOSE):
        x, y = np.round(xy[k]).astype(int)
        assert np.abs(img[y, x].astype(float) - background[y, x]).sum() > 20, Landmark(k).name


def test_scenario_files_round_trip(tmp_path: Path) -> None:
    sc = sample_scenarios()["deadlift_slowtwist_45_m_tall"]
    (tmp_path / "s.json").write_text(json.dumps(sc.to_dict()))
    assert load_scenario(tmp_path / "s.json") == sc
    (tmp_path / "s.toml").write_text(
        'exercise = "row"\nreps = 3\n[camera]\nazimuth_deg = 45.0\n'
        '[[faults]]\nkind = "twist"\nmagnitude_deg = 20.0\nduration_s = 2.0\nreps = [2]\n')
    got = load_scenario(tmp_path / "s.toml")
    assert got.exercise is Exercise.ROW and got.camera.azimuth_deg == 45.0
    assert got.faults == (Fault(FaultKind.TWIST, 20.0, reps=(2,), duration_s=2.0),)


@pytest.mark.parametrize("bad", [
    {"exercise": "bench"},
    {"reps": 0},
    {"camera": {"zoom": 2}},
    {"faults": [{"kind": "twist", "magnitude_deg": 10, "duration_s": 0}]},
    {"faults": [{"kind": "flexion", "magnitude_deg": -5}]},
    {"body": "nobody"},
    {"faults": [{"kind": "twist", "magnitude_deg": 10, "twist_shape": "spin"}]},
    {"faults": [{"kind": "flexion", "magnitude_deg": 10, "twist_shape": "lead"}]},
    {"scene": {"shirt_texture": "tartan"}},
])
def test_bad_scenarios_raise_config_errors(bad: dict) -> None:
    with pytest.raises(ConfigError):
        sc = Scenario.from_dict(bad)
        Poser(sc, load_body(sc.body))


def test_samples_cover_every_exercise_fault_and_both_views() -> None:
    assert {e for e, *_ in SAMPLE_PLAN} == set(Exercise)
    assert {f for _, f, _, _ in SAMPLE_PLAN} == {"good", "rounded", "overarched", "jerkytwist",
                                                 "slowtwist"}
    assert {a for _, _, a, _ in SAMPLE_PLAN} == {45.0, 90.0}
    # Every body the samples were made with (the first four; four more were added in session
    # 12 for renders that hold bodies out).
    assert {b for *_, b in SAMPLE_PLAN} == set(body_names()[:4])
    assert len(sample_scenarios()) == len(SAMPLE_PLAN)


def test_cli_render(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from formcheck.commands.synth import app

    out = tmp_path / "clip.mp4"
    res = CliRunner().invoke(app, ["render", "--out", str(out), "--exercise", "row", "--reps",
                                   "1", "--width", "64", "--height", "48", "--fps", "10",
                                   "--twist", "15", "--twist-duration", "0.2"])
    assert res.exit_code == 0, res.output
    truth = json.loads(out.with_suffix(".json").read_text())
    assert truth["faults"][0]["kind"] == "twist"
    res = CliRunner().invoke(app, ["render", "--out", str(out), "--exercise", "deadlift",
                                   "--reps", "1", "--width", "64", "--height", "48", "--fps",
                                   "10", "--arch", "20", "--hinge", "20"])
    assert res.exit_code == 0, res.output
    truth = json.loads(out.with_suffix(".json").read_text())
    assert truth["faults"][0]["kind"] == "arch" and truth["scenario"]["hinge_deg"] == 20.0
    assert max(truth["per_frame"]["fault_deg"]["arch"]) == pytest.approx(20.0, abs=0.5)
    res = CliRunner().invoke(app, ["render", "--out", str(out), "--exercise", "bench"])
    assert res.exit_code == 2


def _pose_model() -> Path:
    try:
        from formcheck.pose.models import resolve_model

        return resolve_model("lite").path
    except Exception:  # noqa: BLE001 - any failure to find one means: use ../shared or skip
        path = SHARED_MODELS / "pose_landmarker_lite.task"
        if not path.is_file():
            pytest.skip("no pose model (formcheck models get lite, or ../shared/models)")
        return path


@pytest.mark.slow
def test_mediapipe_finds_the_synthetic_lifter() -> None:
    from formcheck.pose.estimator import PoseEstimator

    sc = Scenario(exercise=Exercise.SQUAT, reps=1, tempo=FAST_TEMPO,
                  camera=Camera(width=320, height=240, fps=10.0, azimuth_deg=45.0))
    r = ClipRenderer(sc)
    found, errors = 0, []
    with PoseEstimator(_pose_model(), back_profile=False) as est:
        for i, t in enumerate(r.t_s):
            img, verts = r.render_frame(i)
            pose = est.process(img, float(t))
            if not pose.detected:
                continue
            found += 1
            truth = r.cam.project(landmarks_3d(r.body, r.frames[i].posed, verts)) + 0.5
            body_pts = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP,
                        Landmark.RIGHT_HIP, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE]
            errors.append(np.linalg.norm(pose.image_xy[body_pts] - truth[body_pts], axis=1))
    assert found == len(r.t_s)
    torso_px = 0.3 * 240  # the lifter's torso is roughly a third of the frame's height
    assert float(np.mean(errors)) < 0.25 * torso_px


@pytest.mark.slow
def test_a_committed_sample_regenerates_byte_for_byte(tmp_path: Path) -> None:
    """`formcheck synth samples` must reproduce what is committed; one (the shortest) is
    re-rendered here to keep the suite fast."""
    samples = Path(__file__).resolve().parents[1] / "samples"
    name = min(sample_scenarios(), key=lambda n: (samples / f"{n}.mp4").stat().st_size)
    render_clip(sample_scenarios()[name], tmp_path / f"{name}.mp4", tmp_path / f"{name}.json")
    assert (tmp_path / f"{name}.json").read_bytes() == (samples / f"{name}.json").read_bytes()
    assert (tmp_path / f"{name}.mp4").read_bytes() == (samples / f"{name}.mp4").read_bytes()


def test_every_exported_body_is_an_adult_each_of_its_own_height() -> None:
    """Eight bodies (the samples' four and four more for renders that hold bodies out), each
    of an adult's height and no two the same."""
    names = body_names()
    assert len(names) == 8 and names[:4] == ("m_avg", "f_short", "m_tall", "f_heavy")
    heights = [load_body(n).height_m for n in names]
    assert all(1.3 <= h <= 2.1 for h in heights), heights
    assert len({round(h, 3) for h in heights}) == len(names)


def test_placement_sets_render_the_jerk_plans_twists_at_any_placement() -> None:
    """``bench/render_placements.py --fault twists --fault slowtwists --reps 5``: the jerk
    plan's fast twists (reps 2-4, out and back in 0.2 s) and slow ones (reps 1-3, 2 s) under
    a placement's camera."""
    scen = placement_scenarios(("m_avg",), (Exercise.SQUAT,), (0.0,), ("roll10",),
                               ("twists", "slowtwists"), reps=5)
    fast = scen["m_avg_squat_roll10_az0_twists"]
    slow = scen["m_avg_squat_roll10_az0_slowtwists"]
    assert fast.camera.roll_deg == PLACEMENTS["roll10"]["roll_deg"]
    assert fast.camera.azimuth_deg == 0.0 and fast.reps == 5
    assert [(f.kind, f.magnitude_deg, f.reps, f.duration_s) for f in fast.faults] == [
        (FaultKind.TWIST, 10.0, (2,), 0.2), (FaultKind.TWIST, -20.0, (3,), 0.2),
        (FaultKind.TWIST, 40.0, (4,), 0.2)]
    assert {f.duration_s for f in slow.faults} == {2.0}
    assert sorted(r for f in slow.faults for r in f.reps) == [1, 2, 3]
