"""Evaluate the analysis on rendered ground truth from ``formcheck synth matrix``.

For each clip in ``DIR/manifest.json``: load its pose sequence (``DIR/poses/<name>.npz``) or
extract it (``--extract``: runs the pose model, slow), analyse it, and compare with the truth
JSON: a true fault counts as detected when a finding of the matching fault overlaps its
interval (+-``--slack`` s); a finding that overlaps no true fault of its kind is a false alarm.
Prints detection rate per (fault, size, camera azimuth) and false alarms per fault and azimuth;
the rounded back per rep by exercise (and clothing, for sets rendered with it), view and size.
Sets rendered by ``bench/render_placements.py`` (names ``<body>_<exercise>_<placement>_az...``)
are also grouped by camera placement, with the lockout angle error: the measured trunk-vs-thigh
angle (what the over-extension rule decides on) and the camera-referenced lean against the
same angles from the true 3D joints, over the frames where the lifter stands tall.

    formcheck synth matrix --out /work/cache/matrix
    python bench/eval_synth.py /work/cache/matrix --extract
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.analysis import geometry as geo
from formcheck.analysis.features import compute_signals
from formcheck.config import Config, load_config
from formcheck.pose.sequence import PoseSequence
from formcheck.synth.clip import truth_per_frame

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rep_match import counted_rep_of  # noqa: E402  (bench/ siblings)

#: Truth fault kinds -> the report's fault names.
KIND_TO_FAULT = {"flexion": "rounded_back", "extension": "lumbar_overextension",
                 "arch": "lumbar_overextension", "twist": "jerky_twist"}


def load_pose(matrix: Path, entry: dict, extract: bool, model: str) -> PoseSequence | None:
    cached = matrix / "poses" / f"{entry['name']}.npz"
    if cached.is_file():
        return PoseSequence.load(cached)
    if not extract:
        return None
    from formcheck.pipeline import extract_pose

    seq = extract_pose(matrix / entry["video"], model, back_profile=True)
    seq.save(cached)
    return seq


def overlaps(a: tuple[float, float], b: tuple[float, float], slack: float) -> bool:
    return a[0] <= b[1] + slack and b[0] <= a[1] + slack


def placement_of(entry: dict) -> str:
    """The camera placement in a placement-set name, else the matrix's single placement."""
    from formcheck.synth.catalog import PLACEMENTS

    parts = entry["name"].split("_")
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            # ``..._<placement>_az<deg>_...`` (render_placements) or ``..._az<deg>_<placement>_
            # flex<deg>`` (render_flexion).
            if "_".join(parts[i:j]) in PLACEMENTS and (
                    (j < len(parts) and parts[j].startswith("az"))
                    or (i > 0 and parts[i - 1].startswith("az"))):
                return "_".join(parts[i:j])
    return "std"


def lockout_angles(seq: PoseSequence, truth: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per standing-tall frame: (measured - true) trunk-vs-thigh angle and (measured - true)
    trunk lean behind vertical, in degrees."""
    pf = truth["per_frame"]
    true_w = truth_per_frame(truth, "landmarks_world_m")
    n = min(len(seq), len(true_w))
    sig = compute_signals(seq, Config())
    true_ext = geo.hip_extension_deg(true_w[:n])
    true_lean_back = -np.asarray(pf["trunk_inclination_deg"], dtype=np.float64)[:n]
    tall = (sig.hip_height_ratio[:n] >= Config().deadlift.lumbar_overextension
            .judge_min_hip_height_ratio) & sig.trunk_visible[:n]
    return ((sig.hip_extension_deg[:n] - true_ext)[tall],
            (-sig.lean_deg[:n] - true_lean_back)[tall])


def rep_flex(truth: dict, result, az: tuple[str, float], flex_reps: dict,
             flex_err: dict) -> None:
    """Per true rep: its peak flexion (rounded to 1 deg), whether a rounded-back finding
    overlaps it, whether it was judged; the flagged finding's degrees against the truth."""
    pf = truth["per_frame"]
    t = np.asarray(pf["t_s"], dtype=np.float64)
    flex = np.asarray(pf["flexion_deg"], dtype=np.float64)
    ok = {a.rep: a.assessable for a in result.assessable
          if a.fault == "rounded_back" and a.rep is not None}
    clip_ok = any(a.assessable for a in result.assessable
                  if a.fault == "rounded_back" and a.rep is None)
    counted = counted_rep_of(truth["reps"], result.reps)  # the counted rep each is (by time)
    for rep in truth["reps"]:
        m = (t >= rep["start_s"]) & (t <= rep["end_s"])
        size = float(np.round(np.nanmax(flex[m]))) + 0.0 if m.any() else float("nan")
        key = (az, size)
        hits = [f for f in result.findings if f.fault == "rounded_back"
                and f.peak_s >= rep["start_s"] - 0.3 and f.peak_s <= rep["end_s"] + 0.3]
        q = counted[rep["rep"]]
        if not clip_ok or q is None or not ok.get(q, clip_ok):
            flex_reps[key][2] += 1
            continue
        flex_reps[key][1] += 1
        if hits:
            flex_reps[key][0] += 1
            if size > 5.0:
                flex_err[az].append(max(f.value for f in hits) - size)


#: A rendered twist lasting this long or longer is a slow one (the rule must not warn on it).
SLOW_TWIST_S = 1.0


def rep_twist(truth: dict, result, key: tuple, twist_reps: dict) -> None:
    """Per true rep, the jerky twist by kind (``fast <size>``, ``slow``, ``none``): whether
    a finding lies in the counted rep it is (by time: ``rep_match``), whether it was judged.
    ``twist_reps[(key, kind)]`` -> [warned, judged, not assessable]."""
    ok = {a.rep: a.assessable for a in result.assessable
          if a.fault == "jerky_twist" and a.rep is not None}
    counted = counted_rep_of(truth["reps"], result.reps)
    twists = {r: tf for tf in truth["scenario"]["faults"] if tf["kind"] == "twist"
              for r in tf["reps"]}
    warned = {f.rep for f in result.findings if f.fault == "jerky_twist"}
    for rep in truth["reps"]:
        tf = twists.get(rep["rep"])
        kind = ("none" if tf is None else "slow" if tf["duration_s"] >= SLOW_TWIST_S
                else f"fast {abs(tf['magnitude_deg']):g}")
        q = counted[rep["rep"]]
        cell = twist_reps[(key, kind)]
        if q is None or not ok.get(q, False):
            cell[2] += 1
            continue
        cell[1] += 1
        cell[0] += int(q in warned)


def main() -> int:
    ap = argparse.ArgumentParser(description="Detection vs fault size and view on synth truth.")
    ap.add_argument("matrix", type=Path, help="folder written by `formcheck synth matrix`")
    ap.add_argument("--extract", action="store_true", help="run the pose model when not cached")
    ap.add_argument("--model", default="full")
    ap.add_argument("--slack", type=float, default=0.3)
    ap.add_argument("--placements", action="store_true",
                    help="print the per-placement table even for the standard placement")
    ap.add_argument("--auto-exercise", action="store_true",
                    help="let the analysis recognise the exercise (default: from the manifest)")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="override a threshold, e.g. rounded_back.min_flexion_deg=20")
    args = ap.parse_args()
    config = load_config(overrides=args.overrides)
    manifest = args.matrix / "manifest.json"
    if not manifest.is_file():
        print(f"no synth matrix: {manifest} not found; render it with "
              f"`formcheck synth matrix --out {args.matrix}`", file=sys.stderr)
        return 2
    data = json.loads(manifest.read_text(encoding="utf-8"))
    entries = data["clips"]
    by_placement = args.placements or data.get("kind") == "placements"
    hits: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    alarms: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # [false alarms, clips]
    assess_no: dict[tuple, int] = defaultdict(int)
    done = 0
    by_place: dict[tuple, list] = defaultdict(list)  # (placement, az) -> per-clip verdicts
    angle_err: dict[str, list] = defaultdict(lambda: [[], []])
    # Rounded back per rep: (azimuth, the rep's true peak flexion) -> [flagged, judged, n/a]
    # and the finding's degrees against the truth.
    flex_reps: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    flex_err: dict[float, list[float]] = defaultdict(list)
    flex_place: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    twist_place: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for entry in entries:
        seq = load_pose(args.matrix, entry, args.extract, args.model)
        if seq is None:
            continue
        done += 1
        truth = json.loads((args.matrix / entry["truth"]).read_text(encoding="utf-8"))
        result = analyze_sequence(seq, config,
                                  exercise=None if args.auto_exercise else entry["exercise"])
        az = entry["azimuth_deg"]
        clip_ok = {a.fault: a.assessable for a in result.assessable if a.rep is None}
        place = placement_of(entry)
        if place != "std" or by_placement:
            ext_err, lean_err = lockout_angles(seq, truth)
            angle_err[place][0].extend(ext_err[np.isfinite(ext_err)].tolist())
            angle_err[place][1].extend(lean_err[np.isfinite(lean_err)].tolist())
            found = sorted({f.fault for f in result.findings})
            by_place[(place, az)].append((entry["name"], found, clip_ok))
        worn = entry.get("clothing", "none")
        label = entry["exercise"] + ("" if worn == "none" else f"/{worn}")
        arch = max([f["magnitude_deg"] for f in entry["faults"] if f["kind"] == "arch"] or [0])
        if entry.get("hinge_deg"):  # round 10: a deeper set-up
            label += f"/h{entry['hinge_deg']:g}"
        if arch:  # round 10: arched while bent over
            label += f"/arch{arch:g}"
        rep_flex(truth, result, (label, az), flex_reps, flex_err)
        rep_flex(truth, result, (place, az), flex_place, defaultdict(list))
        if any(tf["kind"] == "twist" for tf in truth["scenario"]["faults"]):
            rep_twist(truth, result, (place, az, entry["exercise"]), twist_place)
        for tf in truth["faults"]:
            fault = KIND_TO_FAULT[tf["kind"]]
            meta = next((f for f in entry["faults"] if f["kind"] == tf["kind"]), {})
            # An arch while bent over counts for the same fault, reported apart from lockout.
            key = (fault + ("/bent" if tf["kind"] == "arch" else ""), tf["peak"],
                   meta.get("duration_s"), az)
            if not clip_ok[fault]:
                assess_no[key] += 1
                continue
            found = any(f.fault == fault and overlaps((f.start_s, f.end_s),
                                                      tuple(tf["interval_s"]), args.slack)
                        for f in result.findings)
            hits[key][0] += int(found)
            hits[key][1] += 1
        for fault in dict.fromkeys(KIND_TO_FAULT.values()):  # each fault once
            if not clip_ok[fault]:
                continue
            true_iv = [tuple(tf["interval_s"]) for tf in truth["faults"]
                       if KIND_TO_FAULT[tf["kind"]] == fault]
            false = [f for f in result.findings if f.fault == fault
                     and not any(overlaps((f.start_s, f.end_s), iv, args.slack) for iv in true_iv)]
            alarms[(fault, az)][0] += len(false)
            alarms[(fault, az)][1] += 1
    if done == 0:
        print(f"no pose files under {args.matrix / 'poses'}; run with --extract", file=sys.stderr)
        return 2
    print(f"clips analysed: {done} of {len(entries)}")
    print("\ndetection rate  (fault, true size deg, duration s, azimuth deg): detected/judged")
    for key in sorted(hits, key=lambda k: (k[0], k[1], k[2] or 0, k[3])):
        d, n = hits[key]
        print(f"  {key[0]:26s} {key[1]:5.1f} {key[2]!s:5s} az={key[3]:5.1f}: {d}/{n}")
    for key, n in sorted(assess_no.items(), key=lambda kv: kv[0][3]):
        print(f"  not assessable: {key[0]} {key[1]} az={key[3]}: {n}")
    print("\nfalse alarms (fault, azimuth): findings outside any true fault / clips judged")
    for (fault, az), (fa, n) in sorted(alarms.items()):
        print(f"  {fault:21s} az={az:5.1f}: {fa}/{n}")
    if flex_reps:
        print("\nrounded back per rep, by the rep's true peak flexion (deg): flagged / judged "
              "(not assessable); a flag on a rep of <= 5 deg is a false alarm")
        for ((ex, az), size), (d, n, na) in sorted(flex_reps.items()):
            print(f"  {ex:22s} az={az:5.1f} {size:5.1f}: {d}/{n}"
                  + (f"  ({na} not assessable)" if na else ""))
        for (ex, az), errs in sorted(flex_err.items()):
            e = np.asarray(errs)
            print(f"  {ex:15s} az={az:5.1f} flagged reps' estimate - true peak: MAE "
                  f"{np.abs(e).mean():.1f} deg, mean {e.mean():+.1f} (n={e.size})")
    if len({k[0][0] for k in flex_place}) > 1:
        print("\nrounded back per rep by camera placement (every exercise): true size -> "
              "flagged/judged")
        for (place, az) in sorted({k[0] for k in flex_place}):
            cells = [f"{size:g}: {d}/{n}" for ((p, a), size), (d, n, _) in
                     sorted(flex_place.items()) if (p, a) == (place, az)]
            print(f"  {place:13s} az={az:5.1f}  " + ", ".join(cells))
    if twist_place:
        print("\njerky twist per rep by camera placement (clips with a rendered twist): "
              "warned / judged (not assessable); a warning on a slow or twist-free rep is "
              "false")
        kinds = sorted({k[1] for k in twist_place},
                       key=lambda k: (k[:4] != "fast", float(k[5:]) if k[:4] == "fast" else 0,
                                      k))
        print("| placement | azimuth | exercise | " + " | ".join(kinds) + " |")
        print("|---|---|---|" + "---|" * len(kinds))
        for where in sorted({k[0] for k in twist_place}):
            cells = []
            for kind in kinds:
                d, n, na = twist_place.get((where, kind), (0, 0, 0))
                cells.append(f"{d}/{n}" + (f" ({na})" if na else ""))
            print(f"| {where[0]} | {where[1]:g} | {where[2]} | " + " | ".join(cells) + " |")
    if by_place:
        print("\nby camera placement: clip -> faults found (not assessable in brackets)")
        for (place, az), clips in sorted(by_place.items()):
            for name, found, ok in clips:
                na = [f for f, v in ok.items() if not v]
                print(f"  {place:13s} az={az:5.1f} {name:48s} {found}"
                      + (f" [{', '.join(na)}]" if na else ""))
        print("\nlockout angle error vs the true joints, standing-tall frames "
              "(mean abs / mean signed, deg):")
        for place, (ext, lean) in sorted(angle_err.items()):
            e, lb = np.asarray(ext), np.asarray(lean)
            if e.size:
                print(f"  {place:13s} frames={e.size:4d} trunk-vs-thigh {np.abs(e).mean():5.1f} / "
                      f"{e.mean():+5.1f}   lean-vs-camera-vertical {np.abs(lb).mean():5.1f} / "
                      f"{lb.mean():+5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
