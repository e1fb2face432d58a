"""Bad and odd inputs get a clear answer (issue 16): short clips and still images decode, truncated
files are said to be truncated, unreadable inputs exit 3, broken pose files are DataFormatErrors,
pose data of another clip is refused. Every input is generated here."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.errors import DataFormatError, InputNotFoundError, VideoDecodeError
from formcheck.io.video import FileSource, VideoSink
from formcheck.pipeline import check_pose_source
from formcheck.pose.sequence import BACK_PROFILE_POINTS, PoseSequence


def write_clip(path: Path, n: int, w: int = 64, h: int = 48, fps: float = 30.0,
               noise: bool = False) -> Path:
    rng = np.random.default_rng(n)
    with VideoSink(path, w, h, fps) as sink:
        for i in range(n):
            img = (rng.integers(0, 255, (h, w, 3), dtype=np.uint8) if noise
                   else np.full((h, w, 3), (i * 37) % 255, np.uint8))
            sink.write(img, i / fps)
    return path


def make_seq(n: int = 6, **extra) -> PoseSequence:
    rng = np.random.default_rng(1)
    return PoseSequence(t_s=np.arange(n) / 30.0, image_xy=rng.uniform(0, 60, (n, 33, 2)),
                        world_xyz=rng.normal(size=(n, 33, 3)), visibility=np.ones((n, 33)),
                        presence=np.ones((n, 33)),
                        back_xy=rng.uniform(0, 60, (n, BACK_PROFILE_POINTS, 2)),
                        width=64, height=48, source="a.mp4", model="lite", extra=dict(extra))


# ------------------------------------------------------------------ short clips, stills
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 18, 19])
def test_short_clips_give_every_frame(tmp_path, n):
    clip = write_clip(tmp_path / f"c{n}.mp4", n)
    with FileSource(clip) as src:
        frames = list(src)
        assert src.truncation is None
    assert [f.index for f in frames] == list(range(n))
    assert [f.t_s for f in frames] == pytest.approx([i / 30.0 for i in range(n)], abs=1e-4)


@pytest.mark.parametrize("n", [1, 4, 12, 17])
def test_short_clips_with_many_decoder_threads(tmp_path, monkeypatch, n):
    """As on a many-core machine: 16 frame threads hold frames back until the final flush
    (with two decode generators, clips under ~18 frames failed 'at frame 1')."""
    import av

    real_open = av.open

    def open_with_threads(*args, **kwargs):
        container = real_open(*args, **kwargs)
        if container.streams.video:
            container.streams.video[0].codec_context.thread_count = 16
        return container

    monkeypatch.setattr(av, "open", open_with_threads)
    clip = write_clip(tmp_path / f"t{n}.mp4", n)
    with FileSource(clip) as src:
        assert sum(1 for _ in src) == n


def test_a_still_image_is_one_frame(tmp_path):
    import cv2

    still = tmp_path / "still.png"
    cv2.imwrite(str(still), np.full((40, 50, 3), 128, np.uint8))
    with FileSource(still) as src:
        frames = list(src)
    assert len(frames) == 1 and frames[0].image.shape == (40, 50, 3)


def test_a_single_frame_analyses_and_says_why_nothing_is_judged():
    from formcheck.analysis import analyze_sequence

    result = analyze_sequence(make_seq(1))
    assert result.reps == () and result.findings == ()
    reasons = {a.reason for a in result.assessable if a.rep is None}
    assert reasons and all(r and "needs" in r for r in reasons)
    from formcheck.notices import notices_for

    assert [n.kind for n in notices_for(make_seq(1))] == ["single_frame"]
    assert notices_for(make_seq(2)) == ()


def test_a_single_frames_page_is_drawn_without_warnings(tmp_path):
    """QA: `formcheck analyze` of a still image (or a one-frame video) printed matplotlib's
    "Attempting to set identical low and high xlims ..." UserWarning, with the source line,
    four times on the terminal: each plot was given a time axis from 0 s to 0 s."""
    import warnings

    from formcheck.pipeline import analyse
    from formcheck.render.html import render_html

    seq = make_seq(1)
    report, result = analyse(seq)
    assert result.series
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_html(report, result.series, {}, tmp_path / "one.html")
    assert (tmp_path / "one.html").stat().st_size > 0


# ------------------------------------------------------------------ truncated files
def test_a_truncated_mp4_decodes_what_is_there_and_says_so(tmp_path):
    whole = write_clip(tmp_path / "whole.mp4", 171, noise=True)
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with FileSource(whole) as src:
        assert sum(1 for _ in src) == 171 and src.truncation is None
    with FileSource(cut) as src:
        n = sum(1 for _ in src)
        reason = src.truncation
    assert 0 < n < 171
    assert reason is not None and f"only {n} of the 171 frames" in reason


def test_truncation_reaches_the_report_notices(tmp_path):
    from formcheck.pipeline import analyse

    seq = make_seq(40, decode={"frames_decoded": 40, "truncation": "the file is truncated: x"})
    report, _ = analyse(seq)
    kinds = [n.kind for n in report.notices]
    # The seeded random landmarks also lay some frames upside down: that notice follows.
    assert kinds == ["truncated", "upside_down"]
    assert "truncated" in report.to_json()


def test_a_truncated_files_page_says_its_length_is_the_headers(tmp_path):
    """QA (session 24): a file cut at half its bytes read "Length 5.3 s, 159 frames" on the
    page, above "Frames total 55" and "Duration 1.80 s": the length is the header's."""
    import dataclasses as dc

    from formcheck.pipeline import analyse
    from formcheck.render.html import _summary_table
    from formcheck.report import VideoInfo

    seq = make_seq(40, decode={"frames_decoded": 40, "truncation": "the file is truncated: "
                               "only 40 of the 120 frames its header lists could be decoded"})
    report, _ = analyse(seq)
    info = VideoInfo(path="cut.mp4", width=64, height=48, fps=30.0, frame_count=120,
                     duration_s=4.0, rotation=0, codec="h264")
    page = _summary_table(dc.replace(report, video=info))
    assert ("4.0 s, 120 frames as its header states; only 40 decoded (the file is cut short)"
            in page)
    whole = _summary_table(dc.replace(report, video=info, notices=()))
    assert "4.0 s, 120 frames</td>" in whole


def _mp4_index_last(path: Path, n: int = 30, w: int = 64, h: int = 48) -> Path:
    """An MP4 written as most cameras and phones write one: the index (``moov``) at the end."""
    import av

    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        rng = np.random.default_rng(3)
        for _ in range(n):
            img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_an_mp4_cut_before_its_index_says_it_looks_cut_short(tmp_path):
    """QA (session 7): a copy cut off before the index read only "cannot open ... as video
    (Invalid data ...); is it a video file?". FFmpeg says the index is missing; so do we."""
    whole = _mp4_index_last(tmp_path / "whole.mp4")
    data = whole.read_bytes()
    assert data.rfind(b"moov") > len(data) // 2  # the index is in the half cut off
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with FileSource(whole) as src:
        assert sum(1 for _ in src) == 30
    with pytest.raises(VideoDecodeError) as err:
        FileSource(cut)
    msg = str(err.value)
    assert msg.startswith("cannot open cut.mp4 as video: it looks cut short")
    assert "moov atom not found" in msg and "is it a video file" not in msg
    assert "\n" not in msg and err.value.exit_code == 4


@pytest.mark.parametrize("content", [b"not a video at all\n", b"\x00" * 64, b"ftypisom" * 50])
def test_other_unopenable_files_still_ask_if_they_are_video(tmp_path, content):
    """Only an MP4 header with FFmpeg missing its index is called cut short."""
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(VideoDecodeError) as err:
        FileSource(bad)
    assert str(err.value).endswith("is it a video file?"), str(err.value)


def test_an_empty_file_says_it_is_empty(tmp_path):
    """QA session 9 (a zero-byte clip in a batch folder): it read "cannot open empty.mp4 as
    video (Invalid data found when processing input); is it a video file?"."""
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoDecodeError) as err:
        FileSource(empty)
    assert str(err.value) == ("cannot open empty.mp4 as video: the file is empty (0 bytes); "
                              "copy or download it again whole")
    assert err.value.exit_code == 4


@pytest.mark.parametrize("content", [b"", b"\x00" * 10, b"ftypisom" * 50])
def test_garbage_is_a_decode_error(tmp_path, content):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(VideoDecodeError):
        FileSource(bad)


# ------------------------------------------------------------------ unreadable inputs
def test_a_clip_in_an_unreadable_folder_is_input_error(tmp_path):
    """PermissionError from stat or open becomes InputNotFoundError (exit 3), not a trace."""
    import av  # noqa: F401 - imported before forking (the child may not read site-packages)

    folder = tmp_path / "locked"
    folder.mkdir()
    clip = write_clip(folder / "c.mp4", 3)
    folder.chmod(0o000)
    try:
        if os.geteuid() != 0:
            with pytest.raises(InputNotFoundError, match="cannot read|not found"):
                FileSource(clip)
            return
        pid = os.fork()
        if pid == 0:  # child: drop to an unprivileged user, try to open
            code = 1
            try:
                os.setgid(65534)
                os.setuid(65534)
                FileSource(clip)
            except InputNotFoundError as err:
                code = 3 if "Permission denied" in str(err) else 2
            except BaseException:  # noqa: BLE001 - any other outcome fails the test
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 3
    finally:
        folder.chmod(0o755)


# ------------------------------------------------------------------ pose files
def test_pose_file_round_trip_keeps_identity(tmp_path):
    seq = make_seq(source_sha256="ab" * 32)
    back = PoseSequence.load(seq.save(tmp_path / "p.pose.npz"))
    assert back.extra["source_sha256"] == "ab" * 32


def _npz_with_meta(path: Path, meta) -> Path:
    seq = make_seq()
    arrays = {"t_s": seq.t_s, "image_xy": seq.image_xy, "world_xyz": seq.world_xyz,
              "visibility": seq.visibility, "presence": seq.presence,
              "meta": np.frombuffer(meta if isinstance(meta, bytes) else
                                    json.dumps(meta).encode(), dtype=np.uint8)}
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


@pytest.mark.parametrize("meta", [
    [1, 2, 3], "text", 7, None, b"\xff\xfe not json",
    {"format_version": 1, "width": "wide", "height": 1, "source": "", "model": ""},
    {"format_version": 1, "height": 1, "source": "", "model": ""},
    {"format_version": 1, "width": 1, "height": 1, "source": "", "model": "", "extra": [1]},
    {"format_version": 99, "width": 1, "height": 1, "source": "", "model": ""},
])
def test_bad_metadata_is_data_format_error(tmp_path, meta):
    path = _npz_with_meta(tmp_path / "bad.pose.npz", meta)
    with pytest.raises(DataFormatError) as info:
        PoseSequence.load(path)
    assert "\n" not in str(info.value)


def test_pose_file_with_wrong_shapes_is_data_format_error(tmp_path):
    path = tmp_path / "shape.pose.npz"
    seq = make_seq()
    meta = {"format_version": 1, "width": 1, "height": 1, "source": "", "model": ""}
    with open(path, "wb") as fh:
        np.savez(fh, t_s=seq.t_s, image_xy=seq.image_xy[:, :5], world_xyz=seq.world_xyz,
                 visibility=seq.visibility, presence=seq.presence,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    with pytest.raises(DataFormatError, match="image_xy"):
        PoseSequence.load(path)


@pytest.fixture(scope="module")
def saved_pose(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("pose") / "p.pose.npz"
    return make_seq(30).save(path).read_bytes()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 0.999), flip=st.integers(0, 2**31))
def test_any_damaged_pose_file_is_data_format_error(tmp_path, saved_pose, cut, flip):
    """Property: a pose file cut anywhere, or with a byte flipped, loads to the original or
    raises DataFormatError, nothing else."""
    data = bytearray(saved_pose[: int(cut * len(saved_pose))] if cut > 0.01 else saved_pose)
    if cut <= 0.01 and data:
        data[flip % len(data)] ^= 0xFF
    path = tmp_path / f"d{flip}.pose.npz"
    path.write_bytes(bytes(data))
    try:
        seq = PoseSequence.load(path)
    except DataFormatError:
        return
    assert len(seq) == 30


@pytest.mark.parametrize("offset, value", [(6, 210), (8, 1 << 5)],
                         ids=["zip version 21.0", "patched data flag"])
def test_a_damaged_header_asking_for_an_unsupported_zip_feature(tmp_path, saved_pose, offset,
                                                                 value):
    """Found by the property above: a flipped byte in the central directory can ask for a zip
    version or feature that Python's zipfile does not implement (NotImplementedError)."""
    data = bytearray(saved_pose)
    entry = data.index(b"PK\x01\x02")
    data[entry + offset:entry + offset + 2] = value.to_bytes(2, "little")
    path = tmp_path / "unsupported.pose.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataFormatError, match="not a readable formcheck pose file"):
        PoseSequence.load(path)


def test_a_zip_that_is_not_a_pose_file(tmp_path):
    path = tmp_path / "other.pose.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(DataFormatError, match="no metadata"):
        PoseSequence.load(path)


def test_pose_data_of_another_clip_is_refused(tmp_path):
    from formcheck.fsutil import file_sha256

    a = write_clip(tmp_path / "a.mp4", 4)
    b = write_clip(tmp_path / "b.mp4", 5)  # same frame size: size alone cannot tell them apart
    seq = make_seq(source_sha256=file_sha256(a))
    check_pose_source(seq, a, "a.pose.npz")
    with pytest.raises(DataFormatError, match="another clip"):
        check_pose_source(seq, b, "a.pose.npz")
    with pytest.raises(DataFormatError, match="does not record"):
        check_pose_source(make_seq(), a, "a.pose.npz")


# ------------------------------------------------------------------ odd containers, sizes, rates
def _encode(path: Path, codec: str, n: int, w: int, h: int, fps: int, pix_fmt: str) -> Path:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        for i in range(n):
            img = np.full((h, w, 3), (i * 29) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="bgr24").reformat(format=pix_fmt)
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize(("name", "codec", "pix_fmt", "w", "h", "fps"), [
    ("vp9.mkv", "libvpx-vp9", "yuv420p", 64, 48, 30),
    ("vp8.webm", "libvpx", "yuv420p", 64, 48, 30),
    ("mpeg4.avi", "mpeg4", "yuv420p", 64, 48, 25),
    ("prores.mov", "prores_ks", "yuv422p10le", 64, 48, 24),
    ("mjpeg.avi", "mjpeg", "yuvj420p", 64, 48, 5),
    ("tiny.mp4", "libx264", "yuv420p", 16, 16, 120),
    ("wide.mkv", "ffv1", "yuv420p", 3840, 16, 60),
])
def test_odd_containers_codecs_sizes_and_rates_decode_whole(tmp_path, name, codec, pix_fmt,
                                                             w, h, fps):
    clip = _encode(tmp_path / name, codec, 12, w, h, fps, pix_fmt)
    with FileSource(clip) as src:
        frames = list(src)
        assert src.truncation is None
        assert (src.info.width, src.info.height) == (w, h)
    assert len(frames) == 12 and frames[0].image.shape == (h, w, 3)
    assert [f.t_s for f in frames] == pytest.approx([i / fps for i in range(12)], abs=2e-3)


# ------------------------------------------------------------------ too few frames: why
def _clip_reasons(seq: PoseSequence) -> set[str]:
    from formcheck.analysis import analyze_sequence

    result = analyze_sequence(seq)
    return {a.reason for a in result.assessable if a.rep is None and not a.assessable}


def test_a_clip_of_too_few_frames_with_the_lifter_in_each_says_the_clip_is_short():
    """A 6-frame clip (3.75 fps GIF, the lifter in every frame) read "a person was found in
    only 6 frames (needs 10); keep the lifter in the picture": the lifter was in the picture;
    the video was too short. One frame read "1 frames"."""
    from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),)))
    (reason,) = _clip_reasons(seq.slice(0, 6))
    assert reason.startswith("the video has only 6 frames, the lifter in each (needs 10)")
    assert "keep the lifter in the picture" not in reason
    (reason,) = _clip_reasons(seq.slice(0, 1))
    assert reason.startswith("the video has only 1 frame, the lifter in it (needs 10)")
    nobody = np.zeros(12, bool)
    nobody[:4] = True
    part = seq.slice(0, 12)
    hidden = dataclasses.replace(
        part, world_xyz=np.where(nobody[:, None, None], part.world_xyz, np.nan),
        image_xy=np.where(nobody[:, None, None], part.image_xy, np.nan))
    (reason,) = _clip_reasons(hidden)
    assert reason == ("a person was found in only 4 of the 12 frames (needs 10); "
                      "keep the lifter in the picture")


# ------------------------------------------------------------------ picture size changes part-way
def _size_changing_ts(path: Path, n: int = 20) -> Path:
    """Two MPEG-TS pieces of different picture sizes joined byte for byte, as a capture or a
    stream that switches resolution gives: 64x48 for ``n`` frames, then 64x32 (a bright
    picture) for ``n`` more."""
    import av

    def piece(w: int, h: int, start: int, value: int) -> bytes:
        part = path.with_suffix(f".{w}x{h}.ts")
        with av.open(str(part), "w", format="mpegts") as out:
            stream = out.add_stream("libx264", rate=30)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            for i in range(n):
                frame = av.VideoFrame.from_ndarray(np.full((h, w, 3), value, np.uint8),
                                                   format="bgr24")
                frame.pts = start + i
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        return part.read_bytes()

    path.write_bytes(piece(64, 48, 0, 60) + piece(64, 32, n, 200))
    return path


def test_a_picture_size_change_is_fitted_to_the_first_size(tmp_path):
    """A stream whose picture size changed part-way failed the render pass with
    "overlay frame must be uint8 of shape (480, 640, 3), got uint8 (360, 640, 3)" (exit 10, no
    outputs): every frame now comes at the first size, the later picture scaled into it with
    its aspect kept (black bands), and the change is recorded for a notice."""
    clip = _size_changing_ts(tmp_path / "switch.ts")
    with FileSource(clip) as src:
        frames = list(src)
        change = src.size_change
    assert len(frames) == 40
    assert {f.image.shape for f in frames} == {(48, 64, 3)}
    assert change is not None and change[1:] == ((64, 48), (64, 32))
    assert change[0] == pytest.approx(frames[20].t_s)
    late = frames[-1].image
    assert late[:6].max() < 30 and late[-6:].max() < 30  # black bands above and below
    assert late[10:38].min() > 150  # the picture itself, whole width


def test_a_picture_size_change_is_a_notice():
    from formcheck.notices import notices_for

    seq = make_seq(40, decode={"frames_decoded": 40, "truncation": None,
                               "size_change": {"t_s": 0.67, "from": [64, 48],
                                               "to": [64, 32]}})
    (notice,) = [n for n in notices_for(seq) if n.kind == "size_change"]
    assert notice.start_s == pytest.approx(0.67)
    assert notice.message.startswith("the picture's size changes at 0.67 s, from 64×48 to "
                                     "64×32: frames of another size were scaled to fit")


def test_a_picture_size_change_renders_the_annotated_video(tmp_path):
    """The render pass decodes the clip again: it drew every frame at the pose data's size."""
    from formcheck.io.video import probe_video
    from formcheck.pipeline import analyse, output_paths, render_outputs

    clip = _size_changing_ts(tmp_path / "switch.ts")
    seq = make_seq(40)
    report, result = analyse(seq)
    paths = output_paths(tmp_path / "out", "switch")
    paths["video"].parent.mkdir(parents=True)
    render_outputs(clip, seq, report, result.series, paths, write_html=False)
    info = probe_video(paths["video"])
    assert (info.width, info.height, info.frame_count) == (64, 48, 40)


def test_ctrl_c_while_a_video_is_flushed_leaves_no_temp_file(tmp_path):
    """QA (session 24): a second Ctrl-C while `live` saved a set, as the annotated video's
    encoder flushed, left `.clip.annotated.mp4.<random>.tmp.mp4` in the output folder (only
    an OSError there removed it)."""

    class Interrupted:
        def encode(self, frame=None):
            raise KeyboardInterrupt

    sink = VideoSink(tmp_path / "clip.annotated.mp4", 64, 48, 30.0)
    sink.write(np.zeros((48, 64, 3), np.uint8), 0.0)
    sink._stream = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        sink.close()
    assert list(tmp_path.iterdir()) == []
