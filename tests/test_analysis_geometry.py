"""Geometry: angles, trunk lean, twist and the back-profile bulge, with invariances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.analysis import geometry as geo
from formcheck.analysis.synthetic import SynthSpec, synthesize
from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarks import Landmark as L


@pytest.mark.parametrize(
    ("u", "v", "deg"),
    [((1, 0, 0), (1, 0, 0), 0.0), ((1, 0, 0), (0, 1, 0), 90.0), ((1, 0, 0), (-1, 0, 0), 180.0),
     ((1, 1, 0), (1, 0, 0), 45.0), ((1, 0), (0, -2), 90.0), ((3, 0), (1, 1), 45.0)],
)
def test_angle_deg(u, v, deg):
    assert geo.angle_deg(np.array([u], float), np.array([v], float))[0] == pytest.approx(deg)


def _pose(trunk_deg: float, twist_deg: float = 0.0) -> np.ndarray:
    """One frame of world landmarks: hips at the origin, trunk leaning forward (+x)."""
    w = np.zeros((1, NUM_LANDMARKS, 3))
    a = np.radians(trunk_deg)
    sh = np.array([np.sin(a), -np.cos(a), 0.0]) * 0.5
    tw = np.radians(twist_deg)
    left = np.array([0.0, 0.0, 1.0])  # facing +x: the left side is away from the camera
    sh_left = np.array([-np.sin(tw), 0.0, np.cos(tw)])
    w[0, L.LEFT_HIP], w[0, L.RIGHT_HIP] = 0.12 * left, -0.12 * left
    w[0, L.LEFT_SHOULDER], w[0, L.RIGHT_SHOULDER] = sh + 0.18 * sh_left, sh - 0.18 * sh_left
    return w


@pytest.mark.parametrize("trunk", [0.0, 10.0, 45.0, 80.0])
def test_trunk_inclination_and_signed_lean(trunk):
    w = _pose(trunk)
    assert geo.trunk_inclination_deg(w)[0] == pytest.approx(trunk, abs=1e-6)
    fwd = np.array([[1.0, 0.0, 0.0]])
    assert geo.sagittal_lean_deg(w, fwd)[0] == pytest.approx(trunk, abs=1e-6)
    assert geo.sagittal_lean_deg(w, -fwd)[0] == pytest.approx(-trunk, abs=1e-6)


@pytest.mark.parametrize("twist", [-40.0, -10.0, 0.0, 25.0])
def test_twist_reads_shoulders_against_hips(twist):
    assert abs(geo.twist_deg(_pose(20.0, twist))[0]) == pytest.approx(abs(twist), abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(yaw=st.floats(-180, 180), shift=st.floats(-2, 2), twist=st.floats(-60, 60))
def test_trunk_and_twist_invariant_to_rotation_about_vertical(yaw, shift, twist):
    w = _pose(30.0, twist)
    a = np.radians(yaw)
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    w2 = w @ rot.T + shift
    assert geo.trunk_inclination_deg(w2)[0] == pytest.approx(30.0, abs=1e-6)
    assert geo.twist_deg(w2)[0] == pytest.approx(geo.twist_deg(w)[0], abs=1e-6)


@pytest.mark.parametrize("yaw", [0.0, 30.0, 90.0, 150.0, 180.0])
def test_body_yaw(yaw):
    seq, _ = synthesize(SynthSpec(exercise="still", yaw_deg=yaw, reps=()))
    assert np.median(geo.body_yaw_deg(seq.world_xyz, seq.image_xy)) == pytest.approx(yaw, abs=1)


def _outline(bend_deg: float, k: int = 17, chord_px: float = 200.0) -> tuple[np.ndarray, ...]:
    """Image landmarks and a back outline bowed by a parabola with ``bend_deg`` total bend."""
    im = np.zeros((1, NUM_LANDMARKS, 2))
    sh, hp = np.array([300.0, 100.0]), np.array([300.0 + chord_px, 100.0])
    im[0, L.LEFT_SHOULDER] = im[0, L.RIGHT_SHOULDER] = sh
    im[0, L.LEFT_HIP] = im[0, L.RIGHT_HIP] = hp
    f = np.arange(k) / (k - 1)
    sag = np.tan(np.radians(bend_deg) / 2) / 4
    depth = 30.0 + 4 * sag * chord_px * f * (1 - f)  # back is "up" (-y) of the chord
    back = np.stack([sh[0] + f * chord_px, sh[1] - depth], axis=-1)[None]
    return im, back


@pytest.mark.parametrize("bend", [-30.0, -10.0, 0.0, 5.0, 30.0, 45.0])
def test_back_bulge_sign_and_size(bend):
    im, back = _outline(bend)
    bulge = geo.back_bulge(im, back, 2, 14)[0]
    assert bulge == pytest.approx(np.tan(np.radians(bend) / 2) / 4, abs=1e-9)
    assert geo.bulge_to_bend_deg(bulge) == pytest.approx(bend, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(angle=st.floats(-np.pi, np.pi), scale=st.floats(0.2, 5.0), dx=st.floats(-500, 500),
       dy=st.floats(-500, 500), bend=st.floats(-40, 40))
def test_back_bulge_invariant_to_image_rotation_scale_translation(angle, scale, dx, dy, bend):
    im, back = _outline(bend)
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]]) * scale
    im2, back2 = im @ rot.T + [dx, dy], back @ rot.T + [dx, dy]
    assert geo.back_bulge(im2, back2, 2, 14)[0] == pytest.approx(
        geo.back_bulge(im, back, 2, 14)[0], abs=1e-9)


def test_back_bulge_skips_missing_points_and_needs_enough():
    im, back = _outline(30.0)
    holed = back.copy()
    holed[0, [3, 7, 11]] = np.nan
    assert geo.back_bulge(im, holed, 2, 14)[0] == pytest.approx(
        geo.back_bulge(im, back, 2, 14)[0], abs=1e-9)
    sparse = back.copy()
    sparse[0, 2:11] = np.nan  # only 4 points left in 2..14
    assert np.isnan(geo.back_bulge(im, sparse, 2, 14)[0])
    with pytest.raises(ValueError):
        geo.back_bulge(im, back, 10, 12)


# ------------------------------------------------------------------ gathered landmarks
@pytest.mark.parametrize("cols", [[0, 1, 2], [5, 3, 9], list(range(20, 60)) + [70, 71, 1],
                                  list(range(99))])
@pytest.mark.parametrize("frames", [0, 1, 63, 1000, 2048, 4097])  # blocks of 2,048 frames
def test_gather_rows_is_a_transposed_selection(cols, frames):
    a = np.random.default_rng(frames).normal(size=(frames, 33, 3)).astype(np.float32)
    out = geo.gather_rows(a, cols)
    assert out.flags.c_contiguous and out.dtype == np.float32
    np.testing.assert_array_equal(out, a.reshape(frames, 99)[:, cols].T)


def test_gather_rows_refuses_columns_outside_the_frame():
    with pytest.raises(IndexError):
        geo.gather_rows(np.zeros((4, 33, 3), np.float32), [0, 99])


def test_outline_offsets_and_sides_match_the_plain_formulas():
    """``Outline`` (blocked, point-major) against the per-frame formula over 5,000 frames
    (more than two blocks), with missing points; the side is the NaN-ignoring majority."""
    rng = np.random.default_rng(3)
    n, k = 5000, 17
    image = rng.uniform(100, 500, (n, NUM_LANDMARKS, 2)).astype(np.float32)
    back = rng.uniform(100, 500, (n, k, 2)).astype(np.float32)
    back[rng.random((n, k)) < 0.1] = np.nan
    out = geo.Outline.of(image, back)
    sh = (image[:, L.LEFT_SHOULDER] + image[:, L.RIGHT_SHOULDER]) * 0.5
    chord = (image[:, L.LEFT_HIP] + image[:, L.RIGHT_HIP]) * 0.5 - sh
    normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / np.hypot(*chord.T)[:, None]
    want = np.einsum("tkc,tc->tk", back - sh[:, None], normal)
    np.testing.assert_allclose(out.off.T, want, rtol=1e-4, atol=1e-3)
    assert np.array_equal(np.isnan(out.off.T), np.isnan(want))
    np.testing.assert_array_equal(out.side(), np.sign(np.nansum(np.sign(want), axis=1)))
    np.testing.assert_array_equal(out.side(2, 14),
                                  np.sign(np.nansum(np.sign(want[:, 2:15]), axis=1)))
    # Made once or from the raw outline, the rules' numbers are the same.
    np.testing.assert_array_equal(geo.back_bulge(image, out, 2, 14),
                                  geo.back_bulge(image, back, 2, 14))
    np.testing.assert_array_equal(geo.behind_back(image, out, L.LEFT_ELBOW, L.RIGHT_ELBOW),
                                  geo.behind_back(image, back, L.LEFT_ELBOW, L.RIGHT_ELBOW))


def test_joints_give_each_landmark_as_coordinate_rows():
    w = np.random.default_rng(0).normal(size=(50, NUM_LANDMARKS, 3))
    j = geo.Joints.gather(w, [L.RIGHT_HIP, L.NOSE, L.LEFT_HIP])
    assert len(j) == 50
    np.testing.assert_array_equal(j[L.NOSE], w[:, L.NOSE].T)
    np.testing.assert_allclose(j.mid(L.LEFT_HIP, L.RIGHT_HIP),
                               0.5 * (w[:, L.LEFT_HIP] + w[:, L.RIGHT_HIP]).T)
    with pytest.raises(KeyError):
        j[L.LEFT_KNEE]
    with pytest.raises(ValueError):
        geo.Joints.gather(w[:, :10])
    # Functions take gathered joints or the raw array alike.
    np.testing.assert_array_equal(geo.twist_deg(geo.Joints.gather(w)), geo.twist_deg(w))


def test_facing_direction_from_the_shoulder_and_hip_lines_alone():
    """The test pose has no feet or face (all at the origin): those parts cannot vote."""
    fwd = geo.forward_vector(_pose(20.0))
    np.testing.assert_allclose(fwd, [[1.0, 0.0, 0.0]], atol=1e-12)


def test_twist_unwraps_through_half_a_turn():
    """Shoulders turning steadily past 180 deg against the hips: no 360 deg jump."""
    turns = np.linspace(-170.0, 250.0, 200)
    w = np.concatenate([_pose(10.0, tw) for tw in turns])
    got = geo.twist_deg(w)
    np.testing.assert_allclose(got, turns, atol=1e-4)
    w[50:60] = np.nan
    gappy = geo.twist_deg(w)
    assert np.isnan(gappy[50:60]).all()
    np.testing.assert_allclose(np.delete(gappy, range(50, 60)), np.delete(turns, range(50, 60)),
                               atol=1e-4)


def test_back_bulge_over_many_frames_full_and_holed_agree():
    bends = np.linspace(-30.0, 45.0, 40)
    parts = [_outline(b) for b in bends]
    im = np.concatenate([p[0] for p in parts])
    back = np.concatenate([p[1] for p in parts])
    holed = back.copy()
    holed[::3, [4, 8]] = np.nan  # every third frame loses two points
    want = np.tan(np.radians(bends) / 2) / 4
    np.testing.assert_allclose(geo.back_bulge(im, back, 2, 14), want, atol=1e-9)
    np.testing.assert_allclose(geo.back_bulge(im, holed, 2, 14), want, atol=1e-9)
    flipped = holed.copy()
    flipped[1, :, 1] = 2 * im[1, L.LEFT_SHOULDER, 1] - flipped[1, :, 1]  # mirrored outline
    assert geo.back_bulge(im, flipped, 2, 14)[1] == pytest.approx(want[1], abs=1e-9)
