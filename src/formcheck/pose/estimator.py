"""MediaPipe PoseLandmarker (Tasks API) in VIDEO mode: the only module that imports mediapipe.

``PoseEstimator.process(image_bgr, t_s)`` returns one ``FramePose`` per frame: landmarks in
pixels and metres, visibility, presence, and (optionally) the back outline sampled from the
segmentation mask. A frame with no person gives NaN arrays, never ``None``.

For files, ``run_estimator`` splits that work in three so only inference is left on the thread
that runs the model: ``prepare_frames`` (in the decode thread) copies each RGB frame into a
MediaPipe image, ``PoseEstimator.detect`` runs the model, and ``PoseEstimator.pose_of`` (in a
worker thread) reads the landmarks and samples the back outline from the mask.
``SequenceBuilder`` keeps the results in flat arrays (about 1 KB a frame), never the frames or
the masks.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from formcheck.config import PoseConfig
from formcheck.errors import ModelInvalidError
from formcheck.pose.landmarks import NUM_LANDMARKS, Landmark
from formcheck.pose.people import PersonSelector, person_box
from formcheck.pose.sequence import BACK_PROFILE_POINTS, PoseSequence, stack_frames

#: How far from the shoulder–hip chord the back's edge is searched, as a fraction of the chord.
BACK_SEARCH_FRACTION = 0.7
#: Samples along each search ray.
BACK_SEARCH_STEPS = 96
#: Video seconds between two looks for other people while one person is tracked.
PEOPLE_PROBE_INTERVAL_S = 1.0
#: People the probe looks for (two are enough to switch; a third is only counted).
PEOPLE_PROBE_MAX = 3
#: With ``people_probe_backoff`` (off by default): once the probes have seen exactly one
#: person for this many seconds of video, they look only every
#: ``PEOPLE_PROBE_SLOW_INTERVAL_S``; any other count (nobody, or more) goes back to
#: ``PEOPLE_PROBE_INTERVAL_S``. It saves up to two thirds of the probe's CPU on long clips,
#: but a second person is noticed up to that much later: on one shared clip of 84 a person
#: seen by the probe at 14.0 s was missed, and the poses of its last 12 frames changed
#: (docs/performance.md), so it is not the default.
PEOPLE_PROBE_BACKOFF_AFTER_S = 10.0
PEOPLE_PROBE_SLOW_INTERVAL_S = 3.0

#: Mask value that counts as "person".
MASK_THRESHOLD = 0.5
#: Frames longer than this on either side are scaled down to it before the model (the
#: setting ``config.PoseConfig.max_side_px``'s default; 0: never).
DEFAULT_MAX_SIDE_PX: int = PoseConfig.max_side_px


def posed_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The size a ``width`` x ``height`` frame is posed at: itself when its longer side is
    at most ``max_side`` (or ``max_side`` is 0/None), else scaled down to it, aspect kept."""
    longer = max(width, height)
    if not max_side or longer <= max_side:
        return width, height
    s = max_side / longer
    return max(1, round(width * s)), max(1, round(height * s))


def posed_image(image: np.ndarray, max_side: int | None) -> np.ndarray:
    """``image`` (H, W, C) as the pose pass reads it: itself (not copied) when it is within
    ``max_side``, else scaled down to ``posed_size`` by area averaging."""
    h, w = image.shape[:2]
    size = posed_size(w, h, max_side)
    if size == (w, h):
        return image
    import cv2

    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class FramePose:
    image_xy: np.ndarray  # (33, 2) pixels
    world_xyz: np.ndarray  # (33, 3) metres
    visibility: np.ndarray  # (33,)
    presence: np.ndarray  # (33,)
    back_xy: np.ndarray | None  # (K, 2) pixels or None when not sampled
    #: (33,) the image landmarks' depth in pixels (MediaPipe's normalised z times the image
    #: width; relative to the hips, smaller = nearer); NaN when no person was found.
    image_z: np.ndarray | None = None
    #: (2,) the torso's optical flow from the previous frame (``pose/flow.py``: shoulder band,
    #: hip band, pixels across the trunk); None when not measured, NaN when not found.
    torso_flow: np.ndarray | None = None
    #: share of the flow's bands left to read beside the hands (``pose/flow.py``); None when
    #: not measured, NaN when the flow was not read.
    flow_seen: float | None = None
    #: the picture was cut since the previous frame (``pose.flow.PictureCut``); None when the
    #: frame's pixels were not looked at.
    picture_cut: bool | None = None

    @property
    def detected(self) -> bool:
        return bool(np.isfinite(self.world_xyz[0, 0]))


def _nan_pose(back: bool) -> FramePose:
    return FramePose(
        image_xy=np.full((NUM_LANDMARKS, 2), np.nan, np.float32),
        world_xyz=np.full((NUM_LANDMARKS, 3), np.nan, np.float32),
        visibility=np.zeros(NUM_LANDMARKS, np.float32),
        presence=np.zeros(NUM_LANDMARKS, np.float32),
        back_xy=np.full((BACK_PROFILE_POINTS, 2), np.nan, np.float32) if back else None,
        image_z=np.full(NUM_LANDMARKS, np.nan, np.float32),
    )


def _mid(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return (xy[a] + xy[b]) / 2.0


#: A foot tells which way the lifter faces across the picture when its heel and toe are seen
#: at least this well and it points within 60 degrees of straight across (its run across the
#: picture at least half its length): seen side-on; square-on the toes point at the camera.
_FOOT_MIN_VISIBILITY = 0.5
_FOOT_MIN_ACROSS = 0.5


def _feet_facing(image_xy: np.ndarray, visibility: np.ndarray) -> float:
    """+1 where the feet point to the right of the picture (toes ahead of heels), -1 to the
    left, 0 where neither foot says so clearly or the two disagree."""
    votes = set()
    for heel, toe in ((Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
                      (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX)):
        if min(visibility[heel], visibility[toe]) < _FOOT_MIN_VISIBILITY:
            continue
        dx, dy = (float(v) for v in image_xy[toe] - image_xy[heel])
        run = float(np.hypot(dx, dy))
        if np.isfinite(run) and run > 0 and abs(dx) >= _FOOT_MIN_ACROSS * run:
            votes.add(1.0 if dx > 0 else -1.0)
    return votes.pop() if len(votes) == 1 else 0.0


def sample_back_outline(mask: np.ndarray, image_xy: np.ndarray, visibility: np.ndarray,
                        points: int = BACK_PROFILE_POINTS,
                        facing: float | None = None) -> np.ndarray:
    """Points of the back's silhouette edge along the shoulder→hip chord.

    For ``points`` positions evenly spaced from the shoulder midpoint to the hip midpoint, march
    along the chord's normal towards the back (the side away from where the feet point, where
    they point across the picture; else away from the face, toes and knees) and return where the
    mask first drops below ``MASK_THRESHOLD``, interpolated to sub-pixel. ``(points, 2)`` pixels,
    NaN where the ray starts outside the person or never leaves it. ``facing``: which way the
    lifter faces across the picture (+1 right, -1 left, 0 not known) where the caller knows
    it (the feet of an earlier frame: ``PoseEstimator``); None: this frame's feet
    (``_feet_facing``).
    """
    out = np.full((points, 2), np.nan, np.float32)
    h, w = mask.shape[:2]
    s = _mid(image_xy, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER).astype(np.float64)
    hp = _mid(image_xy, Landmark.LEFT_HIP, Landmark.RIGHT_HIP).astype(np.float64)
    chord = hp - s
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 4.0:
        return out
    normal = np.array([-chord[1], chord[0]]) / length
    if facing is None:
        facing = _feet_facing(image_xy, visibility)
    if facing:
        # The normal points behind a lifter facing the right of the picture, upright,
        # leaning back or bent over alike (the chord runs from the shoulders to the hips).
        back_dir = facing * normal
    else:
        # The front of the body: face and toes, weighted by how visible they are. (Leaning
        # back at a lockout this can pick the chest: the feet then lie behind the trunk's
        # line, which is why the feet's own direction is asked first.)
        front_ids = [Landmark.NOSE, Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX,
                     Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE]
        weights = np.clip(visibility[front_ids], 0.05, 1.0)
        centre = (s + hp) / 2.0
        side = float(np.sum(weights * ((image_xy[front_ids] - centre) @ normal)))
        back_dir = -normal if side > 0 else normal
    f = np.linspace(0.0, 1.0, points)
    starts = s[None, :] + f[:, None] * chord[None, :]  # (K, 2)
    r = np.linspace(0.0, BACK_SEARCH_FRACTION * length, BACK_SEARCH_STEPS)  # (N,)
    pts = starts[:, None, :] + r[None, :, None] * back_dir[None, None, :]  # (K, N, 2)
    xi = np.clip(np.rint(pts[..., 0]).astype(np.int64), 0, w - 1)
    yi = np.clip(np.rint(pts[..., 1]).astype(np.int64), 0, h - 1)
    inside_img = (pts[..., 0] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] >= 0) & (
        pts[..., 1] <= h - 1)
    vals = np.where(inside_img, mask[yi, xi], 0.0)  # (K, N)
    inside = vals >= MASK_THRESHOLD
    leaves = ~inside
    first_out = np.argmax(leaves, axis=1)  # first sample outside the person
    valid = inside[:, 0] & leaves.any(axis=1)
    k = np.nonzero(valid)[0]
    if k.size == 0:
        return out
    j = first_out[k]
    v0, v1 = vals[k, j - 1], vals[k, j]
    frac = np.clip((v0 - MASK_THRESHOLD) / np.maximum(v0 - v1, 1e-6), 0.0, 1.0)
    rr = r[j - 1] + frac * (r[j] - r[j - 1])
    out[k] = (starts[k] + rr[:, None] * back_dir[None, :]).astype(np.float32)
    return out


@contextlib.contextmanager
def _fd2_to(target_fd: int) -> Iterator[bool]:
    """Point fd 2 (what native code writes to) at ``target_fd`` meanwhile, then back; yields
    False, and leaves fd 2 alone, where it cannot be duplicated (no real stderr). fd 2 is the
    process's: one thread at a time may point it elsewhere (``_FD2_LOCK``), or two estimators
    starting together (the pose pass' segments) would each save the other's redirection and
    leave stderr pointing at /dev/null for good."""
    with _FD2_LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):
            yield False
            return
        try:
            os.dup2(target_fd, 2)
            yield True
        finally:
            os.dup2(saved, 2)
            os.close(saved)


#: Held while fd 2 points elsewhere (``_fd2_to``); re-entrant for nested redirections.
_FD2_LOCK = threading.RLock()


@contextlib.contextmanager
def _quiet_native_stderr(enabled: bool = True) -> Iterator[None]:
    """Silence what MediaPipe's C++ side prints to fd 2 while its graph starts (TFLite delegate
    notices, absl warnings before InitGoogle): it is noise to a user. Set FORMCHECK_DEBUG=1 to
    see it."""
    if not enabled or os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        with _fd2_to(devnull):
            yield
    finally:
        os.close(devnull)


#: Native log lines MediaPipe/TFLite print when a landmarker closes (one
#: ``INFO: [accelerator_registry.cc:43] DestroyAccelerator: ...`` per model): routine.
_ROUTINE_NATIVE_LINE = re.compile(r"^INFO: \[[\w.]+:\d+\] DestroyAccelerator\b")


@contextlib.contextmanager
def _filtered_native_stderr() -> Iterator[None]:
    """Catch what native code writes to fd 2 meanwhile, and pass on every line except the
    routine INFO lines of ``_ROUTINE_NATIVE_LINE`` (warnings and errors still show).
    FORMCHECK_DEBUG=1 passes everything."""
    if os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    with tempfile.TemporaryFile() as catch:
        caught = False
        try:
            with _fd2_to(catch.fileno()) as caught:
                yield
        finally:  # also when the body raised: what native code said still shows
            if caught:
                catch.seek(0)
                kept = [ln for ln in catch.read().decode("utf-8", "replace").splitlines(True)
                        if not _ROUTINE_NATIVE_LINE.match(ln)]
                if kept:
                    os.write(2, "".join(kept).encode("utf-8"))


#: Running modes: "video" tracks the person from frame to frame and smooths the landmarks over
#: time (the default); "image" finds the person and its landmarks in every frame on its own
#: (slower, no temporal smoothing; used to measure what the smoothing costs).
RUNNING_MODES = ("video", "image")


class PoseEstimator:
    """One PoseLandmarker (VIDEO mode unless ``running_mode="image"``). Not thread-safe; one
    per stream of frames."""

    def __init__(self, model_path: str | os.PathLike, *, back_profile: bool = True,
                 min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5,
                 min_presence_confidence: float = 0.5, num_poses: int | None = None,
                 person: str = "auto",
                 people_probe_interval_s: float = PEOPLE_PROBE_INTERVAL_S,
                 people_probe_backoff: bool = False,
                 running_mode: str = "video", torso_flow: bool = True,
                 flow_every_frame: bool = False,
                 max_side: int | None = DEFAULT_MAX_SIDE_PX) -> None:
        """``num_poses`` people are looked for per frame; ``person`` (a ``PERSON_RULES`` rule)
        picks the lifter among them, consistently over time (``pose/people.py``).

        ``num_poses=None`` (the default) adapts: looking for two people makes MediaPipe run its
        person detector on every frame (about half the speed on a one-person clip), so the
        tracker follows one person while a probe looks for others once every
        ``people_probe_interval_s`` of video (each frame on its own, no masks); once it sees
        two or more, the tracker is replaced by one that follows two and the rule chooses
        between them from then on. An explicit ``person`` rule other than ``auto`` follows two
        from the first frame. ``people_probe_backoff``: after a long stretch of one person
        the probe looks less often (``PEOPLE_PROBE_BACKOFF_AFTER_S``; measured, not the
        default).
        ``running_mode`` is one of ``RUNNING_MODES`` ("image": every
        frame on its own, to measure what VIDEO mode's smoothing costs). ``torso_flow``: also
        measure the torso's optical flow from frame to frame (the twist's image cue) when
        ``pose_of`` is given the frame's pixels: only on frames near square-on, where the twist
        rule reads it (``pose.flow.FlowGate``; NaN on the others), or on every frame with
        ``flow_every_frame``. ``max_side``: frames longer than this are posed scaled down to it
        (``posed_image``; ``process``/``process_rgb`` scale them here, ``prepare_frames``
        where frames are decoded); the poses are in the source frame's pixels all the same."""
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        if running_mode not in RUNNING_MODES:
            raise ValueError(f"running_mode must be one of {RUNNING_MODES}, got {running_mode!r}")
        self._mp = mp
        self._vision = vision
        self.model_path = Path(model_path)
        self.back_profile = back_profile
        self.max_side = max_side
        self._flow = self._flow_gate = self._cuts = None
        self._facing = 0.0  # the last frame's feet direction across the picture (pose_of)
        self._flow_owner = None  # what keeps the flow's previous frame's pixels alive
        if torso_flow:
            self._start_flow(gated=not flow_every_frame)
        self._confidences = (min_detection_confidence, min_tracking_confidence,
                             min_presence_confidence)
        if num_poses is None:
            num_poses = 1 if person == "auto" else 2
            self._probe_interval_s = people_probe_interval_s if num_poses == 1 else None
        else:
            self._probe_interval_s = None
        self.num_poses = max(1, int(num_poses))
        self._base = BaseOptions(model_asset_path=str(self.model_path))
        self.running_mode = running_mode
        self._main_mode = (vision.RunningMode.VIDEO if running_mode == "video"
                           else vision.RunningMode.IMAGE)
        self._landmarker = self._create(self._main_mode, self.num_poses, back_profile)
        self._probe = None
        self._probe_pool: ThreadPoolExecutor | None = None
        self._next_probe_s = -float("inf")
        self._probe_backoff = people_probe_backoff
        self._alone_since: float | None = None  # first of the probes that all saw one person
        self._last_ms = -1
        self._first_frame = True
        self.people = PersonSelector(person)

    def _create(self, mode, num_poses: int, masks: bool):
        vision = self._vision
        det, track, pres = self._confidences
        opts = vision.PoseLandmarkerOptions(
            base_options=self._base, running_mode=mode, num_poses=num_poses,
            min_pose_detection_confidence=det, min_tracking_confidence=track,
            min_pose_presence_confidence=pres, output_segmentation_masks=masks,
        )
        try:
            with _quiet_native_stderr():
                return vision.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise ModelInvalidError(
                f"{self.model_path} is not a usable pose model ({str(exc).splitlines()[0]}); "
                "fetch or build it again with `formcheck models fetch|build`"
            ) from exc

    def _start_probe(self, image, t_s: float):
        """Once per ``people_probe_interval_s``: start counting the people in this frame alone,
        in a worker thread, so the count runs beside this frame's inference instead of before
        it (a whole detector + landmark run: 5-7 % of the CPU of a 30 fps clip's inference,
        bench/pose_pass_cost.py on a 854x480 clip, full model). Returns the count's future, or None
        when no probe is due."""
        if self._probe_interval_s is None or t_s < self._next_probe_s:
            return None
        self._next_probe_s = t_s + self._probe_interval_s
        if self._probe is None:  # made here, in the thread that owns fd 2's redirections
            self._probe = self._create(self._vision.RunningMode.IMAGE, PEOPLE_PROBE_MAX, False)
            self._probe_pool = ThreadPoolExecutor(max_workers=1,
                                                  thread_name_prefix="formcheck-people")
        probe = self._probe
        return self._probe_pool.submit(lambda: len(probe.detect(image).pose_landmarks or ()))

    def _apply_probe(self, found: int, t_s: float) -> bool:
        """Take a probe's count (of the frame at ``t_s``); from two people on, follow two (see
        ``__init__``). True when the tracker was replaced: the frame must then be run again on
        the new one."""
        self.people.probed_max = max(self.people.probed_max, found)
        if found == 1:
            if self._alone_since is None:
                self._alone_since = t_s
            elif (self._probe_backoff
                  and t_s - self._alone_since >= PEOPLE_PROBE_BACKOFF_AFTER_S):
                self._next_probe_s = t_s + PEOPLE_PROBE_SLOW_INTERVAL_S
        else:
            self._alone_since = None
        if found < 2:
            return False
        old = self._landmarker
        self._landmarker = self._create(self._main_mode, 2, self.back_profile)
        self.num_poses, self._probe_interval_s = 2, None
        with _filtered_native_stderr():
            old.close()
        return True

    @staticmethod
    def image_of(image_rgb: np.ndarray):
        """A MediaPipe image holding a copy of ``image_rgb`` (H, W, 3 uint8 RGB). MediaPipe reads
        rows as packed, so a padded array is made contiguous first. Safe in any thread."""
        import mediapipe as mp

        return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb))

    def detect(self, image, t_s: float):
        """Run the model on one MediaPipe image (from ``image_of``) at time ``t_s``; returns
        MediaPipe's result for ``pose_of``. Calls must come in time order from one thread."""
        ts_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ts_ms
        with _quiet_native_stderr(self._first_frame):
            probe = self._start_probe(image, t_s)
            result = self._run(image, ts_ms)
            found = probe.result() if probe is not None else None
        # When the probe sees two people, the tracker this frame ran on is closed and the frame
        # runs again on the new one: the same result as had the probe come first.
        if found is not None and self._apply_probe(found, t_s):
            with _quiet_native_stderr(self._first_frame):
                result = self._run(image, ts_ms)
        # MediaPipe's graph warns once ("Using NORM_RECT without IMAGE_DIMENSIONS …") on the
        # first frame it finds a person in, which is not the first frame of a clip that opens
        # on an empty picture or a title card: fd 2 stays quiet until then.
        if result.pose_landmarks:
            self._first_frame = False
        return result

    def _run(self, image, ts_ms: int):
        return (self._landmarker.detect_for_video(image, ts_ms)
                if self.running_mode == "video" else self._landmarker.detect(image))

    def pose_of(self, result, width: int, height: int, image=None,
                t_s: float | None = None) -> FramePose:
        """The ``FramePose`` in a ``detect`` result for a ``width`` x ``height`` frame. Reads
        only what the analysis uses from the mask (a few hundred samples along the back); safe
        in another thread than ``detect``'s, while it runs on later frames, as long as calls
        come in frame order. ``image``: the frame's RGB pixels (an ndarray, or the MediaPipe
        image), for the torso's optical flow against the previous frame given; ``t_s``, the
        frame's time, lets the flow's gate skip frames turned away from square-on (without
        it every frame is measured). The model may have been given the frame scaled down
        (``posed_image``): landmarks, outline and flow come back in ``width`` x ``height``
        pixels all the same."""
        pose = self._pose_of(result, width, height)
        if self._flow is None or image is None:
            return pose
        pixels = image.numpy_view() if hasattr(image, "numpy_view") else image
        cut = self._cuts.step(pixels)[0]
        ph, pw = pixels.shape[:2]
        xy, across = pose.image_xy, None
        if (pw, ph) != (width, height):  # posed scaled down: the flow reads its pixels
            xy = xy * np.array([pw / width, ph / height], np.float32)
            across = np.float32(width / pw)
        if self._flow_gate is None or t_s is None or self._flow_gate.wants(t_s, pose.world_xyz):
            flow, seen = self._flow.read(pixels, xy, rgb=True)
            if across is not None:
                flow = flow * across
        else:
            flow, seen = self._flow.keep(pixels, xy), float("nan")
        self._flow_owner = image
        return replace(pose, torso_flow=flow, flow_seen=seen, picture_cut=cut)

    def _pose_of(self, result, width: int, height: int) -> FramePose:
        self.people.width, self.people.height = width, height
        candidates = [
            np.array([(p.x, p.y, p.visibility or 0.0, p.presence or 0.0, p.z or 0.0)
                      for p in lms], dtype=np.float32) for lms in result.pose_landmarks or ()
        ]
        scale = np.array([width, height], dtype=np.float32)
        pick = self.people.choose([person_box(c[:, :2] * scale, c[:, 2]) for c in candidates])
        if pick is None:
            return _nan_pose(self.back_profile)
        norm = candidates[pick]
        wlms = result.pose_world_landmarks[pick]
        world = np.array([(p.x, p.y, p.z) for p in wlms], dtype=np.float32)
        image_xy = norm[:, :2] * scale
        visibility, presence = norm[:, 2], norm[:, 3]
        back = None
        if self.back_profile:
            if result.segmentation_masks and len(result.segmentation_masks) > pick:
                mask = result.segmentation_masks[pick].numpy_view()
                mask = mask[..., 0] if mask.ndim == 3 else mask
                # The feet's direction, this frame's or, where they do not say, the last
                # that did (frames come in order): a goblet squat's hidden feet let the
                # face/knees/toes vote put the back on the chest for eight frames.
                self._facing = _feet_facing(image_xy, visibility) or self._facing
                mh, mw = mask.shape[:2]
                if (mw, mh) == (width, height):
                    back = sample_back_outline(mask, image_xy, visibility, facing=self._facing)
                else:  # the mask of a frame posed scaled down: read there, mapped back
                    to_mask = np.array([mw / width, mh / height], np.float32)
                    back = sample_back_outline(mask, image_xy * to_mask, visibility,
                                               facing=self._facing) / to_mask
            else:
                back = np.full((BACK_PROFILE_POINTS, 2), np.nan, np.float32)
        return FramePose(image_xy=image_xy, world_xyz=world, visibility=visibility,
                         presence=presence, back_xy=back,
                         image_z=norm[:, 4] * np.float32(width))

    def forget_previous_frame(self) -> None:
        """Compare the next frame with none (as a clip's first frame is): the picture-cut
        check, the torso flow and the feet's last direction start afresh. For after a
        warm-up frame that is no footage."""
        self._facing = 0.0
        if self._flow is not None:
            self._start_flow(gated=self._flow_gate is not None)

    def warm_up(self, width: int, height: int, person_bgr: np.ndarray | None = None) -> None:
        """Make the models' slow first calls before a stream's first frame, on pictures that
        are no footage, and leave the estimator as a fresh one would start the stream.

        The tracker (VIDEO mode) runs once on a blank ``width`` x ``height`` frame, at a time
        before any frame's (-1 s), so the stream keeps its own timestamps from 0 s on: its
        detector and the frame conversions are set up. Nobody is in a blank frame, so its
        landmark model first runs on the stream's first frame with a person; it cannot be run
        on a picture of a person here, as the tracker's smoothing would carry that person's
        landmark visibilities into the stream's first second. The people probe (IMAGE mode:
        every frame on its own, nothing carried over) is made and run on ``person_bgr`` (a
        picture of someone, e.g. a rendered lifter) and on the blank, so its first count of a
        real frame, which runs beside that frame's inference, is not slowed by its set-up."""
        blank = np.zeros((max(1, height), max(1, width), 3), np.uint8)
        with _quiet_native_stderr(self._first_frame):
            result = self._landmarker.detect_for_video(self.image_of(blank), -1000)
            if self._probe_interval_s is not None:
                if self._probe is None:
                    self._probe = self._create(self._vision.RunningMode.IMAGE,
                                               PEOPLE_PROBE_MAX, False)
                    self._probe_pool = ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="formcheck-people")
                for picture in (person_bgr, blank):
                    if picture is not None:
                        rgb = picture[..., ::-1]
                        self._probe.detect(self.image_of(rgb))
        # The picture-cut check, the torso flow and the person selector's first calls, on the
        # blank; then they start afresh.
        self.pose_of(result, blank.shape[1], blank.shape[0], blank, -1.0)
        self.people = PersonSelector(self.people.rule)
        self.forget_previous_frame()

    def _start_flow(self, gated: bool) -> None:
        """A fresh torso flow and picture-cut check, with no previous frame (``gated``: the
        flow skips frames the gate finds still)."""
        from formcheck.pose.flow import FlowGate, PictureCut, TorsoFlow

        self._flow, self._cuts = TorsoFlow(), PictureCut()
        self._flow_gate = FlowGate() if gated else None
        self._flow_owner = None

    def process_rgb(self, image_rgb: np.ndarray, t_s: float) -> FramePose:
        """One frame, RGB (the layout MediaPipe wants: no conversion), start to finish; posed
        scaled down where longer than ``max_side``, its pose in ``image_rgb``'s pixels."""
        h, w = image_rgb.shape[:2]
        posed = posed_image(image_rgb, self.max_side)
        return self.pose_of(self.detect(self.image_of(posed), t_s), w, h, posed, t_s)

    def process(self, image_bgr: np.ndarray, t_s: float) -> FramePose:
        """One frame, BGR (OpenCV's layout, e.g. from a camera), start to finish."""
        import cv2

        return self.process_rgb(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB), t_s)

    def close(self) -> None:
        if self._probe_pool is not None:
            self._probe_pool.shutdown(wait=True, cancel_futures=True)
        with _filtered_native_stderr():
            self._landmarker.close()
            if self._probe is not None:
                self._probe.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SequenceBuilder:
    """Per-frame poses gathered into flat arrays that grow by doubling (``capacity`` is a hint,
    e.g. the container's frame count): about 1 KB a frame, with no per-frame Python objects kept,
    so a 10-minute clip costs a few MB. ``build()`` returns a ``PoseSequence`` over views of
    the arrays, without another copy."""

    _FIELDS = ("image_xy", "world_xyz", "visibility", "presence", "image_z", "back_xy",
               "torso_flow", "flow_seen", "picture_cut")

    def __init__(self, *, back_profile: bool = True, capacity: int = 0) -> None:
        self.back_profile = back_profile
        self._n = 0
        self._flow_frames = 0  # frames whose pose carried a torso flow measurement
        self._cut_frames = 0  # frames whose pose carried a picture-cut check
        self._cap = 0
        self._t = np.zeros(0, np.float64)
        self._arrays: dict[str, np.ndarray] = {}
        self._grow(max(int(capacity), 64))

    def _grow(self, cap: int) -> None:
        shapes = {"image_xy": (NUM_LANDMARKS, 2), "world_xyz": (NUM_LANDMARKS, 3),
                  "visibility": (NUM_LANDMARKS,), "presence": (NUM_LANDMARKS,),
                  "image_z": (NUM_LANDMARKS,), "back_xy": (BACK_PROFILE_POINTS, 2),
                  "torso_flow": (2,), "flow_seen": (), "picture_cut": ()}
        t = np.empty(cap, np.float64)
        t[:self._n] = self._t[:self._n]
        self._t = t
        for name in self._FIELDS:
            if name == "back_xy" and not self.back_profile:
                continue
            arr = np.empty((cap, *shapes[name]), np.float32)
            if name in self._arrays:
                arr[:self._n] = self._arrays[name][:self._n]
            self._arrays[name] = arr
        self._cap = cap

    def __len__(self) -> int:
        return self._n

    @property
    def last_t(self) -> float:
        """The last frame's time (0 before any)."""
        return float(self._t[self._n - 1]) if self._n else 0.0

    def append(self, t_s: float, pose: FramePose) -> None:
        if self._n == self._cap:
            self._grow(2 * self._cap)
        i = self._n
        self._t[i] = t_s
        a = self._arrays
        a["image_xy"][i] = pose.image_xy
        a["world_xyz"][i] = pose.world_xyz
        a["visibility"][i] = pose.visibility
        a["presence"][i] = pose.presence
        a["image_z"][i] = (pose.image_z if pose.image_z is not None
                           else np.full(NUM_LANDMARKS, np.nan, np.float32))
        if self.back_profile:
            a["back_xy"][i] = (pose.back_xy if pose.back_xy is not None
                               else np.full((BACK_PROFILE_POINTS, 2), np.nan, np.float32))
        if pose.torso_flow is not None:
            self._flow_frames += 1
        a["torso_flow"][i] = pose.torso_flow if pose.torso_flow is not None else np.nan
        a["flow_seen"][i] = pose.flow_seen if pose.flow_seen is not None else np.nan
        if pose.picture_cut is not None:
            self._cut_frames += 1
        a["picture_cut"][i] = float(pose.picture_cut) if pose.picture_cut is not None else np.nan
        self._n = i + 1

    def extend(self, other: SequenceBuilder) -> None:
        """Append every frame gathered by ``other`` (a later stretch of the same clip)."""
        n, m = self._n, other._n
        if n + m > self._cap:
            self._grow(max(2 * self._cap, n + m))
        self._t[n:n + m] = other._t[:m]
        for name, arr in self._arrays.items():
            arr[n:n + m] = other._arrays[name][:m]
        self._flow_frames += other._flow_frames
        self._cut_frames += other._cut_frames
        self._n = n + m

    def build(self, *, width: int, height: int, source: str = "",
              model: str = "") -> PoseSequence:
        n = self._n
        a = self._arrays
        return PoseSequence(
            t_s=self._t[:n], image_xy=a["image_xy"][:n], world_xyz=a["world_xyz"][:n],
            visibility=a["visibility"][:n], presence=a["presence"][:n],
            back_xy=a["back_xy"][:n] if self.back_profile else None,
            image_z=a["image_z"][:n],
            torso_flow=a["torso_flow"][:n] if self._flow_frames else None,
            torso_flow_seen=a["flow_seen"][:n] if self._flow_frames else None,
            picture_cut=a["picture_cut"][:n] > 0.5 if self._cut_frames else None,
            width=width, height=height, source=source, model=model,
        )


def to_sequence(t_s: list[float], poses: Iterable[FramePose], *, width: int, height: int,
                source: str = "", model: str = "", back_profile: bool = True) -> PoseSequence:
    """Stack per-frame results into a ``PoseSequence``."""
    poses = list(poses)
    return stack_frames(
        list(t_s),
        [p.image_xy for p in poses],
        [p.world_xyz for p in poses],
        [p.visibility for p in poses],
        [p.presence for p in poses],
        [p.back_xy for p in poses] if back_profile else None,
        [p.image_z if p.image_z is not None else np.full(NUM_LANDMARKS, np.nan, np.float32)
         for p in poses],
        width=width, height=height, source=source, model=model,
        torso_flow=([p.torso_flow if p.torso_flow is not None else np.full(2, np.nan, np.float32)
                     for p in poses] if any(p.torso_flow is not None for p in poses) else None),
        torso_flow_seen=([np.nan if p.flow_seen is None else p.flow_seen for p in poses]
                         if any(p.torso_flow is not None for p in poses) else None),
        picture_cut=([bool(p.picture_cut) for p in poses]
                     if any(p.picture_cut is not None for p in poses) else None),
    )


@dataclass(frozen=True)
class PreparedFrame:
    """A decoded frame's facts and its MediaPipe image (which holds the only copy of the
    pixels kept), made in the thread that decodes."""

    index: int
    t_s: float
    width: int  # the source frame's size (the pose's pixels), whatever the image's
    height: int
    mp_image: object  # mediapipe Image holding a copy of the RGB pixels (posed_image's)


def _prepare(frame, max_side: int | None = None) -> PreparedFrame:
    if isinstance(frame, PreparedFrame):
        return frame
    image = frame.image
    h, w = image.shape[:2]
    image = posed_image(image, max_side)  # before the colour conversion: fewer pixels
    if getattr(frame, "channels", "bgr") != "rgb":
        import cv2

        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return PreparedFrame(index=getattr(frame, "index", -1), t_s=frame.t_s, width=w, height=h,
                         mp_image=PoseEstimator.image_of(image))


def prepare_frames(frames: Iterable, max_side: int | None = None) -> Iterator[PreparedFrame]:
    """Copy each frame into a MediaPipe image, converting BGR frames to RGB (RGB ones, e.g.
    ``FileSource(..., channels="rgb")``, need no conversion), scaled down where longer than
    ``max_side`` (``posed_image``; the estimator's ``max_side``, say). Run it where frames are
    decoded (``prefetch(prepare_frames(src))``) so the copy stays off the inference thread."""
    for frame in frames:
        yield _prepare(frame, max_side)


#: Frames whose results may wait for ``pose_of`` in the worker thread.
_POSE_LAG = 4


def run_estimator(estimator: PoseEstimator, frames: Iterable) -> Iterator[tuple[object, FramePose]]:
    """Pair each frame (anything with ``.image`` and ``.t_s``, or a ``PreparedFrame``) with its
    pose, in order; the frame is yielded as given. Inference runs here; reading each result
    (landmarks, back outline from the mask) runs in a worker thread, a few frames behind, so it
    overlaps the next inference."""
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="formcheck-pose") as pool:
        try:
            for item in frames:
                prepared = _prepare(item)
                result = estimator.detect(prepared.mp_image, prepared.t_s)
                pose = pool.submit(estimator.pose_of, result, prepared.width, prepared.height,
                                   prepared.mp_image, prepared.t_s)
                pending.append((item, pose))
                while len(pending) > _POSE_LAG or (pending and pending[0][1].done()):
                    done, fut = pending.popleft()
                    yield done, fut.result()
            while pending:
                done, fut = pending.popleft()
                yield done, fut.result()
        finally:
            for _, fut in pending:
                fut.cancel()
