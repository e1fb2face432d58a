"""Evaluate the analysis on the real clips in ../shared/clips (coarse per-clip labels).

For each clip: load its cached pose sequence (``--poses``, one ``<clip>.npz`` per clip) or
extract it (``--extract``, slow: runs the pose model), analyse it, and compare per fault:
a clip is flagged when the analysis reports any finding of that fault; clips whose fault the
analysis declares "not assessable" are counted apart. Labels: true / false / null (unknown;
not scored). Landmarks from these clips are third-party derived data: keep the cache outside
the repository.

``--cv`` adds leave-one-source-out cross-validation: a clip's source is the ``owner__repo``
part of its file name. For every source, each back fault's thresholds are chosen from a grid
(``--grid``) on the clips of all *other* sources (best recall minus false-alarm rate, ties to
the configured default), then that choice is scored on the held-out source. The pooled
held-out counts are the honest figures: no clip is scored by thresholds fitted on it or on
footage from the same source.

    python bench/eval_clips.py [--clips ../shared/clips] [--poses /work/cache/poses]
                               [--extract] [--set rounded_back.min_held_flexion_deg=13] [-v]
                               [--cv [--grid rounded_back.min_flexion_deg=20,26,31]]
                               [--roughness] [--lumbar] [--landmarks]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence
from formcheck.report import FAULTS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = REPO.parent / "shared" / "clips"
DEFAULT_POSES = Path("/work/cache/poses")

#: Thresholds searched by ``--cv`` per fault (the configured value is always added).
DEFAULT_GRID: dict[str, dict[str, tuple[float, ...]]] = {
    "rounded_back": {
        # The bows past the neutral (4.4/5.2/6.0/7.4% of the chord) and rises (7.1..14.7%)
        # that rounds 5-8 searched, in degrees through round 9's calibration.
        "rounded_back.min_held_flexion_deg": (17.4, 20.3, 23.2, 28.1),
        "rounded_back.min_flexion_deg": (27.1, 32.9, 37.8, 41.7, 45.6, 49.4, 54.3),
        "rounded_back.max_own_arch_pct": (0.0, 4.0, 7.0, float("inf")),
    },
    "lumbar_overextension": {
        "lumbar_overextension.min_hip_extension_deg": (6.0, 8.0, 10.0, 12.0, 15.0, 20.0),
        "lumbar_overextension.min_bent_arch_pct": (4.0, 8.0, float("inf")),
        "lumbar_overextension.max_plausible_hip_extension_deg": (30.0, 35.0, 45.0, float("inf")),
    },
}


def source_of(file: str) -> str:
    """The clip's source: the ``owner__repo`` part of ``exercise__owner__repo__name.mp4``."""
    parts = file.split("__")
    return "__".join(parts[1:3]) if len(parts) >= 4 else file


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


def load_or_extract(clip: Path, poses: Path, extract: bool, model: str,
                    max_side: int | None = None) -> PoseSequence | None:
    """The clip's cached poses, else (``extract``) posed now and cached; ``max_side``: the
    pose pass's cap on the frame size (``--set pose.max_side_px=N``; None: the default)."""
    cached = poses / (clip.name + ".npz")
    if cached.is_file():
        return PoseSequence.load(cached)
    if not extract or not clip.is_file():  # a folder of copies may hold some clips only
        return None
    from formcheck.pipeline import extract_pose

    seq = extract_pose(clip, model, back_profile=True, max_side=max_side)
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


def analyse(seqs: dict[str, PoseSequence], labels: list[dict], config) -> list[dict]:
    """One row per clip and fault."""
    rows: list[dict] = []
    for item in labels:
        seq = seqs.get(item["file"])
        if seq is None:
            continue
        result = analyze_sequence(seq, config)
        clip_assess = {a.fault: a for a in result.assessable if a.rep is None}
        for fault in FAULTS:
            hits = [f for f in result.findings if f.fault == fault]
            rows.append({
                "file": item["file"], "source": source_of(item["file"]), "fault": fault,
                "label": item["faults"][fault],
                "view": view_group(item["view"]), "exercise": item["exercise"],
                "flagged": bool(hits), "assessable": clip_assess[fault].assessable,
                "reason": clip_assess[fault].reason, "n_findings": len(hits),
                "peak": max((f.value for f in hits), default=None),
                "found_exercise": result.exercise.name, "found_view": result.view.name,
                "reps": len(result.reps),
            })
    return rows


def _objective(counts: dict) -> tuple[float, float]:
    """What a fold's fit maximises: recall minus false-alarm rate (Youden's J; a rate that
    cannot be computed counts 0), then fewer false alarms."""
    pos, neg = counts["tp"] + counts["fn"], counts["fp"] + counts["tn"]
    recall = counts["tp"] / pos if pos else 0.0
    fa = counts["fp"] / neg if neg else 0.0
    return recall - fa, -fa


def _parse_grid(specs: list[str]) -> dict[str, dict[str, tuple]]:
    grid = {fault: dict(params) for fault, params in DEFAULT_GRID.items()}
    for spec in specs:
        key, _, values = spec.partition("=")
        fault = key.split(".")[0]
        grid.setdefault(fault, {})[key] = tuple(float(v) for v in values.split(","))
    return grid


def _default_of(config, key: str) -> float:
    section, name = key.split(".")
    return float(getattr(getattr(config.deadlift, section), name))


class _Prepared:
    """What the analysis computes before the fault rules (signals, exercise, view, reps):
    independent of the fault thresholds, so computed once per clip for the whole grid."""

    def __init__(self, seq: PoseSequence, config) -> None:
        from formcheck.analysis.analyze import _clip_reason
        from formcheck.analysis.exercise import estimate_exercise
        from formcheck.analysis.features import compute_signals
        from formcheck.analysis.reps import rep_index_per_frame, segment_reps
        from formcheck.analysis.view import estimate_view
        from formcheck.report import Estimate

        sig = compute_signals(seq, config)
        reason = _clip_reason(seq, sig, config)
        ex = estimate_exercise(sig, None) if reason is None else Estimate("unknown", 0.0)
        view = estimate_view(sig.yaw_deg, sig.trunk_visible, config.view) if reason is None \
            else Estimate("unknown", 0.0)
        reps = segment_reps(sig, ex.name, config.reps) if reason is None else ()
        self.sig, self.reason, self.exercise, self.view, self.reps = sig, reason, ex, view, reps
        self.model = seq.model
        self.rep_of_frame = rep_index_per_frame(len(seq), reps)

    def rule(self, fault: str, config) -> tuple[bool, bool]:
        """(flagged, assessable for the clip) under ``config``'s thresholds."""
        from formcheck.analysis.faults import RULES, FaultContext

        ctx = FaultContext(sig=self.sig, exercise=self.exercise.name, view=self.view,
                           reps=self.reps, rep_of_frame=self.rep_of_frame,
                           thresholds=config.faults_for(self.exercise.name),
                           assess=config.assess, view_cfg=config.view,
                           clip_reason=self.reason, pose_model=self.model)
        out = RULES[fault](ctx)
        clip = next(a for a in out.assessments if a.rep is None)
        return bool(out.findings), clip.assessable


def cross_validate(seqs: dict[str, PoseSequence], labels: list[dict], overrides: list[str],
                   grid: dict[str, dict[str, tuple]]) -> dict:
    """Leave-one-source-out: per fault, per held-out source, the grid point that scores best
    on the other sources, scored on the held-out one. Returns pooled counts and the choices."""
    out = {}
    base = load_config(None, overrides)
    items = [it for it in labels if it["file"] in seqs]
    prepared = {it["file"]: _Prepared(seqs[it["file"]], base) for it in items}
    for fault, params in grid.items():
        keys = sorted(params)
        defaults = tuple(_default_of(base, k) for k in keys)
        axes = [sorted(set(params[k]) | {d}) for k, d in zip(keys, defaults, strict=True)]
        combos = list(itertools.product(*axes))
        by_combo: dict[tuple, list[dict]] = {}
        for combo in combos:
            cfg = load_config(None, [*overrides, *(f"{k}={v:g}" for k, v in
                                                   zip(keys, combo, strict=True))])
            rows = []
            for it in items:
                flagged, ok = prepared[it["file"]].rule(fault, cfg)
                rows.append({"file": it["file"], "source": source_of(it["file"]),
                             "label": it["faults"][fault], "flagged": flagged,
                             "assessable": ok})
            by_combo[combo] = rows

        def closeness(combo: tuple, axes=axes, defaults=defaults) -> float:
            return -sum(abs(a.index(v) - a.index(d))
                        for a, v, d in zip(axes, combo, defaults, strict=True))

        sources = sorted({r["source"] for r in by_combo[combos[0]] if r["label"] is not None})
        held_rows: list[dict] = []
        folds = []
        for src in sources:
            def fit(combo: tuple, src=src, by_combo=by_combo) -> tuple:
                train = score([r for r in by_combo[combo] if r["source"] != src])
                return (*_objective(defaultdict(int, train)), closeness(combo))
            best = max(combos, key=fit)
            test = [r for r in by_combo[best] if r["source"] == src]
            held_rows.extend(test)
            folds.append({"held_out": src, "chosen": dict(zip(keys, best, strict=True)),
                          "held_out_score": score(test)})
        out[fault] = {"pooled": score(held_rows), "folds": folds, "rows": held_rows,
                      "grid": dict(zip(keys, axes, strict=True))}
    return out


def outline_roughness(seq: PoseSequence, config, exercise: str) -> np.ndarray | None:
    """50th/90th/99th percentile of ``geometry.back_roughness`` (% of the chord) over the
    frames the rounding rule would judge by lean (trunk visible, forward lean past
    ``judge_min_trunk_deg``), or None with fewer than 3 such frames."""
    from formcheck.analysis.features import compute_signals

    sig = compute_signals(seq, config, roughness=True)
    if sig.back_roughness is None:
        return None
    th = config.faults_for(exercise if exercise in ("squat", "deadlift", "row")
                           else "deadlift").rounded_back
    r = 100.0 * sig.back_roughness
    with np.errstate(invalid="ignore"):
        ok = sig.trunk_visible & np.isfinite(r) & (sig.lean_deg >= th.judge_min_trunk_deg)
    return np.percentile(r[ok], [50, 90, 99]) if ok.sum() >= 3 else None


def bow_stats(seq: PoseSequence, config, exercise: str,
              hold: int = 5) -> tuple[float, float, float, int] | None:
    """The back outline's bow (``features``' bulge, % of the shoulder-hip chord; + convex)
    over the frames the rounding rule judges by lean (trunk visible, outline found, forward
    lean past ``judge_min_trunk_deg``): its 10th percentile (the lifter's own straightest,
    what the rise is counted from), its median, and the rise: the highest value held
    ``hold`` frames, over the 10th percentile. None below 9 such frames. The same figures
    for real clips (``--outline``) and renders (``fit_flexion.py --outline``), to compare
    clothed renders with clothed lifters."""
    from formcheck.analysis.features import compute_signals

    if seq.back_xy is None:
        return None
    sig = compute_signals(seq, config)
    th = config.faults_for(exercise if exercise in ("squat", "deadlift", "row")
                           else "deadlift").rounded_back
    b = 100.0 * sig.bulge
    with np.errstate(invalid="ignore"):
        ok = sig.trunk_visible & np.isfinite(b) & (sig.lean_deg >= th.judge_min_trunk_deg)
    if ok.sum() < 9:
        return None
    own = float(np.percentile(b[ok], 10))
    x = np.where(ok, b, -1e9)
    held = np.lib.stride_tricks.sliding_window_view(x, min(hold, len(x))).min(axis=1).max()
    return own, float(np.median(b[ok])), float(held) - own, int(ok.sum())


def half_sagittas(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
    """``(T,)`` pairs: the bow of the shoulder-side half (points 2..8) and of the hip-side
    half (points 8..15) of the back outline, each off the line through its own ends, in % of
    the shoulder-hip chord; positive convex (rounded), negative concave (arched). The hip-side
    half is where a lumbar arch shows."""
    im = seq.image_xy
    back = np.asarray(seq.back_xy, dtype=np.float64).copy()
    sh = (im[:, 11] + im[:, 12]) / 2.0
    chord = (im[:, 23] + im[:, 24]) / 2.0 - sh
    length = np.linalg.norm(chord, axis=1)
    flip = np.linalg.norm(back[:, 0] - sh, axis=1) > np.linalg.norm(back[:, -1] - sh, axis=1)
    back[flip] = back[flip, ::-1]  # point 0 at the shoulder end
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / length[:, None]
        off = np.einsum("tkj,tj->tk", back - sh[:, None, :], normal)
        side = np.sign(np.nansum(np.sign(off[:, 2:15]), axis=1))  # outward: the back's side
        off *= (side / length)[:, None]

    def bow(a: int, b: int) -> np.ndarray:
        m = (a + b) // 2
        return 100.0 * (off[:, m] - (off[:, a] + (off[:, b] - off[:, a]) * (m - a) / (b - a)))

    return bow(2, 8), bow(8, 15)


def bent_half_sagittas(seq: PoseSequence, config) -> tuple[float, float, int] | None:
    """Medians of ``half_sagittas`` over the bent-over frames (forward lean past the deadlift's
    rounding limit, below the lockout height), with their count; None below 5 frames."""
    from formcheck.analysis.features import compute_signals

    if seq.back_xy is None:
        return None
    sig = compute_signals(seq, config)
    upper, lower = half_sagittas(seq)
    th = config.deadlift
    with np.errstate(invalid="ignore"):
        bent = (sig.trunk_visible & (sig.lean_deg >= th.rounded_back.judge_min_trunk_deg)
                & (sig.hip_height_ratio < th.lumbar_overextension.judge_min_hip_height_ratio)
                & np.isfinite(upper) & np.isfinite(lower))
    if bent.sum() < 5:
        return None
    return float(np.median(upper[bent])), float(np.median(lower[bent])), int(bent.sum())


def trunk_shortening(seq: PoseSequence, judged: np.ndarray,
                     percentile: float = 90.0) -> np.ndarray:
    """``(T,)`` % by which the 3D shoulder-to-hip distance (world landmarks, mid-points) is
    shorter than the lifter's own long one (``percentile`` over the ``judged`` frames): a
    spine that bends brings the shoulders nearer the hips. NaN outside ``judged``."""
    w = np.asarray(seq.world_xyz, dtype=np.float64)
    length = np.linalg.norm((w[:, 11] + w[:, 12] - w[:, 23] - w[:, 24]) / 2.0, axis=1)
    v = length[judged & np.isfinite(length)]
    if v.size < 9:
        return np.full(length.shape, np.nan)
    ref = float(np.percentile(v, percentile))
    return np.where(judged, 100.0 * (ref - length) / ref, np.nan)


def landmark_rep_peaks(seq: PoseSequence, config, exercise: str) -> list[tuple[float, float]]:
    """Per counted rep: the held peak (5 frames) of the ear-shoulder-hip angle's closing below
    the lifter's own (deg, ``faults.own_head_drop``) and of the 3D trunk's shortening (%,
    ``trunk_shortening``), over the frames the rounding rule would judge by lean:
    what landmark-only rounding cues read on a real lift."""

    from formcheck.analysis.faults import own_head_drop

    result = analyze_sequence(seq, config)
    sig = _Prepared(seq, config).sig
    th = config.faults_for(exercise if exercise in ("squat", "deadlift", "row")
                           else "deadlift").rounded_back
    with np.errstate(invalid="ignore"):
        judged = sig.trunk_visible & (sig.lean_deg >= th.judge_min_trunk_deg)
    cues = (own_head_drop(sig, judged, th), trunk_shortening(seq, judged))
    out = []
    for rep in result.reps:
        peaks = []
        for x in cues:
            e = np.where(judged, x, np.nan)[rep.start_frame:rep.end_frame + 1]
            if np.isfinite(e).sum() < 5:
                peaks.append(float("nan"))
                continue
            win = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(e, nan=-1e9), 5)
            peaks.append(float(win.min(axis=1).max()))
        out.append((peaks[0], peaks[1]))
    return out


def _f1(c: dict) -> float | None:
    p, r = c.get("precision"), c.get("recall")
    return round(2 * p * r / (p + r), 3) if p and r else None


def main() -> int:
    ap = argparse.ArgumentParser(description="Per-fault precision/recall on the shared clips.")
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS)
    ap.add_argument("--poses", type=Path, default=DEFAULT_POSES)
    ap.add_argument("--extract", action="store_true", help="run the pose model when not cached")
    ap.add_argument("--model", default="full")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="config override SECTION.FIELD=VALUE (repeatable)")
    ap.add_argument("--json", type=Path, help="also write the per-clip rows here")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--cv", action="store_true",
                    help="leave-one-source-out cross-validation of the back thresholds")
    ap.add_argument("--grid", action="append", default=[],
                    help="KEY=V1,V2,... thresholds searched by --cv (replaces that key's grid)")
    ap.add_argument("--roughness", action="store_true",
                    help="print each clip's back-outline roughness percentiles")
    ap.add_argument("--lumbar", action="store_true",
                    help="print each deadlift/row clip's outline halves while bent over")
    ap.add_argument("--landmarks", action="store_true",
                    help="print landmark-only rounding cues per rep of the labelled clips "
                         "seen from 45 deg")
    ap.add_argument("--outline", action="store_true",
                    help="print the back outline's bow (own straightest, median, rise) of the "
                         "labelled side-view clips, to compare with renders")
    args = ap.parse_args()

    labels_path = args.clips / "labels.json"
    if not labels_path.is_file():
        print(f"no clips: {labels_path} not found; pass --clips DIR (the shared clip folder)",
              file=sys.stderr)
        return 2
    config = load_config(None, args.overrides)
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    seqs: dict[str, PoseSequence] = {}
    missing = 0
    for item in labels:
        seq = load_or_extract(args.clips / item["file"], args.poses, args.extract, args.model,
                              config.pose.max_side_px)
        if seq is None:
            missing += 1
        else:
            seqs[item["file"]] = seq
    rows = analyse(seqs, labels, config)
    if not rows:
        print(f"no pose files in {args.poses}; run with --extract (slow) first", file=sys.stderr)
        return 2
    clips_done = len(rows) // len(FAULTS)
    print(f"clips analysed: {clips_done} (no pose file for {missing})")
    for fault in FAULTS:
        fr = [r for r in rows if r["fault"] == fault]
        c = score(fr)
        print(f"\n{fault}: all {json.dumps(c)} f1={_f1(c)}")
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
    if args.roughness:
        print("\nback outline roughness (% of chord; judged-lean frames with an outline): "
              "p50 / p90 / p99, label, view, clip")
        for item in labels:
            if item["file"] in seqs:
                q = outline_roughness(seqs[item["file"]], config, item["exercise"])
                if q is not None:
                    print(f"  {q[0]:5.2f} {q[1]:5.2f} {q[2]:5.2f}  "
                          f"{item['faults']['rounded_back']!s:5s} {item['view'][:10]:10s} "
                          f"{item['file'][:64]}")
    if args.lumbar:
        print("\nback outline halves while bent over (medians, % of chord; + convex, - concave):"
              " shoulder half, hip half, frames, over-extension label, view, clip")
        for item in labels:
            if item["file"] in seqs and item["exercise"] in ("deadlift", "row"):
                h = bent_half_sagittas(seqs[item["file"]], config)
                if h is not None:
                    print(f"  {h[0]:5.1f} {h[1]:5.1f} {h[2]:4d}  "
                          f"{item['faults']['lumbar_overextension']!s:5s} "
                          f"{item['view'][:10]:10s} {item['file'][:64]}")
    if args.outline:
        print("\nback outline bow over the judged frames (% of chord; + convex): own "
              "straightest (p10), median, rise (held peak over p10), frames; rounding label, "
              "clip (labelled clips the analysis sees from the side)")
        stats: dict[bool, list] = defaultdict(list)
        for item in labels:
            seq = seqs.get(item["file"])
            if seq is None or item["faults"]["rounded_back"] is None:
                continue
            if analyze_sequence(seq, config).view.name != "side":
                continue
            st = bow_stats(seq, config, item["exercise"])
            if st is not None:
                stats[item["faults"]["rounded_back"]].append(st)
                print(f"  {st[0]:6.1f} {st[1]:6.1f} {st[2]:6.1f} {st[3]:4d}  "
                      f"{item['faults']['rounded_back']!s:5s} {item['file'][:64]}")
        for lab, st in sorted(stats.items()):
            a = np.array(st)
            cols = [f"{a[:, k].min():.1f}..{a[:, k].max():.1f} ({np.median(a[:, k]):.1f})"
                    for k in range(3)]
            print(f"  label {lab!s:5s} {len(a):2d} clips: p10 {cols[0]}, median {cols[1]}, "
                  f"rise {cols[2]}")
    if args.landmarks:
        print("\nlandmark-only cues per rep, labelled clips whose view is 45 deg: held peak of "
              "the head drop (deg) / 3D trunk shortening (%), rounding label, clip")
        for item in labels:
            seq = seqs.get(item["file"])
            if seq is None or item["faults"]["rounded_back"] is None:
                continue
            if analyze_sequence(seq, config).view.name != "oblique":
                continue
            peaks = landmark_rep_peaks(seq, config, item["exercise"])
            print("  " + " ".join(f"{a:5.1f}/{b:4.1f}" for a, b in peaks) + f"  "
                  f"{item['faults']['rounded_back']!s:5s} {item['file'][:60]}")
    if args.cv:
        cv = cross_validate(seqs, labels, args.overrides, _parse_grid(args.grid))
        print("\nleave-one-source-out cross-validation (thresholds fitted without the held-out "
              "source; pooled held-out counts):")
        for fault, res in cv.items():
            c = res["pooled"]
            judged = c.get("tp", 0) + c.get("fp", 0) + c.get("tn", 0) + c.get("fn", 0)
            labelled = judged + c.get("not_assessable", 0)
            print(f"\n{fault}: held-out {json.dumps(c)} f1={_f1(c)} "
                  f"judged {judged}/{labelled}")
            print(f"  grid {json.dumps(res['grid'])}")
            for fold in res["folds"]:
                h = fold["held_out_score"]
                counts = {k: h[k] for k in ("tp", "fp", "tn", "fn", "not_assessable") if k in h}
                print(f"  {fold['held_out'][:44]:44s} chose "
                      f"{json.dumps({k.split('.')[1]: v for k, v in fold['chosen'].items()})} "
                      f"-> {json.dumps(counts)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
