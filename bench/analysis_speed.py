"""Analysis speed: frames per second of ``analyze_sequence`` alone (no decoding, no pose model)
on a long synthetic deadlift set (with back profile), built by tiling a short one in time.
Sets of ``SECOND_THREAD_MIN_FRAMES`` or more use a second thread; the same set is also timed on
one thread, the two alternating, with wall and CPU seconds (best of ``--repeat``), and the
default's first call of the process (fresh memory, as a one-off analysis meets it) and median.

    python bench/analysis_speed.py [--frames 1000000] [--repeat 3] [--allocator default|keep]

``--allocator keep`` is a diagnosis, not how formcheck runs: before anything else it asks
glibc to keep freed memory for reuse (one arena for every thread, no separate mappings for
large blocks, the heap trimmed only past 1 GiB free), which removes most of the kernel's work
on fresh memory that makes single calls vary (docs/performance.md 4.6). formcheck's commands
keep glibc's defaults: the same settings made a whole ``formcheck analyze`` run 5% slower.
"""

from __future__ import annotations

import argparse
import ctypes
import platform
import resource
import time

import numpy as np

from formcheck.analysis import analyze as an
from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.pose.sequence import PoseSequence

#: glibc's ``mallopt`` parameters (malloc.h) and the values ``--allocator keep`` sets.
KEEP_FREED_MEMORY = ((-8, 1), (-4, 0), (-1, 1 << 30))  # M_ARENA_MAX, M_MMAP_MAX, M_TRIM_THRESHOLD


def keep_freed_memory() -> bool:
    """Set ``KEEP_FREED_MEMORY``; False where the C library is not glibc."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL("libc.so.6")
    return all(libc.mallopt(param, value) == 1 for param, value in KEEP_FREED_MEMORY)


#: The landmark noise of the long set (the short set's ``SynthSpec`` sizes): pixels, metres.
NOISE_PX, NOISE_M = 1.0, 0.005


def long_sequence(frames: int, exact_tiles: bool = False) -> PoseSequence:
    """A long deadlift set: a four-rep unit repeated in time. Its landmark noise is drawn
    afresh for every frame (as from a camera), unless ``exact_tiles``: then every tile
    repeats the unit's noise exactly, and each value recurs once per tile, which a real set
    never does and which is the slowest case for the medians' selection (``np.partition``:
    about 3.5x slower on 1,000,000 values each recurring 11,600 times)."""
    reps = (SynthRep(), SynthRep(flexion_deg=30.0), SynthRep(twist_deg=40.0),
            SynthRep(lean_back_deg=15.0))
    noise = (NOISE_PX, NOISE_M) if exact_tiles else (0.0, 0.0)
    unit, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=45.0,
                                   noise_px=noise[0], noise_m=noise[1]))
    n = len(unit)
    tiles = -(-frames // n)
    period = float(unit.t_s[-1] + (unit.t_s[1] - unit.t_s[0]))
    t = (unit.t_s[None, :] + period * np.arange(tiles)[:, None]).ravel()[:frames]
    rng = np.random.default_rng(0)

    def tile(a: np.ndarray, noise: float = 0.0) -> np.ndarray:
        out = np.concatenate([a] * tiles)[:frames]
        if noise > 0 and not exact_tiles:
            out = (out + rng.normal(0.0, noise, out.shape)).astype(a.dtype)
        return out

    return PoseSequence(t_s=t, image_xy=tile(unit.image_xy, NOISE_PX),
                        world_xyz=tile(unit.world_xyz, NOISE_M),
                        visibility=tile(unit.visibility), presence=tile(unit.presence),
                        back_xy=tile(unit.back_xy, NOISE_PX), width=unit.width,
                        height=unit.height, source="synthetic:long", model="synthetic")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--exact-tiles", action="store_true",
                    help="repeat the short set's noise in every tile (each value recurs)")
    ap.add_argument("--allocator", choices=("default", "keep"), default="default",
                    help="default: the C library's own settings, as formcheck runs; keep: "
                         "glibc keeps freed memory for reuse (a diagnosis)")
    args = ap.parse_args()
    if args.allocator == "keep":
        took = keep_freed_memory()
        print(f"allocator: keep freed memory ({'set' if took else 'not glibc: unchanged'})")
    else:
        print("allocator: the C library's defaults")
    seq = long_sequence(args.frames, args.exact_tiles)
    analyze_sequence(seq.slice(0, 2000))  # warm-up: imports, SciPy
    threaded_from = an.SECOND_THREAD_MIN_FRAMES
    # The default first: the process's first full-size call meets fresh memory (every page
    # faulted in), as an analysis does that runs once in its process.
    modes = {"two threads (default)": threaded_from, "one thread": float("inf")}
    walls: dict[str, list[float]] = {mode: [] for mode in modes}
    cpus: dict[str, list[float]] = {mode: [] for mode in modes}
    kernel: dict[str, list[float]] = {mode: [] for mode in modes}
    result = None
    try:
        for _ in range(args.repeat):
            for mode, min_frames in modes.items():
                an.SECOND_THREAD_MIN_FRAMES = min_frames
                k0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
                t0, c0 = time.perf_counter(), time.process_time()
                result = analyze_sequence(seq)
                walls[mode].append(time.perf_counter() - t0)
                cpus[mode].append(time.process_time() - c0)
                kernel[mode].append(resource.getrusage(resource.RUSAGE_SELF).ru_stime - k0)
    finally:
        an.SECOND_THREAD_MIN_FRAMES = threaded_from
    print(f"frames: {len(seq)}  reps: {len(result.reps)}  findings: {len(result.findings)}")
    best = {mode: (min(walls[mode]), min(cpus[mode])) for mode in modes}
    for mode, (wall, cpu) in best.items():
        print(f"{mode:22s} {wall:.3f} s wall, {cpu:.3f} s CPU (best of {args.repeat})  ->  "
              f"{len(seq) / wall:,.0f} frames/s")
    first = walls["two threads (default)"][0]
    middle = float(np.median(walls["two threads (default)"]))
    print(f"two threads, the process's first call {first:.3f} s ({len(seq) / first:,.0f} "
          f"frames/s); median of {args.repeat}: {middle:.3f} s ({len(seq) / middle:,.0f})")
    # What varies from call to call is mostly the kernel's work on memory the call touches
    # for the first time (zeroing and mapping pages): its system time.
    default = "two threads (default)"
    calls = ", ".join(f"{w:.3f}/{k:.3f}"
                      for w, k in zip(walls[default], kernel[default], strict=True))
    print(f"two threads, each call's wall/system seconds: {calls}")
    one, two = best["one thread"][0], best["two threads (default)"][0]
    print(f"two threads / one thread: {two / one:.2f} of the wall time")


if __name__ == "__main__":
    main()
