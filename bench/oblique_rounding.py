"""Candidate 45° readings of a rounded back, on rendered truth and on the real clips (issue 9).

The rounding rule reads the back's curve only within 24° of side-on (``rounded_back.
side_min_yaw_deg``); its 45° reading (``oblique_min_flexion_deg``) is off. This bench measures
whether any per-rep cue separates a rounding from a neutral back at 45°, with bodies held out,
and what the same cue reads on the real clean lifts filmed at 45°.

Cues, each the peak held ``--hold`` frames within a rep, over the frames the rule would judge
(trunk seen, outline found, leaning forward past ``judge_min_trunk_deg``, elbows not behind
the back):

- ``rise``: the back outline's bow over the lifter's own straightest frames (% of chord);
- ``head``: the ear-shoulder-hip angle closing below the lifter's own (deg, picture;
  ``faults.own_head_drop``);
- ``neck3d``: the same angle from the world landmarks (deg), closing below its own;
- ``short3d``: the 3D shoulder-to-hip distance shortening below its own (%);
- ``est``: the rule's 45° estimate, ``oblique_flexion_deg_per_pct`` x rise +
  ``oblique_flexion_deg_per_head_drop_deg`` x head + ``oblique_flexion_offset_deg`` (deg; its
  coefficients were fitted in round 7 on bodies m_avg, f_short, m_tall, f_heavy).

Limits are chosen per held-out body: the lowest value above every rep of the other bodies
with a true rounding of ``--clean`` degrees or less (no false alarm on the training bodies),
then scored on the held-out body. Real clips: reps of the labelled clean clips whose frames
the rule would read from 45° (body yaw 25-66° or 114-155°), from cached poses.

    nice python bench/render_flexion.py --out DIR --body m_heavy --body f_tall \
        --body m_short --body f_avg --exercise deadlift --azimuth 45 --size 0 --size 5 \
        --size 20 --size 35 --size 50
    python bench/oblique_rounding.py DIR [DIR ...] [--poses /work/cache/s26/full]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.analysis.faults import own_head_drop
from formcheck.analysis.features import compute_signals
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_clips import DEFAULT_CLIPS, trunk_shortening  # noqa: E402

CUES = ("rise", "head", "neck3d", "short3d", "est")
UNITS = {"rise": "%", "head": "deg", "neck3d": "deg", "short3d": "%", "est": "deg"}


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at ``b`` between ``a`` and ``c`` (deg), per row."""
    u, v = a - b, c - b
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("ij,ij->i", u, v) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def cues(seq: PoseSequence, exercise: str, overrides: tuple[str, ...] = ()) -> dict:
    """Per-frame cues (NaN outside the judged frames), the judged mask and the yaw."""
    cfg = load_config(None, list(overrides))
    sig = compute_signals(seq, cfg)
    th = cfg.faults_for(exercise if exercise in ("squat", "deadlift", "row")
                        else "deadlift").rounded_back
    with np.errstate(invalid="ignore"):
        judged = (sig.trunk_visible & np.isfinite(sig.bulge)
                  & (sig.lean_deg >= th.judge_min_trunk_deg)
                  & ~(sig.elbow_behind_back > th.max_elbow_behind_back_frac))
    b = 100.0 * sig.bulge
    v = b[judged]
    own = float(np.percentile(v, th.neutral_percentile)) if v.size >= 9 else np.nan
    rise = np.where(judged, b - own, np.nan)
    head = np.where(judged, own_head_drop(sig, judged, th), np.nan)
    w = np.asarray(seq.world_xyz, dtype=np.float64)
    ear = (w[:, 7] + w[:, 8]) / 2.0
    sh = (w[:, 11] + w[:, 12]) / 2.0
    hip = (w[:, 23] + w[:, 24]) / 2.0
    n3 = _angle(ear, sh, hip)
    ok = judged & np.isfinite(n3)
    ref = float(np.percentile(n3[ok], 100.0 - th.neutral_percentile)) if ok.sum() >= 9 else np.nan
    neck3d = np.where(judged, ref - n3, np.nan)
    short3d = trunk_shortening(seq, judged)
    est = (th.oblique_flexion_deg_per_pct * rise
           + th.oblique_flexion_deg_per_head_drop_deg * head + th.oblique_flexion_offset_deg)
    return {"rise": rise, "head": head, "neck3d": neck3d, "short3d": short3d, "est": est,
            "judged": judged, "yaw": sig.yaw_deg, "t": sig.t_s, "lean": sig.lean_deg}


def held_peak(x: np.ndarray, hold: int) -> float:
    """The highest value ``x`` keeps for ``hold`` consecutive frames (NaN breaks a run)."""
    if np.isfinite(x).sum() < hold:
        return float("nan")
    win = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(x, nan=-1e9), hold).min(axis=1)
    top = float(win.max())
    return top if top > -1e8 else float("nan")


def render_reps(folders: list[Path], hold: int, overrides: tuple[str, ...]) -> list[dict]:
    """One row per rendered rep: body, exercise, clothing, true peak flexion, cue peaks."""
    rows = []
    for folder in folders:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for e in man["clips"]:
            pose = folder / "poses" / f"{e['name']}.npz"
            if not pose.is_file():
                continue
            truth = json.loads((folder / e["truth"]).read_text(encoding="utf-8"))
            c = cues(PoseSequence.load(pose), e["exercise"], overrides)
            pf = truth["per_frame"]
            n = min(len(c["t"]), len(pf["t_s"]))
            flex = np.asarray(pf["flexion_deg"], dtype=np.float64)[:n]
            for r in truth["reps"]:
                m = (c["t"][:n] >= r["start_s"]) & (c["t"][:n] <= r["end_s"])
                row = {"body": e["body"], "exercise": e["exercise"],
                       "clothing": e.get("clothing", "none"), "name": e["name"],
                       "true": float(np.nanmax(flex[m])) if m.any() else float("nan"),
                       "yaw": float(np.nanmedian(c["yaw"][:n][m])) if m.any() else np.nan}
                for k in CUES:
                    row[k] = held_peak(c[k][:n][m], hold)
                rows.append(row)
    return rows


def real_reps(poses: Path, hold: int, overrides: tuple[str, ...]) -> list[dict]:
    """One row per counted rep of each labelled real clip (clean or rounded), over its frames
    the rounding rule would read from 45° (yaw 25-66° or 114-155°); reps with fewer than
    ``hold`` such judged frames are left out."""
    labels = json.loads((DEFAULT_CLIPS / "labels.json").read_text(encoding="utf-8"))
    cfg = load_config(None, list(overrides))
    rb = cfg.deadlift.rounded_back
    lo, hi = cfg.view.front_max_yaw_deg, rb.side_min_yaw_deg
    rows = []
    for item in labels:
        if item["faults"]["rounded_back"] is None:
            continue
        pose = poses / (item["file"] + ".npz")
        if not pose.is_file():
            continue
        seq = PoseSequence.load(pose)
        result = analyze_sequence(seq, cfg)
        ex = result.exercise.name
        c = cues(seq, ex, overrides)
        y = c["yaw"]
        with np.errstate(invalid="ignore"):
            oblique = ((y >= lo) & (y < hi)) | ((y > 180.0 - hi) & (y <= 180.0 - lo))
        for rep in result.reps:
            m = np.zeros(len(y), dtype=bool)
            m[rep.start_frame:rep.end_frame + 1] = True
            m &= oblique
            if (m & c["judged"]).sum() < hold:
                continue
            row = {"file": item["file"], "label": item["faults"]["rounded_back"],
                   "rep": rep.index, "exercise": ex, "view": item["view"],
                   "yaw": float(np.nanmedian(y[m]))}
            for k in CUES:
                row[k] = held_peak(np.where(m, c[k], np.nan), hold)
            rows.append(row)
    return rows


def _rng(v: np.ndarray) -> str:
    v = v[np.isfinite(v)]
    return f"{v.min():6.1f}..{v.max():6.1f} ({np.median(v):6.1f})" if v.size else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--poses", type=Path, default=None,
                    help="cached poses of the shared real clips (``<clip>.npz``)")
    ap.add_argument("--hold", type=int, default=5, help="frames a peak must be held")
    ap.add_argument("--clean", type=float, default=5.0,
                    help="true roundings up to this (deg) count as no rounding")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    args = ap.parse_args()
    ov = tuple(args.overrides)
    rend = render_reps(args.folders, args.hold, ov)
    real = real_reps(args.poses, args.hold, ov) if args.poses else []
    if rend:
        print(f"rendered reps: {len(rend)} (bodies {sorted({r['body'] for r in rend})}); "
              "held peak per rep, min..max (median), by exercise/clothing and true size:")
        groups: dict[tuple, list] = defaultdict(list)
        for r in rend:
            groups[(r["exercise"], r["clothing"] != "none", round(r["true"] / 5) * 5)].append(r)
        for key in sorted(groups):
            g = groups[key]
            print(f"  {key[0]:8s} {'clothed' if key[1] else 'bare':7s} {key[2]:3d} deg "
                  f"n={len(g):2d}: " + "  ".join(
                      f"{k} {_rng(np.array([r[k] for r in g]))}" for k in CUES))
    if real:
        clean = [r for r in real if r["label"] is False]
        print(f"real labelled clean reps read from 45°: {len(clean)} on "
              f"{len({r['file'] for r in clean})} clips; held peak per rep:")
        for k in CUES:
            print(f"  {k:7s} {_rng(np.array([r[k] for r in clean]))} {UNITS[k]}")
        for r in real:
            print(f"    {'ROUNDED' if r['label'] else 'clean  '} {r['file'][:62]:62s} "
                  f"rep {r['rep']:2d} yaw {r['yaw']:5.1f} " + " ".join(
                f"{k} {r[k]:6.1f}" for k in CUES))
    if not rend:
        return 0
    print(f"bodies held out: limit = just above every training rep with a true rounding "
          f"<= {args.clean:g} deg; found / reps on the held-out body, by true size:")
    bodies = sorted({r["body"] for r in rend})
    sizes = sorted({round(r["true"] / 5) * 5 for r in rend})
    for k in CUES:
        found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        limits = []
        for b in bodies:
            train = [r[k] for r in rend if r["body"] != b and r["true"] <= args.clean
                     and np.isfinite(r[k])]
            lim = max(train) + 1e-6 if train else float("inf")
            limits.append(lim)
            for r in rend:
                if r["body"] == b:
                    s = round(r["true"] / 5) * 5
                    found[s][1] += 1
                    found[s][0] += int(np.isfinite(r[k]) and r[k] >= lim)
        clean = [r for r in real if r["label"] is False]
        real_over = [r for r in clean if np.isfinite(r[k]) and r[k] >= min(limits)]
        print(f"  {k:7s} limits {' '.join(f'{v:6.1f}' for v in limits)} {UNITS[k]:3s}: "
              + "  ".join(f"{s}° {found[s][0]}/{found[s][1]}" for s in sizes)
              + (f"   real clean reps at or over the lowest limit: {len(real_over)}/{len(clean)}"
                 f" on {len({r['file'] for r in real_over})} clips" if real else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
