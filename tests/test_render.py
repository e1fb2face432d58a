"""Overlay renderer: golden properties on a synthetic side-view stick figure (no pixels stored).

The synthetic set (``make_set``) is shared with the HTML and terminal tests: three deadlift reps,
a severe rounded-back finding in rep 2, twist not assessable from this (side) view, five frames
without a person in rep 1, and an optional back outline.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from formcheck.analysis.series import Series
from formcheck.errors import ConfigError, ShapeError
from formcheck.pose.landmarks import NUM_LANDMARKS, Landmark
from formcheck.pose.sequence import BACK_PROFILE_POINTS, PoseSequence
from formcheck.render.overlay import OverlayRenderer, OverlayStyle, select_thumbnail_frames
from formcheck.report import Assessment, Estimate, Finding, Phase, Rep, Report, VideoInfo

L = Landmark
FPS = 30.0
DURATION_S = 6.5
REPS_S = ((0.5, 2.0), (2.5, 4.0), (4.5, 6.0))
FINDING_S = (2.9, 3.6, 3.25)  # start, end, peak of the rep-2 finding
NAN_FRAMES = range(30, 35)
TWIST_REASON = "front or oblique view needed to judge twisting"


# ---------------------------------------------------------------------------- synthetic data
def _trunk_angle_rad(t: np.ndarray) -> np.ndarray:
    """Hinge angle from vertical: 0 between reps, up to 70° mid-rep."""
    ang = np.zeros_like(t)
    for a, b in REPS_S:
        inside = (t >= a) & (t <= b)
        ang[inside] = np.deg2rad(70.0) * np.sin(np.pi * (t[inside] - a) / (b - a)) ** 2
    return ang


def _rounding_deg(t: np.ndarray) -> np.ndarray:
    """The deciding signal: near zero except a 24° bump inside the rep-2 finding."""
    start, end, peak = FINDING_S
    bump = 24.0 * np.exp(-(((t - peak) / ((end - start) / 2.5)) ** 2))
    return 2.0 * np.sin(3.0 * t) + bump


def make_sequence(width: int = 640, height: int = 360, *, back: bool = True,
                  low_vis: tuple[int, ...] = ()) -> PoseSequence:
    """A side-view lifter facing right, centred; sizes scale with ``min(width, height)``."""
    t = np.arange(0.0, DURATION_S, 1.0 / FPS)
    n = len(t)
    s = float(min(width, height))
    cx = width / 2.0
    ang = _trunk_angle_rad(t)

    def at(u, v):  # normalised body coords → pixels, broadcast over time
        return np.stack([cx + np.asarray(u) * s, np.asarray(v) * s], axis=-1) * np.ones((n, 1))

    xy = np.zeros((n, NUM_LANDMARKS, 2))
    hip = at(0.0, 0.55)
    shoulder = hip + 0.28 * s * np.stack([np.sin(ang), -np.cos(ang)], axis=-1)
    head = hip + 0.36 * s * np.stack([np.sin(ang), -np.cos(ang)], axis=-1)
    for side in (0, 1):
        off = np.array([0.004 * s * side, 0.0])
        xy[:, L.LEFT_HIP + side] = hip + off
        xy[:, L.LEFT_SHOULDER + side] = shoulder + off
        xy[:, L.LEFT_ELBOW + side] = shoulder + off + [0.0, 0.13 * s]
        xy[:, L.LEFT_WRIST + side] = shoulder + off + [0.0, 0.25 * s]
        for j in (L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB):
            xy[:, j + side] = shoulder + off + [0.01 * s, 0.27 * s]
        xy[:, L.LEFT_KNEE + side] = at(0.05, 0.72) + off
        xy[:, L.LEFT_ANKLE + side] = at(0.0, 0.9) + off
        xy[:, L.LEFT_HEEL + side] = at(-0.03, 0.92) + off
        xy[:, L.LEFT_FOOT_INDEX + side] = at(0.08, 0.92) + off
        xy[:, L.LEFT_EAR + side] = head + off
        xy[:, L.LEFT_EYE + side * 3] = head + off + [0.03 * s, -0.01 * s]
        xy[:, L.LEFT_EYE_INNER + side * 3] = head + off + [0.035 * s, -0.01 * s]
        xy[:, L.LEFT_EYE_OUTER + side * 3] = head + off + [0.025 * s, -0.01 * s]
        xy[:, L.MOUTH_LEFT + side] = head + off + [0.035 * s, 0.02 * s]
    xy[:, L.NOSE] = head + [0.045 * s, 0.0]

    vis = np.full((n, NUM_LANDMARKS), 0.95)
    vis[:, list(low_vis)] = 0.05
    world = np.zeros((n, NUM_LANDMARKS, 3))
    world[..., :2] = (xy - xy[:, [L.LEFT_HIP]]) / s
    back_xy = None
    if back:
        k = np.linspace(0.0, 1.0, BACK_PROFILE_POINTS)[None, :, None]
        chord = hip - shoulder
        normal = np.stack([-chord[:, 1], chord[:, 0]], axis=-1) / np.linalg.norm(
            chord, axis=-1, keepdims=True)  # points up/left, away from face and toes
        bow = (0.03 + 0.004 * _rounding_deg(t))[:, None, None] * s * np.sin(np.pi * k)
        back_xy = shoulder[:, None] + k * chord[:, None] + bow * normal[:, None]
        back_xy[:, :2] = np.nan  # outline not found near the shoulder
    for arr in (xy, world, vis):
        arr[list(NAN_FRAMES)] = np.nan
    if back_xy is not None:
        back_xy[list(NAN_FRAMES)] = np.nan
    return PoseSequence(t_s=t, image_xy=xy, world_xyz=world, visibility=vis,
                        presence=vis.copy(), back_xy=back_xy, width=width, height=height,
                        source="synthetic.mp4", model="full")


def make_report(findings: tuple[Finding, ...] | None = None, *,
                twist_reason: str = TWIST_REASON) -> Report:
    reps = tuple(
        Rep(index=k + 1, start_s=a, end_s=b,
            phases=(Phase("descent", a, (a + b) / 2), Phase("ascent", (a + b) / 2, b)),
            start_frame=round(a * FPS), end_frame=round(b * FPS))
        for k, (a, b) in enumerate(REPS_S)
    )
    if findings is None:
        start, end, peak = FINDING_S
        findings = (Finding(
            fault="rounded_back", rep=2, phase="ascent", start_s=start, end_s=end, peak_s=peak,
            severity="severe", value=24.0, threshold=12.0, unit="deg",
            message="Rep 2: rounded back — 24° past your neutral",
            evidence={"baseline_deg": 3.1}),)
    return Report(
        video=VideoInfo(path="synthetic.mp4", width=640, height=360, fps=FPS,
                        frame_count=round(DURATION_S * FPS), duration_s=DURATION_S,
                        codec="h264"),
        model="full", frames_total=round(DURATION_S * FPS),
        frames_with_person=round(DURATION_S * FPS) - len(NAN_FRAMES),
        exercise=Estimate("deadlift", 0.93), view=Estimate("side", 0.88),
        reps=reps, findings=findings,
        assessable=(
            Assessment("rounded_back", None, True),
            Assessment("lumbar_overextension", None, True),
            Assessment("jerky_twist", None, False, twist_reason),
        ),
        summary={"mean_trunk_angle_deg": 31.2},
    )


def make_series(seq: PoseSequence) -> dict[str, Series]:
    t = seq.t_s
    rounding = _rounding_deg(t)
    rounding[list(NAN_FRAMES)] = np.nan
    trunk = np.rad2deg(_trunk_angle_rad(t))
    trunk[list(NAN_FRAMES)] = np.nan
    return {
        "back_rounding": Series("back_rounding", "Back rounding past neutral", "deg", t,
                                rounding, threshold=12.0, fault="rounded_back", baseline=3.1),
        "trunk_angle": Series("trunk_angle", "Trunk inclination", "deg", t, trunk),
    }


def frame_at(seq: PoseSequence, time_s: float) -> int:
    return int(np.argmin(np.abs(seq.t_s - time_s)))


def black(seq: PoseSequence) -> np.ndarray:
    return np.zeros((seq.height, seq.width, 3), np.uint8)


def red_mask(img: np.ndarray) -> np.ndarray:
    b, g, r = (img[..., c].astype(int) for c in range(3))
    return (r > 150) & (g < 90) & (b < 90)


def green_mask(img: np.ndarray) -> np.ndarray:
    b, g, r = (img[..., c].astype(int) for c in range(3))
    return (g > 150) & (r < 120) & (b < 100)


def trunk_box(seq: PoseSequence, index: int, pad: int = 6) -> tuple[slice, slice]:
    pts = seq.image_xy[index, [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]]
    if seq.back_xy is not None:
        pts = np.concatenate([pts, seq.back_xy[index][np.isfinite(seq.back_xy[index][:, 0])]])
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + pad
    return slice(max(y0, 0), y1), slice(max(x0, 0), x1)


@pytest.fixture(scope="module")
def setup():
    seq = make_sequence()
    report = make_report()
    return report, seq, make_series(seq)


# ---------------------------------------------------------------------------- colours
@pytest.mark.parametrize("time_s, expect", [
    (1.2, "ok"),        # rep 1, no finding
    (3.25, "severe"),   # rep 2, inside the finding
    (3.3, "severe"),
    (3.9, "ok"),        # rep 2 after the finding: the colour follows the finding, not the banner
    (5.2, "ok"),
])
def test_back_status_follows_the_finding_interval(setup, time_s, expect):
    report, seq, series = setup
    r = OverlayRenderer(report, seq, series)
    assert r.status_at(frame_at(seq, time_s))["back"] == expect
    assert r.status_at(frame_at(seq, time_s))["twist"] == "not_assessable"


def test_the_back_is_drawn_ok_only_on_frames_a_back_rule_judged(setup):
    """QA (session 22): the back's outline was drawn green ("ok") before the first rep and
    on upright frames no back rule reads. Where every back rule says which frames it judged,
    a frame none of them judged is drawn as not judged, whatever its rep's verdict; a finding
    keeps its colour."""
    report, seq, _ = setup
    t = seq.t_s
    judged_r = (t >= 1.0) & (t <= 1.5) | (t >= 3.0) & (t <= 3.5)
    judged_o = (t >= 2.0) & (t <= 2.2)
    series = {
        "back_flexion": Series("back_flexion", "Back flexion", "deg", t, _rounding_deg(t),
                               threshold=12.0, fault="rounded_back", judged=judged_r),
        "hip_extension": Series("hip_extension", "Trunk behind the thighs", "deg", t,
                                np.zeros_like(t), threshold=10.0,
                                fault="lumbar_overextension", judged=judged_o),
    }
    r = OverlayRenderer(report, seq, series)
    status = [r.status_at(frame_at(seq, s))["back"] for s in (1.2, 2.1, 3.25, 5.2)]
    assert status == ["ok", "ok", "severe", "not_assessable"]
    i = frame_at(seq, 5.2)
    box = r.draw(black(seq), i)[trunk_box(seq, i)]
    assert green_mask(box).sum() == 0
    # A rule that says nothing of its frames leaves its reps' status as it was.
    r = OverlayRenderer(report, seq, {"back_flexion": series["back_flexion"]})
    assert r.status_at(frame_at(seq, 5.2))["back"] == "ok"


def test_finding_edges_survive_a_json_round_trip(setup):
    _, seq, series = setup
    first, last = 88, 100  # t = 2.9333…, 3.3333…: JSON rounds them inside the frames
    f = replace(make_report().findings[0], start_s=float(seq.t_s[first]),
                end_s=float(seq.t_s[last]))
    loaded = Report.from_dict(json.loads(make_report(findings=(f,)).to_json()))
    assert loaded.findings[0].end_s < seq.t_s[last]
    r = OverlayRenderer(loaded, seq, series)
    assert [r.status_at(i)["back"] for i in (first - 1, first, last, last + 1)] == [
        "ok", "severe", "severe", "ok"]
    assert r.banners_at(first) == (0,) and r.banners_at(first - 1) == ()


@pytest.mark.parametrize("back", [True, False])
def test_red_trunk_during_finding_only(setup, back):
    report, _, series = setup
    seq = make_sequence(back=back)
    r = OverlayRenderer(report, seq, series)
    during, outside = frame_at(seq, 3.25), frame_at(seq, 1.25)  # same hinge angle, rep 1 vs 2
    img_in = r.draw(black(seq), during)
    img_out = r.draw(black(seq), outside)
    box_in, box_out = trunk_box(seq, during), trunk_box(seq, outside)
    assert red_mask(img_in[box_in]).sum() > 50
    assert red_mask(img_out[box_out]).sum() == 0
    assert green_mask(img_out[box_out]).sum() > 50
    assert green_mask(img_in[box_in]).sum() == 0


def test_back_outline_adds_coloured_pixels(setup):
    report, _, series = setup
    with_back, without = make_sequence(back=True), make_sequence(back=False)
    i = frame_at(with_back, 3.25)
    red = [red_mask(OverlayRenderer(report, s, series).draw(black(s), i)[trunk_box(with_back, i)]
                    ).sum() for s in (with_back, without)]
    assert red[0] > 1.5 * red[1]


def test_not_assessable_back_is_grey(setup):
    _, seq, series = setup
    report = make_report(findings=())
    report = replace(report, assessable=(
        Assessment("rounded_back", None, False, "side view needed to judge back rounding"),
        Assessment("lumbar_overextension", None, False, "side view needed"),
        Assessment("jerky_twist", None, True)))
    r = OverlayRenderer(report, seq, series)
    i = frame_at(seq, 3.25)
    img = r.draw(black(seq), i)
    box = img[trunk_box(seq, i)]
    assert r.status_at(i)["back"] == "not_assessable"
    assert green_mask(box).sum() == 0 and red_mask(box).sum() == 0
    grey = (np.abs(box.astype(int) - 165).max(axis=-1) < 12)
    assert grey.sum() > 50
    assert r.notices_at(i) == (
        "rounded back not assessable: side view needed to judge back rounding",
        "over-arched lower back not assessable: side view needed")


# ---------------------------------------------------------------------------- visibility, NaN
def test_low_visibility_arm_is_not_drawn(setup):
    report, _, series = setup
    arm = (L.LEFT_ELBOW, L.LEFT_WRIST, L.RIGHT_ELBOW, L.RIGHT_WRIST)
    seen, hidden = make_sequence(), make_sequence(low_vis=arm)
    i = frame_at(seen, 1.25)  # hinged: the arms hang clear of the trunk
    elbow, wrist = seen.image_xy[i, L.LEFT_ELBOW], seen.image_xy[i, L.LEFT_WRIST]
    y0, y1 = int(elbow[1]) + 4, int(wrist[1]) - 4
    x0, x1 = int(elbow[0]) - 6, int(elbow[0]) + 8
    lit = [OverlayRenderer(report, s, series).draw(black(s), i)[y0:y1, x0:x1].max()
           for s in (seen, hidden)]
    assert lit[0] > 200 and lit[1] == 0


def test_frame_without_person_keeps_the_body_region_untouched(setup):
    report, _, series = setup
    seq = make_sequence(960, 360)  # wide, so the HUD stays clear of the body
    r = OverlayRenderer(report, seq, series)
    nan_i = NAN_FRAMES[2]
    near = [NAN_FRAMES[0] - 1, NAN_FRAMES[-1] + 1]
    upper_body = slice(0, L.RIGHT_HIP + 1)  # head to hips: clear of the bottom-left notices
    pts = seq.image_xy[near, upper_body].reshape(-1, 2)
    x0, y0 = pts.min(axis=0).astype(int) - 10
    x1, y1 = pts.max(axis=0).astype(int) + 10
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (seq.height, seq.width, 3), dtype=np.uint8)
    before = frame.copy()
    out = r.draw(frame, nan_i)
    assert np.array_equal(out[y0:y1, x0:x1], before[y0:y1, x0:x1])
    assert not np.array_equal(out, before)  # the HUD (rep counter, notice) is still drawn
    with_person = r.draw(before.copy(), near[0])
    assert not np.array_equal(with_person[y0:y1, x0:x1], before[y0:y1, x0:x1])


# ---------------------------------------------------------------------------- panels vs torso
_LONG_CAVEAT = ("only the lockout is judged (trunk against thighs); arching while bent over is "
                "not judged: the outline's neutral differs too much between lifters")
_LONG_REASON = ("the hands or arms hid the torso on 54% of this rep's frames: seen square-on "
                "the twist is read from the torso's optical flow, which sees no motion there")


def _shifted(seq: PoseSequence, dx: float, dy: float = 0.0) -> PoseSequence:
    back = None if seq.back_xy is None else seq.back_xy + [dx, dy]
    return replace(seq, image_xy=seq.image_xy + [dx, dy], back_xy=back)


@pytest.mark.parametrize("size, hip_x, hip_dy, panel", [
    # torso under the top-right caveat column: they move left of it
    ((960, 360), 850, 0, "caveats"),
    # torso behind three tall notices bottom-left: they narrow to the room left of it
    ((498, 332), 190, 0, "notices"),
    # the same with notices about the input (a stretch, a jump, the whole clip)
    ((498, 332), 190, 0, "inputs"),
    # shoulders high in the frame, under a banner across the top: it narrows to the left
    ((960, 540), 560, -120, "banner"),
])
def test_panels_keep_off_the_torso(size, hip_x, hip_dy, panel):
    """QA session 7 on real clips: the caveats (top-right) and a held banner covered a
    pillarboxed deadlifter's back and shoulders at lockout, and a front squat's three "not
    judged" notices (bottom-left) covered the torso of a 498x332 clip. Where the frame has
    room beside the torso, the panels move there: every pixel of the torso's box is as the
    skeleton alone draws it."""
    from formcheck.render.overlay import _Layout

    base = make_sequence(*size)
    seq = _shifted(base, hip_x - base.width / 2.0, hip_dy)
    judged = panel != "notices"
    findings = ()
    from formcheck.report import Notice
    notices = (Notice("out_of_view", "the lifter was out of the picture from 0.90 s to "
                      "1.20 s; nothing in that stretch was judged", 0.9, 1.2),
               Notice("picture_cut", _LONG_REASON + ": " + _LONG_CAVEAT, 2.4, 3.2),
               Notice("people", "2 people were in the picture (9 of 195 frames)")) \
        if panel == "inputs" else ()
    if panel == "banner":
        f = make_report().findings[0]
        findings = (replace(f, message=f"{f.message}; " + _LONG_CAVEAT),)
    report = replace(make_report(findings=findings), assessable=(
        Assessment("rounded_back", None, judged, None if judged else _LONG_REASON + " (1)"),
        Assessment("lumbar_overextension", None, judged, _LONG_CAVEAT),
        Assessment("jerky_twist", None, judged, _LONG_REASON)), notices=notices)
    r = OverlayRenderer(report, seq, make_series(seq))
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    for time_s in (1.2, 2.4, 3.25):  # hinged mid-rep, upright between reps, rep 2
        i = frame_at(seq, time_s)
        if panel == "banner":
            assert r.banners_at(i) == ((0,) if time_s == 3.25 else ())
        elif panel == "inputs":
            assert len(r.input_notices_at(i)) >= 2
        else:
            assert len(r.caveats_at(i) if judged else r.notices_at(i)) >= 2
        body = black(seq)
        r._draw_body(body, i, lay)
        full = r.draw(black(seq), i)
        assert (full != body).any(axis=2).sum() > 2000  # the panels are drawn ...
        box = trunk_box(seq, i, pad=0)
        assert np.array_equal(full[box], body[box])  # ... but not over the torso


def test_torso_boxes_are_the_same_from_the_drawn_poses():
    from formcheck.render.overlay import DrawnPoses, torso_boxes

    seq = make_sequence(low_vis=(L.LEFT_HIP,))
    style = OverlayStyle()
    want = torso_boxes(seq, style)
    assert np.isnan(want[list(NAN_FRAMES)]).all() and np.isfinite(want[5]).all()
    np.testing.assert_array_equal(torso_boxes(DrawnPoses(seq, style), style), want)


def test_head_boxes_are_the_same_from_the_drawn_poses():
    from formcheck.render.overlay import DrawnPoses, head_boxes

    seq = make_sequence(166, 360, low_vis=(L.LEFT_EAR,))
    style = OverlayStyle()
    want = head_boxes(seq, style)
    assert np.isnan(want[list(NAN_FRAMES)]).all() and np.isfinite(want[5]).all()
    nose = seq.image_xy[5, L.NOSE]
    x, y = np.rint(nose)  # (points as drawn: whole pixels)
    assert want[5, 0] <= x <= want[5, 2] and want[5, 1] <= y <= want[5, 3]
    np.testing.assert_array_equal(head_boxes(DrawnPoses(seq, style), style), want)
    rows = np.array([7, 3, 40])
    np.testing.assert_array_equal(head_boxes(DrawnPoses(seq, style), style, rows), want[rows])


def test_gauge_reads_not_judged_on_frames_the_rule_did_not_judge(setup):
    """QA session 7: a lockout-only gauge read "now -127° · limit 10°" while the lifter was
    bent over, a value the rule never compared with its limit (drawn muted in the plot)."""
    from formcheck.render.overlay import _Layout

    _, seq, series = setup
    s = series["back_rounding"]
    judged = np.zeros(len(s.t_s), bool)
    judged[: len(judged) // 2] = True
    series = {**series, "back_rounding": replace(s, judged=judged)}
    r = OverlayRenderer(make_report(findings=()), seq, series)
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    first, last = frame_at(seq, 1.2), frame_at(seq, 5.2)
    assert r.gauge_series_at(first) == r.gauge_series_at(last) == "back_rounding"
    now = format_value(float(s.values[first]), "deg")
    assert r.gauge_text("back_rounding", first, lay, seq.width)[0][-1] == f"now {now} · limit 12°"
    assert r.gauge_text("back_rounding", last, lay, seq.width)[0][-1] == (
        "not judged · limit 12°")


def test_the_gauge_says_a_finding_holds_while_its_signal_reads_under_the_limit(setup):
    """A finding lasts while its signal stays over the rule's lower release level, so inside
    one the gauge read e.g. "now 8.7° · limit 12°" beside a severe banner. Inside a finding
    decided on the gauge's signal it now adds the value the rule graded and its grade (the
    banner's, the page's and the CSV's numbers), drawn in the grade's colour; after the
    finding (its banner held, dimmed) and outside it, no such line."""
    from formcheck.render.overlay import _Layout

    report, seq, series = setup
    r = OverlayRenderer(report, seq, series)
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    i = frame_at(seq, 2.95)  # inside the finding (2.9-3.6 s), the signal under its limit
    assert series["back_rounding"].values[i] < 12.0 and r.banners_at(i) == (0,)
    lines, _ = r.gauge_text("back_rounding", i, lay, seq.width)
    now = format_value(float(series["back_rounding"].values[i]), "deg")
    assert lines[-2:] == [f"now {now} · limit 12°", "holding: peak 24° (severe)"]
    assert report.findings[0].value == 24.0 and report.findings[0].severity == "severe"
    for time_s in (2.5, 3.9):  # before it; after it, the banner held
        lines, _ = r.gauge_text("back_rounding", frame_at(seq, time_s), lay, seq.width)
        assert not any(ln.startswith("holding") for ln in lines)
    assert r.banners_at(frame_at(seq, 3.9)) == (0,)
    # drawn in the finding's colour, in the gauge's box
    img = r.draw(black(seq), i)
    box = r.gauge_height("back_rounding", i, lay, seq.width)
    gauge = img[seq.height - lay.margin - box: seq.height - lay.margin,
                seq.width - lay.margin - r._sparkline_width(seq.width, lay):]
    assert red_mask(gauge).sum() > 20
    # On a narrow frame the banner (its message, or its short form) gives the peak, in the
    # grade's colour; the gauge only says "holding" (room is short: the lifter stays clear).
    narrow = make_sequence(166, 360)
    rn = OverlayRenderer(report, narrow, make_series(narrow))
    lay_n = _Layout.for_frame(narrow.width, narrow.height, rn.style)
    lines, _ = rn.gauge_text("back_rounding", i, lay_n, narrow.width)
    assert lines[-1].endswith("holding") and not any(ln.endswith("…") for ln in lines)
    assert rn.banner_text(0, narrow.width, lay_n) == "Rep 2: rounded back — 24° past your neutral"


def test_a_holding_line_gives_the_findings_own_limit_where_the_frames_differs():
    """A per-frame limit (the twist's): the line gives the limit the finding was graded
    against when this frame's reads otherwise, so its grade can be checked from its own
    numbers."""
    from formcheck.render.overlay import _Layout

    seq = make_sequence()
    t = seq.t_s
    lim = np.where(t < 3.25, 300.0, 320.0)
    rate = Series("twist_rate", "Twist rate", "deg/s", t, 200.0 + 300.0 * (np.abs(t - 3.25) < 0.1),
                  fault="jerky_twist", threshold_t=lim)
    f = replace(_finding("jerky_twist", 2, 3.1, 3.4, "severe"), value=500.0, threshold=320.0,
                unit="deg/s", evidence={"series": "twist_rate"})
    report = replace(make_report(findings=(f,)), assessable=(
        Assessment("rounded_back", None, True), Assessment("lumbar_overextension", None, True),
        Assessment("jerky_twist", None, True)))
    r = OverlayRenderer(report, seq, {"twist_rate": rate})
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    early, late = frame_at(seq, 3.12), frame_at(seq, 3.38)
    lines = r.gauge_text("twist_rate", early, lay, seq.width)[0]
    k = lines.index("now 200°/s · limit 300°/s")
    assert " ".join(lines[k + 1:]) == "holding: peak 500°/s, limit 320°/s (severe)"
    assert r.gauge_text("twist_rate", late, lay, seq.width)[0][-2:] == [
        "now 200°/s · limit 320°/s", "holding: peak 500°/s (severe)"]


def _with_input_notices() -> tuple[Report, PoseSequence]:
    """The synthetic set, 960x360, with the lifter out of the picture 1.5–2.5 s, the picture jumping
    at 3.33 s, other people in the picture (a notice about the whole clip) and the file cut
    short after its last frame: the report's notices as ``notices_for`` words them."""
    from formcheck.notices import notices_for
    from formcheck.report import Notice

    seq = make_sequence(960, 360)
    gone = slice(45, 76)
    image_xy, world, vis = seq.image_xy.copy(), seq.world_xyz.copy(), seq.visibility.copy()
    for arr in (image_xy, world, vis):
        arr[gone] = np.nan
    cut = np.zeros(len(seq), bool)
    cut[100] = True
    seq = replace(seq, image_xy=image_xy, world_xyz=world, visibility=vis, presence=vis.copy(),
                  back_xy=None, picture_cut=cut)
    seq = replace(seq, extra={"people": {"message": (
        "2 people were in the picture (40 of 195 frames); the analysis follows the largest, "
        "most central person, mostly on the left, and ignores the others")},
        "decode": {"truncation": "the file is truncated: only 195 of the 300 frames its "
                                 "header lists could be decoded"}})
    notices = notices_for(seq)
    assert [n.kind for n in notices] == ["truncated", "picture_cut", "out_of_view", "people"]
    assert isinstance(notices[0], Notice)
    return replace(make_report(), notices=notices), seq


def test_notices_about_the_input_are_drawn_on_the_frames_they_concern():
    """The report's notices (the page's "About this video", the terminal's "note:") were on
    no frame of the video. Each is drawn now, in the page's words (whole, or cut to its first
    clause with "(more in the report)"), on the frames it concerns: the stretch the lifter was
    out of view and 3 s after, each picture jump and 3 s after, the file's end (cut short)
    3 s either side, and a notice about the whole clip over its first 6 s."""
    from formcheck.render._common import notice_text
    from formcheck.render.overlay import DrawnPoses

    report, seq = _with_input_notices()
    truncated, jump, gone, people = (notice_text(n.message) for n in report.notices)
    assert jump == ("Note: the picture jumps at 3.33 s (a camera cut, or frames missing from "
                    "the footage) (more in the report)")
    assert gone == ("Note: the lifter was out of the picture from 1.47 s to 2.53 s; nothing "
                    "in that stretch was judged")
    assert people == "Note: 2 people were in the picture (40 of 195 frames) (more in the report)"
    assert truncated == ("Note: the file is truncated: only 195 of the 300 frames its header "
                         "lists could be decoded (more in the report)")
    for n in report.notices:  # the page's words, from their start
        assert n.message.startswith(notice_text(n.message)[len("Note: "):].removesuffix(
            " (more in the report)"))
    for poses in (seq, DrawnPoses(seq)):
        r = OverlayRenderer(report, poses, make_series(seq))
        # (the last frame is at 6.47 s: the file's end is drawn from 3.47 s)
        want = {1.0: (people,), 1.47: (gone, people), 2.0: (gone, people),
                3.3: (gone, people), 3.33: (jump, gone, people),
                3.5: (truncated, jump, gone, people), 5.5: (truncated, jump, gone, people),
                5.6: (truncated, jump, people), 6.2: (truncated, jump), 6.4: (truncated,)}
        for time_s, lines in want.items():
            assert r.input_notices_at(frame_at(seq, time_s)) == lines, time_s
    # drawn bottom-left, not over the torso
    r = OverlayRenderer(report, seq, make_series(seq))
    bare = OverlayRenderer(replace(report, notices=()), seq, make_series(seq))
    for time_s in (2.0, 3.4):
        i = frame_at(seq, time_s)
        with_notes, without = r.draw(black(seq), i), bare.draw(black(seq), i)
        changed = (with_notes != without).any(axis=2)
        assert changed[seq.height // 2:, : seq.width // 2].sum() > 2000
        if np.isfinite(seq.image_xy[i]).all():
            assert r.input_notices_at(i) and not changed[trunk_box(seq, i, pad=0)].any()


def test_a_notice_about_the_input_on_a_narrow_frame_is_never_cut():
    from formcheck.render.overlay import _Layout

    report, wide = _with_input_notices()
    seq = make_sequence(166, 360)
    seq = replace(seq, picture_cut=wide.picture_cut)
    r = OverlayRenderer(report, seq, make_series(seq))
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    i = frame_at(seq, 3.4)
    assert len(r.input_notices_at(i)) == 3
    # the page's words up to their first clause, without the bracketed asides
    assert r.input_notices_at(i, short=True) == (
        "Note: the picture jumps at 3.33 s", "Note: the lifter was out of the picture from "
        "1.47 s to 2.53 s", "Note: 2 people were in the picture")
    for text in r.input_notices_at(i, short=True):
        lines = r.wrap(text, r.notice_px(lay), r.notice_place(i, seq.width, seq.height, lay),
                       lay, False, r.style.notice_max_lines)[0]
        assert not lines[-1].endswith("…"), lines
    assert not np.array_equal(r.draw(black(seq), i), OverlayRenderer(
        replace(report, notices=()), seq, make_series(seq)).draw(black(seq), i))
    # Never over the rep counter or a banner (QA, a 166x360 deadlift: two notices covered
    # the banner): a notice with no room left under them is left to the page.
    i = frame_at(seq, 3.5)  # a severe banner, four notices
    assert r.banners_at(i) == (0,) and len(r.input_notices_at(i)) == 4
    img = r.draw(black(seq), i)
    banner = red_mask(img).any(axis=1)
    rows = np.flatnonzero(banner[: seq.height // 2])
    without = OverlayRenderer(replace(report, notices=()), seq, make_series(seq)).draw(
        black(seq), i)
    assert np.array_equal(img[: rows.max() + lay.pad + 1], without[: rows.max() + lay.pad + 1])


def test_a_picture_cut_notice_on_a_narrow_frame_keeps_its_times():
    """QA (session 24): on a 166x360 frame, a clip whose picture jumped 3 times said only
    "Note: the picture jumps 3 times" (the first clause), never when; on a portrait 360x640
    frame the whole notice ran past its lines ("… missing from the footage)…"). The short
    form keeps the times, with fewer words, and a notice too long for its lines is drawn in
    its short form."""
    from formcheck.notices import notices_for
    from formcheck.render.overlay import _Layout

    drawn: list[str] = []

    class Recording(OverlayRenderer):
        def _panel(self, frame, text, *args, **kwargs):
            drawn.append(text)
            return super()._panel(frame, text, *args, **kwargs)

    for size, at, want in (
            ((166, 360), [100, 110, 120], "Note: the picture jumps at 3.33, 3.67, 4.00 s"),
            # (a frame with room for it under the lifter: at 166x360 it would reach into the
            # torso, and "1 note: see the report" stands for it, below)
            ((166, 500), [100, 110, 120, 130, 140, 150, 160],
             "Note: the picture jumps at 3.33, 3.67, 4.00, 4.33, 4.67 s and 2 more"),
            ((360, 640), [100, 110, 120, 130, 140, 150, 160],
             "Note: the picture jumps at 3.33, 3.67, 4.00, 4.33, 4.67 s and 2 more")):
        seq = make_sequence(*size)
        cut = np.zeros(len(seq), bool)
        cut[at] = True
        seq = replace(seq, picture_cut=cut)
        report = replace(make_report(), notices=notices_for(seq))
        (notice,) = report.notices
        assert notice.message.startswith(f"the picture jumps {len(at)} times: at 3.33 s, ")
        r = Recording(report, seq, make_series(seq))
        lay = _Layout.for_frame(seq.width, seq.height, r.style)
        assert r.input_notices_at(100, short=True) == (want,)
        lines = r.wrap(want, r.notice_px(lay), r.notice_place(100, *size, lay), lay, False,
                       r.style.notice_max_lines)[0]
        assert not lines[-1].endswith("…"), lines
        drawn.clear()
        r.draw(black(seq), 100)
        if size == (166, 360):
            # Session 26: beside "Not assessable: jerky twist" (two lines at 166 px, where "Not
            # judged: jerky twist" took one) the note would reach into the torso: the line
            # saying what was left out stands for it, clear of the head and torso.
            assert want not in drawn and "1 note: see the report" in drawn, drawn
            continue
        assert want in drawn, (size, drawn)
        if size == (166, 500):  # no room outside the head and torso: what is left out, said
            r = Recording(report, replace(seq, height=360), make_series(seq))
            drawn.clear()
            r.draw(np.zeros((360, 166, 3), np.uint8), 100)
            assert want not in drawn and "1 note: see the report" in drawn, drawn
    # one jump: as before
    seq = make_sequence(166, 360)
    cut = np.zeros(len(seq), bool)
    cut[100] = True
    seq = replace(seq, picture_cut=cut)
    r = OverlayRenderer(replace(make_report(), notices=notices_for(seq)), seq, make_series(seq))
    assert r.input_notices_at(100, short=True) == ("Note: the picture jumps at 3.33 s",)


def test_a_not_assessable_notice_too_long_for_its_lines_is_drawn_short_never_cut():
    """QA (session 26): on the 640x480 row sample and a 360x640 clip the over-extension's
    "not assessable" notice ran past its five lines and was cut ("… so leaning back…"),
    saying neither the rest nor where to read it. Too long, it is drawn without its
    parenthesised details and with "(more in the report)"; where it fits, whole."""
    from formcheck.analysis.faults import _not_standing_tall
    from formcheck.config import LumbarOverextensionThresholds
    from formcheck.render._common import not_judged_short_texts, not_judged_text
    from formcheck.render.overlay import _Layout

    reason = _not_standing_tall("row", LumbarOverextensionThresholds())
    drawn: list[str] = []

    class Recording(OverlayRenderer):
        def _panel(self, frame, text, *args, **kwargs):
            drawn.append(text)
            return super()._panel(frame, text, *args, **kwargs)

    base = make_report()
    report = replace(base, assessable=(
        *(a for a in base.assessable if a.fault != "lumbar_overextension"),
        Assessment("lumbar_overextension", None, False, reason)))
    full = not_judged_text("lumbar_overextension", reason, video=True)
    shorter, first = not_judged_short_texts("lumbar_overextension", reason)
    assert shorter.endswith("(more in the report)") and "0.85 leg lengths" not in shorter
    assert first == ("over-arched lower back not assessable: the lifter never stands upright "
                     "(more in the report)")
    for size, want in (((360, 640), first), ((640, 480), shorter), ((1920, 1080), full)):
        seq = make_sequence(*size)
        r = Recording(report, seq, make_series(seq))
        lay = _Layout.for_frame(seq.width, seq.height, r.style)
        i = frame_at(seq, 3.25)
        drawn.clear()
        r.draw(black(seq), i)
        assert want in drawn, (size, drawn)
        lines = r.wrap(want, r.notice_px(lay), r.notice_place(i, *size, lay), lay, False,
                       r.style.notice_max_lines)[0]
        assert not lines[-1].endswith("…"), (size, lines)
        if want != full:  # the whole notice would have been cut there
            whole = r.wrap(full, r.notice_px(lay), r.notice_place(i, *size, lay), lay, False,
                           r.style.notice_max_lines)[0]
            assert whole[-1].endswith("…"), whole


# ---------------------------------------------------------------------------- banner
def test_banner_keeps_value_and_grade_when_the_frame_is_too_small_for_the_message():
    """QA session 7: on a 166x360 clip the banner was cut to "Rounded back outside a counted
    rep: back held ro…", so the video never showed the 68° and "severe" that the page,
    JSON, CSV and terminal give. Too narrow for the whole message, the banner says the
    fault, the rep, the value and the grade, from the finding's own fields."""
    from formcheck.render.overlay import _Layout

    long_message = ("Rounded back in rep 2 (ascent): back held rounded about 24° past a "
                    "typical neutral bent-over back (a rough estimate: your own neutral was "
                    "never seen)")
    base = make_report()
    report = replace(base, findings=(replace(base.findings[0], message=long_message),))
    for size, want in (((166, 360), "Rounded back in rep 2: 24° (severe)"),
                       ((960, 540), long_message)):
        seq = make_sequence(*size)
        r = OverlayRenderer(report, seq, make_series(seq))
        lay = _Layout.for_frame(seq.width, seq.height, r.style)
        i = frame_at(seq, 3.25)
        assert r.banners_at(i) == (0,) and r.banner_text(0, seq.width, lay) == want
        lines = r.wrap(want, round(lay.px * 1.1), seq.width - 2 * lay.margin, lay, True,
                       r.style.banner_max_lines)[0]
        assert "24°" in " ".join(lines) and not lines[-1].endswith("…")


def test_a_twist_banners_short_form_names_its_side():
    """Session 13's note: the twist's message names the side it turned to; the banner's
    short form (a frame too narrow for the message) left it out."""
    from formcheck.render._common import finding_short_text

    base = make_report().findings[0]
    twist = replace(base, fault="jerky_twist", value=24.2, unit="deg", severity="mild",
                    evidence={"twist_side": "right"})
    assert finding_short_text(twist) == "Jerky twist in rep 2: 24° (mild), to the right"
    assert finding_short_text(replace(twist, evidence={})) == "Jerky twist in rep 2: 24° (mild)"


def test_a_narrow_frame_keeps_every_number_whole_and_most_of_the_lifter_clear():
    """QA session 7 (a 166x360 deadlift clip): the gauge read "Back flexion past a…" and
    "now 66…", and a caveat column and "not judged" (now "not assessable") notices covered
    most of the lifter.
    A narrow frame now shows the gauge across the bottom with the fault's name and the whole
    reading, one "not assessable" panel naming the faults, and no caveats (their full words are
    on the page, JSON, CSV and terminal)."""
    from formcheck.render._text import text_size
    from formcheck.render.overlay import _Layout

    seq = make_sequence(166, 360)
    series = make_series(seq)
    s = series["back_rounding"]
    series["back_rounding"] = replace(  # the real label, and three-digit readings
        s, label="Back flexion past a bent-over neutral (from the outline)",
        values=s.values * 6.0)
    report = replace(make_report(), assessable=(
        Assessment("rounded_back", None, True),
        Assessment("lumbar_overextension", None, True, _LONG_CAVEAT),
        Assessment("jerky_twist", None, False, _LONG_REASON),
        Assessment("lumbar_overextension", 3, False, "needed body parts visible in only 4% "
                   "of this rep's frames")))
    r = OverlayRenderer(report, seq, series)
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    box = seq.width - 2 * lay.margin - 2 * lay.pad
    for i in range(0, len(seq), 3):
        lines, size = r.gauge_text("back_rounding", i, lay, seq.width)
        assert lines[0] == "Rounded back" and not any(ln.endswith("…") for ln in lines)
        assert all(text_size(ln, size)[0] <= box for ln in lines)
        j = int(np.searchsorted(s.t_s, seq.t_s[i], side="right")) - 1
        v = series["back_rounding"].values[j]
        reading = " ".join(lines[1:])
        assert ("now " + format_value(v, "deg")) in reading if np.isfinite(v) else True
        assert "limit 12°" in reading
        notice = r.narrow_notice_at(i)
        assert notice is not None and notice.startswith("Not assessable: ")
        assert "jerky twist" in notice
        assert not r.wrap(notice, r.notice_px(lay), seq.width - 2 * lay.margin, lay, False,
                          r.style.notice_max_lines)[0][-1].endswith("…")
    assert r.narrow(seq.width, lay) and not r.narrow(640, lay)
    i = frame_at(seq, 5.2)  # rep 3: two faults not judged, one panel
    assert r.narrow_notice_at(i) == "Not assessable: over-arched lower back, jerky twist"
    # Share of the frame under panels (the layout before: 42%, 54%, 55%; 51% with the banner
    # off the lifter, where before it partly hid him; since session 26 36% and 53% at 1.2 s
    # and 3.25 s, 32% and 50% before, where "Not assessable: jerky twist" takes two lines and
    # "Not judged: …" took one), and the torso clear of them, a banner's too (QA session 25:
    # it went under the lifter).
    for time_s, most in ((1.2, 0.37), (3.25, 0.54), (5.2, 0.52)):
        i = frame_at(seq, time_s)
        body = black(seq)
        r._draw_body(body, i, lay)
        full = r.draw(black(seq), i)
        covered = float(((full != body).any(axis=2) & (body == 0).all(axis=2)).mean())
        assert covered < most, (time_s, covered)
        torso = trunk_box(seq, i, pad=0)
        assert np.array_equal(full[torso], body[torso])
    # the caveats are not drawn on a narrow frame
    plain = replace(report, assessable=tuple(replace(a, reason=None) if a.assessable else a
                                             for a in report.assessable))
    i = frame_at(seq, 1.2)
    assert np.array_equal(r.draw(black(seq), i),
                          OverlayRenderer(plain, seq, series).draw(black(seq), i))


@pytest.mark.parametrize("size", [(360, 640), (166, 360), (640, 360)])
def test_the_gauges_limit_is_never_cut_on_a_portrait_frame(size):
    """QA (session 25, a rendered deadlift at 360x640): a portrait frame is not narrow enough
    for the narrow layout, and its gauge read "now 45.5° · limit…" and "not judged ·
    limit…": the limit cut off. A reading too long for the gauge's line now puts the limit
    on its own line, on any frame."""
    from formcheck.render._text import text_size
    from formcheck.render.overlay import _Layout

    seq = make_sequence(*size)
    series = make_series(seq)
    s = series["back_rounding"]
    series["back_rounding"] = replace(
        s, label="Back flexion over your straightest bent-over frames", values=s.values * 2.1,
        threshold=45.6)
    r = OverlayRenderer(make_report(), seq, series)
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    box = r._sparkline_width(seq.width, lay) - 2 * lay.pad
    for i in range(0, len(seq), 3):
        lines, size_px = r.gauge_text("back_rounding", i, lay, seq.width)
        assert not any(ln.endswith("…") for ln in lines), (i, lines)
        assert all(text_size(ln, size_px)[0] <= box for ln in lines)
        assert any("limit 45.6°" in ln for ln in lines)


def _head_and_torso_box(seq: PoseSequence, index: int) -> tuple[float, float, float, float]:
    """This frame's head (ears, eyes, nose) and torso (shoulders, hips, back outline) box."""
    pts = seq.image_xy[index, [L.NOSE, L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_EAR, L.RIGHT_EAR,
                               L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]]
    if seq.back_xy is not None:
        pts = np.concatenate([pts, seq.back_xy[index]])
    pts = pts[np.isfinite(pts).all(axis=1)]
    return (*pts.min(axis=0), *pts.max(axis=0))


def _panel_recorder(rects: list) -> type:
    """An ``OverlayRenderer`` that appends each panel it draws, ``(text, (x0, y0, x1, y1))``,
    to ``rects``."""

    class Recording(OverlayRenderer):
        def _panel_box(self, frame, text, x, y, *args, upward=False, right=False, **kw):
            bw, bh = super()._panel_box(frame, text, x, y, *args, upward=upward, right=right,
                                        **kw)
            x0, y0 = x - bw if right else x, y - bh if upward else y
            rects.append((text, (x0, y0, x0 + bw, y0 + bh)))
            return bw, bh

    return Recording


@pytest.mark.parametrize("size, dy", [
    ((166, 360), 0),    # the lifter high in the frame: the banners go under him
    ((240, 426), 0),
    ((166, 360), 150),  # low in the frame: the banners stay at the top, above his head
    ((240, 426), 150),
])
def test_a_narrow_frames_banners_and_notices_keep_off_the_head_and_torso(size, dy):
    """QA (session 25, a 166x360 deadlift): the fault's banner, across the top under the rep
    counter, covered the lifter's head and shoulders while there was room under him. On a
    narrow frame the banners (and the notices) now go where they cover neither the head nor
    the torso: under the counter, or above the gauge at the bottom."""
    seq = make_sequence(*size)
    seq = _shifted(seq, 0.0, dy)
    rects: list[tuple[str, tuple[int, int, int, int]]] = []
    Recording = _panel_recorder(rects)

    from formcheck.report import Notice

    report = replace(make_report(), notices=(
        Notice("people", "2 people were in the picture (9 of 195 frames)"),))
    r = Recording(report, seq, make_series(seq))
    from formcheck.render.overlay import _Layout
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    assert r.narrow(seq.width, lay)
    seen = 0
    for i in range(0, len(seq), 2):
        if not r.banners_at(i) or not np.isfinite(seq.image_xy[i]).all():
            continue
        rects.clear()
        r.draw(black(seq), i)
        x0, y0, x1, y1 = _head_and_torso_box(seq, i)
        # (not the rep counter, top-left, nor the line saying what has no room)
        panels = [(t, b) for t, b in rects
                  if not re.match(r"Rep \d+/", t) and not t.endswith(": see the report")]
        assert any("rounded back" in t for t, _ in panels)
        for text, (a0, b0, a1, b1) in panels:
            assert not (a0 < x1 and x0 < a1 and b0 < y1 and y0 < b1), (i, text, (b0, b1),
                                                                     (y0, y1))
        seen += 1
    assert seen > 20


@pytest.mark.parametrize("size, dy", [((166, 360), -22), ((240, 426), -35)])
def test_a_narrow_frames_rep_counter_keeps_off_a_head_at_the_top(size, dy):
    """QA (session 25): on a narrow frame the lifter fills, his head at the frame's top, the
    rep counter (top-left) covered his head. It now goes where it meets neither the head nor
    the torso (top-right, else just above the gauge), at the same size, and the banners and
    notices still keep off them."""
    seq = _shifted(make_sequence(*size), 0.0, dy)
    rects: list[tuple[str, tuple[int, int, int, int]]] = []
    Recording = _panel_recorder(rects)

    r = Recording(make_report(), seq, make_series(seq))
    from formcheck.render.overlay import _Layout
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    assert r.narrow(seq.width, lay)
    seen = high = 0
    for i in range(0, len(seq), 2):
        if r.counter_text(i) is None or not np.isfinite(seq.image_xy[i]).all():
            continue
        rects.clear()
        r.draw(black(seq), i)
        x0, y0, x1, y1 = _head_and_torso_box(seq, i)
        high += bool(y0 < 2 * lay.margin + lay.px)  # the head where the counter was
        counter = [b for t, b in rects if re.match(r"(Rep \d+/|\d+/\d+ reps)", t)]
        assert len(counter) == 1, rects
        panels = [(t, b) for t, b in rects if not t.endswith(": see the report")]
        for text, (a0, b0, a1, b1) in panels:
            assert not (a0 < x1 and x0 < a1 and b0 < y1 and y0 < b1), (i, text, (b0, b1),
                                                                     (y0, y1))
        seen += 1
    assert seen > 20 and high > 10, (seen, high)


@pytest.mark.parametrize("size, dy", [((166, 360), 200), ((240, 426), 250)])
def test_a_narrow_frames_gauge_keeps_off_hips_at_the_bottom(size, dy):
    """QA (session 25): on a narrow frame the gauge spans the bottom, over the hips of a
    lifter low in the frame. When the top has room above his head it goes there (the
    counter and banners under it), the same lines and plot; nothing drawn meets the head
    and torso."""
    from formcheck.render.overlay import _Layout

    seq = _shifted(make_sequence(*size), 0.0, dy)
    r = OverlayRenderer(make_report(), seq, make_series(seq))
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    assert r.narrow(seq.width, lay)
    seen = low = 0
    for i in range(0, len(seq), 2):
        if r.gauge_series_at(i) is None or not np.isfinite(seq.image_xy[i]).all():
            continue
        x0, y0, x1, y1 = (int(round(v)) for v in _head_and_torso_box(seq, i))
        gh = r.gauge_height(r.gauge_series_at(i), i, lay, seq.width)
        low += y1 > seq.height - lay.margin - gh  # the gauge's old place reaches the hips
        body = black(seq)
        r._draw_body(body, i, lay)
        full = r.draw(black(seq), i)
        box = np.s_[y0:y1 + 1, x0:x1 + 1]
        assert np.array_equal(full[box], body[box]), i
        seen += 1
    assert seen > 20 and low > 20, (seen, low)


def _filling(seq: PoseSequence, k: float, dx: float, dy: float) -> PoseSequence:
    """``seq``'s lifter scaled ``k`` times about the frame's top centre and moved: a portrait
    frame he fills (the generated one is sized by the frame's width)."""
    c = np.array([seq.width / 2.0, 0.0])

    def moved(a):
        return (a - c) * k + c + [dx, dy]

    return replace(seq, image_xy=moved(seq.image_xy),
                   back_xy=None if seq.back_xy is None else moved(seq.back_xy))


@pytest.mark.parametrize("size", [(480, 854), (492, 720), (360, 640)])
@pytest.mark.parametrize("dx", [0.0, -0.1])  # (the head under the column; not, at 480 wide)
def test_a_portrait_frames_caveats_keep_off_the_head(size, dx):
    """QA (session 26, a 492x720 deadlift, shared clip): the three caveats, top-right, covered
    the lifter's head on every rep: they kept clear of the torso only, and his head was right
    of it, under their column. On a portrait frame they keep clear of the head and torso;
    where neither side has room, one line says how many there are and to see the report,
    where it is clear of them too (at the top, else above the gauge)."""
    from formcheck.render.overlay import _Layout

    seq = _filling(make_sequence(*size), 1.6, dx * size[0], -60.0)
    report = replace(make_report(), assessable=(
        Assessment("rounded_back", None, True, _LONG_CAVEAT),
        Assessment("lumbar_overextension", None, True, _LONG_CAVEAT),
        Assessment("jerky_twist", None, True, _LONG_CAVEAT)))
    rects: list[tuple[str, tuple[int, int, int, int]]] = []
    r = _panel_recorder(rects)(report, seq, make_series(seq))
    lay = _Layout.for_frame(seq.width, seq.height, r.style)
    assert not r.narrow(seq.width, lay)
    seen = 0
    for i in range(0, len(seq), 3):
        if not r.caveats_at(i) or not np.isfinite(seq.image_xy[i]).all():
            continue
        rects.clear()
        r.draw(black(seq), i)
        x0, y0, x1, y1 = _head_and_torso_box(seq, i)
        caveats = [(t, b) for t, b in rects if t in r.caveats_at(i) or t.endswith("see the report")]
        assert caveats, rects
        for text, (a0, b0, a1, b1) in caveats:
            assert not (a0 < x1 and x0 < a1 and b0 < y1 and y0 < b1), (i, text, (b0, b1),
                                                                     (y0, y1))
        seen += 1
    assert seen > 20
    # the same frame as a landscape one, as before: the caveats keep off the torso alone
    wide = _filling(make_sequence(size[1], size[0]), 1.0, 0.25 * size[1], 0.0)
    rw = OverlayRenderer(report, wide, make_series(wide))
    lw = _Layout.for_frame(wide.width, wide.height, rw.style)
    assert all(rw.caveat_place(i, wide.width, lw, 0, 0, wide.height)
               == rw.caveat_place(i, wide.width, lw, 0, 0) for i in range(0, len(wide), 9))


@pytest.mark.parametrize("time_s, expect", [
    (2.8, ()),            # before the finding
    (2.95, (0,)),         # in progress
    (3.6 + 1.5, (0,)),    # still held 1.5 s after it ended
    (3.6 + 2.1, ()),      # gone after the hold
])
def test_banner_shows_and_holds(setup, time_s, expect):
    report, seq, series = setup
    assert OverlayRenderer(report, seq, series).banners_at(frame_at(seq, time_s)) == expect


def _finding(fault: str, rep: int, start: float, end: float, severity: str = "moderate"):
    return Finding(fault=fault, rep=rep, phase=None, start_s=start, end_s=end,
                   peak_s=(start + end) / 2, severity=severity, value=1.0, threshold=0.5,
                   unit="deg", message=f"Rep {rep}: {fault}")


@pytest.mark.parametrize("findings, time_s, expect", [
    # a held banner gives way at once when the next finding starts
    ((("rounded_back", 2, 2.6, 3.0), ("rounded_back", 3, 3.5, 4.0)), 3.4, (0,)),
    ((("rounded_back", 2, 2.6, 3.0), ("rounded_back", 3, 3.5, 4.0)), 3.55, (1,)),
    # overlapping findings stack, oldest first; the earlier one is not held past its end
    ((("rounded_back", 2, 2.6, 3.4), ("jerky_twist", 2, 3.0, 3.8)), 3.2, (0, 1)),
    ((("rounded_back", 2, 2.6, 3.4), ("jerky_twist", 2, 3.0, 3.8)), 3.6, (1,)),
    # a finding nested in a longer one: after it ends it is held under the running one
    ((("rounded_back", 2, 2.6, 3.9), ("jerky_twist", 2, 3.0, 3.2)), 3.5, (0, 1)),
])
def test_banner_schedule(setup, findings, time_s, expect):
    _, seq, series = setup
    report = make_report(findings=tuple(_finding(*f) for f in findings))
    assert OverlayRenderer(report, seq, series).banners_at(frame_at(seq, time_s)) == expect


def test_banner_region_changes_while_shown(setup):
    report, seq, series = setup
    r = OverlayRenderer(report, seq, series)
    # same rep, same phase text; only the banner differs
    shown, not_shown = frame_at(seq, 3.4), frame_at(seq, 2.6)
    assert r.banners_at(shown) and not r.banners_at(not_shown)
    a, b = r.draw(black(seq), shown), r.draw(black(seq), not_shown)
    top_left = (slice(0, seq.height // 3), slice(0, seq.width // 2))
    assert red_mask(a[top_left]).sum() > 500
    assert red_mask(b[top_left]).sum() == 0


# ---------------------------------------------------------------------------- layout, sizes
@pytest.mark.parametrize("size", [(640, 360), (1920, 1080), (3840, 2160), (1080, 1920)])
def test_hud_scales_with_frame_size(setup, size):
    report, _, _ = setup
    seq = make_sequence(*size)
    r = OverlayRenderer(report, seq, make_series(seq))
    i = frame_at(seq, 3.25)
    img = r.draw(black(seq), i)
    assert img.shape == (size[1], size[0], 3)
    # the HUD covers a similar share of the frame at every size (fonts scale with the frame)
    top_left = img[: size[1] // 3, : size[0] // 2]
    share = (top_left.max(axis=-1) > 0).mean()
    assert 0.05 < share < 0.6


def test_drawing_is_stateless(setup):
    report, seq, series = setup
    r = OverlayRenderer(report, seq, series)
    i = frame_at(seq, 3.3)
    first = r.draw(black(seq), i)
    for j in (150, 3, 120, i + 5):
        r.draw(black(seq), j)
    assert np.array_equal(r.draw(black(seq), i), first)


def test_parallel_drawing_matches_sequential(setup):
    from concurrent.futures import ThreadPoolExecutor

    report, seq, series = setup
    idx = list(range(0, len(seq), 7))
    seq_out = [OverlayRenderer(report, seq, series).draw(black(seq), i) for i in idx]
    r = OverlayRenderer(report, seq, series)
    with ThreadPoolExecutor(4) as pool:
        par_out = list(pool.map(lambda i: r.draw(black(seq), i), reversed(idx)))[::-1]
    assert all(np.array_equal(a, b) for a, b in zip(seq_out, par_out, strict=True))


def test_sparkline_follows_the_banner_fault(setup):
    report, seq, series = setup
    r = OverlayRenderer(report, seq, series)
    assert r.gauge_fault_at(frame_at(seq, 3.25)) == "rounded_back"
    # jerky_twist is not assessable, lumbar has no series: rounded_back is also the default
    assert r.gauge_fault_at(frame_at(seq, 1.0)) == "rounded_back"
    assert OverlayRenderer(report, seq, {}).gauge_fault_at(frame_at(seq, 1.0)) is None
    img = r.draw(black(seq), frame_at(seq, 3.4))
    corner = img[seq.height * 2 // 3:, seq.width // 2:]
    assert red_mask(corner).sum() > 10  # the curve turns red inside the finding


def test_no_reps_no_findings_draws_skeleton_only(setup):
    _, seq, _ = setup
    empty = Report(video=None, model="full", frames_total=len(seq), frames_with_person=0)
    r = OverlayRenderer(empty, seq)
    img = r.draw(black(seq), 10)
    assert img.any() and r.banners_at(10) == () and r.notices_at(10) == ()


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("shape, dtype, index", [
    ((360, 641, 3), np.uint8, 0),
    ((360, 640), np.uint8, 0),
    ((360, 640, 3), np.float32, 0),
    ((360, 640, 3), np.uint8, 10_000),
    ((360, 640, 3), np.uint8, -1),
])
def test_bad_frame_or_index_raises(setup, shape, dtype, index):
    report, seq, series = setup
    with pytest.raises(ShapeError):
        OverlayRenderer(report, seq, series).draw(np.zeros(shape, dtype), index)


@pytest.mark.parametrize("kwargs", [
    {"faint_visibility": 0.7, "min_visibility": 0.5},
    {"banner_hold_s": -1.0},
    {"sparkline_window_s": 0.0},
])
def test_bad_style_raises(kwargs):
    with pytest.raises(ConfigError):
        OverlayStyle(**kwargs)


# ---------------------------------------------------------------------------- thumbnails
@pytest.mark.parametrize("peaks, expect", [
    ((0.0,), {0: 0}),
    ((0.26, 0.19), {0: 2, 1: 1}),       # nearest frame on either side
    ((-5.0, 99.0), {0: 0, 1: 4}),       # clamped to the clip
])
def test_select_thumbnail_frames(peaks, expect):
    t = np.array([0.0, 0.1, 0.3, 0.35, 0.5])  # variable frame rate
    n = len(t)
    seq = PoseSequence(t_s=t, image_xy=np.zeros((n, NUM_LANDMARKS, 2)),
                       world_xyz=np.zeros((n, NUM_LANDMARKS, 3)),
                       visibility=np.ones((n, NUM_LANDMARKS)),
                       presence=np.ones((n, NUM_LANDMARKS)), width=64, height=64)
    findings = tuple(replace(_finding("rounded_back", 1, 0.0, 0.1), peak_s=p) for p in peaks)
    assert select_thumbnail_frames(make_report(findings=findings), seq) == expect
    assert select_thumbnail_frames(make_report(findings=findings), PoseSequence.empty()) == {}


def _touching_reps(base: Report) -> tuple[Rep, Rep]:
    """Two reps sharing frame 30 (1.0 s), as ``segment_reps`` makes them: rep 1's last frame
    is rep 2's first."""
    return (Rep(index=1, start_s=0.0, end_s=1.0, start_frame=0, end_frame=30,
                phases=(Phase("descent", 0.0, 0.5), Phase("ascent", 0.5, 1.0))),
            Rep(index=2, start_s=1.0, end_s=2.0, start_frame=30, end_frame=60,
                phases=(Phase("descent", 1.0, 1.5), Phase("ascent", 1.5, 2.0))))


def test_the_frame_two_reps_share_is_counted_in_the_earlier_rep_as_on_the_page():
    """A rep is the closed span start_s..end_s (end_frame inclusive): the page's rep table
    and the CSV give rep 1 as 0.0–1.0 s and rep 2 as 1.0–2.0 s, and read in order the frame
    at 1.0 s is rep 1's last. The video's counter read "Rep 2/2 · descent" there; it now
    says rep 1, in its last phase, and rep 2 from the next frame. A frame two phases share
    is the earlier phase's, as ``analysis.reps.phase_at`` names a finding's phase."""
    from formcheck.analysis.reps import phase_at

    seq = make_sequence()
    base = make_report(findings=())
    reps = _touching_reps(base)
    report = replace(base, reps=reps)
    csv_rows = report.reps_csv().splitlines()[1:]
    assert [row.split(",")[:3] for row in csv_rows] == [["1", "0.0", "1.0"], ["2", "1.0", "2.0"]]
    r = OverlayRenderer(report, seq, make_series(seq))
    assert seq.t_s[30] == pytest.approx(1.0)
    assert [r.counter_text(j) for j in (29, 30, 31)] == [
        "Rep 1/2 · ascent", "Rep 1/2 · ascent", "Rep 2/2 · descent"]
    assert r.counter_text(15) == f"Rep 1/2 · {phase_at(reps[0], float(seq.t_s[15]))}"
    assert r.counter_text(15) == "Rep 1/2 · descent"
    assert r.counter_text(60) == "Rep 2/2 · ascent" and r.counter_text(61) == "2/2 reps done"


def test_a_thumbnail_on_the_frame_two_reps_share_shows_its_own_rep():
    """A rep 2 finding peaking on the frame rep 1 shares with rep 2 (the video counts that
    frame in rep 1, the earlier) takes the frame after: a thumbnail's counter read "Rep 2/5"
    above rep 1's card (QA, a real deadlift). A rep 1 finding keeps the shared frame."""
    seq = make_sequence()
    base = make_report()
    reps = (replace(base.reps[0], index=1, start_s=0.0, end_s=1.0, start_frame=0,
                    end_frame=30),
            replace(base.reps[1], index=2, start_s=1.0, end_s=2.0, start_frame=30,
                    end_frame=60))
    findings = (replace(_finding("rounded_back", 1, 0.8, 1.0), peak_s=1.0),
                replace(_finding("rounded_back", 2, 1.0, 1.3), peak_s=1.0))
    report = replace(base, reps=reps, findings=findings)
    wanted = select_thumbnail_frames(report, seq)
    assert wanted == {0: 30, 1: 31}
    overlay = OverlayRenderer(report, seq, make_series(seq))
    assert [reps[int(overlay._rep_of_frame[j])].index for j in wanted.values()] == [1, 2]


# ============================================================================ HTML page
import base64  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

from formcheck.render.html import THUMB_MAX_WIDTH_PX, render_html  # noqa: E402
from formcheck.render.terminal import print_summary  # noqa: E402


@pytest.fixture(scope="module")
def page_inputs(setup):
    report, seq, series = setup
    r = OverlayRenderer(report, seq, series)
    thumbs = {i: r.draw(np.full((seq.height, seq.width, 3), 90, np.uint8), j)
              for i, j in select_thumbnail_frames(report, seq).items()}
    return report, series, thumbs


@pytest.fixture(scope="module")
def page(page_inputs, tmp_path_factory):
    path = render_html(*page_inputs, tmp_path_factory.mktemp("page") / "report.html")
    return path, path.read_text(encoding="utf-8")


def _section(text: str, sid: str) -> str:
    start = text.index(f'<section id="{sid}">')
    return text[start:text.index("</section>", start)]


def test_page_verdict_says_when_a_fault_was_judged_in_only_some_reps(setup, tmp_path):
    """QA session 7: a front squat's page read "No findings in 10 reps" with only the back
    faults named as not judged, though the twist was judged in 1 of the 10 reps (hands over
    the torso in the others); the verdict now says so, as the rep table does."""
    from formcheck.render.html import _verdict

    report, _, series = setup
    assert "only some reps" not in _verdict(report)
    hidden = tuple(Assessment("jerky_twist", k, False, "hands over the torso") for k in (1, 3))
    report = replace(report, assessable=tuple(
        replace(a, assessable=True, reason=None) if a.fault == "jerky_twist" else a
        for a in report.assessable) + hidden)
    verdict = _verdict(report)
    assert "Judged in only some reps: jerky twist (1 of 3)" in verdict
    assert "Not assessable in this clip" not in verdict


def test_page_summary_and_rep_table(page):
    _, text = page
    summary = _section(text, "summary")
    for want in ("deadlift", "93% of such calls right", "side", "88% of frames agree", "640×360",
                 "190 of 195 frames", "Mean trunk angle", "31°"):
        assert want in summary
    reps = _section(text, "reps")
    rows = re.findall(r"<tr><th scope='row'>Rep (\d)", reps)
    assert rows == ["1", "2", "3"]
    rep2 = reps[reps.index("Rep 2"):reps.index("Rep 3")]
    assert 'class="tag severe"' in rep2 and "24°" in rep2
    assert reps.count("not assessable</span>") == 3
    # The clip's reason is given once, under the table; each rep's cell points to it.
    assert reps.count(TWIST_REASON) == 0 and reps.count('href="#not-assessable-list"') == 3
    assert reps.count('class="tag ok"') == 5


def test_page_findings_not_assessable_and_plots(page_inputs, page):
    report, series, thumbs = page_inputs
    _, text = page
    findings = _section(text, "findings")
    assert "Rep 2: rounded back — 24° past your neutral" in findings
    uris = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', findings)
    assert len(uris) == len(thumbs) == 1
    import cv2
    img = cv2.imdecode(np.frombuffer(base64.b64decode(uris[0]), np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[1] <= THUMB_MAX_WIDTH_PX and img.shape[:2] == (360, 640)
    assert TWIST_REASON in _section(text, "not-assessable")
    signals = _section(text, "signals")
    assert signals.count("<svg") == len(series) == 2
    assert signals.index("Back rounding") < signals.index("Trunk inclination")  # fault first
    assert "limit 12°" in signals


def test_page_is_self_contained_and_ids_unique(page):
    _, text = page
    assert "<script" not in text and "<link" not in text and "@import" not in text
    refs = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert all(r.startswith(("data:", "#")) for r in refs), refs
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))


def test_page_is_deterministic_and_written_atomically(page_inputs, page, tmp_path):
    path, text = page
    again = render_html(*page_inputs, tmp_path / "again.html")
    assert again.read_bytes() == path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.html"]
    assert "<dc:date>" not in text


def test_page_escapes_every_text(setup, tmp_path):
    _, seq, series = setup
    evil = "<script>alert('x')</script> & \"q\""
    report = make_report(findings=(replace(make_report().findings[0], message=evil,
                                           evidence={"note<b>": evil}),),
                         twist_reason=evil)
    report = replace(report, video=replace(report.video, path=f"/tmp/{evil}.mp4"),
                     model=evil, summary={"odd<key>": evil})
    series = {**series, "x<y>": Series("x<y>", evil, "deg", seq.t_s, seq.t_s)}
    text = render_html(report, series, {}, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in text and "<b>" not in text and "<key>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;" in text


def test_page_without_reps_findings_or_signals(tmp_path):
    """QA session 9 (real clips where no rep was counted): the page read "No findings in 0
    reps" and "every judged rep stayed within its limits", of a clip with no rep judged."""
    empty = Report(video=None, model="", frames_total=0, frames_with_person=0)
    text = render_html(empty, {}, {}, tmp_path / "e.html").read_text(encoding="utf-8")
    for want in ("No findings; no reps were counted", "No reps were counted in this clip",
                 "No findings on the frames judged. No reps were counted, so no rep was judged",
                 "Every fault could be judged", "No signals were recorded"):
        assert want in text
    assert "in 0 reps" not in text and "every judged rep" not in text
    # The Not assessable section need not list the missing reps: no pointer to it.
    assert "(see Not assessable)" not in text


@pytest.mark.parametrize("bad", [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), float)])
def test_page_rejects_bad_thumbnails(page_inputs, tmp_path, bad):
    report, series, _ = page_inputs
    with pytest.raises(ShapeError):
        render_html(report, series, {0: bad}, tmp_path / "r.html")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_page_renders_in_headless_chromium(page, tmp_path):
    path, _ = page
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"]

    def run(*args: str, profile: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, f"--user-data-dir={tmp_path / profile}", *args,
                               path.as_uri()], capture_output=True, text=True, timeout=120,
                              check=True)

    dom = run("--dump-dom", profile="dom").stdout
    assert 'id="summary-table"' in dom and 'id="rep-table"' in dom
    assert dom.count("<svg") == 2 and "<path" in dom
    assert "Rep 2: rounded back — 24° past your neutral" in dom
    shot = tmp_path / "page.png"
    run(f"--screenshot={shot}", "--window-size=1280,2000", profile="shot")
    import cv2
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (2000, 1280)
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 200  # text, tables, a photo, plots
    red = red_mask(img).sum()
    assert red > 200  # the severe tag, the thumbnail's red trunk and banner


def _narrow_page(tmp_path: Path, size: tuple[int, int]) -> tuple[Path, str]:
    seq = make_sequence(*size)
    report = make_report()
    r = OverlayRenderer(report, seq, make_series(seq))
    thumbs = {i: r.draw(np.full((seq.height, seq.width, 3), 90, np.uint8), j)
              for i, j in select_thumbnail_frames(report, seq).items()}
    path = render_html(report, make_series(seq), thumbs, tmp_path / "p.html")
    return path, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("size", [(166, 360), (360, 640), (1080, 1920)])
def test_a_thumbnail_is_never_shown_larger_than_its_pixels(tmp_path, size):
    """QA (session 25, a 166x360 deadlift): the page stretched the finding's 166 px wide frame
    to the card's width (about 520 x 1130 px on a 1280 px window): blurred, and taller than
    the screen. The picture now says its own size and the CSS only ever shrinks it (aspect
    kept): never wider than the card, never taller than the window."""
    from formcheck.render.html import _CSS as CSS

    _, text = _narrow_page(tmp_path, size)
    (tag,) = re.findall(r"<img [^>]*>", _section(text, "findings"))
    uri = re.search(r'src="data:image/jpeg;base64,([^"]+)"', tag).group(1)
    import cv2
    img = cv2.imdecode(np.frombuffer(base64.b64decode(uri), np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    assert f'width="{w}" height="{h}"' in tag
    assert w == min(size[0], THUMB_MAX_WIDTH_PX)
    rule = re.search(r"\.card img \{([^}]*)\}", CSS).group(1)
    decl = dict(d.split(":", 1) for d in
                (x.strip() for x in rule.replace("\n", " ").split(";")) if d)
    decl = {k.strip(): v.strip() for k, v in decl.items()}
    assert decl["width"] == "auto" and decl["height"] == "auto"
    assert decl["max-width"] == "100%" and "vh" in decl["max-height"]


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
@pytest.mark.parametrize("size", [(166, 360), (1080, 1920)])
def test_a_thumbnail_as_chromium_lays_it_out_is_at_most_its_pixels(tmp_path, size):
    """The same in a browser: the picture's box on a 1280 x 900 window is no larger than its
    pixels, no taller than the window, and has the frame's aspect."""
    path, text = _narrow_page(tmp_path, size)
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</body>", "<script>document.title = [...document.images]"
                                  ".map(i => i.getBoundingClientRect().width + 'x' + "
                                  "i.getBoundingClientRect().height + '/' + i.naturalWidth "
                                  "+ 'x' + i.naturalHeight).join(' ');</script></body>"),
                     encoding="utf-8")
    dom = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--window-size=1280,900", f"--user-data-dir={tmp_path / 'prof'}",
         "--virtual-time-budget=2000", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    (shown,) = re.search(r"<title>([^<]*)</title>", dom).group(1).split()
    box, natural = shown.split("/")
    bw, bh = (float(v) for v in box.split("x"))
    nw, nh = (int(v) for v in natural.split("x"))
    assert 0 < bw <= nw + 0.5 and 0 < bh <= nh + 0.5 and bh <= 900
    assert abs(bw / bh - nw / nh) < 0.02


# ============================================================================ terminal
def _summary_text(report: Report, outputs: dict[str, Path]) -> str:
    from rich.console import Console

    console = Console(record=True, width=120, file=io.StringIO())
    print_summary(report, outputs, console)
    return console.export_text()


def test_terminal_summary_lists_everything():
    outputs = {"video": Path("out/set.annotated.mp4"), "report": Path("out/set.html")}
    text = _summary_text(make_report(), outputs)
    lines = text.splitlines()
    assert lines[0] == ("formcheck deadlift (93% of such calls right) · side view "
                        "(88% of frames agree) · 3 reps · model full")
    rep2 = next(ln for ln in lines if ln.strip().startswith("2 "))
    assert "severe 24°" in rep2 and "not assessable" in rep2
    assert "severe   Rep 2: rounded back — 24° past your neutral (2.90–3.60 s, limit 12°)" in text
    assert f"jerky twist (whole clip): {TWIST_REASON}" in text
    assert "Files in out\n  video   set.annotated.mp4\n  report  set.html" in text
    apart = _summary_text(make_report(), {"video": Path("a/v.mp4"), "report": Path("b/r.html")})
    assert "Files\n  video   a/v.mp4\n  report  b/r.html" in apart


@pytest.mark.parametrize("report, expect, absent", [
    (Report(video=None, model="", frames_total=0, frames_with_person=0),
     ["exercise unknown · view unknown · 0 reps", "No reps were counted.", "No findings."],
     ["Not assessable", "Files"]),
    (replace(make_report(findings=()), exercise=Estimate("squat", 1.0, source="user")),
     ["squat (set by you)", "No findings.", "Not assessable"], ["severe"]),
    (make_report(findings=(_finding("jerky_twist", None, 0.1, 0.3, "mild"),)),
     ["Outside the counted reps │", "mild 1.0°", "mild     Rep None: jerky_twist"],
     ["No findings."]),
])
def test_terminal_summary_variants(report, expect, absent):
    text = _summary_text(report, {})
    for want in expect:
        assert want in text
    for not_want in absent:
        assert not_want not in text


# ============================================================================ shared helpers
from formcheck.render._common import format_value, not_judged, robust_range  # noqa: E402
from formcheck.render._text import text_size, wrap_text  # noqa: E402


@pytest.mark.parametrize("value, unit, expect", [
    (24.3, "deg", "24°"), (130.0, "deg/s", "130°/s"), (16.02, "% of torso", "16.0% of torso"),
    (4.0, "% of torso", "4.0% of torso"), (0.0834, "", "0.083"), (0.6283, "m", "0.63 m"),
    (float("nan"), "deg", "n/a"), (None, "deg", "n/a"), (-12.0, "deg", "-12°"),
    # session 26: a twist gauge read "now 0.026° · limit 22.9°"; an angle under 1° to 0.1
    (0.026, "deg", "0.0°"), (-0.01, "deg", "0.0°"), (0.46, "deg/s", "0.5°/s"),
])
def test_format_value(value, unit, expect):
    assert format_value(value, unit) == expect


@pytest.mark.parametrize("value, limit, expect", [
    # Beside a limit that is not whole, its decimal: 20.8° past 20.3°, not "21° (limit 20°)";
    (20.8251, 20.3, "20.8°"), (32.29, 20.3, "32.3°"), (84.05, 45.6, "84.0°"),
    # beside a whole limit as before; under 10° one decimal as before.
    (14.25, 10.0, "14°"), (7.26, 6.3, "7.3°"), (312.4, 250.0, "312°"), (24.3, None, "24°"),
    # a limit of 100 or more (a twist's blended rate) whole: 405°/s against 312°/s.
    (405.26, 312.4, "405°"),
])
def test_format_value_beside_its_limit(value, limit, expect):
    from formcheck.render._common import format_limit, format_range

    assert format_value(value, "deg", limit) == expect
    assert format_limit(20.3, "deg") == "20.3°" and format_limit(10.0, "deg") == "10°"
    # The grade bands of a 20.3° limit: moderate from 25.375°, severe from 32.48°.
    assert format_range(20.3 * 1.25, 20.3 * 1.25, "deg", (20.3, 20.3)) == "25.4°"
    assert format_range(20.3 * 1.6, 20.3 * 1.6, "deg", (20.3, 20.3)) == "32.5°"
    assert format_range(250.0, 420.0, "deg/s") == "250–420°/s"
    assert format_range(265.3, 370.1, "deg/s") == "265–370°/s"


@pytest.mark.parametrize("spread, times, shown", [
    (2.8399, 9, "2.84°"),  # 9 x 2.84 = 25.56: "25.6°", the limit shown
    (2.025, 9, "2.02°"),  # the limit 18.225 shows 18.2; 9 x 2.03 would read 18.3
    (0.7833, 8, "0.783°"),  # the limit 6.27 shows 6.3; 8 x 0.78 would read 6.2
])
def test_the_spread_a_limit_is_so_many_times_of_multiplies_to_the_limit_shown(
        spread, times, shown):
    """QA pass 22: "warns from 18.2° (9 times the 2.03° …)", 18.3° by the words' own sums."""
    from formcheck.report import format_limit, times_text

    assert times_text(spread, times, times * spread) == shown
    assert format_limit(times * float(shown[:-1]), "deg") == format_limit(times * spread, "deg")
    assert times_text(1.0, 8, 5.0) == "1.00°"  # a least value, not the product: 0.01


def test_not_judged_folds_reps_into_the_clip_and_keeps_rep_order():
    """Reps with one reason fold into one line; the lines follow the reps (a batch index
    listed "reps 2, 3" above "rep 1", sorted by the reasons' words)."""
    base = make_report()
    extra = (Assessment("jerky_twist", 1, False, TWIST_REASON),
             Assessment("rounded_back", 2, False, "hips hidden"),
             Assessment("rounded_back", 3, False, "hips hidden"),
             Assessment("rounded_back", 1, False, "too dark"))
    report = replace(base, assessable=base.assessable + extra)
    assert not_judged(report) == [("rounded_back", "rep 1", "too dark"),
                                  ("rounded_back", "reps 2, 3", "hips hidden"),
                                  ("jerky_twist", "whole clip", TWIST_REASON)]


@pytest.mark.parametrize("values, keep, inside, outside", [
    (np.r_[np.zeros(98), 1.0, -500.0], [2.0], [0.0, 1.0, 2.0], [-500.0]),  # spike clipped
    (np.linspace(-3, 3, 50), [None], [-3.0, 3.0], []),                     # no threshold
    (np.full(10, np.nan), [12.0], [12.0], []),                             # no data
    (np.full(10, 5.0), [], [5.0], []),                                     # flat
])
def test_robust_range(values, keep, inside, outside):
    lo, hi = robust_range(values, keep)
    assert lo < hi
    assert all(lo < v < hi for v in inside) and all(not lo < v < hi for v in outside)


@pytest.mark.parametrize("text, width_chars, lines", [
    ("short", 40, 1),
    ("jerky twist not assessable: a side view cannot show rotation about the spine well", 40, 2),
    ("a " * 200, 40, 2),  # far too long: two lines, the last one cut
])
def test_wrap_text_fits(text, width_chars, lines):
    max_w = text_size("n" * width_chars, 20)[0]
    out, px = wrap_text(text, 20, max_w, 12)
    assert len(out) == lines and 12 <= px <= 20
    assert all(text_size(ln, px)[0] <= max_w for ln in out)


def test_wrap_text_keeps_wrapping_past_a_word_wider_than_the_line():
    """QA session 7: on a 166 px wide clip the caveat column is ~65 px; its first word
    ("over-arched") is wider than that and used to swallow the whole caveat into one cut
    line ("over-ar…"). The long word is now broken at its hyphen and the rest still wraps."""
    text = "over-arched lower back judged, but: only the lockout is judged"
    max_w = text_size("over-arch", 13)[0]
    out, px = wrap_text(text, 13, max_w, 13, max_lines=8)
    assert out[:3] == ["over-", "arched", "lower"] and px == 13
    assert all(text_size(ln, px)[0] <= max_w for ln in out)
    # No hyphen to break at: that word alone is cut, the words after it still come.
    out, _ = wrap_text("unbreakablewordhere and more", 13, max_w, 13, max_lines=4)
    assert out[0].endswith("…") and " ".join(out[1:]) == "and more"


@pytest.mark.parametrize("width_chars", [10, 12, 14, 16, 18, 20, 24])
def test_a_cut_notice_ends_after_a_whole_word(width_chars):
    """QA: on a narrow portrait clip a "not judged" notice ran out of lines mid-word ("… so
    an upri…"). The last line is now cut after a whole word, and the notice keeps its start."""
    text = ("Rounded back not assessable: the trunk never leaned forward 30° in this rep (at most "
            "20°): the back's curve is read only while bent over, so an upright back is not "
            "judged")
    max_w = text_size("n" * width_chars, 11)[0]
    out, px = wrap_text(text, 11, max_w, 9, max_lines=5)
    assert out[-1].endswith("…") and all(text_size(ln, px)[0] <= max_w for ln in out)
    shown = " ".join(out)[:-1].split()
    assert shown == text.split()[:len(shown)][:-1] + [shown[-1]]
    assert shown[-1] in (text.split()[len(shown) - 1], text.split()[len(shown) - 1][:-1])


def test_a_cut_reading_drops_the_part_word_and_its_separator():
    """The gauge read "not judged · limi…" beside a narrow notice column."""
    from formcheck.render._text import fit_text

    max_w = text_size("not judged · limi", 13)[0]
    assert fit_text("not judged · limit 10°", 13, max_w, 13) == ("not judged…", 13)


def test_plot_indices_keep_every_peak_and_gap_of_a_long_series():
    from formcheck.render._common import plot_indices

    rng = np.random.default_rng(3)
    v = rng.normal(0.0, 1.0, 54_000)  # a 30-minute set at 30 fps
    v[12_345] = 40.0   # a one-frame spike must survive
    v[33_333] = -25.0
    v[20_000:20_050] = np.nan  # a gap must still break the line
    keep = plot_indices(v, 600)
    assert len(keep) <= 4 * 600 + 1 and np.all(np.diff(keep) > 0)
    assert {0, 12_345, 33_333, len(v) - 1} <= set(keep.tolist())
    assert np.isnan(v[keep]).any()
    assert np.nanmax(v[keep]) == np.nanmax(v) and np.nanmin(v[keep]) == np.nanmin(v)
    short = np.arange(100.0)
    assert plot_indices(short, 600).tolist() == list(range(100))  # short series: whole


# ---------------------------------------------------------------------------- exactness
def _reference_body(ov: OverlayRenderer, frame: np.ndarray, index: int) -> None:
    """The skeleton drawn one item at a time, every test on one value (the overlay's drawing
    before its per-item tests were made on whole arrays): the pixels must not differ."""
    import cv2

    from formcheck.pose.landmarks import SKELETON_EDGES
    from formcheck.render.overlay import _Layout

    st = ov.style
    lay = _Layout.for_frame(frame.shape[1], frame.shape[0], st)
    xy, vis = ov.seq.image_xy[index], ov.seq.visibility[index]
    if not np.isfinite(xy).any():
        return
    twist = int(ov._twist_code[index])

    def pt(p):
        return int(round(float(p[0]))), int(round(float(p[1])))

    twist_edges = {(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)}
    for a, b in SKELETON_EDGES:
        v = min(vis[a], vis[b])
        if not (np.isfinite(xy[a]).all() and np.isfinite(xy[b]).all()) or not (
                v >= st.faint_visibility):
            continue
        solid = v >= st.min_visibility
        bgr = st.skeleton_bgr if solid else st.faint_bgr
        if (a, b) in twist_edges and twist > 0:
            bgr = st.code_bgr(twist)
        cv2.line(frame, pt(xy[a]), pt(xy[b]), bgr, lay.line if solid else max(1, lay.line // 2),
                 cv2.LINE_AA)
    for j in range(L.LEFT_SHOULDER, NUM_LANDMARKS):
        if np.isfinite(xy[j]).all() and vis[j] >= st.min_visibility:
            cv2.circle(frame, pt(xy[j]), lay.line + 1, st.joint_bgr, -1, cv2.LINE_AA)
    shoulder = xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(axis=0)
    hip = xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)
    if np.isfinite(shoulder).all() and np.isfinite(hip).all():
        cv2.line(frame, pt(shoulder), pt(hip), st.code_bgr(int(ov._back_code[index])),
                 2 * lay.line + 1, cv2.LINE_AA)


def test_skeleton_drawing_equals_a_one_item_at_a_time_loop(setup):
    """Hostile landmarks (NaN and infinite points, NaN visibility on either end of an edge,
    visibility exactly at the style's limits, coordinates on .5): the same pixels as the plain
    loop. Only the body is compared (skeleton, joints, trunk line; no back outline here)."""
    from formcheck.render.overlay import _Layout

    report, seq, series = setup
    rng = np.random.default_rng(7)
    n = len(seq)
    xy = seq.image_xy.copy()
    xy[::3] = np.floor(xy[::3]) + 0.5  # ties for the rounding
    vis = rng.choice(np.array([0.0, 0.2, 0.5, 0.19999999, 0.49999997, 0.9, np.nan],
                              dtype=np.float32), size=(n, NUM_LANDMARKS))
    holes = rng.random((n, NUM_LANDMARKS)) < 0.1
    xy[holes] = np.nan
    xy[5, L.LEFT_HIP] = np.inf
    odd = PoseSequence(t_s=seq.t_s, image_xy=xy, world_xyz=seq.world_xyz, visibility=vis,
                       presence=seq.presence, back_xy=None, width=seq.width,
                       height=seq.height)
    for style in (OverlayStyle(), OverlayStyle(min_visibility=0.3, faint_visibility=0.1)):
        ov = OverlayRenderer(report, odd, series, style=style)
        for i in range(0, n, 7):
            got = np.zeros((seq.height, seq.width, 3), np.uint8)
            want = got.copy()
            ov._draw_body(got, i, _Layout.for_frame(seq.width, seq.height, style))
            _reference_body(ov, want, i)
            np.testing.assert_array_equal(got, want)


def test_an_unknown_estimate_says_why_not_how_sure():
    """QA (session 7): "unknown (54%)" read as a 54% guess; its confidence is that nothing
    matched. The terminal and the page say "not recognised" instead."""
    from formcheck.render import html, terminal
    from formcheck.report import Estimate

    unknown = Estimate("unknown", 0.54)
    assert terminal._estimate(unknown, "exercise") == "unknown (not recognised)"
    assert "not recognised" in html._estimate(unknown) and "54" not in html._estimate(unknown)
    assert terminal._estimate(Estimate("unknown", 0.0), "view") == \
        "unknown (could not be determined)"
    # A recognised exercise's number is the measured share of such calls that were right
    # (session 8), said so on both; a view's is the share of frames that agree.
    assert terminal._estimate(Estimate("squat", 0.8), "exercise") == \
        "squat (80% of such calls right)"
    assert terminal._estimate(Estimate("side", 0.93), "view", " view") == \
        "side view (93% of frames agree)"
    assert "93% of frames agree" in html._estimate(Estimate("side", 0.93))
    # A measured share is rounded down: 733 of 735 right is not "100%".
    assert terminal._estimate(Estimate("squat", 0.997), "exercise") == \
        "squat (99% of such calls right)"
    assert terminal._estimate(Estimate("row", 1.0, "user"), "exercise") == "row (set by you)"


def test_a_signal_that_decided_nothing_in_the_clip_is_not_captioned_as_deciding(setup, tmp_path):
    """QA session 9 (real side-view deadlifts): the page's plot of the back outline's arching
    while bent over read "decides over-arched lower back", beside the caveat that a
    deadlift's arching while bent over is not judged (the rule judged it on no frame). Its
    caption now says it was judged on no frame; a signal that decided frames keeps
    "decides"."""
    from formcheck.analysis.series import Series

    report, _, series = setup
    t = np.arange(30) / 30.0
    assert report.assessment("lumbar_overextension").assessable  # judged in the clip
    unused = Series("back_arch", "Back outline concave past straight", "% of torso", t,
                    np.full(30, -12.0), fault="lumbar_overextension",
                    judged=np.zeros(30, bool))
    used = replace(unused, name="hip_extension", label="Trunk behind the thigh line",
                   unit="deg", threshold=10.0, judged=np.arange(30) < 10)
    text = render_html(report, {"back_arch": unused, "hip_extension": used}, {},
                       tmp_path / "p.html").read_text(encoding="utf-8")
    import html

    caps = {k: html.unescape(v) for k, v in
            re.findall(r"<figcaption>([^(<]+) \([^<]*?\) · ([^<]*)</figcaption>", text)}
    assert set(caps) == {"Back outline concave past straight", "Trunk behind the thigh line"}
    assert "decides" not in caps["Back outline concave past straight"]
    assert "judged on none of this clip's frames" in caps["Back outline concave past straight"]
    assert caps["Trunk behind the thigh line"].startswith("decides over-arched lower back")


def test_the_grade_table_gives_the_limits_this_clip_was_judged_against(setup, tmp_path):
    """QA session 9 (a real front squat): the page's grade table read "(250 / 350 / 500
    deg/s)" for the twist, the default side/45° limit and its grade starts, where this clip's
    twist (read from the torso's flow) was judged against 350°/s, so a coach read its limit
    as "moderate". The table now gives the clip's own limits and grade starts, and says
    which fault was not judged."""
    import html

    from formcheck.analysis.series import Series

    report, _, _ = setup  # twist not assessable in it: make it judged, the back not
    report = replace(report, findings=(), assessable=(
        Assessment("rounded_back", None, False, "a front view cannot show it"),
        Assessment("lumbar_overextension", None, True),
        Assessment("jerky_twist", None, True)))
    t = np.arange(30) / 30.0
    twist = Series("twist_rate", "Shoulder-vs-hip rotation speed", "deg/s", t,
                   np.full(30, 40.0), threshold=350.0, fault="jerky_twist",
                   judged=np.arange(30) > 5)
    text = render_html(report, {"twist_rate": twist}, {}, tmp_path / "p.html").read_text(
        encoding="utf-8")
    grades = html.unescape(_section(text, "grades"))
    assert "In this clip: limit 350°/s (moderate from 490°/s, severe from 700°/s)." in grades
    assert "250" not in grades and "500 deg/s" not in grades
    assert grades.count("Not assessable in this clip.") == 1  # the rounded back


def test_the_videos_not_judged_notes_leave_out_pointers_to_the_documentation(setup):
    """QA session 9 (a real 640x360 squat filmed at 45°): the video's note ended "...too
    uncertain (README, "Back warnings"); film…": the pointer a video cannot follow pushed the
    advice out of its panel. The video leaves such pointers out; the page and the terminal
    keep the reason whole."""
    from rich.console import Console

    _, seq, series = setup
    reason = ("rounding is not judged from 45° (an oblique view): the estimate there is too "
              'uncertain (README, "Back warnings"); film from the side')
    report = make_report(twist_reason=reason)
    notes = OverlayRenderer(report, seq, series).notices_at(0)
    assert notes == ("jerky twist not assessable: rounding is not judged from 45° (an oblique "
                     "view): the estimate there is too uncertain; film from the side",)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_summary(report, {}, console)
    assert '(README, "Back warnings"); film from the side' in console.file.getvalue()


def test_evidence_ratios_are_not_shown_in_their_divisors_unit():
    """QA session 9 (a real deadlift's finding card): the evidence read "deg per bulge =
    3.6%", a ratio (3.6° of flexion per 1% of torso of bow) shown as a percentage."""
    from formcheck.render._common import evidence_rows

    f = replace(make_report().findings[0], evidence={
        "deg_per_bulge_pct": 3.59, "deg_per_lean_deg": 0.27, "bulge_pct": 16.8})
    rows = dict(evidence_rows(f))
    assert rows["degrees of flexion per % of torso of bow"] == "3.6"
    assert rows["degrees of flexion per degree of trunk lean"] == "0.27"
    assert rows["back bow at the worst frame"] == "curved out 16.8%"


def test_the_twist_angle_plot_keeps_the_twist_a_finding_is_about():
    """Session 13's note: a 0.2 s twist is a spike in the twist-angle plot, and the plot's
    robust range (2nd-98th percentile) cut it off, though the finding is about it."""
    from formcheck.render._common import robust_range
    from formcheck.render.html import _told_extremes

    t = np.arange(0.0, 20.0, 1 / 30)
    angle = np.sin(t) * 1.5
    spike = (t >= 10.0) & (t < 10.2)
    angle[spike] = 30.0
    s = Series("twist_angle", "Shoulders turned against the hips", "deg", t, angle)
    base = make_report().findings[0]
    twist = replace(base, fault="jerky_twist", start_s=10.0, end_s=10.1, peak_s=10.05,
                    evidence={"signals": ["twist_quick_turn", "twist_angle"]})
    report = replace(make_report(), findings=(twist,))
    assert robust_range(angle, [])[1] < 30.0  # what the plot showed before
    assert robust_range(angle, _told_extremes(s, report))[1] > 30.0
    # A finding that does not name the series leaves its range alone.
    other = replace(report, findings=(replace(twist, evidence={"signals": ["twist_rate"]}),))
    assert _told_extremes(s, other) == []


def test_the_lifter_out_of_the_picture_is_worded_alike_on_every_surface(tmp_path):
    """Four wordings of one fact: the notice said "out of view", live's guidance "No one in
    view", the short-set reason "in view for under", the README "in frame", while the page
    said "keep the lifter in the picture". One wording now (``report.OUT_OF_PICTURE``), the
    same in the JSON, the page, the terminal, the video's note and live's guidance; a body
    part cut off at the edge is its own fact (``report.CUT_OFF``)."""
    import io as _io

    from rich.console import Console

    from formcheck.live.guidance import assess_picture
    from formcheck.live.settings import LiveSettings
    from formcheck.render.html import render_html
    from formcheck.render.terminal import print_summary
    from formcheck.report import CUT_OFF, IN_PICTURE, OUT_OF_PICTURE

    report, seq = _with_input_notices()
    said = "the lifter was out of the picture from 1.47 s to 2.53 s"
    assert OUT_OF_PICTURE in said
    page = render_html(report, make_series(seq), {}, tmp_path / "p.html").read_text()
    buf = _io.StringIO()
    print_summary(report, {}, Console(file=buf, width=400, color_system=None))
    video = " ".join(OverlayRenderer(report, seq, make_series(seq)).input_notices_at(
        frame_at(seq, 2.0)))
    surfaces = {"json": report.to_json(), "page": page, "terminal": buf.getvalue(),
                "video": video}
    for name, text in surfaces.items():
        assert said in text, name
        assert "out of view" not in text and "in frame" not in text, name
    nobody = np.full((NUM_LANDMARKS, 2), np.nan, np.float32)
    live = assess_picture(np.full((120, 160, 3), 128, np.uint8), nobody,
                          np.zeros(NUM_LANDMARKS, np.float32), None, LiveSettings()).lines()
    assert live[0].startswith(f"No one {IN_PICTURE}: ")
    from formcheck.analysis.analyze import SHORT_SET_PREFIX
    assert IN_PICTURE in SHORT_SET_PREFIX and CUT_OFF == "cut off at the picture's edge"


def test_a_findings_times_read_the_same_on_the_terminal_and_the_page(tmp_path):
    """QA (a rounding sample through every surface): the terminal gave a finding as
    "(1.0–1.8 s, limit 20.3°)" where the page's card said "When 1.03–1.80 s"; the
    runs-through notes (page, CSV, terminal) rounded to tenths too. One form now
    (``report.finding_span``)."""
    import io as _io

    from rich.console import Console

    from formcheck.render.html import render_html
    from formcheck.render.terminal import print_summary
    from formcheck.report import finding_span, through_note

    base = make_report()
    f = replace(base.findings[0], start_s=1.0333, end_s=1.8, peak_s=1.3667)
    report = replace(base, findings=(f,))
    assert finding_span(f) == "1.03–1.80 s"
    buf = _io.StringIO()
    print_summary(report, {}, Console(file=buf, width=400, color_system=None))
    page = render_html(report, make_series(make_sequence()), {}, tmp_path / "p.html")
    assert "(1.03–1.80 s, limit " in buf.getvalue()
    assert "1.03–1.80 s (worst at 1.37 s)" in page.read_text()
    assert "(1.03–1.80 s) runs through" in through_note(f)


def test_a_bows_sign_is_worded_in_the_evidence_as_in_the_message():
    """QA (a rounding sample's card): the message said "yours, at its straightest, curved in
    (arched) 1.4%" and the evidence beneath it "your straightest bent-over frames, as
    measured -1.4%". The evidence gives a bow's direction in the message's words."""
    from formcheck.render._common import evidence_rows

    f = replace(make_report().findings[0], evidence={
        "bulge_pct": 14.3727, "neutral_bulge_pct": 2.0, "own_measured_bulge_pct": -1.4005,
        "own_neutral_bulge_pct": -0.04})
    rows = dict(evidence_rows(f))
    assert rows["back bow at the worst frame"] == "curved out 14.4%"
    assert rows["bent-over neutral"] == "curved out 2.0%"
    assert rows["your straightest bent-over frames, as measured"] == "curved in (arched) 1.4%"
    assert rows["your straightest bent-over frames, as counted"] == "straight (0.0%)"


def test_the_page_claims_an_error_bar_only_where_a_finding_gives_one(tmp_path):
    """QA (a rounding sample's page): "its error bar is in each finding" above a card whose
    evidence read "error bar of that estimate: n/a" (a rounding judged against a typical
    neutral back measures none); `analyze --help` said "(with its error bar)" too."""
    from formcheck.commands.guide import FILMING_EPILOG
    from formcheck.render._common import evidence_rows
    from formcheck.render.html import render_html

    f = replace(make_report().findings[0], evidence={"flexion_error_deg": None})
    report = replace(make_report(), findings=(f,))
    assert dict(evidence_rows(f))["error bar of that estimate"] == (
        "none measured (judged against a typical neutral back)")
    page = render_html(report, make_series(make_sequence()), {}, tmp_path / "p.html")
    assert "error bar is in each finding" not in page.read_text()
    assert "(with its error bar)" not in FILMING_EPILOG


def test_a_finding_outside_the_counted_reps_is_worded_alike_on_every_surface(tmp_path):
    """Six wordings of one fact: the finding's message said "outside a counted rep", the
    page and the video "outside reps" / "Outside reps", live's screen and voice "Outside the
    reps", live's record "outside the counted reps", check "outside any rep", batch "outside
    reps" and "outside the reps". One now (``report.OUTSIDE_REPS_WORDS``)."""
    import io as _io

    from rich.console import Console

    from formcheck.analysis.faults import where
    from formcheck.check.compare import _rep_name
    from formcheck.check.expect import OUTSIDE_REPS
    from formcheck.live.session import warning_text
    from formcheck.live.told import _rep_words
    from formcheck.render._common import finding_short_text, finding_where
    from formcheck.render.html import render_html
    from formcheck.render.terminal import print_summary
    from formcheck.report import OUTSIDE_REPS_WORDS

    words = "outside the counted reps"
    assert OUTSIDE_REPS_WORDS == words
    base = make_report()
    f = replace(base.findings[0], rep=None, phase=None,
                message=f"Rounded back {where(None, None)}: back rounded")
    report = replace(base, findings=(f,))
    page = render_html(report, make_series(make_sequence()), {}, tmp_path / "p.html")
    buf = _io.StringIO()
    print_summary(report, {}, Console(file=buf, width=400, color_system=None))
    said = {"message": f.message, "where": finding_where(f),
            "banner": finding_short_text(f), "page": page.read_text(),
            "terminal": buf.getvalue(), "live": warning_text(f).lower(),
            "record": _rep_words(None), "check": _rep_name(OUTSIDE_REPS)}
    for name, text in said.items():
        assert words in text, name
        for old in ("outside a counted rep", "outside reps", "outside the reps",
                    "outside any rep"):
            assert old not in text.lower(), (name, old)
