"""Command line: thin. Parses options, calls the pipeline, prints. Heavy imports live inside
commands so that ``formcheck --help`` is instant."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from formcheck.commands import batch as batch_cmd
from formcheck.commands.check import check as check_command
from formcheck.commands.guide import FILMING_EPILOG, version_callback
from formcheck.commands.live import live as live_command
from formcheck.commands.models import app as models_app
from formcheck.commands.synth import app as synth_app
from formcheck.errors import ConfigError, FormcheckError

app = typer.Typer(
    name="formcheck",
    help="Warns, rep by rep, when the back rounds, the lower back over-arches or the torso "
    "twists jerkily in squats, deadlifts and rows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings are wrapped in the source; markdown joins their lines into paragraphs
    # (the default keeps every line break, so help lines broke mid-sentence).
    rich_markup_mode="markdown",
)


def _fail(err: FormcheckError) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=err.exit_code)


app.add_typer(models_app, name="models")
app.add_typer(synth_app, name="synth")
app.command("live")(live_command)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=version_callback, is_eager=True,
        help="Print formcheck's version and exit.")] = False,
) -> None:
    """formcheck: back-form warnings from video."""


class ExerciseChoice(str, Enum):
    auto = "auto"
    squat = "squat"
    deadlift = "deadlift"
    row = "row"


@contextmanager
def _progress(enabled: bool) -> Iterator:
    """A rich progress bar on stderr; yields ``factory(stage, total) -> callback(done)``."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    labels = {"pose": "pose estimation", "video": "annotated video"}
    # Started on the first stage only: an empty bar, stopped by an early error, would leave a
    # blank line on stderr before the `error:` line.
    bar = Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                   transient=False)

    def factory(stage: str, total: int | None):
        if not bar.live.is_started:
            bar.start()
        task = bar.add_task(labels.get(stage, stage), total=total)
        shown = [total]

        def update(done: int) -> None:
            # A header that promised fewer frames than the file holds (a .ts stream's
            # estimate) grows with the count: never "159/99" (as batch's bar does).
            if shown[0] is not None and done > shown[0]:
                shown[0] = done
                bar.update(task, completed=done, total=done)
            else:
                bar.update(task, completed=done)
        return update

    try:
        yield factory
    finally:
        if bar.live.is_started:
            bar.stop()


def _parse_fail_on(value: str | None) -> set[str]:
    from formcheck.report import FAULTS

    if not value:
        return set()
    faults = {v.strip() for v in value.split(",") if v.strip()}
    if "any" in faults:
        return set(FAULTS)
    unknown = faults - set(FAULTS)
    if unknown:
        raise ConfigError(
            f"--fail-on: unknown fault {sorted(unknown)[0]!r}; use any of {', '.join(FAULTS)} "
            "or 'any'"
        )
    return faults


@app.command(epilog=FILMING_EPILOG)
def analyze(
    video: Annotated[Path, typer.Argument(help="Video file to analyse.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the outputs.")] = Path(
        "formcheck_out"),
    model: Annotated[str | None, typer.Option(
        help="Pose model: lite, full, heavy or a path to a .task bundle. The checks were "
        "fitted on full's poses: on lite's rounding and the twist are not assessable, on heavy's "
        "none of the three (measured false warnings).")] = None,
    exercise: Annotated[ExerciseChoice, typer.Option(
        help="Exercise; 'auto' recognises it.")] = ExerciseChoice.auto,
    config: Annotated[Path | None, typer.Option(
        help="TOML file with thresholds (see docs/thresholds.md).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="SECTION.FIELD=VALUE",
        help="Override one threshold, e.g. rounded_back.min_duration_s=0.3 "
        "(all of them: docs/thresholds.md).")] = None,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated video.")] = False,
    no_html: Annotated[bool, typer.Option("--no-html", help="Skip the HTML report page.")] = False,
    overlay_only: Annotated[bool, typer.Option(
        "--overlay-only",
        help="Re-draw video and page from OUT/STEM.pose.npz and report (STEM: the video's "
        "name without its extension), without the model.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print the report JSON to stdout.")] = False,
    fail_on: Annotated[str | None, typer.Option(
        help="Exit with code 1 when a finding of these faults occurs (comma list or 'any').")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
    person: Annotated[str, typer.Option(
        help="With several people in the picture, which one is the lifter (followed from "
        "frame to frame): auto (the largest, most central), largest, center, left or "
        "right.")] = "auto",
    workers: Annotated[int | None, typer.Option(
        min=1, help="Threads for the pose model (default: one per core, at most one per "
        "segment). A clip of 10 s or more is cut into two segments run side by side; the "
        "poses are the same for any number.")] = None,
) -> None:
    """Analyse one video: pose, reps, findings; writes pose data, report, CSV, video and page."""
    try:
        from formcheck import pipeline
        from formcheck.config import load_config
        from formcheck.pose.people import checked_person_rule

        # Checked as batch, check and live check it: one line, exit 7 (was Typer's exit 2).
        checked_person_rule(person)
        fail_faults = _parse_fail_on(fail_on)
        cfg = load_config(config, set_ or ())
        ex = None if exercise is ExerciseChoice.auto else exercise.value
        with _progress(not quiet and not json_) as progress:
            if overlay_only:
                paths = pipeline.output_paths(out, video.stem)
                report_path = paths["report"] if paths["report"].is_file() else None
                report, written = pipeline.rerender(
                    video, paths["pose"], out, report_path=report_path, exercise=ex, config=cfg,
                    write_html=not no_html, progress=progress)
            else:
                report, written = pipeline.analyze_video(
                    video, out, model=model, exercise=ex, config=cfg, person=person,
                    workers=workers, write_video=not no_video, write_html=not no_html,
                    progress=progress)
    except FormcheckError as err:
        raise _fail(err) from None
    if json_:
        sys.stdout.write(report.to_json())
    elif not quiet:
        from rich.console import Console

        from formcheck.render.terminal import print_summary

        print_summary(report, written, Console())
    if fail_faults and any(f.fault in fail_faults for f in report.findings):
        raise typer.Exit(code=1)


app.command("check")(check_command)  # listed after analyze in --help
app.command("batch")(batch_cmd.batch)
app.command("reanalyze")(batch_cmd.reanalyze)


def _click_class(name: str) -> type[Exception]:
    """Click's exception class ``name`` (UsageError, ClickException), found through Typer's
    public ``BadParameter`` so it works whether Typer vendors Click or imports it."""
    return next(k for k in typer.BadParameter.__mro__ if k.__name__ == name)


def _usage_line(err) -> str:
    """Click's usage error as one line, naming the command's ``--help``."""
    message = " ".join(err.format_message().split())
    message = message.replace("Value error, ", "").rstrip(".")  # Typer's pydantic wording
    ctx = getattr(err, "ctx", None)
    where = ctx.command_path if ctx is not None else "formcheck"
    if isinstance(err, _click_class("UsageError")):
        return f"{message}; see `{where} --help`"
    return message


#: The last SIGINT/SIGTERM received (Typer turns a KeyboardInterrupt into a bare exit 130).
_received: list[int] = []


#: How long a stop raised where Python drops exceptions waits to be sent again (seconds).
_RESEND_S = 0.01


def _on_signal(signum: int, _frame) -> None:
    from formcheck.errors import Interrupted

    _received.append(signum)
    raise Interrupted(signum)


def _stop_not_dropped(previous):
    """A ``sys.unraisablehook`` that sends again a stop raised where Python cannot pass an
    exception on (an object's ``__del__``, a garbage-collector or weakref callback): there it
    was printed as "Exception ignored in ..." with its traceback, and lost. CI saw live go on
    to the end of its clip after a Ctrl-C that came while MediaPipe's ``Image.__del__`` ran,
    and the same in a ``gc.callbacks`` function. The signal comes again a moment later, from
    wherever the main thread is then; any other unraisable exception goes to ``previous``."""

    def hook(unraisable) -> None:
        import signal
        import threading

        from formcheck.errors import Interrupted

        if not isinstance(unraisable.exc_value, Interrupted):
            previous(unraisable)
            return
        try:
            threading.Timer(_RESEND_S, signal.raise_signal,
                            (unraisable.exc_value.signum,)).start()
        except RuntimeError:  # the interpreter is shutting down: it stops anyway
            pass

    hook.formcheck_stop = True  # installed once, however often main() runs in a process
    return hook


def install_stop_handlers() -> None:
    """Ctrl-C and SIGTERM become ``Interrupted`` in the main thread, never dropped."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main thread / not settable here
            return
    if not getattr(sys.unraisablehook, "formcheck_stop", False):
        sys.unraisablehook = _stop_not_dropped(sys.unraisablehook)


def _shown_on_terminal(err: UnicodeError) -> tuple[bytes, int]:
    """Error handler for the terminal's streams: a lone surrogate (a byte of a file name that
    is not UTF-8, ``caf\\xe9.mp4``) is printed as U+FFFD, anything else the terminal's
    encoding lacks as "?". Bytes: an encoder takes only ASCII text back from a handler."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    try:
        mark = "\ufffd".encode(err.encoding)
    except (UnicodeError, LookupError):
        mark = b"?"
    bad = err.object[err.start:err.end]
    return b"".join(mark if "\ud800" <= c <= "\udfff" else b"?" for c in bad), err.end


def _show_undecodable_names() -> None:
    """Print a clip's name that is not UTF-8 with the replacement character (every line that
    names it: progress, errors, the summary) instead of failing on it with a traceback
    (stdout's default) or showing "\\udce9" (stderr's)."""
    import codecs

    try:
        codecs.lookup_error(_TERMINAL_ERRORS)
    except LookupError:
        codecs.register_error(_TERMINAL_ERRORS, _shown_on_terminal)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors=_TERMINAL_ERRORS)
        except (AttributeError, ValueError, OSError):  # replaced (tests) or not a text file
            pass


#: The codec error handler ``_show_undecodable_names`` gives stdout and stderr.
_TERMINAL_ERRORS = "formcheck-shown"


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Every failure leaves as one ``error:`` line on stderr and a
    distinct exit code (table in ``formcheck.errors``): FormcheckErrors, usage errors (2),
    Ctrl-C (130) and SIGTERM (143). Signals become an exception in the main thread, so the
    stages' cleanup (temp files, decoders) runs before the exit."""
    import signal

    from formcheck.errors import Interrupted

    usage_error, click_error = _click_class("UsageError"), _click_class("ClickException")
    _show_undecodable_names()

    install_stop_handlers()
    try:
        rv = app(args=argv, standalone_mode=False, prog_name="formcheck")
    except FormcheckError as err:  # raised outside a command's own handler
        _print_error(str(err))
        sys.exit(err.exit_code)
    except click_error as err:
        if type(err).__name__ == "NoArgsIsHelpError" and getattr(err, "ctx", None):
            typer.echo(err.ctx.get_help())  # bare `formcheck`: the help, as before
            sys.exit(2)
        _print_error(_usage_line(err))
        sys.exit(2 if isinstance(err, usage_error) else err.exit_code)
    except (Interrupted, KeyboardInterrupt, typer.Abort) as err:
        stop = err if isinstance(err, Interrupted) else Interrupted()
        _print_error(str(stop))
        sys.exit(stop.exit_code)
    if rv == Interrupted().exit_code:  # Typer turned a KeyboardInterrupt into exit 130
        stop = Interrupted(_received[-1] if _received else signal.SIGINT)
        _print_error(str(stop))
        sys.exit(stop.exit_code)
    sys.exit(rv if isinstance(rv, int) else 0)


def _print_error(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


if __name__ == "__main__":
    main()
