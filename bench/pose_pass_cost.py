"""What the pose pass costs beyond the model's inference, in CPU seconds (steady on a shared
machine, unlike wall time).

Two parts, each printed:

- **per frame**: the clip's frames are decoded into MediaPipe images first (keep the clip
  short: they are all held), then run through a ``PoseEstimator`` tracking one person with no
  people probe, one with the default probe, and the default probe with the torso's optical
  flow measured on every frame and behind its gate (``pose.flow.FlowGate``, the default)
  (alternated, ``--rounds`` each), timing ``detect`` (inference; with the probe, its count
  too) and ``pose_of`` (landmarks, person choice, the mask's copy, the back outline and the
  flow) with ``time.process_time`` (all threads);
- **per process** (``--imports``): fresh interpreters importing what a bare MediaPipe run
  imports, then formcheck's modules, then SciPy's ``signal`` (the analysis' filters), printing
  the CPU spent inside and at exit.

    python bench/pose_pass_cost.py CLIP.mp4 [--model full] [--rounds 2] [--imports]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

IMPORT_SETS = {
    "interpreter alone": "pass",
    "formcheck's CLI module": "import formcheck.cli",
    "the CLI parsing `analyze` (a missing file: exits before the model)":
        "import formcheck.cli\ntry:\n    formcheck.cli.app(args=['analyze', '/nonexistent.mp4'], "
        "standalone_mode=False)\nexcept Exception:\n    pass",
    "bare run's imports (mediapipe, av, numpy)": "import mediapipe, av, numpy",
    "+ formcheck's CLI, pipeline and pose modules":
        "import mediapipe, av, numpy, formcheck.cli, formcheck.pipeline, "
        "formcheck.pose.estimator, formcheck.analysis",
    "+ scipy.signal (the analysis' filters)":
        "import mediapipe, av, numpy, formcheck.cli, formcheck.pipeline, "
        "formcheck.pose.estimator, formcheck.analysis, scipy.signal",
}


def per_frame(clip: Path, model: str, rounds: int) -> None:
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator, prepare_frames
    from formcheck.pose.models import resolve_model

    path = resolve_model(model).path
    with FileSource(clip, channels="rgb") as src:
        frames = list(prepare_frames(src))
    n = len(frames)
    # (label, estimator options, whether pose_of gets the frame: the torso's flow)
    runs = (("no probe", {"num_poses": 1}, False), ("probe", {}, False),
            ("probe + flow on every frame", {"flow_every_frame": True}, True),
            ("probe + flow, gated (the default)", {}, True))
    got: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in runs}
    for _ in range(rounds):
        for label, kw, with_flow in runs:
            with PoseEstimator(path, **kw) as est:
                det = pos = 0.0
                for f in frames:
                    a = time.process_time()
                    result = est.detect(f.mp_image, f.t_s)
                    b = time.process_time()
                    if with_flow:
                        est.pose_of(result, f.width, f.height, f.mp_image, f.t_s)
                    else:
                        est.pose_of(result, f.width, f.height)
                    det += b - a
                    pos += time.process_time() - b
            got[label].append((det, pos))
    print(f"{clip.name}: {n} frames, model {model}, medians of {rounds} (CPU ms per frame)")
    base = statistics.median(d for d, _ in got["no probe"])
    for label, runs in got.items():
        det = statistics.median(d for d, _ in runs)
        pos = statistics.median(p for _, p in runs)
        print(f"  {label:<34} detect {1000 * det / n:6.2f}  pose_of {1000 * pos / n:5.2f}  "
              f"detect / no-probe detect {det / base:.3f}")


def imports(rounds: int) -> None:
    print(f"imports, whole interpreters, medians of {rounds} (CPU s inside / at exit)")
    for label, code in IMPORT_SETS.items():
        inside, total = [], []
        for _ in range(rounds):
            stamp = ("\nimport resource, sys\nr = resource.getrusage(resource.RUSAGE_SELF)\n"
                     "sys.stderr.write(f'{r.ru_utime + r.ru_stime:.4f}')")
            proc = subprocess.Popen([sys.executable, "-c", code + stamp], stderr=subprocess.PIPE)
            _, _, usage = os.wait4(proc.pid, 0)
            inside.append(float(proc.stderr.read().decode().strip().splitlines()[-1]))
            total.append(usage.ru_utime + usage.ru_stime)
        i, t = statistics.median(inside), statistics.median(total)
        print(f"  {label:<68} {i:5.2f} / {t - i:4.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("--model", default="full")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--imports", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    per_frame(args.clip, args.model, args.rounds)
    if args.imports:
        imports(max(args.rounds, 3))


if __name__ == "__main__":
    main()
