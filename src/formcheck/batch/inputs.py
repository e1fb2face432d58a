"""From the coach's INPUTS (files, folders, globs) to a list of clips with unique output places.

Folders are searched recursively for video files; hidden files and folders, files that are not
videos, symbolic links that lead nowhere (a loop, a broken link), other names for a file already
taken (a link to it) and anything inside the output folder are skipped and listed with the
reason. A file named explicitly is always taken (a bad one fails as a clip, with its own error,
and the batch goes on); so is a path that does not exist and is no glob pattern.
"""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.fsutil import link_problem

if TYPE_CHECKING:
    from formcheck.batch.state import Placed

#: File name endings taken as videos when searching folders and globs (lower case).
VIDEO_SUFFIXES: frozenset[str] = frozenset({
    ".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp",
    ".ts", ".mts", ".m2ts", ".gif",
})

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Clip:
    """One input clip and where its outputs go."""

    source: str  # the path as found (relative to the working folder when given so)
    key: str  # unique id inside the batch: output sub-folder / name, with "/" separators
    rel_dir: str  # output sub-folder under DIR ("" for DIR itself)
    stem: str  # output file stem (``<stem>.report.json`` ...)
    #: The first folder below the batch's common folder ("alice" for ``season/alice/day1/
    #: set.mp4``); "" for a clip in that folder itself, whose name says nothing of who lifts
    #: (a coach's flat ``uploads/`` is not an athlete).
    athlete: str


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def resolved_path(path: Path) -> Path:
    """``path.resolve()``, or its absolute form where it cannot be resolved (a symbolic link
    loop: Python up to 3.12 raises RuntimeError there, later ones OSError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        resolved_path(path).relative_to(folder)
    except ValueError:
        return False
    return True


def _walk(folder: Path, out_dir: Path | None, found: list[Path], skipped: list[Skipped]) -> None:
    for root, dirs, files in os.walk(folder):
        root_p = Path(root)
        keep = []
        for d in sorted(dirs):
            p = root_p / d
            if _is_hidden(d):
                skipped.append(Skipped(str(p), "hidden folder"))
            elif _inside(p, out_dir):
                skipped.append(Skipped(str(p), "the output folder"))
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            _consider(root_p / name, out_dir, found, skipped)


def _consider(path: Path, out_dir: Path | None, found: list[Path],
              skipped: list[Skipped]) -> None:
    if _is_hidden(path.name):
        skipped.append(Skipped(str(path), "hidden file"))
    elif (why := link_problem(path)) is not None:
        skipped.append(Skipped(str(path), why))
    elif path.suffix.lower() not in VIDEO_SUFFIXES:
        skipped.append(Skipped(str(path), "not a video file"))
    elif _inside(path, out_dir):
        skipped.append(Skipped(str(path), "inside the output folder"))
    else:
        found.append(path)


def find_clips(inputs: list[str], out_dir: Path | None = None) -> tuple[list[Clip], list[Skipped]]:
    """Expand ``inputs`` into clips (in input order, each once) and the skipped paths."""
    out_res = out_dir.resolve() if out_dir is not None else None
    found: list[Path] = []
    skipped: list[Skipped] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            _walk(p, out_res, found, skipped)
        elif p.exists():
            found.append(p)  # named explicitly: taken even if its name does not look like video
        elif _GLOB_CHARS & set(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                skipped.append(Skipped(item, "the pattern matched nothing"))
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    _walk(mp, out_res, found, skipped)
                else:
                    _consider(mp, out_res, found, skipped)
        else:
            found.append(p)  # missing: fails as a clip with the same error as `analyze`
    unique: list[Path] = []
    seen: dict[Path, Path] = {}
    for p in found:
        r = resolved_path(p)
        if r not in seen:
            seen[r] = p
            unique.append(p)
        elif str(seen[r]) != str(p):
            # Another name for a clip already taken (a symbolic link to it, a second path):
            # analysed once, and said so, not dropped without a word.
            skipped.append(Skipped(str(p), f"the same file as {seen[r]}, analysed once"))
    return _place(unique), skipped


def keep_earlier_places(clips: list[Clip], earlier: Sequence[Placed]) -> list[Clip]:
    """``clips`` placed in a batch folder that earlier runs (``earlier``: the clips they
    analysed into it) wrote: each clip analysed before keeps its place (found by its file's
    path), so a rerun on a subfolder, or with other inputs, neither redoes it nor writes it a
    second time elsewhere; a new clip is placed as in a run of the earlier one's folder when
    it lies in that folder, and never where an earlier run put another file."""
    return _place([Path(c.source) for c in clips], earlier) if earlier else clips


def _free_stem(path: Path, rel: str, stem: str, source: str,
               taken: dict[tuple[str, str], str]) -> str:
    """``stem``, or the clip's whole name, or ``<stem>~2``, ``~3`` ...: the first that no
    other file's outputs hold in ``rel`` (``taken``: place -> the file that has it)."""
    tries = itertools.chain((stem, path.name), (f"{path.stem}~{n}" for n in itertools.count(2)))
    return next(s for s in tries if taken.get((rel, s), source) == source)


def _place(paths: list[Path], earlier: Sequence[Placed] = ()) -> list[Clip]:
    """Output places mirror the clips' folders below their common folder, so two athletes'
    ``set1.mp4`` never collide; two videos with the same stem in one folder keep their suffix.
    A symlinked clip belongs to the folder of its link, not of the file it points to.
    ``earlier``: see ``keep_earlier_places``."""
    if not paths:
        return []
    parents = [p.absolute().parent.resolve() for p in paths]
    root = Path(os.path.commonpath([str(d) for d in parents]))
    # A subfolder of an earlier run's folder: places below that folder, as that run's were.
    around = [r for r in (e.root() for e in earlier) if r is not None
              and (r == root or r in root.parents)]
    if around:
        root = min(around, key=lambda r: len(r.parts))
    rel_dirs = [d.relative_to(root).as_posix() for d in parents]
    rel_dirs = ["" if r == "." else r for r in rel_dirs]
    stems: dict[tuple[str, str], int] = {}
    for p, r in zip(paths, rel_dirs, strict=True):
        stems[(r, p.stem)] = stems.get((r, p.stem), 0) + 1
    by_source: dict[str, Placed] = {}
    for e in earlier:  # the first, should an old run have put one file in two places
        if e.state.source_path:
            by_source.setdefault(e.state.source_path, e)
    # A state of an old formcheck names no file (no ``source_path``): its place goes to the
    # clip placed there, as before, whose state check then says whether it is the same.
    taken = {(e.rel_dir, e.stem): e.state.source_path for e in earlier if e.state.source_path}
    clips = []
    for p, r in zip(paths, rel_dirs, strict=True):
        source = str(resolved_path(p))
        if (before := by_source.get(source)) is not None:
            clips.append(Clip(source=str(p), key=before.key, rel_dir=before.rel_dir,
                              stem=before.stem, athlete=before.state.athlete))
            continue
        stem = p.stem if stems[(r, p.stem)] == 1 else p.name
        if earlier:
            stem = _free_stem(p, r, stem, source, taken)
            taken[(r, stem)] = source
        clips.append(Clip(source=str(p), key=f"{r}/{stem}" if r else stem, rel_dir=r,
                          stem=stem, athlete=r.split("/", 1)[0]))
    return clips
