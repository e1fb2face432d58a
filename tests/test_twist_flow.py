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
from formcheck.config import RANGES, Config
from formcheck.pose.flow import (
    ARMS_ONLY,
    CUT_MIN_CHANGE,
    MIN_SEEN,
    FlowGate,
    MaskSpec,
    PictureCut,
    TorsoFlow,
    hip_turn_deg,
)
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import PoseSequence

EXACT = Config(signal=replace(Config().signal, twist_width_kept=1.0, twist_depth_kept=1.0,
                              twist_world_kept=1.0, twist_flow_kept=1.0,
                              twist_landmark_cue=False))


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


def test_without_flow_there_is_no_flow_twist():
    rng = np.random.default_rng(0)
    seq = PoseSequence(t_s=np.arange(4) / 30.0, image_xy=rng.random((4, 33, 2)),
                       world_xyz=rng.random((4, 33, 3)), visibility=np.ones((4, 33)),
                       presence=np.ones((4, 33)))
    assert seq.torso_flow is None and flow_twist_deg(seq) is None
    unmeasured = replace(seq, torso_flow=np.full((4, 2), np.nan))  # never found a torso
    assert flow_twist_deg(unmeasured) is None


@pytest.mark.slow
def test_the_pose_pass_keeps_the_torso_flow_frame_by_frame_where_the_gate_is_open(tmp_path):
    from pathlib import Path

    from formcheck.io.video import FileSource
    from formcheck.pipeline import extract_pose

    video = Path(__file__).resolve().parents[1] / "samples" / "squat_jerkytwist_45_f_heavy.mp4"
    seq = extract_pose(video, "lite")
    assert seq.torso_flow is not None and seq.torso_flow.shape == (len(seq), 2)
    assert np.isnan(seq.torso_flow[0]).all()  # nothing before the first frame
    back = PoseSequence.load(seq.save(tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.torso_flow, seq.torso_flow)
    # What the pose pass stored is every frame's flow where the gate, replayed on the stored
    # landmarks, lets it through, and NaN elsewhere (bench/flow_gate.py's replay rests on it).
    gate = FlowGate()
    open_ = np.array([gate.wants(float(t), w) for t, w in zip(seq.t_s, seq.world_xyz,
                                                               strict=True)])
    assert 0.2 < open_.mean() < 1.0  # a 45 deg camera: the hip line's turn is near the limit
    every, cuts = TorsoFlow(), PictureCut()
    with FileSource(video, channels="rgb") as src:
        frames = [(every.read(f.image, xy), cuts.step(f.image)[0])
                  for f, xy in zip(src, seq.image_xy, strict=True)]
    full = np.array([r.motion for r, _ in frames])
    seen = np.array([r.seen for r, _ in frames], np.float32)
    np.testing.assert_array_equal(seq.torso_flow[open_], full[open_])
    assert np.isnan(seq.torso_flow[~open_]).all()
    # (the squat's hands at the bar hide part of the shoulder band: not every frame reads)
    assert np.isfinite(full[open_ & seq.detected][1:]).mean() > 0.5
    # The share of the bands the mask left, and the cut flags (every frame), are the bench's
    # replay too (bench/eval_twist.py mask-flows measures with these classes).
    np.testing.assert_array_equal(seq.torso_flow_seen[open_], seen[open_])
    assert np.isnan(seq.torso_flow_seen[~open_]).all()
    np.testing.assert_array_equal(seq.picture_cut, [c for _, c in frames])
    assert not seq.picture_cut.any()  # one rendered shot: no cut
    np.testing.assert_array_equal(back.torso_flow_seen, seq.torso_flow_seen)
    np.testing.assert_array_equal(back.picture_cut, seq.picture_cut)


# ------------------------------------------------------------------ the gate
def _world_turned(deg: float) -> np.ndarray:
    """World landmarks whose hip line is turned ``deg`` from square-on."""
    w = np.zeros((33, 3), np.float32)
    a = np.radians(deg)
    w[L.LEFT_HIP] = (0.1 * np.cos(a), 0.0, 0.1 * np.sin(a))
    w[L.RIGHT_HIP] = -w[L.LEFT_HIP]
    return w


@pytest.mark.parametrize("deg", [0.0, 30.0, 60.0, 89.0])
def test_the_hip_line_turn_is_read_folded_to_a_quarter_turn(deg):
    assert hip_turn_deg(_world_turned(deg)) == pytest.approx(deg, abs=1e-3)
    assert hip_turn_deg(_world_turned(180.0 - deg)) == pytest.approx(deg, abs=1e-3)
    assert np.isnan(hip_turn_deg(np.full((33, 3), np.nan, np.float32)))


def test_the_gate_opens_near_square_on_and_holds_before_closing():
    gate = FlowGate(max_turn_deg=45.0, hold_s=1.0)
    nobody = np.full((33, 3), np.nan, np.float32)
    seen = []
    for i in range(150):  # 30 fps: side-on, square-on, side-on again, nobody, square-on
        t = i / 30.0
        world = (_world_turned(80.0) if i < 30 or 60 <= i < 120 else
                 _world_turned(10.0) if i < 60 or 130 <= i < 140 else nobody)
        seen.append(gate.wants(t, world))
    seen = np.array(seen)
    assert not seen[:30].any()  # side-on from the start: never measured
    assert seen[30:60].all()  # square-on
    assert seen[60:90].all() and not seen[91:120].any()  # held 1 s, then closed
    assert not seen[120:130].any() and seen[130:150].all()  # nobody: as it was


def test_a_frame_kept_without_measuring_is_what_the_next_flow_compares_against():
    first = _texture(seed=3)
    second = first.copy()
    second[:115] = np.roll(first[:115], 2, axis=1)
    xy = _front_landmarks()
    skipped, measured = TorsoFlow(), TorsoFlow()
    skipped.step(_texture(seed=5), xy)
    assert np.isnan(skipped.keep(first, xy)).all()
    measured.step(first, xy)
    np.testing.assert_array_equal(skipped.step(second, xy), measured.step(second, xy))


# ------------------------------------------------------------------ cheaper, same numbers
def _band_motion_over_full_grids(flow, origin, scale, image_xy):
    """The band reading written plainly over full coordinate grids (the code before it was
    vectorised): ``band_motion`` must give exactly these numbers."""
    from formcheck.pose import flow as pf

    out = np.full(2, np.nan, np.float32)
    xy = image_xy.astype(np.float64)
    ls, rs, lh, rh = (xy[i] for i in pf.TORSO)
    s, hp = (ls + rs) / 2.0, (lh + rh) / 2.0
    chord = hp - s
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 4.0:
        return out
    normal = np.array([-chord[1], chord[0]]) / length
    if float((ls - rs) @ normal) < 0:
        normal = -normal
    h, w = flow.shape[:2]
    step = 2 if max(h, w) > pf.SPARSE_ABOVE_PX else 1
    flow = flow[::step, ::step]
    yy, xx = np.mgrid[0:h:step, 0:w:step]
    gx, gy = xx / scale + origin[0], yy / scale + origin[1]
    f = ((gx - s[0]) * chord[0] + (gy - s[1]) * chord[1]) / length ** 2
    across_pos = (gx - s[0]) * normal[0] + (gy - s[1]) * normal[1]
    across = (flow[..., 0] * normal[0] + flow[..., 1] * normal[1]) / scale
    free = np.ones(flow.shape[:2], bool)
    radius = pf.ARM_RADIUS * max(length, float(np.hypot(*(ls - rs))))
    for a, b in pf.ARM_SEGMENTS:
        pa, pb = xy[a], xy[b]
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        d = pb - pa
        u = np.clip(((gx - pa[0]) * d[0] + (gy - pa[1]) * d[1]) / max(float(d @ d), 1e-9),
                    0.0, 1.0)
        free &= np.hypot(gx - pa[0] - u * d[0], gy - pa[1] - u * d[1]) > radius
    widths = (float(np.hypot(*(ls - rs))), float(np.hypot(*(lh - rh))))
    for k, ((lo, hi), width) in enumerate(zip(pf.BANDS, widths, strict=True)):
        half = max(pf.HALF_WIDTH * width, pf.MIN_HALF_WIDTH * length)
        sel = (f >= lo) & (f <= hi) & (np.abs(across_pos) <= half) & free
        if int(sel.sum()) >= pf.MIN_BAND_PIXELS:
            out[k] = float(np.median(across[sel]))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_the_band_reading_gives_exactly_what_full_grids_give(seed):
    from formcheck.pose.flow import band_motion

    rng = np.random.default_rng(seed)
    size = (int(rng.integers(20, 200)), int(rng.integers(20, 200)))  # both sides of sparse
    flow = rng.normal(0.0, 2.0, (*size, 2)).astype(np.float32)
    xy = _front_landmarks() * rng.uniform(0.3, 1.2) + rng.normal(0.0, 6.0, (33, 2))
    xy = xy.astype(np.float32)
    if seed % 3 == 1:  # arms lost: their segments are skipped
        xy[[L.LEFT_ELBOW, L.RIGHT_WRIST]] = np.nan
    if seed % 4 == 2:  # arms across the torso
        xy[L.LEFT_ELBOW], xy[L.LEFT_WRIST] = xy[L.LEFT_HIP], xy[L.RIGHT_SHOULDER]
    origin = rng.uniform(-20.0, 40.0, 2)
    scale = float(rng.uniform(0.4, 1.0))
    got = band_motion(flow, origin, scale, xy, ARMS_ONLY)
    want = _band_motion_over_full_grids(flow, origin, scale, xy)
    np.testing.assert_array_equal(got, want)
    if seed < 3:
        assert np.isfinite(got).any()  # the case exercised reads a band


def test_the_gate_leaves_a_wide_margin_over_where_the_rule_reads_the_flow():
    """The rule reads the flow for sets within ``twist_width_zero_deg`` of square-on (by
    median); the gate measures single frames up to ``GATE_MAX_TURN_DEG``. Pose files do not
    depend on the thresholds (they are cached), so the margin is checked here: a default that
    grew past it would read frames the pose pass never measured."""
    from formcheck.pose.flow import GATE_HOLD_S, GATE_MAX_TURN_DEG

    assert GATE_MAX_TURN_DEG >= Config().signal.twist_width_zero_deg + 25.0
    assert GATE_HOLD_S >= 0.5
    # ... and no allowed setting can move the rule past the gate's margin either.
    assert GATE_MAX_TURN_DEG >= RANGES["SignalConfig.twist_width_zero_deg"].hi + 20.0


# ------------------------------------------------------------------ round 9: hands, cuts
def _hands_on_the_chest() -> np.ndarray:
    """``_front_landmarks`` with the forearms folded in: both hands clasped at the middle of
    the shoulder band (as in a bodyweight squat)."""
    xy = _front_landmarks()
    xy[L.LEFT_ELBOW], xy[L.RIGHT_ELBOW] = (160, 120), (80, 120)
    xy[L.LEFT_WRIST], xy[L.RIGHT_WRIST] = (126, 95), (114, 95)
    xy[L.LEFT_INDEX], xy[L.RIGHT_INDEX] = (122, 90), (118, 90)
    return xy


def test_hands_moving_in_front_of_the_chest_are_left_out_and_the_share_seen_drops():
    import cv2

    first = _texture(seed=7)
    second = first.copy()
    xy = _hands_on_the_chest()
    # the hands and forearms move up and across; the torso behind them stays still
    region = np.zeros(first.shape[:2], np.uint8)
    for a, b in ((L.LEFT_ELBOW, L.LEFT_WRIST), (L.RIGHT_ELBOW, L.RIGHT_WRIST)):
        cv2.line(region, tuple(int(v) for v in xy[a]), tuple(int(v) for v in xy[b]), 1, 22)
    cv2.circle(region, (120, 95), 24, 1, -1)
    moved = np.roll(np.roll(first, 4, axis=1), -3, axis=0)
    second[region > 0] = moved[region > 0]
    # a mask that fits these hands (the shipped one, larger, leaves no shoulder band here)
    fitted = MaskSpec(arm=0.0, forearm=0.12, hand=0.28)
    bare, masked = TorsoFlow(mask=MaskSpec(arm=0.0)), TorsoFlow(mask=fitted)
    for tracker in (bare, masked):
        tracker.read(first, xy)
    unmasked, read = bare.read(second, xy), masked.read(second, xy)
    assert abs(unmasked.motion[0]) > 1.0  # the hands' motion, read as the shoulders'
    assert unmasked.seen == 1.0
    assert read.motion[0] == pytest.approx(0.0, abs=0.35)
    assert 0.0 < read.seen < 0.8
    # The pose pass's mask hides all but a sliver of the shoulder band here: nothing is read
    # (the rule reads no motion), rather than the hands' motion.
    shipped = TorsoFlow()
    shipped.read(first, xy)
    got = shipped.read(second, xy)
    assert got.seen < MIN_SEEN and np.isnan(got.motion).all()


def test_the_pose_pass_reading_is_the_bench_mask_with_too_little_seen_left_out():
    from formcheck.pose.flow import MASK, band_reading

    rng = np.random.default_rng(4)
    flow = rng.normal(0.0, 2.0, (150, 140, 2)).astype(np.float32)
    for xy in (_front_landmarks(), _hands_on_the_chest()):
        got = band_reading(flow, np.zeros(2), 1.0, xy)
        bare = band_reading(flow, np.zeros(2), 1.0, xy, MASK, min_seen=0.0)
        assert got.seen == bare.seen
        want = bare.motion if bare.seen >= MIN_SEEN else np.full(2, np.nan, np.float32)
        np.testing.assert_array_equal(got.motion, want)


def test_hands_away_from_the_torso_hide_no_more_than_the_upper_arms_do():
    first = _texture(seed=2)
    flow, arms = TorsoFlow(), TorsoFlow(mask=ARMS_ONLY)
    for tracker in (flow, arms):
        tracker.read(first, _front_landmarks())
    seen = flow.read(first, _front_landmarks()).seen
    assert seen == arms.read(first, _front_landmarks()).seen
    assert 0.7 < seen < 1.0  # the upper arms cross the shoulder band's outer corners


def _scene(seed: int, h: int = 360, w: int = 640) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 12.0)
    img = (img - img.min()) / np.ptp(img) * 255.0
    return np.repeat(img.astype(np.uint8)[..., None], 3, axis=2)


def test_a_change_of_shot_is_a_cut_and_a_pan_or_a_black_pause_is_not():
    cuts = PictureCut()
    a, b = _scene(1), _scene(2)
    black = np.zeros_like(a)
    assert cuts.step(a) == (False, 0.0)  # the first frame
    for shift in range(1, 6):  # a pan of a thumbnail pixel a frame
        cut, change = cuts.step(np.roll(a, 10 * shift, axis=1))
        assert not cut and change < 0.1
    cut, change = cuts.step(b)  # another shot
    assert cut and change > 0.5
    assert cuts.step(black)[0] and not cuts.step(black)[0] and cuts.step(a)[0]


def test_where_every_frame_changes_a_lot_only_a_far_larger_change_is_a_cut():
    import cv2

    cuts = PictureCut()
    wide = _scene(3, w=1280)
    flags = []
    for k in range(10):  # a whip pan, 60 px a frame: past the shifts the match allows
        cut, change = cuts.step(np.ascontiguousarray(wide[:, 60 * k:60 * k + 640]))
        flags.append(cut)
        if k:
            assert change > CUT_MIN_CHANGE
    assert not any(flags[2:])  # once the clip's usual change is known, none is a cut
    quiet = PictureCut()
    a = _scene(4)
    for k in range(10):  # a close camera: the picture grows 3% a frame
        z = 1.0 + 0.03 * k
        img = cv2.resize(a, None, fx=z, fy=z)[:a.shape[0], :a.shape[1]]
        assert not quiet.step(np.ascontiguousarray(img))[0]
    assert quiet.step(_scene(5))[0]


def test_the_seen_share_and_cut_flags_are_kept_per_frame_saved_and_sliced(tmp_path):
    from formcheck.pose.estimator import FramePose, SequenceBuilder, to_sequence

    def pose(seen, cut):
        return FramePose(image_xy=np.zeros((33, 2), np.float32),
                         world_xyz=np.zeros((33, 3), np.float32),
                         visibility=np.ones(33, np.float32), presence=np.ones(33, np.float32),
                         back_xy=None, torso_flow=np.zeros(2, np.float32), flow_seen=seen,
                         picture_cut=cut)

    poses = [pose(float("nan"), False), pose(0.4, True), pose(0.9, False)] * 30
    first, second = SequenceBuilder(back_profile=False), SequenceBuilder(back_profile=False)
    for i, p in enumerate(poses):  # two stretches, as the segmented pose pass joins them
        (first if i < 45 else second).append(i / 30.0, p)
    first.extend(second)
    seq = first.build(width=64, height=48)
    np.testing.assert_array_equal(seq.torso_flow_seen[:3], np.float32([np.nan, 0.4, 0.9]))
    np.testing.assert_array_equal(seq.picture_cut, [False, True, False] * 30)
    ref = to_sequence([i / 30.0 for i in range(90)], poses, width=64, height=48,
                      back_profile=False)
    np.testing.assert_array_equal(ref.torso_flow_seen, seq.torso_flow_seen)
    np.testing.assert_array_equal(ref.picture_cut, seq.picture_cut)
    back = PoseSequence.load(seq.save(tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.torso_flow_seen, seq.torso_flow_seen)
    np.testing.assert_array_equal(back.picture_cut, seq.picture_cut)
    part = back.slice(1, 3)
    assert part.picture_cut.tolist() == [True, False]
    np.testing.assert_array_equal(part.torso_flow_seen, np.float32([0.4, 0.9]))
    # Files made before round 9 load without them.
    older = PoseSequence(t_s=seq.t_s, image_xy=seq.image_xy, world_xyz=seq.world_xyz,
                         visibility=seq.visibility, presence=seq.presence)
    again = PoseSequence.load(older.save(tmp_path / "old.npz"))
    assert again.torso_flow_seen is None and again.picture_cut is None
