"""Rep segmentation and phases.

Each exercise has a progress signal that grows as the lifter moves into the rep (hips lower in
a squat, bar higher in a deadlift, hands closer to the shoulders in a row). A rep is a run of
that signal above an entry level, switched with hysteresis (it must fall below a lower exit
level to end), extended to where it left and returned to rest. Runs that are too short, too
long, too shallow compared with the set's typical rep, or already under way when the clip
starts (getting set up) are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from formcheck.analysis.features import BodySignals
from formcheck.analysis.signal import hysteresis, robust_range, runs
from formcheck.config import RepConfig
from formcheck.report import Phase, Rep

#: Fraction of the robust range above the bottom that still counts as "at rest".
REST_LEVEL_FRAC = 0.15


def _squat_progress(s: BodySignals) -> np.ndarray:
    return -s.hip_height_ratio


def _deadlift_progress(s: BodySignals) -> np.ndarray:
    return s.wrist_height_ratio


def _row_progress(s: BodySignals) -> np.ndarray:
    return -s.arm_reach_ratio


@dataclass(frozen=True)
class RepProfile:
    progress: Callable[[BodySignals], np.ndarray]
    phases: tuple[str, ...]  # 2 phases split at the peak; 3 with a hold at the top (lockout)


REP_PROFILES: dict[str, RepProfile] = {
    "squat": RepProfile(_squat_progress, ("descent", "ascent")),
    "deadlift": RepProfile(_deadlift_progress, ("pull", "lockout", "lowering")),
    "row": RepProfile(_row_progress, ("pull", "return")),
}


def rep_profile_for(sig: BodySignals, exercise: str) -> RepProfile | None:
    """The exercise's rep profile; for ``unknown`` the candidate whose progress signal moves
    the most (its phase names then describe the movement that was counted)."""
    if exercise in REP_PROFILES:
        return REP_PROFILES[exercise]
    best, best_range = None, 0.0
    for name in sorted(REP_PROFILES):
        lo, hi = robust_range(REP_PROFILES[name].progress(sig))
        if np.isfinite(hi - lo) and hi - lo > best_range:
            best, best_range = REP_PROFILES[name], hi - lo
    return best


def progress_signal(sig: BodySignals, exercise: str) -> np.ndarray:
    """The exercise's progress signal; for ``unknown`` the candidate that moves the most."""
    profile = rep_profile_for(sig, exercise)
    return profile.progress(sig) if profile else np.full(sig.t_s.shape, np.nan)


def _phases(names: tuple[str, ...], t: np.ndarray, x: np.ndarray, start: int, end: int,
            cfg: RepConfig) -> tuple[Phase, ...]:
    seg = x[start:end + 1]
    peak = start + int(np.nanargmax(seg))
    if len(names) == 2:
        return (Phase(names[0], float(t[start]), float(t[peak])),
                Phase(names[1], float(t[peak]), float(t[end])))
    rest = float(np.nanmin(seg))
    level = rest + cfg.lockout_level_frac * (float(x[peak]) - rest)
    top = start + np.flatnonzero(seg >= level)
    hold_start, hold_end = int(top[0]), int(top[-1])
    return (Phase(names[0], float(t[start]), float(t[hold_start])),
            Phase(names[1], float(t[hold_start]), float(t[hold_end])),
            Phase(names[2], float(t[hold_end]), float(t[end])))


def segment_reps(sig: BodySignals, exercise: str, cfg: RepConfig) -> tuple[Rep, ...]:
    """Reps with phases and frames (``end_frame`` is the rep's last frame, inclusive)."""
    t = sig.t_s
    profile = rep_profile_for(sig, exercise)
    if profile is None:
        return ()
    x = np.where(sig.trunk_visible, profile.progress(sig), np.nan)
    lo, hi = robust_range(x)
    if not np.isfinite(hi - lo) or hi - lo < cfg.min_range_ratio:
        return ()
    span = hi - lo
    active = hysteresis(x, lo + cfg.enter_level_frac * span, lo + cfg.exit_level_frac * span)
    starts, ends = runs(active)
    if starts.size == 0:
        return ()
    first_seen = int(np.flatnonzero(np.isfinite(x))[0])
    keep = starts > first_seen  # a rep under way when the clip starts is the set-up
    starts, ends = starts[keep], ends[keep]
    rest_idx = np.flatnonzero(x <= lo + REST_LEVEL_FRAC * span)
    candidates = []
    for s, e in zip(starts, ends, strict=True):
        i = int(np.searchsorted(rest_idx, s))  # last rest frame before the run
        j = int(np.searchsorted(rest_idx, e))  # first rest frame after it
        r0 = int(rest_idx[i - 1]) if i > 0 else int(s)
        r1 = int(rest_idx[j]) if j < rest_idx.size else int(e - 1)
        peak = s + int(np.nanargmax(x[s:e]))
        depth = float(x[peak] - np.nanmin(x[r0:r1 + 1]))
        candidates.append((r0, r1, depth))
    if not candidates:
        return ()
    typical = float(np.median([c[2] for c in candidates]))
    reps: list[Rep] = []
    prev_end = -1
    for r0, r1, depth in candidates:
        r0 = max(r0, prev_end)
        duration = float(t[r1] - t[r0])
        if depth < cfg.min_depth_frac_of_median * typical:
            continue
        if not cfg.min_rep_duration_s <= duration <= cfg.max_rep_duration_s:
            continue
        reps.append(Rep(index=len(reps) + 1, start_s=float(t[r0]), end_s=float(t[r1]),
                        phases=_phases(profile.phases, t, x, r0, r1, cfg),
                        start_frame=r0, end_frame=r1))
        prev_end = r1
    return tuple(reps)


def rep_index_per_frame(n: int, reps: tuple[Rep, ...]) -> np.ndarray:
    """``(T,)`` 1-based rep number per frame, 0 outside reps."""
    out = np.zeros(n, dtype=np.int64)
    for rep in reps:
        out[rep.start_frame:rep.end_frame + 1] = rep.index
    return out


def phase_at(rep: Rep, t_s: float) -> str | None:
    for ph in rep.phases:
        if ph.start_s <= t_s <= ph.end_s:
            return ph.name
    return None
