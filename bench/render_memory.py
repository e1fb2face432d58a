"""Peak memory of the render pass alone over the first N frames of a long clip, from its saved
pose data (no pose model): the proxy for issue 14's 1080p memory target that runs in minutes.

    python bench/render_memory.py VIDEO POSE.npz --frames 600 3600 [--no-html]
                                  [--prefetch 2] [--mmap-threshold BYTES] [--history]

One process per length: the pose data cut to its first N frames, analysed, reduced with
``render_view`` as ``formcheck analyze`` does, then ``render_outputs`` over the first N frames
of VIDEO (video, and the page unless ``--no-html``). Prints, per length, the peak resident
memory (``ru_maxrss``), RSS deciles through the render pass (sampled every 20 ms), the bytes
free inside glibc's arenas (``mallinfo2``, every 100 ms; the range over the pass) and the
render pass's CPU seconds. ``--prefetch`` sets the render pass's decode-ahead depth,
``--mmap-threshold`` calls ``mallopt(M_MMAP_THRESHOLD)`` first (glibc's
``MALLOC_MMAP_THRESHOLD_``), ``--history`` analyses the whole pose data once before the cut
(a long analysis just before the render pass). Asserts nothing.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

_M_MMAP_THRESHOLD = -3


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        return libc
    except (OSError, AttributeError):
        return None


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def one(video: Path, pose: Path, frames: int, args) -> dict:
    import numpy as np

    import formcheck.pipeline as pl
    from formcheck.pose.sequence import PoseSequence

    libc = _libc()
    if args.mmap_threshold is not None and libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, int(args.mmap_threshold))
    if args.prefetch is not None:
        pl._RENDER_PREFETCH = args.prefetch
    rss: list[float] = []
    free: list[float] = []
    rendering = threading.Event()
    done = threading.Event()

    def sample() -> None:
        k = 0
        while not done.is_set():
            if rendering.is_set():
                rss.append(_rss_mb())
                if libc is not None and k % 5 == 0:
                    free.append(libc.mallinfo2().fordblks / 2**20)
                k += 1
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    full = PoseSequence.load(pose)
    if args.history:
        pl.analyse(full)

    def cut(a):
        return None if a is None else np.array(a[:frames])

    seq = PoseSequence(t_s=cut(full.t_s), image_xy=cut(full.image_xy),
                       world_xyz=cut(full.world_xyz), visibility=cut(full.visibility),
                       presence=cut(full.presence), back_xy=cut(full.back_xy),
                       image_z=cut(full.image_z), torso_flow=cut(full.torso_flow),
                       width=full.width, height=full.height, source=full.source,
                       model=full.model, extra=full.extra)
    del full
    report, result = pl.analyse(seq)
    seq = pl.render_view(seq)
    with tempfile.TemporaryDirectory() as tmp:
        rendering.set()
        t0 = time.process_time()
        pl.render_outputs(video, seq, report, result.series, pl.output_paths(Path(tmp), "x"),
                          write_html=not args.no_html)
        cpu = time.process_time() - t0
    time.sleep(0.05)
    done.set()
    k = len(rss)
    deciles = [round(max(rss[i * k // 10:(i + 1) * k // 10] or [0.0])) for i in range(10)]
    return {"frames": len(seq), "findings": len(report.findings), "reps": len(report.reps),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "deciles": deciles,
            "arena_free_mb": [round(min(free), 1), round(max(free), 1)] if free else None,
            "cpu_s": round(cpu, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("pose", type=Path)
    ap.add_argument("--frames", type=int, nargs="+", default=[600, 3600])
    ap.add_argument("--no-html", action="store_true", help="video only")
    ap.add_argument("--prefetch", type=int, help="the render pass's decode-ahead depth")
    ap.add_argument("--mmap-threshold", type=int, help="mallopt(M_MMAP_THRESHOLD) first")
    ap.add_argument("--history", action="store_true",
                    help="analyse the whole pose data before the cut")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(one(args.video, args.pose, args.child, args)))
        return
    flags = [f for f, on in (("--no-html", args.no_html), ("--history", args.history)) if on]
    for name in ("prefetch", "mmap_threshold"):
        if getattr(args, name) is not None:
            flags += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    print(f"{args.video.name}, {' '.join(flags) or 'defaults'}; load average "
          f"{os.getloadavg()[0]:.1f} at start")
    first = None
    for n in args.frames:
        proc = subprocess.run([sys.executable, __file__, str(args.video), str(args.pose),
                               "--child", str(n), *flags], capture_output=True, text=True,
                              check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        first = first or r["peak_mb"]
        print(f"{r['frames']:>6} frames, {r['findings']} findings: peak {r['peak_mb']} MB "
              f"(x{r['peak_mb'] / first:.3f}), CPU {r['cpu_s']} s, free in arenas "
              f"{r['arena_free_mb']} MB; RSS deciles {r['deciles']}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
