"""Back faults per rendered rep, over render folders as they lie (no manifest needed).

Reads every rendered set in each folder: ``NAME.json`` (the renderer's truth) beside its
cached poses ``poses/video-full/NAME.npz`` or ``poses/NAME.npz`` (folders written by
``formcheck synth``, ``bench/render_*.py`` or ``bench/eval_twist.py``; sets without cached
poses are skipped, nothing is posed here). Each set is analysed once with the shipped
settings (``--set`` overrides them; the exercise is recognised, as a user's clip is), from its
poses as cached: sets posed before the pose pass stored the scene's level (session 21) are
read in the camera's axes (``bench/scene_level.py --lean`` levels the rolled ones). For
every rendered rep and each back fault:

- ``rounded_back``: the rep's rendered rounding (``flexion`` fault, its peak in degrees);
- ``lumbar_overextension``: the rep's rendered lean back at lockout (``extension``);

a rep counts as found when a finding of that fault peaks within the rep's rendered interval
(0.3 s slack either side, ``--slack``), whether or not the rep was judged; a rep rendered
without that fault and warned is a false warning. Reps are grouped by view (the camera's
azimuth folded to 0 = square-on, 45, 90 = side, 135 = facing away at 45, 180 = behind),
exercise and the rendered size.

Prints, per fault: found / reps by view, exercise and size; then the reps rendered without
the fault and how many were warned (``-v`` names the sets warned).

    python bench/render_reps.py [DIR ...] [--set SECTION.FIELD=VALUE] [--fault rounded_back] [-v]

With no folder it reads the render folders session 19 swept (under ``/work/cache``; the
rounded-back and over-extension sweeps ``s19/flexsweep.py`` and ``s19/capsweep.py`` read
these): the side-view 35 deg roundings are ``s13-backs``, the 50 deg ones ``s19-flex50a``
and ``s19-flex50b``, the 35 deg lean backs ``s19-ext*``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from formcheck.analysis import analyze_sequence
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

CACHE = Path("/work/cache")
#: Session 19's render folders (its sweeps' list, ``/work/cache/s19/render_dirs.txt``, with
#: the 35 deg lean-back and 50 deg rounding sets it rendered).
DEFAULT_DIRS = tuple(CACHE / d for d in (
    "s12-barsquat", "s13-backs", "s13-side", "s14-rear45", "s14-shapes45", "s15-cloth",
    "s15-front", "s15-pfa", "s15-pfb", "s15-place45", "s15-place90", "s15-place90b",
    "s4-twist-shapes", "synth-twist", "s18-place-tw-f_heavy", "s18-place-tw-m_avg",
    "s18-place-tw45-f_heavy", "s18-place-tw45-m_avg", "s18-place-tw135-f_heavy",
    "s18-place-tw135-m_avg", "s19-ext135a", "s19-ext135b", "s19-ext35-90", "s19-ext35-45",
    "s19-flex50a", "s19-flex50b"))

#: The report's back faults -> the truth's fault kind rendered for them.
FAULT_KIND = {"rounded_back": "flexion", "lumbar_overextension": "extension"}


def view_of(azimuth_deg: float) -> int:
    """The camera's azimuth folded to 0..180 (either side of the lifter reads the same)."""
    a = abs(((float(azimuth_deg) + 180.0) % 360.0) - 180.0)
    return int(round(a))


def sets_in(folder: Path):
    """(name, truth, pose file) of each rendered set with cached poses in ``folder``."""
    for j in sorted(folder.glob("*.json")):
        if j.name == "manifest.json":
            continue
        pose = next((p for p in (folder / "poses" / "video-full" / f"{j.stem}.npz",
                                 folder / "poses" / f"{j.stem}.npz") if p.is_file()), None)
        if pose is None:
            continue
        truth = json.loads(j.read_text(encoding="utf-8"))
        if "reps" not in truth or "scenario" not in truth:
            continue
        yield j.stem, truth, pose


def rep_size(truth: dict, kind: str, rep: int) -> float | None:
    """The rendered size of fault ``kind`` on ``rep`` (None: rendered without it)."""
    size = None
    for f in truth.get("faults", []):
        if f["kind"] == kind and f.get("rep") in (None, rep):
            size = float(f["peak"])
    return size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", type=Path, nargs="*", help="render folders (default: session 19's)")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="override a threshold, e.g. rounded_back.min_flexion_deg=25")
    ap.add_argument("--fault", action="append", choices=sorted(FAULT_KIND),
                    help="only this fault (repeatable; default both)")
    ap.add_argument("--slack", type=float, default=0.3)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    config = load_config(overrides=args.overrides)
    faults = args.fault or list(FAULT_KIND)
    dirs = args.dirs or [d for d in DEFAULT_DIRS if d.is_dir()]
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (fault, view, ex, size)
    clean: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # fault -> [warned, reps]
    warned_sets: dict[str, set[str]] = defaultdict(set)
    n_sets = 0
    for d in dirs:
        for name, truth, pose in sets_in(d):
            n_sets += 1
            result = analyze_sequence(PoseSequence.load(pose), config)
            view = view_of(truth["scenario"]["camera"]["azimuth_deg"])
            exercise = truth["scenario"]["exercise"]
            for rep in truth["reps"]:
                for fault in faults:
                    hit = any(f.fault == fault and f.peak_s is not None
                              and rep["start_s"] - args.slack <= f.peak_s
                              <= rep["end_s"] + args.slack for f in result.findings)
                    size = rep_size(truth, FAULT_KIND[fault], rep["rep"])
                    if size is None:
                        clean[fault][0] += int(hit)
                        clean[fault][1] += 1
                        if hit:
                            warned_sets[fault].add(f"{d.name}/{name} rep {rep['rep']}")
                    else:
                        cell = found[(fault, view, exercise, size)]
                        cell[0] += int(hit)
                        cell[1] += 1
    if n_sets == 0:
        print("no rendered sets with cached poses in " + " ".join(map(str, dirs)),
              file=sys.stderr)
        return 2
    print(f"{n_sets} rendered sets in {len(dirs)} folders")
    for fault in faults:
        print(f"\n{fault}: rendered reps found (a finding peaking in the rep) / reps")
        rows = sorted(k for k in found if k[0] == fault)
        for view in sorted({k[1] for k in rows}):
            for size in sorted({k[3] for k in rows if k[1] == view}):
                cells = [(k[2], found[k]) for k in rows if k[1] == view and k[3] == size]
                d = sum(c[0] for _, c in cells)
                n = sum(c[1] for _, c in cells)
                per = ", ".join(f"{ex} {c[0]}/{c[1]}" for ex, c in cells)
                print(f"  view {view:3d}  {size:5.1f} deg: {d}/{n}  ({per})")
        w, n = clean[fault]
        print(f"  reps rendered without it, warned: {w} of {n}")
        if args.verbose:
            for s in sorted(warned_sets[fault]):
                print(f"    warned: {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
