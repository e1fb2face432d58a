"""formcheck check without the pose model: expectations parsing and its errors, matching with
tolerances, the diff text, JUnit XML parsed back, the TOML writer's round trip and the truth
comments of the committed sample expectations."""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from formcheck.check.compare import compare, observe_fault
from formcheck.check.expect import (
    DEFAULT_TIME_TOLERANCE_S,
    ExpectationError,
    Provenance,
    load_expectation,
    parse_expectation,
)
from formcheck.check.junit import build_junit, write_junit
from formcheck.check.runner import ClipCheck, diff_text, expectation_paths, find_clips
from formcheck.check.truth import fault_comment, field_comment, load_truth
from formcheck.check.write import expectation_from_report, render_toml
from formcheck.report import Assessment, Estimate, Finding, Rep, Report

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


def _finding(fault: str, rep: int | None, peak_s: float, severity: str = "mild") -> Finding:
    return Finding(fault=fault, rep=rep, phase=None, start_s=peak_s - 0.1, end_s=peak_s + 0.1,
                   peak_s=peak_s, severity=severity, value=7.0, threshold=5.0, unit="%",
                   message="test")


def make_report(findings=(), *, exercise="squat", view="side", reps=2,
                twist_reason="a side view cannot show rotation") -> Report:
    rep_objs = tuple(Rep(i, 2.0 * i - 2.0, 2.0 * i) for i in range(1, reps + 1))
    assess = [Assessment("jerky_twist", None, False, twist_reason)]
    for fault in ("rounded_back", "lumbar_overextension"):
        assess.append(Assessment(fault, None, True))
        assess.extend(Assessment(fault, r.index, True) for r in rep_objs)
    return Report(video=None, model="full", frames_total=100, frames_with_person=100,
                  exercise=Estimate(exercise, 0.9), view=Estimate(view, 0.9), reps=rep_objs,
                  findings=tuple(findings), assessable=tuple(assess))


BASE = {
    "version": 1, "clip": "a.mp4", "exercise": "squat", "view": "side",
    "reps": {"count": 2, "tolerance": 0},
    "rounded_back": {"expect": "findings",
                     "findings": [{"rep": 1, "severity": "mild", "peak_s": 1.0},
                                  {"rep": 2}]},
    "lumbar_overextension": {"expect": "none"},
    "jerky_twist": {"expect": "not_assessable"},
}


def _with(path: str, value) -> dict:
    """BASE with the dotted ``path`` set to ``value`` (``...`` deletes it)."""
    import copy

    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


# ---------------------------------------------------------------------------- parsing
def test_parse_full_example():
    exp = parse_expectation(BASE, "a.expect.toml")
    assert exp.exercise == "squat" and exp.view == "side"
    assert exp.reps.count == 2 and exp.reps.tolerance == 0
    rb = exp.faults["rounded_back"]
    assert [f.rep for f in rb.findings] == [1, 2]
    assert rb.findings[0].severity == "mild" and rb.findings[1].peak_s is None
    assert exp.faults["jerky_twist"].expect == "not_assessable"
    assert exp.time_tolerance_s == DEFAULT_TIME_TOLERANCE_S


def test_absent_keys_are_not_checked():
    exp = parse_expectation({"version": 1}, "x")
    assert compare(exp, make_report()) == ()


@pytest.mark.parametrize(("data", "field", "words"), [
    (_with("version", ...), "version", "missing"),
    (_with("version", 2), "version", "reads version 1"),
    (_with("exercise", "bench"), "exercise", "one of squat, deadlift, row, unknown"),
    (_with("view", 3), "view", "must be a string"),
    (_with("colour", "red"), "colour", "unknown key"),
    (_with("reps.count", -1), "reps.count", "at least 0"),
    (_with("reps.count", 2.5), "reps.count", "whole number"),
    (_with("reps.count", ...), "reps.count", "missing"),
    (_with("reps.tolerance", True), "reps.tolerance", "whole number"),
    (_with("rounded_back.expect", "maybe"), "rounded_back.expect", "findings, none"),
    (_with("rounded_back.expect", ...), "rounded_back.expect", "missing"),
    (_with("rounded_back.findings", []), "rounded_back.findings", "at least one"),
    (_with("rounded_back.findings.0.severity", "awful"),
     "rounded_back.findings[0].severity", "mild, moderate, severe"),
    (_with("rounded_back.findings.0.peak_s", -1.0), "rounded_back.findings[0].peak_s", ">= 0"),
    (_with("rounded_back.findings.1", {"peak_s": 2.0}), "rounded_back.findings[1].rep",
     "missing"),
    (_with("rounded_back.findings.1", {"rep": 1}), "rounded_back.findings", "listed twice"),
    (_with("rounded_back.findings.0.sev", "mild"), "rounded_back.findings[0].sev",
     "unknown key"),
    (_with("lumbar_overextension.findings", [{"rep": 1}]), "lumbar_overextension.findings",
     "only allowed"),
    (_with("jerky_twist", "none"), "jerky_twist", "must be a table"),
    (_with("lumbar_overextension.not_assessable_reps", [0]),
     "lumbar_overextension.not_assessable_reps[0]", "rep number"),
    (_with("time_tolerance_s", "long"), "time_tolerance_s", "must be a number"),
    ({**BASE, "made_with": {"model": 5}}, "made_with.model", "must be a string"),
    ({**BASE, "made_with": {"person": "tallest"}}, "made_with.person",
     "auto, largest, center, left, right"),
])
def test_malformed_expectations_name_file_and_field(data, field, words):
    with pytest.raises(ExpectationError) as info:
        parse_expectation(data, "samples/a.expect.toml")
    msg = str(info.value)
    assert msg.startswith(f"samples/a.expect.toml: {field}: ")
    assert words in msg
    assert "\n" not in msg
    assert info.value.exit_code == 7


def test_load_reports_toml_syntax_errors_and_missing_files(tmp_path):
    bad = tmp_path / "a.expect.toml"
    bad.write_text("version = 1\nexercise = \n", encoding="utf-8")
    with pytest.raises(ExpectationError, match=r"a\.expect\.toml: not valid TOML"):
        load_expectation(bad)
    from formcheck.errors import InputNotFoundError

    with pytest.raises(InputNotFoundError, match="--update"):
        load_expectation(tmp_path / "missing.expect.toml")


# ---------------------------------------------------------------------------- matching
def _outcome(exp_data: dict, report: Report, name: str):
    exp = parse_expectation(exp_data, "x")
    return next(o for o in compare(exp, report) if o.name == name)


def test_everything_as_expected_passes():
    report = make_report([_finding("rounded_back", 1, 1.1), _finding("rounded_back", 2, 3.0)])
    outcomes = compare(parse_expectation(BASE, "x"), report)
    assert [o.name for o in outcomes] == ["exercise", "view", "reps", "rounded_back",
                                         "lumbar_overextension", "jerky_twist"]
    assert all(o.passed for o in outcomes), outcomes


@pytest.mark.parametrize(("peak", "tolerance", "passed"), [
    (1.25, None, True),    # default 0.25 s
    (1.26, None, False),
    (1.4, 0.5, True),      # per-finding tolerance
    (0.5, 0.5, True),
    (0.49, 0.5, False),
])
def test_peak_time_tolerance(peak, tolerance, passed):
    data = _with("rounded_back.findings.0.time_tolerance_s", tolerance) if tolerance \
        else BASE
    report = make_report([_finding("rounded_back", 1, peak), _finding("rounded_back", 2, 3.0)])
    assert _outcome(data, report, "rounded_back").passed is passed


def test_file_wide_time_tolerance():
    report = make_report([_finding("rounded_back", 1, 1.6), _finding("rounded_back", 2, 3.0)])
    assert not _outcome(BASE, report, "rounded_back").passed
    assert _outcome(_with("time_tolerance_s", 0.6), report, "rounded_back").passed


def test_any_finding_of_the_rep_may_carry_the_peak_but_severity_is_the_worst():
    report = make_report([_finding("rounded_back", 1, 0.4, "severe"),
                          _finding("rounded_back", 1, 1.1, "mild"),
                          _finding("rounded_back", 2, 3.0)])
    o = _outcome(BASE, report, "rounded_back")
    assert not o.passed
    assert o.details == ("rep 1: severity severe, expected mild",)


@pytest.mark.parametrize(("count", "tolerance", "got", "passed"), [
    (2, 0, 2, True), (2, 0, 3, False), (2, 1, 3, True), (2, 1, 1, True), (4, 1, 2, False),
])
def test_rep_count_tolerance(count, tolerance, got, passed):
    data = _with("reps", {"count": count, "tolerance": tolerance})
    assert _outcome(data, make_report(reps=got), "reps").passed is passed


def test_missing_and_unexpected_findings_and_status_changes():
    report = make_report([_finding("rounded_back", 2, 3.0),
                          _finding("lumbar_overextension", None, 4.2)],
                         twist_reason="")
    outcomes = {o.name: o for o in compare(parse_expectation(BASE, "x"), report)}
    assert outcomes["rounded_back"].details == (
        "rep 1: expected a finding (mild, peak 1.00 s ± 0.25), got none",)
    assert outcomes["lumbar_overextension"].details == (
        "outside the counted reps: unexpected finding (mild, peak 4.20 s)",)
    assert outcomes["jerky_twist"].passed  # still not assessable (the reason is not checked)


def test_not_assessable_vs_none():
    report = make_report()
    data = _with("jerky_twist", {"expect": "none"})
    o = _outcome(data, report, "jerky_twist")
    assert not o.passed
    assert o.details == ("expected none, got not assessable",)
    assert o.got == "not assessable (a side view cannot show rotation)"


def test_not_assessable_reps_are_checked():
    report = make_report()
    report = Report(**{**report.__dict__, "assessable": report.assessable + (
        Assessment("lumbar_overextension", 2, False, "hips out of view"),)})
    assert observe_fault(report, "lumbar_overextension").not_assessable_reps == (2,)
    o = _outcome(BASE, report, "lumbar_overextension")
    assert not o.passed and "reps not assessable: expected none, got [2]" in o.details
    data = _with("lumbar_overextension.not_assessable_reps", [2])
    assert _outcome(data, report, "lumbar_overextension").passed


def test_expectations_say_why_each_rep_was_not_judged(tmp_path):
    """Session 27's note: a fault judged in some reps listed the others under
    ``not_assessable_reps`` without saying why; the file now says it per rep (the page's
    grouping: reps with the same reason on one line), and nothing else changes."""
    report = make_report(reps=3)
    report = Report(**{**report.__dict__, "assessable": report.assessable + (
        Assessment("lumbar_overextension", 2, False, "hips out of view"),
        Assessment("lumbar_overextension", 3, False, "hips out of view"),
        Assessment("rounded_back", 1, False, "the back is hidden by the arms"))})
    text = render_toml(expectation_from_report(report, "a.mp4", Provenance()), report)
    over = text[text.index("[lumbar_overextension]"):text.index("[jerky_twist]")]
    assert "# why (reps 2, 3): hips out of view" in over
    assert "not_assessable_reps = [2, 3]" in over
    rounded = text[text.index("[rounded_back]"):text.index("[lumbar_overextension]")]
    assert "# why (rep 1): the back is hidden by the arms" in rounded
    assert "hips out of view" not in rounded
    path = tmp_path / "a.expect.toml"
    path.write_text(text, encoding="utf-8")
    assert all(o.passed for o in compare(load_expectation(path), report))


# ---------------------------------------------------------------------------- diff text
def test_diff_text_shows_expected_and_got_per_clip_and_fault():
    report = make_report([_finding("rounded_back", 2, 3.0)], exercise="row")
    res = ClipCheck(Path("clips/a.mp4"), Path("clips/a.expect.toml"),
                    outcomes=compare(parse_expectation(BASE, "x"), report),
                    notes=("the thresholds differ",))
    text = diff_text(res)
    assert text.splitlines() == [
        "FAIL clips/a.mp4",
        "  FAIL exercise",
        "       expected: squat",
        "       got:      row",
        "  FAIL rounded_back",
        "       expected: findings: rep 1 (mild, peak 1.00 s); rep 2",
        "       got:      findings: rep 2 (mild, peak 3.00 s)",
        "       - rep 1: expected a finding (mild, peak 1.00 s ± 0.25), got none",
        "  note: the thresholds differ",
    ]
    ok = ClipCheck(Path("b.mp4"), Path("b.expect.toml"),
                   outcomes=compare(parse_expectation({"version": 1, "view": "side"}, "x"),
                                    report))
    assert diff_text(ok) == "ok   b.mp4"
    assert "expected: side" in diff_text(ok, verbose=True)
    err = ClipCheck(Path("c.mp4"), Path("c.expect.toml"), error="cannot decode", error_code=4)
    assert diff_text(err) == "ERROR c.mp4\n      could not check: cannot decode"


# ---------------------------------------------------------------------------- JUnit
def test_junit_parsed_back(tmp_path):
    report = make_report([_finding("rounded_back", 2, 3.0)])
    failing = ClipCheck(Path("a.mp4"), Path("a.expect.toml"),
                        outcomes=compare(parse_expectation(BASE, "x"), report), seconds=1.2,
                        caveats=(("jerky_twist", "whole clip", "no warning does not rule a "
                                  "twist out; warns from 16°"),
                                 ("jerky_twist", "rep 2", "<less> & more")),
                        not_judged=(("jerky_twist", "reps 1, 2", "the picture jumped"),))
    broken = ClipCheck(Path("b.mp4"), Path("b.expect.toml"), error="video cannot be decoded",
                       error_code=4, seconds=0.1)
    path = write_junit(tmp_path / "out" / "report.xml", [failing, broken])

    root = ET.parse(path).getroot()  # well-formed XML, independent of the writer
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "formcheck check"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("a.mp4", n) for n in ("exercise", "view", "reps", "rounded_back",
                               "lumbar_overextension", "jerky_twist")] + [("b.mp4", "analysis")]
    assert suite.get("tests") == "7" and suite.get("failures") == "1" \
        and suite.get("errors") == "1"
    fail = cases[3].find("failure")
    assert fail is not None and "rep 1: expected a finding" in fail.text
    assert fail.get("message").startswith("rounded_back: expected findings: rep 1")
    assert cases[0].find("failure") is None
    err = cases[6].find("error")
    assert err.get("message") == "video cannot be decoded"
    # A fault's case says which reps it could not judge and why, then the caveats on its
    # verdict (the page's words), others none.
    assert cases[5].find("system-out").text.splitlines()[2:] == [
        "not judged (reps 1, 2): the picture jumped",
        "caveat (whole clip): no warning does not rule a twist out; warns from 16°",
        "caveat (rep 2): <less> & more"]
    assert [len(c.find("system-out").text.splitlines()) for c in cases[:5]] == [2] * 5

    from junitparser import JUnitXml  # and through the library CI plug-ins build on
    parsed = JUnitXml.fromfile(str(path))
    total = sum(s.tests for s in parsed)
    assert total == 7


def test_junit_all_passed():
    res = ClipCheck(Path("a.mp4"), Path("a.expect.toml"), outcomes=compare(
        parse_expectation({"version": 1, "view": "side"}, "x"), make_report()))
    suite = next(iter(build_junit([res])))
    assert (suite.tests, suite.failures, suite.errors) == (1, 0, 0)


def test_junit_bytes_do_not_depend_on_run_time(tmp_path):
    # CI diffs and caches the report: two runs with the same results write the same bytes
    report = make_report([_finding("rounded_back", 2, 3.0)])
    outcomes = compare(parse_expectation(BASE, "x"), report)
    paths = []
    for i, seconds in enumerate((1.234, 5.678)):
        res = [ClipCheck(Path("a.mp4"), Path("a.expect.toml"), outcomes=outcomes,
                         seconds=seconds),
               ClipCheck(Path("b.mp4"), Path("b.expect.toml"), error="cannot decode",
                         error_code=4, seconds=seconds / 3)]
        paths.append(write_junit(tmp_path / f"r{i}.xml", res))
    assert paths[0].read_bytes() == paths[1].read_bytes()


# ---------------------------------------------------------------------------- writing
def test_update_round_trip_keeps_notes_and_tolerances(tmp_path):
    report = make_report([_finding("rounded_back", 1, 1.234, "moderate"),
                          _finding("lumbar_overextension", None, 4.2)])
    old = parse_expectation({**_with("rounded_back.findings.0.time_tolerance_s", 0.4),
                             "note": "filmed at the gym",
                             "reps": {"count": 2, "tolerance": 1},
                             "jerky_twist": {"expect": "none", "note": "side on"}}, "x")
    new = expectation_from_report(report, "a.mp4", Provenance(model="full"), old)
    text = render_toml(new, report)
    path = tmp_path / "a.expect.toml"
    path.write_text(text, encoding="utf-8")
    back = load_expectation(path)
    assert back == new
    assert all(o.passed for o in compare(back, report))
    assert back.note == "filmed at the gym" and back.reps.tolerance == 1
    assert back.faults["jerky_twist"].expect == "not_assessable"
    assert back.faults["jerky_twist"].note == "side on"
    rb = back.faults["rounded_back"].findings
    assert [(f.rep, f.severity, f.peak_s, f.time_tolerance_s) for f in rb] == [
        (1, "moderate", 1.23, 0.4)]
    assert back.faults["lumbar_overextension"].findings[0].rep == 0
    assert "# why: a side view cannot show rotation" in text
    assert render_toml(back, report) == text  # stable: a second update changes nothing


def test_the_person_rule_is_written_only_when_not_the_default(tmp_path):
    """``made_with.person`` (check --person) is kept for a later run; the default rule is not
    written, so expectations written before the rule was recorded stay byte for byte."""
    report = make_report()
    plain = render_toml(expectation_from_report(report, "a.mp4", Provenance(model="full")),
                        report)
    assert "person" not in plain
    left = expectation_from_report(report, "a.mp4", Provenance(model="full", person="left"))
    path = tmp_path / "a.expect.toml"
    path.write_text(render_toml(left, report), encoding="utf-8")
    assert 'person = "left"' in path.read_text(encoding="utf-8")
    assert load_expectation(path).made_with.person == "left"


def test_comment_lines_fit_the_line_length():
    report = make_report(twist_reason="word " * 60)
    text = render_toml(expectation_from_report(report, "a.mp4", Provenance()), report)
    assert max(len(line) for line in text.splitlines()) <= 100


# ---------------------------------------------------------------------------- files
def test_find_clips_and_expectation_paths(tmp_path):
    for name in ("b.mp4", "a.MOV", "notes.txt", "a.expect.toml"):
        (tmp_path / name).write_bytes(b"x")
    clips = find_clips([tmp_path])
    assert [c.name for c in clips] == ["a.MOV", "b.mp4"]
    assert [p.name for p in expectation_paths(clips, None)] == ["a.expect.toml", "b.expect.toml"]
    other = tmp_path / "exp"
    other.mkdir()
    assert expectation_paths(clips, other)[1] == other / "b.expect.toml"
    with pytest.raises(ExpectationError, match="a file is for one clip"):
        expectation_paths(clips, tmp_path / "a.expect.toml")
    from formcheck.errors import InputNotFoundError

    with pytest.raises(InputNotFoundError, match="^not found: "):
        find_clips([tmp_path / "nope.mp4"])
    (tmp_path / "loop.mp4").symlink_to("loop.mp4")  # a link that leads nowhere says so
    with pytest.raises(InputNotFoundError, match="^symbolic link loop "):
        find_clips([tmp_path / "loop.mp4"])


def test_a_folder_gives_every_video_batch_takes(tmp_path):
    """QA: `check FOLDER` took only .mp4/.mov/.m4v/.avi/.mkv/.webm: a .ts clip checked by
    name (`check clip.ts --update`) wrote clip.expect.toml, and then `check FOLDER` stopped
    with "expectations without their clip … no video of that name beside it" (exit 3) beside
    the clip. A folder now gives the videos `formcheck batch` takes."""
    from formcheck.batch.inputs import VIDEO_SUFFIXES as BATCH_SUFFIXES
    from formcheck.check.runner import orphan_expectations

    names = ["a.ts", "b.MTS", "c.mpg", "d.gif", "e.mp4"]
    for name in names + ["notes.txt", "a.expect.toml"]:
        (tmp_path / name).write_bytes(b"x")
    clips = find_clips([tmp_path])
    assert [c.name for c in clips] == names
    assert orphan_expectations([tmp_path], clips) == []
    from formcheck.check import runner

    assert runner.VIDEO_SUFFIXES == BATCH_SUFFIXES


def test_a_folders_clip_that_is_a_broken_link_stops_the_check(tmp_path):
    """QA: `formcheck check FOLDER` left out a clip that was a broken symbolic link (or a
    loop) without a word: its expectations went unchecked and the run passed, where batch
    says 'skipped …: broken symbolic link' and check names it when given by name. Found in a
    folder it now stops the run with that reason (exit 3), as when named."""
    from formcheck.errors import InputNotFoundError

    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "notes.txt").symlink_to("gone.txt")  # not a video: not looked at
    assert [c.name for c in find_clips([tmp_path])] == ["a.mp4"]
    (tmp_path / "b.mp4").symlink_to(tmp_path / "gone.mp4")
    with pytest.raises(InputNotFoundError, match=r"^broken symbolic link \(to .*gone\.mp4, "
                       r"which does not exist\): .*b\.mp4; point it at the video") as err:
        find_clips([tmp_path])
    assert err.value.exit_code == 3
    (tmp_path / "b.mp4").unlink()
    (tmp_path / "b.mp4").symlink_to("b.mp4")
    with pytest.raises(InputNotFoundError, match="^symbolic link loop "):
        find_clips([tmp_path])


# ---------------------------------------------------------------------------- samples
SAMPLE_CLIPS = sorted(SAMPLES.glob("*.mp4"))


@pytest.mark.parametrize("clip", SAMPLE_CLIPS, ids=lambda p: p.stem)
def test_sample_expectations_agree_with_truth_or_say_why(clip):
    """Each committed expectation agrees with the clip's rendered truth, or carries the
    generated comment that says how it differs (the README lists those)."""
    exp_path = clip.with_name(clip.stem + ".expect.toml")
    exp = load_expectation(exp_path)
    text = exp_path.read_text(encoding="utf-8")
    truth = load_truth(clip)
    assert truth is not None
    assert exp.clip == clip.name and exp.made_with.model == "full"
    for name in ("exercise", "view"):
        if field_comment(truth, name, getattr(exp, name)):
            assert f"differs from truth ({name} " in text
    if field_comment(truth, "reps", str(exp.reps.count)):
        assert "differs from truth (reps " in text
    for fault, fx in exp.faults.items():
        tf = truth.faults[fault]
        got = tuple(f.rep for f in fx.findings)
        agrees = (fx.expect == tf.status and got == tf.reps) or \
            (fx.expect == "not_assessable" and tf.status == "none")
        if not agrees:
            section = text.split(f"[{fault}]")[1].split("\n[")[0]
            assert "truth" in section, f"{fault}: no truth comment in {exp_path.name}"


def test_truth_comment_words():
    clip = SAMPLES / "row_jerkytwist_side_m_avg.mp4"
    truth = load_truth(clip)
    assert (truth.exercise, truth.view, truth.reps) == ("row", "side", 2)
    assert truth.faults["jerky_twist"].reps == (2,)
    slow = load_truth(SAMPLES / "row_slowtwist_45_f_short.mp4")
    assert slow.faults["jerky_twist"].status == "none"  # a slow twist is not a fault
    report = make_report([_finding("jerky_twist", 1, 1.0)], view="oblique")
    report = Report(**{**report.__dict__, "assessable": (
        Assessment("jerky_twist", None, True, "keeps only part of a rotation"),)})
    c = fault_comment(truth, observe_fault(report, "jerky_twist"), report)
    assert c == ("differs from truth (jerky twist in rep 2 (25° twist)): formcheck reports it "
                 "in rep 1 (peaks at 1.00 s; truth: 2.57 s); known limit: keeps only part of a "
                 "rotation")
    assert field_comment(truth, "exercise", "row") is None


def test_a_pass_that_differs_from_the_rendered_truth_says_so():
    """Session 19: `formcheck check` printed a plain "ok" for the side-view twist sample,
    whose rendered twist formcheck misses (its expectations pin the miss, with a comment).
    The line now names the faults that differ from truth; a fault not judged is not one."""
    from formcheck.check.runner import ClipCheck, diff_text
    from formcheck.check.truth import differs_from_truth

    clip = SAMPLES / "row_jerkytwist_side_m_avg.mp4"
    truth = load_truth(clip)
    def judged(findings):
        r = make_report(findings, exercise="row", view="side")
        return Report(**{**r.__dict__, "assessable": r.assessable[1:] + (
            Assessment("jerky_twist", None, True),)})

    assert differs_from_truth(truth, judged([])) == ("jerky twist",)
    assert differs_from_truth(truth, judged([_finding("jerky_twist", 2, 2.55)])) == ()
    unjudged = make_report([], exercise="row", view="side")  # twist not assessable
    assert differs_from_truth(truth, unjudged) == ()
    line = diff_text(ClipCheck(clip, clip, truth_differs=("jerky twist",)))
    assert line.startswith("ok   ") and "differs from the rendered truth" in line \
        and line.endswith("jerky twist)")


def test_count_of_findings_in_a_rep():
    report = make_report([_finding("lumbar_overextension", None, 2.5),
                          _finding("lumbar_overextension", None, 4.9, "moderate")])
    obs = observe_fault(report, "lumbar_overextension")
    assert [(f.rep, f.count, f.severity, f.peak_s) for f in obs.findings] == [
        (0, 2, "moderate", 4.9)]
    data = _with("lumbar_overextension", {"expect": "findings",
                                          "findings": [{"rep": 0, "count": 2, "peak_s": 2.5}]})
    assert _outcome(data, report, "lumbar_overextension").passed  # any peak of the rep
    one = make_report([_finding("lumbar_overextension", None, 2.5)])
    o = _outcome(data, one, "lumbar_overextension")
    assert o.details == ("outside the counted reps: 1 finding, expected 2",)
    with pytest.raises(ExpectationError, match=r"findings\[0\]\.count: must be at least 1"):
        parse_expectation(_with("rounded_back.findings.0.count", 0), "x")


def test_ci_example_workflow_uses_real_options():
    """docs/examples/formcheck-check.yml parses and calls check/models with options that exist."""
    import shlex

    import typer.main
    import yaml

    from formcheck.cli import app

    wf = yaml.safe_load((REPO / "docs/examples/formcheck-check.yml").read_text(encoding="utf-8"))
    steps = wf["jobs"]["formcheck-check"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    group = typer.main.get_command(app)
    check_opts = {o for p in group.commands["check"].params for o in p.opts
                  if o.startswith("--")}
    lines = [ln.strip() for ln in runs.splitlines() if ln.strip().startswith("formcheck check")]
    assert lines
    for line in lines:
        used = {w for w in shlex.split(line) if w.startswith("--")}
        assert used <= check_opts, used - check_opts
    assert "formcheck models get" in runs
    assert any(s.get("uses", "").startswith("actions/cache") for s in steps)
    assert "--junit reports/formcheck.xml" in runs
    assert any("reports/formcheck.xml" in str(s.get("with", {})) for s in steps
               if "junit" in s.get("uses", ""))


def test_view_and_exercise_names_match_the_analysis():
    from formcheck.analysis.view import _VIEW_NAMES
    from formcheck.check.expect import EXERCISE_NAMES, VIEW_NAMES
    from formcheck.config import EXERCISES

    assert set(VIEW_NAMES) == {str(v) for v in _VIEW_NAMES}
    assert set(EXERCISE_NAMES) == {*EXERCISES, "unknown"}


# ---------------------------------------------------------------------------- pose cache pruning
def _entry(cache: Path, name: str, size: int, age_s: float, now: float) -> Path:
    path = cache / name
    path.write_bytes(b"x" * size)
    os.utime(path, (now - age_s, now - age_s))
    return path


def test_prune_cache_removes_least_recently_used_entries_down_to_the_cap(tmp_path):
    """Entries of clips that changed are never read again (content keys): past the cap the
    least recently used go first; never one this run used, one used within the grace period
    (another run may be reading it), or a file that is not an entry."""
    from formcheck.check.runner import PRUNE_GRACE_S, prune_cache

    now = time.time()
    day = 86400.0
    oldest = _entry(tmp_path, "aaaaaaaaaaaaaaaa.full.pose.npz", 1000, 5 * day, now)
    older = _entry(tmp_path, "bbbbbbbbbbbbbbbb.full.pose.npz", 1000, 4 * day, now)
    old = _entry(tmp_path, "cccccccccccccccc.lite.pose.npz", 1000, 3 * day, now)
    used = _entry(tmp_path, "dddddddddddddddd.full.pose.npz", 1000, 9 * day, now)
    recent = _entry(tmp_path, "eeeeeeeeeeeeeeee.full.pose.npz", 1000, PRUNE_GRACE_S / 2, now)
    legacy = _entry(tmp_path, "squat.full.pose.npz", 1000, 2 * day, now)
    other = _entry(tmp_path, "notes.txt", 5000, 30 * day, now)
    writing = _entry(tmp_path, ".ffffffffffffffff.full.pose.npz.x1.tmp", 1000, 30 * day, now)

    assert prune_cache(tmp_path, {used}, 6000, now=now) == []  # 6000 bytes of entries: fits
    assert prune_cache(tmp_path, {used}, 3500, now=now) == [oldest, older, old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (used, recent, legacy, other, writing))
    # Cap 0: only what must stay is left.
    assert prune_cache(tmp_path, {used}, 0, now=now) == [legacy]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (used, recent, other, writing))
    # A used entry is kept whatever its path's spelling.
    assert prune_cache(tmp_path, {tmp_path / ".." / tmp_path.name / used.name}, 0,
                       now=now + PRUNE_GRACE_S) == [recent]
    assert used.is_file()


def test_a_pruned_entry_stays_readable_to_a_run_that_opened_it(tmp_path):
    """An entry goes by an atomic rename, then deletion: a run already reading it reads it
    whole; no hidden file is left."""
    from formcheck.check.runner import prune_cache

    now = time.time()
    data = bytes(range(256)) * 40
    entry = tmp_path / "aaaaaaaaaaaaaaaa.full.pose.npz"
    entry.write_bytes(data)
    os.utime(entry, (now - 86400.0, now - 86400.0))
    with entry.open("rb") as reader:
        head = reader.read(100)
        assert prune_cache(tmp_path, set(), 0, now=now) == [entry]
        assert head + reader.read() == data
    assert list(tmp_path.iterdir()) == []


def test_check_commands_cache_cap_default_is_the_runners():
    """The command writes its --cache-max-mb default as a literal (importing the runner would
    slow --help); it must stay the runner's DEFAULT_CACHE_MAX_MB."""
    import inspect

    from formcheck.check.runner import DEFAULT_CACHE_MAX_MB
    from formcheck.commands.check import check

    assert inspect.signature(check).parameters["cache_max_mb"].default == DEFAULT_CACHE_MAX_MB
