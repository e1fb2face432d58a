"""The pose pass of a file split into time segments run side by side, one tracker each.

Pose inference is the pose pass' cost, and one PoseLandmarker keeps about one core busy. A
clip is therefore cut into segments at fixed times (chosen from the clip alone, never from
the machine: the same clip gives the same poses on any number of cores), each decoded from a
keyframe and run on its own tracker, in as many threads as there are cores. MediaPipe
releases the interpreter lock while it runs the model, so two segments take about the time of
one on two cores.

A tracker that starts cold (the person detector first, then tracking with its own smoothing)
reads the first frames a little differently from one that has followed the lifter since the
start, so each segment after the first runs ``warmup_s`` of video before its start and drops
those results: by its first kept frame its tracker and the torso flow's gate have the history
a single pass would have (``bench/pose_segments.py`` measures how close). The kept frames, and
their times, are exactly the frames a single pass decodes: the plan is made from the
container's packets, every segment checks it decoded exactly its planned frames, and anything
the plan cannot vouch for falls back to one pass over the whole file:

- timestamps missing, repeated or out of order, or a file that does not demux cleanly;
- a segment that fails to decode (the single pass then reports the error at its frame);
- a second person seen by any segment's people probe (choosing the lifter among several
  people needs the whole history, ``pose/people.py``);
- an explicit ``person`` rule (it follows two people from the first frame).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Segments are at least this long, so a clip shorter than twice this runs as one pass.
MIN_SEGMENT_S = 5.0
#: Longer clips may get more segments, about this long each, always an even number of them
#: (so that two or four cores finish together) and at most ``MAX_SEGMENTS``: each cut costs
#: ``WARMUP_S`` more inference. The default is two: every segment is a new landmarker, and a
#: 10-minute 1080p clip cut into 16 made the pose pass' memory grow from 802 MiB (10 s) to
#: 1,291 MiB as landmarkers came and went, where two rose 800 -> 877 MiB, 43 MB of it the
#: pose data (docs/performance.md 4.3).
TARGET_SEGMENT_S = 20.0
MAX_SEGMENTS = 2
#: Video a segment's tracker runs before its first kept frame (results dropped): as long as the
#: torso flow's gate holds open (``pose.flow.GATE_HOLD_S``), so the gate starts each kept
#: stretch as a single pass would; longer warm-ups left the landmarks no closer to a single
#: pass' (``bench/pose_segments.py --warmup``, docs/performance.md).
WARMUP_S = 1.0
#: A segment is not started farther than this before its first kept frame: decoding (not
#: inferring) from a distant keyframe costs more than the split saves. Beyond it the
#: boundary is dropped (two segments become one).
MAX_LEAD_S = 20.0


@dataclass(frozen=True)
class Segment:
    """Frames ``keep_from`` (pts) up to, not including, ``keep_to`` (None: to the end) are kept;
    decoding starts at the keyframe ``seek_pts`` (None: the file's start) and inference at
    ``warm_from``."""

    index: int
    seek_pts: int | None
    warm_from: int
    keep_from: int
    keep_to: int | None
    frames: tuple[int, ...]  # the pts of the kept frames, in presentation order


@dataclass(frozen=True)
class SegmentPlan:
    segments: tuple[Segment, ...]
    time_base: float
    frame_count: int

    def boundaries_s(self) -> list[float]:
        return [s.keep_from * self.time_base for s in self.segments[1:]]


def segment_count(duration_s: float, *, min_segment_s: float = MIN_SEGMENT_S,
                  target_segment_s: float = TARGET_SEGMENT_S,
                  max_segments: int = MAX_SEGMENTS) -> int:
    """How many segments a clip of ``duration_s`` is cut into (1: one pass)."""
    if min_segment_s <= 0 or duration_s < 2 * min_segment_s:
        return 1
    pairs = int(duration_s // (2 * target_segment_s)) if target_segment_s > 0 else 1
    return 2 * max(1, min(pairs, max_segments // 2))


def plan_segments(path: str | Path, *, min_segment_s: float = MIN_SEGMENT_S,
                  target_segment_s: float = TARGET_SEGMENT_S,
                  max_segments: int = MAX_SEGMENTS, warmup_s: float = WARMUP_S,
                  max_lead_s: float = MAX_LEAD_S) -> SegmentPlan | None:
    """Where to cut ``path``'s pose pass, from its packets (no decoding); None when it should
    run as one pass (too short, or timestamps the plan cannot vouch for)."""
    import av

    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            if stream.time_base is None:
                return None
            tb = float(stream.time_base)
            pts: list[int] = []
            keys: list[int] = []
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # the demuxer's flush packet
                if packet.pts is None:
                    return None
                if packet.is_keyframe:  # a place to start decoding, shown or not
                    keys.append(int(packet.pts))
                if not packet.is_discard:  # an edit list cuts the others out of the clip
                    pts.append(int(packet.pts))
    except av.error.FFmpegError:
        return None
    frames = sorted(pts)
    if len(frames) < 2 or any(b <= a for a, b in zip(frames, frames[1:], strict=False)):
        return None  # repeated timestamps: the single pass' own ordering rule applies
    keys.sort()
    if not keys or keys[0] > frames[0]:
        return None
    duration = (frames[-1] - frames[0]) * tb
    count = segment_count(duration, min_segment_s=min_segment_s,
                          target_segment_s=target_segment_s, max_segments=max_segments)
    if count < 2:
        return None
    # Each cut: the first kept frame's index, where its warm-up starts (pts) and the keyframe
    # its decoding starts from.
    cuts: list[tuple[int, int, int]] = []
    for k in range(1, count):
        target = frames[0] + k * duration / count / tb
        i = bisect_left(frames, target)
        if i >= len(frames) or i <= (cuts[-1][0] if cuts else 0):
            continue
        warm_t = frames[0] + max(0.0, (frames[i] - frames[0]) * tb - warmup_s) / tb
        key = keys[bisect_right(keys, warm_t) - 1]
        if (frames[i] - key) * tb > max_lead_s:
            continue
        cuts.append((i, frames[bisect_left(frames, warm_t)], key))
    if not cuts:
        return None
    starts = [(0, frames[0], None), *cuts]
    segments = []
    for k, (i, warm, seek) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(frames)
        segments.append(Segment(
            index=k, seek_pts=seek, warm_from=warm, keep_from=frames[i],
            keep_to=frames[end] if end < len(frames) else None,
            frames=tuple(frames[i:end])))
    return SegmentPlan(segments=tuple(segments), time_base=tb, frame_count=len(frames))


class SegmentFailed(Exception):
    """A segment could not vouch for its frames; the caller runs one pass instead."""


@dataclass
class SegmentResult:
    builder: object  # SequenceBuilder of the kept frames
    probed_max: int = 0
    max_people: int = 0


@dataclass
class SharedProgress:
    """Frames kept so far per segment (written by each segment's thread, read for progress)
    and the flag that stops every segment."""

    done: list[int]
    stop: threading.Event = field(default_factory=threading.Event)


def _decode_span(path: Path, seg: Segment, rotation: int, stop: threading.Event):
    """The frames of ``seg`` from its warm-up on, as ``(pts, t_s, rgb)``, upright."""
    import av

    from formcheck.io import video
    from formcheck.io.video import _rotate as rotate_image

    with av.open(str(path), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        # Each segment decodes at full size beside the others: frame threads within the same
        # budget as the one pass's (``FileSource``).
        stream.codec_context.thread_count = video.decode_threads(stream.width, stream.height)
        tb = float(stream.time_base)
        size = (stream.codec_context.width, stream.codec_context.height)
        if seg.seek_pts is not None:
            container.seek(seg.seek_pts, stream=stream, backward=True, any_frame=False)
        for vf in container.decode(stream):
            if stop.is_set():
                return
            if vf.pts is None:
                raise SegmentFailed("a frame without a timestamp")
            if vf.pts < seg.warm_from:
                continue  # decoded for its references only
            if seg.keep_to is not None and vf.pts >= seg.keep_to:
                return
            if (vf.width, vf.height) != size:
                # One pass (``FileSource``) fits such frames to the first one's size.
                raise SegmentFailed("the picture size changes")
            image = np.ascontiguousarray(rotate_image(vf.to_ndarray(format="rgb24"), rotation))
            yield int(vf.pts), vf.pts * tb, image


def run_segment(path: Path, seg: Segment, rotation: int, make_estimator: Callable,
                back_profile: bool, shared: SharedProgress,
                ahead: Callable = lambda frames: frames) -> SegmentResult:
    """One segment on its own tracker: its warm-up frames are run and dropped, its kept frames
    gathered. Raises ``SegmentFailed`` when the decoded frames are not the planned ones or a
    second person was seen."""
    from formcheck.pose.estimator import (
        PreparedFrame,
        SequenceBuilder,
        posed_image,
        run_estimator,
    )

    builder = SequenceBuilder(back_profile=back_profile, capacity=len(seg.frames) + 16)
    kept: list[int] = []
    est = make_estimator()
    try:
        # A prepared frame's ``index`` carries its pts here: warm-up frames are told apart by it.
        frames = (PreparedFrame(index=pts, t_s=t_s, width=image.shape[1], height=image.shape[0],
                                mp_image=est.image_of(posed_image(image, est.max_side)))
                  for pts, t_s, image in _decode_span(path, seg, rotation, shared.stop))
        frames = ahead(frames)  # e.g. decoded in a thread of its own
        for frame, pose in run_estimator(est, frames):
            if est.num_poses > 1:
                raise SegmentFailed("a second person was seen")
            if frame.index < seg.keep_from:
                continue
            builder.append(frame.t_s, pose)
            kept.append(frame.index)
            shared.done[seg.index] += 1
        result = SegmentResult(builder=builder, probed_max=est.people.probed_max,
                               max_people=est.people.max_people)
    finally:
        est.close()
    if tuple(kept) != seg.frames:
        raise SegmentFailed(f"segment {seg.index}: decoded {len(kept)} frames, planned "
                            f"{len(seg.frames)}")
    return result
