"""Which body part's movement the reps are counted on when the lift was not recognised
(``reps.rep_profile_for(sig, "unknown")``): the one that moves the most over the clip, not the
one with the largest 5th-95th percentile range, which one short movement filling the last 5%
of the frames decides, and which a frame or two dropped then swings (QA: a real deadlift
counted 5 reps, or 2 with two frames fewer). And the levels a rep is counted against: the
progress signal's 5th-95th percentile range taken over time (``signal.robust_range_over_time``),
which a frame or two dropped from a steep flank barely moves."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.analysis.features import compute_signals
from formcheck.analysis.reps import REP_PROFILES, count_reps, rep_profile_for
from formcheck.analysis.signal import robust_range
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config

CFG = Config()
N_REPS = 5


def _one_crouch(sig, start_s: float, duration_s: float, depth: float):
    """``sig`` with the hips held still but for one crouch (a raised cosine ``depth`` leg
    lengths deep, ``duration_s`` long): one short movement, not a set of reps."""
    t = sig.t_s
    u = np.clip((t - start_s) / duration_s, 0.0, 1.0)
    hump = depth * 0.5 * (1.0 - np.cos(2.0 * np.pi * u))
    hips = np.full(t.shape, float(np.nanmedian(sig.hip_height_ratio))) - hump
    return dataclasses.replace(sig, hip_height_ratio=hips)


def _without(sig, frames: np.ndarray):
    """``sig`` without the given frames (the others keep their timestamps)."""
    keep = np.setdiff1d(np.arange(sig.t_s.size), frames)
    n = sig.t_s.size
    return dataclasses.replace(sig, **{
        f.name: getattr(sig, f.name)[keep] for f in dataclasses.fields(sig)
        if isinstance(getattr(sig, f.name), np.ndarray) and getattr(sig, f.name).shape[:1] == (n,)})


@pytest.fixture(scope="module")
def rows_and_a_crouch():
    seq, truth = synthesize(SynthSpec(exercise="row", reps=(SynthRep(),) * N_REPS,
                                      yaw_deg=90.0, noise_px=1.0, noise_m=0.005))
    assert len(truth.reps) == N_REPS
    sig = compute_signals(seq, CFG)
    # One crouch of 1.6 s, about 9% of the frames, deeper than the hands ever move.
    return _one_crouch(sig, start_s=float(sig.t_s[-1]) - 2.5, duration_s=1.6, depth=0.6)


def test_one_short_movement_does_not_choose_the_body_part(rows_and_a_crouch):
    sig = rows_and_a_crouch
    squat, hands = REP_PROFILES["squat"].progress(sig), REP_PROFILES["deadlift"].progress(sig)
    # The premise: the crouch leads on the percentile range (the old choice) ...
    assert np.subtract(*robust_range(squat)[::-1]) > np.subtract(*robust_range(hands)[::-1])
    # ... but the hands, moving rep after rep, are what the reps are counted on.
    assert rep_profile_for(sig, "unknown").progress is REP_PROFILES["deadlift"].progress
    assert len(count_reps(sig, "unknown", CFG.reps).reps) == N_REPS


@pytest.mark.parametrize("seed", range(5))
def test_dropped_frames_keep_the_choice_and_the_count(rows_and_a_crouch, seed):
    sig = rows_and_a_crouch
    # Two frames of the crouch dropped, as a live replay that lost them.
    crouch = np.flatnonzero(sig.hip_height_ratio < np.nanmedian(sig.hip_height_ratio) - 0.3)
    frames = np.random.default_rng(seed).choice(crouch, size=2, replace=False)
    fewer = _without(sig, frames)
    assert rep_profile_for(fewer, "unknown").progress is REP_PROFILES["deadlift"].progress
    assert len(count_reps(fewer, "unknown", CFG.reps).reps) == N_REPS


# ---- the levels a rep is counted against: the progress signal's range over time
def _dip_at_the_end():
    """A still signal (a little noise) but for a dip over its last 20 of 200 frames, the
    5th percentile on the dip's steep flank (as a real deadlift's hands at its end)."""
    t = np.arange(200) / 30.0
    x = 0.01 * np.sin(np.arange(200))
    x[-20:] -= np.linspace(0.0, 1.0, 20)
    return t, x


def test_range_over_time_is_the_frames_range_at_a_steady_rate():
    from formcheck.analysis.signal import robust_range_over_time

    t, x = _dip_at_the_end()
    assert robust_range_over_time(x, t) == robust_range(x)


@pytest.mark.parametrize("drop", [[195, 196], [185, 190], [182, 198]])
def test_frames_dropped_from_a_dip_barely_move_the_range_over_time(drop):
    from formcheck.analysis.signal import robust_range_over_time

    t, x = _dip_at_the_end()
    keep = np.setdiff1d(np.arange(t.size), drop)
    lo = robust_range(x)[0]
    # Two frames of the dip dropped: the frames' 5th percentile moves by up to 0.09 (of a
    # range of 0.48); weighed by time, by under 0.01.
    assert abs(robust_range_over_time(x[keep], t[keep])[0] - lo) < 0.01
    assert abs(robust_range(x[keep])[0] - lo) > 0.03  # (the knife-edge it replaces)

