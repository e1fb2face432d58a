"""Ground truth of a rendered clip (``formcheck synth``'s ``clip.json``) in the expectations'
terms, and the comments that say where the current analysis disagrees with it.

``formcheck check --update`` writes the current results; for a clip with a truth JSON beside it,
each field that differs from truth gets a comment saying what truth has and, when the report
states one, the rule's own caveat (its known limit). ``formcheck check`` never fails because
of truth: expectations pin what formcheck says now, comments explain where that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from formcheck.check.compare import ObservedFault
from formcheck.check.expect import FINDINGS, NONE, NOT_ASSESSABLE, OUTSIDE_REPS
from formcheck.config import ViewConfig
from formcheck.report import FAULT_TITLES, FAULTS, OUTSIDE_REPS_WORDS, Report, reps_text

#: Truth fault kinds → report fault names.
KIND_TO_FAULT: dict[str, str] = {"flexion": "rounded_back", "extension": "lumbar_overextension",
                                 "arch": "lumbar_overextension",
                                 "twist": "jerky_twist"}


@dataclass(frozen=True)
class TruthFault:
    status: str  # findings | none
    reps: tuple[int, ...] = ()
    what: str = ""  # e.g. "35° flexion"; for a slow twist, why it is not a fault
    peaks_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class Truth:
    source: str
    exercise: str
    view: str
    reps: int
    faults: dict[str, TruthFault]


def truth_path_for(clip: Path) -> Path:
    return clip.with_suffix(".json")


def load_truth(clip: Path, view_cfg: ViewConfig | None = None) -> Truth | None:
    """The truth of ``clip`` if a synth truth JSON (``version`` 1 with a ``scenario``) lies
    beside it, else None. Any other JSON there is ignored."""
    from formcheck.analysis.view import classify_yaw
    from formcheck.synth.catalog import JERKY_TWIST_S

    path = truth_path_for(clip)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("version") != 1 or "scenario" not in data:
        return None
    scenario = data["scenario"]
    azimuth = float(scenario["camera"]["azimuth_deg"])
    # Azimuth 0 = camera in front, 90 = at the side: the same scale as the body's yaw.
    view = str(classify_yaw(min(azimuth % 360.0, 360.0 - azimuth % 360.0),
                            view_cfg or ViewConfig()))
    durations = {f["kind"]: float(f.get("duration_s", 0.0)) for f in scenario.get("faults", [])}
    reps: dict[str, list[int]] = {}
    peaks: dict[str, list[float]] = {}
    sizes: dict[str, str] = {}
    slow: dict[str, str] = {}
    for tf in data.get("faults", []):
        fault = KIND_TO_FAULT.get(tf["kind"])
        if fault is None:
            continue
        size = f"{tf['peak']:g}{'°' if tf.get('unit') == 'deg' else ' ' + tf.get('unit', '')}"
        if tf["kind"] == "twist" and durations.get("twist", 0.0) > JERKY_TWIST_S:
            slow[fault] = f"a slow {size} twist over {durations['twist']:g} s, not a jerky one"
            continue
        reps.setdefault(fault, []).append(int(tf["rep"]))
        peaks.setdefault(fault, []).append(float(tf["peak_t_s"]))
        sizes[fault] = f"{size} {tf['kind']}"
    faults = {f: (TruthFault(FINDINGS, tuple(sorted(set(reps[f]))), sizes[f],
                             tuple(sorted(peaks[f]))) if f in reps
                  else TruthFault(NONE, (), slow.get(f, "")))
              for f in FAULTS}
    return Truth(path.name, str(scenario["exercise"]), view, len(data.get("reps", [])), faults)


def _times(times) -> str:
    return ", ".join(f"{t:.2f}" for t in sorted(times)) + " s"


def fault_comment(truth: Truth, obs: ObservedFault, report: Report) -> str | None:
    """One line on how the current result of a fault relates to truth; None when they agree."""
    tf = truth.faults[obs.fault]
    title = FAULT_TITLES[obs.fault]
    has = (f"{title} in {reps_text(tf.reps)} ({tf.what})" if tf.status == FINDINGS
           else f"no {title}" + (f" ({tf.what})" if tf.what else ""))
    if obs.status == NOT_ASSESSABLE:
        if tf.status == NONE:
            return None
        return f"truth: {has}, which formcheck cannot judge here (see why above)"
    got_reps = tuple(f.rep for f in obs.findings)
    if obs.status == tf.status and (obs.status == NONE or got_reps == tf.reps):
        return None
    inside = tuple(r for r in got_reps if r != OUTSIDE_REPS)
    where = ([f"in {reps_text(inside)}"] if inside else []) + \
        ([OUTSIDE_REPS_WORDS] if OUTSIDE_REPS in got_reps else [])
    got = f"it {' and '.join(where)}" if where else "no finding"
    if got_reps:
        got += " (peaks at " + _times(f.peak_s for f in report.findings_for(obs.fault))
        got += f"; truth: {_times(tf.peaks_s)})" if tf.peaks_s else ")"
    clip = report.assessment(obs.fault, None)
    limit = (f"known limit: {clip.reason}" if clip is not None and clip.reason
             else "known limit, see README \"Regression checks in CI\"")
    return f"differs from truth ({has}): formcheck reports {got}; {limit}"


def field_comment(truth: Truth, name: str, got: str) -> str | None:
    """Comment for exercise, view or reps when the current value differs from truth."""
    want = {"exercise": truth.exercise, "view": truth.view, "reps": str(truth.reps)}[name]
    if want == got:
        return None
    return (f"differs from truth ({name} {want}): formcheck reports {got}; known limit, see "
            "README \"Regression checks in CI\"")


def differs_from_truth(truth: Truth, report: Report) -> tuple[str, ...]:
    """The faults (their titles) whose result differs from ``truth`` where formcheck judged
    them (``fault_comment``: a finding missed, one where truth has none, or in other reps);
    a fault formcheck reports as not assessable is not counted."""
    from formcheck.check.compare import observe_fault

    out = []
    for fault in FAULTS:
        obs = observe_fault(report, fault)
        if obs.status != NOT_ASSESSABLE and fault_comment(truth, obs, report) is not None:
            out.append(FAULT_TITLES[fault])
    return tuple(out)
