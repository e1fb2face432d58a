"""Warnings where nothing is wrong: every finding the shipped analysis makes that no rendered
fault explains, on rendered sets with truth, and every finding on real clips labelled clean.

A rendered finding is explained when a true fault of its kind (``flexion`` -> rounded back,
``extension`` and ``arch`` -> over-extension, a fast ``twist`` -> jerky twist) overlaps it
within ``--slack`` seconds; a twist turned out over more than ``FAST_RISE_S`` (the slow 2 s
twists) explains nothing, as no rule may warn on it. Prints one line per unexplained finding and
a count per set; writes nothing.

    python bench/sweep_findings.py /work/cache/s13-side /work/cache/s15-place90 ...
    python bench/sweep_findings.py --real /work/cache/models-full [--set SECTION.FIELD=VALUE ...]

A set is a folder of rendered clips (``NAME.json`` truth beside ``NAME.mp4``) whose poses are
in ``poses/NAME.npz`` or ``poses/video-full/NAME.npz`` (``bench/render_placements.py``,
``bench/render_flexion.py``, ``bench/eval_twist.py extract``). Real clips' labels come from
``../shared/clips/labels.json``; their poses stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from formcheck.analysis import analyze_sequence
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_clips import DEFAULT_CLIPS  # noqa: E402  (bench/ siblings)
from eval_synth import KIND_TO_FAULT  # noqa: E402

LABELS = DEFAULT_CLIPS / "labels.json"
#: A rendered twist turned out over longer than this (s) is a slow one: it explains no warning.
FAST_RISE_S = 0.3


def rendered_poses(folder: Path) -> list[tuple[str, Path]]:
    """(name, pose file) of every clip in ``folder`` that has a truth JSON beside it."""
    out = []
    for sub in (folder / "poses" / "video-full", folder / "poses"):
        for p in sorted(sub.glob("*.npz")):
            if (folder / f"{p.stem}.json").is_file():
                out.append((p.stem, p))
        if out:
            break
    return out


def explains(fault: dict, finding, slack: float) -> bool:
    """Whether the rendered ``fault`` accounts for ``finding``."""
    if KIND_TO_FAULT.get(fault["kind"]) != finding.fault:
        return False
    if fault["kind"] == "twist":
        a, b = fault["interval_s"]
        if fault.get("rise_s", (b - a) / 2.0) > FAST_RISE_S:
            return False
    a, b = fault["interval_s"]
    return finding.start_s <= b + slack and finding.end_s >= a - slack


def describe(name: str, result, f) -> str:
    return (f"{name}  {result.exercise.name}/{result.view.name}  {f.fault} rep {f.rep} "
            f"{f.value:.1f} {f.unit} (limit {f.threshold:.1f}) at {f.start_s:.2f}-{f.end_s:.2f} s")


def sweep_rendered(folder: Path, config, slack: float) -> tuple[int, int]:
    clips = found = 0
    for name, path in rendered_poses(folder):
        truth = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        result = analyze_sequence(PoseSequence.load(path), config)
        clips += 1
        for f in result.findings:
            if not any(explains(t, f, slack) for t in truth["faults"]):
                found += 1
                print("  " + describe(name, result, f))
    return clips, found


def sweep_real(folder: Path, config) -> tuple[int, int]:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    clips = found = 0
    for item in labels:
        path = folder / f"{item['file']}.npz"
        if not path.is_file():
            continue
        result = analyze_sequence(PoseSequence.load(path), config)
        clips += 1
        for f in result.findings:
            if item["faults"].get(f.fault) is False:  # labelled clean for this fault
                found += 1
                print("  " + describe(item["file"], result, f))
    return clips, found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", type=Path, nargs="*", help="rendered sets (folders)")
    ap.add_argument("--real", type=Path, default=None, help="real clips' pose folder")
    ap.add_argument("--slack", type=float, default=0.3)
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="threshold override SECTION.FIELD=VALUE (repeatable)")
    args = ap.parse_args(argv)
    config = load_config(None, args.overrides)
    total = [0, 0]
    for folder in args.sets:
        print(f"{folder}:")
        clips, found = sweep_rendered(folder, config, args.slack)
        print(f"  {found} unexplained finding(s) on {clips} clips")
        total[0] += clips
        total[1] += found
    if args.real is not None:
        print(f"{args.real} (real clips, findings on clips labelled clean of that fault):")
        clips, found = sweep_real(args.real, config)
        print(f"  {found} on {clips} clips")
    if args.sets:
        print(f"rendered: {total[1]} unexplained finding(s) on {total[0]} clips")
    return 0


if __name__ == "__main__":
    sys.exit(main())
