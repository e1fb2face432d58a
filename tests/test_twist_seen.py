"""Round 10: what the jerky-twist rule says when the hands hid the torso from the flow (the
seen share the pose pass keeps per frame) and across picture cuts, end to end from a
synthetic square-on sequence to every surface: the analysis result, JSON, the reps CSV, the
page, the terminal summary and the video overlay's notices."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis import geometry as geo
from formcheck.analysis.features import compute_signals, flow_hidden_frames, image_depth_joints
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import load_config
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import PoseSequence

#: The synthetic flow keeps the whole turn (kept share 1), as the exact landmarks do, and is
#: as clean: the flow's stricter rate limit is not needed.
CFG = load_config(None, ["signal.twist_landmark_cue=false", "signal.twist_width_kept=1",
                         "signal.twist_depth_kept=1",
                         "signal.twist_flow_kept=1",
                         "jerky_twist.min_flow_twist_rate_deg_s=250"])
TWIST_REP = 3


def _torso_scale(seq: PoseSequence) -> float:
    xy = seq.image_xy.astype(np.float64)
    chord = np.hypot(*(((xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP])
                        - (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER])) / 2.0).T)
    width = np.hypot(*(xy[:, L.LEFT_SHOULDER] - xy[:, L.RIGHT_SHOULDER]).T)
    return float(np.median(np.fmax(chord, width)))


def _square_on(twist_deg: float = 40.0) -> PoseSequence:
    """A squat filmed from the front, a fast twist in rep 3, with the flow that twist gives
    (the shoulder band across the trunk by the true turn per frame, hips still), every
    frame's bands fully seen."""
    reps = tuple(SynthRep(twist_deg=twist_deg, twist_duration_s=0.2) if i == TWIST_REP
                 else SynthRep() for i in range(1, 6))
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=0.0))
    turn = geo.twist_deg(image_depth_joints(seq))  # exact landmarks: the true twist
    flow = np.zeros((len(seq), 2))
    flow[:, 0] = np.radians(np.diff(turn, prepend=turn[0])) * _torso_scale(seq)
    return replace(seq, torso_flow=flow, torso_flow_seen=np.full(len(seq), 0.9),
                   picture_cut=np.zeros(len(seq), bool))


def _hide(seq: PoseSequence, first: int, count: int) -> PoseSequence:
    """The hands over the torso on ``count`` frames from ``first``: the pose pass keeps their
    small seen share and leaves the flow unread (NaN)."""
    flow, seen = seq.torso_flow.copy(), seq.torso_flow_seen.copy()
    flow[first:first + count] = np.nan
    seen[first:first + count] = 0.1
    return replace(seq, torso_flow=flow, torso_flow_seen=seen)


def _twist(result, rep):
    return next(a for a in result.assessable if a.fault == "jerky_twist" and a.rep == rep)


@pytest.fixture(scope="module")
def hidden():
    """Rep 2 hidden on 69% of its frames, rep 4 on 20%: the sequence, its result and report."""
    from formcheck.pipeline import build_report

    seq = _square_on()
    reps = {r.index: r for r in analyze_sequence(seq, CFG).reps}
    assert len(reps) == 5
    n2 = reps[2].end_frame - reps[2].start_frame + 1
    n4 = reps[4].end_frame - reps[4].start_frame + 1
    k2, k4 = round(0.7 * n2), round(0.2 * n4)
    seq = _hide(seq, reps[2].start_frame, k2)
    seq = _hide(seq, reps[4].start_frame + n4 // 3, k4)
    result = analyze_sequence(seq, CFG)
    assert [r.index for r in result.reps] == [1, 2, 3, 4, 5]
    assert f"{k2 / n2:.0%}" == "69%" and f"{k4 / n4:.0%}" == "20%"  # the shares said below
    return seq, result, build_report(seq, result, None, CFG)


def test_a_rep_the_hands_mostly_hid_is_not_assessable_and_says_how_much(hidden):
    _, result, _ = hidden
    a2 = _twist(result, 2)
    assert not a2.assessable
    assert a2.reason.startswith("the hands or arms hid the torso on 69% of this rep's frames")
    assert "optical flow" in a2.reason and "cannot be found" in a2.reason
    a4 = _twist(result, 4)  # seen on 80% of its frames: judged, with the share as a caveat
    assert a4.assessable
    assert a4.reason.startswith("the hands or arms hid the torso on 20% of this rep's frames, "
                                "where a twist cannot be found; no warning does not rule a "
                                "twist out; twist read from the torso's optical flow")
    for rep in (1, 3, 5):  # fully seen: the caveat as before, no share
        a = _twist(result, rep)
        assert a.assessable and "hid the torso" not in a.reason
    clip = _twist(result, None)
    assert clip.assessable
    assert "hid the torso on" in clip.reason and "(rep 2 not assessable)" in clip.reason
    # The twist in a fully seen rep is still found.
    assert [f.rep for f in result.findings if f.fault == "jerky_twist"] == [TWIST_REP]
    # The hidden rep's frames are not judged (the gauge draws them so).
    judged = result.series["twist_rate"].judged
    r2 = result.reps[1]
    assert not judged[r2.start_frame:r2.end_frame + 1].any()


def test_the_hidden_share_reaches_json_csv_page_terminal_and_video(hidden, tmp_path):
    from rich.console import Console

    from formcheck.render.html import render_html
    from formcheck.render.overlay import OverlayRenderer
    from formcheck.render.terminal import print_summary
    from formcheck.report import Report

    seq, result, report = hidden
    a2, a4 = _twist(result, 2), _twist(result, 4)
    # JSON: the same words, read back.
    back = Report.from_dict(json.loads(report.to_json()))
    assert back.assessment("jerky_twist", 2) == a2
    assert back.assessment("jerky_twist", 4).reason == a4.reason
    # CSV: rep 2 is not assessable for twist, rep 3 has its finding.
    rows = {r["rep"]: r for r in csv.DictReader(io.StringIO(report.reps_csv()))}
    assert rows["2"]["jerky_twist"] == "not_assessable"
    assert rows["4"]["jerky_twist"] == "ok"
    assert rows[str(TWIST_REP)]["jerky_twist"] not in ("ok", "not_assessable")
    # Page: the reason among what could not be judged, the caveat among the caveats.
    page = render_html(report, result.series, {}, tmp_path / "r.html").read_text("utf-8")
    assert a2.reason.replace("'", "&#x27;") in page or a2.reason in page
    assert "hid the torso on 20% of this rep&#x27;s frames" in page \
        or "hid the torso on 20% of this rep's frames" in page
    # Terminal: under "Not assessable".
    buf = io.StringIO()
    print_summary(report, {}, Console(file=buf, width=400, color_system=None))
    text = buf.getvalue()
    assert "Not assessable" in text and a2.reason in " ".join(text.split())
    # Video: the notice shown on rep 2's frames, and not on rep 3's.
    overlay = OverlayRenderer(report, seq, result.series)
    r2, r3 = result.reps[1], result.reps[2]
    assert any(a2.reason in n for n in overlay.notices_at((r2.start_frame + r2.end_frame) // 2))
    assert not any("hid the torso" in n
                   for n in overlay.notices_at((r3.start_frame + r3.end_frame) // 2))


def test_when_every_rep_is_hidden_the_clip_is_not_assessable():
    seq = _square_on()
    flow_seq = _hide(seq, 0, len(seq) - 1)  # one frame read: the flow is still the cue
    flow_seq = replace(flow_seq, torso_flow=np.where(
        np.arange(len(seq))[:, None] == len(seq) - 1, 0.0, flow_seq.torso_flow))
    result = analyze_sequence(flow_seq, CFG)
    assert compute_signals(flow_seq, CFG).resolved().twist.depth_source == "flow"
    clip = _twist(result, None)
    assert not clip.assessable and "hid the torso on 100% of the reps' frames" in clip.reason
    assert all(not a.assessable for a in result.assessable if a.fault == "jerky_twist")
    assert not [f for f in result.findings if f.fault == "jerky_twist"]


def test_pose_files_without_the_seen_share_are_judged_as_before(hidden):
    """Files made before round 9 keep no seen share (and no cut flags): the rule reads the
    flow as it did, and the clip says how much the hands hid is not known."""
    seq, _, _ = hidden
    older = replace(seq, torso_flow_seen=None, picture_cut=None)
    assert flow_hidden_frames(older) is None
    result = analyze_sequence(older, CFG)
    assert all(a.assessable for a in result.assessable if a.fault == "jerky_twist")
    assert not any("hid the torso on" in (a.reason or "") for a in result.assessable)
    clip = _twist(result, None)
    assert clip.reason.startswith("this pose file does not say how much of the torso the "
                                  "hands hid")
    assert "hands hid" not in _twist(result, 2).reason
    # With nothing hidden, keeping the seen share changes nothing.
    full = _square_on()
    got = [analyze_sequence(x, CFG) for x in (full, replace(full, torso_flow_seen=None))]
    assert [[(f.rep, f.value) for f in r.findings] for r in got] == \
        [[(f.rep, f.value) for f in got[0].findings]] * 2
    assert [[(a.rep, a.assessable) for a in r.assessable] for r in got] == \
        [[(a.rep, a.assessable) for a in got[0].assessable]] * 2
    # ... the words too, but for the clip's note that the seen share is not known.
    note = "this pose file does not say how much of the torso the hands hid"
    assert [a.reason for a in got[0].assessable] == [
        a.reason.split("; ", 1)[1] if a.reason and a.reason.startswith(note) else a.reason
        for a in got[1].assessable]
    assert _twist(got[1], None).reason.startswith(note)
    assert [f.rep for f in got[0].findings if f.fault == "jerky_twist"] == [TWIST_REP]


def test_a_fast_rotation_across_a_picture_cut_is_not_judged():
    """A change of shot makes the flow (and every landmark) jump: the fast 'rotation' it
    makes is reported as not judged, as a lost track is, and not as a twist."""
    seq = _square_on(twist_deg=0.0)
    rep = analyze_sequence(seq, CFG).reps[1]
    mid = (rep.start_frame + rep.end_frame) // 2
    flow = seq.torso_flow.copy()
    jump = np.radians(40.0) * _torso_scale(seq) / 3  # 40 deg out and back in 0.2 s
    flow[mid - 3:mid, 0] += jump
    flow[mid:mid + 3, 0] -= jump
    jumped = replace(seq, torso_flow=flow)
    without_flag = analyze_sequence(jumped, CFG)
    assert [f.rep for f in without_flag.findings if f.fault == "jerky_twist"] == [rep.index]
    cut = np.zeros(len(seq), bool)
    cut[mid] = True
    flagged = analyze_sequence(replace(jumped, picture_cut=cut), CFG)
    assert not [f for f in flagged.findings if f.fault == "jerky_twist"]
    clip = _twist(flagged, None)
    assert clip.assessable
    assert "1 fast rotation not judged: the picture jumped (camera cut or lost track)" \
        in clip.reason


def test_a_twist_found_on_the_frames_read_stands_in_a_mostly_hidden_rep():
    """The hands hid half of the twisting rep, but not the twist: the finding stands and the
    rep says how much was hidden (a warning is never paired with 'not assessable')."""
    seq = _square_on()
    rep = analyze_sequence(seq, CFG).reps[TWIST_REP - 1]
    turn = np.abs(geo.twist_deg(image_depth_joints(seq)))
    peak = rep.start_frame + int(np.argmax(turn[rep.start_frame:rep.end_frame + 1]))
    n = rep.end_frame - rep.start_frame + 1
    keep = 12  # 0.4 s either side of the twist's peak stays seen
    hidden_seq = seq
    for first, last in ((rep.start_frame, peak - keep), (peak + keep, rep.end_frame + 1)):
        if last > first:
            hidden_seq = _hide(hidden_seq, first, last - first)
    share = float(np.mean(~np.isfinite(hidden_seq.torso_flow[rep.start_frame:rep.end_frame + 1,
                                                              0])))
    assert share > 1.0 - CFG.assess.min_visible_frac  # mostly hidden
    result = analyze_sequence(hidden_seq, CFG)
    assert [f.rep for f in result.findings if f.fault == "jerky_twist"] == [TWIST_REP]
    a = _twist(result, TWIST_REP)
    assert a.assessable
    assert a.reason.startswith(f"the hands or arms hid the torso on {share:.0%} of this rep's "
                               "frames, where a twist cannot be found")
    assert n > 2 * keep


def test_the_depth_can_stand_in_where_the_hands_hid_the_torso(hidden):
    """Off by default (round 11 measured it finding none of the rendered twists the hands
    hid); turned on, the hidden frames' turn is read from the image landmarks' depth: the
    mostly hidden rep is judged, with a caveat that says so, and a twist on hidden frames
    that the (here exact) depth shows is found."""
    seq, _, _ = hidden
    # The exact landmarks' depth is as clean as the synthetic flow: the same rate limit.
    on = load_config(None, ["signal.twist_landmark_cue=false", "signal.twist_width_kept=1",
                         "signal.twist_depth_kept=1",
                            "signal.twist_flow_kept=1",
                            "jerky_twist.min_flow_twist_rate_deg_s=250",
                            "jerky_twist.min_depth_twist_rate_deg_s=250",
                            "signal.twist_hidden_depth_median_frames=1"])
    result = analyze_sequence(seq, on)
    a2 = _twist(result, 2)
    assert a2.assessable
    assert a2.reason.startswith("the hands or arms hid the torso on 69% of this rep's frames, "
                                "where the twist is read from the landmarks' depth instead")
    assert [f.rep for f in result.findings if f.fault == "jerky_twist"] == [TWIST_REP]
    # The twisting rep hidden throughout: found from the depth alone when it stands in.
    twist = result.reps[TWIST_REP - 1]
    n = twist.end_frame - twist.start_frame + 1
    covered = _hide(seq, twist.start_frame, n)
    assert not [f for f in analyze_sequence(covered, CFG).findings
                if f.fault == "jerky_twist"]
    found = [f for f in analyze_sequence(covered, on).findings if f.fault == "jerky_twist"]
    assert [f.rep for f in found] == [TWIST_REP]
    assert found[0].evidence["twist_deg"] == pytest.approx(40.0, abs=8.0)


def test_a_snap_on_the_sets_first_frames_is_not_judged():
    """A set that starts mid-turn has no angle held before the turn to measure it from, and
    the low-pass and the rate's derivative begin there: a rear-45° render's slow twist read as
    a 33° snap on its first three frames. The set's first frames are not judged; the same
    snap in the middle of the set is found."""
    seq = _square_on(twist_deg=0.0)
    start = analyze_sequence(seq, CFG).reps[1].start_frame
    flow = seq.torso_flow.copy()
    jump = np.radians(40.0) * _torso_scale(seq) / 3  # 40 deg out and back in 0.2 s
    flow[start:start + 3, 0] += jump
    flow[start + 3:start + 6, 0] -= jump
    snapped = replace(seq, torso_flow=flow)
    whole = analyze_sequence(snapped, CFG)
    assert [f.rep for f in whole.findings if f.fault == "jerky_twist"] == [2]
    cut = analyze_sequence(snapped.slice(start), CFG)  # the set begins with the snap
    assert cut.reps[0].start_frame == 0
    assert not [f for f in cut.findings if f.fault == "jerky_twist"]
