"""Capture in its own thread; the consumer always gets the newest frame.

A ``FrameGrabber`` reads a source on a background thread and keeps one slot: a frame the
consumer has not taken when the next one arrives is dropped (and counted), never queued, so
inference never falls behind the camera. ``lockstep=True`` instead makes the reader wait until
the consumer took the frame (file replay that must see every frame: the parity mode).

Sources: ``CameraSource`` (``formcheck.io.video``), and ``ReplaySource``, a file played as if it
were a camera, paced by its own timestamps when ``realtime``: a frame still undelivered when
the next one is due is skipped, as a camera's frame not read in time is gone.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from formcheck.errors import CameraError, FormcheckError
from formcheck.io.video import Decoded, Frame
from formcheck.report import VideoInfo


class Source(Protocol):
    info: VideoInfo

    def read(self) -> Frame | None: ...

    def reopen(self) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Captured:
    """A frame with the monotonic clock reading at which it became available."""

    frame: Frame
    captured_s: float  # time.monotonic()
    seq_no: int  # 0-based count of frames the grabber has read


class ReplaySource:
    """A video file as a camera. ``realtime``: each frame becomes available when its
    timestamp comes due on the wall clock (from the first ``read``), like a camera delivering
    it; otherwise as fast as it is asked for, every frame (lockstep replay is frame-exact).

    A camera keeps its own pace: a frame the reader did not take before the next one came is
    gone. So when decoding falls behind (a loaded machine, a 4K file), a realtime replay
    decodes every frame (H.264 needs them all) but delivers, of the frames due by the time it
    is read, only the newest: the others are skipped (``skipped_indices``), and the frames it
    delivers keep the file's timestamps, so the file's clock keeps up with the wall clock
    (every frame delivered late ran it slower: 2.2 s of file in over 4 s at a load of ~14).
    A skipped frame is decoded only, never converted to a picture in memory (about half of a
    frame's cost: ``FileSource.decoded``), so a replay keeps pace while decoding alone is
    faster than the file; where decoding alone is slower, it cannot.
    """

    def __init__(self, path: str | Path, realtime: bool = False) -> None:
        from formcheck.io.video import FileSource

        self.path = Path(path)
        self.realtime = realtime
        self._src = FileSource(self.path)
        self.info = self._src.info
        self._frames: Iterator[Decoded] = self._src.decoded()
        self._start: float | None = None
        self._t_first: float | None = None
        self._pending: Decoded | None = None  # decoded, not yet due when last looked at
        #: The file's frame numbers a realtime replay skipped (in order): their time had
        #: passed, and a later frame's too, before the reader took them.
        self.skipped_indices: list[int] = []

    @property
    def skipped(self) -> int:
        """Frames a realtime replay skipped so far (never one in lockstep or as fast)."""
        return len(self.skipped_indices)

    def skipped_between(self, first: int, last: int) -> int:
        """How many of the file's frames ``first`` … ``last`` (inclusive) were skipped."""
        idx = self.skipped_indices[:]  # appended to by the reader thread
        return bisect_right(idx, last) - bisect_left(idx, first)

    @property
    def truncation(self):
        """What the file decoder found missing at the end (None when nothing is), once read."""
        return self._src.truncation

    @property
    def size_change(self):
        """Where the file's picture size changed (``FileSource.size_change``), once read."""
        return self._src.size_change

    def _decode(self) -> Decoded | None:
        if self._pending is not None:
            decoded, self._pending = self._pending, None
            return decoded
        return next(self._frames, None)

    def _due(self, decoded: Decoded) -> float:
        return self._start + (decoded.t_s - self._t_first)

    def read(self) -> Frame | None:
        decoded = self._decode()
        if decoded is None:
            return None
        if not self.realtime:
            return self._src.picture(decoded)
        now = time.monotonic()
        if self._start is None:
            self._start, self._t_first = now, decoded.t_s
        # Of the frames due by now, the newest: an older one whose successor is due as well
        # was not taken in time (decoded, never delivered, never converted). Frames that come
        # due while this read decodes wait for the next read, so a decoder slower than the
        # file still delivers a frame at each read.
        while self._due(decoded) <= now:
            following = self._decode()
            if following is None:
                break
            if self._due(following) > now:
                self._pending = following
                break
            self.skipped_indices.append(decoded.index)
            decoded = following
        frame = self._src.picture(decoded)  # converted while it is not yet due, if it is not
        wait = self._due(decoded) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return frame

    def reopen(self) -> bool:
        return False  # a file that ended has ended

    def close(self) -> None:
        self._src.close()


class FrameGrabber:
    """Reads ``source`` on a thread; ``get()`` returns the newest frame not yet taken.

    When the source stops delivering, ``reopen()`` is tried ``reconnect_attempts`` times,
    ``reconnect_delay_s`` apart; if it stays silent the grabber ends, and ``error`` says why
    (None when a file simply ended). ``dropped`` counts frames replaced before being taken.
    """

    def __init__(self, source: Source, *, lockstep: bool = False, reconnect_attempts: int = 0,
                 reconnect_delay_s: float = 0.5, is_camera: bool = False,
                 fresh_wait: bool = True) -> None:
        self.source = source
        self.lockstep = lockstep
        self.fresh_wait = fresh_wait and not lockstep
        self._interval_s: float | None = None  # smoothed time between arriving frames
        self._last_arrival: float | None = None
        self.reconnect_attempts = reconnect_attempts
        self.reconnect_delay_s = reconnect_delay_s
        self.is_camera = is_camera
        self.read_count = 0
        self.dropped = 0
        self.reconnects = 0
        self.error: FormcheckError | None = None
        self._cond = threading.Condition()
        self._slot: Captured | None = None
        self._ended = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-capture",
                                        daemon=True)

    def start(self) -> FrameGrabber:
        self._thread.start()
        return self

    # ------------------------------------------------------------------ reader thread
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self.source.read()
                if frame is None:
                    frame = self._reconnect()
                    if frame is None:
                        return
                self._publish(frame)
        except FormcheckError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - any backend failure ends capture, with a cause
            self.error = CameraError(f"capture failed: {str(exc).splitlines()[0] or exc!r}")
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def _reconnect(self) -> Frame | None:
        if not self.is_camera:
            return None
        for _ in range(self.reconnect_attempts):
            if self._stop.wait(self.reconnect_delay_s):
                return None
            self.reconnects += 1
            if self.source.reopen():
                frame = self.source.read()
                if frame is not None:
                    return frame
        if self.read_count:
            self.error = CameraError(
                f"the camera stopped sending frames after {self.read_count} frames and "
                f"{self.reconnect_attempts} reconnect attempts failed; check its cable or "
                "stream, the set so far was saved")
        else:
            self.error = CameraError("the camera opened but sent no frames; check it is not "
                                     "used by another program")
        return None

    def _publish(self, frame: Frame) -> None:
        with self._cond:
            if self.lockstep:
                while self._slot is not None and not self._stop.is_set():
                    self._cond.wait(0.1)
            elif self._slot is not None:
                self.dropped += 1
            # Stamped when it becomes available to the consumer (in lockstep, after the wait).
            now = time.monotonic()
            if self._last_arrival is not None:
                gap = now - self._last_arrival
                self._interval_s = gap if self._interval_s is None else (
                    0.9 * self._interval_s + 0.1 * gap)
            self._last_arrival = now
            self._slot = Captured(frame, now, self.read_count)
            self.read_count += 1
            self._cond.notify_all()

    # ------------------------------------------------------------------ consumer
    def get(self, timeout: float | None = None) -> Captured | None:
        """The newest frame not yet taken; None on timeout or when capture has ended.

        With ``fresh_wait``, a frame that has already waited more than half the interval
        between frames is swapped for the next one when that is due sooner than the old one
        has waited: the newer frame is shown with less delay, at the cost of at most half an
        interval of idle time.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._slot is not None or self._ended,
                                       timeout):
                return None
            item = self._slot
            interval = self._interval_s
            if self.fresh_wait and item is not None and interval and not self._ended:
                age = time.monotonic() - item.captured_s
                if interval / 2 < age < interval:
                    self._cond.wait_for(lambda: self._slot is not item or self._ended,
                                        interval - age + 0.1 * interval)
            item, self._slot = self._slot, None
            self._cond.notify_all()
            return item

    @property
    def finished(self) -> bool:
        """Capture has ended and every frame was taken."""
        with self._cond:
            return self._ended and self._slot is None

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.ident is not None:
            self._thread.join(timeout=5.0)
        self.source.close()
