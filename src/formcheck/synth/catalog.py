"""Named scenario sets: the committed ``samples/`` and the evaluation matrix."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.synth.scenario import Camera, Exercise, Fault, FaultKind, Scenario, Scene, Tempo

SIDE_DEG, OBLIQUE_DEG, FRONT_DEG, REAR_DEG = 90.0, 45.0, 0.0, 180.0
JERKY_TWIST_S, SLOW_TWIST_S = 0.2, 2.0

#: Faults used by the samples, by name.
SAMPLE_FAULTS: dict[str, tuple[Fault, ...]] = {
    "good": (),
    "rounded": (Fault(FaultKind.FLEXION, 35.0, lumbar_fraction=0.5),),
    "overarched": (Fault(FaultKind.EXTENSION, 25.0),),
    "jerkytwist": (Fault(FaultKind.TWIST, 25.0, reps=(2,), duration_s=JERKY_TWIST_S),),
    "slowtwist": (Fault(FaultKind.TWIST, 25.0, reps=(2,), duration_s=SLOW_TWIST_S),),
}

#: (exercise, fault, azimuth, body): 12 clips covering every exercise, fault and both views.
SAMPLE_PLAN: tuple[tuple[Exercise, str, float, str], ...] = (
    (Exercise.SQUAT, "good", SIDE_DEG, "m_avg"),
    (Exercise.SQUAT, "rounded", SIDE_DEG, "f_short"),
    (Exercise.SQUAT, "overarched", OBLIQUE_DEG, "m_tall"),
    (Exercise.SQUAT, "jerkytwist", OBLIQUE_DEG, "f_heavy"),
    (Exercise.DEADLIFT, "good", OBLIQUE_DEG, "f_short"),
    (Exercise.DEADLIFT, "rounded", SIDE_DEG, "m_avg"),
    (Exercise.DEADLIFT, "overarched", SIDE_DEG, "f_heavy"),
    (Exercise.DEADLIFT, "slowtwist", OBLIQUE_DEG, "m_tall"),
    (Exercise.ROW, "good", SIDE_DEG, "m_tall"),
    (Exercise.ROW, "rounded", OBLIQUE_DEG, "f_heavy"),
    (Exercise.ROW, "jerkytwist", SIDE_DEG, "m_avg"),
    (Exercise.ROW, "slowtwist", OBLIQUE_DEG, "f_short"),
)

#: Tempo per exercise, long enough for a 2 s twist inside a rep.
TEMPI: dict[Exercise, Tempo] = {
    Exercise.SQUAT: Tempo(down_s=1.0, bottom_s=0.2, up_s=0.9, top_s=0.3),
    Exercise.DEADLIFT: Tempo(down_s=0.8, bottom_s=0.4, up_s=1.0, top_s=0.4),
    Exercise.ROW: Tempo(down_s=0.7, bottom_s=0.3, up_s=0.6, top_s=0.3),
}

SCENES: tuple[Scene, ...] = (
    Scene(),
    Scene(floor_bgr=(70, 78, 84), wall_bgr=(170, 190, 205), shirt_bgr=(60, 60, 170),
          shorts_bgr=(90, 60, 40), light_azimuth_deg=-40.0, light_elevation_deg=60.0,
          light_strength=0.65, ambient=0.5),
    Scene(floor_bgr=(100, 96, 90), wall_bgr=(210, 200, 185), shirt_bgr=(60, 120, 60),
          shorts_bgr=(40, 40, 40), light_azimuth_deg=80.0, light_elevation_deg=40.0,
          light_strength=0.8, ambient=0.4),
    Scene(floor_bgr=(60, 62, 66), wall_bgr=(185, 185, 180), shirt_bgr=(200, 200, 200),
          shorts_bgr=(120, 50, 30), light_azimuth_deg=160.0, light_elevation_deg=55.0,
          light_strength=0.7, ambient=0.45),
)


def sample_name(ex: Exercise, fault: str, az: float, body: str) -> str:
    view = {SIDE_DEG: "side", OBLIQUE_DEG: "45"}.get(az, f"az{az:g}")
    return f"{ex.value}_{fault}_{view}_{body}"


def sample_scenarios() -> dict[str, Scenario]:
    """The committed samples: 640x480, 30 fps, 2 reps (3-6 s each)."""
    out = {}
    for i, (ex, fault, az, body) in enumerate(SAMPLE_PLAN):
        out[sample_name(ex, fault, az, body)] = Scenario(
            exercise=ex, reps=2, body=body, tempo=TEMPI[ex],
            camera=Camera(azimuth_deg=az, elevation_deg=8.0 + 4.0 * (i % 3)),
            scene=SCENES[i % len(SCENES)], faults=SAMPLE_FAULTS[fault], crf=26)
    return out


#: Evaluation matrix axes.
MATRIX_AZIMUTHS = (FRONT_DEG, OBLIQUE_DEG, SIDE_DEG, 135.0, REAR_DEG)
MATRIX_FLEXION = (0.0, 10.0, 20.0, 30.0, 45.0)
MATRIX_EXTENSION = (10.0, 20.0, 30.0)
MATRIX_TWIST = (10.0, 20.0, 40.0)
MATRIX_TWIST_DURATIONS = (JERKY_TWIST_S, SLOW_TWIST_S)


def matrix_scenarios(bodies: tuple[str, ...], exercises: tuple[Exercise, ...] = tuple(Exercise),
                     azimuths: tuple[float, ...] = MATRIX_AZIMUTHS, reps: int = 3,
                     width: int = 640, height: int = 480) -> dict[str, Scenario]:
    """Bodies x exercises x azimuths x fault sizes (flexion 0 is the good baseline)."""
    faults: list[tuple[str, tuple[Fault, ...]]] = []
    for deg in MATRIX_FLEXION:
        faults.append((f"flex{deg:g}", (Fault(FaultKind.FLEXION, deg),) if deg else ()))
    for deg in MATRIX_EXTENSION:
        faults.append((f"ext{deg:g}", (Fault(FaultKind.EXTENSION, deg),)))
    for deg in MATRIX_TWIST:
        for dur in MATRIX_TWIST_DURATIONS:
            faults.append((f"twist{deg:g}_{dur:g}s",
                           (Fault(FaultKind.TWIST, deg, reps=(2,), duration_s=dur),)))
    out = {}
    n = 0
    for body in bodies:
        for ex in exercises:
            for az in azimuths:
                for fname, fs in faults:
                    name = f"{body}_{ex.value}_az{az:g}_{fname}"
                    out[name] = Scenario(
                        exercise=ex, reps=reps, body=body, tempo=TEMPI[ex],
                        camera=Camera(azimuth_deg=az, width=width, height=height),
                        scene=SCENES[n % len(SCENES)], faults=fs)
                    n += 1
    return out


def with_camera(sc: Scenario, **changes: float) -> Scenario:
    return replace(sc, camera=replace(sc.camera, **changes))


def camera_height_elevation_deg(height_m: float, distance_m: float,
                                look_at_height_m: float = 0.9) -> float:
    """The elevation that puts a camera ``distance_m`` from its aim point at ``height_m``
    above the floor."""
    return float(np.degrees(np.arcsin((height_m - look_at_height_m) / distance_m)))


#: Camera placements a lifter really uses: name -> Camera changes (azimuth set apart).
#: Heights from the floor to head height, pitched up from the floor or down from a bench,
#: rolled, near and far, landscape and portrait phones.
PLACEMENTS: dict[str, dict[str, float]] = {
    "std": {},
    "floor_up": {"elevation_deg": camera_height_elevation_deg(0.12, 3.0), "distance_m": 3.0,
                 "tilt_deg": 6.0},
    "head_down": {"elevation_deg": camera_height_elevation_deg(1.7, 3.2), "tilt_deg": -4.0},
    "roll10": {"roll_deg": 10.0},
    "near_portrait": {"distance_m": 2.2, "width": 360, "height": 640, "vfov_deg": 60.0,
                      "elevation_deg": camera_height_elevation_deg(1.0, 2.2)},
    "far_rollm10": {"distance_m": 5.0, "roll_deg": -10.0, "vfov_deg": 35.0},
}

#: Faults of the placement set, by name.
PLACEMENT_FAULTS: dict[str, tuple[Fault, ...]] = {
    "good": (),
    "ext10": (Fault(FaultKind.EXTENSION, 10.0),),
    "ext20": (Fault(FaultKind.EXTENSION, 20.0),),
    "ext35": (Fault(FaultKind.EXTENSION, 35.0),),  # a gross lean back (session 19)
    "flex10": (Fault(FaultKind.FLEXION, 10.0),),
    "flex25": (Fault(FaultKind.FLEXION, 25.0),),
    "flex50": (Fault(FaultKind.FLEXION, 50.0),),  # a gross rounding (session 19)
    # The jerk plan's twists (``bench/eval_twist.py``; render with ``--reps 5``): out and
    # back in 0.2 s on reps 2-4, or over 2 s on reps 1-3, the others without a twist.
    "twists": (Fault(FaultKind.TWIST, 10.0, reps=(2,)), Fault(FaultKind.TWIST, -20.0, reps=(3,)),
               Fault(FaultKind.TWIST, 40.0, reps=(4,))),
    "slowtwists": (Fault(FaultKind.TWIST, -20.0, reps=(1,), duration_s=2.0),
                   Fault(FaultKind.TWIST, 40.0, reps=(2,), duration_s=2.0),
                   Fault(FaultKind.TWIST, -10.0, reps=(3,), duration_s=2.0)),
}


def placement_scenarios(bodies: tuple[str, ...], exercises: tuple[Exercise, ...],
                        azimuths: tuple[float, ...], placements: tuple[str, ...],
                        faults: tuple[str, ...], reps: int = 2) -> dict[str, Scenario]:
    """Bodies x exercises x placements x azimuths x faults (azimuth 270: the lifter's right
    side, i.e. facing the other way). Names ``<body>_<exercise>_<placement>_az<deg>_<fault>``."""
    out = {}
    n = 0
    for body in bodies:
        for ex in exercises:
            for place in placements:
                for az in azimuths:
                    for fname in faults:
                        cam = replace(Camera(azimuth_deg=az), **PLACEMENTS[place])
                        out[f"{body}_{ex.value}_{place}_az{az:g}_{fname}"] = Scenario(
                            exercise=ex, reps=reps, body=body, tempo=TEMPI[ex], camera=cam,
                            scene=SCENES[n % len(SCENES)], faults=PLACEMENT_FAULTS[fname])
                        n += 1
    return out
