"""Fit and score the rounded back's flexion estimate (degrees) on rendered truth.

The estimate is linear in the back outline's rise over the lifter's own straightest
bent-over frames (``features``/``faults``: bulge in % of the shoulder-hip chord, its 10th
percentile over the judged frames as the lifter's neutral): ``flexion_deg = k_view * rise``,
one ``k`` per view (side, 45 deg). ``k`` is fitted by least squares on the judged frames of
some bodies and scored on the bodies left out (leave one body out), so no clip is scored by a
slope fitted on its own body. Prints, per view and held-out body, the frame-wise mean absolute
error, the error of each rep's peak, and how many reps a degrees threshold finds.

    nice python bench/render_flexion.py --out /work/cache/back-flex --exercise deadlift \
        --exercise row
    python bench/fit_flexion.py /work/cache/back-flex [--threshold 15]

``--clothing PX`` re-reads every outline pushed out by PX pixels along its normal, with
noise (a loose shirt), to show how the estimate moves.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis.features import compute_signals
from formcheck.config import Config
from formcheck.pose.sequence import PoseSequence

VIEWS = {90.0: "side", 45.0: "45"}
REPO = Path(__file__).resolve().parents[1]


def loosen(seq: PoseSequence, px: float, seed: int = 0) -> PoseSequence:
    """The outline a loose shirt would give: every back point pushed ``px`` pixels away from
    the body (along the outline's own normal) plus ``px / 2`` of smooth random ripple."""
    import dataclasses

    if seq.back_xy is None or px == 0:
        return seq
    back = np.asarray(seq.back_xy, dtype=np.float64).copy()
    tangent = np.gradient(back, axis=1)
    norm = np.linalg.norm(tangent, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.stack([-tangent[..., 1], tangent[..., 0]], -1) / norm
    # Outward: away from the shoulder-hip chord's side the body lies on (the chord's middle).
    mid = (seq.image_xy[:, 11] + seq.image_xy[:, 12] + seq.image_xy[:, 23]
           + seq.image_xy[:, 24])[:, None, :] / 4.0
    away = np.sign(np.sum((back - mid) * normal, axis=-1, keepdims=True))
    rng = np.random.default_rng(seed)
    k = back.shape[1]
    ripple = np.cumsum(rng.normal(0.0, 1.0, (back.shape[0], k)), axis=1)
    ripple -= ripple.mean(axis=1, keepdims=True)
    ripple *= (px / 2.0) / max(float(np.nanstd(ripple)), 1e-9)
    back += normal * away * (px + ripple[..., None])
    return dataclasses.replace(seq, back_xy=back.astype(np.float32))


def clip_rows(seq: PoseSequence, truth: dict, exercise: str) -> dict:
    cfg = Config()
    sig = compute_signals(seq, cfg)
    th = cfg.faults_for(exercise).rounded_back
    pf = truth["per_frame"]
    n = min(len(seq), len(pf["t_s"]))
    judged = sig.trunk_visible & np.isfinite(sig.bulge) & (sig.lean_deg >= th.judge_min_trunk_deg)
    with np.errstate(invalid="ignore"):
        judged &= ~(sig.elbow_behind_back > th.max_elbow_behind_back_frac)
    flex = np.asarray(pf["flexion_deg"], dtype=np.float64)[:n]
    reps = []
    for r in truth["reps"]:
        m = (sig.t_s[:n] >= r["start_s"]) & (sig.t_s[:n] <= r["end_s"])
        reps.append((m, float(np.nanmax(flex[m])) if m.any() else float("nan")))
    return {"bulge": 100.0 * sig.bulge[:n], "hip": sig.hip_height_ratio[:n],
            "judged": judged[:n] & np.isfinite(sig.hip_height_ratio[:n]), "flex": flex,
            "t": sig.t_s[:n], "reps": reps}


def load_set(folder: Path, clothing_px: float, poses: Path | None = None) -> list[dict]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for e in data["clips"]:
        pose = (poses or folder / "poses") / f"{e['name']}.npz"
        if not pose.is_file():
            continue
        truth = json.loads((folder / e["truth"]).read_text(encoding="utf-8"))
        seq = loosen(PoseSequence.load(pose), clothing_px)
        rows = clip_rows(seq, truth, e["exercise"])
        rows.update(name=e["name"], body=e["body"], view=VIEWS.get(e["azimuth_deg"], "other"),
                    exercise=e["exercise"],
                    size=max([f["magnitude_deg"] for f in e["faults"]
                              if f["kind"] == "flexion"] or [0.0]))
        out.append(rows)
    return out


def fit(clips: list[dict], posture: bool) -> tuple[float, float]:
    """``(k, s)``: degrees of flexion per % of chord and, with ``posture``, the neutral
    outline's change per leg length of hip height (% of chord), by least squares on the
    judged frames with one free offset per clip (each lifter's own zero point):
    ``bulge = offset_clip + s * hip_height + flexion / k``."""
    xs, ys = [], []
    for c in clips:
        j = c["judged"] & np.isfinite(c["bulge"]) & np.isfinite(c["flex"])
        if j.sum() < 3:
            continue
        cols = [c["flex"][j] - c["flex"][j].mean()]
        if posture:
            cols.append(c["hip"][j] - c["hip"][j].mean())
        xs.append(np.stack(cols, 1))
        ys.append(c["bulge"][j] - c["bulge"][j].mean())
    coef, *_ = np.linalg.lstsq(np.concatenate(xs), np.concatenate(ys), rcond=None)
    return 1.0 / float(coef[0]), (float(coef[1]) if posture else 0.0)


def estimate(c: dict, k: float, s: float, percentile: float = 10.0) -> np.ndarray:
    """Per-frame flexion estimate (deg) over the clip's own straightest judged frames."""
    r = c["bulge"] - s * c["hip"]
    v = r[c["judged"] & np.isfinite(r)]
    own = float(np.percentile(v, percentile)) if v.size >= 9 else float("nan")
    return np.where(c["judged"], k * (r - own), np.nan)


def rep_estimates(c: dict, est: np.ndarray, min_frames: int) -> list[tuple[float, float]]:
    """(true peak, estimated peak) per rep: the estimate's peak held ``min_frames`` frames
    (the lowest value of the best window), NaN when the rep has too few judged frames."""
    out = []
    for m, true_peak in c["reps"]:
        e = est[m]
        if np.isfinite(e).sum() < min_frames:
            out.append((true_peak, float("nan")))
            continue
        win = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(e, nan=-1e9), min_frames)
        out.append((true_peak, float(win.min(axis=1).max())))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description="Leave-one-body-out fit of the flexion estimate.")
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--threshold", type=float, default=15.0, help="deg, to count detections")
    ap.add_argument("--min-frames", type=int, default=5, help="frames held (0.15 s at 30 fps)")
    ap.add_argument("--clothing", type=float, default=0.0, help="outline pushed out, px")
    ap.add_argument("--samples", type=Path, default=None,
                    help="also the committed samples, posed into this folder (<name>.npz)")
    args = ap.parse_args()
    clips = [c for f in args.folders for c in load_set(f, args.clothing)]
    if args.samples:
        clips += load_set(REPO / "samples", args.clothing, args.samples)
    if not clips:
        print("no posed clips found; render them with bench/render_flexion.py", file=sys.stderr)
        return 2
    print(f"clips: {len(clips)}  clothing: {args.clothing:g} px")
    for view in ("side", "45"):
        vc = [c for c in clips if c["view"] == view]
        bodies = sorted({c["body"] for c in vc})
        if len(bodies) < 2:
            print(f"\n{view}: needs clips of two bodies or more (has {bodies})")
            continue
        for posture in (False, True):
            k_all, s_all = fit(vc, posture)
            print(f"\n{view}, {'with' if posture else 'without'} the hip-height term: on all "
                  f"{len(bodies)} bodies k = {k_all:.2f} deg per % of chord, "
                  f"s = {s_all:+.1f} % of chord per leg length of hip height")
            frame_err, peak_err = [], []
            found: dict[float, list[int]] = defaultdict(lambda: [0, 0])
            for held in bodies:
                k, s = fit([c for c in vc if c["body"] != held], posture)
                test = [c for c in vc if c["body"] == held]
                fe, pe = [], []
                for c in test:
                    est = estimate(c, k, s)
                    e = (est - c["flex"])[c["judged"]]
                    fe.extend(e[np.isfinite(e)].tolist())
                    for tp, ep in rep_estimates(c, est, args.min_frames):
                        found[c["size"]][1] += 1
                        found[c["size"]][0] += int(np.isfinite(ep) and ep >= args.threshold)
                        if np.isfinite(ep):
                            pe.append(ep - tp)
                print(f"  held out {held:8s} k={k:5.2f} s={s:+6.1f}  frames {len(fe):5d} "
                      f"MAE {np.abs(fe).mean():5.1f}  rep peaks {len(pe):3d} MAE "
                      f"{np.abs(pe).mean():5.1f} (mean signed {np.mean(pe):+5.1f})")
                frame_err.extend(fe)
                peak_err.extend(pe)
            fe, pe = np.asarray(frame_err), np.asarray(peak_err)
            print(f"  pooled held-out: frame MAE {np.abs(fe).mean():.1f} deg, rep-peak MAE "
                  f"{np.abs(pe).mean():.1f} deg (signed {pe.mean():+.1f}, 90th pct "
                  f"{np.percentile(np.abs(pe), 90):.1f})")
            print(f"  reps with estimate >= {args.threshold:g} deg held {args.min_frames} "
                  "frames, by true size: " + ", ".join(
                      f"{size:g}: {found[size][0]}/{found[size][1]}" for size in sorted(found)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
