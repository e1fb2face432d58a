"""Wires the stages: decode → pose → analysis → report → sinks (video overlay, HTML, CSV).

Every stage is a plain function over an iterator or a plain data type, so stages can overlap:
decoding runs in a background thread ahead of inference, and live/batch/CI replay reuse the same
functions. Nothing here draws or decides; it only connects.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

from formcheck.errors import DataFormatError
from formcheck.fsutil import file_sha256
from formcheck.pose.sequence import PoseSequence
from formcheck.report import Report, VideoInfo

T = TypeVar("T")

#: Called with the number of frames done so far (drives progress bars).
Progress = Callable[[int], None]

_DONE = object()


def prefetch(items: Iterable[T], depth: int = 8) -> Iterator[T]:
    """Run ``items`` in a background thread, ``depth`` elements ahead of the consumer.

    Exceptions raised by the producer are re-raised in the consumer at the point they occurred.
    Stopping early (``close()`` on the generator) stops the producer.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((_DONE, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            q.put((_DONE, exc))

    worker = threading.Thread(target=produce, name="formcheck-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = q.get()
            if item is _DONE:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


# ---------------------------------------------------------------------------- pose
def extract_pose(video: str | Path, model: str | None = None, *, back_profile: bool = True,
                 progress: Progress | None = None,
                 progress_for: Callable[[int | None], Progress] | None = None) -> PoseSequence:
    """Decode ``video`` and run the pose model on every frame.

    ``model`` is a name (lite/full/heavy) or a path to a ``.task`` bundle (see
    ``formcheck.pose.models.resolve_model``). The video's facts are kept in
    ``seq.extra["video"]`` so a saved sequence can be re-analysed and re-rendered alone.
    ``progress`` is called with the frames done so far; ``progress_for(frame_count)``, once the
    video is open, makes such a callback knowing the total (None when the container does not
    say).
    """
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator, run_estimator, to_sequence
    from formcheck.pose.models import resolve_model

    # The video first: a missing or undecodable clip is reported before any model problem.
    with FileSource(video) as src:
        info = src.info
        resolved = resolve_model(model)
        if progress_for is not None:
            progress = progress_for(info.frame_count or None)
        times, poses = [], []
        with PoseEstimator(resolved.path, back_profile=back_profile) as est:
            for frame, pose in run_estimator(est, prefetch(src)):
                times.append(frame.t_s)
                poses.append(pose)
                if progress is not None:
                    progress(len(times))
    seq = to_sequence(times, poses, width=info.width, height=info.height,
                      source=Path(video).name, model=resolved.name, back_profile=back_profile)
    seq.extra["video"] = asdict(info)
    seq.extra["source_sha256"] = file_sha256(video)
    seq.extra["model_sha256"] = file_sha256(resolved.path)
    return seq


def cached_pose(video: str | Path, pose_path: str | Path, model: str | None = None,
                ) -> PoseSequence | None:
    """The saved ``pose_path`` if it was made from exactly this video's bytes by the model
    ``model`` resolves to (same bundle bytes), else None. Lets batch, check and reruns skip
    pose inference without ever mixing pose data of another clip or model."""
    from formcheck.pose.models import resolve_model

    pose_path = Path(pose_path)
    if not pose_path.is_file():
        return None
    try:
        seq = PoseSequence.load(pose_path)
    except DataFormatError:
        return None
    if seq.extra.get("source_sha256") != file_sha256(video):
        return None
    if seq.extra.get("model_sha256") != file_sha256(resolve_model(model).path):
        return None
    return seq


def video_info_of(seq: PoseSequence) -> VideoInfo | None:
    data = seq.extra.get("video")
    return VideoInfo(**data) if data else None


# ---------------------------------------------------------------------------- analysis
def build_report(seq: PoseSequence, result, info: VideoInfo | None) -> Report:
    """The report of one analysed sequence (``result`` is an ``AnalysisResult``)."""
    return Report(
        video=info,
        model=seq.model,
        frames_total=len(seq),
        frames_with_person=int(seq.detected.sum()),
        exercise=result.exercise,
        view=result.view,
        reps=result.reps,
        findings=result.findings,
        assessable=result.assessable,
        summary=dict(result.summary),
    )


def analyse(seq: PoseSequence, *, exercise: str | None = None, config=None):
    """Run the analysis core and build the report: returns ``(report, result)``."""
    from formcheck.analysis import analyze_sequence

    result = analyze_sequence(seq, config=config, exercise=exercise)
    return build_report(seq, result, video_info_of(seq)), result


# ---------------------------------------------------------------------------- outputs
def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    return {
        "pose": out_dir / f"{stem}.pose.npz",
        "report": out_dir / f"{stem}.report.json",
        "csv": out_dir / f"{stem}.reps.csv",
        "video": out_dir / f"{stem}.annotated.mp4",
        "html": out_dir / f"{stem}.report.html",
    }


def render_outputs(video: Path, seq: PoseSequence, report: Report, series: dict,
                   paths: dict[str, Path], *, write_video: bool = True,
                   write_html: bool = True, progress: Progress | None = None,
                   thumbnails_out: dict | None = None) -> dict[str, Path]:
    """Second pass over the video: overlay + encode, collect thumbnails, write the HTML page.

    ``thumbnails_out``, when given, receives the collected thumbnails (finding index → overlaid
    BGR frame), e.g. for the batch index page."""
    from formcheck.render.overlay import OverlayRenderer, select_thumbnail_frames

    written: dict[str, Path] = {}
    wanted = select_thumbnail_frames(report, seq) if write_html else {}
    thumbs: dict[int, object] = {}
    if write_video or wanted:
        from formcheck.io.video import FileSource, VideoSink

        overlay = OverlayRenderer(report, seq, series)
        by_frame: dict[int, list[int]] = {}
        for finding_idx, frame_idx in wanted.items():
            by_frame.setdefault(frame_idx, []).append(finding_idx)
        with FileSource(video) as src:
            info = src.info
            if (info.width, info.height) != (seq.width, seq.height):
                raise DataFormatError(
                    f"{video.name} is {info.width}x{info.height} but the pose data was made "
                    f"from a {seq.width}x{seq.height} video; pass the video it came from"
                )
            sink = (VideoSink(paths["video"], info.width, info.height, info.fps,
                              audio_from=video) if write_video else None)
            try:
                for frame in prefetch(src):
                    if frame.index >= len(seq):
                        break
                    needs_overlay = sink is not None or frame.index in by_frame
                    if not needs_overlay:
                        continue
                    drawn = overlay.draw(frame.image, frame.index)
                    for finding_idx in by_frame.get(frame.index, ()):
                        thumbs[finding_idx] = drawn.copy()
                    if sink is not None:
                        sink.write(drawn, frame.t_s)
                    if progress is not None:
                        progress(frame.index + 1)
            except BaseException:
                if sink is not None:
                    sink.abort()
                raise
            if sink is not None:
                written["video"] = sink.close()
    if thumbnails_out is not None:
        thumbnails_out.update(thumbs)
    if write_html:
        from formcheck.render.html import render_html

        written["html"] = render_html(report, series, thumbs, paths["html"])
    return written


def analyze_video(video: str | Path, out_dir: str | Path, *, model: str | None = None,
                  exercise: str | None = None, config=None, write_video: bool = True,
                  write_html: bool = True,
                  progress: Callable[[str, int | None], Progress] | None = None,
                  ) -> tuple[Report, dict[str, Path]]:
    """The whole job for one clip. ``progress(stage, total)`` returns a per-frame callback."""
    video = Path(video)
    out_dir = Path(out_dir)
    paths = output_paths(out_dir, video.stem)
    seq = extract_pose(video, model, progress_for=(lambda total: progress("pose", total))
                       if progress else None)
    written = {"pose": seq.save(paths["pose"])}
    report, result = analyse(seq, exercise=exercise, config=config)
    written["report"] = report.save_json(paths["report"])
    written["csv"] = report.save_csv(paths["csv"])
    written.update(render_outputs(
        video, seq, report, result.series, paths, write_video=write_video,
        write_html=write_html,
        progress=progress("video", len(seq)) if progress and write_video else None,
    ))
    return report, written


def rerender(video: str | Path, pose_path: str | Path, out_dir: str | Path, *,
             report_path: str | Path | None = None, exercise: str | None = None, config=None,
             write_html: bool = True,
             progress: Callable[[str, int | None], Progress] | None = None,
             ) -> tuple[Report, dict[str, Path]]:
    """``--overlay-only``: draw the video and page from a saved ``.pose.npz`` (and report),
    without running the pose model."""
    video = Path(video)
    seq = PoseSequence.load(pose_path)
    paths = output_paths(Path(out_dir), video.stem)
    fresh, result = analyse(seq, exercise=exercise, config=config)
    report = Report.load(report_path) if report_path else fresh
    written = render_outputs(video, seq, report, result.series, paths, write_video=True,
                             write_html=write_html,
                             progress=progress("video", len(seq)) if progress else None)
    return report, written
