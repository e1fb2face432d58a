"""A frame or two where the trunk is hidden does not cut a rep in two: the progress signal is
bridged over gaps up to ``reps.max_gap_s`` before reps are counted. A real deadlift (shared
BichraiX bad006, the clip ending before the bar was back on the floor) lost its trunk for one
frame at lockout, and its lowering was counted as a second rep that began at the top, with an
empty pull."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.analysis.features import compute_signals
from formcheck.analysis.reps import count_reps, progress_signal
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config
from formcheck.pose.landmarks import Landmark as L

TRUNK = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]


def _hidden_at_the_last_top(exercise: str, frames: int):
    """A two-rep set with the trunk hidden on ``frames`` frames at the top of its last rep,
    the clip ending half-way back to rest (as bad006's did)."""
    seq, truth = synthesize(SynthSpec(exercise=exercise, reps=(SynthRep(),) * 2,
                                      noise_px=1.0, noise_m=0.005))
    x = progress_signal(compute_signals(seq, Config()), exercise)
    a, b = truth.rep_start_s[-1], truth.rep_end_s[-1]
    inside = np.flatnonzero((seq.t_s >= a) & (seq.t_s <= b))
    top = inside[int(np.nanargmax(x[inside]))]
    rest = float(np.nanmin(x[inside]))
    after = np.flatnonzero(x[top:] <= rest + 0.5 * (x[top] - rest))
    end = top + int(after[0])
    vis, pres = seq.visibility.copy(), seq.presence.copy()
    hide = np.arange(top, top + frames)
    vis[np.ix_(hide, TRUNK)] = 0.0
    pres[np.ix_(hide, TRUNK)] = 0.0
    return dataclasses.replace(seq, visibility=vis, presence=pres).slice(0, end)


def _reps(seq, exercise: str, max_gap_s: float):
    cfg = Config()
    cfg = dataclasses.replace(cfg, reps=dataclasses.replace(cfg.reps, max_gap_s=max_gap_s))
    return count_reps(compute_signals(seq, cfg), exercise, cfg.reps).reps


@pytest.mark.parametrize("exercise", ["deadlift", "squat"])
@pytest.mark.parametrize("frames", [1, 3])
def test_a_short_gap_at_the_top_keeps_one_rep(exercise, frames):
    seq = _hidden_at_the_last_top(exercise, frames)
    reps = _reps(seq, exercise, Config().reps.max_gap_s)
    assert len(reps) == 2
    for rep in reps:  # each rep moves out of rest: its first movement phase is not empty
        moving = [p for p in rep.phases if p.name != "set-up"]
        assert moving[0].end_s > moving[0].start_s, rep.phases
    # Not bridged, the hidden frames end the last rep at its top and start another there.
    split = _reps(seq, exercise, 0.0)
    assert len(split) == 3
    first = [p for p in split[-1].phases if p.name != "set-up"][0]
    assert first.end_s == first.start_s


def _rep_seen_on_one_frame(exercise: str, reps: int, frames: int = 1):
    """A set whose last rep is hidden but for one frame at its deepest (a real squat clip's
    lifter walking out of the picture read so), or ``frames`` frames there."""
    seq, truth = synthesize(SynthSpec(exercise=exercise, reps=(SynthRep(),) * reps,
                                      noise_px=1.0, noise_m=0.005))
    x = progress_signal(compute_signals(seq, Config()), exercise)
    a, b = truth.rep_start_s[-1], truth.rep_end_s[-1]
    inside = np.flatnonzero((seq.t_s >= a) & (seq.t_s <= b))
    top = inside[int(np.nanargmax(x[inside]))]
    vis, pres = seq.visibility.copy(), seq.presence.copy()
    hide = inside[np.abs(inside - top) > (frames - 1) // 2]
    vis[np.ix_(hide, TRUNK)] = 0.0
    pres[np.ix_(hide, TRUNK)] = 0.0
    return dataclasses.replace(seq, visibility=vis, presence=pres)


def _counted(seq, exercise: str, min_seen_frac: float):
    cfg = Config()
    cfg = dataclasses.replace(cfg, reps=dataclasses.replace(cfg.reps,
                                                            min_seen_frac=min_seen_frac))
    return count_reps(compute_signals(seq, cfg), exercise, cfg.reps)


@pytest.mark.parametrize("exercise", ["deadlift", "squat"])
def test_a_movement_seen_on_one_frame_is_not_a_rep(exercise):
    seq = _rep_seen_on_one_frame(exercise, 2)
    assert len(_counted(seq, exercise, Config().reps.min_seen_frac).reps) == 1
    assert len(_counted(seq, exercise, 0.0).reps) == 2  # what it was counted as before


def test_why_none_says_the_movement_was_hidden():
    # Seen on a few frames at its deepest: enough to measure the movement, not a rep.
    seq = _rep_seen_on_one_frame("squat", 1, frames=5)
    counted = _counted(seq, "squat", Config().reps.min_seen_frac)
    assert not counted.reps
    why = counted.why_none
    assert "the only movement out of the rest position was seen on only" in why, why
    share = float(why.split("seen on only ")[1].split("%")[0])
    assert 0 < share < 15 and "under the 15% a rep needs" in why
