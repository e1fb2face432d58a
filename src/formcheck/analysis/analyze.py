"""``analyze_sequence``: one ``PoseSequence`` in, view, exercise, reps, findings and
assessability out. Pure NumPy (and SciPy's filters); deterministic, the same on one thread or two
(long sets use a second thread: ``SECOND_THREAD_MIN_FRAMES``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.analysis.exercise import estimate_exercise
from formcheck.analysis.faults import RULES, FaultContext, RuleOutcome
from formcheck.analysis.features import BodySignals, compute_signals
from formcheck.analysis.level import leveled, roll_to_undo
from formcheck.analysis.reps import RepCount, count_reps, progress_signal, rep_index_per_frame
from formcheck.analysis.series import Series
from formcheck.analysis.view import median_of, usable_yaw, view_of_yaw
from formcheck.config import Config
from formcheck.pose.plausible import without_upside_down
from formcheck.pose.sequence import PoseSequence
from formcheck.report import FAULTS, IN_PICTURE, Assessment, Estimate, Finding, Rep, counted


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    exercise: Estimate
    view: Estimate
    reps: tuple[Rep, ...]
    findings: tuple[Finding, ...]
    assessable: tuple[Assessment, ...]
    summary: dict = field(default_factory=dict)
    series: dict[str, Series] = field(default_factory=dict)


#: How the reason begins when the lifter was in view too briefly (live mode waits for more
#: of the set instead of showing it: ``is_short_set_reason``).
SHORT_SET_PREFIX = f"the lifter is {IN_PICTURE} for under "
#: How it begins when the video has too few frames, the lifter in each (a set's first frames).
FEW_FRAMES_PREFIX = "the video has only "


def is_short_set_reason(reason: str | None) -> bool:
    """Whether ``reason`` says the lifter was in view too briefly, or in too few frames, to
    judge anything."""
    return reason is not None and reason.startswith((SHORT_SET_PREFIX, FEW_FRAMES_PREFIX))


def _clip_reason(seq: PoseSequence, sig: BodySignals, config: Config) -> str | None:
    ac = config.assess
    n_person = int(sig.detected.sum())
    if n_person < ac.min_frames:
        if n_person == len(seq):  # the lifter was in the picture: the video is too short
            return (f"{FEW_FRAMES_PREFIX}{counted(n_person, 'frame')}, the lifter in "
                    f"{'it' if n_person == 1 else 'each'} (needs {ac.min_frames}); "
                    "film the whole set")
        return (f"a person was found in only {n_person} of the {counted(len(seq), 'frame')} "
                f"(needs {ac.min_frames}); keep the lifter {IN_PICTURE}")
    seen_t = seq.t_s[sig.detected]
    if float(seen_t[-1] - seen_t[0]) < ac.min_duration_s:
        return f"{SHORT_SET_PREFIX}{ac.min_duration_s:g} s; film the whole set"
    return None


def _nanmean(x: np.ndarray, mask: np.ndarray) -> float:
    v = x[mask & np.isfinite(x)]
    return float(v.mean()) if v.size else float("nan")


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """The analysis builds many small result objects (a long set has tens of thousands of
    reps, phases and assessments) and no reference cycles, so the cyclic garbage collector
    finds nothing to free; left on, it rescans every live object of the process several
    times while they are built. It is paused for the call and restored (if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: From this many frames (about 11 minutes at 30 fps) half of the landmark gathers, the
#: signals that need nothing smoothed first, the back outline's, the twist cues, the camera
#: view and the twist rule run on a second thread beside the rest
#: (``bench/analysis_speed.py``, 2 cores, frames/s one thread against two: 574,000 / 481,000
#: at 10,000 frames, a tie at 15,000, 684,000 / 733,000 at 20,000, 743,000 / 872,000 at
#: 30,000, 813,000 / 1,229,000 at 100,000). The results are the same either way.
SECOND_THREAD_MIN_FRAMES = 20_000

#: The faults whose rules read ``BodySignals.twist`` (the over-extension rule reads whether
#: the lifter faces the camera from it: session 19 found it read a still-running twist as
#: "facing", so a clip long enough for the second thread lost its from-behind caveat).
_TWIST_RULES = frozenset({"jerky_twist", "lumbar_overextension"})


def analyze_sequence(seq: PoseSequence, config: Config | None = None,
                     exercise: str | None = None) -> AnalysisResult:
    """Analyse one lifter's landmarks. ``exercise`` overrides the automatic recognition.
    Frames whose pose the network put upside down are read as frames without the lifter
    (``pose.plausible``); a camera off level by a roll the scene shows is levelled
    (``analysis.level``)."""
    config = config or Config()
    seq = without_upside_down(seq)
    roll = roll_to_undo(seq, config.signal)
    if roll is not None:
        seq = leveled(seq, roll)
    with _cycle_collector_paused():
        if len(seq) < SECOND_THREAD_MIN_FRAMES:
            return _analyze(seq, config, exercise, None)
        with ThreadPoolExecutor(1, thread_name_prefix="formcheck-analysis") as pool:
            return _analyze(seq, config, exercise, pool)


def _start_twist_rule(executor: Executor | None, fault: str, ctx: FaultContext
                      ) -> RuleOutcome | Future:
    """``RULES[fault]`` on ``ctx`` with the twist cues resolved: on ``executor`` if given
    (a ``Future``), else here and now."""
    def run() -> RuleOutcome:
        return RULES[fault](replace(ctx, sig=ctx.sig.resolved()))
    return executor.submit(run) if executor is not None else run()


def _view_of(sig: BodySignals, usable: np.ndarray, config: Config, clip_reason: str | None
             ) -> tuple[float, Estimate, np.ndarray]:
    """The body's median yaw and the camera view (unknown when the clip cannot be judged),
    as ``view.median_of`` and ``view.estimate_view`` give them, from one selection of the
    known yaw values of the ``usable`` frames (also returned, in no particular order: the
    median reorders them, which neither the view's agreement nor the rules' read)."""
    seen = usable_yaw(sig.yaw_deg, usable)
    yaw_median = median_of(seen, reorder=True)
    view = view_of_yaw(seen, config.view, yaw_median) \
        if clip_reason is None else Estimate("unknown", 0.0)
    return yaw_median, view, seen


def _analyze(seq: PoseSequence, config: Config, exercise: str | None,
             executor: Executor | None) -> AnalysisResult:
    sig = compute_signals(seq, config, executor=executor)
    clip_reason = _clip_reason(seq, sig, config)
    usable = sig.trunk_visible
    ex = estimate_exercise(sig, exercise, config.exercise, seq.model) \
        if (clip_reason is None or exercise) else Estimate("unknown", 0.0)
    # The view needs no reps: with an executor it is worked out there meanwhile (if that
    # thread gets to it before the reps are done).
    view_args = (sig, usable, config, clip_reason)
    viewed = executor.submit(_view_of, *view_args) if executor is not None else None
    counted = count_reps(sig, ex.name, config.reps) if clip_reason is None else RepCount(())
    reps = counted.reps
    # If the second thread has not started the view yet (its twist cues ran long), it is
    # worked out here rather than waited for.
    if viewed is not None and not viewed.cancel():
        yaw_median, view, seen_yaw = viewed.result()
    else:
        yaw_median, view, seen_yaw = _view_of(*view_args)
    ctx = FaultContext(sig=sig, exercise=ex.name, view=view, reps=reps,
                       rep_of_frame=rep_index_per_frame(len(seq), reps),
                       thresholds=config.faults_for(ex.name), assess=config.assess,
                       view_cfg=config.view, clip_reason=clip_reason,
                       median_yaw_deg=yaw_median, seen_yaw_deg=seen_yaw,
                       no_rep_why=counted.why_none, pose_model=seq.model)
    # The rules that read the twist wait for its cues: with an executor they run there, after
    # the cues (its one thread takes tasks in order), while the others run here.
    outputs = {}
    for fault in FAULTS:
        if fault in _TWIST_RULES:
            outputs[fault] = _start_twist_rule(executor, fault, ctx)
    for fault in FAULTS:
        if fault not in _TWIST_RULES:
            outputs[fault] = RULES[fault](ctx)
    findings: list[Finding] = []
    assessable: list[Assessment] = []
    series: dict[str, Series] = {}
    for fault in FAULTS:  # collected in the faults' order, however they were computed
        out = outputs[fault]
        out = out.result() if isinstance(out, Future) else out
        findings.extend(out.findings)
        assessable.extend(out.assessments)
        series.update({s.name: s for s in out.series})
    t = seq.t_s
    series["trunk_inclination"] = Series("trunk_inclination", "Trunk angle from vertical", "deg",
                                         t, sig.trunk_deg)
    series["hip_height"] = Series("hip_height", "Hip height above ankles", "leg lengths", t,
                                  sig.hip_height_ratio)
    series["body_yaw"] = Series("body_yaw", "Body turned from the camera", "deg", t, sig.yaw_deg)
    series["rep_progress"] = Series("rep_progress", "Rep progress", "ratio", t,
                                    progress_signal(sig, ex.name))
    findings.sort(key=lambda f: (f.start_s, FAULTS.index(f.fault)))
    summary = {
        "fps": float(sig.fps),
        "frames_total": len(seq),
        "frames_with_person": int(sig.detected.sum()),
        "duration_s": float(t[-1] - t[0]) if len(seq) > 1 else 0.0,
        "rep_count": len(reps),
        "mean_trunk_inclination_deg": _nanmean(sig.trunk_deg, usable),
        "max_trunk_inclination_deg": float(np.nanmax(np.where(usable, sig.trunk_deg, np.nan)))
        if (usable & np.isfinite(sig.trunk_deg)).any() else float("nan"),
        "median_body_yaw_deg": yaw_median,
        "back_profile_frames": int(np.isfinite(sig.bulge).sum()),
        "leg_length_m": float(sig.leg_length_m),
    }
    if "back_bulge" in series and series["back_bulge"].baseline is not None:
        summary["neutral_back_bulge_pct"] = float(series["back_bulge"].baseline)
    return AnalysisResult(exercise=ex, view=view, reps=reps, findings=tuple(findings),
                          assessable=tuple(assessable), summary=summary, series=series)
