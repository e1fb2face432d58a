"""Arching while bent over (issue 9 item 3, round 10): what the back outline and landmarks
show of a lower back arched past neutral in the deadlift set-up and pull, on rendered truth
(``bench/render_flexion.py --arch``: lumbar extension 0/10/20/30 deg, bare and clothed) and
on the real shared clips.

Per frame, from the back outline (``PoseSequence.back_xy``, 17 points shoulder -> hip, each
as its offset from the shoulder-hip chord, in chords, + away from the body's front):

- ``lower_bow``: the hip-side half's bow off the line through its ends (``eval_clips.
  half_sagittas``; round 7/9's measure), % of the chord, + convex;
- ``bend``: the angle between a line fitted to the shoulder-side points (2..8) and one fitted
  to the hip-side points (9..15), deg, + = the outline turns back out towards the hips
  (concave: an arch), - = rounded;
- ``tail``: the angle of the last points (11..16) against the chord, deg, + = leaving the
  chord outwards towards the hips (buttocks rising past the lower back).

Rendered clips are read over each rep's hold of the arch window (where a true arch holds its
peak; the same frames for the neutral clips), real clips over every bent-over frame (forward
lean past the deadlift's rounding limit, below the lockout height). Medians per clip.

    python bench/fit_arch.py /work/cache/s7-back10-arch [--real /work/cache/models-full] [-v]
    python bench/fit_arch.py /work/cache/s7-back10-archrow        # arched rows

Also printed: each cue against the same body's and clothing's neutral clip, and limits
chosen on the renders with one body held out (most reps of >= ``--min-size`` found minus
neutral reps flagged), scored on that body, then applied to the real clips.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis.features import compute_signals
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

REPO = Path(__file__).resolve().parents[1]
CLIPS = REPO.parent / "shared" / "clips"


def outline_offsets(seq: PoseSequence) -> np.ndarray:
    """``(T, K)`` the back outline's offsets from the shoulder-hip chord, in chords, point 0 at
    the shoulder end, + outwards (the back's side)."""
    im = np.asarray(seq.image_xy, dtype=np.float64)
    back = np.asarray(seq.back_xy, dtype=np.float64).copy()
    sh = (im[:, 11] + im[:, 12]) / 2.0
    chord = (im[:, 23] + im[:, 24]) / 2.0 - sh
    length = np.linalg.norm(chord, axis=1)
    flip = np.linalg.norm(back[:, 0] - sh, axis=1) > np.linalg.norm(back[:, -1] - sh, axis=1)
    back[flip] = back[flip, ::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / length[:, None]
        off = np.einsum("tkj,tj->tk", back - sh[:, None, :], normal)
        side = np.sign(np.nansum(np.sign(off[:, 2:15]), axis=1))
        return off * (side / length)[:, None]


def _slope(off: np.ndarray, a: int, b: int) -> np.ndarray:
    """Least-squares slope of points a..b (inclusive) against their place along the chord."""
    k = off.shape[1] - 1
    f = np.arange(a, b + 1) / k
    y = off[:, a:b + 1]
    fc = f - f.mean()
    with np.errstate(invalid="ignore"):
        return ((y - y.mean(axis=1, keepdims=True)) * fc).sum(axis=1) / (fc * fc).sum()


def arch_features(seq: PoseSequence) -> dict[str, np.ndarray]:
    off = outline_offsets(seq)
    # eval_clips.half_sagittas' hip-side bow: point 11 off the line through points 8 and 15.
    lower_bow = 100.0 * (off[:, 11] - (off[:, 8] + (off[:, 15] - off[:, 8]) * 3.0 / 7.0))
    bend = np.degrees(np.arctan(_slope(off, 9, 15)) - np.arctan(_slope(off, 2, 8)))
    tail = np.degrees(np.arctan(_slope(off, 11, 16)))
    return {"lower_bow": lower_bow, "bend": bend, "tail": tail}


FEATURES = ("lower_bow", "bend", "tail")


def bent_frames(seq: PoseSequence, config, exercise: str = "deadlift") -> np.ndarray:
    """Bent over as the rules read it: leaning past the exercise's rounding limit (deadlift
    35 deg, row 20), below the lockout height; for rows, not where an elbow's silhouette
    merges with the back (the rules skip those frames)."""
    sig = compute_signals(seq, config)
    th = config.deadlift
    rb = config.faults_for(exercise).rounded_back
    elbow = rb.max_elbow_behind_back_frac
    with np.errstate(invalid="ignore"):
        bent = (sig.trunk_visible & (sig.lean_deg >= rb.judge_min_trunk_deg)
                & (sig.hip_height_ratio < th.lumbar_overextension.judge_min_hip_height_ratio))
        if np.isfinite(elbow):
            bent &= ~(sig.elbow_behind_back > elbow)
    return bent


def hold_frames(truth: dict, n: int) -> np.ndarray:
    """Frames where an arch (``FaultKind.ARCH``) holds its peak in each rep, whether or not
    the clip has one."""
    from formcheck.synth.motion import fault_window, rep_timeline
    from formcheck.synth.scenario import FaultKind, Scenario

    sc = Scenario.from_dict(truth["scenario"])
    t = np.asarray(truth["per_frame"]["t_s"], dtype=np.float64)[:n]
    m = np.zeros(n, dtype=bool)
    for rep in rep_timeline(sc)[0]:
        _, b, c, _ = fault_window(sc, rep, FaultKind.ARCH)
        m |= (t >= b) & (t <= c)
    return m


def held_rise(x: np.ndarray, m: np.ndarray, hold: int = 5) -> float:
    """The highest value held ``hold`` bent-over frames in a row over the clip's own 10th
    percentile of the bent-over frames (its least arched): an arch past the lifter's own."""
    v = np.where(m & np.isfinite(x), x, np.nan)
    if np.isfinite(v).sum() < max(hold, 5):
        return float("nan")
    base = float(np.nanpercentile(v, 10))
    if len(v) < hold:
        return float("nan")
    win = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(v, nan=-1e9), hold)
    return float(win.min(axis=1).max()) - base


def rendered(folder: Path, config) -> list[dict]:
    out = []
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["clips"]
    for e in man:
        pose = folder / "poses" / f"{e['name']}.npz"
        if not pose.is_file():
            continue
        seq = PoseSequence.load(pose)
        truth = json.loads((folder / e["truth"]).read_text(encoding="utf-8"))
        feats = arch_features(seq)
        bent = bent_frames(seq, config, e["exercise"])
        m = hold_frames(truth, len(seq)) & bent
        size = max([f["magnitude_deg"] for f in e["faults"] if f["kind"] == "arch"] or [0.0])
        row = {"name": e["name"], "body": e["body"], "clothing": e["clothing"],
               "exercise": e["exercise"],
               "size": size, "frames": int(m.sum())}
        for k, v in feats.items():
            x = v[m & np.isfinite(v)]
            row[k] = float(np.median(x)) if x.size >= 3 else float("nan")
            row[k + "_rise"] = held_rise(v, bent)
        row["reps"] = rep_peaks(feats, bent, truth, len(seq))
        out.append(row)
    return out


def _held_peak(v: np.ndarray, hold: int = 5) -> float:
    if np.isfinite(v).sum() < hold:
        return float("nan")
    win = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(v, nan=-1e9), hold)
    peak = float(win.min(axis=1).max())
    return peak if peak > -1e8 else float("nan")


def rep_peaks(feats: dict[str, np.ndarray], bent: np.ndarray, truth: dict,
              n: int) -> list[dict]:
    """Per true rep: its true arch (deg) and, per cue, the level held 5 bent-over frames and
    that level over the clip's own 10th percentile (the rise)."""
    t = np.asarray(truth["per_frame"]["t_s"], dtype=np.float64)[:n]
    arch = np.asarray(truth["per_frame"]["fault_deg"].get("arch", np.zeros(len(t))))[:n]
    out = []
    for rep in truth["reps"]:
        m = (t >= rep["start_s"]) & (t <= rep["end_s"])
        r = {"size": float(np.round(arch[m].max())) if m.any() else 0.0}
        for k, v in feats.items():
            x = np.where(bent & np.isfinite(v), v, np.nan)
            base = float(np.nanpercentile(x, 10)) if np.isfinite(x).sum() >= 5 else np.nan
            peak = _held_peak(np.where(m, x, np.nan))
            r[k] = peak
            r[k + "_rise"] = peak - base
        out.append(r)
    return out


def held_out_limits(rows: list[dict], cue: str, grid: np.ndarray,
                    min_size: float) -> tuple[dict, dict]:
    """Leave one body out: the limit on ``cue`` chosen on the other bodies' reps (most reps
    of >= ``min_size`` found minus neutral reps flagged, ties to the higher limit), scored
    on the held-out body's reps. Returns {body: limit} and {(clothing, size): [flagged, n]}."""
    bodies = sorted({r["body"] for r in rows})
    chosen, cells = {}, defaultdict(lambda: [0, 0])
    for held in bodies:
        train = [(r["clothing"], rp) for r in rows if r["body"] != held for rp in r["reps"]]
        best, best_score = None, -np.inf
        for lim in grid:
            pos = [rp[cue] >= lim for _, rp in train if rp["size"] >= min_size
                   and np.isfinite(rp[cue])]
            neg = [rp[cue] >= lim for _, rp in train if rp["size"] == 0
                   and np.isfinite(rp[cue])]
            sc = (np.mean(pos) if pos else 0) - (np.mean(neg) if neg else 0)
            if sc >= best_score:
                best, best_score = lim, sc
        chosen[held] = float(best)
        for r in rows:
            if r["body"] != held:
                continue
            for rp in r["reps"]:
                c = cells[(r["clothing"], rp["size"])]
                c[1] += 1
                c[0] += int(np.isfinite(rp[cue]) and rp[cue] >= best)
    return chosen, cells


def real(poses: Path, config) -> list[dict]:
    labels = json.loads((CLIPS / "labels.json").read_text(encoding="utf-8"))
    out = []
    for item in labels:
        if not item["view"].startswith("side") or item["exercise"] not in ("deadlift", "row"):
            continue
        pose = poses / f"{item['file']}.npz"
        if not pose.is_file():
            continue
        seq = PoseSequence.load(pose)
        if seq.back_xy is None:
            continue
        m = bent_frames(seq, config, item["exercise"])
        feats = arch_features(seq)
        row = {"name": item["file"].removesuffix(".mp4"), "frames": int(m.sum()),
               "label": item["faults"]["lumbar_overextension"],
               "rounded": item["faults"]["rounded_back"]}
        for k, v in feats.items():
            x = v[m & np.isfinite(v)]
            row[k] = float(np.median(x)) if x.size >= 3 else float("nan")
            row[k + "_rise"] = held_rise(v, m)
            row[k + "_peak"] = _held_peak(np.where(m, v, np.nan))
        out.append(row)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description="Bent-over arch cues on renders and real clips.")
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--real", type=Path, default=None, help="cached poses of the shared clips")
    ap.add_argument("-v", action="store_true", help="every clip")
    ap.add_argument("--min-size", type=float, default=20.0,
                    help="the arch sizes (deg) a limit should find")
    args = ap.parse_args()
    config = load_config(None, [])
    rows = [r for f in args.folders for r in rendered(f, config)]
    if rows:
        print("rendered (median over the arch's hold, bent-over frames): "
              + " / ".join(FEATURES) + ", by clothing and true size: range (median)")
        groups = defaultdict(list)
        for r in rows:
            groups[(r["exercise"] + " " + r["clothing"], r["size"])].append(r)
        for (cl, size), g in sorted(groups.items()):
            cells = []
            for k in FEATURES + tuple(f + "_rise" for f in FEATURES):
                x = np.array([r[k] for r in g])
                x = x[np.isfinite(x)]
                cells.append(f"{x.min():+6.1f}…{x.max():+6.1f} ({np.median(x):+6.1f})"
                             if x.size else "–")
            print(f"  {cl:16s} {size:4g}° n={len(g)}  " + "  ".join(cells))
        if args.v:
            for r in sorted(rows, key=lambda r: (r["body"], r["clothing"], r["size"])):
                print(f"    {r['name']:48s} fr {r['frames']:3d} " + " ".join(
                    f"{r[k]:+6.1f}" for k in FEATURES) + "  rise " + " ".join(
                    f"{r[k + '_rise']:+6.1f}" for k in FEATURES))
    if rows:
        print("\npaired: each cue minus the same body's and clothing's neutral clip (what an "
              "own-neutral could see), by clothing and true size: range (median)")
        base = {(r["body"], r["clothing"]): r for r in rows if r["size"] == 0}
        pairs = defaultdict(list)
        for r in rows:
            b = base.get((r["body"], r["clothing"]))
            if r["size"] and b is not None:
                pairs[(r["clothing"], r["size"])].append({k: r[k] - b[k] for k in FEATURES})
        for (cl, size), g in sorted(pairs.items()):
            cells = []
            for k in FEATURES:
                x = np.array([d[k] for d in g])
                x = x[np.isfinite(x)]
                cells.append(f"{x.min():+6.1f}…{x.max():+6.1f} ({np.median(x):+6.1f})"
                             if x.size else "–")
            print(f"  {cl:7s} {size:4g}° n={len(g)}  " + "  ".join(cells))
    limits: dict[str, list[float]] = {}
    if rows:
        print(f"\nleave one body out: a rep is flagged when the cue, held 5 frames, reaches a "
              f"limit chosen on the other bodies (found >= {args.min_size:g} deg minus "
              "neutral flagged); flagged / reps by clothing and true size")
        for cue in [f + sfx for f in FEATURES for sfx in ("", "_rise")]:
            vals = np.array([rp[cue] for r in rows for rp in r["reps"]])
            vals = vals[np.isfinite(vals)]
            grid = np.unique(np.round(np.percentile(vals, np.arange(5, 100, 5)), 1))
            chosen, cells = held_out_limits(rows, cue, grid, args.min_size)
            limits[cue] = list(chosen.values())
            print(f"  {cue:15s} limits {', '.join(f'{b} {v:+.1f}' for b, v in chosen.items())}")
            print("      " + "  ".join(f"{cl} {size:g}°: {c[0]}/{c[1]}"
                                       for (cl, size), c in sorted(cells.items())))
    if args.real:
        print("real side-view deadlifts and rows (median over bent-over frames): "
              + " / ".join(FEATURES) + "; over-extension label, rounding label")
        for r in real(args.real, config):
            if r["frames"] < 5:
                continue
            print(f"  {r['name'][:62]:62s} fr {r['frames']:3d} " + " ".join(
                f"{r[k]:+6.1f}" for k in FEATURES) + "  rise " + " ".join(
                f"{r[k + '_rise']:+6.1f}" for k in FEATURES)
                + f"  ext={r['label']} round={r['rounded']}")
        rr = [r for r in real(args.real, config) if r["frames"] >= 5]
        if limits:
            print("real clips flagged at the renders' held-out limits (lowest .. highest "
                  "chosen): the cue's held peak (level) or its rise over the clip's own")
            for cue, lims in limits.items():
                key = cue if cue.endswith("_rise") else cue + "_peak"
                for lim in sorted({min(lims), max(lims)}):
                    hit = [r for r in rr if np.isfinite(r[key]) and r[key] >= lim]
                    clean = [r for r in rr if r["label"] is False]
                    fa = [r for r in hit if r["label"] is False]
                    tp = [r["name"].split("__")[-1] for r in hit if r["label"] is True]
                    print(f"  {cue:15s} >= {lim:+6.1f}: clean flagged {len(fa)}/{len(clean)}"
                          f", over-arched found {tp}, rounded flagged "
                          f"{sum(1 for r in hit if r['rounded'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
