"""A rounded back's degrees are stated only as far as they were checked (session 25).

The flexion lines were fitted and their error bars measured on renders of 0-45 deg roundings
and checked on 50 deg ones; past that, side-view renders read 15-26 deg off on average
(``bench/flexion_range.py``). A reading past ``FLEXION_CHECKED_TO_DEG`` is stated as "more
than" it on every surface, graded as before on the number read, which the JSON keeps in
``unchecked_value``.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.faults import FLEXION_CHECKED_TO_DEG
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import grade, load_config
from formcheck.pipeline import build_report
from formcheck.render._common import evidence_rows
from formcheck.report import Report, format_reading, value_text

NOISE = {"noise_px": 1.0, "noise_m": 0.005}


def _analysed(flexion_deg: float, overrides: list[str] | None = None):
    seq, _ = synthesize(SynthSpec(exercise="deadlift",
                                  reps=(SynthRep(), SynthRep(flexion_deg=flexion_deg)),
                                  yaw_deg=90.0, **NOISE))
    config = load_config(overrides=overrides or [])
    result = analyze_sequence(seq, config, exercise="deadlift")
    return seq, result, build_report(seq, result, None, config)


def _rounded(report: Report):
    return [f for f in report.findings if f.fault == "rounded_back"]


@pytest.mark.parametrize("overrides,by", [
    ([], "level"),  # a back held rounded, against the fixed neutral
    (["rounded_back.min_held_flexion_deg=1000", "rounded_back.min_flexion_deg=15"], "rise"),
])
def test_a_reading_past_the_checked_range_is_stated_as_more_than_it(overrides, by):
    _, _, report = _analysed(90.0, overrides)
    found = _rounded(report)
    assert found and all(f.evidence["judged_by"] == by for f in found)
    for f in found:
        # The number read (past the range) grades the finding; what is stated is the bound.
        assert f.unchecked_value is not None and f.unchecked_value > FLEXION_CHECKED_TO_DEG
        assert f.value == FLEXION_CHECKED_TO_DEG
        assert f.severity == grade(f.fault, f.unchecked_value, f.threshold) == "severe"
        assert f.evidence["flexion_deg"] == FLEXION_CHECKED_TO_DEG
        assert f.evidence["flexion_checked_to_deg"] == FLEXION_CHECKED_TO_DEG
        assert f.evidence["flexion_error_deg"] is None  # no error bar was measured there
        assert value_text(f) == "more than 50°"
        assert "more than 50°" in f.message and "±" not in f.message
        assert f"{f.unchecked_value:.1f}" not in f.message
        assert "checked on rendered lifters only up to 50°" in f.message
        # The evidence's error bar says why there is none, for this reason, not another.
        rows = dict(evidence_rows(f))
        err = next(v for k, v in rows.items() if "error" in k.lower())
        assert err == "none measured past the degrees checked"


def test_a_reading_inside_the_checked_range_is_stated_as_before():
    _, _, report = _analysed(30.0)
    found = _rounded(report)
    assert found and all(f.unchecked_value is None and f.value <= FLEXION_CHECKED_TO_DEG
                         for f in found)
    assert all("more than" not in f.message and "about " in f.message for f in found)


def test_every_surface_states_more_than_and_the_json_keeps_the_number_read(tmp_path):
    from rich.console import Console

    from formcheck.render.html import render_html
    from formcheck.render.overlay import OverlayRenderer
    from formcheck.render.terminal import print_summary

    seq, result, report = _analysed(90.0)
    found = _rounded(report)
    raws = {f"{f.unchecked_value:.1f}" for f in found} | {
        f"{f.unchecked_value:.0f}°" for f in found}
    # JSON: the value stated, the number read under a name that says it was not checked.
    d = json.loads(report.to_json())
    js = [f for f in d["findings"] if f["fault"] == "rounded_back"]
    assert js and all(f["value"] == 50.0 and f["unchecked_value"] > 50.0 for f in js)
    back = _rounded(Report.from_dict(d))
    assert [g.unchecked_value for g in back] == pytest.approx(
        [f.unchecked_value for f in found], abs=1e-3)
    assert [value_text(g) for g in back] == [value_text(f) for f in found]
    # CSV: "more than" in the value column, not the number read.
    rows = list(csv.DictReader(io.StringIO(report.reps_csv())))
    assert [r["rounded_back_value"] for r in rows if r["rep"] == "2"] == [">50"]
    # Terminal.
    buf = io.StringIO()
    print_summary(report, {}, Console(file=buf, width=200, color_system=None))
    term = buf.getvalue()
    assert "more than 50°" in term and not any(r in term for r in raws)
    # Page.
    page = tmp_path / "p.html"
    render_html(report, result.series, {}, page)
    html = page.read_text(encoding="utf-8")
    import re

    words = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)  # the plots' own coordinates out
    assert "more than 50°" in words and not any(r in words for r in raws)
    assert "past 50°: not checked" in html  # the plot hatches the readings past it
    assert "readings past it are stated as more than 50°" in words
    assert "checked only up to 50°, so a reading past that is stated as more than 50°" in words
    # Video: the banner, the gauge's reading and its holding line.
    ov = OverlayRenderer(report, seq, result.series)
    f = found[0]
    i = report.findings.index(f)
    assert ov.holding_text(i, None).startswith("holding: peak more than 50°")
    name = f.evidence["series"]
    s = result.series[name]
    k = int(np.nanargmax(np.where(s.judged, s.values, np.nan)))
    assert s.values[k] > 50.0 and s.checked_to == FLEXION_CHECKED_TO_DEG
    assert format_reading(float(s.values[k]), "deg", s.threshold, s.checked_to) \
        == "more than 50°"
    from formcheck.render.overlay import _Layout

    lay = _Layout.for_frame(seq.width, seq.height, ov.style)
    lines = ov.gauge_text(name, k, lay, seq.width)[0]
    assert any("now more than 50°" in x for x in lines), lines
    assert not any(r in x for x in lines for r in raws)
