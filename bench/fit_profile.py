"""Does the back outline's whole shape, not just its bow, tell a rounding from a neutral back?
(issue 9, round 13 (back)).

The rounded-back rule reads one number per frame from the back outline (``back_xy``, 17
points shoulder -> hip): its bow (``features``' bulge, % of the shoulder-hip chord). This bench
fits small ridge regressions from more of the outline to the rendered true flexion, per frame,
on the side-view renders, and scores them held out:

- ``bow``: the rule's bow alone (a refitted line: the baseline in the same scoring);
- ``offsets``: the 17 points' signed offsets from the shoulder-hip chord (% of the chord, +
  away from the body's front: ``fit_arch.outline_offsets``), smoothed over time as the rule
  smooths the bow;
- ``shape``: the same offsets less their least-squares line over points 2..14 (the part the
  bow is fitted to): the outline's shape with its tilt and its distance from the joints (body
  build, clothing's thickness) taken out;

each alone or with the trunk's forward lean (``+lean``), and each read two ways: ``level``
(the features as they are) and ``own`` (less the lifter's own straightest profile: their
median over the judged frames whose bow is at or below the clip's 10th percentile, as the
rule's rise counts from its 10th percentile). A rep's estimate is the per-frame estimate's
peak held 5 frames over its judged frames (``fit_flexion.rep_peaks``); the ridge penalty is
chosen inside each fit (leave one of the fitted bodies out). Printed:

1. held-out error of each rep's peak (one body out of every set at a time; 93 side-view
   clips of 6 sets), against the shipped line (3.59 deg per % + 1.6) in the same scoring;
2. held-out detection per set: a limit chosen on the other bodies (the lowest whole degree
   that flags none of their <= 5 deg reps, their estimates held out too), scored on the
   body left out, beside the shipped rule's two limits on the same reps and frames (``rise``
   >= 45.6 deg or ``level`` >= 20.3 deg; no rep counting or view gating:
   ``bench/eval_synth.py`` is the rule's own), and the model or the shipped limits;
3. leave one clothing (and the body) out: fitted on the other clothing, scored on it;
4. ``--real POSES``: the model fitted on all renders applied to the labelled shared clips
   the shipped rule judges (its own judged frames and counted reps): each clip's peak; the
   model alone and the model or the shipped rule's verdict, at the limit chosen on all
   renders and at a limit chosen per source fold (a source all in or all out:
   ``eval_clips.py --cv``'s folds; recall minus false-alarm rate, ties to the renders'
   limit), with the renders at the limits the folds chose; the model chosen inside each
   fold too (ties to the lower renders' MAE); and where the real clean side-view lifts fall
   against the rendered clothed 20-30 deg roundings (clip peaks, held-out estimates), with
   the bow's rise beside it.

    python bench/fit_profile.py /work/cache/back-flex /work/cache/s6-back-bare \
        /work/cache/s6-back-cloth /work/cache/s7-back10-hinge /work/cache/s7-back10-squats \
        /work/cache/s7-back10-rows --real /work/cache/models-full [--model shape+lean:own]

``-v`` prints every real clip's peak under every model. Clips, frames and landmarks of the
shared clips stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis.signal import TimeBase, smooth_rows
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_clips import DEFAULT_CLIPS, source_of  # noqa: E402
from fit_arch import outline_offsets  # noqa: E402
from fit_flexion import held_peak, load_set  # noqa: E402

#: Ridge penalties tried inside each fit, as multiples of the fitted frames (features
#: standardised on the fitted frames; the intercept is not penalised).
PENALTIES = (0.0, 1e-3, 1e-2, 1e-1, 1.0)
FIRST, LAST = 2, 14  # the points the rule's bow is fitted to (signal.back_profile_*_point)
HOLD = 5  # frames a peak is held (the rule's 0.15 s at 30 fps; fit_flexion's --min-frames)


def profile(seq: PoseSequence, t_s: np.ndarray, config) -> np.ndarray:
    """``(T, 17)`` the outline's offsets from the chord, % of the chord, smoothed over time
    with the rule's low-pass (the bow's cut-off, order and gap bridging)."""
    off = 100.0 * outline_offsets(seq)
    sc = config.signal
    rows = smooth_rows(TimeBase.of(t_s), [off[:, k].astype(np.float64)
                                          for k in range(off.shape[1])],
                       sc.smooth_cutoff_hz, sc.filter_order, sc.max_gap_s)
    return np.stack(rows, axis=1)


def detrend(off: np.ndarray) -> np.ndarray:
    """The offsets less their least-squares line over points ``FIRST..LAST`` (per frame)."""
    k = np.arange(off.shape[1], dtype=np.float64)
    seg = k[FIRST:LAST + 1]
    sc = seg - seg.mean()
    y = off[:, FIRST:LAST + 1]
    slope = ((y - y.mean(axis=1, keepdims=True)) * sc).sum(axis=1) / (sc * sc).sum()
    icpt = y.mean(axis=1) - slope * seg.mean()
    return off - (icpt[:, None] + slope[:, None] * k[None, :])


#: Feature sets: name -> columns from a clip's per-frame ``bulge`` (%), ``off`` (T, 17) and
#: ``lean`` (deg).
FEATURES = {
    "bow": lambda c: c["bulge"][:, None],
    "bow+lean": lambda c: np.column_stack([c["bulge"], c["lean"]]),
    "offsets": lambda c: c["off"],
    "offsets+lean": lambda c: np.column_stack([c["off"], c["lean"]]),
    "shape": lambda c: detrend(c["off"]),
    "shape+lean": lambda c: np.column_stack([detrend(c["off"]), c["lean"]]),
}
MODES = ("level", "own")


def design(c: dict, feat: str, mode: str) -> np.ndarray:
    """``(T, p)`` the clip's features; ``own``: less their median over the clip's own
    straightest judged frames (bow at or below its 10th percentile). The lean is never
    made relative (it is no outline)."""
    x = FEATURES[feat](c).astype(np.float64)
    if mode == "own":
        ok = c["judged"] & np.isfinite(c["bulge"])
        if ok.sum() < 9:
            return np.full_like(x, np.nan)
        straight = ok & (c["bulge"] <= np.percentile(c["bulge"][ok], 10))
        ref = np.nanmedian(x[straight], axis=0)
        if feat.endswith("+lean"):
            ref[-1] = 0.0
        x = x - ref
    return x


class Ridge:
    """Least squares with an L2 penalty on standardised features (not on the intercept)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, penalty: float) -> None:
        self.mu = x.mean(axis=0)
        self.sd = x.std(axis=0)
        self.sd[self.sd == 0] = 1.0
        z = (x - self.mu) / self.sd
        a = z.T @ z + penalty * len(y) * np.eye(z.shape[1])
        self.w = np.linalg.solve(a, z.T @ (y - y.mean()))
        self.b = float(y.mean())

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mu) / self.sd) @ self.w + self.b

    def coefficients(self) -> tuple[np.ndarray, float]:
        """Weights per raw unit and the intercept."""
        w = self.w / self.sd
        return w, self.b - float(self.mu @ w)


def frames_of(clips: list[dict], feat: str, mode: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for c in clips:
        x = c["x"][(feat, mode)]
        ok = c["judged"] & np.isfinite(x).all(axis=1) & np.isfinite(c["flex"])
        xs.append(x[ok])
        ys.append(c["flex"][ok])
    return np.concatenate(xs), np.concatenate(ys)


def rep_estimates(model, c: dict, feat: str, mode: str) -> list[float]:
    """Each true rep's held peak (``HOLD`` frames) of the per-frame estimate over its judged
    frames; NaN when too few."""
    x = c["x"][(feat, mode)]
    est = np.full(len(x), np.nan)
    ok = c["judged"] & np.isfinite(x).all(axis=1)
    if ok.any():
        est[ok] = model(x[ok])
    out = []
    for m, _ in c["reps"]:
        h = held_peak(np.where(m, est, np.nan), HOLD)
        out.append(float("nan") if h is None else h[1])
    return out


def fit(clips: list[dict], feat: str, mode: str, penalty: float | None = None) -> Ridge:
    """The ridge fit on ``clips``' judged frames; ``penalty`` None: chosen by leaving each
    of their bodies out in turn (lowest rep-peak MAE)."""
    if penalty is None:
        bodies = sorted({c["body"] for c in clips})
        best, best_mae = PENALTIES[0], np.inf
        for pen in PENALTIES:
            err = []
            for held in bodies:
                m = Ridge(*frames_of([c for c in clips if c["body"] != held], feat, mode), pen)
                for c in clips:
                    if c["body"] == held:
                        err += [e - tp for e, (_, tp) in zip(rep_estimates(m, c, feat, mode),
                                                              c["reps"], strict=True)]
            mae = float(np.nanmean(np.abs(err)))
            if mae < best_mae - 1e-9:
                best, best_mae = pen, mae
        penalty = best
    model = Ridge(*frames_of(clips, feat, mode), penalty)
    model.penalty = penalty
    return model


def shipped_reps(c: dict, th) -> list[tuple[float, float]]:
    """Per true rep: the shipped line's (rise, level) flexion held peaks, deg, on the same
    judged frames: rise over the clip's own 10th percentile (floored like the rule at
    ``-max_own_arch_pct``), level over ``neutral_bulge_pct`` where leaning past
    ``held_min_trunk_deg``."""
    b, ok = c["bulge"], c["judged"] & np.isfinite(c["bulge"])
    own = float(np.percentile(b[ok], 10)) if ok.sum() >= 9 else np.nan
    own = max(own, -th.max_own_arch_pct)
    k, off = th.flexion_deg_per_pct, th.flexion_offset_deg
    rise = np.where(ok, k * (b - own) + off, np.nan) if own < th.neutral_bulge_pct \
        else np.full(b.shape, np.nan)
    with np.errstate(invalid="ignore"):
        level = np.where(ok & (c["lean"] >= th.held_min_trunk_deg),
                         k * (b - th.neutral_bulge_pct) + off, np.nan)
    out = []
    for m, _ in c["reps"]:
        peaks = [held_peak(np.where(m, v, np.nan), HOLD) for v in (rise, level)]
        out.append(tuple(float("nan") if h is None else h[1] for h in peaks))
    return out


def size_bin(tp: float) -> str:
    return "<=5" if tp <= 5.5 else "10" if tp < 15 else "20-30" if tp < 40 else "45"


def lowest_clean_limit(est: list[float], true: list[float]) -> float:
    """The lowest whole degree above every <= 5 deg rep's estimate (none of them flagged)."""
    neg = [e for e, t in zip(est, true, strict=True) if t <= 5.5 and np.isfinite(e)]
    return float(np.floor(max(neg)) + 1.0) if neg else 0.0


def load(folders: list[Path], config) -> list[dict]:
    """Side-view rendered clips (``fit_flexion.load_set``) with their outline profile and
    every model's per-frame features."""
    clips = list({c["name"]: c for f in reversed(folders)
                  for c in load_set(f, 0.0) if c["view"] == "side"}.values())
    for c in clips:
        c["off"] = profile(c["seq"], c["t"], config)[:len(c["t"])]
        c["x"] = {(f, m): design(c, f, m) for f in FEATURES for m in MODES}
        c.pop("seq")
    return clips


def held_out(clips: list[dict], feat: str, mode: str, train_sel=None,
             test_sel=None) -> dict[str, list[float]]:
    """Each clip's rep estimates from a fit without its body (and, with ``train_sel``, on
    the clips it selects only); clips ``test_sel`` rejects are skipped."""
    out = {}
    for held in sorted({c["body"] for c in clips}):
        train = [c for c in clips if c["body"] != held and (train_sel is None or train_sel(c))]
        model = fit(train, feat, mode)
        for c in clips:
            if c["body"] == held and (test_sel is None or test_sel(c)):
                out[c["name"]] = rep_estimates(model, c, feat, mode)
    return out


def error_line(clips: list[dict], est: dict[str, list[float]]) -> tuple[str, list[str]]:
    """MAE over all reps and per exercise, clothed and worst set; and per-set cells."""
    rows = [(c, e - tp) for c in clips if c["name"] in est
            for e, (_, tp) in zip(est[c["name"]], c["reps"], strict=True) if np.isfinite(e)]

    def mae(sel) -> str:
        v = [abs(e) for c, e in rows if sel(c)]
        return f"{np.mean(v):4.1f}" if v else "  – "

    sets = sorted({c["set"] for c in clips})
    per = {s: mae(lambda c, s=s: c["set"] == s) for s in sets}
    n_na = sum(1 for c in clips if c["name"] in est for e in est[c["name"]] if not np.isfinite(e))
    head = (f"all {mae(lambda c: True)} (n {len(rows)}, no estimate {n_na})  dl "
            f"{mae(lambda c: c['exercise'] == 'deadlift')}  row "
            f"{mae(lambda c: c['exercise'] == 'row')}  squat "
            f"{mae(lambda c: c['exercise'] == 'squat')}  clothed "
            f"{mae(lambda c: c['clothing'] != 'none')}  worst set "
            f"{max(float(v) for v in per.values()):4.1f}")
    return head, [f"{s}: {per[s]}" for s in sets]


def detection(clips: list[dict], est: dict[str, list[float]], limits: dict[str, float],
              also: dict[str, list[bool]] | None = None) -> dict[tuple[str, str], list[int]]:
    """(set, size bin) -> [flagged, reps]: a rep flagged when its estimate reaches its body's
    held-out limit, or (``also``) when that flags it."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for c in clips:
        if c["name"] not in est:
            continue
        extra = also[c["name"]] if also else [False] * len(c["reps"])
        for e, (_, tp), x in zip(est[c["name"]], c["reps"], extra, strict=True):
            cell = cells[(c["set"], size_bin(tp))]
            cell[1] += 1
            cell[0] += int(x or (np.isfinite(e) and e >= limits[c["body"]]))
    return cells


def held_out_limits(clips: list[dict], feat: str, mode: str) -> dict[str, float]:
    """Per body: the lowest limit that flags none of the OTHER bodies' <= 5 deg reps, their
    estimates themselves held out (each from a fit without its own body, and without the
    scored body)."""
    limits = {}
    bodies = sorted({c["body"] for c in clips})
    for held in bodies:
        rest = [c for c in clips if c["body"] != held]
        inner = held_out(rest, feat, mode)
        e = [v for c in rest for v in inner[c["name"]]]
        t = [tp for c in rest for _, tp in c["reps"]]
        limits[held] = lowest_clean_limit(e, t)
    return limits


def print_detection(title: str, clips: list[dict], cells: dict) -> None:
    sets = sorted({c["set"] for c in clips})
    bins = ("<=5", "10", "20-30", "45")
    tot = {b: [0, 0] for b in bins}
    print(f"  {title}")
    for s in sets:
        row = []
        for b in bins:
            f, n = cells.get((s, b), [0, 0])
            tot[b][0] += f
            tot[b][1] += n
            row.append(f"{b}: {f}/{n}" if n else f"{b}: –")
        print(f"    {s:40s} " + "  ".join(f"{r:11s}" for r in row))
    print(f"    {'all':40s} " + "  ".join(f"{b}: {tot[b][0]}/{tot[b][1]}".ljust(11)
                                          for b in bins))


def real_clips(poses: Path, clips_dir: Path, config) -> list[dict]:
    """Labelled shared clips (rounding label true/false) with the shipped rule's own judged
    frames (its ``back_flexion`` series), counted reps, assessability and verdict."""
    from formcheck.analysis.faults import RULES, FaultContext
    from formcheck.analysis.features import compute_signals

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from eval_clips import _Prepared

    labels = json.loads((clips_dir / "labels.json").read_text(encoding="utf-8"))
    out = []
    for item in labels:
        lab = item["faults"]["rounded_back"]
        pose = poses / f"{item['file']}.npz"
        if lab is None or not pose.is_file():
            continue
        seq = PoseSequence.load(pose)
        if seq.back_xy is None:
            continue
        prep = _Prepared(seq, config)
        ctx = FaultContext(sig=prep.sig, exercise=prep.exercise.name, view=prep.view,
                           reps=prep.reps, rep_of_frame=prep.rep_of_frame,
                           thresholds=config.faults_for(prep.exercise.name),
                           assess=config.assess, view_cfg=config.view,
                           clip_reason=prep.reason)
        res = RULES["rounded_back"](ctx)
        clip = next(a for a in res.assessments if a.rep is None)
        series = {s.name: s for s in res.series}
        judged = series["back_flexion"].judged if "back_flexion" in series else None
        sig = compute_signals(seq, config)
        t = sig.t_s
        c = {"name": item["file"].removesuffix(".mp4"), "source": source_of(item["file"]),
             "label": bool(lab), "assessable": clip.assessable, "flagged": bool(res.findings),
             "view": prep.view.name, "judged": (np.zeros(len(t), bool) if judged is None
                                                else np.asarray(judged, bool)),
             "bulge": 100.0 * sig.bulge, "lean": sig.lean_deg, "t": t,
             "off": profile(seq, t, config),
             "reps": [(np.arange(len(t)) >= r.start_frame) & (np.arange(len(t)) <= r.end_frame)
                      for r in prep.reps]}
        c["x"] = {(f, m): design(c, f, m) for f in FEATURES for m in MODES}
        out.append(c)
    return out


def clip_peak(model, c: dict, feat: str, mode: str) -> float:
    """The highest of the clip's counted reps' held peaks of the estimate (NaN: none)."""
    x = c["x"][(feat, mode)]
    est = np.full(len(x), np.nan)
    ok = c["judged"] & np.isfinite(x).all(axis=1)
    if ok.any():
        est[ok] = model(x[ok])
    peaks = [held_peak(np.where(m, est, np.nan), HOLD) for m in c["reps"]]
    v = [p[1] for p in peaks if p is not None]
    return max(v) if v else float("nan")


def bow_rise_peak(c: dict, reps_only: bool = True) -> float:
    """The bow's held peak over the clip's own 10th percentile (% of chord; the judged
    frames of counted reps)."""
    b, ok = c["bulge"], c["judged"] & np.isfinite(c["bulge"])
    if ok.sum() < 9:
        return float("nan")
    v = np.where(ok, b - np.percentile(b[ok], 10), np.nan)
    peaks = [held_peak(np.where(m, v, np.nan), HOLD) for m in c["reps"]]
    p = [h[1] for h in peaks if h is not None]
    return max(p) if p else float("nan")


def source_cv(real: list[dict], peak: dict[str, float], default: float,
              grid: np.ndarray, base: dict[str, bool] | None = None) -> tuple[dict, list[str]]:
    """Leave one source out over the judged labelled clips: the limit maximising recall minus
    false-alarm rate on the other sources (then fewer false alarms, then nearest
    ``default``), scored on the held-out source; a clip is flagged when its peak reaches
    the limit, or (``base``) when the shipped rule flags it. Pooled counts and one line per
    fold."""
    judged = [c for c in real if c["assessable"]]

    def hit(c: dict, lim: float) -> bool:
        return bool((base is not None and base[c["name"]])
                    or (np.isfinite(peak[c["name"]]) and peak[c["name"]] >= lim))

    counts = defaultdict(int)
    lines = []
    chosen = []
    for src in sorted({c["source"] for c in judged}):
        train = [c for c in judged if c["source"] != src]
        pos = [c for c in train if c["label"]]
        neg = [c for c in train if not c["label"]]

        def score(lim: float, pos=pos, neg=neg) -> tuple[float, float, float]:
            r = np.mean([hit(c, lim) for c in pos]) if pos else 0.0
            f = np.mean([hit(c, lim) for c in neg]) if neg else 0.0
            return (r - f, -f, -abs(lim - default))

        lim = max(grid, key=score)
        chosen.append(float(lim))
        test = [c for c in judged if c["source"] == src]
        fold = defaultdict(int)
        for c in test:
            h = hit(c, lim)
            key = ("tp" if h else "fn") if c["label"] else ("fp" if h else "tn")
            fold[key] += 1
            counts[key] += 1
        lines.append(f"    {src[:44]:44s} limit {lim:5.1f} -> {dict(fold)}")
    counts["limits"] = sorted(set(chosen))
    return dict(counts), lines


def select_cv(real: list[dict], cands: dict[str, tuple[dict, float, float, bool]],
              grid: np.ndarray, base: dict[str, bool]) -> tuple[dict, list[str]]:
    """``source_cv`` with the model chosen inside each fold too: over every candidate
    (name -> (clip peaks, renders' limit, renders' held-out MAE, or the shipped rule?)) and
    limit, the best on the other sources (recall minus false-alarm rate, then fewer false
    alarms, then the lower renders' MAE, then the limit nearest that model's renders'
    limit); a clip is flagged when the chosen model's peak reaches the limit, or (for a
    candidate read with the shipped rule) when the shipped rule flags it."""
    judged = [c for c in real if c["assessable"]]

    def hit(c: dict, name: str, lim: float) -> bool:
        p = cands[name][0][c["name"]]
        return bool((cands[name][3] and base[c["name"]]) or (np.isfinite(p) and p >= lim))

    counts: dict = defaultdict(int)
    lines = []
    for src in sorted({c["source"] for c in judged}):
        train = [c for c in judged if c["source"] != src]
        pos = [c for c in train if c["label"]]
        neg = [c for c in train if not c["label"]]

        def score(pick: tuple[str, float], pos=pos, neg=neg) -> tuple:
            name, lim = pick
            r = np.mean([hit(c, name, lim) for c in pos]) if pos else 0.0
            f = np.mean([hit(c, name, lim) for c in neg]) if neg else 0.0
            return (r - f, -f, -cands[name][2], -abs(lim - cands[name][1]))

        name, lim = max(((n, float(v)) for n in cands for v in grid), key=score)
        fold = defaultdict(int)
        for c in judged:
            if c["source"] == src:
                h = hit(c, name, lim)
                key = ("tp" if h else "fn") if c["label"] else ("fp" if h else "tn")
                fold[key] += 1
                counts[key] += 1
        lines.append(f"    {src[:44]:44s} chose {name} >= {lim:g} -> {dict(fold)}")
    return dict(counts), lines


def auc(pos: list[float], neg: list[float]) -> float:
    """P(a positive scores above a negative), ties half."""
    p, n = np.asarray(pos), np.asarray(neg)
    if not p.size or not n.size:
        return float("nan")
    return float(((p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum())
                 / (p.size * n.size))


def main() -> int:
    ap = argparse.ArgumentParser(description="Whole-outline flexion models, held out.")
    ap.add_argument("folders", type=Path, nargs="+")
    ap.add_argument("--real", type=Path, default=None, help="cached poses of the shared clips")
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS)
    ap.add_argument("--model", action="append", default=[],
                    help="FEATURES:MODE to score in full (detection, clothing, real clips); "
                         "default: every one")
    ap.add_argument("-v", action="store_true", help="every real clip under every model")
    args = ap.parse_args()
    config = load_config(None, [])
    th = config.faults_for("deadlift").rounded_back
    clips = load(args.folders, config)
    if not clips:
        print("no posed side-view clips found; render them with bench/render_flexion.py",
              file=sys.stderr)
        return 2
    models = [tuple(m.split(":")) for m in args.model] or \
        [(f, m) for f in FEATURES for m in MODES]
    n_reps = sum(len(c["reps"]) for c in clips)
    print(f"side-view renders: {len(clips)} clips, {n_reps} reps, "
          f"{len({c['body'] for c in clips})} bodies, sets: {len({c['set'] for c in clips})}")

    print("\n1. held-out rep-peak error (deg; one body out of every set at a time)")
    shipped = {c["name"]: [th.flexion_deg_per_pct * r + th.flexion_offset_deg
                           for r in _own_rise_peaks(c)] for c in clips}
    head, per = error_line(clips, shipped)
    print(f"  {'shipped line (no fit), rise':22s} {head}\n      " + "; ".join(per))
    held: dict[tuple[str, str], dict[str, list[float]]] = {}
    for feat, mode in models:
        held[(feat, mode)] = est = held_out(clips, feat, mode)
        head, per = error_line(clips, est)
        m_all = fit(clips, feat, mode)
        print(f"  {feat + ':' + mode:22s} {head}  [penalty {m_all.penalty:g}]\n      "
              + "; ".join(per))

    print("\n2. held-out detection per set (reps flagged / reps, by true peak size)")
    cells = defaultdict(lambda: [0, 0])
    ship = {}  # per clip: each rep flagged by the shipped limits
    for c in clips:
        ship[c["name"]] = [bool((np.isfinite(rise) and rise >= th.min_flexion_deg)
                                or (np.isfinite(level) and level >= th.min_held_flexion_deg))
                           for rise, level in shipped_reps(c, th)]
        for f, (_, tp) in zip(ship[c["name"]], c["reps"], strict=True):
            cell = cells[(c["set"], size_bin(tp))]
            cell[1] += 1
            cell[0] += int(f)
    print_detection(f"shipped limits (rise >= {th.min_flexion_deg:g} or level >= "
                    f"{th.min_held_flexion_deg:g} deg), same frames", clips, cells)
    for feat, mode in models:
        lim = held_out_limits(clips, feat, mode)
        print_detection(f"{feat}:{mode}, limits by held-out body "
                        + ", ".join(f"{b} {v:g}" for b, v in lim.items()), clips,
                        detection(clips, held[(feat, mode)], lim))
        both = detection(clips, held[(feat, mode)], lim, ship)
        print("    or the shipped limits: " + "  ".join(
            f"{b}: {sum(v[0] for k, v in both.items() if k[1] == b)}/"
            f"{sum(v[1] for k, v in both.items() if k[1] == b)}"
            for b in ("<=5", "10", "20-30", "45")))

    print("\n3. leave one clothing out (and the scored body): fitted on the other clothing")
    kinds = sorted({c["clothing"] for c in clips})
    for feat, mode in [("bow", "own"), *models] if ("bow", "own") not in models else models:
        cells_txt = []
        for kind in kinds:
            est = held_out(clips, feat, mode, train_sel=lambda c, k=kind: c["clothing"] != k,
                           test_sel=lambda c, k=kind: c["clothing"] == k)
            sub = [c for c in clips if c["name"] in est]
            head, _ = error_line(sub, est)
            found = sum(1 for c in sub for e, (_, tp) in zip(est[c["name"]], c["reps"],
                                                             strict=True)
                        if 15 <= tp < 40 and np.isfinite(e) and e >= 15.0)
            n20 = sum(1 for c in sub for _, tp in c["reps"] if 15 <= tp < 40)
            fa = sum(1 for c in sub for e, (_, tp) in zip(est[c["name"]], c["reps"],
                                                          strict=True)
                     if tp <= 5.5 and np.isfinite(e) and e >= 15.0)
            n5 = sum(1 for c in sub for _, tp in c["reps"] if tp <= 5.5)
            cells_txt.append(f"{kind} out: MAE {head.split()[1]} (>= 15 deg: 20-30 "
                             f"{found}/{n20}, <=5 {fa}/{n5})")
        print(f"  {feat + ':' + mode:22s} " + "; ".join(cells_txt))

    if args.real:
        real_section(args, clips, models, held, ship, config)
    return 0


def _own_rise_peaks(c: dict) -> list[float]:
    """Per rep: the bow's held peak over the clip's own 10th percentile (% of chord)."""
    b, ok = c["bulge"], c["judged"] & np.isfinite(c["bulge"])
    own = float(np.percentile(b[ok], 10)) if ok.sum() >= 9 else np.nan
    out = []
    for m, _ in c["reps"]:
        h = held_peak(np.where(m & ok, b - own, np.nan), HOLD)
        out.append(float("nan") if h is None else h[1])
    return out


def real_section(args, clips, models, held, ship, config) -> None:
    """Section 4: the models fitted on every render, on the labelled shared clips."""
    real = real_clips(args.real, args.clips, config)
    judged = [c for c in real if c["assessable"]]
    n_pos = sum(c["label"] for c in judged)
    n_neg = len(judged) - n_pos
    print(f"\n4. real labelled clips: {len(real)} with poses; the shipped rule judges "
          f"{len(judged)} ({n_pos} rounded, {n_neg} clean) and flags "
          f"{sum(c['flagged'] for c in judged if c['label'])}/{n_pos} rounded, "
          f"{sum(c['flagged'] for c in judged if not c['label'])}/{n_neg} clean")
    side_clean = [c for c in judged if c["view"] == "side" and not c["label"]]
    rise = {c["name"]: bow_rise_peak(c) for c in real}
    grid = np.arange(0.0, 80.5, 0.5)
    all_peaks = {}
    # Rendered clothed 20 and 30 deg clips (held-out estimates): each clip's highest rep.
    r20_clips = [c for c in clips if c["clothing"] != "none" and 15 <= c["size"] < 40]
    cands = {}  # per model: its peaks, its renders' limit and held-out MAE
    for feat, mode in models:
        model = fit(clips, feat, mode)
        peak = {c["name"]: clip_peak(model, c, feat, mode) for c in real}
        all_peaks[(feat, mode)] = peak
        est = [e for c in clips for e in held[(feat, mode)][c["name"]]]
        true = [tp for c in clips for _, tp in c["reps"]]
        lim = lowest_clean_limit(est, true)  # renders' held-out estimates, every body
        err = [e - t for e, t in zip(est, true, strict=True) if np.isfinite(e)]
        for with_rule in (False, True):
            cands[f"{feat}:{mode}{' or rule' if with_rule else ''}"] = (
                peak, lim, float(np.mean(np.abs(err))), with_rule)
        w, b = model.coefficients()
        print(f"\n  {feat}:{mode}  weights {np.array2string(w, precision=2)} {b:+.1f}"
              f" (penalty {model.penalty:g})")
        for label, base in (("alone", None), ("or the shipped rule", _flagged(judged))):
            hit = {c["name"]: (base is not None and base[c["name"]]) or peak[c["name"]] >= lim
                   for c in judged}
            tp_ = sum(hit[c["name"]] for c in judged if c["label"])
            fp_ = sum(hit[c["name"]] for c in judged if not c["label"])
            counts, lines = source_cv(real, peak, lim, grid, base)
            print(f"    {label}: renders' limit {lim:g} deg (above every renders' <= 5 deg "
                  f"rep, held out): rounded {tp_}/{n_pos}, clean flagged {fp_}/{n_neg}; "
                  f"limit per source fold (ties to {lim:g}): held-out "
                  + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("tp", "fn", "fp", "tn"))
                  + f" (limits chosen {', '.join(f'{v:g}' for v in counts['limits'])})")
            for v in counts["limits"]:  # the renders at the limits the real folds chose
                cells = detection(clips, held[(feat, mode)], defaultdict(lambda v=v: v),
                                  ship if base is not None else None)
                print(f"      renders (held out by body) at {v:g} deg"
                      + (", or the shipped limits: " if base is not None else ": ")
                      + "  ".join(
                          f"{b}: {sum(x[0] for k, x in cells.items() if k[1] == b)}/"
                          f"{sum(x[1] for k, x in cells.items() if k[1] == b)}"
                          for b in ("<=5", "10", "20-30", "45")))
            if args.v:
                for ln in lines:
                    print(ln)
        r20 = [max(v) for c in r20_clips
               if (v := [e for e in held[(feat, mode)][c["name"]] if np.isfinite(e)])]
        sc = [peak[c["name"]] for c in side_clean if np.isfinite(peak[c["name"]])]
        print(f"    crux (clip peaks, deg): {len(sc)} real clean side-view lifts {_spread(sc)}"
              f"\n          rendered clothed 20-30 deg clips (held out) {_spread(r20)}"
              f"\n          real clean at or above the renders' median "
              f"{sum(v >= np.median(r20) for v in sc)}/{len(sc)}, AUC {auc(r20, sc):.2f}")
    for title, pool in (("with the shipped rule", {k: v for k, v in cands.items() if v[3]}),
                        ("alone or with the shipped rule", cands)):
        counts, lines = select_cv(real, pool, grid, _flagged(judged))
        print(f"\n  model ({title}) and limit both chosen per source fold (ties to the lower "
              "renders' MAE): held-out "
              + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("tp", "fn", "fp", "tn")))
        for ln in lines:
            print(ln)
    r20 = [max(v) for c in r20_clips
           if (v := [r for r in _own_rise_peaks(c) if np.isfinite(r)])]
    sc = [rise[c["name"]] for c in side_clean if np.isfinite(rise[c["name"]])]
    print(f"\n  the bow's rise alone (% of chord, clip peaks): real clean side-view {_spread(sc)}"
          f"\n          rendered clothed 20-30 deg clips {_spread(r20)}"
          f"\n          real clean at or above the renders' median "
          f"{sum(v >= np.median(r20) for v in sc)}/{len(sc)}, AUC {auc(r20, sc):.2f}")
    print("\n  per clip (J: judged by the rule; label; the rule's verdict; the bow's rise %; "
          "model peaks, deg):")
    shown = models if args.v else [m for m in models if m[1] == "own"][:4] or models[:4]
    print("    " + "  ".join(f"{f}:{m}" for f, m in shown))
    for c in sorted(real, key=lambda c: (not c["assessable"], c["label"], c["name"])):
        if not (c["assessable"] or c["view"] == "side"):
            continue
        print(f"    {'J' if c['assessable'] else '-'} {'rounded' if c['label'] else 'clean  '} "
              f"{'flag' if c['flagged'] else '    '} {rise[c['name']]:5.1f}  "
              + " ".join(f"{all_peaks[m][c['name']]:6.1f}" for m in shown)
              + f"  {c['view'][:5]:5s} {c['name'][:60]}")


def _flagged(real: list[dict]) -> dict[str, bool]:
    return {c["name"]: c["flagged"] for c in real}


def _spread(v: list[float]) -> str:
    if not v:
        return "–"
    a = np.asarray(v)
    return (f"{a.min():.1f}..{a.max():.1f} (median {np.median(a):.1f}, "
            f"p25 {np.percentile(a, 25):.1f}, n {a.size})")


if __name__ == "__main__":
    sys.exit(main())
