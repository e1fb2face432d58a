"""The terminal summary: what was seen, the faults per rep, what could not be judged, and where
the files are — short enough to read at a glance after ``formcheck analyze``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
    fault_title,
    finding_text,
    format_limit,
    not_judged,
    through_text,
    value_text,
    worst,
)
from formcheck.report import (
    FAULTS,
    NOT_ASSESSABLE_WORDS,
    OUTSIDE_REPS_WORDS,
    Estimate,
    Report,
    counted,
    finding_span,
)

if TYPE_CHECKING:
    from rich.console import Console

#: Rich styles per status; the same palette as the overlay and the page.
_STYLE = {"ok": "green", "mild": "yellow", "moderate": "dark_orange", "severe": "bold red",
          NOT_ASSESSABLE: "dim", THROUGH: "magenta"}


def _estimate(est: Estimate | None, what: str, suffix: str = "") -> str:
    if est is None:
        return f"{what} unknown"
    how = estimate_how(est, EXERCISE_CONFIDENCE if what == "exercise" else VIEW_CONFIDENCE)
    return f"{est.name}{suffix} ({how})"


def print_summary(report: Report, outputs: dict[str, Path], console: Console) -> None:
    """Print the summary of one analysed clip; ``outputs`` maps a label (``video``, ``report``…)
    to the file written."""
    from rich.table import Table
    from rich.text import Text

    head = Text("formcheck ", style="bold")
    view = _estimate(report.view, "view", suffix=" view")
    head.append(f"{_estimate(report.exercise, 'exercise')} · {view} · "
                f"{counted(len(report.reps), 'rep')}")
    if report.model:
        head.append(f" · model {report.model}", style="dim")
    console.print(head)
    for notice in report.notices:  # the input's limits first: they bear on everything below
        # The size the frames were posed at is a plain fact of the input, not a limit.
        style = "dim" if notice.kind == POSED_AT_KEY else "yellow"
        console.print(Text(f"note: {notice.message}", style=style), soft_wrap=True)

    if report.reps:
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("Rep", justify="right")
        for fault in FAULTS:
            table.add_column(fault_title(fault))
        for rep in report.reps:
            table.add_row(str(rep.index), *(_cell(report, f, rep.index) for f in FAULTS))
        if any(f.rep is None for f in report.findings):
            # The page's row name (``OUTSIDE_REPS_WORDS``), where the terminal said "out".
            table.add_row(capitalized(OUTSIDE_REPS_WORDS),
                          *(_cell(report, f, None) for f in FAULTS))
        console.print(table)
    else:
        console.print(Text("No reps were counted.", style="dim"))

    if report.findings:
        console.print(Text("Findings", style="bold"))
        grid = _hanging_grid()
        for f in sorted(report.findings, key=lambda f: (f.start_s, f.fault)):
            line = Text(finding_text(f))
            line.append(f" ({finding_span(f)}, limit "
                        f"{format_limit(f.threshold, f.unit)})", style="dim")
            grid.add_row(Text(f.severity, style=_STYLE.get(f.severity, "red")), line)
        console.print(grid)
    else:
        console.print(Text("No findings.", style="green"))

    for title, rows, fallback in (
            (capitalized(NOT_ASSESSABLE_WORDS), not_judged(report), "no reason given"),
            ("Caveats", caveats(report), "")):
        if rows:
            console.print(Text(title, style="bold"))
            grid = _hanging_grid(tagged=False)
            for fault, scope, reason in rows:
                line = Text(f"{fault_title(fault)} ({scope}): ", style="dim")
                line.append(reason or fallback)
                grid.add_row(line)
            console.print(grid)

    if outputs:
        folders = {Path(p).parent for p in outputs.values()}
        common = folders.pop() if len(folders) == 1 else None
        head = Text("Files", style="bold")
        if common is not None:
            head.append(f" in {common}", style="cyan")
        console.print(head, soft_wrap=True)
        width = max(len(k) for k in outputs)
        for label, path in outputs.items():
            line = Text("  ")
            line.append(f"{label:<{width}}  ", style="dim")
            line.append(Path(path).name if common is not None else str(path), style="cyan")
            console.print(line, soft_wrap=True)


def _hanging_grid(tagged: bool = True):
    """Indented rows (``add_row([tag,] text)``): the text wraps at word boundaries under
    itself, never back to the left edge."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(width=1)  # the indent
    if tagged:
        grid.add_column(no_wrap=True, min_width=8)
    grid.add_column(ratio=1, overflow="fold")
    add = grid.add_row
    grid.add_row = lambda *cells: add("", *cells)  # type: ignore[method-assign]
    return grid


def _cell(report: Report, fault: str, rep: int | None):
    from rich.text import Text

    st = cell_status(report, fault, rep)
    if st.kind == FAULT:
        w = worst(st.findings)
        more = f" ×{len(st.findings)}" if len(st.findings) > 1 else ""
        return Text(f"{w.severity}{more} {value_text(w)}",
                    style=_STYLE.get(w.severity, "red"))
    if st.kind == THROUGH:  # not this rep's grade: not in a grade's colour
        return Text(through_text(st), style=_STYLE[THROUGH])
    if st.kind == NOT_ASSESSABLE:
        return Text(NOT_ASSESSABLE_WORDS, style=_STYLE[NOT_ASSESSABLE])
    return Text("ok", style=_STYLE["ok"])
