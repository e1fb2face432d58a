"""A per-frame limit (``Series.threshold_t``: the jerky twist's, blended by how well the view
shows the turn) reaches every surface as the rule used it: the page's grade table states the
range used over the judged frames, the page's plot and the video's gauge draw a line that
follows it, the gauge reads each frame against its own limit, and live's correction states
the limit at the frame it talks about. None of them may show a summary (the median) that no
frame was judged against."""

from __future__ import annotations

import html
from dataclasses import replace

import numpy as np
import pytest
from test_render import _section, make_report, make_sequence

from formcheck.analysis.series import Series
from formcheck.config import SEVERITY
from formcheck.live.told import LiveWarnings
from formcheck.render._common import format_range, limit_text
from formcheck.render.html import limit_steps, render_html
from formcheck.render.overlay import (
    OverlayRenderer,
    OverlayStyle,
    _closest_to_limit,
    _Layout,
)
from formcheck.report import Assessment, Finding

#: The clip's limit: 250°/s (the widths show the turn) until this time, 420°/s after it (the
#: depth cue reads it). A median over the judged frames would be neither where it matters.
STEP_S = 3.25
LOW, HIGH = 250.0, 420.0
BY = "by how well the view shows the turn"


def twist_series(seq, values=None) -> Series:
    t = seq.t_s
    if values is None:  # 300°/s at 2.0 s (past 250) and 400°/s at 4.0 s (under 420)
        values = 40.0 + 260.0 * np.exp(-((t - 2.0) / 0.1) ** 2) \
            + 360.0 * np.exp(-((t - 4.0) / 0.1) ** 2)
    limit = np.where(t < STEP_S, LOW, HIGH)
    limit[-3:] = np.nan  # none at the end: no line drawn there
    judged = (t > 0.5) & (t < 6.0)
    return Series("twist_rate", "Shoulder-vs-hip rotation speed", "deg/s", t, values,
                  threshold_t=limit, fault="jerky_twist", judged=judged, limit_by=BY)


def twist_report(finding: Finding | None = None):
    """The shared synthetic set with only the twist judged (its gauge is the one drawn)."""
    report = make_report(findings=(finding,) if finding else ())
    return replace(report, assessable=(
        Assessment("rounded_back", None, False, "a front view cannot show it"),
        Assessment("lumbar_overextension", None, False, "a front view cannot show it"),
        Assessment("jerky_twist", None, True)))


def twist_finding(peak_s: float, value: float, limit: float) -> Finding:
    return Finding(fault="jerky_twist", rep=1, phase="ascent", start_s=peak_s - 0.1,
                   end_s=peak_s + 0.1, peak_s=peak_s, severity="mild", value=value,
                   threshold=limit, unit="deg/s", message="Rep 1: jerky twist",
                   evidence={"series": "twist_rate", "min_duration_s": 0.05})


def test_series_validates_and_reads_a_per_frame_limit():
    t = np.arange(5) / 30.0
    with pytest.raises(ValueError, match="threshold_t"):
        Series("x", "x", "deg/s", t, np.zeros(5), threshold_t=np.zeros(4))
    with pytest.raises(ValueError, match="not both"):
        Series("x", "x", "deg/s", t, np.zeros(5), threshold=1.0, threshold_t=np.zeros(5))
    s = Series("x", "x", "deg/s", t, np.zeros(5), threshold_t=[250, 250, 420, np.nan, 300],
               judged=[True, True, True, True, False], limit_by=BY)
    assert s.has_limit and s.limit_at(2) == 420.0 and s.limit_at(3) is None
    assert s.judged_limits() == (250.0, 420.0)  # frame 4 (300) was not judged
    assert s.limit_span() == (250.0, 420.0)
    one = Series("y", "y", "deg", t, np.zeros(5), threshold=12.0)
    assert one.limit_at(0) == 12.0 and one.judged_limits() == (12.0, 12.0)
    np.testing.assert_array_equal(one.limit_t, np.full(5, 12.0))
    assert not Series("z", "z", "deg", t, np.zeros(5)).has_limit
    assert format_range(250.0, 420.0, "deg/s") == "250–420°/s"
    assert format_range(350.0, 350.2, "deg/s") == "350°/s"
    assert limit_text(s) == f"250–420°/s, {BY}" and limit_text(one) == "12°"


def test_the_page_states_the_range_of_limits_used_and_plots_the_line_per_frame(tmp_path):
    seq = make_sequence()
    s = twist_series(seq)
    report = twist_report(twist_finding(2.0, 300.0, LOW))
    text = html.unescape(render_html(report, {"twist_rate": s}, {}, tmp_path / "p.html")
                         .read_text(encoding="utf-8"))
    bands = SEVERITY["jerky_twist"]
    grades = _section(text, "grades")
    mod, sev = bands.moderate_x_limit, bands.severe_x_limit
    assert (f"In this clip: limit 250–420°/s, {BY} (moderate from "
            f"{LOW * mod:.0f}–{HIGH * mod:.0f}°/s, severe from {LOW * sev:.0f}–"
            f"{HIGH * sev:.0f}°/s).") in grades
    signals = _section(text, "signals")
    assert f"limit 250–420°/s, {BY}" in signals
    assert "curve and limit line grey where the rule does not judge" in signals
    # The plotted line: each frame's limit held until the next (judged part and the rest).
    t, on, off = limit_steps(s)
    np.testing.assert_array_equal(t, s.t_s)
    np.testing.assert_array_equal(np.where(s.judged, on, off), s.threshold_t)
    assert np.isnan(on[~s.judged]).all() and np.isnan(off[s.judged]).all()
    # A finding's own limit (the one at its peak) outside the series' range is said too.
    odd = twist_report(twist_finding(2.0, 300.0, 200.0))
    grades = _section(html.unescape(render_html(odd, {"twist_rate": s}, {}, tmp_path / "q.html")
                                    .read_text(encoding="utf-8")), "grades")
    assert "limit 200°/s (moderate from 280°/s" in grades and "limit 250–420°/s" in grades


def test_a_constant_per_frame_limit_reads_as_one_value(tmp_path):
    seq = make_sequence()
    s = replace(twist_series(seq), threshold_t=np.full(len(seq), 350.0))
    text = html.unescape(render_html(twist_report(), {"twist_rate": s}, {}, tmp_path / "p.html")
                         .read_text(encoding="utf-8"))
    assert "In this clip: limit 350°/s (moderate from 490°/s, severe from 700°/s)." in \
        _section(text, "grades")
    assert BY not in text


def _limit_rows(img: np.ndarray) -> list[int]:
    """Rows holding a run of the (magenta) limit colour: the gauge's limit line levels."""
    b, g, r = (img[..., c].astype(int) for c in range(3))
    mask = (b > 180) & (r > 180) & (g < 80)
    return [int(y) for y in np.flatnonzero(mask.sum(axis=1) >= 6)]


def test_the_gauge_reads_each_frame_against_its_own_limit_and_draws_the_line_that_steps():
    seq = make_sequence()
    s = twist_series(seq)
    style = OverlayStyle(threshold_bgr=(255, 0, 255))
    r = OverlayRenderer(twist_report(), seq, {"twist_rate": s}, style=style)
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    early, late = int(np.searchsorted(seq.t_s, 2.0)), int(np.searchsorted(seq.t_s, 4.0))
    assert r.gauge_series_at(early) == r.gauge_series_at(late) == "twist_rate"
    assert r.gauge_text("twist_rate", early, lay, seq.width)[0][-1] == (
        f"now {s.values[early]:.0f}°/s · limit 250°/s")
    assert r.gauge_text("twist_rate", late, lay, seq.width)[0][-1] == (
        f"now {s.values[late]:.0f}°/s · limit 420°/s")
    # No limit at the clip's last frames (and not judged there): none stated.
    assert r.gauge_text("twist_rate", len(seq) - 1, lay, seq.width)[0][-1] == "not judged"
    # The gauge's pick: 300/250 at 2.0 s is the closest to (past) its limit, not 400/420.
    assert _closest_to_limit(s) == pytest.approx(float(np.max(
        s.values[s.judged & np.isfinite(s.threshold_t)]
        / s.threshold_t[s.judged & np.isfinite(s.threshold_t)])))
    assert _closest_to_limit(s) == pytest.approx(300.0 / LOW, rel=1e-3)
    # Drawn: one level while the window (3 s) holds only the 250°/s part, two (420 above 250,
    # joined by a step) once it holds both.
    one = _limit_rows(r.draw(np.zeros((seq.height, seq.width, 3), np.uint8), early))
    two = _limit_rows(r.draw(np.zeros((seq.height, seq.width, 3), np.uint8), late))
    assert one and max(one) - min(one) <= 2
    assert two and max(two) - min(two) > 5
    assert max(two) == pytest.approx(max(one), abs=2)  # the 250 level is the lower line


def test_live_correction_states_the_limit_at_the_frame_it_talks_about():
    seq = make_sequence()
    s = twist_series(seq)
    report = twist_report()
    w = LiveWarnings(near_s=0.3)
    # Said live over 1.5–4.5 s: the whole set reads 400°/s at 4.0 s, under that frame's limit
    # (420), and 300°/s at 2.0 s, past its own (250): a single median limit says neither.
    said = twist_finding(3.0, 450.0, LOW)
    said = replace(said, start_s=1.5, end_s=4.5)
    w.note([said], numbered=True, said_s=5.0, at=0.0)
    (c,) = w.corrections(report, {"twist_rate": s})
    k = int(np.argmin(np.abs(seq.t_s - 2.0)))
    assert (f"the whole set reads {s.values[k]:.0f}°/s at {seq.t_s[k]:.2f} s there (in rep 2), "
            "past the limit line of 250°/s at that frame") in c.text
    # Over 3.5–4.5 s only: 400°/s under its 420°/s, one limit there: the plain words.
    said = replace(said, start_s=3.5, end_s=4.5, peak_s=4.0)
    w = LiveWarnings(near_s=0.3)
    w.note([said], numbered=True, said_s=5.0, at=0.0)
    (c,) = w.corrections(report, {"twist_rate": s})
    k = int(np.argmin(np.abs(seq.t_s - 4.0)))
    assert (f"the whole set reads at most {s.values[k]:.0f}°/s there (in rep 2), under the "
            "limit line of 420°/s") in c.text
    # Over 1.5–4.5 s with the 2.0 s bump lowered: every frame under its own limit; the
    # highest reading (400 at 4.0 s) is stated with its own limit.
    low = replace(s, values=np.where(np.abs(seq.t_s - 2.0) < 0.5,
                                     np.minimum(s.values, 200.0), s.values))
    said = replace(said, start_s=1.5, end_s=4.5, peak_s=3.0)
    w = LiveWarnings(near_s=0.3)
    w.note([said], numbered=True, said_s=5.0, at=0.0)
    (c,) = w.corrections(report, {"twist_rate": low})
    assert (f"reads at most {low.values[k]:.0f}°/s there (in rep 2) (at {seq.t_s[k]:.2f} s), "
            "under the limit line of 420°/s at that frame") in c.text


def test_a_long_clips_short_judged_stretches_keep_their_limit_line():
    """Review (session 10): thinned as one line for a long clip's plot, the limit lost its
    coloured (judged) step in most short reps: 47 of 59 two-second reps of a 30-minute set."""
    fps, minutes = 30.0, 30
    t = np.arange(int(fps * 60 * minutes)) / fps
    judged = ((t % 30.0) >= 1.1) & ((t % 30.0) < 1.9)  # a short judged stretch every 30 s
    limit = np.where(t < 900.0, LOW, HIGH)
    s = Series("twist_rate", "twist", "deg/s", t, np.full(len(t), 50.0), threshold_t=limit,
               fault="jerky_twist", judged=judged, limit_by=BY)
    lt, on, off = limit_steps(s)
    assert len(lt) < len(t) // 10  # thinned
    reps = np.floor(t[judged] / 30.0)
    drawn = np.floor(lt[np.isfinite(on)] / 30.0)
    assert set(np.unique(reps)) <= set(np.unique(drawn))
    assert np.isfinite(off).any()
