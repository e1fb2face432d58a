"""Pose inference speed: decode-only, bare inference (per model, with and without the back
profile) and the whole ``formcheck analyze`` on one clip. Prints a table; asserts nothing.

    python bench/pose_speed.py VIDEO [--models lite,full,heavy] [--frames N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("--models", default="lite,full,heavy")
    ap.add_argument("--frames", type=int, default=0, help="use only the first N frames")
    ap.add_argument("--no-analyze", action="store_true", help="skip the end-to-end run")
    args = ap.parse_args()

    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.pose.models import resolve_model

    t0 = time.perf_counter()
    with FileSource(args.video) as src:
        info = src.info
        frames = []
        for f in src:
            frames.append(f)
            if args.frames and len(frames) >= args.frames:
                break
    decode_s = time.perf_counter() - t0
    print(f"clip: {args.video.name}  {info.width}x{info.height}  {info.fps:.2f} fps  "
          f"{len(frames)} frames  codec {info.codec}")
    print(f"decode only: {len(frames) / decode_s:8.1f} frames/s")
    print(f"{'model':<6} {'back profile':<13} {'frames/s':>9} {'ms/frame':>9}")
    for name in args.models.split(","):
        path = resolve_model(name).path
        for back in (False, True):
            with PoseEstimator(path, back_profile=back) as est:
                est.process(frames[0].image, -1.0)  # warm-up, outside the timing
                t0 = time.perf_counter()
                for f in frames:
                    est.process(f.image, f.t_s)
                dt = time.perf_counter() - t0
            fps, ms = len(frames) / dt, 1000 * dt / len(frames)
            print(f"{name:<6} {str(back):<13} {fps:9.1f} {ms:9.2f}")
    if not args.no_analyze:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(args.video),
                            "--out", out, "--quiet"], check=True)
            wall = time.perf_counter() - t0
        print(f"formcheck analyze (default model, video + page): {wall:.1f} s wall "
              f"for {info.duration_s:.1f} s of video")


if __name__ == "__main__":
    main()
