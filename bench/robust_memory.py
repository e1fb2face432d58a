"""Peak memory of the stages after the pose pass (analysis, report, overlay video, page) against
clip length: one process per length, so each peak (``ru_maxrss``) is its own. No pose model:
the landmarks are a synthetic set with faults (so the page has findings and pictures), tiled
to the length of a generated clip (made beforehand in another process, so its encoder is not
in the figures).

    python bench/robust_memory.py [--seconds 10 120 600] [--fps 30] [--size 320x240]
                                  [--no-video] [--no-html]

Prints, per length, the peak resident memory of the whole process, what each stage added to
the peak before it (RSS sampled every 20 ms: analysis, report/CSV, then the render pass:
overlay video and page), and the ratio of each peak to the first length's. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def _sequence(seconds: float, fps: float, width: int, height: int):
    """A synthetic deadlift set (a clean rep, a rounded one, a twisted one) repeated."""
    import numpy as np

    from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
    from formcheck.pose.sequence import PoseSequence

    frames = int(round(seconds * fps))
    reps = (SynthRep(), SynthRep(flexion_deg=40.0), SynthRep(twist_deg=40.0))
    unit, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=45.0, fps=fps,
                                   width=width, height=height, px_per_m=height / 3.0))
    tiles = -(-frames // len(unit))
    period = float(unit.t_s[-1]) + 1.0 / fps

    def tile(a):
        return np.concatenate([a] * tiles)[:frames]

    t = (unit.t_s[None, :] + period * np.arange(tiles)[:, None]).ravel()[:frames]
    return PoseSequence(t_s=t, image_xy=tile(unit.image_xy), world_xyz=tile(unit.world_xyz),
                        visibility=tile(unit.visibility), presence=tile(unit.presence),
                        back_xy=tile(unit.back_xy), width=width, height=height)


def make_clip(seconds: float, fps: float, width: int, height: int, clip: Path) -> None:
    """The clip the render pass decodes: moving noise (320x240, costly to encode, the figures
    of earlier sessions) or, larger, a moving gradient with a little noise (cheap to encode)."""
    import numpy as np

    from formcheck.io.video import VideoSink

    seq = _sequence(seconds, fps, width, height)
    rng = np.random.default_rng(0)
    if width * height <= 320 * 240:
        base = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    else:
        ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
        base = (ramp + rng.normal(0, 6, (height, 1, 3))).clip(0, 255).astype(np.uint8)
        base = np.ascontiguousarray(np.broadcast_to(base, (height, width, 3)))
    with VideoSink(clip, width, height, fps, threads=0) as sink:
        for i, t in enumerate(seq.t_s):
            sink.write(np.roll(base, 4 * i, axis=1), float(t))


def one(seconds: float, fps: float, width: int, height: int, clip: Path, folder: Path,
        write_video: bool, write_html: bool) -> dict:
    from formcheck.pipeline import analyse, output_paths, render_outputs, render_view

    stage = ["setup"]
    peaks: dict[str, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, name = _rss_mb(), stage[0]
            peaks[name] = max(peaks.get(name, 0.0), rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    seq = _sequence(seconds, fps, width, height)
    time.sleep(0.05)
    stage[0] = "analysis"
    t0 = time.process_time()
    report, result = analyse(seq)
    stage[0] = "report"
    out = folder / f"out{len(seq)}"
    out.mkdir()
    paths = output_paths(out, clip.stem)
    report.save_json(paths["report"])
    report.save_csv(paths["csv"])
    seq = render_view(seq)  # as formcheck analyze does: the rest of the pose data is freed
    stage[0] = "render"
    render_outputs(clip, seq, report, result.series, paths, write_video=write_video,
                   write_html=write_html)
    cpu = time.process_time() - t0
    time.sleep(0.05)
    done.set()
    sampler.join()
    before = peaks.get("setup", 0.0)
    added = {}
    for name in ("analysis", "report", "render"):
        added[name] = round(max(0.0, peaks.get(name, 0.0) - before), 1)
        before = max(before, peaks.get(name, 0.0))
    return {"seconds": seconds, "frames": len(seq), "findings": len(report.findings),
            "reps": len(report.reps), "setup_mb": round(peaks.get("setup", 0.0), 1),
            **{f"{k}_mb": v for k, v in added.items()}, "peak_mb": round(_peak_mb(), 1),
            "cpu_s": round(cpu, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, nargs="+", default=[10.0, 120.0, 600.0])
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--size", default="320x240", help="frame size, WIDTHxHEIGHT")
    ap.add_argument("--no-video", action="store_true", help="page only")
    ap.add_argument("--no-html", action="store_true", help="video only")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--make", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    if args.make is not None:
        make_clip(args.make, args.fps, width, height, args.dir / "clip.mp4")
        return
    if args.child is not None:
        print(json.dumps(one(args.child, args.fps, width, height, args.dir / "clip.mp4",
                             args.dir, not args.no_video, not args.no_html)))
        return
    what = " + ".join(n for n, on in (("video", not args.no_video), ("page", not args.no_html))
                      if on)
    print(f"{width}x{height} at {args.fps:g} fps; render pass: {what or 'nothing'}")
    print(f"{'seconds':>8} {'frames':>7} {'reps':>5} {'findings':>8} {'setup':>6} "
          f"{'+analysis':>9} {'+report':>7} {'+render':>7} {'peak MB':>8} {'ratio':>6} "
          f"{'CPU s':>6}")
    first = None
    for seconds in args.seconds:
        with tempfile.TemporaryDirectory() as tmp:
            common = ["--fps", str(args.fps), "--size", args.size, "--dir", tmp]
            subprocess.run([sys.executable, __file__, "--make", str(seconds), *common],
                           check=True)
            flags = (["--no-video"] if args.no_video else []) + (
                ["--no-html"] if args.no_html else [])
            proc = subprocess.run([sys.executable, __file__, "--child", str(seconds), *common,
                                   *flags], capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        first = first or r["peak_mb"]
        print(f"{r['seconds']:>8g} {r['frames']:>7} {r['reps']:>5} {r['findings']:>8} "
              f"{r['setup_mb']:>6} {r['analysis_mb']:>9} {r['report_mb']:>7} "
              f"{r['render_mb']:>7} {r['peak_mb']:>8} {r['peak_mb'] / first:>6.3f} "
              f"{r['cpu_s']:>6}", flush=True)


if __name__ == "__main__":
    main()
