"""A deadlift's lockout reads short (rendered lifters: the pose model keeps hips pushed through
to the bar behind the joint), and every surface says so where the rule judged a deadlift;
a squat's lockout, found on every rendered rep, carries no such words."""

from __future__ import annotations

import pytest

from formcheck.analysis import analyze_sequence
from formcheck.analysis.faults import _LOCKOUT_MISSED
from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize
from formcheck.config import Config

CFG = Config()


def _overextension_words(exercise: str) -> list[str | None]:
    seq, _ = synthesize(SynthSpec(exercise=exercise, reps=(SynthRep(),) * 3, yaw_deg=90.0))
    result = analyze_sequence(seq, CFG, exercise=exercise)
    words = [a.reason for a in result.assessable
             if a.fault == "lumbar_overextension" and a.assessable]
    assert words, "the lockout should be judged on this side-view set"
    return words


def test_a_judged_deadlift_leads_with_what_its_lockout_misses():
    for reason in _overextension_words("deadlift"):
        # The first clause is what the video shows: the miss comes first.
        assert reason.startswith(_LOCKOUT_MISSED["deadlift"] + "; only the lockout is judged")
        first = reason.partition("; ")[0]
        assert first.startswith("a deadlift's lockout reads short")
        assert "10 of 49 reps from the side" in first


def test_a_squat_says_nothing_of_a_short_lockout():
    for reason in _overextension_words("squat"):
        assert "reads short" not in (reason or "")


@pytest.mark.parametrize("exercise,yaw", [("deadlift", 90.0), ("deadlift", 135.0),
                                         ("squat", 135.0)])
@pytest.mark.parametrize("size", [(640, 480), (480, 640), (1280, 720)])
def test_the_lockout_words_fit_on_the_video_uncut(size, exercise, yaw):
    """The video shows each caveat's first clause on at most ``caveat_max_lines`` lines: the
    lockout's must fit whole at the usual frame sizes."""
    from formcheck.pipeline import build_report
    from formcheck.render.overlay import OverlayRenderer, _Layout

    w, h = size
    seq, _ = synthesize(SynthSpec(exercise=exercise, reps=(SynthRep(),) * 3, yaw_deg=yaw,
                                  width=w, height=h, px_per_m=h / 2.4))
    result = analyze_sequence(seq, CFG, exercise=exercise)
    report = build_report(seq, result, None, CFG)
    overlay = OverlayRenderer(report, seq, result.series)
    lay = _Layout.for_frame(w, h, overlay.style)
    texts = {c for i in range(len(seq)) for c in overlay.caveats_at(i)
             if c.startswith("over-arched lower back judged")}
    assert texts
    for text in texts:
        assert "reads short" in text
        lines, _ = overlay.wrap(text, overlay.notice_px(lay), overlay.caveat_width(w, lay),
                                lay, False, overlay.style.caveat_max_lines)
        assert " ".join(lines) == text, lines


def test_a_squat_seen_from_behind_at_45_says_its_lockout_reads_short():
    from formcheck.analysis.faults import _LOCKOUT_MISSED_BEHIND

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 3, yaw_deg=135.0))
    result = analyze_sequence(seq, CFG, exercise="squat")
    assert result.view.name == "oblique"
    words = [a.reason for a in result.assessable
             if a.fault == "lumbar_overextension" and a.assessable]
    assert words and all(w.startswith(_LOCKOUT_MISSED_BEHIND["squat"]) for w in words)
    front, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 3, yaw_deg=45.0))
    result = analyze_sequence(front, CFG, exercise="squat")
    assert result.view.name == "oblique"
    assert not any("reads short" in (a.reason or "") for a in result.assessable
                   if a.fault == "lumbar_overextension")
