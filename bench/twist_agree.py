"""Jerky twist by coincidence of independent cues (round 8, issue 10): do the twist cues' noises
agree with each other, and does demanding that they agree find twists that no single cue can?

The cues, each in true degrees (calibrated like ``features.compute_twist``, with what the
lifter's posture explains removed): the projected shoulder/hip **widths** (turned views), the
image landmarks' **depth** (MediaPipe's image z), the **world** landmarks (the same network's 3D
guess) and the torso's optical **flow** (square-on views only, as the rule). A real twist moves
all of them at once, in the same direction; their noises come from different places.

Each cue is run through matched filters for a turn of the shoulders (a step turned out in
0.1 or 0.25 s, a pulse out and back in 0.2 or 0.5 s), each orthogonal to a constant, a ramp
and a parabola over its support (so a slow, steady turn reads near zero), and divided by its
own robust noise over the clip's judged frames (a z-score). The detector combines the cues'
z-scores (Stouffer sum, or the smallest |z| of cues agreeing in sign) and takes each rep's
largest value over the templates; thresholds are chosen on all bodies but one (twist-free and
slow-twist reps warned at most ``--max-false`` of the time) and scored on the held-out body.

    python bench/twist_agree.py corr       # noise cross-correlation, twist-free reps and real
    python bench/twist_agree.py snr        # each cue's score on twists against its noise, and
                                           # the filters on the true twist (the ceiling)
    python bench/twist_agree.py detect     # per view and shape, bodies held out; real clips
    python bench/twist_agree.py worst -n N # real clips: frames where the flow is noisiest (/tmp)
    python bench/twist_agree.py rate       # real 60 fps clips: each cue's noise at half the rate
    python bench/twist_agree.py crop --px 100000  # real clips: the flow with a full-size crop
    python bench/twist_agree.py masks [--min-seen 0.25]  # round 9: each mask's share and noise
    python bench/twist_agree.py seen       # round 9: how much of the bands each mask leaves
    python bench/twist_agree.py cuts [--near N --write]  # round 9: the picture-cut flags (/tmp)

Options for all: ``--cues front=depth,world,flow --cues turned=width,world`` (the cues
combined), ``--template NAME`` (repeat; the templates scored), ``--norm own|floor|fixed``
(what a z-score is taken against), ``--mask-hands drop|hold`` (the flow where a wrist is in
front of the torso), ``--flow mask-NAME --min-seen S`` (round 9: the masked flow, frames
seen under S left out), ``--cuts`` (round 9: no cue read near a picture cut).

Inputs (caches outside the repository): rendered jerks /work/cache/synth-twist (flows
/work/cache/twist-flow), realistic shapes /work/cache/s4-twist-shapes (flows in its flow/),
real shared clips /work/cache/models-full with every frame's flow from
/work/cache/s4-posepass-flow/clips. Prints tables; writes nothing unless asked.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_twist as et  # noqa: E402

JERK_DIR = Path("/work/cache/synth-twist")
#: Every folder holding part of the jerk plan's renders: the 45° ones above, the square-on
#: ones rendered again in session 15 (``python bench/eval_twist.py --only '_az0$' render
#: /work/cache/s15-front``, then ``extract``). A clip is read from the folder holding its poses.
JERK_DIRS = (JERK_DIR, Path("/work/cache/s15-front"))
SHAPES_DIR = Path("/work/cache/s4-twist-shapes")
BAR_DIR = Path("/work/cache/s12-barsquat")  # back squats square-on (eval_twist --plan bar)
REAL_POSES = Path("/work/cache/models-full")
REAL_FLOWS = Path("/work/cache/s4-posepass-flow/clips")
CLIPS = Path(__file__).resolve().parents[2] / "shared" / "clips"
VIEWS = {0.0: "front", 45.0: "45", 135.0: "rear-45"}
#: Matched-filter templates: (name, kind, seconds: rise of a step / length of a pulse,
#: support in seconds).
TEMPLATES = (("step 0.1 s", "step", 0.1, 0.8), ("step 0.25 s", "step", 0.25, 1.0),
             ("pulse 0.2 s", "pulse", 0.2, 0.8), ("pulse 0.5 s", "pulse", 0.5, 1.4))
#: The templates the detector takes its largest score over (``--template``; default all).
USE_TEMPLATES: list[str] = []
CUES = ("width", "depth", "world", "flow")
#: A twist rep is found when the detector's peak lies within this of the twist's interval.
SLACK_S = 0.3


def _shape(kind: str, dur: float, t: np.ndarray) -> np.ndarray:
    """A unit turn centred on t = 0: a raised-cosine step of rise ``dur``, or a raised-cosine
    pulse out and back over ``dur``."""
    if kind == "step":
        u = np.clip((t + dur / 2) / dur, 0.0, 1.0)
        return 0.5 - 0.5 * np.cos(np.pi * u)
    u = np.clip((t + dur / 2) / dur, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(2 * np.pi * u)


def matched_filter(kind: str, dur: float, support_s: float, fps: float) -> np.ndarray:
    """Filter taps ``h`` (odd length) such that ``sum(h * x[window])`` is the least-squares
    amplitude (deg) of the template in ``x`` next to a constant, a ramp and a parabola."""
    half = max(2, int(round(support_s * fps / 2)))
    t = np.arange(-half, half + 1) / fps
    g = _shape(kind, dur, t)
    nuis = np.vstack([np.ones_like(t), t, t * t]).T
    q, _ = np.linalg.qr(nuis)
    g_perp = g - q @ (q.T @ g)
    return g_perp / float(g_perp @ g_perp)


def filtered(x: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """``x`` correlated with ``taps`` (centred); NaN wherever the window holds a NaN."""
    bad = ~np.isfinite(x)
    if bad.all():
        return np.full(x.shape, np.nan)
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[~bad], x[~bad]) if bad.any() else x
    out = np.correlate(filled, taps, mode="same")
    reach = np.convolve(bad.astype(float), np.ones(len(taps)), mode="same") > 0
    half = len(taps) // 2
    reach[:half] = True
    reach[len(x) - half:] = True
    return np.where(reach, np.nan, out)


def robust_sigma(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    if v.size < 10:
        return float("nan")
    return float(1.4826 * np.median(np.abs(v - np.median(v))))


def cue_signals(seq, sig, cfg) -> dict[str, np.ndarray]:
    """Each available cue as a twist in true degrees (posture removed, calibrated with the
    shipped shares), NaN where the trunk is not seen or the cue does not apply."""
    from formcheck.analysis import features as ft
    from formcheck.analysis import geometry as geo

    sc = cfg.signal
    tw = sig.twist
    ok = sig.trunk_visible
    posture = np.vstack([sig.trunk_deg, sig.trunk_deg ** 2, sig.hip_height_ratio,
                         sig.wrist_height_ratio])
    w = geo.Joints.gather(seq.world_xyz, ft.WORLD_LANDMARKS)
    out: dict[str, np.ndarray] = {}
    if tw.view_off_deg >= sc.twist_width_zero_deg:
        out["width"] = np.where(tw.width_weight > 0, tw.width_deg, np.nan)
    depth = ft.image_depth_joints(seq)
    if depth is not None:
        out["depth"] = ft._without_posture(geo.twist_deg(depth), posture, ok) / \
            sc.twist_depth_kept
    out["world"] = ft._without_posture(geo.twist_deg(w), posture, ok) / sc.twist_world_kept
    if HANDS_MASK == ["hold"] and seq.torso_flow is not None:
        from dataclasses import replace

        seq = replace(seq, torso_flow=np.where(hands_on_torso(seq)[:, None], np.nan,
                                               seq.torso_flow))
    flow = ft.flow_twist_deg(seq)
    if flow is not None and tw.view_off_deg < sc.twist_width_zero_deg:
        out["flow"] = ft._without_posture((1.0 if tw.facing else -1.0) * flow, posture, ok) / \
            sc.twist_flow_kept
    if "flow" in out and HANDS_MASK == ["drop"]:
        out["flow"] = np.where(hands_on_torso(seq), np.nan, out["flow"])
    if "flow" in out and MIN_SEEN:
        # round 9: leave the flow out where a band was not read or the mask left less than
        # this share of a band (the rule reads a frame without a flow as no motion)
        drop = ~np.isfinite(seq.torso_flow).all(axis=1)
        if seq.torso_flow_seen is not None:
            drop |= np.nan_to_num(seq.torso_flow_seen) < MIN_SEEN[0]
        out["flow"] = np.where(drop, np.nan, out["flow"])
    # No cue is read across a cut or a lost track (the rule's own tracking-break check).
    ok = ok & ~sig.tracking_break
    if CUTS and seq.picture_cut is not None:
        # round 9: nor across a picture cut (pose.flow.PictureCut), within CUT_SPAN_S of it
        cut_t = seq.t_s[seq.picture_cut]
        for t in cut_t:
            ok &= np.abs(seq.t_s - t) > CUT_SPAN_S
    return {k: np.where(ok, v, np.nan) for k, v in out.items()}


#: Round 9 (``--flow mask-NAME``): the flow with what the hands hide left out
#: (``eval_twist.MASKS``); "dis": as the pose pass stored it before round 9.
FLOW: list[str] = ["dis"]
#: ``--min-seen S``: the flow left out where less than S of a band was readable.
MIN_SEEN: list[float] = []
#: ``--cuts``: no cue read within CUT_SPAN_S of a frame the pose pass flags as following a
#: picture cut (``pose.flow.PictureCut``, replayed from the cached changes).
CUTS: list[bool] = []
CUT_SPAN_S = 0.5


def with_round9(seq, video: Path, tag: str | None):
    """``seq`` with the round-9 masked flow (``FLOW``), its seen share and the cut flags."""
    from dataclasses import replace

    if not FLOW[0].startswith("mask-") and not CUTS:
        return seq
    got = et.mask_flows(video, seq.image_xy, tag)
    m = got[FLOW[0][5:]] if FLOW[0].startswith("mask-") else got["arms"]
    if len(m["bands"]) != len(seq):
        return seq
    kw = {"picture_cut": et.picture_cuts(et.cut_changes(video)) if CUTS else None}
    if FLOW[0].startswith("mask-"):
        kw.update(torso_flow=m["bands"], torso_flow_seen=m["seen"])
    return replace(seq, **kw)


#: ``--mask-hands``: on frames with a wrist in front of the torso, leave the flow out ("drop")
#: or read it as standing still ("hold"); empty: as the pose pass stored it.
HANDS_MASK: list[str] = []


def hands_on_torso(seq) -> np.ndarray:
    """Per frame: a wrist lies inside the image quad of shoulders and hips (the hands then
    cover the bands whose motion the flow reads)."""
    from formcheck.pose.landmarks import Landmark as L

    xy = seq.image_xy.astype(np.float64)
    quad = [xy[:, L.LEFT_SHOULDER], xy[:, L.RIGHT_SHOULDER], xy[:, L.RIGHT_HIP],
            xy[:, L.LEFT_HIP]]
    out = np.zeros(len(xy), bool)
    for w in (L.LEFT_WRIST, L.RIGHT_WRIST):
        p = xy[:, w]
        signs = []
        for a, b in zip(quad, quad[1:] + quad[:1], strict=True):
            e, d = b - a, p - a
            signs.append(np.sign(e[:, 0] * d[:, 1] - e[:, 1] * d[:, 0]))
        s = np.vstack(signs)
        out |= (s == s[0]).all(axis=0) & (s[0] != 0)
    return out


class Clip:
    """One analysed sequence: its cues' matched-filter outputs and z-scores, the judged reps
    and (rendered) the truth."""

    def __init__(self, name: str, seq, tr: dict | None, src: str, cfg, exercise=None):
        from formcheck.analysis import analyze_sequence
        from formcheck.analysis.features import compute_signals

        self.name, self.tr, self.src = name, tr, src
        res = analyze_sequence(seq, cfg, exercise=exercise)
        sig = compute_signals(seq, cfg)
        self.t = seq.t_s
        self.fps = sig.fps
        self.view = VIEWS.get(tr["azimuth"], "?") if tr else res.view.name
        self.body = tr["body"] if tr else name.split("__")[1] if "__" in name else name
        ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
        self.reps = [(r.index, r.start_frame, r.end_frame) for r in res.reps
                     if ok.get(r.index, ok.get(None, False))]
        judged = np.zeros(len(seq), bool)
        for _, a, b in self.reps:
            judged[a:b + 1] = True
        self.judged = judged
        self.cues = cue_signals(seq, sig, cfg) if sig.twist is not None else {}
        #: square-on (the rule reads the flow) or turned (the widths)
        self.square = bool(sig.twist is not None
                           and sig.twist.view_off_deg < cfg.signal.twist_width_zero_deg)
        self.amp: dict[tuple[str, str], np.ndarray] = {}
        self.z: dict[tuple[str, str], np.ndarray] = {}
        self.sigma: dict[tuple[str, str], float] = {}
        for tname, kind, dur, sup in TEMPLATES:
            taps = matched_filter(kind, dur, sup, self.fps) if self.fps > 0 else None
            for c, x in self.cues.items():
                if taps is None or len(taps) >= len(x):
                    continue
                a = filtered(x, taps)
                s = robust_sigma(np.where(judged, a, np.nan))
                if not np.isfinite(s) or s <= 0:
                    continue
                self.amp[(c, tname)] = a
                self.sigma[(c, tname)] = s
                self.z[(c, tname)] = a / s
        self.truth_amp = {}
        if tr is not None:
            for tname, kind, dur, sup in TEMPLATES:
                taps = matched_filter(kind, dur, sup, self.fps)
                self.truth_amp[tname] = filtered(np.interp(self.t, tr["t_s"], tr["twist"]), taps)

    def clean_mask(self) -> np.ndarray:
        """Judged frames away from any true twist (every judged frame of a real clip)."""
        if self.tr is None:
            return self.judged.copy()
        return self.judged & et._clean_frames(self.t, self.tr)

    def combined(self, cues: tuple[str, ...], how: str) -> np.ndarray | None:
        """Per frame, the largest |combined z| over the templates, signed (NaN where any cue is
        missing). ``how``: "sum" (Stouffer: sum of z over sqrt(k)) or "and" (the smallest |z|
        of the cues, 0 unless all agree in sign)."""
        best = None
        for tname in USE_TEMPLATES or [t[0] for t in TEMPLATES]:
            zs = [self.z.get((c, tname)) for c in cues]
            if any(z is None for z in zs):
                return None
            zz = np.vstack(zs)
            if how == "sum":
                v = zz.sum(axis=0) / np.sqrt(len(cues))
            else:
                agree = (np.sign(zz) == np.sign(zz[0])).all(axis=0)
                v = np.where(agree, np.sign(zz[0]) * np.abs(zz).min(axis=0), 0.0)
                v = np.where(np.isfinite(zz).all(axis=0), v, np.nan)
            if best is None:
                best = v
            else:
                take = np.nan_to_num(np.abs(v), nan=-1) > np.nan_to_num(np.abs(best), nan=-1)
                best = np.where(take, v, best)
        return best


def load_all(cfg, real: bool = True, samples: bool = False) -> list[Clip]:
    from formcheck.pose.sequence import PoseSequence

    clips = []
    for plan, d, src in (*(("jerk", j, "jerk") for j in JERK_DIRS),
                         ("shapes", SHAPES_DIR, "shapes"), ("bar", BAR_DIR, "bar")):
        et.PLAN = plan
        for name, tr, seq in et._poses_of(d, "video-full", None, "dis"):
            seq = with_round9(seq, d / f"{name}.mp4", None)
            clips.append(Clip(name, seq, tr, src, cfg, exercise=tr["exercise"]))
    et.PLAN = "jerk"
    if real:
        from dataclasses import replace

        for pp in sorted(REAL_POSES.glob("*.npz")):
            clip = pp.name[:-4]
            seq = PoseSequence.load(pp)
            fp = REAL_FLOWS / f"{clip}.flow.npz"
            if fp.is_file():
                bands = np.load(fp)["bands"]
                if len(bands) == len(seq):
                    seq = replace(seq, torso_flow=bands)
            seq = with_round9(seq, CLIPS / clip, "models-full")
            c = Clip(clip, seq, None, "real", cfg)
            if c.reps:
                clips.append(c)
    return clips


#: The cues combined per view group (``--cues front=depth,world,flow``): what the rule can read
#: there (the flow square-on only, the widths turned).
#: Turned, the image depth is left out by default: at 45 deg it keeps 0.16 of a twist (round 6)
#: and reads up to 277 z on real turned lifts (``snr``).
VIEW_CUES = {"front": ("depth", "world", "flow"), "turned": ("width", "world")}


def view_cues(view: str) -> tuple[str, ...]:
    return VIEW_CUES["front" if view == "front" else "turned"]


def vgroup(c: Clip) -> str:
    """The clip's view for the tables: rendered by its camera; real square-on or turned."""
    return c.view if c.src != "real" else ("front" if c.square else "45")


def renormalise(clips: list[Clip], norm: str) -> None:
    """z-scores against each clip's own robust noise ("own"), against it but never below the
    median noise of rendered twist-free clips of the same view group ("floor": a clip whose
    cue barely moves must not turn a wiggle into a large z), or against that median alone
    ("fixed", in true degrees the same for every clip)."""
    if norm == "own":
        return
    pooled: dict[tuple, list[float]] = defaultdict(list)
    for c in clips:
        if c.src != "real":
            for k, s in c.sigma.items():
                pooled[("front" if vgroup(c) == "front" else "turned", *k)].append(s)
    med = {k: float(np.median(v)) for k, v in pooled.items()}
    for c in clips:
        g = "front" if vgroup(c) == "front" else "turned"
        for k, s in c.sigma.items():
            m = med.get((g, *k), s)
            c.z[k] = c.amp[k] / (max(s, m) if norm == "floor" else m)


def cmd_corr(args: argparse.Namespace) -> int:
    """Cross-correlation of the cues' noise: on judged twist-free frames, the Pearson
    correlation of each pair of cues' matched-filter z-scores (pooled over clips of a view),
    and how often two cues pass |z| >= 3 together with the same sign, against chance."""
    from formcheck.config import load_config

    cfg = load_config(None, [])
    clips = load_all(cfg)
    tname = args.template
    groups: dict[tuple[str, str], list[Clip]] = defaultdict(list)
    for c in clips:
        view = c.view if c.src != "real" else ("front" if c.square else "turned")
        groups[("rendered" if c.src != "real" else "real", view)].append(c)
    print(f"template {tname}; z = matched-filter output over the clip's robust noise; "
          "twist-free judged frames\n")
    print("| set | view | cue pair | clips | frames | corr of z | corr of rate | "
          "both |z|>=3 same sign (chance) |")
    print("|---|---|---|---|---|---|---|---|")
    from formcheck.analysis.signal import Gradient

    for (sset, view), cs in sorted(groups.items()):
        pairs: dict[tuple[str, str], list] = defaultdict(list)
        for c in cs:
            m = c.clean_mask()
            keys = [k for k in CUES if (k, tname) in c.z]
            grad = Gradient.of(c.t)
            rates = {k: grad.apply(et.smooth_like_analysis(c.t, c.cues[k])) for k in keys}
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    za, zb = c.z[(a, tname)], c.z[(b, tname)]
                    sel = m & np.isfinite(za) & np.isfinite(zb)
                    if sel.sum() < 10:
                        continue
                    pairs[(a, b)].append((c.name, za[sel], zb[sel], rates[a][sel], rates[b][sel]))
        for (a, b), rows in sorted(pairs.items()):
            za = np.concatenate([r[1] for r in rows])
            zb = np.concatenate([r[2] for r in rows])
            # rates normalised per clip, so no clip dominates the pooled correlation
            ra = np.concatenate([r[3] / max(robust_sigma(r[3]), 1e-9) for r in rows])
            rb = np.concatenate([r[4] / max(robust_sigma(r[4]), 1e-9) for r in rows])
            both = float(np.mean((np.abs(za) >= 3) & (np.abs(zb) >= 3)
                                 & (np.sign(za) == np.sign(zb))))
            pa, pb = np.mean(np.abs(za) >= 3), np.mean(np.abs(zb) >= 3)
            print(f"| {sset} | {view} | {a}-{b} | {len(rows)} | {len(za)} | "
                  f"{np.corrcoef(za, zb)[0, 1]:+.2f} | {np.corrcoef(ra, rb)[0, 1]:+.2f} | "
                  f"{100 * both:.2f}% ({100 * pa * pb / 2:.2f}%) |")
    # Tails: how heavy is each cue's noise beyond a Gaussian's?
    print("\n| set | view | cue | frames | share |z|>=3 (Gaussian 0.27%) | |z|>=5 |")
    print("|---|---|---|---|---|---|")
    for (sset, view), cs in sorted(groups.items()):
        for k in CUES:
            v = [c.z[(k, tname)][c.clean_mask()] for c in cs if (k, tname) in c.z]
            if not v:
                continue
            v = np.concatenate(v)
            v = v[np.isfinite(v)]
            print(f"| {sset} | {view} | {k} | {len(v)} | {100 * np.mean(np.abs(v) >= 3):.2f}% | "
                  f"{100 * np.mean(np.abs(v) >= 5):.2f}% |")
    return 0


def rep_kind(f: dict | None) -> tuple[str, str]:
    """(kind, shape) of a rep from its rendered twist ``f`` (None: no twist): kind "clean",
    "slow" (an out-and-back jerk lasting a slow twist's time) or the fast size "10"/"20"/"40"."""
    if f is None:
        return "clean", "none"
    shape = f.get("shape", "jerk")
    if shape == "jerk" and f["interval_s"][1] - f["interval_s"][0] >= et.SLOW_FROM_S:
        return "slow", shape
    size = abs(f["peak"])
    return ("10" if size < 15 else "20" if size < 30 else "40"), shape


def peak_and_side(x: np.ndarray, f: dict | None, kind: str) -> tuple[int, bool | None]:
    """The frame of ``x``'s largest |value| (a rep's score) and, for a fast twist ``f``,
    whether the sign where ``x`` first comes within 0.8 of that peak is the twist's side."""
    k = int(np.nanargmax(np.abs(x)))
    if f is None or kind == "slow":
        return k, None
    first = int(np.argmax(np.nan_to_num(np.abs(x)) >= 0.8 * abs(x[k])))
    return k, bool(np.sign(x[first]) == np.sign(f["peak"]))


def rep_windows(c: Clip, values: np.ndarray):
    """Per counted rep of ``c``: (rep, its rendered twist or None, kind, shape, ``values`` on
    the rep's frames, within the twist's interval +-SLACK_S for a fast twist, NaN elsewhere);
    reps with no finite value there are left out."""
    faults = {f["rep"]: f for f in c.tr["faults"]} if c.tr else {}
    for r, a, b in c.reps:
        f = faults.get(r)
        seg = np.zeros(len(values), bool)
        seg[a:b + 1] = True
        kind, shape = rep_kind(f)
        if kind not in ("clean", "slow"):
            lo, hi = f["interval_s"]
            seg &= (c.t >= lo - SLACK_S) & (c.t <= hi + SLACK_S)
        x = np.where(seg, values, np.nan)
        if np.isfinite(x).any():
            yield r, f, kind, shape, x


def rep_rows(c: Clip, cues: tuple[str, ...], how: str) -> list[dict]:
    """Per judged rep: kind (twist size and shape / slow / clean), the largest |combined z|
    (for a twist rep: within its interval +-SLACK_S) and whether its sign is the twist's."""
    v = c.combined(cues, how)
    if v is None:
        return []
    out = []
    for r, f, kind, shape, x in rep_windows(c, v):
        k, side_ok = peak_and_side(x, f, kind)
        out.append({"clip": c.name, "src": c.src, "view": c.view, "body": c.body, "kind": kind,
                    "shape": (f"{shape} {c.name.rsplit('_', 1)[-1]}" if c.src == "shapes" and f
                              else shape if c.src == "shapes" else ("jerk" if f else "none")),
                    "score": float(abs(x[k])), "side_ok": side_ok, "rep": r,
                    "t_s": float(c.t[k])})
    return out


def cmd_detect(args: argparse.Namespace) -> int:
    """Per view and shape, with thresholds chosen on the other bodies: twists found, slow and
    twist-free reps warned; then the real clips' reps warned at each view's thresholds, and
    the threshold the real clips would need for none."""
    from formcheck.config import load_config

    cfg = load_config(None, [])
    clips = load_all(cfg)
    renormalise(clips, args.norm)
    rows: list[dict] = []
    for c in clips:
        view = vgroup(c)
        for how in args.how:
            for r in rep_rows(c, view_cues(view), how):
                r["how"] = how
                r["vgroup"] = view
                rows.append(r)
    # How much of the judged time the detector can score (a cue missing, a template's support
    # running past the clip or a gap, or the flow left out under the hands, leaves a frame out).
    cover: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for c in clips:
        v = c.combined(view_cues(vgroup(c)), "sum")
        key = ("real" if c.src == "real" else "rendered", vgroup(c))
        cover[key][0] += int(np.isfinite(v[c.judged]).sum()) if v is not None else 0
        cover[key][1] += int(c.judged.sum())
    print("judged frames the detector scores: " + ", ".join(
        f"{k[0]} {k[1]} {100 * a / max(b, 1):.0f}% of {b}" for k, (a, b) in sorted(cover.items())))
    for how in args.how:
        print(f"\n### combination: {how} (cues per view: front {view_cues('front')}, turned "
              f"{view_cues('45')})\n")
        print("| view | set | shape | fast 10° found | fast 20-25° found | fast 40° found | "
              "slow warned | twist-free warned | side right (found) | threshold z (per body) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        summary = defaultdict(lambda: [0, 0])
        for view in ("front", "45", "rear-45"):
            rend = [r for r in rows if r["how"] == how and r["src"] != "real"
                    and r["vgroup"] == view]
            bodies = sorted({r["body"] for r in rend})
            thr_by_body = {}
            for b in bodies:
                neg = np.array([r["score"] for r in rend if r["body"] != b
                                and r["kind"] in ("clean", "slow")])
                if not neg.size:
                    continue
                # the smallest threshold that warns at most max_false of the other bodies'
                # twist-free and slow-twist reps
                srt = np.sort(neg)[::-1]
                allowed = int(np.floor(args.max_false * len(srt)))
                thr_by_body[b] = float(srt[allowed]) + 1e-6 if allowed < len(srt) else 0.0
            cell = defaultdict(lambda: [0, 0])
            sides = [0, 0]
            for r in rend:
                thr = thr_by_body.get(r["body"])
                if thr is None:
                    continue
                hit = r["score"] >= thr
                key = (r["src"], r["shape"], r["kind"])
                cell[key][0] += int(hit)
                cell[key][1] += 1
                summary[(view, r["kind"])][0] += int(hit)
                summary[(view, r["kind"])][1] += 1
                if hit and r["side_ok"] is not None:
                    sides[0] += int(r["side_ok"])
                    sides[1] += 1
            for src, shape in sorted({(k[0], k[1]) for k in cell}):
                if shape == "none":
                    continue
                vals = []
                for kind in ("10", "20", "40", "slow", "clean"):
                    h, n = cell.get((src, shape, kind), [0, 0])
                    if kind == "clean":
                        h, n = cell.get((src, "none", "clean"), [0, 0])
                    vals.append(f"{h}/{n}" if n else "–")
                print(f"| {view} | {src} | {shape} | " + " | ".join(vals) + " | | |")
            thr_txt = ", ".join(f"{b} {t:.1f}" for b, t in sorted(thr_by_body.items()))
            print(f"| {view} | all | all | " + " | ".join(
                f"{summary[(view, k)][0]}/{summary[(view, k)][1]}"
                for k in ("10", "20", "40", "slow", "clean"))
                + f" | {sides[0]}/{sides[1]} | {thr_txt} |")
            real = [r for r in rows if r["how"] == how and r["src"] == "real"
                    and r["vgroup"] == view]
            if real and thr_by_body:
                thr = float(np.median(list(thr_by_body.values())))
                sc = np.array([r["score"] for r in real])
                warned_clips = {r["clip"] for r in real if r["score"] >= thr}
                print(f"| {view} | real | (median threshold {thr:.1f}) | | | | | "
                      f"{int((sc >= thr).sum())}/{len(sc)} reps, {len(warned_clips)}/"
                      f"{len({r['clip'] for r in real})} clips | | real max {sc.max():.1f} |")
        # What the target asks for, against what the rendered truth allows: per view, the
        # twist-free/slow score that 98% of reps stay under, and the 20 deg / 10 deg scores.
        print("\n| view | twist-free+slow p98 score | real p100 score | fast 10° median score | "
              "fast 20-25° median | fast 40° median |")
        print("|---|---|---|---|---|---|")
        for view in ("front", "45", "rear-45"):
            rr = [r for r in rows if r["how"] == how and r["vgroup"] == view]
            neg = [r["score"] for r in rr if r["src"] != "real" and r["kind"] in ("clean", "slow")]
            real = [r["score"] for r in rr if r["src"] == "real"]
            med = {k: [r["score"] for r in rr if r["src"] != "real" and r["kind"] == k]
                   for k in ("10", "20", "40")}
            print(f"| {view} | {np.percentile(neg, 98):.1f} | "
                  + (f"{max(real):.1f}" if real else "–") + " | "
                  + " | ".join(f"{np.median(v):.1f}" if v else "–" for v in med.values()) + " |")
    if args.verbose:
        for r in sorted(rows, key=lambda r: -r["score"]):
            if r["src"] == "real" or r["kind"] in ("slow", "clean"):
                print(f"  {r['how']} {r['vgroup']} {r['clip'][:60]} rep {r['rep']} {r['kind']} "
                      f"{r['score']:.1f} at {r['t_s']:.2f} s")
    return 0


def cmd_snr(args: argparse.Namespace) -> int:
    """What each cue gives: per view, set/shape and size, the median over twist reps of each
    cue's largest |z| near the twist (best template), against the 98th percentile of the same
    score on twist-free and on slow-twist reps and on real clips' reps (every rep of a real clip
    counts as twist-free: none is labelled with a twist)."""
    from formcheck.config import load_config

    cfg = load_config(None, [])
    clips = load_all(cfg)
    renormalise(clips, args.norm)
    rows = []
    for c in clips:
        view = vgroup(c)
        for cue in (*CUES, "sum", "and"):
            cues = view_cues(view) if cue in ("sum", "and") else (cue,)
            if cue not in ("sum", "and") and cue not in c.cues:
                continue
            for r in rep_rows(c, cues, "and" if cue == "and" else "sum"):
                r["cue"], r["vgroup"] = cue, view
                rows.append(r)
    # The ceiling: the same filters on the true (skeleton) twist, in degrees: how far a perfect
    # cue would set a fast twist apart from a slow one.
    ideal: dict[tuple, list[float]] = defaultdict(list)
    for c in clips:
        if c.tr is None:
            continue
        faults = {f["rep"]: f for f in c.tr["faults"]}
        for r, a, b in c.reps:
            f = faults.get(r)
            if f is None:
                continue
            shape = f.get("shape", "jerk")
            slow = shape == "jerk" and f["interval_s"][1] - f["interval_s"][0] >= et.SLOW_FROM_S
            per = [float(np.nanmax(np.abs(c.truth_amp[t[0]][a:b + 1]))) for t in TEMPLATES]
            ideal[(c.src, "slow" if slow else shape, abs(f["peak"]))].append(per)
    print("| set | twist | size deg | reps | " + " | ".join(t[0] for t in TEMPLATES)
          + " |\n|---|---|---|---|" + "---|" * len(TEMPLATES))
    print("(each template's largest |amplitude| over the rep on the true twist, deg: median "
          "[min-max])")
    for k in sorted(ideal):
        v = np.array(ideal[k])
        print(f"| {k[0]} | {k[1]} | {k[2]:g} | {len(v)} | " + " | ".join(
            f"{np.median(v[:, j]):.1f} [{v[:, j].min():.1f}-{v[:, j].max():.1f}]"
            for j in range(len(TEMPLATES))) + " |")
    # The noise in true degrees: each cue's robust spread of each filter's output per clip
    # (median over clips), rendered and real.
    print("\n| set | view | cue | clips | " + " | ".join(f"σ {t[0]}, deg" for t in TEMPLATES)
          + " |\n|---|---|---|---|" + "---|" * len(TEMPLATES))
    for sset in ("rendered", "real"):
        for view in ("front", "45", "rear-45"):
            for cue in CUES:
                cs = [c for c in clips if (c.src == "real") == (sset == "real")
                      and vgroup(c) == view and (cue, TEMPLATES[0][0]) in c.sigma]
                if not cs:
                    continue
                print(f"| {sset} | {view} | {cue} | {len(cs)} | " + " | ".join(
                    f"{np.nanmedian([c.sigma.get((cue, t[0]), np.nan) for c in cs]):.2f}"
                    for t in TEMPLATES) + " |")
    print()
    print("| view | cue | fast 10° (jerk set) | fast 20° (jerk set) | 40° (jerk set) | "
          "shapes 10° | shapes 20° | twist-free p98 | slow p98 | real p98, max (reps) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for view in ("front", "45", "rear-45"):
        for cue in (*CUES, "sum", "and"):
            rr = [r for r in rows if r["vgroup"] == view and r["cue"] == cue]
            if not rr:
                continue

            def med(src: str, kind: str, rr=rr) -> str:
                v = [r["score"] for r in rr if r["src"] == src and r["kind"] == kind]
                return f"{np.median(v):.1f} ({len(v)})" if v else "–"

            def p98(sel, rr=rr) -> str:
                v = [r["score"] for r in rr if sel(r)]
                return f"{np.percentile(v, 98):.1f} ({len(v)})" if v else "–"

            real = [r["score"] for r in rr if r["src"] == "real"]
            print(f"| {view} | {cue} | {med('jerk', '10')} | {med('jerk', '20')} | "
                  f"{med('jerk', '40')} | {med('shapes', '10')} | {med('shapes', '20')} | "
                  f"{p98(lambda r: r['src'] != 'real' and r['kind'] == 'clean')} | "
                  f"{p98(lambda r: r['kind'] == 'slow')} | "
                  + (f"{np.percentile(real, 98):.1f}, {max(real):.1f} ({len(real)})"
                     if real else "–") + " |")
    return 0


def _frames_png(video: Path, seq, frames: list[int], out: Path, note: str) -> None:
    """The given frames of ``video`` side by side, with the torso's landmarks, the arms and
    the two flow bands' ends drawn, and ``note`` written on top (for looking at, in /tmp)."""
    import cv2

    from formcheck.pose import flow as pf
    from formcheck.pose.landmarks import Landmark as L

    cap = cv2.VideoCapture(str(video))
    tiles = []
    for i in frames:
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, img = cap.read()
        if not ok:
            continue
        xy = seq.image_xy[i]
        pts = {lm: tuple(int(round(v)) for v in np.nan_to_num(xy[lm])) for lm in L}
        for a, b in pf.ARM_SEGMENTS:
            cv2.line(img, pts[a], pts[b], (0, 200, 255), 2)
        quad = [pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER], pts[L.RIGHT_HIP], pts[L.LEFT_HIP]]
        cv2.polylines(img, [np.array(quad)], True, (0, 255, 0), 2)
        s_mid = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
        h_mid = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
        for lo, hi in pf.BANDS:
            for f in (lo, hi):
                c = s_mid + f * (h_mid - s_mid)
                cv2.circle(img, tuple(int(v) for v in np.nan_to_num(c)), 4, (255, 0, 255), -1)
        fl = seq.torso_flow[i] if seq.torso_flow is not None else (np.nan, np.nan)
        cv2.putText(img, f"f{i} t={seq.t_s[i]:.2f}s sh {fl[0]:+.2f} hip {fl[1]:+.2f} px/f",
                    (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
        scale = 480.0 / img.shape[0]
        tiles.append(cv2.resize(img, (int(img.shape[1] * scale), 480)))
    cap.release()
    if tiles:
        strip = np.hstack(tiles)
        cv2.putText(strip, note, (8, 470), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2)
        cv2.imwrite(str(out), strip)


def cmd_worst(args: argparse.Namespace) -> int:
    """Real clips read square-on: the judged frames where the flow cue's twist rate is largest
    (true deg/s, smoothed like the rule), with what the landmark cues read there; writes each
    as a strip of frames (peak -0.1 s, peak, +0.1 s) into ``--out`` (outside the repository:
    frames of third-party clips are never committed)."""
    from formcheck.analysis.signal import Gradient
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, [])
    clips = [c for c in load_all(cfg) if c.src == "real"]
    renormalise(clips, args.norm)
    args.out.mkdir(parents=True, exist_ok=True)
    peaks = []
    for c in clips:
        if "flow" not in c.cues:
            continue
        grad = Gradient.of(c.t)
        rates = {k: grad.apply(et.smooth_like_analysis(c.t, v)) for k, v in c.cues.items()}
        r = np.where(c.judged, np.abs(rates["flow"]), np.nan)
        if not np.isfinite(r).any():
            continue
        i = int(np.nanargmax(r))
        peaks.append((float(r[i]), c, i, {k: float(v[i]) for k, v in rates.items()}))
    peaks.sort(key=lambda p: -p[0])
    print("| clip | t s | flow rate deg/s | depth rate | world rate | flow z | sum z |")
    print("|---|---|---|---|---|---|---|")
    from dataclasses import replace

    for rate, c, i, rates in peaks[: args.n]:
        v = c.combined(view_cues("front"), "sum")
        zf = max((abs(c.z[k][i]) for k in c.z if k[0] == "flow" and np.isfinite(c.z[k][i])),
                 default=float("nan"))
        print(f"| {c.name[:60]} | {c.t[i]:.2f} | {rate:.0f} | {rates.get('depth', np.nan):+.0f} | "
              f"{rates.get('world', np.nan):+.0f} | {zf:.1f} | "
              + (f"{v[i]:+.1f}" if v is not None and np.isfinite(v[i]) else "–") + " |")
        seq = PoseSequence.load(REAL_POSES / f"{c.name}.npz")
        bands = np.load(REAL_FLOWS / f"{c.name}.flow.npz")["bands"]
        seq = with_round9(replace(seq, torso_flow=bands), CLIPS / c.name, "models-full")
        d = max(1, int(round(0.1 * c.fps)))
        _frames_png(CLIPS / c.name, seq, [max(0, i - d), i, min(len(seq) - 1, i + d)],
                    args.out / f"{c.name[:50]}_{i}.png", f"flow {rate:.0f} deg/s")
    for spec in args.at:
        name, at = spec.rsplit("@", 1)
        seq = PoseSequence.load(REAL_POSES / f"{name}.npz")
        fp = REAL_FLOWS / f"{name}.flow.npz"
        if fp.is_file():
            seq = replace(seq, torso_flow=np.load(fp)["bands"])
        i = int(np.argmin(np.abs(seq.t_s - float(at))))
        d = max(1, int(round(0.1 * seq.fps)))
        _frames_png(CLIPS / name, seq, [max(0, i - d), i, min(len(seq) - 1, i + d)],
                    args.out / f"{name[:50]}_{i}.png", f"at {at} s")
    return 0


def _pair_png(video: Path, i: int, out: Path, note: str) -> None:
    """Frames ``i - 1`` and ``i`` of ``video`` side by side (decoded in order: exact frames),
    ``note`` on top, into ``out`` (for looking at, in /tmp)."""
    import cv2

    from formcheck.io.video import FileSource

    tiles = []
    with FileSource(video) as src:
        for k, frame in enumerate(src):
            if k >= i - 1:
                img = np.ascontiguousarray(frame.image)
                scale = 360.0 / img.shape[0]
                tiles.append(cv2.resize(img, (int(img.shape[1] * scale), 360)))
            if k >= i:
                break
    if tiles:
        strip = np.hstack(tiles)
        cv2.putText(strip, note, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2)
        cv2.imwrite(str(out), strip)


def cmd_cuts(args: argparse.Namespace) -> int:
    """Round 9: the picture-cut check (``pose.flow.PictureCut``, replayed from the changes
    cached by ``eval_twist.cut_changes``) on every real shared clip and every rendered one:
    the frames flagged, each with its change, whether the rule's own tracking break
    (``features``: the landmarks jumped or no person) fires within 0.1 s, and written as the
    frame before and the frame itself into ``--out`` (outside the repository), to look at;
    ``--near`` lists the unflagged frames that changed most, to look at too."""
    from formcheck.analysis.features import compute_signals
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, [])
    args.out.mkdir(parents=True, exist_ok=True)
    rend = [0, 0]
    for d in (JERK_DIR, SHAPES_DIR):
        for cp in sorted((et.S6_FLOW_DIR / d.name).glob("*.arms.npz")):
            ch = et.cut_changes(d / cp.name[: -len(".arms.npz")])
            rend[0] += int(et.picture_cuts(ch).sum())
            rend[1] += 1
    print(f"rendered clips (one shot each): {rend[0]} frames flagged in {rend[1]} clips")
    print("\n| clip | frame | t s | change | flagged | rule's tracking break within 0.1 s |")
    print("|---|---|---|---|---|---|")
    flagged = clips = near = 0
    for pp in sorted(REAL_POSES.glob("*.npz")):
        clip = pp.name[:-4]
        cp = et.mask_flow_path(CLIPS / clip, "arms", "models-full")
        if not cp.is_file():
            continue
        change = et.cut_changes(CLIPS / clip)
        cut = et.picture_cuts(change)
        seq = PoseSequence.load(pp)
        brk = compute_signals(seq, cfg).tracking_break
        rows = list(np.nonzero(cut)[0])
        if args.near:
            rest = np.where(cut, -1.0, change)
            rows += [int(i) for i in np.argsort(rest)[::-1][: args.near] if rest[i] >= 0.15]
        flagged += int(cut.sum())
        clips += int(cut.any())
        for i in rows:
            near += int(not cut[i])
            hit = bool(brk[max(0, i - 3):i + 4].any())
            print(f"| {clip[:60]} | {i} | {seq.t_s[i]:.2f} | {change[i]:.2f} | {bool(cut[i])} | "
                  f"{hit} |")
            if args.write:
                _pair_png(CLIPS / clip, int(i), args.out / f"{clip[:40]}_{i}.png",
                          f"{clip[:40]} f{i} change {change[i]:.2f} cut {bool(cut[i])}")
    print(f"\nreal: {flagged} frames flagged in {clips} of 84 clips")
    return 0


def cmd_masks(args: argparse.Namespace) -> int:
    """Round 9: each flow (``dis`` as stored, and every ``eval_twist.MASKS`` mask) square-on:
    the share of a fast twist it keeps (least squares of the calibrated flow cue on the true
    twist over each fast twist +-0.4 s, times the shipped ``twist_flow_kept``; jerk set and
    shapes set separately), and the robust noise of the 0.1 s step filter (median over clips)
    in true degrees with that share, on rendered twist-free reps and real clips."""
    from formcheck.config import load_config

    cfg = load_config(None, [])
    kept0 = cfg.signal.twist_flow_kept
    print("| flow | kept, jerk set (front) | kept, shapes (front) | σ rendered, true deg | "
          "σ real, true deg | real clips | judged frames read, rendered | real |")
    print("|---|---|---|---|---|---|---|---|")
    for flow in ("dis", *(f"mask-{m}" for m in et.MASKS)):
        FLOW[0] = flow
        clips = [c for c in load_all(cfg) if c.square and "flow" in c.cues]
        share = {}
        for sset in ("jerk", "shapes"):
            num = den = 0.0
            for c in clips:
                if c.src != sset:
                    continue
                truth = np.interp(c.t, c.tr["t_s"], c.tr["twist"])
                for f in c.tr["faults"]:
                    a, d = f["interval_s"]
                    if d - a >= et.SLOW_FROM_S:
                        continue
                    pre = (c.t >= a - 0.4) & (c.t < a)
                    win = (c.t >= a) & (c.t <= d + 0.4)
                    m = c.cues["flow"] - np.nanmedian(c.cues["flow"][pre])
                    tru = truth - np.nanmedian(truth[pre])
                    ok = win & np.isfinite(m)
                    num += float(np.sum(m[ok] * tru[ok]))
                    den += float(np.sum(tru[ok] ** 2))
            share[sset] = num / den if den else float("nan")
        k = share["jerk"]
        sig = {sset: [c.sigma[("flow", "step 0.1 s")] / k for c in clips
                      if ((c.src == "real") == (sset == "real"))
                      and ("flow", "step 0.1 s") in c.sigma]
               for sset in ("rendered", "real")}
        cover = {sset: float(np.mean(np.concatenate([
            np.isfinite(c.z[("flow", "step 0.1 s")][c.judged]) if ("flow", "step 0.1 s") in c.z
            else np.zeros(int(c.judged.sum()), bool) for c in clips
            if (c.src == "real") == (sset == "real")]))) for sset in ("rendered", "real")}
        print(f"| {flow} | {kept0 * share['jerk']:.3f} | {kept0 * share['shapes']:.3f} | "
              f"{np.median(sig['rendered']):.2f} | {np.median(sig['real']):.2f} | "
              f"{len(sig['real'])} | {cover['rendered']:.0%} | {cover['real']:.0%} |")
    return 0


def cmd_seen(args: argparse.Namespace) -> int:
    """Round 9: how much of the flow's bands each mask leaves to read (``seen``), on judged
    frames of square-on clips: rendered twist sets and real clips; median and the share of
    frames under 0.25 / 0.5."""
    from formcheck.config import load_config

    cfg = load_config(None, [])
    clips = [c for c in load_all(cfg) if c.square]
    print("| mask | set | clips | judged frames | seen median | p10 | under 0.25 | under 0.5 |")
    print("|---|---|---|---|---|---|---|---|")
    for m in et.MASKS:
        for sset in ("jerk", "shapes", "real"):
            vals = []
            n = 0
            for c in clips:
                if c.src != sset:
                    continue
                video = (CLIPS / c.name if sset == "real" else
                         (JERK_DIR if sset == "jerk" else SHAPES_DIR) / f"{c.name}.mp4")
                cp = et.mask_flow_path(video, m, "models-full" if sset == "real" else None)
                if not cp.is_file():
                    continue
                v = np.load(cp)["seen"]
                if len(v) != len(c.judged):
                    continue
                vals.append(v[c.judged])
                n += 1
            if not vals:
                continue
            v = np.concatenate(vals)
            v = v[np.isfinite(v)]
            print(f"| {m} | {sset} | {n} | {v.size} | {np.median(v):.2f} | "
                  f"{np.percentile(v, 10):.2f} | {np.mean(v < 0.25):.0%} | "
                  f"{np.mean(v < 0.5):.0%} |")
    return 0


def every_other(seq):
    """``seq`` at half its frame rate: every other frame, the torso's flow summed over the two
    steps it spans (the flow from two frames back, as a camera at half the rate would see)."""
    from dataclasses import replace

    flow = None
    if seq.torso_flow is not None:
        f = np.asarray(seq.torso_flow, np.float64)
        pair = f.copy()
        pair[1:] = f[1:] + f[:-1]
        flow = pair[::2].astype(np.float32)
    return replace(seq, t_s=seq.t_s[::2], image_xy=seq.image_xy[::2],
                   world_xyz=seq.world_xyz[::2], visibility=seq.visibility[::2],
                   presence=seq.presence[::2],
                   back_xy=None if seq.back_xy is None else seq.back_xy[::2],
                   image_z=None if seq.image_z is None else seq.image_z[::2], torso_flow=flow)


def cmd_rate(args: argparse.Namespace) -> int:
    """Would a faster camera be quieter? The real clips filmed at 50 fps or more, read at
    their own rate and at half of it (``every_other``): each cue's robust noise on each
    template (calibrated degrees, as ``snr``). For noise independent from frame to frame the
    ratio would be 1/sqrt(2) = 0.71."""
    from dataclasses import replace

    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, [])
    print("| clip | view | cue | template | σ at own fps | σ at half | ratio |")
    print("|---|---|---|---|---|---|---|")
    ratios: dict[str, list[float]] = defaultdict(list)
    for pp in sorted(REAL_POSES.glob("*.npz")):
        seq = PoseSequence.load(pp)
        if seq.fps < 50:
            continue
        clip = pp.name[:-4]
        fp = REAL_FLOWS / f"{clip}.flow.npz"
        if fp.is_file():
            seq = replace(seq, torso_flow=np.load(fp)["bands"])
        full = Clip(clip, seq, None, "real", cfg)
        half = Clip(clip, every_other(seq), None, "real", cfg)
        if not full.reps:
            continue
        for k in sorted(full.sigma):
            if k in half.sigma:
                r = full.sigma[k] / half.sigma[k]
                ratios[k[0]].append(r)
                print(f"| {clip[:45]} | {'square' if full.square else full.view} | {k[0]} | "
                      f"{k[1]} | {full.sigma[k]:.2f} | {half.sigma[k]:.2f} | {r:.2f} |")
    print("\nratio own fps / half, median over clips and templates: " + ", ".join(
        f"{c} {np.median(v):.2f} (n={len(v)})" for c, v in sorted(ratios.items())))
    return 0


CROP_CACHE = Path("/work/cache/s5-twist-crop")


def cmd_crop(args: argparse.Namespace) -> int:
    """Would a sharper flow be quieter? On the real clips read square-on, the torso's flow
    measured as the pose pass does but with its crop scaled to at most ``--px`` pixels
    (``pose.flow.MAX_CROP_PX``, 192 in the pose pass; set here for the measurement only),
    cached under /work/cache/s5-twist-crop; per clip, the flow cue's robust noise on the
    0.1 s step filter (calibrated degrees, as ``snr``), scaled against the 192 px one."""
    from dataclasses import replace

    import flow_gate

    from formcheck.config import load_config
    from formcheck.pose import flow as pf
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, [])
    clips = [c for c in load_all(cfg) if c.src == "real" and c.square]
    sizes = sorted(set(args.px) | {192})
    print("| clip | fps | crop px (median) | " + " | ".join(f"σ flow, max {p} px" for p in sizes)
          + " | CPU ms/frame per size |")
    print("|---|---|---|" + "---|" * len(sizes) + "---|")
    ratios: dict[int, list[float]] = defaultdict(list)
    for c in clips:
        seq = PoseSequence.load(REAL_POSES / f"{c.name}.npz")
        pts = seq.image_xy[:, list(pf.TORSO)]
        spread = np.ptp(pts, axis=1).max(axis=1)
        ext = float(np.nanmedian((np.ptp(pts, axis=1) + 2 * pf.CROP_MARGIN
                                  * spread[:, None]).max(axis=1)))
        sig, cpu = {}, {}
        for px in sizes:
            cache = CROP_CACHE / str(px) / f"{c.name}.flow.npz"
            if not cache.is_file():
                cache.parent.mkdir(parents=True, exist_ok=True)
                old = pf.MAX_CROP_PX
                pf.MAX_CROP_PX = px
                try:
                    bands, spent = flow_gate.measure(CLIPS / c.name, seq.image_xy)
                finally:
                    pf.MAX_CROP_PX = old
                np.savez(cache, bands=bands, cpu_s=spent)
            d = np.load(cache)
            cpu[px] = 1000 * float(d["cpu_s"]) / len(seq)
            one = Clip(c.name, replace(seq, torso_flow=d["bands"]), None, "real", cfg)
            sig[px] = one.sigma.get(("flow", "step 0.1 s"), float("nan"))
        for px in sizes:
            ratios[px].append(sig[px] / sig[192])
        print(f"| {c.name[:50]} | {seq.fps:.0f} | {ext:.0f} | "
              + " | ".join(f"{sig[p]:.2f}" for p in sizes) + " | "
              + ", ".join(f"{cpu[p]:.1f}" for p in sizes) + " |")
    print("\nσ against 192 px, median over clips: " + ", ".join(
        f"{p} px {np.nanmedian(ratios[p]):.2f}" for p in sizes))
    return 0


def main(argv: list[str] | None = None) -> int:
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("corr", help="noise cross-correlation of the cues")
    p.add_argument("--corr-template", dest="template", default="step 0.25 s",
                   choices=[t[0] for t in TEMPLATES])
    p.set_defaults(func=cmd_corr)
    p = sub.add_parser("detect", help="coincidence detector, bodies held out")
    p.add_argument("--how", action="append", choices=("sum", "and"), default=None)
    p.add_argument("--max-false", type=float, default=0.02)
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_detect)
    p = sub.add_parser("worst", help="real clips: frames where the flow is noisiest (to /tmp)")
    p.add_argument("-n", type=int, default=8)
    p.add_argument("--out", type=Path, default=Path("/tmp/twist-worst"))
    p.add_argument("--at", action="append", default=[], metavar="CLIP@SECONDS",
                   help="also write the frames of this clip around this time")
    p.set_defaults(func=cmd_worst)
    p = sub.add_parser("cuts", help="round 9: the picture-cut check on the real clips")
    p.add_argument("--near", type=int, default=0,
                   help="also list each clip's N most changed frames not flagged (>= 0.15)")
    p.add_argument("--write", action="store_true", help="write the frame pairs to --out")
    p.add_argument("--out", type=Path, default=Path("/tmp/twist-cuts"))
    p.set_defaults(func=cmd_cuts)
    p = sub.add_parser("masks", help="round 9: each masked flow's share and noise")
    p.set_defaults(func=cmd_masks)
    p = sub.add_parser("seen", help="round 9: share of the flow's bands each mask leaves")
    p.set_defaults(func=cmd_seen)
    p = sub.add_parser("rate", help="real 50+ fps clips: each cue's noise at half the rate")
    p.set_defaults(func=cmd_rate)
    p = sub.add_parser("crop", help="real clips: the flow's noise with a larger crop")
    p.add_argument("--px", type=int, action="append", default=[])
    p.set_defaults(func=cmd_crop)
    p = sub.add_parser("snr", help="each cue's score on twists against its noise")
    p.set_defaults(func=cmd_snr)
    for p in sub.choices.values():
        p.add_argument("--norm", choices=("own", "floor", "fixed"), default="own",
                       help="what each cue's z-score is taken against (renormalise)")
        p.add_argument("--cues", action="append", default=[], metavar="GROUP=C1,C2",
                       help="cues combined in a view group (front, turned)")
        p.add_argument("--template", dest="template_use", action="append", default=[],
                       choices=[t[0] for t in TEMPLATES],
                       help="templates the detector scores with (repeat; default all)")
        p.add_argument("--mask-hands", choices=("drop", "hold"), default=None,
                       help="where a wrist is in front of the torso, leave the flow out "
                       "(drop: not judged there) or read it as no motion (hold)")
        p.add_argument("--flow", default="dis", choices=("dis", *(f"mask-{m}" for m in
                                                                    et.MASKS)),
                       help="round 9: the flow with the hands, forearms, bar left out")
        p.add_argument("--min-seen", type=float, default=None,
                       help="round 9: leave the flow out where a band was not read or less "
                       "than this share of it was seen (0: only where not read)")
        p.add_argument("--cuts", action="store_true",
                       help="round 9: read no cue near a picture cut (pose.flow.PictureCut)")
    args = ap.parse_args(argv)
    FLOW[0] = args.flow
    if args.min_seen is not None:
        MIN_SEEN.append(max(args.min_seen, 0.0))
    if args.cuts:
        CUTS.append(True)
    if args.mask_hands:
        HANDS_MASK.append(args.mask_hands)
    USE_TEMPLATES.extend(args.template_use)
    for spec in args.cues:
        g, v = spec.split("=", 1)
        VIEW_CUES[g] = tuple(v.split(","))
    if getattr(args, "how", 1) is None:
        args.how = ["sum", "and"]
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
