"""An outline the pose pass took on the chest (leaning back, the old face/knees/toes vote:
shared bad013 and bad014) is not read as the back: which way the feet point across the
picture says where the back is."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis.features import compute_signals, facing_in_picture
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config
from formcheck.pose.landmarks import Landmark as L

CFG = Config()
FEET = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]


def _side_set(yaw: float = 90.0):
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(),) * 2, yaw_deg=yaw))
    return seq


def _on_the_chest(seq, frames: np.ndarray):
    """``seq`` with its outline mirrored across the shoulder-hip chord on ``frames``."""
    back = seq.back_xy.astype(np.float64).copy()
    im = seq.image_xy.astype(np.float64)
    sh, hp = im[:, [11, 12]].mean(axis=1), im[:, [23, 24]].mean(axis=1)
    chord = hp - sh
    n = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / np.hypot(*chord.T)[:, None]
    rel = back[frames] - sh[frames, None, :]
    off = (rel * n[frames, None, :]).sum(axis=2, keepdims=True)
    back[frames] = back[frames] - 2.0 * off * n[frames, None, :]
    return replace(seq, back_xy=back.astype(np.float32))


def test_facing_is_read_from_the_feet_and_only_when_they_agree():
    seq = _side_set()
    assert facing_in_picture(seq.image_xy, seq.presence, 0.8) == 1.0  # faces image right
    flipped = seq.image_xy.copy()
    flipped[..., 0] = seq.width - flipped[..., 0]
    assert facing_in_picture(flipped, seq.presence, 0.8) == -1.0
    hidden = seq.presence.copy()
    hidden[:, FEET] = 0.0
    assert facing_in_picture(seq.image_xy, hidden, 0.8) == 0.0
    half = seq.image_xy.copy()  # half the frames' feet the other way: no clear direction
    half[: len(seq) // 2, L.LEFT_FOOT_INDEX, 0] = 2 * half[: len(seq) // 2, L.LEFT_HEEL, 0] \
        - half[: len(seq) // 2, L.LEFT_FOOT_INDEX, 0]
    half[: len(seq) // 2, L.RIGHT_FOOT_INDEX, 0] = 2 * half[: len(seq) // 2, L.RIGHT_HEEL, 0] \
        - half[: len(seq) // 2, L.RIGHT_FOOT_INDEX, 0]
    assert facing_in_picture(half, seq.presence, 0.8) == 0.0


def test_an_outline_on_the_chest_is_not_read():
    seq = _side_set()
    base = compute_signals(seq, CFG)
    read = np.flatnonzero(np.isfinite(base.bulge))
    assert read.size > 80
    # A run longer than the gaps smoothing bridges (signal.max_gap_s: 0.3 s).
    chest = read[30:60]
    assert chest[-1] - chest[0] == 29
    sig = compute_signals(_on_the_chest(seq, chest), CFG)
    assert np.isnan(sig.elbow_behind_back[chest]).all()
    assert np.isnan(sig.bulge[chest]).all()
    # Frames away from them read as before (the bulge is smoothed: only neighbours move).
    far = np.setdiff1d(read, np.arange(chest[0] - 15, chest[-1] + 16))
    np.testing.assert_allclose(sig.bulge[far], base.bulge[far], atol=1e-3)


@pytest.mark.parametrize("feet", ["hidden", "unsure"])
def test_without_the_feet_the_outline_is_read_as_it_lies(feet):
    seq = _side_set()
    presence = seq.presence.copy()
    if feet == "hidden":
        presence[:, FEET] = 0.0
        seq = replace(seq, presence=presence)
    else:
        seq = replace(seq, presence=presence)
        cfg = replace(CFG, signal=replace(CFG.signal, outline_facing_min_share=1.0))
        xy = seq.image_xy.copy()
        xy[0, L.LEFT_FOOT_INDEX, 0] = 2 * xy[0, L.LEFT_HEEL, 0] - xy[0, L.LEFT_FOOT_INDEX, 0]
        seq = replace(seq, image_xy=xy)
    base = compute_signals(seq, CFG if feet == "hidden" else cfg)
    read = np.flatnonzero(np.isfinite(base.bulge))
    chest = read[30:60]
    sig = compute_signals(_on_the_chest(seq, chest), CFG if feet == "hidden" else cfg)
    assert np.isfinite(sig.bulge[chest]).all()


def test_the_video_draws_no_outline_where_the_analysis_read_none():
    from formcheck.pipeline import render_view

    seq = _side_set()
    read = np.flatnonzero(np.isfinite(compute_signals(seq, CFG).bulge))
    chest = read[30:60]
    drawn = render_view(_on_the_chest(seq, chest))
    shown = np.array([drawn.frame(i).back_ok.any() for i in range(len(drawn))])
    assert not shown[chest].any()
    assert shown[np.setdiff1d(read, chest)].all()
    # Facing unknown (feet hidden): the outline is drawn as it lies, as it is read.
    hidden = seq.presence.copy()
    hidden[:, FEET] = 0.0
    drawn = render_view(_on_the_chest(replace(seq, presence=hidden), chest))
    assert all(drawn.frame(i).back_ok.any() for i in chest)
