"""The body signals every later stage reads, computed once per sequence: gap-filled, smoothed,
on the sequence's own timestamps."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np

from formcheck.analysis import geometry as geo
from formcheck.analysis.signal import Gradient, TimeBase, quick_turn, quick_turn_taps, smooth_rows
from formcheck.config import EXERCISES, Config, SignalConfig
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.landmarks import mirror_index
from formcheck.pose.sequence import PoseSequence

#: Landmark pairs that must be visible (either side) for the trunk signals.
TRUNK_PAIRS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP))
LEG_PAIRS = ((L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_ANKLE, L.RIGHT_ANKLE))
HEAD_PAIRS = ((L.LEFT_EAR, L.RIGHT_EAR),)


@dataclass(frozen=True, eq=False)
class BodySignals:
    """``(T,)`` arrays over the frames of a sequence (NaN where unknown)."""

    t_s: np.ndarray
    detected: np.ndarray  # bool: a person was found
    trunk_visible: np.ndarray  # bool: shoulders and hips seen (either side)
    legs_visible: np.ndarray  # bool: knees and ankles seen (either side)
    head_visible: np.ndarray  # bool: an ear seen
    trunk_deg: np.ndarray  # inclination from vertical
    lean_deg: np.ndarray  # signed sagittal lean, negative = behind vertical
    hip_extension_deg: np.ndarray  # trunk behind the thigh line (+), hip flexion (-)
    hips_forward_ratio: np.ndarray  # hip centre ahead of ankles, in leg lengths
    hip_height_ratio: np.ndarray  # hip centre above ankles, in leg lengths
    wrist_height_ratio: np.ndarray  # wrists above ankles, in leg lengths
    arm_reach_ratio: np.ndarray  # wrist-shoulder distance, in arm lengths
    knee_deg: np.ndarray
    elbow_deg: np.ndarray
    head_neck_deg: np.ndarray
    twist_deg: np.ndarray
    twist_rate_deg_s: np.ndarray
    twist_jerk_deg_s3: np.ndarray
    yaw_deg: np.ndarray
    hip_heading_deg: np.ndarray  # pelvis turn about vertical (smoothed like the twist)
    pelvis_yaw_deg: np.ndarray  # yaw of the hip line alone (a twist does not move it)
    #: bool: no person, the landmarks jumped (cut, lost track), or the pose pass saw the
    #: picture cut since the previous frame (``PoseSequence.picture_cut``)
    tracking_break: np.ndarray
    bulge: np.ndarray  # back-profile bow, fraction of the chord (NaN without a profile)
    elbow_behind_back: np.ndarray  # farther elbow behind the back line, fraction of the chord
    fps: float
    leg_length_m: float
    #: Twist from cues that do not rest on the pose network's depth alone (compute_twist);
    #: a ``Future`` of it while it is computed on another thread (``compute_signals``'
    #: ``executor``), until ``resolved`` waits for it.
    twist: TwistSignals | Future | None = None
    #: Back outline's RMS distance from a smooth bow, fraction of the chord (NaN without an
    #: outline; None when not computed: ``compute_signals``' ``roughness``).
    back_roughness: np.ndarray | None = None
    #: ``(T,)`` bool: frames whose back outline the picture cut off (``back_cut_by_picture``;
    #: their ``bulge`` is NaN); None without an outline.
    back_cut: np.ndarray | None = None
    #: Trunk behind the thigh line as the picture shows it (+), bent forward (-), in degrees
    #: (``geometry.picture_hip_extension_deg``): no depth guess in it; NaN where which way
    #: the lifter faces across the picture is not known (``facing_in_picture``).
    hip_extension_picture_deg: np.ndarray | None = None

    def resolved(self) -> BodySignals:
        """These signals with the twist computed (waiting for it if it is still being
        computed on another thread)."""
        if isinstance(self.twist, Future):
            return replace(self, twist=self.twist.result())
        return self


@dataclass(frozen=True, eq=False)
class TwistSignals:
    """Trunk twist, shoulder line against hip line about the vertical, in true degrees
    (calibrated on rendered truth); positive = shoulders turned towards the lifter's left.
    ``(T,)`` arrays, NaN where unknown."""

    angle_deg: np.ndarray  # fused: width cue where the view shows it, world landmarks else
    rate_deg_s: np.ndarray
    jerk_deg_s3: np.ndarray
    width_deg: np.ndarray  # from the projected shoulder width against the hip width
    depth_deg: np.ndarray  # from the world landmarks (the network's depth guess)
    width_weight: np.ndarray  # 0..1 per frame, share of the width cue in ``angle_deg``
    view_off_deg: float  # hip line's median turn from facing the camera or facing away
    facing: bool  # the lifter faces the camera (else faces away)
    left_nearer: bool  # the lifter's left side is the nearer one
    #: The cue used where the widths say little: "landmarks" (the fitted combination of
    #: landmark positions, square-on facing the camera), "flow" (the torso's optical flow,
    #: when the pose pass measured it), "image depth" or "world" (older pose files).
    depth_source: str = "world"
    #: ``(T,)`` bool where the flow is the cue: frames on which the hands, forearms or a held
    #: bar hid so much of the torso that the pose pass did not read the flow
    #: (``flow_hidden_frames``); the flow sees no motion there. None otherwise, and for pose
    #: files made before the seen share was kept.
    flow_hidden: np.ndarray | None = None
    #: ``(T,)`` bool: the hidden frames whose turn was read from the image landmarks' depth
    #: instead (``SignalConfig.twist_hidden_depth_median_frames``); None where nothing was.
    depth_where_hidden: np.ndarray | None = None
    #: ``(T,)`` where the landmarks are the cue: the size (true degrees, + to the lifter's
    #: left) of a quick turn centred on each frame (``signal.quick_turn``: a turn rising over
    #: ``SignalConfig.twist_quick_rise_s`` against a parabola over
    #: ``twist_quick_support_s``), read from the landmark twist; NaN where a frame in reach
    #: was not read. None for the other cues (their rate is judged instead).
    quick_turn_deg: np.ndarray | None = None
    #: The rise time of that filter's turn (s), and the span it reads around each frame (s).
    quick_turn_rise_s: float = 0.0
    quick_turn_support_s: float = 0.0
    #: Which landmark fit was read ("front": square-on; "oblique": turned towards the
    #: camera; "side": side-on, ``side_landmark_twist_deg``); None where another cue was.
    landmark_fit: str | None = None
    #: ``(T,)`` where the side fit is read: the quick turns (the same filter) of the upper
    #: back's outline off the chord (``upper_back_depth``, torso lengths; either way of turning
    #: swings it out), which a side-on twist must move too. None otherwise.
    outline_quick_turn: np.ndarray | None = None
    #: Seen from the side with the side cue on, why the side reading was not made: "outline"
    #: (the pose data hold no back outline), "fit" (no side fit ships), "feet" (the feet, or
    #: the torso, were never measured: which way the lifter faces is read from the feet) or
    #: "short" (the fit or the outline was read on under
    #: ``SignalConfig.twist_landmark_min_read_s`` of the set); None otherwise.
    side_unread: str | None = None
    #: ``SignalConfig.twist_landmark_min_read_s``, for the words of ``side_unread``.
    min_read_s: float = 0.0
    #: ``SignalConfig.twist_side_min_off_deg`` where the side cue is on (None: off), for the
    #: words of a side view whose hip line is turned less than that.
    side_from_deg: float | None = None


#: The landmarks the signals read, gathered once per sequence (world, image, visibility).
WORLD_LANDMARKS = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER,
                   L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_HIP,
                   L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE,
                   L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
IMAGE_LANDMARKS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP,
                   L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_KNEE, L.RIGHT_KNEE)
VISIBILITY_LANDMARKS = tuple(dict.fromkeys(
    lm for pairs in (TRUNK_PAIRS, LEG_PAIRS, HEAD_PAIRS,
                     ((L.LEFT_ELBOW, L.RIGHT_ELBOW),)) for pair in pairs for lm in pair))


def _pairs_visible(vis: geo.Joints, pairs, min_visibility: float) -> np.ndarray:
    ok = np.ones(len(vis), dtype=bool)
    for a, b in pairs:
        ok &= np.maximum(vis[a][0], vis[b][0]) >= min_visibility
    return ok


def _mean_pair(values: tuple[np.ndarray, np.ndarray], vis: geo.Joints, a: int,
               b: int) -> np.ndarray:
    """Visibility-weighted mean of a left/right pair of per-frame values."""
    wa, wb = vis[a][0] + np.float32(1e-6), vis[b][0] + np.float32(1e-6)
    return (values[0] * wa + values[1] * wb) / (wa + wb)


def _median(x: np.ndarray, where: np.ndarray | None = None) -> float:
    """Median of the finite values of ``x`` (only at ``where``, if given); NaN if none."""
    keep = np.isfinite(x)
    if where is not None:
        keep &= where
    v = x[keep]  # a copy of our own: the median may reorder it
    return float(np.median(v, overwrite_input=True)) if v.size else float("nan")


def _median_below(x: np.ndarray, where: np.ndarray, limit: float) -> bool:
    """``_median(x, where) < limit`` (False when no value is finite), by counting: only the
    middle value's side of ``limit`` matters, so no selection is needed, except for an even
    count split exactly at ``limit``, where the two middle values are the largest below it
    and the smallest at or above it, averaged as ``np.median`` averages them."""
    v = x[np.isfinite(x) & where]
    n = v.size
    if n == 0:
        return False
    low = v < limit
    below = int(np.count_nonzero(low))
    half = n // 2
    if n % 2 or below != half:
        return below > half  # odd: the middle value is below; even: both are
    pair = np.array([v[low].max(), v[~low].min()], dtype=v.dtype)
    return bool(np.mean(pair) < limit)


def image_depth_joints(seq: PoseSequence) -> geo.Joints | None:
    """Shoulders and hips as image x, y and MediaPipe's image depth z (all pixels), or None
    for sequences saved without ``image_z``."""
    if seq.image_z is None:
        return None
    lms = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
    idx = np.asarray(lms, dtype=np.intp)
    xyz = np.concatenate([seq.image_xy[:, idx], seq.image_z[:, idx, None]], axis=2)
    return geo.Joints(np.ascontiguousarray(xyz.transpose(1, 2, 0), dtype=np.float64),
                      {int(lm): i for i, lm in enumerate(lms)})


def flow_twist_deg(seq: PoseSequence) -> np.ndarray | None:
    """Uncalibrated twist (degrees, turned towards the lifter's left as seen from the front)
    from the torso's optical flow (``PoseSequence.torso_flow``): the shoulder band's motion
    across the trunk minus the hip band's, over the torso's size in pixels (the longer of
    the shoulder -> hip chord and the shoulder width, median over the set), summed over
    frames. None for sequences saved without the flow. Drifts slowly; the rule reads its
    rate and short-term turns only. Across a picture cut (``PoseSequence.picture_cut``) the
    flow compares two different shots: that frame's motion is not counted."""
    if seq.torso_flow is None or not np.isfinite(seq.torso_flow).any():
        return None  # not measured (or never found a torso): another cue stands in
    xy = seq.image_xy.astype(np.float64)
    mid_s = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2.0
    mid_h = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2.0
    chord = np.hypot(*(mid_h - mid_s).T)
    shoulders = np.hypot(*(xy[:, L.LEFT_SHOULDER] - xy[:, L.RIGHT_SHOULDER]).T)
    scale = _median(np.fmax(chord, shoulders))
    if not np.isfinite(scale) or scale <= 0:
        return None
    diff = seq.torso_flow[:, 0].astype(np.float64) - seq.torso_flow[:, 1]
    if seq.picture_cut is not None:
        diff[np.asarray(seq.picture_cut, dtype=bool)] = 0.0
    return np.cumsum(np.degrees(np.nan_to_num(diff) / scale))


@dataclass(frozen=True)
class TwistLandmarkModel:
    """A fitted linear twist: true degrees as a weighted sum of landmarks' positions in the
    picture (x and y against the hips' midpoint, in torso lengths: the shoulder midpoint's
    distance from the hips' midpoint, median over the set). Seen square-on and facing the
    camera, a turn of the shoulders against the hips moves them in ways the shoulder line
    alone does not show (bent forward, one shoulder drops as the other rises). Fitted on
    rendered twists (``bench/twist_learned.py fit``) to the true twist through the rule's
    quick-turn filter, so only its fast part is meaningful: the rule judges its quick turns."""

    landmarks: tuple[int, ...]
    #: ``(len(landmarks), 2)``: degrees per torso length of x and of y
    weights: np.ndarray
    #: A frame is read only where every one of ``landmarks`` has at least this presence.
    min_presence: float
    #: Where it came from (the command and sets it was fitted on), for the record.
    fitted: str
    #: A frame is read only where every one of ``landmarks`` lies at least this many torso
    #: lengths inside the picture (0: anywhere in it; ``side_landmark_positions``).
    edge_margin: float = 0.0


#: The shipped fits (``SignalConfig.twist_landmark_cue``), per view: facing the camera
#: square-on ("front") and turned towards it ("oblique", about 45 deg); and square-on with the
#: hands held at the shoulders in the picture ("front_hands": made on squats with the arms held
#: forward or the hands on a bar, which turn with the shoulders;
#: ``SignalConfig.twist_landmark_hands``).
TWIST_LANDMARK_FILES = {"front": "twist_landmarks.json", "oblique": "twist_landmarks_oblique.json",
                        "front_hands": "twist_landmarks_hands.json",
                        "side": "twist_landmarks_side.json",
                        "oblique_near": "twist_landmarks_oblique_near.json",
                        "oblique_far": "twist_landmarks_oblique_far.json"}


@functools.cache
def twist_landmark_model(view: str = "front") -> TwistLandmarkModel | None:
    """The shipped landmark twist fit for ``view`` (package data ``analysis/data/``); None
    where none ships."""
    if view not in TWIST_LANDMARK_FILES:
        return None
    ref = resources.files("formcheck.analysis") / "data" / TWIST_LANDMARK_FILES[view]
    if not ref.is_file():
        return None
    raw = json.loads(ref.read_text(encoding="utf-8"))
    return TwistLandmarkModel(
        landmarks=tuple(int(i) for i in raw["landmarks"]),
        weights=np.asarray(raw["weights"], dtype=np.float64).reshape(-1, 2),
        min_presence=float(raw["min_presence"]), fitted=str(raw["fitted"]),
        edge_margin=float(raw.get("edge_margin", 0.0)))


#: The trunk landmarks every landmark fit is measured against (its origin and scale).
_TRUNK_4 = (L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


def _origin_and_scale(im: geo.Joints) -> tuple[np.ndarray, float] | None:
    """The hips' midpoint ``(2, T)`` and the torso length (the shoulder midpoint's distance
    from it, median over the set) every landmark fit is measured in; None when that length
    cannot be measured."""
    hips = im.mid(L.LEFT_HIP, L.RIGHT_HIP)
    scale = _median(np.hypot(*(im.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - hips)))
    return (hips, scale) if np.isfinite(scale) and scale > 0 else None


def _relative(im: geo.Joints, landmarks: tuple[int, ...]) -> np.ndarray | None:
    """``(len(landmarks), 2, T)``: the landmarks' x and y against the hips' midpoint, in torso
    lengths (``_origin_and_scale``); None when that size cannot be measured."""
    frame = _origin_and_scale(im)
    if frame is None:
        return None
    hips, scale = frame
    return (np.stack([im[lm] for lm in landmarks]).astype(np.float64) - hips) / scale


def _present(presence: geo.Joints, landmarks: tuple[int, ...], least: float) -> np.ndarray:
    """``(T,)`` bool: every one of ``landmarks`` has at least ``least`` presence."""
    seen = presence[landmarks[0]][0] >= least
    for lm in landmarks[1:]:
        seen &= presence[lm][0] >= least
    return seen


def _gathered(seq: PoseSequence, landmarks: tuple[int, ...]) -> tuple[geo.Joints, geo.Joints]:
    """The image positions (with the trunk's four) and the presence of ``landmarks``."""
    return (geo.Joints.gather(seq.image_xy, (*_TRUNK_4, *landmarks)),
            geo.Joints.gather(seq.presence[..., None], landmarks))


def landmark_positions(seq: PoseSequence, landmarks: tuple[int, ...],
                       min_presence: float) -> np.ndarray | None:
    """``(T, len(landmarks), 2)``: the landmarks' x and y in the picture against the hips'
    midpoint, in torso lengths (the shoulder midpoint's distance from the hips' midpoint,
    median over the set); NaN on frames where one of them has under ``min_presence``. None
    when the torso's size cannot be measured (no frame with shoulders and hips). What
    ``landmark_twist_deg`` weighs (the fit's bench reads it here)."""
    im, presence = _gathered(seq, landmarks)
    rel = _relative(im, landmarks)
    if rel is None:
        return None
    out = rel.transpose(2, 0, 1).copy()
    out[~_present(presence, landmarks, min_presence)] = np.nan
    return out


def hands_at_shoulders(seq: PoseSequence, max_distance: float, min_share: float,
                       min_presence: float = 0.5) -> bool:
    """Whether the lifter holds the hands at the shoulders in the picture through the set (arms
    held forward square-on, a bar on the back, a weight at the chest): each wrist seen
    (``min_presence``) and within ``max_distance`` torso lengths of its own shoulder in the
    picture (``_origin_and_scale``) on at least ``min_share`` of the frames where both
    shoulders are seen (a wrist not seen there counts against it). False where the shoulders
    were never seen."""
    pairs = ((L.LEFT_WRIST, L.LEFT_SHOULDER), (L.RIGHT_WRIST, L.RIGHT_SHOULDER))
    used = tuple(lm for pair in pairs for lm in pair)
    im, presence = _gathered(seq, used)
    frame = _origin_and_scale(im)
    if frame is None:
        return False
    _, scale = frame
    shoulders = _present(presence, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), min_presence)
    if not shoulders.any():
        return False
    near = _present(presence, used, min_presence)
    for wrist, shoulder in pairs:
        with np.errstate(invalid="ignore"):
            near &= np.hypot(*(im[wrist] - im[shoulder])) <= max_distance * scale
    return float(near[shoulders].mean()) >= min_share


def landmark_twist_deg(seq: PoseSequence, model: TwistLandmarkModel) -> np.ndarray | None:
    """``(T,)`` twist in true degrees (its fast part: ``TwistLandmarkModel``) from the
    landmarks' positions in the picture (``landmark_positions``, weighed by the fit); NaN
    where one of them was not present enough; None when the torso's size cannot be
    measured. Only the landmarks read are gathered (a long set's whole array is large)."""
    im, presence = _gathered(seq, model.landmarks)
    frame = _origin_and_scale(im)
    if frame is None:
        return None
    hips, scale = frame
    # The weighted sum of (position - hips) / scale, one landmark at a time (no (k, 2, T)
    # array): the same as weighing ``landmark_positions`` (tested).
    out = np.zeros(len(im))
    for lm, (wx, wy) in zip(model.landmarks, model.weights.tolist(), strict=True):
        x, y = im[lm]
        out += np.multiply(x - hips[0], wx, dtype=np.float64)
        out += np.multiply(y - hips[1], wy, dtype=np.float64)
    out /= scale
    out[~_present(presence, model.landmarks, model.min_presence)] = np.nan
    return out


#: The fits read in the side reading's frame (``side_landmark_twist_deg``) and only beside the
#: back outline's evidence (``TwistSignals.outline_quick_turn``): from the side, turned
#: towards the camera (``SignalConfig.twist_oblique_near``, from 35°) and facing away
#: (``SignalConfig.twist_oblique_far``).
GATED_FITS = ("side", "oblique_near", "oblique_far")

#: The side fit's landmarks are named as if the lifter's left side were the nearer one, and its
#: x weights are for a lifter facing to the right of the picture (``side_landmark_twist_deg``):
#: where the right side is nearer each is read on its other-side twin.
_OTHER_SIDE = mirror_index()


#: The feet's landmarks, heel then toe, each side: which way they point in the picture says
#: which way the lifter faces (``toes_ahead``).
_FEET = ((L.LEFT_HEEL, L.LEFT_FOOT_INDEX), (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX))


def toes_ahead(image_xy: np.ndarray, presence: np.ndarray,
               min_presence: float) -> tuple[np.ndarray, np.ndarray]:
    """``(2T,)`` how far each toe lies to the right of its heel in the picture (pixels; the
    left foot's frames, then the right's), and where both were present."""
    ahead, seen = [], []
    for heel, toe in _FEET:
        seen.append((presence[:, heel] >= min_presence) & (presence[:, toe] >= min_presence))
        ahead.append(image_xy[:, toe, 0].astype(np.float64) - image_xy[:, heel, 0])
    return np.concatenate(ahead), np.concatenate(seen)


def side_on_camera(seq: PoseSequence, min_presence: float = 0.5) -> tuple[bool, float] | None:
    """How a lifter seen from the side stands to the camera: whether the lifter's left side is
    the nearer one (the network's depth of the shoulders and hips, median over the set:
    ``geometry.left_depth_lead``), and which way the lifter faces in the picture (+1 to the
    right, -1 to the left: a toe ahead of its heel, median over every frame and foot where
    both are seen). None where no foot was ever seen whole."""
    ahead_all, seen_all = toes_ahead(seq.image_xy, seq.presence, min_presence)
    if not (seen_all & np.isfinite(ahead_all)).any():
        return None
    # The median's sign by counting (``_median_below``): no selection over a long set.
    facing = -1.0 if _median_below(ahead_all, seen_all, 0.0) else 1.0
    lead = geo.left_depth_lead(seq.world_xyz)
    return _median_below(lead, np.ones(len(lead), dtype=bool), 0.0), facing


def side_landmark_positions(seq: PoseSequence, landmarks: tuple[int, ...], min_presence: float,
                            edge_margin: float = 0.0) -> tuple[np.ndarray, bool] | None:
    """``(T, len(landmarks), 2)`` positions as the side fit reads them, and whether the
    lifter's left is the nearer side: ``landmark_positions`` of ``landmarks`` where the left is
    the nearer side, else of their other-side twins (the fit names the nearer side "left"),
    with x turned as if the lifter faced to the right of the picture (``side_on_camera``).
    None where the torso's size or the feet's direction cannot be measured."""
    read = _side_read(seq, landmarks, min_presence, edge_margin)
    if read is None:
        return None
    im, _, order, ok, left_nearer, facing = read
    pos = _relative(im, order).transpose(2, 0, 1).copy()
    pos[~ok] = np.nan
    pos[..., 0] *= facing
    return pos, left_nearer


def _side_read(seq: PoseSequence, landmarks: tuple[int, ...], min_presence: float,
               edge_margin: float) -> tuple[geo.Joints, tuple[np.ndarray, float],
                                            tuple[int, ...], np.ndarray, bool, float] | None:
    """What the side fit reads, as ``side_landmark_positions`` describes: the image landmarks
    gathered (``_gathered``), their origin and scale (``_origin_and_scale``), the landmarks
    read (``landmarks`` or their twins), the frames read ``(T,)``, whether the left is the
    nearer side and which way the lifter faces; None where the torso's size or the feet's
    direction cannot be measured."""
    how = side_on_camera(seq, min_presence)
    if how is None:
        return None
    left_nearer, facing = how
    order = landmarks if left_nearer else tuple(int(_OTHER_SIDE[lm]) for lm in landmarks)
    im, presence = _gathered(seq, order)
    frame = _origin_and_scale(im)
    if frame is None:
        return None
    ok = _present(presence, order, min_presence)
    if edge_margin > 0:
        ok &= _inside_picture(seq, im, order, edge_margin * frame[1])
    return im, frame, order, ok, left_nearer, facing


def _inside_picture(seq: PoseSequence, im: geo.Joints, landmarks: tuple[int, ...],
                    pad: float) -> np.ndarray:
    """``(T,)`` bool: every one of ``landmarks`` (gathered in ``im``) lies at least ``pad``
    pixels inside ``seq``'s picture. At the edge the network places what the picture cut off
    (a head out of the top of a close shot) by guess. Every frame where the picture's size is
    not known (``width`` or ``height`` 0)."""
    if seq.width <= 0 or seq.height <= 0:
        return np.ones(len(seq.t_s), dtype=bool)
    ok = np.ones(len(seq.t_s), dtype=bool)
    for lm in landmarks:
        x, y = im[lm]
        with np.errstate(invalid="ignore"):
            ok &= (x >= pad) & (x <= seq.width - pad) & (y >= pad) & (y <= seq.height - pad)
    return ok


def side_landmark_twist_deg(seq: PoseSequence, model: TwistLandmarkModel) -> np.ndarray | None:
    """``(T,)`` twist in true degrees (its fast part, + to the lifter's left) seen from the
    side: the side fit's weighted sum of ``side_landmark_positions``, its sign turned with the
    nearer side (the fit reads a turn away from the nearer side as +). Seen from the side a turn
    of the shoulders moves them forwards and back in the picture (the projected shoulder width
    grows with the sine of the turn). NaN where a landmark read was not present enough or lies
    within the fit's edge margin of the picture's edge; None where the torso's size or the
    feet's direction cannot be measured."""
    read = _side_read(seq, model.landmarks, model.min_presence, model.edge_margin)
    if read is None:
        return None
    im, (hips, scale), order, ok, left_nearer, facing = read
    # The weighted sum landmark by landmark (``_relative``'s positions, x turned with the
    # facing): a long set's (K, 2, T) positions cost more than the sum itself.
    gain = model.weights * np.array([facing, 1.0]) / scale
    out, term = np.zeros(len(seq.t_s)), np.empty(len(seq.t_s))
    for k, lm in enumerate(order):
        for c in range(2):  # in place: no new (T,) array per term
            np.subtract(im[lm][c], hips[c], out=term, dtype=np.float64)  # as _relative
            term *= gain[k, c]
            out += term
    out[~ok] = np.nan
    return out if not left_nearer else -out


def upper_back_depth(image_xy: geo.Joints | np.ndarray, back_xy: np.ndarray,
                     last_point: int = 4) -> np.ndarray:
    """``(T,)`` how far the back's outline stands off the shoulder-hip chord over its top
    points ``0..last_point`` (mean, in torso lengths: the chord's median length). Seen from
    the side a turn of the shoulders, either way, swings a shoulder blade out behind the
    chord: the mask's own evidence of a twist, which the pose network's guess at the hidden
    shoulder does not make. NaN where those points are missing."""
    # A point's distance off the chord does not depend on where along it the point sits:
    # only the top points are gathered.
    outline = geo.Outline.of(image_xy, np.asarray(back_xy)[:, : last_point + 1])
    scale = _median(outline.length)
    with np.errstate(invalid="ignore"):
        top = np.abs(outline.off).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames with no point: NaN
        return np.nanmean(top, axis=0) / scale


def flow_hidden_frames(seq: PoseSequence) -> np.ndarray | None:
    """``(T,)`` bool: frames on which the pose pass measured the torso's flow but left it
    unread because the hands, forearms or a held bar covered too much of its bands
    (``torso_flow_seen`` known, the flow NaN: ``pose.flow.MIN_SEEN``). None for pose files
    without the flow or without the seen share (made before it was kept)."""
    if seq.torso_flow is None or seq.torso_flow_seen is None:
        return None
    return np.isfinite(seq.torso_flow_seen) & ~np.isfinite(seq.torso_flow).all(axis=1)


def _running_median(x: np.ndarray, width: int) -> np.ndarray:
    """Centred running median over ``width`` frames (NaN ignored; ends use what exists)."""
    half = width // 2
    padded = np.pad(x, half, mode="edge")
    if half == 1:
        return _median_of_three(padded[:-2], padded[1:-1], padded[2:])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(windows, axis=1)


def _median_of_three(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``np.nanmedian`` of ``(a, b, c)`` per frame, by comparisons instead of a sort: the
    middle value; with one NaN the mean of the other two; with two, the one left."""
    lo, hi = np.fmin(a, b), np.fmax(a, b)
    out = np.fmax(lo, np.fmin(hi, c))  # NaN-free frames: the middle value
    nan_a, nan_b, nan_c = np.isnan(a), np.isnan(b), np.isnan(c)
    holed = np.flatnonzero(nan_a | nan_b | nan_c)
    if holed.size:
        a, b, c = a[holed], b[holed], c[holed]
        na, nb, nc = nan_a[holed], nan_b[holed], nan_c[holed]
        # With one NaN, the mean of the two others (as nanmedian); with two or three, fmax
        # returns the one seen (or NaN).
        pair = np.where(na, (b + c) / 2.0, np.where(nb, (a + c) / 2.0, (a + b) / 2.0))
        one_nan = (na.astype(np.int8) + nb + nc) == 1
        out[holed] = np.where(one_nan, pair, np.fmax(np.fmax(a, b), c))
    return out


@dataclass(frozen=True, eq=False)
class _Posture:
    """The posture rows (plus a constant) a twist cue is fitted on, prepared once for every
    cue: NaN set to zero, which frames have them all, and their Gram matrix over those."""

    cols: np.ndarray  # (k, T) float64, NaN -> 0
    known: np.ndarray  # (T,) bool: every row finite
    gram: np.ndarray  # (k, k): sum over the known frames of cols cols^T

    @classmethod
    def of(cls, posture: np.ndarray) -> _Posture:
        cols = np.vstack([np.ones(posture.shape[1]), posture]).astype(np.float64)
        finite = np.isfinite(cols)
        known = finite.all(axis=0)
        cols[~finite] = 0.0
        unknown = cols[:, ~known]
        gram = np.einsum("it,jt->ij", cols, cols) - np.einsum("it,jt->ij", unknown, unknown)
        return cls(cols, known, gram)

    def gram_over(self, use: np.ndarray) -> np.ndarray:
        """``sum over use`` of ``cols cols^T`` (``use`` within the known frames): the known
        frames' Gram less the few left out, or summed afresh when most are left out."""
        left_out = np.flatnonzero(self.known & ~use)
        if 2 * left_out.size <= np.count_nonzero(self.known):
            part = self.cols[:, left_out]
            return self.gram - np.einsum("it,jt->ij", part, part)
        part = self.cols[:, use]
        return np.einsum("it,jt->ij", part, part)


def _without_posture(x: np.ndarray, posture: np.ndarray | _Posture, ok: np.ndarray
                     ) -> np.ndarray:
    """``x`` minus what the lifter's posture explains: a least-squares fit of ``x`` on the
    posture rows (plus a constant) over the ``ok`` frames, refitted once without the frames
    it missed by more than 3 robust standard deviations (a real twist is brief and does not
    follow the posture; what the bend does to the cues does). ``(T,)``.

    The fit solves the normal equations (a ``k x k`` system, rows scaled to unit size
    first) with einsum's own loops: no ``T x k`` copy of the design matrix, and no threaded
    BLAS, which on these thin products is many times slower while another process holds
    the cores (the pose model in live mode)."""
    pose = posture if isinstance(posture, _Posture) else _Posture.of(posture)
    cols = pose.cols
    k = cols.shape[0]
    use = ok & np.isfinite(x) & pose.known
    if np.count_nonzero(use) < 3 * k:
        return x - _median(x, ok)
    x0 = np.where(use, x, 0.0)
    for _ in range(2):
        gram = pose.gram_over(use)
        scale = np.sqrt(np.diag(gram))
        scale[scale == 0] = 1.0
        coef = np.linalg.lstsq(gram / np.outer(scale, scale),
                               np.einsum("it,t->i", cols, x0) / scale, rcond=None)[0] / scale
        resid = x - np.einsum("i,it->t", coef, cols)
        dev = np.abs(resid[use])  # finite: x and every row are seen there
        mad = float(np.median(dev, overwrite_input=True))
        keep = use & (np.abs(resid) <= 3.0 * 1.4826 * mad)
        if np.count_nonzero(keep) < 3 * k:
            break
        use = keep
        x0[~use] = 0.0
    return resid


#: ``landmarks(view)``: the landmark twist of each fit for a view, with the fit's name, best
#: first (``compute_signals``).
LandmarkFits = Callable[[str], Iterator[tuple[np.ndarray | None, str]]]


def compute_twist(base: TimeBase, world: geo.Joints, image: geo.Joints,
                  image_depth: geo.Joints | None, pelvis_yaw_deg: np.ndarray, ok: np.ndarray,
                  sc: SignalConfig, posture: np.ndarray | None = None,
                  flow: np.ndarray | None = None,
                  world_twist_deg: np.ndarray | None = None,
                  flow_hidden: np.ndarray | None = None,
                  landmarks: LandmarkFits | None = None,
                  upper_back: Callable[[], np.ndarray | None] | None = None
                  ) -> TwistSignals:
    """Twist angle, rate and jerk from two cues, weighted by what the view shows.

    Width cue: the hips stand still in a twist while the shoulder line turns, so the ratio
    of the projected shoulder width to the hip width, against the set's median ratio ``rho``,
    follows ``cos(phi + twist) / cos(phi)`` where ``phi`` is the hip line's turn from facing
    the camera; inverted, it gives the twist. Its sign (towards the lifter's left or right)
    follows from which side is nearer the camera and whether the lifter faces it. It reads
    image positions only, but it is flat (and has no sign) when the lifter squarely faces
    the camera or turns away from it, so there the depth cue takes over: the shoulder line
    against the hip line from the *image* landmarks' x and depth z (measured on rendered
    truth, they keep several times more of a fast twist than the world landmarks do), or from
    the world landmarks for sequences saved without the image depth. Where the pose pass
    measured the torso's optical flow (``flow``, from ``flow_twist_deg``), it replaces the
    depth cue: seen square-on, it keeps a small but steady share of a twist and is several
    times quieter than the network's depth on lifts without one (docs/analysis.md). Where
    the lifter faces the camera and ``landmarks(view)`` (``landmark_twist_deg`` with each fit
    the view offers, square-on "front" or turned "oblique", in true degrees, with the fit's
    name, best first) gives a twist read on enough of the set, that replaces every other cue: on
    rendered twists square-on its noise was a third of the flow's (docs/analysis.md, twist
    round 12). Seen from the side (the hip line at least ``SignalConfig.twist_side_min_off_deg``
    from facing the camera or facing away) ``landmarks("side")`` is read likewise, with the
    quick turns of ``upper_back()`` (``upper_back_depth``) beside it, where both read enough
    of the set (docs/analysis.md, twist round 14).
    ``world_twist_deg``: ``geometry.twist_deg(world)`` when the caller has it already.
    ``flow_hidden``: the frames the flow could not read for the hands (``flow_hidden_frames``),
    kept in the result where the flow is the cue; with
    ``SignalConfig.twist_hidden_depth_median_frames`` (off by default) their turn is read from
    the image landmarks' depth instead of as no motion.
    """
    t = base.t_s
    n = len(t)
    if posture is not None:
        posture = _Posture.of(posture)
    ratio = geo.shoulder_hip_width_ratio(image)
    off = np.minimum(pelvis_yaw_deg, 180.0 - pelvis_yaw_deg)
    phi = _median(off, ok)
    facing = _median_below(pelvis_yaw_deg, ok, 90.0)
    left_nearer = _median_below(geo.left_depth_lead(world), ok, 0.0)
    r0 = _median(ratio, ok)
    span = max(sc.twist_width_full_deg - sc.twist_width_zero_deg, 1e-9)
    if np.isfinite(phi) and np.isfinite(r0) and r0 > 0:
        cos_phi = np.cos(np.radians(phi))
        # The shoulder line's turn from facing the camera (or facing away), per frame.
        shoulders_off = np.degrees(np.arccos(np.clip(ratio / r0 * cos_phi, -1.0, 1.0)))
        sign = (-1.0 if facing else 1.0) * (1.0 if left_nearer else -1.0)
        width = sign * (shoulders_off - phi) / sc.twist_width_kept
        if posture is not None:
            width = _without_posture(width, posture, ok)
        # The cosine is flat where the hips or the shoulders square up to the camera: there
        # the widths say little (and nothing of the side), so the depth cue takes over. The
        # weight moves slowly (smoothed shoulder angle), so switching cues makes no jerk.
        slow = smooth_rows(base, [np.where(ok, shoulders_off, np.nan)], sc.smooth_cutoff_hz / 4,
                           sc.filter_order, sc.max_gap_s)[0]
        weight = np.clip((np.fmin(slow, phi) - sc.twist_width_zero_deg) / span, 0.0, 1.0)
        weight = np.where(np.isfinite(weight), weight, 0.0)
    else:
        width, weight = np.full(n, np.nan), np.zeros(n)
    # Fitted on renders facing the camera only: from behind, the same shoulder drop means
    # the other side, and no render measured it.
    fit_view = side_unread = None
    outline_quick = None
    if landmarks and np.isfinite(phi):
        if sc.twist_side_cue and phi >= sc.twist_side_min_off_deg:
            fit_view = "side"
        elif facing and sc.twist_oblique_near and phi >= sc.twist_oblique_near_from_deg:
            fit_view = "oblique_near"  # turned towards the camera, read as from the side
        elif not facing and sc.twist_oblique_far and phi >= sc.twist_oblique_far_from_deg:
            fit_view = "oblique_far"  # facing away at 45°, the same
        elif facing:
            fit_view = "front" if phi < sc.twist_width_zero_deg else "oblique"
    if fit_view in GATED_FITS:
        # Only beside the outline's evidence (rendered truth: the side fit alone warned on slow
        # twists, docs/analysis.md twist round 14).
        depth = upper_back() if upper_back is not None else None
        outline_quick = _quick_turns_read(base, depth, ok, sc)
        if fit_view == "side":
            side_unread = "outline" if depth is None else "short"
    # Its slow part is not fitted (posture moves these landmarks too): only quick turns are
    # read, through the filter the fit was made through. Where a fit reads too little of the
    # set (the knees or wrists out of the picture, say), the next fit the view offers reads
    # it, and where none does, the other cues.
    fitted = quick = None
    tried = False
    for fitted, name in (landmarks(fit_view) if fit_view is not None else ()):
        tried = True
        quick = _quick_turns_read(base, fitted, ok, sc) if fitted is not None else None
        if quick is not None:
            fit_view = name
            break
    if fit_view in GATED_FITS and outline_quick is None:
        quick = None  # the side fit warns only beside the outline's evidence
    if quick is None:
        if side_unread == "short" and not (tried and fitted is not None):
            # The side fit could not be read at all: no side fit ships, or the feet (which
            # way the lifter faces) or the torso were never measured.
            side_unread = "fit" if not tried else "feet"
        fit_view = outline_quick = None
    if fit_view is not None:
        side_unread = None
        raw_depth, kept, source = fitted, 1.0, "landmarks"
        weight = np.zeros(n)  # the fit stands alone (the widths are in what it reads)
    elif flow is not None and phi < sc.twist_width_zero_deg:
        # Square-on only: turned, the trunk's bend moves the two bands apart as well (on
        # rendered truth the flow's noise at 45 deg is ten times that at the front; read
        # from behind at rear-45 it warned on slow twists and real lifts: docs/analysis.md).
        # Seen from behind, the back moves the other way to the chest.
        raw_depth, kept, source = (1.0 if facing else -1.0) * flow, sc.twist_flow_kept, "flow"
    elif image_depth is not None:
        raw_depth, kept, source = geo.twist_deg(image_depth), sc.twist_depth_kept, "image depth"
    else:
        raw_depth = geo.twist_deg(world) if world_twist_deg is None else world_twist_deg
        kept, source = sc.twist_world_kept, "world"
    depth = (_without_posture(raw_depth, posture, ok) if posture is not None else
             raw_depth - _median(raw_depth, ok)) / kept
    stand_in = None
    hidden_median = sc.twist_hidden_depth_median_frames
    if (source == "flow" and hidden_median > 0 and flow_hidden is not None
            and image_depth is not None and flow_hidden.any()):
        # Where the hands hid the torso the flow saw no motion: those frames' turn comes
        # from the image landmarks' depth instead (its frame-to-frame change, so the angle
        # does not jump where the cue changes). Off by default: config.py.
        alt = geo.twist_deg(image_depth)
        if hidden_median > 1 and n >= hidden_median:
            alt = _running_median(alt, hidden_median)
        alt = (_without_posture(alt, posture, ok) if posture is not None else
               alt - _median(alt, ok)) / sc.twist_depth_kept
        step = np.zeros(n)
        step[1:] = np.diff(alt) - np.diff(depth)
        step = np.where(flow_hidden & np.isfinite(step), step, 0.0)
        depth = depth + np.cumsum(step)
        stand_in = flow_hidden
    fused = np.where(weight > 0.0, weight * width, 0.0) + np.where(
        weight < 1.0, (1.0 - weight) * depth, 0.0)
    fused = np.where(ok, fused, np.nan)
    if sc.twist_despike_frames > 1 and n >= sc.twist_despike_frames:
        fused = _running_median(fused, sc.twist_despike_frames)
    angle = smooth_rows(base, [fused], sc.twist_angle_cutoff_hz,
                        sc.filter_order, sc.max_gap_s)[0]
    if n > 1:
        gradient = Gradient.of(t)
        rate = gradient.apply(angle)
        jerk = gradient.apply(rate, order=2)
    else:
        rate = jerk = np.full(n, np.nan)
    return TwistSignals(angle_deg=angle, rate_deg_s=rate, jerk_deg_s3=jerk, width_deg=width,
                        depth_deg=depth, width_weight=weight, view_off_deg=phi, facing=facing,
                        left_nearer=left_nearer, depth_source=source,
                        flow_hidden=flow_hidden if source == "flow" else None,
                        depth_where_hidden=stand_in, quick_turn_deg=quick,
                        quick_turn_rise_s=sc.twist_quick_rise_s,
                        quick_turn_support_s=sc.twist_quick_support_s, landmark_fit=fit_view,
                        outline_quick_turn=outline_quick, side_unread=side_unread,
                        min_read_s=sc.twist_landmark_min_read_s,
                        side_from_deg=sc.twist_side_min_off_deg if sc.twist_side_cue else None)


def _quick_turns_read(base: TimeBase, angle: np.ndarray | None, ok: np.ndarray,
                      sc: SignalConfig) -> np.ndarray | None:
    """``(T,)`` quick turns (``signal.quick_turn``) of the landmark twist ``angle`` over the
    frames ``ok``, each stretch between time gaps on its own (nothing is read across a gap);
    None where that leaves under ``SignalConfig.twist_landmark_min_read_s`` of frames read."""
    n = len(base.t_s)
    if angle is None or base.step_s <= 0:
        return None
    taps = quick_turn_taps(sc.twist_quick_rise_s, sc.twist_quick_support_s, 1.0 / base.step_s)
    x = np.where(ok, angle, np.nan)
    quick = np.full(n, np.nan)
    for a, b in base.segments():
        quick[a:b] = quick_turn(x[a:b], taps)
    if np.isfinite(quick).sum() * base.step_s < sc.twist_landmark_min_read_s:
        return None
    return quick


def _roughness_judged(config: Config) -> bool:
    """Whether any fault table judges the outline's roughness (a finite
    ``rounded_back.max_outline_roughness_pct``; off by default)."""
    return any(np.isfinite(config.faults_for(e).rounded_back.max_outline_roughness_pct)
               for e in (*EXERCISES, "unknown"))


def _start(executor: Executor | None, fn, *args) -> Future:
    """``fn(*args)`` on ``executor``, or here and now (as a finished ``Future``) without one."""
    if executor is not None:
        return executor.submit(fn, *args)
    done: Future = Future()
    done.set_result(fn(*args))
    return done


def _unsmoothed_rows(w: geo.Joints, im: geo.Joints, vis: geo.Joints) -> dict[str, np.ndarray]:
    """Raw ``(T,)`` signals that need nothing smoothed or measured over the set first: the
    knee and elbow angles (visibility-weighted pairs), the head-neck angle, the body's and
    the pelvis' yaw, and the hip extension."""
    knees = (geo.joint_angle_deg(w, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
             geo.joint_angle_deg(w, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))
    elbows = (geo.joint_angle_deg(w, L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
              geo.joint_angle_deg(w, L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST))
    return {
        "knee": _mean_pair(knees, vis, L.LEFT_KNEE, L.RIGHT_KNEE),
        "elbow": _mean_pair(elbows, vis, L.LEFT_ELBOW, L.RIGHT_ELBOW),
        "head_neck": geo.head_neck_angle_deg(w),
        "body_yaw": geo.body_yaw_deg(w, im),
        "pelvis_yaw": geo.pelvis_yaw_deg(w, im),
        "hip_extension": geo.hip_extension_deg(w),
    }


def facing_in_picture(image_xy: np.ndarray, presence: np.ndarray, min_share: float,
                      min_presence: float = 0.5) -> float:
    """Which way the lifter faces across the picture over the set: +1 to the right, -1 to
    the left, by which way each toe lies from its heel (every frame and foot where both are
    present); 0 where under ``min_share`` of those readings agree (a front view, whose toes
    point at the camera, or feet hidden) or none was made."""
    ahead, seen = toes_ahead(image_xy, presence, min_presence)
    dx = ahead[seen & np.isfinite(ahead) & (ahead != 0.0)]
    if dx.size == 0:
        return 0.0
    right = float(np.count_nonzero(dx > 0)) / dx.size
    if right >= min_share:
        return 1.0
    return -1.0 if 1.0 - right >= min_share else 0.0


def _outline_rows(im: geo.Joints, back_xy: np.ndarray | None, sc: SignalConfig,
                  roughness: bool, size: tuple[int, int], facing: float
                  ) -> dict[str, np.ndarray | None]:
    """Raw ``(T,)`` signals of the back outline (``back_xy``, or None): its bulge, the
    elbows behind the back line and, if asked, its roughness (``geometry.back_bulge``,
    ``behind_back``, ``back_roughness``); NaN (roughness: None) without an outline. The
    bulge and roughness are NaN too where the picture (``size``: width, height; 0: not
    known) cut the back off (``back_cut_by_picture``), and all three where the outline lies
    on the side of the trunk the lifter faces (``facing``, ``facing_in_picture``; 0: not
    known): the pose pass took the chest for the back there. ``front`` marks those frames."""
    n = len(im)
    rows: dict[str, np.ndarray | None] = {
        "bulge": None, "roughness": None, "elbow_behind_back": np.full(n, np.nan),
        "cut": None, "front": np.zeros(n, dtype=bool)}
    if back_xy is not None:
        outline = geo.Outline.of(im, back_xy)
        first, last = sc.back_profile_first_point, sc.back_profile_last_point
        side = outline.side(first, last)  # the back's side of the chord, as the points lie
        front = rows["front"] = outline_on_front(side, facing)
        cut = back_cut_by_picture(im, back_xy, *size)
        rows["cut"] = cut
        unread = cut | front
        rows["bulge"] = np.where(unread, np.nan, geo.back_bulge(im, outline, first, last, side))
        rows["elbow_behind_back"] = np.where(
            front, np.nan, geo.behind_back(im, outline, L.LEFT_ELBOW, L.RIGHT_ELBOW))
        if roughness:
            rows["roughness"] = np.where(unread, np.nan, geo.back_roughness(
                im, back_xy, first, last))
    return rows


def outline_on_front(side: np.ndarray, facing: float) -> np.ndarray:
    """``(T,)`` bool: frames whose back outline lies on the side of the shoulder-hip chord
    the lifter faces (``side``: ``geometry.Outline.side``, the side of the chord most points
    lie on; ``facing``: +1 right, -1 left in the picture, 0: none marked). The ``Outline``'s
    normal (-chord_y, chord_x), the chord running from the shoulders to the hips, points
    behind a lifter facing the right of the picture, standing, leaning back or bent over
    alike; so an outline mostly on its negative side facing right (its positive side facing
    left) lies on the front."""
    if facing == 0.0:
        return np.zeros(side.shape, dtype=bool)
    return side == -facing


def outline_on_chest(seq: PoseSequence, sc: SignalConfig) -> np.ndarray | None:
    """``(T,)`` bool: the frames of ``seq`` whose back outline the analysis does not read as
    the back because it lies on the side the set faces (``outline_on_front`` with
    ``facing_in_picture``, as ``compute_signals``: pose files made before pose pass 2 took
    the chest there when a lifter leaned back); None without an outline. The video draws no
    outline on them, so it shows only the outline the rules read."""
    if seq.back_xy is None or seq.back_xy.shape[1] <= sc.back_profile_last_point:
        return None
    facing = facing_in_picture(seq.image_xy, seq.presence, sc.outline_facing_min_share)
    if facing == 0.0:
        return np.zeros(len(seq), dtype=bool)
    im = geo.Joints.gather(seq.image_xy, CHORD_LANDMARKS)
    side = geo.Outline.of(im, seq.back_xy).side(sc.back_profile_first_point,
                                                sc.back_profile_last_point)
    return outline_on_front(side, facing)


#: The landmarks the back's outline is measured against (the shoulder-hip chord's ends).
CHORD_LANDMARKS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


def back_cut_by_picture(im: geo.Joints, back_xy: np.ndarray, width: int,
                        height: int) -> np.ndarray:
    """``(T,)`` bool: frames where the picture cut the back off: an outline point on the
    picture's border (the mask ends there, not at the back) or a shoulder or hip outside it
    (the network guessed it; a real squat filmed with the shoulders out of the top of the
    picture read its back "rounded" 251 deg). No frame where the picture's size is not known
    (``width`` or ``height`` 0)."""
    n = back_xy.shape[0]
    if width <= 0 or height <= 0:
        return np.zeros(n, dtype=bool)
    x, y = back_xy[..., 0], back_xy[..., 1]
    with np.errstate(invalid="ignore"):
        cut = ((x <= 1.0) | (x >= width - 1.0) | (y <= 1.0) | (y >= height - 1.0)).any(axis=1)
        for lm in CHORD_LANDMARKS:
            lx, ly = im[lm]
            cut |= (lx < 0.0) | (lx > width) | (ly < 0.0) | (ly > height)
    return cut


#: The smoothed signals ``compute_twist`` reads (its posture rows and the pelvis' yaw): they
#: are filtered first, so that with a second thread the twist cues start there early.
_TWIST_INPUTS = ("trunk", "hip_height", "wrist_height", "pelvis_yaw")


def compute_signals(seq: PoseSequence, config: Config, *, roughness: bool | None = None,
                    executor: Executor | None = None) -> BodySignals:
    """Every per-frame signal the rules read. ``roughness``: also the back outline's
    roughness (``back_roughness``, a per-frame least-squares fit); by default only when a
    rule judges it, since it costs about a quarter of the analysis' time. ``executor``: a
    second thread for work that can run beside this one (the signals that need nothing
    smoothed first, the back outline's, and the twist cues, ``compute_twist``, whose
    ``Future`` is left in ``BodySignals.twist``: ``BodySignals.resolved`` waits for it).
    The signals are the same with or without it."""
    sc = config.signal
    if roughness is None:
        roughness = _roughness_judged(config)
    t = seq.t_s
    base = TimeBase.of(t)
    im = geo.Joints.gather(seq.image_xy, IMAGE_LANDMARKS, executor)
    w = geo.Joints.gather(seq.world_xyz, WORLD_LANDMARKS, executor)
    vis = geo.Joints.gather(seq.visibility[..., None], VISIBILITY_LANDMARKS, executor)
    has_outline = seq.back_xy is not None and seq.back_xy.shape[1] > sc.back_profile_last_point
    # The signals that need nothing smoothed first (joint angles, the views, the back
    # outline's): with an executor they are worked out there while the set's limb lengths
    # and facing direction, and the signals that need them, are worked out here.
    side = _start(executor, _unsmoothed_rows, w, im, vis)
    facing = facing_in_picture(seq.image_xy, seq.presence, sc.outline_facing_min_share)
    outlined = _start(executor, _outline_rows, im, seq.back_xy if has_outline else None, sc,
                      roughness, (seq.width, seq.height), facing if has_outline else 0.0)
    detected = seq.detected
    fps = 1.0 / base.step_s if base.step_s > 0 else 0.0

    def clean(rows: list[np.ndarray], cutoff: float = sc.smooth_cutoff_hz) -> list[np.ndarray]:
        return smooth_rows(base, rows, cutoff, sc.filter_order, sc.max_gap_s)

    legs = geo.leg_length(w)
    leg_m = _median(legs)
    arm_m = _median(geo.limb_length(w, L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST))
    # The facing direction is a property of the set, not of a frame: smooth it strongly.
    fx, fz = clean(list(geo.forward_xz(w)), min(sc.smooth_cutoff_hz, 1.0))
    norm = np.sqrt(fx * fx + fz * fz)
    fwd = np.zeros((3, len(t)))  # (x, 0, z) rows, passed on as (T, 3) vectors
    fwd[0], fwd[2] = fx / norm, fz / norm
    fwd = fwd.T
    reach = geo.joint_distance(w, (L.LEFT_WRIST, L.RIGHT_WRIST),
                               (L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    twisting = [geo.twist_deg(w), geo.hip_heading_deg(w)]
    raw: dict[str, np.ndarray] = {
        "trunk": geo.trunk_inclination_deg(w),
        "lean": geo.sagittal_lean_deg(w, fwd),
        "hips_forward": geo.hips_forward(w, fwd) / leg_m,
        "hip_height": geo.height_above_ankles(w, L.LEFT_HIP, L.RIGHT_HIP) / leg_m,
        "wrist_height": geo.height_above_ankles(w, L.LEFT_WRIST, L.RIGHT_WRIST) / leg_m,
        "reach": reach / arm_m,
        "picture_hip_extension": geo.picture_hip_extension_deg(im, facing),
    }
    raw.update(side.result())
    # One filter pass for every signal sharing a cut-off.
    same_cutoff = sc.twist_cutoff_hz == sc.smooth_cutoff_hz
    if same_cutoff:
        raw["twist"], raw["hip_heading"] = twisting
    # Each signal is filtered on its own (``smooth_rows``), so how they are grouped into
    # passes, and on which thread, changes nothing. The twist's inputs first, so that with
    # an executor the twist cues start there as soon as the back outline is done; then every
    # other signal here meanwhile, the outline's own last.
    smooth = dict(zip(_TWIST_INPUTS, clean([raw[name] for name in _TWIST_INPUTS]),
                      strict=True))

    # A skeleton the network squeezed into part of the body (``max_leg_to_trunk_ratio``)
    # shows neither trunk nor legs where they are.
    with np.errstate(invalid="ignore"):  # NaN compares False: no landmarks, nothing to doubt
        squeezed = geo.leg_to_trunk_ratio(w, legs) > sc.max_leg_to_trunk_ratio
    trunk_visible = detected & _pairs_visible(vis, TRUNK_PAIRS, sc.min_visibility) & ~squeezed
    # Trunk angle, hip height and wrist height (a row's pull moves the shoulder landmarks);
    # nothing that a turn of the trunk itself changes (arm reach, elbow angle, and, bent
    # over, the wrists' height difference: a twist about a leaning spine lifts one shoulder).
    posture = np.vstack([smooth["trunk"], smooth["trunk"] ** 2, smooth["hip_height"],
                         smooth["wrist_height"]])
    flow = flow_twist_deg(seq)
    landmarks = None
    if sc.twist_landmark_cue:
        views = ("front", "oblique") if sc.twist_landmark_oblique else ("front",)
        models = {v: m for v in views if (m := twist_landmark_model(v)) is not None}
        gated = {v: twist_landmark_model(v) for v in GATED_FITS}

        def landmarks(view: str) -> Iterator[tuple[np.ndarray | None, str]]:
            """The landmark twist of each fit for ``view``, with the fit's name, best first:
            with the hands at the shoulders the view's hands fit where one ships, then the
            view's own; each worked out only when asked for."""
            if (sc.twist_landmark_hands
                    and (hands := twist_landmark_model(f"{view}_hands")) is not None
                    and hands_at_shoulders(seq, sc.twist_hands_max_distance,
                                           sc.twist_hands_min_share)):
                yield landmark_twist_deg(seq, hands), f"{view}_hands"
            if view in models:
                yield landmark_twist_deg(seq, models[view]), view
            if gated.get(view) is not None:
                yield side_landmark_twist_deg(seq, gated[view]), view

    def upper_back() -> np.ndarray | None:
        # Every outlined frame, the chest's too (``_outline_rows``' "front"): the twist reads
        # how far the outline swings off the chord either way, and its limits were chosen
        # with those frames read (leaving them out quietened a real side squat's reading until
        # a cross-fade to a front view passed for a quick turn).
        return upper_back_depth(im, seq.back_xy) if has_outline else None
    twist_args = (base, w, im, image_depth_joints(seq), smooth["pelvis_yaw"], trunk_visible, sc,
                  posture, flow, twisting[0], flow_hidden_frames(seq), landmarks, upper_back)
    twist_cues = (executor.submit(compute_twist, *twist_args) if executor is not None
                  else compute_twist(*twist_args))
    here = [name for name in raw if name not in _TWIST_INPUTS]
    smooth.update(zip(here, clean([raw[name] for name in here]), strict=True))
    outline = outlined.result()
    drawn = [name for name in ("bulge", "roughness") if outline[name] is not None]
    smooth.update(zip(drawn, clean([outline[name] for name in drawn]), strict=True))
    elbow_back = outline["elbow_behind_back"]
    twist, hip_heading = ((smooth["twist"], smooth["hip_heading"]) if same_cutoff
                          else clean(twisting, sc.twist_cutoff_hz))
    bulge = smooth.get("bulge", np.full(t.shape, np.nan))
    rough = smooth.get("roughness")
    gradient = Gradient.of(t) if len(t) > 1 else None
    rate = gradient.apply(twist) if gradient else np.full(t.shape, np.nan)
    jerk = gradient.apply(rate, order=2) if gradient else np.full(t.shape, np.nan)
    with np.errstate(invalid="ignore"):
        jumped = geo.image_jump(im) * fps > config.assess.max_image_speed_torso_s
    broken = ~detected | jumped
    if seq.picture_cut is not None:  # a change of shot makes every landmark jump too
        broken |= seq.picture_cut
    return BodySignals(
        t_s=t, detected=detected,
        trunk_visible=trunk_visible,
        legs_visible=detected & _pairs_visible(vis, LEG_PAIRS, sc.min_visibility) & ~squeezed,
        head_visible=detected & _pairs_visible(vis, HEAD_PAIRS, sc.min_visibility),
        trunk_deg=smooth["trunk"], lean_deg=smooth["lean"],
        hips_forward_ratio=smooth["hips_forward"], hip_height_ratio=smooth["hip_height"],
        wrist_height_ratio=smooth["wrist_height"], arm_reach_ratio=smooth["reach"],
        knee_deg=smooth["knee"], elbow_deg=smooth["elbow"], head_neck_deg=smooth["head_neck"],
        twist_deg=twist, twist_rate_deg_s=rate, twist_jerk_deg_s3=jerk,
        yaw_deg=smooth["body_yaw"], hip_heading_deg=hip_heading,
        pelvis_yaw_deg=smooth["pelvis_yaw"], tracking_break=broken, bulge=bulge,
        hip_extension_deg=smooth["hip_extension"],
        elbow_behind_back=elbow_back, fps=fps, leg_length_m=leg_m, twist=twist_cues,
        back_roughness=rough, back_cut=outline["cut"],
        hip_extension_picture_deg=smooth["picture_hip_extension"],
    )
