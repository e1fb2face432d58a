"""Is the rendered neutral back a real one? The back outline's bow (``geometry.back_bulge``,
% of the shoulder-hip chord, + convex) of each rendered body at one held set-up frame, side
view, bare and clothed (issue 9, session 27).

For every body, exercise and clothing asked, one frame is posed and drawn as the clip would
be (``ClipRenderer``, the standard side camera of ``render_flexion.py``): the deadlift's
set-up as the bar leaves the floor, the row with the bar pulled in, the squat's bottom (a
rounding, ``--flex``, is fully held at each). Its bow is read two
ways:

- ``true``: from the render's own silhouette (body and clothing, no bar) sampled as the pose
  pass samples a mask (``sample_back_outline``), against the true shoulder and hip
  landmarks: the shape the renderer drew, with no pose network in between;
- ``mediapipe``: from the full model in image mode (its mask and landmarks), as an analysis
  of that one frame would read it (a clip's video mode smooths over frames; the figures of
  ``rounding_misses.py`` are the clip's own).

Per body it also prints the standing lumbar valley of the rest mesh (the renderer keeps the
rest spine when it hinges, only the pelvis pitches): how far the back (within 5 cm of the
midline) lies in front of the line from the buttocks' apex to the upper back's apex, % of
the hip-shoulder height.

``--flex DEG [--lumbar-fraction F]`` renders that rounding (``FaultKind.FLEXION``) held at
the same frame instead of the neutral back; ``--neutral-flexion BODY=DEG`` has the body hold
that lumbar flexion as its neutral spine (``Scenario.neutral_lumbar_flexion_deg``).

    python bench/neutral_back.py [--body m_avg ...] [--exercise deadlift ...]
        [--clothing none --clothing tee ...] [--flex 0] [--neutral-flexion m_avg=29]
        [--no-mediapipe] [--png FILE]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_flexion import _camera  # noqa: E402  (bench/ siblings)

from formcheck.analysis import geometry as geo  # noqa: E402
from formcheck.config import load_config  # noqa: E402
from formcheck.pose.estimator import sample_back_outline  # noqa: E402
from formcheck.synth.body import BodyModel, landmarks_3d, load_body  # noqa: E402
from formcheck.synth.catalog import SCENES, TEMPI  # noqa: E402
from formcheck.synth.clip import ClipRenderer  # noqa: E402
from formcheck.synth.cloth import shell_faces, shell_vertices  # noqa: E402
from formcheck.synth.render import Mesh, downsample, merge, rasterize  # noqa: E402
from formcheck.synth.scenario import Exercise, Fault, FaultKind, Scenario  # noqa: E402

BODIES = ("m_avg", "m_tall", "f_short", "f_heavy")
#: Midline half-width and height bands (m) of the standing lumbar valley.
MIDLINE_M = 0.05
BAND_M = 0.03


def set_up_time(r: ClipRenderer) -> float:
    """The held frame of the first rep where the back is bent over."""
    rep = r.reps[0]
    if r.sc.exercise is Exercise.DEADLIFT:
        return rep.at("up", 0.05)  # the set-up as the pull starts (a rounding fully held)
    if r.sc.exercise is Exercise.ROW:
        return rep.at("top", 0.5)  # the bar pulled in, bent over
    return rep.at("bottom", 0.5)


def standing_valley(body: BodyModel) -> float:
    """The rest mesh's lumbar valley, % of the hip-shoulder height (see the module's doc)."""
    v = body.rest_vertices
    mid = np.abs(v[:, 0]) < MIDLINE_M
    hip = float(body.bone_heads[body.bone("upperleg01.L")][1])
    shoulder = float(body.bone_heads[body.bone("upperarm01.L")][1])
    ys = np.arange(hip - BAND_M, shoulder, BAND_M)
    z = np.array([v[mid & (np.abs(v[:, 1] - y) < BAND_M / 2), 2].min() for y in ys])
    low, high = ys < hip + 0.08, ys > hip + 0.2  # buttocks; upper back
    ib = int(np.flatnonzero(low)[np.argmin(z[low])])
    iu = int(np.flatnonzero(high)[np.argmin(z[high])])
    line = z[ib] + (z[iu] - z[ib]) * (ys[ib:iu + 1] - ys[ib]) / (ys[iu] - ys[ib])
    return 100.0 * float(np.max(z[ib:iu + 1] - line)) / (shoulder - hip)


def silhouette(r: ClipRenderer, i: int, verts: np.ndarray) -> np.ndarray:
    """``(H, W)`` in [0, 1]: the body and its clothing at frame ``i``, nothing else."""
    fr, body, sc = r.frames[i], r.body, r.sc
    meshes = [Mesh(verts, body.faces, np.full((len(body.faces), 3), 255.0))]
    if r.clothing is not None:
        shell = shell_vertices(body, fr.posed, verts, r.clothing)
        faces = shell_faces()
        meshes.append(Mesh(shell.reshape(-1, 3), faces, np.full((len(faces), 3), 255.0)))
    v, f, c, _ = merge(meshes)
    img = np.zeros((r.cam_ss.height, r.cam_ss.width, 3), np.uint8)
    rasterize(r.cam_ss, v, f, c, np.ones(len(v)), img)
    return downsample(img, sc.camera.width, sc.camera.height)[..., 0] / 255.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--body", action="append", default=[])
    ap.add_argument("--exercise", action="append", default=[],
                    choices=[e.value for e in Exercise])
    ap.add_argument("--clothing", action="append", default=[],
                    choices=("none", "tee", "hoodie"))
    ap.add_argument("--flex", type=float, default=0.0)
    ap.add_argument("--lumbar-fraction", type=float, default=0.5)
    ap.add_argument("--neutral-flexion", action="append", default=[], metavar="BODY=DEG")
    ap.add_argument("--no-mediapipe", action="store_true")
    ap.add_argument("--png", type=Path, help="draw each frame's outline, tiled, to this file")
    args = ap.parse_args()
    sc_cfg = load_config().signal
    first, last = sc_cfg.back_profile_first_point, sc_cfg.back_profile_last_point
    est = None
    if not args.no_mediapipe:
        from formcheck.pose.estimator import PoseEstimator
        from formcheck.pose.models import resolve_model

        est = PoseEstimator(resolve_model("full").path, running_mode="image",
                            torso_flow=False)
    bodies = tuple(args.body) or BODIES
    neutral = {}
    for item in args.neutral_flexion:
        name, _, deg = item.partition("=")
        neutral[name] = float(deg)
    print("body      standing lumbar valley (% of hip-shoulder height)")
    for name in bodies:
        print(f"{name:9s} {standing_valley(load_body(name)):5.1f}")
    print(f"\nset-up frame's bow (% of chord, + convex), flexion {args.flex:g} deg: "
          "true (render's silhouette) / mediapipe"
          + (f"; neutral lumbar flexion {neutral}" if neutral else ""))
    tiles = []
    for name in bodies:
        for ex in (args.exercise or ["deadlift", "row", "squat"]):
            exercise = Exercise(ex)
            for worn in (args.clothing or ["none", "tee", "hoodie"]):
                k = list(Exercise).index(exercise)
                faults = (Fault(FaultKind.FLEXION, args.flex,
                                lumbar_fraction=args.lumbar_fraction),) if args.flex else ()
                sc = Scenario(exercise=exercise, reps=1, body=name, tempo=TEMPI[exercise],
                              camera=_camera(90.0, "std"),
                              scene=replace(SCENES[k % len(SCENES)], clothing=worn),
                              faults=faults, crf=23,
                              neutral_lumbar_flexion_deg=neutral.get(name, 0.0))
                r = ClipRenderer(sc)
                i = int(np.argmin(np.abs(r.t_s - set_up_time(r))))
                img, verts = r.render_frame(i)
                lm = r.cam.project(landmarks_3d(r.body, r.frames[i].posed, verts)) + 0.5
                back = sample_back_outline(silhouette(r, i, verts), lm, np.ones(len(lm)))
                true = 100.0 * geo.back_bulge(lm[None], back[None], first, last)[0]
                seen = float("nan")
                if est is not None:
                    fp = est.process(img, float(r.t_s[i]))
                    if fp.detected and fp.back_xy is not None:
                        seen = 100.0 * geo.back_bulge(fp.image_xy[None], fp.back_xy[None],
                                                      first, last)[0]
                print(f"{name:9s} {ex:8s} {worn:6s} {true:+6.1f} {seen:+6.1f}", flush=True)
                if args.png:
                    tiles.append(_tile(img, lm, back, f"{name} {ex} {worn} {true:+.1f}%"))
    if est is not None:
        est.close()
    if args.png and tiles:
        import cv2

        cols = 3
        tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % cols)
        rows = [np.concatenate(tiles[j:j + cols], axis=1) for j in range(0, len(tiles), cols)]
        cv2.imwrite(str(args.png), np.concatenate(rows, axis=0))
    return 0


def _tile(img: np.ndarray, lm: np.ndarray, back: np.ndarray, label: str) -> np.ndarray:
    """The trunk, enlarged, with the sampled outline (red) and shoulders and hips (green)."""
    import cv2

    d = img.copy()
    for p in back[np.isfinite(back).all(axis=1)]:
        cv2.circle(d, (int(p[0]), int(p[1])), 2, (0, 0, 255), -1)
    for j in (11, 12, 23, 24):
        cv2.circle(d, (int(lm[j][0]), int(lm[j][1])), 3, (0, 255, 0), -1)
    c = lm[[11, 12, 23, 24]].mean(axis=0)
    length = float(np.hypot(*(lm[[11, 12]].mean(axis=0) - lm[[23, 24]].mean(axis=0))))
    x0, y0 = max(int(c[0] - 1.1 * length), 0), max(int(c[1] - 0.9 * length), 0)
    d = cv2.resize(d[y0:y0 + int(1.8 * length), x0:x0 + int(2.2 * length)], (440, 360),
                   interpolation=cv2.INTER_CUBIC)
    cv2.putText(d, label, (5, 20), 0, 0.55, (0, 0, 0), 2)
    return d


if __name__ == "__main__":
    sys.exit(main())
