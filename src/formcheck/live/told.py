"""What the lifter was told live, and how the whole set's record answers it.

Live warns from the set so far; the record is the whole set's analysis, which can place a
fault's peak elsewhere, count the rep otherwise, or not find the fault at all (its neutral, its
typical rep or its recognised exercise changed as the set grew). ``LiveWarnings`` keeps every
warning given live (window, terminal, voice) and, at the set's end, ``corrections`` lists each
one the record does not confirm, with the numbers the whole set's rule decided on: the record
then holds every warning the lifter heard, either as one of its findings or as a correction
notice, and the terminal (and voice) says each correction once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.analysis.signal import run_durations, runs
from formcheck.render._common import (
    assessment_for,
    fault_title,
    format_limit,
    format_reading,
    value_text,
)
from formcheck.report import OUTSIDE_REPS_WORDS, Finding, Notice, Report

#: ``Notice.kind`` of a live warning the whole set does not confirm.
CORRECTION_KIND = "said_live"


@dataclass(frozen=True)
class SaidWarning:
    """One warning given live: the finding as shown then, whether it named its rep (the
    exercise recognised: ``LiveView.rep_numbers``), and when, on the set's clock (the newest
    frame's time) and on the monotonic clock."""

    finding: Finding
    numbered: bool
    said_s: float
    at: float


@dataclass(frozen=True)
class Correction:
    """A warning given live that the record does not confirm, and why."""

    said: SaidWarning
    why: str  # "the whole set reads at most 17° there (in rep 2), limit 20°", …
    #: The moment is a finding of the record, counted in another rep than the one said.
    renumbered: bool = False
    #: Where the record counts a renumbered warning's moment (None: outside the counted reps).
    counted_in: int | None = None

    @property
    def text(self) -> str:
        """The line for the record and the terminal."""
        f = self.said.finding
        where = f" as rep {f.rep}" if self.said.numbered and f.rep is not None else ""
        kept = f"not kept as rep {f.rep}" if self.renumbered else "not kept"
        return f"said live at {self.said.said_s:.1f} s{where}: {_what(f)} — {kept}: {self.why}"

    @property
    def spoken(self) -> str:
        """The voice's short form."""
        f = self.said.finding
        title = fault_title(f.fault)
        if self.renumbered:
            where = (OUTSIDE_REPS_WORDS if self.counted_in is None
                     else f"in rep {self.counted_in}")
            return f"Correction: the {title} said as rep {f.rep} is {where}"
        return f"Correction: the {title} said at {self.said.said_s:.0f} seconds was not kept"

    def notice(self) -> Notice:
        f = self.said.finding
        return Notice(CORRECTION_KIND, self.text, f.start_s, f.end_s)


def _what(f: Finding) -> str:
    return (f"{fault_title(f.fault)} peaking at {f.peak_s:.2f} s, "
            f"{value_text(f)} "
            f"(limit {format_limit(f.threshold, f.unit)}), "
            f"{f.severity}")


def with_corrections(report: Report, corrections: list[Correction]) -> Report:
    """``report`` with a notice for each correction (JSON, page and terminal list notices)."""
    if not corrections:
        return report
    return replace(report, notices=report.notices + tuple(c.notice() for c in corrections))


def same_moment(a: Finding, b: Finding, near_s: float) -> bool:
    """Two findings of one fault describe the same moment: their peaks are within ``near_s``,
    or their spans overlap (a rounding held on through a row's bent-over finish has its peak
    moved along the plateau as the set grows: the same rounding)."""
    return abs(a.peak_s - b.peak_s) <= near_s or (a.start_s <= b.end_s and b.start_s <= a.end_s)


def _rep_words(rep: int | None) -> str:
    return OUTSIDE_REPS_WORDS if rep is None else f"in rep {rep}"


class LiveWarnings:
    """The warnings of one set given live, in the order given."""

    def __init__(self, near_s: float) -> None:
        #: Findings this far apart (peak to peak) are the same moment.
        self.near_s = near_s
        self.said: list[SaidWarning] = []
        #: (fault, rep) → the first warning shown under that key (said or not: a key seen again
        #: after the set so far was cut anew is not said twice).
        self._shown: dict[tuple[str, int | None], SaidWarning] = {}
        #: Every warning shown without a rep number, said or not (told once per moment).
        self._unnumbered: list[SaidWarning] = []

    @property
    def shown_keys(self) -> list[tuple[str, int | None]]:
        return list(self._shown)

    def note(self, findings, numbered: bool, said_s: float, at: float) -> list[Finding]:
        """Record the findings of a newly published view; returns those to announce now:
        each (fault, rep) the first time, unless that moment was said already: without a rep
        number (this one unnumbered too), or under another rep number (the reps so far were
        cut anew: the set's end corrects the number once, ``corrections``)."""
        out = []
        for f in findings:
            k = (f.fault, f.rep)
            if k in self._shown:
                continue
            said = self.told(f) is not None
            w = SaidWarning(f, numbered, said_s, at)
            self._shown[k] = w
            if not numbered:
                self._unnumbered.append(w)
                if said:
                    continue
            elif any(o.numbered and o.finding.fault == f.fault
                     and same_moment(o.finding, f, self.near_s) for o in self.said):
                continue
            self.said.append(w)
            out.append(f)
        return out

    def told(self, f: Finding) -> float | None:
        """When (monotonic) the lifter was first told of finding ``f``, or None: a warning
        under its fault and rep whose peak is within ``near_s`` of ``f``'s (the same number
        given to another moment is not it), one said without a rep number of the same fault
        and moment, or one said under another rep number of the same fault and moment (the
        set so far was cut into reps otherwise: its correction gives the record's rep, so the
        finding is not told again)."""
        w = self._shown.get((f.fault, f.rep))
        if w is not None and same_moment(w.finding, f, self.near_s):
            return w.at
        return next((w.at for w in (*self._unnumbered, *self.said)
                     if w.finding.fault == f.fault and same_moment(w.finding, f, self.near_s)),
                    None)

    def corrections(self, report: Report, series: dict) -> list[Correction]:
        """Each warning given live that ``report`` (the whole set's) does not confirm: no
        finding of its fault at its moment (``same_moment``), or one counted in another rep
        than the warning named."""
        out = []
        for w in self.said:
            f = w.finding
            same = [g for g in report.findings if g.fault == f.fault]
            at_moment = [g for g in same if same_moment(g, f, self.near_s)]
            if at_moment:
                if w.numbered and all(g.rep != f.rep for g in at_moment):
                    g = min(at_moment, key=lambda g: abs(g.peak_s - f.peak_s))
                    out.append(Correction(
                        w, f"the whole set counts it {_rep_words(g.rep)} ({_what(g)})",
                        renumbered=True, counted_in=g.rep))
                continue
            out.append(Correction(w, _not_kept(f, same, report, series)))
        return out


def _not_kept(f: Finding, same: list[Finding], report: Report, series: dict) -> str:
    """Why the whole set has no finding of ``f``'s fault at its moment: what its rule's
    signal reads there, and where it does find the fault, if anywhere."""
    why = _reading(f, report, series)
    if same:
        near = min(same, key=lambda g: abs(g.peak_s - f.peak_s))
        why += (f"; it places the nearest {fault_title(f.fault)} {_rep_words(near.rep)}, "
                f"peaking at {near.peak_s:.2f} s "
                f"({value_text(near)})")
    return why


def _reading(f: Finding, report: Report, series: dict) -> str:
    """What the whole set's deciding signal reads over the live finding's span."""
    s = series.get(f.evidence.get("series", ""))
    rep = _rep_at(report, f.peak_s)
    where = f"there ({_rep_words(rep)})" if report.reps else "there"
    if s is None or not s.has_limit:
        a = assessment_for(report, f.fault, rep)
        reason = f" ({a.reason})" if a is not None and a.reason else ""
        if a is not None and a.assessable:  # judged, but not on the signal that decided live
            return (f"the whole set has no {f.evidence.get('series', 'such')} reading {where} "
                    f"to compare{reason}")
        return f"the whole set does not judge {fault_title(f.fault)} {where}{reason}"
    t = np.asarray(s.t_s)
    span = (t >= f.start_s - 1e-6) & (t <= f.end_s + 1e-6)
    judged = span if s.judged is None else span & np.asarray(s.judged, bool)
    values = np.asarray(s.values, float)
    limits = s.limit_t  # each frame against its own limit (one for every frame, or per frame)
    judged &= np.isfinite(limits)
    if not (judged & np.isfinite(values)).any():
        a = assessment_for(report, f.fault, rep)
        reason = f" ({a.reason})" if a is not None and a.reason else ""
        return f"the whole set does not judge those frames{reason}"
    past = judged & (values >= limits)
    # The frame the words are about: the highest reading, or, when some frames are past their
    # limit, the highest of those; its own limit is the one stated.
    k = int(np.nanargmax(np.where(past if past.any() else judged, values, np.nan)))
    v, lim = float(values[k]), float(limits[k])
    line = format_limit(lim, s.unit)
    shown = format_reading(v, s.unit, lim, s.checked_to)  # "more than 50°" past its checks
    up_to = "" if shown.startswith("more than") else "up to "
    lim_span = limits[judged & np.isfinite(values)]
    if lim_span.min() != lim_span.max():  # the limit differs over the span: name the frame
        if not past.any():
            return (f"the whole set reads at most {shown} {where} (at "
                    f"{t[k]:.2f} s), under the limit line of {line} at that frame")
        reading = (f"the whole set reads {shown} at {t[k]:.2f} s {where}, "
                   f"past the limit line of {line} at that frame")
    elif not past.any():
        return (f"the whole set reads at most {shown} {where}, under the "
                f"limit line of {line}")
    else:
        reading = f"the whole set reads {up_to}{shown} {where}, past the " \
                  f"limit line of {line}"
    # The longest stretch past the limit, measured as the rule measures it against its
    # shortest counted stretch (each frame one frame's time: 5 frames at 30 fps last 0.17 s,
    # not the 0.13 s between their stamps, which read "0.13 s (needs 0.15 s)" of a stretch
    # the rule would have counted).
    starts, ends = runs(past)
    dur = float(run_durations(t, starts, ends).max()) if starts.size else 0.0
    held = f.evidence.get("min_duration_s")
    # A per-frame limit is met at a stretch's peak (its duration is taken against the lowest
    # limit): the time past each frame's own limit is not what the rule held it to.
    if held is not None and dur < float(held) and s.threshold_t is None:
        return reading + f" for {dur:.2f} s (needs {held:g} s)"
    return (reading + f", but its rule's other conditions for a {fault_title(f.fault)} do not "
            "all hold there (see the page's evidence)")


def _rep_at(report: Report, t_s: float) -> int | None:
    return next((r.index for r in report.reps if r.start_s <= t_s <= r.end_s), None)
