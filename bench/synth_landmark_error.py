"""MediaPipe's landmark error against the synthetic truth, on rendered clips (e.g. samples/).

    python bench/synth_landmark_error.py samples/ [--model lite|full|heavy|PATH]

Prints detection rate, mean pixel error per landmark group and per joint, and the same as a
fraction of the true torso length (shoulder midpoint to hip midpoint, in image pixels).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from formcheck.pose.landmarks import Landmark as L

JOINTS = (L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST,
          L.RIGHT_WRIST, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE,
          L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)


def main() -> None:
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.pose.models import resolve_model

    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", default="full")
    args = ap.parse_args()
    model = resolve_model(args.model)
    manifest = json.loads((args.folder / "manifest.json").read_text())
    err_px, err_frac, det, total = [], [], 0, 0
    per_clip = []
    t0 = time.perf_counter()
    for clip in manifest["clips"]:
        truth = json.loads((args.folder / clip["truth"]).read_text())
        xy_true = np.array(truth["per_frame"]["landmarks_image_xy"], dtype=float)
        torso = np.linalg.norm((xy_true[:, L.LEFT_SHOULDER] + xy_true[:, L.RIGHT_SHOULDER]) / 2
                               - (xy_true[:, L.LEFT_HIP] + xy_true[:, L.RIGHT_HIP]) / 2, axis=1)
        found = []
        with PoseEstimator(model.path, back_profile=False) as est, \
                FileSource(args.folder / clip["video"]) as src:
            for i, frame in enumerate(src):
                pose = est.process(frame.image, frame.t_s)
                total += 1
                if not pose.detected:
                    continue
                det += 1
                e = np.linalg.norm(pose.image_xy[list(JOINTS)] - xy_true[i, list(JOINTS)], axis=1)
                err_px.append(e)
                err_frac.append(e / torso[i])
                found.append(e.mean())
        per_clip.append((clip["name"], len(found), float(np.mean(found)) if found else np.nan))
    e_px, e_fr = np.array(err_px), np.array(err_frac)
    print(f"model {model.name}; {det}/{total} frames with a person "
          f"({100.0 * det / max(total, 1):.1f} %); {time.perf_counter() - t0:.0f} s")
    print(f"mean error: {e_px.mean():.1f} px = {e_fr.mean():.3f} torso lengths "
          f"(median {np.median(e_px):.1f} px)")
    for j, name in enumerate(JOINTS):
        print(f"  {L(name).name:18s} {e_px[:, j].mean():6.1f} px  {e_fr[:, j].mean():.3f}")
    for name, n, m in per_clip:
        print(f"  {name:40s} frames {n:4d}  mean {m:5.1f} px")


if __name__ == "__main__":
    main()
