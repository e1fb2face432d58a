"""Landmark-level synthetic lifts with exact truth: a stick figure that squats, deadlifts or rows,
with a known trunk angle, spinal bend (drawn into a synthetic back outline), lean-back at
lockout and twist, seen from any yaw.

Used by the tests (known answers), by ``bench/analysis_speed.py`` and for development before
rendered clips exist. It models what the pose estimator outputs (world landmarks, pixels and a
back outline), not a rendered body; see ``formcheck synth`` for rendered ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.sequence import BACK_PROFILE_POINTS, PoseSequence

# Body proportions (metres).
THIGH_M = 0.45
SHANK_M = 0.45
TRUNK_M = 0.52
HALF_SHOULDER_M = 0.19
HALF_HIP_M = 0.13
NECK_M = 0.17
UPPER_ARM_M = 0.30
FOREARM_M = 0.28
TORSO_DEPTH_M = 0.11
ANKLE_HEIGHT_M = 0.08
#: A neutral back's outline still bows a little between shoulder blades and buttocks
#: (thoracic curve): ~1.5% of the shoulder-hip chord, as measured on good-form side views.
NEUTRAL_OUTLINE_BULGE = 0.015


@dataclass(frozen=True)
class SynthRep:
    """Faults shown in one rep (true values)."""

    flexion_deg: float = 0.0  # total spinal bend at the rep's loaded extreme
    lean_back_deg: float = 0.0  # trunk behind vertical at lockout (hips pushed through)
    twist_deg: float = 0.0  # shoulder line rotation relative to the hips
    twist_duration_s: float = 0.2


@dataclass(frozen=True)
class SynthSpec:
    exercise: str = "deadlift"  # squat | deadlift | row | still
    reps: tuple[SynthRep, ...] = field(default_factory=lambda: (SynthRep(),) * 3)
    fps: float = 30.0
    rep_duration_s: float = 2.4
    pause_s: float = 0.6
    setup_s: float = 1.2
    yaw_deg: float = 90.0  # 0 facing the camera, 90 side on (facing image right), 180 away
    px_per_m: float = 400.0
    width: int = 1280
    height: int = 960
    noise_px: float = 0.0
    noise_m: float = 0.0
    jitter_t_s: float = 0.0  # random timestamp jitter (variable frame rate)
    back_profile: bool = True
    seed: int = 0
    #: The twist turns the shoulders about the trunk's own axis (as a spine twists: bent
    #: forward, one shoulder then drops as the other rises), not about the vertical.
    twist_about_spine: bool = False


@dataclass(frozen=True)
class SynthTruth:
    rep_start_s: tuple[float, ...]
    rep_end_s: tuple[float, ...]
    reps: tuple[SynthRep, ...]


def _timeline(spec: SynthSpec, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[tuple]]:
    """Progress ``p`` (0 rest .. 1 extreme), per-frame rep index (-1 outside) and rep spans."""
    p = np.zeros_like(t)
    rep_idx = np.full(t.shape, -1)
    spans = []
    start = spec.setup_s + spec.pause_s
    for i in range(len(spec.reps)):
        end = start + spec.rep_duration_s
        inside = (t >= start) & (t < end)
        tau = (t[inside] - start) / spec.rep_duration_s
        p[inside] = 0.5 * (1.0 - np.cos(2.0 * np.pi * tau))
        rep_idx[inside] = i
        spans.append((start, end))
        start = end + spec.pause_s
    return p, rep_idx, spans


def _rot(v: np.ndarray, deg: np.ndarray) -> np.ndarray:
    """Rotate 2-D sagittal vectors (forward, up) by ``deg`` towards forward (clockwise)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.stack([c * v[..., 0] + s * v[..., 1], -s * v[..., 0] + c * v[..., 1]], axis=-1)


def synthesize(spec: SynthSpec) -> tuple[PoseSequence, SynthTruth]:
    """Build a ``PoseSequence`` (with ``back_xy`` when asked) and its truth."""
    rng = np.random.default_rng(spec.seed)
    n_reps = len(spec.reps)
    total = spec.setup_s + spec.pause_s + n_reps * (spec.rep_duration_s + spec.pause_s) + 0.5
    n = int(round(total * spec.fps))
    t = np.arange(n) / spec.fps
    if spec.jitter_t_s > 0:
        t = t + rng.uniform(-spec.jitter_t_s, spec.jitter_t_s, n)
        t = np.sort(t) + np.arange(n) * 1e-6
    p, rep_idx, spans = _timeline(spec, t)

    reps = spec.reps
    # Faults belong to a rep and to the pause before it (a deadlift is set up at the floor).
    owner = np.searchsorted(np.array([e for _, e in spans]), t, side="right")
    owner = np.where((owner < n_reps) & (t >= spec.setup_s), owner, -1)
    flex = np.array([r.flexion_deg for r in reps] + [0.0])[owner]
    lean = np.array([r.lean_back_deg for r in reps] + [0.0])[owner]

    # Twist: fast (twist_duration_s) rotation at the rep's middle, back again slowly.
    twist = np.zeros_like(t)
    for i, r in enumerate(reps):
        if r.twist_deg == 0:
            continue
        t0 = spans[i][0] + 0.35 * spec.rep_duration_s
        up = np.clip((t - t0) / r.twist_duration_s, 0.0, 1.0)
        back_dur = max(2.5, r.twist_duration_s)  # slow, deliberate return
        down = np.clip((t - t0 - r.twist_duration_s - 0.2) / back_dur, 0.0, 1.0)
        ramp = 0.5 * (1 - np.cos(np.pi * up)) - 0.5 * (1 - np.cos(np.pi * down))
        twist += r.twist_deg * ramp

    ex = spec.exercise
    arms_bent = np.zeros_like(t)
    if ex == "squat":
        hip_h = 0.90 - 0.42 * p
        hip_back = 0.24 * p
        trunk = 5.0 + 35.0 * p
        bend = flex * p
    elif ex == "deadlift":
        # Setup standing, then reach down to the bar; reps go bar-on-floor -> lockout -> floor.
        q = np.where(rep_idx >= 0, p, 0.0)
        setup = np.clip((spec.setup_s - t) / 0.6, 0.0, 1.0)  # 1 while standing at the start
        q = np.maximum(q, setup)
        hip_h = 0.56 + 0.41 * q  # legs nearly straight at lockout (knees ~15 deg bent)
        hip_back = 0.24 * (1 - q) - 0.06 * (lean > 0) * q ** 4
        trunk = 55.0 * (1 - q) - lean * q ** 4
        bend = flex * (1 - q) - 0.5 * lean * q ** 4
        p = q
    elif ex == "row":
        hinge = np.clip((t - 0.4) / 0.6, 0.0, 1.0)
        hip_h = 0.90 - 0.12 * hinge
        hip_back = 0.20 * hinge
        trunk = 5.0 + 45.0 * hinge
        bend = flex * hinge
        arms_bent = p
    elif ex == "still":
        hip_h = np.full_like(t, 0.90)
        hip_back = np.zeros_like(t)
        trunk = np.full_like(t, 3.0)
        bend = np.zeros_like(t)
    else:
        raise ValueError(f"unknown synthetic exercise {ex!r}")

    # --- sagittal skeleton (forward, up) with the ankles at the origin
    ankle = np.zeros((n, 2)) + [0.0, ANKLE_HEIGHT_M]
    hip = np.stack([-hip_back, hip_h], axis=-1)
    leg = hip - ankle
    dist = np.minimum(np.linalg.norm(leg, axis=-1), THIGH_M + SHANK_M - 1e-6)
    along = leg / np.linalg.norm(leg, axis=-1, keepdims=True)
    perp = np.stack([along[:, 1], -along[:, 0]], axis=-1)  # forward side of the leg line
    perp *= np.sign(perp[:, :1] + 1e-12)
    knee = ankle + along * (dist / 2)[:, None] + perp * np.sqrt(
        np.maximum(SHANK_M ** 2 - (dist / 2) ** 2, 0.0))[:, None]
    trunk_dir = _rot(np.array([0.0, 1.0]), trunk)
    shoulder = hip + TRUNK_M * trunk_dir
    neck_dir = _rot(trunk_dir, 0.5 * bend + 10.0)
    ear = shoulder + NECK_M * neck_dir
    face_dir = _rot(neck_dir, 90.0)
    nose = ear + 0.09 * face_dir
    eye = ear + 0.07 * face_dir + 0.02 * neck_dir
    heel = ankle + [-0.06, -0.06]
    toe = ankle + [0.16, -0.07]
    # Arms: hang under gravity (deadlift), hold the bar at the shoulders (squat), row.
    down = np.array([0.0, -1.0])
    if ex == "squat":
        elbow = shoulder + 0.26 * np.array([-0.3, -0.95])
        wrist = shoulder + np.array([0.0, 0.05])
    else:
        upper_dir = _rot(down, 75.0 * arms_bent)  # elbows swing back in a row
        elbow = shoulder + UPPER_ARM_M * upper_dir
        wrist = elbow + FOREARM_M * down

    # --- to 3-D: body frame (forward F, up U, left Lf), rotated by the camera yaw
    yaw = np.radians(spec.yaw_deg)
    fwd = np.array([np.sin(yaw), 0.0, -np.cos(yaw)])
    upv = np.array([0.0, -1.0, 0.0])
    left = np.cross(upv, fwd)
    tw = np.radians(twist)

    def place(sag: np.ndarray, lateral: float | np.ndarray = 0.0,
              lat_dir: np.ndarray | None = None) -> np.ndarray:
        lat = left[None, :] if lat_dir is None else lat_dir
        lateral = np.asarray(lateral, dtype=np.float64).reshape(-1, 1)
        return sag[:, :1] * fwd + sag[:, 1:] * upv + lateral * lat

    if spec.twist_about_spine:
        # Rodrigues about the trunk's direction (perpendicular to ``left``); upright, this is
        # the turn about the vertical below.
        axis = trunk_dir[:, :1] * fwd + trunk_dir[:, 1:] * upv
        sh_lat = (np.cos(tw)[:, None] * left
                  + np.sin(tw)[:, None] * np.cross(left[None, :], axis))
    else:
        sh_lat = np.cos(tw)[:, None] * left + np.sin(tw)[:, None] * fwd
    pts = np.zeros((n, NUM_LANDMARKS, 3))
    for sign, side in ((1.0, "LEFT"), (-1.0, "RIGHT")):
        pts[:, L[f"{side}_HIP"]] = place(hip, sign * HALF_HIP_M)
        pts[:, L[f"{side}_KNEE"]] = place(knee, sign * HALF_HIP_M)
        pts[:, L[f"{side}_ANKLE"]] = place(ankle, sign * HALF_HIP_M)
        pts[:, L[f"{side}_HEEL"]] = place(heel, sign * HALF_HIP_M)
        pts[:, L[f"{side}_FOOT_INDEX"]] = place(toe, sign * HALF_HIP_M)
        pts[:, L[f"{side}_SHOULDER"]] = place(shoulder, sign * HALF_SHOULDER_M, sh_lat)
        lat_arm = sign * (HALF_SHOULDER_M + 0.02)
        for name, sag in (("ELBOW", elbow), ("WRIST", wrist), ("PINKY", wrist),
                          ("INDEX", wrist), ("THUMB", wrist)):
            pts[:, L[f"{side}_{name}"]] = place(sag, lat_arm, sh_lat)
        pts[:, L[f"{side}_EAR"]] = place(ear, sign * 0.07, sh_lat)
        for name in ("EYE_INNER", "EYE", "EYE_OUTER"):
            pts[:, L[f"{side}_{name}"]] = place(eye, sign * 0.03, sh_lat)
        pts[:, L[f"MOUTH_{side}"]] = place(nose - [0.0, 0.04], sign * 0.025, sh_lat)
    pts[:, L.NOSE] = place(nose, 0.0)

    # Back outline: off the shoulder-hip chord towards the back by the torso's depth plus a
    # parabolic bow whose end tangents differ by ``bend`` degrees (negative: concave).
    k = np.arange(BACK_PROFILE_POINTS) / (BACK_PROFILE_POINTS - 1)
    chord = hip - shoulder
    chord_len = np.linalg.norm(chord, axis=-1)
    back_n = -_rot(trunk_dir, 90.0)  # perpendicular to the trunk, pointing backwards
    sag = np.tan(np.radians(bend) / 2.0) / 4.0 + NEUTRAL_OUTLINE_BULGE  # fraction of chord
    offset = TORSO_DEPTH_M + (4.0 * sag * chord_len)[:, None] * (k * (1 - k))[None, :]
    outline = (shoulder[:, None, :] + k[None, :, None] * chord[:, None, :]
               + offset[..., None] * back_n[:, None, :])
    outline3 = (outline[..., :1] * fwd + outline[..., 1:] * upv)

    centre = np.array([spec.width / 2.0, spec.height * 0.75])

    def to_image(p3: np.ndarray) -> np.ndarray:
        return centre + spec.px_per_m * p3[..., :2]

    image = to_image(pts)
    hip_c = 0.5 * (pts[:, L.LEFT_HIP] + pts[:, L.RIGHT_HIP])
    world = pts - hip_c[:, None, :]
    back_xy = to_image(outline3) if spec.back_profile else None
    if spec.noise_px > 0:
        image = image + rng.normal(0.0, spec.noise_px, image.shape)
        if back_xy is not None:
            back_xy = back_xy + rng.normal(0.0, spec.noise_px, back_xy.shape)
    if spec.noise_m > 0:
        world = world + rng.normal(0.0, spec.noise_m, world.shape)
    vis = np.full((n, NUM_LANDMARKS), 0.99)
    # The image landmarks' depth: pixels, relative to the hips (as MediaPipe's image z).
    image_z = spec.px_per_m * world[..., 2]
    seq = PoseSequence(t_s=t, image_xy=image, world_xyz=world, visibility=vis, presence=vis,
                       back_xy=back_xy, width=spec.width, height=spec.height,
                       source=f"synthetic:{ex}", model="synthetic", image_z=image_z)
    truth = SynthTruth(rep_start_s=tuple(s for s, _ in spans),
                       rep_end_s=tuple(e for _, e in spans), reps=reps)
    return seq, truth
