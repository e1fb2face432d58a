"""``formcheck batch`` and ``formcheck reanalyze``: many clips, one index page for the coach.

Registered in ``formcheck.cli``. Parse, plan (what a rerun can skip), run on an engine, write the
summaries, print; the work itself lives in ``formcheck.batch``.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from formcheck.errors import FormcheckError

#: Exit code when the batch finished but at least one clip failed (each clip's own code is in
#: the summary); 130 when stopped with Ctrl-C.
EXIT_CLIPS_FAILED = 11
EXIT_INTERRUPTED = 130
#: Skipped inputs listed on the terminal (summary.json lists them all).
SHOWN_SKIPPED = 20


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class ExerciseChoice(str, Enum):
    auto = "auto"
    squat = "squat"
    deadlift = "deadlift"
    row = "row"


def _fail(err: FormcheckError) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=err.exit_code)


def _monitor(quiet: bool, clips: int):
    from formcheck.batch.monitor import QuietMonitor, RichMonitor

    return QuietMonitor() if quiet or not clips else RichMonitor(clips)


def _finish(outcomes, skipped, out: Path, interrupted: bool, quiet: bool, kept=(),
            earlier=()) -> None:
    """Write the summaries, print where they are, and exit with the batch's code. ``kept``:
    rows of an earlier run shown as they were (``reanalyze``: the clips it could not redo),
    which do not decide this run's exit code; ``earlier`` (``batch``): likewise, the clips of
    the folder that this run's inputs did not name."""
    from formcheck.batch.summary import build_rows, counts, write_summaries
    from formcheck.batch.task import FAILED
    from formcheck.report import counted

    rows = build_rows([*outcomes, *kept, *earlier], out)
    written = write_summaries(rows, skipped, out)
    c = counts(rows)
    if not quiet:
        typer.echo(f"{counted(c['clips'], 'clip')}: {c['analysed']} analysed, "
                   f"{c['up_to_date']} up to date, {c['failed']} failed, "
                   f"{c['interrupted']} stopped"
                   + (f", {c['earlier']} from earlier runs" if c["earlier"] else "") + "; "
                   f"{c['with_findings']} with findings ({c['problem_reps']} problem "
                   f"rep{'' if c['problem_reps'] == 1 else 's'})",
                   err=True)
        if kept:
            typer.echo(f"{counted(len(kept), 'clip')} without pose data (failed or stopped in "
                       "`formcheck batch`) kept as they were; rerun `formcheck batch` to "
                       "retry them", err=True)
        if earlier:
            typer.echo(f"{counted(len(earlier), 'clip')} of {out} not among these inputs "
                       "listed as earlier runs left them", err=True)
        typer.echo(f"index: {written['index']}", err=True)
    if interrupted:
        raise typer.Exit(code=EXIT_INTERRUPTED)
    ran = {o.key for o in outcomes}
    if any(r.status == FAILED and r.clip in ran for r in rows):
        raise typer.Exit(code=EXIT_CLIPS_FAILED)


def _run(items, engine: Engine, jobs: int | None, address: str | None, quiet: bool):
    from formcheck.batch import engines

    if engine is Engine.ray:
        if not items:  # every clip up to date: no need for Ray
            return [], False
        # Started before the progress display, so a start failure is the one line printed.
        with engines.ray_started(jobs, address), _monitor(quiet, len(items)) as monitor:
            return engines.run_ray(items, jobs, monitor, address=address)
    with _monitor(quiet, len(items)) as monitor:
        return engines.run_local(items, jobs or os.cpu_count() or 1, monitor)


def _file_facts(source: str) -> dict:
    """Absolute path, size and mtime of a clip (zeros when it is missing: the task fails it)."""
    path = Path(source)
    try:
        st = path.stat()
    except OSError:
        return {"source_path": str(path.absolute())}
    return {"source_path": str(path.resolve()), "source_size": st.st_size,
            "source_mtime_ns": st.st_mtime_ns}


def _outcome(clip_key, source, athlete, out_dir, stem, result=None, state=None,
             previous_on_failure=False):
    """``state``: the clip's saved state (up to date: it lists the outputs; else what an
    earlier run left, whose outputs a clip stopped before its new ones stay in place).
    ``previous_on_failure`` (``reanalyze``): a clip that failed keeps showing them too."""
    from formcheck.batch.summary import ClipOutcome
    from formcheck.batch.task import FAILED, INTERRUPTED, UP_TO_DATE

    if result is None:  # up to date: its saved state lists the outputs
        return ClipOutcome(key=clip_key, source=source, athlete=athlete, out_dir=out_dir,
                           stem=stem, status=UP_TO_DATE, outputs=tuple(state.outputs.items()))
    kept = result.status == INTERRUPTED or (previous_on_failure and result.status == FAILED)
    if kept and state is not None and state.outputs \
            and all((out_dir / name).is_file() for name in state.outputs.values()):
        # Stopped (or, redone from its pose data, failed) before its new outputs were
        # published: the earlier run's are whole and in place; the row shows them, saying
        # whose they are, rather than an empty row.
        return ClipOutcome(key=clip_key, source=source, athlete=athlete, out_dir=out_dir,
                           stem=stem, status=result.status,
                           error=f"{result.error}; the results shown are from its previous "
                           "run",
                           exit_code=result.exit_code if result.status == FAILED else None,
                           outputs=tuple(state.outputs.items()))
    return ClipOutcome(key=clip_key, source=source, athlete=athlete, out_dir=out_dir, stem=stem,
                       status=result.status, error=result.error, exit_code=result.exit_code,
                       pose=result.pose, outputs=tuple(result.outputs.items()))


def batch(
    inputs: Annotated[list[str], typer.Argument(
        help="Video files, folders (searched recursively) or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for every output.")],
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Clips analysed at once (default: the CPU count; on a Ray "
        "cluster, its CPUs).")] = None,
    exercise: Annotated[ExerciseChoice, typer.Option(
        help="Exercise of every clip; 'auto' recognises it per clip.")] = ExerciseChoice.auto,
    model: Annotated[str | None, typer.Option(
        help="Pose model: lite, full, heavy or a path to a .task bundle. The checks were "
        "fitted on full's poses: on lite's rounding and the twist are not assessable, on heavy's "
        "none of the three (measured false warnings).")] = None,
    config: Annotated[Path | None, typer.Option(
        help="TOML file with thresholds (see README).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="SECTION.FIELD=VALUE",
        help="Override one threshold, e.g. rounded_back.min_duration_s=0.3.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Redo every clip, pose inference included.")] = False,
    engine: Annotated[Engine, typer.Option(
        help="local: a process pool here; ray: a Ray cluster (pip install 'formcheck\\[ray]').")
    ] = Engine.local,
    address: Annotated[str | None, typer.Option(
        help="Ray cluster address (the head node's HOST:6379); default: start Ray here.")
    ] = None,
    no_video: Annotated[bool, typer.Option(
        "--no-video", help="Skip the annotated videos.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
    person: Annotated[str, typer.Option(
        help="With several people in the picture, which one is the lifter in every clip: "
        "auto (the largest, most central), largest, center, left or right.")] = "auto",
) -> None:
    """Analyse many clips; writes each clip's outputs and OUT/index.html, summary.csv/.json.

    A rerun skips clips already done with the same bytes, model and settings; changed settings
    redo only the analysis (no pose inference). Exit code 11 when a clip failed (the summary
    says which and why), 130 when stopped with Ctrl-C.
    """
    try:
        from formcheck.batch.engines import import_ray
        from formcheck.batch.inputs import find_clips
        from formcheck.batch.state import batch_folder_lock, settings_sha256
        from formcheck.config import load_config
        from formcheck.errors import InputNotFoundError
        from formcheck.fsutil import file_sha256
        from formcheck.outputs import check_output_target
        from formcheck.pose.models import resolve_model
        from formcheck.pose.people import checked_person_rule

        checked_person_rule(person)
        cfg = load_config(config, set_ or ())
        if engine is Engine.ray:
            import_ray()
        ex = None if exercise is ExerciseChoice.auto else exercise.value
        clips, skipped = find_clips(inputs, out)
        if not quiet:
            for s in skipped[:SHOWN_SKIPPED]:
                typer.echo(f"skipped {s.path}: {s.reason}", err=True)
            if len(skipped) > SHOWN_SKIPPED:
                where = f" (all listed in {out / 'summary.json'})" if clips else ""
                typer.echo(f"skipped {len(skipped) - SHOWN_SKIPPED} more{where}", err=True)
        if not clips:
            raise InputNotFoundError(
                "no video files found in " + ", ".join(inputs)
                + " (folders are searched for " + "video files; see `formcheck batch --help`)")
        check_output_target(out)  # before any clip is posed, not when the summaries are due
        resolved = resolve_model(model)
        model_sha = file_sha256(resolved.path)
        settings = settings_sha256(cfg, ex, not no_video, person)
        with batch_folder_lock(out, "batch"):
            _batch_run(clips, skipped, out, model, model_sha, ex, cfg, settings, no_video,
                       force, person, engine, jobs, address, quiet)
    except FormcheckError as err:
        raise _fail(err) from None


def _batch_run(clips, skipped, out, model, model_sha, ex, cfg, settings, no_video, force,
               person, engine, jobs, address, quiet) -> None:
    """``batch`` once its inputs and settings are checked and it holds the folder."""
    from formcheck.batch.engines import WorkItem
    from formcheck.batch.inputs import keep_earlier_places
    from formcheck.batch.state import placed_clips, read_state, state_path, up_to_date
    from formcheck.batch.task import ClipJob
    from formcheck.report import counted

    placed = placed_clips(out)  # read while holding the folder: no other run writes it
    clips = keep_earlier_places(clips, placed)
    known = {p.key: p.state for p in placed}  # each state file read once
    items, outcomes, states = [], {}, {}
    for clip in clips:
        out_dir = out / clip.rel_dir
        state = states[clip.key] = (known[clip.key] if clip.key in known
                                    else read_state(state_path(out_dir, clip.stem)))
        if not force and up_to_date(state, Path(clip.source), out_dir, model_sha, settings):
            outcomes[clip.key] = _outcome(clip.key, clip.source, clip.athlete, out_dir,
                                          clip.stem, state=state)
            continue
        job = ClipJob(source=clip.source, key=clip.key, stem=clip.stem,
                      athlete=clip.athlete, model=model, model_sha256=model_sha,
                      exercise=ex, config=cfg, settings_sha256=settings,
                      write_video=not no_video, force=force, person=person,
                      **_file_facts(clip.source))
        items.append(WorkItem(job=job, video=Path(clip.source), out_dir=out_dir))
    if not quiet and outcomes:
        typer.echo(f"{counted(len(outcomes), 'clip')} up to date (same bytes, model and "
                   "settings); --force redoes them", err=True)
    results, interrupted = _run(items, engine, jobs, address, quiet)
    for item, res in zip(items, results, strict=True):
        outcomes[item.job.key] = _outcome(item.job.key, item.job.source, item.job.athlete,
                                          item.out_dir, item.job.stem, result=res,
                                          state=states[item.job.key])
    ordered = [outcomes[c.key] for c in clips]
    _finish(ordered, skipped, out, interrupted, quiet,
            earlier=_earlier_outcomes(out, clips, placed))


def _earlier_outcomes(out: Path, clips, placed) -> list:
    """The clips of the batch folder that this run's inputs did not name, as earlier runs
    left them: those analysed (``placed``, whose outputs are all still there; one file an old
    run put in two places, once), then those that failed or were stopped (rows of the folder's
    summary.json). The index and summaries stay the folder's, not only this run's."""
    from formcheck.batch.inputs import resolved_path
    from formcheck.batch.summary import ClipOutcome, unanalysed_in_summary
    from formcheck.batch.task import EARLIER

    keys = {c.key for c in clips}
    sources = {str(resolved_path(Path(c.source))) for c in clips}  # a link loop too
    found = []
    for p in placed:
        if p.key in keys or (p.state.source_path and p.state.source_path in sources):
            continue
        out_dir = out / p.rel_dir
        if not all((out_dir / name).is_file() for name in p.state.outputs.values()):
            continue
        keys.add(p.key)
        if p.state.source_path:
            sources.add(p.state.source_path)
        found.append(ClipOutcome(key=p.key, source=p.state.source, athlete=p.state.athlete,
                                 out_dir=out_dir, stem=p.stem, status=EARLIER,
                                 outputs=tuple(p.state.outputs.items())))
    unanalysed, _ = unanalysed_in_summary(out, keys)
    return found + unanalysed


def reanalyze(
    out: Annotated[Path, typer.Argument(help="A folder written by `formcheck batch`.")],
    config: Annotated[Path | None, typer.Option(
        help="TOML file with thresholds (see README).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="SECTION.FIELD=VALUE",
        help="Override one threshold, e.g. rounded_back.min_duration_s=0.3.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Clips at once (default: the CPU count).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
) -> None:
    """Redo every clip of a batch folder from its saved pose data with new thresholds.

    No pose inference: each clip's .pose.npz is reused (checked against the clip's bytes); the
    clips must still be where `formcheck batch` found them, to redraw the videos.
    """
    try:
        from formcheck.batch.engines import WorkItem
        from formcheck.batch.state import (
            STATE_SUFFIX,
            batch_folder_lock,
            read_state,
            settings_sha256,
        )
        from formcheck.batch.summary import unanalysed_in_summary
        from formcheck.batch.task import ClipJob
        from formcheck.config import load_config
        from formcheck.errors import InputNotFoundError

        cfg = load_config(config, set_ or ())
        if not out.is_dir():
            raise InputNotFoundError(
                f"{out} is a file, not a batch folder; give the folder `formcheck batch` "
                "wrote (its --out)" if out.exists() else f"batch folder not found: {out}")
        with batch_folder_lock(out, "reanalyze"):
            items, states = [], []
            for path in sorted(out.rglob(f"*{STATE_SUFFIX}")):
                state = read_state(path)
                if state is None or path.name.startswith("."):
                    continue
                stem = path.name[: -len(STATE_SUFFIX)]
                rel = path.parent.relative_to(out).as_posix()
                job = ClipJob(source=state.source, key=f"{rel}/{stem}" if rel != "." else stem,
                              stem=stem, athlete=state.athlete, model=state.model,
                              model_sha256=state.model_sha256, exercise=state.exercise, config=cfg,
                              settings_sha256=settings_sha256(cfg, state.exercise,
                                                              "video" in state.outputs,
                                                              state.person),
                              write_video="video" in state.outputs, saved_pose_only=True,
                              person=state.person,
                              **_file_facts(state.source_path or state.source))
                items.append(WorkItem(job=job, video=Path(state.source_path or state.source),
                                      out_dir=path.parent))
                states.append(state)
            if not items:
                raise InputNotFoundError(f"no clips analysed by `formcheck batch` in {out}")
            results, interrupted = _run(items, Engine.local, jobs, None, quiet)
            outcomes = [_outcome(i.job.key, i.job.source, i.job.athlete, i.out_dir, i.job.stem,
                                 result=r, state=st, previous_on_failure=True)
                        for i, r, st in zip(items, results, states, strict=True)]
            # The clips `batch` could not analyse have no pose data to redo: their rows (and the
            # inputs it skipped) stay in the summaries as they were.
            kept, skipped = unanalysed_in_summary(out, {i.job.key for i in items})
            _finish(outcomes, skipped, out, interrupted, quiet, kept=kept)
    except FormcheckError as err:
        raise _fail(err) from None
