"""End-to-end: the real ``formcheck`` command on short clips, and its error contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.io.video import FileSource


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, env=full_env, timeout=600)


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture(scope="module")
def analysed(person_clip, lite_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    proc = run_cli("analyze", str(person_clip), "--model", str(lite_model), "--out", str(out),
                   "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_analyze_writes_every_output(analysed, person_clip):
    stem = person_clip.stem
    for suffix in (".pose.npz", ".report.json", ".reps.csv", ".annotated.mp4", ".report.html"):
        assert (analysed / f"{stem}{suffix}").is_file(), suffix
    assert not [p for p in analysed.iterdir() if p.name.startswith(".")]  # no temp files left
    report = json.loads((analysed / f"{stem}.report.json").read_text())
    assert report["frames_total"] == 20
    assert report["frames_with_person"] >= 18
    assert report["model"] == "lite"
    assert report["video"]["width"] == 576 and report["video"]["fps"] == pytest.approx(10.0)
    assert report["schema_version"].startswith("1.")


@pytest.mark.slow
def test_annotated_video_keeps_frames_and_timing(analysed, person_clip):
    annotated = analysed / f"{person_clip.stem}.annotated.mp4"
    with FileSource(person_clip) as a, FileSource(annotated) as b:
        ta = [f.t_s for f in a]
        frames_b = list(b)
    assert [f.t_s for f in frames_b] == pytest.approx(ta, abs=1e-4)
    assert b.info.codec == "h264"


@pytest.mark.slow
def test_analyze_is_deterministic(analysed, person_clip, lite_model, tmp_path):
    proc = run_cli("analyze", str(person_clip), "--model", str(lite_model), "--out",
                   str(tmp_path), "--quiet", "--no-video", "--no-html")
    assert proc.returncode == 0, proc.stderr
    name = f"{person_clip.stem}.report.json"
    assert (tmp_path / name).read_bytes() == (analysed / name).read_bytes()
    assert not (tmp_path / f"{person_clip.stem}.annotated.mp4").exists()
    assert not (tmp_path / f"{person_clip.stem}.report.html").exists()


@pytest.mark.slow
def test_json_goes_to_stdout(person_clip, lite_model, tmp_path):
    proc = run_cli("analyze", str(person_clip), "--model", str(lite_model), "--out",
                   str(tmp_path), "--json", "--no-video", "--no-html")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["frames_total"] == 20


@pytest.mark.slow
def test_overlay_only_needs_no_model(analysed, person_clip, tmp_path):
    video = analysed / f"{person_clip.stem}.annotated.mp4"
    video.unlink()
    proc = run_cli("analyze", str(person_clip), "--out", str(analysed), "--overlay-only",
                   "--quiet", "--model", str(tmp_path / "no-such-model.task"),
                   env={"FORMCHECK_MODEL_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert video.is_file()


def test_missing_video(tmp_path):
    assert_one_line_error(run_cli("analyze", str(tmp_path / "nope.mp4")), 3, "nope.mp4")


def test_not_a_video(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00garbage" * 500)
    assert_one_line_error(run_cli("analyze", str(bad), "--out", str(tmp_path / "o")), 4)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_missing_model_file_is_exit_5(person_clip, tmp_path):
    # (a missing *named* model's message, naming fetch and build, is tested in test_models.py)
    proc = run_cli("analyze", str(person_clip), "--model", str(tmp_path / "gone.task"),
                   "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, 5, "gone.task")
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_unknown_fail_on_fault(person_clip, tmp_path):
    proc = run_cli("analyze", str(person_clip), "--fail-on", "wobbly_knees")
    assert_one_line_error(proc, 7, "wobbly_knees")
