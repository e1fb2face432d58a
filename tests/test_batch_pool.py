"""The local engine's process pool when it breaks while clips are still being handed out:
the clips not handed out go to the next pool (CPython 3.11 can raise "handle is closed" from
``submit`` when a worker was killed a moment before), and pools that start nothing at all
end in a one-line failure per clip instead of trying for ever. The real pool with a killed
worker: tests/test_batch_e2e.py."""

from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from types import SimpleNamespace

import pytest

from formcheck.batch import engines
from formcheck.batch.task import ANALYSED, FAILED, ClipResult


class _Monitor:
    def __init__(self):
        self.notes, self.finished_keys = [], []

    def started(self, key): ...
    def total(self, key, frames): ...
    def frames(self, key, done): ...

    def finished(self, result):
        self.finished_keys.append(result.key)

    def note(self, text):
        self.notes.append(text)


def _items(n: int):
    return [SimpleNamespace(job=SimpleNamespace(key=f"clip{i}")) for i in range(n)]


def _pool_class(fail_at: dict[int, BaseException], log: list):
    """A stand-in for ProcessPoolExecutor: pool number k (from 0) raises ``fail_at[k]`` on
    its second hand-out; every clip handed out finishes at once."""
    count = [0]

    class Pool:
        def __init__(self, *args, **kwargs):
            self.index, self.handed = count[0], 0
            count[0] += 1
            self._processes = {}

        def submit(self, fn, item):
            self.handed += 1
            if self.handed == 2 and self.index in fail_at:
                raise fail_at[self.index]
            log.append((self.index, item.job.key))
            fut = Future()
            fut.set_result(ClipResult(key=item.job.key, status=ANALYSED))
            return fut

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    return Pool


@pytest.mark.parametrize("error", [OSError("handle is closed"), BrokenProcessPool("died")])
def test_clips_not_handed_out_run_in_the_next_pool(monkeypatch, error):
    log = []
    monkeypatch.setattr(engines, "ProcessPoolExecutor", _pool_class({0: error}, log))
    monitor = _Monitor()
    results, interrupted = engines.run_local(_items(3), 2, monitor)
    assert not interrupted
    assert [r.status for r in results] == [ANALYSED] * 3
    assert log == [(0, "clip0"), (1, "clip1"), (1, "clip2")]
    assert any("run again in new workers" in n for n in monitor.notes)


def test_pools_that_start_nothing_end_in_a_failure_not_a_loop(monkeypatch):
    class Never:
        def __init__(self, *args, **kwargs):
            self._processes = {}

        def submit(self, fn, item):
            raise OSError("Too many open files")

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    monkeypatch.setattr(engines, "ProcessPoolExecutor", Never)
    results, interrupted = engines.run_local(_items(2), 2, _Monitor())
    assert not interrupted
    assert [r.status for r in results] == [FAILED, FAILED]
    assert all("no worker process could be started" in r.error for r in results)


def test_a_clip_queued_in_the_pool_when_ctrl_c_came_says_it_never_started(monkeypatch):
    """--jobs 1: the pool hands one clip ahead to its worker's queue, where cancelling cannot
    reach it. Run after Ctrl-C, it read "stopped before it finished" (and showed as running)
    like the clip that was stopped mid-way, while the clips behind it read "not started"."""
    import threading
    from queue import Queue

    from formcheck.batch.task import INTERRUPTED, NOT_STARTED

    def run_clip(*args, **kwargs):
        raise AssertionError("a clip must not start after Ctrl-C")

    stop, events = threading.Event(), Queue()
    stop.set()
    monkeypatch.setattr(engines, "run_clip", run_clip)
    monkeypatch.setattr(engines, "_stop", stop)
    monkeypatch.setattr(engines, "_events", events)
    result = engines._pool_task(_items(1)[0])
    assert (result.key, result.status, result.error) == ("clip0", INTERRUPTED, NOT_STARTED)
    assert events.empty()  # not reported as started (the progress line's running clips)
