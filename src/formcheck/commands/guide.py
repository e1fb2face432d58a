"""What ``formcheck --help`` and ``formcheck analyze --help`` tell a lifter beyond the options:
how to film so that each fault can be judged, where the thresholds are explained, and
``--version``. Light: imported by ``formcheck.cli`` at start-up."""

from __future__ import annotations

import typer

#: Shown under ``formcheck analyze --help`` (the README's "How to film" says the same).
#: Typer/Click rewrap paragraphs; the blank lines separate them.
FILMING_EPILOG = (
    "How to film: one lifter in the picture, the whole body (head to feet) in the picture all "
    "the time, none of it cut off at the picture's edge, the camera still at hip height, 30 "
    "fps or more, even light, a plain background."
    "\n\n"
    "Which view shows which fault: from the SIDE, rounded back (square on: within 24° of "
    "side-on), over-arched lower back and large jerky twists only; "
    "at 45° (front or rear oblique), over-arched lower back and jerky twist; from the FRONT "
    "or the BACK, jerky twist only. A fault the view cannot show is reported as 'not "
    "assessable' with the reason, never guessed."
    "\n\n"
    "Numbers: a rounded back is given in degrees of spinal flexion estimated from how far "
    "the back's outline bows off the straight shoulder-hip line (with its error bar where "
    "it develops against your own straightest frames; against a typical neutral back, a "
    "rough estimate without one); other "
    "degrees are trunk angles; a twist is given as its speed (deg/s) or, read from the "
    "landmarks' positions (facing the camera square-on, at 45° turned towards it or away "
    "from it, or from the side), as the size of a "
    "quick turn in degrees. "
    "Grades: mild / moderate / severe by how far past its limit a value went. "
    "Every threshold, its unit and default per exercise: docs/thresholds.md "
    "(python -m formcheck.thresholds_doc regenerates it)."
)


def version_callback(value: bool) -> None:
    """``--version``: print ``formcheck X.Y.Z`` and stop."""
    if value:
        from formcheck import __version__

        typer.echo(f"formcheck {__version__}")
        raise typer.Exit()
