"""The heap trimmer that runs beside the pose pass (``formcheck.memory``)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from formcheck.memory import Trimmer, trimmed


def test_the_trimmer_trims_while_the_block_runs_and_stops_after():
    before = {t.name for t in threading.enumerate()}
    with trimmed(every_s=0.01) as trimmer:
        if not trimmer.available:
            pytest.skip("no malloc_trim here (not glibc)")
        assert "formcheck-trim" in {t.name for t in threading.enumerate()}
        deadline = time.monotonic() + 10
        while trimmer.trims < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert trimmer.trims >= 3
    done = trimmer.trims
    time.sleep(0.05)
    assert trimmer.trims == done  # stopped with the block
    assert "formcheck-trim" not in {t.name for t in threading.enumerate()} - before


def test_the_trimmer_stops_when_the_block_raises():
    with pytest.raises(RuntimeError), trimmed(every_s=0.01) as trimmer:
        raise RuntimeError("the pass failed")
    assert trimmer._thread is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's trim")
def test_a_trim_gives_freed_heap_back_to_the_system():
    """Many small blocks freed stay in the process (glibc keeps them) until a trim returns
    them: resident memory falls by most of what was freed."""
    t = Trimmer(every_s=3600)
    if not t.available:
        pytest.skip("no malloc_trim here (not glibc)")

    def rss_mib() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096 / 2**20

    blocks = [bytearray(4000) for _ in range(40_000)]  # ~160 MB in small heap blocks
    keep = blocks[::1000]  # a few survivors pin the heap's top: only a trim can release
    del blocks
    held = rss_mib()
    t._fn(0)
    assert rss_mib() < held - 80, (held, rss_mib())
    del keep


def test_the_pose_pass_runs_with_the_trimmer(lite_model):
    """``pipeline.extract_pose`` trims beside inference (a 10-minute clip's memory crept up in
    glibc's arenas otherwise: docs/performance.md 4.11)."""
    from pathlib import Path

    from formcheck import pipeline
    from formcheck.memory import _malloc_trim

    if _malloc_trim() is None:
        pytest.skip("no malloc_trim here (not glibc)")
    seen: set[str] = set()
    clip = Path(__file__).resolve().parents[1] / "samples" / "squat_good_side_m_avg.mp4"
    pipeline.extract_pose(clip, str(lite_model),
                          progress=lambda n: seen.update(t.name for t in threading.enumerate()))
    assert "formcheck-trim" in seen
    assert "formcheck-trim" not in {t.name for t in threading.enumerate()}
