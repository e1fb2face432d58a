"""The torso's optical flow as a twist cue: the flow measurement itself (real OpenCV flow on
a textured picture whose upper half moves), the PoseSequence field, and how the twist signal
uses it (square-on only unless asked; sign by which way the lifter faces)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis import geometry as geo
from formcheck.analysis.features import compute_signals, flow_twist_deg, image_depth_joints
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config
from formcheck.pose.flow import TorsoFlow
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import PoseSequence

EXACT = Config(signal=replace(Config().signal, twist_width_kept=1.0, twist_depth_kept=1.0,
                              twist_world_kept=1.0, twist_flow_kept=1.0))


def _texture(h: int = 240, w: int = 240, seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.random((h, w)).astype(np.float32)
    img = cv2.GaussianBlur(noise, (0, 0), 2.0)
    img = (img - img.min()) / np.ptp(img) * 255.0
    return np.repeat(img.astype(np.uint8)[..., None], 3, axis=2)


def _front_landmarks() -> np.ndarray:
    """A lifter facing the camera: their left shoulder on the image's right; arms out to the
    sides, away from the torso."""
    xy = np.full((33, 2), np.nan, np.float32)
    xy[L.LEFT_SHOULDER], xy[L.RIGHT_SHOULDER] = (150, 70), (90, 70)
    xy[L.LEFT_HIP], xy[L.RIGHT_HIP] = (140, 170), (100, 170)
    xy[L.LEFT_ELBOW], xy[L.RIGHT_ELBOW] = (200, 60), (40, 60)
    xy[L.LEFT_WRIST], xy[L.RIGHT_WRIST] = (230, 50), (10, 50)
    xy[L.LEFT_INDEX], xy[L.RIGHT_INDEX] = (235, 48), (5, 48)
    return xy


@pytest.mark.parametrize("shift", [2, -3])
def test_the_shoulder_band_moving_across_the_trunk_is_measured_and_the_hips_stay(shift):
    first = _texture()
    second = first.copy()
    second[:115] = np.roll(first[:115], shift, axis=1)  # the upper torso moves sideways
    xy = _front_landmarks()
    flow = TorsoFlow()
    assert np.isnan(flow.step(first, xy)).all()  # nothing to compare the first frame with
    shoulders, hips = flow.step(second, xy)
    # Image +x is towards the lifter's left here (they face the camera).
    assert shoulders == pytest.approx(shift, abs=0.35)
    assert hips == pytest.approx(0.0, abs=0.35)


def test_a_large_frame_is_compared_on_a_scaled_down_crop_in_image_pixels():
    import cv2

    big = cv2.resize(_texture(), None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    moved = big.copy()
    moved[:460] = np.roll(big[:460], 8, axis=1)
    flow = TorsoFlow()
    flow.step(big, _front_landmarks() * 4)
    shoulders, hips = flow.step(moved, _front_landmarks() * 4)
    assert shoulders == pytest.approx(8.0, abs=1.0)
    assert hips == pytest.approx(0.0, abs=1.0)


def test_a_frame_without_a_torso_gives_nan_and_the_next_is_placed_on_it():
    flow = TorsoFlow()
    nothing = np.full((33, 2), np.nan, np.float32)
    values = [flow.step(img, xy) for img, xy in zip(
        [_texture(seed=0), _texture(seed=0), _texture(seed=1)],
        [_front_landmarks(), nothing, _front_landmarks()], strict=True)]
    assert np.isnan(values[0]).all() and np.isfinite(values[1]).all()
    assert np.isnan(values[2]).all()  # placed with the previous frame's landmarks: none


def test_the_builder_keeps_one_flow_row_per_frame_and_none_when_unmeasured():
    from formcheck.pose.estimator import FramePose, SequenceBuilder, to_sequence

    def pose(flow):
        return FramePose(image_xy=np.zeros((33, 2), np.float32),
                         world_xyz=np.zeros((33, 3), np.float32),
                         visibility=np.ones(33, np.float32), presence=np.ones(33, np.float32),
                         back_xy=None, torso_flow=flow)

    poses = [pose(np.array([np.nan, np.nan], np.float32)), pose(np.array([1.5, -0.5],
                                                                          np.float32))]
    built = SequenceBuilder(back_profile=False, capacity=1)
    for i, p in enumerate(poses * 40):  # past the first capacity: the arrays grow
        built.append(i / 30.0, p)
    seq = built.build(width=64, height=48)
    assert seq.torso_flow.shape == (80, 2)
    np.testing.assert_array_equal(seq.torso_flow[1::2], [[1.5, -0.5]] * 40)
    assert np.isnan(seq.torso_flow[::2]).all()
    ref = to_sequence([i / 30.0 for i in range(80)], poses * 40, width=64, height=48,
                      back_profile=False)
    np.testing.assert_array_equal(ref.torso_flow, seq.torso_flow)
    plain = SequenceBuilder(back_profile=False)
    plain.append(0.0, pose(None))
    assert plain.build(width=64, height=48).torso_flow is None


# ------------------------------------------------------------------ the twist signal
def _with_flow_of_its_twist(seq: PoseSequence, seen_from_behind: bool) -> PoseSequence:
    """The flow a twist would give: the shoulder band moving across the trunk by the true
    turn per frame times the torso's size (kept share 1), hips still; from behind, the back
    moves the other way."""
    turn = geo.twist_deg(image_depth_joints(seq))  # exact landmarks: the true twist
    xy = seq.image_xy.astype(np.float64)
    chord = np.hypot(*(((xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP])
                        - (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER])) / 2.0).T)
    width = np.hypot(*(xy[:, L.LEFT_SHOULDER] - xy[:, L.RIGHT_SHOULDER]).T)
    scale = float(np.median(np.fmax(chord, width)))
    step = np.radians(np.diff(turn, prepend=turn[0])) * scale
    flow = np.zeros((len(seq), 2))
    flow[:, 0] = -step if seen_from_behind else step
    return replace(seq, torso_flow=flow)


@pytest.mark.parametrize("yaw", [0.0, 180.0])
def test_square_on_the_flow_reads_the_twist_with_its_side(yaw):
    reps = (SynthRep(), SynthRep(twist_deg=25.0, twist_duration_s=0.3), SynthRep())
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=yaw))
    depth_only = compute_signals(seq, EXACT).twist
    sig = compute_signals(_with_flow_of_its_twist(seq, yaw == 180.0), EXACT).twist
    assert sig.depth_source == "flow" and depth_only.depth_source == "image depth"
    peak = float(sig.angle_deg[np.nanargmax(np.abs(sig.angle_deg))])
    want = float(depth_only.angle_deg[np.nanargmax(np.abs(depth_only.angle_deg))])
    assert abs(want) > 20.0
    assert peak == pytest.approx(want, abs=2.0)


def test_turned_to_the_camera_the_flow_is_not_used():
    reps = (SynthRep(), SynthRep(twist_deg=25.0, twist_duration_s=0.3), SynthRep())
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=45.0))
    sig = compute_signals(_with_flow_of_its_twist(seq, False), EXACT).twist
    assert sig.depth_source == "image depth"


def test_obliquely_from_behind_the_flow_replaces_the_widths_only_when_asked():
    reps = (SynthRep(), SynthRep(twist_deg=25.0, twist_duration_s=0.3), SynthRep())
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=reps, yaw_deg=135.0))
    flowing = _with_flow_of_its_twist(seq, True)
    asked = Config(signal=replace(EXACT.signal, twist_flow_behind_max_deg=55.0))
    sig = compute_signals(flowing, asked).twist
    assert sig.depth_source == "flow" and not sig.facing
    assert np.all(sig.width_weight == 0.0)
    exact = geo.twist_deg(image_depth_joints(seq))
    want = float(exact[np.nanargmax(np.abs(exact))] - np.nanmedian(exact))
    peak = float(sig.angle_deg[np.nanargmax(np.abs(sig.angle_deg))])
    assert abs(want) > 20.0 and peak == pytest.approx(want, abs=3.0)
    widths = compute_signals(flowing, EXACT).twist  # the default: square-on only
    assert widths.depth_source != "flow" and widths.width_weight.max() > 0.5


def test_without_flow_there_is_no_flow_twist():
    rng = np.random.default_rng(0)
    seq = PoseSequence(t_s=np.arange(4) / 30.0, image_xy=rng.random((4, 33, 2)),
                       world_xyz=rng.random((4, 33, 3)), visibility=np.ones((4, 33)),
                       presence=np.ones((4, 33)))
    assert seq.torso_flow is None and flow_twist_deg(seq) is None
    unmeasured = replace(seq, torso_flow=np.full((4, 2), np.nan))  # never found a torso
    assert flow_twist_deg(unmeasured) is None


@pytest.mark.slow
def test_the_pose_pass_keeps_the_torso_flow_frame_by_frame(tmp_path):
    from pathlib import Path

    from formcheck.pipeline import extract_pose

    video = Path(__file__).resolve().parents[1] / "samples" / "squat_jerkytwist_45_f_heavy.mp4"
    seq = extract_pose(video, "lite")
    assert seq.torso_flow is not None and seq.torso_flow.shape == (len(seq), 2)
    assert np.isnan(seq.torso_flow[0]).all()  # nothing before the first frame
    assert np.isfinite(seq.torso_flow[seq.detected][1:]).mean() > 0.9
    back = PoseSequence.load(seq.save(tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.torso_flow, seq.torso_flow)
