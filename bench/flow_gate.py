"""The torso's optical flow measured only where the twist rule can read it (``pose.flow.FlowGate``)
or by cheaper code: does any finding change?

Flows are measured outside the pose model, on cached poses (the landmarks place the crop, as in
the pose pass; the flow of a frame depends only on it, the previous frame and the previous
frame's landmarks, so replaying the gate on an ungated flow gives exactly what a gated pose pass
stores):

    python bench/flow_gate.py measure SET [--out DIR] [--limit N]   # every frame's flow, cached
    python bench/flow_gate.py replay SET [--flows DIR] [--against DIR] [--gate DEG] [--hold S]

SET is ``clips`` (the shared clips, poses from /work/cache/models-full), ``synth`` (the rendered
twist set, /work/cache/synth-twist, video-full poses) or ``samples`` (the committed samples,
poses from /work/cache/models-samples/full). ``measure`` prints the flow's CPU per frame.
``replay`` analyses each sequence twice, with the reference flow (``--against``, default the
same ``--flows``) on every frame, and with ``--flows`` behind the gate (``--gate 0`` turns the
gate off: to compare two flow implementations), then prints per clip whether the rule reads
the flow (the set square-on), the share of frames the gate skips, and whether the findings,
the per-rep assessments and the twist signal are the same.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    # name: (poses folder, pose file suffix, videos folder)
    "clips": (Path("/work/cache/models-full"), ".npz", ROOT.parent / "shared" / "clips"),
    "synth": (Path("/work/cache/synth-twist/poses/video-full"), ".npz",
              Path("/work/cache/synth-twist")),
    "samples": (Path("/work/cache/models-samples/full"), ".pose.npz", ROOT / "samples"),
}
DEFAULT_OUT = Path("/work/cache/s4-posepass-flow")


def items(set_name: str):
    """(name, pose file, video) of every clip of ``set_name`` with both."""
    poses, suffix, videos = SETS[set_name]
    for pp in sorted(poses.glob(f"*{suffix}")):
        name = pp.name[: -len(suffix)]
        video = videos / (name if name.endswith(".mp4") else f"{name}.mp4")
        if video.is_file():
            yield name, pp, video


def load_seq(pp: Path):
    from formcheck.pose.sequence import PoseSequence

    seq = PoseSequence.load(pp)
    side = pp.with_suffix(".z.npy")  # the rendered set keeps the image depth beside
    if seq.image_z is None and side.is_file():
        seq = replace(seq, image_z=np.load(side))
    return seq


def measure(video: Path, image_xy: np.ndarray) -> tuple[np.ndarray, float]:
    """Every frame's band motions (``TorsoFlow`` as the pose pass runs it: RGB frames) and
    the CPU seconds ``step`` took in all."""
    from formcheck.io.video import FileSource
    from formcheck.pose.flow import TorsoFlow

    out = np.full((len(image_xy), 2), np.nan, np.float32)
    flow = TorsoFlow()
    cpu = 0.0
    with FileSource(video, channels="rgb") as src:
        for i, frame in enumerate(src):
            if i >= len(image_xy):
                break
            t0 = time.process_time()
            out[i] = flow.step(frame.image, image_xy[i], rgb=True)
            cpu += time.process_time() - t0
    return out, cpu


def cmd_measure(args) -> int:
    out_dir = args.out / args.set
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = cpu = 0.0
    for k, (name, pp, video) in enumerate(items(args.set)):
        if args.limit and k >= args.limit:
            break
        target = out_dir / f"{name}.flow.npz"
        if target.is_file() and not args.force:
            continue
        seq = load_seq(pp)
        bands, spent = measure(video, seq.image_xy)
        np.savez(target, bands=bands, cpu_s=spent)
        frames += len(seq)
        cpu += spent
        print(f"{name[:60]}: {len(seq)} frames, flow {1000 * spent / max(len(seq), 1):.2f} "
              f"ms CPU/frame", flush=True)
    if frames:
        print(f"all: {int(frames)} frames, {cpu:.1f} s CPU, {1000 * cpu / frames:.2f} ms/frame")
    return 0


def gate_mask(seq, max_turn_deg: float, hold_s: float) -> np.ndarray:
    """Frames ``FlowGate`` lets the pose pass measure."""
    from formcheck.pose.flow import FlowGate

    gate = FlowGate(max_turn_deg, hold_s)
    return np.array([gate.wants(float(t), w) for t, w in zip(seq.t_s, seq.world_xyz,
                                                              strict=True)], bool)


def _outcome(res) -> dict:
    return {
        "exercise": res.exercise.name, "view": res.view.name,
        "findings": [(f.fault, f.rep, round(f.start_s, 4), round(f.end_s, 4), f.severity,
                      round(f.value, 3), f.message)
                     for f in res.findings],
        "assessable": [(a.fault, a.rep, a.assessable, a.reason) for a in res.assessable],
    }


def cmd_replay(args) -> int:
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.features import compute_signals
    from formcheck.config import Config

    cfg = Config()
    flows = args.flows / args.set
    against = (args.against or args.flows) / args.set
    rows = []
    for name, pp, _video in items(args.set):
        fa, fb = against / f"{name}.flow.npz", flows / f"{name}.flow.npz"
        if not (fa.is_file() and fb.is_file()):
            continue
        seq = load_seq(pp)
        ref = replace(seq, torso_flow=np.load(fa)["bands"])
        cand_flow = np.load(fb)["bands"].copy()
        keep = gate_mask(seq, args.gate, args.hold) if args.gate > 0 else np.ones(len(seq), bool)
        cand_flow[~keep] = np.nan
        cand = replace(seq, torso_flow=cand_flow)
        sa, sb = compute_signals(ref, cfg).twist, compute_signals(cand, cfg).twist
        oa, ob = _outcome(analyze_sequence(ref, cfg)), _outcome(analyze_sequence(cand, cfg))
        d = np.abs(sa.angle_deg - sb.angle_deg)
        rows.append({
            "clip": name, "frames": len(seq), "reads_flow": sa.depth_source == "flow",
            "view_off_deg": round(float(sa.view_off_deg), 1),
            "skipped": float(1.0 - keep.mean()),
            "source_same": sa.depth_source == sb.depth_source,
            "max_twist_diff_deg": float(np.nanmax(d)) if np.isfinite(d).any() else 0.0,
            "findings_same": oa["findings"] == ob["findings"],
            "assessable_same": oa["assessable"] == ob["assessable"],
            "verdict_same": oa == ob, "twist_findings": sum(
                1 for f in oa["findings"] if f[0] == "jerky_twist"),
        })
        r = rows[-1]
        print(f"{name[:55]:55s} flow read: {str(r['reads_flow']):5s} phi {r['view_off_deg']:5.1f}"
              f"  skipped {100 * r['skipped']:5.1f} %  twist diff {r['max_twist_diff_deg']:.3g}"
              f" deg  same: {r['verdict_same']}", flush=True)
    n = len(rows)
    frames = sum(r["frames"] for r in rows)
    skipped = sum(r["frames"] * r["skipped"] for r in rows)
    reading = [r for r in rows if r["reads_flow"]]
    r_frames = sum(r["frames"] for r in reading)
    r_skipped = sum(r["frames"] * r["skipped"] for r in reading)
    print(f"\n{args.set}: {n} clips, {frames} frames; the gate (<= {args.gate:g} deg, hold "
          f"{args.hold:g} s) skips {skipped / max(frames, 1):.1%} of frames; the rule reads "
          f"the flow on {len(reading)} clips ({r_frames} frames, "
          f"{r_skipped / max(1, r_frames):.1%} of them skipped)")
    print(f"findings identical on {sum(r['findings_same'] for r in rows)}/{n}, assessments "
          f"{sum(r['assessable_same'] for r in rows)}/{n}, whole verdict "
          f"{sum(r['verdict_same'] for r in rows)}/{n}; largest twist-angle difference "
          f"{max((r['max_twist_diff_deg'] for r in rows), default=0.0):.3g} deg")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("measure")
    p.add_argument("set", choices=sorted(SETS))
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_measure)
    p = sub.add_parser("replay")
    p.add_argument("set", choices=sorted(SETS))
    p.add_argument("--flows", type=Path, default=DEFAULT_OUT)
    p.add_argument("--against", type=Path, default=None)
    from formcheck.pose.flow import GATE_HOLD_S, GATE_MAX_TURN_DEG

    p.add_argument("--gate", type=float, default=GATE_MAX_TURN_DEG,
                   help="largest hip-line turn measured, deg (0: no gate)")
    p.add_argument("--hold", type=float, default=GATE_HOLD_S)
    p.add_argument("--json", type=Path, default=None)
    p.set_defaults(func=cmd_replay)
    args = ap.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
