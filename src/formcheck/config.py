"""Thresholds and exercise profiles: typed, frozen, layered (defaults < TOML file < CLI overrides).

Every number a rule compares against lives here, with its unit in its name. Fault thresholds
exist once per exercise (``squat``, ``deadlift``, ``row`` and ``unknown``) so that, e.g., a
deadlift can tolerate a different trunk angle than a squat.

TOML layout (every table and key optional)::

    [signal]
    smooth_cutoff_hz = 5.0

    [rounded_back]            # applies to every exercise
    min_held_flexion_deg = 15.0

    [deadlift.rounded_back]   # applies to deadlifts only (wins over the table above)
    min_held_flexion_deg = 13.0

Overrides use the same dotted paths: ``"rounded_back.min_held_flexion_deg=15"``,
``"deadlift.jerky_twist.min_twist_rate_deg_s=90"``, ``"reps.min_rep_duration_s=0.5"``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from formcheck.errors import ConfigError, InputNotFoundError

#: Exercises with their own threshold profile; ``unknown`` is used when none is recognised.
EXERCISES: tuple[str, ...] = ("squat", "deadlift", "row")
PROFILES: tuple[str, ...] = (*EXERCISES, "unknown")


@dataclass(frozen=True)
class SignalConfig:
    """Cleaning of landmark signals before any rule sees them."""

    #: Dropouts (no person / low visibility) up to this long are bridged by interpolation.
    max_gap_s: float = 0.3
    #: Zero-phase Butterworth low-pass for slow body signals (trunk angle, heights, bulge).
    smooth_cutoff_hz: float = 4.0
    #: Low-pass for the twist angle; higher, so that a 0.2 s jerk survives smoothing.
    twist_cutoff_hz: float = 4.0
    #: Low-pass for the fused twist angle (features.compute_twist). At 30 fps a true 10 deg
    #: twist out and back in 0.2 s then peaks at 107 deg/s (63 at 4 Hz), clear of a slow 2 s
    #: twist of 40 deg (63 deg/s at any cut-off).
    twist_angle_cutoff_hz: float = 8.0
    #: Running median over this many frames before that low-pass (1 = none): the pose
    #: network's depth sometimes jumps for a single frame during a large twist (on rendered
    #: truth a slow 40 deg twist then read as a 300 deg/s snap).
    twist_despike_frames: int = 3
    #: Twist from the projected shoulder/hip widths (features.compute_twist): it counts fully
    #: when the hip line is turned at least ``twist_width_full_deg`` from facing the camera
    #: (or facing away), not at all below ``twist_width_zero_deg`` (facing the camera, a
    #: turn shortens both sides alike: no sign, and a cosine flat near 0).
    twist_width_full_deg: float = 35.0
    #: Below this turn of the hip line from square-on the width cue counts for nothing.
    twist_width_zero_deg: float = 15.0
    #: Calibration to true degrees, fitted on rendered truth (bench/eval_twist.py cues):
    #: the share of a true twist that the width cue, the image-landmark depth twist and the
    #: world-landmark twist (sequences without image depth) read.
    twist_width_kept: float = 0.65
    #: Share of a true twist the image landmarks' depth reads (calibration, see above).
    twist_depth_kept: float = 0.55
    #: Share of a true twist the world landmarks read (pose files without image depth).
    twist_world_kept: float = 0.3
    #: Share of a true twist the torso's optical flow reads seen square-on (pose files with
    #: ``torso_flow``; there it replaces the depth cue). Small: the flow of a plain shirt
    #: follows its edges and folds more than the turning surface.
    twist_flow_kept: float = 0.12
    #: Where the flow is the cue and the hands hid the torso from it on a frame
    #: (``features.flow_hidden_frames``), read that frame's turn from the image landmarks'
    #: depth, after a running median over this many frames, instead of as no motion; 0: off
    #: (those reps stay "not assessable"). Off: on rendered twists it found none of the 11
    #: the hands hid with 5 frames, and with 1 it warned on slow twists (docs/analysis.md,
    #: twist round 11).
    twist_hidden_depth_median_frames: int = 0
    #: Seen square-on and facing the camera, read the twist from a fitted combination of the
    #: shoulders', hips' and knees' positions in the picture (``features.landmark_twist_deg``,
    #: weights in ``analysis/data/twist_landmarks.json``, made by ``bench/twist_learned.py
    #: fit``) instead of the torso's flow or the landmarks' depth: on rendered twists with the
    #: body held out its noise was a third of the flow's (docs/analysis.md, twist round 12).
    twist_landmark_cue: bool = True
    #: Also turned towards the camera (about 45 deg), with the fit made on renders from there
    #: (``analysis/data/twist_landmarks_oblique.json``), instead of the projected widths. Off:
    #: it warned on 7 of 95 real clean reps (docs/analysis.md, twist round 12).
    twist_landmark_oblique: bool = False
    #: Square-on, where the hands stay at the shoulders in the picture
    #: (``twist_hands_max_distance``, ``twist_hands_min_share``: arms held forward, a bar on
    #: the back), read the twist with the fit that also weighs the elbows and wrists
    #: (``analysis/data/twist_landmarks_hands.json``, made on rendered air squats with the arms
    #: held forward and back squats with a bar): the arms turn with the shoulders there, and
    #: an upright trunk shows a twist in little else (docs/analysis.md, twist round 13).
    twist_landmark_hands: bool = True
    #: The hands are at the shoulders where each wrist is within this many torso lengths of
    #: its own shoulder in the picture...
    twist_hands_max_distance: float = 0.5
    #: ...on at least this share of the frames where wrists and shoulders are seen.
    twist_hands_min_share: float = 0.9
    #: Seen from the side (the hip line at least ``twist_side_min_off_deg`` from facing the
    #: camera or facing away), read the twist from the side fit
    #: (``analysis/data/twist_landmarks_side.json``: the head's, shoulders', hips' and knees'
    #: positions in the picture, nearer side first, made on rendered side views) beside the
    #: upper back's outline (``features.upper_back_depth``); the rule warns only where both
    #: turn quickly at once (``JerkyTwistThresholds.side_outline_spreads``). Off: side views
    #: stay not assessable for the twist (docs/analysis.md, twist round 14).
    twist_side_cue: bool = True
    #: ...from this far off facing the camera: the views' own side bin
    #: (``view.oblique_max_yaw_deg``), as the hip line reads it. Only reps the hip line puts in
    #: the side view are judged with it; a side-view clip whose hip line turns less says so.
    twist_side_min_off_deg: float = 62.0
    #: Turned towards the camera (between ``twist_width_zero_deg`` and the side reading), read
    #: the twist as from the side: a fit made on 45° renders in the side reading's frame
    #: (``analysis/data/twist_landmarks_oblique_near.json``), warning only beside the back
    #: outline's evidence (``JerkyTwistThresholds.oblique_*``), in place of the projected
    #: widths, which found 0 of 12 20° twists there. Its limits are chosen with rendered
    #: back faults (a rounding read as a twist at 4 spreads) among the reps it may not warn
    #: on (docs/analysis.md, twist rounds 14 and 15). Off: the widths read it, as before.
    twist_oblique_near: bool = True
    #: ...from this far off facing the camera (the hip line's median turn): the renders it was
    #: measured on read 38.6–50.2°; a set turned less is read by the widths, as before.
    twist_oblique_near_from_deg: float = 35.0
    #: Facing away at 45° (the hip line turned between ``twist_oblique_far_from_deg`` and the
    #: side reading), read the twist the same way with a fit made on rear-45° renders
    #: (``analysis/data/twist_landmarks_oblique_far.json``, ``JerkyTwistThresholds.rear_*``):
    #: bodies held out it found 17 of 24 20° and 21 of 22 40° rendered twists and warned on
    #: none of 66 slow, 70 twist-free and 68 back-fault reps (bench/twist_side.py rule --view
    #: rear45; docs/analysis.md, session 17). Round 15 had it off (7 of 24, a twist-free rep
    #: warned at every limit): the rep count then merged reps filmed from behind at 45°, and
    #: the bench matched rendered reps to counted ones by number.
    twist_oblique_far: bool = True
    #: ...from this far off facing away (the hip line's median turn).
    twist_oblique_far_from_deg: float = 35.0
    #: That cue is judged by a matched filter for a quick turn (``signal.quick_turn_taps``):
    #: the size of a turn rising over this long...
    twist_quick_rise_s: float = 0.1
    #: ...fitted next to a constant, a ramp and a parabola over this long around each frame
    #: (so a posture or a slow turn reads about 0). The fit was made through the same filter.
    twist_quick_support_s: float = 0.5
    #: The landmark cue reads a set only where its quick turns were read on at least this long
    #: of it (the shoulders, hips and knees present); else the other cues read it.
    twist_landmark_min_read_s: float = 1.0
    #: Order of those Butterworth filters (applied forwards and backwards).
    filter_order: int = 2
    #: A landmark counts as seen when its visibility is at least this.
    min_visibility: float = 0.5
    #: Frames whose world landmarks put the legs (hip-knee plus knee-ankle, the two sides'
    #: mean) more than this many times the trunk's length (shoulder-mid to hip-mid) show no
    #: body a lift can make: the network squeezed the skeleton into part of the body (a loaded
    #: bar's plates over the torso, looked at: the hips at mid-chest, the feet at the knees).
    #: Their trunk and legs count as not seen. Session 23: rendered lifters' frames read
    #: 0.8-2.7 (150,000 frames; 7 frames over 3 in one render set, a lifter at the picture's
    #: edge), the shared clips' per-clip medians 1.1-2.0 with 12 frames over 3, where a
    #: mirrored copy of a real squat read 3.2-4.4 on the frames of a false 24° over-extension.
    max_leg_to_trunk_ratio: float = 3.0
    #: Back-outline points fitted (indices into ``back_xy``; the ends sit on shoulder blade
    #: and buttocks, where the outline leaves the spine).
    back_profile_first_point: int = 2
    #: Last back-outline point fitted (see ``back_profile_first_point``).
    back_profile_last_point: int = 14
    #: Before pose pass 2 the back was looked for on the side of the trunk away from the
    #: face, toes and knees; leaning back at a lockout with the hips placed wrong, that picked
    #: the chest on 21% of a real deadlift's outlined frames (shared bad014). Pose pass 2 asks
    #: the feet first, frame by frame; for pose files made before, and frames whose feet did
    #: not say, an outline frame is not read where its points lie on the side the lifter
    #: faces, judged by which way the toes point from the heels in the picture, where at least
    #: this share of the set's foot readings agree (0.84-1.0 on the real side and 45° views;
    #: about half on the front views, where the toes point at the camera).
    outline_facing_min_share: float = 0.8
    #: Level the world landmarks by the camera's roll that the scene's straight lines show
    #: (``pose.scene_level``: the wall meeting the floor, door frames, racks): the trunk's lean
    #: and the body's heights are measured in the camera's axes: real clips turned 6° read
    #: the lean about 5° off, and a seated cable row so turned got three false severe
    #: roundings (docs/analysis.md, session 21). Used only when the estimate is trusted
    #: (the four limits below); otherwise the picture's own axes are kept, as before.
    level_from_scene: bool = True
    #: ... at least this many distinct long straight lines were read (over the sampled
    #: frames; a rendered room shows 0-14, median 9) ...
    level_min_lines: int = 5
    #: ... at least this share of their length agrees with the roll (within 2°): the shared
    #: clips turned ±6° that were read to within 1.5° agreed 0.69-1.0; a front-view gym clip
    #: whose rack's beams recede read 2.25° at 0.71, not plainly right, so not below 0.75 ...
    level_min_share: float = 0.75
    #: ... the roll is at least this large (a smaller one is within the estimate's error:
    #: the shared clips read as level, -0.5..0.5°, are left as they are) ...
    level_min_roll_deg: float = 1.0
    #: ... and at most this large (a larger roll is no phone propped a little off level).
    level_max_roll_deg: float = 12.0


@dataclass(frozen=True)
class ViewConfig:
    """Camera view from the body's yaw (0 deg = facing the camera, 90 = side, 180 = back)."""

    #: Body yaw up to this: front view.
    front_max_yaw_deg: float = 25.0
    #: Up to this: oblique (about 45 deg) view.
    oblique_max_yaw_deg: float = 62.0
    #: Up to this: side view.
    side_max_yaw_deg: float = 118.0
    #: Up to this: rear-oblique view; beyond it, rear view.
    rear_oblique_max_yaw_deg: float = 155.0
    #: The view is judged over windows this long (it may change during a clip).
    window_s: float = 2.0


@dataclass(frozen=True)
class RepConfig:
    """Rep segmentation on the exercise's progress signal (hysteresis between two levels)."""

    #: Levels as fractions of the signal's robust range (5th..95th percentile).
    enter_level_frac: float = 0.6
    #: A rep ends when the signal falls below this level (fraction of the range).
    exit_level_frac: float = 0.3
    #: Range of the progress signal below which no rep is counted (in leg lengths / ratio).
    min_range_ratio: float = 0.12
    #: A rep must reach at least this fraction of the set's typical (median) rep depth.
    min_depth_frac_of_median: float = 0.55
    #: Shorter movements are not counted as reps.
    min_rep_duration_s: float = 0.5
    #: Longer movements are not counted as reps.
    max_rep_duration_s: float = 15.0
    #: Deadlift lockout: the top part of the pull, as a fraction of the rep's own range.
    lockout_level_frac: float = 0.9
    #: Frames where the trunk was not seen, this long or shorter between two seen ones, are
    #: bridged in the progress signal before reps are counted: one hidden frame at a
    #: deadlift's lockout (a real clip: 33 ms) had ended the rep there and counted its
    #: lowering as a second rep starting at the top.
    max_gap_s: float = 0.3
    #: A movement counts as a rep only where the trunk was seen on at least this share of its
    #: frames, from the rest it left to the rest it came back to (frames seen, not the short
    #: gaps above bridged over): one frame seen amid 1.4 s hidden, a real squat clip's lifter
    #: walking out of view at its end, had counted as a rep. Of the movements counted before,
    #: two real ones were seen on 8% of their frames (that one, and a hand-held camera's
    #: fragment); of those counted now, one real one on 15-16% (the last rep of a hand-held
    #: squat clip whose back outline was found on 16% of its frames), every other real one (84
    #: shared clips) on 26% or more, every rendered one (724 clips) on 22% or more.
    min_seen_frac: float = 0.15
    #: A rep also owns the still moments around its movement, so that a fault there belongs
    #: to it: up to this long before it leaves rest (the set-up: a deadlift's back rounds at
    #: the floor before the bar moves) ...
    setup_s: float = 1.0
    #: ... and up to this long after it is back at rest (standing tall at the end: a squat's
    #: lower back over-arches at lockout, after the hips have stopped rising). Between two
    #: reps the still time is shared as the exercise's rest position says (a squat's
    #: standing: all to the rep just finished; a deadlift's floor or a row's hang: half each).
    finish_s: float = 1.0


@dataclass(frozen=True)
class AssessConfig:
    """When a clip or rep is good enough to judge at all."""

    #: Fewer frames with a person than this: nothing can be judged.
    min_frames: int = 10
    #: A clip shorter than this cannot be judged.
    min_duration_s: float = 1.0
    #: Share of a rep's frames that must have the person with the needed landmarks visible.
    min_visible_frac: float = 0.6
    #: Share of frames with a usable back outline for the back-profile signal to count.
    min_profile_frac: float = 0.5
    #: A back finding (rounding, over-extension) must hold this many frames as well as its
    #: ``min_duration_s``: at 12 fps 0.15 s is two frames, and a real squat's clip with every
    #: other frame dropped read a two-frame lean back of its hips (0.09 s) as a moderate
    #: over-extension. From 20 fps on, 0.15 s is already three frames or more.
    min_finding_frames: int = 3
    #: Third derivatives need enough samples per second (GIF-derived clips have 3.75-15 fps).
    min_fps_for_jerk_hz: float = 20.0
    #: The hip centre moving faster than this in the image (torso lengths per second; a fast
    #: real lift stays under ~5, median clip under 3) means the landmarks jumped: a camera
    #: cut, a lost track or another person. Abrupt-motion rules skip those moments.
    max_image_speed_torso_s: float = 8.0


@dataclass(frozen=True)
class PoseConfig:
    """How frames are handed to the pose model (the pose pass; poses saved by another setting
    are not reused)."""

    #: Frames whose longer side exceeds this many pixels are scaled down to it (aspect kept,
    #: area-averaged) before the pose model, the back outline's mask and the torso's flow read
    #: them; every pixel position is mapped back to the source frame's pixels, and the
    #: annotated video keeps the source size. The model itself reads 256x256, so a 4K frame
    #: holds nothing more for it: `formcheck analyze --no-video` on a 3840x2160 clip (90
    #: frames) peaked at 714 MiB against 998 without the cap, 7680x4320 (30) at 1467 against
    #: 2488, with the same findings (bench/large_frames.py, session 25). 0: never scaled; else
    #: at least 480.
    max_side_px: int = 1920


@dataclass(frozen=True)
class ExerciseConfig:
    """Which lift (``analysis.exercise``): each exercise's profile of soft criteria scores
    0..1; the best wins when its score and its lead over the runner-up are high enough, else
    "unknown". Limits chosen by ``bench/eval_exercise.py`` on the shared clips and the renders
    (held out by source and by body; docs/analysis.md "Exercise recognition"). The confidence
    shown is the measured share of right answers among lifts recognised with a similar lead."""

    #: A winner needs at least this score (its profile's memberships combined, 0..1) ...
    min_score_frac: float = 0.6
    #: ... and this lead over the runner-up's score.
    min_margin_frac: float = 0.05
    #: Hips travelling more than this (robust range) make the movement "unknown" (inf: never).
    #: Session 7 stopped at 1.0, where occluded clips (a lifter behind the plates, feet out of
    #: the picture) read 1.0-1.7: the hip height is measured from the ankles; the hand cues
    #: are measured from the hips, so those clips keep them; the fit chose no limit.
    max_hip_range_ratio: float = math.inf
    #: A squat's hands rise above the hips (bar on the back or at the shoulders, arms held
    #: out): membership 0 at this height of the wrists over the hips (90th percentile over
    #: the set), 1 at 0.15 more; the deadlift's hand limit below also caps a squat's lowest.
    squat_hands_zero_ratio: float = 0.1
    #: A deadlift's hands hang below the hips (straight arms down to the bar): membership 0
    #: at this height of the wrists over the hips (10th percentile), 1 at 0.15 lower; a
    #: squat's hands must not hang that low (the mirror ramp).
    deadlift_hands_zero_ratio: float = -0.1
    #: A row's hips stay put: membership 0 at this hip travel, 1 at ``row_hip_full_ratio``.
    #: Rendered rows seen from the side read 0.16-0.37 (the bent-over hips' height is
    #: estimated, not seen); a deadlift's hips travel 0.3-0.7, which its own criteria tell
    #: apart.
    row_hip_zero_ratio: float = 0.5
    #: A deadlift ends standing tall: the trunk's least inclination (5th percentile) gets
    #: membership 0 here, 1 at ``deadlift_upright_ramp_deg`` less (inf: not a criterion). A
    #: row stays bent over (rendered 20-53 deg).
    deadlift_upright_zero_deg: float = 45.0
    # The profiles' other ramps: membership 0 at ``*_zero_*``, 1 at ``*_full_*`` (linear
    # between; ``EXERCISE_RAMPS`` says which way each runs). Hip, wrist and hand heights are
    # in leg lengths, the hands' reach in arm lengths (``analysis.exercise.movement_features``).
    #: A squat moves the hips: membership 0 at this hip travel (robust range) ...
    squat_hip_range_zero_leg_lengths: float = 0.12
    #: ... 1 at this one.
    squat_hip_range_full_leg_lengths: float = 0.25
    #: A squat bends the knees: membership 0 at this least knee angle (``knee_min_percentile``
    #: of the set; 180 deg is straight) ...
    squat_knee_zero_deg: float = 130.0
    #: ... 1 at this one (deeper).
    squat_knee_full_deg: float = 105.0
    #: Width of the hand ramps (the squat's hands above the hips from
    #: ``squat_hands_zero_ratio`` up, the deadlift's below them from
    #: ``deadlift_hands_zero_ratio`` down, and the squat's mirror cap on hands hanging low).
    hands_ramp_leg_lengths: float = 0.15
    #: A deadlift hinges: membership 0 at this swing of the trunk's inclination (robust
    #: range) ...
    deadlift_trunk_range_zero_deg: float = 20.0
    #: ... 1 at this one.
    deadlift_trunk_range_full_deg: float = 35.0
    #: A deadlift keeps the arms straight: membership 0 at this least elbow angle (5th
    #: percentile; 180 deg is straight) ...
    deadlift_elbow_zero_deg: float = 110.0
    #: ... 1 at this one.
    deadlift_elbow_full_deg: float = 140.0
    #: A deadlift lifts the bar: membership 0 at this travel of the wrists' height (robust
    #: range) ...
    deadlift_wrist_range_zero_leg_lengths: float = 0.12
    #: ... 1 at this one.
    deadlift_wrist_range_full_leg_lengths: float = 0.25
    #: Width of the deadlift's standing-tall ramp (below ``deadlift_upright_zero_deg``).
    deadlift_upright_ramp_deg: float = 15.0
    #: A row pulls the hands in to the body: membership 0 at this travel of the wrists'
    #: distance from the shoulders (robust range) ...
    row_reach_range_zero_arm_lengths: float = 0.12
    #: ... 1 at this one.
    row_reach_range_full_arm_lengths: float = 0.25
    #: A row bends the elbows: membership 0 at this swing of the elbow angle (robust range) ...
    row_elbow_range_zero_deg: float = 25.0
    #: ... 1 at this one.
    row_elbow_range_full_deg: float = 45.0
    #: The row's hips-stay-put ramp reaches 1 at this hip travel (0 at ``row_hip_zero_ratio``).
    row_hip_full_ratio: float = 0.12
    #: A row's hands come down to about the hips at the arms' longest (a bent-over row's hang
    #: below them, a seated or chest-supported row's reach forward at about their height):
    #: membership 0 where the hands' low position (``wrists_over_hips_low``) stays this high
    #: over the hips ...
    row_hands_zero_ratio: float = 0.45
    #: ... 1 at this one (lower). Session 19: 6 of 16 back squats rendered square-on (hands
    #: on the bar at the shoulders, their low position 0.38-0.45) were called rows, one as a
    #: clear call; the rendered rows' low position reads at most 0.04, the shared real rows' at
    #: most 0.28.
    row_hands_full_ratio: float = 0.3
    #: The hands' low position against the hips (``wrists_over_hips_low``): this percentile
    #: of the wrists' height over the hips across the set ...
    hands_low_percentile: float = 10.0
    #: ... and their high position (``wrists_over_hips_high``): this one.
    hands_high_percentile: float = 90.0
    #: The least knee angle of a set (``knee_min``): this percentile of it.
    knee_min_percentile: float = 5.0
    #: A recognised lift whose lead over the runner-up is at least this is a clear call,
    #: below it a close call (the split that best separates right from wrong answers held
    #: out, ``bench/eval_exercise.py``; measured for the limits above; one split for every
    #: pose model).
    clear_margin_frac: float = 0.25
    # The confidence shown for a recognised lift: the share of calls of its level that were
    # right, held out, on poses made by the pose model that made this set's (the report's
    # ``model``; ``right_frac``): ``python bench/eval_exercise.py --poses
    # /work/cache/models-M``, its lines "at the shipped split". A model or level without a
    # setting here (fewer than 10 such calls measured; "synthetic" poses; a bundle of another
    # name) shows no share, never another model's. Measured for the limits above: re-measure
    # when they change.
    #: Full model, clear calls: 733 of 735 right (its poses of the 84 real clips, held out by
    #: source: 66 of 68; and of the 724 renders, held out by body: 667 of 667; session 22,
    #: re-measured for session 19's limits).
    full_clear_right_frac: float = 0.997
    #: Full model, close calls: 16 of 22 right (as above: real 2 of 4, renders 14 of 18).
    full_close_call_right_frac: float = 0.727
    #: Lite model, clear calls: 57 of 61 right (its poses of the 84 real clips, held out by
    #: source; the renders were posed with the full model only). Its close calls: 2, too few
    #: for a share.
    lite_clear_right_frac: float = 0.934
    #: Heavy model, clear calls: 63 of 64 right (its poses of the 84 real clips, held out by
    #: source; no renders). Its close calls: 5, too few for a share.
    heavy_clear_right_frac: float = 0.984

    def right_frac(self, model: str | None, clear: bool) -> float | None:
        """The confidence of a clear (else close) call on poses made by pose model ``model``
        (``PoseSequence.model``): its measured share above, None where none was measured."""
        level = "clear" if clear else "close_call"
        value = getattr(self, f"{model}_{level}_right_frac", None) if model else None
        return value if isinstance(value, float) else None


@dataclass(frozen=True)
class RoundedBackThresholds:
    """Flexion beyond the lifter's own neutral, in degrees estimated from the back profile
    (decides), trunk and head-neck (support)."""

    #: Estimated spinal flexion past a neutral bent-over back (``neutral_bulge_pct``), deg, to
    #: warn: for lifters who stay rounded. The outline's bow is read in degrees through
    #: ``flexion_deg_per_pct``; the fixed neutral is a population guess (real neutral
    #: bent-over backs read -2..+6% of the chord, rendered bare ones -13%, clothed -3..-5%),
    #: so this level is less calibrated than the rise below. 20.3 deg is the bow of 5.2% past
    #: that neutral which cross-validation chose on the real clips (13 deg through the bare
    #: bodies' line used before round 9).
    min_held_flexion_deg: float = 20.3
    #: Judge poses made by the lite pose model. Off: every limit here was chosen on the full
    #: model's poses, and on the lite model's poses of the shared real clips the rule warned
    #: on 5 of 18 clean lifts (the full model's: 1 of 17; the same 8 of 8 roundings found;
    #: ``bench/eval_clips.py --poses DIR-OF-LITE-POSES --set
    #: rounded_back.judge_lite_poses=true``): a lite set is not assessable, and says so.
    judge_lite_poses: bool = False
    #: Judge poses made by the heavy pose model. Off: on its poses of the shared real clips
    #: the rule warned on 3 of 17 clean lifts (the full model's: 1 of 17; 8 of 8 found).
    judge_heavy_poses: bool = False
    #: Release the warning when the estimate falls below this fraction of its limit.
    release_frac: float = 0.7
    #: The bow must stay past its limit at least this long.
    min_duration_s: float = 0.15
    #: Neutral bulge of a bent-over back. Standing frames are no neutral: measured on real
    #: side-view clips, glutes and lordosis make the standing outline concave (-5..-18%)
    #: while neutral bent-over backs read about -2..+6% (median ~1-2%).
    neutral_bulge_pct: float = 2.0
    #: Rounding that develops during the lift: estimated flexion (deg) over the lifter's own
    #: straightest bent-over moments (``neutral_percentile`` of the judged frames). Chosen
    #: on real clips (``bench/eval_clips.py --cv``: a rise of 12.2% of the chord): their
    #: good side-view lifts rise 2-18% (median 5%), more than a rendered 45 deg rounding
    #: under a shirt (6-10%); a 20 deg limit fitted on clothed renders gave 8 false alarms
    #: on 22 clean real lifts held out (docs/analysis.md, round 9). Applies only when the
    #: own neutral is below ``neutral_bulge_pct`` (otherwise the fixed neutral already
    #: judges the set).
    min_flexion_deg: float = 45.6
    #: Degrees of true spinal flexion per % of chord of outline bow (side view): a rep's
    #: peak flexion ~ this x the bow's held peak over the neutral + ``flexion_offset_deg``,
    #: least squares on rendered lifters bare and in loose clothing (``bench/fit_flexion.py``,
    #: leave one body out; round 9). Bare bodies alone gave 3.7 and -6.3, which read clothed
    #: ones 10-13 deg low; clothed alone 5-6 per %.
    flexion_deg_per_pct: float = 3.59
    #: Offset of that line, deg (the held peak of a noisy bow over its own 10th percentile
    #: reads a few % above zero on a neutral back).
    flexion_offset_deg: float = 1.6
    #: Error bar every finding states for a rounding that develops, deg: the range that holds
    #: 80% of reps' estimates on rendered bodies no fit used, bare and clothed together (the
    #: lifter's clothing is unknown), at true sizes of 45-50 deg, the sizes a finding states
    #: (from the 45.6 deg limit to 50 deg; past it no error bar is given). Session 25
    #: (``bench/flexion_range.py read``, side view, bodies m_heavy/f_tall/m_short/f_avg):
    #: deadlifts 19.3, rows 28.7, squats 11.0 (kept at round 11's held-out mean error, 14.0,
    #: the larger), 21.5 over all (for an exercise not recognised); their profiles carry
    #: these. The error grows with the size (deadlifts 7.8 at 20 deg, 11.5 at 35 deg).
    #: Round 11's mean absolute errors (6.8, 10.7, 14.0, 8.8 over 0-45 deg, other bodies)
    #: held 9 of 24 deadlift and 4 of 12 row reps at 45 deg.
    flexion_error_deg: float = 21.5
    #: Read the side view's bow in degrees through a calibration that also takes the trunk's
    #: forward lean (round 12): flexion = ``lean_flexion_deg_per_pct`` x bow +
    #: ``lean_flexion_deg_per_lean_deg`` x lean + ``lean_flexion_offset_deg``, fitted per
    #: exercise on every rendered set with bodies held out (``bench/fit_flexion.py
    #: --across-sets``). The limits stay in degrees, so their bow then depends on the lean.
    #: Off: the line above.
    lean_calibration: bool = False
    #: Degrees of flexion per % of chord of bow, lean-aware calibration (side view). These
    #: defaults are the fit on every exercise together (for an exercise not recognised);
    #: each exercise's profile carries its own fit (deadlift 2.66, row 1.23, squat 0.97).
    lean_flexion_deg_per_pct: float = 2.41
    #: Degrees of flexion per degree of the trunk's forward lean, lean-aware calibration
    #: (deadlift 0.27, row 0.57, squat 0.89: on the renders most of the estimate then comes
    #: from the lean, not the outline; docs/analysis.md, round 12).
    lean_flexion_deg_per_lean_deg: float = 0.22
    #: Offset of the lean-aware calibration, deg (deadlift -14.1, row -15.0, squat -29.7).
    lean_flexion_offset_deg: float = -7.4
    #: Mean absolute error of the lean-aware estimate on rendered bodies held out, deg (the
    #: error bar a finding states when ``lean_calibration`` is on): deadlift 5.6, row 8.9,
    #: squat 9.0, and 7.4 for the pooled fit (an exercise not recognised).
    lean_flexion_error_deg: float = 7.4
    #: From a 45 deg view only the rise over the lifter's straightest frames could be
    #: judged, against this limit (deg). ``inf`` (off): on rendered truth the 45 deg
    #: estimate misses a rep's peak by 8.3 deg on average (bodies left out), and 5 of 11
    #: clean real 45 deg lifts read 19-86 deg; the real clips' cross-validation chose 40 deg
    #: (the highest offered), which finds 1 of 8 rendered 45 deg roundings: no truthful
    #: verdict.
    oblique_min_flexion_deg: float = math.inf
    #: Degrees of flexion per % of chord of the rise, 45 deg view (fitted like the side's,
    #: together with ``oblique_flexion_deg_per_head_drop_deg``).
    oblique_flexion_deg_per_pct: float = 1.15
    #: Degrees of flexion per degree the ear-shoulder-hip angle closes below the lifter's
    #: own (``100 - neutral_percentile``th percentile of the judged frames), 45 deg view:
    #: from 45 deg the outline shows a rounding less than from the side, the head's drop
    #: against the shoulders more (rendered truth, ``bench/fit_flexion.py --head-drop``).
    oblique_flexion_deg_per_head_drop_deg: float = 1.41
    #: Offset of the 45 deg estimate, deg.
    oblique_flexion_offset_deg: float = -9.9
    #: Mean absolute error of a rep's peak 45 deg estimate on rendered bodies left out of
    #: the fit, deg: the error bar a 45 deg finding states.
    oblique_flexion_error_deg: float = 8.3
    #: The rise is counted from the lifter's straightest bent-over profile, but never from
    #: more concave than this (% of the chord): an arched back straightening out is not a
    #: rounding (shared clip bad006: an arched set-up read as a 12.5% "rise"). ``inf``: no
    #: floor (rendered bare bodies read -13% when neutral, real lifters -2..+7%).
    max_own_arch_pct: float = 7.0
    #: Percentile of the judged frames' bow taken as the lifter's straightest (see
    #: ``min_flexion_deg``).
    neutral_percentile: float = 10.0
    #: Frames with the trunk at most this far from vertical define the upright neutral of the
    #: head-neck angle.
    neutral_max_trunk_deg: float = 25.0
    #: Fewest seconds of frames needed to take a neutral from.
    min_neutral_s: float = 0.3
    #: Only judge while the trunk leans forward at least this much (loaded, bent positions;
    #: the outline of a more upright trunk is shaped by glutes and lordosis).
    judge_min_trunk_deg: float = 35.0
    #: The fixed-neutral level (``min_held_flexion_deg``) judges only frames leaning at least
    #: this far forward: its neutral (``neutral_bulge_pct``) was measured on hip hinges
    #: leaning 35-80 deg. A near-upright trunk (a seated cable row at 30 deg) shows the
    #: upper back's ordinary thoracic curve (+9..+14% on a clean real row); the rise over the
    #: lifter's own straightest frames still judges those frames. (Squats from 40 deg took
    #: away a rendered clean squat's 26 deg "held rounding" at a 35-36 deg bottom, filmed from
    #: 5 m, but missed the synthetic squats' 30 deg roundings: not done, session 15.)
    held_min_trunk_deg: float = 35.0
    #: Ear-shoulder-hip angle drop (from its own neutral) that counts as supporting evidence.
    support_head_neck_drop_deg: float = 12.0
    #: Skip frames with an elbow this far behind the back line (fraction of the shoulder-hip
    #: chord): the upper arm's silhouette then merges with the back's. At the top of a
    #: rendered side-view row it raised a neutral back's bulge from -16% to -3% (a false
    #: rounding). Rows, deadlifts and an exercise not recognised (0.05: a rendered row the
    #: recognition left unknown read a slow twist's pull as a 53 deg rounding without it);
    #: off for squats: a back squat holds the elbows behind the back for the whole set.
    max_elbow_behind_back_frac: float = 0.05
    #: Frames whose back outline strays from a smooth bow by more than this RMS (% of the
    #: shoulder-hip chord; ``geometry.back_roughness``) are not judged: the outline is then
    #: not the back's (an arm, a dumbbell or a graphic merged with it). 99th percentile per
    #: clip: rendered backs up to 3.0% (side) and 2.8% (45 deg; a 45 deg row whose arm
    #: crossed the back 6.6%), real side views 0.5-3.9%. ``inf`` (off): the real clips'
    #: cross-validation gained nothing from it (docs/analysis.md, round 7).
    max_outline_roughness_pct: float = math.inf
    #: In a clip whose overall view cannot show the back (a front view cutting to side
    #: shots), a rep is judged when its mean yaw is a side view and at least this share of
    #: its frames are side-view frames themselves (the real mixed clips' side reps: 0.76-1.0;
    #: a hand-held squat whose back is hidden and whose yaw swings 40-176 deg: 0.13). The
    #: over-extension rule uses it too, for its side and 45 deg reps. ``inf``: such clips
    #: are not judged at all.
    mixed_min_rep_side_frac: float = 0.5
    #: The rounding rule reads the back's curve only where the body is turned at least this
    #: far from facing the camera and at most 180 minus this (deg of yaw: within 90 minus
    #: this of side-on); elsewhere it is not assessable. The view bins
    #: (``view.oblique_max_yaw_deg``, 62) stay as they are for the other rules. Rendered
    #: deadlifts filmed from 65 deg read 62-73; one neutral body there (yaw 66) bowed -7..+7%
    #: and was flagged on 2 of 2 reps at 62; a real deadlift filmed from behind and to the
    #: side (yaw 113-121) was flagged on a neutral back (docs/analysis.md, round 8).
    side_min_yaw_deg: float = 66.0


@dataclass(frozen=True)
class LumbarOverextensionThresholds:
    """Over-extension where it happens: at lockout, the trunk behind the line of the thighs
    (hip hyperextension, measured between body segments, so the camera's tilt and roll do
    not enter); while bent over (rows, deadlift set-up), a lower back arched concave past a
    straight line (side view only: the outline)."""

    #: Trunk behind the thigh line at lockout, deg. Real neutral lockouts (side/45 deg,
    #: 0.2 s sustained maximum) read -10..+6, a hyper-extended one (shared bad013) 12.6.
    min_hip_extension_deg: float = 10.0
    #: Judge poses made by the lite pose model (see ``RoundedBackThresholds.judge_lite_poses``).
    #: On: on the lite model's poses of the shared real clips this rule warned on 1 of 29
    #: clean lifts (the full model's on none of 27; a graphic's pointer line over the back,
    #: 10.7 deg against 10), within the 10% false alarms the back rules aim at, and found the
    #: one over-arched lockout.
    judge_lite_poses: bool = True
    #: Judge poses made by the heavy pose model. Off: on its poses of the shared real clips
    #: the rule missed the one over-arched lockout (bad013) and warned on 1 of 28 clean lifts
    #: (a squat at 14.7 deg; the full model's: found, and none of 27).
    judge_heavy_poses: bool = False
    #: Readings beyond this are landmark failures, not posture (a standing trunk cannot lean
    #: this far behind the thighs): a plate over the shoulders gave a real squat 36-71 deg
    #: (jrplatin squat; the limit was set looking at it, so --cv searches it too).
    #: Such frames are not judged. Session 19: at 35 (the value before) a gross rendered
    #: over-extension (35 deg lumbar, read 36-40 deg from the side) was dropped as implausible
    #: and missed in 3 of 24 reps; at 45 all 24 are found, with no new finding on 2,428
    #: rendered reps without one or on the 84 shared clips.
    max_plausible_hip_extension_deg: float = 45.0
    #: Frames where the picture shows the trunk more than this far in front of the line of
    #: the thighs (deg, ``BodySignals.hip_extension_picture_deg``: the image landmarks' own
    #: angle, no depth guess) are not judged, whatever the world landmarks' angle reads: the
    #: picture cannot show a lean back that is not there. Session 23: the shared clips copied
    #: as a camera tilted 15° down would see them gave a clean real squat (jrplatin, the bar's
    #: plates over the torso) a severe 32° lean back while its picture showed the trunk 12-15°
    #: in front of the thighs. Any value from 0 to 10 removes it and changes no verdict on the
    #: 84 shared clips as filmed, on their copies turned, halved, thinned or compressed again,
    #: or on 280 rendered sets (no rendered over-extension lost): 5 allows for the picture's
    #: own landmark noise and a trunk turned out of the side view. ``inf``: off.
    max_picture_flexion_deg: float = 5.0
    #: Hip centre ahead of the ankles, in leg lengths, that counts as "hips through"
    #: (evidence for the message only).
    min_hips_forward_ratio: float = 0.03
    #: Concave back profile past neutral (negative bulge), in % of the chord, that counts as
    #: an arched back at lockout (evidence for the message only).
    min_concave_pct: float = 3.0
    #: Judge the lockout only while standing tall: hip centre at least this high above the
    #: ankles, in leg lengths (lockout, the top of a squat).
    judge_min_hip_height_ratio: float = 0.85
    #: ... and only while the trunk leans forward at most this far from vertical (deg,
    #: signed: leaning back always passes): a deadlift's set-up can put the hips that high
    #: with the trunk bent 80 deg over (shared bad005), which is no lockout.
    judge_max_lean_deg: float = 30.0
    #: ... and only while the trunk lies at most this far in front of the thighs (deg, as
    #: ``hip_extension_deg``: negative in front): hips bent more are no lockout, whatever the
    #: lean and the hips' height read. Session 20: the "standing tall" frames of the shared
    #: good004 and bad005 read the hips bent 60-66° (a knee bent 40-53°: mid-pull), and rows
    #: filmed at 45° read a 30° lean while bent over; their "ok" judged no lockout. On 740
    #: rendered sets no finding changed, 174 of 3,344 rep and clip verdicts became not assessable
    #: (all rows but one misread deadlift); on the shared clips the same two from -40 to -20.
    judge_min_hip_extension_deg: float = -30.0
    #: Bent over (trunk at least ``rounded_back.judge_min_trunk_deg`` forward): back outline
    #: concave past a straight shoulder-hip line, in % of that line's length. ``inf`` (the
    #: default): not judged. Measured medians over the bent frames: the arched shared clip
    #: bad006 4.8%, neutral real backs -2..+7% (three clips of other sources 5-7%), neutral
    #: rendered bodies 10-16%: no fixed cut-off separates them (see docs/analysis.md).
    min_bent_arch_pct: float = math.inf
    #: Release the warning when the value falls below this fraction of its limit.
    release_frac: float = 0.7
    #: The over-extension must stay past its limit at least this long.
    min_duration_s: float = 0.15


@dataclass(frozen=True)
class JerkyTwistThresholds:
    """Fast and abrupt trunk rotation (shoulder line vs hip line about vertical), judged on
    ``features.TwistSignals``: true degrees, calibrated on rendered truth.

    A true out-and-back twist of A deg in D s peaks at pi*A/D deg/s (10 deg in 0.2 s: 157;
    40 deg in 2 s: 63), so the rate alone separates jerky from slow; the net turn and the
    jerk reject noise, which wiggles back and forth.
    """

    #: Judge poses made by the lite pose model (see ``RoundedBackThresholds.judge_lite_poses``;
    #: on the lite model's poses of the shared real clips this rule warned on 1 of 33 clips
    #: judged, none labelled with a twist; the full model's on none of 36).
    judge_lite_poses: bool = False
    #: Judge poses made by the heavy pose model. Off: on its poses of the shared real clips
    #: this rule warned on 1 of 30 clips judged (the same side-view deadlift as lite's, 13.8
    #: deg; the full model's on none of 36).
    judge_heavy_poses: bool = False

    #: Turn speed of the shoulder line against the hip line to warn, in calibrated true deg/s.
    min_twist_rate_deg_s: float = 250.0
    #: Abruptness needed as well: the turn's jerk (third derivative) somewhere near it.
    min_twist_jerk_deg_s3: float = 40000.0
    #: How far the shoulders must turn from the angle held just before (deg).
    min_twist_deg: float = 25.0
    #: Where the twist is read from the landmarks' depth (lifter square to the camera), which
    #: is noisier (real front-view rows and squats read 300-400 deg/s without a twist), the
    #: rate and the turn must reach these instead (blended by the width cue's weight).
    min_depth_twist_rate_deg_s: float = 420.0
    #: The turn needed where only the depth cue reads it (deg).
    min_depth_twist_deg: float = 25.0
    #: Where the torso's optical flow reads it instead (pose files with ``torso_flow``;
    #: quieter than the depth cue on lifts without a twist), the rate and the turn needed
    #: (chosen on rendered truth, bench/eval_twist.py rule --flow dis, two bodies held out).
    min_flow_twist_rate_deg_s: float = 350.0
    #: The turn needed where the flow reads it (deg).
    min_flow_twist_deg: float = 15.0
    #: Where the fitted landmark combination reads it (square-on, facing the camera:
    #: ``SignalConfig.twist_landmark_cue``), a quick turn (``TwistSignals.quick_turn_deg``)
    #: warns when it reaches this many times the reading's own spread over the clip's judged
    #: frames (its robust standard deviation: how much this lifter's reading wavers without
    #: a twist)... (chosen on rendered truth with the body held out: bench/twist_learned.py
    #: rule)
    landmark_quick_turn_spreads: float = 7.0
    #: ...and at least this many degrees.
    min_landmark_quick_turn_deg: float = 5.0
    #: That spread is measured over the judged frames only when they last this long; less
    #: and the set is not assessable for the twist (a limit from a few frames is a guess).
    min_landmark_spread_s: float = 1.0
    #: Square-on (the "front" fits), that spread is measured again without the frames within
    #: the quick-turn filter's reach (half ``SignalConfig.twist_quick_support_s``) of a quick
    #: turn already past the limit: a twist's own turn is no waver. Left in, a 40° and a 20°
    #: twist raised the limit on the rest of their set by up to 42% (rendered square-on sets,
    #: session 26: docs/analysis.md). A set where nothing passes the first limit (every real
    #: shared clip) is judged as before; false: off.
    landmark_spread_clear_turns: bool = True
    #: Seen from the side (``SignalConfig.twist_side_cue``) the side fit's quick turn warns
    #: from this many times its spread (and ``side_min_quick_turn_deg``)...
    side_quick_turn_spreads: float = 9.0
    #: ...and only where, within half of ``event_window_s`` of it, the upper back's outline
    #: also turns quickly by this many times its own spread over the judged frames (the fit
    #: alone warned on slow twists and real lifts; chosen on rendered side views with the
    #: body held out: bench/twist_side.py rule).
    side_outline_spreads: float = 4.0
    #: Seen from the side, the largest turn of the hip line across the event window (in place
    #: of ``max_hip_turn_deg``): from there the network's hip line swings with a twist of the
    #: shoulders (rendered side views: bench/twist_side.py rule).
    side_max_hip_turn_deg: float = 60.0
    #: Seen from the side, the least quick turn judged (in place of
    #: ``min_landmark_quick_turn_deg``): from the side only large twists are found. 10° until
    #: session 24; 16° since: a clean side-view pull filmed facing the other way (mirrored)
    #: read 14.2° (the network swapping its near and far side as the bar passed the knees), and
    #: 16° costs one rendered 40° twist of 24 with the limits fixed at 9/4/60, none of 20° or
    #: 10° ones, and warns on no real rep (docs/analysis.md "Measured (session 24: the side
    #: twist's margin": bench/twist_side.py rule --floor).
    side_min_quick_turn_deg: float = 16.0
    #: Turned towards the camera and read as from the side (``SignalConfig.twist_oblique_near``),
    #: the same three limits (chosen on 45° renders with the body held out, every fold the
    #: same, the rendered roundings, arches and leans back counted as reps no limit may warn
    #: on: bench/twist_side.py rule --view 45): the quick turn's spreads...
    oblique_quick_turn_spreads: float = 8.0
    #: ...the back outline's turn needed with it there, in its own spreads...
    oblique_outline_spreads: float = 4.0
    #: ...and the most the hip line may turn across the event window there.
    oblique_max_hip_turn_deg: float = 20.0
    #: Facing away at 45° (``SignalConfig.twist_oblique_far``), the same three limits (every
    #: held-out fold chose 7 / 6 / 20 of 6-16 / 3-6 / 20-60 with the rear-45° back faults as
    #: reps no limit may warn on: bench/twist_side.py rule --view rear45 --spreads 6 7 8 10 12
    #: 14 16 --outline 3 4 5 6 --hip 20 45 60): the quick turn's spreads...
    rear_quick_turn_spreads: float = 7.0
    #: ...the back outline's turn needed with it there, in its own spreads...
    rear_outline_spreads: float = 6.0
    #: ...and the most the hip line may turn across the event window there.
    rear_max_hip_turn_deg: float = 20.0
    #: At 45° either way (the "oblique_near" and "oblique_far" fits) the quick turn's spread is
    #: measured again without the frames near a turn already past the limit, as
    #: ``landmark_spread_clear_turns`` does square-on (the same reach, spreads and least size;
    #: the back outline's own spread is left as it is). Left in, a 40° and a 20° twist raised
    #: the limit on the rest of their set by 2-45% (rendered 45° and rear-45° sets, session 27:
    #: docs/analysis.md); every real shared clip read at 45° is judged as before (nothing in
    #: it passes the first limit); false: off.
    oblique_spread_clear_turns: bool = True
    #: The angle held before a fast turn: median over this long before it.
    baseline_s: float = 0.2
    #: Release when the speed falls below this fraction of ``min_twist_rate_deg_s``.
    release_frac: float = 0.7
    #: The speed must stay past its limit at least this long.
    min_duration_s: float = 0.04
    #: Window around the fast part in which the turn and the jerk are measured.
    event_window_s: float = 0.3
    #: Largest turn of the hip line across that window: a spinal twist turns the shoulders
    #: against planted hips; a whole-body turn, or the pose model swapping left and right,
    #: turns the hips too (real-clip false alarms: hips turned 12-338 deg).
    max_hip_turn_deg: float = 10.0
    #: Frames are judged only while the body is turned at most this far from facing the
    #: camera (or from facing away): nearer side-on the shoulder line's depth is guesswork.
    max_yaw_off_front_deg: float = 55.0


@dataclass(frozen=True)
class SeverityBands:
    """How bad a finding is, by how far its deciding value went past the limit it crossed,
    as a multiple of that limit (``value / limit``): mild from 1x, moderate from
    ``moderate_x_limit``, severe from ``severe_x_limit``. The value is in the finding's own
    unit (% of torso, degrees, deg/s), so a grade says how far past *its* limit the lifter
    went, not a calibrated angle of the spine."""

    moderate_x_limit: float
    severe_x_limit: float
    #: What the value is, in words, for the page and the README.
    measures: str


#: The one definition of mild / moderate / severe, per fault (report order). Change a grade
#: here and every surface (report, CSV, page, video, terminal, README table) follows.
SEVERITY: dict[str, SeverityBands] = {
    "rounded_back": SeverityBands(
        1.25, 1.6, "the spine's flexion in degrees, estimated from the back's outline: its "
        "rise over the lifter's straightest bent-over frames or its bow past a neutral "
        "bent-over back"),
    "lumbar_overextension": SeverityBands(
        1.5, 2.2, "the trunk's angle behind the line of the thighs at lockout, in degrees; "
        "while bent over, the back outline's concavity in % of torso length"),
    "jerky_twist": SeverityBands(
        1.4, 2.0, "the speed of the shoulders' turn against the hips, in true deg/s as "
        "calibrated on rendered lifters; where the landmarks' positions read it (the lifter "
        "facing the camera square-on, turned 45° towards it, or seen from the side), the size "
        "of a quick turn in true degrees"),
}
#: Severity names from least to most severe.
SEVERITY_NAMES: tuple[str, ...] = ("mild", "moderate", "severe")


def grade(fault: str, value: float, limit: float) -> str:
    """``mild``, ``moderate`` or ``severe`` for a finding of ``fault`` whose deciding value
    ``value`` crossed ``limit`` (both in the finding's unit), per ``SEVERITY``."""
    bands = SEVERITY[fault]
    ratio = abs(value / limit) if limit else float("inf")
    if ratio >= bands.severe_x_limit:
        return SEVERITY_NAMES[2]
    if ratio >= bands.moderate_x_limit:
        return SEVERITY_NAMES[1]
    return SEVERITY_NAMES[0]


@dataclass(frozen=True)
class FaultThresholds:
    rounded_back: RoundedBackThresholds = field(default_factory=RoundedBackThresholds)
    lumbar_overextension: LumbarOverextensionThresholds = field(
        default_factory=LumbarOverextensionThresholds)
    jerky_twist: JerkyTwistThresholds = field(default_factory=JerkyTwistThresholds)


def _default_faults(exercise: str) -> FaultThresholds:
    """Per-exercise defaults: rows are judged while bent over the whole set, squats stay
    more upright than deadlifts."""
    base = FaultThresholds()
    # flexion_error_deg: the range holding 80% of the side-view estimate's held-out errors on
    # this exercise's renders at 45-50 deg (session 25, ``RoundedBackThresholds.
    # flexion_error_deg``; squats keep round 11's larger 14.0).
    # lean_flexion_*: the lean-aware calibration fitted on this exercise's renders and its
    # held-out error (round 12; used only when ``lean_calibration`` is on).
    if exercise == "squat":
        return replace(base, rounded_back=replace(
            base.rounded_back, judge_min_trunk_deg=25.0, max_elbow_behind_back_frac=math.inf,
            flexion_error_deg=14.0, lean_flexion_deg_per_pct=0.97,
            lean_flexion_deg_per_lean_deg=0.89,
            lean_flexion_offset_deg=-29.7, lean_flexion_error_deg=9.0))
    if exercise == "row":
        return replace(base, rounded_back=replace(
            base.rounded_back, judge_min_trunk_deg=20.0, flexion_error_deg=28.7,
            lean_flexion_deg_per_pct=1.23, lean_flexion_deg_per_lean_deg=0.57,
            lean_flexion_offset_deg=-15.0, lean_flexion_error_deg=8.9))
    if exercise == "deadlift":
        return replace(base, rounded_back=replace(
            base.rounded_back, flexion_error_deg=19.3, lean_flexion_deg_per_pct=2.66,
            lean_flexion_deg_per_lean_deg=0.27, lean_flexion_offset_deg=-14.1,
            lean_flexion_error_deg=5.6))
    return base


@dataclass(frozen=True)
class Config:
    signal: SignalConfig = field(default_factory=SignalConfig)
    view: ViewConfig = field(default_factory=ViewConfig)
    reps: RepConfig = field(default_factory=RepConfig)
    assess: AssessConfig = field(default_factory=AssessConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    exercise: ExerciseConfig = field(default_factory=ExerciseConfig)
    squat: FaultThresholds = field(default_factory=lambda: _default_faults("squat"))
    deadlift: FaultThresholds = field(default_factory=lambda: _default_faults("deadlift"))
    row: FaultThresholds = field(default_factory=lambda: _default_faults("row"))
    unknown: FaultThresholds = field(default_factory=lambda: _default_faults("unknown"))

    def faults_for(self, exercise: str) -> FaultThresholds:
        """Thresholds for ``exercise`` (``unknown`` for anything not profiled)."""
        return getattr(self, exercise) if exercise in EXERCISES else self.unknown


@dataclass(frozen=True)
class Range:
    """Allowed values of one setting: ``lo``..``hi``, each end closed unless ``*_open``."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, value: float) -> bool:
        v = float(value)
        if v != v:  # NaN is never meant
            return False
        above = v > self.lo if self.lo_open else v >= self.lo
        below = v < self.hi if self.hi_open else v <= self.hi
        return above and below

    def __str__(self) -> str:
        return (f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}"
                f"{')' if self.hi_open else ']'}")


_INF = math.inf
#: ``PoseConfig.max_side_px``'s least value other than 0.
MIN_POSE_SIDE_PX = 480
_FRAC = Range(0.0, 1.0)
_FRAC_POSITIVE = Range(0.0, 1.0, lo_open=True)
_PCT = Range(0.0, 100.0, lo_open=True)
_DEG_90 = Range(0.0, 90.0)
_DURATION_S = Range(0.0, 60.0)
_RATE_DEG_S = Range(0.0, 10_000.0, lo_open=True)
#: Back-outline indices (``formcheck.pose.sequence.BACK_PROFILE_POINTS`` points).
_BACK_POINT = Range(0, 16)

#: The allowed range of every setting, keyed ``Class.field`` (README: "Settings and their
#: ranges"). A test fails when a config field has no entry here, so a new threshold cannot
#: ship without one. Values outside it are a ConfigError naming the setting and the range:
#: e.g. a zero cut-off or ``filter_order=1000`` would otherwise fail later with a misleading
#: reason (or a traceback).
RANGES: dict[str, Range] = {
    # 0: never scaled; else at least 480 px (MediaPipe reads 256x256, and the back outline's
    # mask and the torso's flow want a few pixels across the trunk).
    "PoseConfig.max_side_px": Range(0, 16384),  # and 0 or >= MIN_POSE_SIDE_PX
    "SignalConfig.max_gap_s": Range(0.0, 10.0),
    "SignalConfig.smooth_cutoff_hz": Range(0.0, 100.0, lo_open=True),
    "SignalConfig.twist_cutoff_hz": Range(0.0, 100.0, lo_open=True),
    "SignalConfig.filter_order": Range(1, 8),
    "SignalConfig.twist_angle_cutoff_hz": Range(0.0, 100.0, lo_open=True),
    "SignalConfig.twist_despike_frames": Range(1, 31),
    "SignalConfig.twist_width_full_deg": Range(0.0, 90.0),
    # The pose pass measures the torso's flow only on frames whose hip line is within 45° of
    # square-on (pose.flow.GATE_MAX_TURN_DEG); a set read by the flow further turned than
    # 20° below that would read frames that were never measured.
    "SignalConfig.twist_width_zero_deg": Range(0.0, 25.0),
    "SignalConfig.twist_width_kept": Range(0.0, 2.0, lo_open=True),
    "SignalConfig.twist_depth_kept": Range(0.0, 2.0, lo_open=True),
    "SignalConfig.twist_world_kept": Range(0.0, 2.0, lo_open=True),
    "SignalConfig.twist_flow_kept": Range(0.0, 2.0, lo_open=True),
    "SignalConfig.twist_hidden_depth_median_frames": Range(0, 31),
    "SignalConfig.twist_landmark_cue": Range(0.0, 1.0),
    "SignalConfig.twist_landmark_oblique": Range(0.0, 1.0),
    "SignalConfig.twist_landmark_hands": Range(0.0, 1.0),
    "SignalConfig.twist_side_cue": Range(0.0, 1.0),
    "SignalConfig.twist_oblique_near": Range(0.0, 1.0),
    "SignalConfig.twist_oblique_near_from_deg": Range(0.0, 90.0),
    "SignalConfig.twist_oblique_far": Range(0.0, 1.0),
    "SignalConfig.twist_oblique_far_from_deg": Range(0.0, 90.0),
    "SignalConfig.twist_hands_max_distance": Range(0.0, 10.0, lo_open=True),
    "SignalConfig.twist_hands_min_share": _FRAC,
    "SignalConfig.twist_quick_rise_s": Range(0.0, 1.0, lo_open=True),
    "SignalConfig.twist_quick_support_s": Range(0.0, 5.0, lo_open=True),
    "SignalConfig.twist_landmark_min_read_s": Range(0.0, 60.0),
    "SignalConfig.twist_side_min_off_deg": _DEG_90,
    "SignalConfig.min_visibility": _FRAC,
    "SignalConfig.max_leg_to_trunk_ratio": Range(1.0, _INF),
    "SignalConfig.back_profile_first_point": _BACK_POINT,
    "SignalConfig.back_profile_last_point": _BACK_POINT,
    "SignalConfig.outline_facing_min_share": Range(0.5, 1.0, lo_open=True),
    "SignalConfig.level_from_scene": Range(0.0, 1.0),
    "SignalConfig.level_min_lines": Range(1, 1000),
    "SignalConfig.level_min_share": _FRAC,
    "SignalConfig.level_min_roll_deg": Range(0.0, 45.0),
    "SignalConfig.level_max_roll_deg": Range(0.0, 45.0),
    "ViewConfig.front_max_yaw_deg": Range(0.0, 180.0),
    "ViewConfig.oblique_max_yaw_deg": Range(0.0, 180.0),
    "ViewConfig.side_max_yaw_deg": Range(0.0, 180.0),
    "ViewConfig.rear_oblique_max_yaw_deg": Range(0.0, 180.0),
    "ViewConfig.window_s": Range(0.0, 60.0, lo_open=True),
    "RepConfig.enter_level_frac": _FRAC_POSITIVE,
    "RepConfig.exit_level_frac": Range(0.0, 1.0, hi_open=True),
    "RepConfig.min_range_ratio": Range(0.0, 5.0),
    "RepConfig.min_depth_frac_of_median": _FRAC,
    "RepConfig.min_rep_duration_s": _DURATION_S,
    "RepConfig.max_gap_s": Range(0.0, 10.0),
    "RepConfig.min_seen_frac": _FRAC,
    "RepConfig.max_rep_duration_s": Range(0.0, 600.0, lo_open=True),
    "RepConfig.lockout_level_frac": _FRAC_POSITIVE,
    "RepConfig.setup_s": Range(0.0, 10.0),
    "RepConfig.finish_s": Range(0.0, 10.0),
    "AssessConfig.min_frames": Range(1, 100_000),
    "AssessConfig.min_duration_s": Range(0.0, 3600.0),
    "AssessConfig.min_visible_frac": _FRAC,
    "AssessConfig.min_profile_frac": _FRAC,
    "AssessConfig.min_finding_frames": Range(1, 100),
    "AssessConfig.min_fps_for_jerk_hz": Range(0.0, 1000.0),
    "AssessConfig.max_image_speed_torso_s": Range(0.0, _INF, lo_open=True),
    "ExerciseConfig.min_score_frac": _FRAC,
    "ExerciseConfig.min_margin_frac": _FRAC,
    "ExerciseConfig.max_hip_range_ratio": Range(0.0, _INF, lo_open=True),
    "ExerciseConfig.squat_hands_zero_ratio": Range(-2.0, 2.0),
    "ExerciseConfig.deadlift_hands_zero_ratio": Range(-2.0, 2.0),
    # Above its full end, ``row_hip_full_ratio`` (``EXERCISE_RAMPS``).
    "ExerciseConfig.row_hip_zero_ratio": Range(0.0, 5.0),
    "ExerciseConfig.deadlift_upright_zero_deg": Range(15.0, _INF),
    "ExerciseConfig.squat_hip_range_zero_leg_lengths": Range(0.0, 5.0),
    "ExerciseConfig.squat_hip_range_full_leg_lengths": Range(0.0, 5.0),
    "ExerciseConfig.squat_knee_zero_deg": Range(0.0, 180.0),
    "ExerciseConfig.squat_knee_full_deg": Range(0.0, 180.0),
    "ExerciseConfig.hands_ramp_leg_lengths": Range(0.0, 2.0, lo_open=True),
    "ExerciseConfig.deadlift_trunk_range_zero_deg": Range(0.0, 180.0),
    "ExerciseConfig.deadlift_trunk_range_full_deg": Range(0.0, 180.0),
    "ExerciseConfig.deadlift_elbow_zero_deg": Range(0.0, 180.0),
    "ExerciseConfig.deadlift_elbow_full_deg": Range(0.0, 180.0),
    "ExerciseConfig.deadlift_wrist_range_zero_leg_lengths": Range(0.0, 5.0),
    "ExerciseConfig.deadlift_wrist_range_full_leg_lengths": Range(0.0, 5.0),
    "ExerciseConfig.deadlift_upright_ramp_deg": Range(0.0, 90.0, lo_open=True),
    "ExerciseConfig.row_reach_range_zero_arm_lengths": Range(0.0, 5.0),
    "ExerciseConfig.row_reach_range_full_arm_lengths": Range(0.0, 5.0),
    "ExerciseConfig.row_elbow_range_zero_deg": Range(0.0, 180.0),
    "ExerciseConfig.row_elbow_range_full_deg": Range(0.0, 180.0),
    "ExerciseConfig.row_hip_full_ratio": Range(0.0, 5.0),
    "ExerciseConfig.row_hands_zero_ratio": Range(-2.0, 2.0),
    "ExerciseConfig.row_hands_full_ratio": Range(-2.0, 2.0),
    "ExerciseConfig.hands_low_percentile": Range(0.0, 100.0),
    "ExerciseConfig.hands_high_percentile": Range(0.0, 100.0),
    "ExerciseConfig.knee_min_percentile": Range(0.0, 100.0),
    "ExerciseConfig.clear_margin_frac": _FRAC,
    "ExerciseConfig.full_clear_right_frac": _FRAC,
    "ExerciseConfig.full_close_call_right_frac": _FRAC,
    "ExerciseConfig.lite_clear_right_frac": _FRAC,
    "ExerciseConfig.heavy_clear_right_frac": _FRAC,
    "RoundedBackThresholds.min_held_flexion_deg": Range(0.0, _INF, lo_open=True),
    "RoundedBackThresholds.release_frac": _FRAC_POSITIVE,
    "RoundedBackThresholds.min_duration_s": _DURATION_S,
    "RoundedBackThresholds.neutral_bulge_pct": Range(-100.0, 100.0),
    "RoundedBackThresholds.min_flexion_deg": Range(0.0, _INF, lo_open=True),
    "RoundedBackThresholds.flexion_deg_per_pct": Range(0.0, 100.0, lo_open=True),
    "RoundedBackThresholds.oblique_flexion_deg_per_pct": Range(0.0, 100.0, lo_open=True),
    "RoundedBackThresholds.flexion_error_deg": Range(0.0, 180.0),
    "RoundedBackThresholds.flexion_offset_deg": Range(-90.0, 90.0),
    "RoundedBackThresholds.lean_calibration": Range(0.0, 1.0),
    "RoundedBackThresholds.judge_lite_poses": Range(0.0, 1.0),
    "LumbarOverextensionThresholds.judge_lite_poses": Range(0.0, 1.0),
    "JerkyTwistThresholds.judge_lite_poses": Range(0.0, 1.0),
    "RoundedBackThresholds.judge_heavy_poses": Range(0.0, 1.0),
    "LumbarOverextensionThresholds.judge_heavy_poses": Range(0.0, 1.0),
    "JerkyTwistThresholds.judge_heavy_poses": Range(0.0, 1.0),
    "RoundedBackThresholds.lean_flexion_deg_per_pct": Range(0.0, 100.0, lo_open=True),
    "RoundedBackThresholds.lean_flexion_deg_per_lean_deg": Range(-10.0, 10.0),
    "RoundedBackThresholds.lean_flexion_offset_deg": Range(-180.0, 180.0),
    "RoundedBackThresholds.lean_flexion_error_deg": Range(0.0, 180.0),
    "RoundedBackThresholds.oblique_min_flexion_deg": Range(0.0, _INF, lo_open=True),
    "RoundedBackThresholds.oblique_flexion_offset_deg": Range(-90.0, 90.0),
    "RoundedBackThresholds.oblique_flexion_deg_per_head_drop_deg": Range(0.0, 100.0),
    "RoundedBackThresholds.oblique_flexion_error_deg": Range(0.0, 180.0),
    "RoundedBackThresholds.neutral_percentile": Range(0.0, 100.0),
    "RoundedBackThresholds.max_outline_roughness_pct": Range(0.0, _INF, lo_open=True),
    "RoundedBackThresholds.neutral_max_trunk_deg": _DEG_90,
    "RoundedBackThresholds.min_neutral_s": _DURATION_S,
    "RoundedBackThresholds.judge_min_trunk_deg": _DEG_90,
    "RoundedBackThresholds.held_min_trunk_deg": _DEG_90,
    "RoundedBackThresholds.support_head_neck_drop_deg": Range(0.0, 180.0),
    "RoundedBackThresholds.max_elbow_behind_back_frac": Range(0.0, _INF),
    "RoundedBackThresholds.max_own_arch_pct": Range(0.0, _INF),
    "RoundedBackThresholds.mixed_min_rep_side_frac": Range(0.0, _INF),
    "RoundedBackThresholds.side_min_yaw_deg": _DEG_90,
    "LumbarOverextensionThresholds.min_hip_extension_deg": _DEG_90,
    "LumbarOverextensionThresholds.max_plausible_hip_extension_deg": Range(0.0, _INF),
    "LumbarOverextensionThresholds.max_picture_flexion_deg": Range(0.0, _INF),
    "LumbarOverextensionThresholds.min_bent_arch_pct": Range(0.0, _INF),
    "LumbarOverextensionThresholds.min_hips_forward_ratio": Range(0.0, 2.0),
    "LumbarOverextensionThresholds.min_concave_pct": Range(0.0, 100.0),
    "LumbarOverextensionThresholds.judge_min_hip_height_ratio": Range(0.0, 2.0),
    "LumbarOverextensionThresholds.judge_max_lean_deg": _DEG_90,
    "LumbarOverextensionThresholds.judge_min_hip_extension_deg": Range(-math.inf, 0.0),
    "LumbarOverextensionThresholds.release_frac": _FRAC_POSITIVE,
    "LumbarOverextensionThresholds.min_duration_s": _DURATION_S,
    "JerkyTwistThresholds.min_twist_rate_deg_s": _RATE_DEG_S,
    "JerkyTwistThresholds.min_twist_jerk_deg_s3": Range(0.0, 1e8),
    "JerkyTwistThresholds.min_twist_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.min_depth_twist_rate_deg_s": _RATE_DEG_S,
    "JerkyTwistThresholds.min_depth_twist_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.min_flow_twist_rate_deg_s": _RATE_DEG_S,
    "JerkyTwistThresholds.min_flow_twist_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.landmark_quick_turn_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.min_landmark_quick_turn_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.min_landmark_spread_s": Range(0.0, 60.0, lo_open=True),
    "JerkyTwistThresholds.landmark_spread_clear_turns": Range(0.0, 1.0),
    "JerkyTwistThresholds.side_quick_turn_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.side_outline_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.side_max_hip_turn_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.side_min_quick_turn_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.oblique_quick_turn_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.oblique_outline_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.oblique_max_hip_turn_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.rear_quick_turn_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.rear_outline_spreads": Range(0.0, 1000.0),
    "JerkyTwistThresholds.rear_max_hip_turn_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.oblique_spread_clear_turns": Range(0.0, 1.0),
    "JerkyTwistThresholds.baseline_s": Range(0.0, 10.0, lo_open=True),
    "JerkyTwistThresholds.release_frac": _FRAC_POSITIVE,
    "JerkyTwistThresholds.min_duration_s": _DURATION_S,
    "JerkyTwistThresholds.event_window_s": Range(0.0, 10.0, lo_open=True),
    "JerkyTwistThresholds.max_hip_turn_deg": Range(0.0, 360.0),
    "JerkyTwistThresholds.max_yaw_off_front_deg": _DEG_90,
}

#: Settings that must not decrease along each tuple (same section), checked after all layers
#: (severity tiers are not ordered: raising a warning's threshold alone is a normal override).
ORDERED: tuple[tuple[str, ...], ...] = (
    ("SignalConfig.back_profile_first_point", "SignalConfig.back_profile_last_point"),
    ("ViewConfig.front_max_yaw_deg", "ViewConfig.oblique_max_yaw_deg",
     "ViewConfig.side_max_yaw_deg", "ViewConfig.rear_oblique_max_yaw_deg"),
    ("RepConfig.exit_level_frac", "RepConfig.enter_level_frac"),
    ("RepConfig.min_rep_duration_s", "RepConfig.max_rep_duration_s"),
    ("SignalConfig.twist_width_zero_deg", "SignalConfig.twist_width_full_deg"),
    ("SignalConfig.twist_quick_rise_s", "SignalConfig.twist_quick_support_s"),
    ("SignalConfig.level_min_roll_deg", "SignalConfig.level_max_roll_deg"),
    ("ExerciseConfig.hands_low_percentile", "ExerciseConfig.hands_high_percentile"),
)
#: The exercise profiles' ramps (``ExerciseConfig``) as (zero end, full end, rising):
#: membership grows from the zero end to the full end, upwards when ``rising``. The ends must
#: differ that way round (checked after all layers): equal ends divide by zero, swapped ones
#: would turn a criterion into its opposite (straight knees counting for a squat).
EXERCISE_RAMPS: tuple[tuple[str, str, bool], ...] = (
    ("squat_hip_range_zero_leg_lengths", "squat_hip_range_full_leg_lengths", True),
    ("squat_knee_zero_deg", "squat_knee_full_deg", False),
    ("deadlift_trunk_range_zero_deg", "deadlift_trunk_range_full_deg", True),
    ("deadlift_elbow_zero_deg", "deadlift_elbow_full_deg", True),
    ("deadlift_wrist_range_zero_leg_lengths", "deadlift_wrist_range_full_leg_lengths", True),
    ("row_reach_range_zero_arm_lengths", "row_reach_range_full_arm_lengths", True),
    ("row_elbow_range_zero_deg", "row_elbow_range_full_deg", True),
    ("row_hip_zero_ratio", "row_hip_full_ratio", False),
    ("row_hands_zero_ratio", "row_hands_full_ratio", False),
)
#: The back fit needs at least this many outline points (a curve through three).
MIN_BACK_FIT_POINTS = 3


def range_of(section: type, name: str) -> Range:
    """The allowed range of field ``name`` of config class ``section``."""
    key = f"{section.__name__}.{name}"
    if key not in RANGES:
        raise KeyError(f"config field {key} has no range in formcheck.config.RANGES")
    return RANGES[key]


def _check_range(section: type, name: str, value: Any, where: str) -> None:
    allowed = range_of(section, name)
    if value not in allowed:
        raise ConfigError(f"{where}={value!r} is out of range; allowed: {allowed}")


def _sections(cfg: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every leaf section (a dataclass of values) of ``cfg`` with its dotted path."""
    out: list[tuple[str, Any]] = []
    leaf = True
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            leaf = False
            out.extend(_sections(value, f"{prefix}{f.name}."))
    if leaf:
        out.append((prefix.rstrip("."), cfg))
    return out


def _check_exercise_ramps(section: ExerciseConfig, path: str) -> None:
    for zero, full, rising in EXERCISE_RAMPS:
        z, f = getattr(section, zero), getattr(section, full)
        if not (f > z if rising else f < z):
            raise ConfigError(f"{path}.{full}={f:g} must be {'above' if rising else 'below'} "
                              f"{path}.{zero}={z:g} (the ramp runs from its zero to its full "
                              f"end)")


def validate_config(cfg: Config) -> Config:
    """Check every value against ``RANGES`` and the orderings in ``ORDERED``; raise a one-line
    ConfigError naming the setting (dotted path) and what is allowed."""
    for path, section in _sections(cfg):
        kind = type(section)
        for f in fields(section):
            _check_range(kind, f.name, getattr(section, f.name), f"{path}.{f.name}")
        for chain in ORDERED:
            names = [key.split(".", 1)[1] for key in chain if key.startswith(kind.__name__ + ".")]
            if len(names) != len(chain):
                continue
            for a, b in zip(names, names[1:], strict=False):
                va, vb = getattr(section, a), getattr(section, b)
                if va > vb:
                    raise ConfigError(f"{path}.{a}={va:g} must not exceed {path}.{b}={vb:g}")
        if isinstance(section, ExerciseConfig):
            _check_exercise_ramps(section, path)
        if isinstance(section, PoseConfig) and 0 < section.max_side_px < MIN_POSE_SIDE_PX:
            raise ConfigError(f"{path}.max_side_px={section.max_side_px} is too small: 0 (never "
                              f"scale) or at least {MIN_POSE_SIDE_PX}")
        if isinstance(section, SignalConfig):
            span = section.back_profile_last_point - section.back_profile_first_point + 1
            if span < MIN_BACK_FIT_POINTS:
                raise ConfigError(
                    f"{path}.back_profile_first_point..back_profile_last_point must span at "
                    f"least {MIN_BACK_FIT_POINTS} outline points, got {span}")
    return cfg


_FAULT_SECTIONS = tuple(f.name for f in fields(FaultThresholds))
_TOP_SECTIONS = ("signal", "view", "reps", "assess", "pose", "exercise")
#: How a setting is named, for the errors about a name that is none.
_SETTING_FORM = ("SECTION.FIELD=VALUE (e.g. rounded_back.min_held_flexion_deg=15), or "
                 "EXERCISE.SECTION.FIELD=VALUE for one exercise (e.g. deadlift.rounded_back."
                 "min_held_flexion_deg=15); sections: "
                 + ", ".join((*_TOP_SECTIONS, *_FAULT_SECTIONS)) + "; exercises: "
                 + ", ".join(PROFILES))
#: What a value of each field type must be, in the errors' words.
_KIND_WORDS = {bool: "true or false", int: "a whole number",
               float: "a number (inf for no limit; not NaN or -inf)", str: "text"}


def _coerce(value: Any, kind: type, where: str) -> Any:
    """Turn a TOML or CLI value into the field's type, or raise ConfigError."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not (
                isinstance(value, float) and (math.isnan(value) or value == -math.inf)):
            return float(value)
        if isinstance(value, str):
            try:
                out = float(value)
            except ValueError:
                out = None
            # NaN and -inf are never meant; "inf" means "no limit" (e.g. an unused guard).
            if out is not None and out == out and out != float("-inf"):
                return out
    elif kind is str and isinstance(value, str):
        return value
    raise ConfigError(f"{where} must be {_KIND_WORDS.get(kind, kind.__name__)}, got {value!r}; "
                      "fix the value")


def _set_leaf(obj: Any, keys: Sequence[str], value: Any, where: str) -> Any:
    """Return a copy of dataclass ``obj`` with the field at ``keys`` set to ``value``."""
    hints = get_type_hints(type(obj))
    name = keys[0]
    if name not in hints:
        valid = ", ".join(sorted(hints))
        raise ConfigError(f"unknown setting {where!r} (valid here: {valid})")
    current = getattr(obj, name)
    if len(keys) == 1:
        if dataclasses.is_dataclass(current):
            inner = [f.name for f in fields(current)]
            nested = all(dataclasses.is_dataclass(getattr(current, n)) for n in inner)
            raise ConfigError(
                f"{where!r} is a section, not a setting; use "
                f"{where}.{'SECTION.FIELD' if nested else 'FIELD'}=VALUE "
                f"({'its sections' if nested else 'FIELD one of'}: {', '.join(sorted(inner))})")
        new = _coerce(value, hints[name], where)
        _check_range(type(obj), name, new, where)
        return replace(obj, **{name: new})
    if not dataclasses.is_dataclass(current):
        raise ConfigError(f"{where!r}: {name!r} is a value, not a section")
    return replace(obj, **{name: _set_leaf(current, keys[1:], value, where)})


def _apply(cfg: Config, path: str, value: Any) -> Config:
    keys = [k.strip() for k in path.split(".")]
    if not all(keys):
        raise ConfigError(f"bad setting name {path!r}; use {_SETTING_FORM}")
    if keys[0] in _FAULT_SECTIONS:  # applies to every exercise profile
        for ex in PROFILES:
            cfg = _set_leaf(cfg, [ex, *keys], value, path)
        return cfg
    if keys[0] in _TOP_SECTIONS or keys[0] in PROFILES:
        return _set_leaf(cfg, keys, value, path)
    if len(keys) == 1:  # `--set foo=1`: no section at all
        raise ConfigError(f"{path!r} is not a setting; use {_SETTING_FORM}")
    raise ConfigError(f"unknown config section {keys[0]!r} in {path!r}; use {_SETTING_FORM}")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.extend(_flatten(value, path + "."))
        else:
            out.append((path, value))
    return out


def _toml_order(item: tuple[str, Any]) -> int:
    """Exercise-wide fault tables first, so that ``[deadlift.rounded_back]`` wins."""
    return 0 if item[0].split(".")[0] in _FAULT_SECTIONS else 1


def _toml_module() -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError as exc:
            raise ConfigError("reading a TOML config on Python 3.10 needs tomli: "
                              "pip install tomli") from exc
    return tomllib


def load_config(path: Path | None = None, overrides: Sequence[str] = ()) -> Config:
    """Defaults, then the TOML file at ``path`` (if any), then ``overrides``
    (``SECTION.FIELD=VALUE``). An error from the file names it."""
    cfg = Config()
    if path is not None:
        path = Path(path)
        toml = _toml_module()
        try:
            if path.is_dir():
                raise InputNotFoundError(f"config file {path} is a folder; give the TOML "
                                         "file to --config")
            if not path.is_file():
                raise InputNotFoundError(f"config file not found: {path}")
            table = toml.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputNotFoundError(f"cannot read config file {path}: "
                                     f"{exc.strerror or exc}") from exc
        except (toml.TOMLDecodeError, UnicodeDecodeError) as exc:
            reason = " ".join(str(exc).split())
            raise ConfigError(f"config file {path} is not valid TOML ({reason}); "
                              "fix the file") from exc
        try:
            for key, value in sorted(_flatten(table), key=_toml_order):
                cfg = _apply(cfg, key, value)
        except ConfigError as exc:  # name the file: the same words come from a --set
            raise ConfigError(f"config file {path}: {exc}") from exc
    file_cfg = cfg
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"bad override {item!r}; use {_SETTING_FORM}")
        cfg = _apply(cfg, key.strip(), value.strip())
    try:
        return validate_config(cfg)
    except ConfigError as exc:
        # Checked after all layers (a --set may mend the file); the file is named when it
        # alone fails the same way, i.e. no --set caused it.
        if path is not None and _same_failure(file_cfg, str(exc)):
            raise ConfigError(f"config file {path}: {exc}") from exc
        raise


def _same_failure(cfg: Config, message: str) -> bool:
    """Whether ``validate_config(cfg)`` fails with ``message``."""
    try:
        validate_config(cfg)
    except ConfigError as exc:
        return str(exc) == message
    return False
