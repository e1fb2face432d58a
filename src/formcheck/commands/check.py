"""``formcheck check PATH...``: replay clips, compare the findings with expectations, write
JUnit XML; ``--update`` rewrites the expectations from the current results.

Registered in ``formcheck.cli`` with ``app.command("check")(check)``. Exit codes: 0 every
expectation met, 1 a mismatch, 11 a clip could not be checked (wins over 1), and the usual
codes for problems that stop the whole run (7 a malformed expectations file or bad
``--config``/``--set``/``--person``, 5 a pose model the run needs is missing: the
``--model`` given, or the one the expectations were written with, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formcheck.errors import CheckIncompleteError, FormcheckError, InputNotFoundError
from formcheck.report import counted


def _fail(err: FormcheckError) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=err.exit_code)


def check(
    paths: Annotated[list[Path], typer.Argument(
        help="Video files and/or folders of them (each folder's videos, not recursive).")],
    expect: Annotated[Path | None, typer.Option(
        help="Expectations: a folder of CLIP.expect.toml files, or one file for a single "
        "clip. Default: CLIP.expect.toml beside each clip (CLIP: its name without the "
        "extension).")] = None,
    junit: Annotated[Path | None, typer.Option(
        help="Write a JUnit XML report here (one test case per clip and expectation).")
    ] = None,
    update: Annotated[bool, typer.Option(
        "--update", help="Rewrite the expectations from the current results; say what changed."
    )] = False,
    model: Annotated[str | None, typer.Option(
        help="Pose model (lite, full, heavy or a .task path). Default: the one each clip's "
        "expectations were written with, else full.")] = None,
    person: Annotated[str | None, typer.Option(
        help="With several people in the picture, which one is the lifter (as for analyze): "
        "auto (the largest, most central), largest, center, left or right. Default: the rule "
        "each clip's expectations were written with, else auto.")] = None,
    config: Annotated[Path | None, typer.Option(
        help="TOML file with thresholds (as for analyze).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="SECTION.FIELD=VALUE",
        help="Override one threshold, e.g. rounded_back.min_held_flexion_deg=15.")] = None,
    cache: Annotated[Path | None, typer.Option(
        file_okay=False,
        help="Folder for cached pose data (keyed by the clip's bytes and the model, reused "
        "only for the same clip bytes and model bundle). Default: $FORMCHECK_CACHE_DIR or "
        "~/.cache/formcheck/poses.")
    ] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Always run the pose model; read and write no cache.")] = False,
    cache_max_mb: Annotated[float, typer.Option(
        min=0.0, help="After the run, remove the least recently used pose cache entries until "
        "the cache holds at most this many MB (never one this run used, nor one used in the "
        "last hour); 0 keeps only what this run and any other run in the last hour used.")
    ] = 500.0,  # runner.DEFAULT_CACHE_MAX_MB (not imported here: --help stays instant)
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Also list the expectations that were met.")] = False,
) -> None:
    """Replay clips (CI): fail when their findings differ from the expected ones."""
    try:
        from formcheck.check import runner
        from formcheck.config import load_config

        if person is not None:
            from formcheck.pose.people import checked_person_rule

            checked_person_rule(person)
        cfg = load_config(config, set_ or ())
        if junit is not None:  # checked before any clip is posed, not when the report is due
            from formcheck.outputs import check_output_target

            check_output_target(junit, "--junit", is_file=True)
        if model is not None:  # a --model that does not exist stops the run (exit 5)
            from formcheck.pose.models import resolve_model

            resolve_model(model)
        clips = runner.find_clips(paths)
        if not clips:
            raise InputNotFoundError(
                f"no video files in {', '.join(str(p) for p in paths)}; give clips or folders "
                f"holding {', '.join(sorted(runner.VIDEO_SUFFIXES))} files")
        if expect is None and (orphans := runner.orphan_expectations(paths, clips)):
            more = f" and {len(orphans) - 1} more" if len(orphans) > 1 else ""
            raise InputNotFoundError(
                f"expectations without their clip: {orphans[0]}{more} (no video of that "
                "name beside it, so it would go unchecked); put the clip back or delete its "
                "expectations")
        expect_paths = runner.expectation_paths(clips, expect)
        settings = runner.CheckSettings(
            model=model, config=cfg, update=update,
            cache_dir=None if no_cache else (cache or runner.default_cache_dir()),
            cache_max_bytes=int(cache_max_mb * 1e6),
            settings_sha256=runner.settings_fingerprint(cfg), person=person)

        def show(res: runner.ClipCheck) -> None:
            typer.echo(runner.diff_text(res, verbose=verbose))
            for line in res.changes:
                typer.echo(f"  changed: {line}")

        results = runner.run_check(clips, expect_paths, settings, on_result=show)
        if settings.cache_dir is not None and settings.cache_dir.is_dir():
            removed = runner.prune_cache(
                settings.cache_dir, {r.cache_entry for r in results if r.cache_entry},
                settings.cache_max_bytes)
            if removed:
                typer.echo(f"pose cache {settings.cache_dir}: {len(removed)} least recently "
                           f"used entries removed (over {cache_max_mb:g} MB)")
        if junit is not None:
            from formcheck.check.junit import write_junit

            write_junit(junit, results)
    except FormcheckError as err:
        raise _fail(err) from None

    errors = [r for r in results if r.error is not None]
    failed = [r for r in results if r.error is None and r.failed]
    if update:
        counts = {k: sum(r.update == k for r in results)
                  for k in ("created", "updated", "rewritten", "unchanged")}
        typer.echo(f"{counted(len(results), 'clip')}: "
                   + ", ".join(f"{n} {k}" for k, n in counts.items())
                   + (f", {len(errors)} could not run" if errors else ""))
    else:
        untrue = sum(1 for r in results if r.error is None and r.truth_differs)
        typer.echo(f"{counted(len(results), 'clip')}: "
                   f"{len(results) - len(failed) - len(errors)} passed, "
                   f"{len(failed)} failed, {len(errors)} could not be checked"
                   + (f"; {untrue} of them differ from their rendered truth (known limits, "
                      "in their expectations)" if untrue else "")
                   + (f"; JUnit report: {junit}" if junit else ""))
    if errors:
        raise _fail(CheckIncompleteError(
            f"{len(errors)} of {counted(len(results), 'clip')} could not be checked: "
            + "; ".join(f"{r.label} (exit code {r.error_code})" for r in errors[:3])
            + (" ..." if len(errors) > 3 else "")))
    if failed and not update:
        raise typer.Exit(code=1)
