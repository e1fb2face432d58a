"""Evaluate the analysis on the real clips in ../shared/clips (coarse per-clip labels).

For each clip: load its cached pose sequence (``--poses``, one ``<clip>.npz`` per clip) or
extract it (``--extract``, slow: runs the pose model), analyse it, and compare per fault:
a clip is flagged when the analysis reports any finding of that fault; clips whose fault the
analysis declares "not assessable" are counted apart. Labels: true / false / null (unknown;
not scored). Landmarks from these clips are third-party derived data: keep the cache outside
the repository.

    python bench/eval_clips.py [--clips ../shared/clips] [--poses /work/cache/poses]
                               [--extract] [--set rounded_back.min_bulge_pct=5] [-v]
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
from formcheck.report import FAULTS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = REPO.parent / "shared" / "clips"
DEFAULT_POSES = Path("/work/cache/poses")


def view_group(view: str) -> str:
    v = view.lower()
    if "mixed" in v:
        return "mixed"
    if "45" in v:
        return "oblique"
    for name in ("side", "front", "rear"):
        if v.startswith(name):
            return name
    return "other"


def load_or_extract(clip: Path, poses: Path, extract: bool, model: str) -> PoseSequence | None:
    cached = poses / (clip.name + ".npz")
    if cached.is_file():
        return PoseSequence.load(cached)
    if not extract:
        return None
    from formcheck.pipeline import extract_pose

    seq = extract_pose(clip, model, back_profile=True)
    seq.save(cached)
    return seq


def score(rows: list[dict]) -> dict:
    """Counts and rates over clips with a true/false label."""
    c = defaultdict(int)
    for r in rows:
        if r["label"] is None:
            continue
        if not r["assessable"]:
            c["not_assessable"] += 1
            c["na_" + ("pos" if r["label"] else "neg")] += 1
            continue
        key = ("tp" if r["flagged"] else "fn") if r["label"] else ("fp" if r["flagged"] else "tn")
        c[key] += 1

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    return {**c, "precision": ratio(c["tp"], c["tp"] + c["fp"]),
            "recall": ratio(c["tp"], c["tp"] + c["fn"]),
            "false_alarm_rate": ratio(c["fp"], c["fp"] + c["tn"])}


def main() -> int:
    ap = argparse.ArgumentParser(description="Per-fault precision/recall on the shared clips.")
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS)
    ap.add_argument("--poses", type=Path, default=DEFAULT_POSES)
    ap.add_argument("--extract", action="store_true", help="run the pose model when not cached")
    ap.add_argument("--model", default="full")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="config override KEY=VALUE (repeatable)")
    ap.add_argument("--json", type=Path, help="also write the per-clip rows here")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    labels_path = args.clips / "labels.json"
    if not labels_path.is_file():
        print(f"no clips: {labels_path} not found; pass --clips DIR (the shared clip folder)",
              file=sys.stderr)
        return 2
    config = load_config(None, args.overrides)
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    rows: list[dict] = []
    missing = 0
    for item in labels:
        seq = load_or_extract(args.clips / item["file"], args.poses, args.extract, args.model)
        if seq is None:
            missing += 1
            continue
        result = analyze_sequence(seq, config)
        clip_assess = {a.fault: a for a in result.assessable if a.rep is None}
        for fault in FAULTS:
            hits = [f for f in result.findings if f.fault == fault]
            rows.append({
                "file": item["file"], "fault": fault, "label": item["faults"][fault],
                "view": view_group(item["view"]), "exercise": item["exercise"],
                "flagged": bool(hits), "assessable": clip_assess[fault].assessable,
                "reason": clip_assess[fault].reason, "n_findings": len(hits),
                "peak": max((f.value for f in hits), default=None),
                "found_exercise": result.exercise.name, "found_view": result.view.name,
                "reps": len(result.reps),
            })
    if not rows:
        print(f"no pose files in {args.poses}; run with --extract (slow) first", file=sys.stderr)
        return 2
    clips_done = len(rows) // len(FAULTS)
    print(f"clips analysed: {clips_done} (no pose file for {missing})")
    for fault in FAULTS:
        fr = [r for r in rows if r["fault"] == fault]
        print(f"\n{fault}: all {json.dumps(score(fr))}")
        for group in sorted({r["view"] for r in fr}):
            print(f"  {group:8s} {json.dumps(score([r for r in fr if r['view'] == group]))}")
    ex_rows = [r for r in rows if r["fault"] == FAULTS[0]]
    ex_ok = sum(r["found_exercise"] == r["exercise"] for r in ex_rows)
    ex_unknown = sum(r["found_exercise"] == "unknown" for r in ex_rows)
    print(f"\nexercise: {ex_ok}/{len(ex_rows)} right, {ex_unknown} unknown, "
          f"{len(ex_rows) - ex_ok - ex_unknown} wrong")
    if args.verbose:
        for r in rows:
            if r["label"] is not None or r["flagged"]:
                print(f"{r['fault'][:12]:12s} label={str(r['label']):5s} "
                      f"flag={str(r['flagged']):5s} ass={str(r['assessable']):5s} "
                      f"peak={r['peak'] if r['peak'] is None else round(r['peak'], 1)!s:6s} "
                      f"{r['view']:7s}/{r['found_view']:7s} {r['exercise'][:5]}/"
                      f"{r['found_exercise'][:5]} reps={r['reps']} {r['file'][:58]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
