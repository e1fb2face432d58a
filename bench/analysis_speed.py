"""Analysis speed: frames per second of ``analyze_sequence`` alone (no decoding, no pose model)
on a long synthetic deadlift set (with back profile), built by tiling a short one in time.
Sets of ``SECOND_THREAD_MIN_FRAMES`` or more use a second thread; the same set is also timed on
one thread, the two alternating, with wall and CPU seconds (best of ``--repeat``).

    python bench/analysis_speed.py [--frames 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from formcheck.analysis import analyze as an
from formcheck.analysis import analyze_sequence
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.pose.sequence import PoseSequence


def long_sequence(frames: int) -> PoseSequence:
    reps = (SynthRep(), SynthRep(flexion_deg=30.0), SynthRep(twist_deg=40.0),
            SynthRep(lean_back_deg=15.0))
    unit, _ = synthesize(SynthSpec(exercise="deadlift", reps=reps, yaw_deg=45.0,
                                   noise_px=1.0, noise_m=0.005))
    n = len(unit)
    tiles = -(-frames // n)
    period = float(unit.t_s[-1] + (unit.t_s[1] - unit.t_s[0]))
    t = (unit.t_s[None, :] + period * np.arange(tiles)[:, None]).ravel()[:frames]

    def tile(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a] * tiles)[:frames]

    return PoseSequence(t_s=t, image_xy=tile(unit.image_xy), world_xyz=tile(unit.world_xyz),
                        visibility=tile(unit.visibility), presence=tile(unit.presence),
                        back_xy=tile(unit.back_xy), width=unit.width, height=unit.height,
                        source="synthetic:long", model="synthetic")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    seq = long_sequence(args.frames)
    analyze_sequence(seq.slice(0, 2000))  # warm-up: imports, SciPy
    threaded_from = an.SECOND_THREAD_MIN_FRAMES
    modes = {"one thread": float("inf"), "two threads (default)": threaded_from}
    best = {mode: (float("inf"), float("inf")) for mode in modes}
    result = None
    try:
        for _ in range(args.repeat):
            for mode, min_frames in modes.items():
                an.SECOND_THREAD_MIN_FRAMES = min_frames
                t0, c0 = time.perf_counter(), time.process_time()
                result = analyze_sequence(seq)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                best[mode] = (min(best[mode][0], wall), min(best[mode][1], cpu))
    finally:
        an.SECOND_THREAD_MIN_FRAMES = threaded_from
    print(f"frames: {len(seq)}  reps: {len(result.reps)}  findings: {len(result.findings)}")
    for mode, (wall, cpu) in best.items():
        print(f"{mode:22s} {wall:.3f} s wall, {cpu:.3f} s CPU (best of {args.repeat})  ->  "
              f"{len(seq) / wall:,.0f} frames/s")
    one, two = best["one thread"][0], best["two threads (default)"][0]
    print(f"two threads / one thread: {two / one:.2f} of the wall time")


if __name__ == "__main__":
    main()
