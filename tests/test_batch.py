"""Batch: finding clips, resume decisions, summary rows and the index page (no pose model)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.batch.inputs import find_clips, keep_earlier_places
from formcheck.batch.state import (
    ClipState,
    placed_clips,
    read_state,
    settings_sha256,
    state_path,
    up_to_date,
    write_state,
)
from formcheck.batch.summary import (
    CSV_COLUMNS,
    ClipOutcome,
    build_rows,
    counts,
    index_html,
    not_assessable_items,
    summary_csv,
    summary_json,
    write_summaries,
)
from formcheck.batch.task import ANALYSED, FAILED, UP_TO_DATE
from formcheck.config import load_config
from formcheck.fsutil import file_sha256
from formcheck.report import Assessment, Estimate, Finding, Rep, Report, VideoInfo


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ============================================================================ inputs
@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "season"
    for rel in ("alice/set1.mp4", "alice/set2.MOV", "bob/set1.mp4", "bob/deep/set3.mkv",
                "bob/notes.txt", "bob/.set4.mp4", ".trash/old.mp4", "carol/a.mp4",
                "carol/a.mov"):
        touch(root / rel)
    return root


def test_folders_are_searched_for_videos_only(tree):
    clips, skipped = find_clips([str(tree)])
    keys = sorted(c.key for c in clips)
    assert keys == ["alice/set1", "alice/set2", "bob/deep/set3", "bob/set1", "carol/a.mov",
                    "carol/a.mp4"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons == {".trash": "hidden folder", ".set4.mp4": "hidden file",
                       "notes.txt": "not a video file"}
    by_key = {c.key: c for c in clips}
    # the athlete is the folder below the common one, not a sub-folder of theirs
    assert by_key["bob/deep/set3"].athlete == "bob"
    assert by_key["alice/set1"].athlete == "alice"
    # two athletes' set1.mp4 go to different places; same stem in one folder keeps the suffix
    assert by_key["alice/set1"].rel_dir == "alice" and by_key["bob/set1"].rel_dir == "bob"
    assert by_key["carol/a.mov"].stem == "a.mov"


def test_a_flat_folder_names_no_athlete(tmp_path):
    # a coach's one folder of uploads: its name is not who lifts in them
    for name in ("IMG_1.mp4", "IMG_2.mp4"):
        touch(tmp_path / "uploads" / name)
    clips, _ = find_clips([str(tmp_path / "uploads")])
    assert [c.athlete for c in clips] == ["", ""]
    clips, _ = find_clips([str(tmp_path / "uploads" / "IMG_1.mp4")])
    assert clips[0].athlete == ""


def test_globs_files_and_missing_paths(tree, tmp_path):
    notes = tree / "bob" / "notes.txt"
    clips, skipped = find_clips([str(tree / "alice" / "*.mp4"), str(notes),
                                 str(tmp_path / "gone.mp4"), str(tree / "zzz*.mp4"),
                                 str(tree / "alice" / "set1.mp4")])  # a duplicate
    sources = [Path(c.source).name for c in clips]
    # explicit files are taken as given (a bad one fails as a clip); duplicates once
    assert sources == ["set1.mp4", "notes.txt", "gone.mp4"]
    assert [s.reason for s in skipped] == ["the pattern matched nothing"]


def test_the_output_folder_is_never_an_input(tree):
    out = tree / "alice" / "formcheck_out"
    touch(out / "set1.annotated.mp4")
    clips, skipped = find_clips([str(tree / "alice")], out)
    assert sorted(c.stem for c in clips) == ["set1", "set2"]
    assert any(s.reason == "the output folder" for s in skipped)


def test_symlinked_clips_keep_the_folder_they_are_linked_from(tmp_path):
    # a coach links clips from one dump folder into athlete folders: the athlete is the folder
    # of the link, and two links with one name in two athletes' folders never share outputs
    dump = tmp_path / "phone"
    a = touch(dump / "IMG_1.mp4", b"a")
    b = touch(dump / "IMG_2.mp4", b"b")
    season = tmp_path / "season"
    for athlete, target in (("alice", a), ("bob", b)):
        (season / athlete).mkdir(parents=True)
        (season / athlete / "set1.mp4").symlink_to(target)
    clips, _ = find_clips([str(season)])
    by_key = {c.key: c for c in clips}
    assert sorted(by_key) == ["alice/set1", "bob/set1"]
    assert by_key["alice/set1"].athlete == "alice" and by_key["bob/set1"].athlete == "bob"


def test_a_second_name_for_a_clip_is_listed_not_dropped(tmp_path):
    """QA (session 25): a link in bob's folder to alice's clip was analysed once (right) but
    vanished from the terminal, the summaries and the index without a word, so the coach
    could not tell why bob had one clip fewer. It is skipped, naming the file it repeats."""
    season = tmp_path / "season"
    clip = touch(season / "alice" / "set1.mp4")
    touch(season / "bob" / "set2.mp4", b"y")
    (season / "bob" / "link.mp4").symlink_to(clip)
    clips, skipped = find_clips([str(season)])
    assert [c.key for c in clips] == ["alice/set1", "bob/set2"]
    assert [(Path(s.path).name, s.reason) for s in skipped] == [
        ("link.mp4", f"the same file as {clip}, analysed once")]
    # the same path given twice (a glob and by name) is one input: nothing to say
    _, skipped = find_clips([str(season / "alice" / "*.mp4"), str(clip)])
    assert skipped == []


def test_links_that_lead_nowhere_are_skipped_with_what_they_are(tmp_path):
    """QA (session 23): a symbolic link loop in a folder, a glob or named stopped the batch
    with a traceback (Path.resolve) or was skipped as "not a video file"; a broken link was
    skipped as no video. Each is skipped (or, named, fails as a clip) saying what it is."""
    tree = tmp_path / "in"
    touch(tree / "ok.mp4")
    (tree / "loop.mp4").symlink_to("loop.mp4")
    (tree / "loop").symlink_to("loop")  # no video suffix: still said to be a loop
    (tree / "a.mp4").symlink_to("b.mp4")
    (tree / "b.mp4").symlink_to("a.mp4")
    (tree / "broken.mp4").symlink_to("gone.mp4")
    loop, broken = ("symbolic link loop (following it leads back to itself)",
                    "broken symbolic link (to gone.mp4, which does not exist)")
    want = {"loop.mp4": loop, "loop": loop, "a.mp4": loop, "b.mp4": loop, "broken.mp4": broken}
    for inputs in ([str(tree)], [str(tree / "*")]):
        clips, skipped = find_clips(inputs, tmp_path / "out")
        assert [c.key for c in clips] == ["ok"]
        assert {Path(s.path).name: s.reason for s in skipped} == want
    clips, skipped = find_clips([str(tree / "loop.mp4"), str(tree / "ok.mp4")])
    assert [c.key for c in clips] == ["loop", "ok"] and not skipped  # named: fails as a clip


# ============================================================================ resume state
def _as_an_earlier_run_placed(clips, out: Path) -> None:
    """State files for ``clips`` in ``out``, as a batch that analysed them leaves."""
    for c in clips:
        video = Path(c.source)
        write_state(state_path(out / c.rel_dir, c.stem), ClipState(
            source=c.source, athlete=c.athlete, size=0, mtime_ns=0, source_sha256="h",
            model=None, model_sha256="m", exercise=None, settings_sha256="s",
            source_path=str(video.resolve())))


def test_a_rerun_on_a_subfolder_keeps_every_clip_where_it_was(tree, tmp_path):
    """QA: `formcheck batch season/alice --out out` after `formcheck batch season --out out`
    placed alice's clips anew (out/set1.*, beside out/alice/set1.*) and redid them. A clip
    analysed before keeps its place; a new one in that folder goes where a run of the whole
    folder puts it."""
    out = tmp_path / "out"
    first, _ = find_clips([str(tree)], out)
    _as_an_earlier_run_placed(first, out)
    earlier = placed_clips(out)
    assert sorted(p.key for p in earlier) == sorted(c.key for c in first)
    touch(tree / "alice" / "set5.mp4")
    again = keep_earlier_places(find_clips([str(tree / "alice")], out)[0], earlier)
    assert [(c.key, c.athlete) for c in again] == [
        ("alice/set1", "alice"), ("alice/set2", "alice"), ("alice/set5", "alice")]
    # As found by a run given the clips themselves, or a folder above the earlier one's.
    again = keep_earlier_places(find_clips([str(tree / "bob" / "deep" / "set3.mkv"),
                                            str(tmp_path)], out)[0], earlier)
    assert again[0].key == "bob/deep/set3"
    assert {c.key for c in again} >= {c.key for c in first}


def test_a_state_that_names_no_file_leaves_its_place_to_the_clip_placed_there(tree, tmp_path):
    """States of an older formcheck have no ``source_path``: their clips keep their places
    (the state check then says whether the clip there is the same)."""
    out = tmp_path / "out"
    first, _ = find_clips([str(tree)], out)
    _as_an_earlier_run_placed(first, out)
    for path in out.rglob("*.batch.json"):
        data = json.loads(path.read_text())
        del data["source_path"]
        path.write_text(json.dumps(data))
    again = keep_earlier_places(find_clips([str(tree)], out)[0], placed_clips(out))
    assert [c.key for c in again] == [c.key for c in first]


def test_a_rerun_on_another_folder_never_takes_an_earlier_clips_place(tree, tmp_path):
    out = tmp_path / "out"
    first, _ = find_clips([str(tree)], out)
    _as_an_earlier_run_placed(first, out)
    other = tmp_path / "season2"
    touch(other / "alice" / "set1.mp4", b"another set")
    touch(other / "dave" / "set1.mp4")
    clips = keep_earlier_places(find_clips([str(other)], out)[0], placed_clips(out))
    assert [c.key for c in clips] == ["alice/set1.mp4", "dave/set1"]
    clips = keep_earlier_places(find_clips([str(other / "alice")], out)[0], placed_clips(out))
    assert [c.key for c in clips] == ["set1"]  # a folder apart: placed as a run of it alone
    _as_an_earlier_run_placed(keep_earlier_places(find_clips([str(other)], out)[0],
                                                  placed_clips(out)), out)
    third = touch(tmp_path / "season3" / "alice" / "set1.mp4", b"a third set")
    touch(third.parent.parent / "erin" / "set1.mp4", b"a fourth")
    again = keep_earlier_places(find_clips([str(third.parent.parent)], out)[0],
                                placed_clips(out))
    assert [c.key for c in again] == ["alice/set1~2", "erin/set1"]  # set1, set1.mp4 taken


def test_settings_hash_follows_every_setting():
    cfg = load_config()
    base = settings_sha256(cfg, None, True)
    assert base == settings_sha256(load_config(), None, True)
    changed = load_config(overrides=["rounded_back.min_held_flexion_deg=15"])
    assert len({base, settings_sha256(changed, None, True), settings_sha256(cfg, "squat", True),
                settings_sha256(cfg, None, False)}) == 4


def test_new_code_makes_a_clip_out_of_date(tmp_path, monkeypatch):
    """After an upgrade a rerun must redo the analysis (its words, its rules) even where the
    version number did not move: formcheck's own files enter the settings' hash."""
    from formcheck.batch import state as st

    cfg = load_config()
    before = settings_sha256(cfg, None, True)
    monkeypatch.setattr(st, "code_sha256", lambda: "other code")
    assert settings_sha256(cfg, None, True) != before
    tree = tmp_path / "pkg"
    touch(tree / "a.py", b"x = 1")
    touch(tree / "data" / "fit.json", b"{}")
    first = st.tree_sha256(tree)
    touch(tree / "__pycache__" / "a.cpython-311.pyc", b"compiled")
    touch(tree / "notes.txt", b"not code")
    assert st.tree_sha256(tree) == first
    (tree / "data" / "fit.json").write_bytes(b"{ }")
    assert st.tree_sha256(tree) != first


def _state_for(video: Path, out: Path, **kw) -> ClipState:
    st = video.stat()
    touch(out / "c.report.json")
    fields = dict(source=str(video), athlete="a", size=st.st_size, mtime_ns=st.st_mtime_ns,
                  source_sha256=file_sha256(video), model="lite", model_sha256="m",
                  exercise=None, settings_sha256="s", outputs={"report": "c.report.json"})
    fields.update(kw)
    return ClipState(**fields)


def test_up_to_date_needs_same_bytes_model_settings_and_outputs(tmp_path):
    video = touch(tmp_path / "c.mp4", b"clip bytes")
    out = tmp_path / "out"
    state = _state_for(video, out)
    path = write_state(state_path(out, "c"), state)
    assert read_state(path) == state
    assert up_to_date(state, video, out, "m", "s")
    assert not up_to_date(None, video, out, "m", "s")
    assert not up_to_date(state, video, out, "other model", "s")
    assert not up_to_date(state, video, out, "m", "other settings")
    (out / "c.report.json").unlink()
    assert not up_to_date(state, video, out, "m", "s")


def test_unchanged_files_are_not_rehashed_changed_ones_are(tmp_path):
    video = touch(tmp_path / "c.mp4", b"clip bytes")
    out = tmp_path / "out"
    # a wrong recorded hash is believed while size and mtime match (no re-hash on reruns) ...
    trusted = _state_for(video, out, source_sha256="0" * 64)
    assert up_to_date(trusted, video, out, "m", "s")
    # ... and checked as soon as the file looks touched
    os.utime(video, ns=(trusted.mtime_ns + 10**9, trusted.mtime_ns + 10**9))
    assert not up_to_date(trusted, video, out, "m", "s")
    good = _state_for(video, out, mtime_ns=1)  # touched but same bytes: still up to date
    assert up_to_date(good, video, out, "m", "s")
    video.write_bytes(b"other bytes")
    assert not up_to_date(good, video, out, "m", "s")


def test_bad_state_files_read_as_none(tmp_path):
    p = touch(tmp_path / "x.batch.json", b"{not json")
    assert read_state(p) is None
    p.write_text(json.dumps({"format": 999}))
    assert read_state(p) is None
    assert read_state(tmp_path / "missing.batch.json") is None
    p.write_text("[]")
    assert read_state(p) is None
    good = ClipState(source="a.mp4", athlete="", size=1, mtime_ns=2, source_sha256="h",
                     model=None, model_sha256="m", exercise=None, settings_sha256="s",
                     outputs={"report": "a.report.json"}, source_path="/in/a.mp4")
    write_state(p, good)
    assert read_state(p) == good
    # JSON that parses but holds other types (edited by hand): no state, not a traceback
    # when a rerun places its clips by it.
    for field, value in (("source_path", 7), ("outputs", ["a.report.json"]), ("size", "1"),
                         ("outputs", {"report": None}), ("athlete", None)):
        p.write_text(json.dumps({**json.loads(good.to_json()), field: value}))
        assert read_state(p) is None, field


# ============================================================================ summary
def _report(findings=(), reps=2, assessable=()) -> Report:
    return Report(
        video=VideoInfo(path="clip.mp4", width=640, height=480, fps=30.0, frame_count=90,
                        duration_s=3.0),
        model="lite", frames_total=90, frames_with_person=90,
        exercise=Estimate("squat", 0.9), view=Estimate("side", 0.8),
        reps=tuple(Rep(index=i + 1, start_s=i * 1.0, end_s=i + 0.9) for i in range(reps)),
        findings=tuple(findings), assessable=tuple(assessable))


def _finding(fault: str, rep: int, severity: str, value: float = 10.0) -> Finding:
    return Finding(fault=fault, rep=rep, phase=None, start_s=rep - 0.8, end_s=rep - 0.6,
                   peak_s=rep - 0.7, severity=severity, value=value, threshold=5.0,
                   unit="% of torso", message=f"Rep {rep}: {fault}")


def _outcome(root: Path, name: str, report: Report | None, athlete: str = "alice",
             status: str = ANALYSED, **kw) -> ClipOutcome:
    out_dir = root / athlete
    outputs = ()
    if report is not None:
        report.save_json(out_dir / f"{name}.report.json")
        outputs = (("report", f"{name}.report.json"), ("html", f"{name}.report.html"))
    return ClipOutcome(key=f"{athlete}/{name}", source=f"/clips/{athlete}/{name}.mp4",
                       athlete=athlete, out_dir=out_dir, stem=name, status=status,
                       outputs=outputs, **kw)


@pytest.fixture()
def outcomes(tmp_path):
    na = Assessment("jerky_twist", None, False, "a side view cannot show rotation")
    return [
        _outcome(tmp_path, "clean", _report(assessable=[na])),
        _outcome(tmp_path, "broken", None, status=FAILED, error="cannot decode broken.mp4",
                 exit_code=4),
        _outcome(tmp_path, "mild2", _report([_finding("rounded_back", 1, "mild"),
                                             _finding("rounded_back", 2, "mild")]),
                 athlete="bob", status=UP_TO_DATE),
        _outcome(tmp_path, "severe1", _report([
            _finding("lumbar_overextension", 1, "moderate"),
            _finding("rounded_back", 2, "severe", 15.0),
            _finding("rounded_back", 2, "mild", 6.0)]), athlete="<b>carol</b>"),
    ]


def test_rows_problem_reps_first(outcomes, tmp_path):
    rows = build_rows(outcomes, tmp_path)
    assert [r.clip.split("/")[-1] for r in rows] == ["severe1", "mild2", "broken", "clean"]
    severe, mild, broken, clean = rows
    assert (severe.problem_reps, severe.rounded_back, severe.rounded_back_reps) == (2, "severe", 1)
    assert (severe.lumbar_overextension, severe.lumbar_overextension_reps) == ("moderate", 1)
    assert (severe.worst_rep, severe.worst_fault, severe.worst_severity) == ("2", "rounded back",
                                                                            "severe")
    assert severe.worst_value == "15.0% of torso (limit 5.0% of torso)"
    assert (mild.status, mild.problem_reps, mild.rounded_back) == (UP_TO_DATE, 2, "mild")
    assert (broken.status, broken.exit_code, broken.reps) == (FAILED, 4, None)
    assert broken.error == "cannot decode broken.mp4" and broken.page == ""
    assert (clean.problem_reps, clean.rounded_back, clean.jerky_twist) == (0, "ok",
                                                                           "not assessable")
    assert clean.not_assessable == "jerky twist (whole clip): a side view cannot show rotation"
    assert clean.page == "alice/clean.report.html"


def test_csv_and_json_carry_the_same_rows(outcomes, tmp_path):
    rows = build_rows(outcomes, tmp_path)
    table = list(csv.DictReader(io.StringIO(summary_csv(rows))))
    doc = json.loads(summary_json(rows, []))
    assert tuple(table[0]) == CSV_COLUMNS
    assert len(table) == len(doc["rows"]) == 4
    for from_csv, from_json in zip(table, doc["rows"], strict=True):
        assert from_csv == {k: "" if v is None else "; ".join(v) if isinstance(v, list)
                            else str(v) for k, v in from_json.items()}
    assert doc["counts"] == {"clips": 4, "analysed": 2, "up_to_date": 1, "failed": 1,
                             "interrupted": 0, "earlier": 0, "with_findings": 2,
                             "problem_reps": 4}


#: summary.csv's columns for each summary format (docs/batch.md): a change of columns must
#: come with a new ``SUMMARY_FORMAT`` and its line here and in the docs.
_COLUMNS_BY_FORMAT = {2: (
    "athlete", "clip", "status", "exercise", "view", "reps", "problem_reps", "outside_reps",
    "rounded_back", "rounded_back_reps", "rounded_back_judged_reps",
    "lumbar_overextension", "lumbar_overextension_reps", "lumbar_overextension_judged_reps",
    "jerky_twist", "jerky_twist_reps", "jerky_twist_judged_reps",
    "worst_rep", "worst_fault", "worst_severity", "worst_value", "worst_at_s",
    "not_assessable", "error", "exit_code", "pose", "page", "video", "thumbnail", "source")}
_COLUMNS_BY_FORMAT[3] = (*_COLUMNS_BY_FORMAT[2], "caveats")
_COLUMNS_BY_FORMAT[4] = (*_COLUMNS_BY_FORMAT[3], "notices")


def test_the_summary_format_names_its_columns(outcomes, tmp_path):
    """Session 9 added ``<fault>_judged_reps``, moving every column after it, under the same
    format number: a reader of format 1 read the wrong columns. The columns are pinned to the
    format (summary.json's ``format``; summary.csv's header), and the docs say what changed."""
    from pathlib import Path as _Path

    from formcheck.batch.summary import SUMMARY_FORMAT

    rows = build_rows(outcomes, tmp_path)
    doc = json.loads(summary_json(rows, []))
    assert doc["format"] == SUMMARY_FORMAT == 4
    assert CSV_COLUMNS == _COLUMNS_BY_FORMAT[SUMMARY_FORMAT]
    assert next(csv.reader(io.StringIO(summary_csv(rows)))) == list(CSV_COLUMNS)
    assert all(set(r) == set(CSV_COLUMNS) for r in doc["rows"])  # its keys sorted
    docs = (_Path(__file__).parents[1] / "docs" / "batch.md").read_text(encoding="utf-8")
    assert ("2, a `<fault>_judged_reps` column after each `<fault>_reps`" in docs
            and "3, a `caveats` column at the end" in docs
            and f"{SUMMARY_FORMAT}, a `notices` column at the end" in docs)


def test_the_clips_notices_are_in_every_summary(tmp_path):
    """QA: the summaries said nothing of a clip's notices (a truncated file, the lifter out
    of the picture ...), which its page and the terminal give first, as bearing on every
    result. They are the page's ("About this video"; the size the frames were posed at is a
    fact of the picture, not a limit, and stays off the list, as there)."""
    from dataclasses import replace

    from formcheck.report import Notice

    lost = "the lifter was out of the picture from 1.00 s to 2.00 s; nothing in that " \
           "stretch was judged"
    report = replace(_report(), notices=(
        Notice("truncated", "the file ends mid-frame; the frames that decode were analysed"),
        Notice("posed_at", "posed at 640×360 (the video is 1920×1080)"),
        Notice("out_of_view", lost, 1.0, 2.0)))
    rows = build_rows([_outcome(tmp_path, "cut", report), _outcome(tmp_path, "clean", _report()),
                       _outcome(tmp_path, "broken", None, status=FAILED, error="no")], tmp_path)
    by_clip = {r.clip: r for r in rows}
    assert by_clip["alice/cut"].notices == (
        "the file ends mid-frame; the frames that decode were analysed", lost)
    assert by_clip["alice/clean"].notices == by_clip["alice/broken"].notices == ()
    table = {r["clip"]: r for r in csv.DictReader(io.StringIO(summary_csv(rows)))}
    assert table["alice/cut"]["notices"] == "; ".join(by_clip["alice/cut"].notices)
    assert table["alice/clean"]["notices"] == ""
    doc = {r["clip"]: r for r in json.loads(summary_json(rows, []))["rows"]}
    assert doc["alice/cut"]["notices"] == list(by_clip["alice/cut"].notices)
    assert doc["alice/broken"]["notices"] == []
    page = index_html(rows, [], tmp_path)
    assert page.count('<p class="nt-item">') == 2
    assert f"<b>about the video</b>: {lost}</p>" in page
    assert "posed at" not in page


@pytest.mark.parametrize("size", [(100, 217), (166, 360), (320, 569)])
def test_index_thumbnail_carries_its_size_and_is_never_stretched(outcomes, tmp_path, size):
    """A narrow clip's thumbnail (100 px wide: fewer pixels than the page's 140 px column) was
    stretched to 140 px, blurred; the img now carries the JPEG's size and the CSS only
    shrinks it (140 px wide at most, height from the aspect)."""
    import re

    import cv2

    w, h = size
    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), 90, np.uint8))
    thumb = touch(tmp_path / "bob" / "mild2.worst.jpg", buf.tobytes())
    outcomes[2] = ClipOutcome(**{**outcomes[2].__dict__,
                                 "outputs": outcomes[2].outputs + (("thumbnail", thumb.name),)})
    page = index_html(build_rows(outcomes, tmp_path), [], tmp_path)
    (img,) = re.findall(r'<img class="thumb"[^>]*>', page)
    assert f'width="{w}" height="{h}"' in img
    css = re.search(r"img\.thumb \{([^}]*)\}", page).group(1)
    rules = dict(r.split(":", 1) for r in css.replace("\n", " ").replace(" ", "").split(";") if r)
    assert rules["width"] == "auto" and rules["height"] == "auto"
    assert rules["max-width"] == "140px"


def test_a_report_that_cannot_be_read_makes_the_row_a_failure(tmp_path):
    bad = _outcome(tmp_path, "x", _report())
    (tmp_path / "alice" / "x.report.json").write_text("{}")
    (row,) = build_rows([bad], tmp_path)
    assert row.status == FAILED and row.exit_code == 10 and "schema" in row.error


def test_index_is_self_contained_and_escaped(outcomes, tmp_path):
    thumb = tmp_path / "bob" / "mild2.worst.jpg"
    touch(thumb, b"\xff\xd8jpeg")
    outcomes[2] = ClipOutcome(**{**outcomes[2].__dict__,
                                 "outputs": outcomes[2].outputs + (("thumbnail", thumb.name),)})
    page = index_html(build_rows(outcomes, tmp_path), [], tmp_path)
    assert "<b>carol</b>" not in page and "&lt;b&gt;carol&lt;/b&gt;" in page
    assert 'src="data:image/jpeg;base64,/9hqcGVn"' in page  # thumbnail inline
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere
    assert page.count('<tr data-clip="') == 4
    assert 'href="alice/clean.report.html"' in page
    assert "Athlete (folder)" in page


def test_index_links_reach_clips_named_with_hash_percent_or_spaces(tmp_path):
    """A coach's upload "set #2.mp4" linked as href="alice/set #2.report.html": the browser
    took "#2.report.html" as a fragment and opened the folder, not the clip's page."""
    import re
    from urllib.parse import unquote, urljoin, urlsplit

    names = ["set #2", "heavy 100%", "squat é"]
    outs = [_outcome(tmp_path, n, _report()) for n in names]
    outs = [ClipOutcome(**{**o.__dict__,
                           "outputs": o.outputs + (("video", f"{o.stem}.annotated.mp4"),)})
            for o in outs]
    for o in outs:
        for kind, rel in o.outputs:
            if kind != "report":  # written by _outcome
                touch(o.out_dir / rel)
    page = index_html(build_rows(outs, tmp_path), [], tmp_path)
    base = (tmp_path / "index.html").as_uri()
    hrefs = re.findall(r'<a href="([^"]+)"', page)
    assert len(hrefs) == 2 * len(names)
    for href in hrefs:
        url = urlsplit(urljoin(base, href.replace("&amp;", "&")))
        assert url.fragment == ""
        assert Path(unquote(url.path)).is_file(), href


def test_a_flat_folder_has_no_athlete_column(outcomes, tmp_path):
    flat = [ClipOutcome(**{**o.__dict__, "athlete": ""}) for o in outcomes]
    page = index_html(build_rows(flat, tmp_path), [], tmp_path)
    assert "Athlete" not in page and page.count('<tr data-clip="') == 4


def _outside(fault: str, severity: str, value: float) -> Finding:
    return Finding(fault=fault, rep=None, phase=None, start_s=0.0, end_s=0.4, peak_s=0.2,
                   severity=severity, value=value, threshold=5.0, unit="% of torso",
                   message=f"Outside the reps: {fault}")


def test_a_finding_outside_the_reps_is_not_counted_as_a_rep(tmp_path):
    """QA (session 8, a real deadlift): a rounding in rep 1 and one before the first rep read
    "severe in 2 reps", 2 problem reps, of a clip whose rep 2 was not assessable."""
    both = _outcome(tmp_path, "both", _report([_finding("rounded_back", 1, "severe", 20.0),
                                               _outside("rounded_back", "severe", 16.0)]))
    only = _outcome(tmp_path, "only", _report([_outside("lumbar_overextension", "mild", 6.0)]))
    clean = _outcome(tmp_path, "clean", _report())
    rows = build_rows([clean, only, both], tmp_path)
    assert [r.clip for r in rows] == ["alice/both", "alice/only", "alice/clean"]
    b, o, c = rows
    assert (b.problem_reps, b.rounded_back, b.rounded_back_reps) == (1, "severe", 1)
    assert b.outside_reps == "rounded back" and c.outside_reps == ""
    assert (o.problem_reps, o.lumbar_overextension, o.lumbar_overextension_reps) == (0, "mild", 0)
    assert (o.outside_reps, o.worst_rep) == ("over-arched lower back", "outside the counted reps")
    assert counts(rows)["with_findings"] == 2 and counts(rows)["problem_reps"] == 1
    page = index_html(rows, [], tmp_path)
    assert "severe</span> at worst, found in 1 rep and outside the counted reps</td>" in page
    assert "mild</span> at worst, outside the counted reps</td>" in page
    assert "in 2 reps" not in page and "in 0 reps" not in page
    assert "2 with findings\n(1 problem rep)," in page


def test_the_index_lists_each_faults_not_assessable_line_on_its_own(tmp_path):
    """Session 23: the coach's page printed the CSV cell, every fault's reason run together
    with "; " (which the reasons use too), with a rep's line sorted above the clip's."""
    reasons = (Assessment("rounded_back", None, False, "no rep could be judged"),
               Assessment("rounded_back", 1, False, "too upright; film bent over"),
               Assessment("rounded_back", 2, False, "from 45°"),
               Assessment("rounded_back", 3, False, "from 45°"),
               Assessment("jerky_twist", None, False, "9.9 fps; film at 30 fps"))
    report = _report(reps=3, assessable=reasons)
    row, = build_rows([_outcome(tmp_path, "clip", report)], tmp_path)
    assert row.not_assessable == (
        "rounded back (whole clip): no rep could be judged; rounded back (rep 1): too upright; "
        "film bent over; rounded back (reps 2, 3): from 45°; jerky twist (whole clip): 9.9 fps; "
        "film at 30 fps")
    assert not_assessable_items(row.not_assessable) == [
        ("rounded back (whole clip)", "no rep could be judged"),
        ("rounded back (rep 1)", "too upright; film bent over"),
        ("rounded back (reps 2, 3)", "from 45°"),
        ("jerky twist (whole clip)", "9.9 fps; film at 30 fps")]
    assert not_assessable_items("") == []
    page = index_html([row], [], tmp_path)
    assert ('<p class="na-item"><b>rounded back (rep 1)</b>: too upright; film bent over</p>'
            in page)


def test_the_index_gives_each_caveat_its_first_clause_opening_to_the_rest(tmp_path):
    """Session 26's note: the caveats on a judged verdict were on the clip's page but not on
    the coach's index. Each is listed under the "not assessable" lines, as the page lists
    it (one per fault and scope), its first clause showing and the rest inside a
    ``<details>``; the CSV's cell gives them whole. (The real pipeline's words:
    test_batch_e2e.)"""
    reasons = (Assessment("rounded_back", None, True, "no warning does not rule a rounding "
                          "out; it found 18 of 24 reps with a 50° rounding"),
               Assessment("lumbar_overextension", None, True, "only the lockout is judged"),
               Assessment("jerky_twist", None, False, "a side view cannot show <rotation>"))
    row, = build_rows([_outcome(tmp_path, "clip", _report(assessable=reasons))], tmp_path)
    assert row.caveats == (
        "rounded back (whole clip): no warning does not rule a rounding out; it found 18 of "
        "24 reps with a 50° rounding; over-arched lower back (whole clip): only the lockout "
        "is judged")
    page = index_html([row], [], tmp_path)
    assert ('<details class="cv-item"><summary><b>rounded back (whole clip)</b> judged, but: '
            'no warning does not rule a rounding out</summary>it found 18 of 24 reps with a '
            '50° rounding</details>') in page
    assert ('<p class="cv-item"><b>over-arched lower back (whole clip)</b> judged, but: only '
            'the lockout is judged</p>') in page
    assert "cannot show &lt;rotation&gt;</p>" in page  # escaped, and not a caveat
    assert page.index("cannot show") < page.index('class="cv-item"')


# ============================================================================ CLI errors
def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 300):
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout, cwd=cwd)


def one_error_line(proc) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_no_videos_found_is_exit_3(tmp_path):
    touch(tmp_path / "in" / "notes.txt")
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 3
    assert "no video files found" in one_error_line(proc)
    assert "notes.txt: not a video file" in proc.stderr


def test_a_folder_of_links_that_lead_nowhere_is_exit_3_saying_why(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "set.mp4").symlink_to("set.mp4")
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 3
    assert "no video files found" in one_error_line(proc)
    assert "set.mp4: symbolic link loop" in proc.stderr


def test_bad_config_is_exit_7(tmp_path):
    touch(tmp_path / "in" / "a.mp4")
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--set",
                   "rounded_back.nope=1")
    assert proc.returncode == 7 and "nope" in one_error_line(proc)


def test_the_frames_bar_ends_full_when_a_truncated_clip_decoded_fewer_frames():
    """QA (session 22): a truncated clip's header listed 171 frames, 113 decoded; the batch
    finished with the frames bar at 453/511, 89%."""
    from formcheck.batch.monitor import RichMonitor
    from formcheck.batch.task import ClipResult

    mon = RichMonitor(2)
    mon.total("cut", 171)
    mon.frames("cut", 113)
    mon.finished(ClipResult(key="cut", status=ANALYSED, pose="inference", frames=113))
    mon.total("whole", 50)
    mon.frames("whole", 40)  # the last progress message may come before the result
    mon.finished(ClipResult(key="whole", status=ANALYSED, pose="inference", frames=50))
    task = mon.progress.tasks[1]
    assert (task.completed, task.total) == (163, 163)


def test_the_progress_display_ends_with_no_clip_running():
    """QA: a finished batch's display still read "18/18 100% running: m8, m9, m10 +1" (real
    run, 18 clips that fail at once, --jobs 4, a busy machine): a worker's "started" message
    travels on a queue of its own and came after the clip's result. So may its last frames
    message, which put the frames bar back short of full."""
    from formcheck.batch.monitor import RichMonitor
    from formcheck.batch.task import ClipResult

    mon = RichMonitor(2)
    mon.finished(ClipResult(key="missing", status=FAILED, error="video not found"))
    mon.started("missing")
    mon.started("clip")
    mon.total("clip", 90)
    mon.frames("clip", 60)
    mon.finished(ClipResult(key="clip", status=ANALYSED, pose="inference", frames=90))
    mon.frames("clip", 75)  # sent before the result, read after it
    clips, frames = mon.progress.tasks
    assert (clips.completed, clips.total, clips.fields["info"]) == (2, 2, "")
    assert (frames.completed, frames.total) == (90, 90)


def test_a_link_loop_named_as_an_input_fails_as_a_clip_on_a_rerun_too(tmp_path):
    """A rerun's placing of the clips resolved each clip's path, and a link loop given by
    name (taken, to fail as a clip) ended it in a traceback (RuntimeError: Symlink loop)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "loop.mp4").symlink_to("loop.mp4")
    touch(tmp_path / "in" / "b.mp4", b"not a video")
    for _ in range(2):
        proc = run_cli("batch", str(tmp_path / "in" / "loop.mp4"), str(tmp_path / "in"),
                       "--out", str(tmp_path / "out"), "-q")
        assert proc.returncode == 11 and "Traceback" not in proc.stderr, proc.stderr
        rows = json.loads((tmp_path / "out" / "summary.json").read_text())["rows"]
        assert sorted((r["clip"], r["exit_code"]) for r in rows) == [("b", 4), ("loop", 3)]


def test_one_clip_is_counted_as_one_clip(tmp_path):
    """QA (session 22): "1 clips: 0 analysed, ..." on the terminal and the index page."""
    touch(tmp_path / "in" / "a.mp4")
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 11, proc.stderr
    assert "\n1 clip: 0 analysed, 0 up to date, 1 failed" in proc.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<p class="muted" id="counts">1 clip: 0 with findings' in page


def test_a_one_frame_clips_line_says_1_frame():
    """QA (session 24): a one-frame clip finished as "ok  b/one  (1 frames, …)"."""
    from formcheck.batch.monitor import result_line
    from formcheck.batch.task import ClipResult

    line = result_line(ClipResult(key="b/one", status=ANALYSED, pose="inference", frames=1))
    assert "(1 frame, pose inference," in line
    line = result_line(ClipResult(key="b/two", status=ANALYSED, pose="saved", frames=2))
    assert "(2 frames, pose reused," in line


def test_an_output_folder_that_is_a_file_stops_the_batch_before_any_clip(tmp_path):
    """QA (session 22): --out naming a file posed every clip, failed each one on writing
    ("Not a directory") and then the summaries ("File exists"); the folder is checked first."""
    touch(tmp_path / "in" / "a.mp4")
    a_file = touch(tmp_path / "a_file")
    for out in (a_file, a_file / "sub"):
        proc = run_cli("batch", str(tmp_path / "in"), "--out", str(out))
        assert proc.returncode == 9, proc.stderr
        assert proc.stderr.splitlines() == [one_error_line(proc)]  # no clip row, no progress
        assert "is a file, not a folder; pass another folder to --out" in proc.stderr
    assert a_file.read_bytes() == b"x"


def test_a_second_run_on_the_same_folder_at_once_stops_before_any_clip(tmp_path):
    """QA (session 25): a second `batch` (or a `reanalyze`) on the folder a batch was writing
    ran alongside it, redoing the same clips; with other settings one run's state file could
    vouch for the other's report, so a later rerun skipped a clip whose report was not its
    own. The second run now stops at once, saying which run holds the folder."""
    from formcheck.batch.state import LOCK_NAME, batch_folder_lock

    touch(tmp_path / "in" / "a.mp4")
    out = tmp_path / "out"
    with batch_folder_lock(out, "batch"):
        for args in (("batch", str(tmp_path / "in"), "--out", str(out)),
                     ("reanalyze", str(out))):
            proc = run_cli(*args)
            assert proc.returncode == 9, proc.stderr
            line = one_error_line(proc)
            assert f"{out} is being written by `formcheck batch` (process {os.getpid()})" in line
            assert "wait for it to finish" in line
        assert [p.name for p in out.iterdir()] == [LOCK_NAME]  # nothing else written
    assert not out.exists() or not any(out.iterdir())  # no lock file left behind
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(out))  # free again
    assert proc.returncode == 11, proc.stderr
    assert not list(out.rglob(".*"))


def test_ray_engine_without_ray_names_the_extra(tmp_path):
    fake = touch(tmp_path / "fake" / "ray" / "__init__.py",
                 b"raise ImportError('No module named ray')\n").parent.parent
    touch(tmp_path / "in" / "a.mp4")
    src = str(Path(__file__).resolve().parents[1] / "src")
    path = os.pathsep.join([str(fake), src, os.environ.get("PYTHONPATH", "")])
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--engine",
                   "ray", env={"PYTHONPATH": path})
    assert proc.returncode == 7
    assert "pip install 'formcheck[ray]'" in one_error_line(proc)
    assert not (tmp_path / "out").exists()


def test_unreachable_ray_address_fails_at_once(tmp_path):
    pytest.importorskip("ray")
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    touch(tmp_path / "in" / "a.mp4")
    # ray.init alone retries an unreachable head node for minutes: the timeout catches a hang
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--engine",
                   "ray", "--address", f"127.0.0.1:{port}", timeout=60)
    assert proc.returncode == 7
    line = one_error_line(proc)
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in line and "refused" in line
    assert proc.stderr.splitlines() == [line]  # no progress display drawn before it


def test_a_ray_that_cannot_start_here_is_one_line_exit_7(tmp_path):
    """QA (session 8): Ray failing to start on loopback printed Ray's own log warning and the
    empty progress display above the error, and advised checking --address (none given)."""
    pytest.importorskip("ray")
    not_a_folder = touch(tmp_path / "file")
    touch(tmp_path / "in" / "a.mp4")
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--engine",
                   "ray", "--jobs", "1", env={"RAY_TMPDIR": str(not_a_folder / "ray")},
                   timeout=120)
    assert proc.returncode == 7, proc.stderr
    line = one_error_line(proc)
    assert proc.stderr.splitlines() == [line]
    assert line.startswith("error: cannot start a local Ray instance (") and "Not a dir" in line
    assert "--address" not in line and "--engine local" in line
    assert not (tmp_path / "out").exists()


def test_reanalyze_needs_a_batch_folder(tmp_path):
    proc = run_cli("reanalyze", str(tmp_path / "nothing"))
    assert proc.returncode == 3 and "batch folder not found" in one_error_line(proc)
    (tmp_path / "a_file").write_text("x")  # QA (session 24): it read "not found"
    proc = run_cli("reanalyze", str(tmp_path / "a_file"))
    assert proc.returncode == 3 and "a_file is a file, not a batch folder" in one_error_line(proc)
    (tmp_path / "empty").mkdir()
    proc = run_cli("reanalyze", str(tmp_path / "empty"))
    assert proc.returncode == 3 and "no clips analysed" in one_error_line(proc)


def test_a_fault_judged_in_only_some_reps_says_so_on_the_batch_page(tmp_path):
    """QA session 9 (a real deadlift, its rep 1 half out of view): the batch page read
    rounded back "ok" for a clip whose own page said "Judged in only some reps: rounded back
    (1 of 2)". The cell now says "judged in 1 of 2 reps"; the CSV has the count."""
    hidden = Assessment("rounded_back", 1, False, "needed body parts visible in 15%")
    partly = _outcome(tmp_path, "partly", _report(assessable=[hidden]))
    clean = _outcome(tmp_path, "clean", _report())
    rows = {r.clip: r for r in build_rows([partly, clean], tmp_path)}
    p, c = rows["alice/partly"], rows["alice/clean"]
    assert (p.rounded_back, p.rounded_back_reps, p.rounded_back_judged_reps) == ("ok", 0, 1)
    assert (c.rounded_back, c.rounded_back_judged_reps, c.jerky_twist_judged_reps) == ("ok", 2, 2)
    page = index_html([p, c], [], tmp_path)
    assert page.count("judged in 1 of 2 reps") == 1 and "judged in 2 of 2" not in page
    table = list(csv.DictReader(io.StringIO(summary_csv([p, c]))))
    assert table[0]["rounded_back_judged_reps"] == "1"


def _a_clip_analysed_once(tmp_path, *, source_path: bool = False, stem: str = "lift",
                          video_info: bool = False, **fields):
    """A six-frame clip analysed once by a batch task from a saved pose (no model needed):
    its job, its video and the output folder. ``fields`` go to its ``ClipJob``;
    ``source_path``: the job names the video's path as its source path; ``stem``: the
    clip's name without ``.mp4``; ``video_info``: the pose data records the video's facts
    (as the pose pass does; the report then names the clip)."""
    from test_robust_inputs import make_seq

    from formcheck.batch.task import ClipJob, run_clip
    from formcheck.io.video import VideoSink
    from formcheck.outputs import output_paths

    video = tmp_path / "in" / f"{stem}.mp4"
    video.parent.mkdir()
    with VideoSink(video, 64, 48, 30.0) as sink:
        for i in range(6):
            sink.write(np.full((48, 64, 3), 20 * i, np.uint8), i / 30.0)
    out = tmp_path / "out"
    out.mkdir()
    info = {"video": {"path": str(video), "width": 64, "height": 48, "fps": 30.0,
                      "frame_count": 6, "duration_s": 0.2}} if video_info else {}
    make_seq(source_sha256=file_sha256(video), **info).save(output_paths(out, stem)["pose"])
    job = ClipJob(source=str(video), key=stem, stem=stem, athlete="", model=None,
                  model_sha256="", exercise=None, config=load_config(), settings_sha256="s",
                  saved_pose_only=True, **fields,
                  **({"source_path": str(video)} if source_path else {}))
    assert run_clip(job, video, out).status == ANALYSED
    return job, video, out


def test_a_clip_stopped_while_its_video_is_drawn_keeps_its_previous_outputs(tmp_path):
    """Ctrl-C during a clip's video left its new report, CSV and page beside the previous
    run's video and state file ("this run's unfinished outputs were discarded"): a rerun with
    the previous settings then found the clip up to date and showed the stopped run's report.
    The report, CSV, page and video are published together, or not at all."""
    from dataclasses import replace

    from formcheck.batch.task import INTERRUPTED, BatchCancelled, run_clip

    job, video, out = _a_clip_analysed_once(tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"lift.report.json", "lift.annotated.mp4", "lift.batch.json"} <= set(before)

    def stop_while_drawing(kind: str, value: int) -> None:
        if kind == "render":
            raise BatchCancelled

    squat = replace(job, exercise="squat", settings_sha256="t")  # another report
    assert run_clip(squat, video, out, stop_while_drawing).status == INTERRUPTED
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_clip_stopped_before_its_redo_keeps_its_earlier_results_in_the_index(tmp_path):
    """QA (session 24): Ctrl-C in `reanalyze` (or in a batch rerun with new settings) left
    every clip not yet redone as an empty "interrupted" row, though its earlier outputs were
    whole in the folder: the coach's index lost them. The row shows them, saying whose."""
    from formcheck.batch.state import ClipState
    from formcheck.batch.task import INTERRUPTED, ClipResult
    from formcheck.commands.batch import _outcome as outcome_of

    out_dir = tmp_path / "alice"
    report = _report([_finding("rounded_back", 2, "severe", 15.0)])
    report.save_json(out_dir / "squat.report.json")
    (out_dir / "squat.report.html").write_text("<html></html>")
    state = ClipState(source="/clips/alice/squat.mp4", athlete="alice", size=1, mtime_ns=1,
                      source_sha256="x", model="full", model_sha256="y", exercise=None,
                      settings_sha256="old", outputs={"report": "squat.report.json",
                                                      "html": "squat.report.html"})
    stopped = ClipResult(key="alice/squat", status=INTERRUPTED,
                         error="not started: the batch was stopped")
    (row,) = build_rows([outcome_of("alice/squat", "/clips/alice/squat.mp4", "alice", out_dir,
                                    "squat", result=stopped, state=state)], tmp_path)
    assert row.status == INTERRUPTED
    assert row.error == ("not started: the batch was stopped; the results shown are from its "
                         "previous run")
    assert (row.reps, row.worst_severity, row.page) == (2, "severe", "alice/squat.report.html")
    # Without an earlier run, or with its outputs gone, the row stays empty.
    for earlier in (None, ClipState(**{**state.__dict__,
                                       "outputs": {"report": "gone.report.json"}})):
        (row,) = build_rows([outcome_of("alice/squat", "/clips/alice/squat.mp4", "alice",
                                        out_dir, "squat", result=stopped, state=earlier)],
                            tmp_path)
        assert (row.reps, row.page, row.error) == (None, "", "not started: the batch was "
                                                   "stopped")


def test_reanalyze_of_a_clip_moved_away_keeps_its_earlier_results_and_says_why(tmp_path):
    """QA (session 25): `reanalyze` after a clip was moved failed it with "cannot read …: No
    such file or directory", and its index row went empty though its earlier report and page
    were whole in the folder. The row keeps them, saying whose, and why the clip failed."""


    job, video, out = _a_clip_analysed_once(tmp_path, write_video=False, source_path=True)
    video.rename(tmp_path / "elsewhere.mp4")
    proc = run_cli("reanalyze", str(out), "--quiet")
    assert proc.returncode == 11, proc.stderr
    (row,) = json.loads((out / "summary.json").read_text())["rows"]
    assert (row["status"], row["exit_code"], row["page"]) == ("failed", 3, "lift.report.html")
    assert row["reps"] is not None
    assert row["error"] == (f"{video} is no longer where `formcheck batch` found it; put it "
                            "back there (its pose data is checked against it) and run "
                            "`formcheck reanalyze` again; the results shown are from its "
                            "previous run")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="lift.report.html">lift</a>' in page


def test_a_rerun_without_video_leaves_no_video_of_other_settings(tmp_path):
    """QA (session 25): a batch rerun with --no-video and new settings redid the report but
    left the earlier run's annotated video, drawn with the old settings, beside it: opened
    from the folder it showed findings the report no longer had (`analyze --no-video`
    removes it). Both engines now remove it, and a thumbnail no finding needs any more."""
    from dataclasses import replace

    from formcheck.batch.engines import _gather
    from formcheck.batch.task import run_clip

    job, video, out = _a_clip_analysed_once(tmp_path)
    assert (out / "lift.annotated.mp4").is_file()
    (out / "lift.worst.jpg").write_bytes(b"an earlier finding")
    again = replace(job, write_video=False, exercise="squat", settings_sha256="t")
    assert run_clip(again, video, out).status == ANALYSED
    assert sorted(p.name for p in out.iterdir()) == [
        "lift.batch.json", "lift.pose.npz", "lift.report.html", "lift.report.json",
        "lift.reps.csv"]

    # The Ray engine's driver, given what such a run shipped back (no video, no thumbnail,
    # no pose data when the worker reused it), leaves the folder as the local engine does.
    ray_out = tmp_path / "ray_out"
    ray_out.mkdir()
    for name in ("lift.annotated.mp4", "lift.worst.jpg", "lift.pose.npz", "lift.report.json"):
        (ray_out / name).write_bytes(b"earlier run")
    shipped = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "lift.pose.npz"}
    _gather(shipped, ray_out, "lift")
    assert sorted(p.name for p in ray_out.iterdir()) == sorted(p.name for p in out.iterdir())
    assert (ray_out / "lift.report.json").read_bytes() == (out / "lift.report.json").read_bytes()


#: A clip's name that is not UTF-8 (Latin-1 "café", as an old camera or a Windows share
#: writes it), as Python holds it (``os.fsdecode``), and as every summary shows it.
NOT_UTF8 = os.fsdecode(b"caf\xe9")
NOT_UTF8_SHOWN = "caf\ufffd"


def test_a_clip_named_in_bytes_that_are_not_utf8_is_analysed(tmp_path):
    """QA: a clip named b"caf\\xe9.mp4" failed in every batch ("unexpected error
    (UnicodeEncodeError …)"): its report could not be written. Its outputs keep the name's
    bytes; its report and page show it with the replacement character."""
    job, video, out = _a_clip_analysed_once(tmp_path, stem=NOT_UTF8, video_info=True)
    assert os.fsencode(video.name) == b"caf\xe9.mp4"
    assert (out / f"{NOT_UTF8}.report.html").is_file()
    report = json.loads((out / f"{NOT_UTF8}.report.json").read_text(encoding="utf-8"))
    assert report["video"]["path"].endswith(f"{NOT_UTF8_SHOWN}.mp4")
    assert f"{NOT_UTF8_SHOWN}.mp4" in (out / f"{NOT_UTF8}.report.html").read_text("utf-8")


def test_a_batch_of_a_clip_named_in_bytes_that_are_not_utf8_ends_without_a_traceback(tmp_path):
    """QA: `formcheck batch` on a folder holding b"caf\\xe9.mp4" ended in a traceback
    (UnicodeEncodeError) writing summary.csv, and left no summaries. The name is shown with
    the replacement character on the terminal and in every summary."""
    clip = touch(tmp_path / "in" / "a" / f"{NOT_UTF8}.mp4", b"not a video")
    touch(tmp_path / "in" / "b" / "set.mp4", b"not a video either")  # keys: a/caf…, b/set
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 11 and "Traceback" not in proc.stderr, proc.stderr
    assert f"FAILED  a/{NOT_UTF8_SHOWN}  [exit 4]" in proc.stderr
    assert "\\udce9" not in proc.stderr
    out = tmp_path / "out"
    assert clip.exists()
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["rows"]
    assert [(r["clip"], r["status"]) for r in rows] == [(f"a/{NOT_UTF8_SHOWN}", FAILED),
                                                        ("b/set", FAILED)]
    assert rows[0]["source"].endswith(f"{NOT_UTF8_SHOWN}.mp4")
    assert NOT_UTF8_SHOWN in rows[0]["error"]
    csv_rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text("utf-8"))))
    assert csv_rows[0]["clip"] == f"a/{NOT_UTF8_SHOWN}"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f'data-clip="a/{NOT_UTF8_SHOWN}"' in page


def test_the_index_links_a_clip_named_in_bytes_that_are_not_utf8_to_its_page(tmp_path):
    import re
    from urllib.parse import unquote_to_bytes, urljoin, urlsplit

    o = _outcome(tmp_path, NOT_UTF8, _report())
    touch(o.out_dir / f"{NOT_UTF8}.report.html")
    written = write_summaries(build_rows([o], tmp_path), [], tmp_path)
    page = written["index"].read_text(encoding="utf-8")
    (href,) = re.findall(r'<a href="([^"]+)"', page)
    path = unquote_to_bytes(urlsplit(urljoin((tmp_path / "index.html").as_uri(), href)).path)
    assert os.path.isfile(path), href
    assert f">alice/{NOT_UTF8_SHOWN}</a>" in page


def test_the_terminal_shows_a_name_that_is_not_utf8_with_the_replacement_character(tmp_path):
    """QA: `formcheck analyze` of b"caf\\xe9.mp4" ended in a traceback printing the name."""
    clip = touch(tmp_path / f"{NOT_UTF8}.mp4", b"not a video")
    proc = run_cli("analyze", str(clip), "--out", str(tmp_path / "out"))
    assert proc.returncode == 4
    assert f"{NOT_UTF8_SHOWN}.mp4" in one_error_line(proc)


def test_the_progress_display_does_not_count_clips_stopped_by_ctrl_c_as_done():
    """QA: after Ctrl-C the clips bar read "3/3 100%" and the frames bar full, as if every
    clip had been done: one clip had finished, one was stopped running, one never started."""
    from formcheck.batch.monitor import RichMonitor
    from formcheck.batch.task import INTERRUPTED, NOT_STARTED, STOPPED_RUNNING, ClipResult

    mon = RichMonitor(3)
    mon.started("a")
    mon.total("a", 50)
    mon.frames("a", 50)
    mon.finished(ClipResult(key="a", status=ANALYSED, pose="inference", frames=50))
    mon.started("b")
    mon.total("b", 80)
    mon.frames("b", 20)
    mon.finished(ClipResult(key="b", status=INTERRUPTED, error=STOPPED_RUNNING))
    mon.finished(ClipResult(key="c", status=INTERRUPTED, error=NOT_STARTED))
    clips, frames = mon.progress.tasks
    assert (clips.completed, clips.total) == (1, 3)
    assert clips.fields["info"] == "stopped: 2 clips not finished"
    assert (frames.completed, frames.total) == (70, 130)


def test_a_clip_name_too_long_for_its_outputs_fails_before_any_work(tmp_path):
    """QA: batch found a name too long for the clip's outputs only when it published them,
    after decoding and pose inference (analyze says so before any work)."""
    name = "a" * 245 + ".mp4"  # its annotated video's name: 259 bytes
    touch(tmp_path / "in" / name, b"not a video")  # decoding it would fail otherwise
    proc = run_cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 11 and "Traceback" not in proc.stderr, proc.stderr
    rows = json.loads((tmp_path / "out" / "summary.json").read_text())["rows"]
    assert len(rows) == 1 and "give the clip a shorter name" in rows[0]["error"], rows
    assert not list((tmp_path / "out").rglob("*.pose.npz"))
