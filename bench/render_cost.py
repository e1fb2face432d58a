"""CPU per frame of each step of the render pass (issue 14), this checkout against another.

    python bench/render_cost.py CLIP POSE.npz [--frames N] [--rounds 2] [--baseline-src DIR]

One process per code version and round, alternated. Each decodes ``CLIP`` (``FileSource``),
draws the overlay of the report analysed from ``POSE.npz`` (a ``.pose.npz`` made from that
clip, e.g. by ``formcheck analyze``), converts the frame for the encoder (``VideoSink.prepare``)
and encodes it (x264 on one thread, so its CPU is this thread's), one step after another on
one thread, timing each with ``time.thread_time``; then it writes the page (no pictures) and
times that. Prints each run's milliseconds per frame per step, the medians and the ratio of the
totals. On a shared machine thread CPU time is the steady figure; say the load average (printed)
with it. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
STEPS = ("decode", "draw", "prepare", "encode")


def measure(clip: Path, pose: Path, frames: int) -> dict:
    from formcheck.io.video import FileSource, VideoSink
    from formcheck.pipeline import analyse
    from formcheck.pose.sequence import PoseSequence
    from formcheck.render.html import render_html
    from formcheck.render.overlay import OverlayRenderer

    seq = PoseSequence.load(pose)
    report, result = analyse(seq)
    overlay = OverlayRenderer(report, seq, result.series)
    spent = dict.fromkeys(STEPS, 0.0)
    n = 0
    clock = time.thread_time
    with tempfile.TemporaryDirectory() as tmp, FileSource(clip) as src:
        info = src.info
        sink = VideoSink(Path(tmp) / "out.mp4", info.width, info.height, info.fps, threads=1)
        decoded = iter(src)
        while n < frames:
            t0 = clock()
            frame = next(decoded, None)
            if frame is None:
                break
            t1 = clock()
            drawn = overlay.draw(frame.image, frame.index)
            t2 = clock()
            ready = sink.prepare(drawn)
            t3 = clock()
            sink.write(ready, frame.t_s)
            t4 = clock()
            for step, dt in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                spent[step] += dt
            n += 1
        sink.abort()
        t0 = clock()
        render_html(report, result.series, {}, Path(tmp) / "page.html")
        page = clock() - t0
    return {"frames": n, **{k: 1000.0 * v / max(n, 1) for k, v in spent.items()},
            "page_s": page, "size": f"{info.width}x{info.height}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("pose", type=Path)
    ap.add_argument("--frames", type=int, default=10**9, help="at most this many frames")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--baseline-src", type=Path, help="another checkout's src folder")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.clip, args.pose, args.frames)))
        return
    versions = {"this": SRC}
    if args.baseline_src is not None:
        versions["baseline"] = args.baseline_src.resolve()
    print(f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    runs: dict[str, list[dict]] = {name: [] for name in versions}
    for _ in range(args.rounds):
        for name, src in versions.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            proc = subprocess.run([sys.executable, __file__, str(args.clip), str(args.pose),
                                   "--frames", str(args.frames), "--child"], env=env,
                                  capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            runs[name].append(r)
            print(f"{name:>8}: {r['frames']} frames {r['size']}: "
                  + ", ".join(f"{k} {r[k]:.2f}" for k in STEPS)
                  + f" ms/frame; page {r['page_s']:.2f} s", flush=True)
    totals = {}
    for name, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in (*STEPS, "page_s")}
        totals[name] = sum(med[k] for k in STEPS)
        print(f"median {name:>8}: " + ", ".join(f"{k} {med[k]:.2f}" for k in STEPS)
              + f" ms/frame (total {totals[name]:.2f}); page {med['page_s']:.2f} s")
    if "baseline" in totals:
        print(f"per-frame CPU, this / baseline: {totals['this'] / totals['baseline']:.3f}")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
