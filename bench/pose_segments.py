"""How close a segmented pose pass is to one pass, and what it costs: both on the same clips.

    python bench/pose_segments.py CLIP [CLIP ...] [--model full] [--warmup 1.5] [--workers N]

For each clip: the one-pass and the segmented pose pass (`formcheck.pipeline.extract_pose`
with ``segments=False`` / ``True``), wall and CPU seconds of each, and for the segmented one
how far its landmarks are from the one pass' (pixels, median and 95th percentile over visible
landmarks) in the first seconds after each cut and elsewhere, and whether the analysis'
findings are the same.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _run(clip: Path, model: str, **kw):
    from formcheck.pipeline import extract_pose

    t0, c0 = time.perf_counter(), _cpu()
    seq = extract_pose(clip, model, **kw)
    return seq, time.perf_counter() - t0, _cpu() - c0


def _findings(seq):
    from formcheck.pipeline import analyse

    report, _ = analyse(seq)
    return ([(f.fault, f.rep, f.severity) for f in report.findings], report.exercise.name,
            report.view.name, len(report.reps))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--model", default="full")
    ap.add_argument("--warmup", type=float, default=None, help="override WARMUP_S")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--save", type=Path, default=None,
                    help="also save each segmented pose sequence here as CLIP_STEM.npz")
    args = ap.parse_args()
    import formcheck.pose.segments as segments

    if args.warmup is not None:
        segments.plan_segments.__kwdefaults__["warmup_s"] = args.warmup
    print("clip | frames | cuts | one pass wall/CPU s | segmented wall/CPU s | wall ratio | "
          "CPU ratio | px diff near cuts p50/p95 | elsewhere p50/p95 | "
          "exercise, view, reps, findings")
    for clip in args.clips:
        one, w1, c1 = _run(clip, args.model, segments=False)
        seg, w2, c2 = _run(clip, args.model, workers=args.workers)
        cuts = seg.extra.get("pose_segments_s", [])  # absent: it ran as one pass
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            seg.save(args.save / f"{clip.stem}.npz")
        assert len(one) == len(seg) and np.array_equal(one.t_s, seg.t_s), "frames differ"
        d = np.linalg.norm(one.image_xy - seg.image_xy, axis=-1)  # (frames, landmarks)
        vis = (one.visibility > 0.5) & (seg.visibility > 0.5)
        near = np.zeros(len(one), bool)
        for c in cuts:
            near |= (one.t_s >= c) & (one.t_s < c + 2.0)
        a, b = d[near[:, None] & vis], d[~near[:, None] & vis]

        def pct(x):
            return f"{np.percentile(x, 50):.2f}/{np.percentile(x, 95):.2f}" if x.size else "-"
        f1, f2 = _findings(one), _findings(seg)
        same = "same" if f1 == f2 else f"one pass {f1[1:]} {f1[0]}; segmented {f2[1:]} {f2[0]}"
        print(f"{clip.name} | {len(one)} | {len(cuts)} | {w1:.1f}/{c1:.1f} | {w2:.1f}/{c2:.1f} | "
              f"{w2 / w1:.3f} | {c2 / c1:.3f} | {pct(a)} | {pct(b)} | {same}", flush=True)


if __name__ == "__main__":
    main()
