"""The fast paths give the same results as the plain ones: RGB decoding, the pipelined pose
pass, flat-array pose storage, and the threaded render pass."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck.pipeline import ordered_map

#: A width whose RGB rows FFmpeg pads (530 * 3 = 1590 bytes, stored in a wider line): the
#: layout MediaPipe would misread if it were handed over as is.
PADDED_WIDTH = 530


@pytest.fixture(scope="module")
def padded_clip(tmp_path_factory, person_image) -> Path:
    """12 frames, 10 fps, of the person photo drifting on a canvas of ``PADDED_WIDTH``."""
    from formcheck.io.video import VideoSink

    path = tmp_path_factory.mktemp("perf") / "padded.mp4"
    img = person_image[::2, ::2]  # 256 x 256
    h, w = img.shape[:2]
    height = h + 40
    with VideoSink(path, PADDED_WIDTH, height, 10.0) as sink:
        for i in range(12):
            frame = np.full((height, PADDED_WIDTH, 3), 70, np.uint8)
            frame[20:20 + h, 40 + 8 * i:40 + 8 * i + w] = img
            sink.write(frame, i / 10.0)
    return path


def test_rgb_frames_are_contiguous_and_match_bgr(padded_clip):
    from formcheck.io.video import FileSource

    with FileSource(padded_clip) as a, FileSource(padded_clip, channels="rgb") as b:
        pairs = list(zip(a, b, strict=True))
    assert len(pairs) == 12
    assert not pairs[0][0].image.flags["C_CONTIGUOUS"]  # the case this test is about
    for fa, fb in pairs:
        assert fb.channels == "rgb" and fa.channels == "bgr"
        assert fb.image.flags["C_CONTIGUOUS"] and fb.image.shape == (296, PADDED_WIDTH, 3)
        assert fa.t_s == fb.t_s
        np.testing.assert_array_equal(fb.image, fa.image[..., ::-1])


def test_unknown_channel_order_is_refused(padded_clip):
    from formcheck.io.video import FileSource

    with pytest.raises(ValueError, match="channels"):
        FileSource(padded_clip, channels="yuv")


def test_mediapipe_image_holds_padded_frames_row_by_row(padded_clip):
    pytest.importorskip("mediapipe")
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator

    with FileSource(padded_clip) as src:
        bgr = next(iter(src)).image
    rgb = bgr[..., ::-1]  # a strided view: what a careless caller would pass
    img = PoseEstimator.image_of(rgb)
    np.testing.assert_array_equal(img.numpy_view(), rgb)


def _pose(i: int, back: bool = True):
    from formcheck.pose.estimator import FramePose

    rng = np.random.default_rng(i)
    return FramePose(image_xy=rng.random((33, 2), np.float32),
                     world_xyz=rng.random((33, 3), np.float32),
                     visibility=rng.random(33, np.float32), presence=rng.random(33, np.float32),
                     back_xy=rng.random((17, 2), np.float32) if back else None)


@pytest.mark.parametrize("back", [True, False])
def test_sequence_builder_grows_and_matches_to_sequence(back):
    from formcheck.pose.estimator import SequenceBuilder, to_sequence

    poses = [_pose(i, back) for i in range(150)]
    t = [i / 30.0 for i in range(150)]
    builder = SequenceBuilder(back_profile=back, capacity=10)  # grows past its hint
    for ti, p in zip(t, poses, strict=True):
        builder.append(ti, p)
    got = builder.build(width=64, height=48, source="s", model="m")
    want = to_sequence(t, poses, width=64, height=48, source="s", model="m", back_profile=back)
    assert len(got) == 150
    for name in ("t_s", "image_xy", "world_xyz", "visibility", "presence", "back_xy"):
        a, b = getattr(got, name), getattr(want, name)
        if b is None:
            assert a is None
        else:
            np.testing.assert_array_equal(a, b)


def test_sequence_builder_stores_nan_back_for_a_frame_without_one():
    from formcheck.pose.estimator import SequenceBuilder, _nan_pose

    builder = SequenceBuilder(back_profile=True)
    builder.append(0.0, _nan_pose(False))
    seq = builder.build(width=10, height=10)
    assert seq.back_xy.shape == (1, 17, 2) and np.isnan(seq.back_xy).all()
    assert not seq.detected[0]


def test_ordered_map_keeps_order_with_uneven_work():
    def slow_for_small(x):
        time.sleep(0.002 * (10 - x % 10))
        return x * x

    assert list(ordered_map(slow_for_small, range(40), workers=4)) == [x * x for x in range(40)]


def test_ordered_map_reraises_in_order_and_stops():
    pulled = []

    def items():
        for i in range(1000):
            pulled.append(i)
            yield i

    def fn(x):
        if x == 5:
            raise ValueError("bad frame 5")
        return x

    got = []
    with pytest.raises(ValueError, match="bad frame 5"):
        for x in ordered_map(fn, items(), workers=3):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]
    assert len(pulled) < 20  # bounded look-ahead, not the whole input
    assert not any(t.name.startswith("formcheck-map") and t.is_alive()
                   for t in threading.enumerate())


@pytest.mark.slow
def test_pipelined_pose_pass_equals_frame_by_frame(padded_clip, lite_model):
    """extract_pose (RGB decode, images made in the decode thread, results read in a worker,
    flat arrays) gives exactly what one ``process()`` per BGR frame gives, and so the same
    report."""
    from formcheck.io.video import FileSource
    from formcheck.pipeline import analyse, extract_pose
    from formcheck.pose.estimator import PoseEstimator, to_sequence

    seq = extract_pose(padded_clip, str(lite_model))
    times, poses = [], []
    with FileSource(padded_clip) as src, PoseEstimator(lite_model) as est:
        for frame in src:
            times.append(frame.t_s)
            poses.append(est.process(frame.image, frame.t_s))
    ref = to_sequence(times, poses, width=PADDED_WIDTH, height=296, source=padded_clip.name,
                      model=seq.model)
    assert seq.detected.sum() >= 10  # a person was found: the comparison means something
    for name in ("t_s", "image_xy", "world_xyz", "visibility", "presence", "back_xy"):
        np.testing.assert_array_equal(getattr(seq, name), getattr(ref, name))
    ref.extra.update(seq.extra)
    assert analyse(seq)[0].to_json() == analyse(ref)[0].to_json()


@pytest.mark.slow
def test_threaded_render_pass_draws_what_a_plain_loop_draws(padded_clip, lite_model, tmp_path,
                                                           monkeypatch):
    """Every frame the pipelined render pass hands the encoder equals a plain decode → draw →
    convert of the same frame, in order, with the source's timestamps."""
    import formcheck.pipeline as pipeline
    from formcheck.io.video import FileSource, VideoSink
    from formcheck.render.overlay import OverlayRenderer

    seq = pipeline.extract_pose(padded_clip, str(lite_model))
    report, result = pipeline.analyse(seq)
    fed: list[tuple[np.ndarray, float]] = []
    real_write = VideoSink.write

    def recording_write(self, image, t_s=None):
        fed.append((image.to_ndarray().copy(), t_s))
        return real_write(self, image, t_s)

    monkeypatch.setattr(VideoSink, "write", recording_write)
    paths = pipeline.output_paths(tmp_path, "clip")
    written = pipeline.render_outputs(padded_clip, seq, report, result.series, paths,
                                      write_html=False)
    assert written["video"].is_file()
    overlay = OverlayRenderer(report, seq, result.series)
    with FileSource(padded_clip) as src:
        sink = VideoSink(tmp_path / "plain.mp4", src.info.width, src.info.height, src.info.fps)
        plain = [(sink.prepare(overlay.draw(f.image, f.index)).to_ndarray(), f.t_s)
                 for f in src]
        sink.abort()
    assert len(fed) == len(plain) == 12
    for (got, t_got), (want, t_want) in zip(fed, plain, strict=True):
        assert t_got == t_want
        np.testing.assert_array_equal(got, want)
