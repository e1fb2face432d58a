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
from formcheck.analysis.signal import (
    hysteresis_runs,
    range_argmax,
    range_first_last,
    range_reduce,
    robust_range,
)
from formcheck.config import RepConfig
from formcheck.errors import ConfigError
from formcheck.report import Phase, Rep, new_phase, new_rep

#: Fraction of the robust range above the bottom that still counts as "at rest".
REST_LEVEL_FRAC = 0.15


def _squat_progress(s: BodySignals) -> np.ndarray:
    return -s.hip_height_ratio


def _deadlift_progress(s: BodySignals) -> np.ndarray:
    return s.wrist_height_ratio


def _row_progress(s: BodySignals) -> np.ndarray:
    return -s.arm_reach_ratio


#: Timestamps this close count as equal (float error of summed frame steps).
_TIME_EPS_S = 1e-6

#: Phase of the still moments a rep owns before it leaves rest.
SETUP_PHASE = "set-up"


@dataclass(frozen=True)
class RepProfile:
    progress: Callable[[BodySignals], np.ndarray]
    #: 2 phases split at the peak; 3 with a hold at the top (lockout); 1: not split
    phases: tuple[str, ...]
    #: Phase of the still moments a rep owns after it is back at rest.
    finish_phase: str
    #: Share of the still time between two reps that belongs to the rep before: a squat's
    #: standing is the lockout of the rep just finished (all of it); a deadlift's floor is
    #: first the end of the lowering, then the next pull's set-up (half each).
    rest_to_previous: float


REP_PROFILES: dict[str, RepProfile] = {
    "squat": RepProfile(_squat_progress, ("descent", "ascent"), "top", 1.0),
    "deadlift": RepProfile(_deadlift_progress, ("pull", "lockout", "lowering"), "finish", 0.5),
    "row": RepProfile(_row_progress, ("pull", "return"), "finish", 0.5),
}


#: The one movement phase of a rep counted while the exercise is not recognised: the
#: candidate's own names ("descent", "pull") would claim a lift nobody recognised (QA: a
#: deadlift's set-up called the "top" of a squat).
UNKNOWN_MOVEMENT_PHASE = "movement"


def rep_profile_for(sig: BodySignals, exercise: str) -> RepProfile | None:
    """The exercise's rep profile; for ``unknown`` the candidate whose progress signal moves
    the most, counted the same way but with neutral phase names (one ``movement`` phase
    between the still ``set-up`` and ``finish``): which lift it is was not recognised."""
    if exercise in REP_PROFILES:
        return REP_PROFILES[exercise]
    best, best_range = None, 0.0
    for name in sorted(REP_PROFILES):
        lo, hi = robust_range(REP_PROFILES[name].progress(sig))
        if np.isfinite(hi - lo) and hi - lo > best_range:
            best, best_range = REP_PROFILES[name], hi - lo
    if best is None:
        return None
    return RepProfile(best.progress, (UNKNOWN_MOVEMENT_PHASE,), "finish",
                      best.rest_to_previous)


def progress_signal(sig: BodySignals, exercise: str) -> np.ndarray:
    """The exercise's progress signal; for ``unknown`` the candidate that moves the most."""
    profile = rep_profile_for(sig, exercise)
    return profile.progress(sig) if profile else np.full(sig.t_s.shape, np.nan)


def _phases(names: tuple[str, ...], t: np.ndarray, x: np.ndarray, first: np.ndarray,
            last: np.ndarray, cfg: RepConfig) -> list[tuple[Phase, ...]]:
    """Phases of every rep ``first[i]..last[i]`` (inclusive): split at the peak of ``x``, or
    with a hold at the top (frames within ``lockout_level_frac`` of the way from the rep's
    lowest to its highest value) for three phases. Computed for all reps at once."""
    t0, t1 = t[first].tolist(), t[last].tolist()
    if len(names) == 1:  # the exercise not recognised: one neutral movement phase
        return [(Phase(names[0], a, b),) for a, b in zip(t0, t1, strict=True)]
    if len(names) == 2:
        tp = t[range_argmax(x, first, last)].tolist()
        n0, n1 = names
        return [(new_phase(n0, a, p), new_phase(n1, p, b))
                for a, p, b in zip(t0, tp, t1, strict=True)]
    top = range_reduce(np.fmax, x, first, last)
    rest = range_reduce(np.fmin, x, first, last)
    level = rest + cfg.lockout_level_frac * (top - rest)
    hold_start, hold_end = range_first_last(lambda frames, rep: x[frames] >= level[rep],
                                            first, last)
    if np.any(hold_start < 0):
        raise ConfigError(f"reps.lockout_level_frac={cfg.lockout_level_frac:g} leaves a rep "
                          "without a top; set it to at most 1")
    ths, the = t[hold_start].tolist(), t[hold_end].tolist()
    n0, n1, n2 = names
    return [(new_phase(n0, a, hs), new_phase(n1, hs, he), new_phase(n2, he, b))
            for a, hs, he, b in zip(t0, ths, the, t1, strict=True)]


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
    starts, ends = hysteresis_runs(x, lo + cfg.enter_level_frac * span,
                                   lo + cfg.exit_level_frac * span)
    if starts.size == 0:
        return ()
    first_seen = int(np.argmax(np.isfinite(x)))
    keep = starts > first_seen  # a rep under way when the clip starts is the set-up
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return ()
    # Each run extends back to the last rest frame before it and on to the first after it.
    rest_idx = np.flatnonzero(x <= lo + REST_LEVEL_FRAC * span)
    before = np.searchsorted(rest_idx, starts) - 1
    after = np.searchsorted(rest_idx, ends)
    if rest_idx.size:
        r0 = np.where(before >= 0, rest_idx[np.maximum(before, 0)], starts)
        r1 = np.where(after < rest_idx.size, rest_idx[np.minimum(after, rest_idx.size - 1)],
                      ends - 1)
    else:
        r0, r1 = starts, ends - 1
    depth = range_reduce(np.fmax, x, starts, ends - 1) - range_reduce(np.fmin, x, r0, r1)
    typical = float(np.median(depth))
    deep = ~(depth < cfg.min_depth_frac_of_median * typical)
    # Consecutive reps may share rest frames; a rep starts no earlier than the last counted
    # one ended, which depends on which reps were counted: one pass over the candidates.
    t0, t1 = t[r0].tolist(), t[r1].tolist()
    # A run with no rest frame after it (the frames so far end, or a live set's next rest is
    # not in yet) ends where it stopped.
    rested = (after < rest_idx.size).tolist()
    first: list[int] = []
    last: list[int] = []
    at_rest: list[bool] = []
    prev_end, prev_t = -1, 0.0
    for a, b, ta, tb, ok, r in zip(r0.tolist(), r1.tolist(), t0, t1, deep.tolist(), rested,
                                   strict=True):
        if a < prev_end:
            a, ta = prev_end, prev_t
        if ok and cfg.min_rep_duration_s <= tb - ta <= cfg.max_rep_duration_s:
            first.append(a)
            last.append(b)
            at_rest.append(r)
            prev_end, prev_t = b, tb
    if not first:
        return ()
    fa, la = np.array(first), np.array(last)
    phases = _phases(profile.phases, t, x, fa, la, cfg)
    sa, sb = _owned_frames(t, np.isfinite(x), fa, la, profile.rest_to_previous, cfg)
    # Every time read once, in one pass per array; a rep's first phase starts at its first
    # frame (the set-up's, or the movement's when it owns no set-up) and its last ends at its
    # last frame.
    ta, tb = t[sa].tolist(), t[sb].tolist()
    tca, tcb = t[fa].tolist(), t[la].tolist()
    finish = profile.finish_phase
    out = []
    for i, (a, b, core_a, core_b, ph, r) in enumerate(
            zip(sa.tolist(), sb.tolist(), first, last, phases, at_rest, strict=True)):
        if a < core_a:
            ph = (new_phase(SETUP_PHASE, ta[i], tca[i]), *ph)
        if b > core_b:
            ph = (*ph, new_phase(finish, tcb[i], tb[i]))
        out.append(new_rep(i + 1, ta[i], tb[i], ph, a, b, r))
    return tuple(out)


def _owned_frames(t: np.ndarray, seen: np.ndarray, first: np.ndarray, last: np.ndarray,
                  to_previous: float, cfg: RepConfig) -> tuple[np.ndarray, np.ndarray]:
    """First and last frames of every rep including the still moments it owns: up to
    ``setup_s`` before its movement (``first``) and ``finish_s`` after it (``last``), never
    into a neighbour's movement nor past a frame where the lifter is not ``seen``; the still
    time between two reps is split at the share ``to_previous`` of it. Consecutive reps may
    share one frame."""
    # A hair of tolerance: a set-up of exactly N frame steps keeps its N-th frame.
    a = np.searchsorted(t, t[first] - cfg.setup_s - _TIME_EPS_S, side="left")
    b = np.searchsorted(t, t[last] + cfg.finish_s + _TIME_EPS_S, side="right") - 1
    if first.size > 1:
        split = last[:-1] + np.floor(to_previous * (first[1:] - last[:-1])).astype(np.int64)
        b[:-1] = np.minimum(b[:-1], split)
        a[1:] = np.maximum(a[1:], split)
    # The last unseen frame at or before the frame ahead of each rep (-1: none) and the first
    # at or after the frame past it (len(t): none), looked up among the unseen frames only.
    unseen = np.flatnonzero(~seen)
    k = np.searchsorted(unseen, np.maximum(first - 1, 0), side="right") - 1
    unseen_before = np.where(k >= 0, unseen[np.maximum(k, 0)] if unseen.size else -1, -1)
    k = np.searchsorted(unseen, np.minimum(last + 1, len(t) - 1), side="left")
    unseen_after = np.where(k < unseen.size,
                            unseen[np.minimum(k, unseen.size - 1)] if unseen.size else 0, len(t))
    a = np.maximum(a, unseen_before + 1)
    b = np.minimum(b, unseen_after - 1)
    a = np.minimum(a, first)
    b = np.maximum(b, last)
    return a, b


def rep_index_per_frame(n: int, reps: tuple[Rep, ...]) -> np.ndarray:
    """``(T,)`` 1-based rep number per frame, 0 outside reps (a frame two reps share: the
    later rep's)."""
    if len(reps) > 1:
        first = np.array([r.start_frame for r in reps], dtype=np.int64)
        last = np.array([r.end_frame for r in reps], dtype=np.int64)
        if (np.all(first[1:] > first[:-1]) and np.all(last[1:] >= last[:-1])
                and first[0] >= 0 and last[-1] < n and np.all(last >= first)):
            # Reps in order (as segment_reps makes them): each keeps its frames up to where
            # the next starts, and those ranges are apart, so one running sum marks them all.
            own_last = last.copy()
            own_last[:-1] = np.minimum(last[:-1], first[1:] - 1)
            index = np.array([r.index for r in reps], dtype=np.int64)
            edges = np.zeros(n + 1, dtype=np.int64)
            edges[first] = index
            edges[own_last + 1] -= index
            return np.cumsum(edges[:n])
    out = np.zeros(n, dtype=np.int64)
    for rep in reps:
        out[rep.start_frame:rep.end_frame + 1] = rep.index
    return out


def phase_at(rep: Rep, t_s: float) -> str | None:
    for ph in rep.phases:
        if ph.start_s <= t_s <= ph.end_s:
            return ph.name
    return None
