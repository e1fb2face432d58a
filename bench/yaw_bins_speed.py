"""The view bins of every frame's yaw (``analysis.view._yaw_bins``): counted by comparisons
(the shipped way) against ``np.searchsorted`` (the other way, kept until session 9 for short
arrays), side by side in one run on the body yaw of ``analysis_speed.long_sequence``.

    python bench/yaw_bins_speed.py [--frames 1000000] [--rounds 5]

Prints CPU ms per call (best of the rounds) for the whole set, its first 5,000 frames and one
value, after checking both give the same bins.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysis_speed import long_sequence  # noqa: E402

from formcheck.analysis.features import compute_signals  # noqa: E402
from formcheck.analysis.view import _VIEW_NAMES, _yaw_bins  # noqa: E402
from formcheck.config import Config  # noqa: E402


def searchsorted_bins(yaw: np.ndarray, edges: np.ndarray) -> np.ndarray:
    finite = np.isfinite(yaw)
    idx = np.searchsorted(edges, np.where(finite, yaw, 0.0), side="right")
    return np.where(finite, idx, len(_VIEW_NAMES) - 1)


def cpu_ms(fn, arg, calls: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(calls):
            fn(arg)
        best = min(best, (time.process_time() - t0) / calls)
    return 1e3 * best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    cfg = Config()
    v = cfg.view
    edges = np.array([v.front_max_yaw_deg, v.oblique_max_yaw_deg, v.side_max_yaw_deg,
                      v.rear_oblique_max_yaw_deg])
    yaw = np.asarray(compute_signals(long_sequence(args.frames), cfg).yaw_deg, np.float64)
    assert np.array_equal(_yaw_bins(yaw, v), searchsorted_bins(yaw, edges))
    print(f"{yaw.size} frames ({int(np.isnan(yaw).sum())} without a yaw); CPU ms per call, "
          f"best of {args.rounds}")
    for name, arr, calls in ((f"{yaw.size} values", yaw, 20), ("5000 values", yaw[:5000], 2000),
                             ("one value", np.asarray(yaw[0]), 20000)):
        count = cpu_ms(lambda a: _yaw_bins(a, v), arr, calls, args.rounds)
        search = cpu_ms(lambda a: searchsorted_bins(a, edges), arr, calls, args.rounds)
        print(f"  {name:>16s}: counting {count:.4f}, searchsorted {search:.4f} "
              f"(searchsorted / counting {search / count:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
