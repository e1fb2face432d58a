"""Render a scenario: frames, the H.264 clip and its ground-truth JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import OutputError
from formcheck.pose.landmarks import Landmark
from formcheck.synth.body import BodyModel, landmarks_3d, load_body, skin
from formcheck.synth.cloth import RING_S, SEGMENTS, clothing_sizes, shell_faces, shell_vertices
from formcheck.synth.motion import FaultTrack, Frame, Poser, rep_timeline
from formcheck.synth.render import (
    SUPERSAMPLE,
    CameraPose,
    Mesh,
    background,
    downsample,
    floor_shadow,
    merge,
    rasterize,
    shade_vertices,
)
from formcheck.synth.scenario import Scenario

TRUTH_VERSION = 1
SKIN_BGR = {"m_avg": (120, 150, 200), "f_short": (150, 175, 225), "m_tall": (75, 105, 150),
            "f_heavy": (110, 140, 190), "m_heavy": (95, 125, 175), "f_tall": (60, 85, 120),
            "m_short": (140, 165, 215), "f_avg": (100, 135, 185)}
HAIR_BGR = {"m_avg": (30, 40, 55), "f_short": (40, 70, 110), "m_tall": (20, 22, 25),
            "f_heavy": (60, 60, 65), "m_heavy": (45, 50, 60), "f_tall": (15, 18, 22),
            "m_short": (70, 110, 160), "f_avg": (35, 45, 70)}
OTHER_BGR = {"eyes": (70, 70, 80), "lips": (90, 90, 160), "shoes": (235, 235, 235)}
BAR_BGR = (170, 170, 175)
PLATE_BGR = (40, 40, 45)
BAR_LENGTH_M, BAR_RADIUS_M = 1.9, 0.014
PLATE_MAX_RADIUS_M, PLATE_THICK_M, PLATE_INNER_M = 0.225, 0.07, 0.52
#: A back squat's bar (``Scenario.squat_bar``): an Olympic bar's length, and its plates' inner
#: faces at the collars (m from the middle).
BACK_BAR_LENGTH_M, BACK_BAR_COLLAR_M = 2.2, 0.655

CONVENTIONS = {
    "world": "metres; x to the lifter's left, y up, z the lifter's forward; floor at y = 0; "
             "the lifter stands at the origin facing +z",
    "camera_azimuth_deg": "0 = camera in front of the lifter, 90 = at the lifter's left (side "
                          "view), 180 = behind, 45 = front-left oblique, 135 = rear-left oblique",
    "camera_elevation_deg": "above the horizontal",
    "landmarks": "33 BlazePose landmarks in formcheck.pose.landmarks.Landmark order; null where "
                 "unmapped; landmark_map says which bone head or mesh vertex each one is",
    "image_xy": "output pixels measured from the image's top-left edge (pixel i spans [i, i+1)), "
                "the same convention as PoseSequence.image_xy",
    "flexion_deg": "+ = flexion (rounding), - = extension; the change, from the body's rest "
                   "shape, of the angle between the lowest lumbar segment and the top thoracic "
                   "segment, about the pelvis' left axis; lumbar = spine04+spine03 joints, "
                   "thoracic = spine02+spine01 joints",
    "trunk_inclination_deg": "hip midpoint -> shoulder midpoint against vertical; + = leaning "
                             "forward (towards +z), - = leaning back",
    "twist_deg": "shoulder line against hip line about the vertical; + = shoulders turned "
                 "towards the lifter's left",
    "faults": "interval_s = [start, end] where the fault's magnitude is non-zero; per_frame "
              "fault_deg gives its size frame by frame (flexion and twist peaks at peak_deg; "
              "extension = lumbar extension in degrees)",
}


@dataclass(frozen=True)
class RenderResult:
    video: Path | None
    truth: Path | None
    frames: int
    render_s: float


def _cylinder(center: np.ndarray, axis: np.ndarray, radius: float, length: float,
              segments: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """A capped cylinder (vertices, faces; faces counter-clockwise from outside)."""
    axis = axis / np.linalg.norm(axis)
    u = np.cross(axis, [0.0, 1.0, 0.0] if abs(axis[1]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    a = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    ring = radius * (np.cos(a)[:, None] * u + np.sin(a)[:, None] * v)
    half = axis * length / 2.0
    verts = np.concatenate([center - half + ring, center + half + ring,
                            [center - half, center + half]])
    i = np.arange(segments)
    j = (i + 1) % segments
    n = segments
    side = np.concatenate([np.stack([i, j, n + j], 1), np.stack([i, n + j, n + i], 1)])
    caps = np.concatenate([np.stack([np.full(n, 2 * n), j, i], 1),
                           np.stack([np.full(n, 2 * n + 1), n + i, n + j], 1)])
    return verts, np.concatenate([side, caps])


def bar_meshes(center: np.ndarray, plate_radius: float,
               axis: np.ndarray | None = None) -> list[Mesh]:
    """The bar and its two plates, centred on ``center`` along ``axis`` (the floor's x by
    default; given, a back squat's bar: ``BACK_BAR_LENGTH_M``, plates at the collars)."""
    meshes = []
    x = np.array([1.0, 0.0, 0.0]) if axis is None else np.asarray(axis, dtype=np.float64)
    length, plate_at = (BAR_LENGTH_M, PLATE_INNER_M / 2 + PLATE_THICK_M / 2 + 0.2) \
        if axis is None else (BACK_BAR_LENGTH_M, BACK_BAR_COLLAR_M + PLATE_THICK_M / 2)
    v, f = _cylinder(center, x, BAR_RADIUS_M, length)
    meshes.append(Mesh(v, f, np.tile(np.asarray(BAR_BGR, float), (len(f), 1)), smooth=False))
    for sign in (1.0, -1.0):
        c = center + x * sign * plate_at
        v, f = _cylinder(c, x, plate_radius, PLATE_THICK_M, 32)
        meshes.append(Mesh(v, f, np.tile(np.asarray(PLATE_BGR, float), (len(f), 1)),
                           smooth=False))
    return meshes


def face_colors(body: BodyModel, sc: Scenario) -> np.ndarray:
    palette = {
        "skin": SKIN_BGR.get(body.name, (120, 150, 200)),
        "shirt": sc.scene.shirt_bgr,
        "shorts": sc.scene.shorts_bgr,
        "hair": HAIR_BGR.get(body.name, (30, 40, 55)),
        "brows": HAIR_BGR.get(body.name, (30, 40, 55)),
        **OTHER_BGR,
    }
    table = np.array([palette[r] for r in body.regions], dtype=np.float64)
    colors = table[body.face_region]
    if sc.scene.shirt_texture != "plain":
        shirt = body.face_region == body.regions.index("shirt")
        centre = body.rest_vertices[body.faces[shirt]].mean(axis=1)
        colors[shirt] *= shirt_pattern(centre, sc.scene.shirt_texture)[:, None]
    return colors


#: Fold bands on a textured shirt: (direction in rest x, y, z; wavelength m; contrast).
FOLD_WAVES = (((0.7, 0.7, 0.3), 0.07, 0.16), ((-0.6, 0.8, 0.0), 0.05, 0.10),
              ((0.2, -0.3, 0.93), 0.11, 0.08))
#: A fold band's wave bends this much (radians) along the height, every FOLD_BEND_M.
FOLD_BEND, FOLD_BEND_M = 2.0, 0.23
#: The print: three crossing waves (direction, wavelength m); their sum above PRINT_DARK_AT
#: is a dark blotch, below PRINT_LIGHT_AT a light one.
PRINT_WAVES = (((1.0, 0.25, 0.3), 0.055), ((-0.4, 1.0, 0.2), 0.047), ((0.3, -0.5, 1.0), 0.061))
PRINT_DARK_AT, PRINT_DARK = 1.0, 0.5
PRINT_LIGHT_AT, PRINT_LIGHT = -1.3, 1.4


def shirt_pattern(points: np.ndarray, texture: str) -> np.ndarray:
    """Brightness factor ``(N,)`` of the shirt at rest-pose ``points`` ``(N, 3)`` (metres):
    "folds" are soft bands fixed to the cloth; "print" adds bold blotches. Deterministic."""
    out = np.ones(len(points))
    bend = FOLD_BEND * np.sin(2.0 * np.pi * points[:, 1] / FOLD_BEND_M)
    for direction, wavelength, contrast in FOLD_WAVES:
        u = points @ (np.asarray(direction) / np.linalg.norm(direction))
        out += contrast * np.sin(2.0 * np.pi * u / wavelength + bend)
    if texture == "print":
        wave = sum(np.sin(2.0 * np.pi * (points @ (np.asarray(d) / np.linalg.norm(d))) / lam)
                   for d, lam in PRINT_WAVES)
        out *= np.where(wave > PRINT_DARK_AT, PRINT_DARK,
                        np.where(wave < PRINT_LIGHT_AT, PRINT_LIGHT, 1.0))
    return out


def cloth_colors(sc: Scenario) -> np.ndarray:
    """Per-triangle colour of the cloth shell: the shirt's, with its texture fixed to the
    cloth (the shell's ring and direction stand in for the rest-pose surface)."""
    faces = shell_faces()
    colors = np.tile(np.asarray(sc.scene.shirt_bgr, dtype=np.float64), (len(faces), 1))
    if sc.scene.shirt_texture != "plain":
        ring, seg = np.divmod(faces.mean(axis=1), SEGMENTS)
        ang = seg * 2 * np.pi / SEGMENTS
        # A torso of about 0.15 m radius and 0.45 m from hips to shoulders.
        pts = np.stack([0.15 * np.cos(ang), 0.45 * ring / len(RING_S), 0.15 * np.sin(ang)], 1)
        colors *= shirt_pattern(pts, sc.scene.shirt_texture)[:, None]
    return colors


class ClipRenderer:
    """Poses and draws every frame of a scenario; also builds its truth."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.body = load_body(sc.body)
        self.poser = Poser(sc, self.body)
        self.reps, self.duration_s = rep_timeline(sc)
        n = int(np.floor(self.duration_s * sc.camera.fps + 1e-9))
        self.t_s = np.arange(n) / sc.camera.fps
        self.frames, self.tracks = self.poser.frames(self.t_s)
        self.cam_ss = CameraPose.from_camera(sc.camera, SUPERSAMPLE)
        self.cam = CameraPose.from_camera(sc.camera, 1)
        self.colors = face_colors(self.body, sc)
        self._bg = background(self.cam_ss, sc.scene)
        self.plate_radius = min(PLATE_MAX_RADIUS_M, self.poser.bar_height or PLATE_MAX_RADIUS_M)
        self.clothing = None if sc.scene.clothing == "none" else clothing_sizes(
            sc.scene.clothing, sc.body, sc.scene.clothing_seed)
        if self.clothing is not None:
            self._cloth_bgr = cloth_colors(sc)

    def render_frame(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(image uint8 HxWx3 BGR, posed vertices)`` of frame ``i``."""
        fr = self.frames[i]
        verts = skin(self.body, fr.posed)
        meshes = [Mesh(verts, self.body.faces, self.colors)]
        if self.clothing is not None:
            shell = shell_vertices(self.body, fr.posed, verts, self.clothing)
            meshes.append(Mesh(shell.reshape(-1, 3), shell_faces(), self._cloth_bgr))
        if fr.bar_center is not None:
            meshes += bar_meshes(fr.bar_center, self.plate_radius, fr.bar_axis)
        v, f, c, n = merge(meshes)
        img = self._bg.copy()
        floor_shadow(self.cam_ss, verts, self.sc.scene, img)
        inten = shade_vertices(n, v, self.cam_ss, self.sc.scene)
        rasterize(self.cam_ss, v, f, c, inten, img)
        return downsample(img, self.sc.camera.width, self.sc.camera.height), verts

    def iter_frames(self) -> Iterator[tuple[float, np.ndarray, np.ndarray]]:
        for i, t in enumerate(self.t_s):
            img, verts = self.render_frame(i)
            yield float(t), img, verts

    def truth(self, landmarks: list[np.ndarray]) -> dict[str, Any]:
        out = build_truth(self.sc, self.body, self.cam, self.t_s, self.frames, self.tracks,
                          self.reps, landmarks,
                          neutral_lumbar_deg=self.sc.neutral_lumbar_flexion_deg)
        if self.clothing is not None:
            out["clothing"] = self.clothing.to_dict()
        return out


def _signed_angle(a: np.ndarray, b: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Angle (deg) from ``a`` to ``b`` about ``axis`` (all ``(..., 3)``), after projecting
    both onto the plane normal to the axis."""
    a = a - np.sum(a * axis, -1, keepdims=True) * axis
    b = b - np.sum(b * axis, -1, keepdims=True) * axis
    return np.degrees(np.arctan2(np.sum(np.cross(a, b) * axis, -1), np.sum(a * b, -1)))


def spine_angles(body: BodyModel, frames: list[Frame],
                 neutral_lumbar_deg: float = 0.0) -> dict[str, np.ndarray]:
    """True spine angles measured on the posed skeleton (see CONVENTIONS), flexion counted
    from the neutral spine: the rest one, its lumbar part flexed by ``neutral_lumbar_deg``
    (``Scenario.neutral_lumbar_flexion_deg``)."""
    b = body.bone
    heads = np.stack([f.posed.heads for f in frames])
    lat = np.stack([f.posed.rotations[b("root")][:, 0] for f in frames])
    rest = body.bone_heads[None]

    def seg(h: np.ndarray, a: str, c: str) -> np.ndarray:
        return h[:, b(c)] - h[:, b(a)]

    def flex(h: np.ndarray, lat_axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low = seg(h, "spine05", "spine04")
        mid = seg(h, "spine03", "spine02")
        top = seg(h, "spine01", "neck01")
        return _signed_angle(low, mid, lat_axis), _signed_angle(mid, top, lat_axis)

    lum, tho = flex(heads, lat)
    lum0, tho0 = flex(rest, np.array([[1.0, 0.0, 0.0]]))
    lum, tho = lum - lum0 - neutral_lumbar_deg, tho - tho0
    L = Landmark
    lm = {k: np.stack([f.posed.heads[body.landmark_index[k]] for f in frames])
          for k in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)}
    sh = (lm[L.LEFT_SHOULDER] + lm[L.RIGHT_SHOULDER]) / 2
    hp = (lm[L.LEFT_HIP] + lm[L.RIGHT_HIP]) / 2
    trunk = sh - hp
    incl = np.degrees(np.arctan2(trunk[:, 2], trunk[:, 1]))

    def yaw(v: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan2(-v[:, 2], v[:, 0]))

    tw = yaw(lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER]) - yaw(lm[L.LEFT_HIP] - lm[L.RIGHT_HIP])
    tw = (tw + 180.0) % 360.0 - 180.0
    return {"flexion_deg": lum + tho, "lumbar_flexion_deg": lum, "thoracic_flexion_deg": tho,
            "trunk_inclination_deg": incl, "twist_deg": tw}


def _r(a: np.ndarray, nd: int) -> Any:
    """Round for JSON; NaN becomes null."""
    a = np.round(np.asarray(a, dtype=np.float64), nd)
    return [_r(x, nd) for x in a] if a.ndim else (None if np.isnan(a) else float(a))


def truth_per_frame(truth: dict[str, Any], key: str) -> np.ndarray:
    """A per-frame column of a truth JSON (``build_truth``'s ``per_frame[key]``, e.g.
    ``landmarks_world_m``: ``(T, 33, 3)``) as a float array, its nulls NaN."""
    return np.array(truth["per_frame"][key], dtype=np.float64)


def build_truth(sc: Scenario, body: BodyModel, cam: CameraPose, t_s: np.ndarray,
                frames: list[Frame], tracks: list[FaultTrack], reps: list,
                landmarks: list[np.ndarray], *,
                neutral_lumbar_deg: float = 0.0) -> dict[str, Any]:
    lm3 = np.stack(landmarks)
    lm2 = cam.project(lm3) + 0.5
    ang = spine_angles(body, frames, neutral_lumbar_deg)
    names = body.bone_names
    lm_map = [
        {"index": int(k), "name": Landmark(k).name,
         "source": (f"bone:{names[body.landmark_index[k]]}" if body.landmark_kind[k] == 0
                    else f"vertex:{int(body.landmark_index[k])}")}
        for k in range(len(Landmark))
    ]
    fault_deg = {}
    # "arch" (lumbar extension while bent over) only where rendered: older truth stays the same.
    kinds = ("flexion", "extension", "twist") + (
        ("arch",) if any(tr.kind.value == "arch" for tr in tracks) else ())
    for kind in kinds:
        vals = np.zeros(len(t_s))
        for tr in tracks:
            if tr.kind.value == kind:
                vals += tr.values_deg
        fault_deg[kind] = _r(vals, 3)
    faults = []
    for tr in tracks:
        k = int(np.argmax(np.abs(tr.values_deg)))
        entry = {"kind": tr.kind.value, "rep": tr.rep,
                 "interval_s": [round(tr.interval_s[0], 4), round(tr.interval_s[1], 4)],
                 "peak": round(tr.peak_deg, 4), "unit": "deg",
                 "peak_t_s": round(float(t_s[k]), 4)}
        if tr.twist_shape is not None:  # (fixed text: CONVENTIONS is in every truth file)
            # shape: jerk = out and back, lead/heave/stay = turned a while; rise_s: time to
            # turn out; peak_rate_deg_s: fastest commanded turn; side: the lifter's left/right.
            entry.update({"shape": tr.twist_shape.value, "rise_s": round(tr.rise_s, 4),
                          "peak_rate_deg_s": round(tr.peak_rate_deg_s, 2),
                          "side": "left" if tr.peak_deg > 0 else "right"})
        faults.append(entry)
    conventions, neutral = CONVENTIONS, {}
    if neutral_lumbar_deg:  # only then: older truth files stay the same
        conventions = {**CONVENTIONS, "flexion_deg": CONVENTIONS["flexion_deg"] + (
            "; counted from the neutral spine: the rest shape with its lumbar joints flexed "
            "by the scenario's neutral_lumbar_flexion_deg")}
        neutral = {"neutral_lumbar_flexion_deg": round(float(neutral_lumbar_deg), 4)}
    return {
        "version": TRUTH_VERSION,
        "conventions": conventions,
        **neutral,
        "scenario": sc.to_dict(),
        "body": {"name": body.name, "phenotype": body.phenotype,
                 "height_m": round(body.height_m, 4)},
        "camera": {"eye_m": _r(cam.eye, 4), "focal_px": round(cam.focal_px, 4),
                   "width": sc.camera.width, "height": sc.camera.height, "fps": sc.camera.fps},
        "landmark_map": lm_map,
        "duration_s": round(float(len(t_s)) / sc.camera.fps, 6),
        "reps": [{"rep": r.index, "start_s": round(r.start_s, 4), "end_s": round(r.end_s, 4),
                  "phases": [{"name": ph, "start_s": round(r.start_s if i == 0
                                                            else r.boundaries_s[i - 1], 4),
                              "end_s": round(r.boundaries_s[i], 4)}
                             for i, ph in enumerate(r.phases)]} for r in reps],
        "faults": faults,
        "per_frame": {
            "t_s": _r(t_s, 6),
            "landmarks_world_m": _r(lm3, 3),
            "landmarks_image_xy": _r(lm2, 1),
            **{k: _r(v, 3) for k, v in ang.items()},
            "fault_deg": fault_deg,
        },
    }


def render_clip(sc: Scenario, video: Path | None, truth: Path | None = None,
                *, frames_out: list[np.ndarray] | None = None) -> RenderResult:
    """Render ``sc`` to an H.264 mp4 (``video``) and its truth JSON (``truth``).

    Either path may be ``None`` to skip that output; ``frames_out`` collects the frames.
    """
    from formcheck.io.video import VideoSink

    t0 = time.perf_counter()
    r = ClipRenderer(sc)
    lms = []
    cam = sc.camera
    sink = VideoSink(video, cam.width, cam.height, cam.fps, crf=sc.crf) if video else None
    try:
        for i, (t, img, verts) in enumerate(r.iter_frames()):
            lms.append(landmarks_3d(r.body, r.frames[i].posed, verts))
            if sink is not None:
                sink.write(img, t)
            if frames_out is not None:
                frames_out.append(img)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    if sink is not None:
        sink.close()
    if truth is not None:
        write_json(truth, r.truth(lms))
    return RenderResult(video, truth, len(r.t_s), time.perf_counter() - t0)


def write_json(path: Path, data: dict[str, Any], indent: int | None = None) -> None:
    """Write ``data`` atomically: compact, or pretty-printed with ``indent``."""
    text = json.dumps(data, indent=indent) if indent is not None else \
        json.dumps(data, separators=(",", ":"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; check the folder") from exc
