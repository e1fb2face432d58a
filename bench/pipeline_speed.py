"""End-to-end speed of ``formcheck analyze`` against a bare MediaPipe run on the same clip.

Alternates, round by round, three whole processes on one video:

- ``bare``: PyAV decodes the clip to RGB and a PoseLandmarker (VIDEO mode, same model and
  options as formcheck's, segmentation masks on) runs on every frame; nothing else;
- ``pose``: ``formcheck analyze --no-video --no-html`` (the pose pass, analysis, JSON/CSV/npz);
- ``full``: ``formcheck analyze`` (also the annotated video and the HTML page).

and prints each run's wall and CPU seconds and peak memory, the medians, and the ratios of the
medians to ``bare`` (targets: full <= 1.10, pose <= 1.03). The load average is printed too:
on a shared machine wall times are noisy, so compare runs of one invocation only. Asserts
nothing.

    python bench/pipeline_speed.py VIDEO [--model full] [--rounds 3] [--fps-models lite,full,heavy]

``--fps-models`` adds one ``formcheck analyze`` (video and page) per model and prints frames per
second end to end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")


def bare(video: str, model_path: str) -> None:
    """The reference: decode + PoseLandmarker.detect_for_video per frame, one thread."""
    import av
    import mediapipe as mp
    import numpy as np
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=model_path),
        running_mode=vision.RunningMode.VIDEO, num_poses=1,
        min_pose_detection_confidence=0.5, min_tracking_confidence=0.5,
        min_pose_presence_confidence=0.5, output_segmentation_masks=True)
    frames = found = 0
    last_ms = -1
    with vision.PoseLandmarker.create_from_options(opts) as landmarker, av.open(video) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        tb = float(stream.time_base)
        for vf in c.decode(stream):
            rgb = np.ascontiguousarray(vf.to_ndarray(format="rgb24"))
            ms = max(int(round((vf.pts or 0) * tb * 1000.0)), last_ms + 1)
            last_ms = ms
            result = landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ms)
            frames += 1
            found += bool(result.pose_landmarks)
    print(f"bare: {frames} frames, person in {found}", file=sys.stderr)


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """One whole process: wall seconds, CPU seconds (user + system) and peak RSS (MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024.0}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("--model", default="full")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fps-models", default="", help="e.g. lite,full,heavy")
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="also run pose/full with PYTHONPATH=this (another formcheck's src/), "
                         "alternated with the others: before/after under the same load")
    ap.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    from formcheck.pose.models import resolve_model

    model_path = str(resolve_model(args.model).path)
    if args.bare:
        bare(str(args.video), model_path)
        return

    from formcheck.io.video import probe_video

    info = probe_video(args.video)
    py = sys.executable
    print(f"clip: {args.video.name}  {info.width}x{info.height}  {info.frame_count} frames  "
          f"{info.duration_s:.1f} s; model {args.model}")
    print(f"start: {load()}")
    names = ["bare", "pose", "full"] + (["pose0", "full0"] if args.baseline_src else [])
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        analyze = [py, "-m", "formcheck", "analyze", str(args.video), "--model", model_path,
                   "--out", tmp, "--quiet"]
        cmds = {
            "bare": [py, __file__, str(args.video), "--model", model_path, "--bare"],
            "pose": [*analyze, "--no-video", "--no-html"],
            "full": analyze,
            "pose0": [*analyze, "--no-video", "--no-html"],
            "full0": analyze,
        }
        base_env = {"PYTHONPATH": str(args.baseline_src)} if args.baseline_src else None
        for r in range(args.rounds):
            for name in names:
                res = run(cmds[name], base_env if name.endswith("0") else None)
                results[name].append(res)
                print(f"round {r + 1} {name:<5} wall {res['wall']:7.2f} s  cpu {res['cpu']:7.2f} s"
                      f"  peak {res['rss']:6.0f} MiB")
        print(f"end: {load()}")
        med = {name: {k: statistics.median(x[k] for x in runs) for k in ("wall", "cpu", "rss")}
               for name, runs in results.items()}
        print(f"{'median':<6} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'wall/bare':>10} "
              f"{'cpu/bare':>9}")
        for name, m in med.items():
            print(f"{name:<6} {m['wall']:8.2f} {m['cpu']:8.2f} {m['rss']:9.0f} "
                  f"{m['wall'] / med['bare']['wall']:10.3f} {m['cpu'] / med['bare']['cpu']:9.3f}")
        print("targets: full wall/bare <= 1.10, pose wall/bare <= 1.03"
              + ("; pose0/full0: the same with --baseline-src" if args.baseline_src else ""))
        if args.fps_models:
            frames = info.frame_count
            for name in args.fps_models.split(","):
                path = str(resolve_model(name).path)
                res = run([py, "-m", "formcheck", "analyze", str(args.video), "--model", path,
                           "--out", tmp, "--quiet"])
                print(f"end to end {name:<6} {frames / res['wall']:7.1f} frames/s wall "
                      f"({res['wall']:.1f} s, cpu {res['cpu']:.1f} s)")


if __name__ == "__main__":
    main()
