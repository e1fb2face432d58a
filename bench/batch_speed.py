"""Batch throughput: clips/s and frames/s with 1 and 2 local workers on the same clips, each
worker's peak memory, the same clips through the Ray engine, and the cost of a rerun with
nothing to do for 100 clips. Prints figures; asserts nothing.

    python bench/batch_speed.py                      # 6 committed samples, full model
    python bench/batch_speed.py --clips 12 --model lite --no-ray

The machine's load (``uptime``) is printed with the figures: on a shared machine, compare
ratios measured in the same run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average: {os.getloadavg()}"


def make_items(clips: list[Path], out: Path, model: str, force: bool = True):
    from formcheck.batch.engines import WorkItem
    from formcheck.batch.inputs import find_clips
    from formcheck.batch.state import settings_sha256
    from formcheck.batch.task import ClipJob
    from formcheck.config import load_config
    from formcheck.fsutil import file_sha256
    from formcheck.pose.models import resolve_model

    cfg = load_config()
    model_sha = file_sha256(resolve_model(model).path)
    settings = settings_sha256(cfg, None, True)
    found, _ = find_clips([str(c) for c in clips], out)
    items = []
    for c in found:
        st = Path(c.source).stat()
        job = ClipJob(source=c.source, key=c.key, stem=c.stem, athlete=c.athlete, model=model,
                      model_sha256=model_sha, exercise=None, config=cfg,
                      settings_sha256=settings, force=force,
                      source_path=str(Path(c.source).resolve()), source_size=st.st_size,
                      source_mtime_ns=st.st_mtime_ns)
        items.append(WorkItem(job=job, video=Path(c.source), out_dir=out / c.rel_dir))
    return items


def _children_cpu_s() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed_run(engine, items, workers: int, **kw):
    from formcheck.batch.monitor import QuietMonitor

    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    results, _ = engine(items, workers, QuietMonitor(), **kw)
    wall = time.perf_counter() - t0
    cpu = _children_cpu_s() - cpu0  # pool workers are reaped when the pool shuts down
    if cpu > 0:
        print(f"  workers' CPU time {cpu:.1f} s = {cpu / wall:.2f} cores busy on average")
    failed = [r for r in results if r.status != "analysed"]
    if failed:
        print(f"  {len(failed)} clips failed, e.g. {failed[0].key}: {failed[0].error}")
    frames = sum(r.frames for r in results)
    rss = max((r.worker_peak_rss_mb for r in results), default=0.0)
    return wall, len(results), frames, rss


def report(label: str, wall: float, clips: int, frames: int, rss: float | None) -> None:
    mem = f", worker peak RSS {rss:.0f} MB" if rss else ""
    print(f"{label:<28} {wall:7.1f} s  {clips / wall:6.3f} clips/s  {frames / wall:7.1f} "
          f"frames/s{mem}")


def make_tiny_clips(folder: Path, n: int) -> None:
    """``n`` distinct 8-frame 96x96 clips (moving noise blocks), for the rerun figure."""
    from formcheck.io.video import VideoSink

    rng = np.random.default_rng(0)
    for i in range(n):
        athlete = folder / f"athlete{i % 10:02d}"
        athlete.mkdir(parents=True, exist_ok=True)
        with VideoSink(athlete / f"set{i:03d}.mp4", 96, 96, 10.0) as sink:
            for k in range(8):
                img = np.full((96, 96, 3), 40, np.uint8)
                img[20 + k:60 + k, 30:60] = rng.integers(0, 255, (40, 30, 3), np.uint8)
                sink.write(img, k / 10.0)


def noop_rerun(n: int, model: str, repeats: int) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="fc-bench-rerun-") as tmp:
        clips, out = Path(tmp) / "clips", Path(tmp) / "out"
        make_tiny_clips(clips, n)
        cmd = [sys.executable, "-m", "formcheck", "batch", str(clips), "--out", str(out),
               "--model", model, "--jobs", "2", "--quiet"]
        t0 = time.perf_counter()
        first = subprocess.run(cmd, capture_output=True, text=True, env=env)
        print(f"first run of {n} tiny clips: {time.perf_counter() - t0:.1f} s "
              f"(exit {first.returncode})")
        walls = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            walls.append(time.perf_counter() - t0)
            assert proc.returncode == 0, proc.stderr
        from typer.testing import CliRunner

        from formcheck.cli import app

        runner = CliRunner()
        inproc = []
        for _ in range(repeats + 1):  # the first call pays the imports
            t0 = time.perf_counter()
            res = runner.invoke(app, cmd[3:])
            inproc.append(time.perf_counter() - t0)
            assert res.exit_code == 0, res.output
        print(f"no-op rerun, {n} clips, inside the command (imports done): median "
              f"{statistics.median(inproc[1:]):.3f} s")
        base = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "formcheck", "--help"], capture_output=True,
                           env=env)
            base.append(time.perf_counter() - t0)
        print(f"no-op rerun, {n} clips, whole command: min {min(walls):.2f} s, median "
              f"{statistics.median(walls):.2f} s ({repeats} runs); `formcheck --help` alone: "
              f"median {statistics.median(base):.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=6, help="how many committed samples")
    ap.add_argument("--model", default="full")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--rerun-clips", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2,
                    help="rounds of (1 worker, 2 workers, Ray), order alternating")
    ap.add_argument("--no-rerun", action="store_true")
    args = ap.parse_args()

    from formcheck.batch import engines

    samples = sorted((REPO / "samples").glob("*.mp4"))[: args.clips]
    print(f"load before: {uptime()}")
    print(f"{len(samples)} samples ({', '.join(s.stem for s in samples)}), model "
          f"{args.model}, CPUs {os.cpu_count()}")
    engines_run = {"local, 1 worker": (engines.run_local, 1),
                   "local, 2 workers": (engines.run_local, 2)}
    if not args.no_ray:
        import logging

        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False, logging_level=logging.WARNING)
        print(f"Ray start (local instance, 2 CPUs): {time.perf_counter() - t0:.1f} s")
        engines_run["ray, 2 CPUs"] = (engines.run_ray, 2)
    walls: dict[str, list[float]] = {k: [] for k in engines_run}
    try:
        with tempfile.TemporaryDirectory(prefix="fc-bench-batch-") as tmp:
            for rnd in range(args.rounds):
                # Alternate the order each round, so a load that drifts during the run
                # does not favour one configuration.
                order = list(engines_run) if rnd % 2 == 0 else list(engines_run)[::-1]
                for label in order:
                    engine, workers = engines_run[label]
                    out = Path(tmp) / f"r{rnd}-{workers}-{engine.__name__}"
                    wall, n, frames, rss = timed_run(engine,
                                                     make_items(samples, out, args.model),
                                                     workers)
                    walls[label].append(wall)
                    report(f"[round {rnd + 1}] {label}", wall, n, frames, rss)
                    shutil.rmtree(out)
                    print(f"  load: {uptime()}")
    finally:
        if not args.no_ray:
            ray.shutdown()
    ratios = [a / b for a, b in zip(walls["local, 1 worker"], walls["local, 2 workers"],
                                    strict=True)]
    print("speed-up 2 vs 1 worker per round: " + ", ".join(f"{r:.2f}x" for r in ratios)
          + f"; median {statistics.median(ratios):.2f}x (target >= 1.8x)")
    for label, ws in walls.items():
        print(f"{label:<22} median wall {statistics.median(ws):.1f} s over {len(ws)} rounds")
    print(f"load after: {uptime()}")
    if not args.no_rerun:
        noop_rerun(args.rerun_clips, args.model, args.repeats)
    print(f"load at end: {uptime()}")


if __name__ == "__main__":
    main()
