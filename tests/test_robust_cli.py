"""The one-line error rule and one generation of outputs (issue 16 items 5 and 7, issue 15's
error items): usage errors, bad settings and bad output folders are one `error:` line with their
exit code, found before any decoding or inference; Ctrl-C and SIGTERM leave no temp files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

# Pose-file builders shared with the input tests (pytest puts tests/ on sys.path).
from test_robust_inputs import _npz_with_meta, make_seq  # noqa: E402

from formcheck.errors import OutputError
from formcheck.outputs import OutputGeneration, output_paths, remove_abandoned_stages


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, timeout=600, **kw)


def assert_one_line_error(proc, code: int, *needles: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "╭" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "INFO:" not in ln]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    from formcheck.io.video import VideoSink

    path = tmp_path_factory.mktemp("clip") / "lift.mp4"
    with VideoSink(path, 64, 48, 30.0) as sink:
        for i in range(6):
            sink.write(np.full((48, 64, 3), 20 * i, np.uint8), i / 30.0)
    return path


# ------------------------------------------------------------------ usage errors: exit 2
@pytest.mark.parametrize(("args", "needle"), [
    (("analyze", "x.mp4", "--exercise", "bench"), "'bench' is not one of"),
    (("analyze", "x.mp4", "--exercise", "pushup"), "--exercise"),
    (("analyze",), "Missing argument"),
    (("analyze", "a.mp4", "b.mp4"), "unexpected extra argument"),
    (("analyze", "x.mp4", "--bogus"), "No such option: --bogus"),
    (("analyze", "x.mp4", "--out"), "requires an argument"),
    (("analyze", "x.mp4", "--workers", "0"), "--workers"),
    (("nosuchcommand",), "No such command"),
])
def test_usage_errors_are_one_line_exit_2(args, needle):
    line = assert_one_line_error(run_cli(*args), 2, needle)
    assert "--help" in line


def test_help_still_works():
    proc = run_cli("analyze", "--help")
    assert proc.returncode == 0 and "--out" in proc.stdout and not proc.stderr.strip()


def test_help_paragraphs_are_not_broken_where_the_source_wraps():
    """Session 19: `batch --help` broke its paragraph at the source's line ends ("changed
    settings" / "redo only ..." / "(the summary" / "says which"); the help is now read as
    markdown, which must not eat placeholders written like tags (OUT/<stem>.pose.npz)."""
    env = {**os.environ, "COLUMNS": "400"}
    text = " ".join(run_cli("batch", "--help", env=env).stdout.split("│"))
    assert "changed settings redo only the analysis (no pose inference). Exit code 11 when " \
           "a clip failed (the summary says which and why)" in text
    assert "OUT/STEM.pose.npz" in run_cli("analyze", "--help", env=env).stdout


@pytest.mark.parametrize("command", ["analyze", "batch", "reanalyze", "check", "live"])
def test_every_set_option_names_the_form_of_a_setting(command):
    """`--set` read `<list[str]>` in the help and KEY=VALUE in the README's usage lines, while
    every error about it says SECTION.FIELD=VALUE; the help and the docs now say that too."""
    env = {**os.environ, "COLUMNS": "400"}
    line = next(ln for ln in run_cli(command, "--help", env=env).stdout.splitlines()
                if "--set " in ln)
    assert line.split()[1:3] == ["--set", "SECTION.FIELD=VALUE"], line
    docs = Path(__file__).resolve().parents[1]
    for page in [docs / "README.md", *sorted((docs / "docs").glob("*.md"))]:
        assert "KEY=VALUE" not in page.read_text(encoding="utf-8"), page


# ------------------------------------------------------------------ found before any work
@pytest.mark.parametrize(("setting", "needle"), [
    ("signal.smooth_cutoff_hz=0", "signal.smooth_cutoff_hz"),
    ("signal.filter_order=1000", "signal.filter_order"),
    ("signal.back_profile_last_point=99", "back_profile_last_point"),
    ("signal.min_visibility=5", "signal.min_visibility"),
])
def test_bad_settings_exit_7(clip, tmp_path, setting, needle):
    proc = run_cli("analyze", str(clip), "--set", setting, "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, 7, needle, "range")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("setting", "needles"), [
    ("foo=1", ("'foo' is not a setting; use SECTION.FIELD=VALUE", "sections: signal, view,",
               "exercises: squat, deadlift, row, unknown")),
    ("foo.bar=1", ("unknown config section 'foo' in 'foo.bar'; use SECTION.FIELD=VALUE",)),
    ("rounded_back=1", ("'rounded_back' is a section, not a setting; use "
                        "rounded_back.FIELD=VALUE (FIELD one of: ", "min_flexion_deg")),
    ("rounded_back.nope=1", ("unknown setting 'rounded_back.nope' (valid here: ",)),
    ("=1", ("bad override '=1'; use SECTION.FIELD=VALUE",)),
    ("rounded_back.min_flexion_deg=abc", ("rounded_back.min_flexion_deg must be a number",
                                          "got 'abc'")),
    ("rounded_back.min_flexion_deg=-5", ("rounded_back.min_flexion_deg=-5.0 is out of range; "
                                         "allowed: (0, inf]",)),
])
def test_a_bad_set_says_what_form_a_setting_takes(clip, tmp_path, setting, needles):
    """QA (session 23): `--set foo=1` answered "unknown config section 'foo' in 'foo'",
    naming neither the form of a setting nor the sections there are."""
    proc = run_cli("analyze", str(clip), "--set", setting, "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, 7, *needles)
    assert not (tmp_path / "o").exists()


def test_a_bad_set_is_the_same_error_in_check_and_batch(clip, tmp_path):
    for args in (("check", str(clip)), ("batch", str(clip), "--out", str(tmp_path / "o"))):
        assert_one_line_error(run_cli(*args, "--set", "foo=1"), 7,
                              "error: 'foo' is not a setting; use SECTION.FIELD=VALUE")


def test_a_bad_person_is_the_same_error_in_analyze_as_elsewhere(clip, tmp_path):
    """`analyze --person BAD` was Typer's usage error (exit 2, "'BAD' is not one of ...")
    while batch, check and live said the rules in one line with exit 7."""
    line = "error: --person 'BAD': use auto, largest, center, left or right"
    for args in (("analyze", str(clip), "--out", str(tmp_path / "o")), ("check", str(clip)),
                 ("batch", str(clip), "--out", str(tmp_path / "o"))):
        assert assert_one_line_error(run_cli(*args, "--person", "BAD"), 7) == line
    assert not (tmp_path / "o").exists()


def test_toml_nan_is_exit_7(clip, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[rounded_back]\nmin_held_flexion_deg = nan\n", encoding="utf-8")
    assert_one_line_error(run_cli("analyze", str(clip), "--config", str(cfg)), 7,
                          "min_held_flexion_deg")


def test_a_bad_config_file_is_named_in_its_one_line_error(clip, tmp_path):
    cfg = tmp_path / "thresholds.toml"
    cfg.write_text("[nope]\nx = 1\n", encoding="utf-8")
    for args in (("analyze", str(clip), "--out", str(tmp_path / "o")), ("check", str(clip))):
        assert_one_line_error(run_cli(*args, "--config", str(cfg)), 7,
                              f"error: config file {cfg}: unknown config section 'nope'")


def test_out_at_a_file_is_exit_9_before_the_model_is_needed(clip, tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    # No model exists at this path: exit 9, not 5, shows the folder is checked first.
    proc = run_cli("analyze", str(clip), "--out", str(target), "--model",
                   str(tmp_path / "none.task"))
    assert_one_line_error(proc, 9, str(target), "not a folder")
    proc = run_cli("analyze", str(clip), "--out", str(target / "sub"), "--model",
                   str(tmp_path / "none.task"))
    assert_one_line_error(proc, 9, "cannot create output folder")


def test_a_failed_run_creates_no_output_folder(tmp_path):
    out = tmp_path / "new" / "out"
    assert_one_line_error(run_cli("analyze", str(tmp_path / "missing.mp4"), "--out", str(out)),
                          3, "missing.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 100)
    assert_one_line_error(run_cli("analyze", str(bad), "--out", str(out)), 4, "bad.mp4")
    assert not (tmp_path / "new").exists()


def test_a_link_that_leads_nowhere_says_so(tmp_path):
    """QA (session 23): a symbolic link loop or a broken link read "video not found: X",
    which sends the user looking for a file that is there (the link is)."""
    (tmp_path / "loop.mp4").symlink_to("loop.mp4")
    (tmp_path / "broken.mp4").symlink_to("gone.mp4")
    assert_one_line_error(run_cli("analyze", str(tmp_path / "loop.mp4")), 3,
                          "loop.mp4: symbolic link loop")
    assert_one_line_error(run_cli("analyze", str(tmp_path / "broken.mp4")), 3,
                          "broken.mp4: broken symbolic link (to gone.mp4, which does not exist)")


def test_errors_print_no_blank_line_first(tmp_path):
    proc = run_cli("analyze", str(tmp_path / "missing.mp4"))
    assert proc.returncode == 3 and proc.stderr.startswith("error: "), repr(proc.stderr)


# ------------------------------------------------------------------ --overlay-only inputs
def _pose_for(tmp_path: Path, clip: Path, out: Path, **extra) -> Path:
    return make_seq(**extra).save(output_paths(out, clip.stem)["pose"])


def test_overlay_only_with_a_truncated_pose_file(clip, tmp_path):
    out = tmp_path / "o"
    pose = _pose_for(tmp_path, clip, out)
    pose.write_bytes(pose.read_bytes()[:300])
    proc = run_cli("analyze", str(clip), "--out", str(out), "--overlay-only", "-q")
    assert_one_line_error(proc, 10, "pose file")


def test_overlay_only_with_list_metadata(clip, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    _npz_with_meta(output_paths(out, clip.stem)["pose"], [1, 2])
    proc = run_cli("analyze", str(clip), "--out", str(out), "--overlay-only", "-q")
    assert_one_line_error(proc, 10, "metadata")


def test_overlay_only_refuses_pose_data_of_another_clip(clip, tmp_path):
    out = tmp_path / "o"
    _pose_for(tmp_path, clip, out, source_sha256="0" * 64)
    proc = run_cli("analyze", str(clip), "--out", str(out), "--overlay-only", "-q")
    assert_one_line_error(proc, 10, "another clip")
    assert not output_paths(out, clip.stem)["video"].exists()


# ------------------------------------------------------------------ one generation
def _fill(paths: dict[str, Path], kinds, text: str) -> dict[str, Path]:
    for kind in kinds:
        paths[kind].write_text(text)
    return {k: paths[k] for k in kinds}


def test_commit_publishes_one_generation(tmp_path):
    final = output_paths(tmp_path, "clip")
    _fill(final, final, "old")
    with OutputGeneration(tmp_path, "clip") as gen:
        written = _fill(gen.paths, ("pose", "report", "csv"), "new")  # a --no-video --no-html run
        published = gen.commit(written)
    assert set(published) == {"pose", "report", "csv"}
    assert {p.name for p in tmp_path.iterdir()} == {final[k].name for k in published}
    assert all(final[k].read_text() == "new" for k in published)


def test_two_runs_committing_at_once_leave_one_generation(tmp_path, monkeypatch):
    """Two `analyze` runs writing the same --out: while one moved its files into place the
    other's could land between them (its pose data beside the first one's report and CSV).
    Commits are one at a time: the folder holds one run's files, all of them."""
    import threading

    final = output_paths(tmp_path, "clip")
    first = OutputGeneration(tmp_path, "clip")
    second = OutputGeneration(tmp_path, "clip")
    written_a = _fill(first.paths, final, "A")
    written_b = _fill(second.paths, final, "B")
    real_replace = os.replace
    other = threading.Thread(target=second.commit, args=(written_b,))

    def replace(src, dst):
        real_replace(src, dst)
        if not other.is_alive() and other.ident is None:
            other.start()  # the second run commits while the first is half-way
            other.join(timeout=1.0)

    monkeypatch.setattr(os, "replace", replace)
    first.commit(written_a)
    other.join(timeout=10)
    assert not other.is_alive()
    texts = {p.read_text() for p in final.values()}
    assert texts == {"B"}, {k: p.read_text() for k, p in final.items()}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in final.values())


def test_a_failed_run_leaves_the_previous_generation_whole(tmp_path):
    final = output_paths(tmp_path, "clip")
    _fill(final, final, "old")
    with pytest.raises(RuntimeError), OutputGeneration(tmp_path, "clip") as gen:
        _fill(gen.paths, ("pose", "report"), "new")
        raise RuntimeError("pose pass failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in final.values())
    assert all(p.read_text() == "old" for p in final.values())


def test_a_folder_in_an_outputs_place_leaves_the_previous_generation_whole(tmp_path):
    """A folder named like an output (clip.reps.csv/) failed the commit after the pose data
    and report were moved in: the new report stood beside the old page (exit 9). It is
    refused before any file moves."""
    final = output_paths(tmp_path, "clip")
    _fill(final, ("pose", "report", "html"), "old")
    final["csv"].mkdir()
    with pytest.raises(OutputError, match="a folder is in its place"), \
            OutputGeneration(tmp_path, "clip") as gen:
        gen.commit(_fill(gen.paths, ("pose", "report", "csv", "html"), "new"))
    assert all(final[k].read_text() == "old" for k in ("pose", "report", "html"))
    assert final["csv"].is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".formcheck-")]


def test_a_clip_whose_name_is_near_the_limit_still_gets_its_outputs(tmp_path):
    """QA (session 24): a clip named with 236 characters stopped with "cannot write in output
    folder …: File name too long; pass another folder to --out" though each output's name fits
    in 255 bytes: the staging folder's name (and a temp file's) added the stem to its own."""
    from formcheck.fsutil import temp_path_for

    stem = "a" * 236  # + ".annotated.mp4": 250 bytes
    final = output_paths(tmp_path, stem)
    with OutputGeneration(tmp_path, stem) as gen:
        assert len(gen.stage.name) < 100
        written = _fill(gen.paths, ("pose", "report"), "new")
        written["video"] = gen.paths["video"]
        temp_path_for(gen.paths["video"], suffix=".tmp.mp4").replace(written["video"])
        gen.commit(written)
    assert final["pose"].read_text() == "new" and final["video"].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        final[k].name for k in ("pose", "report", "video"))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with OutputGeneration(tmp_path, stem) as gen:  # a killed run's stage, found by its key
        stale = gen.stage.with_name(gen.stage.name.replace(f".{os.getpid()}.", f".{dead.pid}."))
        stale.mkdir()
        assert remove_abandoned_stages(tmp_path, stem) == [stale]


def test_a_clip_name_too_long_for_its_outputs_says_so_before_any_work(tmp_path):
    stem = "b" * 248  # + ".annotated.mp4": 262 bytes
    with pytest.raises(OutputError, match=r"\.annotated\.mp4: the name is 262 bytes long, over "
                       r"the 255 this folder allows; give the clip a shorter name$"):
        OutputGeneration(tmp_path, stem)
    assert list(tmp_path.iterdir()) == []


def test_overlay_only_keeps_its_inputs(tmp_path):
    final = output_paths(tmp_path, "clip")
    _fill(final, final, "old")
    with OutputGeneration(tmp_path, "clip", keep=("pose", "report", "csv")) as gen:
        gen.commit(_fill(gen.paths, ("video",), "new"))
    assert final["pose"].read_text() == "old" and final["video"].read_text() == "new"
    assert not final["html"].exists()  # not made by this run, not one of its inputs


def test_a_killed_runs_stage_is_removed_next_time(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".formcheck-clip.{dead.pid}.abc"
    stale.mkdir()
    (stale / "clip.annotated.mp4").write_text("half")
    alive = tmp_path / f".formcheck-clip.{os.getpid()}.xyz"
    alive.mkdir()
    other = tmp_path / f".formcheck-clip2.{dead.pid}.abc"
    other.mkdir()
    assert remove_abandoned_stages(tmp_path, "clip") == [stale]
    assert alive.exists() and other.exists()


def test_an_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputError, match="is a file"):
        OutputGeneration(tmp_path / "f", "clip")


# ------------------------------------------------------------------ signals
@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "needle"), [
    (signal.SIGINT, 130, "interrupted (Ctrl-C)"), (signal.SIGTERM, 143, "terminated (SIGTERM)"),
])
def test_signals_exit_with_a_line_and_leave_no_temp_files(tmp_path, lite_model, signum, code,
                                                          needle):
    from formcheck.io.video import VideoSink

    long_clip = tmp_path / "long.mp4"
    with VideoSink(long_clip, 160, 120, 30.0) as sink:
        rng = np.random.default_rng(0)
        for i in range(600):
            sink.write(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), i / 30.0)
    out = tmp_path / "o"
    out.mkdir()
    old = _fill(output_paths(out, "long"), ("report", "video"), "old")
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", str(long_clip),
                             "--model", str(lite_model), "--out", str(out)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".formcheck-") for p in out.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    time.sleep(2.0)  # well inside the pose pass
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in old.values())
    assert all(p.read_text() == "old" for p in old.values())


# ------------------------------------------------------------------ memory per finding
def test_thumbnails_are_kept_small_and_the_page_is_unchanged():
    """A 4K frame per finding held until the page is written grew memory by 25 MB a finding;
    the kept copy is the page's own reduction, so the page's bytes do not change."""
    from formcheck.pipeline import _thumbnail
    from formcheck.render.html import THUMB_MAX_WIDTH_PX, _thumb_data_uri

    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (2160, 3840, 3), dtype=np.uint8)
    thumb = _thumbnail(frame)
    assert thumb.shape[1] == THUMB_MAX_WIDTH_PX and thumb.nbytes < frame.nbytes / 20
    assert _thumb_data_uri(thumb) == _thumb_data_uri(frame)
    small = frame[:240, :320]
    assert _thumbnail(small) is not small and np.array_equal(_thumbnail(small), small)


def test_a_temp_file_a_thread_still_writes_is_removed_at_exit(tmp_path):
    """QA (session 24): a second Ctrl-C while `live` saved a set stopped the process with its
    recorder thread still encoding, and `.clip.recording.mp4.<random>.tmp.mp4` stayed in the
    output folder. A temp file not moved into place is removed when the process exits; one
    published stays."""
    code = (
        "import sys, threading, time\n"
        "from pathlib import Path\n"
        "from formcheck.fsutil import publish, temp_path_for\n"
        "out = Path(sys.argv[1])\n"
        "done = temp_path_for(out / 'clip.report.json')\n"
        "done.write_text('{}')\n"
        "publish(done, out / 'clip.report.json')\n"
        "ready = threading.Event()\n"
        "def encode():\n"
        "    temp_path_for(out / 'clip.recording.mp4', suffix='.tmp.mp4')\n"
        "    ready.set()\n"
        "    time.sleep(60)\n"
        "threading.Thread(target=encode, daemon=True).start()\n"
        "ready.wait()\n"
        "raise KeyboardInterrupt\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, env=env)
    assert "KeyboardInterrupt" in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["clip.report.json"]
