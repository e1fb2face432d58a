"""Whether a realtime replay keeps the file's pace (``formcheck live --source CLIP --realtime``):
the file's seconds against the wall clock's, for this checkout's ``ReplaySource`` and, with
``--before``, another checkout's, side by side in one run.

    python bench/replay_pace.py CLIP [CLIP ...] [--before OLD/src] [--repeat N]
                                [--scale 3 6] [--work DIR]

``--scale S ...`` replays ``WORK/<stem>_x<S>.mp4``, each ``CLIP`` scaled ``S`` times (written
once by ``bench/large_frames.py``'s ``scaled_copy``: H.264 crf 18), instead of ``CLIP``. Each
replay is one process (``PYTHONPATH`` = the ``src`` beside this script, or ``--before``'s),
reading the source as fast as it delivers, as live mode's capture thread does, with nothing
else to do: what is measured is the source alone (decoding, and converting the frames it
delivers). The checkouts take turns within each repeat, so both see the same load.
Per replay: the file's seconds (its last frame's time after its first, and a frame's step),
the wall seconds from the first read to the last frame's delivery, frames delivered and
skipped, and each delivered frame's lag (delivered after its time on the file's clock, started
at the first read): median, 95th percentile and largest. A replay that keeps pace ends about
when the file does and its lag stays within a few frames; one that cannot, runs longer and its
lag grows to the difference. The machine's load (``uptime``) is printed before and after.
Prints figures; asserts nothing. Clips made from third-party footage stay outside the
repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def replay(clip: str) -> dict:
    """One realtime replay of ``clip`` by the ``ReplaySource`` on ``sys.path``."""
    from formcheck.live.capture import ReplaySource

    src = ReplaySource(clip, realtime=True)
    step = 1.0 / src.info.fps if src.info.fps > 0 else 1.0 / 30.0
    lags, first_t, last_t = [], None, None
    start = time.monotonic()
    while (frame := src.read()) is not None:
        now = time.monotonic()
        if first_t is None:
            first_t = frame.t_s
        last_t = frame.t_s
        lags.append((now - start) - (frame.t_s - first_t))
    wall = time.monotonic() - start
    src.close()
    return {"file_s": (last_t - first_t) + step if lags else 0.0, "wall_s": wall,
            "delivered": len(lags), "skipped": src.skipped, "lags": lags,
            "size": f"{src.info.width}x{src.info.height}", "fps": src.info.fps}


def run_once(clip: Path, src: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(clip)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--before", type=Path, help="another checkout's src, replayed in turn")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scale", type=float, nargs="+", default=[],
                    help="replay copies scaled this much (one per value) instead")
    ap.add_argument("--work", type=Path, default=Path("/tmp/formcheck-replay-pace"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(replay(str(args.clips[0]))))
        return 0
    clips = args.clips
    if args.scale:
        sys.path.insert(0, str(HERE))
        from large_frames import scaled_copy

        args.work.mkdir(parents=True, exist_ok=True)
        clips = [scaled_copy(c, s, 0, args.work / f"{c.stem}_x{s:g}.mp4")
                 for c in args.clips for s in args.scale]
    codes = [("this", SRC)] + ([("before", args.before)] if args.before else [])
    print("load before:", _load())
    rows = []
    for n in range(args.repeat):
        for clip in clips:
            for name, src in (codes if n % 2 == 0 else codes[::-1]):
                r = run_once(clip, src)
                rows.append((clip.name, name, r))
                print(f"  done {clip.name} {name}", file=sys.stderr)
    print("load after: ", _load())
    print(f"{'clip':<32} {'size':>9} {'code':<6} {'file s':>6} {'wall s':>6} {'wall/file':>9} "
          f"{'delivered':>9} {'skipped':>7} {'lag med/p95/max s':>19}")
    for name, code, r in rows:
        lag = np.array(r["lags"]) if r["lags"] else np.zeros(1)
        print(f"{name[-32:]:<32} {r['size']:>9} {code:<6} {r['file_s']:>6.2f} "
              f"{r['wall_s']:>6.2f} {r['wall_s'] / max(r['file_s'], 1e-9):>9.2f} "
              f"{r['delivered']:>9} {r['skipped']:>7} "
              f"{np.median(lag):>5.2f} / {np.percentile(lag, 95):.2f} / {lag.max():.2f}")
    print("wall/file: wall seconds of the replay over the file's seconds (1.00 keeps pace); "
          "lag: a delivered frame's delivery after its time on the file's clock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
