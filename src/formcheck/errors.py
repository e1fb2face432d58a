"""formcheck's own exceptions.

Every user-facing failure is a ``FormcheckError``: the CLI prints its one-line message and exits
with its ``exit_code``; no traceback reaches the user. Messages say what to do next.

Exit codes (stable; scripts and CI rely on them):

==  =======================================================
0   success
1   findings matched ``--fail-on`` / ``formcheck check`` found a regression
2   usage error (bad option; Typer's own code)
3   input file missing or unreadable
4   video cannot be decoded (codec, corrupt container, no video stream)
5   pose model missing or invalid
6   model download or build failed
7   bad configuration (TOML file or threshold value)
8   camera could not be opened
9   output could not be written
10  data file (.npz, report) invalid or of another version
11  ``formcheck batch``: some clips failed (each clip's own code is in its summary)
==  =======================================================
"""

from __future__ import annotations


class FormcheckError(Exception):
    """Base class: a problem the user can act on. ``str(err)`` is the one-line message."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputNotFoundError(FormcheckError):
    exit_code = 3


class VideoDecodeError(FormcheckError):
    exit_code = 4


class ModelNotFoundError(FormcheckError):
    exit_code = 5


class ModelInvalidError(FormcheckError):
    exit_code = 5


class ModelFetchError(FormcheckError):
    exit_code = 6


class ModelBuildError(FormcheckError):
    exit_code = 6


class ConfigError(FormcheckError):
    exit_code = 7


class CameraError(FormcheckError):
    exit_code = 8


class OutputError(FormcheckError):
    exit_code = 9


class DataFormatError(FormcheckError):
    exit_code = 10


class ShapeError(FormcheckError, ValueError):
    """An array does not have the shape a contract requires (a programming error, mostly)."""

    exit_code = 10
