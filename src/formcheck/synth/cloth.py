"""Loose clothing over the torso: a cloth shell drawn over the body's own (skin-tight) shirt.

Real lifters wear T-shirts and hoodies. Their silhouette is not the body's: the cloth hangs
from the shoulder blades and the buttocks and spans the hollow of the lower back, and its
slack hangs under gravity. The shell is rebuilt every frame from the posed body:

1. The trunk's frame: axis from the hip joints' mid-point to the shoulder joints' (length
   ``chord``), the lifter's left, and forward.
2. Rings across that axis (``RING_S``, in chords from the hips: from over the buttocks to the
   shoulders) and directions around it (``SEGMENTS``): in each cell, the body's farthest torso
   vertex from the axis (``r``).
3. Along the axis, per direction, the smallest concave profile over ``r`` (the cloth pulled
   taut over the bulges: the shoulder blades and buttocks on the back). The cloth lies
   ``bridge`` of the way from the body to that profile front and back (none at the flanks,
   where the arms hang); where the surface faces up (the back of a lifter bent over)
   gravity lets it sink back into the hollow by ``droop``.
4. Plus slack, none at the shoulders (the cloth hangs from them) and full from a third of the
   way down; multiplied by ``1 + sag * c``, ``c`` how much the surface faces down (+1) or up
   (-1): slack hangs below a bent trunk and lies flat on top of it. Plus the cloth's thickness
   and fixed folds; a hoodie's hood lies bunched on the upper back.

Sizes are drawn per body (``clothing_sizes``), deterministic for a body, kind and seed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from formcheck.synth.body import BodyModel, PosedBody
from formcheck.synth.scenario import CLOTHING_KINDS

__all__ = ["CLOTHING_KINDS", "ClothingSize", "ShellProfile", "clothing_sizes", "shell_faces",
           "shell_profile", "shell_vertices"]

#: Ring positions along the trunk (chords from the hip joints towards the shoulder joints).
RING_S = np.linspace(-0.2, 1.0, 17)
#: Directions around the trunk axis.
SEGMENTS = 28
#: Bones whose vertices make the torso the cloth covers (arms, neck and head left out).
TORSO_BONES = ("root", "pelvis.L", "pelvis.R", "spine05", "spine04", "spine03", "spine02",
               "spine01", "clavicle.L", "clavicle.R", "shoulder01.L", "shoulder01.R",
               "upperleg01.L", "upperleg01.R")
#: Vertices lower than this (m, rest pose) below the hip joints are thigh, not torso.
BELOW_HIPS_M = 0.12
#: Slack grows from none at the shoulders to full this far (chords) below them.
SLACK_TAPER_CHORDS = 0.35
#: The hem rides on the hips: the slack falls to this share at the lowest ring, over this many
#: chords above it.
HEM_SLACK_SHARE, HEM_TAPER_CHORDS = 0.3, 0.4
#: Share of the slack at the flanks (where the arms hang), against front and back.
FLANK_SLACK_SHARE = 0.3
#: Fold ripple: amplitude (share of the slack) and wavelengths (chords along; turns around).
FOLD_SHARE, FOLD_ALONG, FOLD_AROUND = 0.25, 0.45, 5.0
#: Hood: bunched on the back (within this angle of straight back, deg) above this ring (s).
HOOD_HALF_ANGLE_DEG, HOOD_FROM_S = 55.0, 0.72


@dataclass(frozen=True)
class ClothingSize:
    """How one garment sits on one body (metres, or shares in [0, 1])."""

    kind: str
    slack_m: float  # loose cloth beyond the taut profile, where it hangs sideways
    bridge: float  # share of the way to the taut profile over hollows (upright)
    droop: float  # share of the bridge lost where the surface faces straight up
    sag: float  # extra slack share below a bent trunk (and less on top)
    thickness_m: float  # the fabric itself, everywhere
    hood_m: float  # a hood bunched on the upper back (0: none)

    def to_dict(self) -> dict[str, float | str]:
        return {"kind": self.kind, "slack_m": round(self.slack_m, 4),
                "bridge": round(self.bridge, 3), "droop": round(self.droop, 3),
                "sag": round(self.sag, 3), "thickness_m": round(self.thickness_m, 4),
                "hood_m": round(self.hood_m, 4)}


#: Per kind: uniform ranges the sizes are drawn from.
SIZE_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "tee": {"slack_m": (0.015, 0.045), "bridge": (0.85, 1.0), "droop": (0.0, 0.3),
            "sag": (0.5, 1.0), "thickness_m": (0.003, 0.006), "hood_m": (0.0, 0.0)},
    "hoodie": {"slack_m": (0.03, 0.06), "bridge": (0.9, 1.0), "droop": (0.0, 0.2),
               "sag": (0.4, 0.8), "thickness_m": (0.008, 0.014), "hood_m": (0.03, 0.06)},
}


def clothing_sizes(kind: str, body: str, seed: int = 0) -> ClothingSize:
    """The garment's sizes for ``body``: drawn from ``SIZE_RANGES[kind]`` with a generator
    seeded by the body, kind and ``seed`` (the same on every machine)."""
    ranges = SIZE_RANGES[kind]
    rng = np.random.default_rng(zlib.crc32(f"{kind}/{body}/{seed}".encode()))
    draws = {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in ranges.items()}
    return ClothingSize(kind=kind, **draws)


@lru_cache(maxsize=8)
def _torso_vertices(body: BodyModel) -> np.ndarray:
    dom = body.weight_bones[np.arange(len(body.weights)), np.argmax(body.weights, axis=1)]
    keep = np.isin(dom, [body.bone(b) for b in TORSO_BONES])
    hip_y = body.bone_heads[body.bone("upperleg01.L"), 1]
    keep &= body.rest_vertices[:, 1] > hip_y - BELOW_HIPS_M
    return np.flatnonzero(keep)


def _concave_majorant(s: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The smallest concave function of ``s`` (increasing) at or above ``r``, at ``s``."""
    hull: list[int] = []
    for i in range(len(s)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # Drop b if it lies on or below the line from a to i.
            if (r[b] - r[a]) * (s[i] - s[a]) <= (r[i] - r[a]) * (s[b] - s[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.interp(s, s[hull], r[hull])


def _fill_gaps(r: np.ndarray) -> np.ndarray:
    """Cells no vertex fell in (NaN): interpolated around each ring, then along the axis."""
    r = r.copy()
    ang = np.arange(r.shape[1])
    for i in range(r.shape[0]):
        ok = np.isfinite(r[i])
        if ok.any() and not ok.all():
            r[i] = np.interp(ang, ang[ok], r[i, ok], period=r.shape[1])
    s = np.arange(r.shape[0])
    for j in range(r.shape[1]):
        ok = np.isfinite(r[:, j])
        if ok.any() and not ok.all():
            r[:, j] = np.interp(s, s[ok], r[ok, j])
    return r


@dataclass(frozen=True, eq=False)
class ShellProfile:
    """The cloth shell of one frame on its grid (rings ``RING_S`` x directions ``SEGMENTS``).

    ``body_r`` / ``cloth_r``: distance from the trunk axis of the body's farthest torso vertex
    and of the cloth (m); ``dirs``: each direction's world unit vector (0 = the lifter's
    left, a quarter turn = forward, three quarters = straight back); ``centres``: each ring's
    point on the axis."""

    body_r: np.ndarray  # (R, S)
    cloth_r: np.ndarray  # (R, S)
    dirs: np.ndarray  # (S, 3)
    centres: np.ndarray  # (R, 3)

    def points(self) -> np.ndarray:
        """``(R, S, 3)`` world points of the cloth."""
        return self.centres[:, None, :] + self.cloth_r[..., None] * self.dirs[None, :, :]


def shell_profile(body: BodyModel, posed: PosedBody, vertices: np.ndarray,
                  size: ClothingSize) -> ShellProfile:
    """The cloth shell over the posed body (``vertices``: its skinned mesh) for one frame."""
    b = body.bone
    hips = (posed.heads[b("upperleg01.L")] + posed.heads[b("upperleg01.R")]) / 2.0
    shoulders = (posed.heads[b("upperarm01.L")] + posed.heads[b("upperarm01.R")]) / 2.0
    axis = shoulders - hips
    chord = float(np.linalg.norm(axis))
    up = axis / chord
    left = posed.heads[b("upperleg01.L")] - posed.heads[b("upperleg01.R")]
    left -= up * (left @ up)
    left /= np.linalg.norm(left)
    fwd = np.cross(left, up)
    rel = vertices[_torso_vertices(body)] - hips
    s = rel @ up / chord
    x, z = rel @ left, rel @ fwd
    theta = np.arctan2(z, x)  # 0 = the lifter's left, +pi/2 = forward, -pi/2 = back
    rad = np.hypot(x, z)
    step = RING_S[1] - RING_S[0]
    ring = np.round((s - RING_S[0]) / step).astype(int)
    seg = np.round(theta / (2 * np.pi) * SEGMENTS).astype(int) % SEGMENTS
    ok = (ring >= 0) & (ring < len(RING_S))
    r = np.full((len(RING_S), SEGMENTS), -np.inf)
    np.maximum.at(r, (ring[ok], seg[ok]), rad[ok])
    r[~np.isfinite(r)] = np.nan
    r = _fill_gaps(r)
    taut = np.stack([_concave_majorant(RING_S, r[:, j]) for j in range(SEGMENTS)], axis=1)
    ang = np.arange(SEGMENTS) * 2 * np.pi / SEGMENTS
    dirs = np.cos(ang)[:, None] * left + np.sin(ang)[:, None] * fwd  # (SEGMENTS, 3)
    c = -dirs[:, 1]  # + where the surface faces down, - up (world y is up)
    # The cloth spans hollows front and back; at the flanks it follows the body (the arms
    # hang there), with a share of the slack.
    sagittal = np.sin(ang) ** 2
    bridge = size.bridge * sagittal * (1.0 - size.droop * np.clip(-c, 0.0, None))
    taper = np.minimum(np.clip((1.0 - RING_S) / SLACK_TAPER_CHORDS, 0.0, 1.0),
                       HEM_SLACK_SHARE + (1.0 - HEM_SLACK_SHARE)
                       * np.clip((RING_S - RING_S[0]) / HEM_TAPER_CHORDS, 0.0, 1.0))[:, None]
    folds = 1.0 + FOLD_SHARE * np.sin(2 * np.pi * RING_S[:, None] / FOLD_ALONG
                                      + FOLD_AROUND * ang[None, :])
    spread = FLANK_SLACK_SHARE + (1.0 - FLANK_SLACK_SHARE) * sagittal
    slack = (size.slack_m * taper * (spread * np.clip(1.0 + size.sag * c, 0.0, None))[None, :]
             * folds)
    out_r = r + bridge[None, :] * (taut - r) + slack + size.thickness_m
    if size.hood_m > 0:
        back = np.cos(ang + np.pi / 2)  # 1 straight back
        width = np.cos(np.radians(HOOD_HALF_ANGLE_DEG))
        across = np.clip((back - width) / (1.0 - width), 0.0, 1.0)
        along = np.clip((RING_S - HOOD_FROM_S) / (1.0 - HOOD_FROM_S), 0.0, 1.0)
        out_r = out_r + size.hood_m * np.sin(np.pi / 2 * along)[:, None] * np.sqrt(across)
    centres = hips + RING_S[:, None] * chord * up  # (R, 3)
    return ShellProfile(body_r=r, cloth_r=out_r, dirs=dirs, centres=centres)


def shell_vertices(body: BodyModel, posed: PosedBody, vertices: np.ndarray,
                   size: ClothingSize) -> np.ndarray:
    """``(len(RING_S), SEGMENTS, 3)`` world points of the cloth shell for one posed frame."""
    return shell_profile(body, posed, vertices, size).points()


@lru_cache(maxsize=1)
def shell_faces() -> np.ndarray:
    """Triangles of the open tube (counter-clockwise seen from outside)."""
    n = SEGMENTS
    i = np.arange(len(RING_S) - 1)[:, None] * n
    j = np.arange(n)[None, :]
    a, bb = i + j, i + (j + 1) % n
    c, d = a + n, bb + n
    # Angles run from the left towards forward (counter-clockwise seen from above, y up).
    tri = np.concatenate([np.stack([a, c, bb], -1).reshape(-1, 3),
                          np.stack([bb, c, d], -1).reshape(-1, 3)])
    return tri.astype(np.int64)
