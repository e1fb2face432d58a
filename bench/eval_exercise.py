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
                                  [--renders DIR ...] [--no-cv] [-v] [--features]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from formcheck.analysis.analyze import _clip_reason
from formcheck.analysis.exercise import (
    UNKNOWN_EXERCISE,
    Criteria,
    classify,
    movement_features,
)
from formcheck.analysis.features import compute_signals
from formcheck.config import EXERCISES, Config
from formcheck.pose.sequence import PoseSequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from eval_clips import source_of, view_group  # noqa: E402

DEFAULT_CLIPS = REPO.parent / "shared" / "clips"
DEFAULT_POSES = Path("/work/cache/models-full")
DEFAULT_RENDERS = tuple(Path("/work/cache") / d for d in (
    "synth-back", "back-flex", "s4-back-flex45", "s5-back-flex55", "s5-back-flex65",
    "s6-back-bare", "s6-back-cloth", "s7-back10-arch", "s7-back10-archrow", "s7-back10-rows",
    "s7-back10-squats", "s7-back10-hinge", "synth-twist", "s4-twist-shapes"))
BODIES = ("f_heavy", "f_short", "m_avg", "m_tall")
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


def _item(seq: PoseSequence, config: Config, **kw) -> Item:
    sig = compute_signals(seq, config)
    readable = _clip_reason(seq, sig, config) is None
    return Item(readable=readable, features=movement_features(sig), **kw)


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
                ex = next((e for e in EXERCISES if f"_{e}_" in name), None)
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


def outcome(item: Item, criteria: Criteria) -> str:
    """"right", "unknown", "wrong" or "no clip"."""
    if not item.readable:
        return "no clip"
    found = classify(item.features, criteria).name
    if found == UNKNOWN_EXERCISE:
        return "unknown"
    return "right" if found == item.label else "wrong"


def tally(outcomes: list[str]) -> Counter:
    return Counter({"right": 0, "unknown": 0, "wrong": 0, "no clip": 0, **Counter(outcomes)})


def _fmt(c: Counter) -> str:
    n = sum(c.values())
    return (f"{c['right']:3d} right {c['unknown']:3d} unknown {c['wrong']:3d} wrong "
            f"{c['no clip']:2d} no clip / {n:3d}")


#: Limits the fit chooses among, per training fold (each value of a field also tried with
#: every other's; the shipped value is always in).
GRID: dict[str, tuple[float, ...]] = {
    "min_score": (0.5, 0.55, 0.6, 0.65, 0.7),
    "min_margin": (0.05, 0.1, 0.15, 0.2),
    "max_hip_range": (0.8, 1.0, 1.2, 1.5, float("inf")),
}


def _candidates(base: Criteria) -> list[Criteria]:
    keys = sorted(GRID)
    axes = [sorted(set(GRID[k]) | {getattr(base, k)}) for k in keys]
    return [replace(base, **dict(zip(keys, combo, strict=True)))
            for combo in itertools.product(*axes)]


def fit(train: list[Item], base: Criteria) -> Criteria:
    """The grid point with the best right - WRONG_COST x wrong on ``train``; ties to the one
    nearest the shipped limits (fewest grid steps away)."""
    keys = sorted(GRID)
    axes = {k: sorted(set(GRID[k]) | {getattr(base, k)}) for k in keys}

    def steps(c: Criteria) -> int:
        return sum(abs(axes[k].index(getattr(c, k)) - axes[k].index(getattr(base, k)))
                   for k in keys)

    def objective(c: Criteria) -> tuple[float, int]:
        t = tally([outcome(it, c) for it in train])
        return t["right"] - WRONG_COST * t["wrong"], -steps(c)

    return max(_candidates(base), key=objective)


def held_out(items: list[Item], kind: str, base: Criteria) -> tuple[dict[str, str], list]:
    """Outcome per clip of ``kind``, each scored by limits fitted without its group (and
    with every clip of the other kind); and each fold's choice."""
    res: dict[str, str] = {}
    folds = []
    for g in sorted({it.group for it in items if it.kind == kind}):
        train = [it for it in items if not (it.kind == kind and it.group == g)]
        chosen = fit(train, base)
        test = [it for it in items if it.kind == kind and it.group == g]
        for it in test:
            res[it.name] = outcome(it, chosen)
        folds.append((g, chosen, tally([res[it.name] for it in test])))
    return res, folds


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


FEATURES_SHOWN = ("hip_range", "trunk_range", "knee_min", "elbow_min", "elbow_range",
                  "reach_range", "wrist_range", "hinge", "wrists_over_hips_bottom")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS)
    ap.add_argument("--poses", type=Path, default=DEFAULT_POSES)
    ap.add_argument("--renders", type=Path, nargs="*", default=list(DEFAULT_RENDERS))
    ap.add_argument("--no-cv", action="store_true", help="only the shipped criteria")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list every clip not recognised (shipped and held out)")
    ap.add_argument("--features", action="store_true", help="print every clip's features")
    args = ap.parse_args()

    config = Config()
    items: list[Item] = []
    if (args.clips / "labels.json").is_file():
        items += real_items(args.clips, args.poses, config)
    else:
        print(f"no real clips: {args.clips / 'labels.json'} not found", file=sys.stderr)
    items += render_items([d for d in args.renders if d.is_dir()], config)
    if not items:
        print("nothing to evaluate: no clips with cached poses", file=sys.stderr)
        return 2
    base = Criteria()
    shipped = {it.name: outcome(it, base) for it in items}
    for kind, by, bys in (("real", "source", "sources"), ("render", "body", "bodies")):
        sub = [it for it in items if it.kind == kind]
        if not sub:
            continue
        groups = len({it.group for it in sub})
        report(f"{kind} clips ({len(sub)}, {groups} {bys}), shipped criteria", sub, shipped)
        if args.no_cv:
            continue
        res, folds = held_out(items, kind, base)
        report(f"{kind} clips held out by {by} ({groups} folds)", sub, res)
        choices = Counter(tuple((k, getattr(c, k)) for k in sorted(GRID)) for _, c, _ in folds)
        for choice, n in choices.most_common():
            print(f"    {n:2d} folds chose {', '.join(f'{k}={v:g}' for k, v in choice)}")
        if args.verbose:
            for it in sub:
                if shipped[it.name] != "right" or res[it.name] != "right":
                    found = classify(it.features, base).name
                    print(f"    shipped {shipped[it.name]:7s} ({found[:5]:5s}) held-out "
                          f"{res[it.name]:7s} {it.label[:5]:5s} {it.view:7s} {it.name[:70]}")
    if args.features:
        print("\nlabel found  view    " + " ".join(f"{k[:7]:>7s}" for k in FEATURES_SHOWN))
        for it in items:
            f = it.features
            print(f"{it.label[:5]:5s} {classify(f, base).name[:5]:5s} {it.view[:7]:7s} "
                  + " ".join(f"{f[k]:7.2f}" for k in FEATURES_SHOWN) + f" {it.name[:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
