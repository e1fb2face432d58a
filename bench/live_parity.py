"""Live replay against file mode on every clip of a folder: the same pose data and report?

    python bench/live_parity.py samples [--model lite]

For each ``*.mp4``: ``formcheck analyze``'s pipeline (``extract_pose`` + ``analyse``) and a live
session replaying every frame (``formcheck live --source CLIP``, headless). Prints, per clip,
whether the pose arrays and the report (reps, findings, assessments, summary, video facts) are
equal, and how many reps and findings each found. The live record also lists each warning
given live that the whole set did not confirm (notice kind ``said_live``): those are counted in
their own column and left out of the comparison, which is otherwise exact. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ARRAYS = ("t_s", "image_xy", "world_xyz", "visibility", "presence", "back_xy", "image_z",
          "torso_flow")


def main() -> None:
    from formcheck import pipeline
    from formcheck.live.capture import ReplaySource
    from formcheck.live.session import LiveOptions, LiveSession
    from formcheck.live.settings import LiveSettings
    from formcheck.live.told import CORRECTION_KIND

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", default="lite")
    args = ap.parse_args()
    same = 0
    clips = sorted(args.folder.glob("*.mp4"))
    print(f"{'clip':<34} {'pose':>5} {'report':>6} {'reps':>9} {'findings':>9} {'said_live':>9}")
    for clip in clips:
        seq = pipeline.extract_pose(clip, args.model)
        report, _ = pipeline.analyse(seq)
        with tempfile.TemporaryDirectory() as tmp:
            opts = LiveOptions(out_dir=Path(tmp), model=args.model, headless=True,
                               stem=clip.stem, settings=LiveSettings(countdown_s=0.0))
            result = LiveSession(ReplaySource(clip), opts, is_camera=False, lockstep=True,
                                 replay_path=clip).run()
            live_seq = type(seq).load(Path(tmp) / f"{clip.stem}.pose.npz")
        live = result.sets[0].report
        pose_eq = all(np.array_equal(getattr(seq, a), getattr(live_seq, a), equal_nan=True)
                      for a in ARRAYS)
        said = [n for n in live.notices if n.kind == CORRECTION_KIND]
        kept = replace(live, notices=tuple(n for n in live.notices if n.kind != CORRECTION_KIND))
        rep_eq = kept.to_dict() == report.to_dict()
        same += pose_eq and rep_eq
        print(f"{clip.name:<34} {str(pose_eq):>5} {str(rep_eq):>6} "
              f"{len(report.reps):>4}/{len(live.reps):<4} "
              f"{len(report.findings):>4}/{len(live.findings):<4} {len(said):>9}")
    print(f"identical pose data and report: {same} of {len(clips)} clips "
          f"(reps and findings: file/live; the live record's said_live notices left out)")


if __name__ == "__main__":
    main()
