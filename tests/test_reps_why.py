"""Why no rep was counted: ``reps.count_reps`` states the cause it measured, and every fault
the view could show says it ("no rep was counted (<cause>), and only counted reps are
judged ..."). Each sequence below has one known cause; the stated numbers are checked
against the sequence's own truth (the synthetic body's sizes and timings)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.features import compute_signals
from formcheck.analysis.synthetic import (
    ANKLE_HEIGHT_M,
    SHANK_M,
    THIGH_M,
    SynthRep,
    SynthSpec,
    synthesize,
)
from formcheck.config import Config
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import PoseSequence

NOISE = {"noise_px": 1.0, "noise_m": 0.005}
CFG = Config()
#: The synthetic squat's hips: standing and at the bottom, metres above the floor.
SQUAT_HIP_TOP_M, SQUAT_HIP_BOTTOM_M = 0.90, 0.48
LEG_M = THIGH_M + SHANK_M
SQUAT_DROP_LEGS = (SQUAT_HIP_TOP_M - SQUAT_HIP_BOTTOM_M) / LEG_M  # 0.47 leg lengths
_ = ANKLE_HEIGHT_M  # (both ends of the drop are measured from the same ankles)


def why(seq: PoseSequence, exercise: str) -> str | None:
    from formcheck.analysis.reps import count_reps

    counted = count_reps(compute_signals(seq, CFG), exercise, CFG.reps)
    assert not counted.reps
    return counted.why_none


def said_by_every_fault(seq: PoseSequence, exercise: str) -> str:
    """The one reason every fault the view could show gives for the clip, which must be the
    no-rep reason of ``count_reps``' own cause."""
    from formcheck.analysis.faults import is_no_rep_reason, no_rep_reason

    result = analyze_sequence(seq, exercise=exercise)
    assert not result.reps and not result.findings
    reasons = {a.reason for a in result.assessable if a.rep is None and is_no_rep_reason(a.reason)}
    assert len(reasons) == 1, reasons
    (reason,) = reasons
    assert not any(a.assessable for a in result.assessable)
    assert {a.fault for a in result.assessable if a.reason == reason} >= {"rounded_back"}
    assert reason == no_rep_reason(why(seq, exercise))
    return reason


def pct(x: float) -> float:
    return float(x.rstrip("%")) / 100.0


def test_the_lifter_never_left_the_rest_position_far_enough():
    """A squat only 15% as deep as the full one (each frame's landmarks drawn 15% of the way
    from standing): the hips drop 0.15 x 0.47 = 7% of a leg length, under the 12% a rep
    needs; the cause says so in those words."""
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 3, **NOISE))
    a = 0.15
    shallow = dataclasses.replace(
        seq, world_xyz=seq.world_xyz[0] + a * (seq.world_xyz - seq.world_xyz[0]),
        image_xy=seq.image_xy[0] + a * (seq.image_xy - seq.image_xy[0]),
        back_xy=seq.back_xy[0] + a * (seq.back_xy - seq.back_xy[0]))
    reason = said_by_every_fault(shallow, "squat")
    head = "no rep was counted (the hips went down and up by only "
    assert reason.startswith(head)
    moved = reason[len(head):].split()[0]
    assert pct(moved) == pytest.approx(a * SQUAT_DROP_LEGS, abs=0.015)
    assert (f"of a leg length over 90% of the frames (5th to 95th percentile), under the "
            f"{CFG.reps.min_range_ratio:.0%} a rep needs)") in reason


def test_a_row_judged_on_arms_that_never_row_names_the_arms_and_their_unit():
    """A deadlift counted as a row: the hands never come in, in arm lengths."""
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(),) * 3, **NOISE))
    cause = why(seq, "row")
    assert cause.startswith("the hands came in towards the shoulders and back by only ")
    assert cause.endswith("% of an arm length over 90% of the frames (5th to 95th percentile), "
                          "under the 12% a rep needs")


def test_a_lift_not_recognised_says_so_with_its_largest_movement():
    seq, _ = synthesize(SynthSpec(exercise="still", reps=(), **NOISE))
    cause = why(seq, "unknown")
    assert cause.startswith("the lift was not recognised, and its largest movement was too "
                            "small: ")
    assert "by only 0%" in cause or "by only 1%" in cause


def test_no_progress_signal_at_all():
    """No frame with a body: no movement of any lift can be measured (``analyze_sequence``
    stops earlier, at "a person was found in only 0 frames"; the rep count still says why)."""
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),), **NOISE))
    nan = np.full_like(seq.world_xyz, np.nan)
    empty = dataclasses.replace(seq, world_xyz=nan, image_xy=np.full_like(seq.image_xy, np.nan),
                                back_xy=None, image_z=None)
    assert why(empty, "unknown") == ("the lift was not recognised and no movement of the hips "
                                     "or hands could be measured")


def test_the_movement_was_under_way_when_the_lifter_was_first_seen():
    """A deadlift clip that starts standing, lowers to the floor and stays there (the set-up
    of ``synthetic``'s deadlift, with no pull after it): BichraiX good017's case."""
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(), setup_s=3.0, **NOISE))
    reason = said_by_every_fault(seq, "deadlift")
    assert reason.startswith(
        "no rep was counted (the lifter was already out of the rest position when first seen, "
        "at 0.0 s, and the movement back to it counts as getting set up, not as a rep), ")


def test_a_movement_that_had_not_come_back_when_the_clip_ended():
    """A squat clip cut 0.4 s into a 1-s rep's descent."""
    seq, truth = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),), rep_duration_s=1.0,
                                      **NOISE))
    start = truth.rep_start_s[0]
    cut = seq.slice(0, int(np.searchsorted(seq.t_s, start + 0.4)))
    reason = said_by_every_fault(cut, "squat")
    head = "no rep was counted (the movement that started at "
    assert reason.startswith(head)
    at, rest = reason[len(head):].split(" s had not come back to rest when the clip ended, at ")
    left, ended = float(at), float(rest.split(" s)")[0])
    assert start - 0.05 <= left <= start + 0.15  # the last still frame before it
    assert ended == pytest.approx(float(cut.t_s[-1]), abs=0.051)


def test_only_movements_shorter_than_a_rep():
    """Three bobs of 0.3 s: each under the 0.5 s a rep lasts at least."""
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 3, rep_duration_s=0.3,
                                  **NOISE))
    reason = said_by_every_fault(seq, "squat")
    head = "no rep was counted (all 3 movements out of the rest position and back lasted at most "
    assert reason.startswith(head)
    lasted = float(reason[len(head):].split(" s")[0])
    assert 0.2 <= lasted <= 0.35
    assert reason[len(head):].startswith(f"{lasted:g} s, under the 0.5 s a rep lasts at least)")


def test_only_a_movement_longer_than_a_rep():
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),), rep_duration_s=25.0,
                                  **NOISE))
    cause = why(seq, "squat")
    head = "the only movement out of the rest position and back lasted "
    assert cause.startswith(head) and cause.endswith(" s, over the 15 s a rep may last")
    assert 15.0 < float(cause[len(head):].split(" s")[0]) < 25.0


def test_a_squat_short_of_a_range_widened_by_wrong_landmarks():
    """brycekroencke's squat: a few frames' legs read at hip height (the pose estimator's
    mistake) widen the clip's range, and the one real squat falls short of 60% of it. The
    cause gives the squat's depth (0.47 leg lengths, the synthetic body's) against what this
    clip's range asked for; the wrong frames, at the start, count as getting set up."""
    seq, truth = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),), **NOISE))
    w = seq.world_xyz.copy()
    k = len(seq) // 8
    for j in (L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX,
              L.RIGHT_FOOT_INDEX, L.LEFT_KNEE, L.RIGHT_KNEE):
        w[:k, j, 1] = w[:k, L.LEFT_HIP, 1]
    reason = said_by_every_fault(dataclasses.replace(seq, world_xyz=w), "squat")
    squat, setup = reason.split("; ")
    assert setup.startswith("the lifter was already out of the rest position when first "
                            "seen, at 0.0 s")
    head = "no rep was counted (the hips went down and up by "
    assert squat.startswith(head)
    went, _, _, _, _, _, around, rest = squat[len(head):].split(" ", 7)
    assert pct(went) == pytest.approx(SQUAT_DROP_LEGS, abs=0.02)
    bottom = 0.5 * (truth.rep_start_s[0] + truth.rep_end_s[0])
    assert float(around) == pytest.approx(bottom, abs=0.1)
    need = rest.split("under the ")[1].split(" a rep needed")[0]
    whole = rest.split("60% of the range of 90% of its frames (5th to 95th percentile), ")[1].split(
        " of a leg length")[0]
    assert pct(went) < pct(need) == pytest.approx(0.6 * pct(whole), abs=0.01)
    # The range runs from standing to the legs read at hip height: the hips' whole height.
    assert pct(whole) == pytest.approx((SQUAT_HIP_TOP_M - ANKLE_HEIGHT_M) / LEG_M, abs=0.03)


def test_too_few_frames_with_the_shoulders_and_hips_seen():
    """The shoulders seen only while standing still at the start: the count says how little
    it saw move, and in how few frames; with the shoulders never seen, that."""
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 3, **NOISE))
    vis = seq.visibility.copy()
    vis[30:, [L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = 0.05
    cause = why(dataclasses.replace(seq, visibility=vis), "squat")
    assert cause.startswith("the hips went down and up by only ")
    assert cause.endswith(f", in the 30 of {len(seq)} frames with the lifter where the "
                          "shoulders and hips were seen clearly")
    vis = vis.copy()
    vis[:, [L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = 0.05
    assert why(dataclasses.replace(seq, visibility=vis), "squat") == (
        "the shoulders and hips were not seen clearly in any frame")


def test_a_counted_rep_states_no_cause():
    from formcheck.analysis.reps import count_reps

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 2, **NOISE))
    counted = count_reps(compute_signals(seq, CFG), "squat", CFG.reps)
    assert len(counted.reps) == 2 and counted.why_none is None


def test_every_surface_gives_the_stated_cause(tmp_path):
    """The report's JSON, the CSV (its ``outside`` row: a clip without a counted rep has one,
    for the whole clip's words), the page, the terminal summary and the video's overlay all
    carry the rep count's cause, unchanged."""
    import csv
    import io
    from html import escape

    from rich.console import Console

    from formcheck.pipeline import analyse
    from formcheck.render._common import not_judged_text
    from formcheck.render.html import render_html
    from formcheck.render.overlay import OverlayRenderer
    from formcheck.render.terminal import print_summary
    from formcheck.report import Report

    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(), setup_s=3.0, **NOISE))
    report, result = analyse(seq, exercise="deadlift")
    cause = why(seq, "deadlift")
    (a,) = [a for a in report.assessable if a.fault == "rounded_back"]
    assert cause in a.reason
    loaded = Report.load(report.save_json(tmp_path / "r.report.json"))
    assert loaded.assessment("rounded_back", None).reason == a.reason
    (row,) = csv.DictReader(io.StringIO(report.reps_csv()))
    assert row["rep"] == "outside" and row["rounded_back"] == "not_assessable"
    assert row["rounded_back_note"] == a.reason
    page = render_html(report, result.series, {}, tmp_path / "r.html").read_text(encoding="utf-8")
    assert escape(a.reason) in page
    console = Console(record=True, width=2000)
    print_summary(report, {}, console)
    assert a.reason in console.export_text()
    notices = OverlayRenderer(report, seq, result.series).notices_at(len(seq) // 2)
    assert not_judged_text("rounded_back", a.reason, video=True) in notices
