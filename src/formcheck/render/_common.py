"""What every renderer needs to say the same thing the same way: per-rep fault status, severity
order, value formatting. Pure Python over ``Report``; renderers only draw findings, so nothing
here thresholds a signal."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.report import (  # noqa: F401 (severity helpers re-exported for renderers)
    FAULT_TITLES,
    FAULTS,
    SEVERITIES,
    Assessment,
    Finding,
    Report,
    severity_rank,
    worst,
)

#: Short unit suffixes for display; anything else is appended after a space.
_UNIT_SUFFIX: dict[str, str] = {"deg": "°", "deg/s": "°/s", "deg/s^2": "°/s²", "%": "%"}

#: Status kinds of one (rep, fault) cell.
OK, FAULT, NOT_ASSESSABLE = "ok", "fault", "not_assessable"


def fault_title(fault: str) -> str:
    return FAULT_TITLES.get(fault, fault.replace("_", " "))


def format_value(value: float | None, unit: str) -> str:
    """``24°``, ``130°/s``, ``0.083 of torso`` — short, for labels and tables."""
    if value is None or not math.isfinite(value):
        return "n/a"
    mag = abs(value)
    text = f"{value:.0f}" if mag >= 10 else f"{value:.1f}" if mag >= 1 else f"{value:.2g}"
    if unit in _UNIT_SUFFIX:
        return text + _UNIT_SUFFIX[unit]
    if unit.startswith("%"):  # "% of torso" → "16% of torso"
        return text + unit
    return f"{text} {unit}" if unit else text


def rep_label(rep: int | None) -> str:
    """Scope of an assessment: ``rep 2`` or, for ``None``, the whole clip."""
    return "whole clip" if rep is None else f"rep {rep}"


def finding_where(f: Finding) -> str:
    """Where a finding happened: ``rep 2`` or, for ``None``, outside the counted reps."""
    return "outside reps" if f.rep is None else f"rep {f.rep}"


def not_judged(report: Report) -> list[tuple[str, str, str | None]]:
    """``(fault, scope, reason)`` for every fault that could not be judged, one line per fault
    and reason: a rep that repeats the whole clip's reason is folded into it."""
    order = {f: k for k, f in enumerate(FAULTS)}
    groups: dict[tuple[str, str | None], list[int | None]] = {}
    for a in report.assessable:
        if not a.assessable:
            groups.setdefault((a.fault, a.reason), []).append(a.rep)
    out = []
    for (fault, reason), reps in sorted(groups.items(),
                                        key=lambda kv: (order.get(kv[0][0], len(order)),
                                                        str(kv[0][1]))):
        if None in reps:
            scope = rep_label(None)
        else:
            nums = sorted(r for r in reps if r is not None)
            scope = ("rep " if len(nums) == 1 else "reps ") + ", ".join(map(str, nums))
        out.append((fault, scope, reason))
    return out


def robust_range(values: np.ndarray, keep: list[float]) -> tuple[float, float]:
    """Vertical range for plotting a noisy signal: the bulk of the values (2nd–98th
    percentile, widened by a third) and every value in ``keep`` (threshold, findings' peaks),
    never wider than the data itself. Spikes beyond it are clipped, not allowed to flatten
    the part that matters."""
    vals = values[np.isfinite(values)]
    keep = [float(k) for k in keep if k is not None and math.isfinite(k)]
    if vals.size:
        q_lo, q_hi = np.percentile(vals, [2.0, 98.0])
        span = max(q_hi - q_lo, 1e-9)
        lo = max(q_lo - span / 3, vals.min())
        hi = min(q_hi + span / 3, vals.max())
    elif keep:
        lo = hi = keep[0]
    else:
        return 0.0, 1.0
    lo, hi = min([lo, *keep]), max([hi, *keep])
    pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0)
    return float(lo - pad), float(hi + pad)


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
