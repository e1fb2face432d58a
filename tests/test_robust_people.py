"""Two people in the picture (issue 16 item 11): the lifter is chosen consistently, ``--person``
chooses another, and the report says so."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.people import PERSON_RULES, PersonSelector, person_box


def box(x0, y0, x1, y1):
    return np.array([x0, y0, x1, y1], dtype=float)


BIG_LEFT = box(100, 100, 400, 900)
SMALL_RIGHT = box(1200, 400, 1400, 900)


@pytest.mark.parametrize(("rule", "expected"), [
    ("auto", 0), ("largest", 0), ("left", 0), ("right", 1), ("center", 0),
])
def test_rules_pick_the_first_frame(rule, expected):
    sel = PersonSelector(rule, width=1600, height=1000)
    assert sel.choose([BIG_LEFT, SMALL_RIGHT]) == expected


def test_the_chosen_person_is_followed_even_when_the_other_grows():
    sel = PersonSelector("largest", width=1600, height=1000)
    assert sel.choose([BIG_LEFT, SMALL_RIGHT]) == 0
    # The other person walks closer and becomes larger; the order of candidates changes too.
    for k in range(10):
        other = box(900 - 20 * k, 50, 1500, 990)
        lifter = BIG_LEFT + np.array([k, 0, k, 0])
        assert sel.choose([other, lifter]) == 1
    summary = sel.summary()
    assert summary["max_people"] == 2 and summary["frames_with_several"] == 11
    assert "on the left" in summary["message"] and "--person" in summary["message"]
    # The advice names every command that takes --person.
    assert "(`formcheck analyze`, `batch`, `check` or `live`)" in summary["message"]


def test_lost_lifter_is_chosen_again_by_the_rule():
    sel = PersonSelector("right", width=1600, height=1000)
    assert sel.choose([BIG_LEFT, SMALL_RIGHT]) == 1
    assert sel.choose([None]) is None
    assert sel.choose([]) is None
    assert sel.choose([SMALL_RIGHT, BIG_LEFT]) == 0


def test_one_person_needs_no_notice():
    sel = PersonSelector(width=100, height=100)
    for _ in range(5):
        assert sel.choose([box(10, 10, 50, 90)]) == 0
    assert "message" not in sel.summary() and sel.summary()["max_people"] == 1


def test_unknown_rule_and_empty_landmarks():
    with pytest.raises(ValueError):
        PersonSelector("tallest")
    assert person_box(np.full((33, 2), np.nan), np.ones(33)) is None
    assert set(PERSON_RULES) >= {"auto", "left", "right"}


def test_people_notice_reaches_the_report():
    from test_robust_inputs import make_seq

    from formcheck.notices import notices_for

    sel = PersonSelector(width=1600, height=1000)
    sel.choose([BIG_LEFT, SMALL_RIGHT])
    seq = make_seq(12, people=sel.summary())
    notes = notices_for(seq)
    assert [n.kind for n in notes] == ["people"] and "2 people" in notes[0].message


@pytest.mark.slow
def test_two_real_people_side_by_side(person_image, lite_model):
    """Real MediaPipe on two copies of a real photo: the big one on the left, a smaller one on
    the right. ``auto`` follows the big one, ``right`` the small one, every frame."""
    import cv2

    from formcheck.pose.estimator import PoseEstimator

    h, w = person_image.shape[:2]
    small = cv2.resize(person_image, (int(w * 0.7), int(h * 0.7)))
    sh, sw = small.shape[:2]

    def frame(i: int) -> np.ndarray:
        canvas = np.full((h, 2 * w + 40, 3), 90, np.uint8)
        canvas[:, 20 + i:20 + i + w] = person_image
        canvas[h - sh:, w + 30 - i:w + 30 - i + sw] = small
        return canvas

    centres = {}
    for rule in ("auto", "right"):
        with PoseEstimator(lite_model, person=rule, back_profile=False) as est:
            xs = [float(np.nanmean(est.process(frame(i), i / 10).image_xy[:, 0]))
                  for i in range(6)]
            centres[rule] = xs
            summary = est.people.summary()
        assert summary["max_people"] == 2 and summary["frames_with_several"] == 6
    assert all(x < w + 20 for x in centres["auto"])
    assert all(x > w + 20 for x in centres["right"])


@pytest.mark.slow
def test_one_person_is_tracked_alone_and_a_second_switches_to_two(person_image, lite_model):
    """Looking for two people on every frame halves the pose speed, so by default one person
    is tracked and a probe looks for others once a second; a second person switches the
    tracker to two (and the rule then chooses)."""
    import cv2

    from formcheck.pose.estimator import PoseEstimator

    h, w = person_image.shape[:2]
    alone = np.full((h, 2 * w + 40, 3), 90, np.uint8)
    alone[:, 20:20 + w] = person_image
    small = cv2.resize(person_image, (int(w * 0.7), int(h * 0.7)))
    both = alone.copy()
    both[h - small.shape[0]:, w + 30:w + 30 + small.shape[1]] = small
    with PoseEstimator(lite_model, back_profile=False) as est:
        for i in range(25):  # 2.5 s at 10 fps: three probes, all see one person
            est.process(alone, i / 10)
        assert est.num_poses == 1 and est.people.summary()["max_people"] == 1
        for i in range(25, 40):  # someone steps in: the next probe switches to two
            est.process(both, i / 10)
        assert est.num_poses == 2 and est.people.summary()["max_people"] == 2
