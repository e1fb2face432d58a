"""``formcheck live``: coach a set from a webcam (or a file replayed as one).

Registered in ``formcheck.cli`` with ``app.command("live")(live)``. Parses options, builds the
session (``formcheck.live.session``), prints what was written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from formcheck.errors import FormcheckError


def _fail(err: FormcheckError) -> typer.Exit:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=err.exit_code)


def live(
    camera: Annotated[str, typer.Option(
        help="Camera index (0, 1, …), device path (/dev/video2) or stream URL.")] = "0",
    source: Annotated[Path | None, typer.Option(
        help="Replay a video file as if it were the camera (instead of --camera).")] = None,
    realtime: Annotated[bool, typer.Option(
        "--realtime", help="With --source: deliver frames at the file's own pace, dropping "
        "those inference cannot keep up with (as a camera would); without it every frame is "
        "analysed, giving exactly `formcheck analyze`'s result.")] = False,
    model: Annotated[str | None, typer.Option(
        help="Pose model: lite, full, heavy or a path to a .task bundle. full is the default "
        "(where it cannot keep up, frames are dropped and the back is still judged); lite "
        "keeps up but on its poses rounding and the twist are not assessable, on heavy's none of "
        "the three (measured false warnings).")] = "full",
    exercise: Annotated[str, typer.Option(
        help="auto, squat, deadlift or row.")] = "auto",
    person: Annotated[str, typer.Option(
        help="With several people in the picture, which one is the lifter (followed from "
        "frame to frame): auto (the largest, most central), largest, center, left or right.")
    ] = "auto",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for each set's outputs.")
                   ] = Path("formcheck_live"),
    record: Annotated[bool, typer.Option(
        "--record", help="Keep the set's video and write the annotated video.")] = False,
    sound: Annotated[bool | None, typer.Option(
        "--sound/--no-sound", help="Beep on a warning (default: on when an audio device "
        "exists).")] = None,
    voice: Annotated[bool | None, typer.Option(
        "--voice/--no-voice", help="Say the warning with espeak-ng (default: on when an audio "
        "device and espeak-ng exist).")] = None,
    cue_wav: Annotated[Path | None, typer.Option(
        "--cue-wav", dir_okay=False,
        help="Write the cues to this WAV file (on the session's clock) instead of a device.")
    ] = None,
    headless: Annotated[bool, typer.Option("--headless", help="No window.")] = False,
    countdown: Annotated[float | None, typer.Option(
        min=0.0, help="Seconds of countdown once the lifter is in the picture (default 3 for "
        "a camera; 0 for --source: the set starts with the file).")] = None,
    config: Annotated[Path | None, typer.Option(
        help="TOML file with thresholds (see README).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="SECTION.FIELD=VALUE",
        help="Override one threshold, e.g. rounded_back.min_duration_s=0.3.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
) -> None:
    """Coach a set live: warnings on screen (and by sound) as each rep ends; after the set the
    same outputs as `formcheck analyze` (keys: q quit, p pause, n new set)."""
    try:
        code = _run(camera, source, realtime, model, exercise, out, record, sound, voice,
                    cue_wav, headless, countdown, config, set_, quiet, person)
    except FormcheckError as err:
        from formcheck.live.session import SaveInterrupted

        if isinstance(err, SaveInterrupted):
            # Exit 130/143 with this one line only: a bare exit 130 from a command makes the
            # CLI add "this run's unfinished outputs were discarded", which is not so here.
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            raise SystemExit(err.exit_code) from None
        raise _fail(err) from None
    if code:
        raise typer.Exit(code=code)


def _run(camera, source, realtime, model, exercise, out, record, sound, voice, cue_wav,
         headless, countdown, config, set_, quiet, person="auto") -> int:
    from dataclasses import replace

    from formcheck.config import load_config
    from formcheck.errors import ConfigError
    from formcheck.live.capture import ReplaySource
    from formcheck.live.cues import audio_device_available, espeak_available
    from formcheck.live.session import LiveOptions, LiveSession
    from formcheck.live.settings import LiveSettings
    from formcheck.outputs import check_output_target
    from formcheck.pose.people import checked_person_rule

    if exercise not in ("auto", "squat", "deadlift", "row"):
        raise ConfigError(f"--exercise {exercise!r}: use auto, squat, deadlift or row")
    checked_person_rule(person)
    if realtime and source is None:
        raise ConfigError("--realtime needs --source FILE")
    cfg = load_config(config, set_ or ())
    # The places written at the end of a set are checked before the camera or window opens.
    check_output_target(out)
    if cue_wav is not None:
        check_output_target(cue_wav, "--cue-wav", is_file=True)
    device = cue_wav is not None or audio_device_available()
    sound = device if sound is None else sound
    voice = (device and espeak_available()) if voice is None else voice
    if (sound or voice) and cue_wav is None and not audio_device_available():
        raise ConfigError("no audio output device for --sound/--voice; pass --cue-wav FILE "
                          "or --no-sound --no-voice")
    settings = LiveSettings()
    settings = replace(settings, countdown_s=countdown if countdown is not None else
                       (0.0 if source is not None else settings.countdown_s))
    if headless is False and not _display_available():
        raise ConfigError("no display for the live window; run with --headless or set DISPLAY")
    if headless is False:
        from formcheck.live.display import x_display_reachable

        if x_display_reachable() is False:  # Qt would abort the process (exit 134)
            import os

            raise ConfigError(f"cannot open the display {os.environ.get('DISPLAY')!r} for the "
                              "live window (no X server there, or not allowed); run with "
                              "--headless or set DISPLAY")
    window = None
    if not headless:
        # Before PyAV is imported: its wheel's own libxcb, loaded first, hangs OpenCV's Qt.
        from formcheck.live.display import Window

        window = Window()
    if source is not None:
        src = ReplaySource(source, realtime=realtime)
        is_camera, lockstep, stem = False, not realtime, source.stem
    else:
        from formcheck.io.video import CameraSource

        src = CameraSource(camera)
        is_camera, lockstep, stem = True, False, None
    opts = LiveOptions(out_dir=out, model=model, exercise=None if exercise == "auto" else
                       exercise, config=cfg, record=record, headless=headless, sound=sound,
                       voice=voice, cue_wav=cue_wav, settings=settings, stem=stem,
                       person=person, config_file=config, set_values=tuple(set_ or ()))
    try:
        session = LiveSession(src, opts, is_camera=is_camera, lockstep=lockstep,
                              replay_path=source, window=window,
                              log=None if quiet else _log, notice=_notice)
    except BaseException:
        src.close()
        if window is not None:
            window.close()
        raise
    result = session.run()
    if not quiet:
        try:
            _print_summary(result)
        except KeyboardInterrupt as stop:  # every set was saved: say so, not "discarded"
            from formcheck.live.session import SaveInterrupted, stopped_words

            signum = getattr(stop, "signum", 2)
            raise SaveInterrupted(f"{stopped_words(signum)} while printing the summary; every "
                                  f"set was saved in {out}", signum) from None
    if result.error is not None:
        typer.secho(f"error: {result.error}", fg=typer.colors.RED, err=True)
        return result.error.exit_code
    return 0


def _log(text: str) -> None:
    """One line per event of the session (set started, warning, paused, saved) on stdout."""
    print(text, flush=True)


def _notice(text: str) -> None:
    """What a Ctrl-C starts (saving the set), at once on stderr, also with --quiet."""
    print(text, file=sys.stderr, flush=True)


def _display_available() -> bool:
    import os

    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or sys.platform in ("win32", "darwin"))


def _print_summary(result) -> None:
    import numpy as np
    from rich.console import Console

    from formcheck.live.session import NOT_ANALYSED_WORDS
    from formcheck.render.terminal import print_summary

    console = Console()
    st = result.stats
    if st.latency_ms:
        console.print(
            f"live: {st.displayed} frames shown at {st.fps:.1f} fps, latency median "
            f"{np.median(st.latency_ms):.0f} ms (95th pct {np.percentile(st.latency_ms, 95):.0f}"
            f" ms), inference median {np.median(st.inference_ms):.0f} ms; over the whole "
            f"session (before, between and during its sets) "
            + (f"{st.dropped} of the {st.read} frames read were dropped "
               f"({st.dropped_share:.0%})" if not st.skipped else
               # A replay's skipped frames were never read (as a camera's not read in time),
               # but sent and not analysed, as each set's record and the window count them.
               f"{st.not_analysed} of the {st.sent} frames the file sent were "
               f"{NOT_ANALYSED_WORDS} "
               f"({st.dropped_share:.0%}): the replay skipped {st.skipped}, decoded only "
               "after their time had passed (as a camera's frames not read in time are "
               f"lost), and of the {st.read} frames read, {st.dropped} were dropped")
            + "; each set's record counts its own")
    if not result.sets:
        console.print("no set was recorded (the lifter never got set)")
    for s in result.sets:
        print_summary(s.report, s.written, console)
        for problem in s.problems:
            console.print(f"note: {problem}")
    if result.cue_wav is not None:
        console.print(f"cues written to {result.cue_wav}")
