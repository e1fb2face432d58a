from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from formcheck.pipeline import prefetch


def test_prefetch_keeps_order_and_runs_ahead():
    produced = []

    def gen():
        for i in range(50):
            produced.append(i)
            yield i

    assert list(prefetch(gen(), depth=4)) == list(range(50))
    assert produced == list(range(50))


def test_prefetch_reraises_producer_errors_in_consumer():
    def gen():
        yield 1
        raise ValueError("broken frame")

    got = []
    with pytest.raises(ValueError, match="broken frame"):
        for x in prefetch(gen()):
            got.append(x)
    assert got == [1]


def test_prefetch_stops_producer_when_consumer_stops():
    pulled = []

    def gen():
        for i in range(10_000):
            pulled.append(i)
            yield i

    it = prefetch(gen(), depth=2)
    assert next(it) == 0
    it.close()
    assert len(pulled) < 10  # the producer stopped a few items ahead, not at the end
    assert not any(t.name == "formcheck-prefetch" and t.is_alive()
                   for t in threading.enumerate())


def test_cli_start_up_imports_nothing_heavy():
    code = ("import sys, formcheck.cli; "
            "heavy = {'mediapipe', 'cv2', 'av', 'matplotlib', 'torch', 'scipy'} "
            "& set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "formcheck", "--help"], capture_output=True,
                         text=True, check=True)
    assert "analyze" in out.stdout
