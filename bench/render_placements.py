"""Render the camera-placement set for the back rules (slow: about a minute per clip on a
free core; clips already rendered are kept), then extract their poses.

    nice python bench/render_placements.py --out /work/cache/synth-back \
        --body m_avg --exercise deadlift --placement std --placement floor_up \
        --azimuth 90 --azimuth 45 --fault good --fault ext20 [--extract]
    python bench/eval_synth.py /work/cache/synth-back

Names are ``<body>_<exercise>_<placement>_az<deg>_<fault>``; placements and faults are
``formcheck.synth.catalog.PLACEMENTS`` and ``PLACEMENT_FAULTS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from formcheck.synth.api import render_placements
from formcheck.synth.catalog import PLACEMENT_FAULTS, PLACEMENTS, placement_scenarios
from formcheck.synth.scenario import Exercise


def main() -> int:
    ap = argparse.ArgumentParser(description="Render back-rule clips across camera placements.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--body", action="append", default=[])
    ap.add_argument("--exercise", action="append", default=[])
    ap.add_argument("--placement", action="append", default=[], choices=sorted(PLACEMENTS))
    ap.add_argument("--azimuth", action="append", type=float, default=[])
    ap.add_argument("--fault", action="append", default=[], choices=sorted(PLACEMENT_FAULTS))
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--extract", action="store_true", help="then run the pose model (full)")
    args = ap.parse_args()
    scen = placement_scenarios(tuple(args.body or ["m_avg"]),
                               tuple(Exercise(e) for e in args.exercise or ["deadlift"]),
                               tuple(args.azimuth or [90.0]),
                               tuple(args.placement or ["std"]),
                               tuple(args.fault or ["good"]), args.reps)
    old = args.out / "manifest.json"
    kept = json.loads(old.read_text(encoding="utf-8"))["clips"] if old.is_file() else []
    manifest = render_placements(
        args.out, scen, progress=lambda name, i, n: print(f"[{i + 1}/{n}] {name}", flush=True))
    # One manifest for the folder: earlier runs' clips stay listed next to this run's.
    data = json.loads(manifest.read_text(encoding="utf-8"))
    names = {c["name"] for c in data["clips"]}
    data["clips"] = [c for c in kept if c["name"] not in names
                     and (args.out / c["video"]).is_file()] + data["clips"]
    manifest.write_text(json.dumps(data, indent=1), encoding="utf-8")
    if args.extract:
        from formcheck.pipeline import extract_pose

        poses = args.out / "poses"
        poses.mkdir(exist_ok=True)
        for name in scen:
            target = poses / f"{name}.npz"
            if not target.is_file():
                extract_pose(args.out / f"{name}.mp4", "full", back_profile=True).save(target)
                print(f"pose {name}", flush=True)
    print(manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
