"""One rep number and one rep count for the same finding, on every surface.

The batch index counts the reps a clip's findings are attributed to (each finding's ``rep``),
as the clip's own page, JSON and CSV name them; live names reps with the page's words
(``report.reps_text``).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io

from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize


def _run_on_report():
    """Three 1 s deadlift reps at 30 fps; a rounded back of rep 2 lasts 0.5 s into rep 3."""
    from formcheck.report import (
        Assessment,
        Estimate,
        Finding,
        Phase,
        Rep,
        Report,
        VideoInfo,
    )

    def rep(i: int) -> Rep:
        t = float(i - 1)
        return Rep(i, t, t + 1.0, (Phase("set-up", t, t + 0.2), Phase("pull", t + 0.2, t + 0.5),
                                   Phase("lowering", t + 0.5, t + 0.8),
                                   Phase("finish", t + 0.8, t + 1.0)),
                   start_frame=30 * (i - 1), end_frame=30 * i)

    f = Finding(fault="rounded_back", rep=2, phase="pull", start_s=1.3, end_s=2.5, peak_s=1.5,
                severity="moderate", value=30.0, threshold=20.0, unit="deg",
                message="Rounded back in rep 2 (pull)", evidence={"min_duration_s": 0.15})
    return Report(
        video=VideoInfo(path="a.mp4", width=640, height=480, fps=30.0, frame_count=90,
                        duration_s=3.0),
        model="full", frames_total=90, frames_with_person=90,
        exercise=Estimate("deadlift", 0.9), view=Estimate("side", 0.9),
        reps=(rep(1), rep(2), rep(3)), findings=(f,),
        assessable=(Assessment("rounded_back", None, True),))


def test_the_batch_index_counts_the_reps_a_finding_is_attributed_to(tmp_path):
    """QA: a finding of rep 2 that lasts into rep 3 read "found in 2 reps" (and 2 problem
    reps) on the batch index, while the clip's page, JSON and CSV give it to rep 2 alone
    ("Rep 2 · rounded back"). The index counts the reps the findings are attributed to, each
    once; the rep it runs on into keeps its own "runs on from rep 2's" cell on the page."""
    from formcheck.batch.summary import ClipOutcome, build_rows, index_html, summary_csv
    from formcheck.render.html import render_html

    report = _run_on_report()
    assert [g.rep for g in report.runs_through("rounded_back", 3)] == [2]
    report.save_json(tmp_path / "a.report.json")
    row, = build_rows([ClipOutcome(
        key="a", source="/clips/a.mp4", athlete="", out_dir=tmp_path, stem="a",
        status="analysed", outputs=(("report", "a.report.json"),))], tmp_path)
    assert (row.problem_reps, row.rounded_back, row.rounded_back_reps) == (1, "moderate", 1)
    assert "moderate</span> at worst, found in 1 rep</td>" in index_html([row], [], tmp_path)
    assert "(1 problem rep)" in index_html([row], [], tmp_path)
    csv_row, = csv.DictReader(io.StringIO(summary_csv([row])))
    assert csv_row["rounded_back_reps"] == "1"
    page = html.unescape(render_html(report, {}, {}, tmp_path / "a.report.html").read_text(
        encoding="utf-8"))
    chips = page[page.index('class="chips"'):]
    chips = chips[:chips.index("</ul>")]
    assert chips.count("<li") == row.rounded_back_reps and "Rep 2 · rounded back" in chips


def test_live_names_the_reps_none_could_be_judged_in_the_pages_words():
    """QA: where none of the reps so far could be judged, the live window (and the screen
    recording) read "none of reps 1-3 could be judged" while the clip's page and terminal
    list the same reps "reps 1, 2, 3". Live now names them with the same words
    (``report.reps_text``)."""
    from formcheck.analysis.faults import NO_REP_JUDGED_REASON
    from formcheck.live.incremental import shown_report
    from formcheck.live.settings import LiveSettings
    from formcheck.pipeline import analyse
    from formcheck.render._common import not_judged
    from formcheck.report import Assessment, reps_text

    seq, _ = synthesize(SynthSpec(exercise="row", reps=(SynthRep(),) * 3))
    full, _ = analyse(seq)
    assert len(full.reps) == 3 and full.exercise.name == "row"
    why = "the trunk never leaned forward 20° in this rep"
    unjudged = tuple(
        Assessment(a.fault, a.rep, False, NO_REP_JUDGED_REASON if a.rep is None else why)
        if a.fault == "rounded_back" else a for a in full.assessable)
    report = dataclasses.replace(full, assessable=unjudged, findings=())
    page_scope = next(scope for fault, scope, reason in not_judged(report)
                      if fault == "rounded_back" and reason == why)
    assert page_scope == reps_text([1, 2, 3]) == "reps 1, 2, 3"
    shown = shown_report(report, seq, LiveSettings().settle_s)
    reason = shown.assessment("rounded_back", None).reason
    assert reason == f"none of {page_scope} could be judged; rep 3: {why}"
    assert reps_text([2]) == "rep 2" and reps_text([3, 1, 3]) == "reps 1, 3"


def test_a_findings_card_says_which_way_it_runs_into_other_reps_as_the_rep_table_does(tmp_path):
    """QA (a real deadlift, Worst_deadlift_form_ever): rep 2's rounding began 1 s before
    rep 2, in rep 1; its card read "Where: rep 2 (runs through rep 1)", where the rep table
    and the CSV say of such a rep (with no finding of its own) "leads into rep 2's severe
    finding", and of a later one "runs on from rep 2's". The card now says it the same way
    round: "begun in rep 1", "runs on into rep 3"."""
    from formcheck.render.html import render_html

    report = _run_on_report()
    f = report.findings[0]
    both = dataclasses.replace(report, findings=(dataclasses.replace(f, start_s=0.4),))
    for rep, want, table in ((report, "rep 2, pull (runs on into rep 3)", "runs on from rep 2's"),
                             (both, "rep 2, pull (begun in rep 1, runs on into rep 3)",
                              "leads into rep 2's")):
        page = html.unescape(render_html(rep, {}, {}, tmp_path / "a.report.html").read_text(
            encoding="utf-8"))
        assert want in page and "(runs through" not in page
        assert table in page
