"""One truth on every surface (issue 15): what the report, CSV, page, video gauge and terminal
say must agree with what the rules decided, and what a lifter is told must be true."""

from __future__ import annotations

import csv
import dataclasses
import functools
import html
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.faults import _SIDE_READ_REASON, side_twist_unread_reason
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.analysis.view import VIEW_REASONS
from formcheck.config import SEVERITY, SEVERITY_NAMES, grade
from formcheck.pipeline import build_report
from formcheck.render._common import format_limit, format_value, limit_text, not_judged_text
from formcheck.report import FAULTS, Report, severity_rank

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
CLEAN = SynthRep()
NOISE = {"noise_px": 1.0, "noise_m": 0.005}

#: Synthetic sets with findings of every fault, the faults where each rule looks for them.
CASES = {
    "deadlift_rounded": SynthSpec(exercise="deadlift", yaw_deg=90.0, **NOISE,
                                  reps=(CLEAN, SynthRep(flexion_deg=45.0), CLEAN)),
    "deadlift_lean_back": SynthSpec(exercise="deadlift", yaw_deg=90.0, **NOISE,
                                    reps=(CLEAN, SynthRep(lean_back_deg=25.0), CLEAN)),
    "deadlift_lean_back_45": SynthSpec(exercise="deadlift", yaw_deg=45.0, **NOISE,
                                       reps=(CLEAN, SynthRep(lean_back_deg=25.0), CLEAN)),
    # Facing away at 45° the twist is read from the widths (its rate: a limit per frame).
    "deadlift_lean_back_rear45": SynthSpec(exercise="deadlift", yaw_deg=135.0, **NOISE,
                                           reps=(CLEAN, SynthRep(lean_back_deg=25.0), CLEAN)),
    # Square-on the landmark cue reads the twist (a turn about the lifter's own spine).
    "row_twist_front": SynthSpec(exercise="row", yaw_deg=0.0, **NOISE, twist_about_spine=True,
                                 reps=(CLEAN, SynthRep(twist_deg=40.0), CLEAN)),
}


@functools.cache
def analysed(name: str, config=None):
    seq, _ = synthesize(CASES[name])
    result = analyze_sequence(seq, config)
    return seq, result, build_report(seq, result, None)


# ------------------------------------------------------------------ shared checks
def assert_drawn_as_decided(report: Report, series: dict, seq) -> None:
    """Every finding names the series it was decided on; that series has the finding's unit
    and limit, reads the finding's value at its worst frame, and was judged there; the video
    gauge shows that series while the finding's banner is up, the page plots it with that
    limit."""
    from formcheck.render.overlay import OverlayRenderer

    overlay = OverlayRenderer(report, seq, series)
    for i, f in enumerate(report.findings):
        s = series[f.evidence["series"]]
        peak = f.evidence["peak_frame"]
        # The series' limit at the worst frame (one limit, or that frame's own) is the finding's.
        assert (s.fault, s.unit, s.limit_at(peak)) == (f.fault, f.unit, f.threshold), f
        assert s.values[peak] == pytest.approx(f.value, abs=1e-3)
        assert s.judged is None or s.judged[peak]
        assert f.value >= f.threshold
        at = int(np.searchsorted(seq.t_s, f.peak_s - 1e-9))
        if overlay.banners_at(at)[:1] == (i,):
            assert overlay.gauge_series_at(at) == s.name


def assert_inside_reps_and_csv_agrees(report: Report) -> None:
    """No finding outside all reps; each lies (mostly) in the rep it names; the CSV row of a
    rep says the worst severity of its findings per fault, never ``ok`` when one was found."""
    reps = {r.index: r for r in report.reps}
    for f in report.findings:
        assert f.rep is not None, f"{f.message} ({f.start_s}-{f.end_s} s) is outside every rep"
        r = reps[f.rep]
        overlap = min(f.end_s, r.end_s) - max(f.start_s, r.start_s)
        assert overlap >= 0.5 * (f.end_s - f.start_s) - 1e-6, (f, r)
    rows = list(csv.DictReader(io.StringIO(report.reps_csv())))
    assert [int(row["rep"]) for row in rows] == [r.index for r in report.reps]
    for row in rows:
        for fault in FAULTS:
            hits = [f for f in report.findings if f.fault == fault and f.rep == int(row["rep"])]
            if hits:
                top = max(hits, key=lambda f: (severity_rank(f.severity), abs(f.value)))
                assert row[fault] == top.severity
                assert float(row[f"{fault}_value"]) == pytest.approx(top.value, abs=1e-3)
                assert float(row[f"{fault}_limit"]) == pytest.approx(top.threshold, abs=1e-3)
            else:
                assert row[fault] in ("ok", "not_assessable")


# ------------------------------------------------------------------ limits and series
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_surface_draws_the_quantity_and_limit_the_rule_decided_on(name, tmp_path):
    from formcheck.render.html import render_html

    seq, result, report = analysed(name)
    assert report.findings, "the case must produce findings to check"
    assert_drawn_as_decided(report, result.series, seq)
    page = render_html(report, result.series, {}, tmp_path / "r.html").read_text()
    for f in report.findings:
        s = result.series[f.evidence["series"]]
        figure = re.search(rf'<figure id="signal-\d+-{s.name}">.*?</figure>', page, re.S)
        # One limit: that value; a per-frame one: the range over the judged frames, which
        # holds the finding's.
        assert figure and f"limit {limit_text(s)}" in html.unescape(figure.group(0))
        lo, hi = s.judged_limits()
        assert lo <= f.threshold <= hi
        if s.threshold_t is None:
            assert limit_text(s) == format_limit(f.threshold, f.unit)


def test_a_rule_judging_two_ways_plots_each_way_on_its_own_scale():
    """Rounding is decided either by the bow past a fixed neutral or by its rise over the
    lifter's straightest frames: two series with two limits, never one curve and the other's
    limit."""
    _, result, report = analysed("deadlift_rounded")
    names = {s.name: s for s in result.series.values() if s.fault == "rounded_back"}
    from formcheck.config import Config

    th = Config().deadlift.rounded_back
    assert names["back_flexion"].threshold == th.min_held_flexion_deg
    if "back_flexion_rise" in names:
        assert names["back_flexion_rise"].threshold == th.min_flexion_deg
    for f in report.findings_for("rounded_back"):
        judged_by = f.evidence["judged_by"]
        assert f.evidence["series"] == ("back_flexion_rise" if judged_by == "rise" else
                                        "back_flexion")


def test_between_findings_the_gauge_shows_the_criterion_closest_to_its_limit():
    from dataclasses import replace

    from formcheck.analysis.series import Series
    from formcheck.render.overlay import OverlayRenderer

    seq, _, report = analysed("deadlift_rounded")
    t = seq.t_s
    far = Series("level", "Bow past neutral", "% of torso", t, np.full(t.shape, -13.0),
                 threshold=5.0, fault="rounded_back")
    near = Series("rise", "Bow over straightest", "% of torso", t, np.linspace(0, 11, len(t)),
                  threshold=12.0, fault="rounded_back")
    quiet = replace(report, findings=())
    overlay = OverlayRenderer(quiet, seq, {"level": far, "rise": near})
    assert {overlay.gauge_series_at(i) for i in range(0, len(t), 7)} == {"rise"}


# ------------------------------------------------------------------ severity
def test_severity_is_defined_once_as_multiples_of_the_limit():
    for fault, bands in SEVERITY.items():
        assert fault in FAULTS and 1.0 < bands.moderate_x_limit < bands.severe_x_limit
        assert grade(fault, 10.0, 10.0) == "mild"
        assert grade(fault, 10.0 * bands.moderate_x_limit, 10.0) == "moderate"
        assert grade(fault, 10.0 * bands.severe_x_limit, 10.0) == "severe"
    assert set(SEVERITY) == set(FAULTS) and SEVERITY_NAMES == ("mild", "moderate", "severe")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_finding_is_graded_by_the_table(name):
    _, _, report = analysed(name)
    for f in report.findings:
        assert f.severity == grade(f.fault, f.graded_value, f.threshold)


def test_the_grades_are_shown_on_the_page_and_in_the_readme(tmp_path):
    from formcheck.render.html import render_html

    _, result, report = analysed("deadlift_rounded")
    page = render_html(report, result.series, {}, tmp_path / "r.html").read_text()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for fault, b in SEVERITY.items():
        assert f"moderate: {b.moderate_x_limit:g}× to {b.severe_x_limit:g}×" in page
        row = f"| {fault} | 1× to {b.moderate_x_limit:g}× | {b.moderate_x_limit:g}× to " \
              f"{b.severe_x_limit:g}× | {b.severe_x_limit:g}× or more |"
        assert row in readme, f"README's severity table is stale for {fault}: want {row}"


# ------------------------------------------------------------------ reps own set-up and lockout
@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_fall_inside_counted_reps_and_the_csv_agrees(name):
    _, _, report = analysed(name)
    assert_inside_reps_and_csv_agrees(report)


def test_a_rep_owns_no_frame_where_the_lifter_is_not_seen():
    """The set-up is still time before the movement with the lifter in view, not the empty
    picture before they walked in (which would make the rep look half unseen)."""
    import dataclasses

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(CLEAN,) * 2, **NOISE))
    full = analyze_sequence(seq)
    first_move = next(p for p in full.reps[0].phases if p.name == "descent").start_s
    gone = seq.t_s < first_move - 0.4  # nobody there until 0.4 s before the first descent
    nan = {k: np.where(gone[(slice(None),) + (None,) * (getattr(seq, k).ndim - 1)], np.nan,
                       getattr(seq, k)).astype(getattr(seq, k).dtype)
           for k in ("image_xy", "world_xyz", "back_xy")}
    late = dataclasses.replace(seq, **nan, visibility=np.where(gone[:, None], 0.0,
                                                               seq.visibility).astype(
                                   seq.visibility.dtype))
    result = analyze_sequence(late)
    r1 = result.reps[0]
    assert r1.start_s >= first_move - 0.4 - 1e-6 and not gone[r1.start_frame]
    assert r1.phases[0].name == "set-up"


def test_csv_keeps_a_finding_outside_every_rep_in_its_own_row():
    from dataclasses import replace

    _, _, report = analysed("deadlift_lean_back")
    stray = replace(report.findings[0], rep=None)
    rows = list(csv.DictReader(io.StringIO(replace(report, findings=(stray,)).reps_csv())))
    assert rows[-1]["rep"] == "outside"
    assert rows[-1][stray.fault] == stray.severity
    assert all(row[stray.fault] != stray.severity for row in rows[:-1])


# ------------------------------------------------------------------ messages
@pytest.mark.parametrize(("hips", "arched", "says"), [
    (True, False, "trunk 14° behind the line of the thighs (hips over-extended; hips pushed "
                  "ahead of the feet)"),
    (False, True, "trunk 14° behind the line of the thighs (hips over-extended; back outline "
                  "concave)"),
    (True, True, "trunk 14° behind the line of the thighs (hips over-extended; hips pushed "
                 "ahead of the feet, back outline concave)"),
    (False, False, "trunk 14° behind the line of the thighs (hips over-extended)"),
])
def test_the_over_extension_message_states_only_its_evidence(hips, arched, says):
    from formcheck.analysis.faults import _hip_extension_detail

    assert _hip_extension_detail(14.2, hips, arched) == says


@pytest.mark.parametrize("name", ["deadlift_lean_back", "deadlift_lean_back_45"])
def test_messages_agree_with_the_evidence_they_carry(name):
    _, _, report = analysed(name)
    for f in report.findings_for("lumbar_overextension"):
        assert ("hips pushed ahead" in f.message) == f.evidence["hips_through"]
        assert ("outline concave" in f.message) == f.evidence["concave_back"]
        assert f"{f.value:.0f}°" in f.message


def test_the_over_extension_card_does_not_say_where_twice_otherwise():
    """QA pass 22 (bad013): the card read "Where: rep 1, lowering" (the rep's phase at the
    peak: the bar had begun to come down) and, in its evidence, "where: lockout" (the rule's
    standing-tall frames). The evidence says which frames the rule judged, in words."""
    from formcheck.render._common import evidence_rows

    _, _, report = analysed("deadlift_lean_back")
    (f, *_) = report.findings_for("lumbar_overextension")
    rows = dict(evidence_rows(f))
    assert "where" not in rows
    assert rows["judged on"] == "standing tall (hips high, trunk upright: the lockout)"


# ------------------------------------------------------------------ page, video, terminal
def test_the_page_shows_counts_as_counts_and_evidence_in_words(tmp_path):
    from formcheck.render.html import render_html

    _, result, report = analysed("deadlift_rounded")
    page = render_html(report, result.series, {}, tmp_path / "r.html").read_text()
    assert re.search(r"<th scope='row'>Rep count</th><td>\d+</td>", page)
    for raw in ("<dd>True</dd>", "<dd>False</dd>", "own neutral bulge pct",
                "head neck supports", "<dd>nan</dd>", "judged by", "<dd>rise</dd>"):
        assert raw not in page, raw


def _notices() -> list[str]:
    texts = [not_judged_text(f, r.format(view=v)) for f, r in VIEW_REASONS.items()
             for v in ("front", "oblique", "side", "rear")]
    texts.append(not_judged_text("jerky_twist", (
        "in this rep the lifter is turned 62° from facing toward or away from the camera, too "
        "close to side-on to measure rotation about the spine (needs within 55°)")))
    texts += [not_judged_text("jerky_twist", side_twist_unread_reason(why, 1.0))
              for why in ("outline", "fit", "feet", "short")]
    texts += [not_judged_text("jerky_twist", _SIDE_READ_REASON.format(view=v))
              for v in ("front", "oblique", "rear")]
    texts.append(not_judged_text("jerky_twist", (
        "the hips are turned only 48° from facing the camera: short of the 55° the twist's "
        "side reading needs; film side-on or square-on")))
    return texts


@pytest.mark.parametrize("size", [(640, 480), (480, 640), (1280, 720)])
def test_overlay_notices_and_banners_are_never_cut(size):
    from formcheck.config import load_config
    from formcheck.render.overlay import OverlayRenderer, OverlayStyle, _Layout

    checked: set[str] = set()
    # From the side, at 45° and facing away at 45° (the twist's quick turn, one limit), and
    # facing away read by the shoulders' widths (its rate, a limit per frame: the reading a
    # set gets with signal.twist_oblique_far off).
    widths = load_config(None, ["signal.twist_oblique_far=false"])
    for case, config in (("deadlift_lean_back", None), ("deadlift_lean_back_45", None),
                         ("deadlift_lean_back_rear45", None),
                         ("deadlift_lean_back_rear45", widths)):
        seq, result, report = analysed(case, config)
        overlay = OverlayRenderer(report, seq, result.series)
        st = OverlayStyle()
        lay = _Layout.for_frame(*size, st)
        for text in _notices():
            lines, _ = overlay.wrap(text, overlay.notice_px(lay),
                                    overlay.notice_width(size[0], lay), lay, False,
                                    st.notice_max_lines)
            assert " ".join(lines) == text, lines
        for f in report.findings:
            lines, _ = overlay.wrap(f.message, round(lay.px * 1.1), size[0] - 2 * lay.margin, lay,
                                    True, st.banner_max_lines)
            assert " ".join(lines) == f.message, lines
        for name, s in result.series.items():  # the gauge: its label and "now X · limit Y"
            if s.fault is not None:
                lines, _ = overlay.gauge_text(name, len(seq) // 2, lay, size[0])
                assert not any("…" in ln for ln in lines), lines
                assert " ".join(lines[:-1]).startswith(s.label)
                # The frame's own limit (a per-frame one, the twist's rate, at this frame).
                j = int(overlay._sample_of_frame[name][len(seq) // 2])
                limit = s.limit_at(j) if j >= 0 else None
                if limit is not None:
                    checked.add(name)
                    assert lines[-1].endswith(f"limit {format_limit(limit, '%')}"
                                              if s.unit.startswith("%") else
                                              f"limit {format_limit(limit, s.unit)}")
    # the per-frame limit is checked too, and the side's quick turn
    assert {"twist_rate", "twist_quick_turn"} <= checked


def test_terminal_summary_fits_80_columns_and_wraps_under_itself():
    from rich.console import Console

    from formcheck.render.terminal import print_summary

    _, _, report = analysed("deadlift_lean_back")
    console = Console(width=80, record=True, force_terminal=False, color_system=None,
                      file=io.StringIO())
    print_summary(report, {}, console)
    lines = console.export_text().splitlines()
    assert all(len(ln.rstrip()) <= 80 for ln in lines)
    start = lines.index("Findings") + 1
    end = next(k for k in range(start, len(lines)) if not lines[k].startswith(" "))
    body = lines[start:end]
    assert body and all(ln.startswith("  ") for ln in body)  # continuation lines stay indented
    joined = " ".join(ln.strip() for ln in body)
    for f in report.findings:
        assert f.message in joined and f"limit {format_limit(f.threshold, f.unit)}" in joined


def test_a_limit_with_a_decimal_is_shown_as_the_rule_used_it_on_every_surface(tmp_path):
    """QA pass 22: a held rounding of 20.8° against the 20.3° limit (the shared clip bad008)
    read "21° (limit 20°)" on the page, the terminal and the video's gauge, while the CSV, the
    JSON and the README said 20.3; and the page's "severe from 32°" (1.6 × 20.3° = 32.48°)
    sat over a 32.3° rounding graded moderate. A value is shown to the decimals its limit
    needs, the limit as the rule used it, on every surface."""
    from rich.console import Console

    from formcheck.render._common import evidence_rows, finding_lasted, finding_short_text
    from formcheck.render.html import render_html
    from formcheck.render.overlay import OverlayRenderer, _Layout
    from formcheck.render.terminal import print_summary

    seq, result, report = analysed("deadlift_rounded")
    f = report.findings[0]
    assert f.threshold == pytest.approx(20.3) and f.evidence["series"] == "back_flexion"
    value = f"{f.value:.1f}°"
    assert format_value(f.value, f.unit, f.threshold) == value
    assert format_limit(f.threshold, f.unit) == "20.3°"
    # The rule's own words, the video's short banner.
    assert f"about {value} past" in f.message
    assert f"{value} ({f.severity})" in finding_short_text(f)
    # The terminal: the rep's cell and the finding's line.
    console = Console(width=200, record=True, force_terminal=False, color_system=None,
                      file=io.StringIO())
    print_summary(report, {}, console)
    text = console.export_text()
    assert re.search(rf"{f.severity}( ×\d)? {re.escape(value)}", text) and "limit 20.3°)" in text
    # The page: the rep's cell, the finding's card and the grade bands.
    page = html.unescape(render_html(report, result.series, {}, tmp_path / "r.html").read_text())
    assert f"Peak</dt><dd>{value} (limit 20.3°)" in page
    assert f"{value}<span class=\"why\">limit 20.3°</span>" in page
    assert re.search(r"limit 20\.3°[^;]*?\(moderate from 25\.4°, severe from 32\.5°\)", page)
    # (the rounding's bands only: the twist's own limit may be severe from 32°, 2 × 16°)
    assert "limit 20°" not in page and not re.search(r"limit 20(\.3)?° \([^)]*from 32°\)", page)
    # The card's evidence gives the same flexion, and the length as the card's "Lasted".
    rows = dict(evidence_rows(f))
    assert rows["estimated spinal flexion"] == value
    lasted = f"{f.evidence['duration_s']:.2f} s"
    assert rows["lasted (each frame counts one frame's time)"] == lasted
    assert lasted in finding_lasted(f)
    # The CSV gives the limit itself.
    row = next(r for r in csv.DictReader(io.StringIO(report.reps_csv())) if r["rep"] == "2")
    assert float(row["rounded_back_limit"]) == pytest.approx(20.3)
    # The video's gauge at the worst frame.
    overlay = OverlayRenderer(report, seq, result.series)
    lay = _Layout.for_frame(seq.width, seq.height, overlay.style)
    lines, _ = overlay.gauge_text("back_flexion", f.evidence["peak_frame"], lay, seq.width)
    assert f"now {value} · limit 20.3°" in lines
    # Inside the finding the gauge says it holds, with the banner's own numbers.
    assert lines[-1] == f"holding: peak {value} ({f.severity})"


def test_a_findings_length_is_measured_as_its_rule_measured_it_beside_the_shortest(tmp_path):
    """QA (session 21, left; pass 22): a finding's page gave its first and last frames' times
    (0.13 s apart: 5 frames at 30 fps) beside "shortest counted 0.15 s", as if it were
    shorter than its rule allows. The rule counts each frame one frame's time (``decide``):
    5 frames last 0.17 s. The finding records that length, and the page states it beside
    the shortest, measured the same way."""
    from formcheck.analysis.signal import run_durations
    from formcheck.render.html import render_html

    seq, result, report = analysed("deadlift_rounded")
    step = float(np.median(np.diff(seq.t_s)))
    for f in report.findings:
        first, last = f.evidence["frames"]
        assert f.evidence["duration_s"] == pytest.approx((last - first + 1) * step)
        assert f.evidence["duration_s"] == pytest.approx(float(run_durations(
            seq.t_s, np.array([first]), np.array([last + 1]))[0]))
        assert f.evidence["duration_s"] >= f.evidence["min_duration_s"]
    # Five frames at 30 fps, the shortest the rule counts at 0.15 s: on the page as it
    # counted them, beside the shortest, never as 0.13 s.
    f = report.findings[0]
    start = f.start_s
    short = dataclasses.replace(f, end_s=start + 4 / 30, evidence={
        **f.evidence, "frames": [f.evidence["frames"][0], f.evidence["frames"][0] + 4],
        "duration_s": 5 / 30, "min_duration_s": 0.15})
    report = dataclasses.replace(report, findings=(short,))
    page = html.unescape(render_html(report, result.series, {}, tmp_path / "r.html").read_text())
    assert "<dt>Lasted</dt><dd>5 frames, 0.17 s (shortest counted 0.15 s)</dd>" in page
    assert "0.13 s" not in page


def test_live_says_a_stretch_was_too_short_only_when_the_rule_would_not_count_it():
    """A live warning the whole set did not keep: "past the limit for 0.13 s (needs 0.15 s)"
    was said of 5 frames at 30 fps, which the rule counts as 0.17 s. The stretch is measured
    as the rule measures it; 4 frames (0.13 s) are too short, 5 are not."""
    from formcheck.analysis.series import Series
    from formcheck.live.told import _reading
    from formcheck.report import Finding, Rep

    t = np.arange(60) / 30.0
    report = Report(video=None, model="", frames_total=60, frames_with_person=60,
                    reps=(Rep(1, 0.0, 2.0, (), 0, 59),))
    for frames, says in ((4, "for 0.13 s (needs 0.15 s)"), (5, "other conditions")):
        values = np.zeros(60)
        values[30:30 + frames] = 25.0
        s = Series("back_flexion", "b", "deg", t, values, threshold=20.3, fault="rounded_back")
        f = Finding("rounded_back", 1, None, 0.9, 1.2, 1.0, "mild", 25.0, 20.3, "deg", "m",
                    {"series": "back_flexion", "min_duration_s": 0.15})
        text = _reading(f, report, {"back_flexion": s})
        assert says in text, text


# ------------------------------------------------------------------ what a lifter is told
def test_threshold_reference_is_generated_from_config_and_current():
    from formcheck import thresholds_doc

    text = thresholds_doc.render()
    assert (REPO / "docs" / "thresholds.md").read_text(encoding="utf-8") == text, (
        "docs/thresholds.md is stale: run `python -m formcheck.thresholds_doc`")
    rows = [ln for ln in text.splitlines() if ln.startswith("| `")]
    assert rows and all(not ln.rstrip().endswith("|  |") for ln in rows), \
        "every setting needs a #: comment in config.py saying what it means"
    assert "| `rounded_back.min_flexion_deg` | degrees | 45.6 | 45.6 | 45.6 | 45.6 |" in text


def test_version_and_the_filming_guide_in_help():
    from typer.testing import CliRunner

    from formcheck import __version__
    from formcheck.cli import app

    got = CliRunner().invoke(app, ["--version"])
    assert got.exit_code == 0 and got.stdout.strip() == f"formcheck {__version__}"
    text = CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"}).stdout
    text = " ".join(text.split())
    for needle in ("How to film", "from the SIDE, rounded back", "30 fps",
                   "docs/thresholds.md", "degrees of spinal flexion"):
        assert needle in text, needle
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## How to film" in readme and "docs/thresholds.md" in readme


def test_routine_native_log_lines_are_dropped_but_others_pass(capfd):
    from formcheck.pose.estimator import _filtered_native_stderr

    with _filtered_native_stderr():
        os.write(2, b"INFO: [accelerator_registry.cc:43] DestroyAccelerator: ptr=0x7f, "
                    b"name=CpuAccelerator\nE0000 something real went wrong\n")
    err = capfd.readouterr().err
    assert "DestroyAccelerator" not in err and "E0000 something real went wrong" in err


# ------------------------------------------------------------------ the committed samples
def _sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLES.glob("*.mp4"))


@pytest.fixture(scope="module")
def sample_runs(lite_model):
    """Pose (lite model, the one tests/run.sh provides) and analysis of every sample."""
    from formcheck.pipeline import analyse, extract_pose

    out = {}
    for name in _sample_names():
        seq = extract_pose(SAMPLES / f"{name}.mp4", str(lite_model))
        report, result = analyse(seq)
        out[name] = (seq, report, result)
    return out


@pytest.mark.slow
def test_on_the_samples_no_finding_lies_outside_a_rep_and_every_surface_agrees(sample_runs):
    assert len(sample_runs) == 12
    found = 0
    for seq, report, result in sample_runs.values():
        assert_inside_reps_and_csv_agrees(report)
        assert_drawn_as_decided(report, result.series, seq)
        found += len(report.findings)
    assert found >= 4  # the samples' faults are found (rounding, over-extension)


@pytest.mark.slow
def test_analyze_quiet_prints_nothing_but_formcheck_lines(lite_model, tmp_path):
    """With the user's environment (no GLOG/TF variables), ``analyze --quiet`` writes
    nothing to stderr: no MediaPipe/TFLite INFO lines at start or close."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GLOG_minloglevel", "TF_CPP_MIN_LOG_LEVEL", "FORMCHECK_DEBUG")}
    env["PYTHONPATH"] = str(REPO / "src")
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLES / "squat_good_side_m_avg.mp4"),
         "--model", str(lite_model), "--out", str(tmp_path), "--quiet", "--no-video",
         "--no-html"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == ""
