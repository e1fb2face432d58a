"""Handing freed heap memory back to the system during a long pass (glibc's ``malloc_trim``).

The pose pass frees and allocates per frame on two threads (MediaPipe's results, masks, decoded
pictures); glibc keeps what is freed in its arenas, so a ten-minute clip's resident memory
crept up through the run (docs/performance.md 4.11: a ten-minute 1080p clip's peak ×1.105 of a
10-s one's; ×1.091 with the trim). ``trimmed`` returns that free memory to the system once a
second while the pass runs.
Elsewhere than glibc (musl, macOS, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Seconds between two trims. Once a second: the pose pass' speed was unchanged by it
#: (docs/performance.md 4.11: 0.785× bare with and without).
TRIM_EVERY_S = 1.0


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim`` (looked up once, in the process' own symbols: no ``ldconfig``
    run), or None where there is none."""
    try:
        fn = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


def trim_now() -> bool:
    """Hand the heap's free memory back to the system now; False where that cannot be done."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True


class Trimmer:
    """A thread trimming the heap every ``every_s`` seconds until ``stop``; ``trims`` counts
    the calls made (0 where there is no ``malloc_trim``)."""

    def __init__(self, every_s: float = TRIM_EVERY_S) -> None:
        self.every_s = float(every_s)
        self.trims = 0
        self._fn = _malloc_trim()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self._fn is not None

    def start(self) -> Trimmer:
        if self._fn is not None:
            self._thread = threading.Thread(target=self._run, name="formcheck-trim",
                                            daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._fn(0)
            self.trims += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


@contextmanager
def trimmed(every_s: float = TRIM_EVERY_S) -> Iterator[Trimmer]:
    """Trim the heap every ``every_s`` seconds while the ``with`` block runs."""
    trimmer = Trimmer(every_s).start()
    try:
        yield trimmer
    finally:
        trimmer.stop()
