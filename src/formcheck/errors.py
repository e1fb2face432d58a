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
7   bad configuration (TOML file, threshold value, ``--fail-on``, ``--person``)
8   camera could not be opened
9   output could not be written
10  data file (.npz, report) invalid or of another version
11  ``formcheck check``/``batch``: a clip could not be checked (no expectations, its analysis
    failed) / some clips of a batch failed (each clip's own code is in the summary)
130 interrupted (Ctrl-C, SIGINT)
143 terminated (SIGTERM)
==  =======================================================
"""

from __future__ import annotations

import signal


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


class CheckIncompleteError(FormcheckError):
    """``formcheck check`` could not check every clip (kept apart from 1 = a mismatch, so CI
    can tell a regression from a broken run)."""

    exit_code = 11


class ShapeError(FormcheckError, ValueError):
    """An array does not have the shape a contract requires (a programming error, mostly)."""

    exit_code = 10


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT, exit 130) or SIGTERM (exit 143), raised in the main thread by the CLI's
    signal handler. A ``KeyboardInterrupt`` so that no ``except Exception`` swallows it and code
    that ends cleanly on Ctrl-C (a live session) does so on SIGTERM too; ``finally`` blocks and
    sinks' ``abort()`` still run, so temp files go before the process exits."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        if self.signum == signal.SIGINT:
            return "interrupted (Ctrl-C); this run's unfinished outputs were discarded"
        name = signal.Signals(self.signum).name
        return f"terminated ({name}); this run's unfinished outputs were discarded"
