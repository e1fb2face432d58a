"""Peak memory of whole ``formcheck analyze`` runs (with the pose model) against clip length,
on a real clip looped to length (issue 14: "peak memory for a 10-minute 1080p clip within 10 %
of a 10-second one").

    python bench/long_memory.py CLIP [--seconds 10 600] [--model full] [--work DIR]
                                     [--no-video] [--no-html] [--nice 10]

Each length is made from ``CLIP`` by copying its packets again and again with shifted
timestamps (PyAV remux, no re-encoding; cut in decoding order, so every kept frame has its
references) into ``WORK/<stem>_<seconds>s.mp4`` (kept and reused; default work folder
``/tmp/formcheck-long-memory``). Then one ``formcheck analyze`` process per length, this
checkout's code (``PYTHONPATH`` set to the ``src`` beside this script, or ``--src``), its
resident memory sampled from ``/proc/PID/status`` every 0.5 s, split at the moment the pose
data file appears (pose pass before it; analysis and render pass after). Prints, per length,
frames, wall and CPU seconds, the whole process's peak (``ru_maxrss``), the peak of each
phase, RSS deciles of each phase, and the ratio of each peak to the first length's. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def loop_clip(clip: Path, seconds: float, out: Path) -> int:
    """``clip``'s video packets repeated until ``seconds`` (by decoding timestamp); returns
    the number of packets written. Audio is dropped (the analysis never reads it)."""
    import av

    if out.is_file():
        with av.open(str(out)) as c:
            return c.streams.video[0].frames
    packets = []
    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        tb = stream.time_base
        for pkt in src.demux(stream):
            if pkt.dts is None or pkt.size == 0:
                continue
            packets.append((pkt.pts, pkt.dts, pkt.duration, pkt.is_keyframe, bytes(pkt)))
        start = min(p[1] for p in packets)
        last = max(p[0] for p in packets)
        step = (packets[1][1] - packets[0][1]) if len(packets) > 1 else 1
        period = last - min(p[0] for p in packets) + step  # one loop's length, in ticks
        limit = int(seconds / float(tb))
        tmp = out.with_suffix(".part.mp4")
        n = 0
        with av.open(str(tmp), "w", format="mp4") as dst:
            ostream = dst.add_stream_from_template(stream)
            k = 0
            while True:
                offset = k * period
                for pts, dts, duration, key, data in packets:
                    if dts - start + offset >= limit:
                        break
                    p = av.Packet(data)
                    p.pts, p.dts = pts + offset, dts + offset
                    p.duration = duration
                    p.is_keyframe = key
                    p.time_base = tb
                    p.stream = ostream
                    dst.mux(p)
                    n += 1
                else:
                    k += 1
                    continue
                break
    tmp.rename(out)
    return n


def _rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _deciles(values: list[float]) -> list[float]:
    if not values:
        return []
    return [values[min(len(values) - 1, int(len(values) * q / 10))] for q in range(1, 11)]


def run_analyze(clip: Path, model: str, flags: list[str], niceness: int, src: Path,
                keep: Path | None = None) -> dict:
    """One ``formcheck analyze`` process, memory sampled per phase; its outputs are left in
    ``keep`` when given (e.g. for ``--overlay-only`` runs of the render pass alone)."""
    with tempfile.TemporaryDirectory(prefix="fc-long-") as tmp:
        if keep is not None:
            shutil.rmtree(keep, ignore_errors=True)
        out = str(keep if keep is not None else tmp)
        cmd = ["nice", "-n", str(niceness), sys.executable, "-m", "formcheck", "analyze",
               str(clip), "--model", model, "--out", out, "-q", *flags]
        env = {**os.environ, "PYTHONPATH": str(src), "GLOG_minloglevel": "2"}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=env)
        phases: dict[str, list[float]] = {"pose": [], "render": []}
        done = threading.Event()

        def sample() -> None:
            phase = "pose"
            while not done.is_set():
                kb = _rss_kb(proc.pid)
                if phase == "pose" and any(Path(out).rglob("*.pose.npz")):
                    phase = "render"
                if kb is not None:
                    phases[phase].append(kb / 1024.0)
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):  # 1: a finding with --fail-on (not passed) / never here
            sys.exit(f"failed ({code}): {' '.join(cmd)}\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak": usage.ru_maxrss / 1024.0,
            "pose_peak": max(phases["pose"], default=0.0),
            "render_peak": max(phases["render"], default=0.0),
            "pose_deciles": _deciles(phases["pose"]),
            "render_deciles": _deciles(phases["render"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("--seconds", type=float, nargs="+", default=[10.0, 600.0])
    ap.add_argument("--model", default="full")
    ap.add_argument("--work", type=Path, default=Path("/tmp/formcheck-long-memory"))
    ap.add_argument("--no-video", action="store_true")
    ap.add_argument("--no-html", action="store_true")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the analyze processes")
    ap.add_argument("--src", type=Path, default=SRC, help="the code to run (a src folder)")
    ap.add_argument("--keep", action="store_true",
                    help="keep each run's outputs in WORK/out-<clip stem>")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    flags = (["--no-video"] if args.no_video else []) + (["--no-html"] if args.no_html else [])
    print(f"clip {args.clip.name}, model {args.model}, flags {' '.join(flags) or '(none)'}; "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    first = None
    for seconds in args.seconds:
        clip = args.work / f"{args.clip.stem}_{seconds:g}s.mp4"
        frames = loop_clip(args.clip, seconds, clip)
        keep = args.work / f"out-{clip.stem}" if args.keep else None
        r = run_analyze(clip, args.model, flags, args.nice, args.src.resolve(), keep)
        first = first or r["peak"]
        print(f"{seconds:g} s, {frames} frames: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, "
              f"peak {r['peak']:.1f} MiB (x{r['peak'] / first:.3f}); pose pass "
              f"{r['pose_peak']:.1f} MiB, analysis + render pass {r['render_peak']:.1f} MiB; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        for phase in ("pose", "render"):
            dec = " ".join(f"{v:.0f}" for v in r[f"{phase}_deciles"])
            print(f"    {phase} RSS deciles (MiB): {dec}", flush=True)


if __name__ == "__main__":
    main()
