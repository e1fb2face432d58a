"""The camera's roll read from the scene's straight lines (``formcheck.pose.scene_level``):
how often it is trusted and how close it comes.

Three ways to score it:

- ``CLIPS_DIR`` alone: each clip's reading and whether the analysis' limits trust it (real
  footage has no recorded roll: look at the clips the limits trust with a roll).
- ``--against TURNED_DIR --turned DEG``: the same clips turned ``DEG`` degrees
  (``--make-turned`` writes them, H.264 crf 16, the corners filled from the edge): the turned
  copy should read ``DEG`` more than the original. Scored on the pairs both readings trust.
- ``--renders DIR ...``: rendered sets (``<name>.json`` beside ``<name>.mp4``) whose truth
  records the camera's roll (``scenario.camera.roll_deg``, 0 when absent).
- ``--renders DIR ... --lean``: what levelling does to the analysis on the rendered sets
  filmed with the camera rolled (a roll in their truth) that have cached poses
  (``poses/NAME.npz`` or ``poses/video-full/NAME.npz``): each is analysed in the camera's
  axes (no scene level in the poses) and levelled by the roll its own video's lines read (as
  the pose pass stores it). Per set, the median of the analysis' trunk lean
  (``trunk_inclination``) minus the rendered truth's over the frames both have; printed:
  the median and 90th percentile of its size over the sets, each way, and the findings that
  overlap a rendered fault of their kind (0.3 s slack) or none. Session 21's figure (144
  sets, 7.1 -> 3.0 deg) read the rolled sets in ``/work/cache/s15-cloth``, ``s15-pfb``,
  ``s15-place90b`` and the six ``s18-place-tw*`` folders.

    python bench/scene_level.py ../shared/clips
    python bench/scene_level.py ../shared/clips --make-turned /tmp/turned6 --turned 6
    python bench/scene_level.py ../shared/clips --against /tmp/turned6 --turned 6
    python bench/scene_level.py --renders DIR [DIR ...]
    python bench/scene_level.py --renders DIR [DIR ...] --lean [-v]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.analysis.level import roll_to_undo
from formcheck.config import Config
from formcheck.pose.scene_level import EXTRA_KEY, level_of_file
from formcheck.pose.sequence import PoseSequence


def trusted(level, cfg) -> float | None:
    """The roll the analysis would level by (None: not trusted, or too small to act on)."""
    seq = PoseSequence.empty(width=2, height=2)
    seq.extra[EXTRA_KEY] = level.as_extra()
    return roll_to_undo(seq, cfg.signal)


def _trusts(level, cfg) -> bool:
    """Whether the analysis' limits trust the reading at all, a level picture included (its
    own test, with no least roll to act on)."""
    return trusted(level, replace(cfg, signal=replace(cfg.signal, level_min_roll_deg=0.0))) \
        is not None


#: Truth fault kinds -> the report's fault names (as ``eval_synth.py``).
KIND_TO_FAULT = {"flexion": "rounded_back", "extension": "lumbar_overextension",
                 "arch": "lumbar_overextension", "twist": "jerky_twist"}


def lean_levelled(dirs: list[Path], verbose: bool) -> None:
    """The analysis on the rolled rendered sets, in the camera's axes and levelled."""
    from formcheck.analysis import analyze_sequence

    errs: dict[str, list[float]] = {"camera": [], "levelled": []}
    found = {m: [0, 0] for m in errs}  # [matching a rendered fault, matching none]
    for d in dirs:
        for j in sorted(d.glob("*.json")):
            mp4 = j.with_suffix(".mp4")
            pose = next((p for p in (d / "poses" / f"{j.stem}.npz",
                                     d / "poses" / "video-full" / f"{j.stem}.npz")
                         if p.is_file()), None)
            if pose is None or not mp4.exists():
                continue
            truth = json.loads(j.read_text())
            if not float(truth.get("scenario", {}).get("camera", {}).get("roll_deg", 0.0)):
                continue
            true_lean = np.asarray(truth["per_frame"]["trunk_inclination_deg"], float)
            true_iv = [(KIND_TO_FAULT.get(f["kind"]), f["interval_s"]) for f in truth["faults"]]
            level = level_of_file(mp4).as_extra()
            line = []
            for mode in errs:
                seq = PoseSequence.load(pose)
                seq.extra.pop(EXTRA_KEY, None)
                if mode == "levelled":
                    seq.extra[EXTRA_KEY] = level
                r = analyze_sequence(seq)
                lean = r.series["trunk_inclination"].values
                m = min(len(lean), len(true_lean))
                errs[mode].append(float(np.nanmedian(lean[:m] - true_lean[:m])))
                faults = []
                for f in r.findings:
                    ok = any(k == f.fault and f.start_s <= b + 0.3 and f.end_s >= a - 0.3
                             for k, (a, b) in true_iv)
                    found[mode][0 if ok else 1] += 1
                    faults.append(f"{f.fault} rep {f.rep}" + ("" if ok else " (false)"))
                line.append(f"{mode} {errs[mode][-1]:+6.1f} {faults}")
            if verbose:
                print(f"{d.name}/{j.stem}: " + " | ".join(line))
    if not errs["camera"]:
        print("no rolled rendered sets with cached poses")
        return
    print(f"{len(errs['camera'])} rolled rendered sets")
    for mode, e in errs.items():
        a = np.abs(e)
        print(f"  {mode:9s} trunk lean - truth, per set: |median| {np.median(a):.1f} deg, "
              f"90th percentile {np.percentile(a, 90):.1f} deg; findings matching a rendered "
              f"fault {found[mode][0]}, matching none {found[mode][1]}")


def make_turned(clips: list[Path], out: Path, deg: float) -> None:
    import av
    import cv2

    out.mkdir(parents=True, exist_ok=True)
    for p in clips:
        dst = out / p.name
        if dst.exists():
            continue
        try:
            with av.open(str(p)) as inp:
                vs = inp.streams.video[0]
                rate = vs.average_rate or 30
                frames = [f.to_ndarray(format="bgr24") for f in inp.decode(vs)]
        except Exception as exc:  # noqa: BLE001 - a clip that does not decode is skipped
            print(f"skipped {p.name}: {exc}", file=sys.stderr)
            continue
        if not frames:
            continue
        h, w = frames[0].shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
        tmp = dst.with_suffix(".tmp.mp4")
        with av.open(str(tmp), "w") as o:
            s = o.add_stream("libx264", rate=rate)
            s.width, s.height, s.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
            s.options = {"crf": "16"}
            for f in frames:
                g = cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(g[:s.height, :s.width]),
                                                format="bgr24")
                for pk in s.encode(vf):
                    o.mux(pk)
            for pk in s.encode():
                o.mux(pk)
        tmp.rename(dst)
        print(f"wrote {dst}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", type=Path, nargs="?")
    ap.add_argument("--against", type=Path, help="the same clips turned --turned degrees")
    ap.add_argument("--turned", type=float, default=6.0)
    ap.add_argument("--make-turned", type=Path, help="write the clips turned --turned degrees")
    ap.add_argument("--renders", type=Path, nargs="+", default=[])
    ap.add_argument("--lean", action="store_true",
                    help="with --renders: the analysis on the rolled sets, in the camera's "
                    "axes and levelled")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    cfg = Config()
    if args.lean:
        lean_levelled(args.renders, args.verbose)
        return 0
    if args.clips is not None:
        clips = sorted(args.clips.glob("*.mp4"))
        if args.make_turned:
            make_turned(clips, args.make_turned, args.turned)
            return 0
        used = level = 0
        errs, wrong = [], []
        for p in clips:
            a = level_of_file(p)
            roll = trusted(a, cfg)
            level += _trusts(a, cfg) and roll is None
            used += roll is not None
            if roll is not None:
                verdict = f"levelled by {roll:.2f}"
            else:
                verdict = "level" if _trusts(a, cfg) else "not trusted"
            read = a.roll_deg if a.roll_deg is not None else "-"
            line = (f"{p.name[:64]:64s} roll {read:>6} share {a.share:4.2f} "
                    f"lines {a.lines:4d} {verdict}")
            if args.against is not None and (args.against / p.name).exists():
                b = level_of_file(args.against / p.name)
                other = b.roll_deg if b.roll_deg is not None else "-"
                line += (f" | turned: roll {other:>6} share {b.share:4.2f} "
                          f"{'trusted' if _trusts(b, cfg) else 'not trusted'}")
                if _trusts(b, cfg):
                    base = a.roll_deg if _trusts(a, cfg) else 0.0
                    err = b.roll_deg - base - args.turned
                    errs.append(err)
                    if abs(err) > 2:
                        wrong.append(p.name)
            if args.verbose or args.against is None:
                print(line)
        print(f"\n{len(clips)} clips: levelled {used}, read as level {level}, "
              f"not trusted {len(clips) - used - level}")
        if args.against is not None:
            e = np.abs(errs)
            print(f"turned {args.turned:g}°: trusted {len(errs)}; error median "
                  f"{np.median(e):.2f}°, max {e.max():.2f}°; off by more than 2°: "
                  f"{len(wrong)} {wrong}")
    if args.renders:
        rows = []
        for d in args.renders:
            for j in sorted(d.glob("*.json")):
                mp4 = j.with_suffix(".mp4")
                if not mp4.exists():
                    continue
                truth = json.loads(j.read_text())
                true = float(truth.get("scenario", {}).get("camera", {}).get("roll_deg", 0.0))
                a = level_of_file(mp4)
                rows.append((j.stem, true, a, _trusts(a, cfg)))
        ok = [r for r in rows if r[3]]
        err = np.abs([r[2].roll_deg - r[1] for r in ok])
        print(f"{len(rows)} rendered sets: trusted {len(ok)}; |read - true| median "
              f"{np.median(err):.2f}°, max {err.max():.2f}°" if ok else "none trusted")
        for true in sorted({r[1] for r in rows}):
            sub = [r for r in rows if r[1] == true]
            t = [r for r in sub if r[3]]
            e = [abs(r[2].roll_deg - true) for r in t]
            print(f"  true roll {true:+5.1f}°: {len(t)}/{len(sub)} trusted"
                  + (f", |error| max {max(e):.2f}°" if e else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
