"""Rep counts on rendered sets: how many sets the shipped analysis counts right, by view and
exercise.

Every render folder (made by ``bench/render_flexion.py``, ``render_placements.py`` or
``bench/eval_twist.py``) holds ``<name>.json`` (the rendered truth, its ``reps``) and the poses
in ``DIR/poses/<name>.npz`` or ``DIR/poses/video-full/<name>.npz``. Each set is analysed as
``formcheck analyze`` would (the exercise recognised, not given) and scored right when it
counts as many reps as were rendered. The view is the camera's azimuth from the name
(``_az<deg>``): square-on 0, turned 45 towards the camera, side 90 (or 270), facing away at 45
(135). A second table splits the same sets by the lift the analysis recognised (what a report
says, and what its words on the count go by: ``faults._REPS_FROM_HIDDEN_HANDS``).

    python bench/eval_reps.py [DIR ...] [--list] [--set SECTION.FIELD=VALUE ...]

``--list`` names every set counted wrong, with the count rendered and the count found.
Without folders it reads session 19's render folders (below) that are on this machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from eval_exercise import _pose_file

from formcheck.analysis import analyze_sequence
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence
from formcheck.report import counted

#: Session 19's render folders (724 sets), a folder not on this machine skipped.
DEFAULT_RENDERS = tuple(Path("/work/cache") / d for d in (
    "s12-barsquat", "s13-backs", "s13-side", "s14-rear45", "s14-shapes45", "s15-cloth",
    "s15-front", "s15-pfa", "s15-pfb", "s15-place45", "s15-place90", "s15-place90b",
    "s4-twist-shapes", "synth-twist", "s18-place-tw-f_heavy", "s18-place-tw-m_avg",
    "s18-place-tw45-f_heavy", "s18-place-tw45-m_avg", "s18-place-tw135-f_heavy",
    "s18-place-tw135-m_avg"))
VIEWS = {0: "square-on", 45: "45° towards", 90: "side", 270: "side", 135: "45° away"}
EXERCISES = ("barsquat", "squat", "deadlift", "row")


def sets(folders: list[Path]):
    """``(folder name, set name, view, exercise, truth json, poses)`` for every rendered set
    with its poses."""
    for folder in folders:
        if not folder.is_dir():
            continue
        for truth in sorted(folder.glob("*.json")):
            if truth.name == "manifest.json":
                continue
            poses = _pose_file(folder, truth.stem)
            az = re.search(r"_az(\d+)", truth.stem)
            if poses is None or az is None or int(az.group(1)) not in VIEWS:
                continue
            exercise = next((e for e in EXERCISES if e in truth.stem), "?")
            yield folder.name, truth.stem, VIEWS[int(az.group(1))], exercise, truth, poses


def _table(title: str, views: list[str], columns: list[str], key, total: Counter,
           wrong: Counter) -> None:
    print()
    print(f"| view | {title}: " + " | ".join(columns) + " | all |")
    print("|---" * (len(columns) + 2) + "|")
    for v in views:
        cells = [f"{wrong[key(v, c)]}/{total[key(v, c)]}" if total[key(v, c)] else "–"
                 for c in columns]
        n = sum(total[key(v, c)] for c in columns)
        w = sum(wrong[key(v, c)] for c in columns)
        print(f"| {v} | " + " | ".join(cells) + f" | {w}/{n} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--list", action="store_true", help="name every set counted wrong")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="a setting SECTION.FIELD=VALUE, as formcheck's --set")
    args = ap.parse_args(argv)
    config = load_config(None, args.overrides)
    folders = args.folders or [f for f in DEFAULT_RENDERS if f.is_dir()]
    total: Counter = Counter()
    wrong: Counter = Counter()
    listed = []
    for folder, name, view, exercise, truth, poses in sets(folders):
        rendered = len(json.loads(truth.read_text())["reps"])
        result = analyze_sequence(PoseSequence.load(poses), config)
        found = len(result.reps)
        for key in ((view, exercise), ("recognised", view, result.exercise.name)):
            total[key] += 1
            wrong[key] += found != rendered
        if found != rendered:
            listed.append(f"{folder}/{name}: {rendered} rendered, {found} counted "
                          f"(recognised: {result.exercise.name})")
    if not total:
        print("no rendered set with poses found", file=sys.stderr)
        return 1
    n_sets = sum(n for k, n in total.items() if len(k) == 2)
    print(f"{counted(n_sets, 'rendered set')} in {counted(len(folders), 'folder')}; "
          "counted wrong / sets")
    views = [v for v in dict.fromkeys(VIEWS.values())
             if any(len(k) == 2 and k[0] == v for k in total)]
    exercises = [e for e in EXERCISES if any(len(k) == 2 and k[1] == e for k in total)]
    _table("rendered lift", views, exercises, lambda v, e: (v, e), total, wrong)
    recognised = sorted({k[2] for k in total if len(k) == 3})
    _table("recognised as", views, recognised, lambda v, e: ("recognised", v, e), total, wrong)
    if args.list:
        print()
        print("\n".join(listed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
