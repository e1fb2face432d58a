"""``--update``: expectations from the current results, written as tidy TOML with comments.

The file is regenerated as a whole (same layout every time, so diffs are small): comments are
regenerated too (the not-assessable reason, and where the result differs from a rendered clip's
truth); what a person chose is carried over from the old file: ``note`` fields, tolerances
(rep count, file and per-finding time tolerance).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from formcheck.check.compare import observe_fault
from formcheck.check.expect import (
    FINDINGS,
    FORMAT_VERSION,
    NOT_ASSESSABLE,
    Expectation,
    FaultExpectation,
    Provenance,
    RepsExpectation,
)
from formcheck.check.truth import Truth, fault_comment, field_comment
from formcheck.fsutil import write_text_atomic
from formcheck.render._common import not_judged, rep_label
from formcheck.report import FAULTS, Report


def expectation_from_report(report: Report, clip: str, made_with: Provenance,
                            old: Expectation | None = None) -> Expectation:
    """What ``report`` says, as expectations; ``old``'s tolerances and notes are kept."""
    faults: dict[str, FaultExpectation] = {}
    for fault in FAULTS:
        obs = observe_fault(report, fault)
        prev = old.faults.get(fault) if old is not None else None
        prev_tol = {f.rep: f.time_tolerance_s for f in prev.findings} if prev else {}
        findings = tuple(replace(f, time_tolerance_s=prev_tol.get(f.rep)) for f in obs.findings)
        faults[fault] = FaultExpectation(fault, obs.status, findings, obs.not_assessable_reps,
                                         prev.note if prev else "")
    reps_tol = old.reps.tolerance if old is not None and old.reps is not None else 0
    base = old if old is not None else Expectation()
    return replace(
        base, clip=clip,
        exercise=report.exercise.name if report.exercise else "unknown",
        view=report.view.name if report.view else "unknown",
        reps=RepsExpectation(len(report.reps), reps_tol),
        faults=faults, made_with=made_with)


#: Comment lines are wrapped to this many characters (the project's line length).
COMMENT_WIDTH = 100


def _comment(container, text: str) -> None:
    """Add ``text`` as comment lines, wrapped; continuation lines are indented."""
    import textwrap

    import tomlkit

    for line in textwrap.wrap(text, COMMENT_WIDTH - 2, subsequent_indent="  "):
        container.add(tomlkit.comment(line))


def render_toml(exp: Expectation, report: Report | None = None,
                truth: Truth | None = None) -> str:
    """The expectations as TOML. With ``report``, comments give the not-assessable reasons;
    with ``truth`` too, every field that differs from truth gets a comment."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"formcheck check: expectations for {exp.clip}"))
    doc.add(tomlkit.comment("Written by `formcheck check --update`, which regenerates these "
                            "comments and keeps `note` fields"))
    doc.add(tomlkit.comment("and tolerances. Format: README, \"Regression checks in CI\"."))
    if truth is not None:
        doc.add(tomlkit.comment(f"Compared with the rendered truth in {truth.source}."))
    doc.add(tomlkit.nl())
    doc.add("version", FORMAT_VERSION)
    if exp.clip is not None:
        doc.add("clip", exp.clip)
    if exp.note:
        doc.add("note", exp.note)
    for name in ("exercise", "view"):
        value = getattr(exp, name)
        if value is None:
            continue
        if truth is not None and (c := field_comment(truth, name, value)):
            _comment(doc, c)
        doc.add(name, value)
    doc.add("time_tolerance_s", exp.time_tolerance_s)

    made = tomlkit.table()
    for key, value in vars(exp.made_with).items():
        if key == "person" and value in ("", "auto"):
            continue  # the default rule: files stay as they were before it was recorded
        made.add(key, value)
    doc.add(tomlkit.nl())
    doc.add("made_with", made)

    if exp.reps is not None:
        reps = tomlkit.table()
        if truth is not None and (c := field_comment(truth, "reps", str(exp.reps.count))):
            _comment(reps, c)
        reps.add("count", exp.reps.count)
        reps.add("tolerance", exp.reps.tolerance)
        doc.add("reps", reps)

    for fault, fx in exp.faults.items():
        table = tomlkit.table()
        if report is not None:
            obs = observe_fault(report, fault)
            if obs.status == NOT_ASSESSABLE and obs.reason:
                _comment(table, f"why: {obs.reason}")
            elif obs.not_assessable_reps:
                # Why each rep listed under not_assessable_reps was not judged, as the page
                # and the JUnit case say it.
                for f, scope, reason in not_judged(report):
                    if f == fault and scope != rep_label(None) and reason:
                        _comment(table, f"why ({scope}): {reason}")
            if truth is not None and (c := fault_comment(truth, obs, report)):
                _comment(table, c)
        table.add("expect", fx.expect)
        if fx.expect == FINDINGS:
            arr = tomlkit.array()
            for f in fx.findings:
                item = tomlkit.inline_table()
                item.add("rep", f.rep)
                if f.severity is not None:
                    item.add("severity", f.severity)
                if f.peak_s is not None:
                    item.add("peak_s", f.peak_s)
                if f.time_tolerance_s is not None:
                    item.add("time_tolerance_s", f.time_tolerance_s)
                if f.count is not None:
                    item.add("count", f.count)
                arr.append(item)
            arr.multiline(True)
            table.add("findings", arr)
        if fx.not_assessable_reps:
            table.add("not_assessable_reps", list(fx.not_assessable_reps))
        if fx.note:
            table.add("note", fx.note)
        doc.add(fault, table)
    return tomlkit.dumps(doc)


def write_expectation(path: Path, exp: Expectation, report: Report | None = None,
                      truth: Truth | None = None) -> Path:
    """Write atomically (temp file, then rename)."""
    return write_text_atomic(path, render_toml(exp, report, truth))
