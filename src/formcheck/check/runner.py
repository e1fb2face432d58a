"""Replay clips through the whole pipeline and compare with their expectations.

Per clip: the pose data comes from the cache when it was made from the same clip bytes by the
same model bundle following the same ``--person`` rule (``pipeline.cached_pose``), else from
the pose model (and is cached); the analysis is ``pipeline.analyse`` with the thresholds in
force, exactly as ``formcheck analyze`` runs it. A clip that cannot be analysed is reported
as an error, the others still run.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from formcheck import __version__
from formcheck.batch.inputs import VIDEO_SUFFIXES as BATCH_VIDEO_SUFFIXES
from formcheck.check.compare import Outcome, compare
from formcheck.check.expect import (
    EXPECT_SUFFIX,
    Expectation,
    ExpectationError,
    Provenance,
    expectation_path_for,
    load_expectation,
)
from formcheck.errors import FormcheckError, InputNotFoundError, OutputError

#: Files a folder argument contributes (by suffix, case-insensitive): the videos
#: ``formcheck batch`` takes, so a clip checked by name is found in its folder too.
VIDEO_SUFFIXES: frozenset[str] = BATCH_VIDEO_SUFFIXES


#: ``--cache-max-mb`` by default: a pose entry is 30-70 kB (a 10 s clip), so about ten thousand
#: clips' worth; past it the least recently used entries go.
DEFAULT_CACHE_MAX_MB = 500
#: An entry used (read or written) this recently is never pruned: another run sharing the cache
#: may be reading it.
PRUNE_GRACE_S = 3600.0


@dataclass
class ClipCheck:
    """The result for one clip."""

    clip: Path
    expect_path: Path
    outcomes: tuple[Outcome, ...] = ()
    error: str | None = None  # the clip could not be checked (message)
    error_code: int | None = None  # that error's exit code (the table in errors.py)
    notes: tuple[str, ...] = ()  # provenance differences, cache problems
    #: Faults whose judged result differs from the rendered truth beside the clip (its
    #: expectations' comments say why): a pass still shows them.
    truth_differs: tuple[str, ...] = ()
    #: The caveats on the report's judged verdicts, ``(fault, scope, caveat)`` as the page and
    #: the terminal list them (``render._common.caveats``): the JUnit case of each fault
    #: carries its own (what a pass there cannot rule out).
    caveats: tuple[tuple[str, str, str], ...] = ()
    #: The reps (or stretches) of a fault the report could not judge, ``(fault, scope,
    #: reason)`` as the page and the terminal list them (``render._common.not_judged``),
    #: without the whole clip's line (the case's "got" already says it): a case that passes
    #: with "not assessable in rep 2" says why rep 2 was not judged.
    not_judged: tuple[tuple[str, str, str], ...] = ()
    update: str | None = None  # --update: created | updated | rewritten | unchanged
    changes: tuple[str, ...] = ()  # --update: what changed, one line each
    pose_from_cache: bool = False
    #: The pose cache entry this run read or wrote for the clip (kept by ``prune_cache``).
    cache_entry: Path | None = None
    seconds: float = 0.0
    name: str = ""  # the clip in reports (JUnit classname): see ``clip_names``

    @property
    def label(self) -> str:
        return self.name or self.clip.name

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failed


@dataclass(frozen=True)
class CheckSettings:
    model: str | None = None  # None: what the expectations were written with, else the default
    config: object | None = None  # formcheck.config.Config
    cache_dir: Path | None = None  # None: no pose cache
    #: After the run, ``formcheck check`` cuts the cache to this many bytes (``prune_cache``).
    cache_max_bytes: int = DEFAULT_CACHE_MAX_MB * 1_000_000
    update: bool = False
    settings_sha256: str = ""
    #: ``--person``: the rule that picks the lifter among several people; None: the one each
    #: clip's expectations were written with (``made_with.person``), else auto.
    person: str | None = None


# ---------------------------------------------------------------------------- discovery
def find_clips(paths: Sequence[Path]) -> list[Path]:
    """Each file as given; each folder's videos (not recursive), sorted by name. A video in
    a folder that is a symbolic link leading nowhere (a loop, a broken link) stops the run as
    one given by name does: skipped, its expectations would go unchecked and the run pass."""
    from formcheck.fsutil import link_problem

    clips: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for c in sorted(p.iterdir()):
                if c.suffix.lower() not in VIDEO_SUFFIXES:
                    continue
                if (why := link_problem(c)) is not None:
                    raise InputNotFoundError(f"{why}: {c}; point it at the video or remove "
                                             "it")
                if c.is_file():
                    clips.append(c)
        elif p.is_file():
            clips.append(p)
        else:
            why = link_problem(p)
            raise InputNotFoundError(f"{'not found' if why is None else why}: {p}; give video "
                                     "files or folders of them")
    return clips


def clip_names(clips: Sequence[Path]) -> list[str]:
    """Each clip's name in reports: its path relative to the folder given (with several
    folders or files, to the folder they all lie in), with ``/``. So ``a/squat.mp4`` and
    ``b/squat.mp4`` stay apart, and the names do not depend on where the checkout lies (or on
    the run): one folder given names each clip by its file name. Links are not followed."""
    if not clips:
        return []
    absolute = [Path(os.path.abspath(c)) for c in clips]
    base = os.path.commonpath([str(p.parent) for p in absolute])
    return [Path(os.path.relpath(p, base)).as_posix() for p in absolute]


def expectation_paths(clips: Sequence[Path], expect: Path | None) -> list[Path]:
    """Each clip's expectations file: ``<stem>.expect.toml`` beside the clip, or in the folder
    ``expect``; ``expect`` may name a file only when there is one clip."""
    if expect is None:
        return [expectation_path_for(c) for c in clips]
    if expect.is_dir():
        return [expect / expectation_path_for(c).name for c in clips]
    if len(clips) != 1:
        raise ExpectationError(f"--expect {expect}: a file is for one clip, but {len(clips)} "
                               "clips were given; pass a folder of <clip>.expect.toml files")
    return [expect]


def orphan_expectations(paths: Sequence[Path], clips: Sequence[Path]) -> list[Path]:
    """The ``<stem>.expect.toml`` files in the folders given whose clip is not among
    ``clips`` (deleted, renamed or never copied): checked nowhere, they would let the run pass
    with fewer clips than its expectations name."""
    wanted = {expectation_path_for(c).resolve() for c in clips}
    return sorted(e for p in map(Path, paths) if p.is_dir()
                  for e in p.glob("*" + EXPECT_SUFFIX) if e.resolve() not in wanted)


def default_cache_dir() -> Path:
    """``$FORMCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/formcheck/poses`` or
    ``~/.cache/formcheck/poses``."""
    if env := os.environ.get("FORMCHECK_CACHE_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "formcheck" / "poses"


def settings_fingerprint(config) -> str:
    """SHA-256 of every threshold in force (so expectations can say what they were made with)."""
    text = json.dumps(asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def pose_library_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return ""


# ---------------------------------------------------------------------------- one clip
def _provenance_notes(old: Provenance, new: Provenance) -> tuple[str, ...]:
    """Why results may differ: what the expectations were written with vs this run."""
    notes = []
    if old.model_sha256 and old.model_sha256 != new.model_sha256:
        notes.append(f"the expectations were written with pose model {old.model or '?'} "
                     f"(sha256 {old.model_sha256[:12]}), this run used {new.model} "
                     f"({new.model_sha256[:12]})")
    if old.mediapipe and old.mediapipe != new.mediapipe:
        notes.append(f"the expectations were written with mediapipe {old.mediapipe}, this run "
                     f"has {new.mediapipe}")
    if old.settings_sha256 and old.settings_sha256 != new.settings_sha256:
        notes.append("the thresholds differ from those the expectations were written with "
                     "(--config/--set or changed defaults)")
    if (old.person or "auto") != (new.person or "auto"):
        notes.append(f"the expectations were written following the {old.person or 'auto'} "
                     f"person (--person), this run followed the {new.person or 'auto'} one")
    if old.formcheck and old.formcheck != new.formcheck:
        notes.append(f"the expectations were written by formcheck {old.formcheck}, this is "
                     f"{new.formcheck}")
    return tuple(notes)


#: Hex digits of the clip's SHA-256 in its pose cache entry's name.
CACHE_KEY_HEX = 16


def _touch(path: Path) -> None:
    """Mark a cache entry used now (its modification time is its last use)."""
    try:
        os.utime(path)
    except OSError:
        pass  # read-only cache, or pruned meanwhile by another run: only the order suffers


def prune_cache(cache_dir: Path, used: set[Path], max_bytes: int, *,
                now: float | None = None, grace_s: float = PRUNE_GRACE_S) -> list[Path]:
    """Remove least recently used pose entries (``*.pose.npz``, by modification time: a use
    touches it) until the cache holds at most ``max_bytes``; returns those removed. Never
    removed: an entry this run used (``used``), one used in the last ``grace_s`` (another run may
    be reading it), any other file. Each goes by an atomic rename to a hidden name, then is
    deleted: a run that opened it keeps reading it, one that looks after finds no entry (a
    cache miss, the pose model runs)."""
    now = time.time() if now is None else now
    used = {Path(os.path.abspath(u)) for u in used}
    entries = []
    for path in cache_dir.glob("*.pose.npz"):
        if path.name.startswith("."):
            continue  # a write or a removal in progress
        try:
            st = path.stat()
        except OSError:
            continue
        entries.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in entries)
    removed: list[Path] = []
    for mtime, size, path in sorted(entries):
        if total <= max_bytes:
            break
        if Path(os.path.abspath(path)) in used or now - mtime < grace_s:
            continue
        gone = path.with_name(f".{path.name}.pruned-{os.getpid()}")
        try:
            os.replace(path, gone)
        except OSError:
            continue  # removed by another run meanwhile
        gone.unlink(missing_ok=True)
        total -= size
        removed.append(path)
    return removed


def pose_cache_path(cache_dir: Path, clip_sha256: str, model_name: str,
                    person: str = "auto") -> Path:
    """The clip's pose cache entry: keyed by the clip's bytes (``<sha256 prefix>.<model>``),
    so two same-named clips in two folders each keep theirs, and a renamed or copied clip
    finds its own; a ``--person`` rule other than auto adds its name (``.<rule>``), so the
    poses of each rule keep their own entry. The entry itself still records the full hashes
    of clip and model bundle and the rule, which ``pipeline.cached_pose`` checks before any
    reuse."""
    rule = "" if person == "auto" else f".{person}"
    return cache_dir / f"{clip_sha256[:CACHE_KEY_HEX]}.{model_name}{rule}.pose.npz"


def legacy_pose_cache_path(cache_dir: Path, clip: Path, model_name: str) -> Path:
    """Where formcheck up to session 8 cached a clip's pose data: by file name only."""
    return cache_dir / f"{clip.stem}.{model_name}.pose.npz"


def _pose(clip: Path, model: str | None, cache_dir: Path | None, person: str = "auto",
          max_side: int | None = None):
    """The clip's pose data (from the cache when valid) and the resolved model; ``person``:
    the rule that picks the lifter among several people (poses cached for another rule are
    never used).

    An entry under the old file-name key (all made with the auto rule) is used when it was
    made from these bytes by this model, and is then moved to the clip's content key; one made
    from other bytes (another clip of the same name) is left where it is for that clip."""
    from formcheck import pipeline
    from formcheck.fsutil import file_sha256
    from formcheck.pose.models import resolve_model

    resolved = resolve_model(model)
    notes: list[str] = []
    seq, cache = None, None
    if cache_dir is not None:
        clip_sha = file_sha256(clip)
        cache = pose_cache_path(cache_dir, clip_sha, resolved.name, person)
        seq = pipeline.cached_pose(clip, cache, str(resolved.path), source_sha256=clip_sha,
                                   person=person, max_side=max_side)
        if seq is None and person == "auto":
            legacy = legacy_pose_cache_path(cache_dir, clip, resolved.name)
            seq = pipeline.cached_pose(clip, legacy, str(resolved.path), source_sha256=clip_sha,
                                       person=person, max_side=max_side)
            if seq is not None:
                try:
                    os.replace(legacy, cache)
                except OSError as exc:
                    notes.append(f"old pose cache entry {legacy} not moved to {cache.name}: "
                                 f"{exc.strerror or exc}")
    from_cache = seq is not None
    if seq is None:
        seq = pipeline.extract_pose(clip, str(resolved.path), person=person,
                                    max_side=max_side)
        if cache is not None:
            try:
                seq.save(cache)
            except OutputError as exc:
                notes.append(f"pose data not cached: {exc}")
    elif cache is not None:
        _touch(cache)
    return seq, resolved, from_cache, notes, cache


def check_clip(clip: Path, expect_path: Path, old: Expectation | None,
               settings: CheckSettings) -> ClipCheck:
    """Analyse one clip and compare it with (or, with ``update``, rewrite) its expectations."""
    from formcheck import pipeline
    from formcheck.check.truth import differs_from_truth, load_truth
    from formcheck.check.write import expectation_from_report, render_toml
    from formcheck.fsutil import file_sha256, write_text_atomic
    from formcheck.render._common import caveats, not_judged, rep_label

    t0 = time.perf_counter()
    res = ClipCheck(clip, expect_path)
    try:
        if old is not None and old.clip and old.clip != clip.name and not settings.update:
            raise ExpectationError(f"{expect_path}: clip: the expectations are for {old.clip}, "
                                   f"not {clip.name}; pass the right --expect")
        model = _clip_model(settings, old)
        person = settings.person or (old.made_with.person if old else "") or "auto"
        seq, resolved, res.pose_from_cache, notes, res.cache_entry = _pose(
            clip, model, settings.cache_dir, person,
            settings.config.pose.max_side_px if settings.config is not None else None)
        report, _ = pipeline.analyse(seq, config=settings.config)
        res.caveats = tuple(caveats(report))
        res.not_judged = tuple((fault, scope, reason or "") for fault, scope, reason
                               in not_judged(report) if scope != rep_label(None))
        made_with = Provenance(model=resolved.name, model_sha256=file_sha256(resolved.path),
                               formcheck=__version__, mediapipe=pose_library_version(),
                               settings_sha256=settings.settings_sha256,
                               person="" if person == "auto" else person)
        # What the report says about the input bears on every result: a clip cut short (a
        # partial download) must not read as a plain regression (QA, session 9).
        notes[:0] = [f"the clip: {n.message}" for n in report.notices]
        if old is not None:
            res.outcomes = compare(old, report)
            notes.extend(_provenance_notes(old.made_with, made_with))
        res.notes = tuple(notes)
        truth = load_truth(clip, settings.config.view if settings.config else None)
        if truth is not None:
            res.truth_differs = differs_from_truth(truth, report)
        if settings.update:
            new = expectation_from_report(report, clip.name, made_with, old)
            text = render_toml(new, report, truth)
            before = expect_path.read_text(encoding="utf-8") if expect_path.is_file() else None
            if before == text:
                res.update = "unchanged"
            else:
                write_text_atomic(expect_path, text)
                res.update = "created" if old is None else (
                    "updated" if res.failed else "rewritten")
            res.changes = tuple(f"{o.name}: {o.expected} -> {o.got}" for o in res.failed)
    except FormcheckError as err:
        res.error, res.error_code = str(err), err.exit_code
    res.seconds = time.perf_counter() - t0
    return res


def load_all(expect_paths: Sequence[Path]) -> list[Expectation | None]:
    """Parse every expectations file first, so a malformed one stops the run before any clip
    is analysed (exit code 7). Missing files are None (an error per clip unless updating)."""
    out: list[Expectation | None] = []
    for path in expect_paths:
        if path.is_file():
            out.append(load_expectation(path))
        else:
            out.append(None)
    return out


def _clip_model(settings: CheckSettings, old: Expectation | None) -> str | None:
    """The pose model a clip is posed with: ``--model``, else the one its expectations were
    written with, else the default (None)."""
    return settings.model or (old.made_with.model if old and old.made_with.model else None)


def run_check(clips: Sequence[Path], expect_paths: Sequence[Path], settings: CheckSettings,
              on_result: Callable[[ClipCheck], None] | None = None) -> list[ClipCheck]:
    from formcheck.pose.models import resolve_model

    olds = load_all(expect_paths)
    # Every pose model the run needs is found before any clip is posed: a missing one stops
    # the run (exit 5, naming how to obtain it), as a missing --model does, where each clip
    # failed on it in turn and the run ended "could not be checked" (exit 11) (QA, session 24).
    for model in dict.fromkeys(_clip_model(settings, old) for old in olds
                               if old is not None or settings.update):
        resolve_model(model)
    results = []
    names = clip_names(clips)
    for clip, path, old, name in zip(clips, expect_paths, olds, names, strict=True):
        if old is None and not settings.update:
            res = ClipCheck(clip, path, error=f"no expectations: {path} not found; write them "
                            "with `formcheck check --update`",
                            error_code=InputNotFoundError.exit_code)
        else:
            res = check_clip(clip, path, old, settings)
        res.name = name
        results.append(res)
        if on_result is not None:
            on_result(res)
    return results


def diff_text(res: ClipCheck, *, verbose: bool = False) -> str:
    """The per-clip block printed by ``formcheck check``: expected vs got for each mismatch."""
    head = f"{res.clip}"
    if res.error is not None:
        return f"ERROR {head}\n      could not check: {res.error}"
    lines = [f"{'ok   ' if res.passed else 'FAIL '}{head}"
             + (f"  ({res.update}: {res.expect_path})" if res.update else "")
             + (f"  (differs from the rendered truth, as its expectations say: "
                f"{', '.join(res.truth_differs)})" if res.truth_differs else "")
             + (f"  [{res.seconds:.1f} s, pose data from "
                f"{'the cache' if res.pose_from_cache else 'the model'}]" if verbose else "")]
    for o in res.outcomes:
        if o.passed and not verbose:
            continue
        lines.append(f"  {'ok  ' if o.passed else 'FAIL'} {o.name}")
        if not o.passed or verbose:
            lines.append(f"       expected: {o.expected}")
            lines.append(f"       got:      {o.got}")
        lines.extend(f"       - {d}" for d in o.details)
    if res.failed or res.update:
        lines.extend(f"  note: {n}" for n in res.notes)
    return "\n".join(lines)

