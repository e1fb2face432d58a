"""The pose model on mirror images: each sample video and its left-right flipped copy posed
and analysed alike; do they give the same faults per rep?

The analysis itself is mirror-symmetric (``tests/test_back.py`` mirrors every sample's true
landmarks); this measures what the pose model adds. For each ``*.mp4`` in the folder
(default ``samples/``): the video is posed as it is and a left-right flipped copy (every frame
flipped, written as H.264 crf 16 at the same frame rate) is posed with the same model, both
analysed with the shipped settings and the exercise recognised (as ``formcheck check``
does). A clip gives the same faults when the (fault, rep) pairs found agree; the jerky twist's
side is mirrored before comparing. Prints each clip's faults both ways, what else differs
(exercise, rep count), and the count of clips with the same faults.

Poses are cached in ``--cache`` (default ``/tmp/formcheck-mirror``, outside the repository),
so a second run only analyses; posing the 12 samples both ways takes some minutes on two
cores.

    python bench/mirror_samples.py [samples] [--model full] [--cache DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.pose.sequence import PoseSequence

REPO = Path(__file__).resolve().parents[1]
SWAP = {"left": "right", "right": "left"}


def flipped_copy(src: Path, dst: Path) -> None:
    """Write ``src`` with every frame flipped left-right to ``dst`` (H.264 crf 16)."""
    import av
    import cv2

    tmp = dst.with_name(dst.name + ".tmp.mp4")
    with av.open(str(src)) as inp, av.open(str(tmp), "w") as out:
        vs = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=vs.average_rate or 30)
        stream.width, stream.height = vs.codec_context.width, vs.codec_context.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "16"}
        for fr in inp.decode(vs):
            g = cv2.flip(fr.to_ndarray(format="bgr24"), 1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(g),
                                                                   format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.rename(dst)


def posed(video: Path, cache: Path, model: str) -> PoseSequence:
    from formcheck.pipeline import extract_pose

    cached = cache / f"{video.name}.{model}.npz"
    if cached.is_file():
        return PoseSequence.load(cached)
    seq = extract_pose(video, model, back_profile=True)
    seq.save(cached)
    return seq


def faults_of(seq: PoseSequence, mirrored: bool) -> tuple[list[tuple], str, int]:
    """The (fault, rep, twist side) found, the exercise recognised and the rep count."""
    r = analyze_sequence(seq)
    found = []
    for f in r.findings:
        side = f.evidence.get("twist_side")
        found.append((f.fault, f.rep, SWAP.get(side, side) if mirrored else side))
    exercise = r.exercise.name if r.exercise else "unknown"
    return sorted(found, key=str), exercise, len(r.reps)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="?", default=REPO / "samples")
    ap.add_argument("--model", default="full")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/formcheck-mirror"))
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    videos = sorted(args.folder.glob("*.mp4"))
    if not videos:
        print(f"no videos in {args.folder}", file=sys.stderr)
        return 2
    same = 0
    for video in videos:
        flip = args.cache / f"{video.stem}.flipped.mp4"
        if not flip.is_file():
            flipped_copy(video, flip)
        a, ex_a, reps_a = faults_of(posed(video, args.cache, args.model), False)
        b, ex_b, reps_b = faults_of(posed(flip, args.cache, args.model), True)
        ok = [(f, rep) for f, rep, _ in a] == [(f, rep) for f, rep, _ in b]
        same += ok
        print(f"{'same' if ok else 'DIFFERENT':9s} {video.name}")
        print(f"    as filmed: {ex_a}, {reps_a} reps, {a}")
        print(f"    flipped:   {ex_b}, {reps_b} reps, {b}")
    print(f"\n{same} of {len(videos)} samples give the same faults per rep flipped "
          f"({args.model} model)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
