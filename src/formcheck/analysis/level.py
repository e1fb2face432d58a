"""The world landmarks levelled by the camera's roll that the scene shows.

MediaPipe's world landmarks share the camera's axes, so the trunk's lean from vertical and the
body's heights read a camera propped off level as the lifter leaning. The pose pass stores the
roll the scene's straight lines read (``pose.scene_level``); where the analysis' settings trust
it (``SignalConfig.level_*``), the landmarks are turned back about the camera's axis before any
signal is computed: turning the pictures of 39 real clips by 6° moved their per-frame lean by
5.2° (median), and turning their world landmarks back by 6° left it within 0.1° of the clips
as filmed (at most 0.4°, 1.8° on a 166-px-wide clip; docs/analysis.md, session 21).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.config import SignalConfig
from formcheck.pose.scene_level import SceneLevel
from formcheck.pose.sequence import PoseSequence


def roll_to_undo(seq: PoseSequence, cfg: SignalConfig) -> float | None:
    """The roll (deg, the picture's lines counter-clockwise positive) the analysis turns the
    landmarks back by, or None: levelling off, no estimate, or one the limits do not trust."""
    if not cfg.level_from_scene:
        return None
    level = SceneLevel.from_extra(seq.extra)
    if level is None or level.roll_deg is None or not np.isfinite(level.roll_deg):
        return None
    if level.lines < cfg.level_min_lines or level.share < cfg.level_min_share:
        return None
    if not cfg.level_min_roll_deg <= abs(level.roll_deg) <= cfg.level_max_roll_deg:
        return None
    return float(level.roll_deg)


def leveled(seq: PoseSequence, roll_deg: float) -> PoseSequence:
    """``seq`` with its world landmarks turned about the camera's axis by ``roll_deg``: as if
    the camera had been level (the picture's landmarks, which the video is drawn with, and
    the back's outline, read against the shoulder-hip chord, are left as they are)."""
    a = np.radians(roll_deg)
    c, s = np.cos(a), np.sin(a)
    w = np.asarray(seq.world_xyz)
    out = np.array(w, dtype=w.dtype, copy=True)
    x, y = w[..., 0], w[..., 1]
    out[..., 0] = c * x - s * y
    out[..., 1] = s * x + c * y
    return replace(seq, world_xyz=out)
