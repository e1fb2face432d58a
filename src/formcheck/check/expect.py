"""Expectations: what a clip's report must say, read from and written to a small TOML file.

One file per clip, beside it: ``clip.mp4`` → ``clip.expect.toml``. Every key but ``version`` is
optional; a key that is absent is not checked. Parsing is strict: an unknown key, a wrong type
or a bad value is an ``ExpectationError`` (exit code 7) naming the file and the field.

::

    version = 1
    clip = "squat.mp4"              # the clip these expectations are for (a guard)
    exercise = "squat"              # squat | deadlift | row | unknown
    view = "side"                   # front | oblique | side | rear | unknown
    time_tolerance_s = 0.25         # default slack for every peak_s below

    [made_with]                     # provenance: what the expectations were written with
    model = "full"
    model_sha256 = "..."
    formcheck = "0.1.0"
    mediapipe = "0.10.21"
    settings_sha256 = "..."         # fingerprint of every threshold in force
    person = "left"                 # --person, the rule that picked the lifter (absent: auto)

    [reps]
    count = 2
    tolerance = 0                   # |got - count| <= tolerance passes

    [rounded_back]                  # also lumbar_overextension, jerky_twist
    expect = "findings"             # findings | none | not_assessable
    findings = [
      { rep = 1, severity = "moderate", peak_s = 1.3 },   # severity, peak_s optional
      { rep = 2, time_tolerance_s = 0.5 },
      { rep = 0, count = 2 },       # rep 0: outside any rep; count: findings in that rep
    ]
    not_assessable_reps = []        # reps the rule could not judge (checked exactly)
    note = "free text, kept by --update"
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.config import PROFILES
from formcheck.errors import ConfigError, InputNotFoundError
from formcheck.pose.people import PERSON_RULES
from formcheck.report import FAULTS, SEVERITIES

#: Version of the expectations format (the ``version`` key).
FORMAT_VERSION = 1
#: ``clip.mp4`` → ``clip.expect.toml``.
EXPECT_SUFFIX = ".expect.toml"
#: Slack on a finding's peak time when neither the finding nor the file sets one.
DEFAULT_TIME_TOLERANCE_S = 0.25

FINDINGS, NONE, NOT_ASSESSABLE = "findings", "none", "not_assessable"
STATUSES: tuple[str, ...] = (FINDINGS, NONE, NOT_ASSESSABLE)
EXERCISE_NAMES: tuple[str, ...] = PROFILES  # squat, deadlift, row, unknown
#: The views ``analysis.view`` reports (a test keeps the two in step).
VIEW_NAMES: tuple[str, ...] = ("front", "oblique", "side", "rear", "unknown")
#: ``rep = 0`` in an expected finding: a finding outside any rep.
OUTSIDE_REPS = 0


class ExpectationError(ConfigError):
    """An expectations file is missing a field, has an unknown one, or a bad value."""


@dataclass(frozen=True)
class ExpectedFinding:
    rep: int  # 1-based; OUTSIDE_REPS (0) for a finding outside any rep
    severity: str | None = None
    peak_s: float | None = None
    time_tolerance_s: float | None = None  # None: the file's ``time_tolerance_s``
    count: int | None = None  # findings of the fault in that rep; None: not checked


@dataclass(frozen=True)
class FaultExpectation:
    fault: str
    expect: str  # one of STATUSES
    findings: tuple[ExpectedFinding, ...] = ()
    not_assessable_reps: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class RepsExpectation:
    count: int
    tolerance: int = 0


@dataclass(frozen=True)
class Provenance:
    """What the expectations were written with. Not checked; a difference is reported beside
    a mismatch, because it is the usual cause of one."""

    model: str = ""
    model_sha256: str = ""
    formcheck: str = ""
    mediapipe: str = ""
    settings_sha256: str = ""
    #: ``--person``: the rule that picked the lifter among several people; "" for the default
    #: (auto), which is not written, so files written before the rule was recorded read the same.
    person: str = ""


@dataclass(frozen=True)
class Expectation:
    clip: str | None = None
    exercise: str | None = None
    view: str | None = None
    reps: RepsExpectation | None = None
    faults: Mapping[str, FaultExpectation] = field(default_factory=dict)
    time_tolerance_s: float = DEFAULT_TIME_TOLERANCE_S
    made_with: Provenance = field(default_factory=Provenance)
    note: str = ""

    def tolerance_for(self, finding: ExpectedFinding) -> float:
        return (self.time_tolerance_s if finding.time_tolerance_s is None
                else finding.time_tolerance_s)


def expectation_path_for(clip: Path) -> Path:
    """Where ``clip``'s expectations live by default: beside it, ``<stem>.expect.toml``."""
    return clip.with_name(clip.stem + EXPECT_SUFFIX)


# ---------------------------------------------------------------------------- parsing
class _Reader:
    """Reads one table strictly; every error names the file and the dotted field."""

    def __init__(self, source: str, table: Mapping[str, Any], where: str = "") -> None:
        self.source = source
        self.table = table
        self.where = where
        self.used: set[str] = set()

    def fail(self, key: str, problem: str) -> ExpectationError:
        name = f"{self.where}{key}" if key else self.where.rstrip(".")
        return ExpectationError(f"{self.source}: {name}: {problem}; fix the file (or delete it "
                                "and rewrite it with `formcheck check --update`)")

    def _get(self, key: str) -> Any:
        self.used.add(key)
        return self.table.get(key)

    def has(self, key: str) -> bool:
        return key in self.table

    def str_(self, key: str, *, choices: tuple[str, ...] | None = None,
             required: bool = False) -> str | None:
        value = self._get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing" + (f" (one of {', '.join(choices)})"
                                                  if choices else ""))
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def int_(self, key: str, *, minimum: int = 0, required: bool = False) -> int | None:
        value = self._get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing (a whole number)")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, got {value!r}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def float_(self, key: str) -> float | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"must be a number, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise self.fail(key, f"must be a finite number >= 0, got {value!r}")
        return float(value)

    def table_(self, key: str) -> _Reader | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a table, got {value!r}")
        return _Reader(self.source, value, f"{self.where}{key}.")

    def list_(self, key: str) -> list | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list, got {value!r}")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.fail(unknown[0], f"unknown key (valid here: {', '.join(sorted(self.used))})")


def _parse_finding(reader: _Reader, key: str, index: int, item: Any) -> ExpectedFinding:
    where = f"{key}[{index}]"
    if not isinstance(item, Mapping):
        raise reader.fail(where, f"must be a table like {{ rep = 1 }}, got {item!r}")
    r = _Reader(reader.source, item, f"{reader.where}{where}.")
    found = ExpectedFinding(
        rep=r.int_("rep", required=True),
        severity=r.str_("severity", choices=SEVERITIES),
        peak_s=r.float_("peak_s"),
        time_tolerance_s=r.float_("time_tolerance_s"),
        count=r.int_("count", minimum=1),
    )
    r.done()
    return found


def _parse_fault(reader: _Reader, fault: str) -> FaultExpectation:
    expect = reader.str_("expect", choices=STATUSES, required=True)
    items = reader.list_("findings")
    findings = tuple(_parse_finding(reader, "findings", i, item)
                     for i, item in enumerate(items or ()))
    if expect == FINDINGS and not findings:
        raise reader.fail("findings", 'expect = "findings" needs at least one finding '
                          '(or use expect = "none")')
    if expect != FINDINGS and items is not None:
        raise reader.fail("findings", f'only allowed with expect = "findings", not {expect!r}')
    reps = [f.rep for f in findings]
    if len(set(reps)) != len(reps):
        raise reader.fail("findings", "one entry per rep (a rep is listed twice)")
    na = reader.list_("not_assessable_reps") or []
    for i, rep in enumerate(na):
        if isinstance(rep, bool) or not isinstance(rep, int) or rep < 1:
            raise reader.fail(f"not_assessable_reps[{i}]",
                              f"must be a rep number >= 1, got {rep!r}")
    if expect == NOT_ASSESSABLE and na:
        raise reader.fail("not_assessable_reps", 'redundant with expect = "not_assessable"')
    note = reader.str_("note") or ""
    reader.done()
    return FaultExpectation(fault, expect, tuple(sorted(findings, key=lambda f: f.rep)),
                            tuple(sorted(set(na))), note)


def parse_expectation(data: Mapping[str, Any], source: str) -> Expectation:
    """Build an ``Expectation`` from a parsed TOML table; ``source`` names it in errors."""
    top = _Reader(source, data)
    version = top.int_("version", required=True)
    if version != FORMAT_VERSION:
        raise top.fail("version", f"this formcheck reads version {FORMAT_VERSION}, got {version}")
    clip = top.str_("clip")
    exercise = top.str_("exercise", choices=EXERCISE_NAMES)
    view = top.str_("view", choices=VIEW_NAMES)
    tol = top.float_("time_tolerance_s")
    note = top.str_("note") or ""
    reps = None
    if (rt := top.table_("reps")) is not None:
        reps = RepsExpectation(rt.int_("count", required=True), rt.int_("tolerance") or 0)
        rt.done()
    made_with = Provenance()
    if (pt := top.table_("made_with")) is not None:
        made_with = Provenance(**{
            k: pt.str_(k, choices=PERSON_RULES if k == "person" else None) or ""
            for k in Provenance.__dataclass_fields__})
        pt.done()
    faults: dict[str, FaultExpectation] = {}
    for fault in FAULTS:
        if (ft := top.table_(fault)) is not None:
            faults[fault] = _parse_fault(ft, fault)
    top.done()
    return Expectation(clip=clip, exercise=exercise, view=view, reps=reps, faults=faults,
                       time_tolerance_s=DEFAULT_TIME_TOLERANCE_S if tol is None else tol,
                       made_with=made_with, note=note)


def load_expectation(path: str | Path) -> Expectation:
    """Read and validate one expectations file."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputNotFoundError(
            f"no expectations for this clip: {path} not found; write them with "
            "`formcheck check --update`") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ExpectationError(f"{path}: cannot read ({exc}); fix the file") from exc
    try:
        data = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise ExpectationError(f"{path}: not valid TOML ({exc}); fix the file (or delete it "
                               "and rewrite it with `formcheck check --update`)") from exc
    return parse_expectation(data, str(path))
