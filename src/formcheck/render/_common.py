"""What every renderer needs to say the same thing the same way: per-rep fault status, severity
order, value formatting. Pure Python over ``Report``; renderers only draw findings, so nothing
here thresholds a signal."""

from __future__ import annotations

import math
from dataclasses import dataclass

from formcheck.report import FAULT_TITLES, Assessment, Finding, Report

#: Severity names from least to most severe (``Finding.severity``).
SEVERITIES: tuple[str, ...] = ("mild", "moderate", "severe")

#: Short unit suffixes for display; anything else is appended after a space.
_UNIT_SUFFIX: dict[str, str] = {"deg": "°", "deg/s": "°/s", "deg/s^2": "°/s²", "%": "%"}

#: Status kinds of one (rep, fault) cell.
OK, FAULT, NOT_ASSESSABLE = "ok", "fault", "not_assessable"


def severity_rank(severity: str) -> int:
    """0 for mild … 2 for severe; unknown names rank as mild so they still draw as a warning."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def fault_title(fault: str) -> str:
    return FAULT_TITLES.get(fault, fault.replace("_", " "))


def worst(findings: list[Finding] | tuple[Finding, ...]) -> Finding:
    """The most severe finding, ties broken by the largest magnitude."""
    return max(findings, key=lambda f: (severity_rank(f.severity), abs(f.value)))


def format_value(value: float | None, unit: str) -> str:
    """``24°``, ``130°/s``, ``0.083 of torso`` — short, for labels and tables."""
    if value is None or not math.isfinite(value):
        return "n/a"
    mag = abs(value)
    text = f"{value:.0f}" if mag >= 10 else f"{value:.1f}" if mag >= 1 else f"{value:.2g}"
    if unit in _UNIT_SUFFIX:
        return text + _UNIT_SUFFIX[unit]
    return f"{text} {unit}" if unit else text


def rep_label(rep: int | None) -> str:
    return "whole clip" if rep is None else f"rep {rep}"


@dataclass(frozen=True)
class CellStatus:
    """What one fault looked like in one rep: ``ok``, ``fault`` (with the findings) or
    ``not_assessable`` (with the reason)."""

    kind: str
    findings: tuple[Finding, ...] = ()
    reason: str | None = None

    @property
    def severity(self) -> str | None:
        return worst(self.findings).severity if self.findings else None


def cell_status(report: Report, fault: str, rep: int | None) -> CellStatus:
    """Status of ``fault`` in rep ``rep`` (1-based; ``None`` for findings outside any rep).

    A finding wins over an assessment: if the analysis reported one, it is drawn. Otherwise a
    rep-level ``assessable=False`` is used, then the clip-level one.
    """
    hits = tuple(f for f in report.findings if f.fault == fault and f.rep == rep)
    if hits:
        return CellStatus(FAULT, findings=hits)
    a = assessment_for(report, fault, rep)
    if a is not None and not a.assessable:
        return CellStatus(NOT_ASSESSABLE, reason=a.reason)
    return CellStatus(OK, reason=a.reason if a is not None else None)


def assessment_for(report: Report, fault: str, rep: int | None) -> Assessment | None:
    """The rep's own assessment of ``fault`` if there is one, else the whole clip's."""
    a = report.assessment(fault, rep) if rep is not None else None
    return a if a is not None else report.assessment(fault, None)


def finding_text(f: Finding) -> str:
    """The finding's own message, or a plain one built from its fields when it has none."""
    if f.message:
        return f.message
    where = f"Rep {f.rep}: " if f.rep is not None else ""
    return f"{where}{fault_title(f.fault)} ({format_value(f.value, f.unit)})"


def not_judged_text(fault: str, reason: str | None) -> str:
    """One line for a fault that could not be judged, e.g. for the overlay and the terminal."""
    tail = reason if reason else "not visible enough from this view"
    return f"{fault_title(fault)} not judged: {tail}"
