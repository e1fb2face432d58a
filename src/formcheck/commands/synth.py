"""``formcheck synth ...``: render synthetic lifters with exact ground truth.

Registered in ``formcheck.cli`` with ``app.add_typer(synth_app, name="synth")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formcheck.errors import FormcheckError

app = typer.Typer(
    help="Render synthetic lifters (squat, deadlift, row) with form faults of known size, plus "
    "a truth JSON: one clip, the committed samples, or an evaluation matrix.",
    no_args_is_help=True,
)

DEFAULT_SAMPLES_DIR = Path("samples")


def _fail(err: FormcheckError) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=err.exit_code)


def _progress(name: str, i: int, n: int) -> None:
    typer.echo(f"[{i + 1}/{n}] {name}", err=True)


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False,
                                      help="Output .mp4 (the truth goes beside it as .json).")],
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", exists=True, dir_okay=False,
        help="A .json/.toml scenario; the options below are ignored when given.")] = None,
    exercise: Annotated[str, typer.Option(help="squat, deadlift or row.")] = "squat",
    reps: Annotated[int, typer.Option(min=1)] = 2,
    body: Annotated[str, typer.Option(help="m_avg, f_short, m_tall, f_heavy, m_heavy, f_tall, "
                                           "m_short or f_avg.")] = "m_avg",
    azimuth: Annotated[float, typer.Option(
        help="Camera azimuth, deg: 0 front, 90 lifter's left side, 180 behind.")] = 90.0,
    elevation: Annotated[float, typer.Option(
        help="Camera elevation, deg, seen from the hip-height aim point (negative: camera "
             "below it, e.g. -15 puts a 3.2 m camera near the floor).")] = 8.0,
    distance: Annotated[float, typer.Option(help="Camera distance, m.")] = 3.2,
    tilt: Annotated[float, typer.Option(
        help="Camera pitched up (+) or down (-) from its aim point, deg.")] = 0.0,
    roll: Annotated[float, typer.Option(
        help="Camera rolled about its view axis, deg (+ clockwise from behind it).")] = 0.0,
    width: Annotated[int, typer.Option(min=16)] = 640,
    height: Annotated[int, typer.Option(min=16)] = 480,
    fps: Annotated[float, typer.Option(min=1.0)] = 30.0,
    flexion: Annotated[float, typer.Option(help="Rounded back: spinal flexion, deg.")] = 0.0,
    lumbar_fraction: Annotated[float, typer.Option(
        help="Share of the flexion in the lumbar spine.")] = 0.5,
    extension: Annotated[float, typer.Option(
        help="Over-arching at lockout: lumbar extension, deg.")] = 0.0,
    arch: Annotated[float, typer.Option(
        help="Over-arching while bent over (deadlift set-up and pull, row, squat bottom): "
             "lumbar extension, deg.")] = 0.0,
    hinge: Annotated[float, typer.Option(
        min=0.0, max=40.0,
        help="Extra forward lean at the bottom, deg (a deadlift set-up: 20 gives the 70-80 "
             "deg trunk lean of real set-ups).")] = 0.0,
    squat_bar: Annotated[bool, typer.Option(
        "--squat-bar/--air-squat",
        help="A squat with a barbell on the upper back (hands on the bar beside the "
             "shoulders), or an air squat with the arms held forward (the default).")] = False,
    twist: Annotated[float, typer.Option(help="Trunk twist amplitude, deg.")] = 0.0,
    twist_duration: Annotated[float, typer.Option(
        help="Twist out and back, s (0.2 jerky, 2 slow); for the shapes that stay turned, "
             "the time to turn out.")] = 0.2,
    twist_shape: Annotated[str, typer.Option(
        help="jerk (out and back), lead (one shoulder leads the pull, squares up at the top), "
             "heave (turns heaving the weight up, back while lowering) or stay (stays turned "
             "to the rep's end).")] = "jerk",
    shirt_texture: Annotated[str, typer.Option(
        help="plain, folds or print (a pattern optical flow can follow).")] = "plain",
    clothing: Annotated[str, typer.Option(
        help="none, tee or hoodie: loose clothing over the torso that spans the lower back's "
             "hollow and hangs under gravity, its sizes drawn per body.")] = "none",
    clothing_seed: Annotated[int, typer.Option(
        help="Draw other clothing sizes for the same body.")] = 0,
    fault_reps: Annotated[str, typer.Option(
        help="Comma-separated 1-based reps with the faults (default: all).")] = "",
    crf: Annotated[int, typer.Option(min=0, max=51)] = 23,
) -> None:
    """Render one clip and its truth JSON."""
    from formcheck.synth.api import render as render_one
    from formcheck.synth.scenario import (
        Camera,
        Exercise,
        Fault,
        FaultKind,
        Scenario,
        Scene,
        TwistShape,
        load_scenario,
    )

    try:
        if scenario is not None:
            sc = load_scenario(scenario)
        else:
            try:
                ex = Exercise(exercise)
                shape = TwistShape(twist_shape)
                rep_list = tuple(int(x) for x in fault_reps.split(",") if x.strip())
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from None
            faults = []
            if flexion:
                faults.append(Fault(FaultKind.FLEXION, flexion, rep_list, lumbar_fraction))
            if extension:
                faults.append(Fault(FaultKind.EXTENSION, extension, rep_list))
            if arch:
                faults.append(Fault(FaultKind.ARCH, arch, rep_list))
            if twist:
                faults.append(Fault(FaultKind.TWIST, twist, rep_list,
                                    duration_s=twist_duration, twist_shape=shape))
            sc = Scenario(exercise=ex, reps=reps, body=body,
                          camera=Camera(azimuth_deg=azimuth, elevation_deg=elevation,
                                        distance_m=distance, width=width, height=height,
                                        fps=fps, tilt_deg=tilt, roll_deg=roll),
                          scene=Scene(shirt_texture=shirt_texture, clothing=clothing,
                                      clothing_seed=clothing_seed),
                          faults=tuple(faults), crf=crf, hinge_deg=hinge,
                          squat_bar=squat_bar)
        res = render_one(sc, out)
    except FormcheckError as err:
        raise _fail(err) from None
    typer.echo(f"{res.video}  {res.truth}  ({res.frames} frames in {res.render_s:.1f} s)")


@app.command()
def samples(
    out: Annotated[Path, typer.Option("--out", "-o", file_okay=False,
                                      help="Folder for the clips.")] = DEFAULT_SAMPLES_DIR,
) -> None:
    """Regenerate the committed sample clips and truth (same bytes every time)."""
    from formcheck.synth.api import render_samples

    try:
        manifest = render_samples(out, progress=_progress)
    except FormcheckError as err:
        raise _fail(err) from None
    typer.echo(str(manifest))


@app.command()
def matrix(
    out: Annotated[Path, typer.Option("--out", "-o", file_okay=False,
                                      help="Folder for the clips and manifest.json.")],
    body: Annotated[list[str] | None, typer.Option(
        help="Bodies to use (repeat; default: all).")] = None,
    exercise: Annotated[list[str] | None, typer.Option(
        help="Exercises (repeat; default: all).")] = None,
    azimuth: Annotated[list[float] | None, typer.Option(
        help="Azimuths, deg (repeat; default: 0 45 90 135 180).")] = None,
    reps: Annotated[int, typer.Option(min=2)] = 3,
    limit: Annotated[int | None, typer.Option(min=1, help="Render only the first N.")] = None,
    force: Annotated[bool, typer.Option(help="Re-render clips that already exist.")] = False,
) -> None:
    """Render the evaluation matrix: bodies x camera azimuths x fault sizes (not committed)."""
    from formcheck.synth.api import render_matrix
    from formcheck.synth.scenario import Exercise

    try:
        exs = tuple(Exercise(e) for e in exercise) if exercise else tuple(Exercise)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        manifest = render_matrix(out, bodies=tuple(body) if body else None, exercises=exs,
                                 azimuths=tuple(azimuth) if azimuth else None, reps=reps,
                                 limit=limit, skip_existing=not force, progress=_progress)
    except FormcheckError as err:
        raise _fail(err) from None
    typer.echo(str(manifest))
