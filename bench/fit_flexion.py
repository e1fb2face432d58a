"""Fit and score the rounded back's flexion estimate (degrees) on rendered truth.

The estimate is linear in the back outline's rise over the lifter's own straightest
bent-over frames (``features``/``faults``: bulge in % of the shoulder-hip chord, its 10th
percentile over the judged frames as the lifter's neutral): a rep's peak flexion
``= k * rise + c`` (deg), one ``(k, c)`` per view (side, 45 deg), fitted by least squares on
the reps of some bodies and scored on the body left out (leave one body out), so no clip is
scored by a fit made on its own body. Prints, per view and held-out body, the error of each
rep's peak estimate and how many reps reach a degrees threshold, by true size.

    nice python bench/render_flexion.py --out /work/cache/back-flex --exercise deadlift \
        --exercise row
    python bench/fit_flexion.py /work/cache/back-flex [--threshold 15]
    python bench/fit_flexion.py /work/cache/back-flex /work/cache/s4-back-flex45 --head-drop \
        --set rounded_back.max_outline_roughness_pct=3
    python bench/fit_flexion.py /work/cache/back-flex /work/cache/s4-back-flex45 --landmarks

``--head-drop`` adds, for the 45 deg view, the held peak of the ear-shoulder-hip angle's
closing below the lifter's own (``faults.own_head_drop``) as a second feature, as the rule
reads 45 deg.

``--clothing PX`` re-reads every outline pushed out by PX pixels along its normal, with
folds (a loose shirt), ``--clothing -1`` as a shirt draped over the back (spanning its
hollows), to show how the estimate moves.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis.faults import own_head_drop
from formcheck.analysis.features import compute_signals
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_clips import bent_half_sagittas, bow_stats, trunk_shortening  # noqa: E402

VIEWS = {90.0: "side", 45.0: "45"}
REPO = Path(__file__).resolve().parents[1]


def loosen(seq: PoseSequence, px: float, seed: int = 0) -> PoseSequence:
    """The outline a loose shirt would give: every back point pushed ``px`` pixels away from
    the body along the outline's own normal, plus folds: a fixed smooth ripple along the
    back (``px / 2`` standard deviation) and a part that drifts over about a second
    (``px / 4``), as cloth shifts while the lifter moves."""
    import dataclasses

    if seq.back_xy is None or px == 0:
        return seq
    back = np.asarray(seq.back_xy, dtype=np.float64).copy()
    tangent = np.gradient(back, axis=1)
    norm = np.linalg.norm(tangent, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.stack([-tangent[..., 1], tangent[..., 0]], -1) / norm
    # Outward: away from the middle of the shoulders and hips (inside the body).
    mid = (seq.image_xy[:, 11] + seq.image_xy[:, 12] + seq.image_xy[:, 23]
           + seq.image_xy[:, 24])[:, None, :] / 4.0
    away = np.sign(np.sum((back - mid) * normal, axis=-1, keepdims=True))
    rng = np.random.default_rng(seed)
    n, k = back.shape[:2]

    def folds(shape: tuple[int, ...], sd: float) -> np.ndarray:
        r = np.cumsum(rng.normal(0.0, 1.0, shape), axis=-1)  # smooth along the back
        r -= r.mean(axis=-1, keepdims=True)
        return r * sd / max(float(r.std()), 1e-9)

    fixed = folds((1, k), px / 2.0)
    drift = folds((n, k), px / 4.0)
    width = max(int(round(seq.fps)), 1)
    kernel = np.ones(width) / width  # about a second
    drift = np.apply_along_axis(lambda col: np.convolve(col, kernel, mode="same"), 0, drift)
    drift *= (px / 4.0) / max(float(drift.std()), 1e-9)
    back += normal * away * (px + fixed + drift)[..., None]
    return dataclasses.replace(seq, back_xy=back.astype(np.float32))


def drape(seq: PoseSequence) -> PoseSequence:
    """The outline a loose shirt draped over the back would give: it spans hollows (the
    lower back's curve between shoulder blades and buttocks) and follows bulges, i.e. the
    outer envelope (convex hull, outward side) of the outline points, per frame."""
    import dataclasses

    if seq.back_xy is None:
        return seq
    back = np.asarray(seq.back_xy, dtype=np.float64).copy()
    sh = (seq.image_xy[:, 11] + seq.image_xy[:, 12]) / 2.0
    hp = (seq.image_xy[:, 23] + seq.image_xy[:, 24]) / 2.0
    for i in range(len(back)):
        chord = hp[i] - sh[i]
        length = float(np.hypot(*chord))
        pts = back[i]
        ok = np.isfinite(pts).all(axis=1)
        if length <= 0 or ok.sum() < 3:
            continue
        u = chord / length
        nrm = np.array([-u[1], u[0]])
        x = (pts[ok] - sh[i]) @ u
        y = (pts[ok] - sh[i]) @ nrm
        side = np.sign(np.sum(np.sign(y))) or 1.0
        y = y * side  # outward positive
        order = np.argsort(x)
        xs, ys = x[order], y[order]
        hull: list[int] = []  # upper hull (monotone chain)
        for j in range(len(xs)):
            while len(hull) >= 2:
                a, b = hull[-2], hull[-1]
                cross = (xs[b] - xs[a]) * (ys[j] - ys[a]) - (ys[b] - ys[a]) * (xs[j] - xs[a])
                if cross >= 0:  # b lies on or under the line a -> j: the shirt spans it
                    hull.pop()
                else:
                    break
            hull.append(j)
        env = np.interp(x, xs[hull], ys[hull])
        back[i, ok] = sh[i] + np.outer(x, u) + np.outer(env * side, nrm)
    return dataclasses.replace(seq, back_xy=back.astype(np.float32))


def clip_rows(seq: PoseSequence, truth: dict, exercise: str,
              overrides: tuple[str, ...] = ()) -> dict:
    cfg = load_config(None, list(overrides))
    sig = compute_signals(seq, cfg, roughness=True)
    th = cfg.faults_for(exercise).rounded_back
    pf = truth["per_frame"]
    n = min(len(seq), len(pf["t_s"]))
    judged = sig.trunk_visible & np.isfinite(sig.bulge) & (sig.lean_deg >= th.judge_min_trunk_deg)
    with np.errstate(invalid="ignore"):
        judged &= ~(sig.elbow_behind_back > th.max_elbow_behind_back_frac)
        # The rule's outline check: a kinked outline (arm, dumbbell) is not judged.
        judged &= ~(100.0 * sig.back_roughness > th.max_outline_roughness_pct)
    drop = own_head_drop(sig, judged, th)
    flex = np.asarray(pf["flexion_deg"], dtype=np.float64)[:n]
    reps = []
    for r in truth["reps"]:
        m = (sig.t_s[:n] >= r["start_s"]) & (sig.t_s[:n] <= r["end_s"])
        reps.append((m, float(np.nanmax(flex[m])) if m.any() else float("nan")))
    lean_ok = sig.trunk_visible & (sig.lean_deg >= th.judge_min_trunk_deg)
    return {"trunk_short": trunk_shortening(seq, judged)[:n],
            "rough": 100.0 * np.where(lean_ok, sig.back_roughness, np.nan)[:n],
            "bulge": 100.0 * sig.bulge[:n], "hip": sig.hip_height_ratio[:n],
            "head_drop": np.where(judged, drop, np.nan)[:n],
            "judged": judged[:n] & np.isfinite(sig.hip_height_ratio[:n]), "flex": flex,
            "lean": sig.lean_deg[:n],
            "t": sig.t_s[:n], "reps": reps}


def landmark_cues(clips: list[dict], min_frames: int) -> None:
    """Per view and true flexion size: the range (and median) over reps of the held peak of
    two landmark-only cues, the ear-shoulder-hip angle's closing below the lifter's own
    (deg) and the 3D trunk's shortening (%): whether they separate a rounding from a
    neutral back at all."""
    print("landmark cues, held peak per rep (min..max, median), by view and true size:")
    for view in ("side", "45"):
        for size in sorted({c["size"] for c in clips if c["view"] == view}):
            cs = [c for c in clips if c["view"] == view and c["size"] == size]
            out = []
            for key, unit in (("head_drop", "deg"), ("trunk_short", "%")):
                v = np.array([p for c in cs for _, p in rep_peaks(c, c[key], min_frames)])
                v = v[np.isfinite(v)]
                out.append(f"{key} {v.min():5.1f}..{v.max():5.1f} (median {np.median(v):5.1f})"
                           f" {unit}" if v.size else f"{key} -")
            print(f"  {view:4s} {size:4g} deg: {len(cs):2d} clips  " + "  ".join(out))


def outline_table(clips: list[dict], overrides: tuple[str, ...]) -> None:
    """Per clothing, view and true size: ranges over clips of ``eval_clips.bow_stats`` (the
    same figures ``eval_clips.py --outline`` prints for the real side-view clips)."""

    cfg = load_config(None, list(overrides))
    print("back outline bow (% of chord): own straightest p10, median, rise over p10 "
          "(min..max, median over clips), by clothing, view, true size")
    groups: dict[tuple, list] = defaultdict(list)
    for c in clips:
        st = bow_stats(c["seq"], cfg, c["exercise"])
        if st is not None:
            groups[(c["clothing"], c["view"], c["size"])].append(st)
    for key in sorted(groups):
        a = np.array(groups[key])

        def rng(col: int, a=a) -> str:
            return f"{a[:, col].min():5.1f}..{a[:, col].max():5.1f} ({np.median(a[:, col]):5.1f})"

        print(f"  {key[0]:6s} {key[1]:4s} {key[2]:4g} deg {len(a):2d} clips: p10 {rng(0)}  "
              f"median {rng(1)}  rise {rng(2)}")


def load_set(folder: Path, clothing_px: float, poses: Path | None = None,
             overrides: tuple[str, ...] = ()) -> list[dict]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for e in data["clips"]:
        pose = (poses or folder / "poses") / f"{e['name']}.npz"
        if not pose.is_file():
            continue
        truth = json.loads((folder / e["truth"]).read_text(encoding="utf-8"))
        seq = PoseSequence.load(pose)
        seq = drape(seq) if clothing_px < 0 else loosen(seq, clothing_px)
        rows = clip_rows(seq, truth, e["exercise"], overrides)
        hinge = f" hinge{e['hinge_deg']:g}" if e.get("hinge_deg") else ""
        rows.update(set=f"{folder.name}: {e['exercise']}{hinge} {e.get('clothing', 'none')}",
                    name=e["name"], body=e["body"], view=VIEWS.get(e["azimuth_deg"], "other"),
                    exercise=e["exercise"], clothing=e.get("clothing", "none"), seq=seq,
                    size=max([f["magnitude_deg"] for f in e["faults"]
                              if f["kind"] == "flexion"] or [0.0]))
        out.append(rows)
    return out


def own_rise(c: dict, percentile: float = 10.0) -> np.ndarray:
    """Per frame: the bow over the clip's own straightest judged frames (% of chord)."""
    v = c["bulge"][c["judged"] & np.isfinite(c["bulge"])]
    own = float(np.percentile(v, percentile)) if v.size >= 9 else float("nan")
    return np.where(c["judged"], c["bulge"] - own, np.nan)


def held_peak(e: np.ndarray, min_frames: int) -> tuple[int, float] | None:
    """The window of ``min_frames`` frames of ``e`` whose lowest value is highest (the first
    such): its start and that value, the peak held ``min_frames`` frames; None when fewer than
    ``min_frames`` frames are finite."""
    if np.isfinite(e).sum() < min_frames:
        return None
    lows = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(e, nan=-1e9),
                                                    min_frames).min(axis=1)
    i = int(np.argmax(lows))
    return i, float(lows[i])


def rep_peaks(c: dict, x: np.ndarray, min_frames: int) -> list[tuple[float, float]]:
    """(true peak flexion, peak of ``x`` held ``min_frames`` frames) per rep: the lowest
    value of the best window (``held_peak``), NaN when the rep has too few judged frames."""
    out = []
    for m, true_peak in c["reps"]:
        held = held_peak(x[m], min_frames)
        out.append((true_peak, float("nan") if held is None else held[1]))
    return out


def rep_features(c: dict, min_frames: int, head: bool) -> list[tuple[float, ...]]:
    """Per rep: (true peak flexion, held peak of the rise[, held peak of the head drop])."""
    rise = rep_peaks(c, own_rise(c), min_frames)
    if not head:
        return rise
    drop = rep_peaks(c, c["head_drop"], min_frames)
    return [(t, r, d) for (t, r), (_, d) in zip(rise, drop, strict=True)]


def fit(clips: list[dict], min_frames: int, head: bool = False) -> np.ndarray:
    """Weights ``(k, [h,] c)``: a rep's peak flexion ~ ``k * rise [+ h * drop] + c`` (deg),
    least squares over the reps of ``clips`` (``rise``: the held peak of the bow over the
    clip's own straightest frames, % of chord; ``drop``: the held peak of the ear-shoulder-hip
    angle's closing below the lifter's own, deg)."""
    rows = np.array([p for cl in clips for p in rep_features(cl, min_frames, head)])
    rows = rows[np.isfinite(rows).all(axis=1)]
    x = np.column_stack([rows[:, 1:], np.ones(len(rows))])
    return np.linalg.lstsq(x, rows[:, 0], rcond=None)[0]


def estimate(w: np.ndarray, feats: tuple[float, ...]) -> float:
    return float(np.dot(w[:-1], feats) + w[-1])


def _line(w: np.ndarray) -> str:
    head = f" + {w[1]:.2f} deg per deg of head drop" if len(w) == 3 else ""
    return f"{w[0]:.2f} deg per % of chord x rise{head} {w[-1]:+.1f} deg"


def rep_lean(c: dict, min_frames: int) -> list[float]:
    """Per rep: the trunk's forward lean (deg) at the rise's held peak (its median over the
    window ``rep_peaks`` picks, ``held_peak``), NaN when the rep has too few judged
    frames."""
    x = own_rise(c)
    out = []
    for m, _ in c["reps"]:
        held = held_peak(x[m], min_frames)
        out.append(float("nan") if held is None
                   else float(np.nanmedian(c["lean"][m][held[0]:held[0] + min_frames])))
    return out


#: Candidate calibrations (side view) for ``--across-sets``: name -> (design columns from a
#: rep's (rise %, lean deg, exercise), per-exercise fit?). Each is least squares on the
#: peaks of the reps of the bodies in the fit.
CANDIDATES = {
    "one line: k*rise + c": lambda r, lean: [r, 1.0],
    "line + lean: k*rise + d*lean + c": lambda r, lean: [r, lean, 1.0],
    "slope by lean: (k + m*lean)*rise + c": lambda r, lean: [r, r * lean, 1.0],
}


def _rows(clips: list[dict], min_frames: int) -> list[tuple]:
    """(set, exercise, body, true peak, rise, lean) per rep with a finite rise."""
    out = []
    for c in clips:
        for (tp, r), lean in zip(rep_peaks(c, own_rise(c), min_frames),
                                 rep_lean(c, min_frames), strict=True):
            if np.isfinite(r) and np.isfinite(tp):
                out.append((c["set"], c["exercise"], c["body"], tp, r, lean))
    return out


def _err_table(title: str, rows: list[tuple], est: np.ndarray) -> float:
    """Print MAE and bias of ``est`` minus the true peaks per set and overall."""
    err = est - np.array([r[3] for r in rows])
    names = sorted({r[0] for r in rows})
    per_set = [float(np.abs(err[np.array([r[0] == n for r in rows])]).mean()) for n in names]
    print(f"  {title}: all {len(err)} reps MAE {np.abs(err).mean():4.1f} deg "
          f"(bias {err.mean():+5.1f}, 90th pct {np.percentile(np.abs(err), 90):4.1f}; "
          f"mean of the sets' MAE {np.mean(per_set):4.1f}, worst {max(per_set):4.1f})")
    groups = [(f"{ex}s", lambda r, ex=ex: r[1] == ex) for ex in sorted({r[1] for r in rows})]
    groups.append(("clothed (tee, hoodie)", lambda r: not r[0].endswith(" none")))
    print("    " + "; ".join(
        f"{g} {np.abs(err[m]).mean():4.1f} (bias {err[m].mean():+5.1f}, {m.sum()} reps)"
        for g, m in ((g, np.array([sel(r) for r in rows])) for g, sel in groups)))
    for name in names:
        m = np.array([r[0] == name for r in rows])
        print(f"    {name:42s} {m.sum():3d} reps  MAE {np.abs(err[m]).mean():5.1f}  "
              f"bias {err[m].mean():+6.1f}")
    return float(np.abs(err).mean())


def across_sets(clips: list[dict], min_frames: int, overrides: tuple[str, ...]) -> None:
    """Side view: the shipped line's error per set (exercise x set-up x clothing), then each
    candidate calibration fitted on every set with one body left out at a time (the body is
    out of every set in the fit) and scored on it, per set."""
    th = load_config(None, list(overrides)).faults_for("deadlift").rounded_back
    side = [c for c in clips if c["view"] == "side"]
    rows = _rows(side, min_frames)
    rise = np.array([r[4] for r in rows])
    print(f"\nacross sets, side view: {len(side)} clips, {len(rows)} reps")
    _err_table(f"shipped line ({th.flexion_deg_per_pct:g} deg per % {th.flexion_offset_deg:+g}, "
               "no fit)", rows, th.flexion_deg_per_pct * rise + th.flexion_offset_deg)
    bodies = sorted({r[2] for r in rows})
    y_all = np.array([r[3] for r in rows])
    x_all = np.column_stack([rise, np.ones(len(rows))])
    n_set = {n: sum(r[0] == n for r in rows) for n in {r[0] for r in rows}}
    # The shipped line's recipe (round 9: one line on the shallow-set-up deadlifts, bare
    # and clothed), refitted with the scored body left out so no set is scored in-sample;
    # and one line on every set with each set weighted alike (1 / its reps).
    for label, use, weight in (
            ("round 9 recipe (deadlifts of back-flex, s6-back-cloth), body left out",
             lambda r: r[1] == "deadlift" and r[0].split(":")[0] in ("back-flex",
                                                                    "s6-back-cloth"),
             lambda r: 1.0),
            ("one line, sets weighted alike, body left out", lambda r: True,
             lambda r: 1.0 / n_set[r[0]])):
        est = np.full(len(rows), np.nan)
        for held in bodies:
            f = np.array([r[2] != held and use(r) for r in rows])
            sw = np.sqrt([weight(r) for r in rows])[f]
            w = np.linalg.lstsq(x_all[f] * sw[:, None], y_all[f] * sw, rcond=None)[0]
            t = np.array([r[2] == held for r in rows])
            est[t] = x_all[t] @ w
        f = np.array([use(r) for r in rows])
        sw = np.sqrt([weight(r) for r in rows])[f]
        w = np.linalg.lstsq(x_all[f] * sw[:, None], y_all[f] * sw, rcond=None)[0]
        _err_table(f"{label} [all bodies: {np.array2string(w, precision=3)}]", rows, est)
    for per_ex in (False, True):
        for name, design in CANDIDATES.items():
            est = np.full(len(rows), np.nan)
            for held in bodies:
                for ex in sorted({r[1] for r in rows}) if per_ex else [None]:
                    fit_i = [i for i, r in enumerate(rows) if r[2] != held
                             and (ex is None or r[1] == ex)]
                    test = [i for i, r in enumerate(rows) if r[2] == held
                            and (ex is None or r[1] == ex)]
                    x = np.array([design(rows[i][4], rows[i][5]) for i in fit_i])
                    y = np.array([rows[i][3] for i in fit_i])
                    w = np.linalg.lstsq(x, y, rcond=None)[0]
                    for i in test:
                        est[i] = float(np.dot(w, design(rows[i][4], rows[i][5])))
            w_all = {}  # fitted on every body: what a config would ship
            for ex in sorted({r[1] for r in rows}) if per_ex else [None]:
                sel = [r for r in rows if ex is None or r[1] == ex]
                x = np.array([design(r[4], r[5]) for r in sel])
                w_all[ex or "all"] = np.linalg.lstsq(x, np.array([r[3] for r in sel]),
                                                     rcond=None)[0]
            label = f"{name}{' per exercise' if per_ex else ''}"
            fits = "; ".join(f"{ex} {np.array2string(w, precision=3)}"
                             for ex, w in w_all.items())
            _err_table(f"{label}, body left out [all bodies: {fits}]", rows, est)


def main() -> int:
    ap = argparse.ArgumentParser(description="Leave-one-body-out fit of the flexion estimate.")
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--threshold", type=float, default=15.0, help="deg, to count detections")
    ap.add_argument("--min-frames", type=int, default=5, help="frames held (0.15 s at 30 fps)")
    ap.add_argument("--clothing", type=float, default=0.0,
                    help="outline pushed out this many px with folds; -1: a shirt draped "
                         "over the back (the outline's outer envelope)")
    ap.add_argument("--exercise", action="append", default=[],
                    help="only clips of this exercise (repeat)")
    ap.add_argument("--fit-exercise", default=None,
                    help="also fit on this exercise only and score the others")
    ap.add_argument("--fit-clothing", default=None,
                    help="also fit on the clips wearing this (none, tee, hoodie) and score the "
                         "others, leaving the scored body out of the fit too")
    ap.add_argument("--samples", type=Path, default=None,
                    help="also the committed samples, posed into this folder (<name>.npz)")
    ap.add_argument("--head-drop", action="store_true",
                    help="45 deg view: fit the ear-shoulder-hip angle's drop as a second "
                         "feature (what the rule uses there)")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="config override SECTION.FIELD=VALUE for the signals and the judged "
                         "frames, e.g. rounded_back.max_outline_roughness_pct=3")
    ap.add_argument("--lumbar", action="store_true",
                    help="print each clip's outline halves while bent over (eval_clips)")
    ap.add_argument("--roughness", action="store_true",
                    help="print each clip's back-outline roughness percentiles")
    ap.add_argument("--landmarks", action="store_true",
                    help="print landmark-only cues (head drop, 3D trunk shortening) by view "
                         "and true size")
    ap.add_argument("--across-sets", action="store_true",
                    help="side view: the shipped line's error per set, and candidate "
                         "calibrations fitted across all sets (body left out)")
    ap.add_argument("--outline", action="store_true",
                    help="print the outline's bow (own straightest, median, rise; "
                         "eval_clips.bow_stats) by clothing, view and true size")
    args = ap.parse_args()
    ov = tuple(args.overrides)
    clips = list({c["name"]: c for f in reversed(args.folders)  # a name once: first folder's
                  for c in load_set(f, 0.0, overrides=ov)}.values())
    if args.samples:
        clips += load_set(REPO / "samples", 0.0, args.samples, ov)
    if args.exercise:
        clips = [c for c in clips if c["exercise"] in args.exercise
                 or c["exercise"] == args.fit_exercise]
    if not clips:
        print("no posed clips found; render them with bench/render_flexion.py", file=sys.stderr)
        return 2
    print(f"clips: {len(clips)}  clothing: {args.clothing:g} px")
    if args.lumbar:

        print("back outline halves while bent over (medians, % of chord): shoulder half, "
              "hip half, frames")
        for f in args.folders:
            for e in json.loads((f / "manifest.json").read_text(encoding="utf-8"))["clips"]:
                pose = f / "poses" / f"{e['name']}.npz"
                if pose.is_file():
                    h = bent_half_sagittas(PoseSequence.load(pose), load_config(None, list(ov)))
                    if h is not None:
                        print(f"  {h[0]:5.1f} {h[1]:5.1f} {h[2]:4d}  {e['name']}")
    if args.roughness:
        print("back outline roughness (% of chord, judged-lean frames): p50 / p90 / p99")
        for c in sorted(clips, key=lambda c: (c["view"], c["name"])):
            r = c["rough"][np.isfinite(c["rough"])]
            if r.size >= 3:
                q = np.percentile(r, [50, 90, 99])
                print(f"  {c['view']:4s} {q[0]:5.2f} {q[1]:5.2f} {q[2]:5.2f}  {c['name']}")
    if args.landmarks:
        landmark_cues(clips, args.min_frames)
    if args.outline:
        outline_table(clips, ov)
    if args.across_sets:
        across_sets(clips, args.min_frames, ov)
        return 0
    for view in ("side", "45"):
        vc = [c for c in clips if c["view"] == view]
        head = args.head_drop and view == "45"
        bodies = sorted({c["body"] for c in vc})
        if len(bodies) < 2:
            print(f"\n{view}: needs clips of two bodies or more (has {bodies})")
            continue
        w_all = fit(vc, args.min_frames, head)
        print(f"\n{view}: {len(vc)} clips, fitted on all {len(bodies)} bodies: peak flexion = "
              + _line(w_all))
        errs: list[float] = []
        found: dict[float, list[int]] = defaultdict(lambda: [0, 0])
        for held in bodies:
            w = fit([c for c in vc if c["body"] != held], args.min_frames, head)
            pe = score_reps(w, [c for c in vc if c["body"] == held], args, head, found)
            print(f"  held out {held:8s} {_line(w)}  rep peaks {len(pe):3d} "
                  f"MAE {np.abs(pe).mean():5.1f} deg (mean signed {np.mean(pe):+5.1f})")
            errs.extend(pe)
        pe = np.asarray(errs)
        print(f"  pooled held-out rep-peak error: MAE {np.abs(pe).mean():.1f} deg (signed "
              f"{pe.mean():+.1f}, 90th percentile {np.percentile(np.abs(pe), 90):.1f})")
        print(f"  reps with estimate >= {args.threshold:g} deg held {args.min_frames} frames, "
              "by true size: " + ", ".join(f"{size:g}: {found[size][0]}/{found[size][1]}"
                                          for size in sorted(found)))
        if args.clothing:
            clothing_shift(args, vc, w_all, head)
        if args.fit_exercise:
            other_exercise(args, vc, head)
        if args.fit_clothing:
            other_clothing(args, vc, head)
    return 0


def score_reps(w, clips: list[dict], args: argparse.Namespace, head: bool,
               found: dict[float, list[int]]) -> list[float]:
    """Each rep's estimate with the fit ``w`` minus its true peak (finite estimates only);
    counts into ``found[size]`` [reps estimated at or above ``--threshold``, reps]."""
    errs = []
    for c in clips:
        for tp, *feats in rep_features(c, args.min_frames, head):
            est = estimate(w, tuple(feats))
            found[c["size"]][1] += 1
            found[c["size"]][0] += int(np.isfinite(est) and est >= args.threshold)
            if np.isfinite(est):
                errs.append(est - tp)
    return errs


def other_exercise(args: argparse.Namespace, vc: list[dict], head: bool) -> None:
    """Fit on ``--fit-exercise`` clips only, score the other exercises' reps."""
    train = [c for c in vc if c["exercise"] == args.fit_exercise]
    test = [c for c in vc if c["exercise"] != args.fit_exercise]
    if not train or not test:
        return
    w = fit(train, args.min_frames, head)
    found: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    errs = score_reps(w, test, args, head, found)
    e = np.asarray(errs)
    print(f"  fitted on {args.fit_exercise} only ({_line(w)}), scored on "
          f"{len(test)} clips of other exercises: rep-peak MAE {np.abs(e).mean():.1f} deg "
          f"(signed {e.mean():+.1f}); reps >= {args.threshold:g} deg by true size: "
          + ", ".join(f"{size:g}: {found[size][0]}/{found[size][1]}" for size in sorted(found)))


def other_clothing(args: argparse.Namespace, vc: list[dict], head: bool) -> None:
    """Fit on the clips wearing ``--fit-clothing`` only and score each other clothing's reps,
    the scored body left out of the fit (how far a calibration made on one kind of clothing
    is off on another); then each clothing's own leave-one-body-out fit."""
    kinds = sorted({c["clothing"] for c in vc})
    for kind in kinds:
        if kind == args.fit_clothing:
            continue
        errs: list[float] = []
        found: dict[float, list[int]] = defaultdict(lambda: [0, 0])
        for held in sorted({c["body"] for c in vc if c["clothing"] == kind}):
            train = [c for c in vc if c["clothing"] == args.fit_clothing and c["body"] != held]
            test = [c for c in vc if c["clothing"] == kind and c["body"] == held]
            if train and test:
                errs += score_reps(fit(train, args.min_frames, head), test, args, head, found)
        if errs:
            e = np.asarray(errs)
            print(f"  fitted on {args.fit_clothing}, scored on {kind} (body left out): rep-peak "
                  f"MAE {np.abs(e).mean():.1f} deg (signed {e.mean():+.1f}); reps >= "
                  f"{args.threshold:g} deg by true size: "
                  + ", ".join(f"{size:g}: {found[size][0]}/{found[size][1]}"
                              for size in sorted(found)))
    for kind in kinds:  # the fit on every clothing (body left out), scored per clothing
        errs = []
        found = defaultdict(lambda: [0, 0])
        for held in sorted({c["body"] for c in vc}):
            w = fit([c for c in vc if c["body"] != held], args.min_frames, head)
            errs += score_reps(w, [c for c in vc if c["body"] == held
                                   and c["clothing"] == kind], args, head, found)
        if errs:
            e = np.asarray(errs)
            print(f"  fitted on all clothing, scored on {kind} (body left out): MAE "
                  f"{np.abs(e).mean():.1f} deg (signed {e.mean():+.1f}); reps >= "
                  f"{args.threshold:g} deg: " + ", ".join(
                      f"{size:g}: {found[size][0]}/{found[size][1]}" for size in sorted(found)))
    for kind in kinds:
        kc = [c for c in vc if c["clothing"] == kind]
        if len({c["body"] for c in kc}) < 2:
            continue
        errs = []
        found = defaultdict(lambda: [0, 0])
        for held in sorted({c["body"] for c in kc}):
            w = fit([c for c in kc if c["body"] != held], args.min_frames, head)
            errs += score_reps(w, [c for c in kc if c["body"] == held], args, head, found)
        e = np.asarray(errs)
        print(f"  {kind} only, fit {_line(fit(kc, args.min_frames, head))}, body left out: "
              f"MAE {np.abs(e).mean():.1f} deg (signed {e.mean():+.1f}); reps >= "
              f"{args.threshold:g} deg: " + ", ".join(f"{size:g}: {found[size][0]}/"
                                                     f"{found[size][1]}"
                                                     for size in sorted(found)))


def clothing_shift(args: argparse.Namespace, bare: list[dict], w: np.ndarray,
                   head: bool) -> None:
    """How far a loose-shirt outline moves each rep's estimate (the bare bodies' fit)."""
    names = {c["name"] for c in bare}
    ov = tuple(args.overrides)
    loose = {c["name"]: c for f in args.folders for c in load_set(f, args.clothing,
                                                                  overrides=ov)
             if c["name"] in names}
    if args.samples:
        loose.update({c["name"]: c for c in load_set(REPO / "samples", args.clothing,
                                                       args.samples, ov) if c["name"] in names})
    shift = []
    for c in bare:
        for (_, *a), (_, *b) in zip(rep_features(c, args.min_frames, head),
                                    rep_features(loose[c["name"]], args.min_frames, head),
                                    strict=True):
            ea, eb = estimate(w, tuple(a)), estimate(w, tuple(b))
            if np.isfinite(ea) and np.isfinite(eb):
                shift.append(eb - ea)
    d = np.asarray(shift)
    what = "draped (outer envelope)" if args.clothing < 0 else \
        f"loosened {args.clothing:g} px with folds"
    print(f"  outline {what}: rep-peak estimate moves "
          f"{np.abs(d).mean():.1f} deg on average (mean {d.mean():+.1f}, max "
          f"{np.abs(d).max():.1f}; n={d.size})")


if __name__ == "__main__":
    sys.exit(main())
