"""Which lift: squat, deadlift or row, from how the body moves; ``unknown`` when none fits.

Each exercise has a profile of soft criteria on movement features (``profiles``); its score
combines the criteria's memberships in [0, 1] (see ``score_exercises``). The best score wins
if it is high enough and clearly ahead of the runner-up; otherwise the answer is ``unknown``
(never forced). The limits are settings (``config.ExerciseConfig``, ``--set exercise.*``);
they were chosen by ``bench/eval_exercise.py``: the grid point that does best on the shared
real clips and the rendered lifts together, a wrong answer costing three right ones; held out
by source and by body it scores as the README's "What it can and cannot tell" says. A
recognised lift's confidence is measured the same way (see ``classify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from formcheck.analysis.features import BodySignals
from formcheck.analysis.signal import finite_values, percentile_of, robust_range
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

#: Each exercise's criteria.
Profiles = dict[str, tuple[Criterion, ...]]


@lru_cache(maxsize=64)
def profiles(config: ExerciseConfig = _SHIPPED) -> Profiles:
    """The criteria of each exercise under the limits ``config`` (where each is documented,
    with its unit).

    Features (see ``movement_features``): hip_range and wrist_range in leg lengths,
    reach_range in arm lengths, trunk_range/trunk_min in deg, knee_min/elbow_min in deg,
    wrists_over_hips_* = wrist height minus hip height in leg lengths.

    Squat vs deadlift is told by where the hands are, not by how the trunk hinges or how
    deep the knees bend (rendered squats hinge 0.83..1.07, deadlifts 1.07..1.63; rendered
    deadlifts from the floor bend the knees as deep as squats, knee_min 68..83 vs 80..92).
    The hands' high position must rise above the hips for a squat (and their low one must not
    hang as low as a deadlift's); their low position must hang below them for a deadlift.
    """
    c = config
    ramp = c.hands_ramp_leg_lengths
    squat = (
        Criterion("hip_range", c.squat_hip_range_zero_leg_lengths,
                  c.squat_hip_range_full_leg_lengths),
        Criterion("knee_min", c.squat_knee_zero_deg, c.squat_knee_full_deg),
        Criterion("wrists_over_hips_high", c.squat_hands_zero_ratio,
                  c.squat_hands_zero_ratio + ramp),
        Criterion("wrists_over_hips_low", c.deadlift_hands_zero_ratio - ramp,
                  c.deadlift_hands_zero_ratio),
    )
    deadlift = (
        Criterion("trunk_range", c.deadlift_trunk_range_zero_deg,
                  c.deadlift_trunk_range_full_deg),
        Criterion("wrists_over_hips_low", c.deadlift_hands_zero_ratio,
                  c.deadlift_hands_zero_ratio - ramp),
        Criterion("elbow_min", c.deadlift_elbow_zero_deg, c.deadlift_elbow_full_deg),
        Criterion("wrist_range", c.deadlift_wrist_range_zero_leg_lengths,
                  c.deadlift_wrist_range_full_leg_lengths),
    )
    if np.isfinite(c.deadlift_upright_zero_deg):
        deadlift += (Criterion("trunk_min", c.deadlift_upright_zero_deg,
                               c.deadlift_upright_zero_deg - c.deadlift_upright_ramp_deg),)
    row = (
        Criterion("reach_range", c.row_reach_range_zero_arm_lengths,
                  c.row_reach_range_full_arm_lengths),
        Criterion("elbow_range", c.row_elbow_range_zero_deg, c.row_elbow_range_full_deg),
        Criterion("hip_range", c.row_hip_zero_ratio, c.row_hip_full_ratio),
        Criterion("wrists_over_hips_low", c.row_hands_zero_ratio, c.row_hands_full_ratio),
    )
    return {"squat": squat, "deadlift": deadlift, "row": row}


#: The shipped profiles.
PROFILES: Profiles = profiles()


def movement_features(sig: BodySignals,
                      config: ExerciseConfig = _SHIPPED) -> dict[str, float]:
    """One number per movement feature over the frames with the trunk seen (NaN when the
    signal is never seen); the percentiles read for the hands and the knees are
    ``config``'s."""
    use = sig.trunk_visible
    # One robust range per signal (its 5th/95th percentiles also give trunk_min, elbow_min),
    # each over one selection of the frames with the trunk seen.
    hip_lo, hip_hi = robust_range(sig.hip_height_ratio, where=use)
    wrist_lo, wrist_hi = robust_range(sig.wrist_height_ratio, where=use)
    reach_lo, reach_hi = robust_range(sig.arm_reach_ratio, where=use)
    trunk_lo, trunk_hi = robust_range(sig.trunk_deg, where=use)
    elbow_lo, elbow_hi = robust_range(sig.elbow_deg, where=use)
    # Both heights are measured from the ankles, so their difference is not: it holds when
    # the feet are out of the picture or hidden behind the plates.
    wrists_over_hips = sig.wrist_height_ratio - sig.hip_height_ratio
    hands_low, hands_high = robust_range(wrists_over_hips, config.hands_low_percentile,
                                         config.hands_high_percentile, where=use)
    return {
        "hip_range": hip_hi - hip_lo,
        "wrist_range": wrist_hi - wrist_lo,
        "reach_range": reach_hi - reach_lo,
        "trunk_range": trunk_hi - trunk_lo,
        "trunk_min": trunk_lo,
        "knee_min": _percentile(sig.knee_deg, config.knee_min_percentile, use),
        "elbow_min": elbow_lo,
        "elbow_range": elbow_hi - elbow_lo,
        "wrists_over_hips_low": hands_low,
        "wrists_over_hips_high": hands_high,
    }


def _percentile(x: np.ndarray, q: float, where: np.ndarray) -> float:
    v = x[where & np.isfinite(x)] if x.dtype != np.float64 else finite_values(x, where)
    return percentile_of(v, q)


def score_exercises(features: dict[str, float],
                    table: Profiles = PROFILES) -> dict[str, float]:
    """Each profile's score in ``table`` (``profiles(config)``): half the mean membership,
    half the weakest one: one clearly failed criterion (bent arms for a deadlift) sinks a
    profile, one borderline criterion does not."""
    out = {}
    for name, crit in table.items():
        m = [c.membership(features[c.feature]) for c in crit]
        out[name] = float(0.5 * np.mean(m) + 0.5 * np.min(m))
    return out


def lead(features: dict[str, float],
         table: Profiles = PROFILES) -> tuple[str, float, float]:
    """The best-fitting exercise of ``table``, its score and its lead over the runner-up."""
    scores = score_exercises(features, table)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    return best, top, top - second


def classify(features: dict[str, float], config: ExerciseConfig = _SHIPPED,
             model: str | None = None, table: Profiles | None = None) -> Estimate:
    """The exercise whose profile ``features`` fit best, or ``unknown``, under the limits
    ``config``; the profiles are ``profiles(config)`` unless ``table`` gives others (the
    bench tries session 7's hand cue).

    A recognised lift's confidence is measured, not a score: the share of lifts recognised
    with a lead as clear (``clear_margin_frac`` or more: a clear call; less: a close call)
    that were right, held out, on poses from the pose model ``model`` (the one that made
    these; ``ExerciseConfig.right_frac``, ``bench/eval_exercise.py``); None where no share
    was measured for that model and level (shown without a number). An ``unknown`` one's is
    1 - the best score (how little anything matched; shown as "not recognised", not as a
    number)."""
    if features["hip_range"] > config.max_hip_range_ratio:
        return Estimate(UNKNOWN_EXERCISE, 1.0)
    best, top, margin = lead(features, profiles(config) if table is None else table)
    if top < config.min_score_frac or margin < config.min_margin_frac:
        return Estimate(UNKNOWN_EXERCISE, round(1.0 - top, 4))
    return Estimate(best, config.right_frac(model, margin >= config.clear_margin_frac))


def estimate_exercise(sig: BodySignals, override: str | None = None,
                      config: ExerciseConfig | None = None,
                      model: str | None = None) -> Estimate:
    """The exercise, or the caller's ``override`` (checked against the known exercises);
    recognised under the limits ``config`` (default: the shipped ones), with the confidence
    measured for the pose model ``model`` that made the poses (see ``classify``)."""
    if override is not None:
        name = override.strip().lower()
        if name not in EXERCISES:
            raise ConfigError(f"unknown exercise {override!r}; use one of "
                              f"{', '.join(EXERCISES)} or leave it out to detect it")
        return Estimate(name, 1.0, "user")
    config = _SHIPPED if config is None else config
    return classify(movement_features(sig, config), config, model)
