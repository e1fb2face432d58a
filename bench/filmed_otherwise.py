"""The shared clips filmed otherwise: copies turned, shrunk, thinned or compressed again,
and which labelled verdicts each change moves.

Two steps, with posing between them (the pose pass is the slow part):

1. ``--make OUT --change KIND=VALUE``: write a copy of each clip (the clips that have poses in
   ``--only``, when given; else every clip in ``--clips``) to ``OUT`` under the same name,
   H.264 at the same frame rate:

   - ``turn=DEG``: every frame turned ``DEG`` degrees about the picture's centre (OpenCV's
     sense: positive anticlockwise), the corners filled from the edge, crf 16;
   - ``scale=S``: ``S`` times the width and height (area resampling), crf 16;
   - ``every=N``: every ``N``-th frame kept, the frame rate divided by ``N``, crf 16;
   - ``crf=Q``: the decoded frames compressed again at crf ``Q``;
   - ``tilt=DEG``: the camera tilted ``DEG`` degrees up (negative: down) about its own
     horizontal axis (``tilt_homography``; ``--vfov`` the clips' assumed vertical field of
     view, 50° by default), the picture's centre kept in place, crf 16: a phone on the floor
     tilted up, or on a bench tilted down, seen through the same lens;
   - ``flip=1``: every frame flipped left-right (the lifter facing the other way), crf 16.

   Then pose them: ``python bench/eval_clips.py --clips OUT --poses OUT_POSES --extract``
   (``labels.json`` is copied into ``OUT`` for it).

2. ``--poses AS_FILMED --copies OUT_POSES``: analyse each clip that has poses in both with
   the shipped settings and print, per labelled fault (rounded back and over-extension; the
   twist too, though no clip is labelled with one), each clip whose verdict (judged or not,
   warned or not) differs, with its label and peak (``-v``: also the clips not labelled for
   that fault), and the counts of labelled verdicts changed. ``--level`` says what the
   analysis is told of the camera's roll: ``as-posed`` (default: what the pose files hold),
   ``none`` (no scene level: the picture's axes, as before session 21) or ``video`` (the level
   read from each clip's own video, ``--clips`` and ``--copy-clips``, as the pose pass now
   stores it).

Session 21's copies (the 39 clips judged for rounding or over-extension) and their poses are
cached in ``/work/cache/s21/clips_{rot6,rotm6,half,every2,crf35}`` and ``poses_*``:

    python bench/filmed_otherwise.py --make /tmp/turned6 --change turn=6 \\
        --only /work/cache/s21/poses_rot6
    python bench/filmed_otherwise.py --poses /work/cache/s16/full3 \\
        --copies /work/cache/s21/poses_rot6 --level none
    python bench/filmed_otherwise.py --poses /work/cache/s16/full3 \\
        --copies /work/cache/s21/poses_rot6 --level video \\
        --copy-clips /work/cache/s21/clips_rot6

Clips, copies and poses of them are third-party footage and landmarks derived from it: keep
them outside the repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_sequence
from formcheck.config import Config, load_config
from formcheck.pose.scene_level import EXTRA_KEY, level_of_file
from formcheck.pose.sequence import PoseSequence
from formcheck.report import FAULTS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = REPO.parent / "shared" / "clips"


def tilt_homography(w: int, h: int, deg: float, vfov_deg: float = 50.0) -> np.ndarray:
    """The picture of a camera tilted ``deg`` up (negative: down) about its own horizontal
    axis, from a picture ``w`` x ``h`` of vertical field of view ``vfov_deg``: ``K R K^-1``
    (a pure rotation, so exact for a still scene), then shifted so the picture's centre
    stays where it was (as a lifter re-aims the phone; a shifted principal point, which the
    pose network cannot tell from a crop). Tilted up, vertical edges converge upwards."""
    f = 0.5 * h / np.tan(np.radians(vfov_deg) / 2)
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])
    a = np.radians(deg)
    # Camera axes x right, y down, z forward. Tilted up, the new forward axis is the old
    # (0, -sin a, cos a); r takes old camera coordinates to the new camera's.
    r = np.array([[1, 0, 0], [0, np.cos(a), np.sin(a)], [0, -np.sin(a), np.cos(a)]])
    m = k @ r @ np.linalg.inv(k)
    c = m @ np.array([w / 2, h / 2, 1.0])
    shift = np.array([[1, 0, w / 2 - c[0] / c[2]], [0, 1, h / 2 - c[1] / c[2]], [0, 0, 1.0]])
    return shift @ m


def make_copy(src: Path, dst: Path, kind: str, value: float, vfov_deg: float = 50.0) -> bool:
    """Write ``src`` changed by ``kind=value`` to ``dst``; False if it does not decode."""
    import av
    import cv2

    try:
        with av.open(str(src)) as inp:
            vs = inp.streams.video[0]
            rate = vs.average_rate or 30
            frames = []
            try:
                for fr in inp.decode(vs):
                    frames.append(fr.to_ndarray(format="bgr24"))
            except av.error.FFmpegError as exc:  # keep the frames decoded before a bad one
                print(f"{src.name}: decoding stopped ({exc})", file=sys.stderr)
    except av.error.FFmpegError as exc:
        print(f"skipped {src.name}: {exc}", file=sys.stderr)
        return False
    if not frames:
        return False
    h, w = frames[0].shape[:2]
    crf = 16
    if kind == "every":
        step = int(value)
        frames, rate = frames[::step], rate / step
    if kind == "scale":
        width, height = int(round(w * value / 2) * 2), int(round(h * value / 2) * 2)
    else:
        width, height = w - w % 2, h - h % 2
    if kind == "crf":
        crf = int(value)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), value, 1.0) if kind == "turn" else None
    tilt = tilt_homography(w, h, value, vfov_deg) if kind == "tilt" else None
    tmp = dst.with_name(dst.name + ".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf)}
        for f in frames:
            if kind == "scale":
                g = cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA)
            elif turn is not None:
                g = cv2.warpAffine(f, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
                g = g[:height, :width]
            elif tilt is not None:
                g = cv2.warpPerspective(f, tilt, (w, h), borderMode=cv2.BORDER_REPLICATE)
                g = g[:height, :width]
            elif kind == "flip":
                g = cv2.flip(f, 1)[:height, :width]
            else:
                g = f[:height, :width]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(g), format="bgr24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.rename(dst)
    return True


def verdicts(seq: PoseSequence, config: Config | None = None
             ) -> dict[str, tuple[bool, bool, float | None]]:
    """Per fault: (judged, warned, the largest finding's value)."""
    result = analyze_sequence(seq, config)
    clip = {a.fault: a.assessable for a in result.assessable if a.rep is None}
    out = {}
    for fault in FAULTS:
        hits = [f.value for f in result.findings if f.fault == fault]
        out[fault] = (bool(clip.get(fault)), bool(hits), max(hits) if hits else None)
    return out


def _levelled(seq: PoseSequence, mode: str, video: Path | None) -> PoseSequence:
    if mode == "none":
        seq.extra.pop(EXTRA_KEY, None)
    elif mode == "video":
        if video is None or not video.is_file():
            raise SystemExit(f"--level video: no video {video} to read the level from")
        seq.extra[EXTRA_KEY] = level_of_file(video).as_extra()
    return seq


def _say(v: tuple[bool, bool, float | None]) -> str:
    judged, warned, peak = v
    if not judged:
        return "not judged"
    return f"warned {peak:.1f}" if warned else "not warned"


def compare(args: argparse.Namespace) -> int:
    labels = {it["file"]: it for it in
              json.loads((args.clips / "labels.json").read_text(encoding="utf-8"))}
    config = load_config(None, args.overrides)
    changed = {f: 0 for f in FAULTS}
    labelled = {f: 0 for f in FAULTS}
    # Per fault and version (as filmed, copy): [clean judged, clean warned, faulty judged,
    # faulty warned] over the labelled clips.
    tally = {f: {"as filmed": [0, 0, 0, 0], "copy": [0, 0, 0, 0]} for f in FAULTS}
    n = 0
    for pose in sorted(args.copies.glob("*.npz")):
        name = pose.name[:-len(".npz")]
        original = args.poses / pose.name
        if name not in labels or not original.is_file():
            continue
        n += 1
        a = verdicts(_levelled(PoseSequence.load(original), args.level, args.clips / name),
                     config)
        copy_clips = args.copy_clips
        b = verdicts(_levelled(PoseSequence.load(pose), args.level,
                               copy_clips / name if copy_clips else None), config)
        for fault in FAULTS:
            label = labels[name]["faults"][fault]
            if label is not None:
                labelled[fault] += 1
                for version, (judged, warned, _) in (("as filmed", a[fault]),
                                                     ("copy", b[fault])):
                    if judged:
                        row = tally[fault][version]
                        row[2 if label else 0] += 1
                        row[3 if label else 1] += int(warned)
            moved = a[fault][:2] != b[fault][:2]
            changed[fault] += int(moved and label is not None)
            if moved and (label is not None or args.verbose):
                print(f"{fault:21s} label={label!s:5s} as filmed {_say(a[fault]):15s} "
                      f"copy {_say(b[fault]):15s} {name[:70]}")
    if n == 0:
        print(f"no clip has poses in both {args.poses} and {args.copies}", file=sys.stderr)
        return 2
    print(f"\n{n} clips with poses in both (level: {args.level})")
    for fault in FAULTS:
        print(f"  {fault:21s} labelled verdicts changed: {changed[fault]} of {labelled[fault]}")
        for version, (cj, cw, fj, fw) in tally[fault].items():
            print(f"    {version:9s} labelled clean: warned {cw} of {cj} judged; labelled "
                  f"faulty: found {fw} of {fj} judged")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=Path, default=DEFAULT_CLIPS,
                    help="the shared clips as filmed (with labels.json)")
    ap.add_argument("--make", type=Path, help="write changed copies here")
    ap.add_argument("--change",
                    help="turn=DEG, scale=S, every=N, crf=Q, tilt=DEG or flip=1 (with --make)")
    ap.add_argument("--vfov", type=float, default=50.0,
                    help="with --change tilt=DEG: the clips' assumed vertical field of view")
    ap.add_argument("--only", type=Path, help="with --make: only clips with poses here")
    ap.add_argument("--poses", type=Path, help="poses of the clips as filmed")
    ap.add_argument("--copies", type=Path, help="poses of the copies")
    ap.add_argument("--copy-clips", type=Path, help="the copies' videos (for --level video)")
    ap.add_argument("--level", choices=("as-posed", "none", "video"), default="as-posed")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    metavar="SECTION.FIELD=VALUE", help="a setting for both analyses")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also list changes on clips not labelled for that fault")
    args = ap.parse_args(argv)
    if args.make:
        if not args.change or "=" not in args.change:
            ap.error("--make needs --change KIND=VALUE")
        kind, value = args.change.split("=", 1)
        if kind not in ("turn", "scale", "every", "crf", "tilt", "flip"):
            ap.error(f"unknown change {kind!r}")
        args.make.mkdir(parents=True, exist_ok=True)
        shutil.copy(args.clips / "labels.json", args.make / "labels.json")
        for clip in sorted(args.clips.glob("*.mp4")):
            if args.only is not None and not (args.only / f"{clip.name}.npz").is_file():
                continue
            dst = args.make / clip.name
            if not dst.exists() and make_copy(clip, dst, kind, float(value), args.vfov):
                print(f"wrote {dst}")
        return 0
    if args.poses is None or args.copies is None:
        ap.error("give --make, or --poses and --copies")
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
