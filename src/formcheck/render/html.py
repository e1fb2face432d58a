"""The report page: one self-contained HTML file a coach can open offline and understand in ten
seconds — verdict, faults per rep, what could not be judged and why, the signals behind each
decision, and the worst frame of every finding.

No scripts, fonts or images from elsewhere: plots are inline SVG (matplotlib, no pyplot), frames
are inline JPEG. The same inputs give the same bytes (fixed SVG hash salt, no dates).
"""

from __future__ import annotations

import base64
import gc
import html
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from formcheck.analysis.series import Series
from formcheck.config import SEVERITY, SEVERITY_NAMES
from formcheck.errors import ShapeError
from formcheck.fsutil import write_parts_atomic
from formcheck.pose.sequence import POSED_AT_KEY
from formcheck.render._common import (
    EXERCISE_CONFIDENCE,
    FAULT,
    NOT_ASSESSABLE,
    THROUGH,
    VIEW_CONFIDENCE,
    capitalized,
    caveats,
    cell_status,
    estimate_how,
    evidence_rows,
    fault_title,
    finding_lasted,
    finding_text,
    finding_where,
    fit_width,
    format_limit,
    format_range,
    format_value,
    judged_reps,
    limit_text,
    not_judged,
    page_notices,
    plain_value,
    plot_indices,
    robust_range,
    split_unit,
    through_text,
    value_text,
    worst,
)
from formcheck.report import (
    FAULTS,
    NOT_ASSESSABLE_WORDS,
    OUTSIDE_REPS_WORDS,
    Finding,
    Report,
    counted,
    finding_span,
    reps_text,
    through_note,
)

#: Thumbnails are scaled down to at most this width before embedding.
THUMB_MAX_WIDTH_PX = 720
THUMB_JPEG_QUALITY = 85
PLOT_SIZE_IN = (9.0, 2.4)
#: Buckets of samples a plot draws at most 4 points of each (see ``plot_indices``).
PLOT_BUCKETS = 600

#: Above this many reps a plot's figure (two artists per rep) is collected once drawn.
_COLLECT_AFTER_PLOT_REPS = 40

#: Plot colours (matplotlib); the page's CSS uses the same palette.
_PLOT_LINE = "#1f5fa8"
_PLOT_THRESHOLD = "#c77700"
_PLOT_REP_BAND = "#e9edf2"
#: The band of readings past what an estimate was checked on (``Series.checked_to``).
_PLOT_UNCHECKED = "#c3c9d1"
_PLOT_MUTED = "#9aa3ad"
_PLOT_FINDING = {"mild": "#f2c230", "moderate": "#f08a24", "severe": "#d93025"}

#: An id or a reference to one inside an SVG (``id="x"``, ``url(#x)``, ``href="#x"``).
_SVG_ID_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_SLUG_BAD = re.compile(r"[^A-Za-z0-9_-]")


_CSS = """
:root { --ok:#1e7b34; --ok-bg:#e6f4ea; --mild:#7a5d00; --mild-bg:#fff4c2;
  --moderate:#a04a00; --moderate-bg:#ffe3c7; --severe:#a4161a; --severe-bg:#fddcdc;
  --na:#555; --na-bg:#ececec; --through:#5b3f8c; --through-bg:#ece6f6;
  --line:#d7dce2; --muted:#5f6b7a; }
* { box-sizing: border-box; }
body { margin:0; background:#f6f7f9; color:#1c232b;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
.sub, .muted { color: var(--muted); }
.verdict { font-size: 20px; font-weight: 600; margin: 16px 0 8px; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; list-style: none; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { padding: 7px 12px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
table.facts th { width: 190px; }
table.reps td.cell { min-width: 170px; }
.tag { display: inline-block; border-radius: 4px; padding: 1px 8px; font-weight: 600; }
.ok { color: var(--ok); background: var(--ok-bg); }
.mild { color: var(--mild); background: var(--mild-bg); }
.moderate { color: var(--moderate); background: var(--moderate-bg); }
.severe { color: var(--severe); background: var(--severe-bg); }
.not_assessable { color: var(--na); background: var(--na-bg); }
.through { color: var(--through); background: var(--through-bg); }
.why { display: block; font-size: 13px; color: var(--muted); margin-top: 2px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
  gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.card .shot { background: #222; }
.card img { display: block; width: auto; height: auto; max-width: 100%;
  max-height: min(80vh, 720px); margin: 0 auto; }
.card .body { padding: 10px 14px 12px; }
.card .msg { font-weight: 600; margin: 0 0 6px; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0;
  font-size: 14px; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
details summary { cursor: pointer; color: var(--muted); margin: 8px 0 4px; }
figure { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  margin: 0 0 16px; padding: 8px 12px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 14px; color: var(--muted); }
footer { margin-top: 40px; font-size: 13px; color: var(--muted); }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(fraction: float) -> str:
    return f"{100.0 * fraction:.0f}%"


# ---------------------------------------------------------------------------- sections
def _verdict(report: Report) -> str:
    n_reps, fs = len(report.reps), report.findings
    reps_txt = counted(n_reps, "rep")
    if fs:
        head = f"{counted(len(fs), 'finding')} in {reps_txt}"
    elif not n_reps:
        head = "No findings; no reps were counted"
    else:
        head = f"No findings in {reps_txt}"
    chips = "".join(
        f'<li class="tag {_e(f.severity)}">{_e(finding_where(f).capitalize())} · '
        f"{_e(fault_title(f.fault))} · {_e(f.severity)}</li>"
        for f in sorted(fs, key=lambda f: (f.start_s, f.fault))
    )
    judged_none = [a for a in report.assessable if a.rep is None and not a.assessable]
    extra = ""
    if judged_none:
        names = ", ".join(fault_title(a.fault) for a in judged_none)
        extra = (f'<p class="muted">{capitalized(NOT_ASSESSABLE_WORDS)} in this clip: '
                 f'{_e(names)} (see below).</p>')
    some = _judged_in_some_reps(report)
    if some:
        names = ", ".join(f"{fault_title(f)} ({k} of {n_reps})" for f, k in some)
        extra += f'<p class="muted">Judged in only some reps: {_e(names)} (see below).</p>'
    return (f'<p class="verdict">{_e(head)}</p>'
            + (f'<ul class="chips">{chips}</ul>' if chips else "") + extra)


def _judged_in_some_reps(report: Report) -> list[tuple[str, int]]:
    """(fault, reps judged) for each fault judged on the clip but not in every rep: "no
    findings in 10 reps" must not read as ten reps checked for a fault judged in one."""
    out = []
    for a in report.assessable:
        if a.rep is not None or not a.assessable:
            continue
        judged = judged_reps(report, a.fault)
        if judged < len(report.reps):
            out.append((a.fault, judged))
    return out


def _notices(report: Report) -> str:
    """The input's limits (truncated file, gaps, lifter out of view, other people); the size
    the frames were posed at is given with the frame's own facts (``_summary_table``)."""
    notices = page_notices(report)
    if not notices:
        return ""
    items = "".join(f'<li class="notice {_e(n.kind)}">{_e(n.message)}</li>'
                    for n in notices)
    return "".join(_section("notices", "About this video", f'<ul id="notice-list">{items}</ul>'))


def _estimate(est, confident: str = VIEW_CONFIDENCE) -> str:
    if est is None:
        return "unknown"
    return f"{_e(est.name)} <span class='muted'>({_e(estimate_how(est, confident))})</span>"


def _decoded_of_header(report: Report, header_frames: int) -> str:
    """After a cut-short file's length (its header's): how many frames decoded, so the row
    does not read as the length analysed."""
    if not any(n.kind == "truncated" for n in report.notices) \
            or report.frames_total >= header_frames:
        return ""
    return (f" as its header states; only {report.frames_total} decoded (the file is cut "
            "short)")


def _summary_table(report: Report) -> str:
    rows: list[tuple[str, str]] = [
        ("Exercise", _estimate(report.exercise, EXERCISE_CONFIDENCE)),
        ("Camera view", _estimate(report.view)),
        ("Reps", _e(len(report.reps))),
        ("Pose model", _e(report.model or "unknown")),
    ]
    v = report.video
    if v is not None:
        rows += [
            ("Video", _e(Path(v.path).name or v.path)),
            ("Frame", _e(f"{v.width}×{v.height}, {v.fps:.3g} fps"
                         + (f", {v.codec}" if v.codec else "")
                         + (f", rotated {v.rotation}°" if v.rotation else ""))),
            ("Length", _e(f"{v.duration_s:.1f} s, {v.frame_count} frames"
                          + _decoded_of_header(report, v.frame_count))),
        ]
    rows += [("Pose model input", _e(n.message)) for n in report.notices
             if n.kind == POSED_AT_KEY]
    if report.frames_total:
        share = report.frames_with_person / report.frames_total
        rows.append(("Person found in", _e(f"{report.frames_with_person} of "
                                           f"{report.frames_total} frames ({_pct(share)})")))
    out = f'<table class="facts" id="summary-table">{_rows(rows)}</table>'
    if report.summary:
        measured = []
        for key in sorted(report.summary):
            label, unit = split_unit(key)
            shown = plain_value(report.summary[key], unit)
            measured.append((label.replace("_", " ").capitalize(), _e(shown)))
        out += ('<details id="measurements"><summary>Measurements</summary>'
                f'<table class="facts">{_rows(measured)}</table></details>')
    return out


def _rows(rows: list[tuple[str, str]]) -> str:
    """Table rows of (label, already-escaped HTML)."""
    return "".join(f"<tr><th scope='row'>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)


def _cell(report: Report, fault: str, rep: int | None) -> str:
    st = cell_status(report, fault, rep)
    if st.kind == FAULT:
        w = worst(st.findings)
        more = f" ×{len(st.findings)}" if len(st.findings) > 1 else ""
        return (f'<span class="tag {_e(w.severity)}">{_e(w.severity)}{more}</span> '
                f"{_e(value_text(w))}"
                f'<span class="why">limit {_e(format_limit(w.threshold, w.unit))}</span>')
    if st.kind == THROUGH:  # another rep's finding: its grade is not this rep's
        w = worst(st.findings)
        return (f'<span class="tag through">{_e(through_text(st))}</span>'
                f'<span class="why">{_e(through_note(w))}</span>')
    if st.kind == NOT_ASSESSABLE:
        clip = report.assessment(fault, None)
        if st.reason and clip is not None and not clip.assessable and clip.reason == st.reason:
            # The whole clip's reason, given once under "Not assessable", not in every row.
            why = ('<span class="why"><a href="#not-assessable-list">as for the whole '
                   "clip</a></span>")
        else:
            why = f'<span class="why">{_e(st.reason)}</span>' if st.reason else ""
        return f'<span class="tag not_assessable">{NOT_ASSESSABLE_WORDS}</span>{why}'
    return '<span class="tag ok">ok</span>'


def _rep_table(report: Report) -> str:
    head = "".join(f"<th scope='col'>{_e(fault_title(f).capitalize())}</th>" for f in FAULTS)
    rows = []
    for rep in report.reps:
        cells = "".join(f'<td class="cell">{_cell(report, f, rep.index)}</td>' for f in FAULTS)
        rows.append(f"<tr><th scope='row'>Rep {rep.index}<span class='why'>"
                    f"{rep.start_s:.1f}–{rep.end_s:.1f} s</span></th>{cells}</tr>")
    if any(f.rep is None for f in report.findings):
        cells = "".join(f'<td class="cell">{_cell(report, f, None)}</td>' for f in FAULTS)
        rows.append(f"<tr><th scope='row'>{capitalized(OUTSIDE_REPS_WORDS)}</th>{cells}</tr>")
    if not rows:
        return '<p class="muted">No reps were counted in this clip.</p>'
    return (f'<table class="reps" id="rep-table"><thead><tr><th scope="col">Rep</th>{head}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _not_assessable(report: Report) -> str:
    def item(fault: str, scope: str, reason: str | None) -> str:
        return (f"<li><strong>{_e(fault_title(fault).capitalize())}</strong> "
                f"<span class='muted'>({_e(scope)})</span>: "
                f"{_e(reason or 'no reason given')}</li>")

    missing = not_judged(report)
    out = (f'<ul id="not-assessable-list">{"".join(item(*m) for m in missing)}</ul>'
           if missing else '<p>Every fault could be judged from this clip.</p>')
    notes = caveats(report)
    if notes:
        out += ('<p class="muted">Caveats:</p><ul>'
                + "".join(item(*c) for c in notes) + "</ul>")
    return out


def thumbnail_uri(frame_bgr: np.ndarray) -> str:
    """A finding's picture as the page embeds it (scaled to ``THUMB_MAX_WIDTH_PX``, JPEG,
    a data URI): what ``render_html`` makes of a frame, so a frame can be encoded as soon as
    it is drawn and only these few tens of kilobytes kept until the page is written."""
    return _thumb_data_uri(frame_bgr)


def thumb_size(uri: str) -> tuple[int, int] | None:
    """(width, height) in pixels of a thumbnail embedded as ``thumbnail_uri`` makes it (None:
    not an image data URI that decodes)."""
    import cv2

    head, _, data = uri.partition(",")
    if not (head.startswith("data:image/") and head.endswith(";base64")):
        return None
    try:
        img = cv2.imdecode(np.frombuffer(base64.b64decode(data, validate=True), np.uint8),
                           cv2.IMREAD_UNCHANGED)
    except (ValueError, cv2.error):
        return None
    return None if img is None else (int(img.shape[1]), int(img.shape[0]))


def _thumb_data_uri(frame_bgr: np.ndarray) -> str:
    import cv2

    if not (isinstance(frame_bgr, np.ndarray) and frame_bgr.ndim == 3
            and frame_bgr.shape[2] == 3 and frame_bgr.dtype == np.uint8):
        shape = getattr(frame_bgr, "shape", None)
        raise ShapeError(f"thumbnail must be a uint8 BGR image of shape (H, W, 3), got {shape}")
    frame_bgr = fit_width(frame_bgr, THUMB_MAX_WIDTH_PX)
    ok, buf = cv2.imencode(".jpg", frame_bgr, [cv2.IMWRITE_JPEG_QUALITY, THUMB_JPEG_QUALITY])
    if not ok:
        raise ShapeError(f"thumbnail of shape {frame_bgr.shape} could not be encoded as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _through_reps(report: Report, f: Finding) -> str:
    """`` (begun in rep 1, runs on into rep 3)`` for a finding whose stretch runs through
    other counted reps (``Report.runs_through``), said the way round their cells say it
    (``report.runs_on_text``: "leads into rep 2's …" of an earlier rep, "runs on from rep
    2's …" of a later one), else nothing."""
    reps = [r.index for r in report.reps if f in report.runs_through(f.fault, r.index)]
    own = f.rep if f.rep is not None else 0
    parts = ([f"begun in {reps_text(r for r in reps if r < own)}"]
             if any(r < own for r in reps) else [])
    if any(r > own for r in reps):
        parts.append(f"runs on into {reps_text(r for r in reps if r > own)}")
    return f" ({', '.join(parts)})" if parts else ""


def _finding_card(i: int, f: Finding, thumb: np.ndarray | str | None,
                  series_labels: dict[str, str], report: Report) -> str:
    img = ""
    if thumb is not None:
        alt = f"worst frame of finding {i + 1}: {fault_title(f.fault)}"
        uri = thumb if isinstance(thumb, str) else _thumb_data_uri(thumb)
        size = thumb_size(uri)
        # Shown at its own pixel size at most (the CSS: never wider than the card nor taller
        # than the window, aspect kept): a 166 px wide frame stretched to the card's width was
        # blurred and taller than the screen.
        dims = f'width="{size[0]}" height="{size[1]}" ' if size else ""
        img = f'<div class="shot"><img src="{uri}" {dims}alt="{_e(alt)}"></div>'
    facts = [
        ("Fault", f"{fault_title(f.fault)}"),
        ("Where", finding_where(f) + (f", {f.phase}" if f.phase else "") + _through_reps(
            report, f)),
        ("When", f"{finding_span(f)} (worst at {f.peak_s:.2f} s)"),
        *([("Lasted", lasted)] if (lasted := finding_lasted(f)) else []),
        ("Peak", f"{value_text(f)} "
                 f"(limit {format_limit(f.threshold, f.unit)})"),
    ]
    evidence = evidence_rows(f, series_labels)
    more = (f"<details><summary>Evidence</summary>{_dl(evidence)}</details>" if evidence else "")
    return (f'<article class="card" id="finding-{i + 1}">{img}<div class="body">'
            f'<p class="msg"><span class="tag {_e(f.severity)}">{_e(f.severity)}</span> '
            f"{_e(finding_text(f))}</p>{_dl(facts)}{more}</div></article>")


def _dl(pairs: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs) + "</dl>"


def _findings(report: Report, thumbnails: dict[int, np.ndarray | str],
              series: dict[str, Series]) -> Iterator[str]:
    """The finding cards, one string each (each holds its picture: written one at a time)."""
    if not report.findings:
        yield ('<p>No findings: every judged rep stayed within its limits.</p>' if report.reps
               else "<p>No findings on the frames judged. No reps were counted, so no rep was "
               "judged.</p>")
        return
    labels = {s.name: s.label or s.name for s in series.values()}
    yield '<div class="cards">'
    for i, f in enumerate(report.findings):
        yield _finding_card(i, f, thumbnails.get(i), labels, report)
    yield "</div>"


def _clip_limits(report: Report, series: dict[str, Series], fault: str) -> str:
    """The limits ``fault`` was judged against in this clip (its signals that judged a frame,
    and its findings') with where each grade starts: `` In this clip: limit 350°/s (moderate
    from 490°/s, severe from 700°/s).`` The defaults differ by exercise, view and signal, so
    the page gives the clip's own rather than one set of numbers."""
    clip = report.assessment(fault, None)
    if clip is not None and not clip.assessable:
        return f" {capitalized(NOT_ASSESSABLE_WORDS)} in this clip."
    # (lowest, highest, unit) → the signal that judged frames against it: one limit, or the
    # range a per-frame limit (``Series.threshold_t``) took over the frames it judged.
    on: dict[tuple[float, float, str], Series] = {}
    for s in series.values():
        rng = s.judged_limits() if s.fault == fault else None
        if rng is not None:
            on[(*rng, s.unit)] = s  # of equal ones, the last names it
    limits = set(on)
    for f in report.findings:  # a finding's limit is the one at its peak: inside a range
        if f.fault == fault and not any(lo - 1e-9 <= f.threshold <= hi + 1e-9 and u == f.unit
                                        for lo, hi, u in on):
            limits.add((f.threshold, f.threshold, f.unit))
    if not limits:
        return ""
    bands = SEVERITY[fault]
    said = []
    for lo, hi, unit in sorted(limits, key=lambda lu: (lu[2], lu[0], lu[1])):
        s = on.get((lo, hi, unit))
        what = f" on {(s.label or s.name).lower()}" if len(limits) > 1 and s is not None \
            else ""
        by = f", {s.limit_by}" if s is not None and s.limit_by and lo != hi else ""
        mod, sev = bands.moderate_x_limit, bands.severe_x_limit
        said.append(f"limit {format_range(lo, hi, unit)}{by}{what} (moderate from "
                    f"{format_range(lo * mod, hi * mod, unit, (lo, hi))}, severe from "
                    f"{format_range(lo * sev, hi * sev, unit, (lo, hi))})")
    return f" In this clip: {'; '.join(said)}."


def _grades(report: Report, series: dict[str, Series]) -> str:
    """What mild / moderate / severe mean (``config.SEVERITY``), what the units are, and the
    limits this clip's rules used."""
    from formcheck.analysis.faults import FLEXION_CHECKED_TO_DEG

    checked = format_limit(FLEXION_CHECKED_TO_DEG, "deg")
    rows = []
    for fault, bands in SEVERITY.items():
        used = _clip_limits(report, series, fault)
        cells = (f"mild: past the limit, under {bands.moderate_x_limit:g}× it",
                 f"moderate: {bands.moderate_x_limit:g}× to {bands.severe_x_limit:g}×",
                 f"severe: {bands.severe_x_limit:g}× the limit or more")
        rows.append(f"<tr><th scope='row'>{_e(fault_title(fault).capitalize())}</th>"
                    f"<td>{_e(bands.measures)}.{_e(used)}</td>"
                    + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th scope='col'>{_e(n)}</th>" for n in SEVERITY_NAMES)
    return (
        "<p>A finding is graded by how far its value went past the limit it crossed, as a "
        "multiple of that limit. <strong>Degrees</strong> (°), rounded back: spinal "
        "flexion estimated from how far the back's outline bows off the straight "
        "shoulder–hip line (fitted on rendered lifters; a rounding that develops against "
        "your own straightest frames gives its error bar in its finding, one judged against "
        "a typical neutral back has none; a loose shirt can move it by 10–20°; checked only "
        f"up to {checked}, so a reading past that is stated as more than {checked}, with no "
        "error bar, though graded on the number read); "
        "over-arched lower back: how far the trunk leans behind the line of the thighs at "
        "lockout, measured between body segments so the camera's tilt does not enter. "
        "<strong>% of torso</strong>: the outline's bow itself, as a share of that line's "
        "length. <strong>°/s</strong>: how fast the shoulders turn against the hips, in true "
        "degrees per second as calibrated on rendered lifters; seen square-on facing the "
        "camera, turned 45° towards it or from the side a jerky twist is judged in "
        "<strong>degrees</strong> instead: the size of a quick turn of the shoulders against "
        "the hips, read from the landmarks' positions by a fit made on rendered lifters.</p>"
        f'<table class="grades" id="grades-table"><thead><tr><th scope="col">Fault</th>'
        f"<th scope='col'>Value judged</th>{head}</tr></thead><tbody>{''.join(rows)}"
        "</tbody></table>")


# ---------------------------------------------------------------------------- plots
def _ordered_series(series: dict[str, Series]) -> list[Series]:
    order = {f: k for k, f in enumerate(FAULTS)}
    return sorted(series.values(), key=lambda s: order.get(s.fault, len(order)))


def _told_extremes(s: Series, report: Report) -> list[float]:
    """The highest and lowest values of ``s`` around each finding that names it among its
    signals without being decided on it (the twist's angle beside its rate or quick turn):
    a brief twist is a spike the plot's robust range would clip, and it is what the finding
    is about. Around: the finding's span widened by its length (at least 0.25 s) each side."""
    out: list[float] = []
    for f in report.findings:
        if s.name not in f.evidence.get("signals", ()) or s.fault == f.fault:
            continue
        pad = max(f.end_s - f.start_s, 0.25)
        near = s.values[(s.t_s >= f.start_s - pad) & (s.t_s <= f.end_s + pad)]
        near = near[np.isfinite(near)]
        if near.size:
            out += [float(near.min()), float(near.max())]
    return out


def _plot_svg(s: Series, report: Report, id_prefix: str, muted: bool) -> str:
    """One signal over time with its threshold, rep bands and findings, as an inline SVG;
    ``muted`` greys the curve of a fault this clip could not be judged on."""
    import matplotlib
    from matplotlib.figure import Figure

    rc = {"svg.hashsalt": f"formcheck-{s.name}", "svg.fonttype": "none",
          "font.size": 9.0, "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=PLOT_SIZE_IN)
        ax = fig.add_subplot()
        for k, rep in enumerate(report.reps):
            ax.axvspan(rep.start_s, rep.end_s, color=_PLOT_REP_BAND, lw=0,
                       alpha=1.0 if k % 2 == 0 else 0.6, zorder=0)
            ax.text((rep.start_s + rep.end_s) / 2, 1.0, f"rep {rep.index}", ha="center",
                    va="bottom", transform=ax.get_xaxis_transform(), color="#5f6b7a")
        mine = decided_on(report, s)
        for f in mine:
            ax.axvspan(f.start_s, f.end_s, color=_PLOT_FINDING.get(f.severity, "#d93025"),
                       alpha=0.35, lw=0, zorder=1)
        # At most a few points per pixel column (peaks kept), however long the clip.
        keep = plot_indices(s.values, PLOT_BUCKETS)
        t, v = s.t_s[keep], s.values[keep]
        if s.judged is None or muted:
            ax.plot(t, v, color=_PLOT_MUTED if muted else _PLOT_LINE, lw=1.4, zorder=3)
        else:  # frames the rule did not judge are drawn grey: past the limit there is no fault
            ax.plot(t, v, color=_PLOT_MUTED, lw=1.0, zorder=3)
            judged_v = np.where(s.judged, s.values, np.nan)
            keep_j = plot_indices(judged_v, PLOT_BUCKETS)
            ax.plot(s.t_s[keep_j], judged_v[keep_j], color=_PLOT_LINE, lw=1.4, zorder=4)
        finite = s.values[np.isfinite(s.values)]
        if s.checked_to is not None and finite.size and float(finite.max()) > s.checked_to:
            # Readings past the largest the estimate was checked on: shaded, and stated
            # elsewhere only as "more than" it (``Series.checked_to``).
            ax.axhspan(s.checked_to, float(finite.max()) + 1.0, fill=False, hatch="///",
                       edgecolor=_PLOT_UNCHECKED, lw=0, zorder=0.5)
            ax.text(0.005, s.checked_to, f"past {format_limit(s.checked_to, s.unit)}: not "
                    "checked", color="#5f6b7a", va="bottom", ha="left",
                    transform=ax.get_yaxis_transform(), zorder=5)
        if s.threshold is not None:
            ax.axhline(s.threshold, color=_PLOT_THRESHOLD, ls="--", lw=1.2, zorder=2)
            ax.text(1.005, s.threshold, "limit", color=_PLOT_THRESHOLD, va="center",
                    transform=ax.get_yaxis_transform())
        steps = limit_steps(s)
        if steps is not None:  # a limit per frame: a line that steps where it changes
            lt, on_judged, off_judged = steps
            ax.step(lt, off_judged, where="post", color=_PLOT_MUTED, ls="--", lw=1.0,
                    zorder=2)
            ax.step(lt, on_judged, where="post", color=_PLOT_THRESHOLD, ls="--", lw=1.2,
                    zorder=2)
            last = np.flatnonzero(np.isfinite(on_judged))
            if last.size:
                ax.text(1.005, float(on_judged[last[-1]]), "limit", color=_PLOT_THRESHOLD,
                        va="center", transform=ax.get_yaxis_transform())
        if len(s.t_s) and s.t_s[-1] > s.t_s[0]:
            # One frame (a still image) spans no time: matplotlib warned, on the terminal,
            # for every plot; its own limits centre the point instead.
            ax.set_xlim(float(s.t_s[0]), float(s.t_s[-1]))
        peaks = [f.value for f in mine] + _told_extremes(s, report)
        ax.set_ylim(*robust_range(s.values, [*(s.limit_span() or ()), *peaks]))
        ax.set_xlabel("time (s)")
        ax.set_ylabel(s.unit)
        ax.grid(axis="y", color="#e3e6ea", lw=0.6)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    # matplotlib numbers its ids per figure (figure_1, axes_1, …): prefix them so several plots
    # can live in one page without clashing.
    return _SVG_ID_REF.sub(lambda m: f"{m.group(1)}{id_prefix}{m.group(2)}", svg)


def limit_steps(s: Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """What a page plot draws of a per-frame limit (``Series.threshold_t``): the times and
    the limit held from each until the next (a step line, ``where="post"``), split into the
    frames the rule judged (drawn in the limit's colour) and the others (grey, like the curve
    there), NaN in each where the other is: each run's last step reaches the next run's first
    time, so the line is whole. At most a few points per pixel column (peaks kept), however
    long the clip. None for a signal with one limit or none."""
    if s.threshold_t is None:
        return None
    lim = s.threshold_t
    judged = np.ones(len(lim), bool) if s.judged is None else s.judged
    on, off = np.where(judged, lim, np.nan), np.where(judged, np.nan, lim)
    # Thinned per part, with every frame where judging starts or stops: a judged stretch
    # shorter than a plot bucket keeps its own coloured step (QA: thinned as one line, 47 of
    # 59 short reps of a 30-minute clip lost it).
    turns = np.flatnonzero(np.diff(judged.astype(np.int8))) + 1
    keep = np.unique(np.concatenate([plot_indices(on, PLOT_BUCKETS),
                                     plot_indices(off, PLOT_BUCKETS), turns - 1, turns]))
    return s.t_s[keep], on[keep], off[keep]


def decided_on(report: Report, s: Series) -> list[Finding]:
    """The findings decided on series ``s``: those naming it in ``evidence["series"]`` (older
    reports without that key: every finding of its fault, on the fault's first series)."""
    return [f for f in report.findings if f.fault == s.fault and s.fault is not None
            and f.evidence.get("series", s.name) == s.name]


def _plots(report: Report, series: dict[str, Series]) -> Iterator[str]:
    """One figure per signal, made one at a time (a long clip's plots are large)."""
    if not series:
        yield '<p class="muted">No signals were recorded.</p>'
        return
    for k, s in enumerate(_ordered_series(series), start=1):
        slug = f"{k}-{_SLUG_BAD.sub('-', s.name)}"
        bits = [f"{s.label or s.name} ({s.unit})" if s.unit else (s.label or s.name)]
        clip = report.assessment(s.fault, None) if s.fault else None
        muted = clip is not None and not clip.assessable
        # A signal of a fault judged in this clip that decided nothing here (e.g. a deadlift's
        # arching while bent over, judged only at lockout): not "decides".
        unused = bool(s.fault) and not muted and s.judged is not None and not s.judged.any()
        if s.fault and not unused:
            bits.append(f"decides {fault_title(s.fault)}")
        limit = limit_text(s)
        if limit is not None:
            bits.append(f"limit {limit}")
        if s.baseline is not None:
            bits.append(f"relative to a neutral of {format_value(s.baseline, s.unit)}")
        if s.checked_to is not None and np.nanmax(s.values, initial=-np.inf) > s.checked_to:
            bits.append(f"hatched past {format_limit(s.checked_to, s.unit)}: the estimate was "
                        f"checked only up to there, so readings past it are stated as more "
                        f"than {format_limit(s.checked_to, s.unit)}")
        if unused:
            bits.append(f"{fault_title(s.fault)} was judged on none of this clip's frames "
                        f"from this signal (see {capitalized(NOT_ASSESSABLE_WORDS)} and "
                        "caveats); shown for reference")
        elif s.judged is not None and not (s.judged.all()):
            what = "curve and limit line" if s.threshold_t is not None else "curve"
            bits.append(f"{what} grey where the rule does not judge (e.g. standing, or a view "
                        "that cannot show it)")
        if muted:
            bits.append(f"{NOT_ASSESSABLE_WORDS} in this clip, shown for reference")
        figure = _plot_svg(s, report, f"s{slug}-", muted)
        # A matplotlib figure is a web of reference cycles (a long clip's, with hundreds of rep
        # bands, several MB): free it now rather than let ten of them pile up before Python's
        # collector runs. A short clip's are small and a collection costs ~25 ms: skipped.
        if len(report.reps) > _COLLECT_AFTER_PLOT_REPS:
            gc.collect()
        yield (f'<figure id="signal-{slug}">{figure}'
               f"<figcaption>{_e(' · '.join(bits))}</figcaption></figure>")


# ---------------------------------------------------------------------------- page
def _section(sid: str, title: str, body: str | Iterable[str]) -> Iterator[str]:
    yield f'<section id="{sid}"><h2>{_e(title)}</h2>'
    if isinstance(body, str):
        yield body
    else:
        yield from body
    yield "</section>"


def _page(report: Report, series: dict[str, Series],
          thumbnails: dict[int, np.ndarray | str]) -> Iterator[str]:
    """The page in pieces, in order: each section is made only when the one before it has
    been written, so a long clip's page (its plots and pictures run to megabytes) is never
    held whole in memory; the bytes are those of the pieces joined."""
    source = Path(report.video.path).name if report.video and report.video.path else ""
    title = f"formcheck — {source}" if source else "formcheck report"
    yield ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>")
    yield ("<header><h1>formcheck report</h1>"
           + (f'<p class="sub">{_e(source)}</p>' if source else "") + "</header>")
    yield _verdict(report)
    yield _notices(report)
    yield from _section("summary", "Summary", _summary_table(report))
    yield from _section("reps", "Faults per rep", _rep_table(report))
    yield from _section("findings", "Findings", _findings(report, thumbnails, series))
    yield from _section("grades", "What the numbers and grades mean", _grades(report, series))
    yield from _section("not-assessable", capitalized(NOT_ASSESSABLE_WORDS),
                        _not_assessable(report))
    yield from _section("signals", "Signals over time", _plots(report, series))
    yield (f"<footer>formcheck {_e(report.formcheck_version)} · report schema "
           f"{_e(report.schema_version)} · formcheck only draws attention to moments worth a "
           "second look; it does not replace a coach.</footer>")
    yield "</main></body></html>\n"


def render_html(report: Report, series: dict[str, Series],
                thumbnails: dict[int, np.ndarray | str], out_path: Path) -> Path:
    """Write the report page to ``out_path`` atomically and return its path.

    ``thumbnails`` maps a finding's index in ``report.findings`` to its worst frame (BGR, already
    overlaid), or to that frame already encoded by ``thumbnail_uri``; findings without one get
    no picture. The page is written piece by piece (memory does not grow with the clip).
    """
    return write_parts_atomic(out_path, _page(report, series, thumbnails))
