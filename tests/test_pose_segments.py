"""The pose pass cut into segments run side by side (``pose/segments.py``): the plan covers
every frame exactly once, the poses do not depend on the number of workers, and whatever the
plan cannot vouch for runs as one pass."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from formcheck.pose.segments import plan_segments


def _write(path: Path, frames, fps: int, gop: int) -> Path:
    """An H.264 mp4 of ``frames`` (BGR uint8) with a keyframe every ``gop`` frames."""
    import av

    frames = list(frames)
    h, w = frames[0].shape[:2]
    # The index at the front, as phones and web uploads write it: a cut file still opens.
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.gop_size = gop
        stream.options = {"keyint_min": str(gop), "sc_threshold": "0", "bf": "2"}
        for i, img in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(img, format="bgr24")
            vf.pts = i
            vf.time_base = Fraction(1, fps)
            out.mux(stream.encode(vf))
        out.mux(stream.encode())
    return path


def _noise_clip(path: Path, seconds: float, fps: int = 10, gop: int = 10) -> Path:
    rng = np.random.default_rng(0)
    n = int(round(seconds * fps))
    return _write(path, (rng.integers(0, 255, (48, 64, 3), np.uint8) for _ in range(n)), fps, gop)


def _all_pts(path: Path) -> list[int]:
    import av

    with av.open(str(path)) as c:
        return [f.pts for f in c.decode(video=0)]


def _key_pts(path: Path) -> set[int]:
    import av

    with av.open(str(path)) as c:
        return {p.pts for p in c.demux(video=0) if p.size and p.is_keyframe}


def test_plan_covers_every_frame_once_from_keyframes(tmp_path):
    clip = _noise_clip(tmp_path / "a.mp4", 16.0)
    plan = plan_segments(clip, min_segment_s=5.0, target_segment_s=3.0, max_segments=16,
                         warmup_s=1.0)
    assert plan is not None and len(plan.segments) == 4  # 15.9 s: two pairs of about 3 s
    kept = [p for seg in plan.segments for p in seg.frames]
    assert kept == _all_pts(clip)  # every decoded frame, once, in order
    tb = plan.time_base
    assert plan.boundaries_s() == pytest.approx([4.0, 8.0, 11.9], abs=0.11)
    for seg in plan.segments[1:]:
        assert seg.seek_pts is not None and seg.seek_pts <= seg.warm_from < seg.keep_from
        assert seg.seek_pts in _key_pts(clip)
        assert (seg.keep_from - seg.warm_from) * tb == pytest.approx(1.0, abs=0.11)
    assert plan_segments(clip, min_segment_s=5.0, target_segment_s=3.0, max_segments=16,
                         warmup_s=1.0) == plan  # the clip alone decides


@pytest.mark.parametrize(("seconds", "count"), [(9.9, 1), (10.0, 2), (79.0, 2), (80.0, 4),
                                                 (200.0, 10), (600.0, 16), (3600.0, 16)])
def test_segment_counts_are_even_and_bounded(seconds, count):
    from formcheck.pose.segments import segment_count

    assert segment_count(seconds, max_segments=16) == count
    assert segment_count(seconds) == min(count, 2)  # the default: two (memory, see the module)


def test_short_clip_or_distant_keyframes_run_as_one_pass(tmp_path):
    assert plan_segments(_noise_clip(tmp_path / "short.mp4", 9.0)) is None
    # One keyframe at the start: a cut would decode 8 s only to reach its warm-up.
    far = _noise_clip(tmp_path / "far.mp4", 16.0, gop=1000)
    assert plan_segments(far, max_lead_s=4.0) is None
    assert plan_segments(far, max_lead_s=30.0) is not None


def test_a_file_without_video_has_no_plan(tmp_path):
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    assert plan_segments(bad) is None


def _drifting_person(person_image, seconds: float, fps: int, *, second: bool = False):
    import cv2

    img = cv2.resize(person_image, (256, 256))
    small = cv2.resize(person_image, (224, 224))
    n = int(round(seconds * fps))
    for i in range(n):
        frame = np.full((256, 640 if second else 512, 3), 90, np.uint8)
        x = int(60 + 50 * np.sin(i / fps))  # moves back and forth, like a lifter would
        frame[:, x:x + 256] = img
        if second:
            frame[32:, 400:624] = small
        yield frame


@pytest.mark.slow
def test_segmented_poses_do_not_depend_on_the_workers(tmp_path, person_image, lite_model):
    """Real MediaPipe: the same frames and times as one pass, the same poses on one worker or
    two (so a result never depends on the machine's cores), and close to the one pass'."""
    from formcheck.pipeline import extract_pose

    clip = _write(tmp_path / "p.mp4", _drifting_person(person_image, 11.0, 6), 6, 6)
    one = extract_pose(clip, str(lite_model), segments=False)
    w1 = extract_pose(clip, str(lite_model), workers=1)
    w2 = extract_pose(clip, str(lite_model), workers=2)
    assert "pose_segments_s" not in one.extra
    assert w1.extra["pose_segments_s"] == w2.extra["pose_segments_s"] != []
    for seq in (w1, w2):
        np.testing.assert_array_equal(seq.t_s, one.t_s)
        assert seq.extra["people"]["frames"] == len(one)
        assert seq.extra["decode"]["frames_decoded"] == len(one)
    for name in ("image_xy", "world_xyz", "visibility", "back_xy", "torso_flow"):
        a, b = getattr(w1, name), getattr(w2, name)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    cut = w1.t_s >= w1.extra["pose_segments_s"][0]
    np.testing.assert_array_equal(w1.image_xy[~cut], one.image_xy[~cut])  # the first segment
    diff = np.linalg.norm(w1.image_xy[cut] - one.image_xy[cut], axis=-1)
    assert np.nanmedian(diff) < 3.0  # px, on a 512 x 256 frame


@pytest.mark.slow
def test_a_second_person_falls_back_to_one_pass(tmp_path, person_image, lite_model):
    from formcheck.pipeline import extract_pose

    clip = _write(tmp_path / "two.mp4",
                  _drifting_person(person_image, 11.0, 6, second=True), 6, 6)
    seq = extract_pose(clip, str(lite_model), workers=2)
    assert "pose_segments_s" not in seq.extra  # choosing among people needs the whole history
    assert seq.extra["people"]["max_people"] >= 2


def test_a_truncated_long_clip_is_still_reported_as_truncated(tmp_path, lite_model):
    """Cut in half: whatever decodes is analysed, and the report says it is cut, the same as
    a single pass says it (here the last packets listed do not decode, so the segments cannot
    vouch for their frames and the file runs as one pass)."""
    from formcheck.pipeline import extract_pose

    whole = _noise_clip(tmp_path / "whole.mp4", 30.0, fps=4, gop=4)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    split = extract_pose(cut, str(lite_model), workers=2)
    one = extract_pose(cut, str(lite_model), segments=False)
    np.testing.assert_array_equal(split.t_s, one.t_s)
    assert split.extra["decode"]["truncation"] == one.extra["decode"]["truncation"] is not None


def test_estimators_starting_together_leave_stderr_where_it_was():
    """Each estimator quiets fd 2 while MediaPipe starts; two doing so at once (the segments)
    once left fd 2 on /dev/null for good, and a Ctrl-C's `error:` line vanished."""
    import os
    import threading

    from formcheck.pose.estimator import _quiet_native_stderr

    before = os.fstat(2)
    start = threading.Barrier(4)

    def quiet_often():
        start.wait()
        for _ in range(200):
            with _quiet_native_stderr():
                pass

    threads = [threading.Thread(target=quiet_often) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


def test_a_segments_decoder_keeps_its_frame_threads_within_the_budget(tmp_path, monkeypatch):
    """Segments decode at full size side by side: each decoder's frame threads are held to
    the same picture budget as the one pass's, and decode the same frames."""
    import threading

    from formcheck.io import video
    from formcheck.pose.segments import _decode_span

    clip = _noise_clip(tmp_path / "b.mp4", 16.0)
    plan = plan_segments(clip, min_segment_s=5.0, target_segment_s=3.0, max_segments=16,
                         warmup_s=1.0)
    seg = plan.segments[1]
    plain = list(_decode_span(clip, seg, 0, threading.Event()))
    sizes: list[tuple[int, int]] = []
    real = video.decode_threads

    def threads(width, height, cores=None):
        sizes.append((width, height))
        return real(width, height, cores)

    monkeypatch.setattr(video, "decode_threads", threads)
    monkeypatch.setattr(video, "DECODE_THREADS_BUDGET_BYTES", 64 * 48 * 3 // 2)
    bounded = list(_decode_span(clip, seg, 0, threading.Event()))
    assert sizes == [(64, 48)]
    assert [p for p, _, _ in bounded] == [p for p, _, _ in plain]
    for (_, _, a), (_, _, b) in zip(bounded, plain, strict=True):
        np.testing.assert_array_equal(a, b)
