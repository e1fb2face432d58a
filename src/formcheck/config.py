"""Thresholds and exercise profiles: typed, frozen, layered (defaults < TOML file < CLI overrides).

Every number a rule compares against lives here, with its unit in its name. Fault thresholds
exist once per exercise (``squat``, ``deadlift``, ``row`` and ``unknown``) so that, e.g., a
deadlift can tolerate a different trunk angle than a squat.

TOML layout (every table and key optional)::

    [signal]
    smooth_cutoff_hz = 5.0

    [rounded_back]            # applies to every exercise
    min_bulge_pct = 6.0

    [deadlift.rounded_back]   # applies to deadlifts only (wins over the table above)
    min_bulge_pct = 5.0

Overrides use the same dotted paths: ``"rounded_back.min_bulge_pct=6"``,
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
    twist_width_zero_deg: float = 15.0
    #: Calibration to true degrees, fitted on rendered truth (bench/eval_twist.py cues):
    #: the share of a true twist that the width cue, the image-landmark depth twist and the
    #: world-landmark twist (sequences without image depth) read.
    twist_width_kept: float = 0.65
    twist_depth_kept: float = 0.55
    twist_world_kept: float = 0.3
    filter_order: int = 2
    #: A landmark counts as seen when its visibility is at least this.
    min_visibility: float = 0.5
    #: Back-outline points fitted (indices into ``back_xy``; the ends sit on shoulder blade
    #: and buttocks, where the outline leaves the spine).
    back_profile_first_point: int = 2
    back_profile_last_point: int = 14


@dataclass(frozen=True)
class ViewConfig:
    """Camera view from the body's yaw (0 deg = facing the camera, 90 = side, 180 = back)."""

    front_max_yaw_deg: float = 25.0
    oblique_max_yaw_deg: float = 62.0
    side_max_yaw_deg: float = 118.0
    rear_oblique_max_yaw_deg: float = 155.0
    window_s: float = 2.0


@dataclass(frozen=True)
class RepConfig:
    """Rep segmentation on the exercise's progress signal (hysteresis between two levels)."""

    #: Levels as fractions of the signal's robust range (5th..95th percentile).
    enter_level_frac: float = 0.6
    exit_level_frac: float = 0.3
    #: Range of the progress signal below which no rep is counted (in leg lengths / ratio).
    min_range_ratio: float = 0.12
    #: A rep must reach at least this fraction of the set's typical (median) rep depth.
    min_depth_frac_of_median: float = 0.55
    min_rep_duration_s: float = 0.5
    max_rep_duration_s: float = 15.0
    #: Deadlift lockout: the top part of the pull, as a fraction of the rep's own range.
    lockout_level_frac: float = 0.9


@dataclass(frozen=True)
class AssessConfig:
    """When a clip or rep is good enough to judge at all."""

    min_frames: int = 10
    min_duration_s: float = 1.0
    #: Share of a rep's frames that must have the person with the needed landmarks visible.
    min_visible_frac: float = 0.6
    #: Share of frames with a usable back outline for the back-profile signal to count.
    min_profile_frac: float = 0.5
    #: Third derivatives need enough samples per second (GIF-derived clips have 3.75-15 fps).
    min_fps_for_jerk_hz: float = 20.0
    #: The hip centre moving faster than this in the image (torso lengths per second; a fast
    #: real lift stays under ~5, median clip under 3) means the landmarks jumped: a camera
    #: cut, a lost track or another person. Abrupt-motion rules skip those moments.
    max_image_speed_torso_s: float = 8.0


@dataclass(frozen=True)
class RoundedBackThresholds:
    """Flexion beyond the lifter's own neutral, from the back profile (decides), trunk and
    head-neck (support)."""

    #: Back bulge above the lifter's neutral, in % of the shoulder-hip chord, to warn
    #: (5% ~ 23 deg of bend for a parabolic arc).
    min_bulge_pct: float = 5.0
    moderate_bulge_pct: float = 8.0
    severe_bulge_pct: float = 12.0
    #: Release the warning when the bulge falls below this fraction of ``min_bulge_pct``.
    release_frac: float = 0.7
    min_duration_s: float = 0.15
    #: Neutral bulge of a bent-over back. Standing frames are no neutral: measured on real
    #: side-view clips, glutes and lordosis make the standing outline concave (-5..-18%)
    #: while neutral bent-over backs read about -2..+6% (median ~1-2%).
    neutral_bulge_pct: float = 2.0
    #: Rounding that develops during the lift: rise above the lifter's own straightest
    #: bent-over moments (``neutral_percentile`` of the judged frames), in % of the chord.
    #: Measured on rendered side views the bulge rises ~0.33% per degree of true flexion
    #: (15 deg -> ~5%, 30 -> ~10%, 45 -> ~15%) with <= 3.5% spread on neutral backs, and real
    #: good side-view clips spread 4-9% (p5..p95), two of them 11-12% (p10..max): at 10%
    #: they became false alarms, at 12% (~36 deg of flexion) none did. Rendered bodies'
    #: neutral bent-over backs read -13%, far below ``neutral_bulge_pct``, so without this
    #: criterion a 35 deg rounding went unseen. Applies only when the own neutral is below
    #: ``neutral_bulge_pct`` (otherwise the fixed neutral already judges the whole set).
    min_rise_pct: float = 12.0
    neutral_percentile: float = 10.0
    #: Frames with the trunk at most this far from vertical define the upright neutral of the
    #: head-neck angle.
    neutral_max_trunk_deg: float = 25.0
    min_neutral_s: float = 0.3
    #: Only judge while the trunk leans forward at least this much (loaded, bent positions;
    #: the outline of a more upright trunk is shaped by glutes and lordosis).
    judge_min_trunk_deg: float = 35.0
    #: Ear-shoulder-hip angle drop (from its own neutral) that counts as supporting evidence.
    support_head_neck_drop_deg: float = 12.0
    #: Skip frames with an elbow this far behind the back line (fraction of the shoulder-hip
    #: chord): the upper arm's silhouette then merges with the back's. Rows only: at the top
    #: of a rendered side-view row it raised a neutral back's bulge from -16% to -3% (a false
    #: rounding); a back squat holds the elbows behind the back for the whole set.
    max_elbow_behind_back_frac: float = math.inf


@dataclass(frozen=True)
class LumbarOverextensionThresholds:
    """Leaning back past vertical with the hips pushed through, or a concave lower back."""

    #: A normal lockout is vertical within ~5 deg and the trunk angle reads within ~5 deg.
    min_lean_back_deg: float = 10.0
    moderate_lean_back_deg: float = 15.0
    severe_lean_back_deg: float = 20.0
    #: Hip centre ahead of the ankles, in leg lengths, that counts as "hips through".
    min_hips_forward_ratio: float = 0.03
    #: Concave back profile past neutral (negative bulge), in % of the chord.
    min_concave_pct: float = 3.0
    #: Judge only while standing tall: hip centre at least this high above the ankles, in
    #: leg lengths (lockout, the top of a squat).
    judge_min_hip_height_ratio: float = 0.85
    release_frac: float = 0.7
    min_duration_s: float = 0.2


@dataclass(frozen=True)
class JerkyTwistThresholds:
    """Fast and abrupt trunk rotation (shoulder line vs hip line about vertical), judged on
    ``features.TwistSignals``: true degrees, calibrated on rendered truth.

    A true out-and-back twist of A deg in D s peaks at pi*A/D deg/s (10 deg in 0.2 s: 157;
    40 deg in 2 s: 63), so the rate alone separates jerky from slow; the net turn and the
    jerk reject noise, which wiggles back and forth.
    """

    min_twist_rate_deg_s: float = 250.0
    moderate_twist_rate_deg_s: float = 350.0
    severe_twist_rate_deg_s: float = 500.0
    min_twist_jerk_deg_s3: float = 40000.0
    #: How far the shoulders must turn from the angle held just before (deg).
    min_twist_deg: float = 25.0
    #: Where the twist is read from the landmarks' depth (lifter square to the camera), which
    #: is noisier (real front-view rows and squats read 300-400 deg/s without a twist), the
    #: rate and the turn must reach these instead (blended by the width cue's weight).
    min_depth_twist_rate_deg_s: float = 420.0
    min_depth_twist_deg: float = 25.0
    #: The angle held before a fast turn: median over this long before it.
    baseline_s: float = 0.2
    release_frac: float = 0.7
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
class FaultThresholds:
    rounded_back: RoundedBackThresholds = field(default_factory=RoundedBackThresholds)
    lumbar_overextension: LumbarOverextensionThresholds = field(
        default_factory=LumbarOverextensionThresholds)
    jerky_twist: JerkyTwistThresholds = field(default_factory=JerkyTwistThresholds)


def _default_faults(exercise: str) -> FaultThresholds:
    """Per-exercise defaults: rows are judged while bent over the whole set, squats stay
    more upright than deadlifts."""
    base = FaultThresholds()
    if exercise == "squat":
        return replace(base, rounded_back=replace(base.rounded_back, judge_min_trunk_deg=25.0))
    if exercise == "row":
        return replace(base, rounded_back=replace(base.rounded_back, judge_min_trunk_deg=20.0,
                                                  max_elbow_behind_back_frac=0.05))
    return base


@dataclass(frozen=True)
class Config:
    signal: SignalConfig = field(default_factory=SignalConfig)
    view: ViewConfig = field(default_factory=ViewConfig)
    reps: RepConfig = field(default_factory=RepConfig)
    assess: AssessConfig = field(default_factory=AssessConfig)
    squat: FaultThresholds = field(default_factory=lambda: _default_faults("squat"))
    deadlift: FaultThresholds = field(default_factory=lambda: _default_faults("deadlift"))
    row: FaultThresholds = field(default_factory=lambda: _default_faults("row"))
    unknown: FaultThresholds = field(default_factory=lambda: _default_faults("unknown"))

    def faults_for(self, exercise: str) -> FaultThresholds:
        """Thresholds for ``exercise`` (``unknown`` for anything not profiled)."""
        return getattr(self, exercise) if exercise in EXERCISES else self.unknown


_FAULT_SECTIONS = tuple(f.name for f in fields(FaultThresholds))
_TOP_SECTIONS = ("signal", "view", "reps", "assess")


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
        if isinstance(value, (int, float)) and not isinstance(value, bool):
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
    raise ConfigError(f"{where} must be a {kind.__name__}, got {value!r}; fix the value")


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
            raise ConfigError(f"{where!r} is a section, give one of its keys ({where}.KEY=VALUE)")
        new = _coerce(value, hints[name], where)
        if isinstance(new, (int, float)) and not isinstance(new, bool) and new < 0:
            raise ConfigError(f"{where} must not be negative, got {value!r}")
        return replace(obj, **{name: new})
    if not dataclasses.is_dataclass(current):
        raise ConfigError(f"{where!r}: {name!r} is a value, not a section")
    return replace(obj, **{name: _set_leaf(current, keys[1:], value, where)})


def _apply(cfg: Config, path: str, value: Any) -> Config:
    keys = [k.strip() for k in path.split(".")]
    if not all(keys):
        raise ConfigError(f"bad setting name {path!r}; use SECTION.KEY=VALUE")
    if keys[0] in _FAULT_SECTIONS:  # applies to every exercise profile
        for ex in PROFILES:
            cfg = _set_leaf(cfg, [ex, *keys], value, path)
        return cfg
    if keys[0] in _TOP_SECTIONS or keys[0] in PROFILES:
        return _set_leaf(cfg, keys, value, path)
    valid = ", ".join((*_TOP_SECTIONS, *_FAULT_SECTIONS, *PROFILES))
    raise ConfigError(f"unknown config section {keys[0]!r} in {path!r} (valid: {valid})")


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
    """Defaults, then the TOML file at ``path`` (if any), then ``overrides`` (``KEY=VALUE``)."""
    cfg = Config()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise InputNotFoundError(f"config file not found: {path}")
        toml = _toml_module()
        try:
            table = toml.loads(path.read_text(encoding="utf-8"))
        except (toml.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file") from exc
        for key, value in sorted(_flatten(table), key=_toml_order):
            cfg = _apply(cfg, key, value)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"bad override {item!r}; use SECTION.KEY=VALUE, "
                              "e.g. rounded_back.min_bulge_pct=6")
        cfg = _apply(cfg, key.strip(), value.strip())
    return cfg
