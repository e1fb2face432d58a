"""What the coach reads: one row per clip in ``index.html``, ``summary.csv`` and ``summary.json``.

Rows are built from each clip's saved report (the one truth its own page, video and CSV were
drawn from), so the index says exactly what the clip's page says. Problem reps first: clips with
findings (worst severity, then most problem reps), then clips that failed or were stopped, then
clips without findings.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import quote

from formcheck import __version__
from formcheck.batch.inputs import Skipped
from formcheck.batch.task import ANALYSED, EARLIER, FAILED, INTERRUPTED, UP_TO_DATE
from formcheck.errors import FormcheckError
from formcheck.fsutil import shown, write_text_atomic
from formcheck.render._common import (
    caveat_clauses,
    caveats,
    fault_title,
    format_limit,
    judged_reps,
    not_judged,
    page_notices,
    severity_rank,
    value_text,
)
from formcheck.report import FAULTS, NOT_ASSESSABLE_WORDS, OUTSIDE_REPS_WORDS, Report, worst

#: Version of ``summary.json``'s layout, whose rows' fields are ``summary.csv``'s columns
#: (docs/batch.md lists what each version changed). 2: ``<fault>_judged_reps`` after each
#: ``<fault>_reps`` (session 9, which moved the columns after them); 3: ``caveats`` at the end;
#: 4: ``notices`` at the end (a list in the JSON), ``counts.earlier``, the status EARLIER.
SUMMARY_FORMAT = 4
NOT_ASSESSABLE = NOT_ASSESSABLE_WORDS


@dataclass(frozen=True)
class ClipOutcome:
    """What the driver knows about one clip after the run."""

    key: str
    source: str
    athlete: str
    out_dir: Path  # the clip's output folder under DIR
    stem: str
    status: str  # ANALYSED | UP_TO_DATE | FAILED | INTERRUPTED | EARLIER
    error: str | None = None
    exit_code: int = 0
    pose: str | None = None  # "inference" | "saved" | None (not run)
    outputs: tuple[tuple[str, str], ...] = ()  # (kind, file name) in out_dir


@dataclass(frozen=True)
class Row:
    """One clip, as every summary file shows it (CSV columns in this order)."""

    athlete: str
    clip: str
    status: str
    exercise: str
    view: str
    reps: int | None
    problem_reps: int | None
    outside_reps: str  # faults found outside every counted rep ("; "-joined titles)
    rounded_back: str
    rounded_back_reps: int | None
    rounded_back_judged_reps: int | None  # reps judged for it (not 'not assessable')
    lumbar_overextension: str
    lumbar_overextension_reps: int | None
    lumbar_overextension_judged_reps: int | None  # reps judged for it (not 'not assessable')
    jerky_twist: str
    jerky_twist_reps: int | None
    jerky_twist_judged_reps: int | None  # reps judged for it (not 'not assessable')
    worst_rep: str
    worst_fault: str
    worst_severity: str
    worst_value: str
    worst_at_s: float | None
    not_assessable: str
    error: str
    exit_code: int | None
    pose: str
    page: str
    video: str
    thumbnail: str
    source: str
    #: The caveats on the verdicts judged (what each cannot rule out), as ``not_assessable``
    #: gives its reasons: ``"; "``-joined ``<fault> (<scope>): <caveat>`` items, the clip
    #: page's and terminal's words (``render._common.caveats``). Last, so that format 2's
    #: columns keep their places.
    caveats: str
    #: The clip's notices, as its page lists them ("About this video": a truncated file, a
    #: gap, the lifter out of the picture, other people in it ...), each its words: a list in
    #: summary.json, ``"; "``-joined in summary.csv (``notices_cell``). Last (format 4).
    notices: tuple[str, ...] = ()


CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Row))


def _reps_with(report: Report, fault: str) -> set[int]:
    """The counted reps ``fault``'s findings are attributed to (each finding's ``rep``), each
    once: the reps the clip's page lists it in ("Rep 2 · rounded back"), its JSON and CSV
    name. A rep another rep's finding only runs on into is not counted again (QA: a finding
    of rep 2 lasting into rep 3 read "found in 2 reps" here, in rep 2 alone on its page)."""
    return {f.rep for f in report.findings_for(fault) if f.rep is not None}


def _fault_cell(report: Report, fault: str) -> tuple[str, int]:
    """Worst severity of ``fault`` in the clip and the number of counted reps it was found in
    (``_reps_with``; a finding outside every rep is not a rep: ``outside_reps`` names it); or
    ``not assessable`` when no rep could be judged; or ``ok``."""
    hits = report.findings_for(fault)
    if hits:
        return worst(hits).severity, len(_reps_with(report, fault))
    clip = report.assessment(fault, None)
    per_rep = [report.assessment(fault, r.index) for r in report.reps]
    if (clip is not None and not clip.assessable) or (
            per_rep and all(a is not None and not a.assessable for a in per_rep)):
        return NOT_ASSESSABLE, 0
    return "ok", 0


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _estimate(est) -> str:
    return est.name if est is not None else "unknown"


def build_row(outcome: ClipOutcome, root: Path) -> Row:
    """The row of one clip, read from its saved report when it has one."""
    outputs = dict(outcome.outputs)
    report: Report | None = None
    error, code, status = outcome.error or "", outcome.exit_code or None, outcome.status
    # A stopped or failed clip with outputs: its earlier run's (``_outcome`` in commands).
    if "report" in outputs:
        try:
            report = Report.load(outcome.out_dir / outputs["report"])
        except FormcheckError as err:
            if status in (INTERRUPTED, FAILED):  # earlier outputs: shown only when readable
                outputs = {}
            else:
                status, error, code = FAILED, str(err), err.exit_code
    link = {k: _rel(outcome.out_dir / v, root) for k, v in outputs.items()} if report else {}
    base = dict(athlete=outcome.athlete, clip=outcome.key, status=status, error=error,
                exit_code=code, pose=outcome.pose or "", page=link.get("html", ""),
                video=link.get("video", ""), thumbnail=link.get("thumbnail", ""),
                source=outcome.source)
    if report is None:
        empty = {f.name: (None if f.type in ("int | None", "float | None") else "")
                 for f in fields(Row) if f.name not in base and f.name != "notices"}
        return Row(**base, **empty)
    cells = {}
    for fault in FAULTS:
        cells[fault], cells[f"{fault}_reps"] = _fault_cell(report, fault)
        # As the clip's page counts them ("Judged in only some reps"): an "ok" of a fault
        # judged in 1 of 2 reps must not read as two reps checked.
        cells[f"{fault}_judged_reps"] = judged_reps(report, fault)
    problem = set().union(*(_reps_with(report, fault) for fault in FAULTS))
    outside = [fault_title(fault) for fault in FAULTS
               if any(f.rep is None for f in report.findings_for(fault))]
    w = worst(report.findings) if report.findings else None
    missing = "; ".join(f"{fault_title(f)} ({scope}): {reason or 'no reason given'}"
                        for f, scope, reason in not_judged(report))
    judged_but = "; ".join(f"{fault_title(f)} ({scope}): {caveat}"
                           for f, scope, caveat in caveats(report))
    return Row(
        **base, exercise=_estimate(report.exercise), view=_estimate(report.view),
        reps=len(report.reps), problem_reps=len(problem), outside_reps="; ".join(outside),
        **cells,
        worst_rep=("" if w is None else OUTSIDE_REPS_WORDS if w.rep is None else str(w.rep)),
        worst_fault=fault_title(w.fault) if w else "",
        worst_severity=w.severity if w else "",
        worst_value=(f"{value_text(w)} (limit "
                     f"{format_limit(w.threshold, w.unit)})") if w else "",
        worst_at_s=round(float(w.peak_s), 2) if w else None,
        not_assessable=missing, caveats=judged_but,
        notices=tuple(n.message for n in page_notices(report)),
    )


def sort_key(row: Row) -> tuple:
    """Findings first (worst severity, then most problem reps), then failures, then the
    rest."""
    if row.worst_severity:
        group = 0
    elif row.status in (FAILED, INTERRUPTED):
        group = 1
    else:
        group = 2
    sev = severity_rank(row.worst_severity) if row.worst_severity else -1
    return (group, -sev, -(row.problem_reps or 0), row.athlete, row.clip)


def build_rows(outcomes: list[ClipOutcome], root: Path) -> list[Row]:
    return sorted((build_row(o, root) for o in outcomes), key=sort_key)


def notices_cell(notices: tuple[str, ...]) -> str:
    """``Row.notices`` as summary.csv's one cell."""
    return "; ".join(notices)


def summary_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(["" if v is None else notices_cell(v) if isinstance(v, tuple) else v
                    for v in (getattr(r, c) for c in CSV_COLUMNS)])
    return buf.getvalue()


def counts(rows: list[Row]) -> dict[str, int]:
    return {
        "clips": len(rows),
        "analysed": sum(r.status == ANALYSED for r in rows),
        "up_to_date": sum(r.status == UP_TO_DATE for r in rows),
        "failed": sum(r.status == FAILED for r in rows),
        "interrupted": sum(r.status == INTERRUPTED for r in rows),
        "earlier": sum(r.status == EARLIER for r in rows),
        "with_findings": sum(bool(r.worst_severity) for r in rows),
        "problem_reps": sum(r.problem_reps or 0 for r in rows),
    }


def unanalysed_in_summary(root: Path, analysed: set[str]) -> tuple[list[ClipOutcome],
                                                                    list[Skipped]]:
    """The clips of ``root``'s ``summary.json`` that failed or were stopped (keys not in
    ``analysed``, the clips with saved state), as they were, and its skipped inputs:
    ``reanalyze`` redoes only clips with pose data, and its summaries keep the others' rows
    (a coach's index would otherwise drop the clips that could not be read). None when the
    file is missing or unreadable."""
    try:
        doc = json.loads((root / "summary.json").read_text(encoding="utf-8"))
        rows, skipped = doc.get("rows", []), doc.get("skipped", [])
        done = {shown(k) for k in analysed}  # the file holds the keys as written
        kept = [ClipOutcome(key=str(r["clip"]), source=str(r.get("source") or ""),
                            athlete=str(r.get("athlete") or ""),
                            out_dir=(root / str(r["clip"])).parent,
                            stem=str(r["clip"]).rsplit("/", 1)[-1],
                            status=FAILED if r.get("status") == FAILED else INTERRUPTED,
                            error=str(r.get("error") or ""),
                            exit_code=int(r.get("exit_code") or 0))
                for r in rows
                if r.get("status") in (FAILED, INTERRUPTED) and r.get("clip") not in done]
        return kept, [Skipped(path=str(k["path"]), reason=str(k["reason"])) for k in skipped]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return [], []


def summary_json(rows: list[Row], skipped: list[Skipped]) -> str:
    doc = {
        "format": SUMMARY_FORMAT, "formcheck_version": __version__, "counts": counts(rows),
        "rows": [asdict(r) for r in rows],
        "skipped": [asdict(s) for s in skipped],
    }
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


#: Where one fault's "not assessable" line ends and the next begins in ``Row.not_assessable``
#: (``"; "``-joined ``<fault> (<scope>): <reason>`` items whose reasons have "; " of their
#: own): before the next fault title and its scope. ``Row.caveats`` is split the same way.
_NA_ITEM = re.compile("; (?=(?:" + "|".join(re.escape(fault_title(f)) for f in FAULTS)
                      + r") \((?:whole clip|reps? [0-9][0-9, –-]*)\): )")


def not_assessable_items(text: str) -> list[tuple[str, str]]:
    """``Row.not_assessable`` (or ``Row.caveats``) as ``(where, why)`` items, one per fault
    and scope, for the page to list one under another (the CSV keeps the one cell)."""
    items = []
    for part in _NA_ITEM.split(text) if text else []:
        head, sep, why = part.partition("): ")
        items.append((head + ")", why) if sep else ("", part))
    return items


def _thumb_uri(root: Path, rel: str) -> str:
    if not rel:
        return ""
    try:
        data = (root / rel).read_bytes()
    except OSError:
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def index_html(rows: list[Row], skipped: list[Skipped], root: Path) -> str:
    """The coach's page: self-contained (thumbnails inline, no outside resources)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from formcheck.render.html import thumb_size

    env = Environment(loader=PackageLoader("formcheck.batch", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    # A link is a URL: a clip named "set #2" or "100%" must not end its path at the "#"
    # (a fragment) or start an escape at the "%"; the file names stay as they are. Quoted
    # from the name's bytes: one that is not UTF-8 (caf\xe9) links to its file (caf%E9).
    env.filters["urlpath"] = lambda rel: quote(os.fsencode(rel), safe="/")
    env.filters["na_items"] = not_assessable_items
    env.filters["clauses"] = caveat_clauses
    template = env.get_template("index.html.j2")
    thumbs = {r.clip: _thumb_uri(root, r.thumbnail) for r in rows}
    # Each thumbnail carries its own size and the CSS only shrinks it (140 px wide at most,
    # aspect kept): a clip narrower than that was stretched to 140 px, blurred.
    return template.render(
        rows=rows, thumbs=thumbs,
        thumb_sizes={clip: thumb_size(uri) if uri else None for clip, uri in thumbs.items()},
        skipped=skipped, counts=counts(rows), faults=[(f, fault_title(f)) for f in FAULTS],
        severity_rank={s: severity_rank(s) for s in ("mild", "moderate", "severe")},
        version=__version__, not_assessable=NOT_ASSESSABLE, outside_reps_words=OUTSIDE_REPS_WORDS,
    )


def write_summaries(rows: list[Row], skipped: list[Skipped], root: Path) -> dict[str, Path]:
    """``index.html``, ``summary.csv`` and ``summary.json`` in ``root``, each atomically. A
    clip or skipped input whose name is not UTF-8 (``caf\\xe9.mp4``) is written with the
    replacement character ("caf\ufffd"; the page's links keep its bytes)."""
    return {
        "csv": write_text_atomic(root / "summary.csv", shown(summary_csv(rows))),
        "json": write_text_atomic(root / "summary.json", shown(summary_json(rows, skipped))),
        "index": write_text_atomic(root / "index.html", shown(index_html(rows, skipped, root))),
    }
