"""Jerky twist from a learned linear combination of landmark coordinates (round 12, issue 10).

Rounds 5-8 read the twist from a few hand-made cues (the shoulder line against the hip line
from the network's depth or world landmarks, the projected widths, the torso's flow) and found
none quiet enough: a 20 deg twist needs a noise of at most 1.9 true degrees on the 0.1 s step
filter, the best pair gave 2.7-3.6 (docs/analysis.md, twist round 8). This bench asks whether
the *other* landmarks know more: when the shoulders turn on a lifter bent forward, one shoulder
drops and the other rises in the picture, the head and the knees move with them, and none of
that is in the shoulder-line angle.

Per frame it takes the coordinates of the head, shoulders, elbows, wrists, hips and knees
(image x and y against the hips' midpoint in torso lengths; the network's image depth; the
world landmarks against the hips' midpoint in world torso lengths), runs every column through
the same matched filter (a step turned out in 0.1 s, orthogonal to a constant, a ramp and a
parabola over its support: posture and slow turns read near zero), and fits a ridge regression
of the true twist through that filter, one fit per camera view (front, 45, rear-45), with one
rendered body left out at a time. A rep's score is the largest |output| over the rep (a twist
rep: within its interval +-0.3 s) divided by the output's robust spread over the clip's judged
frames (a z-score). The threshold is chosen on the other bodies' twist-free and slow-twist reps
(at most ``--max-false`` of them over it) and scored on the held-out body. Real clips (every
rep twist-free: none is labelled with a twist) are scored with a fit on every body and the
median of the held-out thresholds.

    python bench/twist_learned.py noise                 # spread and gain per view, vs the cues
    python bench/twist_learned.py detect                # per view and size, bodies held out
    python bench/twist_learned.py detect --features xy:torso --support 0.5
    python bench/twist_learned.py worst -n 8            # real reps scoring highest
    python bench/twist_learned.py rule --train jerk,shapes,bar --score-only '' --per-body \
        --renders DIR --set jerky_twist.landmark_spread_clear_turns=false   # a setting off

Inputs (caches outside the repository, as ``bench/twist_agree.py``): rendered out-and-back
twists /work/cache/synth-twist (45°) and /work/cache/s15-front (square-on;
``twist_agree.JERK_DIRS``), realistic shapes /work/cache/s4-twist-shapes, back squats
/work/cache/s12-barsquat, real shared clips /work/cache/models-full; or (``--renders DIR``)
square-on renders made elsewhere: ``eval_twist.py render DIR/front``, ``--plan shapes ...
DIR/shapes``, ``--plan bar ... DIR/bar``, each then ``extract ... --variant video-full``
(their flows are cached in DIR/flow). Prints tables; writes nothing else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import twist_agree as ta  # noqa: E402
from rep_match import counted_rep_of  # noqa: E402

#: MediaPipe landmarks read: nose, eyes, ears, shoulders, elbows, wrists, hips, knees.
LANDMARKS = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26)
#: ``--features KIND[:SUBSET]``: the subsets of LANDMARKS (by name).
SUBSETS = {
    "all": LANDMARKS,
    "torso": (0, 2, 5, 7, 8, 11, 12, 23, 24, 25, 26),  # no elbows or wrists
    "noarm": (0, 2, 5, 7, 8, 11, 12, 23, 24),  # no arms, no knees
    "core": (7, 8, 11, 12, 23, 24),  # ears, shoulders, hips
    "headless": (11, 12, 23, 24, 25, 26),  # shoulders, hips, knees: a glance is no twist
    "headless-arms": (11, 12, 13, 14, 15, 16, 23, 24, 25, 26),
}
SUBSET_NAME = {v: k for k, v in SUBSETS.items()}
#: ``rule --hands-max-distance``: the hands-at-the-shoulders limit tried in place of the
#: shipped one (SignalConfig.twist_hands_max_distance); None: the shipped one.
HANDS_MAX_DISTANCE: float | None = None
#: ``rule --set SECTION.FIELD=VALUE``: further settings every run of the rule reads (e.g. a setting
#: switched off, to score it side by side with the shipped one).
EXTRA_SETS: list[str] = []
#: A frame's coordinates are not read where a used landmark's presence is under this.
MIN_PRESENCE = 0.5


def coordinates(seq, subset: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Per frame, the subset's coordinates in the three kinds (NaN where a landmark used was
    not present)."""
    from formcheck.analysis.features import landmark_positions

    idx = list(subset)
    xy = np.asarray(seq.image_xy, float)  # pixels
    hip = xy[:, [23, 24]].mean(axis=1)
    scale = float(np.nanmedian(np.linalg.norm(xy[:, [11, 12]].mean(axis=1) - hip, axis=1)))
    # the shipped rule's own reading (features.landmark_positions), without its presence gate
    # (applied below to every kind alike)
    out = {"xy": landmark_positions(seq, subset, 0.0).reshape(len(xy), -1)}
    if seq.image_z is not None:
        z = np.asarray(seq.image_z, float) * seq.width / scale  # z is in image widths
        out["z"] = z[:, idx] - z[:, [11, 12]].mean(axis=1, keepdims=True)
    w = np.asarray(seq.world_xyz, float)
    wh = w[:, [23, 24]].mean(axis=1)
    wscale = float(np.nanmedian(np.linalg.norm(w[:, [11, 12]].mean(axis=1) - wh, axis=1)))
    out["world"] = ((w[:, idx] - wh[:, None]) / wscale).reshape(len(w), -1)
    seen = (np.asarray(seq.presence, float)[:, idx] >= MIN_PRESENCE).all(axis=1)
    return {k: np.where(seen[:, None], v, np.nan) for k, v in out.items()}


class LearnedClip(ta.Clip):
    """A twist_agree clip that also keeps its landmark coordinates through the step filter,
    and the true twist through the same filter (renders)."""

    KINDS: tuple[str, ...] = ("xy",)
    SUBSET: tuple[int, ...] = SUBSETS["torso"]
    SUPPORT_S = 0.5
    RISE_S = 0.1

    def __init__(self, name, seq, tr, src, cfg, exercise=None):
        from formcheck.analysis.signal import quick_turn, quick_turn_taps

        super().__init__(name, seq, tr, src, cfg, exercise)
        # The rule's own quick-turn filter (signal.quick_turn_taps / quick_turn).
        taps = quick_turn_taps(self.RISE_S, self.SUPPORT_S, self.fps)
        coords = coordinates(seq, self.SUBSET)
        missing = [k for k in self.KINDS if k not in coords]
        cols = np.hstack([coords[k] for k in self.KINDS]) if not missing else None
        # Frames where the rule reads no cue (trunk unseen, a tracking break, a picture cut)
        # are not read here either: the world cue's NaNs carry that mask.
        ok = np.isfinite(self.cues["world"]) if "world" in self.cues else np.zeros(len(seq), bool)
        self.X = None if cols is None else np.column_stack(
            [quick_turn(np.where(ok, cols[:, j], np.nan), taps) for j in range(cols.shape[1])])
        self.y = None if tr is None else quick_turn(
            np.interp(self.t, tr["t_s"], tr["twist"]), taps)
        self.cue_amp = {k: quick_turn(v, taps) for k, v in self.cues.items()}
        # For the fits the rule ships (``fit``, ``rule``): the image positions as the rule
        # reads them (features.landmark_positions), through the same filter, per landmark set
        # (``P_hp_for``).
        self.seq, self.exercise = seq, exercise
        self._ok, self._taps, self._p_hp = ok, taps, {}
        self.P_hp = self.P_hp_for(self.SUBSET)
        self.y_hp = self.y

    def P_hp_for(self, subset: tuple[int, ...]) -> np.ndarray:
        """``(T, 2 * len(subset))``: the subset's x and y (features.landmark_positions, NaN
        where one of them is under MIN_PRESENCE or the rule reads no cue), filtered."""
        from formcheck.analysis.features import landmark_positions
        from formcheck.analysis.signal import quick_turn

        if subset not in self._p_hp:
            pos = landmark_positions(self.seq, subset, MIN_PRESENCE)
            pos = (np.full((len(self.t), 2 * len(subset)), np.nan) if pos is None
                   else pos.reshape(len(self.t), -1))
            pos = np.where(self._ok[:, None], pos, np.nan)
            self._p_hp[subset] = np.column_stack([quick_turn(pos[:, j], self._taps)
                                                  for j in range(pos.shape[1])])
        return self._p_hp[subset]

    @property
    def hands_at_shoulders(self) -> bool:
        """Whether the rule reads this clip with the hands-at-the-shoulders fit
        (features.hands_at_shoulders with the shipped limits)."""
        from formcheck.analysis.features import hands_at_shoulders
        from formcheck.config import Config

        sc = Config().signal
        return hands_at_shoulders(self.seq, HANDS_MAX_DISTANCE or sc.twist_hands_max_distance,
                                  sc.twist_hands_min_share)


def ridge(x: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge weights of ``y`` on the columns of ``x`` (standardised; penalty ``lam`` per 1000
    rows), over the rows where everything is finite; also those rows' ``x`` and ``y``."""
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
    x, y = x[ok], y[ok]
    s = x.std(axis=0) + 1e-9
    xs = x / s
    w = np.linalg.solve(xs.T @ xs + lam * len(y) * 1e-3 * np.eye(x.shape[1]), xs.T @ y) / s
    return w, x, y


def mirror_symmetric(w: np.ndarray, landmarks: tuple[int, ...]) -> np.ndarray:
    """``w`` (x, y weight per landmark, flattened) made to read a mirrored lifter as the same
    twist to the other side. Mirroring the picture swaps each left landmark with its right one
    and negates x (against the hips' midpoint), and turns a twist to the left into one to the
    right; a linear reading does the same only if each pair's x weights are equal and their y
    weights opposite: the mean of ``w`` and its mirror image, which keeps what is symmetric."""
    from formcheck.pose.landmarks import Landmark as L

    names = [L(i).name for i in landmarks]
    other = [names.index(n.replace("LEFT_", "RIGHT_") if n.startswith("LEFT_")
                         else n.replace("RIGHT_", "LEFT_")) for n in names]
    w = np.asarray(w, float).reshape(-1, 2)
    return np.column_stack([(w[:, 0] + w[other, 0]) / 2.0,
                            (w[:, 1] - w[other, 1]) / 2.0]).ravel()


#: ``rule --real-penalty MU``: real clips whose filtered reading the fit also keeps near 0
#: (weight MU against the renders' rows), set by ``cmd_rule``; empty: none.
QUIET_ON: list = []
REAL_PENALTY = 0.0


def fit_angle(clips: list[LearnedClip], lam: float,
              subset: tuple[int, ...] | None = None,
              quiet_on: list | None = None) -> np.ndarray:
    """Weights (one per position column) whose sum, through the rule's quick-turn filter
    (``signal.quick_turn_taps``: a 0.1 s turn against a parabola over ``--support``), reads
    the true twist through the same filter in true degrees: ridge over the judged frames, made
    mirror-symmetric (``mirror_symmetric``: the renders turn one way more than the other, and
    a mirrored clip must read the same), then divided by its gain on the frames of a twist
    (ridge shrinks)."""
    subset = LearnedClip.SUBSET if subset is None else subset
    x = np.vstack([c.P_hp_for(subset)[c.judged] for c in clips])
    y = np.concatenate([c.y_hp[c.judged] for c in clips])
    quiet_on = QUIET_ON if quiet_on is None else quiet_on
    if REAL_PENALTY > 0 and quiet_on:
        # Rows asking the reading to stay at 0 on those clips (they are taken as twist-free),
        # weighted MU against the renders' rows in all.
        r = np.vstack([c.P_hp_for(subset)[c.judged] for c in quiet_on])
        r = r[np.isfinite(r).all(axis=1)]
        k = np.sqrt(REAL_PENALTY * len(y) / max(len(r), 1))
        w = ridge(np.vstack([x, k * r]), np.concatenate([y, np.zeros(len(r))]), lam)[0]
        ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
        x, y = x[ok], y[ok]
    else:
        w, x, y = ridge(x, y, lam)
    w = mirror_symmetric(w, subset)
    big = np.abs(y) > 3.0
    gain = float((x[big] @ w) @ y[big] / (y[big] @ y[big]))
    return w / gain


def source_of(c) -> str:
    """A shared real clip's source repository's owner (its file name's second field)."""
    return c.name.split("__")[1]


def real_spread_by_source(clips, ren: list, lam: float) -> np.ndarray:
    """Per square-on real clip, its reading's robust spread (true degrees: the fit's gain on
    renders is 1) with the fit made without the clip's source among the quiet clips."""
    real = real_of(clips, "front")
    out = []
    for src in sorted({source_of(c) for c in real}):
        w = fit_angle(ren, lam, quiet_on=[c for c in real if source_of(c) != src])
        for c in real:
            if source_of(c) == src:
                out.append(ta.robust_sigma(np.where(c.judged, c.P_hp @ w, np.nan)))
    return np.array([v for v in out if np.isfinite(v)])


def model_of(w: np.ndarray, fitted: str, subset: tuple[int, ...] | None = None):
    from formcheck.analysis.features import TwistLandmarkModel

    return TwistLandmarkModel(landmarks=LearnedClip.SUBSET if subset is None else subset,
                              weights=np.asarray(w, float).reshape(-1, 2),
                              min_presence=MIN_PRESENCE, fitted=fitted)


def view_of(c: ta.Clip) -> str:
    return ta.vgroup(c)


def fit(clips: list[LearnedClip], lam: float) -> np.ndarray:
    """Ridge weights (columns standardised, penalty ``lam`` per 1000 frames) of the filtered
    true twist on the filtered coordinates, over the judged frames."""
    return ridge(np.vstack([c.X[c.judged] for c in clips]),
                 np.concatenate([c.y[c.judged] for c in clips]), lam)[0]


def output(c: LearnedClip, w: np.ndarray) -> np.ndarray:
    return c.X @ w


def rep_scores(c: LearnedClip, out: np.ndarray) -> list[dict]:
    """Per judged rep: kind (10/20/40 fast, slow, clean), shape, z-score, side right."""
    sigma = ta.robust_sigma(np.where(c.judged, out, np.nan))
    if not np.isfinite(sigma) or sigma <= 0:
        return []
    z = out / sigma
    rows = []
    for rep, f, kind, shape, x in ta.rep_windows(c, z):
        k, side = ta.peak_and_side(x, f, kind)
        rows.append({"clip": c.name, "src": c.src, "rep": rep, "kind": kind, "shape": shape,
                     "score": float(abs(x[k])), "side": side, "t_s": float(c.t[k]),
                     "sigma": sigma})
    return rows


def load(args: argparse.Namespace) -> list[LearnedClip]:
    from formcheck.config import load_config

    LearnedClip.KINDS = tuple(args.features.split(":")[0].split("+"))
    LearnedClip.SUBSET = SUBSETS[args.features.partition(":")[2] or "all"]
    LearnedClip.SUPPORT_S = args.support
    LearnedClip.RISE_S = args.rise
    # As the rule reads today: the flow with the hands and bar left out, no cue read near a
    # picture cut.
    ta.FLOW[:] = ["mask-bar"]
    ta.MIN_SEEN[:] = [0.25]
    ta.CUTS[:] = [True]
    ta.Clip = LearnedClip  # load_all builds its clips through this name
    # The clips' own cues as before this fit (the landmark cue is what is measured here).
    clips = ta.load_all(load_config(None, ["signal.twist_landmark_cue=false"]))
    return [c for c in clips if c.X is not None]


def rendered_views(clips):
    return [v for v in ("front", "45", "rear-45")
            if any(c.src != "real" and view_of(c) == v for c in clips)]


def real_of(clips, view: str):
    """Real clips scored with a view's fit: square-on ones with the front fit, turned ones
    with the 45 fit (the rule cannot tell a 45 from a rear-45 view apart in every clip)."""
    if view == "rear-45":
        return []
    return [c for c in clips if c.src == "real" and (view_of(c) == "front") == (view == "front")]


def cmd_noise(args: argparse.Namespace) -> int:
    clips = load(args)
    print(f"features {args.features}, support {args.support} s, lambda {args.lam:g}")
    print("| view | clips (held-out body) | learned σ, deg | gain | σ / gain | best cue: σ / gain "
          "| real clips | real σ / gain |")
    print("|---|---|---|---|---|---|---|---|")
    for view in rendered_views(clips):
        ren = [c for c in clips if c.src != "real" and view_of(c) == view]
        per, cue_eff = [], {}
        for body in sorted({c.body for c in ren}):
            w = fit([c for c in ren if c.body != body], args.lam)
            for c in ren:
                if c.body != body:
                    continue
                out = output(c, w)
                clean = c.clean_mask() & np.isfinite(out)
                tw = c.judged & ~c.clean_mask() & np.isfinite(out) & (np.abs(c.y) > 3)
                if clean.sum() < 10 or tw.sum() < 5:
                    continue
                gain = float(np.sum(out[tw] * c.y[tw]) / np.sum(c.y[tw] ** 2))
                per.append((ta.robust_sigma(out[clean]), gain))
                for k, v in c.cue_amp.items():
                    ok = clean & np.isfinite(v)
                    t2 = tw & np.isfinite(v)
                    if ok.sum() >= 10 and t2.sum() >= 5:
                        g = float(np.sum(v[t2] * c.y[t2]) / np.sum(c.y[t2] ** 2))
                        cue_eff.setdefault(k, []).append(ta.robust_sigma(v[ok]) / abs(g))
        if not per:
            continue
        p = np.array(per)
        gain = float(np.median(p[:, 1]))
        best = min(cue_eff.items(), key=lambda kv: np.median(kv[1])) if cue_eff else None
        w = fit(ren, args.lam)
        real = [ta.robust_sigma(np.where(c.judged, output(c, w), np.nan))
                for c in real_of(clips, view)]
        real = [s for s in real if np.isfinite(s)]
        print(f"| {view} | {len(p)} | {np.median(p[:, 0]):.2f} | {gain:.2f} | "
              f"{np.median(p[:, 0] / np.abs(p[:, 1])):.2f} | "
              + (f"{best[0]} {np.median(best[1]):.2f}" if best else "–")
              + f" | {len(real)} | "
              + (f"{np.median(real) / gain:.2f} (p90 {np.percentile(real, 90) / gain:.2f})"
                 if real else "–") + " |")
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    clips = load(args)
    print(f"features {args.features}, support {args.support} s, lambda {args.lam:g}, "
          f"at most {args.max_false:g} of held-in twist-free and slow reps over the threshold")
    print("| view | fast 10° | fast 20° | fast 40° | shapes 10° | shapes 20° | slow warned | "
          "no twist warned | side right | thresholds (z) | real reps warned (clips) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for view in rendered_views(clips):
        ren = [c for c in clips if c.src != "real" and view_of(c) == view]
        res, ths = [], []
        for body in sorted({c.body for c in ren}):
            held_in = [c for c in ren if c.body != body]
            w = fit([c for c in held_in if c.src in args.train], args.lam)
            neg = [r["score"] for c in held_in for r in rep_scores(c, output(c, w))
                   if r["kind"] in ("clean", "slow")]
            th = float(np.quantile(neg, 1 - args.max_false)) if neg else np.inf
            ths.append(th)
            for c in ren:
                if c.body == body:
                    for r in rep_scores(c, output(c, w)):
                        r["hit"] = r["score"] > th
                        res.append(r)

        def count(sel, res=res) -> str:
            v = [r for r in res if sel(r)]
            return f"{sum(r['hit'] for r in v)}/{len(v)}" if v else "–"

        side = [r["side"] for r in res if r["hit"] and r["side"] is not None]
        w = fit([c for c in ren if c.src in args.train], args.lam)
        th = float(np.median(ths))
        real = [r for c in real_of(clips, view) for r in rep_scores(c, output(c, w))]
        warned = [r for r in real if r["score"] > th]
        print(f"| {view} | {count(lambda r: r['src'] == 'jerk' and r['kind'] == '10')} | "
              f"{count(lambda r: r['src'] == 'jerk' and r['kind'] == '20')} | "
              f"{count(lambda r: r['src'] == 'jerk' and r['kind'] == '40')} | "
              f"{count(lambda r: r['src'] == 'shapes' and r['kind'] == '10')} | "
              f"{count(lambda r: r['src'] == 'shapes' and r['kind'] == '20')} | "
              f"{count(lambda r: r['kind'] == 'slow')} | "
              f"{count(lambda r: r['kind'] == 'clean')} | {sum(side)}/{len(side)} | "
              f"{', '.join(f'{t:.1f}' for t in ths)} | "
              + (f"{len(warned)}/{len(real)} ({len({r['clip'] for r in warned})} of "
                 f"{len({r['clip'] for r in real})})" if real else "–") + " |")
    return 0


def cmd_worst(args: argparse.Namespace) -> int:
    clips = load(args)
    for view in ("front", "45"):
        ren = [c for c in clips if c.src != "real" and view_of(c) == view]
        if not ren:
            continue
        w = fit(ren, args.lam)
        real = sorted((r for c in real_of(clips, view) for r in rep_scores(c, output(c, w))),
                      key=lambda r: -r["score"])
        print(f"{view} fit, real clips:")
        for r in real[:args.n]:
            print(f"  z {r['score']:5.1f} (σ {r['sigma']:.2f})  {r['clip']} rep {r['rep']} "
                  f"at {r['t_s']:.2f} s")
    return 0


def rep_outcomes(c: LearnedClip, res) -> list[dict]:
    """Per twist-assessable rep of one analysed clip: its kind (10/20/40 fast, slow, clean;
    every real rep is clean) and whether the rule warned (a twist rep: a finding overlapping
    the twist +-``ta.SLACK_S``), with the side and size read."""
    found = [f for f in res.findings if f.fault == "jerky_twist"]
    ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
    faults = {f["rep"]: f for f in c.tr["faults"]} if c.tr else {}
    reps = [r["rep"] for r in c.tr["reps"]] if c.tr else [r.index for r in res.reps]
    # A rendered rep is the counted rep it overlaps most (a real clip's reps are its own).
    counted = counted_rep_of(c.tr["reps"], res.reps) if c.tr else {r: r for r in reps}
    out = []
    for r in reps:
        q = counted[r]
        if q is None or not ok.get(q, False):
            continue
        f = faults.get(r)
        row = {"clip": c.name, "src": c.src, "body": c.body, "rep": r,
               "exercise": c.tr["exercise"] if c.tr else None}
        row["kind"] = ta.rep_kind(f)[0]
        if row["kind"] in ("clean", "slow"):
            hits = [x for x in found if x.rep == q]
        else:
            a, d = f["interval_s"]
            hits = [x for x in found if x.rep == q and x.start_s <= d + ta.SLACK_S
                    and x.end_s >= a - ta.SLACK_S]
            size = abs(f["peak"])
            if hits:
                best = max(hits, key=lambda x: x.value)
                row["side_ok"] = best.evidence.get("twist_side") == (
                    "left" if f["peak"] > 0 else "right")
                row["size_err"] = best.evidence["twist_deg"] - size
        row["hit"] = bool(hits)
        row["what"] = "; ".join(x.message for x in hits)
        out.append(row)
    return out


def _grid(args) -> list[tuple[float, float]]:
    return [(r, d) for r in args.spreads for d in args.degs]


#: The rendered view a fit is made on -> the fit's name in the rule (features.TWIST_LANDMARK_FILES).
FIT_VIEW = {"front": "front", "45": "oblique"}


def _overrides(spreads: float, deg: float, view: str = "front") -> list[str]:
    return [f"jerky_twist.landmark_quick_turn_spreads={spreads:g}",
            f"jerky_twist.min_landmark_quick_turn_deg={deg:g}",
            f"signal.twist_landmark_oblique={'true' if view != 'front' else 'false'}",
            f"signal.twist_quick_rise_s={LearnedClip.RISE_S:g}"] + (
        [f"signal.twist_hands_max_distance={HANDS_MAX_DISTANCE:g}"] if HANDS_MAX_DISTANCE
        else []) + EXTRA_SETS


#: The landmarks the hands-at-the-shoulders fit weighs (features.TWIST_LANDMARK_FILES
#: "front_hands"): the arms with the shoulders, hips and knees.
HANDS_SUBSET = SUBSETS["headless-arms"]


def _run(clips, models: dict, combos, view: str = "front") -> dict[tuple[float, float], list[dict]]:
    """Every clip analysed with ``models`` (fit name -> model, or None for no such fit) in
    place of the shipped landmark fits of those names, once per pair of limits (with the fit
    for 45 deg: its limits the landmark cue's; the front fit as shipped)."""
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis import features as ft
    from formcheck.config import load_config

    saved = ft.twist_landmark_model
    ft.twist_landmark_model = lambda v="front": models[v] if v in models else saved(v)
    try:
        out = {}
        for rate, deg in combos:
            cfg = load_config(None, _overrides(rate, deg, view))
            out[(rate, deg)] = [row for c in clips for row in
                                rep_outcomes(c, analyze_sequence(c.seq, cfg,
                                                                 exercise=c.exercise))]
        return out
    finally:
        ft.twist_landmark_model = saved


def _choose(rows_by: dict, max_false: float) -> tuple[float, float]:
    """The pair finding the most fast twists with at most ``max_false`` of twist-free and
    slow reps warned (ties: the stricter pair)."""
    best, key = None, None
    for combo, rows in rows_by.items():
        neg = [r for r in rows if r["kind"] in ("clean", "slow")]
        pos = [r for r in rows if r["kind"] in ("10", "20", "40")]
        if not neg or sum(r["hit"] for r in neg) > max_false * len(neg):
            continue
        k = (sum(r["hit"] for r in pos), combo[0], combo[1])
        if key is None or k > key:
            best, key = combo, k
    return best if best is not None else max(rows_by)


def _table(rows: list[dict], label: str, fast_src: str = "jerk") -> None:
    """One table row; the fast columns count ``fast_src``'s clips (the out-and-back set, or
    the back squats: "bar")."""
    def cnt(sel) -> str:
        v = [r for r in rows if sel(r)]
        return f"{sum(r['hit'] for r in v)}/{len(v)}" if v else "–"

    side = [r["side_ok"] for r in rows if r.get("side_ok") is not None]
    err = [r["size_err"] for r in rows if "size_err" in r]
    print(f"| {label} | {cnt(lambda r: r['src'] == fast_src and r['kind'] == '10')} | "
          f"{cnt(lambda r: r['src'] == fast_src and r['kind'] == '20')} | "
          f"{cnt(lambda r: r['src'] == fast_src and r['kind'] == '40')} | "
          f"{cnt(lambda r: r['src'] == 'shapes' and r['kind'] == '10')} | "
          f"{cnt(lambda r: r['src'] == 'shapes' and r['kind'] == '20')} | "
          f"{cnt(lambda r: r['kind'] == 'slow')} | {cnt(lambda r: r['kind'] == 'clean')} | "
          f"{sum(side)}/{len(side)} | "
          + (f"{np.median(err):+.1f} ({np.percentile(err, 10):+.1f} to "
             f"{np.percentile(err, 90):+.1f})" if err else "–") + " |")


def _of_view(clips, view: str, exercise: str | None = None):
    return [c for c in clips if c.src != "real" and view_of(c) == view
            and (exercise is None or c.exercise == exercise)]


def cmd_fit(args: argparse.Namespace) -> int:
    """Fit on every rendered body (front views) and write the model as the rule reads it."""
    import json

    from formcheck.fsutil import write_text_atomic

    clips = load(args)
    ren = [c for c in _of_view(clips, args.view) if c.src in args.train]
    subset, name, what = LearnedClip.SUBSET, FIT_VIEW[args.view], f"--features {args.features}"
    if args.hands:
        if args.view != "front" and not args.out:
            raise SystemExit("fit --hands: only the square-on hands fit ships (give --out for "
                             "another view's)")
        ren = [c for c in ren if c.hands_at_shoulders]
        subset, name, what = HANDS_SUBSET, f"{name}_hands", "--hands"
    w = fit_angle(ren, args.lam, subset)
    names = ", ".join(sorted({c.body for c in ren}))
    kinds = ", ".join(sorted({f"{c.exercise}s" for c in ren}))
    fitted = (f"bench/twist_learned.py fit --view {args.view} {what} "
              f"--lam {args.lam:g}: {len(ren)} rendered {args.view}-view clips "
              f"({'+'.join(args.train)}; {kinds}; bodies {names}), "
              f"through the quick-turn filter ({args.rise:g} s rise, {args.support:g} s support)")
    model = {"landmarks": list(subset), "min_presence": MIN_PRESENCE,
             "weights": np.round(w.reshape(-1, 2), 4).tolist(), "fitted": fitted}
    from formcheck.analysis.features import TWIST_LANDMARK_FILES

    out = Path(args.out) if args.out else (
        Path(__file__).resolve().parents[1] / "src" / "formcheck" / "analysis" / "data"
        / TWIST_LANDMARK_FILES[name])
    write_text_atomic(out, json.dumps(model, indent=1) + "\n")
    print(f"wrote {out}: {fitted}")
    return 0


def cmd_rule(args: argparse.Namespace) -> int:
    """The shipped rule with the landmark cue, front views, bodies held out: per held-out
    body, the fit and the threshold pair are chosen on the other bodies; then the fit and
    pair chosen on every body, on the real clips."""
    clips = load(args)
    ren = _of_view(clips, args.view, args.exercise)
    combos = _grid(args)
    held_rows: list[dict] = []
    chosen = []
    global REAL_PENALTY
    REAL_PENALTY = args.real_penalty
    if REAL_PENALTY > 0:
        if args.view != "front":
            raise SystemExit("--real-penalty: square-on fits only")
        sp = real_spread_by_source(clips, [c for c in ren if c.src in args.train], args.lam)
        print(f"real square-on clips' spread, the fit made without the clip's source (true "
              f"deg): median {np.median(sp):.2f}, p90 {np.percentile(sp, 90):.2f} (n={sp.size})")
        QUIET_ON[:] = real_of(clips, "front")  # every real clip, for the renders' figures

    def models_of(fitted_on: list[LearnedClip], label: str) -> dict:
        """The fits the rule reads for the view, each made on ``fitted_on``: the view's own
        and, square-on, the hands-at-the-shoulders one on those clips that hold them there
        (None: the rule reads those clips with the view's own, as with --no-hands)."""
        train = [c for c in fitted_on if c.src in args.train]
        own = FIT_VIEW[args.view]
        out = {own: None if args.hands_only else model_of(fit_angle(train, args.lam), label)}
        hands = [c for c in train if c.hands_at_shoulders]
        out[f"{own}_hands"] = (model_of(fit_angle(hands, args.lam, HANDS_SUBSET), label,
                                        HANDS_SUBSET) if hands and args.hands else None)
        return out

    for body in sorted({c.body for c in ren}):
        held_in = [c for c in ren if c.body != body]
        models = models_of(held_in, f"held out {body}")
        combo = _choose(_run([c for c in held_in if c.src not in args.score_only], models,
                             combos, args.view), args.max_false)
        chosen.append(combo)
        held_rows += _run([c for c in ren if c.body == body], models, [combo],
                          args.view)[combo]
    hands = [c.name for c in ren if c.hands_at_shoulders]
    print(f"features {args.features}, lambda {args.lam:g}, fit on {'+'.join(args.train)}"
          + (f"; {len(hands)} clips with the hands at the shoulders read with their own fit "
             f"({SUBSET_NAME[HANDS_SUBSET]})" if hands and args.hands else
             "; no hands-at-the-shoulders fit")
          + f"; pairs chosen per held-out body (spreads, least deg): {chosen}"
          + (f"; with {' '.join(EXTRA_SETS)}" if EXTRA_SETS else ""))
    print(f"| {args.view} view | fast 10° | fast 20° | fast 40° | shapes 10° | shapes 20° | "
          "slow warned | no twist warned | side right | size read − true, deg (p10 to p90) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    _table([r for r in held_rows if r["src"] != "bar"], "bodies held out")
    for ex in sorted({r["exercise"] for r in held_rows if r["src"] != "bar"}):
        _table([r for r in held_rows if r["exercise"] == ex and r["src"] != "bar"],
               f"bodies held out, {ex}s")
    bar = [r for r in held_rows if r["src"] == "bar"]
    if bar:
        _table(bar, "back squats (bar on the back), bodies held out", fast_src="bar")
    if args.per_body:
        for body in sorted({r["body"] for r in held_rows}):
            _table([r for r in held_rows if r["body"] == body and r["src"] != "bar"],
                   f"held out {body}")
            if any(r["body"] == body and r["src"] == "bar" for r in held_rows):
                _table([r for r in held_rows if r["body"] == body and r["src"] == "bar"],
                       f"held out {body}, back squats", fast_src="bar")
    models = models_of(ren, "all")
    every = _run(ren, models, combos, args.view)
    combo = _choose({k: [r for r in v if r["src"] not in args.score_only]
                     for k, v in every.items()}, args.max_false)
    _table([r for r in every[combo] if r["src"] != "bar"],
           f"every body, pair {combo} (in-sample)")
    if any(r["src"] == "bar" for r in every[combo]):
        _table([r for r in every[combo] if r["src"] == "bar"],
               f"back squats, every body, pair {combo}", fast_src="bar")
    real = [c for c in clips if c.src == "real"]
    rows = _run(real, models, [combo], args.view)[combo]
    warned = [r for r in rows if r["hit"]]
    print(f"\nreal clips with that fit and pair: {len(warned)} of {len(rows)} twist-assessable "
          f"reps warned, {len({r['clip'] for r in warned})} of {len({r['clip'] for r in rows})} "
          "clips")
    for r in warned:
        print(f"  {r['clip']} rep {r['rep']}: {r['what']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("noise", "detect", "worst", "fit", "rule"):
        p = sub.add_parser(name)
        p.add_argument("--features", default="xy:headless" if name in ("fit", "rule")
                       else "xy:torso",
                       help="KIND[+KIND][:SUBSET], KIND in xy, z, world; SUBSET in "
                            + ", ".join(SUBSETS))
        p.add_argument("--support", type=float, default=0.5,
                       help="the step filter's support, s (shorter: slow turns read less)")
        p.add_argument("--lam", type=float, default=10.0, help="ridge penalty")
        p.add_argument("--rise", type=float, default=0.1,
                       help="the quick-turn filter's rise, s (the fit's and the rule's)")
        p.add_argument("--max-false", type=float, default=0.02)
        p.add_argument("-n", type=int, default=8)
        if name in ("fit", "rule"):
            p.add_argument("--view", choices=sorted(FIT_VIEW), default="front",
                           help="the rendered view fitted on (and judged)")
        if name == "rule":
            p.add_argument("--exercise", default=None,
                           help="fit and judge one exercise's renders only")
        if name == "fit":
            p.add_argument("--out", default=None,
                           help="default: the package's file for the view")
            p.add_argument("--hands", action="store_true",
                           help="the hands-at-the-shoulders fit (square-on renders whose "
                                "hands stay at the shoulders; shoulders, arms, hips, knees)")
        if name == "rule":
            p.add_argument("--no-hands", dest="hands", action="store_false",
                           help="read every clip with the view's own fit")
            p.add_argument("--score-only", default="bar",
                           help="rendered sets scored but not used to choose the limits "
                                "(comma-separated; '' for none)")
            p.add_argument("--real-penalty", type=float, default=0.0,
                           help="also keep the fit's reading near 0 on the real square-on "
                                "clips, weighted this much against the renders (their spread "
                                "scored held out by source)")
            p.add_argument("--hands-max-distance", type=float, default=None,
                           help="the hands count as at the shoulders within this many torso "
                                "lengths (default: the shipped SignalConfig limit)")
            p.add_argument("--set", dest="sets", action="append", default=[],
                           metavar="SECTION.FIELD=VALUE",
                           help="a further setting for every run of the rule (repeatable), "
                                "e.g. jerky_twist.landmark_spread_clear_turns=false")
            p.add_argument("--per-body", action="store_true",
                           help="also a table row per held-out body")
            p.add_argument("--hands-only", action="store_true",
                           help="no fit of the view's own: only the clips with the hands at "
                                "the shoulders are read by a landmark fit (the others by the "
                                "rule's other cues)")
        if name == "rule":
            p.add_argument("--spreads", type=lambda v: [float(x) for x in v.split(",")],
                           default=[4.0, 5.0, 6.0, 7.0, 8.0, 10.0],
                           help="limits tried: the quick turn over the reading's spread")
            p.add_argument("--degs", type=lambda v: [float(x) for x in v.split(",")],
                           default=[3.0, 5.0, 7.0, 9.0],
                           help="limits tried: the quick turn's least size, deg")
        p.add_argument("--renders", type=Path, default=None, metavar="DIR",
                       help="read the square-on renders from DIR/front (the jerk plan), "
                            "DIR/shapes and DIR/bar, their flows cached in DIR/flow, "
                            "in place of twist_agree's caches (JERK_DIRS, SHAPES_DIR, BAR_DIR)")
        p.add_argument("--train", default="jerk,shapes",
                       help="rendered sets the fit reads (jerk, shapes); the others are "
                            "scored only: --train jerk holds the realistic shapes out")
    args = ap.parse_args(argv)
    args.train = tuple(args.train.split(","))
    if hasattr(args, "score_only"):
        args.score_only = tuple(s for s in args.score_only.split(",") if s)
    global HANDS_MAX_DISTANCE
    HANDS_MAX_DISTANCE = getattr(args, "hands_max_distance", None)
    EXTRA_SETS[:] = getattr(args, "sets", [])
    if args.renders:
        ta.JERK_DIRS = (args.renders / "front",)
        ta.SHAPES_DIR, ta.BAR_DIR = args.renders / "shapes", args.renders / "bar"
        ta.et.S6_FLOW_DIR = args.renders / "flow"
        ta.et.FLOW_DIR = args.renders / "flow" / "dis"
    return {"noise": cmd_noise, "detect": cmd_detect, "worst": cmd_worst, "fit": cmd_fit,
            "rule": cmd_rule}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
