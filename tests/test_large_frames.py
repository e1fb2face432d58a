"""Large frames (4K/8K phone video) are posed scaled down to ``config.PoseConfig.max_side_px``
and every pixel the pose pass returns is mapped back to the source frame; frames within the
cap are posed exactly as before."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from formcheck.config import Config, load_config
from formcheck.errors import ConfigError
from formcheck.pose.estimator import PoseEstimator, posed_image, posed_size


def test_posed_size_scales_only_frames_beyond_the_cap():
    assert posed_size(1920, 1080, 1920) == (1920, 1080)
    assert posed_size(1080, 1920, 1920) == (1080, 1920)
    assert posed_size(3840, 2160, 1920) == (1920, 1080)
    assert posed_size(2160, 3840, 1920) == (1080, 1920)
    assert posed_size(7680, 4320, 1920) == (1920, 1080)
    assert posed_size(4098, 2304, 1920) == (1920, 1079)
    assert posed_size(7680, 4320, 0) == (7680, 4320)
    assert posed_size(7680, 4320, None) == (7680, 4320)
    image = np.zeros((1080, 1920, 3), np.uint8)
    assert posed_image(image, 1920) is image  # not copied, not resampled
    assert posed_image(np.zeros((2160, 3840, 3), np.uint8), 1920).shape == (1080, 1920, 3)


def test_the_cap_is_a_setting_with_a_range():
    assert Config().pose.max_side_px == 1920
    assert load_config(None, ["pose.max_side_px=0"]).pose.max_side_px == 0
    assert load_config(None, ["pose.max_side_px=3840"]).pose.max_side_px == 3840
    with pytest.raises(ConfigError, match="max_side_px"):
        load_config(None, ["pose.max_side_px=100"])


def _frames(image: np.ndarray, n: int = 4, step: int = 3) -> list[np.ndarray]:
    """The photo drifting sideways ``step`` pixels a frame on a grey canvas (BGR)."""
    h, w = image.shape[:2]
    out = []
    for i in range(n):
        frame = np.full((h, w + step * n, 3), 90, np.uint8)
        frame[:, i * step:i * step + w] = image
        out.append(frame)
    return out


def _pose_all(model, frames, max_side):
    with PoseEstimator(model, max_side=max_side, flow_every_frame=True) as est:
        return [est.process(f, i / 10.0) for i, f in enumerate(frames)]


def _fields(pose):
    return {"image_xy": pose.image_xy, "world_xyz": pose.world_xyz,
            "visibility": pose.visibility, "image_z": pose.image_z, "back_xy": pose.back_xy,
            "torso_flow": pose.torso_flow}


def test_a_frame_within_the_cap_is_posed_untouched(lite_model, person_image):
    """At or under the cap the pose pass is byte for byte what it was with no cap at all."""
    frames = _frames(person_image)
    longer = max(frames[0].shape[:2])
    capped = _pose_all(lite_model, frames, longer)
    plain = _pose_all(lite_model, frames, 0)
    assert capped[0].detected
    for a, b in zip(capped, plain, strict=True):
        for name, value in _fields(a).items():
            np.testing.assert_array_equal(value, _fields(b)[name], err_msg=name)


def test_a_large_frame_is_posed_scaled_down_in_the_source_pixels(lite_model, person_image):
    """A frame 4x the cap, made by repeating each pixel 4x4, scaled down by area averaging is
    exactly the small frame: its pose must be the small frame's, every pixel value times 4
    (landmarks, back outline, depth and flow), and the model must have seen the small one."""
    import cv2

    small = _frames(person_image)
    big = [cv2.resize(f, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST) for f in small]
    cap = max(small[0].shape[:2])
    assert max(big[0].shape[:2]) == 4 * cap
    on_small = _pose_all(lite_model, small, 0)
    on_big = _pose_all(lite_model, big, cap)
    assert on_small[1].detected and any(np.isfinite(p.torso_flow).all() for p in on_small)
    for a, b in zip(on_big, on_small, strict=True):
        np.testing.assert_allclose(a.world_xyz, b.world_xyz, atol=1e-6)
        np.testing.assert_allclose(a.visibility, b.visibility, atol=1e-6)
        for name in ("image_xy", "image_z", "back_xy", "torso_flow"):
            got, want = getattr(a, name), getattr(b, name)
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
            np.testing.assert_allclose(got, 4 * want, rtol=1e-4, atol=1e-3, err_msg=name)


def test_extract_pose_records_the_posed_size_and_keys_reuse_by_it(tmp_path, person_clip,
                                                                    lite_model):
    from formcheck.fsutil import file_sha256
    from formcheck.pipeline import POSED_AT_KEY, cached_pose, extract_pose

    seq = extract_pose(person_clip, str(lite_model), max_side=480)
    assert (seq.width, seq.height) == (576, 512)  # the source's pixels
    assert seq.extra[POSED_AT_KEY] == {"width": 480, "height": 427, "max_side_px": 480}
    assert seq.detected.any()
    assert np.nanmax(seq.image_xy[..., 0]) > 480 * 0.6  # not squeezed into the posed frame
    full = extract_pose(person_clip, str(lite_model))  # within the default cap: no record
    assert POSED_AT_KEY not in full.extra
    got = seq.detected & full.detected
    head = slice(0, 11)  # the face: the photo cuts the arms and hips off
    np.testing.assert_allclose(seq.image_xy[got, head], full.image_xy[got, head], atol=15.0)

    saved = seq.save(tmp_path / "pose.npz")
    sha = file_sha256(person_clip)

    def reused(cap):
        return cached_pose(person_clip, saved, str(lite_model), source_sha256=sha,
                           max_side=cap) is not None

    assert reused(480)
    assert not reused(0) and not reused(None) and not reused(512)
    plain = full.save(tmp_path / "plain.npz")
    assert cached_pose(person_clip, plain, str(lite_model), source_sha256=sha) is not None
    assert cached_pose(person_clip, plain, str(lite_model), source_sha256=sha,
                       max_side=480) is None
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_large_clips_scene_level_is_read_after_the_pose_pass_closes_its_decoder(
        monkeypatch, person_clip, lite_model):
    """Beyond the cap the scene level's own full-size decoder never runs beside the pose
    pass's (at 8K each held hundreds of MB of reference pictures): it starts once the pose
    pass's source is closed, and gives the level it gave beside it."""
    import formcheck.pose.scene_level as sl
    from formcheck.io.video import FileSource
    from formcheck.pipeline import extract_pose

    events: list[str] = []
    real_level, real_close = sl.level_of_file, FileSource.close

    def level(*args, **kwargs):
        events.append("level")
        return real_level(*args, **kwargs)

    def close(self):
        events.append("closed")
        return real_close(self)

    monkeypatch.setattr(sl, "level_of_file", level)
    monkeypatch.setattr(FileSource, "close", close)
    capped = extract_pose(person_clip, str(lite_model), max_side=480, segments=False)
    assert events.index("level") > events.index("closed")
    assert capped.extra[sl.EXTRA_KEY] == real_level(person_clip).as_extra()


def test_a_large_frames_decoder_holds_its_pictures_within_a_budget(monkeypatch, tmp_path):
    """Frame threads each hold a picture: beyond ``DECODE_THREADS_BUDGET_BYTES`` of them the
    decoder gets fewer threads (8K: 2 whatever the cores), and decodes the same pictures."""
    from formcheck.io import video
    from formcheck.io.video import FileSource, VideoSink, decode_threads

    assert decode_threads(7680, 4320, cores=16) == 2
    assert decode_threads(7680, 4320, cores=1) == 0  # FFmpeg's own choice fits
    assert decode_threads(3840, 2160, cores=16) == 10
    assert decode_threads(1920, 1080, cores=16) == 0
    path = tmp_path / "c.mp4"
    rng = np.random.default_rng(3)
    with VideoSink(path, 64, 48, 10.0) as sink:
        for i in range(12):
            sink.write(rng.integers(0, 255, (48, 64, 3), np.uint8), i / 10.0)
    with FileSource(path) as src:
        plain = [f.image for f in src]
    monkeypatch.setattr(video, "DECODE_THREADS_BUDGET_BYTES", 64 * 48 * 3 // 2)
    with FileSource(path) as src:
        assert src._stream.codec_context.thread_count == 1
        bounded = [f.image for f in src]
    assert len(bounded) == len(plain) == 12
    for a, b in zip(bounded, plain, strict=True):
        np.testing.assert_array_equal(a, b)
