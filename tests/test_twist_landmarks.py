"""The square-on twist from the landmarks' positions (features.landmark_twist_deg, fitted on
rendered lifters: bench/twist_learned.py) and the rule's quick-turn path (faults._quick_turns),
on the landmark-level synthetic lifter twisting about its own spine."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from importlib import resources

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.features import (
    TWIST_LANDMARK_FILES,
    compute_signals,
    hands_at_shoulders,
    landmark_positions,
    landmark_twist_deg,
    twist_landmark_model,
)
from formcheck.analysis.signal import quick_turn, quick_turn_taps, turn_side
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config, load_config
from formcheck.pipeline import build_report
from formcheck.pose.landmarks import Landmark as L
from formcheck.render._common import caveats, format_limit, format_value
from formcheck.report import times_text

CLEAN = SynthRep()
FPS = 30.0


def _row(twist: float = 0.0, duration: float = 0.2, yaw: float = 0.0, noise: float = 1.0,
         exercise: str = "row"):
    reps = (CLEAN, CLEAN, SynthRep(twist_deg=twist, twist_duration_s=duration), CLEAN, CLEAN)
    return synthesize(SynthSpec(exercise=exercise, reps=reps, yaw_deg=yaw, noise_px=noise,
                                twist_about_spine=True))[0]


def _twists(result):
    return [f for f in result.findings if f.fault == "jerky_twist"]


def test_the_quick_turn_filter_reads_a_quick_turn_and_not_a_slow_one():
    taps = quick_turn_taps(0.1, 0.5, FPS)
    t = np.arange(90) / FPS
    # A raised-cosine turn of 12 deg over 0.1 s centred at 1.5 s, on a posture drifting as a
    # parabola: the filter centred on the turn reads its size, the drift nothing.
    u = np.clip((t - 1.5 + 0.05) / 0.1, 0.0, 1.0)
    turn = 12.0 * (0.5 - 0.5 * np.cos(np.pi * u))
    drift = 3.0 + 8.0 * t - 5.0 * t ** 2
    out = quick_turn(turn + drift, taps)
    assert out[45] == pytest.approx(12.0, abs=1e-6)
    assert np.nanmax(np.abs(quick_turn(drift, taps))) < 1e-6
    # A slow turn of 40 deg over 2 s (out and back) reads a few degrees at most.
    slow = 20.0 * (1.0 - np.cos(2.0 * np.pi * np.clip(t - 0.5, 0.0, 2.0) / 2.0))
    assert np.nanmax(np.abs(quick_turn(slow, taps))) < 5.0


def test_the_quick_turn_filter_reads_nothing_across_a_missing_frame_or_an_end():
    taps = quick_turn_taps(0.1, 0.5, FPS)
    x = np.arange(60, dtype=float)
    x[30] = np.nan
    out = quick_turn(x, taps)
    half = len(taps) // 2
    assert np.isnan(out[:half]).all() and np.isnan(out[-half:]).all()
    assert np.isnan(out[30 - half:30 + half + 1]).all()
    assert np.isfinite(out[half:30 - half]).all()
    assert np.isnan(quick_turn(np.ones(len(taps) - 1), taps)).all()


def _bump(t: np.ndarray, at: float, out_s: float, back_s: float) -> np.ndarray:
    """0 -> 1 over ``out_s`` from ``at``, then back to 0 over ``back_s`` (raised cosines)."""
    up = 0.5 - 0.5 * np.cos(np.pi * np.clip((t - at) / out_s, 0.0, 1.0))
    down = 0.5 - 0.5 * np.cos(np.pi * np.clip((t - at - out_s) / back_s, 0.0, 1.0))
    return up - down


def _first_large_lobe_side(read: np.ndarray) -> int:
    """The side rule before: the sign where the reading first reaches 0.8 of its largest."""
    a = np.abs(np.nan_to_num(read))
    return int(np.sign(read[int(np.argmax(a >= 0.8 * a.max()))]))


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_a_twists_side_is_its_whole_shape_not_one_lobe(fps):
    rise, support = 0.1, 0.5
    taps = quick_turn_taps(rise, support, fps)
    t = np.arange(int(3 * fps)) / fps
    rng = np.random.default_rng(0)
    # 10 deg out and back in 0.2 s, to alternate sides, under frame-to-frame wobble (2 deg
    # at 30 fps, as much per second at other rates): its two lobes read near equal, so which
    # one first reaches 0.8 of the larger is often the wobble's choice; the whole shape is
    # right far more often.
    whole = lobe = 0
    for i in range(200):
        side = 1 if i % 2 else -1
        wobble = rng.normal(0.0, 2.0 * np.sqrt(fps / 30.0), len(t))
        read = quick_turn(side * 10.0 * _bump(t, 1.4, 0.1, 0.1) + wobble, taps)
        whole += turn_side(read, rise, support, fps) == side
        lobe += _first_large_lobe_side(read) == side
    assert whole >= 180 and whole >= lobe + 10, (whole, lobe)
    # A turn that stays, and one out and back over 0.3 s, each to either side.
    stay = 0.5 - 0.5 * np.cos(np.pi * np.clip((t - 1.4) / 0.2, 0.0, 1.0))
    for angle in (15.0 * stay, 12.0 * _bump(t, 1.4, 0.15, 0.15)):
        for side in (1, -1):
            read = quick_turn(side * angle + rng.normal(0.0, 0.3, len(t)), taps)
            assert turn_side(read, rise, support, fps) == side
            # NaN (frames not read) counts as nothing.
            read[: len(read) // 3] = np.nan
            assert turn_side(read, rise, support, fps) == side


@pytest.mark.parametrize("fit", ["front", "front_hands"])
def test_the_shipped_fit_is_package_data_and_says_where_it_came_from(fit):
    raw = json.loads((resources.files("formcheck.analysis") / "data" / TWIST_LANDMARK_FILES[fit])
                     .read_text(encoding="utf-8"))
    model = twist_landmark_model(fit)
    assert model.weights.shape == (len(model.landmarks), 2) == (len(raw["landmarks"]), 2)
    assert np.isfinite(model.weights).all()
    assert "bench/twist_learned.py fit" in model.fitted
    # No head: a lifter glancing aside must not read as a twist.
    assert not {L.NOSE, L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_EYE, L.RIGHT_EYE} & set(model.landmarks)
    # Mirror-symmetric (bench/twist_learned.py mirror_symmetric): each left-right pair's x
    # weights equal, y weights opposite, so a mirrored clip reads the other side.
    names = [L(i).name for i in model.landmarks]
    for k, n in enumerate(names):
        j = names.index(n.replace("LEFT_", "RIGHT_") if n.startswith("LEFT_")
                        else n.replace("RIGHT_", "LEFT_"))
        assert model.weights[k, 0] == pytest.approx(model.weights[j, 0], abs=1e-3)
        assert model.weights[k, 1] == pytest.approx(-model.weights[j, 1], abs=1e-3)


def test_the_landmark_twist_ignores_where_and_how_big_the_lifter_is_in_the_picture():
    seq = _row(20.0, noise=0.0)
    model = twist_landmark_model()
    a = landmark_twist_deg(seq, model)
    moved = replace(seq, image_xy=seq.image_xy * 2.0 + np.array([137.0, -42.0]))
    np.testing.assert_allclose(landmark_twist_deg(moved, model), a, atol=1e-9)
    # A frame where a landmark it reads was not present is not read.
    presence = seq.presence.copy()
    presence[50, model.landmarks[0]] = 0.1
    b = landmark_twist_deg(replace(seq, presence=presence), model)
    assert np.isnan(b[50]) and np.isfinite(np.delete(b, 50)).all()
    shape = landmark_positions(seq, model.landmarks, 0.5).shape
    assert shape == (len(seq), len(model.landmarks), 2)


@pytest.mark.parametrize("twist", [20.0, -20.0, 40.0])
def test_a_quick_twist_square_on_is_found_with_its_side_and_size(twist):
    result = analyze_sequence(_row(twist))
    (f,) = _twists(result)
    assert f.rep == 3 and f.unit == "deg"
    ev = f.evidence
    # The stick figure's twist brings its left shoulder forward: a turn to the right.
    assert ev["twist_side"] == ("right" if twist > 0 else "left")
    assert ev["twist_cue"].startswith("the shoulders', hips' and knees' positions")
    assert 0.7 * abs(twist) <= ev["twist_deg"] <= 1.3 * abs(twist)
    assert f.threshold == pytest.approx(max(ev["min_quick_turn_deg"],
                                            ev["quick_turn_spreads"] * ev["quick_turn_spread_deg"]))
    assert f.value >= f.threshold
    assert ev["twist_side"] in f.message and format_value(f.value, "deg", f.threshold) in f.message
    # The plot carries the same limit and the finding's value at its peak.
    s = result.series["twist_quick_turn"]
    assert s.fault == "jerky_twist" and s.threshold == pytest.approx(f.threshold)
    assert s.values[np.argmin(np.abs(s.t_s - f.peak_s))] == pytest.approx(f.value)
    # The caveat names the cue, what it found on renders and the limit on this lifter.
    (clip,) = [a for a in result.assessable if a.fault == "jerky_twist" and a.rep is None]
    assert "a fit made on rendered lifters facing the camera" in clip.reason
    # ... to the figure every other surface shows the limit with.
    shown = format_limit(f.threshold, "deg")
    assert f"on this lifter a quick turn warns from {shown} (" in clip.reason
    spread = times_text(ev["quick_turn_spread_deg"], ev["quick_turn_spreads"], f.threshold)
    assert f"the {spread} its reading wavers" in clip.reason
    # The words' own arithmetic holds: so many times the spread stated is the limit stated
    # (QA pass 22: "warns from 25.6° (9 times the 2.8° …)", 25.2°).
    said = re.search(r"warns from ([\d.]+)° \((\d+) times the ([\d.]+)°", clip.reason)
    assert said, clip.reason
    assert format_limit(float(said[2]) * float(said[3]), "deg") == f"{said[1]}°"
    # The page's evidence states the spread as the words do, and the quick turn as its value.
    from formcheck.render._common import evidence_rows

    rows = dict(evidence_rows(f))
    assert rows["the reading's own spread"] == f"{said[3]}°"
    assert rows["quick turn"] == format_value(f.value, "deg", f.threshold)
    # The rep warned is not told that no warning does not rule a twist out; another is.
    reps = {a.rep: a.reason for a in result.assessable if a.fault == "jerky_twist" and a.rep}
    assert "no warning" not in reps[f.rep]
    assert all("no warning does not rule a twist out" in r for k, r in reps.items()
               if k != f.rep)
    # The limit holds in every rep: each carries it, so the reps' words and the clip's agree
    # and every surface shows them once (session 19: the terminal printed the reps' caveat
    # and the clip's, the same paragraph but for the limit, one after the other).
    note = clip.reason[clip.reason.index("; on this lifter"):]
    assert all(r.endswith(note) for r in reps.values())
    twist_lines = [c for c in caveats(build_report(_row(twist), result, None))
                   if c[0] == "jerky_twist"]
    # The warned rep's words are the clip's without "no warning does not rule a twist out":
    # the clip's line covers it too, one paragraph in all.
    assert [scope for _, scope, _ in twist_lines] == ["whole clip"]


def _two_twists(small: float, big: float):
    """A square-on row: a twist of ``big`` on rep 2 and one of ``small`` on rep 4, each out
    and back in 0.2 s (0: none)."""
    reps = (CLEAN, SynthRep(twist_deg=big, twist_duration_s=0.2), CLEAN,
            SynthRep(twist_deg=small, twist_duration_s=0.2), CLEAN)
    return synthesize(SynthSpec(exercise="row", reps=reps, yaw_deg=0.0, noise_px=1.0,
                                twist_about_spine=True))[0]


def test_a_twist_found_is_left_out_of_the_spread_the_limit_is_taken_from():
    """Session 26: a large twist's own quick turns raised the spread, so the limit on the rest
    of the set; measured again without them (the filter's reach around each frame past the
    first limit) the smaller twist in the same set is found."""
    off = load_config(None, ["jerky_twist.landmark_spread_clear_turns=false"])
    on = load_config(None, ["jerky_twist.landmark_spread_clear_turns=true"])
    seq = _two_twists(10.0, 40.0)
    before, after = analyze_sequence(seq, off), analyze_sequence(seq, on)
    assert [f.rep for f in _twists(before)] == [2]
    assert [f.rep for f in _twists(after)] == [2, 4]
    lower = after.series["twist_quick_turn"].threshold
    assert lower < before.series["twist_quick_turn"].threshold
    # Every surface states the limit the rule used, and its spread times the spreads makes it.
    f = _twists(after)[1]
    assert f.threshold == lower
    assert f.evidence["quick_turn_spread_deg"] * f.evidence["quick_turn_spreads"] == \
        pytest.approx(lower)


@pytest.mark.parametrize("small", [0.0, 10.0])
def test_a_set_where_nothing_passes_the_limit_keeps_its_spread(small):
    """Where no quick turn passes the first limit nothing is left out: the same limit and
    verdicts either way (a real clip with no warning reads the same)."""
    seq = _two_twists(small, 0.0)
    key = "jerky_twist.landmark_spread_clear_turns"
    off = analyze_sequence(seq, load_config(None, [f"{key}=false"]))
    on = analyze_sequence(seq, load_config(None, [f"{key}=true"]))
    assert _twists(off) == _twists(on) == []
    assert on.series["twist_quick_turn"].threshold == off.series["twist_quick_turn"].threshold


def test_where_the_least_size_is_the_limit_the_caveat_says_so():
    cfg = load_config(None, ["jerky_twist.landmark_quick_turn_spreads=0.5"])
    result = analyze_sequence(_row(20.0), cfg)
    (clip,) = [a for a in result.assessable if a.fault == "jerky_twist" and a.rep is None]
    least = cfg.faults_for("row").jerky_twist.min_landmark_quick_turn_deg
    assert (f"a quick turn warns from {format_limit(least, 'deg')} (the least size judged;"
            in clip.reason)
    assert {f.threshold for f in _twists(result)} == {least}


@pytest.mark.parametrize("twist, duration", [(0.0, 0.2), (40.0, 2.0)])
def test_no_warning_without_a_twist_or_on_a_slow_one(twist, duration):
    assert _twists(analyze_sequence(_row(twist, duration))) == []


def test_the_landmark_cue_is_what_finds_it():
    """With the cue switched off the same rep goes to the depth cue's rate limits (the
    synthetic lifter's depth is exact, but its limits are set for the network's noise)."""
    seq = _row(20.0)
    off = load_config(None, ["signal.twist_landmark_cue=false"])
    sig = compute_signals(seq, off).resolved()
    assert sig.twist.depth_source != "landmarks" and sig.twist.quick_turn_deg is None
    assert _twists(analyze_sequence(seq, off)) == []
    assert compute_signals(seq, Config()).resolved().twist.depth_source == "landmarks"


def test_facing_away_or_turned_the_landmark_cue_is_not_used():
    """The square-on fit reads neither a set facing away nor one turned 45° (that one is read
    as from the side, beside the outline, when anything reads it: twist round 15)."""
    tw = compute_signals(_row(20.0, yaw=180.0), Config()).resolved().twist
    assert tw.depth_source != "landmarks" and tw.quick_turn_deg is None
    tw = compute_signals(_row(20.0, yaw=45.0), Config()).resolved().twist
    assert tw.landmark_fit in (None, "oblique_near")
    off = load_config(None, ["signal.twist_oblique_near=false"])
    tw = compute_signals(_row(20.0, yaw=45.0), off).resolved().twist
    assert tw.depth_source != "landmarks" and tw.quick_turn_deg is None


def test_a_quick_turn_with_the_hips_turning_too_is_not_a_twist():
    """A whole-body turn (or the network swapping left and right) turns the hips as well."""
    seq = _row(30.0)
    res = analyze_sequence(seq)
    (f,) = _twists(res)
    # Turn the whole picture's hips with the shoulders around the finding: hip heading moves.
    i = int(np.argmin(np.abs(seq.t_s - f.peak_s)))
    w = seq.world_xyz.copy()
    ang = np.radians(np.where(np.arange(len(seq)) >= i, 40.0, 0.0))
    c, s = np.cos(ang), np.sin(ang)
    x, z = w[..., 0].copy(), w[..., 2].copy()
    w[..., 0] = c[:, None] * x + s[:, None] * z
    w[..., 2] = -s[:, None] * x + c[:, None] * z
    turned = analyze_sequence(replace(seq, world_xyz=w))
    assert _twists(turned) == []
    (clip,) = [a for a in turned.assessable if a.fault == "jerky_twist" and a.rep is None]
    assert "the hips turned with the shoulders" in clip.reason


def test_the_oblique_fit_ships_but_is_off_by_default():
    """Turned towards the camera the fit found more rendered twists than the widths but warned
    on 7 of 95 real clean reps (docs/analysis.md, twist round 12): shipped, switched off. (The
    45° set is read as from the side instead, twist round 15; with that off, the widths.)"""
    seq = _row(20.0, yaw=45.0)
    assert twist_landmark_model("oblique") is not None
    tw = compute_signals(seq, Config()).resolved().twist
    assert tw.landmark_fit != "oblique"
    near_off = load_config(None, ["signal.twist_oblique_near=false"])
    tw = compute_signals(seq, near_off).resolved().twist
    assert tw.depth_source != "landmarks" and tw.quick_turn_deg is None
    on = load_config(None, ["signal.twist_landmark_oblique=true",
                            "signal.twist_oblique_near=false"])
    tw = compute_signals(seq, on).resolved().twist
    assert tw.depth_source == "landmarks" and tw.quick_turn_deg is not None
    assert float(np.max(tw.width_weight)) == 0.0  # the fit stands alone


@pytest.mark.slow
def test_the_pose_model_on_a_rendered_front_twist_finds_it_on_its_rep_and_side():
    """End to end with the real pose model (full, the default): a rendered row filmed from
    the front with a 25° twist out and back in 0.2 s on rep 2, towards the lifter's left
    (tests/data/README.md). Every body is in the shipped fit, so this guards the path, not the
    accuracy (that is held out: bench/twist_learned.py rule)."""
    from pathlib import Path

    from formcheck.pipeline import extract_pose
    from formcheck.pose.models import resolve_model

    clip = Path(__file__).parent / "data" / "row_jerkytwist_front_f_short.mp4"
    seq = extract_pose(clip, str(resolve_model("full").path))
    result = analyze_sequence(seq)
    assert [r.index for r in result.reps] == [1, 2, 3]
    assert compute_signals(seq, Config()).resolved().twist.depth_source == "landmarks"
    (f,) = _twists(result)
    assert f.rep == 2 and f.evidence["twist_side"] == "left"
    assert f.start_s <= 3.13 + 0.3 and f.end_s >= 2.93 - 0.3
    assert all(a.assessable for a in result.assessable if a.fault == "jerky_twist")
    # Review (session 13): with limits low enough for a second quick turn, the first finding's
    # side ("left") once stood in for "read from the side", so the second was judged with the
    # side's limits and crashed. Every turn square-on keeps the front's limits and words.
    low = analyze_sequence(seq, load_config(None, [
        "jerky_twist.landmark_quick_turn_spreads=3", "jerky_twist.min_landmark_quick_turn_deg=1"]))
    many = _twists(low)
    assert len(many) >= 2
    th = Config().faults_for(low.exercise.name).jerky_twist
    for g in many:
        assert g.evidence["max_hip_turn_deg"] == th.max_hip_turn_deg
        assert "outline_turn_spreads_seen" not in g.evidence
    (clip_words,) = [a.reason for a in low.assessable if a.fault == "jerky_twist" and a.rep is None]
    assert "outline" not in clip_words


@pytest.mark.slow
def test_the_pose_model_on_a_rendered_front_squat_reads_it_with_the_arms():
    """A rendered air squat filmed from the front, arms held forward (tests/data/README.md):
    25° out and back in 0.2 s on rep 2 to the lifter's left (truth 3.83-4.03 s). Square-on
    the hands stay at the shoulders in the picture, so the fit with the arms reads it."""
    from pathlib import Path

    from formcheck.pipeline import extract_pose
    from formcheck.pose.models import resolve_model

    clip = Path(__file__).parent / "data" / "squat_jerkytwist_front_m_tall.mp4"
    seq = extract_pose(clip, str(resolve_model("full").path))
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "front_hands"
    result = analyze_sequence(seq)
    assert [r.index for r in result.reps] == [1, 2, 3]
    (f,) = _twists(result)
    assert f.rep == 2 and f.evidence["twist_side"] == "left"
    assert f.start_s <= 4.03 + 0.3 and f.end_s >= 3.83 - 0.3
    assert 0.6 * 25.0 <= f.evidence["twist_deg"] <= 1.4 * 25.0
    assert f.evidence["twist_cue"].startswith("the shoulders', arms', hips' and knees'")


def test_where_the_knees_are_not_seen_the_other_cues_read_the_set():
    """The fit reads the knees: a set whose knees are out of the picture is read by the
    depth cue, not judged with a cue that read nothing."""
    seq = _row(30.0)
    presence = seq.presence.copy()
    presence[:, [L.LEFT_KNEE, L.RIGHT_KNEE]] = 0.0
    tw = compute_signals(replace(seq, presence=presence), Config()).resolved().twist
    assert tw.depth_source != "landmarks" and tw.quick_turn_deg is None
    # Knees flickering on every 12th frame: each gap blanks the filter's reach around it,
    # so the landmark cue reads too little of the set and stands aside as well.
    flicker = seq.presence.copy()
    flicker[::12, L.LEFT_KNEE] = 0.3
    tw = compute_signals(replace(seq, presence=flicker), Config()).resolved().twist
    assert tw.depth_source != "landmarks"


def test_too_little_read_in_the_reps_is_not_assessable_not_a_clean_verdict():
    seq = _row(30.0)
    cfg = load_config(None, ["jerky_twist.min_landmark_spread_s=60"])
    res = analyze_sequence(seq, cfg)
    twist = [a for a in res.assessable if a.fault == "jerky_twist"]
    assert twist and not any(a.assessable for a in twist)
    assert all("needed to know how much its reading wavers" in a.reason for a in twist)
    assert _twists(res) == [] and res.series["twist_quick_turn"].threshold is None


def test_the_quick_turn_is_not_read_across_a_time_gap():
    """A gap in the recording (a paused camera) splits the set: no quick turn reads frames
    on both sides of it."""
    seq = _row(0.0)
    t = seq.t_s.copy()
    cut = len(t) // 2
    t[cut:] += 2.0  # two seconds missing
    tw = compute_signals(replace(seq, t_s=t), Config()).resolved().twist
    taps = quick_turn_taps(0.1, 0.5, FPS)
    reach = len(taps) // 2
    assert np.isnan(tw.quick_turn_deg[cut - reach:cut + reach]).all()
    assert np.isfinite(tw.quick_turn_deg[cut - 3 * reach:cut - reach]).any()


def test_the_rule_weighs_exactly_the_positions_the_bench_fits_on():
    """landmark_twist_deg sums landmark by landmark (no (k, 2, T) array on a long set):
    the same as weighing landmark_positions."""
    seq = _row(20.0)
    model = twist_landmark_model()
    rel = landmark_positions(seq, model.landmarks, model.min_presence)
    np.testing.assert_allclose(landmark_twist_deg(seq, model),
                               np.einsum("tkc,kc->t", rel, model.weights), atol=1e-6)


def _mirrored(seq):
    """The same lift filmed in a mirror: x flipped, each left landmark swapped with its right."""
    names = [lm.name for lm in L]
    perm = [names.index(n.replace("LEFT_", "RIGHT_") if n.startswith("LEFT_")
                        else n.replace("RIGHT_", "LEFT_")) for n in names]
    im = seq.image_xy[:, perm].copy()
    im[..., 0] = seq.width - im[..., 0]
    w = seq.world_xyz[:, perm].copy()
    w[..., 0] = -w[..., 0]
    back = seq.back_xy.copy()
    back[..., 0] = seq.width - back[..., 0]
    return replace(seq, image_xy=im, world_xyz=w, visibility=seq.visibility[:, perm],
                   presence=seq.presence[:, perm], back_xy=back, image_z=seq.image_z[:, perm])


def test_a_mirrored_lift_reads_the_same_twist_to_the_other_side():
    """The shipped fits are mirror-symmetric (above): a mirrored clip gets the same finding,
    size and limit, with the side swapped, with either fit."""
    for seq in (_row(20.0), _row(40.0, exercise="squat")):
        (f,) = _twists(analyze_sequence(seq))
        (g,) = _twists(analyze_sequence(_mirrored(seq)))
        assert (g.rep, g.value, g.threshold) == (f.rep, pytest.approx(f.value, abs=0.05),
                                                 pytest.approx(f.threshold, abs=0.05))
        assert {f.evidence["twist_side"], g.evidence["twist_side"]} == {"left", "right"}


def test_hands_held_at_the_shoulders_are_read_with_the_fit_that_weighs_the_arms():
    seq = _row(40.0, exercise="squat")
    assert hands_at_shoulders(seq, 0.5, 0.9)
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "front_hands"
    result = analyze_sequence(seq)
    (f,) = _twists(result)
    # The stick figure's twist brings its left shoulder forward: a turn to the right.
    assert f.rep == 3 and f.evidence["twist_side"] == "right"
    assert f.evidence["twist_cue"].startswith("the shoulders', arms', hips' and knees'")
    (clip,) = [a for a in result.assessable if a.fault == "jerky_twist" and a.rep is None]
    assert "rendered squats" in clip.reason and "under a bar" in clip.reason
    # Switched off, or with the hands hanging (a row), the square-on fit reads the set.
    off = load_config(None, ["signal.twist_landmark_hands=false"])
    assert compute_signals(seq, off).resolved().twist.landmark_fit == "front"
    assert compute_signals(_row(40.0), Config()).resolved().twist.landmark_fit == "front"


def test_the_hands_count_as_at_the_shoulders_only_where_they_stay_there():
    seq = _row(exercise="squat")
    n, xy = len(seq), seq.image_xy
    torso = float(np.median(np.hypot(*(xy[:, [L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(axis=1)
                                       - xy[:, [L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=1)).T)))
    assert hands_at_shoulders(seq, 0.5, 0.9)
    # The arms raised overhead on a fifth of the frames (an air squat's set-up): not held there.
    xy = xy.copy()
    xy[: n // 5, [L.LEFT_WRIST, L.RIGHT_WRIST], 1] -= 3.0 * torso
    assert not hands_at_shoulders(replace(seq, image_xy=xy), 0.5, 0.9)
    assert hands_at_shoulders(replace(seq, image_xy=xy), 0.5, 0.75)
    # A wrist not seen where the shoulders are counts against: nothing shows it at the
    # shoulder there (one seen frame would otherwise be enough).
    presence = seq.presence.copy()
    presence[: n // 5, L.LEFT_WRIST] = 0.1
    assert not hands_at_shoulders(replace(seq, presence=presence), 0.5, 0.9)
    assert hands_at_shoulders(replace(seq, presence=presence), 0.5, 0.75)
    once = seq.presence.copy()
    once[10:, L.LEFT_WRIST] = 0.1  # seen on its first 10 frames only
    assert not hands_at_shoulders(replace(seq, presence=once), 0.5, 0.9)
    # Frames without the shoulders are not counted either way.
    no_shoulders = seq.presence.copy()
    no_shoulders[: n // 5, L.LEFT_SHOULDER] = 0.1
    assert hands_at_shoulders(replace(seq, image_xy=xy, presence=no_shoulders), 0.5, 0.9)


def test_where_the_arms_fit_reads_too_little_the_square_on_fit_reads_the_set():
    """The hands fit also needs the elbows: where they are not seen, the square-on fit (which
    does not) reads the set instead of the weaker cues."""
    seq = _row(40.0, exercise="squat")
    presence = seq.presence.copy()
    presence[:, [L.LEFT_ELBOW, L.RIGHT_ELBOW]] = 0.1
    hidden = replace(seq, presence=presence)
    assert hands_at_shoulders(hidden, 0.5, 0.9)
    tw = compute_signals(hidden, Config()).resolved().twist
    assert tw.landmark_fit == "front" and tw.depth_source == "landmarks"
