"""What formcheck makes of the committed samples (``samples/``), per pose model: the figures the
README quotes about them, so that every such claim comes from a rerun.

For each sample and model: the exercise recognised against the truth JSON, each true fault
rep found (a finding of that fault in that rep, or overlapping its interval), false alarms
(findings of a fault the clip does not have) and findings outside every counted rep. Poses are
reused from ``--cache DIR/<model>/<name>.pose.npz`` when made from the same clip and model
(``formcheck.pipeline.cached_pose``), else computed and saved there.

    python bench/eval_samples.py --models full,lite --cache /tmp/formcheck-samples
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from formcheck.pipeline import analyse, cached_pose, extract_pose

REPO = Path(__file__).resolve().parents[1]
KIND_TO_FAULT = {"flexion": "rounded_back", "extension": "lumbar_overextension",
                 "twist": "jerky_twist"}


def pose_for(clip: Path, model: str, cache: Path):
    path = cache / model / f"{clip.stem}.pose.npz"
    seq = cached_pose(clip, path, model)
    if seq is None:
        seq = extract_pose(clip, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        seq.save(path)
    return seq


def evaluate(samples: Path, model: str, cache: Path) -> dict:
    recognised, unknown, wrong = [], [], []
    per_fault = {f: [0, 0, 0] for f in KIND_TO_FAULT.values()}  # found, true, not assessable
    alarms = outside = 0
    lines = []
    for clip in sorted(samples.glob("*.mp4")):
        truth = json.loads(clip.with_suffix(".json").read_text())
        report, _ = analyse(pose_for(clip, model, cache))
        want = truth["scenario"]["exercise"]
        got = report.exercise.name if report.exercise else "unknown"
        (recognised if got == want else unknown if got == "unknown" else wrong).append(clip.stem)
        true_faults = [(KIND_TO_FAULT[f["kind"]], f) for f in truth["faults"]
                       if f["kind"] in KIND_TO_FAULT and f["kind"] != "twist"
                       or "jerky" in clip.stem and f["kind"] == "twist"]
        for fault, f in true_faults:
            a, b = f["interval_s"]
            hit = any(x.fault == fault and x.start_s <= b and x.end_s >= a
                      for x in report.findings)
            judged = [report.assessment(fault, r.index) for r in report.reps
                      if r.start_s <= b and r.end_s >= a]
            blind = not hit and bool(judged) and all(j is not None and not j.assessable
                                                     for j in judged)
            per_fault[fault][0] += hit
            per_fault[fault][1] += 1
            per_fault[fault][2] += blind
        kinds = {fault for fault, _ in true_faults}
        alarms += sum(x.fault not in kinds for x in report.findings)
        outside += sum(x.rep is None for x in report.findings)
        lines.append(f"  {clip.stem:<34} exercise {got:<9} findings "
                     + (", ".join(f"{x.fault} rep {x.rep} {x.severity}"
                                  for x in report.findings) or "none"))
    return {"lines": lines, "recognised": recognised, "unknown": unknown, "wrong": wrong,
            "per_fault": per_fault, "alarms": alarms, "outside": outside}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=Path, default=REPO / "samples")
    ap.add_argument("--models", default="full,lite")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/formcheck-samples"))
    args = ap.parse_args()
    for model in args.models.split(","):
        r = evaluate(args.samples, model, args.cache)
        n = len(r["recognised"]) + len(r["unknown"]) + len(r["wrong"])
        print(f"model {model}")
        print("\n".join(r["lines"]))
        print(f"  exercise recognised {len(r['recognised'])}/{n}, unknown "
              f"{len(r['unknown'])} ({', '.join(r['unknown']) or '-'}), wrong "
              f"{len(r['wrong'])} ({', '.join(r['wrong']) or '-'})")
        for fault, (hit, true, blind) in r["per_fault"].items():
            print(f"  {fault}: true fault reps found {hit}/{true}"
                  + (f" ({blind} missed as not assessable from that view)" if blind else ""))
        print(f"  findings of a fault the clip does not have: {r['alarms']}; findings outside "
              f"every rep: {r['outside']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
