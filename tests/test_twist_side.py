"""The jerky twist seen from the side (docs/analysis.md, twist round 14): the side fit reads the
landmarks with the nearer side first and x as if the lifter faced right, beside the upper back's
outline; a warning needs both to turn quickly at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_back import joined, mirrored

from formcheck.analysis import analyze_sequence
from formcheck.analysis.faults import (
    _SIDE_READ_REASON,
    SIDE_TWIST_UNREAD_PREFIX,
    is_side_twist_short_reason,
    side_twist_unread_reason,
)
from formcheck.analysis.features import (
    compute_signals,
    side_landmark_twist_deg,
    side_on_camera,
    twist_landmark_model,
    upper_back_depth,
)
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config, load_config
from formcheck.pose.landmarks import Landmark as L

CLIP = Path(__file__).parent / "data" / "deadlift_jerkytwist_side_m_tall_az270.mp4"


def _side_set(**spec):
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(), SynthRep(twist_deg=40.0),
                                                             SynthRep()),
                                  yaw_deg=90.0, noise_px=0.8, **spec))
    return seq


def _twist_clip(result):
    (a,) = [a for a in result.assessable if a.fault == "jerky_twist" and a.rep is None]
    return a


def test_the_side_fit_ships_and_reads_the_trunk_on_both_sides():
    model = twist_landmark_model("side")
    assert model is not None and model.weights.shape == (len(model.landmarks), 2)
    # Both shoulders and both hips (the nearer side named "left": the mirror test checks that
    # a set seen from the other side reads its twins).
    assert set(model.landmarks) >= {L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP}


def test_a_mirrored_set_reads_the_same_turn_to_the_other_side():
    """Mirrored left-right, the lifter faces the other way with the other side nearer: the
    positions the fit reads are the same, the turn's sign flips, the outline is unchanged."""
    seq = _side_set()
    flip = mirrored(seq)
    (left_a, facing_a), (left_b, facing_b) = side_on_camera(seq), side_on_camera(flip)
    assert left_a != left_b and facing_a == -facing_b
    model = twist_landmark_model("side")
    a, b = side_landmark_twist_deg(seq, model), side_landmark_twist_deg(flip, model)
    assert np.isfinite(a).sum() > 0.9 * len(a)
    np.testing.assert_allclose(b, -a, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(upper_back_depth(flip.image_xy, flip.back_xy),
                               upper_back_depth(seq.image_xy, seq.back_xy), atol=1e-9,
                               equal_nan=True)


def test_the_rules_reading_is_the_fits_weighted_sum_of_the_positions_the_bench_fits_on():
    """The bench fits on ``side_landmark_positions``; the rule sums landmark by landmark
    (``side_landmark_twist_deg``, no (T, K, 2) copies): the same numbers, the same frames
    left out (a landmark at the picture's edge too), on a set seen from either side."""
    from formcheck.analysis.features import side_landmark_positions

    model = twist_landmark_model("side")
    for seq in (_side_set(), mirrored(_side_set())):
        im = seq.image_xy.copy()
        im[::7, L.NOSE, 1] = 1.0  # the nose at the top edge on every 7th frame
        seq = replace(seq, image_xy=im)
        pos, left_nearer = side_landmark_positions(seq, model.landmarks, model.min_presence,
                                                   model.edge_margin)
        want = np.einsum("tkc,kc->t", pos, model.weights) * (-1.0 if left_nearer else 1.0)
        got = side_landmark_twist_deg(seq, model)
        assert np.isnan(got[::7]).all() and np.isfinite(got).mean() > 0.8
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_the_outline_depth_is_the_top_points_distance_off_the_chord_in_torso_lengths():
    seq = _side_set()
    depth = upper_back_depth(seq.image_xy, seq.back_xy)
    im = seq.image_xy.astype(np.float64)
    sh = (im[:, L.LEFT_SHOULDER] + im[:, L.RIGHT_SHOULDER]) / 2
    hip = (im[:, L.LEFT_HIP] + im[:, L.RIGHT_HIP]) / 2
    chord = hip - sh
    length = np.hypot(*chord.T)
    normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1) / length[:, None]
    off = np.abs(((seq.back_xy[:, :5] - sh[:, None]) * normal[:, None]).sum(axis=2))
    np.testing.assert_allclose(depth, off.mean(axis=1) / np.median(length), rtol=1e-6)


def test_without_the_outline_the_side_twist_is_not_assessable_and_says_why():
    result = analyze_sequence(_side_set(back_profile=False))
    a = _twist_clip(result)
    assert not a.assessable
    min_read = Config().signal.twist_landmark_min_read_s
    assert a.reason == side_twist_unread_reason("outline", min_read)
    assert not is_side_twist_short_reason(a.reason)


def _front_then_side_set():
    """Three squats square-on, then one filmed side-on (a camera moved mid-set)."""
    front, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 3, yaw_deg=0.0,
                                    noise_px=0.8))
    side, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),), yaw_deg=90.0,
                                   noise_px=0.8))
    return joined(front, side)


def test_a_side_rep_in_a_set_read_square_on_is_not_told_the_side_cannot_show_a_twist():
    """The side has a reading of its own (whole sets filmed side-on): a side-view rep in a
    set read square-on is not judged, and says why without denying what that reading does."""
    result = analyze_sequence(_front_then_side_set())
    assert result.view.name == "front"
    reps = {a.rep: a for a in result.assessable if a.fault == "jerky_twist" and a.rep}
    last = reps[max(reps)]
    assert not last.assessable
    assert last.reason.startswith("in this rep the lifter read as seen from the side view (")
    assert "which this set's twist reading, chosen for the front view" in last.reason
    assert "cannot show rotation" not in last.reason
    assert all(a.assessable for rep, a in reps.items() if rep != max(reps))
    # With the side's own reading switched off, the side view indeed cannot show it.
    off = analyze_sequence(_front_then_side_set(),
                           load_config(None, ["signal.twist_side_cue=false"]))
    (last_off,) = [a for a in off.assessable if a.fault == "jerky_twist" and a.rep == max(reps)]
    assert "side view cannot show rotation" in last_off.reason


def test_with_the_side_cue_off_the_side_view_keeps_its_old_reason():
    result = analyze_sequence(_side_set(), load_config(None, ["signal.twist_side_cue=false"]))
    a = _twist_clip(result)
    assert not a.assessable and "side view cannot show rotation" in a.reason


def test_under_a_second_of_the_set_the_side_reading_is_not_made_and_says_so():
    """The first second of a set (the quick-turn filter blanks half a support at each end):
    not read yet, with the reason live mode turns into "waiting for the first rep" (tested
    below)."""
    seq = _side_set()
    short = seq.slice(0, 45)
    tw = compute_signals(short, Config()).resolved().twist
    assert tw.landmark_fit is None and tw.side_unread == "short"
    reason = side_twist_unread_reason("short", 1.0)
    assert reason.startswith(SIDE_TWIST_UNREAD_PREFIX) and is_side_twist_short_reason(reason)
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "side"


@pytest.mark.slow
def test_the_pose_model_on_a_rendered_side_deadlift_finds_its_40_degree_twist():
    """A rendered deadlift filmed from the lifter's right (tests/data/README.md): 40° out and
    back in 0.2 s on rep 2 to the lifter's right (truth 2.93-3.13 s). Read from the side, it is
    warned on rep 2 alone, to the right; mirrored, to the left with the same size; without the
    outline turning with it (a limit it cannot reach), not counted, and the clip says so."""
    from formcheck.pipeline import extract_pose
    from formcheck.pose.models import resolve_model

    seq = extract_pose(CLIP, str(resolve_model("full").path))
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "side"
    result = analyze_sequence(seq)
    assert result.view.name == "side" and [r.index for r in result.reps] == [1, 2, 3]
    assert all(a.assessable for a in result.assessable if a.fault == "jerky_twist")
    (f,) = [f for f in result.findings if f.fault == "jerky_twist"]
    assert f.rep == 2 and f.evidence["twist_side"] == "right"
    assert f.start_s <= 3.13 + 0.3 and f.end_s >= 2.93 - 0.3
    assert f.evidence["outline_turn_spreads_seen"] >= Config().faults_for(
        "deadlift").jerky_twist.side_outline_spreads
    assert f.evidence["twist_cue"].startswith("the head's, shoulders', hips' and knees'")
    (g,) = [g for g in analyze_sequence(mirrored(seq)).findings if g.fault == "jerky_twist"]
    assert g.rep == 2 and g.evidence["twist_side"] == "left"
    assert g.value == pytest.approx(f.value, abs=1e-3)  # float32 pixels, flipped
    still = analyze_sequence(seq, load_config(None, ["jerky_twist.side_outline_spreads=1000"]))
    assert not [h for h in still.findings if h.fault == "jerky_twist"]
    assert "did not turn with them" in _twist_clip(still).reason
    # Cut short of its first second, the set is read by nothing and says why.
    early = analyze_sequence(seq.slice(0, 20))
    assert not _twist_clip(early).assessable


def test_a_rep_without_the_outline_is_not_judged_from_the_side():
    """Review (session 13): a rep whose back outline was never found was reported as judged,
    though the side reading can only warn beside the outline's evidence."""
    seq = _side_set()
    full = analyze_sequence(seq)
    assert [r.index for r in full.reps] == [1, 2, 3]
    rep2 = full.reps[1]
    back = seq.back_xy.copy()
    back[rep2.start_frame:rep2.end_frame + 1] = np.nan
    result = analyze_sequence(replace(seq, back_xy=back))
    twist = {a.rep: a for a in result.assessable if a.fault == "jerky_twist"}
    assert twist[1].assessable and twist[3].assessable
    assert not twist[2].assessable and "back's outline" in twist[2].reason


def test_feet_never_seen_say_so_not_too_short():
    seq = _side_set()
    presence = seq.presence.copy()
    presence[:, [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]] = 0.0
    hidden = replace(seq, presence=presence)
    assert side_on_camera(hidden) is None
    assert compute_signals(hidden, Config()).resolved().twist.side_unread == "feet"
    reason = _twist_clip(analyze_sequence(hidden)).reason
    assert reason == side_twist_unread_reason("feet", 1.0)
    assert not is_side_twist_short_reason(reason)
    # One foot seen is enough to know which way the lifter faces.
    one = seq.presence.copy()
    one[:, [L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]] = 0.0
    assert side_on_camera(replace(seq, presence=one)) == side_on_camera(seq)


def test_a_rep_filmed_from_another_view_in_a_set_read_from_the_side_says_which():
    """A set that cuts from the side to 30° for its last rep: the set is read from the side,
    and that rep is not judged with it, saying which view it was filmed from."""
    from test_live import _joined

    side, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(),) * 3, yaw_deg=90.0,
                                   noise_px=0.8))
    turned, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(),), yaw_deg=30.0,
                                     noise_px=0.8, setup_s=0.3))
    seq = _joined(side, turned)
    result = analyze_sequence(seq)
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "side"
    twist = {a.rep: a for a in result.assessable if a.fault == "jerky_twist"}
    last = max(r.index for r in result.reps)
    assert twist[1].assessable and not twist[last].assessable
    assert twist[last].reason == _SIDE_READ_REASON.format(view="oblique")


def test_live_waits_while_the_side_reading_has_too_little_of_the_set():
    from formcheck.live.incremental import WAITING_REASON, waiting_for_first_rep
    from formcheck.pipeline import build_report

    short = _side_set().slice(0, 45)
    result = analyze_sequence(short)
    assert not result.reps
    assert is_side_twist_short_reason(_twist_clip(result).reason)
    report = waiting_for_first_rep(build_report(short, result, None))
    (a,) = [a for a in report.assessable if a.fault == "jerky_twist" and a.rep is None]
    assert a.reason == WAITING_REASON


SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.slow
def test_turned_45_degrees_towards_the_camera_the_twist_sample_is_found_and_mirrors():
    """Twist round 15: turned 45° towards the camera the twist is read as from the side (a fit
    made on 45° renders, beside the upper back's outline). The rendered sample
    squat_jerkytwist_45_f_heavy turns 25° to the lifter's left in 0.2 s on rep 2 (truth
    4.115-4.315 s): warned there alone, to the left; mirrored, to the right with the same size.
    The rendered 45° row rounded on both reps gets no twist warning (at the 45° reading's
    first limits it did: twist round 14)."""
    from formcheck.pipeline import extract_pose
    from formcheck.pose.models import resolve_model

    model = str(resolve_model("full").path)
    seq = extract_pose(SAMPLES / "squat_jerkytwist_45_f_heavy.mp4", model)
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "oblique_near"
    result = analyze_sequence(seq)
    assert result.view.name == "oblique"
    (f,) = [f for f in result.findings if f.fault == "jerky_twist"]
    assert f.rep == 2 and f.evidence["twist_side"] == "left" and f.unit == "deg"
    assert f.start_s <= 4.315 + 0.3 and f.end_s >= 4.115 - 0.3
    assert "turned towards the camera" in f.evidence["twist_cue"]
    (g,) = [g for g in analyze_sequence(mirrored(seq)).findings if g.fault == "jerky_twist"]
    assert g.rep == 2 and g.evidence["twist_side"] == "right"
    assert g.value == pytest.approx(f.value, abs=1e-3)
    rounded = analyze_sequence(extract_pose(SAMPLES / "row_rounded_45_f_heavy.mp4", model))
    assert not [h for h in rounded.findings if h.fault == "jerky_twist"]


def test_a_landmark_at_the_pictures_edge_is_not_read_from_the_side():
    """A close shot with the head at the top of the picture (a real 45° squat warned on a
    turn read from guessed head landmarks there, twist round 15): frames where a landmark the
    fit reads lies within its edge margin (torso lengths) of the picture's edge are not read."""
    from formcheck.analysis.features import side_landmark_positions

    seq = _side_set()
    model = twist_landmark_model("side")
    assert model.edge_margin > 0
    free = side_landmark_positions(seq, model.landmarks, model.min_presence, model.edge_margin)
    assert free is not None and np.isfinite(free[0]).all(axis=(1, 2)).mean() > 0.9
    # Move the picture up so the nose sits 2 px under the top edge on every other frame.
    im = seq.image_xy.copy()
    shift = np.where(np.arange(len(im)) % 2 == 0, im[:, L.NOSE, 1] - 2.0, 0.0)
    im[..., 1] -= shift[:, None].astype(im.dtype)
    cut = replace(seq, image_xy=im)
    pos, _ = side_landmark_positions(cut, model.landmarks, model.min_presence,
                                     model.edge_margin)
    read = np.isfinite(pos).all(axis=(1, 2))
    assert not read[::2].any() and read[1::2].mean() > 0.9
    # Without a margin every frame is read, as before; so where the picture's size is unknown.
    pos0, _ = side_landmark_positions(cut, model.landmarks, model.min_presence)
    assert np.isfinite(pos0).all(axis=(1, 2)).mean() > 0.9
    unsized = replace(cut, width=0, height=0)
    pos1, _ = side_landmark_positions(unsized, model.landmarks, model.min_presence,
                                      model.edge_margin)
    assert np.isfinite(pos1).all(axis=(1, 2)).mean() > 0.9


def test_facing_away_at_45_degrees_the_reading_ships_switched_on():
    """Session 17: facing away at 45° the same reading (its own fit, made on rear-45° renders),
    bodies held out, found 17 of 24 20° and 21 of 22 40° rendered twists and warned on no
    slow, twist-free or back-fault rep (round 15's 7 of 24 and a twist-free rep warned came
    from reps counted merged and matched by number): it reads such a set by default; switched
    off, the widths read it."""
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(), SynthRep(twist_deg=40.0),
                                                             SynthRep()),
                                  yaw_deg=135.0, noise_px=0.8))
    assert twist_landmark_model("oblique_far") is not None
    tw = compute_signals(seq, Config()).resolved().twist
    assert tw.landmark_fit == "oblique_far" and tw.depth_source == "landmarks"
    a = _twist_clip(analyze_sequence(seq, Config()))
    assert a.assessable and "turned away from the camera" in a.reason
    assert "17 of 24 20° ones" in a.reason
    off = load_config(None, ["signal.twist_oblique_far=false"])
    assert compute_signals(seq, off).resolved().twist.landmark_fit is None


def test_from_the_side_a_quick_turn_under_16_degrees_is_not_judged():
    """Session 24: a clean side-view pull filmed facing the other way read a 14.2° quick turn
    (the network swapping its near and far side as the bar passed the knees) against a limit
    of 10°, its reading wavering 1.1°. The least size judged from the side is 16° (it cost one
    rendered 40° twist of 24 with the limits fixed, none of 20° ones): a twist-free lifter
    whose reading barely wavers is judged from 16°, and every surface says so."""
    assert Config().deadlift.jerky_twist.side_min_quick_turn_deg == 16.0
    result = analyze_sequence(_clean_side_set())
    assert result.view.name == "side"
    series = result.series["twist_quick_turn"]
    assert series.threshold == 16.0
    assert "on this lifter a quick turn warns from 16° (the least size judged" in \
        _twist_clip(result).reason
    # A synthetic 25° jerk reads a quick turn of about 14° here, like the mirrored pull: under
    # the least size, it is neither warned nor counted among the turns the outline ruled out.
    jerk = analyze_sequence(_clean_side_set(twist_deg=25.0))
    peak = np.nanmax(np.where(jerk.series["twist_quick_turn"].judged,
                              jerk.series["twist_quick_turn"].values, np.nan))
    assert 12.0 < peak < 16.0
    assert not [f for f in jerk.findings if f.fault == "jerky_twist"]
    assert "not counted" not in _twist_clip(jerk).reason


def _clean_side_set(twist_deg: float = 0.0):
    seq, _ = synthesize(SynthSpec(exercise="deadlift", reps=(SynthRep(),
                                                             SynthRep(twist_deg=twist_deg),
                                                             SynthRep()),
                                  yaw_deg=90.0, noise_px=0.8))
    return seq


def _oblique_two_twists(yaw: float, small: float):
    """A row filmed at ``yaw`` (45: turned towards the camera, 135: facing away at 45°): a 40°
    twist on rep 2 and one of ``small`` on rep 4, each out and back in 0.2 s (0: none)."""
    reps = (SynthRep(), SynthRep(twist_deg=40.0, twist_duration_s=0.2), SynthRep(),
            SynthRep(twist_deg=small, twist_duration_s=0.2), SynthRep())
    return synthesize(SynthSpec(exercise="row", reps=reps, yaw_deg=yaw, noise_px=1.0,
                                twist_about_spine=True))[0]


#: The landmark-level lifter's back outline does not turn with its shoulders, so the outline's
#: part of the 45° limits is set aside here: what is tested is the quick turn's spread.
_NO_OUTLINE = ["jerky_twist.oblique_outline_spreads=0", "jerky_twist.rear_outline_spreads=0"]
_CLEAR = "jerky_twist.oblique_spread_clear_turns"


@pytest.mark.parametrize("yaw, fit", [(45.0, "oblique_near"), (135.0, "oblique_far")])
def test_at_45_degrees_a_twist_past_the_limit_is_left_out_of_the_spread(yaw, fit):
    """Session 27: at 45° either way, a 40° twist's own quick turns raised the spread the
    limit is taken from; with ``oblique_spread_clear_turns`` the spread is measured again
    without them (as square-on), the limit falls, and every surface states the lower one."""
    seq = _oblique_two_twists(yaw, 16.0)
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == fit
    off = analyze_sequence(seq, load_config(None, [f"{_CLEAR}=false", *_NO_OUTLINE]))
    on = analyze_sequence(seq, load_config(None, [f"{_CLEAR}=true", *_NO_OUTLINE]))
    lower = on.series["twist_quick_turn"].threshold
    assert lower < off.series["twist_quick_turn"].threshold
    found_off = [f.rep for f in off.findings if f.fault == "jerky_twist"]
    found = [f for f in on.findings if f.fault == "jerky_twist"]
    assert 2 in found_off and [f.rep for f in found][0] == 2
    for f in found:
        assert f.threshold == lower
        assert f.evidence["quick_turn_spread_deg"] * f.evidence["quick_turn_spreads"] == \
            pytest.approx(lower)
    if yaw == 45.0:  # the 16° twist reads 14.6°: under the first limit, over the lowered one
        assert found_off == [2] and [f.rep for f in found] == [2, 4]


@pytest.mark.parametrize("yaw", [45.0, 135.0])
def test_at_45_degrees_a_set_where_nothing_passes_the_limit_keeps_its_spread(yaw):
    """Where no quick turn passes the first limit (a twist-free set) nothing is left out:
    the same limit and verdicts either way."""
    clean = synthesize(SynthSpec(exercise="row", reps=(SynthRep(),) * 5, yaw_deg=yaw,
                                 noise_px=1.0, twist_about_spine=True))[0]
    off = analyze_sequence(clean, load_config(None, [f"{_CLEAR}=false"]))
    on = analyze_sequence(clean, load_config(None, [f"{_CLEAR}=true"]))
    assert [f for f in off.findings if f.fault == "jerky_twist"] == \
        [f for f in on.findings if f.fault == "jerky_twist"] == []
    assert on.series["twist_quick_turn"].threshold == off.series["twist_quick_turn"].threshold


def test_the_45_degree_setting_leaves_the_square_on_reading_alone():
    seq = _oblique_two_twists(0.0, 10.0)
    assert compute_signals(seq, Config()).resolved().twist.landmark_fit == "front"
    off = analyze_sequence(seq, load_config(None, [f"{_CLEAR}=false"]))
    on = analyze_sequence(seq, load_config(None, [f"{_CLEAR}=true"]))
    assert on.series["twist_quick_turn"].threshold == off.series["twist_quick_turn"].threshold
    assert [f.rep for f in on.findings if f.fault == "jerky_twist"] == \
        [f.rep for f in off.findings if f.fault == "jerky_twist"]
