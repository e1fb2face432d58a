"""Peak memory of the stages after the pose pass (analysis, report, overlay video, page) against
clip length: one process per length, so each peak (``ru_maxrss``) is its own. No pose model:
the landmarks are a synthetic set with faults (so the page has findings and thumbnails),
tiled to the length of a generated 320x240 clip.

    python bench/robust_memory.py [--seconds 10 120 600] [--fps 30]

Prints, per length, the peak resident memory of the whole process and what each stage added.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one(seconds: float, fps: float, folder: Path) -> dict:
    import numpy as np

    from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
    from formcheck.io.video import VideoSink
    from formcheck.pipeline import analyse, output_paths, render_outputs
    from formcheck.pose.sequence import PoseSequence

    frames = int(round(seconds * fps))
    reps = (SynthRep(), SynthRep(flexion_deg=40.0), SynthRep(twist_deg=40.0))
    unit, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=45.0, fps=fps,
                                   width=320, height=240, px_per_m=80.0))
    tiles = -(-frames // len(unit))
    period = float(unit.t_s[-1]) + 1.0 / fps

    def tile(a):
        return np.concatenate([a] * tiles)[:frames]

    t = (unit.t_s[None, :] + period * np.arange(tiles)[:, None]).ravel()[:frames]
    seq = PoseSequence(t_s=t, image_xy=tile(unit.image_xy), world_xyz=tile(unit.world_xyz),
                       visibility=tile(unit.visibility), presence=tile(unit.presence),
                       back_xy=tile(unit.back_xy), width=320, height=240)
    clip = folder / f"clip{frames}.mp4"
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    with VideoSink(clip, 320, 240, fps) as sink:
        for i in range(frames):
            sink.write(np.roll(noise, i, axis=1), float(t[i]))
    start = _rss_mb()
    report, result = analyse(seq)
    after_analysis = _rss_mb()
    out = folder / f"out{frames}"
    out.mkdir()
    render_outputs(clip, seq, report, result.series, output_paths(out, clip.stem))
    return {"seconds": seconds, "frames": frames, "findings": len(report.findings),
            "rss_before_mb": round(start, 1), "analysis_mb": round(after_analysis - start, 1),
            "render_mb": round(_rss_mb() - after_analysis, 1), "peak_mb": round(_rss_mb(), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, nargs="+", default=[10.0, 120.0, 600.0])
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(one(args.child, args.fps, Path(tmp))))
        return
    print(f"{'seconds':>8} {'frames':>7} {'findings':>8} {'before':>8} {'analysis':>9} "
          f"{'render':>7} {'peak MB':>8}")
    for seconds in args.seconds:
        proc = subprocess.run([sys.executable, __file__, "--child", str(seconds), "--fps",
                               str(args.fps)], capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{r['seconds']:>8g} {r['frames']:>7} {r['findings']:>8} {r['rss_before_mb']:>8} "
              f"{r['analysis_mb']:>9} {r['render_mb']:>7} {r['peak_mb']:>8}")


if __name__ == "__main__":
    main()
