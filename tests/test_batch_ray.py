"""The Ray engine when things go wrong, as the local engine: a clip whose worker process dies
is tried as often (``MAX_WORKER_DEATHS``) and fails with the same line, and Ray's own messages
about the dead worker stay off the user's terminal. Ray runs on loopback in a child process
(whose task kills its own worker with ``os._exit``, as a crash in native code would)."""

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

_SCRIPT = r'''
import json, os, sys
from pathlib import Path
from types import SimpleNamespace

from formcheck.batch import engines
from formcheck.batch.monitor import result_line

tries = Path(sys.argv[1])


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


class Lines:
    def started(self, key): ...
    def total(self, key, frames): ...
    def frames(self, key, done): ...
    def note(self, text): print(text, file=sys.stderr)
    def finished(self, result): print(result_line(result), file=sys.stderr)


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


def test_a_clip_whose_ray_worker_dies_is_tried_as_often_as_locally(tmp_path):
    pytest.importorskip("ray")
    from formcheck.batch.engines import MAX_WORKER_DEATHS

    script = tmp_path / "crash.py"
    script.write_text(_SCRIPT)
    tries = tmp_path / "tries"
    tries.mkdir()
    ray_tmp = Path(tempfile.mkdtemp(prefix="fc-rt-"))  # short: Ray's socket paths
    env = {**os.environ, "RAY_TMPDIR": str(ray_tmp), "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p)}
    env.pop("FORMCHECK_DEBUG", None)
    try:
        proc = subprocess.run([sys.executable, str(script), str(tries)], capture_output=True,
                              text=True, timeout=600, env=env)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
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
    # stderr: the batch's one line per clip, none of Ray's
    assert [line.split()[0] for line in proc.stderr.splitlines()] == ["ok", "FAILED"], \
        proc.stderr
