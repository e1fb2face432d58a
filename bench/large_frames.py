"""Peak memory and wall time of ``formcheck analyze`` on a large-frame clip (4K/8K phone
video) with and without the pose pass's cap on the frame size (``pose.max_side_px``), side by
side.

    python bench/large_frames.py CLIP [--scale 2] [--frames 90] [--caps 1920 0]
                                      [--work DIR] [--video] [--nice 10]

``--scale S`` first writes ``WORK/<stem>_x<S>.mp4``: ``CLIP``'s first ``--frames`` frames
(all with 0) scaled ``S`` times (area resampling down, cubic up), H.264 crf 18 at the clip's
frame rate (kept and reused); without it ``CLIP`` is run as it is. Then, for each cap in
``--caps`` (0: no cap), one ``formcheck analyze --no-html`` process (``--no-video`` unless
``--video``) with ``--set pose.max_side_px=CAP``, this checkout's code (``PYTHONPATH`` = the
``src`` beside this script); its peak resident memory is the process's own high-water mark
(``VmHWM``, read every 50 ms until it exits). Prints per cap: frames, wall and CPU seconds,
peak MiB, and the ratio of each to the first cap's; and whether the runs' reports agree
(reps, findings' values, verdicts). Clips made from third-party footage stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def scaled_copy(clip: Path, scale: float, frames: int, out: Path) -> Path:
    """``clip``'s first ``frames`` frames (0: all) scaled ``scale`` times, H.264 crf 18."""
    import av
    import cv2

    if out.is_file():
        return out
    tmp = out.with_suffix(".part.mp4")
    with av.open(str(clip)) as src, av.open(str(tmp), "w") as dst:
        stream = src.streams.video[0]
        rate = stream.average_rate or 30
        w, h = round(stream.width * scale / 2) * 2, round(stream.height * scale / 2) * 2
        ost = dst.add_stream("libx264", rate=rate)
        ost.width, ost.height, ost.pix_fmt = w, h, "yuv420p"
        ost.options = {"crf": "18", "preset": "veryfast"}
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        for n, vf in enumerate(src.decode(stream)):
            if frames and n >= frames:
                break
            img = cv2.resize(vf.to_ndarray(format="rgb24"), (w, h), interpolation=interp)
            for pkt in ost.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                dst.mux(pkt)
        for pkt in ost.encode():
            dst.mux(pkt)
    tmp.rename(out)
    return out


def run_once(clip: Path, cap: int, model: str, out: Path, video: bool, nice: int) -> dict:
    cmd = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--out", str(out),
           "--model", model, "--no-html", "--set", f"pose.max_side_px={cap}"]
    if not video:
        cmd.append("--no-video")
    env = dict(os.environ, PYTHONPATH=str(SRC))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)
    # The peak is the process's own high-water mark (VmHWM, which exec starts afresh), read
    # until it exits: wait4's ru_maxrss would count the fork of this process before the exec,
    # which holds the scaled copy's frames.
    hwm = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                with open(f"/proc/{proc.pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            hwm[0] = max(hwm[0], int(line.split()[1]))
            except OSError:
                return
            done.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    watcher.join()
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    report = next(out.glob("*.json"), None) if out.is_dir() else None
    data = json.loads(report.read_text()) if report is not None and code == 0 else {}
    return {"cap": cap, "rc": code, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mib": hwm[0] / 1024.0, "report": data, "stderr": err[-400:]}


def summary(report: dict) -> dict:
    """What a coach reads: reps and, per finding, its kind, rep, severity and value."""
    findings = sorted((f.get("fault", f.get("kind")), f.get("rep"), f.get("severity"),
                       round(float(f.get("value") or 0.0), 1))
                      for f in report.get("findings", []))
    verdicts = sorted((a.get("fault"), a.get("rep") or 0, bool(a.get("assessable")))
                      for a in report.get("assessable", []))
    return {"reps": len(report.get("reps", [])), "findings": findings, "verdicts": verdicts,
            "exercise": (report.get("exercise") or {}).get("name"),
            "view": (report.get("view") or {}).get("name")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("--scale", type=float, default=0.0, help="run a copy scaled this much")
    ap.add_argument("--frames", type=int, default=90, help="with --scale: frames copied (0 all)")
    ap.add_argument("--caps", type=int, nargs="+", default=[1920, 0])
    ap.add_argument("--model", default="full")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "formcheck-large")
    ap.add_argument("--video", action="store_true", help="also write the annotated video")
    ap.add_argument("--nice", type=int, default=0)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    clip = args.clip
    if args.scale:
        clip = scaled_copy(clip, args.scale, args.frames,
                           args.work / f"{clip.stem}_x{args.scale:g}.mp4")
    import av

    with av.open(str(clip)) as c:
        s = c.streams.video[0]
        print(f"{clip.name}: {s.width}x{s.height}, {s.frames} frames")
    rows = []
    for cap in args.caps:
        row = run_once(clip, cap, args.model, args.work / f"out_cap{cap}", args.video,
                       args.nice)
        rows.append(row)
        if row["rc"] != 0:
            print(f"cap {cap}: exit {row['rc']}: {row['stderr']}")
    base = rows[0]
    print(f"{'cap':>6} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'wall x':>7} {'peak x':>7}")
    for r in rows:
        print(f"{r['cap'] or 'none':>6} {r['wall_s']:8.1f} {r['cpu_s']:8.1f} "
              f"{r['peak_mib']:9.0f} {r['wall_s'] / base['wall_s']:7.2f} "
              f"{r['peak_mib'] / base['peak_mib']:7.2f}")
    sums = [summary(r["report"]) for r in rows]
    for r, s in zip(rows, sums, strict=True):
        print(f"cap {r['cap'] or 'none'}: {json.dumps(s)}")
    print("reports agree" if all(s == sums[0] for s in sums) else "reports DIFFER")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
