"""Command line: thin. Parses options, calls the pipeline, prints. Heavy imports live inside
commands so that ``formcheck --help`` is instant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from formcheck.errors import FormcheckError

app = typer.Typer(
    name="formcheck",
    help="Warns, rep by rep, when the back rounds, the lower back over-arches or the torso "
    "twists jerkily in squats, deadlifts and rows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(err: FormcheckError) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=err.exit_code)


@app.callback()
def _root() -> None:
    """formcheck: back-form warnings from video."""


def main() -> None:
    """Console entry point: every FormcheckError becomes one line and its exit code."""
    try:
        app()
    except FormcheckError as err:  # raised outside a command's own handler
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(err.exit_code)


if __name__ == "__main__":
    main()
