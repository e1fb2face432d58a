"""Where the lockout lies against the counted reps, on cached pose sequences of real clips.

For every ``<clip>.npz`` in ``--poses``: the frames the over-extension rule reads as standing
tall (its lockout test: hips high, trunk near vertical, a plausible angle) counted inside the
reps and outside them (before the first, between two, after the last), the largest angle
behind the thighs on each side, and every rep whose standing-tall run goes on past its last
frame (with how many frames). The rule judges counted reps only (``faults.judged_in_reps``),
so these are the frames it leaves out. Landmarks from the clips are third-party derived
data: keep the cache outside the repository. Prints figures; asserts nothing.

    python bench/lockout_frames.py --poses /work/cache/models-full [--clips ../shared/clips]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def standing_tall(seq, config) -> tuple[object, np.ndarray, np.ndarray]:
    """The analysis of ``seq``, the ``(T,)`` frames the over-extension rule reads as standing
    tall anywhere in the clip (the rule run with every frame counted as a rep's, so that
    only its own tests decide) and the angle behind the thighs."""
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.analyze import _clip_reason
    from formcheck.analysis.faults import FaultContext, lumbar_overextension
    from formcheck.analysis.features import compute_signals

    result = analyze_sequence(seq, config)
    sig = compute_signals(seq, config)
    everywhere = FaultContext(
        sig=sig, exercise=result.exercise.name, view=result.view, reps=result.reps,
        rep_of_frame=np.ones(len(seq), dtype=np.int64),
        thresholds=config.faults_for(result.exercise.name), assess=config.assess,
        view_cfg=config.view, clip_reason=_clip_reason(seq, sig, config))
    (hip_extension,) = [s for s in lumbar_overextension(everywhere).series
                        if s.name == "hip_extension"]
    return result, np.asarray(hip_extension.judged, dtype=bool), sig.hip_extension_deg


def _most(ext: np.ndarray, mask: np.ndarray) -> str:
    """The largest angle over ``mask``, one decimal ("-": none known there)."""
    return f"{np.nanmax(ext[mask]):.1f}" if (mask & np.isfinite(ext)).any() else "-"


def main() -> None:
    from formcheck.analysis.reps import rep_index_per_frame
    from formcheck.config import Config
    from formcheck.pose.sequence import PoseSequence

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--poses", type=Path, required=True)
    ap.add_argument("--clips", type=Path, default=Path("../shared/clips"))
    args = ap.parse_args()
    labels_path = args.clips / "labels.json"
    labels = ({it["file"]: it["faults"]["lumbar_overextension"]
               for it in json.loads(labels_path.read_text())} if labels_path.is_file() else {})
    config = Config()
    total = {"inside": 0, "before": 0, "between": 0, "after": 0}
    for path in sorted(args.poses.glob("*.npz")):
        name = path.name[:-len(".npz")]
        result, tall, ext = standing_tall(PoseSequence.load(path), config)
        n = len(tall)
        idx = np.arange(n)
        rep_of = rep_index_per_frame(n, result.reps)
        inside = tall & (rep_of > 0)
        if result.reps:
            first, last = result.reps[0].start_frame, result.reps[-1].end_frame
            parts = {"inside": inside, "before": tall & (idx < first),
                     "between": tall & (rep_of == 0) & (idx > first) & (idx < last),
                     "after": tall & (idx > last)}
        else:  # no rep counted: every frame lies before the first
            none = np.zeros(n, dtype=bool)
            parts = {"inside": none, "before": tall, "between": none, "after": none}
        for k, m in parts.items():
            total[k] += int(m.sum())
        past_end = []
        for r in result.reps:
            k = r.end_frame + 1
            while k < n and tall[k] and rep_of[k] == 0:
                k += 1
            if tall[r.end_frame] and k > r.end_frame + 1:
                past_end.append(f"{r.index}:{k - r.end_frame - 1}")

        outside = tall & (rep_of == 0)
        print(f"{name[:60]:60} {result.exercise.name:8} {result.view.name:7} "
              f"label={labels.get(name, '?')!s:5} reps={len(result.reps):2} "
              "tall in/before/between/after="
              + "/".join(str(int(m.sum())) for m in parts.values())
              + f" max deg in={_most(ext, inside)} out={_most(ext, outside)}"
              + (f" runs past rep end (rep:frames) {' '.join(past_end)}" if past_end else ""))
    print("standing-tall frames, all clips: " + ", ".join(f"{k} {v}" for k, v in total.items()))


if __name__ == "__main__":
    main()
