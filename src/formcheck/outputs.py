"""One run's outputs for one clip, as one generation.

A run stages every file it writes in a hidden folder inside the output folder
(``.formcheck-<stem>.<pid>.<random>``) and moves them into place together at the end, removing
the outputs of the same clip that this run did not make (an older ``annotated.mp4`` beside a new
``report.json`` would describe another run). Until then the previous generation stays whole; a
failure, Ctrl-C or SIGTERM removes the staging folder, and a staging folder left by a killed
process (SIGKILL, power loss) is removed by the next run for the same clip.

The output folder is checked (a folder, writable) when the generation starts, before any
decoding or inference, so a bad ``--out`` is reported at once rather than after the pose pass.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from formcheck.errors import OutputError

#: Output kinds and their file names for a clip ``stem`` (the README's output table).
SUFFIXES: dict[str, str] = {
    "pose": ".pose.npz",
    "report": ".report.json",
    "csv": ".reps.csv",
    "video": ".annotated.mp4",
    "html": ".report.html",
}

_STAGE_PREFIX = ".formcheck-"
#: A stem longer than this (in bytes) is shortened in its staging folder's name.
_STAGE_STEM_BYTES = 64


def _stage_key(stem: str) -> str:
    """``stem`` as its staging folder's name holds it: whole when short, else its start and a
    hash of the whole, so the folder's name fits the file system's limit (255 bytes) for any
    stem whose outputs do."""
    if len(stem.encode("utf-8", "surrogateescape")) <= _STAGE_STEM_BYTES:
        return stem
    digest = hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{stem[:12]}~{digest}"


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):
        return 255


def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """Where each output of clip ``stem`` goes in ``out_dir``."""
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in SUFFIXES.items()}


def check_output_names(out_dir: Path, stem: str) -> None:
    """Raise ``OutputError`` when an output of clip ``stem`` would have a longer name than
    ``out_dir`` (or, not made yet, the folder it goes in) allows: checked before any decoding
    or inference, which a name too long would waste."""
    here = Path(out_dir)
    while not here.is_dir() and here != here.parent:
        here = here.parent
    longest = max(output_paths(Path(out_dir), stem).values(),
                  key=lambda p: len(os.fsencode(p.name)))
    if len(os.fsencode(longest.name)) > (limit := _name_max(here)):
        raise OutputError(
            f"cannot write {longest}: the name is {len(os.fsencode(longest.name))} bytes "
            f"long, over the {limit} this folder allows; give the clip a shorter name")


def check_output_dir(out_dir: Path) -> Path:
    """Create ``out_dir`` if needed and make sure files can be created in it, or raise
    ``OutputError`` naming the folder and what to do."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"output folder {out_dir} is a file, not a folder; "
                          "pass a folder to --out (it is created if missing)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out_dir}: {exc.strerror or exc}; "
                          "pass another folder to --out") from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in output folder {out_dir}: permission denied; "
                          "pass another folder to --out")
    return out_dir


def check_output_target(path: Path, option: str = "--out", is_file: bool = False) -> Path:
    """Raise ``OutputError`` now when the folder ``path`` (with ``is_file``, the file ``path``)
    could not be created or written, without creating anything: a command that writes it only
    at the end (``batch``'s summaries, ``check --junit``'s report) checks it before any clip is
    decoded or posed. ``option`` names the option that gave it."""
    path = Path(path)
    fix = f"pass another {'file path' if is_file else 'folder'} to {option}"
    if is_file and path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file path, e.g. "
                          f"{path / 'formcheck.xml'}")
    if not is_file and path.exists() and not path.is_dir():
        raise OutputError(f"output folder {path} is a file, not a folder; {fix}")
    here = path if path.is_dir() else path.parent
    while not here.exists() and here != here.parent:
        here = here.parent
    what = "" if is_file else "output folder "
    if not here.is_dir():
        raise OutputError(f"cannot write {what}{path}: {here} is a file, not a folder; {fix}")
    if not os.access(here, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {what}{path}: permission denied in {here}; {fix}")
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_abandoned_stages(out_dir: Path, stem: str) -> list[Path]:
    """Remove staging folders for ``stem`` whose process is gone; returns what was removed."""
    removed = []
    key = _stage_key(stem)
    pattern = os.path.join(glob.escape(str(out_dir)), f"{_STAGE_PREFIX}{glob.escape(key)}.*")
    for found in glob.glob(pattern):
        path = Path(found)
        pid_part = path.name[len(_STAGE_PREFIX) + len(key) + 1:].split(".", 1)[0]
        if not path.is_dir() or not pid_part.isdigit() or _pid_alive(int(pid_part)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself, so no lock file
    is left behind): runs writing the same output folder at once publish one at a time."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield  # the renames that follow say what is wrong with the folder
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks (some network mounts): go on without
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


class OutputGeneration:
    """Stage the outputs of one run for clip ``stem`` and publish them together.

    ``keep`` names output kinds this run reads rather than writes (``--overlay-only`` keeps the
    pose data and report it draws from); every other kind this run did not write is removed on
    ``commit``. Use as a context manager: leaving through an exception discards the stage.
    """

    def __init__(self, out_dir: str | os.PathLike, stem: str, keep: Iterable[str] = ()) -> None:
        #: Folders this run creates (deepest first): a failed run removes them again if empty.
        self._created = [d for d in (Path(out_dir), *Path(out_dir).parents)
                         if not os.path.lexists(d)]
        self.out_dir = check_output_dir(Path(out_dir))
        self.stem = stem
        self.keep = frozenset(keep)
        self.final = output_paths(self.out_dir, stem)
        check_output_names(self.out_dir, stem)
        remove_abandoned_stages(self.out_dir, stem)
        try:
            self.stage = Path(tempfile.mkdtemp(
                prefix=f"{_STAGE_PREFIX}{_stage_key(stem)}.{os.getpid()}.", dir=self.out_dir))
        except OSError as exc:
            raise OutputError(f"cannot write in output folder {self.out_dir}: "
                              f"{exc.strerror or exc}; pass another folder to --out") from exc
        #: Where this run writes each output (inside the staging folder).
        self.paths = output_paths(self.stage, stem)
        self._done = False

    def commit(self, written: dict[str, Path]) -> dict[str, Path]:
        """Move the staged ``written`` files into place, remove this clip's outputs of other
        generations, and return where each output now is. Ctrl-C and SIGTERM wait until the
        folder is consistent (they are blocked for these few renames), and so does another run
        publishing into the same folder (a lock on it): the folder holds one run's files."""
        mask = getattr(signal, "pthread_sigmask", None)  # POSIX only
        old = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) if mask else None
        try:
            with _folder_locked(self.out_dir):
                # A folder in an output's place would stop the renames part-way, leaving
                # this run's first files beside the previous run's others: refuse it first.
                for kind, final in self.final.items():
                    if (kind in written or kind not in self.keep) and final.is_dir() \
                            and not final.is_symlink():
                        raise OutputError(f"cannot write {final}: a folder is in its place; "
                                          "move or remove that folder")
                published: dict[str, Path] = {}
                for kind, final in self.final.items():
                    staged = written.get(kind)
                    try:
                        if staged is not None:
                            os.replace(staged, final)
                            published[kind] = final
                        elif kind not in self.keep:
                            final.unlink(missing_ok=True)
                    except OSError as exc:
                        raise OutputError(f"cannot write {final}: {exc.strerror or exc}") from exc
                self.discard()
                return published
        finally:
            if mask:
                mask(signal.SIG_SETMASK, old)

    def discard(self) -> None:
        if not self._done:
            self._done = True
            shutil.rmtree(self.stage, ignore_errors=True)
            for folder in self._created:
                try:
                    folder.rmdir()  # only if this run made it and left nothing in it
                except OSError:
                    break

    def __enter__(self) -> OutputGeneration:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()
