"""Per-clip state for resuming a batch: ``<stem>.batch.json`` beside the clip's outputs.

Written atomically and last, after every other output of the clip, so its presence means the
outputs are complete. It records the clip's content hash (with the file's size and modification
time, so an unchanged file is not re-hashed on every rerun), the pose model's hash and a hash of
the analysis settings and of formcheck's own code. A rerun skips a clip when all three match and
the outputs exist; when only the settings or the code changed, the saved ``.pose.npz`` is
reused (if the pose pass is the same) and only the analysis is redone.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from formcheck import __version__
from formcheck.errors import FormcheckError, OutputError
from formcheck.fsutil import file_sha256, write_text_atomic
from formcheck.pose.sequence import POSE_PASS_VERSION
from formcheck.report import SCHEMA_VERSION

STATE_FORMAT = 1
STATE_SUFFIX = ".batch.json"


#: The package's files whose bytes shape a clip's outputs (code, fitted data, page templates).
_CODE_SUFFIXES = (".py", ".json", ".j2", ".css", ".js", ".html")


def tree_sha256(root: Path) -> str:
    """Hash of the files under ``root`` that shape outputs (``_CODE_SUFFIXES``), by path and
    bytes; compiled caches left out."""
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in _CODE_SUFFIXES and p.is_file()
                    and "__pycache__" not in p.parts):
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_sha256() -> str:
    """``tree_sha256`` of formcheck's own package as installed: a rerun after an upgrade (whose
    version number may not have moved) redoes each clip's analysis, from its saved poses where
    the pose pass is unchanged, instead of calling the old outputs up to date (QA: a 6-frame
    clip kept its old words after the wording was fixed)."""
    return tree_sha256(Path(__file__).resolve().parents[1])


def settings_sha256(config, exercise: str | None, write_video: bool,
                    person: str = "auto") -> str:
    """Hash of everything besides the clip and the model that shapes a clip's outputs
    (``person``: the rule that picks the lifter among several people, ``--person``)."""
    blob = json.dumps({
        "config": asdict(config), "exercise": exercise, "write_video": write_video,
        "person": person,
        "formcheck": __version__, "report_schema": SCHEMA_VERSION,
        "pose_pass": POSE_PASS_VERSION,  # a new pose pass redoes the clip (cached_pose too)
        "code": code_sha256(),  # new code redoes the analysis (from the saved poses)
    }, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class ClipState:
    source: str
    athlete: str
    size: int
    mtime_ns: int
    source_sha256: str
    model: str | None
    model_sha256: str
    exercise: str | None
    settings_sha256: str
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> file name beside the state
    source_path: str = ""  # absolute, for `reanalyze` from another working folder
    person: str = "auto"  # ``--person``: which of several people the poses follow
    format: int = STATE_FORMAT
    formcheck_version: str = __version__

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, indent=1) + "\n"


def state_path(out_dir: Path, stem: str) -> Path:
    return out_dir / f"{stem}{STATE_SUFFIX}"


def read_state(path: Path) -> ClipState | None:
    """The saved state, or None when missing, unreadable or of another format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT:
            return None
        state = ClipState(**data)
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    # Its fields are used as they are (paths, names, sizes): a hand-edited or damaged file
    # whose JSON parses but holds other types reads as no state, not a traceback later.
    texts = (state.source, state.athlete, state.source_sha256, state.model_sha256,
             state.settings_sha256, state.source_path, state.person)
    if not all(isinstance(t, str) for t in texts) \
            or not all(isinstance(n, int) and not isinstance(n, bool)
                       for n in (state.size, state.mtime_ns)) \
            or not (state.model is None or isinstance(state.model, str)) \
            or not (state.exercise is None or isinstance(state.exercise, str)) \
            or not isinstance(state.outputs, dict) \
            or not all(isinstance(k, str) and isinstance(v, str)
                       for k, v in state.outputs.items()):
        return None
    return state


def write_state(path: Path, state: ClipState) -> Path:
    return write_text_atomic(path, state.to_json())


@dataclass(frozen=True)
class Placed:
    """A clip an earlier run analysed into the batch folder: where (its state file's folder
    under the batch folder, ``""`` for the folder itself, and stem) and its saved state."""

    rel_dir: str
    stem: str
    state: ClipState

    @property
    def key(self) -> str:
        return f"{self.rel_dir}/{self.stem}" if self.rel_dir else self.stem

    def root(self) -> Path | None:
        """The folder whose tree the clip's place mirrored (its run's common folder), when
        its recorded path says so: its folder less ``rel_dir``; None for a clip reached
        through a symbolic link (its path is the file linked to) or of an old state."""
        source = Path(self.state.source_path)
        if not self.state.source_path or not source.is_absolute():
            return None
        folder, parts = source.parent, tuple(self.rel_dir.split("/")) if self.rel_dir else ()
        if parts and folder.parts[-len(parts):] != parts:
            return None
        return Path(*folder.parts[:len(folder.parts) - len(parts)])


def placed_clips(out: Path) -> list[Placed]:
    """Every clip an earlier ``batch`` analysed into ``out`` (a readable state file of this
    format), in path order: a rerun on part of its inputs, or on other ones, keeps each
    clip where it was and does not redo it under another name."""
    if not out.is_dir():
        return []
    found = []
    for path in sorted(out.rglob(f"*{STATE_SUFFIX}")):
        # Not in a hidden folder (a clip's staging folder while it is published) or file.
        if any(part.startswith(".") for part in path.relative_to(out).parts) \
                or (state := read_state(path)) is None:
            continue
        rel = path.parent.relative_to(out).as_posix()
        found.append(Placed(rel_dir="" if rel == "." else rel,
                            stem=path.name[: -len(STATE_SUFFIX)], state=state))
    return found


def content_sha256(video: Path, known: ClipState | None) -> str:
    """The clip's SHA-256, taken from ``known`` when the file's size and mtime are unchanged."""
    st = os.stat(video)
    if known is not None and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
        return known.source_sha256
    return file_sha256(video)


def up_to_date(state: ClipState | None, video: Path, out_dir: Path, model_sha: str,
               settings: str) -> bool:
    """True when ``state`` says the clip's outputs exist for these bytes, model and settings."""
    if state is None or state.model_sha256 != model_sha or state.settings_sha256 != settings:
        return False
    try:
        if content_sha256(video, state) != state.source_sha256:
            return False
    except (OSError, FormcheckError):
        return False
    return all((out_dir / name).is_file() for name in state.outputs.values())


#: In the batch folder: held (``flock``) by the one ``batch`` or ``reanalyze`` writing it.
LOCK_NAME = ".formcheck-batch.lock"


@contextmanager
def batch_folder_lock(out: Path, command: str) -> Iterator[None]:
    """Hold the batch folder ``out`` (created if missing) for one run of ``command``; raise
    ``OutputError`` at once when another run holds it. Two runs on one folder would redo the
    same clips side by side, and one's state file could vouch for the other's outputs (made
    with other settings), so a later rerun would skip a clip whose report is not its own. The
    lock is a hidden file in ``out``, removed when the run ends (one killed outright leaves
    it, unheld: the next run takes it)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    created = [d for d in (out, *out.parents) if not os.path.lexists(d)]
    lock_path = out / LOCK_NAME
    try:
        out.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another run"
                os.close(fd)
                raise OutputError(
                    f"{out} is being written by {holder}; wait for it to finish (two runs at "
                    "once would overwrite each other's clips), or give another folder"
                ) from None
            except OSError:  # a file system without locks (some network mounts): go on
                break
            try:  # the run before may have removed the file between our open and lock
                if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write output folder {out}: {exc.strerror or exc}; "
                          "pass another folder to --out") from exc
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"`formcheck {command}` (process {os.getpid()})".encode(), 0)
        yield
    except BaseException:
        # A run that stopped before writing anything (Ray that would not start) leaves no
        # folder of its own behind.
        if created and os.listdir(out) == [LOCK_NAME]:
            lock_path.unlink(missing_ok=True)
            for folder in created:
                try:
                    folder.rmdir()
                except OSError:
                    break
        raise
    finally:
        lock_path.unlink(missing_ok=True)  # while held: see the inode check above
        os.close(fd)  # releases the lock
