"""What every renderer needs to say the same thing the same way: per-rep fault status, severity
order, value formatting. Pure Python over ``Report``; renderers only draw findings, so nothing
here thresholds a signal."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck.report import (  # noqa: F401 (severity and number helpers re-exported)
    FAULT_TITLES,
    FAULTS,
    NO_REP_SOURCE,
    NOT_ASSESSABLE_WORDS,
    OUTSIDE_REPS_WORDS,
    SEVERITIES,
    UNIT_SUFFIX,
    Assessment,
    Finding,
    Report,
    counted,
    format_limit,
    format_reading,
    format_value,
    reps_text,
    runs_on_text,
    severity_rank,
    times_text,
    value_text,
    worst,
)

if TYPE_CHECKING:
    from formcheck.analysis.series import Series
    from formcheck.report import Notice


def page_notices(report: Report) -> list[Notice]:
    """The notices a clip's page lists under "About this video" (and the batch summary in its
    ``notices``): the input's limits; the size the frames were posed at is a fact of the
    input, given with the frame's own facts, not a limit of it."""
    from formcheck.pose.sequence import POSED_AT_KEY

    return [n for n in report.notices if n.kind != POSED_AT_KEY]

#: Short unit suffixes for display (``report.UNIT_SUFFIX``); anything else is appended after a
#: space.
_UNIT_SUFFIX = UNIT_SUFFIX

#: Status kinds of one (rep, fault) cell; ``through``: no finding of its own, but another
#: rep's finding runs through this rep (``Report.runs_through``), so it is not "ok".
OK, FAULT, NOT_ASSESSABLE, THROUGH = "ok", "fault", "not_assessable", "through"


def fault_title(fault: str) -> str:
    return FAULT_TITLES.get(fault, fault.replace("_", " "))


def format_range(lo: float, hi: float, unit: str,
                 limits: tuple[float, float] | None = None) -> str:
    """``250–420°/s``: a range of limits (``format_limit`` of both ends; with ``limits``,
    ``format_value`` of each end beside its own limit, e.g. the grade bands' multiples of
    the limits), the unit once when it is a short suffix, or the one value when both ends
    read the same (``350°/s``)."""
    like = (lo, hi) if limits is None else limits
    a, b = format_value(lo, unit, like[0]), format_value(hi, unit, like[1])
    if a == b:
        return b
    suffix = _UNIT_SUFFIX.get(unit)
    if suffix and a.endswith(suffix):
        a = a[: -len(suffix)]
    return f"{a}–{b}"


def limit_text(s: Series) -> str | None:
    """The limit a signal was judged against, for a caption or a table: one value, or for a
    per-frame limit (``Series.threshold_t``) the range over the frames the rule judged (over
    every frame when it judged none) and what the limit varies with: ``250–420°/s, by how
    well the view shows the turn``. None when the signal has no limit."""
    if not s.has_limit:
        return None
    if s.threshold_t is None:
        return format_limit(s.threshold, s.unit)
    rng = s.judged_limits() or s.limit_span()
    if rng is None:
        return None
    text = format_range(*rng, s.unit)
    if rng[0] != rng[1] and s.limit_by:
        text += f", {s.limit_by}"
    return text


def rep_label(rep: int | None) -> str:
    """Scope of an assessment: ``rep 2`` or, for ``None``, the whole clip."""
    return "whole clip" if rep is None else f"rep {rep}"


def through_text(st: CellStatus) -> str:
    """A ``through`` cell's words (``report.runs_on_text`` of the worst such finding): ``runs
    on from rep 1's severe finding`` (``leads into rep 4's …`` for a later rep's), never a
    grade of this rep."""
    return runs_on_text(worst(st.findings), st.rep)


def finding_where(f: Finding) -> str:
    """Where a finding happened: ``rep 2`` or, for ``None``, outside the counted reps."""
    return OUTSIDE_REPS_WORDS if f.rep is None else f"rep {f.rep}"


def finding_lasted(f: Finding) -> str | None:
    """How long a finding lasted, measured as its rule measured it against its shortest
    counted stretch (``evidence["duration_s"]``: each frame counts one frame's time), with
    that shortest stretch: ``5 frames, 0.17 s (shortest counted 0.15 s)``. Not the time
    between its first and last frames (0.13 s there), which set beside "0.15 s" read as a
    finding shorter than its rule allows. None for a report that did not record it."""
    duration = f.evidence.get("duration_s")
    if not isinstance(duration, (int, float)) or not math.isfinite(duration):
        return None
    frames = f.evidence.get("frames")
    text = f"{duration:.2f} s"
    if isinstance(frames, (list, tuple)) and len(frames) == 2:
        text = f"{counted(int(frames[1]) - int(frames[0]) + 1, 'frame')}, {text}"
    shortest = f.evidence.get("min_duration_s")
    if isinstance(shortest, (int, float)):
        text += f" (shortest counted {shortest:.2f} s)"
    return text


def not_judged(report: Report) -> list[tuple[str, str, str | None]]:
    """``(fault, scope, reason)`` for every fault that could not be judged, one line per fault
    and reason: a rep that repeats the whole clip's reason is folded into it."""
    return _grouped(report, assessable=False)


def caveats(report: Report) -> list[tuple[str, str, str | None]]:
    """``(fault, scope, caveat)`` for every judged fault whose rule added a caveat (what its
    verdict can and cannot rule out), grouped as ``not_judged`` groups its reasons; a rep's
    caveat that the clip's ends with (after a "; ") is folded into the clip's too."""
    return [c for c in _grouped(report, assessable=True) if c[2]]


def _grouped(report: Report, assessable: bool) -> list[tuple[str, str, str | None]]:
    order = {f: k for k, f in enumerate(FAULTS)}
    groups: dict[tuple[str, str | None], list[int | None]] = {}
    for a in report.assessable:
        if a.assessable == assessable:
            groups.setdefault((a.fault, a.reason), []).append(a.rep)
    if assessable:
        # A judged rep whose caveat is the clip's last clauses (the clip's begins with one more,
        # e.g. the twist's "no warning does not rule a twist out", left off a warned rep) or
        # its first ones (the clip's ends with one more, e.g. "1 fast rotation not judged: the
        # picture jumped", said of the clip only) is covered by the clip's line: the same
        # paragraph is not printed twice.
        whole = {fault: reason for (fault, reason), reps in groups.items()
                 if None in reps and reason}
        for (fault, reason), reps in list(groups.items()):
            clip = whole.get(fault)
            if reason and None not in reps and clip and (
                    clip.endswith("; " + reason) or clip.startswith(reason + "; ")):
                groups[(fault, clip)].extend(groups.pop((fault, reason)))
    groups = _numbers_as_ranges(groups)
    out = []
    # Per fault: the whole clip's line first, then the reps' lines in rep order (by the
    # reason's words before, "reps 2, 3" came above "rep 1").
    def place(kv: tuple[tuple[str, str | None], list[int | None]]) -> tuple:
        (fault, reason), reps = kv
        first = -1 if None in reps else min(r for r in reps if r is not None)
        return order.get(fault, len(order)), first, str(reason)

    for (fault, reason), reps in sorted(groups.items(), key=place):
        if None in reps:
            scope = rep_label(None)
        else:
            scope = reps_text(r for r in reps if r is not None)
        out.append((fault, scope, reason))
    return out


#: A number in a reason, with its sign ("at most -3°"; not a hyphen inside a word).
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?|(?<=\w)\d+(?:\.\d+)?")


def _numbers_as_ranges(groups: dict[tuple[str, str | None], list[int | None]]
                       ) -> dict[tuple[str, str | None], list[int | None]]:
    """Reps of one fault whose reasons differ only in their numbers (the trunk "at most 22°"
    in one rep, "at most 24°" in the next) as one line, each number that differs given as
    its range over them ("at most 22–24°"). The whole clip's line is never merged."""
    by_shape: dict[tuple[str, str], list[tuple[str, list[int | None]]]] = {}
    out: dict[tuple[str, str | None], list[int | None]] = {}
    for (fault, reason), reps in groups.items():
        if reason and None not in reps and _NUMBER.search(reason):
            by_shape.setdefault((fault, _NUMBER.sub("#", reason)), []).append((reason, reps))
        else:
            out[(fault, reason)] = reps
    for (fault, _), members in by_shape.items():
        if len(members) == 1:
            out[(fault, members[0][0])] = members[0][1]
            continue
        texts = [reason for reason, _ in members]
        columns = list(zip(*(_NUMBER.findall(t) for t in texts), strict=True))
        parts = _NUMBER.split(texts[0])
        merged = parts[0]
        for column, rest in zip(columns, parts[1:], strict=True):
            values = sorted(set(column), key=float)
            lo, hi = values[0], values[-1]
            merged += lo if len(values) == 1 else (
                f"{lo} to {hi}" if float(lo) < 0 else f"{lo}–{hi}")
            merged += rest
        out[(fault, merged)] = [r for _, reps in members for r in reps]
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
    """What one fault looked like in one rep: ``ok``, ``fault`` (with the findings),
    ``through`` (with the other reps' findings that run through it) or ``not_assessable``
    (with the reason)."""

    kind: str
    findings: tuple[Finding, ...] = ()
    reason: str | None = None
    rep: int | None = None  # the rep the cell is of (``through``: which way the finding runs)

    @property
    def severity(self) -> str | None:
        return worst(self.findings).severity if self.findings else None


def cell_status(report: Report, fault: str, rep: int | None) -> CellStatus:
    """Status of ``fault`` in rep ``rep`` (1-based; ``None`` for findings outside any rep).

    A finding wins over an assessment: if the analysis reported one, it is drawn; then a
    finding of another rep that runs through this one (``through``, the same rule as the
    CSV's). Otherwise a rep-level ``assessable=False`` is used, then the clip-level one.
    """
    hits = tuple(f for f in report.findings if f.fault == fault and f.rep == rep)
    if hits:
        return CellStatus(FAULT, findings=hits)
    through = tuple(report.runs_through(fault, rep)) if rep is not None else ()
    if through:
        return CellStatus(THROUGH, findings=through, rep=rep)
    a = assessment_for(report, fault, rep)
    if a is not None and not a.assessable:
        return CellStatus(NOT_ASSESSABLE, reason=a.reason)
    return CellStatus(OK, reason=a.reason if a is not None else None)


def judged_reps(report: Report, fault: str) -> int:
    """How many of the counted reps ``fault`` was judged in (their cell is not "not
    assessable"): the page's "judged in only some reps" and the batch's ``_judged_reps``."""
    return sum(1 for r in report.reps if cell_status(report, fault, r.index).kind != NOT_ASSESSABLE)


def assessment_for(report: Report, fault: str, rep: int | None) -> Assessment | None:
    """The rep's own assessment of ``fault`` if there is one, else the whole clip's."""
    a = report.assessment(fault, rep) if rep is not None else None
    return a if a is not None else report.assessment(fault, None)


#: Unit suffixes of evidence and summary keys (longest first) and how they are shown.
_KEY_UNITS: tuple[tuple[str, str], ...] = (
    ("_deg_s3", "deg/s^3"), ("_deg_s", "deg/s"), ("_deg", "deg"), ("_pct", "%"),
    ("_leg_lengths", "leg lengths"), ("_ms", "ms"), ("_s", "s"), ("_m", "m"),
)

#: Plain words for the evidence a rule records (keys without their unit suffix). A key not
#: listed is shown with its underscores as spaces; its unit still comes from its suffix.
EVIDENCE_LABELS: dict[str, str] = {
    "signals": "signals used",
    "series": "plotted as",
    "judged_by": "decided by",
    "bulge": "back bow at the worst frame",
    "neutral_bulge": "bent-over neutral",
    "own_neutral_bulge": "your straightest bent-over frames, as counted",
    "trunk_inclination": "trunk from vertical",
    "head_neck_drop": "head-neck angle drop",
    "head_neck_supports": "head-neck drop also seen",
    "min_duration": "shortest counted (each frame counts one frame's time)",
    # The over-extension rule's frames (standing tall, or bent over), not the rep's phase: a
    # card said "Where: rep 1, lowering" over "where: lockout" (bad013, the lifter still
    # standing tall as the bar began to come down).
    "where": "judged on",
    "flexion": "estimated spinal flexion",
    "flexion_error": "error bar of that estimate",
    "flexion_checked_to": "largest flexion the estimate was checked on",
    "own_measured_bulge": "your straightest bent-over frames, as measured",
    "own_neutral_floored": "counted from the most arched outline allowed instead",
    "trunk_lean": "trunk leaning forward",
    "duration": "lasted (each frame counts one frame's time)",
    "frames": "frames (first, last)",
    "deg_per_bulge_pct": "degrees of flexion per % of torso of bow",
    "deg_per_lean_deg": "degrees of flexion per degree of trunk lean",
    "peak_frame": "worst frame",
    "view": "camera view",
    "lean_back": "lean behind vertical",
    "hips_forward": "hips ahead of the ankles",
    "concave": "lower back concave past neutral",
    "hips_through": "hips pushed through",
    "concave_back": "lower back arched",
    "twist_rate": "turn speed",
    "quick_turn": "quick turn",
    "quick_turn_spread": "the reading's own spread",
    "quick_turn_spreads": "spreads needed",
    "min_quick_turn": "quick turn needed at least",
    "twist_jerk": "turn jerk",
    "min_twist_jerk": "jerk needed",
    "twist_change": "net turn",
    "min_twist_change": "net turn needed",
    "hip_turn": "hips turned",
    "max_hip_turn": "most the hips may turn",
    "outline_turn_spreads_seen": "back outline's turn with it, in its own spreads",
    "outline_turn_spreads_needed": "back outline's turn needed, in its spreads",
}
#: Plain words for coded evidence values.
_EVIDENCE_WORDS: dict[str, str] = {
    "rise": "rise over your straightest bent-over frames",
    "level": "bow past the bent-over neutral",
    "lockout": "standing tall (hips high, trunk upright: the lockout)",
    "bent over": "bent-over frames",
}


def split_unit(key: str) -> tuple[str, str]:
    """``mean_trunk_angle_deg`` → (``mean_trunk_angle``, ``deg``): units live in key names.
    A ratio (``deg_per_bulge_pct``: degrees per % of torso) keeps its whole name, which says
    its unit, and gets none: its last word is the divisor's unit, not the value's."""
    if "_per_" in key:
        return key, ""
    for suffix, unit in _KEY_UNITS:
        if key.endswith(suffix):
            return key[: -len(suffix)], unit
    return key, ""


def plain_value(value: object, unit: str = "", limit: float | None = None) -> str:
    """A value for people: yes/no, numbers with their unit (``limit``: the limit a value in
    that unit is read against, whose decimals it keeps, ``format_value``; seconds to 0.01 s,
    as a finding's times are given), lists joined, codes in words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value} {unit}".strip() if unit not in _UNIT_SUFFIX else f"{value}{unit}"
    if isinstance(value, float):
        if value.is_integer() and not unit:
            return str(int(value))
        if unit == "s" and math.isfinite(value):
            return f"{value:.2f} s"
        return format_value(value, unit, limit) if math.isfinite(value) else "n/a"
    if value is None:
        return "n/a"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_value(v, unit, limit) for v in value)
    return _EVIDENCE_WORDS.get(str(value), str(value))




def evidence_rows(f: Finding, series_labels: dict[str, str] | None = None,
                  ) -> list[tuple[str, str]]:
    """The finding's evidence as (label, value) in plain words, in a stable order."""
    out = []
    for key in sorted(f.evidence):
        base, unit = split_unit(key)
        value = f.evidence[key]
        if key == "series" and series_labels and value in series_labels:
            value = series_labels[value]
        elif key == "signals" and isinstance(value, (list, tuple)):
            value = ", ".join(str(v).replace("_", " ") for v in value)
        label = EVIDENCE_LABELS.get(base, base.replace("_", " "))
        times = f.evidence.get("quick_turn_spreads")
        if key == "quick_turn_spread_deg" and isinstance(value, float) \
                and isinstance(times, (int, float)):
            # As the rule's words state it: so many times it makes the limit they state.
            out.append((label, times_text(value, float(times), f.threshold)))
            continue
        if key == "flexion_deg" and f.unchecked_value is not None:
            out.append((label, value_text(f)))  # past its checks: "more than 50°"
            continue
        if key == "flexion_error_deg" and value is None:
            # QA: "error bar of that estimate: n/a" under a page that said every finding
            # gives its error bar; against a typical neutral back none was measured, nor
            # past the flexion the degrees were checked on.
            out.append((label, "none measured past the degrees checked"
                        if f.unchecked_value is not None
                        else "none measured (judged against a typical neutral back)"))
            continue
        if base.endswith("bulge") and unit == "%" and isinstance(value, float) \
                and math.isfinite(value):
            out.append((label, bow_text(value)))
            continue
        # A value in the finding's unit (its flexion, its quick turn) as the finding's own value
        # is shown: to the decimals its limit needs (20.8° beside a 20.3° limit, not 21°).
        out.append((label, plain_value(value, unit, f.threshold if unit == f.unit else None)))
    return out


def bow_text(pct: float) -> str:
    """A back outline's bow (% of the shoulder-hip line) as the rounding's message says it, a
    direction and a size: QA read "yours, at its straightest, curved in (arched) 1.4%" in a
    card whose evidence beneath said "your straightest bent-over frames, as measured -1.4%"."""
    pct = round(pct, 1) + 0.0  # + 0.0: a bow rounding to -0.0 reads 0.0
    if pct > 0:
        return f"curved out {pct:.1f}%"
    if pct < 0:
        return f"curved in (arched) {-pct:.1f}%"
    return "straight (0.0%)"


def finding_text(f: Finding) -> str:
    """The finding's own message, or a plain one built from its fields when it has none."""
    if f.message:
        return f.message
    where = f"Rep {f.rep}: " if f.rep is not None else ""
    return f"{where}{fault_title(f.fault)} ({value_text(f)})"


def capitalized(title: str) -> str:
    """``title`` with its first letter upper-case and the rest as written (unlike
    ``str.capitalize``, which would lower-case e.g. an acronym further on)."""
    return title[:1].upper() + title[1:]


def finding_short_text(f: Finding, rep: bool = True) -> str:
    """The finding in a few words for a frame too small for its message: the fault, where,
    its value and grade (``Rounded back in rep 1: 84° (severe)``), from the same fields.
    ``rep=False`` leaves the rep's number out (``Rounded back: 84° (severe)``), for while the
    set cannot tell it; a finding outside the reps still says so. A twist names its side
    (``Jerky twist in rep 2: 24° (mild), to the right``), as its message does."""
    if f.rep is None:
        where = f" {OUTSIDE_REPS_WORDS}"
    else:
        where = f" in rep {f.rep}" if rep else ""
    side = f.evidence.get("twist_side")
    return (f"{capitalized(fault_title(f.fault))}{where}: "
            f"{value_text(f)} "
            f"({f.severity})" + (f", to the {side}" if side in ("left", "right") else ""))


def not_judged_text(fault: str, reason: str | None, *, video: bool = False) -> str:
    """One line for a fault that could not be judged (``NOT_ASSESSABLE_WORDS``), for the
    video's notices and live's window.
    ``video``: without the reason's pointers to the documentation (``(README, "...")``),
    which a video cannot follow and which on a small frame pushed the advice that ends the
    reason ("film from the side") out of its panel."""
    tail = reason if reason else "not visible enough from this view"
    if video:
        tail = _DOC_POINTER.sub("", tail)
    return f"{fault_title(fault)} {NOT_ASSESSABLE_WORDS}: {tail}"


def not_judged_short_texts(fault: str, reason: str | None) -> tuple[str, str]:
    """Shorter forms of ``not_judged_text`` for the video, for a reason too long for the
    notice's lines: the reason without its parenthesised details (the limits it quotes, the
    pointers to the documentation), then its first clause alone; each ends in "(more in the
    report)", saying that words were left out, where a cut line ("… so leaning back…") said
    neither."""
    text = reason if reason else "not visible enough from this view"
    tail = _words(ch for _, ch in _outside_brackets(text)).replace(" :", ":").replace(" ,", ",")
    first = re.split(r"[:;] ", tail, maxsplit=1)[0]
    head = f"{fault_title(fault)} {NOT_ASSESSABLE_WORDS}: "
    return (f"{head}{tail} (more in the report)", f"{head}{first} (more in the report)")


#: A parenthesised pointer to the documentation inside a rule's reason.
_DOC_POINTER = re.compile(r"\s*\((?:README|docs/)[^()]*\)")


def _outside_brackets(text: str) -> Iterator[tuple[int, str]]:
    """``(position, character)`` of each character of ``text`` outside brackets, in order:
    not the brackets themselves nor what they hold (nested ones too); a closing bracket with
    none open is left out as well. The one rule by which ``not_judged_short_texts`` and
    ``notice_text`` leave a text's bracketed asides out."""
    depth = 0
    for k, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            yield k, ch


def _words(chars: Iterable[str]) -> str:
    """``chars`` joined, with each run of white space one space and none at either end."""
    return " ".join("".join(chars).split())


#: What a recognised exercise's confidence is (``analysis.exercise.classify``): the measured
#: share of calls as clear as this one that were right (README "Reading the results").
EXERCISE_CONFIDENCE = " of such calls right"
#: What a recognised exercise shows instead when no share was measured for the pose model that
#: made the poses (``config.ExerciseConfig.right_frac``: e.g. synthetic poses, a bundle of
#: another name, lite's close calls): never another model's number.
EXERCISE_UNMEASURED = "no share of such calls measured with this pose model"
#: What a view's confidence is (``analysis.view.estimate_view``): the share of frames whose
#: own view agrees. The terminal and the page both say so (the page said "confident").
VIEW_CONFIDENCE = " of frames agree"


def estimate_how(est, confident: str = "") -> str:
    """How an exercise or view estimate was reached, for the terminal and the page: "set by
    you", the confidence followed by ``confident`` (what the number is: ``EXERCISE_CONFIDENCE``
    for the exercise), ``EXERCISE_UNMEASURED`` for a recognised lift without one, or, for an
    automatic "unknown" (whose confidence is that nothing matched, easily read as a guess),
    why it is unknown."""
    if est.source == "user":
        return "set by you"
    if est.source == NO_REP_SOURCE:
        return "not recognised: no rep counted"
    if est.name == "unknown":
        return "not recognised" if est.confidence > 0 else "could not be determined"
    if est.confidence is None:
        return EXERCISE_UNMEASURED
    # Rounded down: a measured 733 of 735 right reads 99%, never a "100%" nobody measured.
    return f"{math.floor(100 * est.confidence + 1e-9):.0f}%{confident}"


def caveat_clauses(caveat: str) -> tuple[str, str]:
    """A caveat's first clause and the rest after it (``""`` when it has one clause): each
    rule puts what bears most on its verdict first and joins its clauses with "; ". The
    video's short form (``caveat_text``) says the first; batch's index shows it and opens
    to the rest."""
    first, _, rest = caveat.partition("; ")
    return first, rest


def caveat_text(fault: str, caveat: str) -> str:
    """The video's short form of the caveat on a judged verdict: the fault, the caveat's first
    clause (``caveat_clauses``) and, when the caveat says more, where to read the rest (the
    page, the terminal, the JSON and the CSV give it whole). Made from the same words, so it
    cannot say something else."""
    first, more = caveat_clauses(caveat)
    return f"{fault_title(fault)} judged, but: {first}" + (" (more in the report)" if more
                                                              else "")


#: A notice about the input (``report.Notice``) the video shows whole up to this many
#: characters; a longer one is cut to its first clause (``notice_text``).
NOTICE_VIDEO_CHARS = 100


#: A picture-cut notice's times (``notices._picture_cuts``: "the picture jumps 3 times: at
#: 1.00 s, 2.00 s, 3.00 s (a camera cut, …): …", or "… jumps at 2.00 s (…)"), for its short
#: form.
_JUMP_TIMES = re.compile(r"the picture jumps (?:\d+ times: )?at (?P<times>\d+\.\d+ s"
                         r"(?:, \d+\.\d+ s)*(?: and \d+ more)?)(?= \(|[:;]|$)")


def notice_text(message: str, short: bool = False) -> str:
    """The video's line for a notice about the input: ``Note: `` and the page's words (its
    "About this video" list; the terminal's ``note: …``), whole when short, else their first
    clause (up to the first "; ", or the first ": " that follows a closing bracket, outside
    brackets: "the picture jumps at 2.00 s (a camera cut, or frames missing from the
    footage)") and, as ``caveat_text`` says it, where to read the rest. Made from the same
    words, so it cannot say something else. ``short`` (a narrow frame, whatever the length):
    the words up to the first "; " or ": " outside brackets, without the bracketed asides
    ("the picture jumps at 2.00 s") nor the pointer to the report. A picture cut's short form
    keeps its times, with fewer words: "the picture jumps at 1.00, 2.00, 3.00 s" (its first
    clause, "the picture jumps 3 times", said nothing of when)."""
    if len(message) <= NOTICE_VIDEO_CHARS and not short:
        return f"Note: {message}"
    jumps = _JUMP_TIMES.match(message) if short else None
    if jumps is not None:
        return "Note: the picture jumps at " + jumps["times"].replace(" s, ", ", ")
    kept = []
    for k, ch in _outside_brackets(message):
        if message.startswith("; ", k) or (message.startswith(": ", k) and (
                short or (k > 0 and message[k - 1] == ")"))):
            if short:
                return "Note: " + _words(kept)
            return f"Note: {message[:k]} (more in the report)"
        kept.append(ch)
    return "Note: " + (_words(kept) if short else message)


def fit_width(image: np.ndarray, max_width: int) -> np.ndarray:
    """``image`` scaled down (area averaging, aspect kept) to at most ``max_width`` pixels
    wide; narrower images are returned as they are. One rule for every thumbnail (page,
    batch index, the render pass's copies), so each shows the same pixels."""
    import cv2

    h, w = image.shape[:2]
    if w <= max_width:
        return image
    size = (max_width, max(1, round(h * max_width / w)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def plot_indices(values: np.ndarray, buckets: int) -> np.ndarray:
    """Indices of the samples worth drawing when a series has far more samples than a plot has
    pixels: per bucket of consecutive samples its first sample, its lowest and highest finite
    values and its first NaN (so gaps still break the line). A line through them looks like
    the full series (every peak kept) while a 10-minute clip's page, and the memory spent
    drawing it, stay the size of a short one's. Short series come back whole."""
    n = len(values)
    if n <= 4 * buckets:
        return np.arange(n)
    edges = np.linspace(0, n, buckets + 1).astype(np.intp)
    finite = np.isfinite(values)
    lo = np.where(finite, values, np.inf)
    hi = np.where(finite, values, -np.inf)
    keep = [edges[:-1], [n - 1]]
    for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        if b <= a:
            continue
        if finite[a:b].any():
            keep.append([a + int(np.argmin(lo[a:b])), a + int(np.argmax(hi[a:b]))])
        if not finite[a:b].all():
            keep.append([a + int(np.argmin(finite[a:b]))])
    return np.unique(np.concatenate([np.asarray(k, np.intp) for k in keep]))
