"""Pose pass speed with one person looked for per frame against two (``num_poses``), side by
side in one process on the same decoded frames, alternating to share the machine's load;
also the adaptive default with the probe's back-off (``people_probe_backoff``: after 10 s of
one person, a probe every 3 s instead of every second). Wall and CPU (all threads) seconds.

    python bench/people_speed.py [CLIP] [--model full] [--rounds 2]
"""

from __future__ import annotations

import argparse
import time

from formcheck.io.video import FileSource
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.models import resolve_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", default="samples/squat_good_side_m_avg.mp4")
    ap.add_argument("--model", default="full")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    path = resolve_model(args.model).path
    runs = (("num_poses=1", {"num_poses": 1}), ("adaptive (default)", {}),
            ("adaptive + back-off", {"people_probe_backoff": True}), ("num_poses=2",
                                                                      {"num_poses": 2}))
    for _ in range(args.rounds):
        for name, kw in runs:
            n = 0
            dt = dc = 0.0
            # Frames are decoded as they go (a long clip does not fit in memory); only the
            # estimator's calls are timed.
            with PoseEstimator(path, **kw) as est, FileSource(args.clip) as src:
                for f in src:
                    start, cpu = time.perf_counter(), time.process_time()
                    est.process(f.image, f.t_s)
                    dt += time.perf_counter() - start
                    dc += time.process_time() - cpu
                    n += 1
            print(f"{name}: {n} frames in {dt:.2f} s = "
                  f"{n / dt:.1f} frames/s, CPU {dc:.2f} s; people seen: "
                  f"{est.people.summary()['max_people']}", flush=True)


if __name__ == "__main__":
    main()
