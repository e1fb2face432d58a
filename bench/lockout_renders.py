"""Over-extension at lockout on rendered lifters, per exercise and view: what the shipped rule
finds, and where the pose network puts the hips.

For every rendered clip with truth (``NAME.json`` beside its poses, as ``sweep_findings.py``
reads them), each true rep is scored: a rep rendered with a lumbar extension at lockout
(``extension``) is found when an over-extension finding peaks within it (``--slack`` s either
side); every other rep (clean, a rounding, an arch while bent over) counts as warned when one
does. Reps the rule did not judge are counted apart. Beside the verdicts, on the frames
standing near upright (true trunk inclination under 12° forward) of the side views: the
rule's trunk-vs-thigh angle against the true one, and how far ahead of the true joint, along
the way the lifter faces, the network put the hips, knees and shoulders in the picture (torso
lengths), at an over-extended lockout (the fault's own frames, at least 80% of its size) and
at a clean one. Prints tables; writes nothing.

    python bench/lockout_renders.py /work/cache/s13-backs /work/cache/s15-pfa ...
    python bench/lockout_renders.py SET... --set lumbar_overextension.min_hip_extension_deg=8
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
from formcheck.config import load_config
from formcheck.pose.sequence import PoseSequence
from formcheck.synth.clip import truth_per_frame

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rep_match import counted_rep_of  # noqa: E402  (bench/ siblings)
from sweep_findings import rendered_poses  # noqa: E402

#: The views, by the camera's azimuth (the lifter's left at 90, right at 270).
VIEWS = {0: "front", 45: "45", 90: "side", 135: "rear-45", 180: "rear", 270: "side",
         315: "45"}
#: Frames counted as a lockout for the angle and landmark errors: the true trunk leans
#: forward less than this (deg; leaning back always counts).
UPRIGHT_DEG = 12.0
#: Landmarks whose offset from the truth is printed: (name, left, right).
POINTS = (("hips", 23, 24), ("knees", 25, 26), ("shoulders", 11, 12))


def rep_rows(truth: dict, result, slack: float) -> list[tuple[str, bool, bool]]:
    """Per true rep: (kind, judged, warned). Kind: the rep's rendered back fault or "clean"."""
    kinds = {f["rep"]: f["kind"] for f in truth["faults"] if f["kind"] != "twist"}
    judged = {a.rep: a.assessable for a in result.assessable
              if a.fault == "lumbar_overextension" and a.rep is not None}
    counted = counted_rep_of(truth["reps"], result.reps)  # the counted rep each is (by time)
    rows = []
    for rep in truth["reps"]:
        warned = any(f.fault == "lumbar_overextension"
                     and rep["start_s"] - slack <= f.peak_s <= rep["end_s"] + slack
                     for f in result.findings)
        rows.append((kinds.get(rep["rep"], "clean"), judged.get(counted[rep["rep"]], False),
                     warned))
    return rows


def lockout_errors(seq: PoseSequence, truth: dict, config) -> dict[str, list[float]]:
    """Side view, near-upright frames: the trunk-vs-thigh angle's error (deg) and the
    landmarks' forward offsets from the truth (torso lengths), each at an over-extended
    lockout ("ext") and a clean one ("clean")."""
    pf = truth["per_frame"]
    true_xy = truth_per_frame(truth, "landmarks_image_xy")
    true_w = truth_per_frame(truth, "landmarks_world_m")
    n = min(len(seq), len(true_xy))
    xy, true_xy, true_w = np.asarray(seq.image_xy[:n], np.float64), true_xy[:n], true_w[:n]
    toe = true_xy[:, [31, 32]].mean(axis=1)
    heel = true_xy[:, [29, 30]].mean(axis=1)
    forward = np.sign(np.nanmedian(toe[:, 0] - heel[:, 0]))
    torso = np.hypot(*(true_xy[:, [11, 12]].mean(axis=1) - true_xy[:, [23, 24]].mean(axis=1)).T)
    upright = np.asarray(pf["trunk_inclination_deg"], np.float64)[:n] < UPRIGHT_DEG
    ext = np.asarray(pf["fault_deg"]["extension"], np.float64)[:n]
    peak = float(ext.max()) if ext.size else 0.0
    frames = {"ext": upright & (ext > 0) & (ext >= 0.8 * peak), "clean": upright & (ext == 0)}
    angle_err = compute_signals(seq, config).hip_extension_deg[:n] - geo.hip_extension_deg(true_w)
    out: dict[str, list[float]] = defaultdict(list)
    for state, m in frames.items():
        if m.sum() < 3:
            continue
        err = angle_err[m]
        out[f"{state}:angle"].extend(err[np.isfinite(err)].tolist())
        for name, left, right in POINTS:
            off = (xy[m][:, [left, right]].mean(axis=1)[:, 0]
                   - true_xy[m][:, [left, right]].mean(axis=1)[:, 0]) * forward / torso[m]
            out[f"{state}:{name}"].extend(off[np.isfinite(off)].tolist())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", type=Path, help="folders of rendered clips with truth")
    ap.add_argument("--slack", type=float, default=0.3)
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="override a threshold, e.g. lumbar_overextension.min_hip_extension_deg=8")
    args = ap.parse_args()
    config = load_config(overrides=args.overrides)
    reps: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])  # warned, judged, not judged
    errors: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    clips = 0
    for folder in args.sets:
        for name, path in rendered_poses(folder):
            truth = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            exercise = truth["scenario"]["exercise"]
            az = int(round(truth["scenario"]["camera"]["azimuth_deg"])) % 360
            view = VIEWS.get(az, f"az{az}")
            seq = PoseSequence.load(path)
            result = analyze_sequence(seq, config, exercise=exercise)
            clips += 1
            for kind, judged, warned in rep_rows(truth, result, args.slack):
                cell = reps[(exercise, view, kind)]
                if judged:
                    cell[0] += int(warned)
                    cell[1] += 1
                else:
                    cell[2] += 1
            if view == "side":
                for key, values in lockout_errors(seq, truth, config).items():
                    errors[exercise][key].extend(values)
    if not clips:
        print("no rendered clips with poses under " + ", ".join(map(str, args.sets)),
              file=sys.stderr)
        return 2
    print(f"clips: {clips}\n")
    print("| exercise | view | lumbar extension at lockout: found / judged | other reps "
          "(clean, rounding, arch) warned / judged | reps not judged |")
    print("|---|---|---|---|---|")
    for exercise, view in sorted({k[:2] for k in reps}):
        ext = reps.get((exercise, view, "extension"), [0, 0, 0])
        other = [sum(v[i] for k, v in reps.items() if k[:2] == (exercise, view)
                     and k[2] != "extension") for i in range(3)]
        print(f"| {exercise} | {view} | {ext[0]}/{ext[1]} | {other[0]}/{other[1]} | "
              f"{ext[2] + other[2]} |")
    print("\nside views, near-upright frames: the rule's trunk-vs-thigh angle minus the true "
          "one (deg, mean), and the network's landmarks ahead of the true joints along the "
          "way the lifter faces (torso lengths, mean; frames)")
    print("| exercise | lockout | angle error | " + " | ".join(p[0] for p in POINTS)
          + " | frames |")
    print("|---|---|---|" + "---|" * len(POINTS) + "---|")
    for exercise in sorted(errors):
        for state in ("clean", "ext"):
            e = errors[exercise]
            if not e.get(f"{state}:angle"):
                continue
            cells = [f"{np.mean(e[f'{state}:{p[0]}']):+.3f}" for p in POINTS]
            print(f"| {exercise} | {'over-extended' if state == 'ext' else 'clean'} | "
                  f"{np.mean(e[f'{state}:angle']):+.1f} | " + " | ".join(cells)
                  + f" | {len(e[f'{state}:angle'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
