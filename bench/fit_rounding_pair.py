"""Held-out fits of a rounded-back decision that reads both the back outline's bow (the
shipped rule's level and rise) and the outline's end angle, against the shipped rule.

Per frame, over the frames the shipped rule judges (``faults.rounded_back``'s ``judged``), it
reads: the shipped level (calibrated flexion past the fixed bent-over neutral) and rise (past
the lifter's own straightest frames), both in degrees as the rule reads them; the end angle
(the angle between straight lines fitted to the outline's shoulder end, points 1-5, and hip
end, points 11-15, against the shoulder-hip chord; + convex) as a level and as a rise over its
own 10th percentile of the judged frames. A candidate decision is a per-frame score whose
episodes the shipped ``faults.decide`` finds (hysteresis at 0.7, held 0.15 s and 3 frames):

    shipped   max(level / Lh, rise / Lr)
    or_end    max(level / Lh, rise / Lr, end rise / Le)
    and_end   max(level / Lh, rise / Lr, min(end rise / Le, rise / Lr2))
    sum       max(level / Lh, rise / Lr, (rise + end rise) / Ls)
    or_end_level  max(level / Lh, rise / Lr, end rise / Le, end level / Lel)
    shipped_or_end        the shipped Lh, Lr with max(..., end rise / Le): Le alone fitted
    shipped_or_end_upper  the same, the end rise read only on frames whose bow lies on the
                          shoulder side (its furthest point at most P of the way to the hips)

A rendered rep is found when an episode peaks inside it (0.3 s slack, as the s19 sweeps); a
rep without a rendered rounding (0 or 5 deg) false-alarms when an episode peaks inside it. A
real clip (judged by the shipped rule, labelled) is flagged on any episode.

Two held-out protocols, every limit chosen on a grid per fold from the training side only:
renders are scored with each body held out (the fit sees the other bodies' renders and every
real clip), real clips with each source held out, as ``eval_clips.py --cv`` groups them (the
fit sees the other sources and every render). What a fold maximises (``--objective``):
constrained (default): within the issue's false-alarm limits on the training side (renders
0-5 deg <= 2%, real <= 10%), real recall, then render recall (>= 20 deg) minus false alarms;
strict: the same, but no more real false alarms than the shipped limits make on the same
training clips; joint / renders / real: recall minus false-alarm rate (summed, or one side).
Ties go to the limits nearest the shipped ones, then to the highest added limits. The shipped
rule is also scored at its configured limits, unfitted, on the same reps and clips.

Prints: per-rep held peaks (5 frames) of the four readings per rendered size and exercise,
and per judged real clip; per decision family the held-out render table (reps found / reps,
by rendered size and exercise; false alarms on 0-5 deg reps and on the over-extension and
arch reps), the held-out real-clip counts (found / labelled roundings judged, false alarms /
clean judged, clips judged) and the limits the folds chose (how many folds chose each); for
the two ``shipped_or_end`` families also every limit scored in-sample. ``-v`` lists every
held-out miss and false alarm.

    python bench/fit_rounding_pair.py --poses /work/cache/s16/full3 \
        [--renders DIR ...] [--features /tmp/feat.pkl] \
        [--objective constrained|strict|joint|renders|real] [--family NAME ...] [-v]

Render folders (``NAME.json`` truth beside poses in ``poses/video-full`` or ``poses``) and
real poses stay outside the repository; ``--features`` caches what is read from them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis import geometry as geo
from formcheck.analysis.faults import RULES, FaultContext, decide
from formcheck.analysis.features import CHORD_LANDMARKS
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_clips import DEFAULT_CLIPS, _Prepared, source_of  # noqa: E402  (bench/ siblings)

#: Side-view render folders with rounding truth (0, 5, 25, 35, 50 deg) read by default.
DEFAULT_RENDERS = tuple(f"/work/cache/{d}" for d in (
    "s13-backs", "s15-cloth", "s15-pfa", "s15-pfb", "s15-place90", "s15-place90b",
    "s19-flex50a", "s19-flex50b"))
SLACK_S = 0.3
SIZES = (20.0, 25.0, 35.0, 45.0, 50.0)
EXERCISES = ("deadlift", "row", "squat")


# ---------------------------------------------------------------------------- features

def end_angle(seq: PoseSequence, first: int, last: int) -> np.ndarray:
    """``(T,)`` deg: the angle between straight lines fitted (least squares against the
    position along the chord) to the outline's points 1..5 and 11..15, + convex (rounded)."""
    im = geo.Joints.gather(seq.image_xy, CHORD_LANDMARKS)
    out = geo.Outline.of(im, seq.back_xy)
    k = out.off.shape[0]
    off = out.off * out.side(first, last)[None, :]
    s = np.arange(k)[:, None] / (k - 1) * out.length[None, :]

    def slope(a: int, b: int) -> np.ndarray:
        x, y = s[a:b + 1], off[a:b + 1]
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # frames without the points
            xm, ym = np.nanmean(x, 0), np.nanmean(y, 0)
            return np.nansum((x - xm) * (y - ym), 0) / np.nansum((x - xm) ** 2, 0)

    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan(slope(1, 5))) - np.degrees(np.arctan(slope(11, 15)))


def bow_position(seq: PoseSequence, first: int, last: int) -> np.ndarray:
    """``(T,)`` where the outline lies furthest off the line through its points ``first`` and
    ``last`` (0 at the shoulder end, 1 at the hip end)."""
    im = geo.Joints.gather(seq.image_xy, CHORD_LANDMARKS)
    out = geo.Outline.of(im, seq.back_xy)
    off = out.off[first:last + 1] * out.side(first, last)[None, :]
    n = off.shape[0]
    line = off[0] + (off[-1] - off[0]) * (np.arange(n)[:, None] / (n - 1))
    dev = np.where(np.isfinite(off - line), off - line, -np.inf)
    pos = dev.argmax(axis=0) / (n - 1)
    back = np.asarray(seq.back_xy, dtype=np.float64)
    sh = np.asarray(seq.image_xy, dtype=np.float64)[:, 11:13].mean(axis=1)
    flip = (np.linalg.norm(back[:, 0] - sh, axis=1) > np.linalg.norm(back[:, -1] - sh, axis=1))
    return np.where(flip, 1.0 - pos, pos)


def clip_features(seq: PoseSequence, config) -> dict:
    """Per-frame readings of one clip under the shipped rule and limits."""
    prep = _Prepared(seq, config)
    sig = prep.sig
    ctx = FaultContext(sig=sig, exercise=prep.exercise.name, view=prep.view, reps=prep.reps,
                       rep_of_frame=prep.rep_of_frame,
                       thresholds=config.faults_for(prep.exercise.name), assess=config.assess,
                       view_cfg=config.view, clip_reason=prep.reason, pose_model=prep.model)
    out = RULES["rounded_back"](ctx)
    series = {s.name: s for s in out.series}
    held = series["back_flexion"]
    rise = series.get("back_flexion_rise")
    judged = (held.judged if held.judged is not None else np.isfinite(held.values)).copy()
    clip = next(a for a in out.assessments if a.rep is None)
    sc = config.signal
    if seq.back_xy is not None:
        ang = end_angle(seq, sc.back_profile_first_point, sc.back_profile_last_point)
        pos = bow_position(seq, sc.back_profile_first_point, sc.back_profile_last_point)
    else:
        ang = pos = np.full(len(seq), np.nan)
    ang = np.where(np.isfinite(sig.bulge), ang, np.nan)  # the frames whose bow is read
    return {
        "t": np.asarray(sig.t_s, dtype=np.float64), "judged": judged & ~np.isnan(ang),
        "level": np.asarray(held.values, dtype=np.float64),
        "rise": (np.asarray(rise.values, dtype=np.float64) if rise is not None
                 else np.full(len(seq), np.nan)),
        "end": ang, "pos": pos, "lean": np.asarray(sig.lean_deg, dtype=np.float64),
        "assessable": bool(clip.assessable), "exercise_found": prep.exercise.name,
        "view": prep.view.name, "shipped_peaks": [f.peak_s for f in out.findings],
    }


def render_clips(folders: list[Path], config) -> list[dict]:
    """Side-view rendered clips whose faults are back faults only (flexion, arch,
    extension): their features and per-rep truth."""
    clips = []
    for folder in folders:
        for sub in (folder / "poses" / "video-full", folder / "poses"):
            for p in sorted(sub.glob("*.npz")):
                j = folder / f"{p.stem}.json"
                if not j.is_file():
                    continue
                truth = json.loads(j.read_text(encoding="utf-8"))
                if truth["scenario"]["camera"]["azimuth_deg"] not in (90.0, 270.0):
                    continue
                if any(f["kind"] not in ("flexion", "arch", "extension")
                       for f in truth["faults"]):
                    continue
                reps = []
                for q in truth["reps"]:
                    here = [f for f in truth["faults"] if f.get("rep") in (None, q["rep"])]
                    flex = next((f["peak"] for f in here if f["kind"] == "flexion"), 0.0)
                    other = next((f["kind"] for f in here if f["kind"] != "flexion"), None)
                    reps.append((q["start_s"], q["end_s"], float(flex), other))
                feat = clip_features(PoseSequence.load(p), config)
                clips.append({**feat, "name": f"{folder.name}/{p.stem}",
                              "group": truth["body"]["name"],
                              "exercise": truth["scenario"]["exercise"], "reps": reps})
    return clips


def real_clips(poses: Path, clips_dir: Path, config) -> list[dict]:
    """Labelled real clips (rounded back true/false) with cached poses: features and label."""
    labels = json.loads((clips_dir / "labels.json").read_text(encoding="utf-8"))
    out = []
    for item in labels:
        lab = item["faults"]["rounded_back"]
        p = poses / (item["file"] + ".npz")
        if lab is None or not p.is_file():
            continue
        feat = clip_features(PoseSequence.load(p), config)
        out.append({**feat, "name": item["file"], "group": source_of(item["file"]),
                    "exercise": item["exercise"], "label": bool(lab)})
    return out


def add_own(clip: dict, percentile: float) -> None:
    """The end angle's rise over its own ``percentile`` of the judged frames."""
    e = clip["end"][clip["judged"]]
    own = float(np.percentile(e, percentile)) if e.size >= 5 else np.nan
    clip["end_rise"] = clip["end"] - own


def load_features(args, config) -> tuple[list[dict], list[dict]]:
    if args.features is not None and args.features.is_file():
        with args.features.open("rb") as fh:
            return pickle.load(fh)
    renders = render_clips([Path(d) for d in args.renders], config)
    real = real_clips(args.poses, args.clips, config)
    if args.features is not None:
        with args.features.open("wb") as fh:
            pickle.dump((renders, real), fh)
    return renders, real


# ---------------------------------------------------------------------------- decisions

INF = float("inf")
GRID_LEVEL = (17.4, 20.3, 23.2, 28.1)
GRID_RISE = (27.1, 32.9, 37.8, 41.7, 45.6, 49.4, 54.3)
GRID_END = (25.0, 28.0, 31.0, 34.0, 37.0, 40.0, 43.0, 46.0, 50.0, 55.0, INF)
GRID_AND_RISE = (10.0, 15.0, 20.0, 25.0, 30.0, 35.0)
GRID_SUM = tuple(float(v) for v in range(50, 115, 5))
GRID_UPPER = (0.42, 0.5, 0.58, 1.0)
GRID_END_LEVEL = (20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, INF)


def families(th) -> dict[str, tuple[tuple[str, ...], list[tuple[float, ...]]]]:
    """Decision family -> (limit names, grid of limit tuples)."""
    lh, lr = th.min_held_flexion_deg, th.min_flexion_deg
    levels, rises = sorted({*GRID_LEVEL, lh}), sorted({*GRID_RISE, lr})
    return {
        "shipped": (("Lh", "Lr"), list(itertools.product(levels, rises))),
        "or_end": (("Lh", "Lr", "Le"), list(itertools.product(levels, rises, GRID_END))),
        "shipped_or_end": (("Lh", "Lr", "Le"), [(lh, lr, le) for le in GRID_END]),
        "shipped_or_end_upper": (("Lh", "Lr", "Le", "P"), [(lh, lr, le, p) for le in GRID_END
                                                           for p in GRID_UPPER]),
        "and_end": (("Lh", "Lr", "Le", "Lr2"),
                    list(itertools.product(levels, rises, GRID_END[:-1], GRID_AND_RISE))),
        "sum": (("Lh", "Lr", "Ls"), list(itertools.product(levels, rises, GRID_SUM))),
        "or_end_level": (("Lh", "Lr", "Le", "Lel"),
                         list(itertools.product(levels, rises, GRID_END, GRID_END_LEVEL))),
    }


def score(family: str, c: dict, limits: tuple[float, ...]) -> np.ndarray:
    """The per-frame score (on at 1) of ``family`` with ``limits`` over ``c``'s judged frames."""
    with np.errstate(invalid="ignore"):
        x = np.fmax(c["level"] / limits[0], c["rise"] / limits[1])
        if family in ("or_end", "shipped_or_end"):
            x = np.fmax(x, c["end_rise"] / limits[2])
        elif family == "and_end":
            x = np.fmax(x, np.fmin(c["end_rise"] / limits[2], c["rise"] / limits[3]))
        elif family == "shipped_or_end_upper":
            x = np.fmax(x, np.where(c["pos"] <= limits[3], c["end_rise"] / limits[2], np.nan))
        elif family == "or_end_level":
            x = np.fmax(np.fmax(x, c["end_rise"] / limits[2]), c["end"] / limits[3])
        elif family == "sum":
            x = np.fmax(x, (np.fmax(c["rise"], 0.0) + c["end_rise"]) / limits[2])
    return np.where(c["judged"], x, np.nan)


def episode_peaks(c: dict, x: np.ndarray, th, assess) -> np.ndarray:
    eps = decide(c["t"], x, 1.0, th.release_frac, th.min_duration_s, assess.min_finding_frames)
    return c["t"][[e[2] for e in eps]] if eps else np.empty(0)


def rep_outcomes(c: dict, peaks: np.ndarray) -> list[bool]:
    """Per rendered rep: an episode peaks inside it (a rounding rep: with SLACK_S either side)."""
    out = []
    for a, b, size, _ in c["reps"]:
        lo, hi = (a - SLACK_S, b + SLACK_S) if size > 0 else (a, b)
        out.append(bool(((peaks >= lo) & (peaks < hi)).any()))
    return out


def outcomes(family: str, combos: list[tuple], renders: list[dict], real: list[dict],
             th, assess) -> tuple[np.ndarray, np.ndarray]:
    """``(combos, render reps)`` found and ``(combos, real clips)`` flagged."""
    ren = np.zeros((len(combos), sum(len(c["reps"]) for c in renders)), dtype=bool)
    rl = np.zeros((len(combos), len(real)), dtype=bool)
    for i, lim in enumerate(combos):
        row = []
        for c in renders:
            row.extend(rep_outcomes(c, episode_peaks(c, score(family, c, lim), th, assess)))
        ren[i] = row
        rl[i] = [episode_peaks(c, score(family, c, lim), th, assess).size > 0 for c in real]
    return ren, rl


def rates(found: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per combo: the share of ``cols`` (a column mask) found or flagged (0 without any)."""
    return found[:, cols].mean(axis=1) if cols.any() else np.zeros(len(found))


#: ``--objective constrained``: the issue's limits on false alarms, on the training side.
MAX_RENDER_FA = 0.02
MAX_REAL_FA = 0.10


def objective(mode: str, rr: np.ndarray, rf: np.ndarray, qr: np.ndarray,
              qf: np.ndarray, ref: tuple[float, float] = (0.0, 0.0)) -> list[tuple]:
    """Per combo, what a fold maximises, from the training side's render recall (>= 20 deg)
    ``rr`` and false-alarm rate (0-5 deg) ``rf``, real recall ``qr`` and false-alarm rate
    ``qf``. joint / renders / real: recall minus false-alarm rate (Youden's J; summed for
    joint), then fewer false alarms. constrained: first within the issue's false-alarm limits
    (renders <= 2%, real <= 10%), then real recall, then render recall minus false alarms.
    strict: the same, but no more real false alarms than the shipped rule makes on the same
    training clips (``ref``: the shipped rule's training render and real false-alarm rates)."""
    out = []
    for i in range(len(rr)):
        if mode == "joint":
            out.append((rr[i] - rf[i] + qr[i] - qf[i], -(rf[i] + qf[i])))
        elif mode == "renders":
            out.append((rr[i] - rf[i], -rf[i]))
        elif mode == "real":
            out.append((qr[i] - qf[i], -qf[i]))
        else:
            lim_r, lim_q = MAX_RENDER_FA, MAX_REAL_FA
            if mode == "strict":
                lim_r, lim_q = max(lim_r, ref[0]), ref[1]
            ok = rf[i] <= lim_r + 1e-9 and qf[i] <= lim_q + 1e-9
            out.append((float(ok), qr[i], rr[i] - rf[i], -(rf[i] + qf[i])))
    return [tuple(round(float(v), 9) for v in k) for k in out]


def choose(keys: list[tuple], combos: list[tuple], shipped: tuple) -> int:
    """Best objective; ties to the limits nearest the shipped Lh/Lr, then the highest added
    limits (the most conservative)."""
    def near(lim: tuple) -> float:
        return -abs(GRID_LEVEL.index(lim[0]) - GRID_LEVEL.index(shipped[0])
                    if lim[0] in GRID_LEVEL and shipped[0] in GRID_LEVEL else 0) - abs(
            GRID_RISE.index(lim[1]) - GRID_RISE.index(shipped[1])
            if lim[1] in GRID_RISE and shipped[1] in GRID_RISE else 0)
    full = [(*keys[i], near(combos[i]), sum(min(v, 1e3) for v in combos[i][2:]))
            for i in range(len(combos))]
    return max(range(len(combos)), key=full.__getitem__)


# ---------------------------------------------------------------------------- reporting

def held_peak(x: np.ndarray, hold: int = 5) -> float:
    """The highest value ``x`` holds ``hold`` frames running (NaN: not held)."""
    if np.isfinite(x).sum() < hold:
        return float("nan")
    w = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(x, nan=-1e9), hold).min(axis=1)
    return float(w.max()) if w.max() > -1e8 else float("nan")


def rep_rows(renders: list[dict]) -> list[dict]:
    """One row per rendered rep: truth and the held peaks of each reading inside it."""
    rows = []
    for c in renders:
        for k, (a, b, size, other) in enumerate(c["reps"]):
            m = c["judged"] & (c["t"] >= a) & (c["t"] < b)
            peaks = {f: held_peak(np.where(m, c[f], np.nan))
                     for f in ("level", "rise", "end", "end_rise")}
            rows.append({"clip": c["name"], "rep": k + 1, "body": c["group"],
                         "exercise": c["exercise"], "size": size, "other": other,
                         "frames": int(m.sum()), **peaks})
    return rows


def clip_rows(real: list[dict]) -> list[dict]:
    rows = []
    for c in real:
        m = c["judged"]
        peaks = {f: held_peak(np.where(m, c[f], np.nan))
                 for f in ("level", "rise", "end", "end_rise")}
        e = np.where(m, c["end_rise"], np.nan)
        i = int(np.nanargmax(e)) if np.isfinite(e).any() else 0
        rows.append({"clip": c["name"], "source": c["group"], "label": c["label"],
                     "assessable": c["assessable"], "frames": int(m.sum()),
                     "lean_at_end_peak": float(c["lean"][i]), "pos_at_end_peak": float(c["pos"][i]),
                     **peaks})
    return rows


def _q(v: list[float]) -> str:
    v = [x for x in v if np.isfinite(x)]
    if not v:
        return "      -      "
    a, b, c = np.percentile(v, [10, 50, 90])
    return f"{a:4.0f}/{b:3.0f}/{c:3.0f}"


def print_features(rrows: list[dict], crows: list[dict]) -> None:
    print("per-rep held peaks over judged frames (deg; p10/p50/p90): level, rise (shipped), "
          "end-angle level, end-angle rise")
    keys = sorted({(r["size"], r["other"] or "", r["exercise"]) for r in rrows})
    for size, other, ex in keys:
        g = [r for r in rrows if r["size"] == size and (r["other"] or "") == other
             and r["exercise"] == ex]
        name = f"{size:g} deg" + (f" ({other})" if other else "")
        print(f"  {name:18s} {ex:8s} n={len(g):3d}  " + "  ".join(
            _q([r[f] for r in g]) for f in ("level", "rise", "end", "end_rise")))
    print("real clips judged (held peaks over the judged frames; lean and bow position at the "
          "end-angle rise's peak):")
    for r in sorted(crows, key=lambda r: (r["label"], r["end_rise"])):
        if r["assessable"]:
            print(f"  {'ROUND' if r['label'] else 'clean'} level {r['level']:5.1f} rise "
                  f"{r['rise']:5.1f} end {r['end']:5.1f} end-rise {r['end_rise']:5.1f} "
                  f"lean {r['lean_at_end_peak']:4.0f} pos {r['pos_at_end_peak']:.2f}  "
                  f"{r['clip'][:60]}")


def render_table(found: np.ndarray, rrows: list[dict]) -> list[str]:
    """Rows: what was rendered; columns: exercise (found / reps)."""
    lines = [f"    {'rendered':22s}" + "".join(f"{e:>10s}" for e in (*EXERCISES, "all"))]
    cats = [("0-5 deg (false alarms)", lambda r: r["size"] <= 5 and r["other"] is None)]
    cats += [(f"{s:g} deg (found)", lambda r, s=s: r["size"] == s) for s in SIZES]
    cats += [(">= 20 deg (found)", lambda r: r["size"] >= 20)]
    cats += [("ext/arch (false alarms)", lambda r: r["other"] is not None and r["size"] == 0)]
    for name, pick in cats:
        cells = []
        for ex in (*EXERCISES, None):
            idx = [i for i, r in enumerate(rrows) if pick(r) and ex in (None, r["exercise"])]
            cells.append(f"{int(found[idx].sum())}/{len(idx)}" if idx else "-")
        if any(c != "-" for c in cells):
            lines.append(f"    {name:22s}" + "".join(f"{c:>10s}" for c in cells))
    return lines


def real_line(flag: np.ndarray, crows: list[dict]) -> str:
    ok = np.array([r["assessable"] for r in crows])
    lab = np.array([r["label"] for r in crows])
    tp, fp = int((flag & ok & lab).sum()), int((flag & ok & ~lab).sum())
    return (f"found {tp}/{int((ok & lab).sum())}, false alarms {fp}/{int((ok & ~lab).sum())}, "
            f"clips judged {int(ok.sum())}/{len(crows)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--poses", type=Path, required=True, help="cached poses of the real clips")
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS, help="holds labels.json")
    ap.add_argument("--renders", nargs="+", default=list(DEFAULT_RENDERS),
                    help="side-view render folders with truth")
    ap.add_argument("--features", type=Path, help="cache of what was read (pickle)")
    ap.add_argument("--objective", choices=("constrained", "strict", "joint", "renders", "real"),
                    default="constrained", help="what each fold maximises (see objective())")
    ap.add_argument("--family", action="append", help="only these decision families")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("-v", "--verbose", action="store_true", help="list every missed or "
                    "false-alarmed held-out rep and clip")
    args = ap.parse_args()

    config = load_config(None, args.overrides)
    th, assess = config.faults_for("deadlift").rounded_back, config.assess
    renders, real = load_features(args, config)
    for c in (*renders, *real):
        add_own(c, th.neutral_percentile)
    rrows, crows = rep_rows(renders), clip_rows(real)
    print(f"renders: {len(renders)} side-view clips, {len(rrows)} reps, "
          f"{len({r['body'] for r in rrows})} bodies; real: {len(real)} labelled clips, "
          f"{len({r['source'] for r in crows})} sources")
    print_features(rrows, crows)

    body = np.array([r["body"] for r in rrows])
    size = np.array([r["size"] for r in rrows])
    clean_rep = np.array([r["size"] <= 5 and r["other"] is None for r in rrows])
    src = np.array([r["source"] for r in crows])
    ok = np.array([r["assessable"] for r in crows])
    lab = np.array([r["label"] for r in crows])
    shipped = (th.min_held_flexion_deg, th.min_flexion_deg)

    fams = families(th)
    ship_ren, ship_rl = outcomes("shipped", [shipped], renders, real, th, assess)
    for fam in args.family or list(fams):
        names, combos = fams[fam]
        ren, rl = outcomes(fam, combos, renders, real, th, assess)
        if fam == "shipped":
            i0 = combos.index(shipped)
            ship_peaks = [bool(c["shipped_peaks"]) for c in real]
            agree = int((rl[i0] == np.array(ship_peaks)).sum())
            print(f"\n== shipped, configured limits Lh={shipped[0]:g} Lr={shipped[1]:g} "
                  f"(unfitted; agrees with the rule's own findings on {agree}/{len(real)} real "
                  "clips)")
            print("\n".join(render_table(ren[i0], rrows)))
            print("  real: " + real_line(rl[i0], crows))
        if fam in ("shipped_or_end", "shipped_or_end_upper"):
            print(f"\n== {fam}: every limit in-sample (not held out): renders found "
                  ">= 20 / 25 / 35 / 50 deg, false alarms 0-5 deg; real")
            for i, lim in enumerate(combos):
                if fam == "shipped_or_end_upper" and lim[3] not in (0.5, 0.58):
                    continue
                cols = [size >= 20, *(size == v for v in (25.0, 35.0, 50.0))]
                cells = " ".join(f"{f'{int(ren[i, m].sum())}/{int(m.sum())}':>7s}" for m in cols)
                print(f"    {'/'.join(f'{v:g}' for v in lim[2:]):9s} {cells}  FA "
                      f"{int(ren[i, clean_rep].sum())}/{int(clean_rep.sum())};  "
                      + real_line(rl[i], crows))
        held_ren = np.zeros(len(rrows), dtype=bool)
        held_rl = np.zeros(len(crows), dtype=bool)
        picks: dict[str, list] = {"renders": [], "real": []}
        all_ren, all_rl = np.ones(len(rrows), dtype=bool), np.ones(len(crows), dtype=bool)
        for side, groups in (("renders", body), ("real", src)):
            for g in sorted(set(groups)):
                tr_ren = (body != g) if side == "renders" else all_ren
                tr_rl = (src != g) if side == "real" else all_rl
                ref = (float(rates(ship_ren, tr_ren & clean_rep)[0]),
                       float(rates(ship_rl, tr_rl & ok & ~lab)[0]))
                keys = objective(args.objective,
                                 rates(ren, tr_ren & (size >= 20)), rates(ren, tr_ren & clean_rep),
                                 rates(rl, tr_rl & ok & lab), rates(rl, tr_rl & ok & ~lab), ref)
                k = choose(keys, combos, shipped)
                if side == "renders":
                    held_ren[~tr_ren] = ren[k, ~tr_ren]
                else:
                    held_rl[~tr_rl] = rl[k, ~tr_rl]
                picks[side].append((g, combos[k]))
        print(f"\n== {fam}: limits {', '.join(names)} fitted per fold ({args.objective}), "
              "held out")
        print("  renders, each body held out:")
        print("\n".join(render_table(held_ren, rrows)))
        print("  real, each source held out: " + real_line(held_rl, crows))
        for side, rows in picks.items():
            counts = defaultdict(list)
            for g, lim in rows:
                counts[lim].append(g)
            print(f"  chosen ({side} folds): " + "; ".join(
                f"{'/'.join(f'{v:g}' for v in lim)} x{len(gs)}"
                + (f" ({', '.join(g.split('__')[0] for g in gs)})" if len(gs) <= 2 else "")
                for lim, gs in
                sorted(counts.items(), key=lambda kv: -len(kv[1]))))
        if args.verbose:
            for i, r in enumerate(rrows):
                if held_ren[i] != (r["size"] >= 20) and (r["size"] >= 20 or clean_rep[i]):
                    print(f"    rep {'missed' if r['size'] >= 20 else 'FALSE'} {r['clip']} "
                          f"rep {r['rep']} {r['size']:g} deg: level {r['level']:.1f} rise "
                          f"{r['rise']:.1f} end {r['end']:.1f} end-rise {r['end_rise']:.1f}")
            for i, r in enumerate(crows):
                if r["assessable"] and held_rl[i] != r["label"]:
                    print(f"    clip {'missed' if r['label'] else 'FALSE'} {r['clip'][:60]}: "
                          f"level {r['level']:.1f} rise {r['rise']:.1f} end {r['end']:.1f} "
                          f"end-rise {r['end_rise']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
