from __future__ import annotations

import html
import io
import json
from dataclasses import replace

import numpy as np
import pytest

from formcheck.errors import DataFormatError, InputNotFoundError
from formcheck.report import (
    FAULTS,
    Assessment,
    Estimate,
    Finding,
    Phase,
    Rep,
    Report,
    VideoInfo,
    worst,
)


def finding(fault="rounded_back", rep=1, severity="mild", value=10.0) -> Finding:
    at = 1.5 * (rep - 1) if rep else 0.0  # inside its rep (sample_report's reps are 1.5 s)
    return Finding(fault=fault, rep=rep, phase="descent", start_s=at + 0.1, end_s=at + 0.4,
                   peak_s=at + 0.25,
                   severity=severity, value=value, threshold=5.0, unit="% of torso",
                   message="Rep 1: rounded back", evidence={"frames": [3, 4], "x": float("nan")})


def sample_report() -> Report:
    return Report(
        video=VideoInfo(path="a.mp4", width=640, height=480, fps=30.0, frame_count=90,
                        duration_s=3.0),
        model="full", frames_total=90, frames_with_person=88,
        exercise=Estimate("deadlift", 0.9), view=Estimate("side", 0.8),
        reps=(Rep(1, 0.0, 1.5, (Phase("pull", 0.0, 0.7), Phase("lowering", 0.7, 1.5))),
              Rep(2, 1.5, 3.0)),
        findings=(finding(severity="severe", value=8.0), finding(value=20.0),
                  finding("lumbar_overextension", rep=2, severity="moderate", value=12.3456789)),
        assessable=(Assessment("jerky_twist", None, False, "side view"),
                    Assessment("rounded_back", None, True)),
        summary={"mean_trunk_inclination_deg": 31.123456, "neg_zero": -0.0},
    )


def test_json_roundtrip_is_byte_identical():
    text = sample_report().to_json()
    again = Report.from_dict(json.loads(text)).to_json()
    assert again == text


def test_json_rounds_floats_and_turns_nan_into_null():
    d = json.loads(sample_report().to_json())
    assert d["findings"][2]["value"] == 12.3457
    assert d["findings"][0]["evidence"]["x"] is None
    assert d["summary"]["neg_zero"] == 0.0 and "-0.0" not in sample_report().to_json()
    assert d["schema_version"].startswith("1.")


def test_other_major_schema_is_refused():
    d = json.loads(sample_report().to_json())
    d["schema_version"] = "2.0"
    with pytest.raises(DataFormatError, match="2.0"):
        Report.from_dict(d)


def test_missing_field_is_a_data_error():
    d = json.loads(sample_report().to_json())
    del d["model"]
    with pytest.raises(DataFormatError):
        Report.from_dict(d)


def test_load_errors(tmp_path):
    with pytest.raises(InputNotFoundError):
        Report.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataFormatError):
        Report.load(bad)


def test_worst_prefers_severity_then_magnitude():
    assert worst([finding(severity="mild", value=50), finding(severity="severe", value=1)]
                 ).severity == "severe"
    assert worst([finding(value=3), finding(value=-9)]).value == -9


def test_reps_csv_rows():
    lines = sample_report().reps_csv().splitlines()
    assert lines[0].startswith("rep,start_s,end_s,rounded_back,lumbar_overextension,jerky_twist")
    rep1 = lines[1].split(",")
    assert rep1[:6] == ["1", "0.0", "1.5", "severe", "ok", "not_assessable"]
    assert rep1[6] == "8.0"
    rep2 = lines[2].split(",")
    assert rep2[3:6] == ["ok", "moderate", "not_assessable"]


def test_save_is_atomic_and_readable(tmp_path):
    path = sample_report().save_json(tmp_path / "r" / "a.report.json")
    assert [p.name for p in path.parent.iterdir()] == ["a.report.json"]
    assert Report.load(path).to_json() == sample_report().to_json()


def _with_caveats() -> Report:
    """Rep 1 judged with a caveat of its own, rep 2 with the clip's; twist not judged in rep 2."""
    clip_note = "no warning does not rule a twist out"
    return Report(
        video=VideoInfo(path="a.mp4", width=640, height=480, fps=30.0, frame_count=90,
                        duration_s=3.0),
        model="full", frames_total=90, frames_with_person=90,
        exercise=Estimate("squat", 0.9), view=Estimate("front", 0.9),
        reps=(Rep(1, 0.0, 1.5), Rep(2, 1.5, 3.0)),
        findings=(finding("rounded_back", rep=None),),
        assessable=(Assessment("jerky_twist", None, True, clip_note),
                    Assessment("jerky_twist", 1, True, "the hands hid the torso on 20% of it"),
                    Assessment("jerky_twist", 2, False, "the hands hid the torso on 70% of it"),
                    Assessment("rounded_back", None, True, clip_note + ", rounding"),
                    Assessment("rounded_back", 1, True, clip_note + ", rounding"),
                    Assessment("rounded_back", 2, True, clip_note + ", rounding")),
    )


def test_reps_csv_carries_each_rules_words_on_the_rep():
    import csv

    rows = {r["rep"]: r for r in csv.DictReader(io.StringIO(_with_caveats().reps_csv()))}
    assert rows["1"]["jerky_twist_note"] == "the hands hid the torso on 20% of it"
    assert rows["2"]["jerky_twist"] == "not_assessable"
    assert rows["2"]["jerky_twist_note"] == "the hands hid the torso on 70% of it"
    assert rows["2"]["rounded_back_note"] == "no warning does not rule a twist out, rounding"
    assert rows["1"]["lumbar_overextension_note"] == ""  # the rule said nothing
    assert rows["outside"]["jerky_twist_note"] == "no warning does not rule a twist out"


def test_reps_csv_outside_row_gives_the_status_the_terminal_and_page_give():
    """QA session 7 (a side-view deadlift with a finding outside the reps): the CSV's
    ``outside`` row said twist "ok" beside the note "a side view cannot show rotation", where
    the terminal and the page said "not assessable"; all three now give the same cell."""
    import csv
    from dataclasses import replace

    from formcheck.render._common import NOT_ASSESSABLE, cell_status

    side = "a side view cannot show rotation about the spine well"
    report = replace(_with_caveats(), assessable=(
        Assessment("jerky_twist", None, False, side),
        Assessment("rounded_back", None, True)))
    row = {r["rep"]: r for r in csv.DictReader(io.StringIO(report.reps_csv()))}["outside"]
    assert cell_status(report, "jerky_twist", None).kind == NOT_ASSESSABLE
    assert row["jerky_twist"] == "not_assessable" and row["jerky_twist_note"] == side
    assert row["rounded_back"] == "mild" and row["lumbar_overextension"] == "ok"


def test_caveats_are_grouped_and_reach_the_terminal_and_the_page(tmp_path):

    from rich.console import Console

    from formcheck.render._common import caveats
    from formcheck.render.html import render_html
    from formcheck.render.terminal import print_summary

    report = _with_caveats()
    # The clip's caveat and the reps that repeat it fold into one line; rep 1's own stays.
    assert caveats(report) == [
        ("rounded_back", "whole clip", "no warning does not rule a twist out, rounding"),
        ("jerky_twist", "whole clip", "no warning does not rule a twist out"),
        ("jerky_twist", "rep 1", "the hands hid the torso on 20% of it")]
    buf = io.StringIO()
    print_summary(report, {}, Console(file=buf, width=400, color_system=None))
    text = " ".join(buf.getvalue().split())
    assert "Caveats" in text and "the hands hid the torso on 20% of it" in text
    assert "Not assessable" in text and "the hands hid the torso on 70% of it" in text
    page = render_html(report, {}, {}, tmp_path / "r.html").read_text("utf-8")
    assert page.count("no warning does not rule a twist out, rounding") == 1
    assert "the hands hid the torso on 20% of it" in page


def test_a_caveat_the_clips_ends_with_is_printed_once():
    """Session 19, `live` replaying the 45° twist sample: the warned rep's caveat was the
    clip's without its first clause, and both long paragraphs were printed. A judged rep's
    caveat that the clip's ends with is covered by the clip's line; other words keep theirs,
    and reasons for not judging are never folded this way."""
    from formcheck.render._common import caveats, not_judged

    tail = "read from the landmarks; on this lifter a quick turn warns from 15°"
    clip = "no warning does not rule a twist out; " + tail
    report = replace(_with_caveats(), reps=(Rep(1, 0.0, 1.0), Rep(2, 1.0, 2.0),
                                            Rep(3, 2.0, 3.0)), assessable=(
        Assessment("jerky_twist", None, True, clip),
        Assessment("jerky_twist", 1, True, clip),
        Assessment("jerky_twist", 2, True, tail),
        Assessment("jerky_twist", 3, True, "warns from 15°"),  # not a whole clause
        Assessment("rounded_back", None, False, "too dark; hips hidden"),
        Assessment("rounded_back", 1, False, "hips hidden")))
    assert caveats(report) == [("jerky_twist", "whole clip", clip),
                               ("jerky_twist", "rep 3", "warns from 15°")]
    assert not_judged(report) == [("rounded_back", "whole clip", "too dark; hips hidden"),
                                  ("rounded_back", "rep 1", "hips hidden")]


def test_a_caveat_the_clips_begins_with_is_printed_once():
    """QA pass 22 (Jurisimo00's squat cut between cameras): the reps' twist caveat was the
    clip's without its last clause ("1 fast rotation not judged: the picture jumped", said
    of the clip only), and the terminal and the page printed both long paragraphs, one after
    the other. The clip's line covers those reps too."""
    from formcheck.render._common import caveats

    head = "no warning does not rule a twist out; twist read from the widths"
    clip = head + "; 1 fast rotation not judged: the picture jumped (camera cut or lost track)"
    report = replace(_with_caveats(), reps=(Rep(1, 0.0, 1.0), Rep(2, 1.0, 2.0)), assessable=(
        Assessment("jerky_twist", None, True, clip),
        Assessment("jerky_twist", 1, True, head),
        Assessment("jerky_twist", 2, True, "no warning does not rule a twist out; twist")))
    assert caveats(report) == [
        ("jerky_twist", "whole clip", clip),
        ("jerky_twist", "rep 2", "no warning does not rule a twist out; twist")]  # not whole


def test_reps_whose_reasons_differ_only_in_numbers_share_a_line_with_ranges():
    """Session 19, a real squat clip cut between cameras: four reps not judged for rounding
    took three lines that differed only in "at most 22°", "23°", "24°"."""
    from formcheck.render._common import not_judged

    def never(deg: str) -> str:
        return f"the trunk never leaned forward 25° in this rep (at most {deg}°)"

    report = replace(_with_caveats(), reps=tuple(Rep(i, i - 1.0, float(i)) for i in range(1, 8)),
                     assessable=(
        Assessment("rounded_back", None, True),
        *(Assessment("rounded_back", i, False, never(d))
          for i, d in ((1, "22"), (2, "24"), (3, "23"), (4, "22"))),
        Assessment("rounded_back", 5, False, never("-3")),
        Assessment("rounded_back", 6, False, never("-1.5")),
        Assessment("rounded_back", 7, False, "the hips were hidden on 40% of it")))
    assert sorted(not_judged(report)) == [
        ("rounded_back", "rep 7", "the hips were hidden on 40% of it"),
        ("rounded_back", "reps 1, 2, 3, 4, 5, 6", never("-3 to 24"))]
    positive = replace(report, assessable=report.assessable[:5])
    assert not_judged(positive) == [("rounded_back", "reps 1, 2, 3, 4", never("22–24"))]


def test_counted_says_one_finding_and_two_findings():
    """Session 19: live said "saved ...: 2 reps, 1 findings" and check "1 findings, expected
    2"; both now say counts through ``counted``."""
    from formcheck.report import counted

    assert counted(1, "finding") == "1 finding" and counted(1, "rep") == "1 rep"
    assert counted(0, "finding") == "0 findings" and counted(2, "rep") == "2 reps"


def test_the_page_gives_the_whole_clips_reason_once_not_in_every_rep(tmp_path):
    """Session 19, a real seated row: each of three rep rows repeated the clip's 40-word
    reason for not judging over-extension, and the list under the table gave it again. A rep
    whose reason is the clip's points to that list; a rep with its own reason keeps it."""
    from formcheck.render.html import render_html

    clip_words = "the lifter never stands upright: a row has no lockout"
    report = replace(_with_caveats(), reps=(Rep(1, 0.0, 1.0), Rep(2, 1.0, 2.0),
                                            Rep(3, 2.0, 3.0)), assessable=(
        Assessment("lumbar_overextension", None, False, clip_words),
        Assessment("lumbar_overextension", 1, False, clip_words),
        Assessment("lumbar_overextension", 2, False, clip_words),
        Assessment("lumbar_overextension", 3, False, "the hips were hidden")))
    page = html.unescape(render_html(report, {}, {}, tmp_path / "r.html").read_text("utf-8"))
    table = page[page.index('id="rep-table"'):]
    table = table[:table.index("</table>")]
    # reps 1, 2 and the row outside the reps (a finding there) point to it
    assert clip_words not in table and table.count('href="#not-assessable-list"') == 3
    assert "the hips were hidden" in table
    assert page.count(clip_words) == 1 and 'id="not-assessable-list"' in page


def _held_through() -> Report:
    """A deadlift of three 1 s reps (set-up, pull, lowering, finish); the back is rounded
    from rep 1's pull through rep 2 (one finding, named for rep 1, its worst moment), and a
    rounding of rep 3 starts in rep 2's finish (the lifter setting up for rep 3)."""
    def rep(i: int) -> Rep:
        t = float(i - 1)
        return Rep(i, t, t + 1.0, (Phase("set-up", t, t + 0.2), Phase("pull", t + 0.2, t + 0.5),
                                   Phase("lowering", t + 0.5, t + 0.8),
                                   Phase("finish", t + 0.8, t + 1.0)),
                   start_frame=30 * (i - 1), end_frame=30 * i)

    def rounded(rep_no: int, start: float, end: float, peak: float, value: float) -> Finding:
        return Finding(fault="rounded_back", rep=rep_no, phase="pull", start_s=start,
                       end_s=end, peak_s=peak, severity="severe", value=value, threshold=20.0,
                       unit="deg", message=f"Rounded back in rep {rep_no}",
                       evidence={"min_duration_s": 0.15})

    return Report(
        video=VideoInfo(path="a.mp4", width=640, height=480, fps=30.0, frame_count=90,
                        duration_s=3.0),
        model="full", frames_total=90, frames_with_person=90,
        exercise=Estimate("deadlift", 0.9), view=Estimate("side", 0.9),
        reps=(rep(1), rep(2), rep(3)),
        findings=(rounded(1, 0.25, 1.7, 0.4, 55.0), rounded(3, 1.85, 2.6, 2.3, 40.0)),
        assessable=(Assessment("rounded_back", None, True),
                    Assessment("jerky_twist", None, False, "a side view cannot show it")),
    )


def test_a_rep_that_another_reps_finding_runs_through_is_not_ok(tmp_path):
    """QA session 9 (a real deadlift, rounded through most of the set): the back was held
    rounded 0.0-4.9 s, one finding of rep 1, and reps 2 and 3, inside that stretch, read "ok"
    on the terminal, the page, the CSV and the batch page. They now say whose finding it is
    and its grade, not a grade of their own (session 10: "severe, see rep 1" read as rep 2's
    grade, where its own part may be milder); a rounding that starts in a rep's finish (the
    set-up of the next) leaves that rep "ok"."""
    import csv

    from rich.console import Console

    from formcheck.batch.summary import ClipOutcome, build_rows
    from formcheck.render._common import OK, THROUGH, cell_status
    from formcheck.render.html import render_html
    from formcheck.render.terminal import print_summary

    report = _held_through()
    assert [g.rep for g in report.runs_through("rounded_back", 2)] == [1]  # not rep 3's
    assert report.runs_through("rounded_back", 1) == []
    assert report.runs_through("jerky_twist", 2) == []
    rows = {r["rep"]: r for r in csv.DictReader(io.StringIO(report.reps_csv()))}
    assert (rows["1"]["rounded_back"], rows["1"]["rounded_back_value"]) == ("severe", "55.0")
    said = "runs on from rep 1's severe finding"
    assert (rows["2"]["rounded_back"], rows["2"]["rounded_back_value"]) == (said, "")
    assert rows["2"]["rounded_back_note"] == (
        "rounded back found in rep 1 (0.25–1.70 s) runs through this rep")
    assert rows["3"]["rounded_back"] == "severe" and rows["3"]["rounded_back_value"] == "40.0"
    assert cell_status(report, "rounded_back", 2).kind == THROUGH
    assert cell_status(report, "lumbar_overextension", 2).kind == OK

    console = Console(file=io.StringIO(), width=120, color_system=None)
    print_summary(report, {}, console)
    table = {ln.split("│")[0].strip(): ln for ln in console.file.getvalue().splitlines()
             if "│" in ln}
    assert said in table["2"] and "ok" in table["2"] and "severe" not in table["2"].replace(
        said, "")
    assert "runs on" not in table["1"] + table["3"]

    page = html.unescape(render_html(report, {}, {}, tmp_path / "a.report.html").read_text(
        encoding="utf-8"))
    assert page.count(f'<span class="tag through">{said}</span><span class="why">rounded '
                      "back found in rep 1") == 1
    table = page[page.index('id="rep-table"'):]
    table = table[:table.index("</table>")]
    assert table.count('<span class="tag severe">') == 2  # reps 1 and 3: their own findings
    assert "rep 1, pull (runs on into rep 2)" in page
    assert "into rep 3" not in page and "into reps" not in page and "begun in" not in page

    report.save_json(tmp_path / "a.report.json")
    row, = build_rows([ClipOutcome(
        key="alice/a", source="/clips/a.mp4", athlete="alice", out_dir=tmp_path, stem="a",
        status="analysed", outputs=(("report", "a.report.json"),))], tmp_path)
    # The batch counts the reps the findings are attributed to, as the page's chips list
    # them (rep 1, rep 3): rep 2, which rep 1's finding only runs on into, not again.
    assert (row.problem_reps, row.rounded_back, row.rounded_back_reps) == (2, "severe", 2)
    # The batch page gives the clip's worst grade, not two reps' grade.
    from formcheck.batch.summary import index_html
    index = index_html([row], [], tmp_path)
    assert "severe</span> at worst, found in 2 reps</td>" in index


def test_rest_phases_are_the_analysis_rep_profiles_still_phases():
    """``runs_through`` leaves out the still phases by name: they must be the ones the rep
    counter gives."""
    from formcheck.analysis.reps import REP_PROFILES, SETUP_PHASE
    from formcheck.report import REST_PHASES

    assert {SETUP_PHASE, *(p.finish_phase for p in REP_PROFILES.values())} == set(REST_PHASES)
    assert not set(REST_PHASES) & {name for p in REP_PROFILES.values() for name in p.phases}


def test_a_later_reps_finding_that_starts_in_a_rep_leads_into_it(tmp_path):
    """QA session 21 (the shared 166x360 deadlift): rep 4's rounding (5.1-7.4 s, named for
    rep 4, its worst moment) starts in rep 3's movement, and rep 3's cell read "runs on from
    rep 4's severe finding" on the terminal, the page and the CSV: a rounding cannot run on
    from a rep that comes after. It now leads into rep 4's finding; an earlier rep's finding
    still runs on."""
    import csv
    import dataclasses

    from rich.console import Console

    from formcheck.render.html import render_html
    from formcheck.render.terminal import print_summary

    report = _held_through()
    late = dataclasses.replace(report.findings[0], rep=2, peak_s=1.4,
                               message="Rounded back in rep 2")
    report = dataclasses.replace(report, findings=(late,))
    assert [g.rep for g in report.runs_through("rounded_back", 1)] == [2]
    said = "leads into rep 2's severe finding"
    rows = {r["rep"]: r for r in csv.DictReader(io.StringIO(report.reps_csv()))}
    assert rows["1"]["rounded_back"] == said
    assert rows["1"]["rounded_back_note"] == (
        "rounded back found in rep 2 (0.25–1.70 s) runs through this rep")
    console = Console(file=io.StringIO(), width=120, color_system=None)
    print_summary(report, {}, console)
    text = console.file.getvalue()
    assert said in text and "runs on from rep 2" not in text
    page = html.unescape(render_html(report, {}, {}, tmp_path / "a.report.html").read_text(
        encoding="utf-8"))
    assert f'<span class="tag through">{said}</span>' in page
    assert "runs on from rep 2" not in page

def test_fast_builders_make_the_same_objects_as_the_constructors():
    """``new_phase``/``new_rep``/``new_assessment`` (the analysis' faster builders) set every
    field of their class, in order, and give objects equal to, hashed like, printed like and
    serialised like the dataclasses' own ones, still frozen."""
    import dataclasses

    from formcheck.report import new_assessment, new_phase, new_rep

    ph = (Phase("pull", 1.0, 1.5), Phase("lowering", 1.5, 2.25))
    cases = [
        (new_phase("pull", 1.0, 1.5), Phase("pull", 1.0, 1.5)),
        (new_rep(3, 1.0, 2.25, ph, 30, 67, False),
         Rep(index=3, start_s=1.0, end_s=2.25, phases=ph, start_frame=30, end_frame=67,
             ends_at_rest=False)),
        (new_assessment("rounded_back", 2, False, "why"),
         Assessment("rounded_back", 2, False, "why")),
        (new_assessment("jerky_twist", None, True, None), Assessment("jerky_twist", None, True)),
    ]
    for fast, slow in cases:
        assert type(fast) is type(slow)
        assert list(vars(fast)) == [f.name for f in dataclasses.fields(slow)]
        assert vars(fast) == vars(slow)
        assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
        assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.start_s = 0.0  # type: ignore[misc]
    # ends_at_rest is left out of equality, as the constructor's
    assert new_rep(1, 0.0, 1.0, (), 0, 9, True) == new_rep(1, 0.0, 1.0, (), 0, 9, False)
    report = sample_report()
    same = dataclasses.replace(report, reps=tuple(
        new_rep(r.index, r.start_s, r.end_s, tuple(new_phase(p.name, p.start_s, p.end_s)
                                                    for p in r.phases),
                r.start_frame, r.end_frame, r.ends_at_rest) for r in report.reps))
    assert same.to_json() == report.to_json()


@pytest.mark.parametrize("frames, through", [(4, False), (5, True)])
def test_a_finding_runs_through_a_rep_for_as_long_as_its_rule_counts_it(frames, through):
    """QA pass 22: whether another rep's finding runs through a rep was measured between the
    frames' stamps (5 frames at 30 fps: 0.13 s), against the rule's shortest stretch counted
    with each frame one frame's time (0.15 s: 5 frames), so a stretch the rule counts left
    the rep "ok". Measured the same way: 5 frames into rep 2's pull run through it, 4 do
    not."""
    report = _held_through()
    pull = 1.2  # rep 2's pull starts here (frame 36)
    f = replace(report.findings[0], start_s=0.25, end_s=pull + (frames - 1) / 30)
    report = replace(report, findings=(f,))
    assert report.frame_step_s == pytest.approx(1 / 30)
    assert bool(report.runs_through("rounded_back", 2)) is through


def _runs_through_by_scan(report: Report, fault: str, rep: int) -> list[Finding]:
    """``Report.runs_through`` as it was before its lookup (session 10): every finding
    scanned per call. The reference the lookup must match."""
    from formcheck.report import REST_PHASES

    here = next((r for r in report.reps if r.index == rep), None)
    if here is None:
        return []
    moving = [(p.start_s, p.end_s) for p in here.phases if p.name not in REST_PHASES]
    if not here.phases:
        moving = [(here.start_s, here.end_s)]
    out = []
    for f in report.findings:
        if f.fault != fault or f.rep is None or f.rep == rep:
            continue
        overlap = sum(max(0.0, min(f.end_s, b) - max(f.start_s, a)) for a, b in moving)
        shortest = f.evidence.get("min_duration_s") or 0.0
        if overlap > 0.0 and overlap + report.frame_step_s >= float(shortest) - 1e-6:
            out.append(f)
    return out


_PHASE_NAMES = ("set-up", "pull", "lowering", "finish", "descent", "ascent", "top")


def _random_report(seed: int) -> Report:
    """Reps of random lengths and phases (some without phases, some overlapping their
    neighbour, one index given twice) and many findings of random faults and stretches, some
    outside every rep, some with a shortest counted stretch."""
    rng = np.random.default_rng(seed)
    # Half the reports on a 0.1 s grid: overlaps equal to the shortest stretch (the boundary).
    snap = (lambda x: round(x, 1)) if seed % 2 else (lambda x: x)
    reps, t = [], 0.0
    for i in range(1, int(rng.integers(1, 9)) + 1):
        length = snap(float(rng.uniform(0.3, 2.0)))
        start = snap(max(0.0, t - float(rng.uniform(0.0, 0.3)) * (rng.random() < 0.2)))
        cuts = np.sort([snap(float(c)) for c in
                        rng.uniform(start, start + length, int(rng.integers(0, 4)))])
        edges = [start, *cuts.tolist(), start + length]
        phases = tuple(Phase(str(rng.choice(_PHASE_NAMES)), a, b)
                       for a, b in zip(edges[:-1], edges[1:], strict=True)) \
            if rng.random() < 0.8 else ()
        reps.append(Rep(i, start, start + length, phases))
        t = start + length + float(rng.uniform(0.0, 0.5))
    reps.append(replace(reps[0], start_s=t, end_s=t + 1.0))  # an index given twice
    findings = []
    for _ in range(int(rng.integers(0, 40))):
        start = snap(float(rng.uniform(-0.5, t + 0.5)))
        end = snap(start + float(rng.choice([0.0, rng.uniform(0.0, 0.4),
                                             rng.uniform(0.0, 4.0)])))
        evidence = {"min_duration_s": float(rng.choice([0.0, 0.1, 0.3]))} \
            if rng.random() < 0.7 else {}
        rep = None if rng.random() < 0.15 else int(rng.integers(1, len(reps) + 1))
        findings.append(Finding(
            fault=str(rng.choice(["rounded_back", "jerky_twist"])), rep=rep, phase=None,
            start_s=start, end_s=end, peak_s=start, severity="mild", value=1.0, threshold=1.0,
            unit="deg", message="", evidence=evidence))
    return Report(video=None, model="full", frames_total=0, frames_with_person=0,
                  reps=tuple(reps), findings=tuple(findings))


def test_runs_through_lookup_gives_what_scanning_every_finding_gave():
    """``runs_through`` is read per rep x fault by the CSV, the page and the batch summary:
    its lookup, built once per report, gives the same findings in the same order as the
    scan it replaced, on reports with many findings, odd reps and findings outside them."""
    reports = [_held_through(), *(_random_report(seed) for seed in range(300))]
    pairs = 0
    for report in reports:
        for fault in FAULTS:
            for rep in {r.index for r in report.reps} | {0, 99}:
                got = report.runs_through(fault, rep)
                assert got == _runs_through_by_scan(report, fault, rep)
                pairs += bool(got)
    assert pairs > 100  # the random reports do have findings running through other reps
    report = _held_through()
    assert report.runs_through("rounded_back", 2) is not report.runs_through("rounded_back", 2)
