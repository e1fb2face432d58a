"""The per-clip task: what ``formcheck analyze`` does for one clip, plus the batch's own bits
(pose reuse, the index thumbnail, the state file). Every engine runs exactly this function, so a
clip gives the same outputs locally and on a cluster.

A clip's failure is data, not an exception: ``run_clip`` returns a ``ClipResult`` with the
error's one-line message and exit code, and the batch goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.batch.state import ClipState, content_sha256, state_path, write_state
from formcheck.errors import (
    DataFormatError,
    FormcheckError,
    InputNotFoundError,
    ModelInvalidError,
)

#: The index page's thumbnail of a clip's worst moment (``<stem>.worst.jpg``): width in pixels
#: and JPEG quality.
THUMBNAIL_SUFFIX = ".worst.jpg"
INDEX_THUMB_WIDTH_PX = 320
INDEX_THUMB_JPEG_QUALITY = 80
#: Exit-code category recorded for an unexpected error inside a clip (a bug, not bad input).
INTERNAL_ERROR_CODE = 1

# Clip outcomes.
ANALYSED, UP_TO_DATE, FAILED, INTERRUPTED = "analysed", "up to date", "failed", "interrupted"
#: A clip of the batch folder that this run's inputs did not name (a rerun on a subfolder, or
#: on other clips): listed with what an earlier run made of it, not checked or redone.
EARLIER = "earlier run"
#: The error of a clip stopped by Ctrl-C while it ran (one that never began: NOT_STARTED).
STOPPED_RUNNING, NOT_STARTED = "stopped before it finished", "not started: the batch was stopped"


class BatchCancelled(BaseException):  # noqa: N818 - a stop request, like KeyboardInterrupt
    """Raised inside a task when the batch is being stopped (Ctrl-C). A BaseException so that
    the pipeline's own clean-up (temp files of the video being encoded) runs, as for Ctrl-C."""


@dataclass(frozen=True)
class ClipJob:
    """Everything a worker needs for one clip; picklable (it travels to other processes and
    machines)."""

    source: str  # the clip's path as the coach gave it (recorded in the report)
    key: str
    stem: str
    athlete: str
    model: str | None
    model_sha256: str  # the driver's model: workers must have the same bytes
    exercise: str | None
    config: object  # formcheck.config.Config
    settings_sha256: str
    write_video: bool = True
    force: bool = False  # redo pose inference even when a matching .pose.npz exists
    saved_pose_only: bool = False  # reanalyze: never run the pose model
    #: The clip file as the driver saw it (absolute path, size, mtime): recorded in the state
    #: so that a rerun need not re-hash unchanged clips, wherever the worker read the bytes.
    source_path: str = ""
    source_size: int = 0
    source_mtime_ns: int = 0
    #: ``--person``: which of several people in the picture is the lifter (the pose pass's
    #: rule; saved poses made by another rule are not reused).
    person: str = "auto"


@dataclass
class ClipResult:
    key: str
    status: str  # ANALYSED | FAILED | INTERRUPTED (UP_TO_DATE is decided by the driver)
    error: str | None = None
    exit_code: int = 0
    pose: str | None = None  # "inference" | "saved"
    frames: int = 0
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    worker_peak_rss_mb: float = 0.0  # the worker process's peak memory so far (bench/)


#: ``progress(kind, value)``: kind "total" (frames in this clip) or "frames" (done so far).
Progress = Callable[[str, int], None]


def _noop(kind: str, value: int) -> None:
    return None


def _saved_pose(video: Path, pose_path: Path):
    """``reanalyze``: the saved pose data, checked against the clip's bytes, no model needed."""
    from formcheck.fsutil import file_sha256
    from formcheck.pose.sequence import PoseSequence

    seq = PoseSequence.load(pose_path)
    if not video.exists():
        raise InputNotFoundError(
            f"{video} is no longer where `formcheck batch` found it; put it back there "
            "(its pose data is checked against it) and run `formcheck reanalyze` again")
    if seq.extra.get("source_sha256") != file_sha256(video):
        raise DataFormatError(
            f"{pose_path.name} was not made from the current {video.name}; run `formcheck "
            "batch` on it to redo the pose data"
        )
    return seq


def _check_model(job: ClipJob) -> None:
    from formcheck.fsutil import file_sha256
    from formcheck.pose.models import resolve_model

    resolved = resolve_model(job.model)
    if file_sha256(resolved.path) != job.model_sha256:
        raise ModelInvalidError(
            f"the pose model {resolved.path} on this machine differs from the one the batch "
            "started with; give every machine the same bundle (`formcheck models get`)"
        )


def _save_thumbnail(report, thumbs: dict, path: Path) -> bool:
    """The worst finding's overlaid frame, small, as ``path`` (JPEG); False when there is none."""
    import cv2

    from formcheck.fsutil import write_bytes_atomic
    from formcheck.render._common import fit_width
    from formcheck.report import worst

    if not report.findings:
        path.unlink(missing_ok=True)
        return False
    idx = report.findings.index(worst(report.findings))
    frame = thumbs.get(idx)
    if frame is None:
        path.unlink(missing_ok=True)
        return False
    frame = fit_width(frame, INDEX_THUMB_WIDTH_PX)
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, INDEX_THUMB_JPEG_QUALITY])
    if not ok:
        return False
    write_bytes_atomic(path, buf.tobytes())
    return True


def _analyse_clip(job: ClipJob, video: Path, out_dir: Path, progress: Progress,
                  result: ClipResult) -> None:
    from formcheck import pipeline
    from formcheck.outputs import OutputGeneration, check_output_names
    from formcheck.report import worst

    check_output_names(out_dir, job.stem)  # a name too long fails now, not after the poses
    paths = pipeline.output_paths(out_dir, job.stem)
    state_file = state_path(out_dir, job.stem)
    if job.saved_pose_only:
        seq = _saved_pose(video, paths["pose"])
        result.pose = "saved"
    else:
        _check_model(job)
        max_side = job.config.pose.max_side_px if job.config is not None else None
        seq = None if job.force else pipeline.cached_pose(video, paths["pose"], job.model,
                                                          person=job.person, max_side=max_side)
        result.pose = "saved" if seq is not None else "inference"
    if seq is None:
        def frames_callback(total: int | None):
            progress("total", total or 0)
            return lambda done: progress("frames", done)

        # One core per clip: the batch already runs a clip per core. The segments still
        # run (one after another), so a clip gets the same poses as `formcheck analyze`.
        seq = pipeline.extract_pose(video, job.model, progress_for=frames_callback, workers=1,
                                    person=job.person, max_side=max_side)
    else:
        progress("total", len(seq))
    # The clip as the coach named it, wherever a worker read its bytes from.
    if isinstance(seq.extra.get("video"), dict):
        seq.extra["video"]["path"] = job.source
    if result.pose == "inference":
        seq.save(paths["pose"])
    progress("frames", len(seq))
    result.frames = len(seq)
    report, analysis = pipeline.analyse(seq, exercise=job.exercise, config=job.config)
    thumbs: dict = {}  # only the worst finding's frame: the index page shows that one
    worst_finding = ({report.findings.index(worst(report.findings))} if report.findings
                     else set())
    source_sha = seq.extra.get("source_sha256") or content_sha256(video, None)
    # The rest of the pose data is freed before the render pass.
    seq = pipeline.render_view(seq, job.config)
    # Report, CSV, page and video are staged and published together (the pose data above is
    # kept: checked against the clip, it spares a rerun the inference): a clip stopped or
    # failed while drawing leaves the previous run's outputs as they were, never a new
    # report beside an old video and state file. An earlier run's video goes when this run
    # draws none (--no-video), as `analyze` does: drawn with other settings, it could show
    # findings the new report has not (the Ray engine's driver removes it likewise).
    with OutputGeneration(out_dir, job.stem, keep=("pose",)) as gen:
        written = {"report": report.save_json(gen.paths["report"]),
                   "csv": report.save_csv(gen.paths["csv"])}
        written.update(pipeline.render_outputs(
            video, seq, report, analysis.series, gen.paths, write_video=job.write_video,
            write_html=True, progress=lambda done: progress("render", done),
            thumbnails_out=thumbs, thumbnail_findings=worst_finding))
        state_file.unlink(missing_ok=True)  # the old state must not vouch for new outputs
        gen.commit(written)
    kinds = ["pose", "report", "csv", "html"] + (["video"] if job.write_video else [])
    outputs = {k: paths[k].name for k in kinds}
    thumb = out_dir / f"{job.stem}{THUMBNAIL_SUFFIX}"
    if _save_thumbnail(report, thumbs, thumb):
        outputs["thumbnail"] = thumb.name
    # Last: its presence says every output above is complete.
    write_state(state_file, ClipState(
        source=job.source, athlete=job.athlete,
        size=job.source_size, mtime_ns=job.source_mtime_ns, source_path=job.source_path,
        source_sha256=source_sha,
        model=job.model, model_sha256=job.model_sha256, exercise=job.exercise,
        settings_sha256=job.settings_sha256, outputs=outputs, person=job.person))
    result.outputs = outputs


def run_clip(job: ClipJob, video: Path, out_dir: Path, progress: Progress = _noop,
             ) -> ClipResult:
    """Analyse one clip read from ``video`` into ``out_dir``; never raises a clip's error.

    ``progress`` may raise ``BatchCancelled`` to stop the clip; what was being written is then
    discarded (temp files), and no state file is written, so a rerun redoes the clip.
    """
    t0 = time.perf_counter()
    result = ClipResult(key=job.key, status=ANALYSED)
    try:
        _analyse_clip(job, Path(video), Path(out_dir), progress, result)
    except BatchCancelled:
        result.status, result.error = INTERRUPTED, STOPPED_RUNNING
    except FormcheckError as err:
        result.status, result.error, result.exit_code = FAILED, str(err), err.exit_code
    except Exception as exc:  # noqa: BLE001 - one clip's bug must not stop the batch
        result.status, result.exit_code = FAILED, INTERNAL_ERROR_CODE
        result.error = f"unexpected error ({type(exc).__name__}: {exc}); please report it"
    if result.status != ANALYSED:
        result.pose, result.outputs = None, {}
    result.seconds = time.perf_counter() - t0
    result.worker_peak_rss_mb = _peak_rss_mb()
    return result


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # not on Windows
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
