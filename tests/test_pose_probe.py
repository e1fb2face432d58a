"""The people probe runs beside inference (issue 14): what the tracker returns must be what it
returned when the probe ran first, including on the frame where a second person switches it to
following two."""

from __future__ import annotations

import numpy as np
import pytest


def _scenes(person_image):
    import cv2

    h, w = person_image.shape[:2]
    alone = np.full((h, 2 * w + 40, 3), 90, np.uint8)
    alone[:, 20:20 + w] = person_image
    small = cv2.resize(person_image, (int(w * 0.7), int(h * 0.7)))
    both = alone.copy()
    both[h - small.shape[0]:, w + 30:w + 30 + small.shape[1]] = small
    return alone, both


def _arrays(pose):
    return np.concatenate([pose.image_xy.ravel(), pose.world_xyz.ravel(),
                           pose.visibility, pose.presence])


@pytest.mark.slow
def test_switch_frame_is_run_on_the_two_person_tracker(person_image, lite_model):
    """From the frame whose probe sees two people on, every pose equals that of a tracker that
    followed two from that frame: the frame the probe ran beside is run again after the
    switch, not kept from the one-person tracker."""
    from formcheck.pose.estimator import PoseEstimator

    alone, both = _scenes(person_image)
    with PoseEstimator(lite_model, back_profile=False) as est:
        for i in range(12):  # probes at 0.0 and 1.0 s see one person
            est.process(alone, i / 10)
        assert est.num_poses == 1 and est._probe_pool is not None
        adaptive = [est.process(both, i / 10) for i in range(12, 25)]  # probe at 2.0 s switches
        assert est.num_poses == 2
    switch = 20 - 12  # the frame at t = 2.0 s
    with PoseEstimator(lite_model, back_profile=False, num_poses=2) as ref:
        followed = [ref.process(both, i / 10) for i in range(20, 25)]
    for got, want in zip(adaptive[switch:], followed, strict=True):
        np.testing.assert_array_equal(_arrays(got), _arrays(want))
    # Before the switch, the one-person tracker's own results were kept.
    assert np.isfinite(_arrays(adaptive[switch - 1])).all()


@pytest.mark.slow
def test_probe_beside_inference_changes_no_pose(person_image, lite_model):
    """A one-person run with probes (each beside its frame's inference) gives the poses of a run
    with no probe at all: the probe only counts people."""
    from formcheck.pose.estimator import PoseEstimator

    alone, _ = _scenes(person_image)
    with PoseEstimator(lite_model, back_profile=False) as probed, \
            PoseEstimator(lite_model, back_profile=False, num_poses=1) as plain:
        for i in range(25):
            a, b = probed.process(alone, i / 10), plain.process(alone, i / 10)
            np.testing.assert_array_equal(_arrays(a), _arrays(b))
        assert probed.people.probed_max == 1 and plain._probe is None


@pytest.mark.slow
@pytest.mark.parametrize("backoff", [True, False])
def test_after_a_long_stretch_alone_the_probe_looks_less_often(person_image, lite_model,
                                                                backoff):
    """Probes that keep seeing one person for ``PEOPLE_PROBE_BACKOFF_AFTER_S`` space out to
    ``PEOPLE_PROBE_SLOW_INTERVAL_S``; a second person is then still found by the next one."""
    from formcheck.pose import estimator as pe

    alone, both = _scenes(person_image)
    step = 0.5
    after = pe.PEOPLE_PROBE_BACKOFF_AFTER_S
    enter = after + 4.5  # someone steps in
    probed: list[float] = []
    with pe.PoseEstimator(lite_model, back_profile=False, people_probe_backoff=backoff) as est:
        start = est._start_probe

        def spy(image, t_s):
            fut = start(image, t_s)
            if fut is not None:
                probed.append(t_s)
            return fut

        est._start_probe = spy
        t = 0.0
        while est.num_poses == 1 and t < enter + 10.0:
            est.process(alone if t < enter else both, t)
            t += step
    slow = pe.PEOPLE_PROBE_SLOW_INTERVAL_S
    if backoff:
        want = [float(i) for i in range(int(after) + 1)]
        k = after + slow
        while k < enter:
            want.append(k)
            k += slow
        want.append(k)  # the first probe after the second person stepped in switches
    else:
        want = [float(i) for i in range(int(enter) + 2)]
    assert probed == pytest.approx(want)
    assert est.num_poses == 2 and est.people.probed_max == 2
