"""Rep segmentation and phases.

Each exercise has a progress signal that grows as the lifter moves into the rep (hips lower in
a squat, bar higher in a deadlift, hands closer to the shoulders in a row). A rep is a run of
that signal above an entry level, switched with hysteresis (it must fall below a lower exit
level to end), extended to where it left and returned to rest. Runs that are too short, too
long, too shallow compared with the set's typical rep, or already under way when the clip
starts (getting set up) are not counted. When none is counted, ``count_reps`` says why, from
what it measured (``RepCount.why_none``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from formcheck.analysis.features import BodySignals
from formcheck.analysis.signal import (
    fill_gaps,
    finite_values,
    hysteresis_runs,
    range_argmax,
    range_first_last,
    range_reduce,
    robust_range_over_time,
    runs,
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
    #: What the progress signal's range measures, in a lifter's words (``why_none``): the
    #: movement, and the body length its unit is.
    movement: str = "the body moved"
    unit: str = "a leg length"


REP_PROFILES: dict[str, RepProfile] = {
    "squat": RepProfile(_squat_progress, ("descent", "ascent"), "top", 1.0,
                        "the hips went down and up", "a leg length"),
    "deadlift": RepProfile(_deadlift_progress, ("pull", "lockout", "lowering"), "finish", 0.5,
                           "the hands went up and down", "a leg length"),
    "row": RepProfile(_row_progress, ("pull", "return"), "finish", 0.5,
                      "the hands came in towards the shoulders and back", "an arm length"),
}


#: The one movement phase of a rep counted while the exercise is not recognised: the
#: candidate's own names ("descent", "pull") would claim a lift nobody recognised (QA: a
#: deadlift's set-up called the "top" of a squat).
UNKNOWN_MOVEMENT_PHASE = "movement"


def _movement_spread(x: np.ndarray) -> float:
    """How much ``x`` moves over the whole clip: the mean distance of its finite values from
    their median (NaN: none). Each frame weighs the same, so one short movement adds only its
    share of the frames, and a frame or two more or less moves it by as little; a percentile
    range does not have that property: when one movement fills about the last 5% of the
    frames, the 95th percentile sits on its steep flank, and dropping two of its frames
    moved it by a quarter of a leg length (QA: a real deadlift counted 5 reps, or 2)."""
    v = finite_values(x)
    if v.size == 0:
        return float("nan")
    return float(np.mean(np.abs(v - np.median(v))))


def rep_profile_for(sig: BodySignals, exercise: str) -> RepProfile | None:
    """The exercise's rep profile; for ``unknown`` the candidate whose progress signal moves
    the most over the clip (``_movement_spread``), counted the same way but with neutral
    phase names (one ``movement`` phase between the still ``set-up`` and ``finish``): which
    lift it is was not recognised."""
    if exercise in REP_PROFILES:
        return REP_PROFILES[exercise]
    best, best_spread = None, 0.0
    for name in sorted(REP_PROFILES):
        spread = _movement_spread(REP_PROFILES[name].progress(sig))
        if np.isfinite(spread) and spread > best_spread:
            best, best_spread = REP_PROFILES[name], spread
    if best is None:
        return None
    return RepProfile(best.progress, (UNKNOWN_MOVEMENT_PHASE,), "finish",
                      best.rest_to_previous, best.movement, best.unit)


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


#: Why no rep was counted when no more can be said (``RepCount.why_none``).
NO_REP_CAUSE = "no full movement out of the rest position and back was found"


@dataclass(frozen=True)
class _Movement:
    """A candidate rep that was not counted: when it left rest, how long until it was back
    (without a rest frame after it: until it fell below the exit level, or the frames
    ended), its depth against the set's typical one, and whether a rest frame followed it."""

    start_s: float
    duration_s: float
    depth_of_typical: float
    deep: bool
    rested: bool
    #: the share of its frames on which the trunk was seen
    seen_frac: float


@dataclass(frozen=True)
class _Shortfall:
    """The deepest movement that left rest (past the exit level) but never reached the entry
    level: its peak's time, how far it went from the bottom of the range and how far a rep
    had to go (the entry level), in the signal's unit, the whole range, and whether it came
    back below the exit level before the frames ended."""

    peak_s: float
    went: float
    need: float
    span: float
    back: bool


def _shortfall(t: np.ndarray, x: np.ndarray, lo: float, span: float, cfg: RepConfig
               ) -> _Shortfall | None:
    """The deepest run of ``x`` (range ``lo`` .. ``lo + span``) at or above the exit level
    that stays under the entry level (None: none)."""
    on, off = lo + cfg.enter_level_frac * span, lo + cfg.exit_level_frac * span
    starts, ends = runs(x >= off)
    if starts.size == 0:
        return None
    top = range_reduce(np.fmax, x, starts, ends - 1)
    under = np.flatnonzero(top < on)
    if under.size == 0:
        return None
    k = under[int(np.argmax(top[under]))]
    peak = int(range_argmax(x, starts[k:k + 1], ends[k:k + 1] - 1)[0])
    return _Shortfall(float(t[peak]), float(top[k] - lo), float(on - lo), span,
                      bool(ends[k] < x.size))


def _apart(value: float, need: float, percent: bool = False) -> tuple[str, str]:
    """``value`` and the ``need`` it missed, written (as percentages if ``percent``) with as
    many decimals as it takes to tell them apart: a range of 11.8% against the 12% needed
    must not read "12%, under the 12% a rep needs"."""
    kind = "%" if percent else "f"
    for digits in range(4):
        a, b = f"{value:.{digits}{kind}}", f"{need:.{digits}{kind}}"
        if a != b:
            break
    return a, f"{need:g}" if not percent and float(b) == need else b


def _why_too_little(sig: BodySignals, profile: RepProfile, x: np.ndarray, span: float,
                    exercise: str, cfg: RepConfig) -> str:
    """Why no rep was counted when the progress signal ``x`` (NaN where the trunk was not
    seen) moved less than ``reps.min_range_ratio``: by how much it moved, in the unit a
    lifter knows, over how many frames it was seen."""
    n_seen = int(np.isfinite(x).sum())
    if n_seen == 0:
        if not sig.trunk_visible.any():
            return "the shoulders and hips were not seen clearly in any frame"
        return ("the movement could not be measured in any frame where the shoulders and hips "
                "were seen clearly")
    moved, need = _apart(float(span), cfg.min_range_ratio, percent=True)
    # The range is taken between the 5th and 95th percentiles (robust to stray frames): say so,
    # as a long still stretch can hide one movement in the last 5%.
    why = (f"{profile.movement} by only {moved} of {profile.unit} over 90% of the frames "
           f"(5th to 95th percentile), under the {need} a rep needs")
    if exercise not in REP_PROFILES:
        why = f"the lift was not recognised, and its largest movement was too small: {why}"
    n_person = int(sig.detected.sum())
    if n_seen < n_person:
        why += (f", in the {n_seen} of {n_person} frames with the lifter where the shoulders "
                "and hips were seen clearly")
    return why


def _movements(n: int, only: bool) -> str:
    if only:
        return "the only movement" if n == 1 else f"all {n} movements"
    return "a movement" if n == 1 else f"{n} movements"


def _why_rejected(set_up_s: float | None, tried: tuple[_Movement, ...],
                  short_of: _Shortfall | None, end_s: float, profile: RepProfile,
                  cfg: RepConfig) -> str:
    """Why none of the candidate reps was counted: the deepest movement that never went far
    enough (``short_of``), each of ``tried`` too short, too long, too shallow against the
    set's typical one, or not back at rest when the frames ended (at ``end_s``), and the
    lifter already out of the rest position when first seen (at ``set_up_s``; None: not)."""
    hidden = [m for m in tried if m.deep and m.seen_frac < cfg.min_seen_frac]
    seen = [m for m in tried if m not in hidden]
    unfinished = [m for m in seen if m.deep and not m.rested]
    shallow = [m for m in seen if not m.deep]
    short = [m for m in seen if m.deep and m.rested
             and m.duration_s < cfg.min_rep_duration_s]
    long = [m for m in seen if m.deep and m.rested and m.duration_s > cfg.max_rep_duration_s]
    groups = [g for g in (unfinished, shallow, short, long, hidden) if g]
    only = set_up_s is None and short_of is None and len(groups) == 1
    # The movements most like a rep first (a video's panel may show only the first words).
    clauses = []
    if short_of is not None:
        went, need = _apart(short_of.went, short_of.need, percent=True)
        clauses.append(f"{profile.movement} by {went} of {profile.unit} around "
                       f"{short_of.peak_s:.1f} s"
                       f"{'' if short_of.back else ' without coming back before the clip ended'}"
                       f", under the {need} a rep needed in this clip: "
                       f"{cfg.enter_level_frac:.0%} of the range of 90% of its frames "
                       "(5th to 95th percentile), "
                       f"{short_of.span:.0%} of {profile.unit}")
    if short:
        lasted, need = _apart(max(m.duration_s for m in short), cfg.min_rep_duration_s)
        clauses.append(f"{_movements(len(short), only)} out of the rest position and back "
                       f"lasted {'' if len(short) == 1 else 'at most '}{lasted} s, under "
                       f"the {need} s a rep lasts at least")
    if long:
        lasted, need = _apart(min(m.duration_s for m in long), cfg.max_rep_duration_s)
        clauses.append(f"{_movements(len(long), only)} out of the rest position and back "
                       f"lasted {'' if len(long) == 1 else 'at least '}{lasted} s, over "
                       f"the {need} s a rep may last")
    if shallow:
        most, need = _apart(max(m.depth_of_typical for m in shallow),
                            cfg.min_depth_frac_of_median, percent=True)
        clauses.append(f"{_movements(len(shallow), False)} went "
                       f"{'only' if len(shallow) == 1 else 'at most'} {most} as deep as "
                       f"the set's typical one, under the {need} a rep needs")
    if hidden:
        most, need = _apart(max(m.seen_frac for m in hidden), cfg.min_seen_frac, percent=True)
        clauses.append(f"{_movements(len(hidden), only)} out of the rest position "
                       f"{'was' if len(hidden) == 1 else 'were'} seen on "
                       f"{'only' if len(hidden) == 1 else 'at most'} {most} of "
                       f"{'its' if len(hidden) == 1 else 'their'} frames (the shoulders and "
                       f"hips hidden), under the {need} a rep needs")
    for m in unfinished:
        clauses.append(f"the movement that started at {m.start_s:.1f} s had not come back to "
                       f"rest when the clip ended, at {end_s:.1f} s")
    if set_up_s is not None:
        clauses.append("the lifter was already out of the rest position when first seen, at "
                       f"{set_up_s:.1f} s, and the movement back to it counts as getting set "
                       "up, not as a rep")
    return "; ".join(clauses) if clauses else NO_REP_CAUSE


@dataclass(frozen=True)
class RepCount:
    """The reps counted, and when there are none, why (``count_reps``)."""

    reps: tuple[Rep, ...]
    #: Why no rep was counted, from what was measured, as a clause ("the hips went down and
    #: up by only 4% of a leg length, under the 12% a rep needs"); None when one was.
    why_none: str | None = None


def segment_reps(sig: BodySignals, exercise: str, cfg: RepConfig) -> tuple[Rep, ...]:
    """Reps with phases and frames (``end_frame`` is the rep's last frame, inclusive)."""
    return count_reps(sig, exercise, cfg).reps


def count_reps(sig: BodySignals, exercise: str, cfg: RepConfig) -> RepCount:
    """``segment_reps``'s reps, and with none, why none was counted (``RepCount.why_none``)."""
    t = sig.t_s
    profile = rep_profile_for(sig, exercise)
    if profile is None:
        return RepCount((), "the lift was not recognised and no movement of the hips or hands "
                            "could be measured")
    raw = np.where(sig.trunk_visible, profile.progress(sig), np.nan)
    x = fill_gaps(t, raw, cfg.max_gap_s)
    lo, hi = robust_range_over_time(x, t)
    if not np.isfinite(hi - lo) or hi - lo < cfg.min_range_ratio:
        return RepCount((), _why_too_little(sig, profile, x, hi - lo, exercise, cfg))
    span = hi - lo
    exit_level = lo + cfg.exit_level_frac * span
    starts, ends = hysteresis_runs(x, lo + cfg.enter_level_frac * span, exit_level)
    if starts.size == 0:  # not met: some frames lie at or above the 95th percentile
        return RepCount((), NO_REP_CAUSE)
    first_seen = int(np.argmax(np.isfinite(x)))
    keep = starts > first_seen  # a rep under way when the clip starts is the set-up
    set_up = None if keep.all() else float(t[first_seen])
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        short_of = _shortfall(t, x, lo, span, cfg)
        return RepCount((), _why_rejected(set_up, (), short_of, float(t[-1]), profile, cfg))
    # Each run extends back to the last rest frame before it and on to the first after it.
    rest_idx = np.flatnonzero(x <= lo + REST_LEVEL_FRAC * span)
    before = np.searchsorted(rest_idx, starts) - 1
    after = np.searchsorted(rest_idx, ends)
    if rest_idx.size:
        r0 = np.where(before >= 0, rest_idx[np.maximum(before, 0)], starts)
        r1 = np.where(after < rest_idx.size, rest_idx[np.minimum(after, rest_idx.size - 1)],
                      ends - 1)
    else:
        r0, r1 = starts.copy(), ends - 1
    # Two runs with no rest frame between them, the return below the exit level seen (touch
    # and go: the bar back near the floor, or the hips nearly up, but not at rest): the first
    # ends, and the next begins, at the lowest frame between them, where the first would
    # otherwise run on to the rest after both and swallow the next. Runs parted only by
    # frames where the trunk was not seen stay one movement, as before.
    touching = np.zeros(starts.size, dtype=bool)
    touching[:-1] = r1[:-1] >= starts[1:]
    for i in np.flatnonzero(touching).tolist():
        between = x[ends[i]:starts[i + 1]]
        if not (between < exit_level).any():  # (NaN: not seen, never below)
            touching[i] = False
            continue
        r1[i] = r0[i + 1] = int(ends[i]) + int(np.nanargmin(between))
    depth = range_reduce(np.fmax, x, starts, ends - 1) - range_reduce(np.fmin, x, r0, r1)
    typical = float(np.median(depth))
    deep = ~(depth < cfg.min_depth_frac_of_median * typical)
    # The share of each candidate's frames, rest to rest, on which the trunk was seen: seen,
    # not bridged over (the reason for dropping one says "seen on").
    seen_upto = np.concatenate(([0], np.cumsum(np.isfinite(raw))))
    # Consecutive reps may share rest frames; a rep starts no earlier than the last counted
    # one ended, which depends on which reps were counted: one pass over the candidates.
    t0, t1 = t[r0].tolist(), t[r1].tolist()
    # A run with no rest frame after it (the frames so far end, or a live set's next rest is
    # not in yet) ends where it stopped.
    rested = ((after < rest_idx.size) | touching).tolist()
    first: list[int] = []
    last: list[int] = []
    at_rest: list[bool] = []
    prev_end, prev_t = -1, 0.0
    for a, b, ta, tb, ok, r in zip(r0.tolist(), r1.tolist(), t0, t1, deep.tolist(), rested,
                                   strict=True):
        if a < prev_end:
            a, ta = prev_end, prev_t
        seen = (seen_upto[b + 1] - seen_upto[a]) / (b - a + 1)
        if ok and cfg.min_rep_duration_s <= tb - ta <= cfg.max_rep_duration_s \
                and seen >= cfg.min_seen_frac:
            first.append(a)
            last.append(b)
            at_rest.append(r)
            prev_end, prev_t = b, tb
    if not first:  # (none counted: no candidate's start was moved by a counted one)
        seen = (seen_upto[r1 + 1] - seen_upto[r0]) / (r1 - r0 + 1)
        tried = tuple(_Movement(ta, tb - ta, d / typical, bool(ok), r, f)  # (depth > 0)
                      for ta, tb, d, ok, r, f in zip(t0, t1, depth.tolist(), deep.tolist(),
                                                     rested, seen.tolist(), strict=True))
        return RepCount((), _why_rejected(set_up, tried, _shortfall(t, x, lo, span, cfg),
                                          float(t[-1]), profile, cfg))
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
    return RepCount(tuple(out))


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
