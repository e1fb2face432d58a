"""A small deterministic software renderer: pinhole camera, z-buffer, Gouraud-shaded triangles.

Pure numpy plus a few single-threaded OpenCV calls (resize, blur, polygon fill), so the same
scenario gives the same pixels on every machine. Triangles are rasterised all at once: every
pixel of every triangle's bounding box becomes a candidate, candidates outside the triangle are
dropped, and ``np.minimum.at`` on a packed (depth, triangle) key keeps the nearest per pixel.
Frames are rendered at ``SUPERSAMPLE`` times the output size and shrunk with area averaging.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.synth.scenario import Camera, Scene

SUPERSAMPLE = 2
#: Depth quantisation of the z-buffer key (metres per step).
DEPTH_STEP_M = 1e-5
#: Distance of the wall behind the lifter, along the camera's horizontal view direction.
WALL_BEHIND_M = 2.6
SHADOW_DARKEN = 0.45
SHADOW_BLUR_FRACTION = 0.03  # of the frame height


@dataclass(frozen=True)
class CameraPose:
    eye: np.ndarray  # (3,)
    right: np.ndarray
    down: np.ndarray
    forward: np.ndarray
    focal_px: float
    cx: float
    cy: float
    width: int
    height: int

    @staticmethod
    def from_camera(cam: Camera, scale: int = 1, target_z_m: float = 0.0) -> CameraPose:
        az, el = np.radians(cam.azimuth_deg), np.radians(cam.elevation_deg)
        target = np.array([0.0, cam.look_at_height_m, target_z_m])
        direction = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
        eye = target + cam.distance_m * direction
        fwd = (target - eye) / np.linalg.norm(target - eye)
        right = np.cross(fwd, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        # Tilt: pitch the view up about the right axis; roll: turn it about the view axis.
        tilt, roll = np.radians(cam.tilt_deg), np.radians(cam.roll_deg)
        fwd, down = np.cos(tilt) * fwd - np.sin(tilt) * down, np.sin(tilt) * fwd + np.cos(
            tilt) * down
        right, down = np.cos(roll) * right + np.sin(roll) * down, np.cos(roll) * down - np.sin(
            roll) * right
        w, h = cam.width * scale, cam.height * scale
        focal = (h / 2.0) / np.tan(np.radians(cam.vfov_deg) / 2.0)
        return CameraPose(eye, right, down, fwd, float(focal), (w - 1) / 2.0, (h - 1) / 2.0, w, h)

    def to_camera(self, p: np.ndarray) -> np.ndarray:
        """World points ``(..., 3)`` -> camera coordinates (x right, y down, z depth)."""
        d = p - self.eye
        return np.stack([d @ self.right, d @ self.down, d @ self.forward], axis=-1)

    def project(self, p: np.ndarray) -> np.ndarray:
        """World points ``(..., 3)`` -> pixel coordinates ``(..., 2)`` (pixel centres at ints)."""
        c = self.to_camera(p)
        return np.stack([self.cx + self.focal_px * c[..., 0] / c[..., 2],
                         self.cy + self.focal_px * c[..., 1] / c[..., 2]], axis=-1)


@dataclass(frozen=True, eq=False)
class Mesh:
    vertices: np.ndarray  # (V, 3) world
    faces: np.ndarray  # (F, 3) int, counter-clockwise seen from outside
    face_bgr: np.ndarray  # (F, 3) float in [0, 255]
    smooth: bool = True  # Gouraud (vertex normals) or flat


def merge(meshes: list[Mesh]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate meshes; also returns per-vertex normals (smooth or flat per mesh)."""
    verts, faces, cols, normals = [], [], [], []
    base = 0
    for m in meshes:
        v, f = m.vertices, m.faces
        fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
        if m.smooth:
            vn = np.stack([np.bincount(f.ravel(), np.repeat(fn[:, k], 3), minlength=len(v))
                           for k in range(3)], axis=1)
        else:  # unshared vertices per face
            v = v[f].reshape(-1, 3)
            vn = np.repeat(fn, 3, axis=0)
            f = np.arange(len(v)).reshape(-1, 3)
        vn /= np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-12)
        verts.append(v)
        faces.append(f + base)
        cols.append(m.face_bgr)
        normals.append(vn)
        base += len(v)
    return (np.concatenate(verts), np.concatenate(faces), np.concatenate(cols),
            np.concatenate(normals))


def light_dir(scene: Scene) -> np.ndarray:
    az, el = np.radians(scene.light_azimuth_deg), np.radians(scene.light_elevation_deg)
    return np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])


def background(cam: CameraPose, scene: Scene) -> np.ndarray:
    """Floor (y = 0) and a wall behind the lifter, with soft light falloff. ``(H, W, 3)`` float."""
    ys, xs = np.mgrid[0:cam.height, 0:cam.width].astype(np.float64)
    rays = ((xs - cam.cx)[..., None] * cam.right + (ys - cam.cy)[..., None] * cam.down
            + cam.focal_px * cam.forward)
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    horiz = np.array([cam.forward[0], 0.0, cam.forward[2]])
    horiz /= np.linalg.norm(horiz)
    wall_point = WALL_BEHIND_M * horiz
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(rays[..., 1] < -1e-6, -cam.eye[1] / rays[..., 1], np.inf)
        denom = rays @ horiz
        t_wall = np.where(denom > 1e-6, ((wall_point - cam.eye) @ horiz) / denom, np.inf)
    floor = t_floor < t_wall
    hit = cam.eye + rays * np.minimum(t_floor, t_wall)[..., None]
    img = np.empty((cam.height, cam.width, 3))
    # Floor: rubber tiles (0.5 m) with faint seams, darker far away.
    fx, fz = hit[..., 0], hit[..., 2]
    tile, seam_m = 0.5, 0.008
    seam = ((np.abs(((fx + tile / 2) % tile) - tile / 2) > tile / 2 - seam_m)
            | (np.abs(((fz + tile / 2) % tile) - tile / 2) > tile / 2 - seam_m))
    fcol = np.asarray(scene.floor_bgr, float) * np.where(seam, 0.85, 1.0)[..., None]
    dist = np.linalg.norm(hit[..., [0, 2]], axis=-1)
    floor_light = (scene.ambient + scene.light_strength * 0.7) / (1.0 + 0.08 * dist)
    img[floor] = (fcol * floor_light[..., None])[floor]
    # Wall: a baseboard stripe and light falling off with height and sideways distance.
    lateral = hit @ np.cross([0.0, 1.0, 0.0], horiz)
    wy = hit[..., 1]
    wcol = np.where((wy < 0.12)[..., None], np.asarray(scene.floor_bgr, float) * 0.7,
                    np.asarray(scene.wall_bgr, float))
    ld = light_dir(scene)
    side_light = 0.85 + 0.15 * np.tanh(lateral * np.sign(ld[0] + ld[2] + 1e-9) * 0.4)
    wall_light = (scene.ambient + 0.55 * scene.light_strength) * side_light * (
        1.0 - 0.05 * np.clip(wy - 1.0, 0.0, 3.0))
    wall = ~floor
    img[wall] = (wcol * wall_light[..., None])[wall]
    return np.clip(img, 0.0, 255.0)


def shade_vertices(normals: np.ndarray, points: np.ndarray, cam: CameraPose,
                   scene: Scene) -> np.ndarray:
    """Per-vertex light intensity: ambient + Lambert (two-sided) + a weak camera fill."""
    ld = light_dir(scene)
    view = cam.eye - points
    view /= np.linalg.norm(view, axis=1, keepdims=True)
    n = normals * np.sign(np.sum(normals * view, axis=1, keepdims=True) + 1e-12)
    key = np.clip(n @ ld, 0.0, None)
    fill = np.clip(np.sum(n * view, axis=1), 0.0, None)
    return scene.ambient + scene.light_strength * key + 0.2 * fill


def rasterize(cam: CameraPose, verts: np.ndarray, faces: np.ndarray, face_bgr: np.ndarray,
              intensity: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Draw triangles into ``image`` (float ``(H, W, 3)``, modified and returned)."""
    c = cam.to_camera(verts)
    z = c[:, 2]
    front = np.all(z[faces] > 0.05, axis=1)
    faces, face_bgr = faces[front], face_bgr[front]
    uv = np.stack([cam.cx + cam.focal_px * c[:, 0] / z, cam.cy + cam.focal_px * c[:, 1] / z], 1)
    p = uv[faces]  # (F, 3, 2)
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    area = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    # Outward-facing triangles are clockwise on screen (y down) seen from outside.
    keep = area < -1e-9
    faces, face_bgr, p, area = faces[keep], face_bgr[keep], p[keep], area[keep]
    lo = np.floor(p.min(axis=1)).astype(np.int64) + 1
    hi = np.floor(p.max(axis=1)).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi[:, 0] = np.minimum(hi[:, 0], cam.width - 1)
    hi[:, 1] = np.minimum(hi[:, 1], cam.height - 1)
    bw, bh = hi[:, 0] - lo[:, 0] + 1, hi[:, 1] - lo[:, 1] + 1
    ok = (bw > 0) & (bh > 0)
    faces, face_bgr, p, area, lo, bw, bh = (a[ok] for a in (faces, face_bgr, p, area, lo, bw, bh))
    counts = bw * bh
    fid = np.repeat(np.arange(len(faces)), counts)
    local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    px = lo[fid, 0] + local % bw[fid]
    py = lo[fid, 1] + local // bw[fid]
    w0, w1, w2 = _barycentric(p, area, fid, px, py)
    inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
    fid, px, py, w0, w1, w2 = fid[inside], px[inside], py[inside], w0[inside], w1[inside], \
        w2[inside]
    zf = z[faces]
    # Perspective-correct depth: interpolate 1/z in screen space.
    inv_z = w0 / zf[fid, 0] + w1 / zf[fid, 1] + w2 / zf[fid, 2]
    depth_q = np.round(1.0 / inv_z / DEPTH_STEP_M).astype(np.int64)
    key = (depth_q << 32) | fid
    pix = py * cam.width + px
    zbuf = np.full(cam.width * cam.height, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(zbuf, pix, key)
    win = zbuf[pix] == key
    fid, pix, w0, w1, w2 = fid[win], pix[win], w0[win], w1[win], w2[win]
    it = intensity[faces[fid]]
    light = w0 * it[:, 0] + w1 * it[:, 1] + w2 * it[:, 2]
    flat = image.reshape(-1, 3)
    flat[pix] = np.clip(face_bgr[fid] * light[:, None], 0.0, 255.0)
    return image


def _barycentric(p: np.ndarray, area: np.ndarray, fid: np.ndarray, px: np.ndarray,
                 py: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b, c = p[fid, 0], p[fid, 1], p[fid, 2]
    ar = area[fid]
    w0 = ((b[:, 0] - px) * (c[:, 1] - py) - (b[:, 1] - py) * (c[:, 0] - px)) / ar
    w1 = ((c[:, 0] - px) * (a[:, 1] - py) - (c[:, 1] - py) * (a[:, 0] - px)) / ar
    return w0, w1, 1.0 - w0 - w1


def floor_shadow(cam: CameraPose, verts: np.ndarray, scene: Scene, image: np.ndarray) -> None:
    """Darken the floor under the body (a soft contact shadow, light from above)."""
    import cv2

    ground = verts[::7].copy()
    height = ground[:, 1].copy()
    ld = light_dir(scene)
    # Cast along the light onto the floor, but keep it near the feet (soft, mostly below).
    slide = np.clip(height, 0.0, None)[:, None] * (ld[[0, 2]] / max(ld[1], 0.3)) * 0.3
    ground[:, 0] -= slide[:, 0]
    ground[:, 2] -= slide[:, 1]
    ground[:, 1] = 0.0
    uv = cam.project(ground)
    mask = np.zeros((cam.height, cam.width), np.float32)
    hull = cv2.convexHull(np.round(uv * 4).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0, lineType=cv2.LINE_8, shift=2)
    k = int(SHADOW_BLUR_FRACTION * cam.height) * 2 + 1
    mask = cv2.GaussianBlur(mask, (k, k), 0)
    image *= (1.0 - SHADOW_DARKEN * mask)[..., None]


def downsample(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Average each ``f x f`` block of the supersampled frame: uint8 BGR of the output size."""
    f = image.shape[0] // height
    if image.shape[:2] != (height * f, width * f):
        raise ValueError(f"cannot shrink {image.shape[:2]} to {height}x{width} by an integer")
    out = image.reshape(height, f, width, f, 3).mean(axis=(1, 3))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
