"""The twist signal (features.compute_twist) and the jerky-twist rule's findings, on the
landmark-level synthetic lifter (exact geometry: known answers), plus the image-depth field
of PoseSequence and the IMAGE running mode of the estimator."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis import geometry as geo
from formcheck.analysis.features import compute_signals
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config, load_config
from formcheck.pose.landmarks import Landmark as L

CLEAN = SynthRep()
#: Calibration 1: the synthetic lifter's landmarks are exact. The widths and the depth are
#: what these tests read (the landmark cue square-on: tests/test_twist_landmarks.py).
EXACT = Config(signal=replace(Config().signal, twist_width_kept=1.0, twist_depth_kept=1.0,
                              twist_world_kept=1.0, twist_landmark_cue=False))


def _twist_at_peak(sig) -> float:
    a = sig.twist.angle_deg
    return float(a[np.nanargmax(np.abs(a))])


def _left(stick_twist_deg: float) -> float:
    """The stick figure's twist brings the left shoulder forward: a turn to the lifter's
    right, which the analysis calls negative."""
    return -stick_twist_deg


@pytest.mark.parametrize("yaw", [45.0, 135.0, 225.0, 315.0, 0.0, 180.0])
@pytest.mark.parametrize("twist", [25.0, -25.0])
def test_twist_angle_reads_size_and_side_from_every_broad_view(yaw, twist):
    reps = (CLEAN, CLEAN, SynthRep(twist_deg=twist, twist_duration_s=1.0), CLEAN, CLEAN)
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=yaw))
    sig = compute_signals(seq, EXACT)
    assert _twist_at_peak(sig) == pytest.approx(_left(twist), abs=2.0)
    # Oblique: the projected widths decide (until the shoulders square up to the camera);
    # square to the camera: the depth does.
    share = float(np.median(sig.twist.width_weight))
    assert share == (1.0 if yaw % 90 else 0.0)


@pytest.mark.parametrize("yaw", [45.0, 0.0])
def test_without_image_depth_the_world_landmarks_stand_in(yaw):
    reps = (CLEAN, CLEAN, SynthRep(twist_deg=25.0, twist_duration_s=1.0), CLEAN, CLEAN)
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=yaw))
    old = replace(seq, image_z=None)  # a pose file saved before image_z existed
    sig = compute_signals(old, EXACT)
    assert _twist_at_peak(sig) == pytest.approx(_left(25.0), abs=2.0)


def test_calibration_scales_the_angle():
    reps = (CLEAN, CLEAN, SynthRep(twist_deg=20.0, twist_duration_s=1.0), CLEAN, CLEAN)
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=45.0))
    half = Config(signal=replace(EXACT.signal, twist_width_kept=0.5, twist_depth_kept=0.5))
    assert _twist_at_peak(compute_signals(seq, half)) == pytest.approx(_left(40.0), abs=4.0)


def test_width_ratio_and_near_side_geometry():
    w = np.zeros((1, 33, 3))
    w[0, L.LEFT_SHOULDER] = (0.2, -0.5, -0.1)
    w[0, L.RIGHT_SHOULDER] = (-0.2, -0.5, 0.1)
    w[0, L.LEFT_HIP] = (0.1, 0.0, -0.05)
    w[0, L.RIGHT_HIP] = (-0.1, 0.0, 0.05)
    assert geo.shoulder_hip_width_ratio(w[..., :2])[0] == pytest.approx(2.0)
    assert geo.left_depth_lead(w)[0] == pytest.approx(-0.15)  # the left side is nearer


@pytest.mark.parametrize("yaw", [45.0, 150.0, 0.0])
@pytest.mark.parametrize("twist", [40.0, -40.0])
def test_finding_says_how_far_how_fast_and_which_side(yaw, twist):
    reps = (CLEAN, CLEAN, SynthRep(twist_deg=twist, twist_duration_s=0.2), CLEAN, CLEAN)
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=yaw))
    # Exact depth is as clean as the widths: the depth cue's stricter thresholds not needed.
    cfg = load_config(None, ["jerky_twist.min_depth_twist_rate_deg_s=250",
                             "signal.twist_width_kept=1", "signal.twist_depth_kept=1",
                             "signal.twist_landmark_cue=false"])
    result = analyze_sequence(seq, cfg)
    (f,) = [f for f in result.findings if f.fault == "jerky_twist"]
    assert f.rep == 3
    ev = f.evidence
    assert ev["twist_side"] == ("left" if _left(twist) > 0 else "right")
    assert 0.6 * abs(twist) <= ev["twist_deg"] <= 1.1 * abs(twist)
    assert 0.0 < ev["twist_rise_s"] <= 0.3
    assert f.value >= cfg.deadlift.jerky_twist.min_twist_rate_deg_s
    assert ev["twist_side"] in f.message and f"{ev['twist_deg']:.0f}°" in f.message


def test_the_reps_csv_says_how_far_which_side_and_when_the_twist_went():
    import csv
    import io

    from formcheck.pipeline import build_report

    reps = (CLEAN, CLEAN, SynthRep(twist_deg=-40.0, twist_duration_s=0.2), CLEAN, CLEAN)
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=45.0))
    # The widths' path (the stick figure's outline does not turn as a rendered lifter's mask
    # does, which the 45° reading as from the side needs: test_twist_side).
    cfg = load_config(None, ["signal.twist_width_kept=1", "signal.twist_depth_kept=1",
                             "signal.twist_oblique_near=false"])
    result = analyze_sequence(seq, cfg)
    (f,) = [f for f in result.findings if f.fault == "jerky_twist"]
    rows = list(csv.DictReader(io.StringIO(build_report(seq, result, None, cfg).reps_csv())))
    row = next(r for r in rows if r["rep"] == str(f.rep))
    assert float(row["jerky_twist_deg"]) == pytest.approx(f.evidence["twist_deg"], abs=1e-3)
    assert row["jerky_twist_side"] == f.evidence["twist_side"] == "left"
    assert float(row["start_s"]) <= float(row["jerky_twist_peak_s"]) <= float(row["end_s"])
    assert float(row["jerky_twist_value"]) == pytest.approx(f.value, abs=1e-3)
    assert all(r["jerky_twist_deg"] == "" for r in rows if r["rep"] != str(f.rep))


def test_slow_and_small_twists_give_no_finding():
    reps = (SynthRep(twist_deg=40.0, twist_duration_s=2.0), CLEAN,
            SynthRep(twist_deg=3.0, twist_duration_s=0.2))
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=45.0))
    assert [f for f in analyze_sequence(seq, EXACT).findings if f.fault == "jerky_twist"] == []


# ------------------------------------------------------------------ estimator IMAGE mode
def test_unknown_running_mode_is_refused(lite_model):
    from formcheck.pose.estimator import PoseEstimator

    with pytest.raises(ValueError, match="running_mode"):
        PoseEstimator(lite_model, running_mode="stream")


@pytest.mark.slow
def test_image_mode_finds_the_person_frame_by_frame_and_keeps_depth(lite_model, person_image):
    from formcheck.pose.estimator import PoseEstimator

    with PoseEstimator(lite_model, back_profile=False, running_mode="image") as est:
        a = est.process(person_image, 0.0)
        b = est.process(person_image, 0.0)  # no tracking state: same frame, same answer
    assert a.detected
    np.testing.assert_array_equal(a.image_xy, b.image_xy)
    assert a.image_z.shape == (33,) and np.isfinite(a.image_z).all()
    # Depth is relative to the hips, in pixels of the same scale as x.
    assert abs(float(a.image_z[L.LEFT_HIP] + a.image_z[L.RIGHT_HIP])) < 0.2 * person_image.shape[1]


def test_a_twist_finding_is_graded_and_drawn_against_the_limit_it_had_to_pass():
    """Where the twist is read from the landmarks' depth the rule needs more (a higher rate
    limit): the finding, and the plotted limit, must carry that limit, not the width cue's."""
    reps = (CLEAN, CLEAN, SynthRep(twist_deg=50.0, twist_duration_s=0.2), CLEAN, CLEAN)
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=0.0))  # front: depth
    cfg = load_config(None, ["jerky_twist.min_depth_twist_rate_deg_s=300",
                             "signal.twist_depth_kept=1", "signal.twist_landmark_cue=false"])
    result = analyze_sequence(seq, cfg)
    (f,) = [f for f in result.findings if f.fault == "jerky_twist"]
    th = cfg.deadlift.jerky_twist
    assert f.evidence["width_cue_weight"] < 0.5  # mostly the depth cue here
    assert f.threshold == pytest.approx(f.evidence["min_twist_rate_here_deg_s"])
    assert f.threshold > th.min_twist_rate_deg_s
    # The series carries each frame's limit: at the finding's peak, the finding's own.
    s = result.series["twist_rate"]
    assert s.threshold is None and s.threshold_t is not None
    peak = int(np.argmin(np.abs(s.t_s - f.peak_s)))
    assert s.limit_at(peak) == pytest.approx(f.threshold)
