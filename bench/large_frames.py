"""Peak memory and wall time of ``formcheck analyze`` on large-frame clips (4K/8K phone
video) with and without the pose pass's cap on the frame size (``pose.max_side_px``), and
before and after a change to the code, side by side in one run.

    python bench/large_frames.py CLIP [--scale 2 4] [--frames 90 30] [--caps 1920 0]
                                      [--before OLD/src] [--work DIR] [--video] [--nice 10]

``--scale S ...`` first writes ``WORK/<stem>_x<S>.mp4`` for each ``S``: ``CLIP``'s first
``--frames`` frames (all with 0; one value for every scale, or one per scale) scaled ``S``
times (area resampling down, cubic up), H.264 crf 18 at the clip's frame rate (kept and
reused); without it ``CLIP`` is run as it is. Then, for each clip and each cap in ``--caps``
(0: no cap), one ``formcheck analyze --no-html`` process (``--no-video`` unless ``--video``)
with ``--set pose.max_side_px=CAP``, this checkout's code (``PYTHONPATH`` = the ``src``
beside this script) and, with ``--before``, the same with that ``src`` (another checkout,
e.g. ``git worktree add /tmp/old <commit>``); its peak resident memory is the process's own
high-water mark (``VmHWM``, read every 50 ms until it exits). Prints per run: wall and CPU
seconds, peak MiB, and the ratio of each to the clip's first run; whether the runs' reports
agree (reps, findings' values, verdicts); and, with ``--before``, whether each cap's poses
(every array of the saved ``.pose.npz``) are byte-identical before and after. Clips made from
third-party footage stay outside the repository.
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


def run_once(clip: Path, cap: int, model: str, out: Path, video: bool, nice: int,
             src: Path = SRC) -> dict:
    cmd = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--out", str(out),
           "--model", model, "--no-html", "--set", f"pose.max_side_px={cap}"]
    if not video:
        cmd.append("--no-video")
    env = dict(os.environ, PYTHONPATH=str(src))
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
            "peak_mib": hwm[0] / 1024.0, "report": data, "stderr": err[-400:],
            "pose": next(out.glob("*.pose.npz"), None) if out.is_dir() else None}


def same_poses(a: Path | None, b: Path | None) -> bool:
    """Whether two saved poses hold byte-identical arrays (``meta``, the hashes and notes
    beside them, aside)."""
    import numpy as np

    if a is None or b is None:
        return False
    with np.load(a) as x, np.load(b) as y:
        names = sorted(set(x.files) - {"meta"})
        return names == sorted(set(y.files) - {"meta"}) and all(
            x[n].dtype == y[n].dtype and x[n].shape == y[n].shape
            and x[n].tobytes() == y[n].tobytes() for n in names)


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
    ap.add_argument("--scale", type=float, nargs="+", default=[],
                    help="run a copy scaled this much (one per value)")
    ap.add_argument("--frames", type=int, nargs="+", default=[90],
                    help="with --scale: frames copied (0 all), one value or one per scale")
    ap.add_argument("--caps", type=int, nargs="+", default=[1920, 0])
    ap.add_argument("--before", type=Path, help="another checkout's src to run beside this one")
    ap.add_argument("--model", default="full")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "formcheck-large")
    ap.add_argument("--video", action="store_true", help="also write the annotated video")
    ap.add_argument("--nice", type=int, default=0)
    args = ap.parse_args(argv)
    if len(args.frames) not in (1, max(1, len(args.scale))):
        ap.error("--frames takes one value or one per --scale")
    args.work.mkdir(parents=True, exist_ok=True)
    clips = [args.clip]
    if args.scale:
        counts = args.frames * len(args.scale) if len(args.frames) == 1 else args.frames
        clips = [scaled_copy(args.clip, s, n, args.work / f"{args.clip.stem}_x{s:g}.mp4")
                 for s, n in zip(args.scale, counts, strict=True)]
    codes = [("before", args.before.resolve()), ("after", SRC)] if args.before else \
        [("this", SRC)]
    ok = True
    for clip in clips:
        ok = run_clip(clip, args, codes) and ok
    return 0 if ok else 1


def run_clip(clip: Path, args, codes: list[tuple[str, Path]]) -> bool:
    import av

    with av.open(str(clip)) as c:
        s = c.streams.video[0]
        print(f"{clip.name}: {s.width}x{s.height}, {s.frames} frames")
    rows = []
    for cap in args.caps:
        for name, src in codes:
            row = run_once(clip, cap, args.model, args.work / f"out_{clip.stem}_{name}_cap{cap}",
                           args.video, args.nice, src)
            row["code"] = name
            rows.append(row)
            if row["rc"] != 0:
                print(f"{name} cap {cap}: exit {row['rc']}: {row['stderr']}")
    base = rows[0]
    print(f"{'code':>7} {'cap':>6} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'wall x':>7} "
          f"{'peak x':>7}")
    for r in rows:
        print(f"{r['code']:>7} {r['cap'] or 'none':>6} {r['wall_s']:8.1f} {r['cpu_s']:8.1f} "
              f"{r['peak_mib']:9.0f} {r['wall_s'] / base['wall_s']:7.2f} "
              f"{r['peak_mib'] / base['peak_mib']:7.2f}")
    sums = [summary(r["report"]) for r in rows]
    for r, s in zip(rows, sums, strict=True):
        print(f"{r['code']} cap {r['cap'] or 'none'}: {json.dumps(s)}")
    agree = all(s == sums[0] for s in sums)
    print("reports agree" if agree else "reports DIFFER")
    if len(codes) == 2:
        for cap in args.caps:
            before, after = (r for r in rows if r["cap"] == cap)
            same = same_poses(before["pose"], after["pose"])
            agree = agree and same
            print(f"cap {cap or 'none'}: poses before and after "
                  f"{'byte-identical' if same else 'DIFFER'}")
    return agree and all(r["rc"] == 0 for r in rows)


if __name__ == "__main__":
    raise SystemExit(main())
