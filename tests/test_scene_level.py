"""The camera's roll read from the scene's straight lines (``pose.scene_level``), and the
analysis levelled by it (``analysis.level``): drawn scenes turned by known angles, a rendered
lifter filmed by a rolled camera, and the landmark levelling against the unrolled truth."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.level import leveled, roll_to_undo
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config, load_config
from formcheck.notices import notices_for
from formcheck.pose.scene_level import (
    EXTRA_KEY,
    UNKNOWN,
    SceneLevel,
    level_of_file,
    level_of_images,
)


def _room(turn_deg: float, *, level: bool = True, plumb: bool = True,
          level_turn: float | None = None, size=(360, 480)) -> np.ndarray:
    """A grey picture of a room: the wall meeting the floor, a shelf, a door frame and a rack
    (level and plumb edges), turned ``turn_deg`` counter-clockwise about its centre; the level
    edges alone turned ``level_turn`` instead when given (a wall seen at an angle)."""
    h, w = size
    big = np.full((h * 2, w * 2), 150, np.uint8)
    cy, cx = h, w

    def turned(img, deg):
        m = cv2.getRotationMatrix2D((cx, cy), deg, 1.0)
        return cv2.warpAffine(img, m, (w * 2, h * 2), borderMode=cv2.BORDER_REPLICATE)

    lv = np.full_like(big, 150)
    if level:
        lv[cy + 60:, :] = 90  # the floor
        for y, shade in ((cy - 80, 40), (cy - 150, 220), (cy + 30, 60)):  # shelves, skirting
            cv2.line(lv, (0, y), (w * 2, y), shade, 3)
    pl = np.full_like(big, 150)
    if plumb:
        for x in (cx - 200, cx - 140, cx + 150, cx + 210):
            cv2.line(pl, (x, 0), (x, h * 2), 30, 4)
    lt = turn_deg if level_turn is None else level_turn
    picture = np.minimum(turned(lv, lt), turned(pl, turn_deg))
    return picture[cy - h // 2:cy + h // 2, cx - w // 2:cx + w // 2]


@pytest.mark.parametrize("turn", [-8.0, -2.5, 0.0, 5.0, 11.0])
def test_the_turn_of_a_drawn_room_is_read(turn):
    got = level_of_images([_room(turn)] * 3)
    assert got.roll_deg == pytest.approx(turn, abs=0.5)
    assert got.share > 0.9 and got.lines >= 5


def test_one_kind_of_edge_alone_reads_the_turn():
    assert level_of_images([_room(6.0, plumb=False)]).roll_deg == pytest.approx(6.0, abs=0.5)
    assert level_of_images([_room(-4.0, level=False)]).roll_deg == pytest.approx(-4.0, abs=0.5)


def test_level_and_plumb_edges_that_disagree_read_nothing():
    """A wall seen at an angle: its level edges slope 10° while the plumb ones stand straight
    (a real clip read 10° of roll from such a wall): no reading."""
    got = level_of_images([_room(0.0, level_turn=-10.0)])
    assert got.roll_deg is None


def test_a_picture_without_straight_edges_reads_nothing():
    rng = np.random.default_rng(3)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (240, 320), dtype=np.uint8), (9, 9), 0)
    assert level_of_images([noise]).roll_deg is None
    assert level_of_images([]).roll_deg is None


def test_the_same_edge_in_every_frame_counts_once():
    """A still camera shows the same edges in every frame read: they are one line each, not
    eight that agree."""
    one = level_of_images([_room(3.0)])
    eight = level_of_images([_room(3.0)] * 8)
    assert eight.lines == one.lines and eight.roll_deg == one.roll_deg


def test_a_file_that_is_not_a_video_reads_nothing(tmp_path: Path):
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"not a video")
    assert level_of_file(bad) == UNKNOWN
    assert level_of_file(tmp_path / "missing.mp4") == UNKNOWN


def test_a_rendered_lifter_filmed_by_a_rolled_camera(tmp_path: Path):
    """The renderer's camera rolled 8° clockwise turns the wall meeting the floor 8°
    counter-clockwise in the picture: read so, within the grid's quarter degree."""
    from formcheck.synth.clip import render_clip
    from formcheck.synth.scenario import Camera, Exercise, Scenario, Tempo

    fast = Tempo(down_s=0.4, bottom_s=0.1, up_s=0.4, top_s=0.1, lead_in_s=0.1, lead_out_s=0.1)
    for roll in (8.0, 0.0):
        sc = Scenario(exercise=Exercise.DEADLIFT, reps=1, tempo=fast,
                      camera=Camera(width=320, height=240, fps=15.0, roll_deg=roll))
        clip = tmp_path / f"roll{roll:g}.mp4"
        render_clip(sc, clip, None)
        got = level_of_file(clip)
        assert got.roll_deg == pytest.approx(roll, abs=0.3), got
        assert got.frames >= 4


def _lifter():
    """A side-view deadlift set with a rounded rep (a finding that must survive levelling)."""
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(), SynthRep(
        flexion_deg=40.0), SynthRep()), noise_px=0.5, noise_m=0.003, seed=2))
    return replace(seq, extra={})


def _with_level(seq, roll, share=1.0, lines=20):
    return replace(seq, extra={**seq.extra,
                               EXTRA_KEY: SceneLevel(roll, share, lines, 8).as_extra()})


@pytest.mark.parametrize("roll", [-7.0, 4.0])
def test_the_analysis_undoes_the_roll_the_scene_shows(roll):
    """A camera off level turns the world landmarks with it: the lean read from them tilts by
    the roll. Levelled by the roll its scene shows, the analysis reads what a level camera
    would: the same lean, reps and findings."""
    level = _lifter()
    rolled = leveled(level, -roll)  # what the rolled camera's landmarks are
    plain = analyze_sequence(level)
    off = analyze_sequence(rolled)
    fixed = analyze_sequence(_with_level(rolled, roll))
    lean = plain.series["trunk_inclination"].values
    assert np.nanmax(np.abs(off.series["trunk_inclination"].values - lean)) > abs(roll) / 2
    np.testing.assert_allclose(fixed.series["trunk_inclination"].values, lean, atol=1e-3)
    assert [(r.start_s, r.end_s) for r in fixed.reps] == [(r.start_s, r.end_s) for r in plain.reps]
    assert [(f.fault, f.rep) for f in fixed.findings] == [(f.fault, f.rep) for f in plain.findings]


def test_the_report_says_the_picture_was_levelled_and_the_setting_turns_it_off():
    seq = _with_level(leveled(_lifter(), 6.0), -6.0)
    notes = [n for n in notices_for(seq) if n.kind == "camera_roll"]
    assert len(notes) == 1 and "tilted 6° clockwise" in notes[0].message
    off = load_config(None, ["signal.level_from_scene=false"])
    assert roll_to_undo(seq, off.signal) is None
    assert not [n for n in notices_for(seq, off) if n.kind == "camera_roll"]


@pytest.mark.parametrize("level, used", [
    (SceneLevel(5.0, 0.9, 20, 8), True),
    (SceneLevel(None, 0.9, 20, 8), False),     # the edges disagreed
    (SceneLevel(5.0, 0.5, 20, 8), False),      # too little agreement
    (SceneLevel(5.0, 0.9, 3, 8), False),       # too few lines
    (SceneLevel(0.5, 0.9, 20, 8), False),      # within the estimate's error: left level
    (SceneLevel(-15.0, 0.9, 20, 8), False),    # no phone propped a little off level
])
def test_only_a_trusted_roll_is_undone(level, used):
    seq = replace(_lifter(), extra={EXTRA_KEY: level.as_extra()})
    assert (roll_to_undo(seq, Config().signal) is not None) == used


def test_a_pose_file_without_a_scene_level_is_analysed_as_before():
    seq = _lifter()
    assert roll_to_undo(seq, Config().signal) is None
    assert SceneLevel.from_extra({}) is None
    assert SceneLevel.from_extra({EXTRA_KEY: {"roll_deg": "x"}}) is None
    stored = json.loads(json.dumps(SceneLevel(2.5, 0.8, 9, 8).as_extra()))
    assert SceneLevel.from_extra({EXTRA_KEY: stored}) == SceneLevel(2.5, 0.8, 9, 8)


def test_the_pose_pass_stores_the_level_and_the_report_says_it(tmp_path: Path, lite_model):
    """Through the real pose pass (MediaPipe) and `formcheck analyze`'s outputs: the roll is
    stored with the poses (so `--overlay-only` and the caches level alike) and the report's
    notices state it."""
    from formcheck.pipeline import analyse, extract_pose
    from formcheck.synth.clip import render_clip
    from formcheck.synth.scenario import Camera, Exercise, Scenario, Tempo

    fast = Tempo(down_s=0.5, bottom_s=0.1, up_s=0.5, top_s=0.2, lead_in_s=0.3, lead_out_s=0.3)
    sc = Scenario(exercise=Exercise.SQUAT, reps=2, tempo=fast,
                  camera=Camera(width=320, height=240, fps=15.0, roll_deg=-7.0))
    clip = tmp_path / "rolled.mp4"
    render_clip(sc, clip, None)
    seq = extract_pose(clip, str(lite_model))
    stored = SceneLevel.from_extra(seq.extra)
    assert stored is not None and stored.roll_deg == pytest.approx(-7.0, abs=0.3)
    back = type(seq).load(seq.save(tmp_path / "rolled.pose.npz"))
    assert SceneLevel.from_extra(back.extra) == stored
    report, _ = analyse(back)
    notes = [n.message for n in report.notices if n.kind == "camera_roll"]
    assert notes and "tilted 7° clockwise" in notes[0]


def test_a_rolled_file_replayed_live_is_levelled_as_analyze_levels_it(tmp_path: Path,
                                                                       lite_model):
    """`formcheck live --source` reads the file's scene level as the pose pass does: the
    record of a whole-file replay is `formcheck analyze`'s report, the levelling notice too."""
    import os
    import subprocess
    import sys

    from formcheck.synth.clip import render_clip
    from formcheck.synth.scenario import Camera, Exercise, Scenario, Tempo

    fast = Tempo(down_s=0.5, bottom_s=0.1, up_s=0.5, top_s=0.2, lead_in_s=0.3, lead_out_s=0.3)
    sc = Scenario(exercise=Exercise.DEADLIFT, reps=2, tempo=fast,
                  camera=Camera(width=320, height=240, fps=15.0, roll_deg=9.0))
    clip = tmp_path / "rolled.mp4"
    render_clip(sc, clip, None)

    def cli(*args):
        proc = subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                              text=True, timeout=600, env=dict(os.environ))
        assert proc.returncode == 0, proc.stderr
        return proc

    cli("analyze", str(clip), "--model", str(lite_model), "--out", str(tmp_path / "a"),
        "--no-video", "--no-html", "--quiet")
    cli("live", "--source", str(clip), "--model", str(lite_model), "--out",
        str(tmp_path / "b"), "--headless")
    a = json.loads((tmp_path / "a" / "rolled.report.json").read_text())
    b = json.loads((tmp_path / "b" / "rolled.report.json").read_text())
    notes = [n["message"] for n in a["notices"] if n["kind"] == "camera_roll"]
    assert notes and "tilted 9° anticlockwise" in notes[0]
    assert b["notices"] == a["notices"] and b["findings"] == a["findings"]
    assert b["assessable"] == a["assessable"] and b["reps"] == a["reps"]


def test_the_bench_scores_turned_copies(tmp_path: Path, bench_modules, capsys):
    """`bench/scene_level.py`: a clip of a room, a copy turned 5° (`--make-turned`), and the
    copy read 5° more than the original (`--against`)."""
    from formcheck.io.video import VideoSink

    bench = bench_modules("scene_level")
    clips = tmp_path / "clips"
    clips.mkdir()
    room = cv2.cvtColor(_room(0.0), cv2.COLOR_GRAY2BGR)
    with VideoSink(clips / "room.mp4", room.shape[1], room.shape[0], 10.0) as sink:
        for i in range(12):
            sink.write(room, i / 10.0)
    assert bench.main([str(clips)]) == 0
    assert "read as level 1" in capsys.readouterr().out
    turned = tmp_path / "turned"
    assert bench.main([str(clips), "--make-turned", str(turned), "--turned", "5"]) == 0
    assert (turned / "room.mp4").is_file()
    capsys.readouterr()
    assert bench.main([str(clips), "--against", str(turned), "--turned", "5"]) == 0
    out = capsys.readouterr().out
    assert "turned 5°: trusted 1" in out and "off by more than 2°: 0" in out


def test_a_live_camera_is_read_from_eight_frames_a_quarter_second_apart():
    from formcheck.pose.scene_level import SAMPLE_FRAMES, LevelSampler

    sampler = LevelSampler(every_s=0.25)
    rgb = cv2.cvtColor(_room(-5.0), cv2.COLOR_GRAY2RGB)
    got = [sampler.offer(i / 30.0, rgb) for i in range(30 * 3)]
    made = [k for k, g in enumerate(got) if g is not None]
    assert len(made) == 1  # read once, then never again
    # each kept frame is the first at least 0.25 s after the one before (a frame late at most)
    assert 0.25 * (SAMPLE_FRAMES - 1) <= made[0] / 30.0 <= (0.25 + 1 / 30) * (SAMPLE_FRAMES - 1)
    assert got[made[0]].roll_deg == pytest.approx(-5.0, abs=0.5)
    assert sampler.level == got[made[0]]


def test_a_camera_that_stops_before_eight_frames_is_read_from_those_it_sent():
    """Session 23: a live camera whose set ended before eight frames a quarter second apart
    were seen (a short set, or a loaded machine that processed few of its frames) got no
    level at all; ``finish`` reads the frames kept, once."""
    from formcheck.pose.scene_level import LevelSampler

    sampler = LevelSampler(every_s=0.25)
    assert sampler.finish() is None  # nothing kept: nothing to read
    rgb = cv2.cvtColor(_room(-5.0), cv2.COLOR_GRAY2RGB)
    assert all(sampler.offer(i * 0.25, rgb) is None for i in range(3))
    got = sampler.finish()
    assert got is not None and got.roll_deg == pytest.approx(-5.0, abs=0.5)
    assert sampler.level == got
    assert sampler.finish() is None and sampler.offer(5.0, rgb) is None  # read once only
