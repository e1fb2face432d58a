"""MediaPipe PoseLandmarker (Tasks API) in VIDEO mode: the only module that imports mediapipe.

``PoseEstimator.process(image_bgr, t_s)`` returns one ``FramePose`` per frame: landmarks in
pixels and metres, visibility, presence, and (optionally) the back outline sampled from the
segmentation mask. A frame with no person gives NaN arrays, never ``None``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import ModelInvalidError
from formcheck.pose.landmarks import NUM_LANDMARKS, Landmark
from formcheck.pose.sequence import BACK_PROFILE_POINTS, PoseSequence, stack_frames

#: How far from the shoulder–hip chord the back's edge is searched, as a fraction of the chord.
BACK_SEARCH_FRACTION = 0.7
#: Samples along each search ray.
BACK_SEARCH_STEPS = 96
#: Mask value that counts as "person".
MASK_THRESHOLD = 0.5


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


def sample_back_outline(mask: np.ndarray, image_xy: np.ndarray, visibility: np.ndarray,
                        points: int = BACK_PROFILE_POINTS) -> np.ndarray:
    """Points of the back's silhouette edge along the shoulder→hip chord.

    For ``points`` positions evenly spaced from the shoulder midpoint to the hip midpoint, march
    along the chord's normal towards the back (away from the face and toes) and return where the
    mask first drops below ``MASK_THRESHOLD``, interpolated to sub-pixel. ``(points, 2)`` pixels,
    NaN where the ray starts outside the person or never leaves it.
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
    # The front of the body: face and toes, weighted by how visible they are.
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
def _quiet_native_stderr(enabled: bool = True) -> Iterator[None]:
    """Silence what MediaPipe's C++ side prints to fd 2 while its graph starts (TFLite delegate
    notices, absl warnings before InitGoogle): it is noise to a user. Set FORMCHECK_DEBUG=1 to
    see it."""
    if not enabled or os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


#: Running modes: "video" tracks the person from frame to frame and smooths the landmarks over
#: time (the default); "image" finds the person and its landmarks in every frame on its own
#: (slower, no temporal smoothing; used to measure what the smoothing costs).
RUNNING_MODES = ("video", "image")


class PoseEstimator:
    """One PoseLandmarker (VIDEO mode unless ``running_mode="image"``). Not thread-safe; one
    per stream of frames."""

    def __init__(self, model_path: str | os.PathLike, *, back_profile: bool = True,
                 min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5,
                 min_presence_confidence: float = 0.5, running_mode: str = "video") -> None:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        if running_mode not in RUNNING_MODES:
            raise ValueError(f"running_mode must be one of {RUNNING_MODES}, got {running_mode!r}")
        self._mp = mp
        self.model_path = Path(model_path)
        self.back_profile = back_profile
        self.running_mode = running_mode
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=(vision.RunningMode.VIDEO if running_mode == "video"
                          else vision.RunningMode.IMAGE),
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            output_segmentation_masks=back_profile,
        )
        try:
            with _quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise ModelInvalidError(
                f"{self.model_path} is not a usable pose model ({str(exc).splitlines()[0]}); "
                "fetch or build it again with `formcheck models fetch|build`"
            ) from exc
        self._last_ms = -1
        self._first_frame = True

    def process(self, image_bgr: np.ndarray, t_s: float) -> FramePose:
        import cv2

        h, w = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        ts_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ts_ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        with _quiet_native_stderr(self._first_frame):
            result = (self._landmarker.detect_for_video(image, ts_ms)
                      if self.running_mode == "video" else self._landmarker.detect(image))
        self._first_frame = False
        if not result.pose_landmarks:
            return _nan_pose(self.back_profile)
        lms = result.pose_landmarks[0]
        wlms = result.pose_world_landmarks[0]
        norm = np.array([(p.x, p.y, p.visibility or 0.0, p.presence or 0.0, p.z or 0.0)
                         for p in lms], dtype=np.float32)
        world = np.array([(p.x, p.y, p.z) for p in wlms], dtype=np.float32)
        image_xy = norm[:, :2] * np.array([w, h], dtype=np.float32)
        visibility, presence = norm[:, 2], norm[:, 3]
        back = None
        if self.back_profile:
            if result.segmentation_masks:
                mask = result.segmentation_masks[0].numpy_view()
                mask = mask[..., 0] if mask.ndim == 3 else mask
                back = sample_back_outline(mask, image_xy, visibility)
            else:
                back = np.full((BACK_PROFILE_POINTS, 2), np.nan, np.float32)
        return FramePose(image_xy=image_xy, world_xyz=world, visibility=visibility,
                         presence=presence, back_xy=back, image_z=norm[:, 4] * np.float32(w))

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
    )


def run_estimator(estimator: PoseEstimator, frames: Iterable) -> Iterator[tuple[object, FramePose]]:
    """Pair each frame (anything with ``.image`` and ``.t_s``) with its pose, in order."""
    for frame in frames:
        yield frame, estimator.process(frame.image, frame.t_s)
