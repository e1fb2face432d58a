"""Outputs of the render pass stay the same while what it keeps does not grow with the clip:
the page is streamed to disk, finding pictures are kept encoded, overlay text is cached within a
byte budget (issue 16 item 9, issue 14's memory target)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import load_config
from formcheck.errors import ConfigError, OutputError
from formcheck.fsutil import write_parts_atomic
from formcheck.io.video import FileSource, VideoSink
from formcheck.pipeline import analyse, output_paths, render_outputs, render_view
from formcheck.pose.landmarks import Landmark
from formcheck.pose.sequence import PoseSequence
from formcheck.render import _text
from formcheck.render.html import render_html, thumbnail_uri
from formcheck.render.overlay import (
    DrawnPoses,
    OverlayRenderer,
    OverlayStyle,
    select_thumbnail_frames,
)


@pytest.fixture(scope="module")
def clip_and_seq(tmp_path_factory):
    reps = (SynthRep(), SynthRep(flexion_deg=40.0), SynthRep(twist_deg=40.0))
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=45.0, fps=30.0,
                                  width=320, height=240, px_per_m=80.0))
    clip = tmp_path_factory.mktemp("mem") / "clip.mp4"
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    with VideoSink(clip, 320, 240, 30.0) as sink:
        for i, t in enumerate(seq.t_s):
            sink.write(np.roll(base, 3 * i, axis=1), float(t))
    return clip, seq


#: The stick figure's twist at 45° is read by the projected widths only (the reading as from the
#: side, twist round 15, needs the back outline to turn, which the stick figure's does not).
WIDTHS_AT_45 = load_config(None, ["signal.twist_oblique_near=false"])


def test_page_from_encoded_pictures_is_the_page_from_frames(clip_and_seq, tmp_path):
    """The render pass keeps each finding's picture JPEG-encoded: the page is byte for byte the
    one ``render_html`` makes from the drawn frames themselves."""
    clip, seq = clip_and_seq
    report, result = analyse(seq, config=WIDTHS_AT_45)
    assert report.findings, "the synthetic set must have findings, so the page has pictures"
    paths = output_paths(tmp_path / "out", clip.stem)
    arrays: dict = {}
    written = render_outputs(clip, seq, report, result.series, paths, write_video=False,
                             thumbnails_out=arrays)
    wanted = select_thumbnail_frames(report, seq)
    assert sorted(arrays) == sorted(wanted)
    overlay = OverlayRenderer(report, seq, result.series)
    frames = {}
    with FileSource(clip) as src:
        for frame in src:
            if frame.index in wanted.values():
                frames[frame.index] = overlay.draw(frame.image, frame.index)
    drawn = {i: frames[j] for i, j in wanted.items()}
    for i, frame in drawn.items():
        assert thumbnail_uri(arrays[i]) == thumbnail_uri(frame)
    again = render_html(report, result.series, drawn, tmp_path / "again.html")
    assert written["html"].read_bytes() == again.read_bytes()
    assert b"data:image/jpeg;base64," in again.read_bytes()


def test_only_the_asked_findings_frames_are_kept(clip_and_seq, tmp_path):
    """batch wants one picture (the worst finding's), not a frame per finding."""
    clip, seq = clip_and_seq
    report, result = analyse(seq, config=WIDTHS_AT_45)
    wanted = select_thumbnail_frames(report, seq)
    assert wanted
    every = render_outputs(clip, seq, report, result.series,
                           output_paths(tmp_path / "all", clip.stem), write_video=False)
    for asked in (set(), {max(wanted)}):
        arrays: dict = {}
        written = render_outputs(clip, seq, report, result.series,
                                 output_paths(tmp_path / f"n{len(asked)}", clip.stem),
                                 write_video=False, thumbnails_out=arrays,
                                 thumbnail_findings=asked)
        assert set(arrays) == asked and all(a is not None for a in arrays.values())
        # The page still has every finding's picture.
        assert written["html"].read_bytes() == every["html"].read_bytes()


def test_streamed_write_is_the_joined_text_and_atomic(tmp_path):
    parts = ["<p>", "×–°", "x" * 100_000, "</p>\n"]
    path = write_parts_atomic(tmp_path / "a.html", iter(parts))
    assert path.read_bytes() == "".join(parts).encode("utf-8")

    def broken():
        yield "<p>half"
        raise RuntimeError("plot failed")

    with pytest.raises(RuntimeError):
        write_parts_atomic(tmp_path / "b.html", broken())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]
    with pytest.raises(OutputError):
        write_parts_atomic(tmp_path / "a.html" / "c.html", iter(parts))


def test_text_cache_stays_within_its_byte_budget():
    """A long clip draws thousands of distinct strings (every reading): the masks kept stay
    within the budget, and a mask is the same whether it was cached or drawn afresh."""
    first = _text.text_mask("Rep 1/3 · descent", 40, True).copy()
    for k in range(3000):
        _text.text_mask(f"now {k / 10:.1f}% · limit 12%", 40)
    assert 0 < _text._MASKS.bytes <= _text._MASKS.limit
    again = _text.text_mask("Rep 1/3 · descent", 40, True)
    assert again.dtype == np.float32 and np.array_equal(again, first)
    assert _text.text_size("Rep 1/3 · descent", 40, True) == first.shape[::-1]


def test_text_cache_is_sized_to_the_frame():
    """One byte per pixel (a few frames' worth of text at any size), at least the minimum, so
    it fills within seconds of any clip; shrinking it drops the oldest masks at once."""
    try:
        _text.fit_cache_to_frame(1920, 1080)
        assert _text._MASKS.limit == 1920 * 1080
        for k in range(400):
            _text.text_mask(f"now {k / 10:.1f}% · limit 12%", 40)
        assert _text._MASKS.bytes > _text._MASK_CACHE_BYTES
        _text.fit_cache_to_frame(320, 240)
        assert _text._MASKS.limit == _text._MASK_CACHE_BYTES
        assert 0 < _text._MASKS.bytes <= _text._MASK_CACHE_BYTES
    finally:
        _text.fit_cache_to_frame(0, 0)


def test_render_view_keeps_what_is_drawn_and_frees_the_rest(clip_and_seq, tmp_path):
    """The render pass draws the same pixels from the reduced view, which holds about 200
    bytes a frame (whole pixels, one bit per visibility test) instead of the sequence's
    1,200, and does not keep the sequence's arrays alive."""
    clip, seq = clip_and_seq
    report, result = analyse(seq)
    view = render_view(seq)
    assert isinstance(view, DrawnPoses) and len(view) == len(seq)
    assert view.t_s is seq.t_s and (view.width, view.height) == (seq.width, seq.height)
    assert view.nbytes / len(seq) < 220
    assert view.points.dtype == np.int16
    for arr in (view.points, view.trunk, view.back, view.flags):
        assert arr.base is None or not np.shares_memory(arr, seq.image_xy)
    full = OverlayRenderer(report, seq, result.series)
    reduced = OverlayRenderer(report, view, result.series)
    with FileSource(clip) as src:
        for frame in src:
            a = full.draw(frame.image.copy(), frame.index)
            b = reduced.draw(frame.image, frame.index)
            np.testing.assert_array_equal(a, b)


def _messy(seq: PoseSequence) -> PoseSequence:
    """``seq`` with what real pose data has: frames without a person, single lost landmarks
    and back points, visibility all over (NaN too), sub-pixel positions, a point far off the
    frame (past 16 bits)."""
    rng = np.random.default_rng(5)
    xy = seq.image_xy + rng.uniform(-0.5, 0.5, seq.image_xy.shape).astype(np.float32)
    vis = rng.uniform(0, 1, seq.visibility.shape).astype(np.float32)
    back, world = seq.back_xy.copy(), seq.world_xyz.copy()
    xy[rng.uniform(size=xy.shape[:2]) < 0.05] = np.nan
    xy[::17] = world[::17] = np.nan
    back[rng.uniform(size=back.shape[:2]) < 0.1] = np.nan
    vis[rng.uniform(size=vis.shape) < 0.03] = np.nan
    xy[5, Landmark.LEFT_KNEE] = [40000.0, -50000.0]
    return PoseSequence(t_s=seq.t_s, image_xy=xy, world_xyz=world, visibility=vis,
                        presence=seq.presence, back_xy=back, width=seq.width,
                        height=seq.height)


def test_reduced_view_draws_messy_poses_the_same(clip_and_seq):
    """Every frame of a sequence with gaps, low and NaN visibility and an off-frame point is
    drawn byte-identical from the view and from the sequence (and from a view of another
    style's limits, prepared with that style); a view prepared for other limits is refused."""
    clip, seq = clip_and_seq
    report, result = analyse(seq)
    messy = _messy(seq)
    view = render_view(messy)
    assert view.points.dtype == np.int32  # widened for the far point, nothing cut
    style = OverlayStyle(min_visibility=0.7, faint_visibility=0.4)
    pairs = [(OverlayRenderer(report, messy, result.series),
              OverlayRenderer(report, view, result.series)),
             (OverlayRenderer(report, messy, result.series, style=style),
              OverlayRenderer(report, DrawnPoses(messy, style), result.series, style=style))]
    with FileSource(clip) as src:
        for frame in src:
            for whole, reduced in pairs:
                a = whole.draw(frame.image.copy(), frame.index)
                b = reduced.draw(frame.image.copy(), frame.index)
                np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError):
        OverlayRenderer(report, view, result.series, style=style)


def test_render_pass_holds_few_decoded_frames(clip_and_seq, tmp_path, monkeypatch):
    """Frames in flight are bounded by the decode-ahead depth and the drawing workers, not by
    the clip: each is a whole frame (5.5 MB at 1080p), and more of them in flight left the
    allocator holding frame-sized holes that grew with the clip's length."""
    import threading
    import weakref

    from formcheck import pipeline
    from formcheck.io import video as video_io

    clip, seq = clip_and_seq
    report, result = analyse(seq)
    alive, most, lock = [0], [0], threading.Lock()

    def gone() -> None:
        with lock:
            alive[0] -= 1

    real_iter = video_io.FileSource.__iter__

    def counted(self):
        for frame in real_iter(self):
            with lock:
                alive[0] += 1
                most[0] = max(most[0], alive[0])
            weakref.finalize(frame.image, gone)
            yield frame

    monkeypatch.setattr(video_io.FileSource, "__iter__", counted)
    render_outputs(clip, render_view(seq), report, result.series,
                   output_paths(tmp_path / "out", clip.stem), write_html=False)
    # Queued ahead, one being queued, the workers' window, one being encoded.
    bound = pipeline._RENDER_PREFETCH + 1 + 2 * pipeline._render_workers() + 1
    assert 2 <= most[0] <= bound
