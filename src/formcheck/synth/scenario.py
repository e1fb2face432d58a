"""Scenario: everything that defines one synthetic clip, as typed frozen dataclasses.

A scenario is plain data: it round-trips through ``to_dict``/``from_dict`` (JSON or TOML files)
and the same scenario always renders the same frames.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError, InputNotFoundError


class Exercise(str, Enum):
    SQUAT = "squat"
    DEADLIFT = "deadlift"
    ROW = "row"


class FaultKind(str, Enum):
    #: Spinal flexion (rounded back), degrees split over lumbar and thoracic bones.
    FLEXION = "flexion"
    #: Lumbar extension (over-arching) at lockout, with the trunk leaning back, hips through.
    EXTENSION = "extension"
    #: Trunk twist about its long axis: out and back in ``duration_s`` (short = jerky).
    TWIST = "twist"
    #: Lumbar extension (over-arching) while bent over: the deadlift set-up and pull, a row,
    #: the bottom of a squat (where a flexion fault would sit); the pelvis tips forward by
    #: part of it (``motion.ARCH_PELVIS_SHARE``), no lean back, hips not pushed through.
    ARCH = "arch"


class TwistShape(str, Enum):
    """How a twist moves through a rep (``Fault.duration_s`` is noted per shape)."""

    #: Out and back within ``duration_s``, centred on the hardest part of the concentric phase.
    JERK = "jerk"
    #: One shoulder leads the pull: turns out over ``duration_s`` from the start of the
    #: concentric phase, stays turned through it and squares up during the top phase.
    LEAD = "lead"
    #: Heaving the weight up: turns out over ``duration_s`` a third into the pull, stays turned
    #: through the top and squares up while lowering.
    HEAVE = "heave"
    #: Turns out over ``duration_s`` where a jerk would peak and stays turned for the rest of
    #: the rep, squaring up over its last phase (at least ``STAY_RETURN_MIN_S``).
    STAY = "stay"


#: What the shirt shows. "plain": one flat colour (shaded by the light only);
#: "folds": soft light and dark bands fixed to the cloth, like creases; "print": the folds
#: plus a bold blotchy print. Patterns are fixed to the body's rest surface, so they move
#: with the cloth (what optical flow follows).
SHIRT_TEXTURES = ("plain", "folds", "print")
#: Loose clothing over the torso (``synth.cloth``): none, a T-shirt or a hoodie.
CLOTHING_KINDS = ("none", "tee", "hoodie")


@dataclass(frozen=True)
class Tempo:
    """Seconds per phase. ``down_s``/``up_s`` are the eccentric/concentric halves of a rep;
    ``bottom_s``/``top_s`` the pauses (for deadlifts the floor set-up, for rows the hang)."""

    down_s: float = 0.9
    bottom_s: float = 0.2
    up_s: float = 0.8
    top_s: float = 0.35
    lead_in_s: float = 0.3
    lead_out_s: float = 0.2


@dataclass(frozen=True)
class Camera:
    """Camera azimuth (deg): 0 = in front of the lifter, 90 = at the lifter's left (side view),
    180 = behind, 45 = front-left oblique. Elevation (deg) above the horizontal, seen from the
    point the camera aims at (negative: a camera below it, e.g. a phone on the floor, whose
    height is ``look_at_height_m + distance_m * sin(elevation)``).

    ``tilt_deg`` pitches the camera up (+) or down (-) from aiming at that point (the lifter
    moves down or up in the frame); ``roll_deg`` turns it about its optical axis (+ =
    clockwise as seen from behind the camera: the scene turns counter-clockwise in the frame).
    Portrait frames: ``width < height`` (e.g. 360 x 640)."""

    azimuth_deg: float = 90.0
    elevation_deg: float = 8.0
    distance_m: float = 3.2
    width: int = 640
    height: int = 480
    fps: float = 30.0
    vfov_deg: float = 45.0
    look_at_height_m: float = 0.9
    tilt_deg: float = 0.0
    roll_deg: float = 0.0


@dataclass(frozen=True)
class Scene:
    """Plain gym: floor and wall colours (BGR 0-255), light direction and strength."""

    floor_bgr: tuple[int, int, int] = (92, 104, 112)
    wall_bgr: tuple[int, int, int] = (196, 204, 210)
    shirt_bgr: tuple[int, int, int] = (150, 80, 40)
    shorts_bgr: tuple[int, int, int] = (50, 45, 40)
    light_azimuth_deg: float = 30.0
    light_elevation_deg: float = 50.0
    light_strength: float = 0.75
    ambient: float = 0.45
    shirt_texture: str = "plain"
    #: Loose clothing over the torso (``synth.cloth``): "none" (the body's skin-tight shirt
    #: only), "tee" or "hoodie"; its sizes are drawn per body with ``clothing_seed``.
    clothing: str = "none"
    clothing_seed: int = 0


@dataclass(frozen=True)
class Fault:
    """A form fault of known size on some reps (1-based; empty = every rep).

    ``magnitude_deg``: peak spinal flexion, lumbar extension (at lockout, or while bent over
    for ``arch``) or twist, in degrees. A twist may
    be negative: positive turns the shoulders towards the lifter's left, negative to the right.
    ``lumbar_fraction``: for flexion, the share of the flexion in the lumbar bones.
    ``duration_s``: for a twist, the time out and back (``twist_shape`` "jerk": 0.2 s is
    jerky, 2 s is slow), or the time to turn out for the shapes that stay turned a while.
    ``twist_shape``: how the twist moves through the rep (``TwistShape``).
    """

    kind: FaultKind
    magnitude_deg: float
    reps: tuple[int, ...] = ()
    lumbar_fraction: float = 0.5
    duration_s: float = 0.2
    twist_shape: TwistShape = TwistShape.JERK

    def applies_to(self, rep: int) -> bool:
        return not self.reps or rep in self.reps


@dataclass(frozen=True)
class Scenario:
    exercise: Exercise = Exercise.SQUAT
    reps: int = 2
    body: str = "m_avg"
    tempo: Tempo = field(default_factory=Tempo)
    camera: Camera = field(default_factory=Camera)
    scene: Scene = field(default_factory=Scene)
    faults: tuple[Fault, ...] = ()
    crf: int = 23
    #: Extra forward pitch of the pelvis and trunk at the bottom of a rep (deg), for a deeper
    #: hinge: real deadlift set-ups lean their trunk 70-80 deg, the default profile's deepest
    #: frame 45-55 deg. 0 (the default) keeps every earlier clip the same.
    hinge_deg: float = 0.0
    #: A squat with a barbell on the upper back, the hands on the bar beside the shoulders,
    #: instead of the arms held straight forward (an air squat, the default: every earlier
    #: clip the same). The bar turns with the shoulders.
    squat_bar: bool = False
    #: Lumbar flexion the body holds as its neutral spine (deg), throughout the clip: the
    #: lumbar bones flex by it and the pelvis tips back by the share that keeps the trunk's
    #: lean at the bottom of a rep (``synth.motion.Poser``); the truth's flexion is counted
    #: from it. 0 (the default, every earlier clip the same): the body's rest spine, whose
    #: bent-over back reads as concave as a real arched one on the male bodies
    #: (docs/analysis.md, session 27).
    neutral_lumbar_flexion_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.reps < 1:
            raise ConfigError(f"reps must be at least 1, got {self.reps}")
        if self.camera.width < 16 or self.camera.height < 16 or self.camera.fps <= 0:
            raise ConfigError("camera width/height must be >= 16 px and fps > 0")
        eye_m = self.camera.look_at_height_m + self.camera.distance_m * math.sin(
            math.radians(self.camera.elevation_deg))
        if eye_m < 0.0:
            raise ConfigError(f"the camera would be {-eye_m:.2f} m under the floor; raise "
                              "elevation_deg (or shorten distance_m)")
        if abs(self.camera.tilt_deg) >= 60.0 or abs(self.camera.roll_deg) >= 60.0:
            raise ConfigError("camera tilt_deg and roll_deg must lie within (-60, 60)")
        for f in self.faults:
            if f.kind is FaultKind.TWIST and f.duration_s <= 0:
                raise ConfigError("a twist needs duration_s > 0 (e.g. 0.2 for jerky, 2 for slow)")
            if not 0.0 <= f.lumbar_fraction <= 1.0:
                raise ConfigError(f"lumbar_fraction must lie in [0, 1], got {f.lumbar_fraction}")
            if f.twist_shape is not TwistShape.JERK and f.kind is not FaultKind.TWIST:
                raise ConfigError("twist_shape applies to twist faults only")
            if f.magnitude_deg < 0 and f.kind is not FaultKind.TWIST:
                raise ConfigError("fault magnitude_deg must be >= 0 for flexion, extension and "
                                  "arch; the kind sets the direction (only a twist takes a "
                                  "sign)")
        if not 0.0 <= self.hinge_deg <= 40.0:
            raise ConfigError(f"hinge_deg must lie in [0, 40], got {self.hinge_deg}")
        if not 0.0 <= self.neutral_lumbar_flexion_deg <= 40.0:
            raise ConfigError(f"neutral_lumbar_flexion_deg must lie in [0, 40], got "
                              f"{self.neutral_lumbar_flexion_deg}")
        if self.squat_bar and self.exercise is not Exercise.SQUAT:
            raise ConfigError("squat_bar applies to squats only")
        if self.scene.clothing not in CLOTHING_KINDS:
            raise ConfigError(f"clothing must be one of {', '.join(CLOTHING_KINDS)}, got "
                              f"{self.scene.clothing!r}")
        if self.scene.shirt_texture not in SHIRT_TEXTURES:
            raise ConfigError(f"shirt_texture must be one of {', '.join(SHIRT_TEXTURES)}, got "
                              f"{self.scene.shirt_texture!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["exercise"] = self.exercise.value
        d["faults"] = [{**asdict(f), "kind": f.kind.value, "reps": list(f.reps),
                        "twist_shape": f.twist_shape.value} for f in self.faults]
        for fd in d["faults"]:  # absent when the default: older truth files stay valid
            if fd["twist_shape"] == TwistShape.JERK.value:
                del fd["twist_shape"]
        if d["scene"]["shirt_texture"] == "plain":
            del d["scene"]["shirt_texture"]
        if d["hinge_deg"] == 0.0:  # absent when the default: older truth files stay valid
            del d["hinge_deg"]
        if not d["squat_bar"]:  # absent when the default: older truth files stay valid
            del d["squat_bar"]
        if d["neutral_lumbar_flexion_deg"] == 0.0:  # absent when the default: older truth
            del d["neutral_lumbar_flexion_deg"]  # files stay valid
        if d["scene"]["clothing"] == "none":  # absent when off: older truth files stay valid
            del d["scene"]["clothing"], d["scene"]["clothing_seed"]
        for key in ("floor_bgr", "wall_bgr", "shirt_bgr", "shorts_bgr"):
            d["scene"][key] = list(d["scene"][key])
        for key in ("tilt_deg", "roll_deg"):  # absent when level: older truth files stay valid
            if d["camera"][key] == 0.0:
                del d["camera"][key]
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Scenario:
        try:
            return _from_dict(d)
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigError(f"invalid scenario: {exc}; see `formcheck synth render --help` "
                              "for the fields") from exc

    def with_(self, **changes: Any) -> Scenario:
        return replace(self, **changes)


def _sub(cls: type, d: dict[str, Any] | None) -> Any:
    d = dict(d or {})
    names = {f.name for f in fields(cls)}
    unknown = set(d) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__.lower()} field(s) {sorted(unknown)}")
    for k, v in d.items():
        if isinstance(v, list):
            d[k] = tuple(v)
    return cls(**d)


def _from_dict(d: dict[str, Any]) -> Scenario:
    d = dict(d)
    unknown = set(d) - {f.name for f in fields(Scenario)}
    if unknown:
        raise ValueError(f"unknown scenario field(s) {sorted(unknown)}")
    faults = []
    for f in d.pop("faults", []) or []:
        f = dict(f)
        f["kind"] = FaultKind(f["kind"])
        if "twist_shape" in f:
            f["twist_shape"] = TwistShape(f["twist_shape"])
        faults.append(_sub(Fault, f))
    return Scenario(
        exercise=Exercise(d.pop("exercise", "squat")),
        tempo=_sub(Tempo, d.pop("tempo", None)),
        camera=_sub(Camera, d.pop("camera", None)),
        scene=_sub(Scene, d.pop("scene", None)),
        faults=tuple(faults),
        **d,
    )


def load_scenario(path: Path) -> Scenario:
    """Read a scenario from a ``.json`` or ``.toml`` file."""
    if not path.is_file():
        raise InputNotFoundError(f"scenario file {path} not found; give an existing .json/.toml")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            import tomllib  # Python 3.11+

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except (ValueError, ImportError) as exc:  # TOMLDecodeError and JSONDecodeError
        raise ConfigError(f"cannot parse scenario {path}: {exc}; fix the file's syntax") from exc
    return Scenario.from_dict(data)
