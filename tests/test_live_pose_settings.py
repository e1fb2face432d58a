"""``formcheck live`` poses frames under the same settings as ``formcheck analyze`` (the one
config's ``pose.max_side_px``, its default included) and records the posed size alike; every
surface that shows the input's facts says when frames were posed scaled down, in one set of
words, and the video overlay never does."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from formcheck.config import Config, load_config
from formcheck.live.settings import LiveSettings
from formcheck.notices import posed_at_text
from formcheck.pose.sequence import POSED_AT_KEY, PoseSequence
from formcheck.report import VideoInfo


class _StopAtWarmUp(Exception):
    pass


def _estimator_settings(tmp_path, monkeypatch, config: Config | None, width: int,
                        height: int):
    """The keyword arguments live builds its pose estimator with and the size it warms the
    models up at, for a ``width`` x ``height`` source (no model is run)."""
    import formcheck.live.session as live_session
    from formcheck.live.session import LiveOptions, LiveSession

    got: dict = {}

    class FakeEstimator:
        def __init__(self, model_path, **kwargs):
            got["kwargs"] = kwargs

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def warm_up(self, w, h, person_bgr=None):
            got["warm_up"] = (w, h, person_bgr.shape[:2] if person_bgr is not None else None)
            raise KeyboardInterrupt  # ends the session like Ctrl-C: nothing more is needed

    class Still:  # a source that never sends a frame
        info = VideoInfo(path="still.mp4", width=width, height=height, fps=30.0,
                         frame_count=0, duration_s=0.0)

        def read(self):
            return None

        def reopen(self):
            return False

        def close(self):
            pass

    monkeypatch.setattr(live_session, "PoseEstimator", FakeEstimator)
    opts = LiveOptions(out_dir=tmp_path, model="full", config=config,
                       headless=True, settings=replace(LiveSettings(), countdown_s=0.0))
    LiveSession(Still(), opts, is_camera=False).run()
    return got


@pytest.mark.parametrize("sets, cap", [((), 1920), (("pose.max_side_px=0",), 0),
                                       (("pose.max_side_px=960",), 960)])
def test_live_poses_under_the_configs_cap(tmp_path, monkeypatch, sets, cap):
    """QA (session 25): live built its estimator with the estimator's own default cap, so
    `--set pose.max_side_px=…` / `--config` never reached a camera or a replay (and its models
    warmed up on full-size 4K frames). Now the one config decides, its default included, and
    the warm-up is at the size the frames will be posed at."""
    config = load_config(None, list(sets)) if sets else None
    got = _estimator_settings(tmp_path, monkeypatch, config, 3840, 2160)
    assert got["kwargs"]["max_side"] == cap
    want = (3840, 2160) if cap == 0 else (cap, cap * 9 // 16)
    assert got["warm_up"] == (*want, (want[1], want[0]))


def test_live_builds_its_estimator_as_analyze_does(tmp_path, monkeypatch):
    """Every setting of the pose pass analyze gives its estimator (``pipeline.extract_pose``:
    the person rule, the back outline, the cap) live gives it the same."""
    import inspect

    import formcheck.pipeline as pipeline
    from formcheck.pose.estimator import PoseEstimator

    defaults = {k: p.default
                for k, p in inspect.signature(PoseEstimator.__init__).parameters.items()}
    config = load_config(None, ["pose.max_side_px=1280"])
    live = _estimator_settings(tmp_path, monkeypatch, config, 1920, 1080)["kwargs"]
    # What analyze's pose pass passes, read from its own construction.
    seen: dict = {}

    class Capture:
        def __init__(self, model_path, **kwargs):
            seen.update(kwargs)
            raise _StopAtWarmUp

    monkeypatch.setattr("formcheck.pose.estimator.PoseEstimator", Capture)
    from formcheck.io.video import VideoSink

    clip = tmp_path / "tiny.mp4"
    with VideoSink(clip, 64, 48, 10.0) as sink:
        for i in range(3):
            sink.write(np.zeros((48, 64, 3), np.uint8), i / 10.0)
    with pytest.raises(_StopAtWarmUp):
        pipeline.extract_pose(clip, "full", max_side=pipeline.pose_max_side(config))
    for name, value in seen.items():
        assert live.get(name, defaults[name]) == value, name
    assert seen["max_side"] == live["max_side"] == 1280


def test_a_replays_pose_data_records_its_posed_size_and_is_reused_as_analyzes(
        tmp_path, lite_model, person_clip):
    """QA (session 25): a 2560x1920 replay's pose data had no ``posed_at`` though its frames
    were posed at 1920x1440, so `cached_pose` refused it under the cap it was made with (and
    would have taken it as full-size poses under ``max_side_px=0``). Live records it as the
    pose pass of `formcheck analyze` does: the same poses, the same record, reused under the
    same cap only; and its record says so in the words of every other surface."""
    from formcheck import pipeline
    from formcheck.live.capture import ReplaySource
    from formcheck.live.session import LiveOptions, LiveSession

    config = load_config(None, ["pose.max_side_px=480"])
    opts = LiveOptions(out_dir=tmp_path / "out", model=str(lite_model), config=config,
                       headless=True, settings=replace(LiveSettings(), countdown_s=0.0),
                       stem="set")
    LiveSession(ReplaySource(person_clip), opts, is_camera=False, lockstep=True,
                replay_path=person_clip).run()
    pose_path = tmp_path / "out" / "set.pose.npz"
    seq = PoseSequence.load(pose_path)
    assert (seq.width, seq.height) == (576, 512)
    assert seq.extra[POSED_AT_KEY] == {"width": 480, "height": 427, "max_side_px": 480}
    file = pipeline.extract_pose(person_clip, str(lite_model), max_side=480)
    assert file.extra[POSED_AT_KEY] == seq.extra[POSED_AT_KEY]
    np.testing.assert_array_equal(seq.image_xy, file.image_xy)
    assert pipeline.cached_pose(person_clip, pose_path, str(lite_model), max_side=480) \
        is not None
    assert pipeline.cached_pose(person_clip, pose_path, str(lite_model)) is None  # 1920
    assert pipeline.cached_pose(person_clip, pose_path, str(lite_model), max_side=0) is None
    record = json.loads((tmp_path / "out" / "set.report.json").read_text())
    said = [n["message"] for n in record["notices"] if n["kind"] == POSED_AT_KEY]
    assert said == [posed_at_text((480, 427), (576, 512))]


def test_every_surface_says_the_posed_size_in_the_same_words_and_the_video_never(tmp_path):
    """QA (session 25): nothing told a coach that a 4K clip's frames were posed at 1920 px.
    The report carries one notice (JSON), the page gives it among the frame's facts (not as a
    limit of the input), the terminal as a note; the annotated video never draws it."""
    from rich.console import Console

    from formcheck import pipeline
    from formcheck.analysis.synthetic import SynthSpec, synthesize
    from formcheck.render.html import render_html
    from formcheck.render.overlay import OverlayRenderer
    from formcheck.render.terminal import print_summary

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(), setup_s=1.0))
    w, h = seq.width, seq.height
    seq.extra[POSED_AT_KEY] = {"width": w // 2, "height": h // 2, "max_side_px": max(w, h) // 2}
    words = posed_at_text((w // 2, h // 2), (w, h))
    assert f"posed at {w // 2}×{h // 2} (the video is {w}×{h})" in words
    report, result = pipeline.analyse(seq)
    report = replace(report, video=VideoInfo(path="clip.mp4", width=w, height=h, fps=30.0,
                                             frame_count=len(seq), duration_s=1.0))
    assert [n.message for n in report.notices if n.kind == POSED_AT_KEY] == [words]
    assert words in json.loads(report.to_json())["notices"][0]["message"]

    page = render_html(report, result.series, {}, tmp_path / "p.html").read_text()
    facts = page[page.index('id="summary-table"'):]
    facts = facts[:facts.index("</table>")]
    assert "Pose model input" in facts and words.replace("'", "&#x27;") in facts
    assert 'class="notice posed_at"' not in page

    console = Console(record=True, width=400)
    print_summary(report, {}, console)
    assert f"note: {words}" in console.export_text()

    r = OverlayRenderer(report, seq, result.series)
    assert not any(r.input_notices_at(i) for i in range(len(seq)))


def test_frames_within_the_cap_say_nothing_of_it():
    from formcheck import pipeline
    from formcheck.analysis.synthetic import SynthSpec, synthesize

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(), setup_s=1.0))
    pipeline.record_posed_at(seq, max(seq.width, seq.height))
    assert POSED_AT_KEY not in seq.extra
    report, _ = pipeline.analyse(seq)
    assert not [n for n in report.notices if n.kind == POSED_AT_KEY]
