"""Jerky twist seen from the side (twist round 14, issue 10).

Seen square-on a turn of the shoulders changes their projected width with the cosine of the
turn (flat for small turns); seen from the side it changes it with the sine: a 20 deg turn
swings the shoulders forwards and back by a third of their width. The pose network guesses the
hidden far shoulder, so its landmarks keep only part of that; the segmentation mask does not
guess: either way of turning swings a shoulder blade out behind the back's outline. This bench
fits the side fit (``features.side_landmark_twist_deg``: the head's, shoulders', hips' and
knees' positions in the picture, nearer side first, x as if the lifter faced right, through the
rule's quick-turn filter, a ridge regression on the true twist) and scores the shipped rule
(the fit's quick turn past ``jerky_twist.side_quick_turn_spreads`` spreads, and the upper
back's outline past ``side_outline_spreads`` of its own within half the event window) with
each rendered body held out of the fit and of the limits; then the real shared clips with the
fit and limits chosen on every body.

    python bench/eval_twist.py --plan side render /work/cache/s13-side
    python bench/eval_twist.py --plan side extract /work/cache/s13-side --variant video-full
    python bench/twist_side.py fit                 # writes analysis/data/twist_landmarks_side.json
    python bench/twist_side.py rule [--poses /work/cache/models-full] [--floor DEG]
    python bench/twist_side_margin.py /work/cache/s16/full3   # each real rep's margin

Renders: ``eval_twist.py --plan side`` (eight bodies x squat, deadlift, row x fast and slow,
the camera at the lifter's left or right). Real-clip poses stay outside the repository.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_twist as et  # noqa: E402
from rep_match import counted_rep_of  # noqa: E402

#: The landmarks the side fit weighs, named as if the left side were the nearer one: nose,
#: ears, shoulders, hips, knees (the arms move on their own in a row or a deadlift).
LANDMARKS = (0, 7, 8, 11, 12, 23, 24, 25, 26)
MIN_PRESENCE = 0.5
#: A frame is read only where every landmark lies this many torso lengths inside the picture
#: (at the edge the network guesses what the picture cut off: a close shot's head; 0.1 left
#: every render as it was and took a real oblique rep's false warning away, twist round 15).
EDGE_MARGIN = 0.1
#: A fast twist is found when a finding overlaps its interval widened by this (s).
SLACK_S = 0.3
DEFAULT_DIR = Path("/work/cache/s13-side")
#: ``--view``: the rendered set (eval_twist plan, name filter, default folder), the fit's name
#: in the rule (features.TWIST_LANDMARK_FILES), the settings that make the rule read it, and
#: the real clips' view it is scored on. "45": the same reading turned towards the camera
#: (SignalConfig.twist_oblique_near, off by default), on the jerk set's 45° renders.
VIEWS = {
    "side": dict(plan="side", only=None, dir=DEFAULT_DIR, fit="side", keys="side", sets=[],
                 real="side", backs="_az(90|270)$"),
    "45": dict(plan="jerk", only="_az45$", dir=Path("/work/cache/synth-twist"),
               fit="oblique_near", keys="oblique", sets=["signal.twist_oblique_near=true"],
               real="oblique", backs="_az45$"),
    "rear45": dict(plan="jerk", only="_az135$", dir=Path("/work/cache/s14-rear45"),
                   fit="oblique_far", keys="rear", sets=["signal.twist_oblique_far=true"],
                   real="oblique", backs="_az135$"),
}
#: The twist-free back faults (eval_twist.py --plan backs): not fitted on (fitted as twist-free
#: they moved the side fit onto a real rep), but no limit may warn on them, and they are
#: scored; ``--backs ''`` leaves them out.
DEFAULT_BACKS = Path("/work/cache/s13-backs")
VIEW = "side"
DEFAULT_REAL = Path("/work/cache/models-full")
GRID_SPREADS = (6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 14.0)
GRID_OUTLINE = (0.0, 2.0, 3.0, 4.0, 5.0)
GRID_HIP = (10.0, 20.0, 30.0, 45.0, 60.0, 90.0)
#: ``--floor``: the setting holding each view's least quick turn judged (deg).
FLOOR_KEYS = {"side": "side_min_quick_turn_deg", "45": "min_landmark_quick_turn_deg",
              "rear45": "min_landmark_quick_turn_deg"}


class SideClip:
    """A rendered side view: its poses, truth, the side fit's inputs through the quick-turn
    filter (``X``) and the true twist through the same filter, signed as the fit reads it
    (``y``), over the frames of its reps."""

    def __init__(self, root: Path, name: str) -> None:
        from formcheck.analysis.features import side_landmark_positions
        from formcheck.analysis.signal import quick_turn, quick_turn_taps
        from formcheck.config import Config
        from formcheck.pose.sequence import PoseSequence

        self.name = name
        self.seq = PoseSequence.load(et.pose_path(root, "video-full", name))
        self.tr = et.load_truth(root, name)
        self.body, self.exercise = self.tr["body"], self.tr["exercise"]
        t = self.seq.t_s
        sc = Config().signal
        taps = quick_turn_taps(sc.twist_quick_rise_s, sc.twist_quick_support_s,
                               1.0 / float(np.median(np.diff(t))))
        read = side_landmark_positions(self.seq, LANDMARKS, MIN_PRESENCE, EDGE_MARGIN)
        in_reps = np.zeros(len(t), bool)
        for r in self.tr["reps"]:
            in_reps |= (t >= r["start_s"]) & (t <= r["end_s"])
        if read is None:
            self.X = self.y = None
            return
        pos, left_nearer = read
        cols = pos.reshape(len(t), -1)
        self.X = np.column_stack([quick_turn(cols[:, j], taps) for j in range(cols.shape[1])])
        truth = quick_turn(np.interp(t, self.tr["t_s"], self.tr["twist"]), taps)
        self.y = np.where(in_reps, -truth if left_nearer else truth, np.nan)

    def outcomes(self, res) -> list[dict]:
        """Per twist-assessable rep (the analysis' rep numbers against the rendered ones):
        its kind (10/20/40 fast, slow, clean, or "back": a twist-free rounding or arch) and
        whether the rule warned (a fast twist: a finding overlapping its interval +-SLACK_S),
        with the side read."""
        found = [f for f in res.findings if f.fault == "jerky_twist"]
        ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
        faults = {f["rep"]: f for f in self.tr["faults"] if f["kind"] == "twist"}
        backs = {f["rep"] for f in self.tr["faults"] if f["kind"] != "twist"}
        counted = counted_rep_of(self.tr["reps"], res.reps)  # the counted rep each is (by time)
        rows = []
        for r in (r["rep"] for r in self.tr["reps"]):
            f = faults.get(r)
            q = counted[r]
            kind = "back" if f is None and r in backs else _kind(f)
            row = {"clip": self.name, "body": self.body, "exercise": self.exercise, "rep": r,
                   "kind": kind, "judged": q is not None and bool(ok.get(q, False))}
            hits = [x for x in found if q is not None and x.rep == q]
            if kind not in NEGATIVE:
                a, d = f["interval_s"]
                hits = [x for x in hits if x.start_s <= d + SLACK_S and x.end_s >= a - SLACK_S]
                if hits:
                    best = max(hits, key=lambda x: x.value)
                    row["side_ok"] = best.evidence.get("twist_side") == (
                        "left" if f["peak"] > 0 else "right")
                    row["size_err"] = best.evidence["twist_deg"] - abs(f["peak"])
            row["hit"] = bool(hits)
            rows.append(row)
        return rows


#: Rep kinds on which no twist may be warned.
NEGATIVE = ("clean", "slow", "back")


def _kind(f: dict | None) -> str:
    if f is None:
        return "clean"
    if f["interval_s"][1] - f["interval_s"][0] >= et.SLOW_FROM_S:
        return "slow"
    size = abs(f["peak"])
    return "10" if size < 15 else "20" if size < 30 else "40"


def load(root: Path, backs: Path | None = None) -> list[SideClip]:
    """The view's rendered twists under ``root``, and its twist-free back faults under
    ``backs`` (None: none)."""
    clips = []
    for plan, only, where in ((VIEWS[VIEW]["plan"], VIEWS[VIEW]["only"], root),
                              ("backs", VIEWS[VIEW]["backs"], backs)):
        if where is None:
            continue
        et.PLAN, et.ONLY = plan, [only] if only else None
        clips += [SideClip(where, name) for name, _ in et.plan()
                  if et.pose_path(where, "video-full", name).is_file()]
    return [c for c in clips if c.X is not None]


def _twists(clips: list[SideClip]) -> list[SideClip]:
    """The clips with rendered twists (not the twist-free back faults)."""
    return [c for c in clips if not c.name.startswith("backs_")]


def _fitted(clips: list[SideClip], args: argparse.Namespace) -> list[SideClip]:
    """The clips a fit is made on: the rendered twists, and with ``--fit-backs`` the
    twist-free back faults too (their true twist, none, as the target)."""
    return clips if args.fit_backs else _twists(clips)


def fit(clips: list[SideClip], lam: float) -> np.ndarray:
    """Ridge weights (``twist_learned.ridge``) of the filtered true twist on the filtered
    positions over the reps' frames, ``(len(LANDMARKS), 2)``, scaled so that the largest
    reading over each fast twist (its interval +-SLACK_S) is on average its true size (a
    least-squares gain over these clips' fast twists: the regression alone reads a 40° twist
    as about 20°)."""
    from twist_learned import ridge

    w = ridge(np.vstack([c.X for c in clips]), np.concatenate([c.y for c in clips]), lam)[0]
    read, size = [], []
    for c in clips:
        out = c.X @ w
        t = c.seq.t_s
        for f in c.tr["faults"]:
            if f["kind"] != "twist" or _kind(f) in NEGATIVE:
                continue
            a, d = f["interval_s"]
            x = np.abs(out[(t >= a - SLACK_S) & (t <= d + SLACK_S)])
            if np.isfinite(x).any():
                read.append(float(np.nanmax(x)))
                size.append(abs(f["peak"]))
    read_a, size_a = np.asarray(read), np.asarray(size)
    gain = float(read_a @ size_a / (read_a @ read_a)) if read_a.size else 1.0
    return (w * gain).reshape(-1, 2)


def model_of(w: np.ndarray, fitted: str = "bench"):
    from formcheck.analysis.features import TwistLandmarkModel

    return TwistLandmarkModel(landmarks=LANDMARKS, weights=np.asarray(w, float),
                              min_presence=MIN_PRESENCE, fitted=fitted,
                              edge_margin=EDGE_MARGIN)


def analyse(seqs, model, spreads: float, outline: float, hip: float, exercise=None,
            floor: float | None = None):
    """``analyze_sequence`` of each sequence with ``model`` as the side fit and the three
    limits (and with ``floor`` the least quick turn judged, deg; None: the shipped one);
    yields the results in order."""
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis import features as ft
    from formcheck.config import load_config

    k = VIEWS[VIEW]["keys"]
    cfg = load_config(None, [f"jerky_twist.{k}_quick_turn_spreads={spreads:g}",
                             f"jerky_twist.{k}_outline_spreads={outline:g}",
                             f"jerky_twist.{k}_max_hip_turn_deg={hip:g}",
                             *([f"jerky_twist.{FLOOR_KEYS[VIEW]}={floor:g}"]
                               if floor is not None else []),
                             *VIEWS[VIEW]["sets"]])
    saved, name = ft.twist_landmark_model, VIEWS[VIEW]["fit"]
    ft.twist_landmark_model = lambda v="front": model if v == name else saved(v)
    try:
        for seq in seqs:
            yield analyze_sequence(seq, cfg, exercise=exercise)
    finally:
        ft.twist_landmark_model = saved


def _count(rows: list[dict], kind: str) -> str:
    v = [r for r in rows if r["kind"] == kind and r["judged"]]
    return f"{sum(r['hit'] for r in v)}/{len(v)}"


def _choose(rows_by: dict) -> tuple[float, float, float]:
    """The limits finding the most fast twists while warning on no slow or twist-free rep
    (ties: the stricter; none such: the strictest)."""
    best, key = None, None
    for combo, rows in rows_by.items():
        judged = [r for r in rows if r["judged"]]
        if any(r["hit"] for r in judged if r["kind"] in NEGATIVE):
            continue
        k = (sum(r["hit"] for r in judged if r["kind"] in ("10", "20", "40")), combo[0],
             combo[1], -combo[2])
        if key is None or k > key:
            best, key = combo, k
    return best if best is not None else max(rows_by, key=lambda c: (c[0], c[1], -c[2]))


def cmd_fit(args: argparse.Namespace) -> int:
    from formcheck.fsutil import write_text_atomic

    clips = load(args.dir, args.backs)
    w = fit(_fitted(clips, args), args.lam)
    bodies = ", ".join(sorted({c.body for c in clips}))
    v = VIEWS[VIEW]
    fitted = (f"bench/twist_side.py fit --view {VIEW} --lam {args.lam:g} --edge {args.edge:g}: "
              f"{len(_twists(clips))} rendered {VIEW} views (eval_twist.py --plan "
              f"{v['plan']}" + (f" --only '{v['only']}'" if v["only"] else "")
              + f"; deadlifts, rows, squats; bodies {bodies}), through the quick-turn filter "
              "(0.1 s rise, 0.5 s support)")
    from formcheck.analysis.features import TWIST_LANDMARK_FILES

    out = (Path(__file__).resolve().parents[1] / "src" / "formcheck" / "analysis" / "data"
           / TWIST_LANDMARK_FILES[v["fit"]])
    model = {"landmarks": list(LANDMARKS), "min_presence": MIN_PRESENCE,
             **({"edge_margin": EDGE_MARGIN} if EDGE_MARGIN else {}),
             "weights": np.round(w, 4).tolist(), "fitted": fitted}
    write_text_atomic(out, json.dumps(model, indent=1) + "\n")
    print(f"wrote {out}: {fitted}")
    return 0


def cmd_rule(args: argparse.Namespace) -> int:
    """Each body held out of the fit and of the limits (chosen on the other bodies' own
    held-out outcomes), then the real clips with the fit and limits chosen on every body."""
    clips = load(args.dir, args.backs)
    bodies = sorted({c.body for c in clips})
    combos = [(s, o, h) for s in args.spreads for o in args.outline for h in args.hip]
    # Every clip read with a fit made without its body, under every set of limits.
    held: dict[tuple[float, float, float], list[dict]] = {k: [] for k in combos}
    # With --per-exercise each exercise's clips are read by a fit made on that exercise's
    # clips alone (the rule would pick it by the exercise recognised).
    groups = sorted({c.exercise for c in clips}) if args.per_exercise else [None]
    for body in bodies:
        for ex in groups:
            train = [c for c in clips if c.body != body and ex in (None, c.exercise)]
            model = model_of(fit(_fitted(train, args), args.lam))
            mine = [c for c in clips if c.body == body and ex in (None, c.exercise)]
            for combo in combos:
                for c, res in zip(mine, analyse([c.seq for c in mine], model, *combo,
                                                       floor=args.floor),
                                  strict=True):
                    held[combo].extend(c.outcomes(res))
    scored, chosen = [], []
    for body in bodies:
        pick = _choose({k: [r for r in v if r["body"] != body] for k, v in held.items()})
        chosen.append(pick)
        scored.extend(r for r in held[pick] if r["body"] == body)
    every = _choose(held)
    print(f"{VIEW} views, {len(clips)} clips, bodies held out; limits chosen per fold: "
          + ", ".join("/".join(f"{v:g}" for v in c) for c in chosen)
          + "; on every body: " + "/".join(f"{v:g}" for v in every)
          + " (quick-turn spreads / outline spreads / hip turn, deg)"
          + (f"; least quick turn judged {args.floor:g}°" if args.floor is not None else "")
          + "\n")
    print("| exercise | fast 10° | fast 20° | fast 40° | slow (2 s) warned | no twist warned | "
          "back faults warned | side right | size read − true, deg (p10 to p90) | "
          "reps not judged |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for ex in (*sorted({c.exercise for c in clips}), "all"):
        rows = [r for r in scored if ex == "all" or r["exercise"] == ex]
        side = [r["side_ok"] for r in rows if r.get("side_ok") is not None]
        err = [r["size_err"] for r in rows if "size_err" in r]
        size = (f"{np.median(err):+.1f} ({np.percentile(err, 10):+.1f} to "
                f"{np.percentile(err, 90):+.1f})" if err else "–")
        print(f"| {ex} | {_count(rows, '10')} | {_count(rows, '20')} | {_count(rows, '40')} | "
              f"{_count(rows, 'slow')} | {_count(rows, 'clean')} | {_count(rows, 'back')} | "
              f"{sum(side)}/{len(side)} | "
              f"{size} | {sum(not r['judged'] for r in rows)} |")
    if args.per_exercise:
        print("\n(real clips not read with --per-exercise)")
        return 0
    # Real clips: the fit on every body, the limits chosen on every body.
    from formcheck.pose.sequence import PoseSequence

    model = model_of(fit(_fitted(clips, args), args.lam))
    paths = sorted(args.poses.glob("*.npz"))
    judged = warned = 0
    names = []
    for path in paths:
        seq = PoseSequence.load(path)
        res = next(analyse([seq], model, *every, floor=args.floor))
        if res.view.name != VIEWS[VIEW]["real"]:
            continue
        reps = [a for a in res.assessable if a.fault == "jerky_twist" and a.rep is not None
                and a.assessable]
        found = [f for f in res.findings if f.fault == "jerky_twist"]
        judged += len(reps)
        warned += len({f.rep for f in found})
        names += [f"{path.name.split('.mp4')[0]} rep {f.rep} ({f.value:.1f}°, limit "
                  f"{f.threshold:.1f}°, t {f.start_s:.2f}-{f.end_s:.2f} s)" for f in found]
    print(f"\nreal shared clips seen from the {VIEWS[VIEW]['real']} view ({args.poses}): "
          f"{warned} of {judged} "
          "judged reps warned, limits " + "/".join(f"{v:g}" for v in every))
    for n in names:
        print(f"  {n}")
    print("\nmedian of the folds' limits: "
          + " / ".join(f"{statistics.median(c[i] for c in chosen):g}" for i in range(3)))
    return 0


def main(argv: list[str] | None = None) -> int:
    global VIEW, LANDMARKS, EDGE_MARGIN
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("fit", "rule"):
        p = sub.add_parser(name)
        p.add_argument("--view", choices=sorted(VIEWS), default="side",
                       help="side (shipped) or 45 (the same reading turned towards the camera)")
        p.add_argument("--dir", type=Path, default=None,
                       help="the rendered set (default: the view's folder)")
        p.add_argument("--lam", type=float, default=1.0, help="ridge penalty per 1000 frames")
        p.add_argument("--backs", type=lambda v: Path(v) if v else None, default=DEFAULT_BACKS,
                       help="the twist-free back faults ('' for none)")
        p.add_argument("--landmarks", type=int, nargs="+", default=list(LANDMARKS),
                       help="the landmarks the fit weighs (nearer side named left)")
        p.add_argument("--edge", type=float, default=EDGE_MARGIN,
                       help="torso lengths every landmark read must lie inside the picture")
        p.add_argument("--fit-backs", action="store_true",
                       help="fit on the back faults too, as reps without a twist")
        if name == "rule":
            p.add_argument("--per-exercise", action="store_true",
                           help="one fit per exercise (each made on that exercise's clips)")
            p.add_argument("--poses", type=Path, default=DEFAULT_REAL,
                           help="real shared clips' poses (one .npz per clip)")
            p.add_argument("--spreads", type=float, nargs="+", default=GRID_SPREADS)
            p.add_argument("--outline", type=float, nargs="+", default=GRID_OUTLINE)
            p.add_argument("--hip", type=float, nargs="+", default=GRID_HIP)
            p.add_argument("--floor", type=float, default=None,
                           help="the least quick turn judged, deg (default: the shipped one)")
    args = ap.parse_args(argv)
    VIEW, LANDMARKS, EDGE_MARGIN = args.view, tuple(args.landmarks), args.edge
    if args.dir is None:
        args.dir = VIEWS[VIEW]["dir"]
    return {"fit": cmd_fit, "rule": cmd_rule}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
