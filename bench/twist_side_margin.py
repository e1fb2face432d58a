"""The side-view jerky-twist reading's margin on real reps (session 24).

For every rep the side reading judges (the set seen from the side, read with the shipped side
fit): the largest quick turn over its judged frames, the limit (the larger of
``side_quick_turn_spreads`` times the set's spread and ``side_min_quick_turn_deg``), the upper
back outline's reading in its own spreads and the hip line's turn across the event window
at that frame, and whether the rep warned; then the reps within ``--near`` of their limit.

    python bench/twist_side_margin.py /work/cache/s16/full3 [--set jerky_twist.X=V ...]
    python bench/twist_side_margin.py /work/cache/models-lite --as-full   # lite poses, judged

``--as-full`` reads poses from another pose model as if the full model made them (the
analysis otherwise does not judge the twist on them). Real-clip poses stay outside the
repository.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence, faults
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence


def reps_of(path: Path, cfg, as_full: bool) -> list[dict]:
    """The side-judged reps of the poses at ``path`` (none if not read from the side)."""
    seen: dict = {}
    outline_turns, quick_turns = faults._outline_turns, faults._quick_turns

    def outline_spy(*a, **k):
        seen["outline"] = outline_turns(*a, **k)
        return seen["outline"]

    def quick_spy(ctx, *a, **k):
        seen["ctx"] = ctx
        return quick_turns(ctx, *a, **k)

    seq = PoseSequence.load(path)
    if as_full and seq.model != "full":
        seq = dataclasses.replace(seq, model="full")
    faults._outline_turns, faults._quick_turns = outline_spy, quick_spy
    try:
        res = analyze_sequence(seq, cfg)
    finally:
        faults._outline_turns, faults._quick_turns = outline_turns, quick_turns
    ctx, series = seen.get("ctx"), res.series.get("twist_quick_turn")
    if (res.view.name != "side" or ctx is None or ctx.sig.twist.landmark_fit != "side"
            or series is None or series.threshold is None):
        return []
    size, judged, t = np.asarray(series.values), np.asarray(series.judged), series.t_s
    outline, hips = seen.get("outline"), ctx.sig.hip_heading_deg
    quick = ctx.sig.twist.quick_turn_deg[judged]
    spread = float(1.4826 * np.median(np.abs(quick - np.median(quick))))
    half = max(1, int(round(ctx.thresholds.jerky_twist.event_window_s / 2 * ctx.sig.fps)))
    warned = {f.rep for f in res.findings if f.fault == "jerky_twist"}
    out = []
    for a in res.assessable:
        if a.fault != "jerky_twist" or a.rep is None or not a.assessable:
            continue
        rep = res.reps[a.rep - 1]
        idx = np.flatnonzero((t >= rep.start_s) & (t <= rep.end_s) & judged & np.isfinite(size))
        if not idx.size:
            continue
        p = int(idx[np.argmax(size[idx])])
        lo, hi = max(0, p - half), min(len(t), p + half + 1)
        hip = hips[lo:hi]
        out.append(dict(
            clip=path.name.split(".mp4")[0], rep=a.rep, t_s=round(float(t[p]), 2),
            phase=next((ph.name for ph in rep.phases if ph.start_s <= t[p] <= ph.end_s), "?"),
            peak_deg=round(float(size[p]), 2), spread_deg=round(spread, 2),
            limit_deg=round(float(series.threshold), 2),
            of_limit=round(float(size[p] / series.threshold), 3),
            outline_spreads=(round(float(outline[p]), 2) if outline is not None
                             and np.isfinite(outline[p]) else None),
            hip_turn_deg=(round(float(np.nanmax(hip) - np.nanmin(hip)), 1)
                          if np.isfinite(hip).any() else None),
            warned=a.rep in warned))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("poses", type=Path, help="a folder of real clips' poses (.npz)")
    ap.add_argument("--set", action="append", default=[], help="a setting, as formcheck's")
    ap.add_argument("--near", type=float, default=0.7, help="list reps from this share of "
                    "their limit")
    ap.add_argument("--as-full", action="store_true",
                    help="judge another pose model's poses as if the full model made them")
    ap.add_argument("--json", type=Path, help="write every rep's row here")
    args = ap.parse_args(argv)
    cfg = load_config(None, args.set)
    rows = [r for p in sorted(args.poses.glob("*.npz")) for r in reps_of(p, cfg, args.as_full)]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"{args.poses}: {len(rows)} reps judged from the side, "
          f"{sum(r['warned'] for r in rows)} warned")
    print("| clip | rep | t, s | phase | quick turn, deg | spread, deg | limit, deg | of limit | "
          "outline, spreads | hips turned, deg | warned |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: -r["of_limit"]):
        if r["of_limit"] >= args.near:
            print(f"| {r['clip']} | {r['rep']} | {r['t_s']:.2f} | {r['phase']} | "
                  f"{r['peak_deg']:.1f} | {r['spread_deg']:.2f} | {r['limit_deg']:.1f} | "
                  f"{r['of_limit']:.2f} | {r['outline_spreads']} | {r['hip_turn_deg']} | "
                  f"{'yes' if r['warned'] else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
