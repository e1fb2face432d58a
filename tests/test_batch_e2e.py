"""Batch end to end with the real pose model: local pool and Ray give the same outputs as
``formcheck analyze``; bad clips are isolated; reruns, changed settings, ``reanalyze`` and Ctrl-C
behave as documented; the index page works in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from formcheck.pose.sequence import PoseSequence

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "squat_rounded_side_f_short.mp4"

pytestmark = pytest.mark.slow


def _env() -> dict:
    """The commands run in other folders: find this checkout's formcheck from there too."""
    path = os.pathsep.join(p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=900, env={**_env(), **(env or {})})


@pytest.fixture(scope="module")
def season(tmp_path_factory, person_clip) -> Path:
    """A coach's folder: two athletes, a clip with rounding, a real person, a broken file."""
    root = tmp_path_factory.mktemp("work")
    season = root / "season"
    (season / "alice").mkdir(parents=True)
    (season / "bob").mkdir()
    shutil.copy(SAMPLE, season / "alice" / "squat.mp4")
    shutil.copy(person_clip, season / "bob" / "astro.mp4")
    (season / "bob" / "broken.mp4").write_bytes(b"this is not a video")
    (season / "bob" / "notes.txt").write_text("not a clip")
    return root


INPUTS = ("season", "season/bob/missing.mp4")


def batch_args(model: Path, out: str, *extra: str) -> list[str]:
    return ["batch", *INPUTS, "--out", out, "--model", str(model), *extra]


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def rows_by_clip(folder: Path) -> dict[str, dict]:
    return {r["clip"]: r for r in summary(folder)["rows"]}


@pytest.fixture(scope="module")
def local_run(season, full_model) -> tuple[Path, subprocess.CompletedProcess]:
    proc = run_cli(*batch_args(full_model, "out", "--jobs", "2"), cwd=season)
    return season / "out", proc


def test_bad_clips_are_isolated_and_recorded(local_run):
    out, proc = local_run
    assert proc.returncode == 11, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = rows_by_clip(out)
    assert set(rows) == {"alice/squat", "bob/astro", "bob/broken",
                         "bob/missing"}
    broken, missing = rows["bob/broken"], rows["bob/missing"]
    assert (broken["status"], broken["exit_code"]) == ("failed", 4)
    assert broken["error"].startswith("cannot open broken.mp4 as video")
    assert (missing["status"], missing["exit_code"]) == ("failed", 3)
    assert missing["error"] == "video not found: season/bob/missing.mp4"
    assert "FAILED  bob/broken  [exit 4]" in proc.stderr
    assert "notes.txt: not a video file" in proc.stderr
    assert not [p for p in out.rglob(".*")]  # no temp files left


def test_problem_reps_first_with_thumbnail_and_links(local_run):
    out, _ = local_run
    first = summary(out)["rows"][0]
    assert first["clip"] == "alice/squat" and first["athlete"] == "alice"
    assert first["problem_reps"] >= 1 and first["rounded_back"] in ("mild", "moderate",
                                                                    "severe")
    for kind in ("page", "video", "thumbnail"):
        assert (out / first[kind]).is_file(), kind
    assert summary(out)["rows"][-1]["clip"] == "bob/astro"  # no findings: last
    csv_lines = (out / "summary.csv").read_text().splitlines()
    assert len(csv_lines) == 5 and csv_lines[1].startswith("alice,alice/squat,")


def test_same_report_as_analyze(local_run, season, full_model):
    out, _ = local_run
    single = season / "single"
    for clip in ("season/alice/squat.mp4", "season/bob/astro.mp4"):
        proc = run_cli("analyze", clip, "--model", str(full_model), "--out", "single",
                       "--quiet", cwd=season)
        assert proc.returncode == 0, proc.stderr
        stem, athlete = Path(clip).stem, Path(clip).parent.name
        batch_dir = out / athlete
        assert ((batch_dir / f"{stem}.report.json").read_text()
                == (single / f"{stem}.report.json").read_text())
        a = PoseSequence.load(batch_dir / f"{stem}.pose.npz")
        b = PoseSequence.load(single / f"{stem}.pose.npz")
        np.testing.assert_array_equal(a.world_xyz, b.world_xyz)


class _CaveatCells(HTMLParser):
    """The index's caveat items per clip row (``tr[data-clip]``): for each ``.cv-item``, the
    text shown (a ``<details>``' summary, or the whole ``<p>``) and the text it opens to."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, list[list[str]]] = {}
        self._clip: str | None = None
        self._item: list[str] | None = None
        self._part = 0  # 0: the text shown; 1: the text opened to
        self._depth = 0  # open elements inside the item

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-clip" in a:
            self._clip = a["data-clip"]
            self.items[self._clip] = []
        elif self._item is not None:
            self._depth += 1
        elif "cv-item" in (a.get("class") or "").split() and self._clip is not None:
            self._item, self._part, self._depth = ["", ""], 0, 0
            self.items[self._clip].append(self._item)

    def handle_endtag(self, tag):
        if self._item is None:
            return
        if self._depth == 0:
            self._item = None
        else:
            self._depth -= 1
            if tag == "summary":
                self._part = 1

    def handle_data(self, data):
        if self._item is not None:
            self._item[self._part] += data


def test_the_index_gives_each_clips_caveats_in_its_pages_words(local_run):
    """Session 26's note: the caveats a verdict carries ("no warning does not rule a rounding
    out" with its figures, the twist limit on this lifter) were on each clip's page, but not
    on the coach's index. Parsed from the real run's index: each caveat of the clip's own
    report (``caveats``, as its page lists them) is there, its first clause shown after
    "<fault> (<scope>) judged, but:", the rest opening beneath it, in the same words; the
    summary files' ``caveats`` give them whole; problem reps still come first."""
    from formcheck.render._common import caveats, fault_title
    from formcheck.report import Report

    out, _ = local_run
    parser = _CaveatCells()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    rows = rows_by_clip(out)
    said = 0
    for clip in ("alice/squat", "bob/astro"):
        report = Report.load(out / f"{clip}.report.json")
        want = []
        for fault, scope, caveat in caveats(report):
            first, _, rest = caveat.partition("; ")
            want.append([f"{fault_title(fault)} ({scope}) judged, but: {first}", rest])
        assert parser.items[clip] == want, clip
        assert rows[clip]["caveats"] == "; ".join(
            f"{fault_title(f)} ({scope}): {c}" for f, scope, c in caveats(report))
        said += len(want)
    assert said >= 2  # the squat's verdicts carry caveats (its twist's limit on this lifter)
    assert any(shown.startswith("jerky twist (whole clip) judged, but: no warning does not "
                                "rule a twist out") and "on this lifter a quick turn warns "
               "from" in rest for shown, rest in parser.items["alice/squat"])
    assert list(parser.items)[0] == "alice/squat"  # problem reps first, as before
    assert not parser.items["bob/broken"] and not parser.items["bob/missing"]


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and p.parent != folder}


def test_rerun_settings_change_reanalyze_and_force(local_run, season, full_model):
    first, _ = local_run
    out = season / "resume"
    shutil.copytree(first, out)
    pose = out / "alice" / "squat.pose.npz"
    report = out / "alice" / "squat.report.json"

    before = _mtimes(out)
    proc = run_cli(*batch_args(full_model, "resume"), cwd=season)
    assert proc.returncode == 11, proc.stderr  # the broken clips are retried and fail again
    assert "2 clips up to date" in proc.stderr
    assert _mtimes(out) == before  # nothing redone, nothing rewritten
    assert rows_by_clip(out)["alice/squat"]["status"] == "up to date"

    strict = "rounded_back.min_held_flexion_deg=100"
    proc = run_cli(*batch_args(full_model, "resume", "--set", strict, "--set",
                               "rounded_back.min_flexion_deg=100", "-q"), cwd=season)
    assert proc.returncode == 11, proc.stderr
    row = rows_by_clip(out)["alice/squat"]
    assert (row["status"], row["pose"], row["rounded_back"]) == ("analysed", "saved", "ok")
    assert pose.stat().st_mtime_ns == before[str(pose.relative_to(out))]  # no inference
    assert json.loads(report.read_text())["findings"] == []

    proc = run_cli("reanalyze", "resume", "--quiet", cwd=season)
    assert proc.returncode == 0, proc.stderr  # the clips it redid were all redone
    # QA (session 22): reanalyze's summaries held only the clips it redid; the clips batch
    # could not read, and the inputs it skipped, vanished from the coach's index.
    rows = rows_by_clip(out)
    assert set(rows) == {"alice/squat", "bob/astro", "bob/broken", "bob/missing"}
    assert rows["bob/broken"] == rows_by_clip(first)["bob/broken"]
    assert summary(out)["skipped"] == summary(first)["skipped"] != []
    assert "bob/broken" in (out / "index.html").read_text(encoding="utf-8")
    row = rows_by_clip(out)["alice/squat"]
    assert (row["pose"], row["rounded_back"]) == ("saved", rows_by_clip(first)[
        "alice/squat"]["rounded_back"])
    assert pose.stat().st_mtime_ns == before[str(pose.relative_to(out))]
    assert report.read_text() == (first / "alice/squat.report.json").read_text()

    proc = run_cli(*batch_args(full_model, "resume", "--force", "-q"), cwd=season)
    assert rows_by_clip(out)["alice/squat"]["pose"] == "inference"
    assert pose.stat().st_mtime_ns != before[str(pose.relative_to(out))]


def test_a_rerun_on_a_subfolder_redoes_nothing_and_keeps_the_folders_rows(local_run, season,
                                                                           full_model):
    """QA: `formcheck batch season/alice --out DIR` after `formcheck batch season --out DIR`
    analysed alice's clip again as DIR/squat.* (beside DIR/alice/squat.*), and the summaries
    then listed that one clip. Every clip now keeps its place; the summaries keep the
    folder's other clips, as earlier runs left them."""
    first, _ = local_run
    out = season / "part"
    shutil.copytree(first, out)
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    before = _mtimes(out)
    proc = run_cli("batch", "season/alice", "--out", "part", "--model", str(full_model),
                   cwd=season)
    assert proc.returncode == 0, proc.stderr  # the clips that failed were not among these
    assert "1 clip up to date" in proc.stderr
    assert "1 from earlier runs" in proc.stderr
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == files
    assert _mtimes(out) == before  # nothing redone
    rows = rows_by_clip(out)
    assert {clip: row["status"] for clip, row in rows.items()} == {
        "alice/squat": "up to date", "bob/astro": "earlier run", "bob/broken": "failed",
        "bob/missing": "failed"}
    assert rows["bob/astro"]["page"] == rows_by_clip(first)["bob/astro"]["page"]


def test_ctrl_c_keeps_finished_clips_and_leaves_nothing_half_written(tmp_path, person_clip,
                                                                     lite_model):
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(6):
        shutil.copy(person_clip, clips / f"take{i}.mp4")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "batch", str(clips), "--out",
                             str(out), "--model", str(lite_model), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())
    deadline = time.monotonic() + 300
    while not list(out.glob("*.batch.json")) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "stopping" in err
    assert not [p for p in out.rglob(".*")]  # no temp files
    rows = summary(out)["rows"]
    done = [r for r in rows if r["status"] == "analysed"]
    stopped = [r for r in rows if r["status"] == "interrupted"]
    assert done and stopped and len(done) + len(stopped) == 6
    for r in done:
        assert (out / f"{r['clip']}.batch.json").is_file()
    for r in stopped:
        assert not (out / f"{r['clip']}.batch.json").exists()
    # --jobs 1: one clip was running; those waiting (one of them already in the worker's
    # queue, which read "stopped before it finished" too) say they never started, with the
    # same words on the terminal and the index page
    from formcheck.batch.task import NOT_STARTED, STOPPED_RUNNING

    words = [r["error"] for r in stopped]
    assert words.count(STOPPED_RUNNING) <= 1 and set(words) <= {STOPPED_RUNNING, NOT_STARTED}
    page = (out / "index.html").read_text()
    for r in stopped:
        assert f"stopped {r['clip']}  {r['error']}" in err
        assert page.count(r["error"]) == words.count(r["error"])


def _workers_of(pid: int) -> list[int]:
    """Pool worker processes (spawned children running ``spawn_main``) of process ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(status.split("PPid:")[1].split()[0])
        if ppid == pid and b"spawn_main" in cmd:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_a_killed_worker_does_not_stop_the_batch(tmp_path, person_clip, lite_model):
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(3):
        shutil.copy(person_clip, clips / f"take{i}.mp4")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "batch", str(clips), "--out",
                             str(out), "--model", str(lite_model), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())
    deadline = time.monotonic() + 300
    while not (workers := _workers_of(proc.pid)) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(workers[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "a worker process died" in err
    assert [r["status"] for r in summary(out)["rows"]] == ["analysed"] * 3
    assert not [p for p in out.rglob(".*")]


#: First words of every line `formcheck batch` prints on stderr (progress, per clip, summary).
_BATCH_LINE_STARTS = ("skipped", "ok", "FAILED", "stopped", "clips", "frames", "4", "index:")


def test_ray_engine_gives_the_local_engine_results(local_run, season, full_model):
    pytest.importorskip("ray")
    local, _ = local_run
    # where Ray keeps its sessions ($RAY_TMPDIR/ray); short: Ray's socket paths must fit in
    # 107 bytes
    ray_tmp = Path(tempfile.mkdtemp(prefix="fc-rt-"))
    try:
        proc = run_cli(*batch_args(full_model, "ray_out", "--engine", "ray", "--jobs", "2"),
                       cwd=season, env={"RAY_TMPDIR": str(ray_tmp)})
        assert proc.returncode == 11, proc.stderr
        # QA (session 8): each run left its Ray session folder behind (95 under /tmp/ray)
        assert [p.name for p in ray_tmp.rglob("*")] == ["ray"]
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    # Only the batch's own lines: none of Ray's log records (QA session 8: its start-up
    # warning on token authentication reached the terminal)
    for line in proc.stderr.splitlines():
        assert line.split(" ", 1)[0] in _BATCH_LINE_STARTS, proc.stderr
    ray_out = season / "ray_out"
    assert summary(ray_out) == summary(local)
    produced = sorted(p.relative_to(ray_out) for p in ray_out.rglob("*") if p.is_file())
    assert produced == sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file())
    for rel in produced:
        if rel.suffix in (".json", ".csv", ".html", ".npz"):
            assert (ray_out / rel).read_bytes() == (local / rel).read_bytes(), rel


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _dom_after_scripts(page: Path, profile: Path, *options: str) -> str:
    """The DOM of ``page`` once its scripts ran, in headless Chromium."""
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           *options, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def _index_dom_with(out: Path, profile: Path, script: str, *options: str) -> str:
    """The DOM of the run's index page, in headless Chromium, after ``script`` (JavaScript
    appended to its body, as a user's action or a measurement) ran on it."""
    probed = out / "index_probe.html"
    probed.write_text((out / "index.html").read_text().replace(
        "</body>", f"<script>{script}</script></body>"))
    try:
        return _dom_after_scripts(probed, profile, *options)
    finally:
        probed.unlink()


@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_index_renders_and_sorts_in_headless_chromium(local_run, tmp_path):
    out, _ = local_run
    # The real page plus one click on the "Reps" header, as a user would.
    click = ("document.querySelectorAll('#clips thead th')[5].click();"
             "document.body.setAttribute('data-order', Array.prototype.map.call("
             "document.querySelectorAll('#clips tbody tr'), function (r) {"
             " return r.getAttribute('data-clip'); }).join(','));")
    dom = _index_dom_with(out, tmp_path / "profile", click)
    order = dom.split('data-order="')[1].split('"')[0].split(",")
    # Reps, most first (a numeric column sorts descending on the first click); clips that
    # failed have no reps and go last.
    assert order[-2:] == ["bob/broken", "bob/missing"] or \
        order[-2:] == ["bob/missing", "bob/broken"]
    assert order[0] == "alice/squat"
    assert dom.count('<img class="thumb"') == 1
    assert 'aria-sort="descending"' in dom


@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_long_errors_and_names_stay_in_their_columns(local_run, tmp_path):
    out, _ = local_run
    # A coach's upload path can be one long unbroken word: lengthen the real error and clip
    # cells with one, then record every cell whose content is wider than the cell.
    probe = ("var long = '/uploads/' + Array(40).join('very_long_folder_name/');"
             "document.querySelectorAll('#clips td.err, #clips td.clip').forEach(function (c) {"
             " c.appendChild(document.createTextNode(' ' + long)); });"
             "var wide = []; document.querySelectorAll('#clips td').forEach(function (c) {"
             " if (c.scrollWidth > c.clientWidth + 1) wide.push(c.className); });"
             "document.body.setAttribute('data-wide', wide.join(','));")
    dom = _index_dom_with(out, tmp_path / "profile", probe, "--window-size=1400,900")
    assert 'data-wide=""' in dom, dom.split('data-wide="')[1].split('"')[0]


@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_every_clip_link_is_in_view_on_a_laptop_screen(local_run, tmp_path):
    # QA on real clips: at 1600 px the table was wider than the window and its last column,
    # the links to each clip's page and video, was cut off, and at 1366 px the next-to-last,
    # why a clip failed. Record every link or error outside the view.
    out, _ = local_run
    probe = ("var out = [];"
             "document.querySelectorAll('#clips tbody a, #clips .err').forEach(function (a) {"
             " if (a.getBoundingClientRect().right > window.innerWidth) out.push(a.textContent);"
             "});"
             "document.body.setAttribute('data-links', String("
             "document.querySelectorAll('#clips tbody a').length));"
             "document.body.setAttribute('data-hidden', out.join(','));")
    dom = _index_dom_with(out, tmp_path / "profile", probe, "--window-size=1366,800")
    assert int(dom.split('data-links="')[1].split('"')[0]) >= 4  # two analysed clips' links
    assert dom.count('class="err"') == 2  # the broken and the missing clip
    assert 'data-hidden=""' in dom, dom.split('data-hidden="')[1].split('"')[0]


#: Makes every row as wide as real clips' rows get (QA session 8, 9 real clips): exercise and
#: view "unknown", each fault column's widest tag, a thumbnail and a grade in the worst-rep
#: column, a long reason.
_WIDEST_ROWS = (
    "document.querySelectorAll('#clips tbody tr').forEach(function (r) {"
    " r.cells[1].textContent = 'bichraix'; r.cells[3].textContent = 'unknown';"
    " r.cells[4].textContent = 'unknown';"
    " r.querySelectorAll('td.fault').forEach(function (c) {"
    "  c.innerHTML = '<span class=\"tag not_assessable\">not assessable</span>'; });"
    " r.querySelector('td.worst').innerHTML = '<img class=\"thumb\" width=\"140\" height=\"78\">'"
    "  + '<span class=\"tag severe\">severe</span> rep 1: over-arched lower back';"
    " r.querySelector('td.na').textContent = 'rounded back (rep 2): needed body parts visible"
    " in only 14% of this rep\\'s frames; jerky twist (whole clip): a side view cannot show"
    " rotation about the spine well; film from the front or at 45°'; });")


@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_the_table_fits_a_laptop_window_and_scrolls_in_its_own_box_on_a_phone(local_run,
                                                                               tmp_path):
    """QA (session 8): with real clips' rows the last column ran past a 1366 px window (the
    page scrolled sideways). It fits there, scroll bar included; on a phone (390 px) the
    table scrolls inside its own box and the page does not."""
    out, _ = local_run
    measure = ("var d = document.documentElement, box = document.querySelector('#clips')"
               ".parentElement;"
               "var fit = [window.innerWidth, d.scrollWidth <= d.clientWidth,"
               " box.scrollWidth > box.clientWidth].join(',');")
    dom = _index_dom_with(out, tmp_path / "profile", _WIDEST_ROWS + measure
                          + "document.body.setAttribute('data-fit', fit);",
                          "--window-size=1366,500")  # a vertical scroll bar too
    assert 'data-fit="1366,true,false"' in dom, dom.split('data-fit="')[1].split('"')[0]
    # A phone: headless Chromium's window is at least 500 px wide, so the page is shown in a
    # 390 px frame, which reports back by message.
    probed, phone = out / "index_probe.html", out / "phone_probe.html"
    probed.write_text((out / "index.html").read_text().replace(
        "</body>", f"<script>{_WIDEST_ROWS}{measure}parent.postMessage(fit, '*');</script>"
        "</body>"))
    phone.write_text("<!DOCTYPE html><html><body><script>window.addEventListener('message',"
                     " function (e) { document.body.setAttribute('data-fit', e.data); });"
                     f"</script><iframe src=\"{probed.name}\" width=\"390\" height=\"800\">"
                     "</iframe></body></html>")
    try:
        dom = _dom_after_scripts(phone, tmp_path / "profile", "--window-size=800,900",
                                 "--virtual-time-budget=5000")
    finally:
        probed.unlink()
        phone.unlink()
    assert 'data-fit="390,true,true"' in dom, dom


def test_the_lifter_among_several_people_is_chosen_for_every_clip(tmp_path, lite_model):
    """QA (session 22): a clip's report advises "--person" where several people were in the
    picture, and `formcheck batch` had none. The rule chooses the poses of every clip; poses
    made by another rule are posed again, never reused; reanalyze keeps the rule."""
    (tmp_path / "in").mkdir()
    shutil.copy(SAMPLE, tmp_path / "in" / "squat.mp4")
    args = ["batch", "in", "--out", "out", "--model", str(lite_model), "--no-video", "-q"]
    pose = tmp_path / "out" / "squat.pose.npz"

    proc = run_cli(*args, "--person", "right", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert PoseSequence.load(pose).extra["people"]["rule"] == "right"
    made = pose.stat().st_mtime_ns
    proc = run_cli(*args[:-1], "--person", "right", cwd=tmp_path)
    assert proc.returncode == 0 and "1 clip up to date" in proc.stderr, proc.stderr
    proc = run_cli("reanalyze", "out", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    state = json.loads((tmp_path / "out" / "squat.batch.json").read_text())
    assert state["person"] == "right" and pose.stat().st_mtime_ns == made

    proc = run_cli(*args, cwd=tmp_path)  # the default rule: the poses are made again
    assert proc.returncode == 0, proc.stderr
    assert rows_by_clip(tmp_path / "out")["squat"]["pose"] == "inference"
    assert PoseSequence.load(pose).extra["people"]["rule"] == "auto"

    proc = run_cli(*args, "--person", "tallest", cwd=tmp_path)
    assert proc.returncode == 7
    assert proc.stderr.strip().splitlines() == [
        "error: --person 'tallest': use auto, largest, center, left or right"]


def test_analyze_and_batch_take_a_clip_named_in_bytes_that_are_not_utf8(tmp_path, lite_model):
    """QA: b"caf\\xe9.mp4" (a name that is not UTF-8) ended `formcheck analyze` in a
    traceback printing its outputs, and `formcheck batch` in one writing its summaries. Both
    now analyse it and show the name with the replacement character; its files keep the
    name's bytes."""
    name = os.fsdecode(b"caf\xe9")
    (tmp_path / "in").mkdir()
    shutil.copy(SAMPLE, tmp_path / "in" / f"{name}.mp4")
    proc = run_cli("analyze", f"in/{name}.mp4", "--model", str(lite_model), "--out", "single",
                   "--no-video", cwd=tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "caf\ufffd.report.json" in proc.stdout
    assert (tmp_path / "single" / f"{name}.report.json").is_file()
    proc = run_cli("batch", "in", "--model", str(lite_model), "--out", "out", "--no-video",
                   cwd=tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "ok      caf\ufffd  (" in proc.stderr
    (row,) = summary(tmp_path / "out")["rows"]
    assert (row["clip"], row["status"], row["page"]) == ("caf\ufffd", "analysed",
                                                          "caf\ufffd.report.html")
    assert (tmp_path / "out" / f"{name}.report.html").is_file()
