"""Atomic file output: write to a temp file beside the target, then rename into place."""

from __future__ import annotations

import atexit
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from formcheck.errors import InputNotFoundError, OutputError

#: A lone surrogate: how Python holds a byte of a file name that is not UTF-8 (``caf\xe9.mp4``
#: read on Linux is ``'caf\udce9.mp4'``); no text file or terminal can take one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def shown(text: str) -> str:
    """``text`` as it can be printed or written as UTF-8: each byte of a file name that is not
    UTF-8 (a lone surrogate) becomes the replacement character U+FFFD ("caf\ufffd.mp4"). The
    name on disk is not changed; only what is shown of it."""
    return _SURROGATE.sub("\ufffd", text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Characters of the target's name a temp file's name starts with: a target whose name is
#: near the file system's limit (255 bytes) still gets a temp file beside it.
_TEMP_NAME_CHARS = 48


#: Temp files ``temp_path_for`` made and ``publish`` has not moved into place, with the
#: process that made each: the ones left when that process exits are removed then. A run
#: stopped part-way (a second Ctrl-C while `live` saves a set, its writer threads still
#: encoding) otherwise left ``.clip.recording.mp4.<random>.tmp.mp4`` in the output folder.
_PENDING: dict[str, int] = {}


@atexit.register
def _remove_pending() -> None:
    me = os.getpid()
    for tmp, pid in list(_PENDING.items()):
        if pid == me:  # not a parent's, inherited through fork
            try:
                os.unlink(tmp)
            except OSError:
                pass


def temp_path_for(path: Path, suffix: str = ".tmp") -> Path:
    """Create an empty temp file in ``path``'s folder (created if needed) and return its path.
    Unless ``publish`` moves it into place, it is removed when this process exits."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + path.name[:_TEMP_NAME_CHARS] + ".",
                                   suffix=suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    _PENDING[tmp] = os.getpid()
    return Path(tmp)


def publish(tmp: Path, path: Path) -> Path:
    """Give ``tmp`` normal file permissions and rename it to ``path`` (atomic on one filesystem)."""
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        _PENDING.pop(str(tmp), None)
    return path


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    tmp = temp_path_for(path)
    try:
        tmp.write_bytes(data)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return publish(tmp, path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_parts_atomic(path: str | os.PathLike, parts: Iterable[str]) -> Path:
    """Write the UTF-8 text ``"".join(parts)`` atomically, one part at a time: a large
    document made in pieces (a long clip's page) is never held whole, nor encoded whole.
    An exception while making a part leaves no file behind and is re-raised."""
    path = Path(path)
    tmp = temp_path_for(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for part in parts:
                fh.write(part)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return publish(tmp, path)


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes: the identity of a clip (cached pose data, batch resume,
    ``formcheck check``) that survives renames and copies."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                h.update(block)
    except OSError as exc:
        raise InputNotFoundError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return h.hexdigest()


def link_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` leads nowhere when it is a symbolic link that cannot be followed: a loop
    (it leads back to itself) or a broken link (its target does not exist); None otherwise,
    also for a path that is no link at all. Said in the words of a skip reason ("symbolic link
    loop ..."), for an input that would otherwise read as missing or as no video."""
    try:
        os.stat(path)
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (following it leads back to itself)"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            try:
                target = os.readlink(path)
            except OSError:
                return "broken symbolic link (what it points to does not exist)"
            return f"broken symbolic link (to {target}, which does not exist)"
        return None
