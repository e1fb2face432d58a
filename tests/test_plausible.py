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
from formcheck.pose.sequence import PoseSequence
from formcheck.render.overlay import DrawnPoses

HIPS = [L.LEFT_HIP, L.RIGHT_HIP]
ANKLES = [L.LEFT_ANKLE, L.RIGHT_ANKLE]


def _lift(exercise: str = "squat", yaw: float = 90.0):
    return synthesize(SynthSpec(exercise=exercise, reps=(SynthRep(),) * 3, yaw_deg=yaw,
                                noise_px=1.0))[0]


def _flipped(seq, frames: slice):
    """``seq`` with ``frames`` laid upside down in the picture about the hips (as the network
    does on a close-up), the world landmarks left as they were."""
    xy = seq.image_xy.copy()
    hip_y = xy[frames][:, HIPS, 1].mean(axis=1, keepdims=True)
    xy[frames, :, 1] = 2.0 * hip_y - xy[frames, :, 1]
    return replace(seq, image_xy=xy)


def _with_heights(seq, nose: float, ankles: float):
    """Every frame with the nose and both ankles at these heights against the hips' midpoint
    (pixels, + = lower in the picture)."""
    xy = seq.image_xy.copy()
    hip_y = xy[:, HIPS, 1].mean(axis=1)
    xy[:, L.NOSE, 1] = hip_y + nose
    xy[:, ANKLES, 1] = (hip_y + ankles)[:, None]
    return replace(seq, image_xy=xy)


@pytest.mark.parametrize("exercise", ["squat", "deadlift", "row"])
@pytest.mark.parametrize("yaw", [0.0, 45.0, 90.0, 135.0])
def test_no_frame_of_a_lift_is_upside_down(exercise, yaw):
    seq = _lift(exercise, yaw)
    assert not upside_down(seq).any()
    assert without_upside_down(seq) is seq


def test_upside_down_takes_both_the_head_below_the_hips_and_the_feet_above_them():
    seq = _lift()
    # Head down below the hips (a stiff-legged pull looking at the floor), feet on the floor.
    assert not upside_down(_with_heights(seq, nose=40.0, ankles=300.0)).any()
    # Feet up level with the hips (a seated row), head up.
    assert not upside_down(_with_heights(seq, nose=-250.0, ankles=-1.0)).any()
    # Both, by a pixel: upside down; either one a pixel the other way: not.
    assert upside_down(_with_heights(seq, nose=1.0, ankles=-1.0)).all()
    assert not upside_down(_with_heights(seq, nose=-1.0, ankles=-1.0)).any()
    assert not upside_down(_with_heights(seq, nose=1.0, ankles=1.0)).any()


def test_frames_without_a_nose_or_hips_are_not_judged_and_empty_sets_pass():
    seq = _flipped(_lift(), slice(9, 15))
    xy = seq.image_xy.copy()
    xy[9, L.NOSE] = np.nan
    xy[10, L.LEFT_HIP] = np.nan
    assert np.flatnonzero(upside_down(replace(seq, image_xy=xy))).tolist() == [11, 12, 13, 14]
    empty = PoseSequence.empty()
    assert upside_down(empty).shape == (0,) and without_upside_down(empty) is empty


def test_upside_down_frames_are_emptied_and_their_times_kept_once():
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
    assert EXTRA_KEY not in seq.extra  # the raw set (as saved) is left as it was
    # Each frame is judged alone: once emptied there is nothing left to drop, and a stretch of
    # the set reads the same frames (live mode's growing set, the frames drawn).
    assert without_upside_down(clean) is clean
    np.testing.assert_array_equal(upside_down(seq.slice(5, 12)), bad[5:12])


def test_the_analysis_the_notices_and_the_drawn_skeleton_leave_them_out():
    base = _lift()
    seq = _flipped(base, slice(9, 15))  # 0.3-0.5 s, in the set-up before the first rep
    got = analyze_sequence(seq)
    assert got.summary["frames_with_person"] == len(seq) - 6
    assert len(got.reps) == len(analyze_sequence(base).reps) == 3
    report, _ = pipeline.analyse(seq)
    kinds = [n.kind for n in report.notices]
    assert kinds == ["upside_down"]  # no "out of view" for them: the lifter was in the picture
    (notice,) = report.notices
    assert notice.start_s == pytest.approx(seq.t_s[9])
    assert notice.end_s == pytest.approx(seq.t_s[14])
    assert "upside down on 6 frames" in notice.message and "too close" in notice.message
    assert pipeline.analyse(base)[0].notices == ()
    # No skeleton drawn on them: as on frames where no one was found.
    empty = {}
    for name, fill in (("image_xy", np.nan), ("world_xyz", np.nan), ("visibility", 0.0),
                       ("presence", 0.0), ("back_xy", np.nan)):
        arr = getattr(seq, name).copy()
        arr[9:15] = fill
        empty[name] = arr
    nobody = DrawnPoses(replace(seq, **empty))
    drawn = pipeline.render_view(seq)
    np.testing.assert_array_equal(drawn.flags, nobody.flags)
    assert not np.array_equal(DrawnPoses(seq).flags[9:15], nobody.flags[9:15])


def test_a_set_upside_down_throughout_asks_whether_the_picture_is():
    seq = _lift()
    xy = seq.image_xy.copy()
    xy[..., 1] = seq.height - xy[..., 1]  # the whole picture upside down
    report, result = pipeline.analyse(replace(seq, image_xy=xy))
    (notice,) = [n for n in report.notices if n.kind == "upside_down"]
    assert "is the picture itself upside down?" in notice.message
    assert result.summary["frames_with_person"] == 0
