"""Why rendered side-view roundings are missed: for every rendered rep, the step of the
rounded-back rule (``faults.rounded_back``) that decided it (issue 9).

``render`` makes the set: four bodies (two bare, ``f_short`` in a tee, ``f_heavy`` in a
hoodie) x deadlift/row/squat x the flexion sizes asked, side view at the standard placement
(``render_flexion``'s camera, frame x0.75, its lumbar shares cycled), posed with the full
model (clips already made are kept, so it can be stopped and resumed; ``--shard I/N`` for
parallel workers). ``causes`` analyses each set with the shipped settings (``--set``
overrides; the exercise from the manifest, as ``eval_synth.py``) and files each rep under the
first step that stops it:

- ``clip not judged`` / ``rep not counted`` / ``rep not judged: ...``: the assessment
  (trunk never leaning ``judge_min_trunk_deg``, the elbows behind the back line, too few
  judged frames);
- ``no judged frame``: the rep was judged but none of its frames (0.3 s slack) were;
- ``own-arch floor``: the rise over the lifter's own straightest frames would pass its limit
  counted from the measured 10th percentile, but that lies more concave than
  ``max_own_arch_pct`` and the rise counted from the floor does not;
- ``gate: lean/elbows``: on the judged frames neither criterion passes, but on the rep's
  frames the judged-frames gate left out it would;
- ``limit``: neither criterion (held level, rise) reaches its limit on any frame;
- ``duration``: a criterion passes, but not for ``min_duration_s``;
- ``found`` (a finding peaks within the rep, 0.3 s slack).

Prints the causes by size and exercise/clothing, and the rule's estimate per size (the
rep's peak of the criterion it would warn on, against the rendered peak: mean absolute
error over judged reps). ``-v``: one line per rep.

    nice python bench/rounding_misses.py render --out DIR --size 50 --size 20 --size 0
        [--bare] [--only f_short_deadlift] [--neutral-flexion m_avg=29 ...]
    python bench/rounding_misses.py causes DIR [--set rounded_back.max_own_arch_pct=inf] [-v]

``--bare`` renders every body without clothing (session 27: the two bare bodies of the
standard set are both male, the clothed ones both female); ``--only`` keeps the sets whose
name contains any of the words given; ``--neutral-flexion BODY=DEG`` has that body hold
that lumbar flexion as its neutral spine (``Scenario.neutral_lumbar_flexion_deg``; the
truth's flexion counted from it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.analysis.features import compute_signals
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rep_match import counted_rep_of  # noqa: E402  (bench/ siblings)

BODIES = ("m_avg", "f_short", "m_tall", "f_heavy")
CLOTHING = {"f_short": "tee", "f_heavy": "hoodie"}
SLACK_S = 0.3


def scenarios(sizes: tuple[float, ...], bare: bool = False,
              neutral_flexion: dict[str, float] | None = None) -> dict:
    """The planned sets, sizes in the order given (a partial run holds every body).
    ``bare``: every body without its clothing (the same scenes, cameras and lumbar shares
    otherwise), to tell a body's own back from what its clothes do to the outline.
    ``neutral_flexion``: lumbar flexion held as the neutral spine, per body (deg,
    ``Scenario.neutral_lumbar_flexion_deg``; bodies not named: 0)."""
    from render_flexion import LUMBAR_FRACTIONS, _camera

    from formcheck.synth.catalog import SCENES, TEMPI
    from formcheck.synth.scenario import Exercise, Fault, FaultKind, Scenario

    out = {}
    for deg in sizes:
        for ex in (Exercise.DEADLIFT, Exercise.ROW, Exercise.SQUAT):
            for b, body in enumerate(BODIES):
                k = b + list(Exercise).index(ex) + int(deg)
                faults = (Fault(FaultKind.FLEXION, deg,
                                lumbar_fraction=LUMBAR_FRACTIONS[k % len(LUMBAR_FRACTIONS)]),
                          ) if deg else ()
                scene = SCENES[k % len(SCENES)]
                name = f"{body}_{ex.value}_az90_std_flex{deg:g}"
                if body in CLOTHING and not bare:
                    scene = replace(scene, clothing=CLOTHING[body])
                    name += f"_{CLOTHING[body]}"
                out[name] = Scenario(exercise=ex, reps=2, body=body, tempo=TEMPI[ex],
                                     camera=_camera(90.0, "std"), scene=scene, faults=faults,
                                     crf=23, neutral_lumbar_flexion_deg=(
                                         neutral_flexion or {}).get(body, 0.0))
    return out


def render(out: Path, sizes: tuple[float, ...], shard: str, bare: bool = False,
           only: tuple[str, ...] = (), neutral_flexion: dict[str, float] | None = None) -> int:
    from render_flexion import _entry

    from formcheck.pipeline import extract_pose
    from formcheck.synth.clip import render_clip, write_json

    i_shard, n_shards = (int(x) for x in shard.split("/"))
    (out / "poses").mkdir(parents=True, exist_ok=True)
    planned = {k: v for k, v in scenarios(sizes, bare, neutral_flexion).items()
               if not only or any(w in k for w in only)}
    for i, (name, sc) in enumerate(planned.items()):
        if i % n_shards != i_shard:
            continue
        video, truth = out / f"{name}.mp4", out / f"{name}.json"
        pose = out / "poses" / f"{name}.npz"
        if not (video.is_file() and truth.is_file()):
            render_clip(sc, video, truth)
        if not pose.is_file():
            extract_pose(video, "full", back_profile=True).save(pose)
        (out / f"{name}.entry").write_text(json.dumps(_entry(out, name, sc)), encoding="utf-8")
        print(name, flush=True)
        # One manifest for the folder, from every set's entry (workers may run side by side).
        entries = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.entry"))]
        tmp = out / f"manifest.json.{os.getpid()}"
        write_json(tmp, {"version": 1, "kind": "placements", "clips": entries}, indent=1)
        tmp.replace(out / "manifest.json")
    return 0


def _peak(x: np.ndarray, mask: np.ndarray) -> float:
    v = x[mask & np.isfinite(x)]
    return float(v.max()) if v.size else float("nan")


def rep_causes(seq: PoseSequence, truth: dict, exercise: str, config) -> list[dict]:
    """One row per rendered rep: its size, the cause, the rule's peak estimate."""
    th = config.faults_for(exercise).rounded_back
    result = analyze_sequence(seq, config, exercise=exercise)
    sig = compute_signals(seq, config)
    pf = truth["per_frame"]
    t_true = np.asarray(pf["t_s"], dtype=np.float64)
    flex = np.asarray(pf["flexion_deg"], dtype=np.float64)
    clip = next(a for a in result.assessable if a.fault == "rounded_back" and a.rep is None)
    per_rep = {a.rep: a for a in result.assessable if a.fault == "rounded_back"
               and a.rep is not None}
    s = result.series
    t = s["back_flexion"].t_s
    held, judged = s["back_flexion"].values, s["back_flexion"].judged
    min_rise = th.min_flexion_deg
    rise = s["back_flexion_rise"].values if "back_flexion_rise" in s else np.full_like(held, np.nan)
    # The rise as the rule reads it (floored own neutral) and from the measured own neutral.
    k, c, base = th.flexion_deg_per_pct, th.flexion_offset_deg, th.neutral_bulge_pct / 100.0
    b = sig.bulge[judged & np.isfinite(sig.bulge)]
    own = float(np.percentile(b, th.neutral_percentile)) if b.size else float("nan")
    rise_own = k * 100.0 * (sig.bulge - own) + c if own < base else np.full_like(held, np.nan)
    # What the judged-frames gate left out: every frame with an outline, unfloored.
    held_any = k * 100.0 * (sig.bulge - base) + c
    with np.errstate(invalid="ignore"):
        held_any[~(sig.lean_deg >= th.held_min_trunk_deg)] = np.nan
        score = np.fmax(held / th.min_held_flexion_deg, rise / min_rise)
    counted = counted_rep_of(truth["reps"], result.reps)
    rows = []
    for rep in truth["reps"]:
        m = (t_true >= rep["start_s"]) & (t_true <= rep["end_s"])
        size = float(np.round(np.nanmax(flex[m]))) + 0.0
        w = (t >= rep["start_s"] - SLACK_S) & (t <= rep["end_s"] + SLACK_S)
        jw = w & judged
        hits = [f for f in result.findings if f.fault == "rounded_back"
                and rep["start_s"] - SLACK_S <= f.peak_s <= rep["end_s"] + SLACK_S]
        q = counted[rep["rep"]]
        with np.errstate(invalid="ignore"):
            passes = bool((score[jw] >= 1.0).any())
            own_pass = _peak(rise_own, jw) >= min_rise
            gate_pass = (_peak(rise_own, w & np.isfinite(sig.bulge)) >= min_rise
                         or _peak(held_any, w) >= th.min_held_flexion_deg)
        if not clip.assessable:
            cause = "clip not judged"
        elif q is None:
            cause = "rep not counted"
        elif q in per_rep and not per_rep[q].assessable:
            why = per_rep[q].reason or ""
            cause = "rep not judged: " + ("not bent" if "never leaned" in why else
                                          "elbows" if "elbows" in why else
                                          "few frames" if "could be judged" in why else why[:40])
        elif hits:
            cause = "found"
        elif not jw.any():
            cause = "no judged frame"
        elif passes:
            cause = "duration"
        elif own_pass:
            cause = "own-arch floor"
        elif gate_pass:
            cause = "gate: lean/elbows"
        else:
            cause = "limit"
        # The rule's estimate: the criterion nearer its limit at the rep's best frame.
        est = float("nan")
        if jw.any() and np.isfinite(score[jw]).any():
            i = int(np.flatnonzero(jw)[np.nanargmax(score[jw])])
            by_rise = np.isfinite(rise[i]) and not (
                rise[i] / min_rise <= held[i] / th.min_held_flexion_deg)
            est = float(rise[i] if by_rise else held[i])
        rows.append({"rep": rep["rep"], "size": size, "cause": cause, "estimate": est,
                     "held": _peak(held, jw), "rise": _peak(rise, jw),
                     "rise_own": _peak(rise_own, jw), "own_pct": 100.0 * own,
                     "lean": _peak(sig.lean_deg, w), "judged_frames": int(jw.sum()),
                     "found_value": max((f.value for f in hits), default=None)})
    return rows


def causes(dirs: list[Path], overrides: list[str], verbose: bool) -> int:
    config = load_config(overrides=overrides)
    table: dict[tuple, Counter] = defaultdict(Counter)
    est: dict[float, list[float]] = defaultdict(list)
    n = 0
    for d in dirs:
        manifest = d / "manifest.json"
        if not manifest.is_file():
            print(f"{manifest} not found; render the set first", file=sys.stderr)
            return 2
        for e in json.loads(manifest.read_text(encoding="utf-8"))["clips"]:
            pose = d / "poses" / f"{e['name']}.npz"
            if not pose.is_file():
                continue
            n += 1
            truth = json.loads((d / e["truth"]).read_text(encoding="utf-8"))
            for r in rep_causes(PoseSequence.load(pose), truth, e["exercise"], config):
                worn = e.get("clothing", "none")
                table[(r["size"], e["exercise"], worn)][r["cause"]] += 1
                if r["judged_frames"] and np.isfinite(r["estimate"]):
                    est[r["size"]].append(r["estimate"] - r["size"])
                if verbose:
                    print(f"{e['name']:42s} r{r['rep']} {r['size']:3.0f}° {r['cause']:22s} "
                          f"held {r['held']:6.1f} rise {r['rise']:6.1f} (own {r['own_pct']:5.1f}%:"
                          f" {r['rise_own']:6.1f}) lean {r['lean']:3.0f} "
                          f"judged {r['judged_frames']}")
    print(f"sets: {n}\n\nsize  exercise/clothing  found/reps  causes of the others")
    for (size, ex, worn), c in sorted(table.items()):
        others = ", ".join(f"{k} {v}" for k, v in c.most_common() if k != "found")
        print(f"{size:4.0f}  {ex + '/' + worn:17s}  {c['found']:2d}/{sum(c.values()):2d}       "
              f"{others}")
    print("\nsize  found/reps  causes of the others (all exercises)")
    by_size: dict[float, Counter] = defaultdict(Counter)
    for (size, _, _), c in table.items():
        by_size[size].update(c)
    for size, c in sorted(by_size.items()):
        others = ", ".join(f"{k} {v}" for k, v in c.most_common() if k != "found")
        print(f"{size:4.0f}  {c['found']:3d}/{sum(c.values()):3d}     {others}")
    print("\nthe rule's estimate at each judged rep's best frame, minus the rendered peak (deg)")
    for size, errs in sorted(est.items()):
        a = np.asarray(errs)
        print(f"{size:4.0f}  n {a.size:3d}  mean {a.mean():+6.1f}  MAE {np.abs(a).mean():5.1f}")
    return 0


def _body_degrees(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        body, sep, deg = item.partition("=")
        try:
            if not sep or body not in BODIES:
                raise ValueError(item)
            out[body] = float(deg)
        except ValueError:
            raise SystemExit(f"--neutral-flexion takes BODY=DEG with BODY one of "
                             f"{', '.join(BODIES)}, got {item!r}") from None
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--size", action="append", type=float, default=[])
    r.add_argument("--shard", default="0/1")
    r.add_argument("--bare", action="store_true",
                   help="every body bare (f_short and f_heavy without their tee and hoodie)")
    r.add_argument("--only", action="append", default=[],
                   help="render only the sets whose name contains this (repeatable: any)")
    r.add_argument("--neutral-flexion", action="append", default=[], metavar="BODY=DEG",
                   help="lumbar flexion BODY holds as its neutral spine "
                        "(Scenario.neutral_lumbar_flexion_deg; repeatable; default 0)")
    c = sub.add_parser("causes")
    c.add_argument("dirs", type=Path, nargs="+")
    c.add_argument("--set", dest="overrides", action="append", default=[])
    c.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.cmd == "render":
        return render(args.out, tuple(args.size or (50.0, 20.0, 0.0, 35.0, 5.0)), args.shard,
                      args.bare, tuple(args.only), _body_degrees(args.neutral_flexion))
    return causes(args.dirs, args.overrides, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
