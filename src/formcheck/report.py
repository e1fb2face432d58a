"""The report: the one truth every sink (JSON, CSV, overlay, HTML page, JUnit, terminal) reads.

Plain frozen dataclasses with a versioned JSON form. Serialisation is deterministic: keys sorted,
floats rounded (``FLOAT_DECIMALS``), lists in a defined order, so the same input gives
byte-identical JSON.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import math
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.config import SEVERITY_NAMES
from formcheck.errors import DataFormatError, InputNotFoundError
from formcheck.fsutil import write_bytes_atomic, write_text_atomic  # noqa: F401 (re-exported)

#: Major.minor. A reader accepts the same major version; the minor grows with added fields.
SCHEMA_VERSION = "1.2"  # 1.1: notices; 1.2: Finding.unchecked_value
FLOAT_DECIMALS = 4

#: The three faults formcheck judges, in display order.
FAULTS: tuple[str, ...] = ("rounded_back", "lumbar_overextension", "jerky_twist")

FAULT_TITLES: dict[str, str] = {
    "rounded_back": "rounded back",
    "lumbar_overextension": "over-arched lower back",
    "jerky_twist": "jerky twist",
}


#: The still phases a rep owns before and after its movement (``analysis.reps``: the set-up,
#: and the squat's "top" or the deadlift's and row's "finish"). ``Report.runs_through``
#: leaves them out: a fault that starts while the lifter sets up for the next rep is that
#: rep's, not the one before.
REST_PHASES: tuple[str, ...] = ("set-up", "top", "finish")

#: One wording per fact of the lifter and the picture, used by every surface (notices, the
#: page, the video, the terminal, live's screen and record, ``formcheck --help``): the lifter
#: wholly absent from the picture, and a body part cut off at the picture's edge (a
#: different fact: the lifter is there, a hand or the feet are not).
OUT_OF_PICTURE = "out of the picture"
#: Where a finding outside every counted rep lies, on every surface (the finding's message,
#: the page, the video's banner, the terminal, live's screen, voice and record, batch's
#: page and summary, check's comments): they had said "outside a counted rep", "outside
#: reps", "Outside the reps", "outside any rep" and "outside the counted reps".
OUTSIDE_REPS_WORDS = "outside the counted reps"
IN_PICTURE = "in the picture"
#: What every surface says of a fault its rule could not judge in a clip or a rep, before the
#: rule's reason: the page's heading, cells and figure captions, the terminal's table and
#: list, the video's notices (``Rounded back not assessable: side view needed``), batch's
#: index and summary, check's comments (CSV's and JSON's status code is ``not_assessable``).
#: The terminal and the video had said "not judged" for the page's "not assessable". A
#: frame the rule skipped inside a rep it judged (the video gauge's reading, a rule's own
#: reasons such as "1 fast rotation not judged: the picture jumped") stays "not judged".
NOT_ASSESSABLE_WORDS = "not assessable"
CUT_OFF = "cut off at the picture's edge"

#: Severity names from least to most severe (``Finding.severity``).
SEVERITIES: tuple[str, ...] = SEVERITY_NAMES


def counted(n: int, noun: str) -> str:
    """``1 finding``, ``2 findings``: a count with its noun (a regular plural)."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


#: Short unit suffixes for display; anything else is appended after a space.
UNIT_SUFFIX: dict[str, str] = {"deg": "°", "deg/s": "°/s", "deg/s^2": "°/s²",
                               "deg/s^3": "°/s³", "%": "%"}


def _limit_decimals(limit: float | None) -> int:
    """Decimals a value of 10 or more is shown with beside ``limit``, the one it was judged
    against: as many as the limit itself needs to be shown as the rule used it (a rounding's
    20.3°: one; a lockout's 10°: none). From 100 none: a twist's blended rate limit of
    312.4°/s reads 312°/s (a tenth of a degree there is no reading anyone can use)."""
    if limit is None or not math.isfinite(limit) or abs(limit) >= 100:
        return 0
    if abs(limit) >= 10:
        return 0 if float(round(limit, 1)).is_integer() else 1
    return 1


def format_value(value: float | None, unit: str, limit: float | None = None) -> str:
    """``24°``, ``130°/s``, ``0.083 of torso``: short, for labels, tables and messages. With
    ``limit`` (the limit the value was judged against), a value of 10 or more keeps the
    decimals the limit needs (``format_limit``): 20.8° against 20.3°, never 21° against
    20°, whose rounding can show a value past its limit as equal to it, or a grade's band
    ("severe from 32°", 1.6 × 20.3°) as reached by a value that did not reach it (32.3°,
    moderate). Under 1, an angle or a rate keeps one decimal (a twist gauge read "now
    0.026° · limit 22.9°"), a fraction of the torso two significant figures. One function
    for every surface (video, page, terminal, CSV's words, live) and the rules' own words
    (the twist's "warns from …")."""
    if value is None or not math.isfinite(value):
        return "n/a"
    mag = abs(value)
    if unit.startswith("%") and 1 <= mag < 100:  # the messages give % of torso to 0.1
        text = f"{value:.1f}"
    elif mag >= 10:
        text = f"{value:.{_limit_decimals(limit)}f}"
    elif mag >= 1 or unit in UNIT_SUFFIX:  # an angle under 1° to 0.1, as its noise allows
        text = f"{value:.1f}".replace("-0.0", "0.0")
    else:
        text = f"{value:.2g}"
    if unit in UNIT_SUFFIX:
        return text + UNIT_SUFFIX[unit]
    if unit.startswith("%"):  # "% of torso" → "16% of torso"
        return text + unit
    return f"{text} {unit}" if unit else text


def format_reading(value: float | None, unit: str, limit: float | None = None,
                   checked_to: float | None = None) -> str:
    """``format_value``, or ``more than 50°`` for a value past ``checked_to``, the largest
    this estimate was checked on (``Series.checked_to``, ``Finding.unchecked_value``): a
    number past it was never measured against the truth, so none is stated."""
    if checked_to is not None and value is not None and math.isfinite(value) \
            and value > checked_to:
        return f"more than {format_limit(checked_to, unit)}"
    return format_value(value, unit, limit)


def value_text(f: Finding, unit: str | None = None) -> str:
    """A finding's value as every surface states it: ``format_value`` beside its limit
    (``20.8°``), or ``more than 50°`` for an estimate past the range it was checked on
    (``Finding.unchecked_value``; ``value`` then holds that bound)."""
    unit = f.unit if unit is None else unit
    if f.unchecked_value is not None:  # ``value`` holds the checked range's end
        return format_reading(f.unchecked_value, unit, checked_to=f.value)
    return format_value(f.value, unit, f.threshold)


def format_limit(limit: float | None, unit: str) -> str:
    """A limit as the rule used it: to 0.1 where it is not whole (a held rounding's 20.3°),
    else as ``format_value`` shows it (10°, 250°/s)."""
    return format_value(limit, unit, limit)


def times_text(spread: float, times: float, limit: float, unit: str = "deg") -> str:
    """``spread`` for words that give ``limit`` as ``times`` times it ("warns from 25.6° (9
    times the 2.84° its reading wavers …)"): to 0.01, or to as many more decimals (up to
    four) as it takes for ``times`` times the number stated to show as the limit is shown
    (``format_limit``): 9 times "2.03°" reads 18.3°, where the limit, 9 times 2.025°, is
    18.2° ("2.025°" then). A limit that is not that product (a least value) takes 0.01."""
    suffix = UNIT_SUFFIX.get(unit, "")
    if not (math.isfinite(spread) and math.isfinite(limit)) \
            or abs(times * spread - limit) > 1e-9 * max(1.0, abs(limit)):
        return f"{spread:.2f}{suffix}"
    shown = format_limit(limit, unit)
    for d in (2, 3, 4):
        text = f"{spread:.{d}f}"
        if format_limit(times * float(text), unit) == shown:
            break
    return text + suffix


def severity_rank(severity: str) -> int:
    """0 for mild … 2 for severe; unknown names rank as mild so they still count as a warning."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def worst(findings) -> Finding:
    """The most severe finding, ties broken by the largest magnitude: the one rule every sink
    (CSV, overlay, page, terminal) uses to summarise several findings."""
    return max(findings, key=lambda f: (severity_rank(f.severity), abs(f.graded_value)))


def runs_on_text(f: Finding, rep: int | None = None) -> str:
    """The status of rep ``rep`` that another rep's finding ``f`` runs through
    (``Report.runs_through``), the same words on every surface (CSV, terminal, page): whose
    finding it is and that finding's grade, not a grade of this rep (its own part of the
    stretch may be milder): ``runs on from rep 1's severe finding``; for a later rep's
    finding that starts in this one, ``leads into rep 4's severe finding``."""
    if rep is not None and f.rep is not None and f.rep > rep:
        return f"leads into rep {f.rep}'s {f.severity} finding"
    return f"runs on from rep {f.rep}'s {f.severity} finding"


def reps_text(reps: Iterable[int]) -> str:
    """Counted reps named as every surface names them: ``rep 2``, ``reps 1, 2, 3`` (the
    page's and terminal's not-judged lines, a finding card's "runs through", live's window
    and record, check's comments), each rep once, in order."""
    nums = sorted(set(reps))
    return ("rep " if len(nums) == 1 else "reps ") + ", ".join(map(str, nums))


def finding_span(f: Finding) -> str:
    """A finding's times as every surface gives them (``1.03–1.80 s``): the page's card, the
    terminal, the runs-through notes of the page, CSV and terminal. QA: the terminal read
    "1.0–1.8 s" for the card's "1.03–1.80 s" (a 0.03 s start is a frame at 30 fps)."""
    return f"{f.start_s:.2f}–{f.end_s:.2f} s"


def through_note(f: Finding) -> str:
    """Words for a rep that another rep's finding ``f`` runs through (``Report.runs_through``)."""
    return (f"{FAULT_TITLES.get(f.fault, f.fault)} found in rep {f.rep} "
            f"({finding_span(f)}) runs through this rep")


def _clean(value: Any) -> Any:
    """Round floats, turn NaN/inf into None, recurse into containers."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, FLOAT_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return _clean(value.item())
    return value


@dataclass(frozen=True)
class VideoInfo:
    path: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    rotation: int = 0
    codec: str = ""


@dataclass(frozen=True)
class Phase:
    name: str  # descent | ascent | pull | lowering | lockout | ...
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Rep:
    index: int  # 1-based
    start_s: float
    end_s: float
    phases: tuple[Phase, ...] = ()
    start_frame: int = 0
    end_frame: int = 0
    #: Whether a rest frame followed the rep's movement in the frames analysed (``segment_reps``;
    #: a set still growing may not have one yet). Live mode's alone: kept out of the JSON.
    ends_at_rest: bool = field(default=True, compare=False, metadata={"json": False})


#: Rep fields left out of the report's JSON (the schema is unchanged by them).
_REP_NOT_IN_JSON = tuple(f.name for f in fields(Rep) if not f.metadata.get("json", True))

#: Extra rep columns of the CSV: the worst twist's size, side and time of its peak speed.
TWIST_CSV_COLUMNS = ("jerky_twist_deg", "jerky_twist_side", "jerky_twist_peak_s")


@dataclass(frozen=True)
class Finding:
    fault: str  # one of FAULTS
    rep: int | None  # 1-based rep, None when outside any rep
    phase: str | None
    start_s: float
    end_s: float
    peak_s: float
    severity: str  # mild | moderate | severe
    value: float  # peak value of the deciding signal (see unchecked_value)
    threshold: float  # the threshold it crossed
    unit: str
    message: str  # one line a lifter can read
    evidence: dict = field(default_factory=dict)
    #: An estimate past the largest value its calibration was checked on (the rounded back's
    #: degrees): the number the rule read and graded (``severity``), which no surface states;
    #: ``value`` then holds that largest checked value and every surface says "more than"
    #: it (``value_text``). None for a value inside the checked range.
    unchecked_value: float | None = None

    @property
    def graded_value(self) -> float:
        """The number the rule graded: ``unchecked_value`` when set, else ``value``."""
        return self.value if self.unchecked_value is None else self.unchecked_value


@dataclass(frozen=True)
class Assessment:
    fault: str
    rep: int | None  # None: the whole clip
    assessable: bool
    reason: str | None = None  # why not (or a caveat when assessable)


# The analysis builds tens of thousands of these on a long set (three to five phases, a rep
# and an assessment per fault for every rep). A frozen dataclass's ``__init__`` sets each
# field through ``object.__setattr__``, which costs as much again as the object; these build
# the same objects (the same fields in the same order, so equality, hashing, repr and JSON are
# unchanged: tests/test_report.py checks them against the constructors) in half the time.
_new_object = object.__new__


def new_phase(name: str, start_s: float, end_s: float) -> Phase:
    """``Phase(name, start_s, end_s)``, built faster."""
    p = _new_object(Phase)
    d = p.__dict__
    d["name"] = name
    d["start_s"] = start_s
    d["end_s"] = end_s
    return p


def new_rep(index: int, start_s: float, end_s: float, phases: tuple[Phase, ...],
            start_frame: int, end_frame: int, ends_at_rest: bool) -> Rep:
    """``Rep(index, start_s, end_s, phases, start_frame, end_frame, ends_at_rest)``, built
    faster."""
    r = _new_object(Rep)
    d = r.__dict__
    d["index"] = index
    d["start_s"] = start_s
    d["end_s"] = end_s
    d["phases"] = phases
    d["start_frame"] = start_frame
    d["end_frame"] = end_frame
    d["ends_at_rest"] = ends_at_rest
    return r


def new_assessment(fault: str, rep: int | None, assessable: bool,
                   reason: str | None) -> Assessment:
    """``Assessment(fault, rep, assessable, reason)``, built faster."""
    a = _new_object(Assessment)
    d = a.__dict__
    d["fault"] = fault
    d["rep"] = rep
    d["assessable"] = assessable
    d["reason"] = reason
    return a


@dataclass(frozen=True)
class Estimate:
    """A categorical estimate (exercise, view) with its confidence in [0, 1]; None for a
    recognised exercise whose pose model has no measured share (``analysis.exercise``)."""

    name: str
    confidence: float | None
    source: str = "auto"  # auto | user | no rep (``NO_REP_SOURCE``)


#: ``Estimate.source`` of an exercise left unnamed because no rep was counted: the movement's
#: reading (named in the report's ``exercise_unconfirmed`` notice) was measured on clips with
#: reps, and a clip without one confirms no lift (``exercise_without_rep``).
NO_REP_SOURCE = "no rep"


@dataclass(frozen=True)
class Notice:
    """Something about the input that bears on every result, said once: the file is truncated,
    the recording has a gap, the picture jumps (a camera cut), the lifter left the picture,
    more than one person was seen."""

    #: truncated | single_frame | time_gap | picture_cut | camera_roll | upside_down
    #: | out_of_view | people | exercise_unconfirmed (``exercise_without_rep``)
    #: | said_live, frames_dropped (live: ``live.told``, ``live.session``)
    #: | posed_at (frames the pose model read scaled down; never drawn on the video)
    kind: str
    message: str  # one line a lifter can read
    start_s: float | None = None
    end_s: float | None = None


def exercise_without_rep(exercise: Estimate, rep_count: int
                         ) -> tuple[Estimate, tuple[Notice, ...]]:
    """The exercise a report states, and the notices that go with it: an exercise recognised
    automatically in a clip where no rep was counted is ``unknown`` (source
    ``NO_REP_SOURCE``), with a notice naming what the movement read most like. A recognised
    lift's confidence is the share of such calls right on clips with reps: a few seconds of
    standing or setting up (QA: a 4-second live set, "row" with 0 reps) are not such a call.
    An exercise set by the user, an ``unknown`` one, and any clip with a rep are unchanged."""
    if rep_count or exercise.source != "auto" or exercise.name == "unknown":
        return exercise, ()
    # The reason first: on a narrow video the notice is cut to its words outside brackets
    # up to the first ": " (``notice_text``), which read "exercise not named" and no why.
    notice = Notice("exercise_unconfirmed",
                    f"no rep was counted, so the exercise is not named (the movement read most "
                    f"like a {exercise.name}, which only a counted rep confirms)")
    return Estimate("unknown", None, NO_REP_SOURCE), (notice,)


@dataclass(frozen=True)
class Report:
    video: VideoInfo | None
    model: str
    frames_total: int
    frames_with_person: int
    exercise: Estimate | None = None
    view: Estimate | None = None
    reps: tuple[Rep, ...] = ()
    findings: tuple[Finding, ...] = ()
    assessable: tuple[Assessment, ...] = ()
    summary: dict = field(default_factory=dict)  # scalar measurements, e.g. mean trunk angle
    notices: tuple[Notice, ...] = ()
    schema_version: str = SCHEMA_VERSION
    formcheck_version: str = __version__

    # ------------------------------------------------------------ queries
    def findings_for(self, fault: str) -> list[Finding]:
        return [f for f in self.findings if f.fault == fault]

    def runs_through(self, fault: str, rep: int) -> list[Finding]:
        """The findings of ``fault`` named for another counted rep whose stretch
        (``start_s``–``end_s``) runs into rep ``rep``'s movement (its phases other than the
        still ``REST_PHASES``; the whole rep when it has no phases) for at least the rule's
        shortest counted stretch (``evidence["min_duration_s"]``; any overlap when not
        recorded), measured as the rule measures it, each frame one frame's time
        (``frame_step_s``: 5 frames at 30 fps last 0.17 s, though their stamps lie 0.13 s
        apart), in the order of ``findings``. A back held rounded from rep 1 through rep 3
        is one finding of rep 1 (its worst moment), but reps 2 and 3 were not "ok": every sink
        says so (``reps_csv``, the terminal, the page, the batch summary). A fault that starts
        while the lifter sets up for the next rep is that rep's alone. Findings outside every
        rep keep their own row. Read from a lookup built once per report
        (``_runs_through_index``): the sinks ask per rep and fault."""
        return list(self._runs_through_index.get((fault, rep), ()))

    @cached_property
    def _runs_through_index(self) -> dict[tuple[str, int], tuple[Finding, ...]]:
        """(fault, rep) → the findings ``runs_through`` gives, for every pair that has any.
        Each finding is checked only against the movement stretches it can overlap (sorted by
        start, found by bisection), so building it grows with findings x log(stretches), not
        findings x reps."""
        reps: dict[int, Rep] = {}
        for r in self.reps:  # the first rep of an index, as a scan would find it
            reps.setdefault(r.index, r)
        # Every rep's movement stretches: (start, end, rep, position among its stretches).
        spans = []
        for r in reps.values():
            moving = [(p.start_s, p.end_s) for p in r.phases if p.name not in REST_PHASES]
            if not r.phases:
                moving = [(r.start_s, r.end_s)]
            spans += [(a, b, r.index, k) for k, (a, b) in enumerate(moving)]
        spans.sort(key=lambda sp: sp[0])
        step = self.frame_step_s
        starts = [sp[0] for sp in spans]
        reach = list(itertools.accumulate((sp[1] for sp in spans), max))  # latest end so far
        out: dict[tuple[str, int], list[Finding]] = {}
        for f in self.findings:
            if f.rep is None:
                continue
            # The stretches that start before the finding ends, back to the last one that
            # could still reach past its start.
            hit: dict[int, list[tuple[int, float]]] = {}
            i = bisect.bisect_left(starts, f.end_s) - 1
            while i >= 0 and reach[i] > f.start_s:
                a, b, rep, k = spans[i]
                part = max(0.0, min(f.end_s, b) - max(f.start_s, a))
                if rep != f.rep and part > 0.0:
                    hit.setdefault(rep, []).append((k, part))
                i -= 1
            shortest = float(f.evidence.get("min_duration_s") or 0.0)
            for rep, parts in hit.items():
                # Summed in the rep's phase order, as the overlaps are everywhere else; the
                # frames there, each one frame's time (the stamps' span and one step).
                overlap = sum(part for _, part in sorted(parts)) + step
                if overlap >= shortest - 1e-6:
                    out.setdefault((f.fault, rep), []).append(f)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def frame_step_s(self) -> float:
        """One frame's time (1 / the frame rate analysed; the video's when the summary does
        not say), which the rules count each frame of a stretch as (``analysis.signal.
        run_durations``); 0 when neither says."""
        fps = self.summary.get("fps") or (self.video.fps if self.video is not None else 0.0)
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            return 0.0
        return 1.0 / fps if math.isfinite(fps) and fps > 0 else 0.0

    def assessment(self, fault: str, rep: int | None = None) -> Assessment | None:
        for a in self.assessable:
            if a.fault == fault and a.rep == rep:
                return a
        return None

    # ------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict:
        d = asdict(self)
        for rep in d["reps"]:
            for name in _REP_NOT_IN_JSON:
                del rep[name]
        return _clean(d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> Report:
        major = str(d.get("schema_version", "")).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise DataFormatError(
                f"report schema {d.get('schema_version')!r} is not readable by this formcheck "
                f"(schema {SCHEMA_VERSION}); re-run `formcheck analyze`"
            )

        def build(kls, obj):
            if obj is None:
                return None
            names = {f.name for f in fields(kls)}
            return kls(**{k: v for k, v in obj.items() if k in names})

        try:
            reps = tuple(
                Rep(**{**r, "phases": tuple(Phase(**p) for p in r.get("phases", ()))})
                for r in d.get("reps", ())
            )
            return cls(
                video=build(VideoInfo, d.get("video")),
                model=d["model"],
                frames_total=d["frames_total"],
                frames_with_person=d["frames_with_person"],
                exercise=build(Estimate, d.get("exercise")),
                view=build(Estimate, d.get("view")),
                reps=reps,
                findings=tuple(build(Finding, f) for f in d.get("findings", ())),
                assessable=tuple(build(Assessment, a) for a in d.get("assessable", ())),
                summary=dict(d.get("summary") or {}),
                notices=tuple(build(Notice, n) for n in d.get("notices") or ()),
                schema_version=d["schema_version"],
                formcheck_version=d.get("formcheck_version", ""),
            )
        except (KeyError, TypeError) as exc:
            raise DataFormatError(f"report is missing or has a bad field: {exc}") from exc

    @classmethod
    def load(cls, path: str | os.PathLike) -> Report:
        path = Path(path)
        if not path.is_file():
            raise InputNotFoundError(f"report not found: {path}")
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"{path} is not valid JSON: {exc}") from exc

    def save_json(self, path: str | os.PathLike) -> Path:
        return write_text_atomic(path, self.to_json())

    def reps_csv(self) -> str:
        """One row per rep: times and, per fault, the worst finding's severity, value and the
        limit it crossed (``<fault>_limit``, in the value's unit); else,
        when another rep's finding runs through the rep (``runs_through``), ``runs on from rep
        N's <severity> finding`` (``leads into …`` for a later rep's; ``runs_on_text``: not
        this rep's grade) with no value and a
        note naming it; else ``not_assessable`` or ``ok``; findings outside
        every rep get a last row ``outside``.
        Then how far (deg), to which side and when (s) the worst twist went, and per fault the
        rule's words on the rep (``<fault>_note``: why it was not judged, or the caveat on its
        verdict; the whole clip's on the ``outside`` row, which a clip without a counted rep
        always has)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["rep", "start_s", "end_s", *[f"{f}" for f in FAULTS],
                    *[f"{f}_value" for f in FAULTS], *[f"{f}_limit" for f in FAULTS],
                    *TWIST_CSV_COLUMNS,
                    *[f"{f}_note" for f in FAULTS]])
        rows: list[tuple[int | str, float | str, float | str]] = [
            (rep.index, _clean(float(rep.start_s)), _clean(float(rep.end_s))) for rep in self.reps]
        # Never dropped: its own row; with no rep counted, the row that gives the whole
        # clip's words (why nothing was judged).
        if any(f.rep is None for f in self.findings) or (
                not self.reps and bool(self.assessable)):
            rows.append(("outside", "", ""))
        for index, start_s, end_s in rows:
            rep_no = index if isinstance(index, int) else None
            status, values, limits, notes = [], [], [], []
            for fault in FAULTS:
                hits = [f for f in self.findings if f.fault == fault and f.rep == rep_no]
                # The rep's own assessment, else the clip's (the outside row's): the status
                # the terminal and the page give the same cell (render._common.cell_status).
                a = ((self.assessment(fault, rep_no) if rep_no is not None else None)
                     or self.assessment(fault, None))
                notes.append((a.reason or "") if a is not None else "")
                through = self.runs_through(fault, rep_no) if rep_no is not None else []
                if hits:
                    top = worst(hits)
                    status.append(top.severity)
                    # Past the range its estimate was checked on: "more than" that range's
                    # end, as every surface says (``value_text``), not the number read.
                    values.append(_clean(float(top.value)) if top.unchecked_value is None
                                  else f">{top.value:g}")
                    limits.append(_clean(float(top.threshold)))
                elif through:  # another rep's finding runs through this one: not "ok"
                    top = worst(through)
                    status.append(runs_on_text(top, rep_no))
                    values.append("")
                    limits.append("")
                    notes[-1] = "; ".join(filter(None, (through_note(top), notes[-1])))
                elif a is not None and not a.assessable:
                    status.append("not_assessable")
                    values.append("")
                    limits.append("")
                else:
                    status.append("ok")
                    values.append("")
                    limits.append("")
            twists = [f for f in self.findings if f.fault == "jerky_twist" and f.rep == rep_no]
            twist = worst(twists) if twists else None
            extra = ["", "", ""] if twist is None else [
                _clean(float(twist.evidence.get("twist_deg", float("nan")))),
                twist.evidence.get("twist_side", ""), _clean(float(twist.peak_s))]
            w.writerow([index, start_s, end_s, *status, *values, *limits, *extra, *notes])
        return buf.getvalue()

    def save_csv(self, path: str | os.PathLike) -> Path:
        return write_text_atomic(path, self.reps_csv())
