"""A stop (Ctrl-C, SIGTERM) is never lost, whatever the main thread was doing when it came.

Each case runs in a process of its own with formcheck's handlers installed as ``formcheck``
installs them (pytest replaces ``sys.unraisablehook`` around each test)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

_SCRIPT = """
import gc, signal, sys, time
from formcheck import cli
from formcheck.errors import Interrupted

cli.install_stop_handlers()
signum, where = int(sys.argv[1]), sys.argv[2]

class Freed:
    def __del__(self):
        signal.raise_signal(signum)
        sum(range(1000))  # the handler runs here, inside __del__

def collected(phase, info):
    if phase == "start":
        signal.raise_signal(signum)
        sum(range(1000))  # the handler runs here, inside the collector's callback

try:
    if where == "finaliser":
        obj = Freed()
        del obj
    elif where == "gc-callback":
        gc.callbacks.append(collected)
        gc.collect()
        gc.callbacks.remove(collected)
    else:
        signal.raise_signal(signum)
        sum(range(1000))
    time.sleep(5.0)  # the stop comes again here, from outside it
    print("not stopped")
except Interrupted as stop:
    print(f"stopped by {stop.signum}")
"""


@pytest.mark.parametrize("where", ["finaliser", "gc-callback", "elsewhere"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_is_raised_in_the_main_thread_wherever_it_comes(signum, where):
    """CI saw a Ctrl-C dropped twice: raised in MediaPipe's ``Image.__del__`` (live ran on to
    the end of its clip) and in a ``gc.callbacks`` function; Python prints an exception from
    either as "Exception ignored in ..." and goes on."""
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(int(signum)), where],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == f"stopped by {int(signum)}", proc.stderr
    assert "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr


def test_other_unraisable_exceptions_are_still_reported():
    script = ("from formcheck import cli\ncli.install_stop_handlers()\n"
              "class Bad:\n    def __del__(self):\n        raise ValueError('boom')\n"
              "b = Bad()\ndel b\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "Exception ignored" in proc.stderr and "boom" in proc.stderr
