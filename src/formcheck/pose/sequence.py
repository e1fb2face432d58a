"""``PoseSequence``: the one data contract between pose estimation and everything after it.

Arrays over time, validated on construction. A frame with no person is a row of NaN (never
dropped, never ``None``), so index ``i`` always means the ``i``-th decoded frame of the video.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.errors import DataFormatError, InputNotFoundError, OutputError, ShapeError
from formcheck.fsutil import publish, temp_path_for
from formcheck.pose.landmarks import NUM_LANDMARKS

#: Bumped whenever the saved layout changes; ``load`` refuses other versions.
NPZ_FORMAT_VERSION = 1

#: Number of points sampled along the back outline per frame (see ``back_xy``).
BACK_PROFILE_POINTS = 17
#: What the pose pass writes beyond the model's own output, versioned (``extra["pose_pass"]``):
#: a saved sequence made by another version is not reused from a cache
#: (``pipeline.cached_pose``, ``batch``). 2: the back's outline sampled away from where the
#: feet point (``pose.estimator.sample_back_outline``; before, leaning back it could take the
#: chest). 3: the camera's roll read from the scene's straight lines
#: (``extra["scene_level"]``, ``pose.scene_level``), which the analysis levels by.
POSE_PASS_VERSION = 3
#: ``extra`` key of the size the pose pass scaled the frames down to, where it did
#: (``config.PoseConfig.max_side_px``; absent: posed at the source size).
POSED_AT_KEY = "posed_at"


def _check(name: str, arr: np.ndarray, shape: tuple[int | None, ...]) -> None:
    ok = arr.ndim == len(shape) and all(
        want is None or got == want for got, want in zip(arr.shape, shape, strict=False)
    )
    if not ok:
        pretty = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise ShapeError(f"PoseSequence.{name} must have shape {pretty}, got {arr.shape}")


@dataclass(frozen=True, eq=False)
class PoseSequence:
    """Landmarks of one person over ``T`` frames.

    Attributes:
        t_s: ``(T,)`` presentation time of each frame in seconds, strictly increasing.
        image_xy: ``(T, 33, 2)`` landmark positions in pixels of the displayed (upright) frame.
        world_xyz: ``(T, 33, 3)`` metric world landmarks in metres, hip-centred; MediaPipe's
            axes: x to the subject's left in the image, y down, z towards/away from the camera.
        visibility: ``(T, 33)`` in [0, 1].
        presence: ``(T, 33)`` in [0, 1].
        back_xy: optional ``(T, K, 2)`` points of the back's outline in pixels, sampled from the
            segmentation mask: point ``k`` lies at fraction ``k / (K - 1)`` along the image chord
            from the shoulder midpoint (0) to the hip midpoint (1), moved along the chord's normal
            towards the back (away from where the feet point, seen side-on; else away from
            face, toes and knees) to the silhouette's edge (mask > 0.5).
            NaN where the outline was not found.
        width, height: size of the displayed frame in pixels.
        source: where the frames came from (file name or ``camera:N``).
        model: the pose model that produced the landmarks (e.g. ``full``).
        image_z: optional ``(T, 33)`` depth of the image landmarks in pixels (MediaPipe's
            normalised z times the frame width; relative to the hips, smaller = nearer the
            camera). Read by the twist signal; files saved before it existed load without it.
        torso_flow: optional ``(T, 2)`` optical flow of the torso from the previous frame, in
            pixels per frame across the trunk (towards the lifter's left): median of the band
            from the shoulder line a third of the way down, and of the band a third of the
            way up from the hip line (arms left out). A twist moves the two bands apart; NaN
            where not measured: no torso, or a frame turned from square-on that the pose
            pass's gate skips (``pose.flow.FlowGate``; files made before the gate have every
            frame measured, and give the same findings). Read by the twist signal; older files
            load without it.
        torso_flow_seen: optional ``(T,)`` share (0 to 1) of the flow's bands left to read
            after what the hands, forearms and a held bar cover is left out (the smaller of
            the two bands'; ``pose.flow.MaskSpec``); NaN where the flow was not measured.
        picture_cut: optional ``(T,)`` bool, the picture was cut since the previous frame (a
            change of shot: ``pose.flow.PictureCut``); files made before it load without it.
    """

    t_s: np.ndarray
    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    back_xy: np.ndarray | None = None
    width: int = 0
    height: int = 0
    source: str = ""
    model: str = ""
    extra: dict = field(default_factory=dict)
    image_z: np.ndarray | None = None
    torso_flow: np.ndarray | None = None
    torso_flow_seen: np.ndarray | None = None
    picture_cut: np.ndarray | None = None

    def __post_init__(self) -> None:
        conv = {
            "t_s": np.asarray(self.t_s, dtype=np.float64),
            "image_xy": np.asarray(self.image_xy, dtype=np.float32),
            "world_xyz": np.asarray(self.world_xyz, dtype=np.float32),
            "visibility": np.asarray(self.visibility, dtype=np.float32),
            "presence": np.asarray(self.presence, dtype=np.float32),
        }
        if self.back_xy is not None:
            conv["back_xy"] = np.asarray(self.back_xy, dtype=np.float32)
        if self.image_z is not None:
            conv["image_z"] = np.asarray(self.image_z, dtype=np.float32)
        if self.torso_flow is not None:
            conv["torso_flow"] = np.asarray(self.torso_flow, dtype=np.float32)
        if self.torso_flow_seen is not None:
            conv["torso_flow_seen"] = np.asarray(self.torso_flow_seen, dtype=np.float32)
        if self.picture_cut is not None:
            conv["picture_cut"] = np.asarray(self.picture_cut, dtype=bool)
        for k, v in conv.items():
            object.__setattr__(self, k, v)
        _check("t_s", self.t_s, (None,))
        n = self.t_s.shape[0]
        _check("image_xy", self.image_xy, (n, NUM_LANDMARKS, 2))
        _check("world_xyz", self.world_xyz, (n, NUM_LANDMARKS, 3))
        _check("visibility", self.visibility, (n, NUM_LANDMARKS))
        _check("presence", self.presence, (n, NUM_LANDMARKS))
        if self.back_xy is not None:
            _check("back_xy", self.back_xy, (n, None, 2))
        if self.image_z is not None:
            _check("image_z", self.image_z, (n, NUM_LANDMARKS))
        if self.torso_flow is not None:
            _check("torso_flow", self.torso_flow, (n, 2))
        if self.torso_flow_seen is not None:
            _check("torso_flow_seen", self.torso_flow_seen, (n,))
        if self.picture_cut is not None:
            _check("picture_cut", self.picture_cut, (n,))
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ShapeError("PoseSequence.t_s must be strictly increasing")
        if not np.all(np.isfinite(self.t_s)):
            raise ShapeError("PoseSequence.t_s must be finite")
        for arr in (self.t_s, self.image_xy, self.world_xyz, self.visibility, self.presence):
            arr.setflags(write=False)
        if self.back_xy is not None:
            self.back_xy.setflags(write=False)
        if self.image_z is not None:
            self.image_z.setflags(write=False)
        for opt in (self.torso_flow, self.torso_flow_seen, self.picture_cut):
            if opt is not None:
                opt.setflags(write=False)

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """``(T,)`` bool: a person was found in the frame."""
        return np.isfinite(self.world_xyz[:, 0, 0])

    @property
    def fps(self) -> float:
        """Median frame rate from the timestamps (0 for fewer than two frames)."""
        if len(self) < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.t_s)))

    @classmethod
    def empty(cls, width: int = 0, height: int = 0, source: str = "", model: str = "",
              back_points: int | None = None) -> PoseSequence:
        return cls(
            t_s=np.zeros(0),
            image_xy=np.zeros((0, NUM_LANDMARKS, 2)),
            world_xyz=np.zeros((0, NUM_LANDMARKS, 3)),
            visibility=np.zeros((0, NUM_LANDMARKS)),
            presence=np.zeros((0, NUM_LANDMARKS)),
            back_xy=None if back_points is None else np.zeros((0, back_points, 2)),
            width=width, height=height, source=source, model=model,
        )

    def slice(self, start: int, stop: int | None = None) -> PoseSequence:
        """Frames ``start:stop`` as a new sequence (used by live mode's sliding window)."""
        s = np.s_[start:stop]
        return PoseSequence(
            t_s=self.t_s[s], image_xy=self.image_xy[s], world_xyz=self.world_xyz[s],
            visibility=self.visibility[s], presence=self.presence[s],
            back_xy=None if self.back_xy is None else self.back_xy[s],
            width=self.width, height=self.height, source=self.source, model=self.model,
            extra=dict(self.extra), image_z=None if self.image_z is None else self.image_z[s],
            torso_flow=None if self.torso_flow is None else self.torso_flow[s],
            torso_flow_seen=None if self.torso_flow_seen is None else self.torso_flow_seen[s],
            picture_cut=None if self.picture_cut is None else self.picture_cut[s],
        )

    def resized(self, width: int, height: int) -> PoseSequence:
        """The same landmarks for the picture scaled to ``width`` x ``height`` pixels (every
        pixel-valued array scaled with it; ``image_z`` and the torso's flow are widths)."""
        fx = width / self.width if self.width else 1.0
        fy = height / self.height if self.height else 1.0
        xy = np.array([fx, fy], dtype=np.float32)

        def times(a: np.ndarray | None, f) -> np.ndarray | None:
            return None if a is None else a * f

        return PoseSequence(
            t_s=self.t_s, image_xy=self.image_xy * xy, world_xyz=self.world_xyz,
            visibility=self.visibility, presence=self.presence,
            back_xy=times(self.back_xy, xy), width=width, height=height, source=self.source,
            model=self.model, extra=dict(self.extra), image_z=times(self.image_z, fx),
            torso_flow=times(self.torso_flow, fx), torso_flow_seen=self.torso_flow_seen,
            picture_cut=self.picture_cut,
        )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write a compressed ``.npz`` atomically (temp file, then rename)."""
        path = Path(path)
        meta = {
            "format_version": NPZ_FORMAT_VERSION,
            "width": self.width, "height": self.height,
            "source": self.source, "model": self.model, "extra": self.extra,
        }
        arrays = {
            "t_s": self.t_s, "image_xy": self.image_xy, "world_xyz": self.world_xyz,
            "visibility": self.visibility, "presence": self.presence,
            "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
        }
        if self.back_xy is not None:
            arrays["back_xy"] = self.back_xy
        if self.image_z is not None:
            arrays["image_z"] = self.image_z
        if self.torso_flow is not None:
            arrays["torso_flow"] = self.torso_flow
        if self.torso_flow_seen is not None:
            arrays["torso_flow_seen"] = self.torso_flow_seen
        if self.picture_cut is not None:
            arrays["picture_cut"] = self.picture_cut
        tmp = temp_path_for(path)
        try:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return publish(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PoseSequence:
        """Read a ``.npz`` written by ``save``. Anything else (truncated, corrupt, another
        layout or version, metadata of the wrong type) is a one-line ``DataFormatError``."""
        import tokenize
        import zipfile
        import zlib

        path = Path(path)
        try:
            found = path.is_file()
        except OSError as exc:
            raise InputNotFoundError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if not found:
            raise InputNotFoundError(f"pose file not found: {path}")
        redo = "re-run `formcheck analyze` to make it again"
        try:
            with np.load(path, allow_pickle=False) as z:
                if not hasattr(z, "files") or "meta" not in z.files:
                    raise DataFormatError(f"{path} is not a formcheck pose file (no metadata); "
                                          f"{redo}")
                meta = json.loads(bytes(z["meta"]).decode())
                if not isinstance(meta, dict):
                    raise DataFormatError(f"{path} has metadata of the wrong kind "
                                          f"({type(meta).__name__}, expected an object); {redo}")
                if meta.get("format_version") != NPZ_FORMAT_VERSION:
                    raise DataFormatError(
                        f"{path} has pose format version {meta.get('format_version')}, this "
                        f"formcheck reads version {NPZ_FORMAT_VERSION}; {redo}"
                    )
                extra = meta.get("extra") or {}
                if not isinstance(extra, dict):
                    raise DataFormatError(f"{path} has a bad 'extra' metadata field; {redo}")
                return cls(
                    t_s=z["t_s"], image_xy=z["image_xy"], world_xyz=z["world_xyz"],
                    visibility=z["visibility"], presence=z["presence"],
                    back_xy=z["back_xy"] if "back_xy" in z.files else None,
                    width=int(meta["width"]), height=int(meta["height"]),
                    source=str(meta["source"]), model=str(meta["model"]),
                    extra=dict(extra),
                    image_z=z["image_z"] if "image_z" in z.files else None,
                    torso_flow=z["torso_flow"] if "torso_flow" in z.files else None,
                    torso_flow_seen=(z["torso_flow_seen"] if "torso_flow_seen" in z.files
                                     else None),
                    picture_cut=z["picture_cut"] if "picture_cut" in z.files else None,
                )
        except ShapeError as exc:
            raise DataFormatError(f"{path}: {exc}; {redo}") from exc
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
                zipfile.LargeZipFile, zlib.error,
                # zipfile's answer to a damaged header that asks for a zip version or a
                # feature it does not implement
                NotImplementedError,
                SyntaxError, tokenize.TokenError) as exc:  # a damaged .npy header

            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise DataFormatError(f"{path} is not a readable formcheck pose file ({reason}); "
                                  f"{redo}") from exc


def stack_frames(
    t_s: list[float],
    image_xy: list[np.ndarray],
    world_xyz: list[np.ndarray],
    visibility: list[np.ndarray],
    presence: list[np.ndarray],
    back_xy: list[np.ndarray] | None = None,
    image_z: list[np.ndarray] | None = None,
    torso_flow: list[np.ndarray] | None = None,
    torso_flow_seen: list[float] | None = None,
    picture_cut: list[bool] | None = None,
    **meta,
) -> PoseSequence:
    """Build a sequence from per-frame arrays (the estimator's output order)."""
    if not t_s:
        return PoseSequence.empty(back_points=None if back_xy is None else BACK_PROFILE_POINTS,
                                  **meta)
    return PoseSequence(
        t_s=np.asarray(t_s), image_xy=np.stack(image_xy), world_xyz=np.stack(world_xyz),
        visibility=np.stack(visibility), presence=np.stack(presence),
        back_xy=None if back_xy is None else np.stack(back_xy),
        image_z=None if image_z is None else np.stack(image_z),
        torso_flow=None if torso_flow is None else np.stack(torso_flow),
        torso_flow_seen=None if torso_flow_seen is None else np.asarray(torso_flow_seen),
        picture_cut=None if picture_cut is None else np.asarray(picture_cut), **meta,
    )
