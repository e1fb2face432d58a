"""Upside-down poses (pose.plausible): frames the network laid upside down are read as frames
without the lifter, by the analysis, the report's notices and the drawn skeleton alike."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck import pipeline
from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.plausible import EXTRA_KEY, upside_down, without_upside_down
from formcheck.render.overlay import DrawnPoses


def _lift(exercise: str = "squat", yaw: float = 90.0):
    return synthesize(SynthSpec(exercise=exercise, reps=(SynthRep(),) * 3, yaw_deg=yaw,
                                noise_px=1.0))[0]


def _flipped(seq, frames: slice):
    """``seq`` with ``frames`` laid upside down in the picture about the hips (as the network
    does on a close-up), the world landmarks left as they were."""
    xy = seq.image_xy.copy()
    hip_y = xy[frames, [L.LEFT_HIP, L.RIGHT_HIP], 1].mean(axis=1, keepdims=True)
    xy[frames, :, 1] = 2.0 * hip_y - xy[frames, :, 1]
    return replace(seq, image_xy=xy)


@pytest.mark.parametrize("exercise", ["squat", "deadlift", "row"])
@pytest.mark.parametrize("yaw", [0.0, 45.0, 90.0, 135.0])
def test_no_frame_of_a_real_lift_is_upside_down(exercise, yaw):
    # Bent over as far as a row or a deadlift's set-up goes, the head stays above the feet.
    seq = _lift(exercise, yaw)
    assert not upside_down(seq).any()
    assert without_upside_down(seq) is seq


def test_a_seated_pose_with_the_feet_up_at_hip_height_is_not_upside_down():
    seq = _lift("row")
    xy = seq.image_xy.copy()
    hip_y = xy[:, [L.LEFT_HIP, L.RIGHT_HIP], 1].mean(axis=1)
    for lm in (L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL):
        xy[:, lm, 1] = hip_y - 5.0  # a seated cable row: feet on the plate, level with the hips
    assert not upside_down(replace(seq, image_xy=xy)).any()


def test_upside_down_frames_are_found_and_emptied_and_their_times_kept():
    seq = _flipped(_lift(), slice(9, 15))
    bad = upside_down(seq)
    assert np.flatnonzero(bad).tolist() == list(range(9, 15))
    clean = without_upside_down(seq)
    assert np.isnan(clean.image_xy[bad]).all() and np.isnan(clean.world_xyz[bad]).all()
    assert (clean.presence[bad] == 0).all() and (clean.visibility[bad] == 0).all()
    assert np.isnan(clean.back_xy[bad]).all()
    assert not clean.detected[bad].any() and clean.detected[~bad].all()
    np.testing.assert_array_equal(clean.image_xy[~bad], seq.image_xy[~bad])
    assert clean.extra[EXTRA_KEY] == pytest.approx(seq.t_s[bad].tolist())
    # Once emptied there is nothing left to drop.
    assert without_upside_down(clean) is clean


def test_the_analysis_the_notice_and_the_drawn_skeleton_leave_them_out():
    base = _lift()
    seq = _flipped(base, slice(9, 15))  # 0.3-0.5 s, in the set-up before the first rep
    got, want = analyze_sequence(seq), analyze_sequence(without_upside_down(seq))
    assert len(got.reps) == len(want.reps) == 3
    assert [(f.fault, f.rep, f.value) for f in got.findings] == \
        [(f.fault, f.rep, f.value) for f in want.findings]
    assert got.summary["frames_with_person"] == len(seq) - 6
    report, _ = pipeline.analyse(seq)
    (notice,) = [n for n in report.notices if n.kind == "upside_down"]
    assert (notice.start_s, notice.end_s) == (pytest.approx(seq.t_s[9]), pytest.approx(seq.t_s[14]))
    assert "upside down on 6 frames" in notice.message
    assert not [n for n in pipeline.analyse(base)[0].notices if n.kind == "upside_down"]
    drawn, nothing = pipeline.render_view(seq), DrawnPoses(without_upside_down(seq))
    np.testing.assert_array_equal(drawn.flags, nothing.flags)
    assert not np.array_equal(drawn.flags[9:15], DrawnPoses(seq).flags[9:15])
