"""Cues for over-extension at a deadlift's lockout that lean less on the hip landmark, each
with its limit fitted with the scored lifter held out (issue 9).

The shipped reading, the trunk against the thighs (``hip_extension``), reads a rendered 20°
over-extension at a deadlift's lockout about 16° short: with the hips pushed through to the
bar the pose network keeps them behind the joint (``lockout_renders.py``). Each cue here is
read on the frames the shipped rule judges as a lockout (its ``hip_extension`` series'
``judged`` frames), held for a finding's least duration, and its largest held value per
counted rep is kept:

- ``ext``: the shipped reading;
- ``lean``: the trunk's lean behind vertical (world landmarks, levelled as the analysis does);
- ``ext+lean``: the two summed per frame (both grow when a lifter leans back with the hips
  through; the hip's lag takes less off the lean than off the angle);
- ``lean_picture``: the trunk's lean behind the picture's vertical (image landmarks, roll the
  analysis undoes turned back too);
- ``shoulders_ankles``: the shoulder-ankle line's lean behind the picture's vertical (no hip);
- ``outline_upper``: the back outline's upper half's lean behind the picture's vertical (no
  landmark but the shoulders and hips that place the outline's samples).

Reps are scored by group: a rendered body (``<body>_...`` names from
``render_placements.py``; a rep is positive where the rendered rep it overlaps most has an
``extension`` fault) or a real clip's source (``eval_clips.source_of``; labels from
``labels.json``). For each group, a cue's limit is fitted on all other groups: just above the
largest clean rep there, or (``--fit mid``) halfway from it to the least positive rep there;
then the group's reps are scored with it. Only reps of lifts recognised as ``--exercise``
are read. Prints a table; writes nothing. Landmarks of the real clips are third-party derived
data: keep their cache outside the repository.

    python bench/lockout_cues.py --renders /tmp/r --poses /work/cache/s26/full [--fit mid]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.analysis.faults import _hip_extension_read
from formcheck.analysis.features import compute_signals, facing_in_picture
from formcheck.analysis.level import leveled, roll_to_undo
from formcheck.config import Config, load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_clips import source_of  # noqa: E402  (bench/ siblings)
from rep_match import counted_rep_of  # noqa: E402
from sweep_findings import rendered_poses  # noqa: E402

CUES = ("ext", "lean", "ext+lean", "lean_picture", "shoulders_ankles", "outline_upper")


def _behind_vertical(v: np.ndarray, facing: float) -> np.ndarray:
    """The picture vector ``v`` ``(T, 2)`` (pointing up the body)'s lean from the picture's
    vertical, in degrees, + away from where the lifter faces (+1 right, -1 left)."""
    return -np.degrees(np.arctan2(v[:, 0], -v[:, 1])) * facing


def _turned(xy: np.ndarray, roll_deg: float | None) -> np.ndarray:
    """Picture points ``(..., 2)`` turned back by the roll the analysis undoes (the picture's
    lines counter-clockwise as seen positive), as ``analysis.level.leveled`` turns the world
    landmarks; ``xy`` itself where there is none."""
    if not roll_deg:
        return xy
    a = math.radians(roll_deg)
    c, s = math.cos(a), math.sin(a)
    out = np.array(xy, dtype=np.float64, copy=True)
    out[..., 0] = c * xy[..., 0] - s * xy[..., 1]
    out[..., 1] = s * xy[..., 0] + c * xy[..., 1]
    return out


def cue_series(seq: PoseSequence, config: Config, exercise: str) -> dict[str, np.ndarray]:
    """Per frame, each cue (NaN where unknown)."""
    roll = roll_to_undo(seq, config.signal)
    sig = compute_signals(leveled(seq, roll) if roll is not None else seq, config)
    th = config.faults_for(exercise).lumbar_overextension
    facing = facing_in_picture(seq.image_xy, seq.presence, config.signal.outline_facing_min_share)
    f = facing if facing else np.nan
    xy = _turned(np.asarray(seq.image_xy, np.float64), roll)
    sh, hip = xy[:, [11, 12]].mean(axis=1), xy[:, [23, 24]].mean(axis=1)
    ankle = xy[:, [27, 28]].mean(axis=1)
    ext = _hip_extension_read(sig, th)
    out = {"ext": ext, "lean": -sig.lean_deg, "ext+lean": ext - sig.lean_deg,
           "lean_picture": _behind_vertical(sh - hip, f),
           "shoulders_ankles": _behind_vertical(sh - ankle, f)}
    if seq.back_xy is not None:
        back = _turned(np.asarray(seq.back_xy, np.float64), roll)
        k = back.shape[1]
        top, mid = back[:, 1:k // 2 - 1].mean(axis=1), back[:, k // 2 - 1:k // 2 + 1].mean(axis=1)
        out["outline_upper"] = _behind_vertical(top - mid, f)
    else:
        out["outline_upper"] = np.full(len(seq), np.nan)
    return out


def held_max(x: np.ndarray, mask: np.ndarray, n: int) -> float:
    """The largest value ``x`` keeps for ``n`` frames in a row inside ``mask`` (NaN: none)."""
    x = np.where(mask, x, np.nan)
    if len(x) < n:
        return math.nan
    win = np.lib.stride_tricks.sliding_window_view(x, n)
    ok = np.isfinite(win).all(axis=1)
    return float(win[ok].min(axis=1).max()) if ok.any() else math.nan


def rep_cues(seq: PoseSequence, config: Config) -> tuple[object, list[dict[str, float]]]:
    """The analysis of ``seq`` and, per counted rep, each cue's largest held value over the
    frames the shipped rule judged as a lockout."""
    result = analyze_sequence(seq, config)
    judged = np.asarray(result.series["hip_extension"].judged, dtype=bool)
    series = cue_series(seq, config, result.exercise.name)
    th = config.faults_for(result.exercise.name).lumbar_overextension
    fps = (len(seq) - 1) / float(seq.t_s[-1] - seq.t_s[0]) if len(seq) > 1 else 30.0
    n = max(math.ceil(th.min_duration_s * fps - 1e-9), config.assess.min_finding_frames)
    rows = []
    for rep in result.reps:
        m = np.zeros(len(seq), dtype=bool)
        m[rep.start_frame:rep.end_frame + 1] = True
        rows.append({"rep": rep.index} | {c: held_max(series[c], m & judged, n) for c in CUES})
    return result, rows


def gather(args, config: Config) -> list[dict]:
    """One row per counted rep: group, whether positive, the lift, where from, the cues."""
    rows: list[dict] = []
    for folder in args.renders:
        for name, path in rendered_poses(folder):
            truth = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            result, reps = rep_cues(PoseSequence.load(path), config)
            ext_reps = {f["rep"] for f in truth["faults"] if f["kind"] == "extension"}
            counted = counted_rep_of(truth["reps"], result.reps)
            positive = {counted[r] for r in ext_reps} - {None}
            az = int(round(truth["scenario"]["camera"]["azimuth_deg"])) % 360
            for r in reps:
                rows.append({"group": "body " + "_".join(name.split("_")[:2]),
                             "positive": r["rep"] in positive, "render": True,
                             "exercise": result.exercise.name, "clip": name,
                             "view": f"az{az}"} | r)
    if args.poses:
        labels = json.loads((args.clips / "labels.json").read_text(encoding="utf-8"))
        for item in labels:
            label = item["faults"]["lumbar_overextension"]
            path = args.poses / (item["file"] + ".npz")
            if label is None or not path.is_file():
                continue
            result, reps = rep_cues(PoseSequence.load(path), config)
            for r in reps:
                rows.append({"group": "source " + source_of(item["file"]),
                             "positive": bool(label), "render": False,
                             "exercise": result.exercise.name, "clip": item["file"],
                             "view": item["view"]} | r)
    return rows


def fit_limit(train: list[dict], cue: str, how: str) -> float:
    """The limit ``train`` gives ``cue``: the next half degree above its largest clean rep,
    or ("mid") halfway from there to its least positive rep (rounded down to half a degree)
    where that is higher."""
    neg = [r[cue] for r in train if not r["positive"] and np.isfinite(r[cue])]
    top = max(neg, default=-math.inf)
    limit = math.floor(top * 2.0) / 2.0 + 0.5  # the next half degree above
    if how == "mid":
        pos = [r[cue] for r in train if r["positive"] and np.isfinite(r[cue]) and r[cue] > top]
        if pos:
            limit = max(limit, math.floor(top + min(pos)) / 2.0)
    return limit


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--renders", type=Path, action="append", default=[],
                    help="a folder of rendered clips with truth and poses (repeatable)")
    ap.add_argument("--poses", type=Path, help="cached poses of the shared real clips")
    ap.add_argument("--clips", type=Path,
                    default=Path(__file__).resolve().parents[1].parent / "shared" / "clips")
    ap.add_argument("--exercise", default="deadlift")
    ap.add_argument("--fit", choices=("above", "mid"), default="above")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("-v", action="store_true", help="print every rep's cues")
    args = ap.parse_args()
    config = load_config(overrides=args.overrides)
    rows = [r for r in gather(args, config) if r["exercise"] == args.exercise]
    if not rows:
        print("no judged rep of a recognised " + args.exercise, file=sys.stderr)
        return 2
    if args.v:
        for r in rows:
            print(f"{r['group']:44} {r['clip'][-40:]:40} rep {r['rep']} "
                  f"{'+' if r['positive'] else '-'} " + " ".join(
                      f"{c}={r[c]:.1f}" for c in CUES))
    groups = sorted({r["group"] for r in rows})
    print(f"reps of recognised {args.exercise}s: {len(rows)}; groups: {len(groups)}; "
          f"fit: {args.fit}\n")
    print("| cue | rendered over-extensions found / judged (by view) | rendered clean reps warned |"
          " real over-extended clips found | real clean clips warned | limits fitted |")
    print("|---|---|---|---|---|---|")
    for cue in CUES:
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        real: dict[str, set[str]] = defaultdict(set)
        limits = []
        for g in groups:
            limit = fit_limit([r for r in rows if r["group"] != g], cue, args.fit)
            limits.append(limit)
            for r in rows:
                if r["group"] != g or not np.isfinite(r[cue]):
                    continue
                hit = r[cue] >= limit
                if r["render"]:
                    key = ("pos " + r["view"]) if r["positive"] else "neg"
                    tally[key][0] += int(hit)
                    tally[key][1] += 1
                else:
                    key = "pos" if r["positive"] else "neg"
                    real[key].add(r["clip"])
                    if hit:
                        real[key + " hit"].add(r["clip"])
        views = ", ".join(f"{k[4:]} {v[0]}/{v[1]}" for k, v in sorted(tally.items())
                          if k.startswith("pos"))
        neg = tally["neg"]
        print(f"| {cue} | {views or '-'} | {neg[0]}/{neg[1]} | "
              f"{len(real['pos hit'])}/{len(real['pos'])} | "
              f"{len(real['neg hit'])}/{len(real['neg'])} | {min(limits):.1f}-{max(limits):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
