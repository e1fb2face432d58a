"""The back's outline where the picture cut the back off: a real squat filmed with the
shoulders out of the top of the picture read its back "rounded" 88 and 251 deg (the mask ends
at the picture's border, the network guesses the shoulders). Such frames are not read; a set
made mostly of them is not assessable for rounding, and says why."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis import geometry as geo
from formcheck.analysis.features import back_cut_by_picture
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize

ROUNDED = SynthRep(flexion_deg=40.0)


@pytest.fixture(scope="module")
def rounded_side():
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(ROUNDED, ROUNDED), yaw_deg=90.0))
    return seq


def _cut_at_top(seq, rows: float):
    """The picture's top ``rows`` pixels gone: everything moves up by ``rows``; the outline's
    points above the new top are clamped to its border, as a mask cut there ends."""
    im = seq.image_xy.copy()
    im[..., 1] -= rows
    back = seq.back_xy.copy()
    back[..., 1] = np.maximum(back[..., 1] - rows, 0.0)
    return dataclasses.replace(seq, image_xy=im, back_xy=back,
                               height=int(seq.height - rows))


def test_the_cut_frames_are_those_with_the_outline_on_the_border_or_a_chord_end_outside(
        rounded_side):
    im = geo.Joints.gather(rounded_side.image_xy)
    back = rounded_side.back_xy
    assert not back_cut_by_picture(im, back, rounded_side.width, rounded_side.height).any()
    assert not back_cut_by_picture(im, back, 0, 0).any()  # size unknown: nothing is cut
    on_border = back.copy()
    on_border[3, 0, 0] = 0.0
    cut = back_cut_by_picture(im, on_border, rounded_side.width, rounded_side.height)
    assert cut[3] and cut.sum() == 1
    lowest_shoulder = float(np.nanmax(rounded_side.image_xy[:, 11, 1]))
    cut = back_cut_by_picture(im, back, rounded_side.width, int(lowest_shoulder) - 1)
    assert cut.any()  # a hip below the picture's bottom


def test_a_back_the_picture_cut_off_is_not_judged_and_says_why(rounded_side):
    whole = analyze_sequence(rounded_side)
    assert any(f.fault == "rounded_back" for f in whole.findings)
    # The shoulders leave the top of the picture on most frames.
    shoulders = rounded_side.image_xy[:, [11, 12], 1]
    rows = float(np.nanpercentile(shoulders, 80))
    cut = analyze_sequence(_cut_at_top(rounded_side, rows))
    assert not [f for f in cut.findings if f.fault == "rounded_back"]
    clip = next(a for a in cut.assessable if a.fault == "rounded_back" and a.rep is None)
    assert not clip.assessable
    assert clip.reason.startswith("the picture cut the back off on ")
    assert "keep the whole body, shoulders to hips, in the picture" in clip.reason
