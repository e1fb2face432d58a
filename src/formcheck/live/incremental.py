"""The same analysis as for files, run on the set as it grows.

``GrowingSet`` appends one pose per frame to preallocated arrays (doubling when full) and gives
a ``PoseSequence`` of the frames so far without copying. ``LiveAnalyzer`` runs
``formcheck.analysis.analyze_sequence`` (unchanged) on the newest snapshot in its own thread, as
often as ``analysis_interval_s`` allows, and publishes only what is settled: reps that have
ended (their last frame is a rest frame seen ``settle_s`` before the newest one), with the
findings and assessments the rules gave them. Analysis is cheap (tens of ms for a whole set),
so re-analysing everything each time keeps every rule and threshold identical to file mode.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.analysis.analyze import is_short_set_reason
from formcheck.analysis.faults import (
    NO_REP_JUDGED_REASON,
    is_no_rep_reason,
    is_side_twist_short_reason,
    where,
)
from formcheck.analysis.reps import REP_PROFILES
from formcheck.config import Config
from formcheck.pose.estimator import FramePose, SequenceBuilder
from formcheck.pose.sequence import PoseSequence
from formcheck.report import Report, VideoInfo, reps_text


class GrowingSet:
    """Poses of one set, appended frame by frame; ``snapshot()`` is a ``PoseSequence``. The
    arrays are file mode's (``SequenceBuilder``), so both modes hold the same fields."""

    def __init__(self, *, width: int, height: int, source: str, model: str,
                 back_profile: bool = True, capacity: int = 256,
                 extra: dict | None = None) -> None:
        self.width, self.height = width, height
        self.source, self.model = source, model
        #: Facts of the source every snapshot carries (the scene level: a replayed file's, or a
        #: camera's once read; replaced whole, never changed in place).
        self.extra = dict(extra or {})
        self._builder = SequenceBuilder(back_profile=back_profile, capacity=capacity)
        self._lock = threading.Lock()
        #: Monotonic clock reading at which each frame was captured (latency accounting).
        self.captured_s: list[float] = []

    def __len__(self) -> int:
        return len(self._builder)

    def append(self, t_s: float, pose: FramePose, captured_s: float) -> None:
        with self._lock:
            self._builder.append(t_s, pose)
            self.captured_s.append(captured_s)

    def snapshot(self, last: int | None = None) -> PoseSequence:
        """The frames so far (or the ``last`` ones) as a sequence; later appends do not change
        it (they write past its end, or into a new buffer)."""
        with self._lock:
            seq = self._builder.build(width=self.width, height=self.height,
                                      source=self.source, model=self.model)
        seq.extra.update(self.extra)
        return seq if last is None else seq.slice(max(0, len(seq) - last))


@dataclass(frozen=True, eq=False)
class LiveView:
    """What the window shows: the settled part of the latest analysis."""

    version: int
    frames: int  # frames the analysis saw
    report: Report  # settled reps, their findings and assessments
    series: dict = field(default_factory=dict)
    analysis_ms: float = 0.0
    #: Whether warnings may name their rep (the exercise is recognised: ``without_guesses``).
    rep_numbers: bool = True


#: Phases a rep owns after its movement is back at rest (the still lockout or floor time that
#: counts to the rep, up to ``reps.finish_s``). They grow while the lifter stands still, so
#: waiting for them would hold every warning back by that long.
_FINISH_PHASES = frozenset(p.finish_phase for p in REP_PROFILES.values())
#: Timestamps this close count as equal (a phase starts exactly at a frame's time).
_TIME_EPS_S = 1e-6


def movement_end_s(rep) -> float:
    """When the rep's movement came back to rest: the start of its trailing finish phase, or
    its end when it has none yet."""
    if rep.phases and rep.phases[-1].name in _FINISH_PHASES:
        return rep.phases[-1].start_s
    return rep.end_s


def movement_end_frame(rep, t_s: np.ndarray) -> int:
    """The frame at which the rep's movement came back to rest (see ``movement_end_s``)."""
    if rep.phases and rep.phases[-1].name in _FINISH_PHASES:
        return int(np.searchsorted(t_s, rep.phases[-1].start_s - _TIME_EPS_S))
    return int(rep.end_frame)


def settled_report(report: Report, seq: PoseSequence, settle_s: float) -> Report:
    """``report`` cut to the reps that have ended: the rep's movement came back to rest
    ``settle_s`` or more before the newest frame (its still finish may still be growing: a
    finding there, such as a lean back held at lockout, is published when it is found). Only
    the findings of those reps are kept: a finding outside any rep so far may yet become part
    of a rep that is still being recognised (it would then be announced twice), so those wait
    for the final report.
    Per-rep assessments of unfinished reps are left out too.
    A rep whose movement ended with no rest frame after it yet (``Rep.ends_at_rest``) is held
    back with the reps after it, whose numbers depend on it: the lifter's trunk lost for a
    frame at the bottom of a squat cuts its run in two, and until the ascent reaches rest the
    halves are two reps; once it does, they are one (QA: such a squat was warned of as
    "Rep 2")."""
    n = len(seq)
    if n == 0:
        return report
    t_last = float(seq.t_s[-1])
    done = tuple(r for r in report.reps if t_last - movement_end_s(r) >= settle_s)
    unrested = [k for k, r in enumerate(done) if not r.ends_at_rest]
    if unrested:
        done = done[:unrested[0]]
    done_no = {r.index for r in done}
    findings = tuple(f for f in report.findings if f.rep in done_no)
    assessable = tuple(a for a in report.assessable if a.rep is None or a.rep in done_no)
    return replace(report, reps=done, findings=findings, assessable=assessable)


#: What live shows for a fault the set so far would judge, until its first rep is counted.
WAITING_REASON = "waiting for the first rep"


def waiting_for_first_rep(report: Report) -> Report:
    """``report`` (settled: ``settled_report``) while the set so far has no counted rep: each
    fault the whole clip would judge in its reps, or would not because no rep was counted
    (``faults.is_no_rep_reason``) or none of the reps under way could be judged
    (``faults.NO_REP_JUDGED_REASON``, whose reps are not shown yet), or, seen from the side,
    would judge the twist once more of the set is read (``faults.is_side_twist_short_reason``),
    or would not because the set so far is under the shortest judged (its first second:
    ``analyze.is_short_set_reason``), is not assessable "waiting for the first rep". Mid-set
    the clip's "no rep was counted (…)" read like a verdict on a set that has only begun,
    and a rep still under way is not yet judged either.
    A fault the view or the visibility rules out keeps its reason (the lifter can act on it).
    The notice that the exercise is not named because no rep was counted
    (``report.exercise_without_rep``) is left out too: the window drew it over the set's
    first seconds, "no rep was counted" beside "waiting for the first rep".
    The set's record, made from the whole set at its end, keeps the true reason and the
    notice."""
    if report.reps:
        return report
    notices = tuple(n for n in report.notices if n.kind != "exercise_unconfirmed")
    assessable = tuple(
        replace(a, assessable=False, reason=WAITING_REASON)
        if a.rep is None and (a.assessable or is_no_rep_reason(a.reason)
                              or a.reason == NO_REP_JUDGED_REASON
                              or is_side_twist_short_reason(a.reason)
                              or is_short_set_reason(a.reason)) else a
        for a in report.assessable)
    return replace(report, assessable=assessable, notices=notices)


def with_reps_own_reasons(report: Report) -> Report:
    """``report`` (settled: ``settled_report``) with the clip's "no rep could be judged (each
    rep's reason is given with it)" (``faults.NO_REP_JUDGED_REASON``) replaced by the newest
    settled rep's own reason. The window shows the newest frame, after the settled reps, so
    it shows the clip's reasons and never a rep's: QA saw "rounded back not judged: no rep
    could be judged (each rep's reason is given with it)" with no rep's reason anywhere in
    it. The rep is named only while the reps may be numbered (the exercise recognised:
    ``LiveView.rep_numbers``); the set's record keeps the clip's own reason."""
    if not report.reps:
        return report
    numbered = report.exercise.name != "unknown"
    last = report.reps[-1].index
    out = []
    for a in report.assessable:
        own = report.assessment(a.fault, last)
        if (a.rep is None and not a.assessable and a.reason == NO_REP_JUDGED_REASON
                and own is not None and not own.assessable and own.reason):
            a = replace(a, reason=no_rep_judged_text(
                [r.index for r in report.reps], last, own.reason, numbered))
        out.append(a)
    return replace(report, assessable=tuple(out))


def no_rep_judged_text(reps: list[int], last: int, reason: str, numbered: bool = True) -> str:
    """Live's words for a fault none of the reps so far (their numbers, ``reps``) could be
    judged on, with the newest one's (``last``) own ``reason``; the reps named as the page
    names them (``report.reps_text``: "reps 1, 2, 3", where live wrote "reps 1-3")."""
    if not numbered:
        return f"no rep so far could be judged; the last one: {reason}"
    if len(set(reps)) <= 1:
        return f"rep {last} could not be judged: {reason}"
    return f"none of {reps_text(reps)} could be judged; rep {last}: {reason}"


def shown_report(report: Report, seq: PoseSequence, settle_s: float) -> Report:
    """What the window shows of ``report``, the analysis of the set so far ``seq``: its
    settled part (``settled_report``), waiting for the first rep (``waiting_for_first_rep``),
    with the reps' own reasons where none could be judged (``with_reps_own_reasons``) and no
    guessed rep number or phase in a warning (``without_guesses``)."""
    return without_guesses(with_reps_own_reasons(waiting_for_first_rep(
        settled_report(report, seq, settle_s))))


def without_guesses(report: Report) -> Report:
    """``report`` with the rep number and phase left out of each finding's message ("Rounded
    back: 24° past your neutral"; the phase field too) while the exercise is not recognised.
    The reps are then counted on the movement the set so far moves most in, and against that
    part's own typical depth: the whole set may count them otherwise (QA: live warned "(ascent)"
    of a deadlift whose record said "(pull)", and "Rep 2"/"Rep 3" of moments the record puts
    in reps 1 and 4). The finding keeps its rep (the overlay places it by that); what is said
    names none. Recognised, the warning is the record's message."""
    if report.exercise.name != "unknown":
        return report
    findings = []
    for f in report.findings:
        if f.rep is not None:
            said = f" {where(f.rep, f.phase)}:"
            f = replace(f, phase=None, message=f.message.replace(said, ":", 1))
        findings.append(f)
    return replace(report, findings=tuple(findings))


class LiveAnalyzer:
    """Analyses the growing set on its own thread and publishes ``LiveView``s."""

    def __init__(self, growing: GrowingSet, *, config: Config | None, exercise: str | None,
                 interval_s: float, settle_s: float, info: VideoInfo | None = None) -> None:
        self.growing = growing
        self.config = config
        self.exercise = exercise
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.info = info
        self.runs = 0
        self.total_ms = 0.0
        self._view: LiveView | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-analysis",
                                        daemon=True)

    def start(self) -> LiveAnalyzer:
        self._thread.start()
        return self

    @property
    def view(self) -> LiveView | None:
        with self._lock:
            return self._view

    def poke(self) -> None:
        """A new frame was appended."""
        self._wake.set()

    def analyse_now(self) -> LiveView | None:
        """One analysis of the frames so far (also used by the thread)."""
        from formcheck.pipeline import analyse

        seq = self.growing.snapshot()
        if len(seq) < 2:
            return None
        t0 = time.perf_counter()
        report, result = analyse(seq, exercise=self.exercise, config=self.config)
        ms = (time.perf_counter() - t0) * 1000.0
        self.runs += 1
        self.total_ms += ms
        view = LiveView(version=self.runs, frames=len(seq),
                        report=shown_report(report, seq, self.settle_s),
                        series=result.series, analysis_ms=ms,
                        rep_numbers=report.exercise.name != "unknown")
        with self._lock:
            self._view = view
        return view

    def _run(self) -> None:
        seen = 0
        try:
            while not self._stop.is_set():
                self._wake.wait(0.2)
                self._wake.clear()
                if self._stop.is_set():
                    return
                if len(self.growing) == seen:
                    continue
                started = time.monotonic()
                seen = len(self.growing)
                self.analyse_now()
                rest = self.interval_s - (time.monotonic() - started)
                if rest > 0:
                    self._stop.wait(rest)
        except BaseException as exc:  # noqa: BLE001 - handed to the session, re-raised there
            self._error = exc

    def check(self) -> None:
        """Re-raise a failure of the analysis thread in the caller."""
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10.0)


def view_of(seq: PoseSequence, config: Config | None) -> tuple[str | None, float | None]:
    """The camera's view of the lifter over ``seq`` (the analysis' own estimate) and the
    body's median yaw to the camera (degrees, 90 side-on), or None for each while it cannot
    tell."""
    from formcheck.analysis.features import compute_signals
    from formcheck.analysis.view import estimate_view

    cfg = config or Config()
    if len(seq) < 3 or int(seq.detected.sum()) < 3:
        return None, None
    sig = compute_signals(seq, cfg)
    est = estimate_view(sig.yaw_deg, sig.trunk_visible, cfg.view)
    if est.name == "unknown":
        return None, None
    yaw = np.where(sig.trunk_visible, sig.yaw_deg, np.nan)
    return est.name, (float(np.nanmedian(yaw)) if np.isfinite(yaw).any() else None)
