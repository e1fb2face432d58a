"""The jerky twist's limit on each real lifter: the quick turn it warns from, as the caveat
states it ("on this lifter a quick turn warns from N°").

The twist rule sets its limit per clip from how much its reading wavers on that lifter (a
number of spreads, never under the least size judged). For each cached pose file in
``--poses`` (one ``<clip>.npz`` per clip, as ``eval_clips.py`` reads them): the clip is analysed
with the shipped settings (``--set`` overrides), and where its twist is judged the limit (the
``twist_quick_turn`` series' threshold) is printed with the view and exercise recognised and
the largest quick turn read on the judged frames. Then the range of the limits per view and
exercise.

    python bench/twist_limits.py --poses /work/cache/s16/full3 [--set SECTION.FIELD=VALUE]

Poses of the shared clips are third-party derived data: keep them outside the repository.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--poses", type=Path, required=True, help="cached poses of the real clips")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="override a threshold, e.g. jerky_twist.min_quick_turn_deg=8")
    args = ap.parse_args(argv)
    config = load_config(overrides=args.overrides)
    limits: dict[tuple[str, str], list[float]] = defaultdict(list)
    n = judged = 0
    for pose in sorted(args.poses.glob("*.npz")):
        n += 1
        r = analyze_sequence(PoseSequence.load(pose), config)
        clip = next((a for a in r.assessable if a.fault == "jerky_twist" and a.rep is None),
                    None)
        series = r.series.get("twist_quick_turn")
        if clip is None or not clip.assessable or series is None or series.threshold is None:
            continue
        judged += 1
        view = r.view.name
        exercise = r.exercise.name if r.exercise else "unknown"
        values = np.asarray(series.values, dtype=np.float64)
        if series.judged is not None:
            values = np.where(series.judged, values, np.nan)
        peak = float(np.nanmax(values)) if np.isfinite(values).any() else float("nan")
        limits[(view, exercise)].append(float(series.threshold))
        print(f"{view:12s} {exercise:9s} limit {series.threshold:5.1f} deg  largest quick turn "
              f"{peak:5.1f} deg  {pose.name[:-len('.npz')][:70]}")
    if n == 0:
        print(f"no pose files in {args.poses}", file=sys.stderr)
        return 2
    print(f"\n{judged} of {n} clips judged for the twist; the limit per view and exercise:")
    for (view, exercise), v in sorted(limits.items()):
        print(f"  {view:12s} {exercise:9s} {len(v):3d} clips: {min(v):5.1f}-{max(v):5.1f} deg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
