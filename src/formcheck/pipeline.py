"""Wires the stages: decode → pose → analysis → report → sinks (video overlay, HTML, CSV).

Every stage is a plain function over an iterator or a plain data type, so stages can overlap:
decoding runs in a background thread ahead of inference, and live/batch/CI replay reuse the same
functions. Nothing here draws or decides; it only connects.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from formcheck.errors import DataFormatError, InputNotFoundError
from formcheck.fsutil import file_sha256, shown
from formcheck.pose.sequence import POSE_PASS_VERSION, POSED_AT_KEY, PoseSequence
from formcheck.report import Report, VideoInfo

if TYPE_CHECKING:
    from formcheck.render.overlay import DrawnPoses

T = TypeVar("T")

#: Called with the number of frames done so far (drives progress bars).
Progress = Callable[[int], None]

_DONE = object()

#: Decoded frames (as MediaPipe images) the decode thread may hold ready for inference.
_POSE_PREFETCH = 4
#: Decoded frames the render pass's decode thread may hold ready for drawing. x264 is the
#: slow stage there, so two keep it fed; each is a whole BGR frame (5.5 MB at 1080p), and the
#: eight held before left glibc's arenas up to 90-160 MB of freed frame-sized holes, part of
#: them resident (bench/render_memory.py at 1080p, 600 and 3,600 frames, three runs each:
#: peaks 518-524 and 534-574 MB with eight, 470-503 and 493-502 MB with two; the same CPU).
_RENDER_PREFETCH = 2
#: Most frames reserved up front from the container's frame count (which may be wrong); the
#: arrays grow past it when needed.
_MAX_FRAMES_HINT = 1 << 17
#: At most this many threads draw overlays in the render pass (a few keep x264 busy).
_MAX_RENDER_WORKERS = 4
#: x264 threads for the annotated video: 0 lets x264 use the machine's cores.
_VIDEO_ENCODER_THREADS = 0


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
                 person: str = "auto", progress: Progress | None = None,
                 progress_for: Callable[[int | None], Progress] | None = None,
                 workers: int | None = None, segments: bool = True,
                 max_side: int | None = None) -> PoseSequence:
    """Decode ``video`` and run the pose model on every frame.

    ``model`` is a name (lite/full/heavy) or a path to a ``.task`` bundle (see
    ``formcheck.pose.models.resolve_model``). The video's facts are kept in
    ``seq.extra["video"]`` so a saved sequence can be re-analysed and re-rendered alone.
    ``progress`` is called with the frames done so far; ``progress_for(frame_count)``, once the
    video is open, makes such a callback knowing the total (None when the container does not
    say).

    A clip long enough is cut into segments run side by side on ``workers`` threads (default:
    the cores this process may use), each on its own tracker (``pose/segments.py``); the cut
    depends on the clip alone, so any number of workers gives the same poses. ``segments=False``
    runs one pass over the whole clip, as does any clip the plan cannot vouch for.

    ``max_side``: frames longer than this are posed scaled down to it (``config.PoseConfig.
    max_side_px``, its default where None; 0: never); the poses stay in the source frame's
    pixels, and ``extra["posed_at"]`` records the size the model was given.
    """
    from concurrent.futures import ThreadPoolExecutor

    from formcheck.io.video import FileSource, size_change_fact
    from formcheck.memory import trimmed
    from formcheck.pose.estimator import (
        PoseEstimator,
        SequenceBuilder,
        posed_size,
        prepare_frames,
        run_estimator,
    )
    from formcheck.pose.models import resolve_model
    from formcheck.pose.scene_level import EXTRA_KEY as SCENE_LEVEL_KEY
    from formcheck.pose.scene_level import level_of_file
    from formcheck.pose.segments import plan_segments

    # The video first: a missing or undecodable clip is reported before any model problem.
    # Freed heap memory goes back to the system once a second (``memory.trimmed``): kept in
    # glibc's arenas, a long clip's pass crept up ~5% over 120 s.
    with FileSource(video, channels="rgb") as src, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="formcheck-hash") as hasher, \
            trimmed():
        info = src.info
        resolved = resolve_model(model)
        # The clip's and the model's hashes (seconds for a long 1080p file) are taken beside
        # inference.
        source_sha = hasher.submit(file_sha256, video)
        model_sha = hasher.submit(file_sha256, resolved.path)
        if max_side is None:
            max_side = pose_max_side()
        # The camera's roll from the scene's straight lines (a few keyframes), beside it too;
        # for frames beyond the cap (4K, 8K), after it instead: its own decoder's reference
        # frames at full size beside the pose pass's were half a GB more at 8K.
        beside = posed_size(info.width, info.height, max_side) == (info.width, info.height)
        scene_level = hasher.submit(level_of_file, video, info.rotation) if beside else None
        if progress_for is not None:
            progress = progress_for(info.frame_count or None)
        # Frames are decoded straight to RGB and copied into MediaPipe images in the decode
        # thread; only inference runs here; results are kept as flat arrays, never frames.

        def make_estimator():
            return PoseEstimator(resolved.path, back_profile=back_profile, person=person,
                                 max_side=max_side)

        plan = plan_segments(video) if segments and person == "auto" else None
        split = None
        if plan is not None:
            split = _run_segments(Path(video), plan, info.rotation, make_estimator,
                                  back_profile, workers, progress)
        if split is not None:
            builder, people = split
            truncation = src.truncation_after(len(builder), float(builder.last_t))
        else:
            plan = None
            builder = SequenceBuilder(back_profile=back_profile,
                                      capacity=min(info.frame_count + 16, _MAX_FRAMES_HINT))
            with make_estimator() as est:
                for frame, pose in run_estimator(est,
                                                 prefetch(prepare_frames(src, max_side),
                                                          _POSE_PREFETCH)):
                    builder.append(frame.t_s, pose)
                    if progress is not None:
                        progress(len(builder))
                people = est.people.summary()
            truncation = src.truncation
        seq = builder.build(width=info.width, height=info.height, source=Path(video).name,
                            model=resolved.name)
    seq.extra["video"] = asdict(info)
    seq.extra["decode"] = {"frames_decoded": len(seq), "truncation": truncation}
    if (change := size_change_fact(src.size_change)) is not None:
        seq.extra["decode"]["size_change"] = change
    seq.extra["people"] = people
    if plan is not None:  # where the pose pass was cut (absent: one pass, as live makes)
        seq.extra["pose_segments_s"] = plan.boundaries_s()
    seq.extra["source_sha256"] = source_sha.result()
    seq.extra["model_sha256"] = model_sha.result()
    # Large frames: read once the pose pass's decoder is closed, so the two never coexist.
    level = scene_level.result() if scene_level is not None else level_of_file(video,
                                                                                 info.rotation)
    seq.extra[SCENE_LEVEL_KEY] = level.as_extra()
    seq.extra["pose_pass"] = POSE_PASS_VERSION
    record_posed_at(seq, max_side)
    return seq


def pose_max_side(config=None) -> int:
    """The pose pass's cap on the frame size under ``config`` (None: the defaults'), which
    ``formcheck analyze``, batch, check and live all pose frames under."""
    if config is not None:
        return config.pose.max_side_px
    from formcheck.pose.estimator import DEFAULT_MAX_SIDE_PX

    return DEFAULT_MAX_SIDE_PX


def record_posed_at(seq: PoseSequence, max_side: int) -> None:
    """Record in ``seq.extra`` the size its frames were posed at under ``max_side`` where that
    is smaller than the frame (``POSED_AT_KEY``; absent: posed at the source size). Every pose
    pass (``extract_pose``, live's sets) writes it alike, and ``cached_pose`` keys on it."""
    from formcheck.pose.estimator import posed_size

    posed = posed_size(seq.width, seq.height, max_side)
    seq.extra.pop(POSED_AT_KEY, None)
    if posed != (seq.width, seq.height):
        seq.extra[POSED_AT_KEY] = {"width": posed[0], "height": posed[1], "max_side_px": max_side}


def posed_at_matches(seq: PoseSequence, max_side: int | None = None) -> bool:
    """Whether ``seq``'s frames were posed at the size ``max_side`` (default: the config's)
    would pose them at now: a cached pose of a large clip made under another cap (or none) is
    not reused. Clips within the cap carry no record and always match."""
    from formcheck.pose.estimator import posed_size

    if max_side is None:
        max_side = pose_max_side()
    width, height = seq.width, seq.height
    want = posed_size(width, height, max_side)
    got = seq.extra.get(POSED_AT_KEY)
    if not isinstance(got, dict):
        return want == (width, height)
    return (got.get("width"), got.get("height")) == want


def _run_segments(video: Path, plan, rotation: int, make_estimator, back_profile: bool,
                  workers: int | None, progress: Progress | None):
    """``plan``'s segments on ``workers`` threads, merged in order as each finishes: returns
    ``(builder, people summary)``, or None when a segment could not vouch for its frames (the
    caller then runs one pass)."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    import av

    from formcheck.errors import VideoDecodeError
    from formcheck.io.video import usable_cores
    from formcheck.pose.estimator import SequenceBuilder
    from formcheck.pose.people import PersonSelector
    from formcheck.pose.segments import SegmentFailed, SharedProgress, run_segment

    segs = plan.segments
    if workers is None:
        workers = usable_cores()
    workers = max(1, min(int(workers), len(segs)))
    shared = SharedProgress(done=[0] * len(segs))
    merged = SequenceBuilder(back_profile=back_profile,
                             capacity=min(plan.frame_count + 16, _MAX_FRAMES_HINT))
    selector = PersonSelector("auto")

    def ahead(frames):
        return prefetch(frames, _POSE_PREFETCH)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="formcheck-segment")
    futures = [pool.submit(run_segment, video, seg, rotation, make_estimator, back_profile,
                           shared, ahead) for seg in segs]
    next_merge = 0
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for f in done:
                exc = f.exception()
                if isinstance(exc, (SegmentFailed, VideoDecodeError, av.error.FFmpegError)):
                    return None  # the single pass decides (and words any error itself)
                if exc is not None:
                    raise exc
            while next_merge < len(futures) and futures[next_merge].done():
                part = futures[next_merge].result()
                merged.extend(part.builder)
                selector.probed_max = max(selector.probed_max, part.probed_max)
                selector.max_people = max(selector.max_people, part.max_people)
                futures[next_merge] = None  # frees the segment's arrays
                next_merge += 1
            if progress is not None:
                progress(sum(shared.done))
    finally:
        shared.stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    selector.frames = len(merged)
    return merged, selector.summary()


def cached_pose(video: str | Path, pose_path: str | Path, model: str | None = None,
                source_sha256: str | None = None, person: str | None = None,
                max_side: int | None = None) -> PoseSequence | None:
    """The saved ``pose_path`` if it was made from exactly this video's bytes by the model
    ``model`` resolves to (same bundle bytes) and by this pose pass (``POSE_PASS_VERSION``),
    else None. Lets batch, check and reruns skip pose inference without ever mixing pose data
    of another clip, model or pose pass.

    ``source_sha256``: ``file_sha256(video)`` when the caller already has it (saves reading
    the clip a second time); computed here otherwise. ``person``: the rule that picks the
    lifter among several people (``--person``); poses that followed another rule are not
    reused (None: any rule). ``max_side``: the pose pass's cap on the frame size
    (``posed_at_matches``; None: the config's default)."""
    from formcheck.pose.models import resolve_model

    pose_path = Path(pose_path)
    if not pose_path.is_file():
        return None
    try:
        seq = PoseSequence.load(pose_path)
    except (DataFormatError, InputNotFoundError):  # unreadable, or removed since the look
        return None  # (a shared cache pruned by another run)
    if seq.image_z is None or seq.torso_flow is None or seq.torso_flow_seen is None:
        return None  # made before the twist's image depth or the masked torso flow was kept
    if seq.extra.get("pose_pass") != POSE_PASS_VERSION:
        return None  # made by another pose pass (its back outline, say)
    if person is not None and (seq.extra.get("people") or {}).get("rule", "auto") != person:
        return None  # followed another of several people
    if not posed_at_matches(seq, max_side):
        return None  # a large clip posed at another size (``config.PoseConfig.max_side_px``)
    if source_sha256 is None:
        source_sha256 = file_sha256(video)
    if seq.extra.get("source_sha256") != source_sha256:
        return None
    if seq.extra.get("model_sha256") != file_sha256(resolve_model(model).path):
        return None
    return seq


def check_pose_source(seq: PoseSequence, video: Path, pose_path: str | Path) -> None:
    """Refuse pose data made from another clip (``--overlay-only``): the content hash stored
    by ``extract_pose`` must match ``video``'s bytes (frame size alone is no identity)."""
    recorded = seq.extra.get("source_sha256")
    if not recorded:
        raise DataFormatError(
            f"{pose_path} does not record which clip it was made from; re-run `formcheck "
            f"analyze {video.name}` without --overlay-only")
    if recorded != file_sha256(video):
        raise DataFormatError(
            f"{pose_path} was made from another clip ({seq.source or 'unknown'}), not the bytes "
            f"of {video.name}; pass the video it came from or re-run without --overlay-only")


def video_info_of(seq: PoseSequence) -> VideoInfo | None:
    """The report's facts of the clip; its path as it can be written and shown (a name that
    is not UTF-8, ``caf\\xe9.mp4``, reads "caf\ufffd.mp4": the report's JSON, page and terminal
    lines could not hold it otherwise)."""
    data = seq.extra.get("video")
    if not data:
        return None
    info = VideoInfo(**data)
    return replace(info, path=shown(str(info.path)))


# ---------------------------------------------------------------------------- analysis
def build_report(seq: PoseSequence, result, info: VideoInfo | None, config=None) -> Report:
    """The report of one analysed sequence (``result`` is an ``AnalysisResult``)."""
    from formcheck.notices import notices_for
    from formcheck.report import exercise_without_rep

    # With no rep counted, an exercise read from the movement is not stated as recognised.
    exercise, unconfirmed = exercise_without_rep(result.exercise, len(result.reps))
    return Report(
        video=info,
        model=seq.model,
        frames_total=len(seq),
        frames_with_person=int(seq.detected.sum()),
        exercise=exercise,
        view=result.view,
        reps=result.reps,
        findings=result.findings,
        assessable=result.assessable,
        summary=dict(result.summary),
        notices=notices_for(seq, config) + unconfirmed,
    )


def analyse(seq: PoseSequence, *, exercise: str | None = None, config=None):
    """Run the analysis core and build the report: returns ``(report, result)``. Frames
    whose pose the network put upside down are left out of both (``pose.plausible``), and
    the report's notices say so."""
    from formcheck.analysis import analyze_sequence
    from formcheck.pose.plausible import without_upside_down

    seq = without_upside_down(seq)
    result = analyze_sequence(seq, config=config, exercise=exercise)
    return build_report(seq, result, video_info_of(seq), config), result


# ---------------------------------------------------------------------------- outputs
def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    from formcheck.outputs import output_paths as paths_in

    return paths_in(out_dir, stem)


def ordered_map(fn: Callable[[T], object], items: Iterable[T], *, workers: int,
                depth: int | None = None) -> Iterator:
    """``fn`` over ``items`` in ``workers`` threads, results in input order, at most ``depth``
    (default ``2 * workers``) in flight: bounded memory however long the input. An exception
    in ``fn`` is re-raised at its place in the order; stopping early cancels what is queued."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    depth = depth or 2 * workers
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="formcheck-map") as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()


def _render_workers() -> int:
    """Threads that draw the overlay and convert frames for the encoder (x264 has its own)."""
    import os

    return max(1, min(_MAX_RENDER_WORKERS, (os.cpu_count() or 1) - 1))


def render_outputs(video: Path, seq: PoseSequence | DrawnPoses, report: Report, series: dict,
                   paths: dict[str, Path], *, write_video: bool = True,
                   write_html: bool = True, progress: Progress | None = None,
                   thumbnails_out: dict | None = None,
                   thumbnail_findings: Collection[int] | None = None) -> dict[str, Path]:
    """Second pass over the video: overlay + encode, collect thumbnails, write the HTML page.
    ``seq`` is the pose sequence or, drawn the same with less memory, its ``render_view``.
    ``thumbnails_out``, when given, receives the collected thumbnails (finding index →
    overlaid BGR frame at the page's size) of the findings in ``thumbnail_findings`` (default:
    all), e.g. the worst one for the batch index page; otherwise only their JPEG encodings
    (what the page embeds) are kept, never frames.

    A pipeline, so the cores are used: one thread decodes, worker threads draw the overlay and
    convert each frame to the encoder's yuv420p, x264 encodes with its own threads (the
    annotated video is therefore not byte-reproducible across machines; ``formcheck synth``
    keeps one thread for that), and the page is written beside the video once its thumbnails
    are drawn."""
    from concurrent.futures import ThreadPoolExecutor

    from formcheck.render.overlay import select_thumbnail_frames

    _release_freed_memory()
    written: dict[str, Path] = {}
    wanted = select_thumbnail_frames(report, seq) if write_html else {}
    thumbs = _SpooledPictures()  # finding index → the page's encoded picture, on disk
    arrays: dict[int, object] | None = {} if thumbnails_out is not None else None
    with thumbs, ThreadPoolExecutor(max_workers=1,
                                    thread_name_prefix="formcheck-page") as page_pool:
        page = None

        def page_when_ready() -> None:
            # The page needs only the thumbnails: it is drawn (matplotlib charts, a second or
            # so) beside the rest of the video once the last one is in.
            nonlocal page
            if write_html and page is None and len(thumbs) == len(wanted):
                from formcheck.render.html import render_html

                page = page_pool.submit(render_html, report, series, thumbs, paths["html"])

        page_when_ready()
        if write_video or wanted:
            written.update(_render_video(video, seq, report, series, paths, wanted, thumbs,
                                         arrays, write_video, progress, page_when_ready,
                                         thumbnail_findings))
        if page is not None:
            written["html"] = page.result()
    if thumbnails_out is not None:
        thumbnails_out.update(arrays)
    return written


def _render_video(video: Path, seq: PoseSequence | DrawnPoses, report: Report, series: dict,
                  paths: dict[str, Path], wanted: dict[int, int], thumbs: _SpooledPictures,
                  arrays: dict[int, object] | None, write_video: bool, progress: Progress | None,
                  on_thumbnail: Callable[[], None],
                  keep: Collection[int] | None = None) -> dict[str, Path]:
    """The render pass of ``render_outputs``: fills ``thumbs`` (and ``arrays`` when given)
    and writes the video."""
    from formcheck.io.video import FileSource, VideoSink
    from formcheck.render.html import thumbnail_uri
    from formcheck.render.overlay import OverlayRenderer

    overlay = OverlayRenderer(report, seq, series)
    by_frame: dict[int, list[int]] = {}
    for finding_idx, frame_idx in wanted.items():
        by_frame.setdefault(frame_idx, []).append(finding_idx)
    last_needed = len(seq) - 1 if write_video else max(by_frame)
    with FileSource(video) as src:
        info = src.info
        if (info.width, info.height) != (seq.width, seq.height):
            raise DataFormatError(
                f"{video.name} is {info.width}x{info.height} but the pose data was made "
                f"from a {seq.width}x{seq.height} video; pass the video it came from"
            )
        sink = (VideoSink(paths["video"], info.width, info.height, info.fps,
                          threads=_VIDEO_ENCODER_THREADS, audio_from=video)
                if write_video else None)

        def needed(frames):
            for frame in frames:
                if frame.index > last_needed:
                    return
                if sink is not None or frame.index in by_frame:
                    yield frame

        def draw(frame):
            drawn = overlay.draw(frame.image, frame.index)
            shots = {}  # finding index -> (encoded picture, frame kept for arrays or None)
            if frame.index in by_frame:
                here = by_frame[frame.index]
                kept = [i for i in here if arrays is not None and (keep is None or i in keep)]
                array = _thumbnail(drawn) if kept else None
                uri = thumbnail_uri(drawn)
                shots = {i: (uri, array if i in kept else None) for i in here}
            return frame, shots, sink.prepare(drawn) if sink is not None else None

        try:
            for frame, shots, encodable in ordered_map(
                    draw, prefetch(needed(src), _RENDER_PREFETCH),
                    workers=_render_workers()):
                if shots:
                    for i, (uri, array) in shots.items():
                        thumbs[i] = uri
                        if array is not None:
                            arrays[i] = array
                    on_thumbnail()
                if sink is not None:
                    sink.write(encodable, frame.t_s)
                if progress is not None:
                    progress(frame.index + 1)
        except BaseException:
            if sink is not None:
                sink.abort()
            raise
        return {"video": sink.close()} if sink is not None else {}


class _SpooledPictures:
    """Finding index → encoded picture (the page's ``data:`` URI), kept in an anonymous temp
    file rather than in memory: a long clip has many findings (53 pictures, 3.5 MB at
    320x240 in 10 minutes; about 130 KB each at 1080p), and the page reads each once. The
    file has no name (gone when closed or when the process dies). Written by one thread
    before the page's thread reads (``get``, as the page does with a dict)."""

    def __init__(self) -> None:
        self._where: dict[int, tuple[int, int]] = {}
        self._file = None
        self._end = 0

    def __setitem__(self, key: int, uri: str) -> None:
        import os
        import tempfile

        if self._file is None:
            self._file = tempfile.TemporaryFile()
        data = uri.encode("ascii")
        os.pwrite(self._file.fileno(), data, self._end)
        self._where[key] = (self._end, len(data))
        self._end += len(data)

    def get(self, key: int, default: str | None = None) -> str | None:
        import os

        where = self._where.get(key)
        if where is None:
            return default
        start, size = where
        return os.pread(self._file.fileno(), size, start).decode("ascii")

    def __len__(self) -> int:
        return len(self._where)

    def __enter__(self) -> _SpooledPictures:
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.close()


def render_view(seq: PoseSequence, config=None) -> DrawnPoses:
    """``seq`` reduced to what the render pass draws (``render.overlay.DrawnPoses``: times,
    and per frame the drawn landmarks, trunk line and back outline in whole pixels with a bit
    for each visibility test), so a caller that keeps only this view frees the pose data
    before the render pass: about 200 of the 1,208 bytes a frame hold (10 minutes at 30 fps:
    3.7 MB instead of 22 MB). The overlay draws the same pixels from it. Only for drawing
    with the default overlay style: the analysis needs the full sequence. No skeleton is
    drawn where the analysis read no lifter because the pose was upside down
    (``pose.plausible``), and no back outline where the analysis (``config``: its signal
    settings; default ``Config()``) did not read it as the back because it lay on the chest
    (``analysis.features.outline_on_chest``)."""
    import numpy as np

    from formcheck.analysis.features import outline_on_chest
    from formcheck.config import Config
    from formcheck.pose.plausible import without_upside_down
    from formcheck.render.overlay import DrawnPoses

    seq = without_upside_down(seq)
    chest = outline_on_chest(seq, (config or Config()).signal)
    if chest is not None and chest.any():
        back = np.array(seq.back_xy, copy=True)
        back[chest] = np.nan
        seq = replace(seq, back_xy=back)
    return DrawnPoses(seq)


def _release_freed_memory() -> None:
    """Once, between the analysis and the render pass: hand back to the system the heap the
    analysis freed (about 0.6 KB a frame of temporaries that glibc otherwise keeps, under the
    render pass's own peak). One call, a few milliseconds; a no-op without glibc."""
    import gc

    from formcheck.memory import trim_now

    gc.collect()
    trim_now()


def _thumbnail(drawn):
    """A copy of a drawn frame at the size the page embeds it (``render.html`` scales wider
    ones to ``THUMB_MAX_WIDTH_PX`` the same way): a long clip's many findings then hold
    under 1 MB each, not a full frame each (6 MB at 1080p)."""
    from formcheck.render._common import fit_width
    from formcheck.render.html import THUMB_MAX_WIDTH_PX

    small = fit_width(drawn, THUMB_MAX_WIDTH_PX)
    return small.copy() if small is drawn else small


def _import_beside_inference(render: bool) -> None:
    """Import what comes after the pose pass (the analysis needs SciPy, about 0.3 s of CPU) in a
    background thread, so the imports overlap inference instead of following
    it. Python's import lock makes a later import of the same module wait for this one."""
    import importlib

    names = ["formcheck.analysis"]
    if render:
        names += ["formcheck.render.overlay", "formcheck.render.html"]

    def run() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError:  # the main thread's own import will report it
                return

    threading.Thread(target=run, name="formcheck-imports", daemon=True).start()


def analyze_video(video: str | Path, out_dir: str | Path, *, model: str | None = None,
                  exercise: str | None = None, config=None, person: str = "auto",
                  workers: int | None = None, write_video: bool = True,
                  write_html: bool = True,
                  progress: Callable[[str, int | None], Progress] | None = None,
                  ) -> tuple[Report, dict[str, Path]]:
    """The whole job for one clip. ``progress(stage, total)`` returns a per-frame callback."""
    from formcheck.io.video import check_readable
    from formcheck.outputs import OutputGeneration

    video = check_readable(video)
    # The output folder is checked (and this run's staging folder made) before any work.
    with OutputGeneration(out_dir, video.stem) as gen:
        paths = gen.paths
        _import_beside_inference(render=write_video or write_html)
        seq = extract_pose(video, model, person=person, workers=workers,
                           max_side=config.pose.max_side_px if config is not None else None,
                           progress_for=(lambda total: progress("pose", total))
                           if progress else None)
        written = {"pose": seq.save(paths["pose"])}
        report, result = analyse(seq, exercise=exercise, config=config)
        written["report"] = report.save_json(paths["report"])
        written["csv"] = report.save_csv(paths["csv"])
        seq = render_view(seq, config)  # the rest of the pose data is freed before the render pass
        written.update(render_outputs(
            video, seq, report, result.series, paths, write_video=write_video,
            write_html=write_html,
            progress=progress("video", len(seq)) if progress and write_video else None,
        ))
        return report, gen.commit(written)


def rerender(video: str | Path, pose_path: str | Path, out_dir: str | Path, *,
             report_path: str | Path | None = None, exercise: str | None = None, config=None,
             write_html: bool = True,
             progress: Callable[[str, int | None], Progress] | None = None,
             ) -> tuple[Report, dict[str, Path]]:
    """``--overlay-only``: draw the video and page from a saved ``.pose.npz`` (and report),
    without running the pose model."""
    from formcheck.outputs import OutputGeneration

    video = Path(video)
    seq = PoseSequence.load(pose_path)
    check_pose_source(seq, video, pose_path)
    fresh, result = analyse(seq, exercise=exercise, config=config)
    report = Report.load(report_path) if report_path else fresh
    seq = render_view(seq, config)
    # The pose data and report are this run's inputs: they stay; video and page are replaced.
    with OutputGeneration(out_dir, video.stem, keep=("pose", "report", "csv")) as gen:
        written = render_outputs(video, seq, report, result.series, gen.paths,
                                 write_video=True, write_html=write_html,
                                 progress=progress("video", len(seq)) if progress else None)
        return report, gen.commit(written)
