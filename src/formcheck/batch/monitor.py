"""What the coach sees while a batch runs: one rich progress display on stderr (clips, frames,
which clips are running) and one line per finished clip."""

from __future__ import annotations

from formcheck.batch.task import ANALYSED, FAILED, INTERRUPTED, ClipResult
from formcheck.report import counted

#: Running clips named in the progress line (the rest are counted).
SHOWN_RUNNING = 3


def result_line(r: ClipResult) -> str:
    if r.status == ANALYSED:
        pose = "pose reused" if r.pose == "saved" else "pose inference"
        return f"ok      {r.key}  ({counted(r.frames, 'frame')}, {pose}, {r.seconds:.1f} s)"
    if r.status == FAILED:
        return f"FAILED  {r.key}  [exit {r.exit_code}] {r.error}"
    return f"stopped {r.key}  {r.error}"


class QuietMonitor:
    """Records nothing, shows nothing (``--quiet``, tests)."""

    def __enter__(self) -> QuietMonitor:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def started(self, key: str) -> None: ...
    def total(self, key: str, frames: int) -> None: ...
    def frames(self, key: str, done: int) -> None: ...
    def finished(self, result: ClipResult) -> None: ...
    def note(self, text: str) -> None: ...


class RichMonitor:
    """Clips done of N and frames done of the frames known so far (a clip's count is added
    when it starts), the running clips' names, and a line per finished clip."""

    def __init__(self, clips: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description:<8}"), BarColumn(),
                                 MofNCompleteColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.fields[info]}"),
                                 console=self.console, transient=False)
        self.clips = self.progress.add_task("clips", total=clips, info="")
        self.frames_task = self.progress.add_task("frames", total=0, info="")
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._running: list[str] = []
        #: Clips whose result is in: a worker's progress message about one may come after it
        #: (the messages travel on a queue of their own), and must not make it run again.
        self._finished: set[str] = set()
        #: Clips stopped by Ctrl-C (not started, or stopped while running): not done, so
        #: neither bar counts them as done.
        self._stopped = 0

    def __enter__(self) -> RichMonitor:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def _refresh(self) -> None:
        names = self._running[:SHOWN_RUNNING]
        more = len(self._running) - len(names)
        info = ("running: " + ", ".join(names) + (f" +{more}" if more > 0 else "")
                if names else "")
        if self._stopped and not names:
            info = f"stopped: {counted(self._stopped, 'clip')} not finished"
        self.progress.update(self.clips, info=info)
        self.progress.update(self.frames_task, total=sum(self._totals.values()),
                             completed=sum(self._done.values()))

    def started(self, key: str) -> None:
        if key in self._finished:  # its "started" message came after its result
            return
        if key not in self._running:
            self._running.append(key)
        self._refresh()

    def total(self, key: str, frames: int) -> None:
        if key in self._finished:
            return
        self._totals[key] = frames
        self._refresh()

    def frames(self, key: str, done: int) -> None:
        if key in self._finished:  # its frames are settled (``finished``)
            return
        self._done[key] = done
        self._totals[key] = max(self._totals.get(key, 0), done)
        self._refresh()

    def finished(self, result: ClipResult) -> None:
        self._finished.add(result.key)
        if result.key in self._running:
            self._running.remove(result.key)
        if result.status == INTERRUPTED:
            # Ctrl-C: the clip is not done, and neither are its frames. The bars stay where
            # the work stopped (after a Ctrl-C they read 100%, as if every clip were done).
            self._stopped += 1
        elif result.status != ANALYSED:  # its frames will not be done: off the total
            self._totals[result.key] = self._done.get(result.key, 0)
        elif result.frames:  # every frame decoded was done; a truncated file's header
            # listed more (the bar stayed short of 100% with nothing left to do)
            self._totals[result.key] = self._done[result.key] = result.frames
        if result.status != INTERRUPTED:
            self.progress.advance(self.clips)
        style = {ANALYSED: "green", FAILED: "red"}.get(result.status, "yellow")
        self.progress.console.print(result_line(result), style=style, markup=False,
                                    highlight=False, soft_wrap=True)
        self._refresh()

    def note(self, text: str) -> None:
        self.progress.console.print(text, style="yellow", markup=False, highlight=False,
                                    soft_wrap=True)
