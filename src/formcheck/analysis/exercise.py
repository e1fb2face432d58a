"""Which lift: squat, deadlift or row, from how the body moves; ``unknown`` when none fits.

Each exercise has a profile of soft criteria on movement features (``profiles``); its score
combines the criteria's memberships in [0, 1] (see ``score_exercises``). The best score wins
if it is high enough and clearly ahead of the runner-up; otherwise the answer is ``unknown``
(never forced). The limits are settings (``config.ExerciseConfig``, ``--set exercise.*``),
read here as ``Criteria``; they were chosen by ``bench/eval_exercise.py``: the grid point
that does best on the shared real clips and the rendered lifts together, a wrong answer
costing three right ones; held out by source and by body it scores as the README's "What it
can and cannot tell" says. A recognised lift's confidence is measured the same way (see
``classify``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from formcheck.analysis.features import BodySignals
from formcheck.analysis.signal import robust_range
from formcheck.config import EXERCISES, ExerciseConfig
from formcheck.errors import ConfigError
from formcheck.report import Estimate

UNKNOWN_EXERCISE = "unknown"


@dataclass(frozen=True)
class Criterion:
    """Membership ramps from 0 at ``zero_at`` to 1 at ``full_at`` (either direction)."""

    feature: str
    zero_at: float
    full_at: float

    def membership(self, value: float) -> float:
        if not np.isfinite(value):
            return 0.0
        m = (value - self.zero_at) / (self.full_at - self.zero_at)
        return float(np.clip(m, 0.0, 1.0))


_SHIPPED = ExerciseConfig()


@dataclass(frozen=True)
class Criteria:
    """The limits of the profiles and of the decision: ``config.ExerciseConfig`` (where each
    is documented, with its unit) plus the choice of hand cue, under the short names the
    fit in ``bench/eval_exercise.py`` varies. ``Criteria()`` is the shipped rule; session
    7's is ``Criteria(hands="bottom", squat_hands_zero_at=-0.05,
    deadlift_hands_zero_at=-0.05, row_hip_zero_at=0.25, deadlift_upright_zero_at=inf,
    max_hip_range=1.0, min_margin=0.1)``.
    """

    min_score: float = _SHIPPED.min_score_frac
    min_margin: float = _SHIPPED.min_margin_frac
    max_hip_range: float = _SHIPPED.max_hip_range_ratio
    #: Which hand cue tells a squat's grip from a deadlift's: ``extremes`` (the hands' high
    #: and low positions over the set, ``wrists_over_hips_high``/``_low``) or ``bottom``
    #: (session 7: their median over the frames with the hips lowest, which needs the ankles
    #: seen to find those frames). Not a setting: the bench compares the two.
    hands: str = "extremes"
    squat_hands_zero_at: float = _SHIPPED.squat_hands_zero_ratio
    deadlift_hands_zero_at: float = _SHIPPED.deadlift_hands_zero_ratio
    row_hip_zero_at: float = _SHIPPED.row_hip_zero_ratio
    deadlift_upright_zero_at: float = _SHIPPED.deadlift_upright_zero_deg
    clear_margin: float = _SHIPPED.clear_margin_frac
    clear_right: float = _SHIPPED.clear_right_frac
    close_call_right: float = _SHIPPED.close_call_right_frac
    # The profiles' other ramps, under their settings' names (the bench does not vary them).
    squat_hip_range_zero_leg_lengths: float = _SHIPPED.squat_hip_range_zero_leg_lengths
    squat_hip_range_full_leg_lengths: float = _SHIPPED.squat_hip_range_full_leg_lengths
    squat_knee_zero_deg: float = _SHIPPED.squat_knee_zero_deg
    squat_knee_full_deg: float = _SHIPPED.squat_knee_full_deg
    hands_ramp_leg_lengths: float = _SHIPPED.hands_ramp_leg_lengths
    deadlift_trunk_range_zero_deg: float = _SHIPPED.deadlift_trunk_range_zero_deg
    deadlift_trunk_range_full_deg: float = _SHIPPED.deadlift_trunk_range_full_deg
    deadlift_elbow_zero_deg: float = _SHIPPED.deadlift_elbow_zero_deg
    deadlift_elbow_full_deg: float = _SHIPPED.deadlift_elbow_full_deg
    deadlift_wrist_range_zero_leg_lengths: float = _SHIPPED.deadlift_wrist_range_zero_leg_lengths
    deadlift_wrist_range_full_leg_lengths: float = _SHIPPED.deadlift_wrist_range_full_leg_lengths
    deadlift_upright_ramp_deg: float = _SHIPPED.deadlift_upright_ramp_deg
    row_reach_range_zero_arm_lengths: float = _SHIPPED.row_reach_range_zero_arm_lengths
    row_reach_range_full_arm_lengths: float = _SHIPPED.row_reach_range_full_arm_lengths
    row_elbow_range_zero_deg: float = _SHIPPED.row_elbow_range_zero_deg
    row_elbow_range_full_deg: float = _SHIPPED.row_elbow_range_full_deg
    row_hip_full_ratio: float = _SHIPPED.row_hip_full_ratio

    @classmethod
    def from_config(cls, ec: ExerciseConfig) -> Criteria:
        return cls(min_score=ec.min_score_frac, min_margin=ec.min_margin_frac,
                   max_hip_range=ec.max_hip_range_ratio,
                   squat_hands_zero_at=ec.squat_hands_zero_ratio,
                   deadlift_hands_zero_at=ec.deadlift_hands_zero_ratio,
                   row_hip_zero_at=ec.row_hip_zero_ratio,
                   deadlift_upright_zero_at=ec.deadlift_upright_zero_deg,
                   clear_margin=ec.clear_margin_frac, clear_right=ec.clear_right_frac,
                   close_call_right=ec.close_call_right_frac,
                   **{name: getattr(ec, name) for name in _RAMP_SETTINGS})


#: The settings ``Criteria`` carries under their own names.
_RAMP_SETTINGS: tuple[str, ...] = tuple(
    f.name for f in fields(Criteria) if hasattr(_SHIPPED, f.name))


@lru_cache(maxsize=64)
def profiles(c: Criteria) -> dict[str, tuple[Criterion, ...]]:
    """The criteria of each exercise under the limits ``c``.

    Features (see ``movement_features``): hip_range and wrist_range in leg lengths,
    reach_range in arm lengths, trunk_range/trunk_min in deg, knee_min/elbow_min in deg,
    wrists_over_hips_* = wrist height minus hip height in leg lengths.

    Squat vs deadlift is told by where the hands are, not by how the trunk hinges or how
    deep the knees bend (rendered squats hinge 0.83..1.07, deadlifts 1.07..1.63; rendered
    deadlifts from the floor bend the knees as deep as squats, knee_min 68..83 vs 80..92).
    """
    if c.hands == "extremes":
        squat_hands, deadlift_hands = "wrists_over_hips_high", "wrists_over_hips_low"
    else:
        squat_hands = deadlift_hands = f"wrists_over_hips_{c.hands}"
    ramp = c.hands_ramp_leg_lengths
    squat = (
        Criterion("hip_range", c.squat_hip_range_zero_leg_lengths,
                  c.squat_hip_range_full_leg_lengths),
        Criterion("knee_min", c.squat_knee_zero_deg, c.squat_knee_full_deg),
        Criterion(squat_hands, c.squat_hands_zero_at, c.squat_hands_zero_at + ramp),
    )
    if c.hands == "extremes":  # the hands never hang far below the hips
        squat += (Criterion("wrists_over_hips_low", c.deadlift_hands_zero_at - ramp,
                            c.deadlift_hands_zero_at),)
    deadlift = (
        Criterion("trunk_range", c.deadlift_trunk_range_zero_deg,
                  c.deadlift_trunk_range_full_deg),
        Criterion(deadlift_hands, c.deadlift_hands_zero_at, c.deadlift_hands_zero_at - ramp),
        Criterion("elbow_min", c.deadlift_elbow_zero_deg, c.deadlift_elbow_full_deg),
        Criterion("wrist_range", c.deadlift_wrist_range_zero_leg_lengths,
                  c.deadlift_wrist_range_full_leg_lengths),
    )
    if np.isfinite(c.deadlift_upright_zero_at):
        deadlift += (Criterion("trunk_min", c.deadlift_upright_zero_at,
                               c.deadlift_upright_zero_at - c.deadlift_upright_ramp_deg),)
    row = (
        Criterion("reach_range", c.row_reach_range_zero_arm_lengths,
                  c.row_reach_range_full_arm_lengths),
        Criterion("elbow_range", c.row_elbow_range_zero_deg, c.row_elbow_range_full_deg),
        Criterion("hip_range", c.row_hip_zero_at, c.row_hip_full_ratio),
    )
    return {"squat": squat, "deadlift": deadlift, "row": row}


#: The shipped profiles.
PROFILES: dict[str, tuple[Criterion, ...]] = profiles(Criteria())


def movement_features(sig: BodySignals,
                      config: ExerciseConfig = _SHIPPED) -> dict[str, float]:
    """One number per movement feature over the frames with the trunk seen (NaN when the
    signal is never seen); the bottom of the movement and the percentiles read for the
    hands and the knees are ``config``'s."""
    use = sig.trunk_visible
    # One robust range per signal (its 5th/95th percentiles also give trunk_min, elbow_min).
    hip_lo, hip_hi = robust_range(sig.hip_height_ratio[use])
    wrist_lo, wrist_hi = robust_range(sig.wrist_height_ratio[use])
    reach_lo, reach_hi = robust_range(sig.arm_reach_ratio[use])
    trunk_lo, trunk_hi = robust_range(sig.trunk_deg[use])
    elbow_lo, elbow_hi = robust_range(sig.elbow_deg[use])
    hip_range = hip_hi - hip_lo
    bottom = use & (sig.hip_height_ratio
                    <= hip_lo + config.bottom_of_hip_range_frac * hip_range)
    # Both heights are measured from the ankles, so their difference is not: it holds when
    # the feet are out of the picture or hidden behind the plates.
    wrists_over_hips = sig.wrist_height_ratio - sig.hip_height_ratio
    hands_low, hands_high = robust_range(wrists_over_hips[use], config.hands_low_percentile,
                                         config.hands_high_percentile)
    return {
        "hip_range": hip_range,
        "wrist_range": wrist_hi - wrist_lo,
        "reach_range": reach_hi - reach_lo,
        "trunk_range": trunk_hi - trunk_lo,
        "trunk_min": trunk_lo,
        "trunk_max": trunk_hi,
        "knee_min": _percentile(sig.knee_deg[use], config.knee_min_percentile),
        "elbow_min": elbow_lo,
        "elbow_range": elbow_hi - elbow_lo,
        "wrists_over_hips_bottom": _median(wrists_over_hips[bottom]),
        "wrists_over_hips_low": hands_low,
        "wrists_over_hips_high": hands_high,
    }


def _percentile(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else float("nan")


def _median(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def score_exercises(features: dict[str, float],
                    criteria: Criteria = Criteria()) -> dict[str, float]:
    """Half the mean membership, half the weakest one: one clearly failed criterion (bent
    arms for a deadlift) sinks a profile, one borderline criterion does not."""
    out = {}
    table = profiles(criteria)
    for name, crit in table.items():
        m = [c.membership(features[c.feature]) for c in crit]
        out[name] = float(0.5 * np.mean(m) + 0.5 * np.min(m))
    return out


def lead(features: dict[str, float], criteria: Criteria = Criteria()) -> tuple[str, float,
                                                                            float]:
    """The best-fitting exercise, its score and its lead over the runner-up."""
    scores = score_exercises(features, criteria)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    return best, top, top - second


def classify(features: dict[str, float], criteria: Criteria = Criteria()) -> Estimate:
    """The exercise whose profile ``features`` fit best, or ``unknown``.

    A recognised lift's confidence is measured, not a score: the share of lifts recognised
    with a lead as clear (``clear_margin`` or more: a clear call; less: a close call) that
    were right, held out (``bench/eval_exercise.py``). An ``unknown`` one's is 1 - the best
    score (how little anything matched; shown as "not recognised", not as a number)."""
    if features["hip_range"] > criteria.max_hip_range:
        return Estimate(UNKNOWN_EXERCISE, 1.0)
    best, top, margin = lead(features, criteria)
    if top < criteria.min_score or margin < criteria.min_margin:
        return Estimate(UNKNOWN_EXERCISE, round(1.0 - top, 4))
    clear = margin >= criteria.clear_margin
    return Estimate(best, criteria.clear_right if clear else criteria.close_call_right)


def estimate_exercise(sig: BodySignals, override: str | None = None,
                      config: ExerciseConfig | None = None) -> Estimate:
    """The exercise, or the caller's ``override`` (checked against the known exercises);
    recognised under the limits ``config`` (default: the shipped ones)."""
    if override is not None:
        name = override.strip().lower()
        if name not in EXERCISES:
            raise ConfigError(f"unknown exercise {override!r}; use one of "
                              f"{', '.join(EXERCISES)} or leave it out to detect it")
        return Estimate(name, 1.0, "user")
    config = _SHIPPED if config is None else config
    return classify(movement_features(sig, config), Criteria.from_config(config))
