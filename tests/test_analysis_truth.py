"""What a rule judges and says must stay within its evidence (session 9, analysis truth):
frames the rule's own filters smear, frames it calls upright, the words of its messages."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config, load_config

NOISE = {"noise_px": 1.0, "noise_m": 0.005}


@functools.cache
def _seq(exercise: str, yaw_deg: float, reps: tuple[SynthRep, ...] = (SynthRep(),) * 3):
    return synthesize(SynthSpec(exercise=exercise, yaw_deg=yaw_deg, reps=reps, **NOISE))[0]


@pytest.mark.parametrize(("landmarks", "series"), [(True, "twist_quick_turn"),
                                                   (False, "twist_rate")])
def test_no_twist_frame_is_judged_where_the_smoothing_blurs_a_picture_cut(landmarks, series):
    """QA (db_rows): a twist rate was drawn as judged 0.05 s after a camera cut, whose
    notice says a twist across a jump is not judged: the low-pass and the derivative spread
    the jump over the frames around it (and the landmark cue's quick-turn filter reaches as
    far)."""
    from formcheck.config import load_config

    cfg = load_config(None, [f"signal.twist_landmark_cue={str(landmarks).lower()}"])
    seq = _seq("row", 0.0)
    plain = analyze_sequence(seq, cfg)
    rep = plain.reps[1]
    at = (rep.start_frame + rep.end_frame) // 2
    before = plain.series[series].judged
    assert before[at - 3:at + 4].all(), "the frames around the cut must be judged without it"
    cut = np.zeros(len(seq), dtype=bool)
    cut[at] = True
    judged = analyze_sequence(dataclasses.replace(seq, picture_cut=cut), cfg).series[
        series].judged
    half = int(np.ceil(Config().row.jerky_twist.event_window_s / 2.0 * seq.fps))
    if landmarks:  # the quick-turn filter reaches further than the event window
        half = max(half, int(np.ceil(Config().signal.twist_quick_support_s / 2.0 * seq.fps)))
    assert not judged[at - half:at + half + 1].any()
    # Only those frames: the rest of the rep is judged as before.
    far = np.ones(len(seq), dtype=bool)
    far[at - half:at + half + 1] = False
    np.testing.assert_array_equal(judged[far], before[far])


def test_a_lockout_is_judged_only_with_the_trunk_upright_not_on_hip_height_alone():
    """QA (bad005): a deadlift's set-up read hips as high as a lockout with the trunk 80°
    over, and was drawn as judged for "trunk behind the thigh line". With the hip height
    asking for nothing, bent-over frames must still not count as a lockout."""
    from formcheck.config import load_config

    seq = _seq("deadlift", 90.0)
    cfg = load_config(None, ["deadlift.lumbar_overextension.judge_min_hip_height_ratio=0"])
    result = analyze_sequence(seq, cfg, exercise="deadlift")
    judged = result.series["hip_extension"].judged
    from formcheck.analysis.features import compute_signals

    lean = compute_signals(seq, cfg).lean_deg
    limit = cfg.deadlift.lumbar_overextension.judge_max_lean_deg
    assert judged.any(), "the standing frames must still be judged"
    assert (lean[judged] <= limit).all()
    assert (lean > limit + 15.0).any(), "the set must bend over for this to mean anything"


def test_a_lockout_is_judged_only_with_the_hips_nearly_straight():
    """QA (session 20, good004 and bad005): their only "standing tall" frames read the hips
    bent 60-66° in front of the thighs mid-pull, and the over-extension said "ok" of a lockout
    never seen. With the height and lean asking for nothing, frames with the hips bent past
    ``judge_min_hip_extension_deg`` must still not count, and with no frame left the reason
    names the hips too."""
    from formcheck.analysis.features import compute_signals
    from formcheck.config import load_config

    seq = _seq("deadlift", 90.0)
    gates = ["deadlift.lumbar_overextension.judge_min_hip_height_ratio=0",
             "deadlift.lumbar_overextension.judge_max_lean_deg=90"]
    cfg = load_config(None, gates)
    judged = analyze_sequence(seq, cfg, exercise="deadlift").series["hip_extension"].judged
    ext = compute_signals(seq, cfg).hip_extension_deg
    limit = cfg.deadlift.lumbar_overextension.judge_min_hip_extension_deg
    assert judged.any() and (ext[judged] >= limit).all()
    assert (ext < limit - 15.0).any(), "the set must bend the hips for this to mean anything"
    # Asking the hips to be straighter than this set ever stands: nothing is judged, and the
    # reason says what standing tall needed.
    strict = load_config(None, [*gates, "deadlift.lumbar_overextension."
                                f"judge_min_hip_extension_deg={float(np.nanmax(ext)) + 1:.1f}"])
    result = analyze_sequence(seq, strict, exercise="deadlift")
    (clip,) = [a for a in result.assessable
               if a.fault == "lumbar_overextension" and a.rep is None]
    assert not clip.assessable and "never reads as standing tall" in clip.reason
    assert "° in front of the thighs" in clip.reason


def test_a_rep_seen_standing_tall_too_briefly_for_a_finding_is_not_judged():
    """A clip cut to a close-up after its first lockout (BichraiX good005) read as standing
    tall on 3 frames at 30 fps, fewer than a finding must last (0.15 s, 5 frames), and its
    over-extension said "ok". Such a rep is not assessable, saying how few frames it had."""
    from formcheck.analysis.faults import NO_REP_JUDGED_REASON

    seq = _seq("deadlift", 90.0)
    gates = ["deadlift.lumbar_overextension.judge_min_hip_height_ratio=0",
             "deadlift.lumbar_overextension.judge_max_lean_deg=90"]
    # Only the two straightest frames of the set count as standing tall (as the rule reads
    # the trunk against the thighs: the series it plots).
    base = analyze_sequence(seq, load_config(None, gates), exercise="deadlift")
    ext = base.series["hip_extension"].values
    top = np.sort(ext[base.series["hip_extension"].judged])
    assert top[-1] < 0.0  # the limit may only ask the hips to be bent at most so much
    limit = float(top[-2] + top[-3]) / 2.0
    cfg = load_config(None, [*gates, "deadlift.lumbar_overextension."
                             f"judge_min_hip_extension_deg={limit!r}"])
    result = analyze_sequence(seq, cfg, exercise="deadlift")
    judged = result.series["hip_extension"].judged
    assert 1 <= judged.sum() <= 2
    ours = [a for a in result.assessable if a.fault == "lumbar_overextension"]
    few = [a for a in ours if a.rep is not None and "too few to judge leaning back" in a.reason]
    assert few and all(not a.assessable for a in few)
    assert "only 1 of this rep's frames" in few[0].reason \
        or "only 2 of this rep's frames" in few[0].reason
    assert not any(a.assessable for a in ours)
    (clip,) = [a for a in ours if a.rep is None]
    assert clip.reason == NO_REP_JUDGED_REASON


def test_a_rounding_judged_against_the_typical_neutral_says_what_was_measured_of_yours():
    """QA (bad005): "your own neutral was never seen" while the evidence recorded the
    lifter's straightest bent-over frames at a 15.6% bow (the level just scored higher)."""
    from formcheck.analysis.faults import _level_note

    assert "yours, at its straightest, curved out 15.6%" in _level_note(0.156, 0.02)
    assert "yours, at its straightest, curved in (arched) 4.5%" in _level_note(-0.045, 0.02)
    assert "never seen" not in _level_note(0.156, 0.02)
    assert "too few bent-over frames" in _level_note(float("nan"), 0.02)


def test_a_row_is_not_told_about_a_lockout_or_a_plate():
    """QA: a bent-over row's over-extension was "not judged" because "lockout not reached,
    or the hips hidden, e.g. behind a plate": a row has no such lockout."""
    result = analyze_sequence(_seq("row", 90.0), exercise="row")
    reasons = {a.reason for a in result.assessable
               if a.fault == "lumbar_overextension" and not a.assessable}
    assert reasons, "a bent-over row never stands tall: the lockout is not judged"
    for reason in reasons:
        assert "plate" not in reason and "lockout not reached" not in reason
        assert "row has no lockout" in reason


def test_a_reason_several_reps_share_does_not_say_this_rep():
    """QA (bad006): "(reps 1, 2) ... in this rep": reasons are listed once for every rep
    that has them, so a per-rep reason must read for several."""
    from formcheck.analysis.faults import FaultContext, _require_lockout
    from formcheck.analysis.features import compute_signals
    from formcheck.analysis.reps import rep_index_per_frame
    from formcheck.report import Assessment

    seq, cfg = _seq("deadlift", 90.0), Config()
    result = analyze_sequence(seq, exercise="deadlift")
    reps = result.reps
    assert len(reps) >= 3
    ctx = FaultContext(sig=compute_signals(seq, cfg), exercise="deadlift", view=result.view,
                       reps=reps, rep_of_frame=rep_index_per_frame(len(seq), reps),
                       thresholds=cfg.faults_for("deadlift"), assess=cfg.assess,
                       view_cfg=cfg.view, clip_reason=None)
    upright = np.zeros(len(seq), dtype=bool)
    upright[reps[0].start_frame:reps[1].start_frame] = True  # only rep 1 stands tall
    out = _require_lockout(ctx, tuple(Assessment("lumbar_overextension", r, True, None)
                                      for r in (None, *(r.index for r in reps))), upright)
    later = [a for a in out if a.rep is not None and a.rep > 1]
    assert not any(a.assessable for a in later)
    shared = [a.reason for a in later]
    assert len(set(shared)) == 1 and "this rep" not in shared[0]


def test_reps_of_an_unrecognised_exercise_carry_no_lifts_phase_names():
    """QA (bad016, not recognised): squat phase names on a deadlift and a finding "in rep 1
    (top)" while bent over setting up. Counted on whichever movement moves most, the reps
    keep their frames but say only "movement" between set-up and finish, and a finding names
    its rep alone, on every surface (report JSON, CSV, message)."""
    from formcheck.analysis.reps import REP_PROFILES
    from formcheck.pipeline import build_report

    seq = _seq("deadlift", 90.0, (SynthRep(), SynthRep(flexion_deg=45.0), SynthRep()))
    known = analyze_sequence(seq, exercise="deadlift")
    from formcheck.config import load_config

    # A recogniser that asks for more than any set shows: nothing is recognised.
    result = analyze_sequence(seq, load_config(None, ["exercise.min_margin_frac=1"]))
    assert result.exercise.name == "unknown"
    assert [(r.start_frame, r.end_frame) for r in result.reps] == \
        [(r.start_frame, r.end_frame) for r in known.reps]
    lift_names = {n for p in REP_PROFILES.values() for n in p.phases} - {"finish"}
    for rep in result.reps:
        names = [p.name for p in rep.phases]
        assert "movement" in names and not lift_names & set(names), names
    report = build_report(seq, result, None)
    assert report.findings, "the rounded rep must still be found"
    for f in report.findings:
        assert f.phase is None
        assert f.rep is None or f"in rep {f.rep}:" in f.message
    assert not any(n in report.to_json() for n in ('"descent"', '"pull"', '"lockout"'))


def test_rounding_is_judged_only_inside_counted_reps():
    """QA (bad006): back flexion was judged (drawn blue) for 1.2 s before the first rep,
    the lifter walking up and bending to the bar with nothing lifted. With reps counted, the
    rule judges their frames only (each rep owns its set-up and finish)."""
    from formcheck.analysis.reps import rep_index_per_frame

    seq = _seq("deadlift", 90.0)
    result = analyze_sequence(seq, exercise="deadlift")
    in_rep = rep_index_per_frame(len(seq), result.reps) > 0
    assert (~in_rep).any() and result.reps
    for name in ("back_flexion", "back_flexion_rise"):
        if name in result.series:
            judged = result.series[name].judged
            assert judged[in_rep].any() and not judged[~in_rep].any(), name
    assert all(f.rep is not None for f in result.findings if f.fault == "rounded_back")


def _lumbar_ctx(seq, exercise: str, ext_deg: float, frames: np.ndarray):
    """The over-extension rule's context on ``seq``'s own signals and reps, with the trunk
    read ``ext_deg`` behind the thighs on ``frames``, by the world landmarks and in the
    picture alike (the rule reads the picture's angle where it shows the trunk in front)."""
    from formcheck.analysis.faults import FaultContext
    from formcheck.analysis.features import compute_signals
    from formcheck.analysis.reps import rep_index_per_frame

    cfg = Config()
    result = analyze_sequence(seq, cfg, exercise=exercise)
    sig = compute_signals(seq, cfg)
    ext = sig.hip_extension_deg.copy()
    ext[frames] = ext_deg
    pic = sig.hip_extension_picture_deg.copy()
    pic[frames] = ext_deg
    return result, FaultContext(
        sig=dataclasses.replace(sig, hip_extension_deg=ext, hip_extension_picture_deg=pic),
        exercise=exercise,
        view=result.view, reps=result.reps,
        rep_of_frame=rep_index_per_frame(len(seq), result.reps),
        thresholds=cfg.faults_for(exercise), assess=cfg.assess, view_cfg=cfg.view,
        clip_reason=None)


def test_a_lean_back_while_standing_outside_the_reps_is_not_judged():
    """Review (session 9): the lockout rule judged upright frames outside the reps (standing
    before the set, walking away; a real squat's lifter stretching with his arms overhead
    after his last rep was warned of, "outside a counted rep"). Like the other rules it
    judges counted reps only: the same lean back is found in a rep's own finish (a squat's
    standing up), and not while standing before the set."""
    from formcheck.analysis.faults import lumbar_overextension

    seq = synthesize(SynthSpec(exercise="squat", yaw_deg=90.0, setup_s=4.0, **NOISE))[0]
    plain = analyze_sequence(seq, exercise="squat")
    first = plain.reps[0]
    before = np.arange(len(seq)) < first.start_frame
    assert plain.series["hip_extension"].values[before].size >= 60  # 2 s standing before
    _, ctx = _lumbar_ctx(seq, "squat", 20.0, before)
    out = lumbar_overextension(ctx)
    assert not out.findings
    assert not out.series[0].judged[before].any()
    # The same lean back in rep 1's own still finish (standing up at the top) is found there.
    top = next(p for p in first.phases if p.name == "top")
    finish = (seq.t_s >= top.start_s) & (seq.t_s <= top.end_s)
    _, ctx = _lumbar_ctx(seq, "squat", 20.0, finish)
    found = lumbar_overextension(ctx).findings
    assert [f.rep for f in found] == [1]


def test_a_clip_without_a_counted_rep_judges_no_fault_and_says_why():
    """Review (session 9): with no rep counted the rounding rule judged the whole clip, the
    twist rule nothing (a silent "none"), the lockout rule every upright frame. Now every
    fault a view could show is "not assessable", with the same stated reason, and nothing
    is judged or found. The reason states the rep count's cause: here the lifter stood, then
    set up at the floor and never pulled."""
    from formcheck.analysis.faults import no_rep_reason

    said = set()
    reason = no_rep_reason("the lifter was already out of the rest position when first seen, "
                           "at 0.0 s, and the movement back to it counts as getting set up, "
                           "not as a rep")
    for yaw in (90.0, 45.0):  # the side view shows the back, 45° the lockout and the twist
        seq = synthesize(SynthSpec(exercise="deadlift", yaw_deg=yaw, reps=(), setup_s=4.0,
                                   **NOISE))[0]
        result = analyze_sequence(seq, exercise="deadlift")
        assert not result.reps and not result.findings
        for s in result.series.values():
            assert s.judged is None or not s.judged.any(), s.name
        for a in result.assessable:
            assert not a.assessable
            if a.reason == reason:
                said.add(a.fault)
    assert said == {"rounded_back", "lumbar_overextension", "jerky_twist"}


def test_a_frame_rate_just_under_the_twists_need_is_not_shown_as_meeting_it():
    """A 60 fps clip replayed live at 19.98 fps read "jerky twist: 20.0 fps is too few frames
    per second to measure abrupt motion (needs 20)": the rate shown was the limit itself."""
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(), SynthRep()), fps=19.98))
    result = analyze_sequence(seq)
    (why,) = {a.reason for a in result.assessable
              if a.fault == "jerky_twist" and a.rep is None and not a.assessable}
    assert why.startswith("19.9 fps is too few frames per second"), why


def test_a_bow_that_rounds_to_zero_is_not_shown_as_minus_zero():
    """Live replay of a real side-view deadlift (bad011): "your straightest bent-over frames
    bowed -0.0% of the torso" (a bow of -0.04% rounded to one decimal)."""
    from formcheck.analysis.faults import _level_note

    note = _level_note(-0.0004, 0.02)
    assert "-0.0%" not in note and "yours, at its straightest, was straight (0.0%)" in note


@pytest.mark.parametrize("own, yours", [
    (-0.007, "curved in (arched) 0.7%"), (0.011, "curved out 1.1%"), (0.052, "curved out 5.2%"),
])
def test_the_lifters_own_bow_is_said_in_words_with_its_number_not_as_a_negative_bow(own, yours):
    """QA pass 22: "your straightest bent-over frames bowed -0.7% of the torso, straighter
    than its 2.0%" (a negative bow, "the torso" for the shoulder-hip line, "its" for a
    typical back): the direction in words, the number the rule measured, what it is a share
    of, and what a typical back does."""
    from formcheck.analysis.faults import _level_note

    note = _level_note(own, 0.02)
    assert note == ("a rough estimate: a typical bent-over back curves out 2.0% of its "
                    f"shoulder-to-hip length; yours, at its straightest, {yours}")
    # No longer than the words it replaced by much: the video's banner gives a message whole
    # only where it fits.
    assert len(note) <= 140
    assert "bowed" not in note
    assert "-" not in note.replace("shoulder-to-hip", "").replace("bent-over", "")


def test_a_back_finding_needs_three_frames_at_a_low_frame_rate():
    """At 12 fps a 0.15 s hold is two frames: a real squat clip with every other frame dropped
    read a two-frame lean back of its hips (0.09 s) as a moderate over-extension. A back
    finding must also hold ``assess.min_finding_frames`` frames."""
    from formcheck.analysis.faults import decide

    t = np.arange(40) / 12.0
    x = np.zeros(40)
    x[20:22] = 20.0  # two frames over the limit
    assert len(decide(t, x, 10.0, 0.5, 0.15)) == 1  # 2 x 1/12 s = 0.167 s >= 0.15 s
    assert decide(t, x, 10.0, 0.5, 0.15, min_frames=3) == []
    x[20:23] = 20.0
    assert len(decide(t, x, 10.0, 0.5, 0.15, min_frames=3)) == 1


@pytest.mark.parametrize("fault, rep", [("rounded_back", SynthRep(flexion_deg=45.0)),
                                        ("lumbar_overextension", SynthRep(lean_back_deg=25.0))])
def test_both_back_rules_hold_their_findings_to_the_frame_floor(fault, rep):
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(), rep, SynthRep())))
    assert any(f.fault == fault for f in analyze_sequence(seq).findings)
    strict = load_config(None, ["assess.min_finding_frames=100"])  # more than any hold
    assert not any(f.fault == fault for f in analyze_sequence(seq, strict).findings)


def test_a_lean_back_the_picture_does_not_show_is_not_warned():
    """Session 23: a real squat copied as a camera tilted 15° down would see it read 32° of
    lean back behind the thighs in the world landmarks (their depth guess) while its picture
    showed the trunk 12-15° in front of them: a severe false warning. Where the picture shows
    the trunk more than ``max_picture_flexion_deg`` in front of the thighs, the rule reads the
    picture's angle; where the picture agrees, the lean back is still found."""
    from formcheck.analysis.features import compute_signals
    from formcheck.pose.landmarks import Landmark as L

    reps = (SynthRep(), SynthRep(lean_back_deg=20.0), SynthRep())
    seq = synthesize(SynthSpec(exercise="deadlift", yaw_deg=90.0, reps=reps, **NOISE))[0]
    cfg = load_config()
    found = [f for f in analyze_sequence(seq, cfg, exercise="deadlift").findings
             if f.fault == "lumbar_overextension"]
    assert [f.rep for f in found] == [2], "the rendered lean back must be found as drawn"
    pic = compute_signals(seq, cfg).hip_extension_picture_deg
    first, last = found[0].evidence["frames"]
    assert (pic[first:last + 1] > 0).all(), "the picture shows it too (facing the right)"
    # The same world landmarks, but a picture whose shoulders lie ahead of the hips over the
    # lockout (the lifter faces the right of the picture): bent forward as seen.
    image = seq.image_xy.copy()
    around = slice(max(first - 20, 0), last + 21)
    hips = 0.5 * (image[around, L.LEFT_HIP] + image[around, L.RIGHT_HIP])
    for sh in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
        torso = np.linalg.norm(image[around, sh] - hips, axis=-1)
        image[around, sh, 0] = hips[:, 0] + 0.4 * torso
    bent = dataclasses.replace(seq, image_xy=image)
    result = analyze_sequence(bent, cfg, exercise="deadlift")
    assert not [f for f in result.findings if f.fault == "lumbar_overextension"]
    read = result.series["hip_extension"].values
    assert np.nanmax(read[around]) < 0.0, "the plotted reading is the rule's: the picture's"
    # Switched off, the world landmarks alone decide again.
    off = load_config(None, ["lumbar_overextension.max_picture_flexion_deg=inf"])
    assert [f.rep for f in analyze_sequence(bent, off, exercise="deadlift").findings
            if f.fault == "lumbar_overextension"] == [2]


def test_a_skeleton_squeezed_into_part_of_the_body_is_not_read():
    """Session 23: under a loaded bar's plates the network put a real squat's hips at
    mid-chest and its feet at the knees; the world landmarks' legs read 3-4 times the trunk
    (a person's own read 1.1-2.0), and a mirrored copy of the clip got a false 24° lean back
    there. Such frames show neither trunk nor legs (``signal.max_leg_to_trunk_ratio``)."""
    from formcheck.analysis.features import compute_signals
    from formcheck.pose.landmarks import Landmark as L

    seq = _seq("deadlift", 90.0)
    world = seq.world_xyz.copy()
    frames = np.arange(40, 52)
    hips = 0.5 * (world[frames, L.LEFT_HIP] + world[frames, L.RIGHT_HIP])
    for sh in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER):  # the trunk squeezed to a quarter
        world[frames, sh] = hips + 0.25 * (world[frames, sh] - hips)
    squeezed = dataclasses.replace(seq, world_xyz=world)
    cfg = load_config()
    plain = compute_signals(seq, cfg)
    sig = compute_signals(squeezed, cfg)
    assert plain.trunk_visible[frames].all() and plain.legs_visible[frames].all()
    assert not sig.trunk_visible[frames].any() and not sig.legs_visible[frames].any()
    others = np.ones(len(seq), dtype=bool)
    others[frames] = False
    np.testing.assert_array_equal(sig.trunk_visible[others], plain.trunk_visible[others])
    off = compute_signals(squeezed, load_config(None, ["signal.max_leg_to_trunk_ratio=inf"]))
    assert off.trunk_visible[frames].all()
