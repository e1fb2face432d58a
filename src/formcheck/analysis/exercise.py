"""Which lift: squat, deadlift or row, from how the body moves; ``unknown`` when none fits.

Each exercise has a profile of soft criteria on movement features (table below); its score
combines the criteria's memberships in [0, 1] (see ``score_exercises``). The best score wins
if it is high enough and clearly ahead of the runner-up; otherwise the answer is ``unknown``
(never forced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.features import BodySignals
from formcheck.analysis.signal import robust_range
from formcheck.config import EXERCISES
from formcheck.errors import ConfigError
from formcheck.report import Estimate

UNKNOWN_EXERCISE = "unknown"
#: A winner needs at least this score...
MIN_SCORE = 0.6
#: ...and this lead over the runner-up.
MIN_MARGIN = 0.1
#: The bottom of the movement: frames with the hips within this fraction of their range
#: above their lowest (robust) height.
BOTTOM_FRAC_OF_HIP_RANGE = 0.25
#: Hips travelling more than this (leg lengths, robust range) are not following a lifter:
#: rendered deadlifts from the floor move them 0.43-0.70 and deep real squats under 0.8,
#: while occluded real clips (a lifter behind the plates) read 1.0-1.7.
MAX_HIP_RANGE = 1.0


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


#: Movement features (see ``movement_features``): hip_range and wrist_range in leg lengths,
#: reach_range in arm lengths, trunk_range/trunk_max in deg, knee_min/elbow_min in deg,
#: hinge = trunk range per 0.01 leg length of hip travel, wrists_over_hips_bottom = wrist
#: height minus hip height at the bottom of the movement, in leg lengths.
#:
#: Squat vs deadlift is told by where the hands are at the bottom, not by how the trunk
#: hinges: a squat holds the bar on the back or in front of the shoulders (wrists above the
#: hips), a deadlift's hands hang from straight arms down along the legs to the bar (wrists
#: below the hips). Measured: rendered squats +0.17..+0.35, rendered deadlifts -0.20..-0.49,
#: real deadlift clips -0.54..-0.23 on 26 of 32 (the rest are clips where the floor or the
#: legs are not seen). The trunk-hinge ratio did not separate them (rendered squats
#: 0.83..1.07, deadlifts 1.07..1.63), and rendered deadlifts from the floor bend the knees
#: as deep as the squats (knee_min 68..83 vs 80..92 deg).
PROFILES: dict[str, tuple[Criterion, ...]] = {
    "squat": (
        Criterion("hip_range", 0.12, 0.25),
        Criterion("knee_min", 130.0, 105.0),
        Criterion("wrists_over_hips_bottom", -0.05, 0.1),
    ),
    "deadlift": (
        Criterion("trunk_range", 20.0, 35.0),
        Criterion("wrists_over_hips_bottom", -0.05, -0.2),
        Criterion("elbow_min", 110.0, 140.0),
        Criterion("wrist_range", 0.12, 0.25),
    ),
    "row": (
        Criterion("reach_range", 0.12, 0.25),
        Criterion("elbow_range", 25.0, 45.0),
        # The hips stay put (rendered rows 0.09..0.18, real 0.13..0.15 leg lengths; a
        # deadlift's hips travel 0.3..0.7).
        Criterion("hip_range", 0.25, 0.12),
    ),
}


def movement_features(sig: BodySignals) -> dict[str, float]:
    use = sig.trunk_visible
    # One robust range per signal (its 5th/95th percentiles also give trunk_max, elbow_min).
    hip_lo, hip_hi = robust_range(sig.hip_height_ratio[use])
    wrist_lo, wrist_hi = robust_range(sig.wrist_height_ratio[use])
    reach_lo, reach_hi = robust_range(sig.arm_reach_ratio[use])
    trunk_lo, trunk_hi = robust_range(sig.trunk_deg[use])
    elbow_lo, elbow_hi = robust_range(sig.elbow_deg[use])
    hip_range = hip_hi - hip_lo
    bottom = use & (sig.hip_height_ratio <= hip_lo + BOTTOM_FRAC_OF_HIP_RANGE * hip_range)
    wrists_over_hips = sig.wrist_height_ratio - sig.hip_height_ratio
    trunk_range = trunk_hi - trunk_lo
    with np.errstate(invalid="ignore", divide="ignore"):
        hinge = trunk_range / (100.0 * hip_range) if hip_range > 0 else float("nan")
    return {
        "hip_range": hip_range,
        "wrist_range": wrist_hi - wrist_lo,
        "reach_range": reach_hi - reach_lo,
        "trunk_range": trunk_range,
        "trunk_max": trunk_hi,
        "knee_min": _percentile(sig.knee_deg[use], 5.0),
        "elbow_min": elbow_lo,
        "elbow_range": elbow_hi - elbow_lo,
        "hinge": hinge,
        "wrists_over_hips_bottom": _median(wrists_over_hips[bottom]),
    }


def _percentile(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else float("nan")


def _median(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def score_exercises(features: dict[str, float]) -> dict[str, float]:
    """Half the mean membership, half the weakest one: one clearly failed criterion (bent
    arms for a deadlift) sinks a profile, one borderline criterion does not."""
    out = {}
    for name, crit in PROFILES.items():
        m = [c.membership(features[c.feature]) for c in crit]
        out[name] = float(0.5 * np.mean(m) + 0.5 * np.min(m))
    return out


@dataclass(frozen=True)
class Criteria:
    """The limits a winner must pass (``bench/eval_exercise.py`` searches them per fold)."""

    min_score: float = MIN_SCORE
    min_margin: float = MIN_MARGIN
    max_hip_range: float = MAX_HIP_RANGE


def classify(features: dict[str, float], criteria: Criteria = Criteria()) -> Estimate:
    """The exercise whose profile ``features`` fit best, or ``unknown``."""
    if features["hip_range"] > criteria.max_hip_range:
        return Estimate(UNKNOWN_EXERCISE, 1.0)
    scores = score_exercises(features)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < criteria.min_score or top - second < criteria.min_margin:
        return Estimate(UNKNOWN_EXERCISE, round(1.0 - top, 4))
    return Estimate(best, round(top * min(1.0, (top - second) / 0.3), 4))


def estimate_exercise(sig: BodySignals, override: str | None = None) -> Estimate:
    """The exercise, or the caller's ``override`` (checked against the known exercises)."""
    if override is not None:
        name = override.strip().lower()
        if name not in EXERCISES:
            raise ConfigError(f"unknown exercise {override!r}; use one of "
                              f"{', '.join(EXERCISES)} or leave it out to detect it")
        return Estimate(name, 1.0, "user")
    return classify(movement_features(sig))
