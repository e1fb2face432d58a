"""The Ray engine when things go wrong, as the local engine: a clip whose worker process dies
(a crash, or killed by Ray's memory monitor) is tried as often (``MAX_WORKER_DEATHS``), with
the same note when it is run again, and fails with the same line, and Ray's own messages
about the dead worker stay off the user's terminal. Ray runs on loopback in a child process
(whose task kills its own worker with ``os._exit``, as a crash in native code would, or
holds memory past a memory monitor's threshold set low)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

#: What both child scripts start with: the engine, the folder of tries, and a monitor that
#: prints the batch's line per clip and its notes to stderr.
_HEAD = r'''
import json, os, sys
from pathlib import Path
from types import SimpleNamespace

from formcheck.batch import engines
from formcheck.batch.monitor import result_line

tries = Path(sys.argv[1])


class Lines:
    def started(self, key): ...
    def total(self, key, frames): ...
    def frames(self, key, done): ...
    def note(self, text): print(text, file=sys.stderr)
    def finished(self, result): print(result_line(result), file=sys.stderr)


'''

_SCRIPT = _HEAD + r'''
def crashing_task(job, video_name, video_bytes, pose_bytes):
    """Kills its worker process on the first ``job.crashes`` tries, then finishes."""
    import os
    from formcheck.batch.task import ANALYSED, ClipResult

    log = tries / job.key
    with log.open("a") as fh:
        fh.write("x")
    if len(log.read_text()) <= job.crashes:
        os._exit(1)
    return ClipResult(key=job.key, status=ANALYSED, frames=1), {}


engines._ray_task = crashing_task
video = tries / "clip.mp4"
video.write_bytes(b"bytes")
items = [engines.WorkItem(job=SimpleNamespace(key=key, stem=key, force=True, crashes=n),
                          video=video, out_dir=tries)
         for key, n in (("once", 1), ("always", 99))]
results, interrupted = engines.run_ray(items, 1, Lines())
print(json.dumps({"results": [[r.key, r.status, r.error] for r in results],
                  "tries": {k: len((tries / k).read_text()) for k in ("once", "always")}}))
'''


def _run_script(tmp_path: Path, text: str, folder: Path,
                env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``text`` as a script with this checkout's formcheck and a Ray of its own."""
    script = tmp_path / "script.py"
    script.write_text(text)
    ray_tmp = Path(tempfile.mkdtemp(prefix="fc-rt-"))  # short: Ray's socket paths
    env = {**os.environ, "RAY_TMPDIR": str(ray_tmp), "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p), **(env_extra or {})}
    env.pop("FORMCHECK_DEBUG", None)
    try:
        proc = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True,
                              text=True, timeout=600, env=env)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_a_clip_whose_ray_worker_dies_is_tried_as_often_as_locally(tmp_path):
    pytest.importorskip("ray")
    from formcheck.batch.engines import MAX_WORKER_DEATHS, rerun_note

    tries = tmp_path / "tries"
    tries.mkdir()
    proc = _run_script(tmp_path, _SCRIPT, tries)
    # stdout: only the script's own line. Ray's error listener printed "(raylet) A worker
    # died or was killed … Lease ID …" and "There are 3 retries remaining" there.
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    out = json.loads(lines[0])
    # Ray retried a dead worker's task 3 times (its default): 4 tries, where the local
    # engine fails the clip after MAX_WORKER_DEATHS
    assert out["tries"] == {"once": 2, "always": MAX_WORKER_DEATHS}
    assert out["results"][0][:2] == ["once", "analysed"]
    assert out["results"][1] == [
        "always", "failed", f"the worker process died {MAX_WORKER_DEATHS} times while "
        "analysing this clip (out of memory, or a crash in the pose model)"]
    # stderr: the batch's one line per clip and, for each clip run again, the local engine's
    # note (session 26: Ray ran it again and said nothing), none of Ray's
    lines = proc.stderr.splitlines()
    assert lines.count(rerun_note(1)) == 2, proc.stderr
    assert [line.split()[0] for line in lines if line != rerun_note(1)] == ["ok", "FAILED"], \
        proc.stderr


_OOM_SCRIPT = _HEAD + r'''
def hungry_task(job, video_name, video_bytes, pose_bytes):
    """Holds memory past the memory monitor's threshold until its worker is killed."""
    import time
    held = bytearray(64 * 1024 * 1024)
    time.sleep(60)
    return held


import ray

raised = []
ray_get = ray.get


def get(*args, **kwargs):  # what each try's ray.get raised, as the engine sees it
    try:
        return ray_get(*args, **kwargs)
    except Exception as exc:
        raised.append(type(exc).__name__)
        raise


ray.get = get
engines._ray_task = hungry_task
video = tries / "clip.mp4"
video.write_bytes(b"bytes")
items = [engines.WorkItem(job=SimpleNamespace(key="big", stem="big", force=True),
                          video=video, out_dir=tries)]
results, interrupted = engines.run_ray(items, 1, Lines())
print(json.dumps({"results": [[r.key, r.status, r.error] for r in results], "raised": raised}))
'''


def test_a_clip_killed_by_rays_memory_monitor_is_said_as_a_local_worker_killed_for_memory(
        tmp_path):
    """Session 26: a task Ray's memory monitor killed was retried by Ray itself (its own count,
    with a growing wait: 3 tries in 11 minutes, still going) with no word on the terminal; its
    last kill would have read "the Ray task failed (OutOfMemoryError: 1 worker(s) were killed
    due to the node running low on memory …)". It is now a worker death, as the local
    engine's kernel kill is: run again once, noted, then the local engine's line."""
    pytest.importorskip("ray")
    from formcheck.batch.engines import MAX_WORKER_DEATHS, rerun_note

    tries = tmp_path / "tries"
    tries.mkdir()
    proc = _run_script(tmp_path, _OOM_SCRIPT, tries, {
        "RAY_memory_usage_threshold": "0.001", "RAY_min_memory_free_bytes": "-1",
        "RAY_memory_monitor_refresh_ms": "100"})
    out = json.loads(proc.stdout)
    assert out["raised"] == ["OutOfMemoryError"] * MAX_WORKER_DEATHS
    assert out["results"] == [[
        "big", "failed", f"the worker process died {MAX_WORKER_DEATHS} times while "
        "analysing this clip (out of memory, or a crash in the pose model)"]]
    assert proc.stderr.splitlines()[0] == rerun_note(1), proc.stderr
    assert proc.stderr.splitlines()[1].split()[0] == "FAILED", proc.stderr


_CTRL_C_SCRIPT = r'''
import json, os, signal, sys, threading, time
from pathlib import Path
from types import SimpleNamespace

from formcheck.batch import engines
from formcheck.batch.monitor import result_line

marks = Path(sys.argv[1])


def slow_task(job, video_name, video_bytes, pose_bytes):
    """As the real task: Ray's cancel stops it between two frames (a KeyboardInterrupt)."""
    import time
    from formcheck.batch.task import ANALYSED, INTERRUPTED, STOPPED_RUNNING, ClipResult

    (marks / f"{job.key}.started").write_text("")
    try:
        for _ in range(600):
            time.sleep(0.1)
    except KeyboardInterrupt:
        return ClipResult(key=job.key, status=INTERRUPTED, error=STOPPED_RUNNING), {}
    return ClipResult(key=job.key, status=ANALYSED, frames=1), {}


class Lines:
    def started(self, key): ...
    def total(self, key, frames): ...
    def frames(self, key, done): ...
    def note(self, text): ...
    def finished(self, result): print(result_line(result), file=sys.stderr)


def ctrl_c():
    while not list(marks.glob("*.started")):
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGINT)


engines._ray_task = slow_task
video = marks / "clip.mp4"
video.write_bytes(b"bytes")
items = [engines.WorkItem(job=SimpleNamespace(key=f"clip{i}", stem=f"clip{i}", force=True),
                          video=video, out_dir=marks) for i in range(4)]
threading.Thread(target=ctrl_c, daemon=True).start()
results, interrupted = engines.run_ray(items, 1, Lines())
print(json.dumps({"interrupted": interrupted,
                  "results": [[r.key, r.error] for r in results],
                  "started": sorted(p.stem for p in marks.glob("*.started"))}))
'''


def test_ctrl_c_on_ray_says_of_each_clip_whether_it_had_started(tmp_path):
    pytest.importorskip("ray")
    from formcheck.batch.task import NOT_STARTED, STOPPED_RUNNING

    marks = tmp_path / "marks"
    marks.mkdir()
    proc = _run_script(tmp_path, _CTRL_C_SCRIPT, marks)
    out = json.loads(proc.stdout)
    assert out["interrupted"] and out["started"] == ["clip0"]
    # --jobs 1: clip0 ran, clip1 waited in Ray, clip2 and clip3 in the driver
    expected = [["clip0", STOPPED_RUNNING]] + [[f"clip{i}", NOT_STARTED] for i in (1, 2, 3)]
    assert out["results"] == expected
    # a line for every clip on the terminal, with the words of summary.json and the page
    # (the clips never handed to Ray had none)
    lines = sorted(proc.stderr.splitlines())
    assert lines == [f"stopped {key}  {error}" for key, error in expected], proc.stderr
