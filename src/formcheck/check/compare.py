"""Compare a report with a clip's expectations: one ``Outcome`` per expectation (exercise, view,
reps, each fault), each with the expected and the observed state in words."""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.check.expect import (
    FINDINGS,
    NONE,
    NOT_ASSESSABLE,
    OUTSIDE_REPS,
    Expectation,
    ExpectedFinding,
    FaultExpectation,
)
from formcheck.report import (
    FAULTS,
    NOT_ASSESSABLE_WORDS,
    OUTSIDE_REPS_WORDS,
    Finding,
    Report,
    counted,
    reps_text,
    worst,
)


@dataclass(frozen=True)
class Outcome:
    """One expectation checked: ``name`` is exercise, view, reps or a fault name."""

    name: str
    passed: bool
    expected: str
    got: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObservedFault:
    """What a report says about one fault, in the expectations' terms."""

    fault: str
    status: str  # findings | none | not_assessable
    findings: tuple[ExpectedFinding, ...] = ()  # the worst finding per rep (time tolerance unset)
    not_assessable_reps: tuple[int, ...] = ()
    reason: str = ""  # why not assessable (clip level)


def _rep_key(finding: Finding) -> int:
    return OUTSIDE_REPS if finding.rep is None else int(finding.rep)


def observe_fault(report: Report, fault: str) -> ObservedFault:
    """The report's state of ``fault``: not assessable for the clip, else its findings per rep
    (the worst one of each rep, the rule every sink uses) and the reps it could not judge."""
    clip = report.assessment(fault, None)
    if clip is not None and not clip.assessable:
        return ObservedFault(fault, NOT_ASSESSABLE, reason=clip.reason or "")
    by_rep: dict[int, list[Finding]] = {}
    for f in report.findings_for(fault):
        by_rep.setdefault(_rep_key(f), []).append(f)
    # The count is stated only when a rep has several (a tidy file; absent = not checked).
    found = tuple(ExpectedFinding(rep=rep, severity=worst(fs).severity,
                                  peak_s=round(float(worst(fs).peak_s), 2),
                                  count=len(fs) if len(fs) > 1 else None)
                  for rep, fs in sorted(by_rep.items()))
    na = tuple(sorted(a.rep for a in report.assessable
                      if a.fault == fault and a.rep is not None and not a.assessable))
    return ObservedFault(fault, FINDINGS if found else NONE, found, na)


# ---------------------------------------------------------------------------- words
def _rep_name(rep: int) -> str:
    return OUTSIDE_REPS_WORDS if rep == OUTSIDE_REPS else f"rep {rep}"


def _finding_facts(f: ExpectedFinding, tolerance_s: float | None = None) -> str:
    """``mild, peak 1.30 s ± 0.25`` (what is stated of a finding besides its rep)."""
    return ", ".join(p for p in (
        None if f.count is None else counted(f.count, "finding"),
        f.severity,
        None if f.peak_s is None else
        f"peak {f.peak_s:.2f} s" + ("" if tolerance_s is None else f" ± {tolerance_s:g}"),
    ) if p)


def describe_finding(f: ExpectedFinding, tolerance_s: float | None = None) -> str:
    facts = _finding_facts(f, tolerance_s)
    return _rep_name(f.rep) + (f" ({facts})" if facts else "")


def describe_status(status: str, findings: tuple[ExpectedFinding, ...] = (),
                    na_reps: tuple[int, ...] = (), reason: str = "") -> str:
    if status == NOT_ASSESSABLE:
        return NOT_ASSESSABLE_WORDS + (f" ({reason})" if reason else "")
    text = ("findings: " + "; ".join(describe_finding(f) for f in findings)
            if status == FINDINGS else "no finding")
    if na_reps:
        text += f"; {NOT_ASSESSABLE_WORDS} in {reps_text(na_reps)}"
    return text


def describe_observed(obs: ObservedFault) -> str:
    return describe_status(obs.status, obs.findings, obs.not_assessable_reps, obs.reason)


def describe_expected(exp: FaultExpectation) -> str:
    return describe_status(exp.expect, exp.findings, exp.not_assessable_reps)


# ---------------------------------------------------------------------------- comparison
def _compare_fault(exp: FaultExpectation, obs: ObservedFault, report: Report,
                   expectation: Expectation) -> Outcome:
    expected, got = describe_expected(exp), describe_observed(obs)
    details: list[str] = []
    if exp.expect == NOT_ASSESSABLE or obs.status == NOT_ASSESSABLE:
        if exp.expect != obs.status:
            details.append(f"expected {exp.expect.replace('_', ' ')}, got "
                           f"{obs.status.replace('_', ' ')}")
        return Outcome(exp.fault, not details, expected, got, tuple(details))
    got_by_rep = {f.rep: f for f in obs.findings}
    want_by_rep = {f.rep: f for f in exp.findings}
    for rep in sorted(set(want_by_rep) | set(got_by_rep)):
        want, have = want_by_rep.get(rep), got_by_rep.get(rep)
        if want is None:
            details.append(f"{_rep_name(rep)}: unexpected finding ({_finding_facts(have)})")
            continue
        tol = expectation.tolerance_for(want)
        if have is None:
            facts = _finding_facts(want, tol)
            details.append(f"{_rep_name(rep)}: expected a finding"
                           + (f" ({facts})" if facts else "") + ", got none")
            continue
        if want.severity is not None and want.severity != have.severity:
            details.append(f"{_rep_name(rep)}: severity {have.severity}, "
                           f"expected {want.severity}")
        peaks = [f.peak_s for f in report.findings_for(exp.fault) if _rep_key(f) == rep]
        if want.count is not None and want.count != len(peaks):
            details.append(f"{_rep_name(rep)}: {counted(len(peaks), 'finding')}, "
                           f"expected {want.count}")
        if want.peak_s is not None:
            # Any finding of this fault in the rep may carry the expected peak.
            nearest = min(peaks, key=lambda p: abs(p - want.peak_s))
            if abs(nearest - want.peak_s) > tol + 1e-9:
                details.append(f"{_rep_name(rep)}: peak at {nearest:.2f} s, expected "
                               f"{want.peak_s:.2f} s ± {tol:g}")
    if tuple(exp.not_assessable_reps) != tuple(obs.not_assessable_reps):
        details.append("reps not assessable: expected "
                       f"{list(exp.not_assessable_reps) or 'none'}, got "
                       f"{list(obs.not_assessable_reps) or 'none'}")
    return Outcome(exp.fault, not details, expected, got, tuple(details))


def compare(expectation: Expectation, report: Report) -> tuple[Outcome, ...]:
    """Every expectation the file states, checked against ``report``, in a fixed order."""
    out: list[Outcome] = []
    exercise = report.exercise.name if report.exercise else "unknown"
    view = report.view.name if report.view else "unknown"
    if expectation.exercise is not None:
        out.append(Outcome("exercise", expectation.exercise == exercise,
                           expectation.exercise, exercise))
    if expectation.view is not None:
        out.append(Outcome("view", expectation.view == view, expectation.view, view))
    if expectation.reps is not None:
        want, n = expectation.reps, len(report.reps)
        tol = f" ± {want.tolerance}" if want.tolerance else ""
        out.append(Outcome("reps", abs(n - want.count) <= want.tolerance,
                           f"{want.count}{tol}", str(n)))
    for fault in FAULTS:
        if fault in expectation.faults:
            out.append(_compare_fault(expectation.faults[fault], observe_fault(report, fault),
                                      report, expectation))
    return tuple(out)
