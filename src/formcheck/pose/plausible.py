"""Poses the network got wrong in a way no lift can be: frames it fitted the body upside down.

Where the lifter is too close to the camera, half out of the picture or hidden by the bar's
plates, the pose network sometimes lays its skeleton upside down over what it sees: the nose
low in the picture, the ankles high (looked at on seven real clips, among them a close-up squat
with the bar over the face, a goblet squat filmed from the chest up, a lifter stooping behind a
plate; and on one render, where the truth was upright). No squat, deadlift or row puts the head
below the hips and the feet above them at once, so such a frame is no pose of the lifter: the
analysis treats it as a frame without the lifter, the report says so once, and neither the
video nor the live window draws a skeleton on it.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import PoseSequence

#: Where ``without_upside_down`` records the times of the frames it dropped (``seq.extra``).
EXTRA_KEY = "upside_down_s"


def upside_down(seq: PoseSequence) -> np.ndarray:
    """``(T,)`` bool: frames whose pose the network put upside down (module docstring): the
    nose below the hips' midpoint and the ankles' midpoint above it in the picture. Each frame
    is judged on its own, so a frame reads the same in any stretch of the set (the whole
    set, live mode's growing one, the frames drawn). No margin: no lift comes near it, and on
    the renders' poses every frame it flagged contradicted the true pose (docs/robustness.md)."""
    y = seq.image_xy[..., 1]  # image y grows downwards; NaN compares False
    hip_y = (y[:, L.LEFT_HIP] + y[:, L.RIGHT_HIP]) * 0.5
    ankles_y = (y[:, L.LEFT_ANKLE] + y[:, L.RIGHT_ANKLE]) * 0.5
    with np.errstate(invalid="ignore"):
        return (y[:, L.NOSE] > hip_y) & (ankles_y < hip_y)


def without_upside_down(seq: PoseSequence) -> PoseSequence:
    """``seq`` with its upside-down frames (``upside_down``) emptied, as frames without the
    lifter (every landmark, outline and depth NaN, presence and visibility 0), their times
    added to ``seq.extra[EXTRA_KEY]``; ``seq`` itself where there are none."""
    bad = upside_down(seq)
    if not bad.any():
        return seq

    def emptied(arr: np.ndarray | None, fill: float = np.nan) -> np.ndarray | None:
        if arr is None:
            return None
        out = np.array(arr, copy=True)
        out[bad] = fill
        return out

    extra = dict(seq.extra)
    extra[EXTRA_KEY] = sorted([*extra.get(EXTRA_KEY, []), *seq.t_s[bad].tolist()])
    return PoseSequence(
        t_s=seq.t_s, image_xy=emptied(seq.image_xy), world_xyz=emptied(seq.world_xyz),
        visibility=emptied(seq.visibility, 0.0), presence=emptied(seq.presence, 0.0),
        back_xy=emptied(seq.back_xy), width=seq.width, height=seq.height, source=seq.source,
        model=seq.model, extra=extra, image_z=emptied(seq.image_z),
        torso_flow=emptied(seq.torso_flow), torso_flow_seen=emptied(seq.torso_flow_seen),
        picture_cut=seq.picture_cut,
    )
