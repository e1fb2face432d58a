"""Live mode's speed: capture-to-display latency, sustained fps, dropped frames, and the time
from a rep's end to its warning on screen, replaying clips in real time as a camera would.

    python bench/live_latency.py CLIP30 CLIP60 [--models lite,full] [--window] [--repeat N]
                                 [--fresh on|off|both] [--warm new|blank|both]

Each clip is replayed at its own pace (``formcheck live --source CLIP --realtime``): frames
become available when their timestamps come due, inference takes the newest one, the rest are
dropped. Latency = from the moment a frame became available to the moment its overlaid frame
was shown (``--window``: after ``imshow``; headless: drawn and ready to show). Warning delay =
from the moment the rep's movement was back at rest (or the fault ended, if later; a rep's
still finish may run on for a second) to the first frame that showed the warning, for every
finding of the final report (a finding never shown live is counted apart).
The start: the first shown frame's latency, and the frames dropped before the tenth was
shown (the models' first calls are slow; ``--warm blank`` warms them up as live mode did
before session 24, on a blank frame only, at 0 ms, for a side-by-side run: 'bw').
The machine's load (``uptime``) is printed before and after: the figures mean little without
it. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def _load() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def _blank_warm_up(est, width: int, height: int, person_bgr=None) -> None:
    """Live mode's warm-up before session 24: one blank frame through the tracker, at 0 ms."""
    est.process(np.zeros((height, width, 3), np.uint8), -1.0)
    est.forget_previous_frame()


def run_one(clip: Path, model: str, window: bool, fresh: bool, warm: str = "new") -> dict:
    from formcheck.live.capture import ReplaySource
    from formcheck.live.session import LiveOptions, LiveSession
    from formcheck.live.settings import LiveSettings
    from formcheck.pose.estimator import PoseEstimator

    win = None
    if window:
        from formcheck.live.display import Window

        win = Window()  # before PyAV loads (see Window's docstring)
    with tempfile.TemporaryDirectory() as tmp:
        src = ReplaySource(clip, realtime=True)
        # As `formcheck live --source CLIP --realtime`: the set starts with the file.
        opts = LiveOptions(out_dir=Path(tmp), model=model, headless=not window,
                           stem=clip.stem,
                           settings=LiveSettings(countdown_s=0.0, fresh_wait=fresh))
        session = LiveSession(src, opts, is_camera=False, lockstep=False, replay_path=clip,
                              window=win)
        shown_seq: list[int] = []
        account = session._account

        def _account(cap, shown_s):
            shown_seq.append(cap.seq_no)
            account(cap, shown_s)

        session._account = _account
        warm_up = PoseEstimator.warm_up
        if warm == "blank":
            PoseEstimator.warm_up = _blank_warm_up
        try:
            result = session.run()
        finally:
            PoseEstimator.warm_up = warm_up
    st = result.stats
    delays = [d for s in result.sets for d in s.warning_delay_s.values() if d is not None]
    missed = sum(1 for s in result.sets for d in s.warning_delay_s.values() if d is None)
    extra = sum(len(s.shown_not_final) for s in result.sets)
    lat = np.array(st.latency_ms)
    inf = np.array(st.inference_ms)
    return {
        "clip": clip.name,
        "model": model + ("" if fresh else " nf") + (" bw" if warm == "blank" else ""),
        "fps_in": src.info.fps,
        "lat_med": float(np.median(lat)), "lat_p95": float(np.percentile(lat, 95)),
        "inf_med": float(np.median(inf)), "draw_med": float(np.median(st.draw_ms)),
        "fps": st.fps, "dropped": st.dropped_share,
        "frames": st.displayed,
        "lat_first": float(lat[0]) if len(lat) else float("nan"),
        # frames read but not shown before the tenth shown one
        "start_dropped": (shown_seq[9] - 9) if len(shown_seq) >= 10 else None,
        "reps": sum(len(s.report.reps) for s in result.sets),
        "findings": sum(len(s.report.findings) for s in result.sets),
        "delays": delays, "missed": missed, "extra": extra,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--models", default="lite,full")
    ap.add_argument("--window", action="store_true", help="show the window (needs DISPLAY)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--fresh", choices=("on", "off", "both"), default="on",
                    help="swap a half-interval-old frame for the next one (the default); "
                    "'both' runs each case both ways, side by side ('nf': off)")
    ap.add_argument("--warm", choices=("new", "blank", "both"), default="new",
                    help="the models' warm-up: live mode's ('new'), the blank frame only it "
                    "used before session 24 ('blank', 'bw'), or 'both', side by side")
    args = ap.parse_args()
    print("load before:", _load())
    rows = []
    for _ in range(args.repeat):
        for clip in args.clips:
            for model in args.models.split(","):
                for fresh in {"on": (True,), "off": (False,), "both": (True, False)}[
                        args.fresh]:
                    for warm in {"new": ("new",), "blank": ("blank",),
                                 "both": ("blank", "new")}[args.warm]:
                        rows.append(run_one(clip, model, args.window, fresh, warm))
                r = rows[-1]
                print(f"  done {r['clip']} {r['model']}", file=sys.stderr)
    print("load after: ", _load())
    print(f"{'clip':<28} {'model':<10} {'in fps':>6} {'1st ms':>6} {'st.drop':>7} "
          f"{'latency med/p95 ms':>19} "
          f"{'infer ms':>8} {'draw ms':>7} {'lat-inf':>7} {'fps':>5} {'dropped':>7} "
          f"{'reps':>4} {'warn delay med/max s':>21} {'missed':>6} {'extra':>5}")
    for r in rows:
        d = r["delays"]
        dtxt = f"{np.median(d):.2f} / {max(d):.2f}" if d else "–"
        sd = "–" if r["start_dropped"] is None else str(r["start_dropped"])
        print(f"{r['clip'][-28:]:<28} {r['model']:<10} {r['fps_in']:>6.0f} "
              f"{r['lat_first']:>6.0f} {sd:>7} "
              f"{r['lat_med']:>9.0f} / {r['lat_p95']:<7.0f} {r['inf_med']:>8.1f} "
              f"{r['draw_med']:>7.1f} "
              f"{r['lat_med'] - r['inf_med']:>7.1f} {r['fps']:>5.1f} {r['dropped']:>7.0%} "
              f"{r['reps']:>4} {dtxt:>21} {r['missed']:>6} {r['extra']:>5}")
    print("1st ms: the first shown frame's latency; st.drop: frames dropped before the tenth "
          "was shown; bw: the blank-frame warm-up live mode used before session 24")
    print("latency: frame available → overlaid frame shown; lat-inf: median latency minus "
          "median inference time; draw: overlay and panel per frame; warn delay: rep's movement "
          "back at rest (or the fault's end) → warning on screen, "
          "per final finding; missed: final findings never shown live; extra: shown live, "
          "not in the final report")


if __name__ == "__main__":
    main()
