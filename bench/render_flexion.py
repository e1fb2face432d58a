"""Render the rounded-back truth set: bodies x views (side, 45 deg) x exercises x flexion sizes,
with the lumbar/thoracic split and the camera placement varied clip by clip, then extract each
clip's poses with the full model (the same path as ``formcheck analyze``). Clips and poses
already made are kept, so the script can be stopped and resumed.

    nice python bench/render_flexion.py --out /work/cache/back-flex [--body m_avg ...]
        [--azimuth 45] [--size 0 --size 20]
    nice python bench/render_flexion.py --out /work/cache/s5-back-flex65 --exercise deadlift \
        --azimuth 65 --size 0 --size 20 --size 45
    python bench/fit_flexion.py /work/cache/back-flex

    nice python bench/render_flexion.py --out /work/cache/s6-back-cloth --exercise deadlift \
        --clothing tee --clothing hoodie      # round 9: loose clothing, one kind per body
    nice python bench/render_flexion.py --out /work/cache/s7-back10-arch --arch \
        --exercise deadlift --clothing tee --clothing hoodie   # round 10: arched, bent over

Order: deadlift, row, then squat; within each view, sizes 0/20/45, then 10, then 5/30, every
body at each view and size, so a partial set still holds every body.
Names ``<body>_<exercise>_az<deg>_<placement>_flex<deg>[_<clothing>]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from formcheck.synth.catalog import PLACEMENTS, SCENES, TEMPI
from formcheck.synth.scenario import Camera, Exercise, Fault, FaultKind, Scenario

#: Truth flexion sizes (deg) and the lumbar share, cycled over the flexed clips. 10 deg came
#: last (round 9), 35 and 50 later still (session 26), so the clips planned before keep their
#: placements and names.
FLEXION_DEG = (0.0, 5.0, 20.0, 30.0, 45.0, 10.0, 35.0, 50.0)
#: The stride of the placement cycle per view (the size count before 10 deg was added).
_STRIDE = 5
LUMBAR_FRACTIONS = (0.5, 0.25, 0.75)
#: Camera placements cycled over the clips (catalog.PLACEMENTS), before the frame shrink.
CYCLE_PLACEMENTS = ("std", "head_down", "floor_up", "roll10", "far_rollm10", "near_portrait")
BODIES = ("m_avg", "f_short", "m_tall", "f_heavy")
VIEWS = (90.0, 45.0)
#: Output frames are this fraction of the placement's size (saves CPU; pose input is 256 px).
SHRINK = 0.75


def _camera(azimuth_deg: float, place: str) -> Camera:
    """The camera at ``PLACEMENTS[place]``, its frame scaled by ``SHRINK`` (even sizes)."""
    cam = replace(Camera(azimuth_deg=azimuth_deg), **PLACEMENTS[place])
    return replace(cam, width=int(round(cam.width * SHRINK / 2)) * 2,
                   height=int(round(cam.height * SHRINK / 2)) * 2)


def scenarios(bodies: tuple[str, ...], exercises: tuple[Exercise, ...],
              extra_views: tuple[float, ...] = (),
              clothing: tuple[str, ...] = (), hinge_deg: float = 0.0) -> dict[str, Scenario]:
    """The planned clips; ``extra_views``: azimuths besides ``VIEWS`` (e.g. 65, between the
    45 deg and the side view), planned like the others (the clips of ``VIEWS`` keep their
    placements and names). ``clothing``: loose clothing kinds ("tee", "hoodie"), cycled over
    the bodies (each body wears one, its sizes drawn for that body); names end ``_<kind>``.
    ``hinge_deg``: a deeper set-up (``Scenario.hinge_deg``, round 10); names gain
    ``_h<deg>`` after the size.
    """
    out: dict[str, Scenario] = {}
    views = VIEWS + tuple(v for v in extra_views if v not in VIEWS)
    for b, body in enumerate(bodies):
        for ex in exercises:
            for az in views:
                for deg in FLEXION_DEG:
                    # The same for any subset of exercises; consecutive bodies see a size at
                    # different placements and lumbar shares.
                    k = (list(Exercise).index(ex) * len(VIEWS) + views.index(az)) \
                        * _STRIDE + FLEXION_DEG.index(deg) + b
                    place = CYCLE_PLACEMENTS[k % len(CYCLE_PLACEMENTS)]
                    cam = _camera(az, place)
                    faults = ()
                    if deg:
                        lf = LUMBAR_FRACTIONS[k % len(LUMBAR_FRACTIONS)]
                        faults = (Fault(FaultKind.FLEXION, deg, lumbar_fraction=lf),)
                    name = f"{body}_{ex.value}_az{az:g}_{place}_flex{deg:g}" + (
                        f"_h{hinge_deg:g}" if hinge_deg else "")
                    scene = SCENES[k % len(SCENES)]
                    if clothing:
                        kind = clothing[b % len(clothing)]
                        scene = replace(scene, clothing=kind)
                        name += f"_{kind}"
                    out[name] = Scenario(exercise=ex, reps=2, body=body, tempo=TEMPI[ex],
                                         camera=cam, scene=scene, faults=faults, crf=23,
                                         hinge_deg=hinge_deg)
    # Rendering order (a partial set stays balanced): sizes 0, 20 and 45 deg before 5 and 30;
    # deadlift and row before squat (they bend the back most); every view and body at each.
    rank = {Exercise.DEADLIFT: 0, Exercise.ROW: 1, Exercise.SQUAT: 2}

    def key(k: str) -> tuple:
        sc = out[k]
        deg = sc.faults[0].magnitude_deg if sc.faults else 0.0
        return (rank[sc.exercise], deg in (5.0, 30.0), -sc.camera.azimuth_deg,
                (0.0, 20.0, 45.0, 10.0, 5.0, 30.0, 35.0, 50.0).index(deg), bodies.index(sc.body))

    order = sorted(out, key=key)
    return {k: out[k] for k in order}


#: Round 10: lumbar extension sizes (deg) while bent over, and the deadlift's deeper hinge.
ARCH_DEG = (0.0, 10.0, 20.0, 30.0)
#: Extra pelvis pitch at the bottom (``Scenario.hinge_deg``): the rendered deadlift's deepest
#: frame then leans ~77-80 deg (true shoulder-hip line), like real set-ups (70-80 deg).
ARCH_HINGE_DEG = {Exercise.DEADLIFT: 20.0, Exercise.ROW: 0.0, Exercise.SQUAT: 0.0}


def arch_scenarios(bodies: tuple[str, ...], exercises: tuple[Exercise, ...],
                   views: tuple[float, ...], clothing: tuple[str, ...]) -> dict[str, Scenario]:
    """The bent-over arch truth set (round 10): every body, view and size, bare and in the
    clothing kinds given (cycled over the bodies, as for flexion), standard camera.
    Names ``<body>_<exercise>_az<deg>_std_arch<deg>_h<hinge>[_<clothing>]``."""
    out: dict[str, Scenario] = {}
    for b, body in enumerate(bodies):
        for ex in exercises:
            for az in views:
                for deg in ARCH_DEG:
                    cam = _camera(az, "std")
                    faults = (Fault(FaultKind.ARCH, deg),) if deg else ()
                    hinge = ARCH_HINGE_DEG[ex]
                    for kind in ("none",) + ((clothing[b % len(clothing)],) if clothing
                                             else ()):
                        scene = replace(SCENES[(b + ARCH_DEG.index(deg)) % len(SCENES)],
                                        clothing=kind)
                        name = f"{body}_{ex.value}_az{az:g}_std_arch{deg:g}_h{hinge:g}" + (
                            "" if kind == "none" else f"_{kind}")
                        out[name] = Scenario(exercise=ex, reps=2, body=body, tempo=TEMPI[ex],
                                             camera=cam, scene=scene, faults=faults, crf=23,
                                             hinge_deg=hinge)
    rank = {Exercise.DEADLIFT: 0, Exercise.ROW: 1, Exercise.SQUAT: 2}
    # A partial set stays balanced: sizes 0 and 30 first, then 20, then 10; every body at each.

    def key(k: str) -> tuple:
        sc = out[k]
        deg = sc.faults[0].magnitude_deg if sc.faults else 0.0
        return (rank[sc.exercise], -sc.camera.azimuth_deg, (0.0, 30.0, 20.0, 10.0).index(deg),
                sc.scene.clothing == "none", bodies.index(sc.body))

    return {k: out[k] for k in sorted(out, key=key)}


def _entry(out: Path, name: str, sc: Scenario) -> dict:
    return {"name": name, "video": f"{name}.mp4", "truth": f"{name}.json",
            "exercise": sc.exercise.value, "body": sc.body, "clothing": sc.scene.clothing,
            "azimuth_deg": sc.camera.azimuth_deg, "camera": asdict(sc.camera),
            "hinge_deg": sc.hinge_deg,
            "faults": [{"kind": f.kind.value, "magnitude_deg": f.magnitude_deg,
                        "lumbar_fraction": f.lumbar_fraction, "duration_s": f.duration_s,
                        "reps": list(f.reps)} for f in sc.faults]}


def main() -> int:
    ap = argparse.ArgumentParser(description="Render and pose the rounded-back truth set.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--body", action="append", default=[])
    ap.add_argument("--exercise", action="append", default=[])
    ap.add_argument("--azimuth", action="append", type=float, default=[],
                    help="only this view (90 side, 45, or another azimuth such as 65; "
                         "repeat)")
    ap.add_argument("--size", action="append", type=float, default=[],
                    help="only this flexion size in deg (repeat)")
    ap.add_argument("--clothing", action="append", default=[],
                    choices=["tee", "hoodie"],
                    help="loose clothing, cycled over the bodies (repeat for both kinds)")
    ap.add_argument("--arch", action="store_true",
                    help="round 10: the bent-over arch set (lumbar extension 0/10/20/30 deg, "
                         "deadlifts with a deeper hinge, bare and clothed, standard camera; "
                         "--size then picks arch sizes)")
    ap.add_argument("--hinge", type=float, default=0.0,
                    help="flexion set: a deeper set-up, deg of extra lean at the bottom "
                         "(Scenario.hinge_deg; 20 gives a real deadlift set-up's 70-80 deg)")
    ap.add_argument("--no-extract", action="store_true")
    ap.add_argument("--shard", default="0/1",
                    help="I/N: render every N-th clip from the I-th (parallel workers)")
    args = ap.parse_args()
    from formcheck.pipeline import extract_pose
    from formcheck.synth.clip import render_clip, write_json

    exercises = tuple(Exercise(e) for e in args.exercise or [e.value for e in Exercise])
    if args.arch:
        scen = arch_scenarios(tuple(args.body or BODIES), exercises,
                              tuple(args.azimuth) or (90.0,), tuple(args.clothing))
    else:
        scen = scenarios(tuple(args.body or BODIES), exercises, tuple(args.azimuth),
                         tuple(args.clothing), args.hinge)
    scen = {n: sc for n, sc in scen.items()
            if (not args.azimuth or sc.camera.azimuth_deg in args.azimuth)
            and (not args.size or (sc.faults[0].magnitude_deg if sc.faults else 0.0)
                 in args.size)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "poses").mkdir(exist_ok=True)
    shard, shards = (int(x) for x in args.shard.split("/"))
    for i, (name, sc) in enumerate(scen.items()):
        if i % shards != shard:
            continue
        video, truth = args.out / f"{name}.mp4", args.out / f"{name}.json"
        pose = args.out / "poses" / f"{name}.npz"
        t0 = time.perf_counter()
        if not (video.is_file() and truth.is_file()):
            render_clip(sc, video, truth)
        t1 = time.perf_counter()
        if not args.no_extract and not pose.is_file():
            extract_pose(video, "full", back_profile=True).save(pose)
        t2 = time.perf_counter()
        print(f"[{i + 1}/{len(scen)}] {name} render {t1 - t0:.1f}s pose {t2 - t1:.1f}s",
              flush=True)
        # Every worker lists every clip of the selection already on disk (same manifest),
        # after the clips of earlier runs with other selections.
        manifest = args.out / "manifest.json"
        old = json.loads(manifest.read_text(encoding="utf-8"))["clips"] \
            if manifest.is_file() else []
        entries = [e for e in old if e["name"] not in scen
                   and (args.out / e["video"]).is_file()] + [
            _entry(args.out, n, s) for n, s in scen.items()
            if (args.out / f"{n}.mp4").is_file() and (args.out / f"{n}.json").is_file()]
        tmp = args.out / f"manifest.json.{os.getpid()}"
        write_json(tmp, {"version": 1, "kind": "placements", "clips": entries}, indent=1)
        tmp.replace(manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
