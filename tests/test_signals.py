"""A stop (Ctrl-C, SIGTERM) is never lost, whatever the main thread was doing when it came."""

from __future__ import annotations

import gc
import signal
import time

import pytest

from formcheck import cli
from formcheck.errors import Interrupted


class _SignalledWhileFreed:
    """Sends ``signum`` to this process while the garbage collector frees it, as when Ctrl-C
    arrives during MediaPipe's ``Image.__del__`` (seen in CI: the stop was dropped, with a
    traceback, and live ran on to the end of the clip)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        signal.raise_signal(self.signum)
        sum(range(1000))  # the handler runs here, inside __del__


@pytest.fixture
def handled():
    """cli's handler on SIGINT and SIGTERM for the test, the previous handlers back after."""
    before = {s: signal.signal(s, cli._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in before.items():
            signal.signal(s, h)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_that_comes_inside_a_finaliser_still_stops(handled, signum, capsys):
    with pytest.raises(Interrupted) as caught:
        obj = _SignalledWhileFreed(signum)
        del obj
        gc.collect()
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:  # the stop comes again here, from outside it
            time.sleep(0.01)
    assert caught.value.signum == signum
    assert "Exception ignored" not in capsys.readouterr().err


def test_a_stop_elsewhere_is_raised_where_it_comes(handled):
    with pytest.raises(Interrupted):
        signal.raise_signal(signal.SIGINT)
        sum(range(1000))
