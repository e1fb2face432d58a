"""Exercise recognition (squat / deadlift / row / unknown), held out, on real clips and renders.

Real clips (``--clips``, poses cached in ``--poses``): the label is the file name's first part
(``squat__owner__repo__name.mp4``), the source its ``owner__repo`` part. Renders (``--renders``
folders made by ``bench/render_flexion.py``, ``render_placements.py`` or
``bench/eval_twist.py``): the exercise and body from the manifest or the clip name; poses from
``DIR/poses/<name>.npz`` or ``DIR/poses/video-full/<name>.npz``.

Every clip is scored right / unknown / wrong, per view group: first with the shipped
criteria (``formcheck.analysis.exercise``), then held out: the criteria's limits chosen on the
training folds only (``fit``: the grid ``GRID``, maximising right minus ``WRONG_COST`` x wrong,
ties to the shipped limits) and scored on the held-out fold. Real clips are held out by source
(the fit sees the other sources' clips and every render); renders by body (the fit sees the
other bodies' renders and every real clip). Clips the analysis cannot read at all (a person in
under ``assess.min_frames`` frames, in view under ``assess.min_duration_s``) are "unknown"
whatever the criteria, and are counted apart as ``no clip``.

    python bench/eval_exercise.py [--clips ../shared/clips] [--poses /work/cache/models-full]
                                  [--same-clips-as POSES] [--renders DIR ...] [--no-cv] [-v]
                                  [--features]

``--poses /work/cache/models-lite`` (or ``-heavy``) scores another pose model's real-clip
poses; the renders' poses are always the full model's (the fit still sees them).

With the fit, it also measures the confidence a recognised lift is shown with
(``exercise.clear_margin_frac`` etc.): per fold, a split of the winner's lead into close and
clear calls and each level's share right, fitted on the training clips' own held-out answers
(``fit_levels``), then claimed vs actual on the held-out fold; and the values to ship (the
split and shares over every clip's held-out answer). Then, per kind, the same held-out
answers split at the shipped ``clear_margin_frac``: the real clips' come from the ``--poses``
model's poses, the renders' from the full model's; each pose model's shipped shares
(``exercise.<model>_clear_right_frac`` etc.) are those resting on its own poses only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from formcheck.analysis.analyze import _clip_reason
from formcheck.analysis.exercise import (
    UNKNOWN_EXERCISE,
    Profiles,
    classify,
    lead,
    movement_features,
    profiles,
)
from formcheck.analysis.features import BodySignals, compute_signals
from formcheck.analysis.signal import robust_range
from formcheck.config import EXERCISES, Config, ExerciseConfig
from formcheck.pose.sequence import PoseSequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from eval_clips import source_of, view_group  # noqa: E402

DEFAULT_CLIPS = REPO.parent / "shared" / "clips"
DEFAULT_POSES = Path("/work/cache/models-full")
#: Session 8's render folders (its figures), then the ones session 19's were measured on; a
#: folder not on this machine is skipped.
DEFAULT_RENDERS = tuple(Path("/work/cache") / d for d in (
    "synth-back", "back-flex", "s4-back-flex45", "s5-back-flex55", "s5-back-flex65",
    "s6-back-bare", "s6-back-cloth", "s7-back10-arch", "s7-back10-archrow", "s7-back10-rows",
    "s7-back10-squats", "s7-back10-hinge", "synth-twist", "s4-twist-shapes",
    "s12-barsquat", "s13-backs", "s13-side", "s14-rear45", "s14-shapes45", "s15-cloth",
    "s15-front", "s15-pfa", "s15-pfb", "s15-place45", "s15-place90", "s15-place90b",
    "s18-place-tw-f_heavy", "s18-place-tw-m_avg", "s18-place-tw45-f_heavy",
    "s18-place-tw45-m_avg", "s18-place-tw135-f_heavy", "s18-place-tw135-m_avg"))
#: Every exported body (``formcheck.synth.body.body_names``: four since session 12 besides the
#: first four), to read a render's body from its name.
BODIES = ("f_heavy", "f_short", "m_avg", "m_tall", "m_heavy", "f_tall", "m_short", "f_avg")
#: A wrong exercise costs this many right ones in the fit (it gets the wrong thresholds,
#: error bars and phase names; "unknown" gets the pooled ones).
WRONG_COST = 3.0


@dataclass(frozen=True)
class Item:
    name: str
    label: str
    group: str  # real: source; render: body
    view: str  # side / oblique / front / rear / mixed
    kind: str  # "real" or "render"
    readable: bool  # the analysis reads the clip at all (no clip-level reason)
    features: dict


def _render_view(azimuth: float) -> str:
    a = abs(((azimuth + 180.0) % 360.0) - 180.0)
    if 75.0 <= a <= 105.0:
        return "side"
    if a < 20.0:
        return "front"
    if a > 160.0:
        return "rear"
    return "oblique"


#: Session 7's hand cue (``wrists_over_hips_bottom``) reads the hands at the bottom of the
#: movement: the frames with the hips within this fraction of their (robust) range above their
#: lowest height. Only this bench uses it.
BOTTOM_OF_HIP_RANGE_FRAC = 0.25


def hands_at_bottom(sig: BodySignals) -> float:
    """The median height of the wrists over the hips (leg lengths) over the trunk-visible
    frames at the bottom of the movement (``BOTTOM_OF_HIP_RANGE_FRAC``); NaN if none."""
    use = sig.trunk_visible
    hip_lo, hip_hi = robust_range(sig.hip_height_ratio[use])
    bottom = use & (sig.hip_height_ratio
                    <= hip_lo + BOTTOM_OF_HIP_RANGE_FRAC * (hip_hi - hip_lo))
    x = (sig.wrist_height_ratio - sig.hip_height_ratio)[bottom]
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _item(seq: PoseSequence, config: Config, **kw) -> Item:
    sig = compute_signals(seq, config)
    readable = _clip_reason(seq, sig, config) is None
    features = {**movement_features(sig), "wrists_over_hips_bottom": hands_at_bottom(sig)}
    return Item(readable=readable, features=features, **kw)


def real_items(clips: Path, poses: Path, config: Config) -> list[Item]:
    labels = json.loads((clips / "labels.json").read_text(encoding="utf-8"))
    out = []
    for it in labels:
        p = poses / (it["file"] + ".npz")
        if not p.is_file():
            continue
        out.append(_item(PoseSequence.load(p), config, name=it["file"],
                         label=it["file"].split("__")[0], group=source_of(it["file"]),
                         view=view_group(it["view"]), kind="real"))
    return out


def _pose_file(root: Path, name: str) -> Path | None:
    for p in (root / "poses" / f"{name}.npz", root / "poses" / "video-full" / f"{name}.npz"):
        if p.is_file():
            return p
    return None


def render_items(dirs: list[Path], config: Config) -> list[Item]:
    out = []
    for root in dirs:
        manifest = root / "manifest.json"
        if manifest.is_file():
            clips = [(c["name"], c["exercise"], c["body"], float(c["azimuth_deg"]))
                     for c in json.loads(manifest.read_text(encoding="utf-8"))["clips"]]
        else:  # eval_twist sets: <plan>_<exercise>_<body>_az<deg>[_<texture>]
            clips = []
            for p in sorted((root / "poses" / "video-full").glob("*.npz")):
                name = p.name[: -len(".npz")]
                # (``eval_twist.py --plan bar``'s back squats are named ``*_barsquat_*``.)
                ex = next((e for e in EXERCISES if f"_{e}_" in name.replace("_bar", "_")),
                          None)
                body = next((b for b in BODIES if f"_{b}_" in name), None)
                az = next((t[2:] for t in name.split("_") if t.startswith("az")), None)
                if ex and body and az is not None:
                    clips.append((name, ex, body, float(az)))
        for name, ex, body, az in clips:
            p = _pose_file(root, name)
            if p is None:
                continue
            out.append(_item(PoseSequence.load(p), config, name=f"{root.name}/{name}",
                             label=ex, group=body, view=_render_view(az), kind="render"))
    return out


@dataclass(frozen=True)
class Rule:
    """What the fit varies: the recognition's settings (``config.ExerciseConfig``) and which
    hand cue tells a squat's grip from a deadlift's: ``extremes`` (the shipped one: the
    hands' high and low positions over the set, ``wrists_over_hips_high``/``_low``) or
    ``bottom`` (session 7's: their median over the frames with the hips lowest, which needs
    the ankles seen to find those frames)."""

    config: ExerciseConfig = ExerciseConfig()
    hands: str = "extremes"

    def get(self, key: str):
        return self.hands if key == "hands" else getattr(self.config, key)

    def with_(self, **values) -> Rule:
        hands = values.pop("hands", self.hands)
        return Rule(replace(self.config, **values), hands)


@lru_cache(maxsize=64)
def rule_profiles(rule: Rule) -> Profiles:
    """The profiles ``rule`` scores: the shipped ones under its settings, with session 7's
    hand cue read at the bottom of the movement instead (the squat then has no cap on hands
    hanging low)."""
    table = profiles(rule.config)
    if rule.hands == "extremes":
        return table
    cue = f"wrists_over_hips_{rule.hands}"
    squat = tuple(replace(c, feature=cue) if c.feature == "wrists_over_hips_high" else c
                  for c in table["squat"] if c.feature != "wrists_over_hips_low")
    deadlift = tuple(replace(c, feature=cue) if c.feature == "wrists_over_hips_low" else c
                     for c in table["deadlift"])
    return {**table, "squat": squat, "deadlift": deadlift}


def outcome(item: Item, rule: Rule) -> str:
    """"right", "unknown", "wrong" or "no clip"."""
    if not item.readable:
        return "no clip"
    found = classify(item.features, rule.config, table=rule_profiles(rule)).name
    if found == UNKNOWN_EXERCISE:
        return "unknown"
    return "right" if found == item.label else "wrong"


def tally(outcomes: list[str]) -> Counter:
    return Counter({"right": 0, "unknown": 0, "wrong": 0, "no clip": 0, **Counter(outcomes)})


def _fmt(c: Counter) -> str:
    n = sum(c.values())
    return (f"{c['right']:3d} right {c['unknown']:3d} unknown {c['wrong']:3d} wrong "
            f"{c['no clip']:2d} no clip / {n:3d}")


#: Session 7's rule (before this bench).
SESSION7 = Rule(hands="bottom").with_(
    min_score_frac=0.6, min_margin_frac=0.1, max_hip_range_ratio=1.0,
    squat_hands_zero_ratio=-0.05, deadlift_hands_zero_ratio=-0.05, row_hip_zero_ratio=0.25,
    deadlift_upright_zero_deg=float("inf"))
#: Limits the fit chooses among, per training fold (every combination; the starting rule's
#: value of each is always in). ``session 7``: only the decision limits of session 7's
#: criteria; ``session 8``: the hand cue, its limits, the row's hip limit and the deadlift's
#: standing-tall criterion too.
GRIDS: dict[str, tuple[Rule, dict[str, tuple]]] = {
    "session 7": (SESSION7, {
        "max_hip_range_ratio": (0.9, 1.0, 1.1, 1.25, 1.5, float("inf")),
        "min_score_frac": (0.5, 0.6, 0.7),
        "min_margin_frac": (0.05, 0.1, 0.15, 0.2),
    }),
    "session 8": (SESSION7, {
        "hands": ("bottom", "extremes"),
        "squat_hands_zero_ratio": (0.0, 0.05, 0.1, 0.15),
        "deadlift_hands_zero_ratio": (-0.05, -0.1, -0.15),
        "row_hip_zero_ratio": (0.25, 0.3, 0.4, 0.5, 0.6),
        "deadlift_upright_zero_deg": (float("inf"), 60.0, 45.0),
        "max_hip_range_ratio": (0.9, 1.0, 1.1, 1.25, 1.5, float("inf")),
        "min_score_frac": (0.5, 0.6, 0.7),
        "min_margin_frac": (0.05, 0.1, 0.15, 0.2),
    }),
    # Session 19: the row's hands-come-down criterion (``row_hands_zero_ratio``; inf would
    # make it count for every lift), the other limits as shipped.
    "session 19": (Rule(), {
        "row_hands_zero_ratio": (0.4, 0.45, 0.5, 0.6, 2.0),
        "min_score_frac": (0.5, 0.6, 0.7),
        "min_margin_frac": (0.05, 0.1, 0.15, 0.2),
    }),
}
#: The short names the fits' choices have been printed under since session 8.
LABELS = {"max_hip_range_ratio": "max_hip_range", "min_score_frac": "min_score",
          "min_margin_frac": "min_margin", "squat_hands_zero_ratio": "squat_hands_zero_at",
          "deadlift_hands_zero_ratio": "deadlift_hands_zero_at",
          "row_hip_zero_ratio": "row_hip_zero_at",
          "deadlift_upright_zero_deg": "deadlift_upright_zero_at",
          "row_hands_zero_ratio": "row_hands_zero_at"}
CODES = ("right", "unknown", "wrong", "no clip")


def _membership(cr, x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        m = np.clip((x - cr.zero_at) / (cr.full_at - cr.zero_at), 0.0, 1.0)
    return np.where(np.isfinite(x), m, 0.0)


def _codes(rule: Rule, feats: dict, labels: np.ndarray, readable: np.ndarray) -> np.ndarray:
    """``classify``'s outcome for every clip at once (indices into CODES)."""
    c = rule.config
    table = rule_profiles(rule)
    names = sorted(table)  # ties go to the first name, as in ``classify``
    scores = []
    for name in names:
        m = np.stack([_membership(cr, feats[cr.feature]) for cr in table[name]])
        scores.append(0.5 * m.mean(axis=0) + 0.5 * m.min(axis=0))
    s = np.stack(scores)
    best = np.argmax(s, axis=0)
    top = s.max(axis=0)
    second = np.sort(s, axis=0)[-2]
    unknown = ((feats["hip_range"] > c.max_hip_range_ratio) | (top < c.min_score_frac)
               | (top - second < c.min_margin_frac))
    found = np.array(names)[best]
    out = np.where(unknown, 1, np.where(found == labels, 0, 2))
    return np.where(readable, out, 3)


class Search:
    """Every grid point's outcome on every clip, computed once; folds then only sum."""

    def __init__(self, items: list[Item], base: Rule, grid: dict[str, tuple],
                 wrong_cost: float = WRONG_COST) -> None:
        self.wrong_cost = wrong_cost
        self.keys = sorted(grid)
        self.axes = {k: sorted(set(grid[k]) | {base.get(k)}, key=str) for k in self.keys}
        self.base = base
        self.cands = [base.with_(**dict(zip(self.keys, combo, strict=True)))
                      for combo in itertools.product(*(self.axes[k] for k in self.keys))]
        self.items = items
        names = sorted({cr.feature for c in self.cands for p in rule_profiles(c).values()
                        for cr in p} | {"hip_range"})
        feats = {k: np.array([it.features[k] for it in items], dtype=np.float64)
                 for k in names}
        labels = np.array([it.label for it in items])
        readable = np.array([it.readable for it in items])
        self.codes = np.array([_codes(c, feats, labels, readable) for c in self.cands],
                              dtype=np.int8)
        # The vectorised scoring must agree with ``classify`` (checked on a spread of points).
        for c in self.cands[:: max(1, len(self.cands) // 7)] + [base]:
            i = self.cands.index(c)
            want = [CODES.index(outcome(it, c)) for it in items]
            assert list(self.codes[i]) == want, f"vectorised scoring disagrees at {c}"
        self.steps = np.array([sum(abs(self.axes[k].index(c.get(k))
                                       - self.axes[k].index(base.get(k)))
                                   for k in self.keys) for c in self.cands])

    def fit(self, train: np.ndarray) -> Rule:
        """Best mean (right - WRONG_COST x wrong) per clip, real clips and renders weighted
        alike, over the ``train`` clips; ties to the fewest grid steps from the starting
        rule's limits."""
        total = np.zeros(len(self.cands))
        for kind in ("real", "render"):
            m = train & np.array([it.kind == kind for it in self.items])
            if m.any():
                c = self.codes[:, m]
                gain = (c == 0).sum(axis=1) - self.wrong_cost * (c == 2).sum(axis=1)
                total += gain / m.sum()
        best = np.lexsort((self.steps, -total))[0]
        return self.cands[best]


def held_out(search: Search, kind: str) -> tuple[dict[str, str], list]:
    """Outcome per clip of ``kind``, each scored by limits fitted without its group (and
    with every clip of the other kind); and each fold's choice."""
    items = search.items
    res: dict[str, str] = {}
    folds = []
    for g in sorted({it.group for it in items if it.kind == kind}):
        test = np.array([it.kind == kind and it.group == g for it in items])
        chosen = search.fit(~test)
        for it, t in zip(items, test, strict=True):
            if t:
                res[it.name] = outcome(it, chosen)
        folds.append((g, chosen, tally([res[it.name] for it, t in zip(items, test,
                                                                      strict=True) if t])))
    return res, folds


#: Lead splits tried between a close call and a clear call (the confidence levels), and the
#: fewest recognised clips each level must hold in a fit.
LEVEL_SPLITS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
MIN_LEVEL_CLIPS = 10


def recognised(item: Item, rule: Rule) -> tuple[float, bool, float] | None:
    """(lead over the runner-up, right?, session 8's confidence formula) of a clip ``c``
    recognises; None when it says "unknown" or cannot read the clip."""
    if not item.readable:
        return None
    table = rule_profiles(rule)
    est = classify(item.features, rule.config, table=table)
    if est.name == UNKNOWN_EXERCISE:
        return None
    _, top, margin = lead(item.features, table)
    return margin, est.name == item.label, top * min(1.0, margin / 0.3)


def fit_levels(leads: np.ndarray, right: np.ndarray) -> tuple[float, float, float]:
    """The split of the lead into close and clear calls whose two shares right fit the
    answers best (least squared error, a Brier score; ties to the smaller split), each level
    holding at least MIN_LEVEL_CLIPS clips: (split, clear share, close share). No split
    possible: one level, (inf, nan, the share over all)."""
    best = None
    for t in LEVEL_SPLITS:
        lo, hi = right[leads < t], right[leads >= t]
        if min(lo.size, hi.size) < MIN_LEVEL_CLIPS:
            continue
        cost = lo.size * lo.mean() * (1 - lo.mean()) + hi.size * hi.mean() * (1 - hi.mean())
        if best is None or cost < best[0] - 1e-9:
            best = (cost, t, float(hi.mean()), float(lo.mean()))
    if best is None:
        return float("inf"), float("nan"), float(right.mean())
    return best[1:]


def held_out_leads(search: Search, among: np.ndarray) -> list[tuple[float, bool, float]]:
    """``recognised`` for each clip in ``among`` it recognises, under limits fitted on the
    other clips in ``among`` without the clip's group (source or body), as ``held_out``."""
    items = search.items
    out = []
    for kind, g in sorted({(it.kind, it.group) for it, a in zip(items, among, strict=True)
                           if a}):
        test = among & np.array([it.kind == kind and it.group == g for it in items])
        chosen = search.fit(among & ~test)
        out += [r for it, t in zip(items, test, strict=True)
                if t and (r := recognised(it, chosen)) is not None]
    return out


def calibration(search: Search, kind: str) -> list[tuple]:
    """Each held-out recognised clip of ``kind``: (level, claimed share, right?, session 8's
    formula, lead, its fold's split). Per fold the limits are fitted without the held-out
    group, and the levels' split and shares on the training clips' own held-out answers
    (each training group held out in turn from the training clips: the claim is not the
    fit's in-sample score)."""
    items = search.items
    out = []
    for g in sorted({it.group for it in items if it.kind == kind}):
        test = np.array([it.kind == kind and it.group == g for it in items])
        chosen = search.fit(~test)
        train = held_out_leads(search, ~test)
        split, clear, close = fit_levels(np.array([r[0] for r in train]),
                                         np.array([r[1] for r in train], dtype=float))
        for it, t in zip(items, test, strict=True):
            r = recognised(it, chosen) if t else None
            if r is not None:
                level = "clear" if r[0] >= split else "close"
                out.append((level, clear if level == "clear" else close, r[1], r[2], r[0],
                            split))
    return out


def report_calibration(rows: list[tuple], title: str) -> None:
    splits = Counter(r[5] for r in rows)
    print(f"  {title}; clips by their fold's split: "
          + ", ".join(f"{t:g}: {n}" for t, n in sorted(splits.items())) + ":")
    for level in ("close", "clear"):
        sub = [r for r in rows if r[0] == level]
        if not sub:
            continue
        right = sum(r[2] for r in sub)
        print(f"    {level} call: {len(sub):3d} clips, claimed {np.mean([r[1] for r in sub]):.2f}"
              f" (fold range {min(r[1] for r in sub):.2f}-{max(r[1] for r in sub):.2f}), "
              f"right {right}/{len(sub)} = {right / len(sub):.2f}; session 8's formula "
              f"claimed {np.mean([r[3] for r in sub]):.2f}")


def level_shares(rows: list[tuple], split: float) -> str:
    """The clear and close calls among ``calibration`` rows, split at ``split``: right of
    how many."""
    out = []
    for level, mine in (("clear", lambda r: r[4] >= split), ("close", lambda r: r[4] < split)):
        sub = [r[2] for r in rows if mine(r)]
        share = f" = {sum(sub) / len(sub):.3f}" if sub else ""
        out.append(f"{level} {sum(sub)}/{len(sub)}{share}")
    return ", ".join(out)


def report(title: str, items: list[Item], res: dict[str, str]) -> None:
    print(f"\n{title}: {_fmt(tally([res[it.name] for it in items]))}")
    for v in sorted({it.view for it in items}):
        sub = [res[it.name] for it in items if it.view == v]
        print(f"  {v:8s} {_fmt(tally(sub))}")
    by_label = defaultdict(list)
    for it in items:
        by_label[it.label].append(res[it.name])
    for lab in sorted(by_label):
        print(f"  {lab:8s} {_fmt(tally(by_label[lab]))}")


FEATURES_SHOWN = ("hip_range", "trunk_range", "trunk_min", "knee_min", "elbow_min",
                  "elbow_range", "reach_range", "wrist_range", "wrists_over_hips_bottom",
                  "wrists_over_hips_low", "wrists_over_hips_high")
KINDS = (("real", "source", "sources"), ("render", "body", "bodies"))


def _choice(rule: Rule, keys) -> str:
    return ", ".join(f"{LABELS.get(k, k)}={rule.get(k)}" for k in keys)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS)
    ap.add_argument("--poses", type=Path, default=DEFAULT_POSES)
    ap.add_argument("--same-clips-as", type=Path, action="append", default=[],
                    metavar="POSES", help="only the real clips with poses in POSES too (e.g. "
                    "the clips every model was run on; repeatable)")
    ap.add_argument("--renders", type=Path, nargs="*", default=list(DEFAULT_RENDERS))
    ap.add_argument("--no-cv", action="store_true", help="only the fixed rules, no fitting")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list every clip a rule or a held-out fit does not get right")
    ap.add_argument("--features", action="store_true", help="print every clip's features")
    ap.add_argument("--grid", action="append", choices=sorted(GRIDS),
                    help="fit only this grid (repeatable; default: all; the confidence is "
                         "measured with the session 8 grid's fits, or without it the last "
                         "grid's)")
    ap.add_argument("--wrong-cost", type=float, default=WRONG_COST,
                    help="how many right answers one wrong one costs in the fit")
    args = ap.parse_args()

    config = Config()
    items: list[Item] = []
    if (args.clips / "labels.json").is_file():
        items += [it for it in real_items(args.clips, args.poses, config)
                  if all((d / f"{it.name}.npz").is_file() for d in args.same_clips_as)]
    else:
        print(f"no real clips: {args.clips / 'labels.json'} not found", file=sys.stderr)
    items += render_items([d for d in args.renders if d.is_dir()], config)
    if not items:
        print("nothing to evaluate: no clips with cached poses", file=sys.stderr)
        return 2
    rules = {"session 7 rule (hand-set looking at the real clips; in-sample)": SESSION7,
             "shipped rule (session 8's fit on every clip, session 19's row hands; "
             "in-sample)": Rule()}
    grids = {name: GRIDS[name] for name in (args.grid or GRIDS)}
    fixed = {title: {it.name: outcome(it, c) for it in items} for title, c in rules.items()}
    held: dict[str, dict[str, str]] = {}
    calib: dict[str, list] = {}
    for kind, by, bys in KINDS:
        sub = [it for it in items if it.kind == kind]
        if not sub:
            continue
        groups = len({it.group for it in sub})
        print(f"\n===== {kind} clips: {len(sub)} from {groups} {bys}")
        for title, res in fixed.items():
            report(title, sub, res)
        if args.no_cv:
            continue
        for name, (start, grid) in grids.items():
            search = Search(items, start, grid, args.wrong_cost)
            res, folds = held_out(search, kind)
            held[f"{name} {kind}"] = res
            report(f"{name} criteria, limits fitted without the held-out {by} "
                   f"({groups} folds)", sub, res)
            keys = sorted(grid)
            if kind == "real":
                full = search.fit(np.ones(len(items), dtype=bool))
                print(f"    fit on every clip: {_choice(full, keys)}")
            choices = Counter(_choice(c, keys) for _, c, _ in folds)
            for choice, n in choices.most_common():
                print(f"    {n:2d} folds chose {choice}")
        if grids:  # the session 8 grid's fits when it runs, else the last
            cal = "session 8" if "session 8" in grids else list(grids)[-1]
            calib[kind] = calibration(Search(items, *grids[cal], args.wrong_cost), kind)
            report_calibration(calib[kind], f"confidence held out ({kind} clips; levels and "
                               "shares fitted on the training clips' own held-out answers)")
        if args.verbose:
            print("  clips not right under some rule (s7 / shipped / held-out s7 / held-out "
                  "s8), label, view, clip:")
            cols = [*fixed.values(), *(held.get(f"{n} {kind}", {}) for n in grids)]
            for it in sub:
                got = [c.get(it.name, "-") for c in cols]
                if any(g != "right" for g in got):
                    print("    " + " ".join(f"{g:7s}" for g in got)
                          + f" {it.label[:5]:5s} {it.view:7s} {it.name[:66]}")
    if calib:
        print("\n===== confidence of a recognised lift (held out, real clips and renders)")
        report_calibration([r for rows in calib.values() for r in rows], "every kind")
        # The shipped levels: the split and shares fitted on every held-out recognised clip.
        pairs = [(r[4], r[2]) for rows in calib.values() for r in rows]
        split, clear, close = fit_levels(np.array([p[0] for p in pairs]),
                                         np.array([p[1] for p in pairs], dtype=float))
        # Pooled with the renders (posed with the full model): the full model's settings.
        print(f"  to ship (fitted on the {len(pairs)} held-out recognised clips, full-model "
              f"renders pooled): clear_margin_frac={split}, full_clear_right_frac={clear:.3f}, "
              f"full_close_call_right_frac={close:.3f}")
        # Per pose model (``exercise.<model>_*_right_frac``): the same held-out answers at
        # the shipped split, apart by the model that made the poses.
        shipped = ExerciseConfig().clear_margin_frac
        for kind, rows in calib.items():
            poses = f"poses: {args.poses}" if kind == "real" else "the full model's poses"
            print(f"  at the shipped split {shipped:g}, {kind} clips ({poses}): "
                  + level_shares(rows, shipped))
    if args.features:
        print("\nlabel found  view    " + " ".join(f"{k[-7:]:>7s}" for k in FEATURES_SHOWN))
        for it in items:
            f = it.features
            print(f"{it.label[:5]:5s} {classify(f).name[:5]:5s} {it.view[:7]:7s} "
                  + " ".join(f"{f[k]:7.2f}" for k in FEATURES_SHOWN) + f" {it.name[:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
