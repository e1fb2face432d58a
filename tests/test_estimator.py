from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import ModelInvalidError
from formcheck.pose.estimator import PoseEstimator, sample_back_outline
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import BACK_PROFILE_POINTS


def upright_pose(face_x: float) -> tuple[np.ndarray, np.ndarray]:
    """Image landmarks of a person standing side-on: trunk x=100 from y=100 to y=300."""
    xy = np.full((33, 2), np.nan, np.float32)
    xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = (100, 100)
    xy[[L.LEFT_HIP, L.RIGHT_HIP]] = (100, 300)
    xy[L.NOSE] = (face_x, 60)
    xy[[L.LEFT_KNEE, L.RIGHT_KNEE]] = (face_x, 400)
    xy[[L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]] = (face_x, 500)
    return xy, np.ones(33, np.float32)


def body_mask(bulge_px: float = 0.0, back_side: int = -1) -> np.ndarray:
    """Trunk 80 px thick around x=100; the back edge bows out by ``bulge_px`` mid-trunk."""
    mask = np.zeros((600, 300), np.float32)
    ys = np.arange(600)
    t = np.clip((ys - 100) / 200.0, 0, 1)
    bow = bulge_px * np.sin(np.pi * t)
    for y in range(80, 321):
        back = 100 + back_side * (40 + bow[y])
        front = 100 - back_side * 40
        lo, hi = sorted((back, front))
        mask[y, int(np.ceil(lo)):int(np.floor(hi)) + 1] = 1.0
    return mask


@pytest.mark.parametrize("face_x,back_side", [(160.0, -1), (40.0, +1)])
def test_back_outline_follows_the_back_edge(face_x, back_side):
    xy, vis = upright_pose(face_x)
    pts = sample_back_outline(body_mask(0.0, back_side), xy, vis)
    assert pts.shape == (BACK_PROFILE_POINTS, 2)
    assert np.all(np.isfinite(pts))
    np.testing.assert_allclose(pts[:, 0], 100 + back_side * 40, atol=2.0)
    np.testing.assert_allclose(pts[:, 1], np.linspace(100, 300, BACK_PROFILE_POINTS), atol=1e-3)


def test_back_outline_shows_a_bulge_in_the_middle():
    xy, vis = upright_pose(160.0)
    pts = sample_back_outline(body_mask(20.0, -1), xy, vis)
    offset = 100 - pts[:, 0]  # distance of the edge behind the trunk line
    mid = BACK_PROFILE_POINTS // 2
    assert offset[mid] == pytest.approx(60.0, abs=2.0)
    assert offset[0] == pytest.approx(40.0, abs=2.0) and offset[-1] == pytest.approx(40, abs=2)


def test_back_outline_is_nan_without_a_body():
    xy, vis = upright_pose(160.0)
    pts = sample_back_outline(np.zeros((600, 300), np.float32), xy, vis)
    assert np.isnan(pts).all()


def test_back_outline_is_nan_for_degenerate_chord():
    xy, vis = upright_pose(160.0)
    xy[[L.LEFT_HIP, L.RIGHT_HIP]] = (100, 101)
    assert np.isnan(sample_back_outline(body_mask(), xy, vis)).all()


@pytest.mark.slow
def test_detects_a_real_person(lite_model, person_image):
    with PoseEstimator(lite_model, back_profile=True) as est:
        pose = est.process(person_image, 0.0)
        blank = est.process(np.zeros_like(person_image), 0.0)  # same timestamp: still fine
    assert pose.detected
    h, w = person_image.shape[:2]
    nose = pose.image_xy[L.NOSE]
    # the astronaut's face is in the upper middle of the photo
    assert 0.3 * w < nose[0] < 0.6 * w and 0.1 * h < nose[1] < 0.4 * h
    assert pose.image_xy[L.LEFT_SHOULDER, 1] > nose[1]
    assert np.isfinite(pose.world_xyz).all() and np.abs(pose.world_xyz).max() < 2.0
    assert ((pose.visibility >= 0) & (pose.visibility <= 1)).all()
    assert pose.back_xy.shape == (BACK_PROFILE_POINTS, 2)
    assert not blank.detected
    assert np.isnan(blank.image_xy).all() and np.isnan(blank.back_xy).all()


@pytest.mark.slow
def test_a_clip_opening_without_a_person_prints_no_native_warning(lite_model, person_image,
                                                                   capfd):
    """MediaPipe warns once ("W0000 … landmark_projection_calculator.cc:81] Using NORM_RECT
    without IMAGE_DIMENSIONS …") on the first frame it finds a person in. fd 2 was quiet on a
    clip's first frame only, so a clip opening on an empty picture (a title card, the shared
    48 s squat with camera cuts) printed it above `formcheck analyze`'s summary."""
    blank = np.zeros_like(person_image)
    with PoseEstimator(lite_model, back_profile=True) as est:
        poses = [est.process(im, i / 10) for i, im in enumerate([blank] * 3 + [person_image] * 3)]
    assert [p.detected for p in poses] == [False] * 3 + [True] * 3
    assert "NORM_RECT" not in capfd.readouterr().err


def test_invalid_model_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"PK\x03\x04 not really a model")
    with pytest.raises(ModelInvalidError) as exc:
        PoseEstimator(bad)
    assert "\n" not in str(exc.value)


def _leaning_back_lockout() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A lifter facing the left of the picture, leaning back at a deadlift's lockout with the
    hips placed forward at the bar (a real clip, shared bad014): its trunk band, 40 px either
    side of the shoulder-hip chord, and the landmarks."""
    xy = np.full((33, 2), np.nan, np.float32)
    xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = (255, 100)
    xy[[L.LEFT_HIP, L.RIGHT_HIP]] = (190, 240)
    xy[L.NOSE] = (255, 45)
    xy[[L.LEFT_KNEE, L.RIGHT_KNEE]] = (190, 345)
    xy[[L.LEFT_ANKLE, L.RIGHT_ANKLE]] = (185, 440)
    xy[[L.LEFT_HEEL, L.RIGHT_HEEL]] = (195, 465)
    xy[[L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]] = (140, 465)
    yy, xx = np.mgrid[0:600, 0:400]
    a, b = np.array([255.0, 100.0]), np.array([190.0, 240.0])
    d = b - a
    t = np.clip(((xx - a[0]) * d[0] + (yy - a[1]) * d[1]) / (d @ d), 0, 1)
    dist = np.hypot(xx - (a[0] + t * d[0]), yy - (a[1] + t * d[1]))
    mask = (dist <= 40).astype(np.float32)
    return xy, np.ones(33, np.float32), mask


def test_back_outline_leaning_back_is_read_behind_the_lifter():
    """Leaning back with the feet behind the trunk's line, the face, knees and toes put the
    "front" behind the lifter and the outline went onto the chest (bad014's lockout, drawn on
    its chest); the way the feet point says where the back is."""
    xy, vis, mask = _leaning_back_lockout()
    pts = sample_back_outline(mask, xy, vis)
    assert np.isfinite(pts).all()
    chord = xy[L.LEFT_HIP] - xy[L.LEFT_SHOULDER]
    # Facing left, the back is on the right of the chord's line (x increasing across it).
    across = np.array([chord[1], -chord[0]]) / np.hypot(*chord)
    assert across[0] > 0
    assert ((pts - xy[L.LEFT_SHOULDER]) @ across > 30).all()


def test_back_outline_without_the_feet_falls_back_on_face_knees_and_toes():
    xy, vis, mask = _leaning_back_lockout()
    vis[[L.LEFT_HEEL, L.RIGHT_HEEL]] = 0.1  # heels hidden (a plate): the feet cannot say
    pts = sample_back_outline(mask, xy, vis)
    chord = xy[L.LEFT_HIP] - xy[L.LEFT_SHOULDER]
    across = np.array([chord[1], -chord[0]]) / np.hypot(*chord)
    assert ((pts - xy[L.LEFT_SHOULDER]) @ across < -30).all()  # the old choice: the chest


def test_back_outline_takes_the_facing_the_caller_knows():
    """Feet hidden in this frame, the estimator passes the last direction the feet showed."""
    xy, vis, mask = _leaning_back_lockout()
    vis[[L.LEFT_HEEL, L.RIGHT_HEEL]] = 0.1
    pts = sample_back_outline(mask, xy, vis, facing=-1.0)
    chord = xy[L.LEFT_HIP] - xy[L.LEFT_SHOULDER]
    across = np.array([chord[1], -chord[0]]) / np.hypot(*chord)
    assert ((pts - xy[L.LEFT_SHOULDER]) @ across > 30).all()  # behind the lifter
    # 0: not known either, the face/knees/toes vote decides (as with the feet hidden).
    pts = sample_back_outline(mask, xy, vis, facing=0.0)
    assert ((pts - xy[L.LEFT_SHOULDER]) @ across < -30).all()
