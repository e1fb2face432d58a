"""Jerky twist on rendered truth: where the rotation is lost, which cues keep it, and how the
rule does per rep.

Steps (each reuses what the previous one cached under DIR; renders and poses are slow):

    python bench/eval_twist.py render DIR [--limit N]     # twist clips with exact truth
    python bench/eval_twist.py extract DIR --variant video-full [--variant image-full ...]
    python bench/eval_twist.py where DIR                  # truth vs landmark twist per variant
    python bench/eval_twist.py cues DIR                   # depth-free cues vs truth (held out)
    python bench/eval_twist.py rule DIR [--samples P]     # per-rep detection / false alarms
    python bench/eval_twist.py extract-real LIST [--clips C --poses P]  # re-pose real clips
    python bench/eval_twist.py real [--poses P]           # real clips: twist findings
    python bench/eval_twist.py samples [--poses P]        # committed samples: which rep warns
    python bench/eval_twist.py mask-flows                 # round 9: masked flows, cut checks

``--flow dis`` is the torso flow as the pose pass stored it before round 9 (the arms only left
out); ``--flow mask-bar@0.25`` is what it stores now (hands, forearms and a held bar left out,
frames with under 0.25 of the bands seen not read); ``mask-NAME[@S]`` the other masks measured.

Real-clip poses stay outside the repository (default /work/cache/twist-real-poses).

The set: every body x front (0 deg), 45 deg and rear-45 (135 deg) x squat, deadlift, row.
"fast" clips have 5 reps: clean, then twists of 10, 20 and 40 deg done in 0.2 s (out and
back), then clean; "slow" clips have 3 reps twisting 20, 40 and 10 deg over 2 s. The side of
each twist alternates between clips and sizes, so both sides are covered.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rep_match import counted_rep_of  # noqa: E402  (bench/ siblings)

BODIES = ("m_avg", "f_short", "m_tall", "f_heavy", "m_heavy", "f_tall", "m_short", "f_avg")
AZIMUTHS = (0.0, 45.0, 135.0)
EXERCISES = ("squat", "deadlift", "row")
FAST_S, SLOW_S = 0.2, 2.0
#: A twist lasting longer than this is a slow one (midway: a slow twist's interval can read
#: a hair under SLOW_S in floating point).
SLOW_FROM_S = (FAST_S + SLOW_S) / 2
#: (rep, signed size) of the twists in a "fast" clip (sign flips on every other clip).
FAST_PLAN = ((2, 10.0), (3, -20.0), (4, 40.0))
FAST_REPS = 5
SLOW_PLAN = ((1, 20.0), (2, -40.0), (3, 10.0))
SLOW_REPS = 3
#: Pose variants: (running mode, model).
VARIANTS = {
    "video-full": ("video", "full"), "image-full": ("image", "full"),
    "video-heavy": ("video", "heavy"), "video-lite": ("video", "lite"),
    "image-heavy": ("image", "heavy"),
}


#: The realistic-twist set (``--plan shapes``): shape -> exercise it is rendered on.
SHAPE_EXERCISES = {"jerk": "squat", "lead": "deadlift", "heave": "row", "stay": "squat"}
SHAPE_BODIES = ("m_avg", "f_heavy")
SHAPE_AZIMUTHS = (0.0, 45.0)
SHAPE_TEXTURES = ("plain", "print")
#: Views whose clips are also rendered with a printed shirt (the flow cue reads square-on
#: views; the machine is shared, so the 45-degree set is plain only).
SHAPE_TEXTURED_AZIMUTHS = (0.0,)
#: Time to turn out (s) of every twist in the shapes set (a jerk: out and back in twice this).
SHAPE_RISE_S = 0.25
#: (rep, signed size) of the twists in a shapes clip: clean, 10 deg, 20 deg, clean.
SHAPE_PLAN = ((2, 10.0), (3, -20.0))
SHAPE_REPS = 4
#: The back-squat set (``--plan bar``, session 12): a barbell on the upper back (the renderer's
#: default squat holds the arms forward), filmed square-on, every body, fast and slow.
BAR_BODIES = ("m_avg", "f_short", "m_tall", "f_heavy", "m_heavy", "f_tall", "m_short", "f_avg")
#: The side-view set (``--plan side``, session 13): every body filmed side-on from its left
#: (azimuth 90) or its right (270), each exercise, the jerk set's fast and slow twists.
SIDE_BODIES = BAR_BODIES
SIDE_AZIMUTHS = (90.0, 270.0)
PLAN = "jerk"  # which set plan() gives: "jerk" (out and back, fast and slow), "shapes", "bar",
#: "side", "backs"
FLOW_ONLY = False  # round 9's inputs: a mask-* flow attached without its seen share and cuts
NO_SEEN = False  # a mask-* flow attached with the cut flags but without the seen share


#: ``--only REGEX``: render or extract only the clips whose names match (None: every one).
ONLY: list[str] = []


def plan() -> list[tuple[str, object]]:
    import re

    items = {"shapes": plan_shapes, "bar": plan_bar, "side": plan_side,
             "backs": plan_backs}.get(PLAN, plan_jerk)()
    return [it for it in items if not ONLY or re.search(ONLY[0], it[0])]


def plan_bar() -> list[tuple[str, object]]:
    """Back squats (``Scenario.squat_bar``) filmed square-on: every body in ``BAR_BODIES``,
    fast and slow, the jerk set's twists, scenes and camera heights, 480x360."""
    from formcheck.synth.catalog import SCENES, TEMPI
    from formcheck.synth.scenario import Camera, Exercise, Fault, FaultKind, Scenario

    out = []
    for n, (kind, body) in enumerate((k, b) for k in ("fast", "slow") for b in BAR_BODIES):
        sign = 1.0 if n % 2 == 0 else -1.0
        steps, reps, dur = (FAST_PLAN, FAST_REPS, FAST_S) if kind == "fast" else \
            (SLOW_PLAN, SLOW_REPS, SLOW_S)
        faults = tuple(Fault(FaultKind.TWIST, sign * deg, reps=(rep,), duration_s=dur)
                       for rep, deg in steps)
        out.append((f"{kind}_barsquat_{body}_az0", Scenario(
            exercise=Exercise.SQUAT, reps=reps, body=body, tempo=TEMPI[Exercise.SQUAT],
            camera=Camera(azimuth_deg=0.0, elevation_deg=8.0 + 4.0 * (n % 3),
                          width=480, height=360),
            scene=SCENES[n % len(SCENES)], faults=faults, crf=23, squat_bar=True)))
    return out


def _clip(name: str, exercise: str, body: str, azimuth: float, n: int, faults: tuple,
          reps: int, **extra) -> tuple[str, object]:
    """One clip of a plan: the ``n``-th clip's camera height (8, 12, 16° in turn) and scene,
    480x360, crf 23."""
    from formcheck.synth.catalog import SCENES, TEMPI
    from formcheck.synth.scenario import Camera, Exercise, Scenario

    ex = Exercise(exercise)
    return name, Scenario(
        exercise=ex, reps=reps, body=body, tempo=TEMPI[ex],
        camera=Camera(azimuth_deg=azimuth, elevation_deg=8.0 + 4.0 * (n % 3), width=480,
                      height=360),
        scene=SCENES[n % len(SCENES)], faults=faults, crf=23, **extra)


def plan_side() -> list[tuple[str, object]]:
    """Side views: every body in ``SIDE_BODIES`` x squat, deadlift, row x fast and slow, the
    camera at the lifter's left or right in turn, the jerk set's twists, scenes and camera
    heights, 480x360."""
    from formcheck.synth.scenario import Fault, FaultKind

    out = []
    for kind in ("fast", "slow"):
        for i, body in enumerate(SIDE_BODIES):
            for k, ex in enumerate(EXERCISES):
                az = SIDE_AZIMUTHS[(i + k) % len(SIDE_AZIMUTHS)]
                sign = 1.0 if (i // 2 + k) % 2 == 0 else -1.0
                steps, reps, dur = (FAST_PLAN, FAST_REPS, FAST_S) if kind == "fast" else \
                    (SLOW_PLAN, SLOW_REPS, SLOW_S)
                faults = tuple(Fault(FaultKind.TWIST, sign * deg, reps=(rep,), duration_s=dur)
                               for rep, deg in steps)
                out.append(_clip(f"{kind}_{ex}_{body}_az{az:g}", ex, body, az, len(out), faults,
                                 reps))
    return out


#: The twist-free back-fault set (``--plan backs``, session 13): every body x squat, deadlift,
#: row, filmed at 45°, from the side (its left or right in turn) and (session 14) at rear-45°,
#: with a rounding on rep 2, an arch while bent over on rep 3 and a lean back at lockout on
#: rep 4 (rep 1 clean): what a twist reading must not warn on.
BACK_PLAN = (("flexion", 2, 35.0), ("arch", 3, 20.0), ("extension", 4, 20.0))
BACK_REPS = 4


def plan_backs() -> list[tuple[str, object]]:
    """Back faults without a twist: bodies x exercises x (45°, side, rear-45°), 480x360."""
    from formcheck.synth.scenario import Fault, FaultKind

    faults = tuple(Fault(FaultKind(kind), deg, reps=(rep,)) for kind, rep, deg in BACK_PLAN)
    out = []
    for group in ("45", "side", "rear45"):
        for i, body in enumerate(SIDE_BODIES):
            for k, ex in enumerate(EXERCISES):
                az = {"45": 45.0, "rear45": 135.0}.get(
                    group, SIDE_AZIMUTHS[(i + k) % len(SIDE_AZIMUTHS)])
                out.append(_clip(f"backs_{ex}_{body}_az{az:g}", ex, body, az, len(out), faults,
                                 BACK_REPS))
    return out


def plan_shapes() -> list[tuple[str, object]]:
    """Realistic twists (``TwistShape``), each motion rendered with a plain and a printed
    shirt (side by side, so the flow's gain can be compared on the same motion): bodies x
    front/45 x shapes x textures, 480x360, front view first."""
    from dataclasses import replace

    from formcheck.synth.catalog import SCENES, TEMPI
    from formcheck.synth.scenario import (
        Camera,
        Exercise,
        Fault,
        FaultKind,
        Scenario,
        TwistShape,
    )

    out = []
    n = 0
    for az in SHAPE_AZIMUTHS:
        for i, body in enumerate(SHAPE_BODIES):
            for j, (shape, ex_name) in enumerate(SHAPE_EXERCISES.items()):
                ex = Exercise(ex_name)
                sign = 1.0 if (i + j) % 2 == 0 else -1.0
                dur = 2 * SHAPE_RISE_S if shape == "jerk" else SHAPE_RISE_S
                faults = tuple(Fault(FaultKind.TWIST, sign * deg, reps=(rep,), duration_s=dur,
                                     twist_shape=TwistShape(shape)) for rep, deg in SHAPE_PLAN)
                scene = SCENES[n % len(SCENES)]
                for tex in SHAPE_TEXTURES if az in SHAPE_TEXTURED_AZIMUTHS else ("plain",):
                    out.append((f"{shape}_{ex.value}_{body}_az{az:g}_{tex}", Scenario(
                        exercise=ex, reps=SHAPE_REPS, body=body, tempo=TEMPI[ex],
                        camera=Camera(azimuth_deg=az, elevation_deg=8.0 + 4.0 * (n % 3),
                                      width=480, height=360),
                        scene=replace(scene, shirt_texture=tex), faults=faults, crf=23)))
                n += 1
    return out


def plan_jerk() -> list[tuple[str, object]]:
    """The clips in render order: each block of 12 covers every body and view once."""
    from formcheck.synth.catalog import SCENES, TEMPI
    from formcheck.synth.scenario import Camera, Exercise, Fault, FaultKind, Scenario

    out = []
    n = 0
    for k in range(len(EXERCISES)):
        for kind in ("fast", "slow"):
            for i, body in enumerate(BODIES):
                for j, az in enumerate(AZIMUTHS):
                    ex = Exercise(EXERCISES[(i + j + k) % len(EXERCISES)])
                    sign = 1.0 if (i + j) % 2 == 0 else -1.0
                    steps, reps, dur = (FAST_PLAN, FAST_REPS, FAST_S) if kind == "fast" else \
                        (SLOW_PLAN, SLOW_REPS, SLOW_S)
                    faults = tuple(Fault(FaultKind.TWIST, sign * deg, reps=(rep,), duration_s=dur)
                                   for rep, deg in steps)
                    name = f"{kind}_{ex.value}_{body}_az{az:g}"
                    # 480x360 (the first clip was made at 640x480): the machine is shared and
                    # the pose model sees a 256x256 crop of the lifter either way.
                    w, h = (640, 480) if n == 0 else (480, 360)
                    out.append((name, Scenario(
                        exercise=ex, reps=reps, body=body, tempo=TEMPI[ex],
                        camera=Camera(azimuth_deg=az, elevation_deg=8.0 + 4.0 * (n % 3),
                                      width=w, height=h),
                        scene=SCENES[n % len(SCENES)], faults=faults, crf=23)))
                    n += 1
    return out


def cmd_render(args: argparse.Namespace) -> int:
    from formcheck.synth.clip import render_clip

    args.dir.mkdir(parents=True, exist_ok=True)
    items = plan()[: args.limit]
    for i, (name, sc) in enumerate(items):
        if args.stop_after and Path(args.stop_after).exists():
            break
        video, truth = args.dir / f"{name}.mp4", args.dir / f"{name}.json"
        if video.is_file() and truth.is_file():
            continue
        try:  # claim the clip, so that several workers can share the set
            os.close(os.open(args.dir / f".{name}.claim", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        t0 = time.perf_counter()
        tmp = args.dir / f".{name}.tmp.mp4"
        render_clip(sc, tmp, args.dir / f".{name}.tmp.json")
        (args.dir / f".{name}.tmp.json").replace(truth)
        tmp.replace(video)
        print(f"[{i + 1}/{len(items)}] {name} {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


def extract(video: Path, variant: str):
    """Pose of ``video`` with one variant (running mode, model), as the pipeline stores it."""
    from dataclasses import asdict

    from formcheck.fsutil import file_sha256
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator, run_estimator, to_sequence
    from formcheck.pose.models import resolve_model

    mode, model = VARIANTS[variant]
    with FileSource(video) as src:
        info = src.info
        resolved = resolve_model(model)
        times, poses = [], []
        with PoseEstimator(resolved.path, back_profile=True, running_mode=mode) as est:
            for frame, pose in run_estimator(est, src):
                times.append(frame.t_s)
                poses.append(pose)
    seq = to_sequence(times, poses, width=info.width, height=info.height, source=video.name,
                      model=resolved.name, back_profile=True)
    seq.extra["video"] = asdict(info)
    seq.extra["source_sha256"] = file_sha256(video)
    seq.extra["running_mode"] = mode
    z = np.stack([p.image_z if p.image_z is not None else np.full(33, np.nan, np.float32)
                  for p in poses]) if poses else np.zeros((0, 33), np.float32)
    return seq, z


def pose_path(root: Path, variant: str, name: str) -> Path:
    return root / "poses" / variant / f"{name}.npz"


def cmd_extract(args: argparse.Namespace) -> int:
    names = [n for n, _ in plan()][: args.limit]
    while True:
        pending = False
        for variant in args.variant:  # variant by variant: the first ones matter most
            for i, name in enumerate(names):
                video = args.dir / f"{name}.mp4"
                if not video.is_file():
                    pending = True
                    continue
                out = pose_path(args.dir, variant, name)
                if out.is_file() or i >= args.first.get(variant, len(names)):
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                claim = out.parent / f".{name}.claim"
                try:  # claim it, so that several workers can share the set
                    os.close(os.open(claim, os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    continue
                t0 = time.perf_counter()
                try:
                    seq, z = extract(video, variant)
                except BaseException:
                    claim.unlink(missing_ok=True)  # a failed clip is tried again next run
                    raise
                np.save(out.with_suffix(".z.npy"), z)
                seq.save(out)
                print(f"{variant} {name} {time.perf_counter() - t0:.1f} s", flush=True)
        if not (args.wait and pending):
            return 0
        time.sleep(10)


#: Positions along the shoulder -> hip chord where the silhouette's width is read (0 = the
#: shoulder line, 1 = the hip line).
BAND_POSITIONS = np.linspace(0.0, 1.0, 11)
#: How far either side of the chord the silhouette's edge is looked for (times the longer of
#: the chord and the shoulder width: a trunk bent towards the camera has a short chord).
BAND_REACH = 1.2
BAND_STEPS = 160


def torso_edges(mask: np.ndarray, image_xy: np.ndarray) -> np.ndarray:
    """``(K, 2)`` distances (pixels) from the shoulder->hip chord to the silhouette's edge,
    towards the lifter's left and right shoulder side, at ``BAND_POSITIONS``; NaN where the
    chord's point is outside the person or the edge is not reached."""
    from formcheck.pose.estimator import MASK_THRESHOLD
    from formcheck.pose.landmarks import Landmark as L

    k = len(BAND_POSITIONS)
    out = np.full((k, 2), np.nan, np.float32)
    h, w = mask.shape[:2]
    s = (image_xy[L.LEFT_SHOULDER] + image_xy[L.RIGHT_SHOULDER]) / 2.0
    hp = (image_xy[L.LEFT_HIP] + image_xy[L.RIGHT_HIP]) / 2.0
    chord = (hp - s).astype(np.float64)
    length = float(np.hypot(*chord))
    if not np.isfinite(length) or length < 4.0:
        return out
    normal = np.array([-chord[1], chord[0]]) / length
    # orient the normal towards the left shoulder (the lifter's left)
    if float((image_xy[L.LEFT_SHOULDER] - image_xy[L.RIGHT_SHOULDER]) @ normal) < 0:
        normal = -normal
    starts = s[None, :] + BAND_POSITIONS[:, None] * chord[None, :]
    span = max(length, float(np.hypot(*(image_xy[L.LEFT_SHOULDER] - image_xy[L.RIGHT_SHOULDER]))))
    r = np.linspace(0.0, BAND_REACH * span, BAND_STEPS)
    for side, d in enumerate((normal, -normal)):
        pts = starts[:, None, :] + r[None, :, None] * d[None, None, :]
        inside_img = ((pts[..., 0] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] >= 0)
                      & (pts[..., 1] <= h - 1))
        xi = np.clip(np.rint(pts[..., 0]).astype(np.int64), 0, w - 1)
        yi = np.clip(np.rint(pts[..., 1]).astype(np.int64), 0, h - 1)
        vals = np.where(inside_img, mask[yi, xi], 0.0)
        inside = vals >= MASK_THRESHOLD
        first_out = np.argmax(~inside, axis=1)
        ok = inside[:, 0] & (~inside).any(axis=1)
        j = first_out[ok]
        v0, v1 = vals[ok, j - 1], vals[ok, j]
        frac = np.clip((v0 - MASK_THRESHOLD) / np.maximum(v0 - v1, 1e-6), 0.0, 1.0)
        out[ok, side] = r[j - 1] + frac * (r[j] - r[j - 1])
    return out


def mask_path(root: Path, name: str) -> Path:
    return root / f"{name}.mask.npz"


def cmd_extract_mask(args: argparse.Namespace) -> int:
    """Pose the rendered clips again (full model, VIDEO mode, masks on) and keep, per frame,
    the silhouette's edges either side of the torso (``torso_edges``) and the landmarks they
    were placed with. Outside the repository (``--out``)."""
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.pose.models import resolve_model

    args.out.mkdir(parents=True, exist_ok=True)
    names = [n for n, _ in plan()]
    names = sorted(names, key=lambda n: (not n.startswith("fast"), n))[: args.limit]
    resolved = resolve_model("full")
    for name in names:
        video = args.dir / f"{name}.mp4"
        out = mask_path(args.out, name)
        if out.is_file() or not video.is_file():
            continue
        if args.stop_after and Path(args.stop_after).exists():
            break
        t0 = time.perf_counter()
        times, edges, xys = [], [], []
        with FileSource(video, channels="rgb") as src, \
                PoseEstimator(resolved.path, back_profile=True) as est:
            for frame in src:
                h, w = frame.image.shape[:2]
                res = est.detect(est.image_of(frame.image), frame.t_s)
                pose = est.pose_of(res, w, h)
                e = np.full((len(BAND_POSITIONS), 2), np.nan, np.float32)
                if pose.detected and res.segmentation_masks:
                    m = res.segmentation_masks[0].numpy_view()
                    e = torso_edges(m[..., 0] if m.ndim == 3 else m, pose.image_xy)
                times.append(frame.t_s)
                edges.append(e)
                xys.append(pose.image_xy)
        tmp = out.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, t_s=np.asarray(times), edges=np.stack(edges),
                            image_xy=np.stack(xys))
        tmp.replace(out)
        print(f"{name} {len(times)} frames {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


def cmd_flow_cost(args: argparse.Namespace) -> int:
    """What the torso flow adds to the pose pass: per video, the model's time per frame
    (detect + reading the result), ``TorsoFlow.step``'s with the arms-only mask (before round
    9) and with the pose pass's mask, and ``PictureCut.step``'s, interleaved frame by frame in
    one run (the ratios hold on a busy machine; the absolute times do not)."""
    from formcheck.io.video import FileSource
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.pose.flow import ARMS_ONLY, PictureCut, TorsoFlow
    from formcheck.pose.models import resolve_model

    resolved = resolve_model(args.model)
    print("| video | frames | size | model ms/frame | flow, arms only | flow, masked | "
          "cut check | masked flow + cut / model |")
    print("|---|---|---|---|---|---|---|---|")
    for video in args.videos:
        spent = np.zeros(4)
        n = 0
        with FileSource(video, channels="rgb") as src, \
                PoseEstimator(resolved.path, back_profile=True) as est:
            before, flow, cuts = TorsoFlow(mask=ARMS_ONLY), TorsoFlow(), PictureCut()
            for frame in src:
                if n >= args.frames:
                    break
                h, w = frame.image.shape[:2]
                t0 = time.perf_counter()
                pose = est.pose_of(est.detect(est.image_of(frame.image), frame.t_s), w, h)
                t1 = time.perf_counter()
                before.step(frame.image, pose.image_xy)
                t2 = time.perf_counter()
                flow.read(frame.image, pose.image_xy)
                t3 = time.perf_counter()
                cuts.step(frame.image)
                t4 = time.perf_counter()
                spent += (t1 - t0, t2 - t1, t3 - t2, t4 - t3)
                n += 1
        ms = 1000 * spent / n
        print(f"| {Path(video).name[:50]} | {n} | {w}x{h} | {ms[0]:.1f} | {ms[1]:.1f} | "
              f"{ms[2]:.1f} | {ms[3]:.2f} | {(ms[2] + ms[3]) / ms[0]:.2f} |", flush=True)
    return 0


#: DIS presets other than the pose pass's, to compare cost and what the rule finds.
DIS_PRESETS = {"dis-fast": "DISOPTICAL_FLOW_PRESET_FAST",
               "dis-ultrafast": "DISOPTICAL_FLOW_PRESET_ULTRAFAST"}
FLOW_METHODS = ("dis", "farneback", *DIS_PRESETS, *(f"mask-{m}{s}" for m in (
    "arms", "hands", "bar", "wide") for s in ("", "@0.1", "@0.25", "@0.5")))


def flow_path(root: Path, name: str, method: str) -> Path:
    return root / f"{name}.{method}.flow.npz"


def clip_flow(video: Path, image_xy: np.ndarray, method: str = "dis") -> tuple[np.ndarray, float]:
    """Per frame, the torso's band motions from the previous frame (``pose.flow``), placed
    with ``image_xy``; and the flow's seconds per frame. "dis" is what the pose pass stored
    before round 9 (``TorsoFlow`` with the arms only left out); "farneback" swaps in
    OpenCV's Farneback flow on the same crops."""
    import cv2

    from formcheck.io.video import FileSource
    from formcheck.pose import flow as pf

    out = np.full((len(image_xy), 2), np.nan, np.float32)
    spent = 0.0
    if method == "farneback":
        dense = lambda a, b: cv2.calcOpticalFlowFarneback(  # noqa: E731
            a, b, None, 0.5, 3, 9, 3, 5, 1.1, 0)
    elif method in DIS_PRESETS:
        dis = cv2.DISOpticalFlow_create(getattr(cv2, DIS_PRESETS[method]))
        dense = lambda a, b: dis.calc(a, b, None)  # noqa: E731
    else:
        dense = None  # what the pose pass uses
    # "dis" and the others are the flow as measured before round 9 (the arms only left out),
    # as cached; the pose pass's masked flow is ``mask-bar@0.25`` (``mask_flows``).
    tracker = pf.TorsoFlow(dense, mask=pf.ARMS_ONLY)
    with FileSource(video) as src:
        for i, frame in enumerate(src):
            if i >= len(image_xy):
                break
            t0 = time.perf_counter()
            out[i] = tracker.step(frame.image, image_xy[i], rgb=False)
            spent += time.perf_counter() - t0
    return out, spent / max(len(image_xy), 1)


def cmd_flow(args: argparse.Namespace) -> int:
    """Band motions of every posed rendered clip (landmarks from the pose cache), cached."""
    args.out.mkdir(parents=True, exist_ok=True)
    for name, _ in plan():
        pp = pose_path(args.dir, "video-full", name)
        out = flow_path(args.out, name, args.method)
        if out.is_file() or not pp.is_file():
            continue
        seq = load_pose(pp)
        t0 = time.perf_counter()
        bands, per_frame = clip_flow(args.dir / f"{name}.mp4", seq.image_xy, args.method)
        np.savez(out, bands=bands, per_frame_s=per_frame)
        print(f"{name} {args.method} {time.perf_counter() - t0:.1f} s, flow "
              f"{per_frame * 1000:.1f} ms/frame", flush=True)
    return 0


# ---------------------------------------------------------------------------- measuring
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PRE_S, POST_S = 0.4, 0.4  # around a twist: baseline before it, and how long after it to look
CUTOFF_HZ = 8.0  # the fused twist's low-pass (twist_angle_cutoff_hz), for the smoothed rows
FLOW_DIR = Path("/work/cache/twist-flow")  # flow: band motions per rendered clip
MASK_DIR = Path("/work/cache/twist-mask")  # extract-mask: silhouette edges per rendered clip


def load_truth(root: Path, name: str) -> dict:
    d = json.loads((root / f"{name}.json").read_text(encoding="utf-8"))
    pf = d["per_frame"]
    return {"t_s": np.asarray(pf["t_s"], float),
            "twist": np.asarray(pf["twist_deg"], float),  # skeleton shoulder vs hip line
            "commanded": np.asarray(pf["fault_deg"]["twist"], float),
            "faults": d["faults"], "reps": d["reps"],
            "azimuth": float(d["scenario"]["camera"]["azimuth_deg"]),
            "exercise": d["scenario"]["exercise"], "body": d["body"]["name"]}


def smooth_like_analysis(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    from formcheck.analysis.signal import TimeBase, smooth_rows
    from formcheck.config import Config

    sc = Config().signal
    return smooth_rows(TimeBase.of(t), [x], CUTOFF_HZ, sc.filter_order, sc.max_gap_s)[0]


def load_pose(path: Path):
    """A bench pose file; the image depth from its side file when the sequence lacks it."""
    from dataclasses import replace

    from formcheck.pose.sequence import PoseSequence

    seq = PoseSequence.load(path)
    side = path.with_suffix(".z.npy")
    if seq.image_z is None and side.is_file():
        seq = replace(seq, image_z=np.load(side))
    return seq


def cue_signals(seq, config=None) -> dict[str, np.ndarray]:
    """Raw (unsmoothed) twist cues of one sequence, in degrees, uncalibrated (kept = 1)."""
    from formcheck.analysis import geometry as geo
    from formcheck.analysis.features import compute_signals, image_depth_joints
    from formcheck.config import Config

    cfg = config or Config()
    sig = compute_signals(seq, cfg)
    out = {"world": geo.twist_deg(seq.world_xyz.astype(np.float64))}
    depth = image_depth_joints(seq)
    if depth is not None:
        out["image x+z"] = geo.twist_deg(depth)
    out["width"] = sig.twist.width_deg
    return out


def event_gain(t: np.ndarray, measured: np.ndarray, truth: np.ndarray,
               interval: tuple[float, float]) -> tuple[float, float]:
    """(kept, rate kept) of one twist: least-squares gain of the measured change against the
    true change over the twist and ``POST_S`` after it (both relative to their median over
    ``PRE_S`` before it), and the measured peak |rate| over the true peak |rate|."""
    a, d = interval
    pre = (t >= a - PRE_S) & (t < a)
    win = (t >= a) & (t <= d + POST_S)
    m = measured - np.nanmedian(measured[pre])
    tr = truth - np.nanmedian(truth[pre])
    ok = win & np.isfinite(m)
    gain = float(np.sum(m[ok] * tr[ok]) / max(np.sum(tr[ok] ** 2), 1e-9))
    rate_m = np.abs(np.gradient(measured, t))
    rate_t = np.abs(np.gradient(truth, t))
    near = (t >= a - 0.1) & (t <= d + 0.1)
    return gain, float(np.nanmax(rate_m[near]) / max(np.nanmax(rate_t[near]), 1e-9))


def clean_noise(t: np.ndarray, measured: np.ndarray, tr: dict, rate: bool = True) -> np.ndarray:
    """|rate| (deg/s) of a signal on frames of reps without any twist."""
    busy = np.zeros(t.shape, bool)
    for f in tr["faults"]:
        a, d = f["interval_s"]
        busy |= (t >= a - 0.5) & (t <= d + 0.5)
    x = np.abs(np.gradient(measured, t)) if rate else measured
    return x[~busy & np.isfinite(x)]


def cmd_where(args: argparse.Namespace) -> int:
    from collections import defaultdict

    rows: dict[tuple, list] = defaultdict(list)
    noise: dict[tuple, list] = defaultdict(list)
    counted = defaultdict(set)
    for name, _ in plan():
        for variant in VARIANTS:
            pp = pose_path(args.dir, variant, name)
            if not pp.is_file():
                continue
            tr = load_truth(args.dir, name)
            seq = load_pose(pp)
            t = seq.t_s
            sigs = cue_signals(seq)
            for k in list(sigs):
                sigs[f"{k}, {CUTOFF_HZ:g} Hz"] = smooth_like_analysis(t, sigs[k])
            if variant == "video-full":
                sigs_t = {f"truth, {CUTOFF_HZ:g} Hz": smooth_like_analysis(t, tr["twist"])}
                for sname, x in sigs_t.items():
                    _collect(rows, noise, ("truth", sname), t, x, tr)
            for sname, x in sigs.items():
                _collect(rows, noise, (variant, sname), t, x, tr)
            counted[variant].add(name)
    views = {0.0: "front", 45.0: "45", 135.0: "rear-45"}
    print("clips per variant: " + ", ".join(f"{v} {len(n)}" for v, n in counted.items()))
    print()
    print("| pose | signal | " + " | ".join(
        f"{views[az]} {dur:g} s" for dur in (FAST_S, SLOW_S) for az in AZIMUTHS)
        + " | rate noise, clean reps (deg/s, p95) |")
    print("|---|---|" + "---|" * (2 * len(AZIMUTHS)) + "---|")
    for key in sorted(rows, key=lambda k: (k[0] != "truth", list(VARIANTS).index(k[0])
                                           if k[0] in VARIANTS else 0, k[1])):
        cells = []
        for dur in (FAST_S, SLOW_S):
            for az in AZIMUTHS:
                g = [r for r in rows[key] if r[0] == az and r[1] == dur]
                if not g:
                    cells.append("–")
                    continue
                kept = np.array([r[2] for r in g])
                rk = np.array([r[3] for r in g])
                cells.append(f"{np.median(kept):.2f} / {np.median(rk):.2f} (n={len(g)})")
        nz = np.concatenate(noise[key]) if noise[key] else np.zeros(0)
        p95 = f"{np.percentile(nz, 95):.0f}" if nz.size else "–"
        print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + f" | {p95} |")
    print("\ncells: median over twists of (angle kept / peak rate kept); angle kept = "
          "least-squares gain of the measured change on the true shoulder-vs-hip change")
    return 0


def _collect(rows, noise, key, t, x, tr) -> None:
    for f in tr["faults"]:
        dur = round(f["interval_s"][1] - f["interval_s"][0], 3)
        gain, rate_kept = event_gain(t, x, tr["twist"], tuple(f["interval_s"]))
        rows[key].append((tr["azimuth"], dur, gain, rate_kept, abs(f["peak"])))
    noise[key].append(clean_noise(t, x, tr))


def cmd_extract_real(args: argparse.Namespace) -> int:
    """Pose real clips again (as the pipeline does, now keeping the image landmarks' depth)
    into ``--poses``: the rule is checked on them for false alarms. Outside the repository."""
    from formcheck.pipeline import extract_pose

    files = [x.strip() for x in args.list.read_text(encoding="utf-8").splitlines() if x.strip()]
    args.poses.mkdir(parents=True, exist_ok=True)
    for f in files:
        out = args.poses / f"{f}.npz"
        if out.is_file():
            continue
        t0 = time.perf_counter()
        extract_pose(args.clips / f, "full", back_profile=True).save(out)
        print(f"{f} {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


#: Round 9: the flow's bands with what the hands hide left out (``pose.flow.MaskSpec``), every
#: mask read from one DIS field per frame (``--flow mask-NAME``); cached under S6_FLOW_DIR.
MASKS = {
    "arms": dict(),  # the arm segments only (the flow stored before round 9)
    "hands": dict(forearm=0.25, hand=0.3),
    "bar": dict(forearm=0.25, hand=0.3, bar=0.1),
    "wide": dict(forearm=0.35, hand=0.45, bar=0.15),
}
S6_FLOW_DIR = Path("/work/cache/s6-twist-flow")


def mask_flow_path(video: Path, mask: str, tag: str | None = None) -> Path:
    """Cache of a clip's masked flow: by ``tag`` (the landmarks' source; default the video's
    folder name) and the video's file name."""
    return S6_FLOW_DIR / (tag or video.parent.name) / f"{video.name}.{mask}.npz"


def mask_flows(video: Path, image_xy: np.ndarray,
               tag: str | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Every ``MASKS`` entry's band motions and seen share per frame (every band read where it
    keeps ``MIN_BAND_PIXELS``: ``mask-NAME@S`` leaves out frames seen under S), and each
    frame's picture change (``pose.flow.PictureCut``; 1 - the best match's correlation), from
    one pass over ``video`` (RGB frames, as the pose pass) with the flow placed by
    ``image_xy``; cached (``mask_flow_path``)."""
    from formcheck.io.video import FileSource
    from formcheck.pose import flow as pf

    paths = {m: mask_flow_path(video, m, tag) for m in MASKS}
    if all(pp.is_file() for pp in paths.values()):
        got = {m: dict(np.load(pp)) for m, pp in paths.items()}
        for d in got.values():  # cached before the change was kept: the match's correlation
            if "cut_change" not in d:
                d["cut_change"] = np.clip(1.0 - d.pop("cut_corr"), 0.0, 1.0).astype(np.float32)
        return got
    specs = {m: pf.MaskSpec(**kw) for m, kw in MASKS.items()}
    n = len(image_xy)
    bands = {m: np.full((n, 2), np.nan, np.float32) for m in MASKS}
    seen = {m: np.full(n, np.nan, np.float32) for m in MASKS}
    change = np.zeros(n, np.float32)
    tracker, cuts = pf.TorsoFlow(), pf.PictureCut()
    cpu = {"field": 0.0, "cut": 0.0, **{m: 0.0 for m in MASKS}}
    with FileSource(video, channels="rgb") as src:
        for i, frame in enumerate(src):
            if i >= n:
                break
            t0 = time.process_time()
            change[i] = cuts.step(frame.image)[1]
            t1 = time.process_time()
            got = tracker.field(frame.image, image_xy[i], rgb=True)
            t2 = time.process_time()
            cpu["cut"] += t1 - t0
            cpu["field"] += t2 - t1
            if got is None:
                continue
            for m, spec in specs.items():
                t3 = time.process_time()
                r = pf.band_reading(got[0], got[1], got[2], got[3], spec)
                cpu[m] += time.process_time() - t3
                bands[m][i], seen[m][i] = r.motion, r.seen
    out = {}
    for m, pp in paths.items():
        pp.parent.mkdir(parents=True, exist_ok=True)
        out[m] = {"bands": bands[m], "seen": seen[m], "cut_change": change,
                  "cpu_field_s": np.float64(cpu["field"]), "cpu_cut_s": np.float64(cpu["cut"]),
                  "cpu_mask_s": np.float64(cpu[m]), "frames": np.int64(n)}
        np.savez(pp, **out[m])
    return out


def cut_changes(video: Path) -> np.ndarray:
    """Every frame's picture change (``pose.flow.PictureCut.step``), from a pass over
    ``video`` (RGB frames, as the pose pass); cached under S6_FLOW_DIR/cuts."""
    from formcheck.io.video import FileSource
    from formcheck.pose.flow import PictureCut

    cache = S6_FLOW_DIR / "cuts" / f"{video.name}.npz"
    if cache.is_file():
        return np.load(cache)["change"]
    cuts, out, cpu = PictureCut(), [], 0.0
    with FileSource(video, channels="rgb") as src:
        for frame in src:
            t0 = time.process_time()
            out.append(cuts.step(frame.image)[1])
            cpu += time.process_time() - t0
    cache.parent.mkdir(parents=True, exist_ok=True)
    change = np.array(out, np.float32)
    np.savez(cache, change=change, cpu_s=np.float64(cpu))
    return change


def picture_cuts(change: np.ndarray) -> np.ndarray:
    """The pose pass's cut flags from a clip's stored per-frame picture changes (a replay of
    ``PictureCut.judge``, the same decisions as ``PictureCut.step`` made them)."""
    from formcheck.pose.flow import PictureCut

    judge = PictureCut()
    return np.array([False] + [judge.judge(float(d)) for d in change[1:]], bool)


def with_flow(seq, video: Path, cache: Path, method: str | None):
    """``seq`` with ``torso_flow`` measured on ``video`` by ``method`` (as the pose pass does,
    placed with the sequence's own landmarks; cached in ``cache``); unchanged for None.
    ``mask-NAME``: the flow with ``MASKS[NAME]`` left out (round 9; cached by
    ``mask_flows``)."""
    from dataclasses import replace

    if method is None:
        return seq
    if method.startswith("mask-"):
        tag = "real-" + cache.parent.name if cache.parent.name == "real-posepass" else None
        name, _, least = method[5:].partition("@")  # mask-NAME@S: NaN where seen < S
        got = mask_flows(video, seq.image_xy, tag)[name]
        return masked_flow(seq, got, least)
    if not cache.is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        bands, per_frame = clip_flow(video, seq.image_xy, method)
        np.savez(cache, bands=bands, per_frame_s=per_frame)
    bands = np.load(cache)["bands"]
    return replace(seq, torso_flow=bands) if len(bands) == len(seq) else seq


def masked_flow(seq, got: dict[str, np.ndarray], least: str):
    """``seq`` with a cached mask's flow (``mask_flows``; NaN where seen under ``least``, if
    given) as the pose pass stores it: with the seen share and the cut flags replayed from the
    cached picture changes (round 10: the rule reads both), unless ``FLOW_ONLY`` (round 9's
    inputs: the flow alone). Unchanged when the lengths differ."""
    from dataclasses import replace

    bands = got["bands"]
    if len(bands) != len(seq):
        return seq
    if least:
        bands = np.where((np.nan_to_num(got["seen"]) < float(least))[:, None], np.nan, bands)
    if FLOW_ONLY:
        return replace(seq, torso_flow=bands)
    return replace(seq, torso_flow=bands, torso_flow_seen=None if NO_SEEN else got["seen"],
                   picture_cut=picture_cuts(got["cut_change"]))


def _poses_of(root: Path, variant: str = "video-full", samples: Path | None = None,
              flow: str | None = None):
    """(name, truth, sequence) of every clip posed with ``variant`` (and of the samples
    posed by ``extract-real --clips samples --poses SAMPLES``); with the torso's flow by
    method ``flow`` attached (None: without, as older pose files)."""
    for name, _ in plan():
        pp = pose_path(root, variant, name)
        if pp.is_file():
            flows = FLOW_DIR if PLAN == "jerk" else root / "flow"
            seq = with_flow(load_pose(pp), root / f"{name}.mp4", flow_path(flows, name, flow),
                            flow)
            yield name, load_truth(root, name), seq
    if samples is not None and variant == "video-full":
        for pp in sorted(samples.glob("*.mp4.npz")):
            name = pp.name[: -len(".mp4.npz")]
            seq = with_flow(load_pose(pp), SAMPLES / f"{name}.mp4",
                            flow_path(FLOW_DIR / "samples", name, flow), flow)
            yield name, load_truth(SAMPLES, name), seq


def cmd_cues(args: argparse.Namespace) -> int:
    """Which depth-free cue tracks the truth: per cue and view, the share of the true twist it
    keeps (least squares over the twist and just after it), fitted on all bodies but one and
    scored on the held-out body (peak error in degrees after calibration)."""
    from collections import defaultdict

    rec: list[dict] = []
    for _name, tr, seq in _poses_of(args.dir):
        t = seq.t_s
        for cue, x in cue_signals(seq).items():
            for f in tr["faults"]:
                a, d = f["interval_s"]
                pre = (t >= a - PRE_S) & (t < a)
                win = (t >= a) & (t <= d + POST_S)
                m = x - np.nanmedian(x[pre])
                tru = tr["twist"] - np.nanmedian(tr["twist"][pre])
                ok = win & np.isfinite(m)
                if ok.sum() < 3 or d - a >= SLOW_FROM_S:  # fast twists calibrate the rule
                    continue
                rec.append({"cue": cue, "az": tr["azimuth"], "body": tr["body"],
                            "dur": round(d - a, 3), "m": m[ok], "t": tru[ok],
                            "peak": float(tru[ok][np.argmax(np.abs(tru[ok]))])})
    views = {0.0: "front", 45.0: "45", 135.0: "rear-45"}
    print("| cue | view | kept (all bodies) | held-out peak error, deg (median, p90) | "
          "sign right | n |")
    print("|---|---|---|---|---|---|")
    groups = defaultdict(list)
    for r in rec:
        groups[(r["cue"], r["az"])].append(r)
    for (cue, az), rs in sorted(groups.items()):
        def kept(sel):
            num = sum(float(np.sum(r["m"] * r["t"])) for r in sel)
            den = sum(float(np.sum(r["t"] ** 2)) for r in sel)
            return num / den if den > 0 else float("nan")
        errs, signs = [], []
        for r in rs:
            k = kept([q for q in rs if q["body"] != r["body"]])
            if not np.isfinite(k) or abs(k) < 1e-6:
                continue
            cal = r["m"] / k
            j = int(np.argmax(np.abs(r["t"])))
            errs.append(abs(float(cal[j]) - r["peak"]))
            signs.append(np.sign(cal[j]) == np.sign(r["peak"]))
        e = np.array(errs)
        print(f"| {cue} | {views.get(az, az)} | {kept(rs):.2f} | "
              + (f"{np.median(e):.1f}, {np.percentile(e, 90):.1f}" if e.size else "–")
              + f" | {np.mean(signs) if signs else float('nan'):.2f} | {len(rs)} |")
    return 0


def torso_scale(image_xy: np.ndarray) -> float:
    """The torso's size in pixels over a clip (median of the longer of the shoulder -> hip
    chord and the shoulder width): converts band motions and widths to angles."""
    from formcheck.pose.landmarks import Landmark as L

    s = (image_xy[:, L.LEFT_SHOULDER] + image_xy[:, L.RIGHT_SHOULDER]) / 2.0
    hp = (image_xy[:, L.LEFT_HIP] + image_xy[:, L.RIGHT_HIP]) / 2.0
    sw = np.hypot(*(image_xy[:, L.LEFT_SHOULDER] - image_xy[:, L.RIGHT_SHOULDER]).T)
    return float(np.nanmedian(np.fmax(np.hypot(*(hp - s).T), sw)))


def image_cue_signals(root: Path, name: str, seq) -> dict[str, np.ndarray]:
    """Uncalibrated twist cues (degrees, any gain) from the video itself, where cached: the
    torso's shoulder band moving across the trunk against its hip band (optical flow,
    integrated), and the silhouette's shoulder-band width against its hip-band width and the
    shift of its centre (segmentation mask)."""
    out: dict[str, np.ndarray] = {}
    scale = torso_scale(seq.image_xy)
    fps = seq.fps
    for method in ("dis", "farneback"):
        fp = flow_path(FLOW_DIR, name, method)
        if fp.is_file():
            b = np.load(fp)["bands"]
            rate = np.degrees((b[:, 0] - b[:, 1]) / scale) * fps  # deg/s, uncalibrated
            out[f"flow {method}"] = np.cumsum(np.nan_to_num(rate)) / fps
    mp = mask_path(MASK_DIR, name)
    if mp.is_file():
        e = np.load(mp)["edges"].astype(np.float64)
        if len(e) == len(seq):
            width = e.sum(axis=2)
            shoulders = np.nanmean(width[:, :3], axis=1)
            hips = np.nanmean(width[:, -3:], axis=1)
            out["silhouette width"] = np.degrees(np.log(shoulders / hips))
            centre = (e[:, :, 0] - e[:, :, 1]) / 2.0
            out["silhouette shift"] = np.degrees(
                (np.nanmean(centre[:, :3], axis=1) - np.nanmean(centre[:, -3:], axis=1)) / scale)
    return out


def cmd_image_cues(args: argparse.Namespace) -> int:
    """Image cues (flow, silhouette) side by side with the landmark cues on the rendered set:
    per cue and view, the share of a fast twist kept (all bodies), the peak rate kept, the
    rate noise on twist-free reps in true deg/s (p95 over the share kept), and how many fast
    10/20 deg twists and slow twists have a peak rate above the twist-free reps' p99."""
    from collections import defaultdict

    from formcheck.analysis.signal import Gradient

    views = {0.0: "front", 45.0: "45", 135.0: "rear-45"}
    ev: dict[tuple, list] = defaultdict(list)  # (cue, view) -> [(size, dur, m, t, peak rate)]
    noise: dict[tuple, list] = defaultdict(list)
    for name, tr, seq in _poses_of(args.dir):
        t = seq.t_s
        cues = cue_signals(seq)
        cues.update(image_cue_signals(args.dir, name, seq))
        grad = Gradient.of(t)
        for cue, x in cues.items():
            if args.cue and cue not in args.cue:
                continue
            v = views[tr["azimuth"]] + (f" {tr['exercise']}" if args.by_exercise else "")
            sm = smooth_like_analysis(t, x)
            rate = grad.apply(sm)
            for f in tr["faults"]:
                a, d = f["interval_s"]
                pre = (t >= a - PRE_S) & (t < a)
                win = (t >= a) & (t <= d + POST_S)
                near = (t >= a - 0.1) & (t <= d + 0.3)
                m = x - np.nanmedian(x[pre])
                tru = tr["twist"] - np.nanmedian(tr["twist"][pre])
                ok = win & np.isfinite(m)
                if ok.sum() < 3:
                    continue
                true_peak = float(np.nanmax(np.abs(np.gradient(tr["twist"], t))[near]))
                ev[(cue, v)].append((abs(f["peak"]), round(d - a, 3), m[ok], tru[ok],
                                     rate[near], true_peak))
            noise[(cue, v)].append(np.abs(rate[_clean_frames(t, tr)]))
    print("| cue | view | kept, fast (all bodies) | peak rate kept | rate noise, clean reps "
          "(true deg/s, p95) | fast 10° above clean p99 | fast 20° above | fast 40° above | "
          "slow (2 s) above | n clips |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    shares: dict[str, float] = {}
    for (cue, v), rows in sorted(ev.items(), key=lambda kv: (kv[0][0], list(views.values())
                                                              .index(kv[0][1].split()[0]),
                                                              kv[0][1])):
        fast = [r for r in rows if r[1] < SLOW_FROM_S]
        num = sum(float(np.sum(r[2] * r[3])) for r in fast)
        den = sum(float(np.sum(r[3] ** 2)) for r in fast)
        kept = num / den if den > 0 else float("nan")
        nz = np.concatenate(noise[(cue, v)])
        nz = nz[np.isfinite(nz)]
        p95 = np.percentile(nz, 95) / abs(kept) if nz.size and kept else float("nan")
        p99 = np.percentile(nz, 99) if nz.size else float("nan")
        rk = [np.nanmax(np.abs(r[4])) / abs(kept) / r[5] for r in fast
              if np.isfinite(r[4]).any()]

        def above(sel, p99=p99):
            hit = sum(int(np.isfinite(r[4]).any() and np.nanmax(np.abs(r[4])) > p99)
                      for r in sel)
            return f"{hit}/{len(sel)}" if sel else "–"
        by = {k: [r for r in fast if (r[0] < 15 if k == 10 else 15 <= r[0] < 30 if k == 20
                                      else r[0] >= 30)] for k in (10, 20, 40)}
        slow = [r for r in rows if r[1] >= SLOW_FROM_S]
        shares[f"{cue}|{v}"] = kept
        print(f"| {cue} | {v} | {kept:.2f} | {np.median(rk) if rk else float('nan'):.2f} | "
              f"{p95:.0f} | {above(by[10])} | {above(by[20])} | {above(by[40])} | "
              f"{above(slow)} | {len(noise[(cue, v)])} |")
    if args.kept_out:
        args.kept_out.write_text(json.dumps(shares, indent=1), encoding="utf-8")
    return 0


def cmd_real_cues(args: argparse.Namespace) -> int:
    """Real clips (poses from ``extract-real``, videos from ``--clips``): each cue's twist-rate
    noise (8 Hz, p95 and p99 of |rate| over frames with the torso found), in true deg/s using
    the share each cue keeps in that view on rendered truth (``image-cues --kept-out``). No
    twist is labelled on them: every rate seen is noise or a real, unlabelled rotation."""
    from collections import defaultdict

    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.signal import Gradient
    from formcheck.config import Config
    from formcheck.pose.sequence import PoseSequence

    shares = json.loads(args.kept.read_text(encoding="utf-8"))
    # an oblique view is scored with the 45 deg shares (a rear oblique would have rear-45's)
    view_of = {"front": "front", "oblique": "45", "rear": "front"}
    args.flow.mkdir(parents=True, exist_ok=True)
    agg: dict[tuple, list] = defaultdict(list)
    print("| clip | view | " + " | ".join(f"{c} p95 / p99" for c in args.cue) + " |")
    print("|---|---|" + "---|" * len(args.cue))
    for pp in sorted(args.poses.glob("*.npz"))[: args.limit]:
        clip = pp.name[:-4]
        seq = PoseSequence.load(pp)
        res = analyze_sequence(seq, Config())
        v = view_of.get(res.view.name)
        if v is None:
            continue
        scale = torso_scale(seq.image_xy)
        cues = cue_signals(seq)
        for method in ("dis", "farneback"):
            if f"flow {method}" not in args.cue:
                continue
            fp = args.flow / f"{clip}.{method}.flow.npz"
            if not fp.is_file():
                bands, per_frame = clip_flow(args.clips / clip, seq.image_xy, method)
                np.savez(fp, bands=bands, per_frame_s=per_frame)
            b = np.load(fp)["bands"]
            cues[f"flow {method}"] = np.cumsum(np.nan_to_num(
                np.degrees((b[:, 0] - b[:, 1]) / scale))) if len(b) == len(seq) else None
        t = seq.t_s
        grad = Gradient.of(t)
        cells = []
        for c in args.cue:
            x, k = cues.get(c), shares.get(f"{c}|{v}")
            if x is None or not k:
                cells.append("–")
                continue
            r = np.abs(grad.apply(smooth_like_analysis(t, x))) / abs(k)
            r = r[np.isfinite(r) & seq.detected]
            agg[(c, v)].append(r)
            cells.append(f"{np.percentile(r, 95):.0f} / {np.percentile(r, 99):.0f}")
        print(f"| {clip[:50]} | {v} | " + " | ".join(cells) + " |", flush=True)
    print("\n| cue | view | clips | p95 | p99 (true deg/s, all frames pooled) |")
    print("|---|---|---|---|---|")
    for (c, v), rs in sorted(agg.items()):
        r = np.concatenate(rs)
        print(f"| {c} | {v} | {len(rs)} | {np.percentile(r, 95):.0f} | "
              f"{np.percentile(r, 99):.0f} |")
    return 0


def _clean_frames(t: np.ndarray, tr: dict) -> np.ndarray:
    busy = np.zeros(t.shape, bool)
    for f in tr["faults"]:
        a, d = f["interval_s"]
        busy |= (t >= a - 0.5) & (t <= d + 0.5)
    return ~busy


def cmd_rule(args: argparse.Namespace) -> int:
    """Per rep: fast twists found (a jerky_twist finding in the rep, overlapping the twist
    +-``--slack`` s), warnings on slow-twist and twist-free reps, side and size read."""
    from collections import defaultdict

    from formcheck.analysis import analyze_sequence
    from formcheck.config import load_config

    cfg = load_config(None, args.overrides)
    views = {0.0: "front", 45.0: "45", 135.0: "rear-45", 90.0: "side"}
    cell: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    na: dict[str, int] = defaultdict(int)
    sides = [0, 0]
    errs: list[float] = []
    for name, tr, seq in _poses_of(args.dir, args.variant, args.samples, args.flow):
        if args.bodies and tr["body"] not in args.bodies:
            continue
        res = analyze_sequence(seq, cfg, exercise=tr["exercise"])
        found = [f for f in res.findings if f.fault == "jerky_twist"]
        ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
        v = views.get(tr["azimuth"], str(tr["azimuth"]))
        by_rep = {f["rep"]: f for f in tr["faults"]}
        counted = counted_rep_of(tr["reps"], res.reps)
        for rep in tr["reps"]:
            r = rep["rep"]
            q = counted[r]  # the counted rep it is (by time)
            if q is None or not ok.get(q, False):
                na[v] += 1
                continue
            f = by_rep.get(r)
            if f is None or round(f["interval_s"][1] - f["interval_s"][0], 3) >= SLOW_FROM_S:
                kind = "clean" if f is None else "slow"
                hit = any(x.rep == q for x in found)
                c = cell[(v, kind)]
                c[0] += int(hit)
                c[1] += 1
                if hit and args.verbose:
                    print(f"  false: {name} rep {r} ({kind}): "
                          + "; ".join(x.message for x in found if x.rep == q))
                continue
            a, d = f["interval_s"]
            hits = [x for x in found if x.rep == q and x.start_s <= d + args.slack
                    and x.end_s >= a - args.slack]
            size = abs(f["peak"])
            c = cell[(v, "10" if size < 15 else "20" if size < 30 else "40")]
            c[0] += int(bool(hits))
            c[1] += 1
            if hits:
                best = max(hits, key=lambda x: x.value)
                side = best.evidence.get("twist_side")
                sides[0] += int(side == ("left" if f["peak"] > 0 else "right"))
                sides[1] += 1
                errs.append(best.evidence["twist_deg"] - abs(f["peak"]))
            elif args.verbose:
                print(f"  missed: {name} rep {r} {f['peak']:g} deg")
    cols = ["10", "20", "40", "slow", "clean"]
    print("| view | fast 10° found | fast 20-25° found | fast 40° found | slow (2 s) warned | "
          "no twist warned | reps not assessable |")
    print("|---|---|---|---|---|---|---|")
    tot: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for v in [*views.values()]:
        row = []
        for c in cols:
            h, n = cell.get((v, c), [0, 0])
            tot[c][0] += h
            tot[c][1] += n
            row.append(f"{h}/{n}" if n else "–")
        print(f"| {v} | " + " | ".join(row) + f" | {na.get(v, 0)} |")
    print("| all | " + " | ".join(f"{tot[c][0]}/{tot[c][1]}" for c in cols)
          + f" | {sum(na.values())} |")
    if sides[1]:
        e = np.array(errs)
        print(f"\nside right {sides[0]}/{sides[1]}; size read minus true size (deg): median "
              f"{np.median(e):+.1f}, p10 {np.percentile(e, 10):+.1f}, p90 "
              f"{np.percentile(e, 90):+.1f}")
    return 0


def _flow_events(t: np.ndarray, x: np.ndarray, tr: dict) -> list[dict]:
    """Per twist of one clip: the share of the true (skeleton) twist the uncalibrated cue
    ``x`` keeps (least squares from just before the twist to ``POST_S`` after it) and its
    peak rate (smoothed like the analysis) against the true peak rate."""
    from formcheck.analysis.signal import Gradient

    rate = np.abs(Gradient.of(t).apply(smooth_like_analysis(t, x)))
    true_rate = np.abs(Gradient.of(t).apply(smooth_like_analysis(t, tr["twist"])))
    out = []
    for f in tr["faults"]:
        a, d = f["interval_s"]
        pre = (t >= a - PRE_S) & (t < a)
        win = (t >= a) & (t <= d + POST_S)
        near = (t >= a - 0.1) & (t <= a + 2 * f.get("rise_s", d - a) + 0.1)
        m = x - np.nanmedian(x[pre])
        tru = tr["twist"] - np.nanmedian(tr["twist"][pre])
        ok = win & np.isfinite(m)
        if ok.sum() < 3:
            continue
        out.append({"size": abs(f["peak"]), "m": m[ok], "t": tru[ok],
                    "rate_kept": float(np.nanmax(rate[near]) / np.nanmax(true_rate[near]))})
    return out


def cmd_shapes(args: argparse.Namespace) -> int:
    """Realistic twists (``--plan shapes``): per view, shape and shirt, the rule's per-rep
    detection (a finding in the twist's rep overlapping it +-``--slack`` s) and warnings on
    twist-free reps; then, per view and shirt, what the torso's optical flow keeps of the
    rotation (share of the angle and of the peak rate) and its rate noise on twist-free reps,
    calibrated on one body and scored on the other (held out)."""
    from collections import defaultdict

    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.features import flow_twist_deg
    from formcheck.analysis.signal import Gradient
    from formcheck.config import load_config

    cfg = load_config(None, args.overrides)
    views = {0.0: "front", 45.0: "45", 135.0: "rear-45"}
    cell: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    sides, size_err, rate_err = [0, 0], [], []
    flow_ev: dict[tuple, list] = defaultdict(list)  # (view, shirt, body) -> events
    flow_noise: dict[tuple, list] = defaultdict(list)
    for name, tr, seq in _poses_of(args.dir, "video-full", None, args.flow):
        if args.bodies and tr["body"] not in args.bodies:
            continue
        scen = json.loads((args.dir / f"{name}.json").read_text(encoding="utf-8"))["scenario"]
        shirt = scen["scene"].get("shirt_texture", "plain")
        shape = (scen["faults"][0].get("twist_shape", "jerk") if scen["faults"] else "none")
        v = views.get(tr["azimuth"], str(tr["azimuth"]))
        res = analyze_sequence(seq, cfg, exercise=tr["exercise"])
        found = [f for f in res.findings if f.fault == "jerky_twist"]
        ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
        by_rep = {f["rep"]: f for f in tr["faults"]}
        counted = counted_rep_of(tr["reps"], res.reps)
        for rep in tr["reps"]:
            r = rep["rep"]
            q = counted[r]  # the counted rep it is (by time)
            f = by_rep.get(r)
            col = "clean" if f is None else ("10" if abs(f["peak"]) < 15 else "20")
            c = cell[(v, shape, shirt, col)]
            if q is None or not ok.get(q, False):
                cell[(v, shape, shirt, "na")][0] += 1
                continue
            if f is None:
                hits = [x for x in found if x.rep == q]
            else:
                a, d = f["interval_s"]
                hits = [x for x in found if x.rep == q and x.start_s <= d + args.slack
                        and x.end_s >= a - args.slack]
            c[0] += int(bool(hits))
            c[1] += 1
            if args.verbose and (bool(hits) != (f is not None)):
                print(f"  {'false' if f is None else 'missed'}: {name} rep {r}"
                      + (f" {f['peak']:g} deg" if f else "") + "; "
                      + "; ".join(x.message for x in hits))
            if hits and f is not None:
                best = max(hits, key=lambda x: x.value)
                sides[0] += int(best.evidence.get("twist_side") == f.get("side"))
                sides[1] += 1
                size_err.append(best.evidence["twist_deg"] - abs(f["peak"]))
                rate_err.append(best.evidence["twist_rate_deg_s"] / f["peak_rate_deg_s"])
        x = flow_twist_deg(seq)
        if x is not None:
            key = (v, shirt, tr["body"])
            flow_ev[key].extend(_flow_events(seq.t_s, x, tr))
            rate = np.abs(Gradient.of(seq.t_s).apply(smooth_like_analysis(seq.t_s, x)))
            clean = _clean_frames(seq.t_s, tr) & np.isfinite(rate)
            flow_noise[key].append(rate[clean])
    print("| view | twist | shirt | fast 10° found | fast 20° found | twist-free reps warned | "
          "reps not assessable |")
    print("|---|---|---|---|---|---|---|")
    keys = sorted({k[:3] for k in cell}, key=lambda k: (k[0] != "front", k[1], k[2]))
    tot: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for k in keys:
        row = []
        for col in ("10", "20", "clean"):
            h, n = cell.get((*k, col), [0, 0])
            tot[(k[2], col)][0] += h
            tot[(k[2], col)][1] += n
            row.append(f"{h}/{n}" if n else "–")
        print(f"| {k[0]} | {k[1]} | {k[2]} | " + " | ".join(row)
              + f" | {cell.get((*k, 'na'), [0])[0]} |")
    for shirt in sorted({k[2] for k in keys}):
        print(f"| all | all | {shirt} | " + " | ".join(
            f"{tot[(shirt, c)][0]}/{tot[(shirt, c)][1]}" for c in ("10", "20", "clean"))
            + " | |")
    if sides[1]:
        print(f"\nfound: side right {sides[0]}/{sides[1]}; size read minus true (deg) median "
              f"{np.median(size_err):+.1f}; rate read / true peak rate median "
              f"{np.median(rate_err):.2f}")
    print("\n| view | shirt | flow keeps of the angle (held-out body: calibrated peak error, "
          "deg, median) | of the peak rate | twist-free rate p95, deg/s raw (÷ kept = true) | "
          "n |")
    print("|---|---|---|---|---|---|")
    for v, shirt in sorted({k[:2] for k in flow_ev}, key=lambda k: (k[0] != "front", k[1])):
        bodies = sorted(b for (vv, ss, b) in flow_ev if (vv, ss) == (v, shirt))
        evs = [e for b in bodies for e in flow_ev[(v, shirt, b)]]

        def kept(sel: list[dict]) -> float:
            den = sum(float(np.sum(e["t"] ** 2)) for e in sel)
            return sum(float(np.sum(e["m"] * e["t"])) for e in sel) / den if den else np.nan

        errs = []
        for b in bodies:  # calibrate on the other body, score this one
            k = kept([e for bb in bodies if bb != b for e in flow_ev[(v, shirt, bb)]])
            for e in flow_ev[(v, shirt, b)]:
                if np.isfinite(k) and abs(k) > 1e-6:
                    j = int(np.argmax(np.abs(e["t"])))
                    errs.append(abs(e["m"][j] / k - e["t"][j]))
        noise = np.concatenate([n for b in bodies for n in flow_noise[(v, shirt, b)]])
        k_all = kept(evs)
        p95 = float(np.percentile(noise, 95)) if noise.size else float("nan")
        print(f"| {v} | {shirt} | {k_all:.2f} ("
              + (f"{np.median(errs):.1f}" if errs else "–") + ") | "
              f"{np.median([e['rate_kept'] for e in evs]):.2f} | {p95:.0f} "
              f"({p95 / k_all if k_all > 0 else float('nan'):.0f}) | {len(evs)} |")
    return 0


#: ``rates``: the window (s) over which the abrupt turn is read.
ABRUPT_WINDOW_S = 0.3


def abrupt_turn(angle: np.ndarray, fps: float, lo: int, hi: int) -> float:
    """Largest turn (deg) over ``ABRUPT_WINDOW_S`` within frames ``lo..hi`` less the turn over
    the window just before it: large when the shoulders turn quickly from holding still
    (a jerk), small for a steady slow turn."""
    w = max(1, int(round(ABRUPT_WINDOW_S * fps)))
    idx = np.arange(max(lo, 2 * w), min(hi + 1, len(angle)))
    if not idx.size:
        return float("nan")
    now = np.abs(angle[idx] - angle[idx - w])
    before = np.abs(angle[idx - w] - angle[idx - 2 * w])
    v = now - before
    return float(np.nanmax(v)) if np.isfinite(v).any() else float("nan")


def cmd_rates(args: argparse.Namespace) -> int:
    """Why rate thresholds cannot meet the targets: per judged rep, the peak speed of the
    rule's twist angle (deg/s) and its abrupt turn (``abrupt_turn``), by view and kind of rep
    (rendered set ``DIR``; real clips with ``--real``, every rep twist-free as far as known)."""
    from collections import defaultdict

    from formcheck.analysis import analyze_sequence
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, [])
    views = {0.0: "front", 45.0: "45", 135.0: "rear-45"}
    rows: dict[tuple, list] = defaultdict(list)

    def collect(seq, res, tr, src: str) -> None:
        ang = np.asarray(res.series["twist_angle"].values, float)
        rate = np.abs(np.asarray(res.series["twist_rate"].values, float))
        ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
        faults = {f["rep"]: f for f in tr["faults"]} if tr else {}
        for r in res.reps:
            if not ok.get(r.index, ok.get(None, False)):
                continue
            f = faults.get(r.index)
            if f is None:
                kind = "twist-free"
            elif f.get("shape", "jerk") == "jerk" and \
                    f["interval_s"][1] - f["interval_s"][0] >= SLOW_FROM_S:
                kind = "slow 2 s"
            else:
                kind = f"{f.get('shape', 'jerk')} {abs(f['peak']):g}°"
            view = views.get(tr["azimuth"], "?") if tr else res.view.name
            seg = rate[r.start_frame:r.end_frame + 1]
            rows[(src, view, kind)].append(
                (float(np.nanmax(seg)) if np.isfinite(seg).any() else np.nan,
                 abrupt_turn(ang, seq.fps, r.start_frame, r.end_frame)))

    if args.real:
        for pp in sorted(args.real.glob("*.npz")):
            clip = pp.name[:-4]
            seq = with_flow(PoseSequence.load(pp), args.clips / clip,
                            FLOW_DIR / "real-posepass" / f"{clip}.dis.flow.npz", "dis")
            collect(seq, analyze_sequence(seq, cfg), None, "real")
    for d in args.dirs:
        for _name, tr, seq in _poses_of(d, "video-full", None, "dis"):
            collect(seq, analyze_sequence(seq, cfg, exercise=tr["exercise"]), tr,
                    "rendered" if PLAN == "jerk" else "shapes")
    print("| set | view | rep | n | peak rate deg/s: median, max | abrupt turn deg: median, "
          "p90, max |")
    print("|---|---|---|---|---|---|")
    for k in sorted(rows):
        a = np.array(rows[k], float)
        print(f"| {k[0]} | {k[1]} | {k[2]} | {len(a)} | {np.nanmedian(a[:, 0]):.0f}, "
              f"{np.nanmax(a[:, 0]):.0f} | {np.nanmedian(a[:, 1]):.1f}, "
              f"{np.nanpercentile(a[:, 1], 90):.1f}, {np.nanmax(a[:, 1]):.1f} |")
    return 0


def cmd_mask_flows(args: argparse.Namespace) -> int:
    """Round 9: every ``MASKS`` flow and the picture-cut correlation of the rendered jerk and
    shapes sets and the real clips (landmarks from /work/cache/models-full, as
    ``twist_agree.py``, and from ``--poses``, as ``real``), cached; prints the CPU per frame
    of the flow field, of each mask's band reading and of the cut check."""
    global PLAN
    from formcheck.pose.sequence import PoseSequence

    jobs = []
    for plan_name, root in (("jerk", Path("/work/cache/synth-twist")),
                            ("shapes", Path("/work/cache/s4-twist-shapes"))):
        PLAN = plan_name
        for name, _ in plan():
            pp = pose_path(root, "video-full", name)
            if pp.is_file():
                jobs.append((root / f"{name}.mp4", pp, None))
    PLAN = "jerk"
    for poses, tag in ((Path("/work/cache/models-full"), "models-full"),
                       (args.poses, "real-real-posepass")):
        for pp in sorted(poses.glob("*.npz")):
            jobs.append((args.clips / pp.name[:-4], pp, tag))
    tot = {"frames": 0, "field": 0.0, "cut": 0.0, **{m: 0.0 for m in MASKS}}
    if args.reverse:  # a second process can take the list from its end
        jobs = jobs[::-1]
    for k, (video, pp, tag) in enumerate(jobs):
        if args.limit and k >= args.limit:
            break
        if not video.is_file():
            continue
        seq = load_pose(pp) if tag is None else PoseSequence.load(pp)
        got = mask_flows(video, seq.image_xy, tag)
        tot["frames"] += int(got["arms"]["frames"])
        tot["field"] += float(got["arms"]["cpu_field_s"])
        tot["cut"] += float(got["arms"]["cpu_cut_s"])
        for m in MASKS:
            tot[m] += float(got[m]["cpu_mask_s"])
        print(f"{k + 1}/{len(jobs)} {video.name[:60]}", flush=True)
    f = max(tot["frames"], 1)
    print(f"{tot['frames']} frames; CPU ms/frame: flow field {1000 * tot['field'] / f:.2f}, "
          f"cut check {1000 * tot['cut'] / f:.3f}, "
          + ", ".join(f"bands {m} {1000 * tot[m] / f:.2f}" for m in MASKS))
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    """Round 9: per judged rep of the square-on clips, the share of its frames on which the
    pose pass's flow (``--flow``, default ``mask-bar@0.25``) read both bands: rendered jerk
    and shapes sets (by kind: twist size, slow, twist-free; found or not by the rule) and the
    shared clips (cached poses). How many reps a "not assessable under S" rule would take (run
    it with ``--flow-only``: with the seen share the rule already leaves such reps out)."""
    global PLAN
    from formcheck.analysis import analyze_sequence
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, [])
    rows = []

    def reps_of(seq, exercise=None):
        res = analyze_sequence(seq, cfg, exercise=exercise)
        tw = next(a for a in res.assessable if a.fault == "jerky_twist" and a.rep is None)
        if "optical flow" not in (tw.reason or ""):
            return []
        ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
        read = np.isfinite(seq.torso_flow).all(axis=1)
        found = {f.rep for f in res.findings if f.fault == "jerky_twist"}
        return [(r.index, float(read[r.start_frame:r.end_frame + 1].mean()), r.index in found)
                for r in res.reps if ok.get(r.index, False)]

    for plan_name, root in (("jerk", Path("/work/cache/synth-twist")),
                            ("shapes", Path("/work/cache/s4-twist-shapes"))):
        PLAN = plan_name
        for _name, tr, seq in _poses_of(root, "video-full", None, args.flow):
            faults = {f["rep"]: f for f in tr["faults"]}
            for idx, cov, found in reps_of(seq, tr["exercise"]):
                f = faults.get(idx)
                # the shapes set's twists all turn out fast, however long they stay turned
                kind = ("twist-free" if f is None else "slow"
                        if plan_name == "jerk"
                        and f["interval_s"][1] - f["interval_s"][0] >= SLOW_FROM_S
                        else f"{abs(f['peak']):.0f}°")
                rows.append((plan_name, kind, cov, found))
    PLAN = "jerk"
    for pp in sorted(Path("/work/cache/models-full").glob("*.npz")):
        clip = pp.name[:-4]
        seq = PoseSequence.load(pp)
        name, _, least = args.flow[5:].partition("@")
        got = mask_flows(args.clips / clip, seq.image_xy, "models-full")[name]
        for _idx, cov, found in reps_of(masked_flow(seq, got, least)):
            rows.append(("real", "twist-free", cov, found))
    print("| set | rep | judged reps | frames read, median | p10 | reps read under 0.5 | "
          "found (of them under 0.5) |")
    print("|---|---|---|---|---|---|---|")
    for sset, kind in sorted({(r[0], r[1]) for r in rows}):
        v = [r for r in rows if r[0] == sset and r[1] == kind]
        cov = np.array([r[2] for r in v])
        fnd = sum(r[3] for r in v)
        fnd_low = sum(r[3] and r[2] < 0.5 for r in v)
        print(f"| {sset} | {kind} | {len(v)} | {np.median(cov):.2f} | "
              f"{np.percentile(cov, 10):.2f} | {int((cov < 0.5).sum())} | {fnd} ({fnd_low}) |")
    return twist_windows_read(args.flow)


def cmd_hidden(args: argparse.Namespace) -> int:
    """Round 11: the image landmarks' depth standing in for the flow where the hands hid the
    torso (``signal.twist_hidden_depth_median_frames``). Per square-on clip read by the flow
    (rendered jerk and shapes sets, the shared clips' cached poses, ``--flow`` as stored), the
    twist rate on twist-free frames (rendered: 0.5 s clear of every twist; real: every
    frame), split by whether the flow read the frame or the depth stood in: p95 and largest
    |rate| in true deg/s, for each running-median width asked (``--median``, 0: the flow
    alone, hidden frames read as no motion). Rates are from the rule's own twist signal, on
    frames inside judged reps."""
    global PLAN
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.features import compute_signals, flow_hidden_frames
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    sets = []
    for plan_name, root in (("jerk renders", Path("/work/cache/synth-twist")),
                            ("shapes renders", Path("/work/cache/s4-twist-shapes"))):
        PLAN = "jerk" if plan_name.startswith("jerk") else "shapes"
        sets += [(plan_name, seq, tr) for _n, tr, seq in
                 _poses_of(root, "video-full", None, args.flow) if tr["azimuth"] == 0.0]
    PLAN = "jerk"
    name, _, least = args.flow[5:].partition("@")
    for pp in sorted(Path("/work/cache/models-full").glob("*.npz")):
        seq = PoseSequence.load(pp)
        got = mask_flows(args.clips / pp.name[:-4], seq.image_xy, "models-full")[name]
        sets.append(("real (shared)", masked_flow(seq, got, least), None))
    # The frames scored: inside the reps judged when the depth stands in (every rep of
    # these square-on clips; with 0 the mostly hidden ones are not assessable), the same
    # frames for every width.
    stand_in = load_config(None, ["signal.twist_hidden_depth_median_frames=1"])
    scored = {}
    for k, (_s, seq, tr) in enumerate(sets):
        res = analyze_sequence(seq, stand_in, exercise=tr["exercise"] if tr else None)
        judged = res.series["twist_rate"].judged if "twist_rate" in res.series else None
        if judged is not None:
            inside = np.zeros(len(seq), bool)
            for r in res.reps:
                inside[r.start_frame:r.end_frame + 1] = True
            scored[k] = inside & judged & (_clean_frames(seq.t_s, tr) if tr else True)
    print("| set | median frames | frames read: n, p95, max (deg/s) | frames hidden: n, p95, "
          "max (deg/s) |")
    print("|---|---|---|---|")
    for width in args.median or (0, 1, 5):
        cfg = load_config(None, [f"signal.twist_hidden_depth_median_frames={width}"])
        rates: dict[tuple[str, bool], list[np.ndarray]] = {}
        for k, (sname, seq, _tr) in enumerate(sets):
            hidden = flow_hidden_frames(seq)
            tw = compute_signals(seq, cfg).resolved().twist
            if hidden is None or k not in scored or tw is None or tw.depth_source != "flow":
                continue
            keep = scored[k]
            rate = np.abs(tw.rate_deg_s)
            for h in (False, True):
                sel = keep & (hidden == h) & np.isfinite(rate)
                rates.setdefault((sname, h), []).append(rate[sel])
        for sname in dict.fromkeys(k[0] for k in rates):
            cells = []
            for h in (False, True):
                v = np.concatenate(rates[(sname, h)])
                cells.append(f"{v.size}, {np.percentile(v, 95):.0f}, {v.max():.0f}" if v.size
                             else "0")
            print(f"| {sname} | {width} | {cells[0]} | {cells[1]} |")
    return 0


def twist_windows_read(flow: str) -> int:
    """Round 10: per fast twist of the square-on renders (jerk and shapes sets) that the rule
    judged, the share of the twist's own frames on which the flow was read, and whether the
    rule found it; counts by that share and twist size. Run with ``--flow-only`` (the rule
    not yet leaving out the reps the hands hid) to see what hidden frames give."""
    global PLAN
    from formcheck.analysis import analyze_sequence
    from formcheck.config import load_config

    cfg = load_config(None, [])
    rows = []
    for plan_name, root in (("jerk", Path("/work/cache/synth-twist")),
                            ("shapes", Path("/work/cache/s4-twist-shapes"))):
        PLAN = plan_name
        for _name, tr, seq in _poses_of(root, "video-full", None, flow):
            if tr["azimuth"] != 0.0:
                continue
            res = analyze_sequence(seq, cfg, exercise=tr["exercise"])
            ok = {a.rep: a.assessable for a in res.assessable if a.fault == "jerky_twist"}
            found = [f for f in res.findings if f.fault == "jerky_twist"]
            read = np.isfinite(seq.torso_flow).all(axis=1)
            counted = counted_rep_of(tr["reps"], res.reps)
            for f in tr["faults"]:
                a, d = f["interval_s"]
                q = counted.get(f["rep"])  # the counted rep it is (by time)
                if q is None or not ok.get(q, False) or (plan_name == "jerk"
                                                         and d - a >= SLOW_FROM_S):
                    continue
                win = (seq.t_s >= a) & (seq.t_s <= d)
                hit = any(x.rep == q and x.start_s <= d + 0.3 and x.end_s >= a - 0.3
                          for x in found)
                rows.append((abs(f["peak"]), float(read[win].mean()), hit))
    PLAN = "jerk"
    sizes = sorted({r[0] for r in rows})
    print("\n| twist's frames read | " + " | ".join(f"{z:.0f}° found" for z in sizes)
          + " | all found |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for lo, hi, label in ((0.0, 0.5, "under half"), (0.5, 0.99, "half or more, not all"),
                          (0.99, 1.01, "all")):
        sel = [r for r in rows if lo <= r[1] < hi]
        cells = [f"{sum(r[2] for r in sel if r[0] == z)}/{sum(1 for r in sel if r[0] == z)}"
                 for z in sizes]
        print(f"| {label} | " + " | ".join(cells) + f" | {sum(r[2] for r in sel)}/{len(sel)} |")
    return 0


def cmd_real(args: argparse.Namespace) -> int:
    """Real clips (poses from ``extract-real``): twist findings and how close the rest came
    (largest twist rate on judged frames, against the threshold). Prints no landmarks."""
    from formcheck.analysis import analyze_sequence
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, args.overrides)
    labels = {}
    lab_path = args.clips / "labels.json"
    if lab_path.is_file():
        labels = {x["file"]: x for x in json.loads(lab_path.read_text(encoding="utf-8"))}
    judged = flagged = 0
    reps_judged = reps_hidden = jumps = cut_frames = cut_clips = 0
    print("| clip | label | view | assessable | findings | max rate on judged frames (deg/s) | "
          "cue |")
    print("|---|---|---|---|---|---|---|")
    for pp in sorted(args.poses.glob("*.npz")):
        clip = pp.name[:-4]
        seq = PoseSequence.load(pp)
        if args.poses.name == "models-full" and args.flow:
            # the shared clips' cached poses: the pose pass's own flows (before round 9) and
            # the masked ones measured on these landmarks
            from dataclasses import replace

            if args.flow == "dis":
                bands = np.load(Path("/work/cache/s4-posepass-flow/clips")
                                / f"{clip}.flow.npz")["bands"]
                seq = replace(seq, torso_flow=bands)
            else:
                name, _, least = args.flow[5:].partition("@")
                got = mask_flows(args.clips / clip, seq.image_xy, "models-full")[name]
                seq = masked_flow(seq, got, least)
        else:
            seq = with_flow(seq, args.clips / clip,
                            FLOW_DIR / "real-posepass" / f"{clip}.{args.flow}.flow.npz",
                            args.flow)
        res = analyze_sequence(seq, cfg)
        a = next(x for x in res.assessable if x.fault == "jerky_twist" and x.rep is None)
        found = [f for f in res.findings if f.fault == "jerky_twist"]
        rate = res.series.get("twist_rate")
        ok_reps = {x.rep for x in res.assessable if x.fault == "jerky_twist" and x.assessable}
        peak = float("nan")
        if rate is not None and a.assessable:
            inside = np.zeros(len(seq), bool)
            for r in res.reps:
                if r.index in ok_reps:
                    inside[r.start_frame:r.end_frame + 1] = True
            v = np.asarray(rate.values)[inside]
            peak = float(np.nanmax(v)) if np.isfinite(v).any() else float("nan")
        label = (labels.get(clip, {}).get("faults") or {}).get("jerky_twist")
        judged += int(a.assessable)
        flagged += int(bool(found))
        rep_verdicts = [x for x in res.assessable if x.fault == "jerky_twist" and x.rep
                        and x.assessable]
        reps_judged += len(rep_verdicts)
        reps_hidden += sum("hid the torso" in (x.reason or "") for x in rep_verdicts)
        jumps += sum(int(p.split(" ", 1)[0]) for p in (a.reason or "").split("; ")
                     if "not judged: the picture jumped" in p)
        if seq.picture_cut is not None:
            cut_frames += int(np.count_nonzero(seq.picture_cut))
            cut_clips += int(np.any(seq.picture_cut))
        print(f"| {clip[:60]} | {label} | {res.view.name} | {a.assessable} | {len(found)} | "
              f"{peak:.0f} | {(a.reason or '').split(';')[0][:70]} |")
        for f in found:
            print(f"|  | | | | {f.message} | | |")
    print(f"\n{flagged} of {judged} assessable clips flagged")
    print(f"{reps_judged} reps judged, {reps_hidden} of them with frames the hands hid; "
          f"{jumps} fast rotation(s) not judged for a picture jump; cut flags: {cut_frames} "
          f"frames in {cut_clips} clips")
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    """The committed samples with a twist (and a good one): which rep gets a twist warning."""
    from formcheck.analysis import analyze_sequence
    from formcheck.config import load_config
    from formcheck.pose.sequence import PoseSequence

    cfg = load_config(None, args.overrides)
    print("| sample | true twist | assessable | twist findings |")
    print("|---|---|---|---|")
    for pp in sorted(args.poses.glob("*.npz")):
        name = pp.name[: -len(".mp4.npz")]
        tr = load_truth(args.samples, name)
        seq = with_flow(PoseSequence.load(pp), args.samples / f"{name}.mp4",
                        flow_path(FLOW_DIR / "samples", name, args.flow), args.flow)
        res = analyze_sequence(seq, cfg, exercise=tr["exercise"])
        a = next(x for x in res.assessable if x.fault == "jerky_twist" and x.rep is None)
        true = ", ".join(
            f"rep {f['rep']}: {f['peak']:g}° in {f['interval_s'][1] - f['interval_s'][0]:.1f} s"
            for f in tr["faults"] if f["kind"] == "twist") or "none"
        found = "; ".join(f"rep {f.rep}: {f.message.split(': ', 1)[-1]}" for f in res.findings
                          if f.fault == "jerky_twist") or "none"
        print(f"| {name} | {true} | {a.assessable if a.assessable else a.reason} | {found} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows are reported as "–"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None,
                    help="only the clips whose names match this regular expression")
    ap.add_argument("--plan", choices=("jerk", "shapes", "bar", "side", "backs"), default="jerk",
                    help="the rendered set: out-and-back jerks (default), realistic shapes, "
                         "back squats, side views or twist-free back faults")
    ap.add_argument("--flow-only", action="store_true",
                    help="with a mask-* flow, attach the flow alone, as round 9 measured (no "
                         "seen share, no cut flags: the rule reads neither)")
    ap.add_argument("--no-seen", action="store_true",
                    help="with a mask-* flow, attach the cut flags but not the seen share")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("render", help="render the twist set into DIR (skips existing clips)")
    p.add_argument("dir", type=Path)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--stop-after", default=None,
                   help="stop before the next clip once this file exists")
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("extract", help="pose every rendered clip with the given variants")
    p.add_argument("dir", type=Path)
    p.add_argument("--variant", action="append", choices=sorted(VARIANTS), required=True)
    p.add_argument("--only-first", action="append", default=[], metavar="VARIANT=N",
                   help="run VARIANT on the first N clips only (heavy ones cost time)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--wait", action="store_true", help="keep polling for clips still rendering")
    p.set_defaults(func=cmd_extract)
    p = sub.add_parser("extract-mask", help="pose again with masks: silhouette edges per frame")
    p.add_argument("dir", type=Path)
    p.add_argument("--out", type=Path, default=Path("/work/cache/twist-mask"))
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--stop-after", default=None)
    p.set_defaults(func=cmd_extract_mask)
    p = sub.add_parser("flow", help="optical flow of the torso's shoulder and hip bands")
    p.add_argument("dir", type=Path)
    p.add_argument("--out", type=Path, default=Path("/work/cache/twist-flow"))
    p.add_argument("--method", default="dis", choices=FLOW_METHODS)
    p.set_defaults(func=cmd_flow)
    p = sub.add_parser("image-cues", help="table: flow and silhouette cues beside the landmarks'")
    p.add_argument("dir", type=Path)
    p.add_argument("--cue", action="append", default=[])
    p.add_argument("--by-exercise", action="store_true", help="one row per view and exercise")
    p.add_argument("--kept-out", type=Path, default=None,
                   help="write each cue's kept share per view here (for real-cues)")
    p.set_defaults(func=cmd_image_cues)
    p = sub.add_parser("real-cues", help="real clips: each cue's twist-rate noise")
    p.add_argument("--poses", type=Path, default=Path("/work/cache/twist-real-poses"))
    p.add_argument("--clips", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
                   / "clips")
    p.add_argument("--flow", type=Path, default=Path("/work/cache/twist-flow/real"))
    p.add_argument("--kept", type=Path, default=Path("/work/cache/twist-flow/kept.json"))
    p.add_argument("--cue", action="append", default=None)
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(func=cmd_real_cues)
    p = sub.add_parser("flow-cost", help="torso flow's time per frame beside the model's")
    p.add_argument("videos", type=Path, nargs="+")
    p.add_argument("--model", default="full")
    p.add_argument("--frames", type=int, default=150)
    p.set_defaults(func=cmd_flow_cost)
    p = sub.add_parser("where", help="table: how much of the rotation each pose variant keeps")
    p.add_argument("dir", type=Path)
    p.set_defaults(func=cmd_where)
    p = sub.add_parser("extract-real", help="pose listed real clips again, keeping image z")
    p.add_argument("list", type=Path, help="text file, one clip file name per line")
    p.add_argument("--clips", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
                   / "clips")
    p.add_argument("--poses", type=Path, default=Path("/work/cache/twist-real-poses"))
    p.set_defaults(func=cmd_extract_real)
    p = sub.add_parser("cues", help="table: each cue's kept share and held-out error")
    p.add_argument("dir", type=Path)
    p.set_defaults(func=cmd_cues)
    p = sub.add_parser("hidden", help="round 11: the depth standing in where the flow is hidden")
    p.add_argument("--flow", default="mask-bar@0.25")
    p.add_argument("--median", type=int, action="append", default=None,
                   help="running-median widths (repeat; default 0, 1 and 5)")
    p.add_argument("--clips", type=Path,
                   default=Path(__file__).resolve().parents[2] / "shared" / "clips")
    p.set_defaults(func=cmd_hidden)
    p = sub.add_parser("rule", help="table: per-rep detection and false warnings")
    p.add_argument("dir", type=Path)
    p.add_argument("--variant", default="video-full", choices=sorted(VARIANTS))
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--body", dest="bodies", action="append", default=[],
                   help="only these bodies (repeat)")
    p.add_argument("--slack", type=float, default=0.3)
    p.add_argument("--samples", type=Path, default=None,
                   help="also the committed samples posed into this folder (extract-real)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--flow", choices=FLOW_METHODS, default=None,
                   help="attach the torso's optical flow measured by this method")
    p.set_defaults(func=cmd_rule)
    p = sub.add_parser("shapes", help="table: realistic twists and shirts (--plan shapes)")
    p.add_argument("dir", type=Path)
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--body", dest="bodies", action="append", default=[])
    p.add_argument("--slack", type=float, default=0.3)
    p.add_argument("--flow", choices=FLOW_METHODS, default="dis")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_shapes)
    p = sub.add_parser("rates", help="table: per-rep peak twist rate and abrupt turn")
    p.add_argument("dirs", type=Path, nargs="*")
    p.add_argument("--real", type=Path, default=None, help="real-clip poses (extract-real)")
    p.add_argument("--clips", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
                   / "clips")
    p.set_defaults(func=cmd_rates)
    p = sub.add_parser("real", help="real clips: twist findings and the largest rates")
    p.add_argument("--poses", type=Path, default=Path("/work/cache/twist-real-poses"))
    p.add_argument("--clips", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
                   / "clips")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--flow", choices=FLOW_METHODS, default=None,
                   help="attach the torso's optical flow measured by this method")
    p.set_defaults(func=cmd_real)
    p = sub.add_parser("mask-flows", help="round 9: masked flows and cut checks, cached")
    p.add_argument("--poses", type=Path, default=Path("/work/cache/twist-real-poses"))
    p.add_argument("--clips", type=Path,
                   default=Path(__file__).resolve().parents[2] / "shared" / "clips")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--reverse", action="store_true", help="the clips in reverse order")
    p.set_defaults(func=cmd_mask_flows)
    p = sub.add_parser("coverage", help="round 9: share of each rep's frames the flow read")
    p.add_argument("--flow", choices=[m for m in FLOW_METHODS if m.startswith("mask-")],
                   default="mask-bar@0.25")
    p.add_argument("--clips", type=Path,
                   default=Path(__file__).resolve().parents[2] / "shared" / "clips")
    p.set_defaults(func=cmd_coverage)
    p = sub.add_parser("samples", help="the committed twist samples: which rep is warned")
    p.add_argument("--poses", type=Path, default=Path("/work/cache/twist-samples"))
    p.add_argument("--samples", type=Path, default=Path(__file__).resolve().parents[1] / "samples")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--flow", choices=FLOW_METHODS, default=None,
                   help="attach the torso's optical flow measured by this method")
    p.set_defaults(func=cmd_samples)
    args = ap.parse_args(argv)
    global PLAN, FLOW_ONLY, NO_SEEN
    PLAN = args.plan
    ONLY[:] = [args.only] if args.only else []
    FLOW_ONLY, NO_SEEN = args.flow_only, args.no_seen
    if args.cmd == "real-cues" and not args.cue:
        args.cue = ["flow dis", "flow farneback", "image x+z", "width", "world"]
    args.first = {k: int(v) for k, v in (x.split("=", 1) for x in getattr(args, "only_first", []))}
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
