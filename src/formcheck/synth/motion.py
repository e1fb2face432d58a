"""Lifting motions: a rep timeline, fault envelopes, and per-frame bone rotations.

Each exercise is a small profile (data): the pose at the top and at the bottom of a rep, the
order of its phases, and where each fault sits in a rep. The pose between is blended with a
smooth progress ``s`` (0 = top/lockout, 1 = bottom); legs and arms are solved with two-link IK
so the feet stay planted and the hands reach their targets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.synth.body import BodyModel, PosedBody, pose_bones, rot_x, rot_y
from formcheck.synth.scenario import Exercise, Fault, FaultKind, Scenario, TwistShape

LUMBAR_BONES = ("spine04", "spine03")
THORACIC_BONES = ("spine02", "spine01")
#: Share of an axial twist taken by each spine bone (sums to 1).
TWIST_SHARES = {"spine04": 0.1, "spine03": 0.2, "spine02": 0.3, "spine01": 0.4}
NECK_BONES = ("neck01", "neck02", "neck03")
#: Leaning back at an over-arched lockout, per degree of lumbar extension.
EXT_LEAN_BACK_DEG_PER_DEG = 0.3
#: Hips pushed forward at an over-arched lockout, metres per degree of lumbar extension.
EXT_HIPS_FORWARD_M_PER_DEG = 0.003
#: Share of a bent-over arch (``FaultKind.ARCH``) taken by tipping the pelvis forward; the
#: rest lifts the chest (the trunk's lean falls by it).
ARCH_PELVIS_SHARE = 0.5
#: Share of a backward trunk lean that the neck takes back to keep the gaze level.
NECK_LEVEL_BACK = 0.8
#: Longest reach of a two-link chain, as a fraction of its full length (avoids a locked joint).
MAX_REACH_FRACTION = 1.0
#: The bar sits this far below the wrists' midpoint (in the palms).
HAND_TO_BAR_M = 0.07
#: A back squat's hands grip the bar this far outside the shoulder joints (m): about one and a
#: half shoulder widths apart, the wrists this far below the bar (the hand wraps over it).
BACK_BAR_GRIP_OUTSIDE_M = 0.17
BACK_BAR_WRIST_BELOW_M = 0.06
#: A twist that stays (``TwistShape.STAY``) squares up over at least this long at the rep's end.
STAY_RETURN_MIN_S = 0.5
#: A heave's twist squares up over this share of the lowering phase.
HEAVE_RETURN_FRACTION = 0.6
#: Peak speed of the minimum-jerk ease (``_ease``), times the move's size over its duration.
EASE_PEAK_RATE = 1.875


@dataclass(frozen=True)
class Profile:
    """Key poses of one exercise. Lengths are fractions of the body's leg length."""

    hip_drop_bottom: float  # hip height lost at the bottom
    hip_back_bottom: float  # hip moved backwards at the bottom
    hip_drop_top: float
    hip_back_top: float
    pelvis_pitch_top_deg: float  # forward tilt of pelvis + neutral trunk
    pelvis_pitch_bottom_deg: float
    neck_follow: float  # head counter-rotation, as a fraction of the trunk's forward pitch
    arms: str  # "forward", "hang", "row"
    starts_at_bottom: bool  # deadlift: each rep starts from the floor
    # Phase fractions [0..1] of the concentric/eccentric parts where faults ramp, see _fault_window.


PROFILES: dict[Exercise, Profile] = {
    Exercise.SQUAT: Profile(0.50, 0.22, 0.0, 0.0, 0.0, 42.0, 0.6, "forward", False),
    Exercise.DEADLIFT: Profile(0.32, 0.22, 0.0, 0.0, 0.0, 58.0, 0.35, "hang", True),
    Exercise.ROW: Profile(0.10, 0.14, 0.10, 0.14, 45.0, 45.0, 0.35, "row", False),
}


def _trunk_lean_deg(body: BodyModel, posed: PosedBody) -> float:
    """Forward lean of the true shoulder-hip line (the joints' midpoints) from vertical."""
    h, b = posed.heads, body.bone
    d = (h[b("upperarm01.L")] + h[b("upperarm01.R")] - h[b("upperleg01.L")]
         - h[b("upperleg01.R")])
    return float(np.degrees(np.arctan2(d[2], d[1])))


@dataclass(frozen=True)
class RepTiming:
    """Times (s) of one rep's phase boundaries: ``start``, the end of each phase."""

    index: int  # 1-based
    start_s: float
    boundaries_s: tuple[float, ...]  # ends of the 4 phases
    phases: tuple[str, ...]

    @property
    def end_s(self) -> float:
        return self.boundaries_s[-1]

    def at(self, phase: str, frac: float) -> float:
        i = self.phases.index(phase)
        a = self.start_s if i == 0 else self.boundaries_s[i - 1]
        return a + frac * (self.boundaries_s[i] - a)


def rep_timeline(sc: Scenario) -> tuple[list[RepTiming], float]:
    """Rep phase times and the clip's duration."""
    tp = sc.tempo
    prof = PROFILES[sc.exercise]
    if sc.exercise is Exercise.SQUAT:
        phases = ("down", "bottom", "up", "top")
        durs = (tp.down_s, tp.bottom_s, tp.up_s, tp.top_s)
    elif prof.starts_at_bottom:  # deadlift: set-up at the floor, lift, lockout, lower
        phases = ("bottom", "up", "top", "down")
        durs = (tp.bottom_s, tp.up_s, tp.top_s, tp.down_s)
    else:  # row: pull (up), hold (top), lower (down), hang (bottom)
        phases = ("up", "top", "down", "bottom")
        durs = (tp.up_s, tp.top_s, tp.down_s, tp.bottom_s)
    reps = []
    t = tp.lead_in_s
    for k in range(sc.reps):
        b = tuple(float(x) for x in t + np.cumsum(durs))
        reps.append(RepTiming(k + 1, float(t), b, phases))
        t = b[-1]
    return reps, float(t + tp.lead_out_s)


def _ease(x: np.ndarray) -> np.ndarray:
    """Smooth 0 -> 1 (minimum-jerk polynomial), clipped outside [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (10.0 - 15.0 * x + 6.0 * x * x)


def progress(sc: Scenario, t: np.ndarray) -> np.ndarray:
    """``s(t)``: 0 at the top (lockout / arms pulled for rows), 1 at the bottom."""
    reps, _ = rep_timeline(sc)
    prof = PROFILES[sc.exercise]
    rest = 1.0 if (prof.starts_at_bottom or sc.exercise is Exercise.ROW) else 0.0
    s = np.full(t.shape, rest)
    for r in reps:
        for i, ph in enumerate(r.phases):
            a = r.start_s if i == 0 else r.boundaries_s[i - 1]
            b = r.boundaries_s[i]
            m = (t >= a) & (t < b)
            x = (t[m] - a) / max(b - a, 1e-9)
            s[m] = {"down": _ease(x), "up": 1.0 - _ease(x), "bottom": 1.0, "top": 0.0}[ph]
    if sc.exercise is Exercise.SQUAT:
        s[t >= reps[-1].end_s] = 0.0
    return s


def _trapezoid(t: np.ndarray, a: float, b: float, c: float, d: float) -> np.ndarray:
    """0 before a, eases up to 1 at b, 1 until c, eases down to 0 at d."""
    up = _ease((t - a) / max(b - a, 1e-9))
    down = 1.0 - _ease((t - c) / max(d - c, 1e-9))
    return np.where(t < b, up, np.where(t > c, down, 1.0)) * ((t >= a) & (t <= d))


def fault_window(sc: Scenario, rep: RepTiming,
                 kind: FaultKind) -> tuple[float, float, float, float]:
    """Where a fault of ``kind`` ramps in (a -> b), holds (b -> c) and ramps out (c -> d)."""
    ex = sc.exercise
    if kind in (FaultKind.FLEXION, FaultKind.ARCH):  # both where the back is bent over
        if ex is Exercise.SQUAT:
            return (rep.at("down", 0.3), rep.at("down", 1.0), rep.at("up", 0.0), rep.at("up", 0.7))
        if ex is Exercise.DEADLIFT:
            return (rep.at("bottom", 0.0), rep.at("bottom", 1.0), rep.at("up", 0.25),
                    rep.at("up", 0.65))
        return (rep.at("up", 0.0), rep.at("up", 0.4), rep.at("top", 1.0), rep.at("down", 0.7))
    if kind is FaultKind.EXTENSION:
        if ex is Exercise.SQUAT:
            return (rep.at("up", 0.6), rep.at("up", 1.0), rep.at("top", 0.6), rep.at("top", 1.0))
        if ex is Exercise.DEADLIFT:
            return (rep.at("up", 0.6), rep.at("up", 1.0), rep.at("top", 1.0), rep.at("down", 0.35))
        return (rep.at("up", 0.5), rep.at("up", 1.0), rep.at("top", 1.0), rep.at("down", 0.4))
    raise ValueError(kind)


def twist_window(sc: Scenario, rep: RepTiming, duration_s: float) -> tuple[float, float]:
    """A twist is centred on the hardest part of the concentric phase."""
    centre = rep.at("up", 0.35 if sc.exercise is not Exercise.ROW else 0.6)
    return centre - duration_s / 2.0, centre + duration_s / 2.0


def twist_envelope(sc: Scenario, rep: RepTiming,
                   f: Fault) -> tuple[float, float, float, float]:
    """``(a, b, c, d)`` of a twist that stays turned a while (not ``TwistShape.JERK``): it
    turns out from ``a`` to ``b`` (``duration_s``), holds to ``c`` and squares up by ``d``."""
    shape, dur = f.twist_shape, f.duration_s
    if shape is TwistShape.LEAD:
        a = rep.at("up", 0.0)
        c, d = rep.at("top", 0.0), rep.at("top", 1.0)
    elif shape is TwistShape.HEAVE:
        a = rep.at("up", 1.0 / 3.0)
        c, d = rep.at("down", 0.0), rep.at("down", HEAVE_RETURN_FRACTION)
    elif shape is TwistShape.STAY:
        a = twist_window(sc, rep, dur)[0]
        last = rep.start_s if len(rep.boundaries_s) < 2 else rep.boundaries_s[-2]
        d = rep.end_s
        c = min(last, d - STAY_RETURN_MIN_S)
    else:
        raise ValueError(shape)
    b = a + dur
    c = max(c, b)
    return a, b, c, max(d, c + 1e-3)


@dataclass(frozen=True)
class FaultTrack:
    kind: FaultKind
    rep: int
    interval_s: tuple[float, float]
    peak_deg: float
    values_deg: np.ndarray  # (T,) per-frame magnitude (a twist to the right is negative)
    #: Twists: the shape, the time to turn out (s) and the peak turning speed (deg/s).
    twist_shape: TwistShape | None = None
    rise_s: float = float("nan")
    peak_rate_deg_s: float = float("nan")


def fault_tracks(sc: Scenario, t: np.ndarray) -> list[FaultTrack]:
    reps, _ = rep_timeline(sc)
    out = []
    for f in sc.faults:
        for r in reps:
            if not f.applies_to(r.index) or f.magnitude_deg == 0:
                continue
            if f.kind is FaultKind.TWIST and f.twist_shape is TwistShape.JERK:
                a, d = twist_window(sc, r, f.duration_s)
                x = (t - a) / (d - a)
                inside = (x > 0.0) & (x < 1.0)
                vals = np.where(inside, f.magnitude_deg * np.sin(np.pi * x) ** 2, 0.0)
                # d/dt of A sin^2(pi x) peaks at pi A / duration (out and back in duration).
                out.append(FaultTrack(f.kind, r.index, (a, d), float(f.magnitude_deg), vals,
                                      f.twist_shape, f.duration_s / 2.0,
                                      float(np.pi * abs(f.magnitude_deg) / f.duration_s)))
                continue
            if f.kind is FaultKind.TWIST:
                a, b, c, d = twist_envelope(sc, r, f)
                vals = f.magnitude_deg * _trapezoid(t, a, b, c, d)
                rate = EASE_PEAK_RATE * abs(f.magnitude_deg) / min(b - a, d - c)
                out.append(FaultTrack(f.kind, r.index, (a, d), float(f.magnitude_deg), vals,
                                      f.twist_shape, b - a, float(rate)))
                continue
            a, b, c, d = fault_window(sc, r, f.kind)
            vals = f.magnitude_deg * _trapezoid(t, a, b, c, d)
            out.append(FaultTrack(f.kind, r.index, (a, d), float(f.magnitude_deg), vals))
    return out


@dataclass(frozen=True)
class Frame:
    """Posed skeleton of one frame plus the commanded spine angles."""

    posed: PosedBody
    flexion_lumbar_deg: float  # + flexion, - extension
    flexion_thoracic_deg: float
    twist_deg: float  # commanded axial rotation of the trunk (+ towards the lifter's left)
    bar_center: np.ndarray | None  # (3,) world, or None
    bar_axis: np.ndarray | None = None  # (3,) unit, world; None: the world's x (the floor's)


def _min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation taking direction ``a`` to direction ``b``."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    vx = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def _two_link(root: np.ndarray, target: np.ndarray, l1: float, l2: float,
              pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and (possibly pulled-in) end of a two-link chain bending towards ``pole``."""
    d_vec = target - root
    d = float(np.linalg.norm(d_vec))
    d_max = MAX_REACH_FRACTION * (l1 + l2)
    d_min = abs(l1 - l2) + 1e-4
    d_clamped = float(np.clip(d, d_min, d_max))
    u = d_vec / d
    end = root + u * d_clamped
    n = pole - np.dot(pole, u) * u
    n /= np.linalg.norm(n)
    cos_a = (l1 * l1 + d_clamped * d_clamped - l2 * l2) / (2.0 * l1 * d_clamped)
    a = np.arccos(np.clip(cos_a, -1.0, 1.0))
    mid = root + l1 * (np.cos(a) * u + np.sin(a) * n)
    return mid, end


class Poser:
    """Builds the per-frame skeleton of a scenario for one body."""

    def __init__(self, sc: Scenario, body: BodyModel) -> None:
        self.sc = sc
        self.body = body
        self.prof = PROFILES[sc.exercise]
        if sc.squat_bar:
            self.prof = replace(self.prof, arms="back_bar")
        b = body.bone
        h = body.bone_heads
        self.idx = {n: b(n) for n in body.bone_names}
        self.leg_len = float(h[b("upperleg01.L"), 1] - h[b("foot.L"), 1])
        self.hip_rest = h[b("root")].copy()
        self.arm_len = {
            s: (float(np.linalg.norm(h[b(f"lowerarm01.{s}")] - h[b(f"upperarm01.{s}")])),
                float(np.linalg.norm(h[b(f"wrist.{s}")] - h[b(f"lowerarm01.{s}")])))
            for s in "LR"
        }
        self.leg_seg = {
            s: (float(np.linalg.norm(h[b(f"lowerleg01.{s}")] - h[b(f"upperleg01.{s}")])),
                float(np.linalg.norm(h[b(f"foot.{s}")] - h[b(f"lowerleg01.{s}")])))
            for s in "LR"
        }
        #: A back squat's grip, either side of the bar's middle (m).
        self.grip_m = 0.5 * float(np.linalg.norm(h[b("upperarm01.L")] - h[b("upperarm01.R")])) \
            + BACK_BAR_GRIP_OUTSIDE_M
        #: A neutral spine other than the rest one (``Scenario.neutral_lumbar_flexion_deg``):
        #: the lumbar bones' flexion, and the pelvis' backward tip that keeps the trunk's lean
        #: at the bottom of a rep as it was (0, 0: the rest spine).
        self.neutral_lumbar_deg = 0.0
        self.neutral_pelvis_deg = 0.0
        self._set_neutral(sc.neutral_lumbar_flexion_deg)
        self.bar_height = None
        if self.prof.arms == "hang":
            # The bar rests on the floor at the bottom: its plates' radius is the hand height there.
            f = self._frame(1.0, 0.0, 0.0, 0.0, 0.0)
            self.bar_height = float(f.bar_center[1]) if f.bar_center is not None else None

    def _set_neutral(self, lumbar_deg: float) -> None:
        from scipy.optimize import brentq

        if lumbar_deg == 0.0:
            return
        target = _trunk_lean_deg(self.body, self._frame(1.0, 0.0, 0.0, 0.0, 0.0).posed)
        self.neutral_lumbar_deg = lumbar_deg

        def off(share: float) -> float:
            self.neutral_pelvis_deg = share * lumbar_deg
            return _trunk_lean_deg(self.body, self._frame(1.0, 0.0, 0.0, 0.0, 0.0).posed) - target

        # The lumbar bones pivot above the hips, so tipping the pelvis back by the whole
        # flexion would lean the trunk less; by none, more.
        share = brentq(off, 0.0, 1.5, xtol=1e-9)
        self.neutral_pelvis_deg = share * lumbar_deg

    def frames(self, t: np.ndarray) -> tuple[list[Frame], list[FaultTrack]]:
        s = progress(self.sc, t)
        tracks = fault_tracks(self.sc, t)
        flex = np.zeros_like(t)
        lumbar_flex = np.zeros_like(t)
        ext = np.zeros_like(t)
        arch = np.zeros_like(t)
        twist = np.zeros_like(t)
        for tr in tracks:
            if tr.kind is FaultKind.FLEXION:
                f = next(x for x in self.sc.faults if x.kind is FaultKind.FLEXION
                         and x.applies_to(tr.rep))
                flex += tr.values_deg
                lumbar_flex += tr.values_deg * f.lumbar_fraction
            elif tr.kind is FaultKind.EXTENSION:
                ext += tr.values_deg
            elif tr.kind is FaultKind.ARCH:
                arch += tr.values_deg
            else:
                twist += tr.values_deg
        frames = [self._frame(float(s[i]), float(lumbar_flex[i]),
                              float(flex[i] - lumbar_flex[i]), float(ext[i]), float(twist[i]),
                              float(arch[i]))
                  for i in range(len(t))]
        return frames, tracks

    def _frame(self, s: float, lumbar_deg: float, thoracic_deg: float, ext_deg: float,
               twist_deg: float, arch_deg: float = 0.0) -> Frame:
        body, prof, ix = self.body, self.prof, self.idx
        n = len(body.bone_names)
        local = np.tile(np.eye(3), (n, 1, 1))
        drop = (prof.hip_drop_top + s * (prof.hip_drop_bottom - prof.hip_drop_top)) * self.leg_len
        back = (prof.hip_back_top + s * (prof.hip_back_bottom - prof.hip_back_top)) * self.leg_len
        pitch = prof.pelvis_pitch_top_deg + s * (
            prof.pelvis_pitch_bottom_deg - prof.pelvis_pitch_top_deg)
        # A deeper hinge: at the bottom of a deadlift or squat, through the whole of a row.
        pitch += self.sc.hinge_deg * (1.0 if self.sc.exercise is Exercise.ROW else s)
        # A neutral spine other than the rest one: the lumbar bones flexed, the pelvis tipped
        # back so the trunk leans as it did; not a fault (the truth's zero).
        pitch -= self.neutral_pelvis_deg
        lumbar_deg += self.neutral_lumbar_deg
        pitch -= EXT_LEAN_BACK_DEG_PER_DEG * ext_deg
        forward = EXT_HIPS_FORWARD_M_PER_DEG * ext_deg
        # Arched while bent over: the lumbar bones extend, the pelvis tips forward by a share.
        pitch += ARCH_PELVIS_SHARE * arch_deg
        ext_deg = ext_deg + arch_deg  # from here on: all lumbar extension
        local[ix["root"]] = rot_x(pitch)
        lumbar = lumbar_deg - ext_deg
        for name in LUMBAR_BONES:
            local[ix[name]] = rot_x(lumbar / len(LUMBAR_BONES))
        for name in THORACIC_BONES:
            local[ix[name]] = rot_x(thoracic_deg / len(THORACIC_BONES))
        for name, share in TWIST_SHARES.items():
            local[ix[name]] = local[ix[name]] @ rot_y(twist_deg * share)
        trunk_pitch = pitch + lumbar_deg + thoracic_deg - ext_deg
        # Forward: the head partly follows the trunk; leaning back, the gaze stays level.
        neck = -prof.neck_follow * max(trunk_pitch, 0.0) - NECK_LEVEL_BACK * min(trunk_pitch, 0.0)
        for name in NECK_BONES:
            local[ix[name]] = rot_x(neck / len(NECK_BONES))
        offset = np.array([0.0, -drop, forward - back])
        posed = pose_bones(body, local, offset)
        # Lower the hips where a leg could not otherwise reach its planted foot.
        h = body.bone_heads
        lower = 0.0
        for side in "LR":
            d = posed.heads[ix[f"upperleg01.{side}"]] - h[ix[f"foot.{side}"]]
            reach = sum(self.leg_seg[side])
            horiz2 = d[0] ** 2 + d[2] ** 2
            if d @ d > reach * reach and horiz2 < reach * reach:
                lower = max(lower, d[1] - np.sqrt(reach * reach - horiz2) + 1e-9)
        if lower > 0.0:
            offset[1] -= lower
            posed = pose_bones(body, local, offset)
        # Legs: feet stay where they stand at rest; two-link IK with the knees forward (and a
        # little out, over the toes).
        for side, sign in (("L", 1.0), ("R", -1.0)):
            hip_i, knee_i, foot_i = ix[f"upperleg01.{side}"], ix[f"lowerleg01.{side}"], \
                ix[f"foot.{side}"]
            hip = posed.heads[hip_i]
            ankle = h[foot_i]
            l1, l2 = self.leg_seg[side]
            knee, _ = _two_link(hip, ankle, l1, l2, np.array([0.15 * sign, 0.0, 1.0]))
            parent_rot = posed.rotations[body.bone_parents[hip_i]]
            r_thigh = _min_rotation(h[knee_i] - h[hip_i], knee - hip)
            r_shank = _min_rotation(h[foot_i] - h[knee_i], ankle - knee)
            local[hip_i] = parent_rot.T @ r_thigh
            local[knee_i] = r_thigh.T @ r_shank
            local[foot_i] = r_shank.T
        posed = pose_bones(body, local, offset)
        bar, axis = self._arms(local, posed, s, offset)
        posed = pose_bones(body, local, offset)
        return Frame(posed, lumbar_deg - self.neutral_lumbar_deg - ext_deg, thoracic_deg,
                     twist_deg, bar, axis)

    def _arms(self, local: np.ndarray, posed: PosedBody, s: float,
              offset: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Poses the arms in ``local``; returns the bar's centre and axis (None, None: no
        bar; axis None: along the floor's x)."""
        body, ix, h = self.body, self.idx, self.body.bone_heads
        hands = []
        if self.prof.arms == "back_bar":
            # A high bar across the upper back, just above and behind the shoulder joints,
            # along the shoulder line (so it turns with the shoulders); the hands grip it
            # ``grip_m`` either side of the middle, the wrists just below it.
            sh_l, sh_r = posed.heads[ix["upperarm01.L"]], posed.heads[ix["upperarm01.R"]]
            across = (sh_l - sh_r) / np.linalg.norm(sh_l - sh_r)
            mid_hip = (posed.heads[ix["upperleg01.L"]] + posed.heads[ix["upperleg01.R"]]) / 2
            up = (sh_l + sh_r) / 2 - mid_hip
            up = up - (up @ across) * across
            up /= np.linalg.norm(up)
            behind = -np.cross(across, up)  # across x up is the lifter's forward
            bar_axis = across
            bar_center = (sh_l + sh_r) / 2 + 0.04 * up + 0.07 * behind
        for side, sign in (("L", 1.0), ("R", -1.0)):
            sh_i, el_i, wr_i = ix[f"upperarm01.{side}"], ix[f"lowerarm01.{side}"], \
                ix[f"wrist.{side}"]
            shoulder = posed.heads[sh_i]
            l1, l2 = self.arm_len[side]
            reach = l1 + l2
            if self.prof.arms == "forward":
                target = shoulder + reach * np.array([-0.08 * sign, -0.05, 1.0])
                pole = np.array([sign * 0.3, -1.0, 0.0])
            elif self.prof.arms == "back_bar":
                target = (bar_center + sign * self.grip_m * bar_axis
                          - BACK_BAR_WRIST_BELOW_M * up)
                pole = -up + 0.6 * behind + 0.3 * sign * bar_axis
            else:
                hang = shoulder + reach * np.array([0.05 * sign, -1.0, 0.05])
                if self.prof.arms == "row":
                    # Pull towards the lower ribs: hands rise and come back beside the torso.
                    pulled = shoulder + np.array([0.06 * sign, -0.55 * reach, -0.05 * reach])
                    target = hang + (1.0 - s) * (pulled - hang)
                    pole = np.array([sign * 0.6, 0.4, -1.0])
                else:
                    target = hang
                    pole = np.array([sign * 0.2, 0.0, -1.0])
            elbow, hand = _two_link(shoulder, target, l1, l2, pole)
            parent_rot = posed.rotations[body.bone_parents[sh_i]]
            r_upper = _min_rotation(h[el_i] - h[sh_i], elbow - shoulder)
            r_fore = _min_rotation(h[wr_i] - h[el_i], hand - elbow)
            local[sh_i] = parent_rot.T @ r_upper
            local[el_i] = r_upper.T @ r_fore
            hands.append(hand)
        if self.prof.arms == "forward":
            return None, None
        if self.prof.arms == "back_bar":
            return bar_center, bar_axis
        return (hands[0] + hands[1]) / 2.0 - np.array([0.0, HAND_TO_BAR_M, 0.0]), None
