"""Pose pass speed with one person looked for per frame against two (``num_poses``), side by
side in one process on the same decoded frames, alternating to share the machine's load.

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
    with FileSource(args.clip) as src:
        frames = list(src)
    for _ in range(args.rounds):
        for n in (1, None, 2):  # None: the default (one tracked, a probe each second)
            with PoseEstimator(path, num_poses=n) as est:
                start = time.perf_counter()
                for f in frames:
                    est.process(f.image, f.t_s)
                dt = time.perf_counter() - start
            name = "adaptive (default)" if n is None else f"num_poses={n}"
            print(f"{name}: {len(frames)} frames in {dt:.2f} s = "
                  f"{len(frames) / dt:.1f} frames/s; people seen: "
                  f"{est.people.summary()['max_people']}")


if __name__ == "__main__":
    main()
