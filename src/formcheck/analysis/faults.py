"""Fault rules: a registry of functions from body signals to findings and assessability.

Every rule (1) says per fault, for the clip and per rep, whether the footage can show the fault
and why not; (2) decides over time on the frames it may judge: hysteresis (switch on at the
threshold, off below ``release_frac`` of it) and a minimum duration; (3) attributes each finding
to a rep and phase, grades it, and records the evidence (signals, values, thresholds, frames).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from formcheck.analysis.features import GATED_FITS, BodySignals
from formcheck.analysis.reps import NO_REP_CAUSE, REP_PROFILES, SETUP_PHASE, phase_at
from formcheck.analysis.series import Series
from formcheck.analysis.signal import (
    hysteresis_runs,
    in_ranges,
    percentile_of,
    range_argmax,
    range_reduce,
    run_durations,
    turn_side,
)
from formcheck.analysis.view import (
    VIEW_REASONS,
    VIEW_SHOWS,
    classify_yaw,
    median_of,
    usable_yaw,
    view_of_yaw,
    views_showing,
    yaw_in_views,
)
from formcheck.config import (
    AssessConfig,
    FaultThresholds,
    LumbarOverextensionThresholds,
    RoundedBackThresholds,
    ViewConfig,
    grade,
)
from formcheck.report import (
    FAULT_TITLES,
    OUTSIDE_REPS_WORDS,
    Assessment,
    Estimate,
    Finding,
    Rep,
    counted,
    format_limit,
    format_value,
    new_assessment,
    times_text,
)

#: Phase name for a finding that peaks after its rep ends (one peaking before it starts is in
#: its ``SETUP_PHASE``, the same name as the set-up a rep owns).
FINISH_PHASE = "after the rep"


@dataclass(frozen=True, eq=False)
class FaultContext:
    sig: BodySignals
    exercise: str
    view: Estimate
    reps: tuple[Rep, ...]
    rep_of_frame: np.ndarray  # (T,) 1-based rep per frame, 0 outside reps
    thresholds: FaultThresholds
    assess: AssessConfig
    view_cfg: ViewConfig
    clip_reason: str | None  # why nothing in this clip can be judged (None: it can)
    #: ``view.median_of`` of the body's yaw over the trunk-visible frames, if the caller has
    #: it (the overall view's); None: worked out where needed
    median_yaw_deg: float | None = None
    #: ``view.usable_yaw`` of the body's yaw over the trunk-visible frames (in any order), if
    #: the caller has it; None: selected where needed
    seen_yaw_deg: np.ndarray | None = None
    #: Why no rep was counted (``reps.RepCount.why_none``), when none was; None: the general
    #: ``NO_REP_CAUSE``
    no_rep_why: str | None = None
    #: The pose model that made the landmarks (``PoseSequence.model``: "lite", "full",
    #: "heavy", or a bundle's name; "" where unknown)
    pose_model: str = ""

    # Worked out from ``reps`` on first use and kept (a frozen dataclass without slots has a
    # ``__dict__`` for them); a ``replace`` makes a new context, which works them out afresh.
    @cached_property
    def rep_first(self) -> np.ndarray:
        """``(R,)`` every rep's first frame."""
        return np.array([r.start_frame for r in self.reps], dtype=np.intp)

    @cached_property
    def rep_last(self) -> np.ndarray:
        """``(R,)`` every rep's last frame (inclusive)."""
        return np.array([r.end_frame for r in self.reps], dtype=np.intp)

    @cached_property
    def in_reps(self) -> np.ndarray:
        """``(T,)`` frames of a counted rep, the still set-up and finish it owns included."""
        return self.rep_of_frame > 0


@dataclass(frozen=True)
class RuleOutcome:
    findings: tuple[Finding, ...]
    assessments: tuple[Assessment, ...]
    series: tuple[Series, ...]


# ---------------------------------------------------------------- shared machinery
#: What each rule gave on the lite and heavy pose models' poses of the 84 shared real clips,
#: against the full model's, which every limit was chosen on (``bench/eval_clips.py --poses
#: POSES --set FAULT.judge_MODEL_poses=true``): why a set those models posed is not judged
#: where its ``judge_MODEL_poses`` is off.
OTHER_POSES_MEASURED = {
    ("rounded_back", "lite"): "it warned on 5 of 18 clean real lifts posed by it (1 of 17 "
                              "with the full model)",
    ("rounded_back", "heavy"): "it warned on 3 of 17 clean real lifts posed by it (1 of 17 "
                               "with the full model)",
    ("lumbar_overextension", "lite"): "it warned on 1 of 29 clean real lifts posed by it "
                                      "(none of 27 with the full model)",
    ("lumbar_overextension", "heavy"): "on the real lifts posed by it it missed the one "
                                       "over-arched lockout and warned on 1 of 28 clean ones "
                                       "(the full model: found, and none of 27)",
    ("jerky_twist", "lite"): "it warned on 1 of 33 real clips posed by it, none of them "
                             "twisting (none of 36 with the full model)",
    ("jerky_twist", "heavy"): "it warned on 1 of 30 real clips posed by it, none of them "
                              "twisting (none of 36 with the full model)",
}
#: The pose models a rule may be told not to judge (``judge_<model>_poses``).
OTHER_POSE_MODELS = ("lite", "heavy")


def pose_model_reason(ctx: FaultContext, fault: str) -> str | None:
    """Why ``fault`` is not judged on these poses because of the pose model that made them
    (lite or heavy, unless the rule's ``judge_<model>_poses``); None where it is judged."""
    model = ctx.pose_model
    if model not in OTHER_POSE_MODELS or getattr(getattr(ctx.thresholds, fault),
                                                  f"judge_{model}_poses"):
        return None
    return (f"the poses come from the {model} pose model, which this check was not fitted "
            f"on; analyse with --model full ({OTHER_POSES_MEASURED[(fault, model)]})")


#: The pose models every check was measured on (the full model's poses chose every limit;
#: ``OTHER_POSE_MODELS``' were measured against it), and the names that are no pose model's
#: (synthetic poses; "" where a pose file does not say).
MEASURED_POSE_MODELS = ("full", *OTHER_POSE_MODELS, "synthetic", "")


def pose_model_caveat(ctx: FaultContext) -> str | None:
    """What a verdict on poses from a model no check was measured on must say (a bundle
    given by path whose bytes are none of lite, full and heavy: ``pose.models``); None for
    the models measured."""
    if ctx.pose_model in MEASURED_POSE_MODELS:
        return None
    return (f"the poses come from the pose model \"{ctx.pose_model}\", on which this check "
            "was never measured (its limits were chosen on the full model's poses)")


def _clauses(*parts: str | None) -> str | None:
    """The non-empty ``parts`` as one "; "-joined caveat (None if none): what bears most on
    the verdict first, as the video shows only the first clause."""
    return "; ".join(p for p in parts if p) or None


def assess_fault(ctx: FaultContext, fault: str, frame_ok: np.ndarray,
                 clip_reason: str | None = None, caveat: str | None = None,
                 yaw_deg: np.ndarray | None = None, views: frozenset[str] | None = None,
                 view_reason: str | None = None, view_reasons: dict[str, str] | None = None,
                 ) -> tuple[tuple[Assessment, ...], np.ndarray]:
    """Assessability for the clip and each rep, and the ``(T,)`` mask of judgeable frames.

    ``frame_ok`` marks frames whose needed landmarks (and signals) exist; the view must be
    one that shows ``fault``, for the clip and for each rep on its own (each rep's view from
    its mean ``yaw_deg``, by default the body's yaw); ``views`` replaces ``VIEW_SHOWS``, and
    ``view_reason`` (with ``{view}``) ``VIEW_REASONS`` for a view outside them;
    ``view_reasons`` gives some views a reason of their own (a rep's, the words the clip gets
    for that view).
    """
    allowed = VIEW_SHOWS[fault] if views is None else views
    why_view = VIEW_REASONS[fault] if view_reason is None else view_reason
    sig, ac = ctx.sig, ctx.assess
    reason = ctx.clip_reason or clip_reason
    if reason is None and ctx.view.name not in allowed:
        reason = (why_view.format(view=ctx.view.name) if ctx.view.name != "unknown"
                  else "the camera view could not be determined")
    if reason is None:
        reason = pose_model_reason(ctx, fault)
    detected = sig.detected
    share = float(frame_ok[detected].mean()) if detected.any() else 0.0
    if reason is None and share < ac.min_visible_frac:
        reason = (f"the needed body parts are visible in only {share:.0%} of the frames; "
                  "keep the whole body in the picture")
    clip_ok = reason is None
    usable = frame_ok & clip_ok
    unmeasured = pose_model_caveat(ctx)
    caveat = _clauses(caveat, unmeasured)
    out = [Assessment(fault, None, clip_ok, reason if not clip_ok else caveat)]
    if not clip_ok:  # nothing in the clip can be judged: every rep carries the clip's reason
        out.extend(new_assessment(fault, rep.index, False, reason) for rep in ctx.reps)
        return tuple(out), usable
    if not ctx.reps:
        return tuple(out), usable
    # Per rep, vectorised over reps: share of usable frames and mean yaw (-> the rep's view).
    first, last = ctx.rep_first, ctx.rep_last
    share = _sum_over(frame_ok, first, last) / (last - first + 1)
    rep_yaw = sig.yaw_deg if yaw_deg is None else yaw_deg
    yaw_ok = np.isfinite(rep_yaw)
    n_yaw = _sum_over(yaw_ok, first, last)
    with np.errstate(invalid="ignore", divide="ignore"):
        yaw = _sum_over(np.where(yaw_ok, rep_yaw, 0.0), first, last) / n_yaw
    views = classify_yaw(np.where(n_yaw > 0, yaw, np.nan), ctx.view_cfg)
    hidden = share < ac.min_visible_frac
    judged = ~hidden & np.isin(views, sorted(allowed))
    if not judged.all():
        usable &= ~in_ranges(len(usable), first[~judged], last[~judged])
    for rep, ok, rep_hidden, rep_share, rep_view in zip(
            ctx.reps, judged.tolist(), hidden.tolist(), share.tolist(), views.tolist(),
            strict=True):
        if ok:
            out.append(new_assessment(fault, rep.index, True, caveat))
        else:
            out.append(new_assessment(fault, rep.index, False, (
                f"needed body parts visible in only {rep_share:.0%} of this rep's frames"
                if rep_hidden else (view_reasons or {}).get(rep_view, why_view).format(
                    view=rep_view))))
    return tuple(out), usable


#: How every reason of a clip without a counted rep begins (``no_rep_reason``).
NO_REP_PREFIX = "no rep was counted"


def no_rep_reason(why: str) -> str:
    """Why no fault of a clip without a counted rep is judged (``judged_in_reps``): ``why``
    is the rep count's own cause (``reps.RepCount.why_none``)."""
    return (f"{NO_REP_PREFIX} ({why}), and only counted reps are judged: standing about, "
            "setting up, walking and re-racking move the body freely")


def is_no_rep_reason(reason: str | None) -> bool:
    """Whether ``reason`` is one of ``no_rep_reason``'s (live mode waits for the first rep
    instead of showing it)."""
    return reason is not None and reason.startswith(f"{NO_REP_PREFIX} (")


#: The reason when the rep count gave no cause (a context built without one).
NO_REP_REASON = no_rep_reason(NO_REP_CAUSE)


def judged_in_reps(ctx: FaultContext, assessments: tuple[Assessment, ...],
                   frames: np.ndarray) -> tuple[tuple[Assessment, ...], np.ndarray]:
    """Where every rule judges, the same way for all: on the frames of counted reps only
    (``frames``, the rule's judgeable ones, is returned cut to them). A rep includes the
    still set-up and finish it owns (``reps.setup_s``, ``reps.finish_s``): a deadlift's
    lockout hold lies inside its rep, a squat's standing up in its finish; the real clips'
    lockouts all did (docs/analysis.md, "The rules"). Outside the reps (standing before the
    set, walking up, resting between reps, re-racking, stretching after the set) the body
    moves freely, and nothing there is a rep's fault. With no counted rep nothing is
    judged: a clip the rule could otherwise judge is then not assessable, with
    ``no_rep_reason`` of the rep count's cause (``FaultContext.no_rep_why``), never a
    silent "none"."""
    frames = frames & ctx.in_reps
    if ctx.reps:
        return assessments, frames
    reason = no_rep_reason(ctx.no_rep_why or NO_REP_CAUSE)
    return tuple(replace(a, assessable=False, reason=reason)
                 if a.rep is None and a.assessable else a for a in assessments), frames


#: The clip's reason when reps were counted but none could be judged
#: (``require_judged_frames``).
NO_REP_JUDGED_REASON = "no rep could be judged (each rep's reason is given with it)"


def require_judged_frames(ctx: FaultContext, assessments: tuple[Assessment, ...],
                          judged: np.ndarray, found: set[int | None], why,
                          min_duration_s: float, min_frames: int = 1
                          ) -> tuple[Assessment, ...]:
    """Reps called assessable whose frames the rule never judged (fewer judged frames than
    a finding must last: ``min_duration_s``, and at least ``min_frames``) are not assessable:
    a verdict there would be a guess. ``why(rep)`` says what kept the rep's frames out; a rep
    with a finding keeps its verdict. When no rep is left assessable (and nothing was found
    outside them), neither is the clip."""
    reps = ctx.reps
    if not reps or not any(a.assessable for a in assessments):
        return assessments
    count = _sum_over(judged, ctx.rep_first, ctx.rep_last)
    need = max(_frames_for(ctx, min_duration_s), min_frames)
    by_rep = {r.index: (r, int(c)) for r, c in zip(reps, count.tolist(), strict=True)}
    out = []
    for a in assessments:
        if a.rep is not None and a.assessable and a.rep not in found \
                and by_rep[a.rep][1] < need:
            a = Assessment(a.fault, a.rep, False, why(by_rep[a.rep][0]))
        out.append(a)
    rep_ok = [a.assessable for a in out if a.rep is not None]
    if not any(rep_ok) and None not in found:
        out = [Assessment(a.fault, None, False, NO_REP_JUDGED_REASON)
               if a.rep is None and a.assessable else a for a in out]
    return tuple(out)


def _sum_over(x: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Sum of ``x`` over each inclusive frame range (one reduction pass, no loop)."""
    return range_reduce(np.add, x, first, last, dtype=np.float64)


def decide(t_s: np.ndarray, x: np.ndarray, on: float, release_frac: float,
           min_duration_s: float, min_frames: int = 1) -> list[tuple[int, int, int]]:
    """Episodes where ``x`` stays on (hysteresis) for at least ``min_duration_s`` and
    ``min_frames`` frames: ``(start, end_exclusive, peak)`` frame indices."""
    starts, ends = hysteresis_runs(x, on, on * release_frac)
    keep = (run_durations(t_s, starts, ends) >= min_duration_s) & (ends - starts >= min_frames)
    starts, ends = starts[keep], ends[keep]
    peaks = range_argmax(x, starts, ends - 1)  # runs hold no NaN (NaN switches off)
    return list(zip(starts.tolist(), ends.tolist(), peaks.tolist(), strict=True))


def _place(ctx: FaultContext, start: int, end: int, peak: int) -> tuple[int | None, str | None]:
    """The rep the episode overlaps most (the one holding the peak on a tie: a rounding held
    at a deadlift's floor may peak in the end of one lowering but last into the next pull's
    set-up); the phase at the peak, or set-up / after the rep when it peaks outside; no phase
    while the exercise is not recognised (the rep was counted on whichever movement moved
    most, so a phase there would name a guess)."""
    inside = ctx.rep_of_frame[start:end]
    inside = inside[inside > 0]
    if inside.size == 0:
        return None, None
    counts = np.bincount(inside)
    idx = int(ctx.rep_of_frame[peak])
    if idx == 0 or counts[idx] < counts.max():
        idx = int(counts.argmax())
    return _rep_phase(ctx, idx, float(ctx.sig.t_s[peak]))


def _places(ctx: FaultContext, episodes: list[tuple[int, int, int]]
            ) -> list[tuple[int | None, str | None]]:
    """``_place`` of every episode ``(start, end_exclusive, peak)``: those whose frames all
    lie in one rep (or in none) are placed for all at once, the others one by one."""
    if not episodes:
        return []
    ep = np.array(episodes, dtype=np.intp).reshape(-1, 3)
    rof = ctx.rep_of_frame
    lo = range_reduce(np.minimum, rof, ep[:, 0], ep[:, 1] - 1).tolist()
    hi = range_reduce(np.maximum, rof, ep[:, 0], ep[:, 1] - 1).tolist()
    t_peak = ctx.sig.t_s[ep[:, 2]].tolist()
    out: list[tuple[int | None, str | None]] = []
    for (start, end, peak), a, b, tp in zip(episodes, lo, hi, t_peak, strict=True):
        if a != b:
            out.append(_place(ctx, start, end, peak))
        else:
            out.append(_rep_phase(ctx, a, tp) if a > 0 else (None, None))
    return out


def _rep_phase(ctx: FaultContext, idx: int, t_peak: float) -> tuple[int, str | None]:
    """Rep ``idx`` (1-based) and its phase at ``t_peak`` (set-up / after the rep outside;
    none when the exercise was not recognised: which phase is not known)."""
    if ctx.exercise not in REP_PROFILES:
        return idx, None
    rep = ctx.reps[idx - 1]
    if t_peak < rep.start_s:
        return idx, SETUP_PHASE  # e.g. set up rounded at the floor before the bar moves
    if t_peak > rep.end_s:
        return idx, FINISH_PHASE
    return idx, phase_at(rep, t_peak)


def where(rep: int | None, phase: str | None) -> str:
    """Where a finding lies, as its message says it ("in rep 2 (ascent)"): live mode's
    ``without_guesses`` takes this text out again, so both use this one function."""
    if rep is None:
        return OUTSIDE_REPS_WORDS
    return f"in rep {rep}" + (f" ({phase})" if phase else "")


def _finding(ctx: FaultContext, fault: str, episode: tuple[int, int, int], value: float,
             threshold: float, unit: str, series: str, detail: str, evidence: dict,
             placed: tuple[int | None, str | None] | None = None,
             unchecked_value: float | None = None) -> Finding:
    """A finding decided on ``value`` against ``threshold`` (both in ``unit``): the values of
    the ``Series`` named ``series`` at the peak and its limit, which every renderer draws.
    Graded by ``config.SEVERITY``. ``placed``: the episode's ``_place``, if known.
    ``unchecked_value``: the reading, past the range its estimate was checked on, that is
    graded, while ``value`` is that range's end, stated as "more than" it
    (``Finding.unchecked_value``)."""
    s, e, peak = episode
    t = ctx.sig.t_s
    rep, phase = _place(ctx, s, e, peak) if placed is None else placed
    # How long it lasted as the rule measures it against ``min_duration_s`` (``decide``: each
    # frame counts one frame step, so 5 frames at 30 fps last 0.17 s, though the first and
    # last are 0.13 s apart): every surface that sets the two side by side uses this one.
    duration = float(run_durations(t, np.array([s]), np.array([e]))[0])
    evidence = {**evidence, "series": series, "frames": [s, e - 1], "peak_frame": peak,
                "view": ctx.view.name, "duration_s": duration}
    return Finding(fault=fault, rep=rep, phase=phase, start_s=float(t[s]), end_s=float(t[e - 1]),
                   peak_s=float(t[peak]),
                   severity=grade(fault, value if unchecked_value is None else unchecked_value,
                                  threshold),
                   value=float(value),
                   unchecked_value=None if unchecked_value is None else float(unchecked_value),
                   threshold=float(threshold), unit=unit,
                   message=f"{FAULT_TITLES[fault].capitalize()} {where(rep, phase)}: {detail}",
                   evidence=evidence)


def _neutral(x: np.ndarray, neutral: np.ndarray, usable: np.ndarray, min_frames: int,
             fallback_pct: float) -> tuple[float, str]:
    """The lifter's own neutral of ``x``: its median over ``neutral`` frames, or a percentile
    of the usable frames when there are too few of those."""
    v = x[neutral & np.isfinite(x)]
    if v.size >= max(min_frames, 1):
        return float(np.median(v)), "upright frames"
    v = x[usable & np.isfinite(x)]
    if v.size == 0:
        return float("nan"), "none"
    return percentile_of(v, fallback_pct), f"{fallback_pct:g}th percentile of the set"


def _frames_for(ctx: FaultContext, seconds: float) -> int:
    return int(np.ceil(seconds * ctx.sig.fps)) if ctx.sig.fps > 0 else 1


def own_neutral_bulge(ctx: FaultContext, bent: np.ndarray) -> float:
    """The lifter's straightest bent-over back profile (fraction of the chord): a low
    percentile of the judged frames, or NaN when there are too few of them."""
    th = ctx.thresholds.rounded_back
    v = ctx.sig.bulge[bent & np.isfinite(ctx.sig.bulge)]
    if v.size < max(_frames_for(ctx, th.min_neutral_s), 1):
        return float("nan")
    return percentile_of(v, th.neutral_percentile)


def neutral_bulge(ctx: FaultContext, bent: np.ndarray) -> tuple[float, str]:
    """The neutral back profile (fraction of the chord) of a bent-over back: the configured
    neutral, or the lifter's own straightest bent-over moments where those are lower."""
    default = ctx.thresholds.rounded_back.neutral_bulge_pct / 100.0
    own = own_neutral_bulge(ctx, bent)
    if np.isfinite(own) and own < default:
        return own, "the lifter's straightest bent-over frames"
    return default, "default neutral"


def smooth_outline(ctx: FaultContext) -> np.ndarray:
    """``(T,)`` frames whose back outline is a smooth bow (``geometry.back_roughness`` within
    ``rounded_back.max_outline_roughness_pct``); a kinked outline is not the back's."""
    rough = ctx.sig.back_roughness
    limit = ctx.thresholds.rounded_back.max_outline_roughness_pct
    if rough is None or not np.isfinite(limit):
        return np.ones(ctx.sig.t_s.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return ~(100.0 * rough > limit)


def own_head_drop(sig: BodySignals, judged: np.ndarray,
                  th: RoundedBackThresholds) -> np.ndarray:
    """``(T,)`` degrees the ear-shoulder-hip angle closes below the lifter's own open one:
    its ``100 - neutral_percentile``th percentile over the ``judged`` frames (``th``: the
    rounded-back thresholds); negative where it opens further, NaN where no ear is seen or
    fewer than ``min_neutral_s`` of frames are judged."""
    hn = sig.head_neck_deg
    v = hn[judged & sig.head_visible & np.isfinite(hn)]
    need = int(np.ceil(th.min_neutral_s * sig.fps)) if sig.fps > 0 else 1
    if v.size < max(need, 1):
        return np.full(hn.shape, np.nan)
    ref = percentile_of(v, 100.0 - th.neutral_percentile)
    return np.where(sig.head_visible, ref - hn, np.nan)


#: Where the camera stands for each view, for messages.
_VIEW_PLACES = {"front": "the front", "oblique": "45°", "side": "the side", "rear": "behind"}


def reps_filmed_from(ctx: FaultContext, views: frozenset[str],
                     min_frame_frac: float) -> tuple[Rep, ...]:
    """The reps whose own view (from the body's mean yaw over the rep, as ``assess_fault``
    reads it) is one of ``views`` and at least ``min_frame_frac`` of whose frames are in
    one of those views themselves: in a clip that cuts between cameras, the reps that show
    a fault even when the clip as a whole does not (a yaw swinging wildly averages to any
    view, hence the frames' own share)."""
    if not ctx.reps or not np.isfinite(min_frame_frac):
        return ()
    first, last = ctx.rep_first, ctx.rep_last
    yaw_ok = np.isfinite(ctx.sig.yaw_deg)
    n_yaw = _sum_over(yaw_ok, first, last)
    with np.errstate(invalid="ignore", divide="ignore"):
        yaw = _sum_over(np.where(yaw_ok, ctx.sig.yaw_deg, 0.0), first, last) / n_yaw
        in_view = yaw_in_views(ctx.sig.yaw_deg, views, ctx.view_cfg)
        frac = _sum_over(in_view, first, last) / (last - first + 1)
    rep_views = classify_yaw(np.where(n_yaw > 0, yaw, np.nan), ctx.view_cfg)
    return tuple(r for r, v, f in zip(ctx.reps, rep_views.tolist(), frac.tolist(), strict=True)
                 if v in views and f >= min_frame_frac)


def cut_clip_reps(ctx: FaultContext, views: frozenset[str], min_frame_frac: float,
                  what: str) -> tuple[FaultContext, tuple[Rep, ...], str | None]:
    """For a clip whose overall view is not one of ``views`` (a front view cutting to side
    shots): the reps filmed from one of ``views`` (``reps_filmed_from``), the context with
    the view those reps show, and the caveat naming them (``what``: what the other views
    cannot show). Unchanged context, no reps and
    no caveat when the clip's view is in ``views``, unknown, or no rep qualifies."""
    if ctx.clip_reason is not None or ctx.view.name in views or ctx.view.name == "unknown":
        return ctx, (), None
    shown = reps_filmed_from(ctx, views, min_frame_frac)
    if not shown:
        return ctx, (), None
    frames = in_ranges(len(ctx.sig.yaw_deg), np.array([r.start_frame for r in shown]),
                       np.array([r.end_frame for r in shown]))
    name = str(classify_yaw(float(np.nanmedian(ctx.sig.yaw_deg[frames])), ctx.view_cfg))
    if name not in views:
        name = "side" if "side" in views else sorted(views)[0]
    caveat = (f"judged only in rep{'s' if len(shown) > 1 else ''} "
              f"{', '.join(str(r.index) for r in shown)}, filmed from "
              f"{_VIEW_PLACES[name]}; the rest of the clip is filmed from "
              f"{_VIEW_PLACES[ctx.view.name]}, which cannot show {what}")
    return replace(ctx, view=Estimate(name, ctx.view.confidence)), shown, caveat


def _only_in(usable: np.ndarray, reps: tuple[Rep, ...]) -> np.ndarray:
    """``usable`` restricted to the frames of ``reps`` (all of it when there are none)."""
    if not reps:
        return usable
    return usable & in_ranges(len(usable), np.array([r.start_frame for r in reps]),
                              np.array([r.end_frame for r in reps]))


# ---------------------------------------------------------------- rules
#: Why a rounded back is not judged from 45° while ``oblique_min_flexion_deg`` is off.
_OBLIQUE_ROUNDING_OFF = ("rounding is not judged from 45° (an oblique view): the back outline's "
                         "flexion estimate there is too uncertain (README, \"Back warnings\"); "
                         "film from the side")
#: What a side view's "ok" can and cannot rule out, from rendered lifters (the limits were
#: chosen on the real clips, so these are held out). Two rendered sets, stated as a range:
#: session 19's (50° roundings, four bodies at the standard placement, ``bench/
#: render_placements.py --fault flex50``: 18 of 24; 35° ones, eight bodies facing either way:
#: 10 of 24; 25° ones, four bodies at six camera placements: 26 of 96; 5° ones, clothed: none
#: of 24 warned) and session 26's (two bare bodies, a tee and a hoodie, deadlift/row/squat,
#: ``bench/rounding_misses.py render``: 50° 13 of 24, 35° 7 of 24, 20° 2 of 24, neutral none
#: of 24 warned); docs/analysis.md, sessions 19 and 26.
_ROUNDING_NOT_RULED_OUT = (
    "no warning does not rule a rounding out; on rendered lifters seen from the side it found "
    "13 to 18 of 24 reps with a 50° rounding, 7 to 10 of 24 with 35°, 26 of 96 with 25° and "
    "2 of 24 with 20°, and warned on none of 48 with 5° or less")


#: The largest spinal flexion (deg) the rounded back's degrees are stated to: its lines were
#: fitted and their error bars measured on renders of 0-45 deg roundings (``bench/
#: fit_flexion.py``) and checked on 50 deg ones (session 19); past that, side-view renders of
#: 55-85 deg read 15-26 deg off on average, either way (``bench/flexion_range.py``,
#: docs/analysis.md, session 25). A reading past it is stated as "more than" it on every
#: surface (``Finding.unchecked_value`` keeps the number read, which grades the finding;
#: ``Series.checked_to``).
#: Not a limit: no verdict or grade depends on it.
FLEXION_CHECKED_TO_DEG = 50.0


def rounded_back(ctx: FaultContext) -> RuleOutcome:
    th = ctx.thresholds.rounded_back
    sig = ctx.sig
    has_profile = np.isfinite(sig.bulge)
    clip_reason = None
    cut = (float(sig.back_cut[sig.detected].mean())
           if sig.back_cut is not None and sig.detected.any() else 0.0)
    if not has_profile.any() and not cut:
        clip_reason = ("no back outline in the pose data; re-run the pose step with the back "
                       "profile (segmentation) enabled")
    else:
        seen = has_profile[sig.detected].mean() if sig.detected.any() else 0.0
        if seen < ctx.assess.min_profile_frac and cut >= seen:
            clip_reason = (f"the picture cut the back off on {cut:.0%} of the frames (the "
                           f"whole outline was seen on {seen:.0%}); keep the whole body, "
                           "shoulders to hips, in the picture")
        elif seen < ctx.assess.min_profile_frac:
            clip_reason = (f"the back's outline was found in only {seen:.0%} of the frames; "
                           "film against a plain background with the back in view")
    judge_oblique = bool(np.isfinite(th.oblique_min_flexion_deg))
    views = views_showing("rounded_back", ctx.thresholds)  # what live's view advice reads
    frame_ok = sig.trunk_visible & has_profile & smooth_outline(ctx)
    caveat = None
    if th.side_min_yaw_deg != ctx.view_cfg.oblique_max_yaw_deg and ctx.clip_reason is None:
        # This rule's own side bin starts elsewhere than the view's.
        vcfg = replace(ctx.view_cfg, oblique_max_yaw_deg=th.side_min_yaw_deg,
                       front_max_yaw_deg=min(ctx.view_cfg.front_max_yaw_deg,
                                             th.side_min_yaw_deg),
                       side_max_yaw_deg=180.0 - th.side_min_yaw_deg,
                       rear_oblique_max_yaw_deg=max(ctx.view_cfg.rear_oblique_max_yaw_deg,
                                                    180.0 - th.side_min_yaw_deg))
        seen = (ctx.seen_yaw_deg if ctx.seen_yaw_deg is not None  # the overall view's
                else usable_yaw(sig.yaw_deg, sig.trunk_visible))
        yaw = ctx.median_yaw_deg if ctx.median_yaw_deg is not None else median_of(seen)
        near = view_of_yaw(seen, vcfg, yaw)
        if near.name == "side" and ctx.view.name != "side":
            caveat = (f"the body is turned {yaw:.0f}° from facing the camera: judged as a "
                      f"side view (from {th.side_min_yaw_deg:g}°)")
        elif ctx.view.name == "side" and near.name != "side" and clip_reason is None:
            clip_reason = (
                f"the camera sees the body {abs(90.0 - yaw):.0f}° off side-on; the back's "
                f"curve is read only within {90.0 - th.side_min_yaw_deg:g}° of side-on "
                "(further round, the outline runs over the shoulder blade and lat); film "
                "square from the side")
        ctx = replace(ctx, view_cfg=vcfg, view=near)
    shown: tuple[Rep, ...] = ()
    if clip_reason is None and not (ctx.view.name == "oblique" and judge_oblique):
        # A clip that cuts between cameras (front, then side): its side-view reps show the
        # back even where the clip's overall view does not; only they are judged, with the
        # side view's estimate.
        ctx, shown, cut = cut_clip_reps(ctx, frozenset({"side"}), th.mixed_min_rep_side_frac,
                                        "the back's curve")
        caveat = cut or caveat
    oblique = ctx.view.name == "oblique"
    if clip_reason is None and oblique and not judge_oblique:
        clip_reason = _OBLIQUE_ROUNDING_OFF
    if not oblique:  # what a judged side view's "ok" can rule out
        caveat = _clauses(caveat, _ROUNDING_NOT_RULED_OUT)
    if oblique:  # the 45 deg estimate also reads the ear-shoulder-hip angle
        frame_ok &= sig.head_visible
    # A 45° rep of a clip cut between cameras is told what a 45° clip is told.
    assessments, usable = assess_fault(
        ctx, "rounded_back", frame_ok, clip_reason, caveat=caveat, views=views,
        view_reasons=None if judge_oblique else {"oblique": _OBLIQUE_ROUNDING_OFF})
    usable = _only_in(usable, shown)  # a cut clip: only inside its side-view reps

    neutral_frames = usable & (sig.trunk_deg <= th.neutral_max_trunk_deg)
    min_frames = _frames_for(ctx, th.min_neutral_s)
    # Bent *forward* only: leaning back 30 deg at lockout also tilts the trunk from vertical
    # (rendered ext30 deadlift: a false rounding when judged on the unsigned inclination).
    judged = usable & (sig.lean_deg >= th.judge_min_trunk_deg)
    assessments, judged = judged_in_reps(ctx, assessments, judged)
    if np.isfinite(th.max_elbow_behind_back_frac):
        with np.errstate(invalid="ignore"):
            judged &= ~(sig.elbow_behind_back > th.max_elbow_behind_back_frac)
    base = th.neutral_bulge_pct / 100.0
    own = measured_own = own_neutral_bulge(ctx, judged)
    floored = bool(np.isfinite(own) and own < -th.max_own_arch_pct / 100.0)
    if floored:  # an arched back straightening out is not a rounding
        own = -th.max_own_arch_pct / 100.0
    hn_base, _ = _neutral(sig.head_neck_deg, neutral_frames & sig.head_visible, usable,
                          min_frames, 100.0 - th.neutral_percentile)
    # Two ways a back rounds: held rounded against a fixed bent-over neutral (real lifters
    # who never straighten), or rounding that develops against the lifter's own straightest
    # moments (needs a larger rise: the profile's zero point differs between bodies). Both
    # are read in degrees of spinal flexion through a slope fitted on rendered truth.
    # From 45 deg only the rise counts (the neutral outline there depends on the posture
    # too much for a fixed neutral), with its own calibration and limit.
    k = th.oblique_flexion_deg_per_pct if oblique else th.flexion_deg_per_pct
    c = th.oblique_flexion_offset_deg if oblique else th.flexion_offset_deg
    min_rise = th.oblique_min_flexion_deg if oblique else th.min_flexion_deg
    flex_err = th.oblique_flexion_error_deg if oblique else th.flexion_error_deg
    lean_cal = th.lean_calibration and not oblique
    if lean_cal:  # side view, read with the trunk's lean (round 12): the offset is per frame
        k, flex_err = th.lean_flexion_deg_per_pct, th.lean_flexion_error_deg
        c = th.lean_flexion_offset_deg + th.lean_flexion_deg_per_lean_deg * sig.lean_deg
    held = k * 100.0 * (sig.bulge - base) + c
    with np.errstate(invalid="ignore"):  # the fixed neutral holds for hinged trunks only
        held[~(sig.lean_deg >= th.held_min_trunk_deg)] = np.nan
    head_drop = np.zeros_like(held)
    if oblique:
        held = np.full_like(held, np.nan)
        head_drop = th.oblique_flexion_deg_per_head_drop_deg * own_head_drop(sig, judged, th)
    rise = k * 100.0 * (sig.bulge - own) + c + head_drop \
        if np.isfinite(own) and own < base else np.full_like(held, np.nan)
    with np.errstate(invalid="ignore"):
        score = np.fmax(held / th.min_held_flexion_deg, rise / min_rise)
    x = np.where(judged, score, np.nan)
    findings = []
    for ep in decide(sig.t_s, x, 1.0, th.release_frac, th.min_duration_s,
                     ctx.assess.min_finding_frames):
        peak = ep[2]
        by_rise = bool(np.isfinite(rise[peak]) and not rise[peak] / min_rise
                       <= held[peak] / th.min_held_flexion_deg)
        value = float(rise[peak] if by_rise else held[peak])
        threshold = min_rise if by_rise else th.min_held_flexion_deg
        hn_drop = float(hn_base - sig.head_neck_deg[peak])
        # The error bar was measured for the rise (over the lifter's own straightest frames);
        # against the fixed neutral, a population guess, no error was measured: none is given.
        err = flex_err if by_rise else None
        # Past the flexion its degrees were checked on, only "more than" that is stated (no
        # error bar: none was measured there); the reading still grades the finding.
        unchecked = value if value > FLEXION_CHECKED_TO_DEG else None
        floor_note = (f" (counted from a back curved in (arched) {th.max_own_arch_pct:g}% of "
                      "its shoulder-to-hip length: yours read more arched)" if floored else "")
        if unchecked is not None:
            value, err = FLEXION_CHECKED_TO_DEG, None
            past = (f"its degrees were checked on rendered lifters only up to "
                    f"{format_limit(value, 'deg')}, so no closer figure is given")
            detail = (f"back rounded by more than {format_limit(value, 'deg')} over your "
                      f"straightest ({past}){floor_note}" if by_rise else
                      f"back held rounded more than {format_limit(value, 'deg')} past a "
                      f"typical neutral bent-over back ({past}; "
                      f"{_level_note(measured_own, base)})")
        else:
            shown = format_value(value, "deg", threshold)  # as every surface shows it
            detail = (f"back rounded about {shown} (±{err:.0f}°) more than at your "
                      f"straightest{floor_note}" if by_rise else
                      f"back held rounded about {shown} past a typical neutral bent-over "
                      f"back ({_level_note(measured_own, base)})")
        findings.append(_finding(
            ctx, "rounded_back", ep, value, threshold, "deg",
            "back_flexion_rise" if by_rise else "back_flexion", detail,
            {"signals": ["back_flexion", "back_bulge", "trunk_inclination", "head_neck_angle"],
             "flexion_deg": value, "flexion_checked_to_deg": FLEXION_CHECKED_TO_DEG,
             "flexion_error_deg": err, "deg_per_bulge_pct": k,
             "deg_per_lean_deg": th.lean_flexion_deg_per_lean_deg if lean_cal else None,
             "trunk_lean_deg": float(sig.lean_deg[peak]),
             "view": "oblique" if oblique else "side",
             "head_drop_deg_part": float(head_drop[peak]) if oblique else None,
             "bulge_pct": 100.0 * float(sig.bulge[peak]), "neutral_bulge_pct": 100.0 * base,
             "own_neutral_bulge_pct": 100.0 * own, "own_neutral_floored": floored,
             "own_measured_bulge_pct": 100.0 * measured_own,
             "judged_by": "rise" if by_rise else "level",
             "trunk_inclination_deg": float(sig.trunk_deg[peak]),
             "head_neck_drop_deg": hn_drop,
             "head_neck_supports": bool(hn_drop >= th.support_head_neck_drop_deg),
             "min_duration_s": th.min_duration_s}, unchecked_value=unchecked))
    assessments = require_judged_frames(
        ctx, assessments, judged, {f.rep for f in findings},
        lambda rep: _why_back_not_judged(ctx, usable, judged, rep, th), th.min_duration_s,
        ctx.assess.min_finding_frames)
    series = [
        Series("back_flexion", "Back flexion past a bent-over neutral (from the outline)",
               "deg", sig.t_s, held, threshold=th.min_held_flexion_deg, fault="rounded_back",
               judged=judged, checked_to=FLEXION_CHECKED_TO_DEG),
        Series("back_bulge", "Back outline's bow past a bent-over neutral (context)",
               "% of torso", sig.t_s, 100.0 * (sig.bulge - base),
               baseline=100.0 * base if np.isfinite(base) else None),
        Series("head_neck_angle", "Ear-shoulder-hip angle", "deg", sig.t_s, sig.head_neck_deg,
               baseline=hn_base if np.isfinite(hn_base) else None),
    ]
    if np.isfinite(rise).any():  # the second criterion, on its own scale and limit
        series.insert(1, Series(
            "back_flexion_rise", "Back flexion over your straightest bent-over frames",
            "deg", sig.t_s, rise, threshold=min_rise, fault="rounded_back",
            judged=judged, checked_to=FLEXION_CHECKED_TO_DEG))
    return _warned_reps_caveat(RuleOutcome(tuple(findings), assessments, tuple(series)),
                               _ROUNDING_NOT_RULED_OUT)


def _without_clause(words: str, clause: str) -> str | None:
    """``words`` without ``clause`` (one of its "; "-joined clauses); None if nothing is left."""
    rest = [c for c in words.split("; ") if c]
    drop = [c for c in clause.split("; ") if c]
    for i in range(len(rest) - len(drop) + 1):
        if rest[i:i + len(drop)] == drop:
            rest = rest[:i] + rest[i + len(drop):]
            break
    return "; ".join(rest) or None


def _level_note(own: float, base: float) -> str:
    """What a rounding judged against the typical neutral (the level) can say about the
    lifter's own straightest bent-over frames (``own``, ``base``: bows as fractions of the
    chord, NaN ``own``: too few frames to know it): only what was measured, in words a
    lifter reads without the outline's jargon. The bow is how far the back's outline stands
    off the straight shoulder-hip line, as a share of that line: its sign is said as a
    direction (a negative bow is an outline curved in, arched), never as "bowed -0.7%"."""
    if not np.isfinite(own):
        return "a rough estimate: too few bent-over frames to know your own straightest back"
    pct = round(100.0 * own, 1) + 0.0  # + 0.0: a bow rounding to -0.0 reads 0.0
    if pct > 0:
        yours = f"curved out {pct:.1f}%"
    elif pct < 0:
        yours = f"curved in (arched) {-pct:.1f}%"
    else:
        yours = "was straight (0.0%)"
    # As short as the words it replaced allow: the video's banner gives a message whole only
    # where it fits (else its short form).
    return (f"a rough estimate: a typical bent-over back curves out {100.0 * base:.1f}% of "
            f"its shoulder-to-hip length; yours, at its straightest, {yours}")


def _why_back_not_judged(ctx: FaultContext, usable: np.ndarray, judged: np.ndarray, rep: Rep,
                         th: RoundedBackThresholds) -> str:
    """Why the rounding rule judged (almost) none of ``rep``'s frames."""
    frames = slice(rep.start_frame, rep.end_frame + 1)
    lean = np.where(usable[frames], ctx.sig.lean_deg[frames], np.nan)
    most = float(np.nanmax(lean)) if np.isfinite(lean).any() else float("nan")
    if not most >= th.judge_min_trunk_deg:
        return (f"the trunk never leaned forward {th.judge_min_trunk_deg:g}° in this rep "
                f"(at most {most:.0f}°): the back's curve is read only while bent over, so "
                "an upright back is not judged")
    with np.errstate(invalid="ignore"):
        elbows_out = (lean >= th.judge_min_trunk_deg) \
            & (ctx.sig.elbow_behind_back[frames] > th.max_elbow_behind_back_frac)
    if elbows_out.any():
        return ("the elbows lay behind the back line on the bent-over frames, where the arm "
                "merges with the back's outline")
    return (f"only {int(judged[frames].sum())} of this rep's frames could be judged, too few "
            "for a finding")


#: What the lockout reading misses on rendered lifters, per exercise, leading the rule's caveat
#: (the video shows that first clause): `python bench/lockout_renders.py` over the back-fault
#: and camera-placement renders (docs/analysis.md, session 16). Rendered squats' 20° lumbar
#: extensions at the top were found in 56 of 56 reps from the side and 8 of 8 at 45°: no
#: caveat, but from behind at 45° 3 of 8 (``_LOCKOUT_MISSED_BEHIND``). No rendered rep without
#: an over-extension was warned (0 of 356 since session 22, which no longer judges a lockout
#: seen standing tall on fewer frames than a finding lasts: two deadlift reps of 51 left the
#: figure; session 17's rep count, which no longer swallows a rep filmed from behind at 45°,
#: judged five more deadlift reps there than session 16's 0 of 3).
#: The deadlift's 35° figures: session 19, four bodies at the standard placement, once readings
#: up to ``max_plausible_hip_extension_deg`` 45° counted (docs/analysis.md, session 19).
_LOCKOUT_MISSED = {
    "deadlift": ("a deadlift's lockout reads short: rendered 20° over-extensions were found "
                 "in 10 of 49 reps from the side, 4 of 8 at 45°; 35° ones in 8 of 8 from each; "
                 "the pose model kept hips pushed through to the bar behind the joint"),
}
#: The same where the lifter faces away from a camera at 45° (the twist's ``facing``). The
#: deadlift's 35° figure: session 19, four bodies from behind at 45°, 3.2 m at hip height
#: (``bench/render_placements.py --placement std --azimuth 135 --fault ext35 --fault ext20``):
#: 35° read 15-21° and were found, 20° read 1-5°; so the lockout is judged there, not given up.
_LOCKOUT_MISSED_BEHIND = {
    "deadlift": ("from behind at 45° a deadlift's lockout reads short: rendered 20° "
                 "over-extensions were found in 0 of 8 reps; 35° ones in 8 of 8"),
    "squat": ("from behind at 45° a squat's top reads short: rendered 20° over-extensions "
              "were found in 3 of 8 reps"),
}


#: Facing away from a camera at 45° the body hides the hands that a row's rep count reads
#: (``reps``), and that of a lift not recognised when the hands move most. Rendered sets
#: there counted wrong, by the lift the analysis recognised (``python bench/eval_reps.py``,
#: session 20; re-run in session 23 after the rep count's change): rows 8 of 18, not
#: recognised 9 of 43 (rendered rows and deadlifts), deadlifts 0 of 27 and squats 0 of 44
#: (so no words); other views 2 of 592. Every judged
#: rep's verdict rests on the count, so the judged verdicts there say it, after what bears
#: on the fault itself.
_REPS_FROM_HIDDEN_HANDS = {
    "row": ("facing away at 45° the body hides the hands the reps are counted from: of the "
            "rendered sets filmed so and recognised as rows, 8 of 18 were counted wrong"),
    "unknown": ("facing away at 45° the body hides the hands: of the rendered rows and "
                "deadlifts filmed so whose lift was not recognised, 9 of 43 were counted "
                "wrong"),
}


def _with_rep_count_caveat(ctx: FaultContext, caveat: str | None) -> str | None:
    """``caveat`` with ``_REPS_FROM_HIDDEN_HANDS``'s words after it where the lifter faces away
    from a camera at 45° (the twist cues' ``facing``) in a row or a lift not recognised."""
    if ctx.view.name != "oblique" or getattr(ctx.sig.twist, "facing", True):
        return caveat
    return _clauses(caveat, _REPS_FROM_HIDDEN_HANDS.get(ctx.exercise))


def lumbar_overextension(ctx: FaultContext) -> RuleOutcome:
    """Over-extension at lockout (trunk behind the line of the thighs: measured between body
    segments, never against the camera's axes, which a phone on the floor tilts by 10-20 deg)
    and while bent over (back outline concave past a straight line, side view only)."""
    th = ctx.thresholds.lumbar_overextension
    rb = ctx.thresholds.rounded_back
    sig = ctx.sig
    frame_ok = sig.trunk_visible & sig.legs_visible
    # A clip cutting between cameras: judged in its reps filmed from the side or 45°.
    ctx, shown, cut = cut_clip_reps(ctx, VIEW_SHOWS["lumbar_overextension"],
                                    rb.mixed_min_rep_side_frac, "leaning back")
    bent_judged = ctx.view.name == "side" and np.isfinite(th.min_bent_arch_pct)
    caveat = None if bent_judged else (
        "only the lockout is judged (trunk against thighs); arching while bent over is "
        + ("judged only from the side" if np.isfinite(th.min_bent_arch_pct) else
           "not judged: the back outline's neutral differs too much between lifters and "
           "cameras"))
    missed = _LOCKOUT_MISSED.get(ctx.exercise)
    if ctx.view.name == "oblique" and not getattr(sig.twist, "facing", True):
        missed = _LOCKOUT_MISSED_BEHIND.get(ctx.exercise, missed)
    caveat = _with_rep_count_caveat(ctx, _clauses(cut, missed, caveat))
    assessments, usable = assess_fault(ctx, "lumbar_overextension", frame_ok, caveat=caveat)
    usable = _only_in(usable, shown)
    # The lockout's and the bent-over arch's frames; the bent-over neutral (a reference, not
    # a verdict) is read from every usable frame.
    assessments, in_reps = judged_in_reps(ctx, assessments, usable)
    ext = _hip_extension_read(sig, th)
    base, _ = neutral_bulge(ctx, usable & (sig.lean_deg >= rb.judge_min_trunk_deg))
    concave = -100.0 * (sig.bulge - base) if np.isfinite(base) else np.full_like(ext, np.nan)
    hips_through = sig.hips_forward_ratio >= th.min_hips_forward_ratio
    with np.errstate(invalid="ignore"):  # NaN compares False: not arched, not plausible
        arched = concave >= th.min_concave_pct
        plausible = ext <= th.max_plausible_hip_extension_deg
        # Standing tall: hips high *and* the trunk near vertical (a set-up with the hips
        # high is bent over, not locked out).
        tall = (sig.hip_height_ratio >= th.judge_min_hip_height_ratio) \
            & (sig.lean_deg <= th.judge_max_lean_deg) \
            & ~(ext < th.judge_min_hip_extension_deg)
    upright = in_reps & tall & plausible
    if not bent_judged:
        assessments = _require_lockout(ctx, assessments, upright)
    findings = []
    x = np.where(upright, ext, np.nan)
    for ep in decide(sig.t_s, x, th.min_hip_extension_deg, th.release_frac, th.min_duration_s,
                     ctx.assess.min_finding_frames):
        peak = ep[2]
        value = float(x[peak])
        detail = _hip_extension_detail(value, bool(hips_through[peak]), bool(arched[peak]))
        findings.append(_finding(
            ctx, "lumbar_overextension", ep, value, th.min_hip_extension_deg, "deg",
            "hip_extension", detail,
            {"signals": ["hip_extension", "hips_forward", "back_bulge"],
             "where": "lockout", "hip_extension_deg": value,
             "lean_back_vs_camera_deg": float(-sig.lean_deg[peak]),
             "hips_forward_leg_lengths": float(sig.hips_forward_ratio[peak]),
             "concave_pct": float(concave[peak]),
             "hips_through": bool(hips_through[peak]), "concave_back": bool(arched[peak]),
             "min_duration_s": th.min_duration_s}))
    # Bent over: the outline (side view only) concave past a straight shoulder-hip line.
    arch = -100.0 * sig.bulge
    # Drawn on every usable bent-over frame (context), judged inside counted reps only.
    bent_seen = usable & (sig.lean_deg >= rb.judge_min_trunk_deg) & ~(tall & plausible)
    if np.isfinite(rb.max_elbow_behind_back_frac):  # a row's elbows break the outline
        with np.errstate(invalid="ignore"):
            bent_seen &= ~(sig.elbow_behind_back > rb.max_elbow_behind_back_frac)
    bent = bent_seen & in_reps
    xb = np.where(bent & bent_judged, arch, np.nan)
    for ep in decide(sig.t_s, xb, th.min_bent_arch_pct, th.release_frac, th.min_duration_s,
                     ctx.assess.min_finding_frames):
        peak = ep[2]
        value = float(xb[peak])
        findings.append(_finding(
            ctx, "lumbar_overextension", ep, value, th.min_bent_arch_pct, "% of torso",
            "back_arch", f"lower back arched while bent over: outline {value:.1f}% of torso length "
            "concave past a straight line",
            {"signals": ["back_bulge", "trunk_inclination"], "where": "bent over",
             "concave_pct": value, "bulge_pct": 100.0 * float(sig.bulge[peak]),
             "trunk_inclination_deg": float(sig.trunk_deg[peak]),
             "min_duration_s": th.min_duration_s}))
    findings.sort(key=lambda f: f.start_s)
    # A rep that stood tall for fewer frames than a finding must last cannot show one.
    assessments = require_judged_frames(
        ctx, assessments, upright | (bent & bent_judged), {f.rep for f in findings},
        lambda rep: _stood_tall_too_briefly(ctx, upright, rep, th), th.min_duration_s,
        ctx.assess.min_finding_frames)
    series = (
        Series("hip_extension", "Trunk behind the thigh line", "deg", sig.t_s, ext,
               threshold=th.min_hip_extension_deg, fault="lumbar_overextension",
               judged=upright),
        Series("back_arch", "Back outline concave past straight", "% of torso", sig.t_s,
               np.where(bent_seen, arch, np.nan),
               # Off (inf): context only, nothing to draw a limit at.
               threshold=th.min_bent_arch_pct if np.isfinite(th.min_bent_arch_pct) else None,
               fault="lumbar_overextension", judged=bent & bent_judged),
    )
    return RuleOutcome(tuple(findings), assessments, series)


def _hip_extension_read(sig: BodySignals, th: LumbarOverextensionThresholds) -> np.ndarray:
    """The trunk against the thighs as the lockout rule reads it: the world landmarks' angle
    (``hip_extension_deg``), except where the picture shows the trunk more than
    ``max_picture_flexion_deg`` in front of the thighs (``hip_extension_picture_deg``; NaN
    there, where the facing is not known, leaves the world's): there no lean back is seen,
    and the picture's own angle is read where it is the lower. What the video's gauge and
    the page plot too."""
    ext = sig.hip_extension_deg
    pic = sig.hip_extension_picture_deg
    if pic is None or not np.isfinite(th.max_picture_flexion_deg):
        return ext
    with np.errstate(invalid="ignore"):  # NaN compares False: the world's angle stays
        return np.where(pic < -th.max_picture_flexion_deg, np.minimum(ext, pic), ext)


def _hip_extension_detail(ext_deg: float, hips_through: bool, arched: bool) -> str:
    """The lockout over-extension message: only what the evidence at the peak shows."""
    extra = [w for w, seen in (("hips pushed ahead of the feet", hips_through),
                               ("back outline concave", arched)) if seen]
    return f"trunk {ext_deg:.0f}° behind the line of the thighs (hips over-extended" + (
        "; " + ", ".join(extra) if extra else "") + ")"


def _require_lockout(ctx: FaultContext, assessments: tuple[Assessment, ...],
                     upright: np.ndarray) -> tuple[Assessment, ...]:
    """Where only the lockout is judged, a clip or rep in which the lifter never reads as
    standing tall (lockout not reached, or the hips hidden, e.g. behind a plate, so their
    height is misread) cannot show over-extension: say so instead of a silent "none"."""
    why = _not_standing_tall(ctx.exercise, ctx.thresholds.lumbar_overextension)
    clip_up = bool(upright.any())
    reps_up = _sum_over(upright, ctx.rep_first, ctx.rep_last) > 0
    if clip_up and reps_up.all():  # every rep reads as standing tall: nothing to change
        return assessments
    rep_up = dict(zip((r.index for r in ctx.reps), reps_up.tolist(), strict=True))
    out = []
    for a in assessments:
        if a.assessable and not clip_up:
            a = replace(a, assessable=False, reason=why)
        elif a.assessable and a.rep is not None and not rep_up.get(a.rep, True):
            # No "in this rep": reps sharing a reason are listed together ("reps 1, 2").
            a = replace(a, assessable=False, reason=why)
        out.append(a)
    return tuple(out)


def _stood_tall_too_briefly(ctx: FaultContext, upright: np.ndarray, rep: Rep,
                            th: LumbarOverextensionThresholds) -> str:
    """Why a rep whose lockout read as standing tall on only a few frames is not judged."""
    n = int(upright[rep.start_frame:rep.end_frame + 1].sum())
    if n == 0:
        return _not_standing_tall(ctx.exercise, th)
    need = max(_frames_for(ctx, th.min_duration_s), ctx.assess.min_finding_frames)
    return (f"the lifter read as standing tall on only {n} of this rep's frames, too few to "
            f"judge leaning back (a finding must last {need} frames)")


def _not_standing_tall(exercise: str, th: LumbarOverextensionThresholds) -> str:
    """Why the lockout rule judged nothing, in the exercise's own terms (``th``: its
    ``LumbarOverextensionThresholds``): a row has no lockout, a squat stands up, a deadlift
    locks out (and a plate may hide the hips from the side)."""
    tall = (f"hips at least {th.judge_min_hip_height_ratio:g} leg lengths up with the trunk "
            f"leaning forward at most {th.judge_max_lean_deg:g}°")
    if np.isfinite(th.judge_min_hip_extension_deg):
        tall += f" and at most {-th.judge_min_hip_extension_deg:g}° in front of the thighs"
    if exercise == "row":
        return (f"the lifter never stands upright ({tall}): a bent-over row has no lockout "
                "to lean back from, so leaning back past the thighs is not judged")
    if exercise == "deadlift":
        return (f"the lifter never reads as standing tall ({tall}: lockout not reached, or "
                "the hips hidden, e.g. behind a plate), so leaning back at lockout could not "
                "be judged")
    if exercise == "squat":
        return (f"the lifter never reads as standing tall ({tall}: not stood up fully "
                "between reps, or the hips hidden), so leaning back at the top could not be "
                "judged")
    return (f"the lifter never reads as standing tall ({tall}), so leaning back past the "
            "thighs could not be judged")


def jerky_twist(ctx: FaultContext) -> RuleOutcome:
    """Fast, abrupt rotation of the shoulders against the hips (``features.compute_twist``:
    true degrees from the projected widths where the view shows them, the image landmarks'
    depth where it does not). A finding says how far (deg, from the angle held just before),
    how fast (peak deg/s and the time to get there), when and to which side. Where a fitted
    landmark combination reads the twist (the lifter facing the camera, or seen from the side
    beside the back's outline), ``_quick_turns`` judges it instead, by the size of a quick
    turn; from the side only side-view reps are judged."""
    th = ctx.thresholds.jerky_twist
    sig = ctx.sig
    tw = sig.twist
    clip_reason = None
    if sig.fps < ctx.assess.min_fps_for_jerk_hz:
        # Rounded down: 19.98 fps shown as "20.0" would read as meeting the 20 it needs.
        clip_reason = (f"{np.floor(sig.fps * 10) / 10:.1f} fps is too few frames per second "
                       f"to measure abrupt motion (needs {ctx.assess.min_fps_for_jerk_hz:g}); "
                       "film at 30 fps or more")
    elif tw is None:
        clip_reason = "no twist signal was computed for this sequence"
    elif tw.side_unread is not None:
        clip_reason = side_twist_unread_reason(tw.side_unread, tw.min_read_s)
    elif (ctx.view.name == "side" and tw.landmark_fit != "side" and tw.side_from_deg is not None
          and tw.view_off_deg < tw.side_from_deg):
        clip_reason = (f"the hips are turned only {tw.view_off_deg:.0f}° from facing the camera: "
                       f"short of the {tw.side_from_deg:g}° the twist's side reading needs; film "
                       "side-on or square-on")
    cue = _twist_cue(tw)
    # What bears most on the verdict comes first: the video shows only the first clause.
    if tw is None:
        caveat = None
    elif tw.quick_turn_deg is not None:
        caveat = (f"{_NO_WARNING_CLAUSE}twist read from {cue}, "
                  + _LANDMARK_TWIST_FOUND.get(tw.landmark_fit, "a fit made on rendered lifters"))
    else:
        caveat = (f"{_NO_WARNING_CLAUSE}twist read from {cue}; on rendered lifters it found "
                  "about half of the 40° twists done in 0.2 s, few of the 10-20° ones, and none "
                  "of the 10-20° twists turned out in 0.25 s (a shoulder leading the pull, a "
                  "heave, a turn that stays)")
    caveat = _with_rep_count_caveat(ctx, caveat)
    side = tw is not None and tw.landmark_fit == "side"
    view_reason = _SIDE_READ_REASON if side else None
    if (not side and tw is not None and tw.side_from_deg is not None
            and ctx.view.name in VIEW_SHOWS["jerky_twist"]):
        # A rep filmed from the side in a set read as from the front or at 45°: the side has
        # a reading of its own, made for sets filmed side-on throughout, so "a side view
        # cannot show it" would contradict what the same tool judges on such a set.
        view_reason = _OTHER_VIEW_READ_REASON.replace("{set_view}", ctx.view.name)
    # Views from the hip line: the twist itself turns the shoulders and the body's yaw. Read
    # from the side (the side fit and the outline), only side-view reps are judged.
    assessments, usable = assess_fault(
        ctx, "jerky_twist", sig.trunk_visible, clip_reason, caveat, yaw_deg=sig.pelvis_yaw_deg,
        views=frozenset({"side"}) if side else None, view_reason=view_reason)
    if not side:
        # Near side-on the front's cues cannot read a turn about the spine (the shoulders'
        # projected width barely changes and one shoulder hides the other). Facing away at 45°
        # the network reads the hip line up to the side reading's start (rear-45° renders:
        # 45-61°), and that reading is made for it.
        broad = th.max_yaw_off_front_deg
        if tw is not None and tw.landmark_fit == "oblique_far" and tw.side_from_deg is not None:
            broad = tw.side_from_deg
        assessments, turned = _require_broad_view(ctx, assessments, broad)
        usable = usable & ~turned
    assessments, usable = judged_in_reps(ctx, assessments, usable)
    if tw is not None and tw.quick_turn_deg is not None:
        return _warned_reps_caveat(_quick_turns(ctx, assessments, usable, cue),
                                   _NO_WARNING_CLAUSE)
    n = len(sig.t_s)
    if tw is None:
        angle = rate = jerk = np.full(n, np.nan)
    else:
        angle, rate, jerk = tw.angle_deg, tw.rate_deg_s, tw.jerk_deg_s3
    speed = np.abs(rate)
    half = max(1, _frames_for(ctx, th.event_window_s / 2.0))
    pre = max(1, _frames_for(ctx, th.baseline_s))
    # The set's first and last frames are not judged: a turn there has no angle held before
    # it to be measured from, and the low-pass and the rate's derivative start and end there
    # (a rear-45° render's slow twist read as a 33° snap on its first 3 frames).
    usable = usable & ~_clip_ends(n, pre + half, half)
    x = np.where(usable, speed, np.nan)
    # The depth cue is noisier than the widths: it must show more (limits blended by the width
    # cue's weight, per frame). A finding is graded and drawn against the limit at its peak.
    wt_all = tw.width_weight if tw is not None else np.ones(n)
    flow = tw is not None and tw.depth_source == "flow"
    other_rate = th.min_flow_twist_rate_deg_s if flow else th.min_depth_twist_rate_deg_s
    other_deg = th.min_flow_twist_deg if flow else th.min_depth_twist_deg
    stand_in = tw.depth_where_hidden if tw is not None else None
    if stand_in is not None:  # frames the hands hid from the flow: the depth cue's limits
        other_rate = np.where(stand_in, th.min_depth_twist_rate_deg_s, other_rate)
        other_deg = np.where(stand_in, th.min_depth_twist_deg, other_deg)
    need_rate_t = wt_all * th.min_twist_rate_deg_s + (1.0 - wt_all) * other_rate
    findings = []
    skipped = {"tracking_break": 0, "hips_turned": 0}
    episodes = decide(sig.t_s, x, min(th.min_twist_rate_deg_s, float(np.min(other_rate))),
                      th.release_frac, th.min_duration_s)
    # Per episode, over all episodes at once: how abrupt (the jerk around it), whether the
    # picture jumped, and how far the hips turned around the peak.
    ep = np.array(episodes, dtype=np.intp).reshape(-1, 3)
    lo_all, hi_arr = np.maximum(0, ep[:, 0] - half), np.minimum(n, ep[:, 1] + half)
    hi_all = hi_arr.tolist()
    abrupt_all = range_reduce(np.fmax, np.abs(jerk), lo_all, hi_arr - 1).tolist()
    broken_all = (range_reduce(np.add, sig.tracking_break, lo_all, hi_arr - 1,
                               dtype=np.intp) > 0).tolist()
    h_lo, h_hi = np.maximum(0, ep[:, 2] - half), np.minimum(n, ep[:, 2] + half + 1)
    hips = sig.hip_heading_deg
    hip_turn_all = (range_reduce(np.fmax, hips, h_lo, h_hi - 1)
                    - range_reduce(np.fmin, hips, h_lo, h_hi - 1)).tolist()
    # The values read at each peak, in one pass per array, and where each episode lies.
    peaks = ep[:, 2]
    x_pk, wt_pk, need_rate_pk = (x[peaks].tolist(), wt_all[peaks].tolist(),
                                 need_rate_t[peaks].tolist())
    other_deg_pk = other_deg[peaks].tolist() if stand_in is not None else None
    places = _places(ctx, episodes)
    for i, (s, e, peak) in enumerate(episodes):
        hi = hi_all[i]
        abrupt = abrupt_all[i]
        # How far: from the angle held just before the fast part to the farthest point
        # reached during it and shortly after (an out-and-back jerk or a twist that stays).
        before = angle[max(0, s - pre):s + 1]
        base = _nanmedian_short(before)
        if base != base:  # nothing seen just before: start from the episode's first frame
            base = float(angle[s])
        k = _nanargmax_abs_short(angle[s:hi] - base)
        if k < 0:
            continue
        far = float(angle[s + k] - base)
        wt = wt_pk[i]
        need_rate = need_rate_pk[i]
        need_deg = wt * th.min_twist_deg + (1.0 - wt) * (
            other_deg_pk[i] if other_deg_pk is not None else other_deg)
        if (abrupt < th.min_twist_jerk_deg_s3 or abs(far) < need_deg
                or x_pk[i] < need_rate):
            continue
        # A cut or a lost track makes every landmark jump: nothing about the spine is known.
        if broken_all[i]:
            skipped["tracking_break"] += 1
            continue
        hip_turn = hip_turn_all[i]  # NaN (not judged) when the hips were never seen
        if not hip_turn <= th.max_hip_turn_deg:
            skipped["hips_turned"] += 1
            continue
        value = x_pk[i]
        side = "left" if far > 0 else "right"
        rise_s = float(sig.t_s[s + k] - sig.t_s[s])
        findings.append(_finding(
            ctx, "jerky_twist", (s, e, peak), value, need_rate, "deg/s", "twist_rate",
            f"shoulders snapped {abs(far):.0f}° to the lifter's {side} against the hips "
            f"in {rise_s:.2f} s, at up to {value:.0f}°/s",
            {"signals": ["twist_rate", "twist_angle"], "twist_rate_deg_s": value,
             "min_twist_rate_here_deg_s": need_rate, "width_cue_weight": wt,
             "twist_deg": abs(far), "twist_side": side, "twist_rise_s": rise_s,
             "min_twist_deg": need_deg, "twist_cue": cue,
             "twist_jerk_deg_s3": abrupt, "min_twist_jerk_deg_s3": th.min_twist_jerk_deg_s3,
             "hip_turn_deg": hip_turn, "max_hip_turn_deg": th.max_hip_turn_deg,
             "min_duration_s": th.min_duration_s},
            placed=places[i]))
    # Square-on the flow is the only cue: where the hands hid the torso it sees no motion.
    assessments, hidden = _require_flow_seen(ctx, assessments, {f.rep for f in findings})
    usable &= ~hidden
    # The low-pass and the rate's derivative smear a cut's (or lost track's) jump over the
    # frames around it (a step's rate response stays above 2% of its peak ~0.1-0.17 s either
    # side at 8 Hz): no frame within the half-window an episode is checked for breaks in is
    # judged, as no episode there is.
    usable &= ~_near_breaks(sig.tracking_break, half)
    # The limit the surfaces draw and compare with: each frame's own (``need_rate_t``, what
    # the frame was judged against), never a summary of it.
    assessments = _with_skipped(assessments, skipped, "fast rotation")
    series = (
        Series("twist_rate", "Shoulder-vs-hip rotation speed", "deg/s", sig.t_s, speed,
               threshold_t=need_rate_t, fault="jerky_twist", judged=usable,
               limit_by="by how well the view shows the turn"),
        Series("twist_angle", "Shoulders turned against the hips (+ to the lifter's left)",
               "deg", sig.t_s, angle),
    )
    return _warned_reps_caveat(RuleOutcome(tuple(findings), assessments, series),
                               _NO_WARNING_CLAUSE)


#: The twist caveat's first clause, true only of a rep with no warning.
_NO_WARNING_CLAUSE = "no warning does not rule a twist out; "


def _warned_reps_caveat(outcome: RuleOutcome, clause: str) -> RuleOutcome:
    """``outcome`` with the words of each rep that has a finding rid of ``clause`` (what no
    warning cannot rule out: the video shows a caveat's first clause beside the warning), and
    the whole clip's too when every judged rep has one. For the twist and the rounding."""
    warned = {f.rep for f in outcome.findings}
    judged = {a.rep for a in outcome.assessments if a.rep is not None and a.assessable}
    all_warned = bool(judged) and judged <= warned  # then the whole clip's words too
    return replace(outcome, assessments=tuple(
        replace(a, reason=_without_clause(a.reason, clause))
        if a.reason and (a.rep in warned if a.rep is not None else all_warned) else a
        for a in outcome.assessments))


#: What the landmark twist found on rendered lifters facing the camera, each body held out of
#: the fits and of the limits (square-on: docs/analysis.md, session 27, all eight bodies with
#: the spread clear of turns: bench/twist_learned.py rule --train jerk,shapes,bar --score-only
#: '' --renders DIR --per-body; the camera placements: session 18, bench/eval_synth.py on
#: bench/render_placements.py's twist sets; the oblique fit: round 12, rule --view 45).
_LANDMARK_TWIST_FOUND = {
    "front": ("a fit made on rendered lifters facing the camera square-on (eight bodies): "
              "with the body held out, in deadlifts and rows it found 16 of 16 40° and 20° "
              "twists done in 0.2 s and 13 of 16 10° ones, 6 of 8 20° twists turned out in "
              "0.25 s (a shoulder leading the pull, a heave; two bodies) and 4 of 8 10° ones, "
              "and warned on none of 48 slow twists filmed from hip height, but on 7 of 30 "
              "slow deadlift twists filmed from the floor, from head height, rolled or near in "
              "a portrait frame (two bodies)"),
    "front_hands": ("a fit made on rendered squats facing the camera square-on (eight bodies), "
                    "the arms held forward or the hands on a bar on the back: with the body "
                    "held out it found, arms forward, 8 of 8 40°, 20° and 10° twists done in "
                    "0.2 s, 8 of 8 20° twists turned out in 0.25 s (two bodies) and 4 of 8 10° "
                    "ones, warning on 2 of 24 slow twists; under a bar 8 of 8 40° and 20° ones "
                    "and 7 of 8 10° ones, warning on 1 of 24 slow twists"),
    "oblique": ("a fit made on rendered lifters turned 45° towards the camera (off by default: "
                "it warned on 7 of 95 real clean reps): with the body held out it found 6 of "
                "11 40° twists done in 0.2 s, 4 of 11 20° ones and none of 11 10° ones, none "
                "of 8 20° twists turned out in 0.25 s, and warned on 1 of 24 slow twists"),
    "side": ("a fit made on rendered lifters seen from the side (eight bodies, either side), "
             "warning only where the upper back's outline turns with it: with the body held "
             "out it found 20 of 24 40° twists done in 0.2 s, 6 of 24 20° ones and none of "
             "24 10° ones, and warned on none of 72 slow twists, 72 twist-free reps and 72 "
             "with a rounding, an arch or a lean back"),
    "oblique_near": ("a fit made on rendered lifters turned 45° towards the camera (eight "
                     "bodies), warning only where the upper back's outline turns with it: "
                     "with the body held out it found 24 of 24 40° twists done in 0.2 s, 13 of "
                     "24 20° ones and 1 of 24 10° ones, none of 8 20° twists turned out in "
                     "0.25 s (a shoulder leading the pull, a heave, a turn that stays), and "
                     "warned on none of 72 slow twists, 72 twist-free reps and 72 with a "
                     "rounding, an arch or a lean back"),
    "oblique_far": ("a fit made on rendered lifters turned 45° away from the camera (eight "
                    "bodies), warning only where the upper back's outline turns with it: "
                    "with the body held out it found 21 of 22 40° twists done in 0.2 s, 17 of "
                    "24 20° ones and 7 of 24 10° ones, and warned on none of 66 slow twists, "
                    "70 twist-free reps and 68 with a rounding, an arch or a lean back"),
}
#: How every reason begins why a set seen from the side got no twist reading
#: (``side_twist_unread_reason``).
SIDE_TWIST_UNREAD_PREFIX = "from the side the twist is read with the back's outline"


def side_twist_unread_reason(why: str, min_read_s: float) -> str:
    """Why a set seen from the side is not judged for the twist (``TwistSignals.side_unread``):
    no back outline in the pose data ("outline"), no side fit installed ("fit"), the feet (or
    the torso) never measured ("feet"), or the side reading read on too little of the set
    ("short"; live mode waits for more of the set: ``is_side_twist_short_reason``)."""
    if why == "outline":
        return (f"{SIDE_TWIST_UNREAD_PREFIX}, and the pose data have none; re-run the pose "
                "step with the back profile on")
    if why == "fit":
        return f"{SIDE_TWIST_UNREAD_PREFIX} and a fit that is not installed"
    if why == "feet":
        return (f"{SIDE_TWIST_UNREAD_PREFIX} and the feet (which way the lifter faces), "
                "never seen whole here")
    return (f"{SIDE_TWIST_UNREAD_PREFIX} and the head, shoulders, hips and knees clear of the "
            f"picture's edges, read on under {min_read_s:g} s of this set")


def is_side_twist_short_reason(reason: str | None) -> bool:
    """Whether ``reason`` is the side reading's "read on too little of this set" (which more
    of a set under way may give)."""
    return bool(reason) and reason.startswith(SIDE_TWIST_UNREAD_PREFIX) and \
        ", read on under " in reason


#: Why a set read from the side, or a rep of it, is not judged where seen from another view.
#: The view is read from the hips' turn against the camera: a camera moved, the lifter turned,
#: or the pose model read the hips turned (rendered sets filmed from one place behind at 45°
#: read 24 reps as side-on, session 20), so the words say "read as", not "filmed from".
_SIDE_READ_REASON = ("this set's twist is read from the side, but this read as seen from the "
                     "{view} view, which that reading does not cover; film side-on or "
                     "square-on")
_OTHER_VIEW_READ_REASON = ("in this rep the lifter read as seen from the {view} view (the "
                           "camera moved, the lifter turned, or the pose model read the hips "
                           "turned), which this set's twist reading, chosen for the "
                           "{set_view} view most of the set read as, does not cover; a set "
                           "seen side-on throughout is read from the side (large twists only)")


def _quick_turns(ctx: FaultContext, assessments: tuple[Assessment, ...], usable: np.ndarray,
                 cue: str) -> RuleOutcome:
    """The jerky twist where a fitted landmark combination reads it (the lifter facing the
    camera, or read in the side frame beside the back's outline: from the side or at 45°,
    ``GATED_FITS``: ``TwistSignals.quick_turn_deg``). A quick turn warns where its size passes
    ``landmark_quick_turn_spreads`` (in the side frame that view's own, e.g.
    ``side_quick_turn_spreads``, and only where the back's outline turns with it, on frames
    where it was read) times the
    reading's own spread over the judged frames (how
    much it wavers on this lifter without a twist), and at least
    ``min_landmark_quick_turn_deg`` (from the side ``side_min_quick_turn_deg``:
    ``_quick_turn_limits``). Where the spread cannot be measured (under
    ``min_landmark_spread_s`` of judged frames) nothing is judged, and says so. A picture jump
    within the filter's reach or the hips turning with the shoulders rule a turn out, as on
    the other cues. The finding also states the landmark angle's peak rate over the turn (its
    slow part is not fitted, but over a quick turn the fitted fast part dominates: on rendered
    twists it read 0.92 of the true peak rate, docs/analysis.md twist round 12)."""
    th = ctx.thresholds.jerky_twist
    sig, tw = ctx.sig, ctx.sig.twist
    quick = tw.quick_turn_deg
    n = len(sig.t_s)
    half = max(1, _frames_for(ctx, th.event_window_s / 2.0))
    # A cut's or lost track's jump reaches the filter's whole window (and the event window):
    # none of it is judged, and a quick turn reaching it is not counted (and said so).
    reach = max(half, _frames_for(ctx, tw.quick_turn_support_s / 2.0))
    seen = usable & np.isfinite(quick)
    from_side = tw.landmark_fit in GATED_FITS  # read in the side frame, beside the outline
    outline_z = None
    if from_side:
        # From the side the fit warns only where the upper back's outline turns at once: its
        # quick turns in its own spreads, the largest within half the event window of each
        # frame. A frame with no outline in reach cannot show that, so it is not judged.
        outline_z = _outline_turns(tw.outline_quick_turn, seen, half)
        seen &= np.isfinite(outline_z)
    near = _near_breaks(sig.tracking_break, reach)
    usable = seen & ~near
    size = np.abs(quick)
    read = quick[usable]
    if read.size < _frames_for(ctx, th.min_landmark_spread_s):
        why = (f"the twist was read on {read.size / max(sig.fps, 1e-9):.1f} s of this set's "
               f"reps, under the {th.min_landmark_spread_s:g} s needed to know how much its "
               "reading wavers without a twist (" + _parts_read(tw) + " must be seen)")
        assessments = tuple(replace(a, assessable=False, reason=why) if a.assessable else a
                            for a in assessments)
        return RuleOutcome((), assessments, _quick_turn_series(ctx, size, None, usable))
    spread = _robust_spread(read)
    spreads, outline_need, max_hip, least = _quick_turn_limits(th, tw.landmark_fit)
    limit = max(least, spreads * spread)
    if _clears_turns(th, tw.landmark_fit):
        spread, limit = _spread_clear_of_turns(ctx, quick, usable, size, limit, spread, spreads,
                                               least, reach)
    # The spread to 0.01° (or as many more decimals as it takes): "9 times the 2.84°" makes
    # the 25.6° limit the words state, where "9 times the 2.8°" made 25.2° (the message, the
    # caveat and the page's evidence say it alike: ``times_text``).
    wavers = times_text(spread, spreads, limit)
    x = np.where(seen, size, np.nan)
    findings = []
    skipped = {"tracking_break": 0, "hips_turned": 0}
    if from_side:
        skipped["outline_still"] = 0
    # A twist out and back reads as two or more quick turns of opposite sign (the filter's
    # lobes): episodes closer than the event window are one twist, its side the twist shape
    # that best matches them all (_twist_side).
    events: list[list[tuple[int, int, int]]] = []
    for ep in decide(sig.t_s, x, limit, th.release_frac, th.min_duration_s):
        if events and sig.t_s[ep[0]] - sig.t_s[events[-1][-1][1] - 1] <= th.event_window_s:
            events[-1].append(ep)
        else:
            events.append([ep])
    episodes = [(ev[0][0], ev[-1][1], max((p for _, _, p in ev), key=lambda p: x[p]))
                for ev in events]
    places = _places(ctx, episodes)
    hips = sig.hip_heading_deg
    for (s, e, peak), placed in zip(episodes, places, strict=True):
        if near[s:e].any():
            skipped["tracking_break"] += 1
            continue
        lo, hi = max(0, peak - half), min(n, peak + half + 1)
        hip_turn = float(np.nanmax(hips[lo:hi]) - np.nanmin(hips[lo:hi])) \
            if np.isfinite(hips[lo:hi]).any() else float("nan")
        if not hip_turn <= max_hip:
            skipped["hips_turned"] += 1
            continue
        outline = float(np.nanmax(outline_z[s:e])) if from_side and np.isfinite(
            outline_z[s:e]).any() else float("nan")
        if from_side and not outline >= outline_need:
            skipped["outline_still"] += 1
            continue
        value = float(x[peak])
        side = _twist_side(ctx, quick, s, e)
        rates = np.abs(tw.rate_deg_s[max(0, s - half):min(n, e + half)])
        rate = float(np.nanmax(rates)) if np.isfinite(rates).any() else float("nan")
        findings.append(_finding(
            ctx, "jerky_twist", (s, e, peak), value, limit, "deg", "twist_quick_turn",
            f"shoulders snapped about {format_value(value, 'deg', limit)} to the lifter's "
            f"{side} against the hips "
            # (the peak rate is stated where it was checked: square-on, round 12)
            f"in a quick turn" + (f", at up to {rate:.0f}°/s" if rate == rate and not from_side
                                  else "")
            + f" (read as a turn rising over {tw.quick_turn_rise_s:g} s; the reading wavers "
            f"{wavers} on this lifter without a twist)",
            {"signals": ["twist_quick_turn", "twist_angle"], "quick_turn_deg": value,
             "twist_deg": value, "twist_side": side, "twist_cue": cue,
             "quick_turn_spread_deg": spread, "twist_rate_deg_s": rate,
             "quick_turn_spreads": spreads,
             "min_quick_turn_deg": least,
             "hip_turn_deg": hip_turn,
             "max_hip_turn_deg": max_hip,
             "min_duration_s": th.min_duration_s,
             **({"outline_turn_spreads_seen": outline,
                 "outline_turn_spreads_needed": outline_need} if from_side else {})},
            placed=placed))
    # What the limit is on this lifter, beside what the fit found on renders: a twist under
    # it is not warned here, however the renders went.
    by = (f"{spreads:g} times the {wavers} its reading wavers "
          "without a twist" if limit > least else
          f"the least size judged; its reading wavers {wavers} without a twist")
    if from_side:
        by += (f", and only where the upper back's outline turns {outline_need:g} "
               "times its own spread with it")
    # The limit to the figures the other surfaces show it with (``format_limit``).
    assessments = _with_note(assessments, f"on this lifter a quick turn warns from "
                             f"{format_limit(limit, 'deg')} ({by})", reps_too=True)
    assessments = _with_skipped(assessments, skipped, "quick turn")
    assessments = require_judged_frames(
        ctx, assessments, usable, {f.rep for f in findings},
        lambda rep: ("the twist was read on too few of this rep's frames (" + _parts_read(tw)
                     + " must be seen, away from any picture jump)"),
        th.min_duration_s)
    return RuleOutcome(tuple(findings), assessments,
                       _quick_turn_series(ctx, size, limit, usable))


def _quick_turn_limits(th, fit: str | None) -> tuple[float, float | None, float, float]:
    """The limits a landmark fit's quick turns are judged by: how many spreads, how many of
    its own spreads the back outline must turn with it (None: not asked), the most the hip
    line may turn across the event window, and the least size judged (deg)."""
    if fit == "side":
        return (th.side_quick_turn_spreads, th.side_outline_spreads, th.side_max_hip_turn_deg,
                th.side_min_quick_turn_deg)
    if fit == "oblique_near":
        return (th.oblique_quick_turn_spreads, th.oblique_outline_spreads,
                th.oblique_max_hip_turn_deg, th.min_landmark_quick_turn_deg)
    if fit == "oblique_far":
        return (th.rear_quick_turn_spreads, th.rear_outline_spreads,
                th.rear_max_hip_turn_deg, th.min_landmark_quick_turn_deg)
    return (th.landmark_quick_turn_spreads, None, th.max_hip_turn_deg,
            th.min_landmark_quick_turn_deg)


#: The landmark fits read square-on (``features.TWIST_LANDMARK_FILES``).
SQUARE_ON_FITS = ("front", "front_hands")
#: The landmark fits read at 45°, turned towards the camera and away from it.
OBLIQUE_FITS = ("oblique_near", "oblique_far")


def _clears_turns(th, fit: str | None) -> bool:
    """Whether ``fit``'s quick-turn spread is measured again clear of the turns already past
    its limit (``_spread_clear_of_turns``): square-on ``landmark_spread_clear_turns``, at 45°
    ``oblique_spread_clear_turns``, from the side never."""
    if fit in SQUARE_ON_FITS:
        return th.landmark_spread_clear_turns
    return fit in OBLIQUE_FITS and th.oblique_spread_clear_turns


def _spread_clear_of_turns(ctx: FaultContext, quick: np.ndarray, usable: np.ndarray,
                           size: np.ndarray, limit: float, spread: float, spreads: float,
                           least: float, reach: int) -> tuple[float, float]:
    """The quick turn's spread and limit (square-on, or at 45°: ``_clears_turns``) measured
    again without the frames within ``reach`` frames (the filter's) of one past ``limit``: a
    twist's own turn is no waver. As they were where none passes it, or where under
    ``min_landmark_spread_s`` of judged frames would be left."""
    over = np.flatnonzero(usable & (size >= limit))
    if not over.size:
        return spread, limit
    n = quick.shape[0]
    rest = quick[usable & ~in_ranges(n, np.maximum(0, over - reach),
                                     np.minimum(n - 1, over + reach))]
    if rest.size < _frames_for(ctx, ctx.thresholds.jerky_twist.min_landmark_spread_s):
        return spread, limit
    clear = _robust_spread(rest)
    return clear, max(least, spreads * clear)


def _robust_spread(read: np.ndarray) -> float:
    """The robust standard deviation (1.4826 times the median absolute deviation) of the
    values ``read`` (finite; 0.0 for none)."""
    if not read.size:
        return 0.0
    return float(1.4826 * np.median(np.abs(read - np.median(read))))


def _parts_read(tw) -> str:
    """The body parts a landmark twist fit reads, in words (what must be seen)."""
    if tw.landmark_fit in GATED_FITS:
        return ("the head, shoulders, hips, knees and feet, clear of the picture's edges, and "
                "the back's outline")
    return "the shoulders, hips and knees" + (", elbows and wrists" if _reads_arms(tw) else "")


def _outline_turns(outline_quick: np.ndarray, usable: np.ndarray, half: int) -> np.ndarray:
    """``(T,)`` the upper back outline's quick turns (``TwistSignals.outline_quick_turn``) in
    their own robust spreads over the ``usable`` frames, the largest within ``half`` frames
    of each frame (NaN where none was read, and everywhere without a spread)."""
    size = np.abs(outline_quick)
    spread = _robust_spread(outline_quick[usable & np.isfinite(outline_quick)])
    if not spread > 0:
        return np.full(size.shape, np.nan)
    padded = np.pad(np.where(np.isfinite(size), size / spread, -np.inf), half,
                    constant_values=-np.inf)
    near = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)
    return np.where(np.isfinite(near), near, np.nan)


def _reads_arms(tw) -> bool:
    """The landmark twist was read with a hands-at-the-shoulders fit (it weighs the arms)."""
    return (tw.landmark_fit or "").endswith("_hands")


def _twist_side(ctx: FaultContext, quick: np.ndarray, start: int, end: int) -> str:
    """The side of the twist read as quick turns over frames ``start:end``: the twist shape
    best matching the reading there and over the filter's reach on either side
    (``signal.turn_side``)."""
    tw = ctx.sig.twist
    # A whole support on either side: the filter's response to a turn rings out that far, and
    # the templates hold the ringing (half of it read one side wrong of 51 rendered twists).
    reach = _frames_for(ctx, tw.quick_turn_support_s)
    seg = quick[max(0, start - reach):min(len(quick), end + reach)]
    sign = turn_side(seg, tw.quick_turn_rise_s, tw.quick_turn_support_s, ctx.sig.fps)
    return "left" if sign > 0 else "right"


def _quick_turn_series(ctx: FaultContext, size: np.ndarray, limit: float | None,
                       judged: np.ndarray) -> tuple[Series, ...]:
    sig = ctx.sig
    return (
        Series("twist_quick_turn", "Quick turn of the shoulders against the hips (size)",
               "deg", sig.t_s, size, threshold=limit, fault="jerky_twist", judged=judged),
        Series("twist_angle", "Shoulders turned against the hips (+ to the lifter's left; "
               "only quick changes are read)", "deg", sig.t_s, sig.twist.angle_deg),
    )


def _with_skipped(assessments: tuple[Assessment, ...], skipped: dict[str, int],
                  what: str) -> tuple[Assessment, ...]:
    """The clip's assessment, if judged, with why any twist-like ``what`` (a noun, counted:
    "1 fast rotation", "2 fast rotations") was left out:
    ``skipped["tracking_break"]`` near a picture jump, ``skipped["hips_turned"]`` with the
    hips turning too, ``skipped["outline_still"]`` (seen from the side) with the upper back's
    outline still."""
    notes = []
    if skipped["tracking_break"]:
        notes.append(f"{counted(skipped['tracking_break'], what)} not judged: the picture jumped "
                     "(camera cut or lost track)")
    if skipped["hips_turned"]:
        notes.append(f"{counted(skipped['hips_turned'], what)} not counted: the hips turned "
                     "with the shoulders (a whole-body turn, not a twist of the spine)")
    if skipped.get("outline_still"):
        notes.append(f"{counted(skipped['outline_still'], what)} not counted: the upper back's "
                     "outline did not turn with them (the landmarks alone also move without a "
                     "twist seen from the side)")
    return _with_note(assessments, "; ".join(notes))


def _with_note(assessments: tuple[Assessment, ...], note: str,
               reps_too: bool = False) -> tuple[Assessment, ...]:
    """The clip's assessment, if judged, with ``note`` added to its words; with ``reps_too``
    every judged rep's as well (a note that holds in each rep, such as the limit read on
    this lifter: the reps' words stay the clip's, so every surface shows them once)."""
    if not note:
        return assessments
    return tuple(replace(a, reason=f"{a.reason}; {note}" if a.reason else note)
                 if a.assessable and (reps_too or a.rep is None) else a for a in assessments)


def _clip_ends(n: int, first: int, last: int) -> np.ndarray:
    """``(n,)`` bool: the first ``first`` and the last ``last`` frames."""
    out = np.zeros(n, dtype=bool)
    out[:first] = True
    out[max(0, n - last):] = True
    return out


def _near_breaks(broken: np.ndarray, half: int) -> np.ndarray:
    """``(T,)`` bool: frames within ``half`` frames of a tracking break (``broken``)."""
    at = np.flatnonzero(broken)
    if not at.size:
        return np.zeros(broken.shape, dtype=bool)
    n = broken.shape[0]
    return in_ranges(n, np.maximum(0, at - half), np.minimum(n - 1, at + half))


def _nanmedian_short(a: np.ndarray) -> float:
    """``np.nanmedian`` of a short array (a few frames) without NumPy's per-call overhead:
    the same value (the middle one, or the mean of the two middle ones); NaN if none seen."""
    v = sorted(x for x in a.tolist() if x == x)
    m = len(v)
    if not m:
        return float("nan")
    return v[m // 2] if m % 2 else (v[m // 2 - 1] + v[m // 2]) / 2.0


def _nanargmax_abs_short(a: np.ndarray) -> int:
    """``np.nanargmax(np.abs(a))`` of a short array (its first largest), -1 if all NaN."""
    best, at = -1.0, -1
    for i, x in enumerate(np.abs(a).tolist()):
        if x > best:
            best, at = x, i
    return at


#: What each landmark fit reads, in words (``_twist_cue``; the square-on fit's is the default).
_FIT_WORDS = {
    "hands": ("the shoulders', arms', hips' and knees' positions in the picture (the hands held "
              "at the shoulders)"),
    "side": ("the head's, shoulders', hips' and knees' positions in the picture seen from the "
             "side, with the upper back's outline"),
    "oblique_near": ("the head's, shoulders', hips' and knees' positions in the picture seen "
                     "turned towards the camera, with the upper back's outline"),
    "oblique_far": ("the head's, shoulders', hips' and knees' positions in the picture seen "
                    "turned away from the camera, with the upper back's outline"),
}


def _twist_cue(tw) -> str:
    """Which cue the twist angle was mostly read from, in words (for the report)."""
    if tw is None:
        return "nothing"
    share = float(np.mean(tw.width_weight)) if tw.width_weight.size else 0.0
    other = {"flow": "the torso's optical flow",
             "landmarks": _FIT_WORDS.get(
                 "hands" if _reads_arms(tw) else tw.landmark_fit,
                 "the shoulders', hips' and knees' positions in the picture"),
             }.get(tw.depth_source, "the landmarks' depth")
    if share >= 0.9:
        return "the shoulders' projected width against the hips'"
    if share <= 0.1:
        return other
    return f"the projected widths and {other}"


#: What the image landmarks' depth finds where it stands in for the flow
#: (``SignalConfig.twist_hidden_depth_median_frames``; measured on the rendered twists whose
#: frames the hands hid: docs/analysis.md, twist round 11).
_DEPTH_WHERE_HIDDEN = ("measured on rendered lifters with a 5-frame median (the only width "
                       "measured), it found none of the 11 fast twists the hands hid, so no "
                       "warning there does not rule a twist out")


def _require_flow_seen(ctx: FaultContext, assessments: tuple[Assessment, ...],
                       found: set[int | None]) -> tuple[tuple[Assessment, ...], np.ndarray]:
    """Where the twist is read from the torso's optical flow (square-on), say how much of
    each judged rep the hands, forearms or a held bar hid (``TwistSignals.flow_hidden``: the
    flow sees no motion there, so no twist can be found on those frames; rendered twists
    whose frames were under half read were found 0 of 11 times: docs/analysis.md round 10).
    A rep whose torso was seen on fewer than ``min_visible_frac`` of its trunk-visible frames
    is not assessable, as a rep whose body parts are out of view, unless a twist was found
    on the frames that were read (``found``: reps with a finding), which stands; the others
    carry the share as a caveat. The clip is not assessable when no rep is left, else its
    caveat gives the share over the judged reps. Also returns the ``(T,)`` mask of the frames
    of reps made not assessable. Pose files with the flow but without the seen share (made
    before it was kept): the verdicts are unchanged, and the clip's caveat says the share is
    not known."""
    sig, tw = ctx.sig, ctx.sig.twist
    n = len(sig.t_s)
    none = np.zeros(n, dtype=bool)
    if tw is not None and tw.depth_source == "flow" and tw.flow_hidden is None:
        note = ("this pose file does not say how much of the torso the hands hid (it was made "
                "before formcheck kept that), and frames they hid count as no motion: analyse "
                "the video again to know")
        return tuple(replace(a, reason=f"{note}; {a.reason}" if a.reason else note)
                     if a.rep is None and a.assessable else a for a in assessments), none
    if tw is None or tw.flow_hidden is None or not ctx.reps:
        return assessments, none
    judged = {a.rep for a in assessments if a.assessable and a.rep is not None}
    if not judged:
        return assessments, none
    reps = [r for r in ctx.reps if r.index in judged]
    first = np.array([r.start_frame for r in reps])
    last = np.array([r.end_frame for r in reps])
    seen_trunk = sig.trunk_visible
    count = _sum_over(seen_trunk, first, last)
    hid = _sum_over(seen_trunk & tw.flow_hidden, first, last)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(count > 0, hid / count, 0.0)
    least = ctx.assess.min_visible_frac
    stand_in = tw.depth_where_hidden is not None
    lost = (1.0 - share < least) & ~np.isin([r.index for r in reps], sorted(
        r for r in found if r is not None)) & (not stand_in)
    by_rep = {r.index: (float(h), bool(x)) for r, h, x in
              zip(reps, share.tolist(), lost.tolist(), strict=True)}
    clip_share = float(hid.sum() / count.sum()) if count.sum() > 0 else 0.0
    gone_reps = [r for r in reps if by_rep[r.index][1]]
    lost_reps = [r.index for r in gone_reps]
    clip_lost = len(lost_reps) == len(reps)
    out = []
    for a in assessments:
        if not a.assessable:
            out.append(a)
            continue
        if a.rep is None:
            h, gone, where = clip_share, clip_lost, "the reps' frames"
        else:
            h, gone = by_rep.get(a.rep, (0.0, False))
            where = "this rep's frames"
        if gone:
            a = replace(a, assessable=False, reason=(
                f"the hands or arms hid the torso on {h:.0%} of {where}: seen square-on the "
                "twist is read from the torso's optical flow, which sees no motion under them, "
                "so a twist there cannot be found"))
        elif round(100 * h) >= 1 and stand_in:
            note = (f"the hands or arms hid the torso on {h:.0%} of {where}, where the twist "
                    f"is read from the landmarks' depth instead: {_DEPTH_WHERE_HIDDEN}")
            a = replace(a, reason=f"{note}; {a.reason}" if a.reason else note)
        elif round(100 * h) >= 1:
            note = f"the hands or arms hid the torso on {h:.0%} of {where}, where a twist " \
                   "cannot be found"
            if a.rep is None and lost_reps:
                note += (f" (rep{'s' if len(lost_reps) > 1 else ''} "
                         f"{', '.join(map(str, lost_reps))} not assessable)")
            a = replace(a, reason=f"{note}; {a.reason}" if a.reason else note)
        out.append(a)
    mask = (in_ranges(n, np.array([r.start_frame for r in gone_reps]),
                      np.array([r.end_frame for r in gone_reps])) if gone_reps else none)
    return tuple(out), mask


def _require_broad_view(ctx: FaultContext, assessments: tuple[Assessment, ...],
                        max_yaw_deg: float) -> tuple[tuple[Assessment, ...], np.ndarray]:
    """Turn assessable clip/rep verdicts into "not assessable" where the hip line is, on
    average over the clip or rep, more than ``max_yaw_deg`` from facing the camera and from
    facing away from it (the hip line only: a twist turns the shoulders, and must not make
    its own rep unjudgeable). Also returns the ``(T,)`` mask of frames in reps (or the
    clip) so turned."""
    sig = ctx.sig
    n = len(sig.t_s)
    if not any(a.assessable for a in assessments):
        return assessments, np.zeros(n, dtype=bool)
    # Ranges: the clip (row 0), then every rep; means over frames with the trunk seen.
    first = np.concatenate(([0], ctx.rep_first)).astype(np.intp)
    last = np.concatenate(([n - 1], ctx.rep_last)).astype(np.intp)
    off = np.full(first.shape, -np.inf)
    for yaw in (sig.pelvis_yaw_deg,):
        ok = sig.trunk_visible & np.isfinite(yaw)
        count = _sum_over(ok, first, last)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = _sum_over(np.where(ok, yaw, 0.0), first, last) / count
        off = np.fmax(off, np.where(count > 0, np.minimum(mean, 180.0 - mean), np.nan))
    turned = ~(off <= max_yaw_deg)  # NaN (never seen) counts as turned
    if not turned.any():  # every verdict stands
        return assessments, np.zeros(n, dtype=bool)
    if turned[0]:  # nothing in the clip can be judged: every rep carries the clip's reason
        turned[:] = True
        off[:] = off[0]
    out = []
    for a in assessments:
        row = 0 if a.rep is None or turned[0] else a.rep
        if a.assessable and turned[row]:
            where = "the lifter" if a.rep is None or row == 0 else "in this rep the lifter"
            a = replace(a, assessable=False, reason=(
                f"{where} is turned {off[row]:.0f}° from facing toward or away from the "
                f"camera, too close to side-on to measure rotation about the spine "
                f"(needs within {max_yaw_deg:g}°)"))
        out.append(a)
    if turned[0]:
        return tuple(out), np.ones(n, dtype=bool)
    rep_turned = turned[1:]
    mask = in_ranges(n, first[1:][rep_turned], last[1:][rep_turned]) if rep_turned.any() \
        else np.zeros(n, dtype=bool)
    return tuple(out), mask


#: The rules, in report order (``report.FAULTS``).
RULES: dict[str, Callable[[FaultContext], RuleOutcome]] = {
    "rounded_back": rounded_back,
    "lumbar_overextension": lumbar_overextension,
    "jerky_twist": jerky_twist,
}
