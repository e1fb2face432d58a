"""Engines that run the per-clip task: a local process pool, or a Ray cluster.

Both run ``task.run_clip`` unchanged and report to a ``Monitor`` (progress bar, per-clip
lines). Ctrl-C: no new clip starts, clips not yet started are cancelled, running ones stop at
their next frame and discard what they were writing; finished clips are kept.

Local: ``concurrent.futures.ProcessPoolExecutor`` with *spawn* workers (MediaPipe is not safe to
fork once started). Each worker builds one pose model at a time (a fresh one per clip: the
model's video mode tracks the person from frame to frame, so reusing it across clips would make
a clip's first frames depend on the clip before and break "same clip, same findings as
``formcheck analyze``").

Ray: the same task as a Ray remote function. The clip's bytes (and its saved ``.pose.npz`` when
it can be reused) are shipped to the worker, which works in a temporary folder and returns the
output files; the driver writes them into DIR, state file last. Nodes need formcheck and the
same pose model bundle installed (checked by hash: a differing model fails the clip).
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import os
import queue as queue_mod
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from formcheck.batch.state import STATE_SUFFIX
from formcheck.batch.task import (
    ANALYSED,
    FAILED,
    INTERNAL_ERROR_CODE,
    INTERRUPTED,
    NOT_STARTED,
    STOPPED_RUNNING,
    THUMBNAIL_SUFFIX,
    BatchCancelled,
    ClipJob,
    ClipResult,
    run_clip,
)
from formcheck.errors import ConfigError, FormcheckError, InputNotFoundError

#: Frame-progress messages from a worker are sent at most this often (seconds).
PROGRESS_INTERVAL_S = 0.25
#: A clip that was running each time a worker process died this often fails; before, it is
#: run again in a new worker, which the batch notes (``rerun_note``). Both engines: Ray's
#: own retries are off, so a task Ray's memory monitor killed is counted as a local worker
#: killed for memory is, not retried by Ray up to its ``task_oom_retries``.
MAX_WORKER_DEATHS = 2
#: Ray: clips in flight per worker slot (each holds its video bytes in the object store).
RAY_IN_FLIGHT_PER_SLOT = 2
#: How long to wait for a Ray head node to accept a connection before saying it is unreachable.
RAY_CONNECT_TIMEOUT_S = 5.0

RAY_MISSING = "the Ray engine needs Ray: pip install 'formcheck[ray]'"


@dataclass(frozen=True)
class WorkItem:
    job: ClipJob
    video: Path  # where the driver reads the clip
    out_dir: Path  # where its outputs go under DIR


class Monitor(Protocol):
    def started(self, key: str) -> None: ...
    def total(self, key: str, frames: int) -> None: ...
    def frames(self, key: str, done: int) -> None: ...
    def finished(self, result: ClipResult) -> None: ...
    def note(self, text: str) -> None: ...


def _not_started(item: WorkItem) -> ClipResult:
    return ClipResult(key=item.job.key, status=INTERRUPTED, error=NOT_STARTED)


def _worker_died(item: WorkItem, deaths: int) -> ClipResult:
    """A clip whose worker died ``MAX_WORKER_DEATHS`` times, in the same words on both engines
    (a local worker killed by the kernel for memory cannot be told from a crash; Ray's memory
    monitor's kill can, and is said the same way)."""
    return ClipResult(key=item.job.key, status=FAILED, exit_code=INTERNAL_ERROR_CODE,
                      error=f"the worker process died {deaths} times while analysing this "
                            "clip (out of memory, or a crash in the pose model)")


def rerun_note(clips: int) -> str:
    """The note either engine gives when clips whose worker died are run again."""
    return f"a worker process died; {clips} clip(s) run again in new workers"


# ---------------------------------------------------------------------------- local pool
_events = None
_stop = None


def _init_worker(events, stop) -> None:
    """Pool worker start-up: Ctrl-C is the driver's to handle (it sets ``stop``). What
    MediaPipe's C++ side prints on the worker's stderr (model start-up and tear-down notices)
    would tear through the progress display; a clip's errors come back as data instead, so
    the worker's stderr goes to /dev/null unless FORMCHECK_DEBUG is set."""
    global _events, _stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _events, _stop = events, stop
    if not os.environ.get("FORMCHECK_DEBUG"):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _pool_task(item: WorkItem) -> ClipResult:
    key = item.job.key
    last = [0.0]

    def progress(kind: str, value: int) -> None:
        if _stop is not None and _stop.is_set():
            raise BatchCancelled
        if _events is None:
            return
        now = time.monotonic()
        if kind == "total":
            _events.put((key, "total", value))
        elif kind == "frames" and now - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = now
            _events.put((key, "frames", value))

    if _stop is not None and _stop.is_set():
        # Handed to this worker before Ctrl-C (the pool queues one clip ahead, which
        # cancelling cannot take back) but never begun.
        return _not_started(item)
    if _events is not None:
        _events.put((key, "started", 0))
    result = run_clip(item.job, item.video, item.out_dir, progress)
    if _events is not None and result.frames:
        _events.put((key, "frames", result.frames))
    return result


def _drain(events, monitor: Monitor, started: set[str]) -> None:
    """Pass the workers' progress messages on; note which clips have started."""
    while True:
        try:
            key, kind, value = events.get_nowait()
        except queue_mod.Empty:
            return
        if kind == "started":
            started.add(key)
            monitor.started(key)
        elif kind == "total":
            monitor.total(key, value)
        else:
            monitor.frames(key, value)


def run_local(items: Sequence[WorkItem], workers: int, monitor: Monitor,
              ) -> tuple[list[ClipResult], bool]:
    """Run ``items`` on ``workers`` processes; returns results in item order and whether the
    batch was interrupted.

    A worker that dies (killed for memory, a crash in native code) breaks its pool: every clip
    then in it is run again in a new pool; a clip that was running when a worker died twice
    fails with that reason, so one bad clip cannot stop the others."""
    if not items:
        return [], False
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    results: dict[str, ClipResult] = {}
    deaths: dict[str, int] = {}
    todo = list(items)
    interrupted = False
    idle_rounds = 0  # pools in a row that started no clip at all
    while todo and not interrupted:
        done_before = len(results)
        broken, started, interrupted = _pool_round(ctx, stop, todo, workers, monitor, results)
        idle_rounds = 0 if started or len(results) > done_before else idle_rounds + 1
        todo = []
        for item in broken:
            key = item.job.key
            deaths[key] = deaths.get(key, 0) + (key in started)
            if interrupted:
                results[key] = (ClipResult(key=key, status=INTERRUPTED, error=STOPPED_RUNNING)
                                if key in started else _not_started(item))
            elif deaths[key] >= MAX_WORKER_DEATHS:
                results[key] = _worker_died(item, deaths[key])
            elif idle_rounds >= MAX_WORKER_DEATHS:
                results[key] = ClipResult(
                    key=key, status=FAILED, exit_code=INTERNAL_ERROR_CODE,
                    error=f"no worker process could be started ({idle_rounds} tries)")
            else:
                todo.append(item)
                continue
            monitor.finished(results[key])
        if todo:
            monitor.note(rerun_note(len(todo)))
    return [results.get(i.job.key) or _not_started(i) for i in items], interrupted


def _pool_round(ctx, stop, items: list[WorkItem], workers: int, monitor: Monitor,
                results: dict[str, ClipResult]) -> tuple[list[WorkItem], set[str], bool]:
    """One process pool over ``items``. Fills ``results``; returns the items whose worker
    died, the keys that had started, and whether Ctrl-C stopped it."""
    events = ctx.Queue()  # a fresh queue: a killed worker may leave the old one's lock held
    started: set[str] = set()
    broken: list[WorkItem] = []
    interrupted = False

    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(items))), mp_context=ctx,
                               initializer=_init_worker, initargs=(events, stop))
    futures = {}
    for n, item in enumerate(items):
        try:
            futures[pool.submit(_pool_task, item)] = item
        except (BrokenProcessPool, OSError):
            # A worker died while clips were still being handed out: the pool says so, or
            # (CPython 3.11, before it knows) the worker it starts in its place finds the
            # pool's queues closed ("handle is closed"). Never started: the next pool runs them.
            broken.extend(items[n:])
            break
    pending = set(futures)

    def collect(done) -> None:
        _drain(events, monitor, started)
        for fut in done:
            item = futures[fut]
            if fut.cancelled():
                res = _not_started(item)
            elif fut.exception() is not None:  # BrokenProcessPool: a worker died
                broken.append(item)
                continue
            else:
                res = fut.result()
            results[item.job.key] = res
            monitor.finished(res)

    try:
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                collect(done)
        except KeyboardInterrupt:
            interrupted = True
            stop.set()
            for fut in pending:
                fut.cancel()
            monitor.note("stopping: finished clips are kept; running clips stop at their "
                         "next frame and leave nothing half-written")
            done, pending = wait(pending)
            collect(done)
    finally:
        if broken:
            _end_workers(pool)
        pool.shutdown(wait=not pending, cancel_futures=True)
        _drain(events, monitor, started)
    return broken, started, interrupted


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """After a worker died, end the pool's other workers (their clips run again elsewhere).
    The pool does this itself, but CPython 3.11 misses a worker spawned while the pool was
    breaking (a clip handed out at that moment) and then waits for it forever."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()


# ---------------------------------------------------------------------------- Ray
def _ray_task(job: ClipJob, video_name: str, video_bytes: bytes,
              pose_bytes: bytes | None) -> tuple[ClipResult, dict[str, bytes]]:
    """On a Ray worker: write the shipped clip to a temporary folder, run the task there, and
    return its result with the output files' bytes."""
    from formcheck import pipeline

    with tempfile.TemporaryDirectory(prefix="formcheck-batch-") as tmp:
        src = Path(tmp) / "in" / video_name
        out = Path(tmp) / "out"
        src.parent.mkdir()
        out.mkdir()
        src.write_bytes(video_bytes)
        if pose_bytes is not None:
            pipeline.output_paths(out, job.stem)["pose"].write_bytes(pose_bytes)
        try:
            result = run_clip(job, src, out)
        except KeyboardInterrupt:  # ray.cancel(): nothing leaves the temporary folder
            return ClipResult(key=job.key, status=INTERRUPTED, error=STOPPED_RUNNING), {}
        # Whatever the clip left, as a local run leaves it in DIR (a failed clip's
        # complete files too; temp files never).
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir())
                 if p.is_file() and not p.name.startswith(".")}
        if pose_bytes is not None and result.pose == "saved":
            files.pop(pipeline.output_paths(out, job.stem)["pose"].name, None)  # unchanged
        return result, files


def _gather(files: dict[str, bytes], out_dir: Path, stem: str | None = None) -> None:
    """Write a Ray task's files into ``out_dir``, the state file last. With ``stem`` (a clip
    analysed), first remove that clip's outputs of an earlier run that this one did not make
    (a video with --no-video, a thumbnail when no finding is left), as the local engine does;
    the pose data stays (a worker that reused it ships none back)."""
    from formcheck.fsutil import write_bytes_atomic
    from formcheck.outputs import output_paths

    for name in sorted(files, key=lambda n: n.endswith(STATE_SUFFIX)):
        if stem is not None and name.endswith(STATE_SUFFIX):
            stale = [p for kind, p in output_paths(out_dir, stem).items() if kind != "pose"]
            for path in (*stale, out_dir / f"{stem}{THUMBNAIL_SUFFIX}"):
                if path.name not in files:
                    path.unlink(missing_ok=True)
        write_bytes_atomic(out_dir / name, files[name])


def _ray_payload(item: WorkItem) -> tuple[bytes, bytes | None]:
    """The bytes to ship; a clip the driver cannot read fails as ``analyze`` would fail."""
    from formcheck import pipeline

    if not item.video.exists():
        raise InputNotFoundError(f"video not found: {item.video}")
    if not item.video.is_file():
        raise InputNotFoundError(f"not a file: {item.video}")
    try:
        video = item.video.read_bytes()
    except OSError as exc:
        raise InputNotFoundError(f"cannot read {item.video}: {exc.strerror or exc}") from exc
    pose = None
    if not item.job.force:
        pose_path = pipeline.output_paths(item.out_dir, item.job.stem)["pose"]
        if pose_path.is_file():  # the worker's cached_pose() decides if it still matches
            pose = pose_path.read_bytes()
    return video, pose


def import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError(RAY_MISSING) from None
    return ray


def check_reachable(address: str, timeout_s: float = RAY_CONNECT_TIMEOUT_S) -> None:
    """Fail at once when a Ray ``HOST:PORT`` (or ``ray://HOST:PORT``) cannot be connected to:
    ``ray.init`` itself retries an unreachable head node for minutes. ``auto``/``local`` and
    addresses without a port are left to Ray."""
    import socket

    hostport = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return
    host = host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, TimeoutError) or isinstance(exc, socket.timeout):
            reason = f"no answer within {timeout_s:g} s"
        raise ConfigError(f"cannot reach the Ray cluster at {address} ({reason}); check "
                          "--address and that `ray status` works there") from None


def _ray_log_level() -> int:
    """Ray's own log records (start-up notices such as its token-authentication warning) would
    land on the user's terminal among the batch's lines; a failure reaches the user as one
    ``error:`` line instead. FORMCHECK_DEBUG shows them."""
    return logging.INFO if os.environ.get("FORMCHECK_DEBUG") else logging.ERROR


@contextlib.contextmanager
def ray_started(workers: int | None, address: str | None = None):
    """Ray, connected to the cluster at ``address`` or started here on loopback with
    ``workers`` CPUs (default: this machine's), and shut down on leaving. Already initialised
    (a caller's own ``ray.init``): used as it is and left running. A start or connection
    failure is a ``ConfigError`` (exit 7) with Ray's first line, raised before any clip runs
    (the command starts Ray before its progress display).

    A Ray started here has its session folder (sockets, logs, spilled objects) removed after
    shutdown (``_remove_ray_session``): otherwise every run leaves a ``session_*`` folder under
    ``/tmp/ray`` (``$RAY_TMPDIR/ray``). Nothing of a cluster only connected to is touched."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    opts = dict(include_dashboard=False, log_to_driver=False, logging_level=_ray_log_level())
    if address:
        check_reachable(address)
    with contextlib.redirect_stdout(_RayDriverMessages()):
        yield from _ray_session(ray, workers, address, opts)


class _RayDriverMessages(io.TextIOBase):
    """Where the driver's stdout goes while Ray runs. Ray's error listener thread prints what
    the cluster reports (a worker that died: "(raylet) A worker died or was killed …", "Task
    … failed. There are 1 retries remaining …") on ``sys.stdout``, whatever ``log_to_driver``
    and ``logging_level`` say; the clip's own line ("FAILED … the worker process died 2
    times") says it for the user. The batch itself writes only to stderr while clips run.
    FORMCHECK_DEBUG passes them on to stderr."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if os.environ.get("FORMCHECK_DEBUG"):
            sys.stderr.write(text)
        return len(text)


def _ray_session(ray, workers: int | None, address: str | None, opts: dict):
    own_session: str | None = None
    try:
        if address:
            ray.init(address=address, **opts)
        else:
            context = ray.init(num_cpus=workers or os.cpu_count() or 1,
                               _node_ip_address="127.0.0.1", **opts)
            own_session = context.address_info.get("session_dir")
    except Exception as exc:  # noqa: BLE001 - Ray raises several kinds; one line for all
        if ray.is_initialized():
            ray.shutdown()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if address:
            raise ConfigError(f"cannot start or reach the Ray cluster at {address} ({first}); "
                              "check --address and that `ray status` works there") from None
        raise ConfigError(f"cannot start a local Ray instance ({first}); `ray start --head` "
                          "shows Ray's own diagnosis, or use --engine local") from None
    try:
        yield ray
    finally:
        ray.shutdown()
        _remove_ray_session(own_session)


def _remove_ray_session(session_dir: str | None) -> None:
    """Remove the session folder of a Ray instance this process started and has shut down,
    and Ray's ``session_latest`` link when it still points to it (another Ray started since
    keeps its link). Ray's own temp-dir option would do it too, but a folder of ours in the
    path makes Ray's socket paths longer than its 107-byte limit sooner."""
    if not session_dir:
        return
    path = Path(session_dir)
    if not path.name.startswith("session_") or not path.is_dir():
        return
    shutil.rmtree(path, ignore_errors=True)
    latest = path.parent / "session_latest"
    with contextlib.suppress(OSError):
        if latest.is_symlink() and Path(os.readlink(latest)).name == path.name:
            latest.unlink()


def run_ray(items: Sequence[WorkItem], workers: int | None, monitor: Monitor,
            address: str | None = None) -> tuple[list[ClipResult], bool]:
    """Run ``items`` on a Ray cluster (``address``), or on a Ray instance started here on
    loopback with ``workers`` CPUs (default: this machine's); see ``ray_started``.
    ``workers`` also bounds the clips in flight; on a cluster it defaults to the cluster's
    CPUs."""
    if not items:
        return [], False
    with ray_started(workers, address) as ray:
        return _run_on_ray(ray, items, workers, monitor)


def _run_on_ray(ray, items: Sequence[WorkItem], workers: int | None, monitor: Monitor,
                ) -> tuple[list[ClipResult], bool]:
    if workers is None:
        workers = int(ray.cluster_resources().get("CPU", 1))
    # A clip whose worker died (a crash, or killed by Ray's memory monitor) is run again here
    # as the local engine runs it again, with the same note, no more: Ray's own retries
    # (3 by default; 15 or more for its memory monitor's kills) are off, and said nothing.
    remote = ray.remote(num_cpus=1, max_retries=0)(_ray_task)
    results: dict[str, ClipResult] = {}
    deaths: dict[str, int] = {}
    interrupted = False
    by_ref: dict = {}
    queue = list(items)
    limit = max(1, workers) * RAY_IN_FLIGHT_PER_SLOT

    def finish(ref) -> None:
        item = by_ref.pop(ref)
        try:
            res, files = ray.get(ref)
            if files:
                _gather(files, item.out_dir,
                        item.job.stem if res.status == ANALYSED else None)
        except ray.exceptions.TaskCancelledError:
            res = _not_started(item)
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError):
            key = item.job.key
            deaths[key] = deaths.get(key, 0) + 1
            if interrupted:  # as the local engine says of a clip running at Ctrl-C
                res = ClipResult(key=key, status=INTERRUPTED, error=STOPPED_RUNNING)
            elif deaths[key] < MAX_WORKER_DEATHS:
                queue.insert(0, item)
                monitor.note(rerun_note(1))
                return
            else:
                res = _worker_died(item, deaths[key])
        except ray.exceptions.RayError as exc:
            res = ClipResult(key=item.job.key, status=FAILED, exit_code=INTERNAL_ERROR_CODE,
                             error=f"the Ray task failed ({type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0] if str(exc) else ''})")
        except Exception as exc:  # noqa: BLE001 - e.g. an OutputError writing into DIR
            code = getattr(exc, "exit_code", INTERNAL_ERROR_CODE)
            res = ClipResult(key=item.job.key, status=FAILED, exit_code=code, error=str(exc))
        results[item.job.key] = res
        if res.frames:
            monitor.total(item.job.key, res.frames)
            monitor.frames(item.job.key, res.frames)
        monitor.finished(res)

    try:
        while queue or by_ref:
            while queue and len(by_ref) < limit:
                item = queue.pop(0)
                try:
                    video, pose = _ray_payload(item)
                except FormcheckError as err:
                    res = ClipResult(key=item.job.key, status=FAILED, error=str(err),
                                     exit_code=err.exit_code)
                    results[item.job.key] = res
                    monitor.finished(res)
                    continue
                ref = remote.remote(item.job, item.video.name, video, pose)
                by_ref[ref] = item
                monitor.started(item.job.key)
            if not by_ref:
                continue
            done, _ = ray.wait(list(by_ref), num_returns=1, timeout=0.5)
            for ref in done:
                finish(ref)
    except KeyboardInterrupt:
        interrupted = True
        monitor.note("stopping: finished clips are kept; running clips are cancelled "
                     "and leave nothing in the output folder")
        for ref in list(by_ref):
            ray.cancel(ref)
        for ref in list(by_ref):
            finish(ref)
        for item in queue:  # never handed to Ray: its line too, as the local engine prints
            results[item.job.key] = _not_started(item)
            monitor.finished(results[item.job.key])
    return [results.get(i.job.key) or _not_started(i) for i in items], interrupted
