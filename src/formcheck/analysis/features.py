"""The body signals every later stage reads, computed once per sequence: gap-filled, smoothed,
on the sequence's own timestamps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis import geometry as geo
from formcheck.analysis.signal import derivative, fill_gaps, lowpass
from formcheck.config import Config
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import PoseSequence

#: Landmark pairs that must be visible (either side) for the trunk signals.
TRUNK_PAIRS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP))
LEG_PAIRS = ((L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_ANKLE, L.RIGHT_ANKLE))
HEAD_PAIRS = ((L.LEFT_EAR, L.RIGHT_EAR),)


@dataclass(frozen=True, eq=False)
class BodySignals:
    """``(T,)`` arrays over the frames of a sequence (NaN where unknown)."""

    t_s: np.ndarray
    detected: np.ndarray  # bool: a person was found
    trunk_visible: np.ndarray  # bool: shoulders and hips seen (either side)
    legs_visible: np.ndarray  # bool: knees and ankles seen (either side)
    head_visible: np.ndarray  # bool: an ear seen
    trunk_deg: np.ndarray  # inclination from vertical
    lean_deg: np.ndarray  # signed sagittal lean, negative = behind vertical
    hips_forward_ratio: np.ndarray  # hip centre ahead of ankles, in leg lengths
    hip_height_ratio: np.ndarray  # hip centre above ankles, in leg lengths
    wrist_height_ratio: np.ndarray  # wrists above ankles, in leg lengths
    arm_reach_ratio: np.ndarray  # wrist-shoulder distance, in arm lengths
    knee_deg: np.ndarray
    elbow_deg: np.ndarray
    head_neck_deg: np.ndarray
    twist_deg: np.ndarray
    twist_rate_deg_s: np.ndarray
    twist_jerk_deg_s3: np.ndarray
    yaw_deg: np.ndarray
    hip_heading_deg: np.ndarray  # pelvis turn about vertical (smoothed like the twist)
    pelvis_yaw_deg: np.ndarray  # yaw of the hip line alone (a twist does not move it)
    tracking_break: np.ndarray  # bool: no person, or the landmarks jumped (cut, lost track)
    bulge: np.ndarray  # back-profile bow, fraction of the chord (NaN without a profile)
    elbow_behind_back: np.ndarray  # farther elbow behind the back line, fraction of the chord
    fps: float
    leg_length_m: float


def _pairs_visible(vis: np.ndarray, pairs, min_visibility: float) -> np.ndarray:
    ok = np.ones(vis.shape[0], dtype=bool)
    for a, b in pairs:
        ok &= np.maximum(vis[:, a], vis[:, b]) >= min_visibility
    return ok


def _mean_pair(values: np.ndarray, vis: np.ndarray, a: int, b: int) -> np.ndarray:
    """Visibility-weighted mean of a left/right pair of per-frame values."""
    wa, wb = vis[:, a] + np.float32(1e-6), vis[:, b] + np.float32(1e-6)
    return (values[0] * wa + values[1] * wb) / (wa + wb)


def compute_signals(seq: PoseSequence, config: Config) -> BodySignals:
    sc = config.signal
    t = seq.t_s
    w, im, vis = seq.world_xyz, seq.image_xy, seq.visibility  # float32; no full-size copies
    detected = seq.detected
    fps = seq.fps

    def clean(x: np.ndarray, cutoff: float = sc.smooth_cutoff_hz) -> np.ndarray:
        x = fill_gaps(t, x, sc.max_gap_s)
        return lowpass(t, x, cutoff, sc.filter_order)

    leg = geo.leg_length(w)
    leg_m = float(np.nanmedian(leg)) if np.isfinite(leg).any() else float("nan")
    arm = (np.linalg.norm(w[:, L.LEFT_SHOULDER] - w[:, L.LEFT_ELBOW], axis=-1)
           + np.linalg.norm(w[:, L.LEFT_ELBOW] - w[:, L.LEFT_WRIST], axis=-1))
    arm_m = float(np.nanmedian(arm)) if np.isfinite(arm).any() else float("nan")
    fwd = geo.forward_vector(w)
    # The facing direction is a property of the set, not of a frame: smooth it strongly.
    fwd = clean(fwd, min(sc.smooth_cutoff_hz, 1.0))
    fwd = fwd / np.linalg.norm(fwd, axis=-1, keepdims=True)

    reach = np.linalg.norm(geo.midpoint(w, L.LEFT_WRIST, L.RIGHT_WRIST)
                           - geo.shoulder_mid(w), axis=-1)
    knees = (geo.joint_angle_deg(w, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
             geo.joint_angle_deg(w, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))
    elbows = (geo.joint_angle_deg(w, L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
              geo.joint_angle_deg(w, L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST))

    raw = np.stack([
        geo.trunk_inclination_deg(w),
        geo.sagittal_lean_deg(w, fwd),
        geo.hips_forward(w, fwd) / leg_m,
        geo.height_above_ankles(w, L.LEFT_HIP, L.RIGHT_HIP) / leg_m,
        geo.height_above_ankles(w, L.LEFT_WRIST, L.RIGHT_WRIST) / leg_m,
        reach / arm_m,
        _mean_pair(knees, vis, L.LEFT_KNEE, L.RIGHT_KNEE),
        _mean_pair(elbows, vis, L.LEFT_ELBOW, L.RIGHT_ELBOW),
        geo.head_neck_angle_deg(w),
        geo.body_yaw_deg(w, im),
    ], axis=1)
    smooth = clean(raw)

    twist = clean(geo.twist_deg(w), sc.twist_cutoff_hz)
    rate = derivative(t, twist)
    jerk = derivative(t, rate, order=2)
    hip_heading = clean(geo.hip_heading_deg(w), sc.twist_cutoff_hz)
    pelvis_yaw = clean(geo.pelvis_yaw_deg(w, im))
    with np.errstate(invalid="ignore"):
        jumped = geo.image_jump(im) * fps > config.assess.max_image_speed_torso_s

    if seq.back_xy is not None and seq.back_xy.shape[1] > sc.back_profile_last_point:
        bulge = clean(geo.back_bulge(im, seq.back_xy, sc.back_profile_first_point,
                                     sc.back_profile_last_point))
        elbow_back = geo.behind_back(im, seq.back_xy, L.LEFT_ELBOW, L.RIGHT_ELBOW)
    else:
        bulge = np.full(t.shape, np.nan)
        elbow_back = np.full(t.shape, np.nan)

    return BodySignals(
        t_s=t, detected=detected,
        trunk_visible=detected & _pairs_visible(vis, TRUNK_PAIRS, sc.min_visibility),
        legs_visible=detected & _pairs_visible(vis, LEG_PAIRS, sc.min_visibility),
        head_visible=detected & _pairs_visible(vis, HEAD_PAIRS, sc.min_visibility),
        trunk_deg=smooth[:, 0], lean_deg=smooth[:, 1], hips_forward_ratio=smooth[:, 2],
        hip_height_ratio=smooth[:, 3], wrist_height_ratio=smooth[:, 4],
        arm_reach_ratio=smooth[:, 5], knee_deg=smooth[:, 6], elbow_deg=smooth[:, 7],
        head_neck_deg=smooth[:, 8], twist_deg=twist, twist_rate_deg_s=rate,
        twist_jerk_deg_s3=jerk, yaw_deg=smooth[:, 9], hip_heading_deg=hip_heading,
        pelvis_yaw_deg=pelvis_yaw,
        tracking_break=~detected | jumped, bulge=bulge,
        elbow_behind_back=elbow_back, fps=fps, leg_length_m=leg_m,
    )
