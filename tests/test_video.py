from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import InputNotFoundError, OutputError, VideoDecodeError
from formcheck.io.video import FileSource, VideoSink, probe_video


def pattern(i: int, w: int = 64, h: int = 48) -> np.ndarray:
    img = np.full((h, w, 3), 40, np.uint8)
    x = (i * 4) % (w - 8)
    img[10:18, x:x + 8] = (0, 0, 255)
    return img


def write_clip(path, times, w=64, h=48, fps=10.0):
    with VideoSink(path, w, h, fps, crf=10) as sink:
        for i, t in enumerate(times):
            sink.write(pattern(i, w, h), t)
    return path


def encode_raw(path, codec: str, images, rotation: int | None = None) -> None:
    """Write ``images`` with PyAV directly (what a phone or another encoder would produce)."""
    import av

    h, w = images[0].shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=10)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        if rotation is not None:
            s.set_display_rotation(rotation)
        for i, img in enumerate(images):
            f = av.VideoFrame.from_ndarray(img, format="bgr24")
            f.pts = i
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def mux_audio(container, stream, samples: np.ndarray, rate: int = 16000) -> None:
    """Encode mono int16 ``samples`` into ``stream`` (AAC, added before any packet was muxed)."""
    import av

    frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
    frame.sample_rate = rate
    frame.pts = 0
    for p in stream.encode(frame):
        container.mux(p)
    for p in stream.encode():
        container.mux(p)


def test_roundtrip_keeps_frame_count_and_timestamps(tmp_path):
    times = [i / 10.0 for i in range(15)]
    path = write_clip(tmp_path / "a.mp4", times)
    with FileSource(path) as src:
        info = src.info
        frames = list(src)
    assert (info.width, info.height, info.codec, info.rotation) == (64, 48, "h264", 0)
    assert info.fps == pytest.approx(10.0)
    assert len(frames) == 15 == info.frame_count
    np.testing.assert_allclose([f.t_s for f in frames], times, atol=1e-4)
    assert [f.index for f in frames] == list(range(15))
    assert frames[3].image.shape == (48, 64, 3) and frames[3].image.dtype == np.uint8
    # red square where it was drawn (lossy codec: compare coarsely)
    assert frames[3].image[12:16, 14:18, 2].mean() > 180


def test_variable_frame_rate_times_are_the_containers(tmp_path):
    times = [0.0, 0.05, 0.2, 0.25, 0.6, 0.61, 1.0]
    path = write_clip(tmp_path / "vfr.mp4", times)
    with FileSource(path) as src:
        got = [f.t_s for f in src]
    np.testing.assert_allclose(got, times, atol=1e-4)


def test_odd_size_is_padded_and_read_back(tmp_path):
    path = write_clip(tmp_path / "odd.mp4", [0, 0.1, 0.2], w=65, h=47)
    info = probe_video(path)
    assert (info.width, info.height) == (66, 48)


def test_output_is_deterministic(tmp_path):
    a = write_clip(tmp_path / "a.mp4", [i / 10 for i in range(10)]).read_bytes()
    b = write_clip(tmp_path / "b.mp4", [i / 10 for i in range(10)]).read_bytes()
    assert a == b


def test_display_rotation_is_applied(tmp_path):
    path = tmp_path / "rot.mp4"
    img = np.zeros((32, 64, 3), np.uint8)
    img[:8, :8] = 255  # marker top-left of the stored frame
    encode_raw(path, "libx264", [img] * 3, rotation=-90)  # what phones write for portrait video
    with FileSource(path) as src:
        assert (src.info.width, src.info.height, src.info.rotation) == (32, 64, -90)
        img = next(iter(src)).image
    assert img.shape == (64, 32, 3)
    ys, xs = np.nonzero(img[..., 0] > 128)
    # rotated 90° clockwise for display: the marker is now top-right
    assert ys.mean() < 8 and xs.mean() > 24


def test_av1_is_decoded(tmp_path):
    import av

    if "libsvtav1" not in av.codecs_available:
        pytest.skip("no AV1 encoder in this FFmpeg build to make the test clip")
    path = tmp_path / "av1.mp4"
    encode_raw(path, "libsvtav1", [pattern(i, 64, 64) for i in range(5)])
    with FileSource(path) as src:
        assert src.info.codec in {"libdav1d", "av1", "libaom-av1"}
        assert len(list(src)) == 5


def test_audio_is_copied(tmp_path):
    import av

    src_path = tmp_path / "with_audio.mp4"
    with av.open(str(src_path), "w") as c:
        v = c.add_stream("libx264", rate=10)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream("aac", rate=16000)
        for i in range(10):
            f = av.VideoFrame.from_ndarray(pattern(i), format="bgr24")
            f.pts = i
            for p in v.encode(f):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
        mux_audio(c, a, (np.sin(np.arange(16000) / 5) * 3000).astype(np.int16))
    out = tmp_path / "out.mp4"
    with FileSource(src_path) as src, VideoSink(out, 64, 48, 10, audio_from=src_path) as sink:
        for frame in src:
            sink.write(frame.image, frame.t_s)
    with av.open(str(out)) as c:
        assert len(c.streams.audio) == 1 and len(c.streams.video) == 1


@pytest.mark.parametrize("content,error", [
    (None, InputNotFoundError),
    (b"", VideoDecodeError),
    (b"this is not a video at all" * 100, VideoDecodeError),
])
def test_bad_inputs_raise_clear_errors(tmp_path, content, error):
    path = tmp_path / "x.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(error) as exc:
        FileSource(path)
    assert "\n" not in str(exc.value)


def test_directory_is_not_a_video(tmp_path):
    with pytest.raises(InputNotFoundError, match="not a file"):
        FileSource(tmp_path)


def test_truncated_video_gives_frames_or_a_clear_error(tmp_path):
    data = write_clip(tmp_path / "a.mp4", [i / 10 for i in range(30)]).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    try:
        with FileSource(cut) as src:
            list(src)
    except VideoDecodeError as exc:
        assert "\n" not in str(exc)


def test_audio_only_file_has_no_video_stream(tmp_path):
    import av

    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w", format="mp4") as c:
        mux_audio(c, c.add_stream("aac", rate=16000), np.zeros(4096, np.int16))
    with pytest.raises(VideoDecodeError, match="no video stream"):
        FileSource(path)


def test_sink_aborts_on_exception_and_leaves_nothing(tmp_path):
    target = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError):
        with VideoSink(target, 64, 48, 10) as sink:
            sink.write(pattern(0), 0.0)
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_sink_keeps_old_file_until_success(tmp_path):
    target = write_clip(tmp_path / "out.mp4", [0, 0.1])
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        with VideoSink(target, 64, 48, 10) as sink:
            sink.write(pattern(5), 0.0)
            raise RuntimeError("boom")
    assert target.read_bytes() == before


def test_sink_rejects_wrong_frame_size(tmp_path):
    with pytest.raises(OutputError, match="32x32"):
        with VideoSink(tmp_path / "o.mp4", 64, 48, 10) as sink:
            sink.write(np.zeros((32, 32, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("threads", [1, 2])
def test_the_sink_encodes_on_the_threads_it_was_asked_for(tmp_path, threads):
    """PyAV hands libavcodec its own thread count (0: every core) over a "threads" option:
    the one-thread default then ran on several, and two encodes of the same frames differed
    under load (tests/test_synth.py's byte-for-byte test failed in full suite runs)."""
    with VideoSink(tmp_path / "o.mp4", 64, 48, 10, threads=threads) as sink:
        assert sink._stream.codec_context.thread_count == threads
        sink.write(np.zeros((48, 64, 3), np.uint8))


def test_the_reproducible_sink_leaves_x264s_avx512_routines_out(tmp_path):
    """On an AVX-512 machine one x264 thread left to detect its CPU itself still made other
    bytes from the same frames now and then (a synth clip re-rendered in one process: 7 of 560
    differed; with the capabilities named, 0 of 1080). The one-thread sink names x264's own
    capabilities less AVX-512; the threaded one leaves x264 to choose."""
    import av
    import av.logging

    from formcheck.io.video import _x264_reproducible_asm

    asm = _x264_reproducible_asm()
    if asm is None:
        pytest.skip("x264 did not name its CPU capabilities here")
    assert "AVX512" not in asm and asm
    lines = {}
    for threads in (1, 0):
        with av.logging.Capture() as logs:
            previous = av.logging.get_level()
            av.logging.set_level(av.logging.INFO)
            try:
                with VideoSink(tmp_path / f"o{threads}.mp4", 64, 48, 10, threads=threads) as s:
                    s.write(np.zeros((48, 64, 3), np.uint8))
            finally:
                av.logging.set_level(previous)
        lines[threads] = [m for _, _, m in logs if m.startswith("using cpu capabilities:")]
    assert lines[1] == ["using cpu capabilities: " + asm.replace(",", " ") + "\n"]
    assert len(lines[0]) == 1
