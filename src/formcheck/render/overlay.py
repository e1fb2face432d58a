"""The annotated video: skeleton, trunk and back outline coloured by the report's findings, a
banner per finding, rep counter and phase, a sparkline of the deciding signal, notices for
faults this view cannot judge and, in short, the caveats on the verdicts it did judge.

Everything shown is read from the ``Report`` (findings' own intervals, reps, assessments) and the
``Series``; nothing here thresholds a signal, so the overlay cannot flicker on its own. All
per-frame state is precomputed in ``__init__``; ``draw`` only reads it, so frames may be drawn in
any order or in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.series import Series
from formcheck.errors import ConfigError, ShapeError
from formcheck.pose.landmarks import NUM_LANDMARKS, SKELETON_EDGES, Landmark
from formcheck.pose.sequence import POSED_AT_KEY, PoseSequence
from formcheck.render._common import (
    NOT_ASSESSABLE,
    assessment_for,
    capitalized,
    caveat_text,
    fault_title,
    finding_short_text,
    finding_text,
    format_limit,
    format_reading,
    not_judged_short_texts,
    not_judged_text,
    notice_text,
    robust_range,
    severity_rank,
    value_text,
)
from formcheck.render._text import (
    fill_rect,
    fit_cache_to_frame,
    fit_text,
    put_lines,
    put_text,
    text_size,
    wrap_text,
)
from formcheck.report import FAULTS, NOT_ASSESSABLE_WORDS, Report

BGR = tuple[int, int, int]

#: Faults whose status colours the trunk line and the back outline.
BACK_FAULTS: tuple[str, ...] = ("rounded_back", "lumbar_overextension")
#: Faults whose status colours the shoulder and hip lines.
TWIST_FAULTS: tuple[str, ...] = ("jerky_twist",)

#: Status codes of the per-frame tables: not assessable, ok, then 1 + severity rank.
_CODE_NOT_ASSESSABLE = -1
_CODE_OK = 0

#: Report times are rounded (to 0.1 ms in JSON): a frame this close to an interval's edge
#: counts as inside, so a finding's first and last frames stay coloured after a JSON round trip.
_TIME_TOLERANCE_S = 1e-3

_L = Landmark
_SHOULDERS = (_L.LEFT_SHOULDER, _L.RIGHT_SHOULDER)
_HIPS = (_L.LEFT_HIP, _L.RIGHT_HIP)
_TWIST_EDGES = {_SHOULDERS, _HIPS}
#: The landmarks that outline the torso, which the panels keep clear of (with the back outline).
_TORSO = np.array([*_SHOULDERS, *_HIPS], dtype=np.intp)
#: The face's drawn landmarks: with the torso, the part a narrow frame's banners keep clear
#: of (a warning over the lifter's head and shoulders hides what it warns about).
_HEAD_EDGES = tuple(k for k, (a, b) in enumerate(SKELETON_EDGES)
                    if a <= _L.RIGHT_EAR and b <= _L.RIGHT_EAR)
#: Joints that get a dot (the body, not the face).
_JOINTS = tuple(range(_L.LEFT_SHOULDER, len(_L)))
_JOINT_IDX = np.array(_JOINTS, dtype=np.intp)
#: Ends of each skeleton edge, and which edges are the twist's (drawing looks them up by edge).
_EDGE_A = np.array([a for a, _ in SKELETON_EDGES], dtype=np.intp)
_EDGE_B = np.array([b for _, b in SKELETON_EDGES], dtype=np.intp)
_IS_TWIST_EDGE = tuple((a, b) in _TWIST_EDGES for a, b in SKELETON_EDGES)
#: The landmarks the overlay draws (edge ends and joints; 27 of 33), and where each edge's ends
#: and each joint sit among them.
_DRAWN = np.array(sorted({*_JOINTS, *_EDGE_A.tolist(), *_EDGE_B.tolist()}), dtype=np.intp)
_AT = np.full(NUM_LANDMARKS, -1, dtype=np.intp)
_AT[_DRAWN] = np.arange(len(_DRAWN))
_EDGE_AT = tuple(zip(_AT[_EDGE_A].tolist(), _AT[_EDGE_B].tolist(), strict=True))
_JOINT_AT = _AT[_JOINT_IDX].tolist()
#: Panel texts whose layout a renderer keeps (a clip shows a few dozen: its notices,
#: caveats, banners and rep counters); past this the memo starts again.
_LAID_OUT_SIZE = 512
#: Frames ``DrawnPoses.of`` prepares at a time (bounds its temporaries: ~2 MB).
_PREPARE_CHUNK = 4096


@dataclass(frozen=True)
class OverlayStyle:
    """How the overlay looks. Sizes are fractions of ``min(width, height)`` so a 360p and a 4K
    video look the same; colours are BGR."""

    min_visibility: float = 0.5  # edges at or above: solid
    faint_visibility: float = 0.2  # edges between this and min_visibility: thin and grey
    banner_hold_s: float = 2.0  # a banner stays this long after its finding ends
    max_banners: int = 2
    #: Lines a banner / a "not assessable" notice may wrap onto before its text is shrunk (and,
    #: only past ``min_text_px``, cut): the reasons say what to do, so they must be readable.
    banner_max_lines: int = 3
    notice_max_lines: int = 5
    #: A caveat's short form (``caveat_text``) is drawn on at most this many lines.
    caveat_max_lines: int = 6
    #: Rows at the top-right kept for the caller's own panel (the live window's status line
    #: beside the rep counter): the caveats start under them.
    caveat_top_px: int = 0
    #: The report's notices about the input (``report.Notice``: a camera cut, the lifter out
    #: of view, a gap in the recording, …) are drawn bottom-left on the frames they concern
    #: and this long after, so they can be read; one with a single time (the file cut short,
    #: at its last frame) this long either side of it.
    input_notice_hold_s: float = 3.0
    #: Notices about the whole clip (no time: the camera tilted, other people in the
    #: picture) are drawn over its first this many seconds.
    clip_notice_s: float = 6.0
    #: The caveats and the "not assessable" notices move beside the lifter's torso (the part
    #: being judged) when they would cover it and the free side is at least this many text
    #: heights wide; narrower, they stay where they are (a frame filled by the lifter).
    side_min_width_em: float = 10.0
    #: A frame narrower than this many text heights (a 166 px wide phone crop) has no room
    #: for the panels side by side: the gauge spans the bottom with a short label and its
    #: reading never cut (on two lines if need be), the caveats are left out and the "not
    #: assessable" notices become one panel naming the faults (their full words are on the page,
    #: in the JSON, the CSV and the terminal).
    narrow_max_em: float = 24.0
    #: Rows at the top kept free for the caller's own panel (the live window's status line
    #: when it does not fit beside the rep counter): the counter and banners start under them.
    top_reserve_px: int = 0
    #: A banner's short form (for a frame too narrow for its message) names the rep. The live
    #: window turns it off while its rep numbers may not be the record's.
    banner_rep_numbers: bool = True
    #: The rep counter numbers the reps ("Rep 2/3 · lowering", "3/3 reps done"). The live
    #: window turns it off while the exercise is not recognised: the set so far is then counted
    #: on a guessed movement, which the record may count otherwise; the counter then reads
    #: ``UNCOUNTED_REPS_TEXT``.
    counter_numbers: bool = True
    sparkline_window_s: float = 3.0
    text_frac: float = 0.036  # body text height
    min_text_px: int = 13
    line_frac: float = 0.005  # skeleton line width
    margin_frac: float = 0.02
    panel_alpha: float = 0.6
    banner_alpha: float = 0.88
    held_banner_alpha: float = 0.6
    ok_bgr: BGR = (80, 200, 60)
    mild_bgr: BGR = (0, 200, 255)
    moderate_bgr: BGR = (0, 130, 255)
    severe_bgr: BGR = (40, 40, 230)
    not_assessable_bgr: BGR = (165, 165, 165)
    skeleton_bgr: BGR = (240, 240, 240)
    faint_bgr: BGR = (125, 125, 125)
    joint_bgr: BGR = (255, 190, 90)
    text_bgr: BGR = (255, 255, 255)
    muted_text_bgr: BGR = (205, 205, 205)
    panel_bgr: BGR = (25, 25, 25)
    curve_bgr: BGR = (255, 210, 120)
    threshold_bgr: BGR = (200, 200, 200)

    def __post_init__(self) -> None:
        if not 0.0 <= self.faint_visibility <= self.min_visibility <= 1.0:
            raise ConfigError(
                "overlay style needs 0 <= faint_visibility <= min_visibility <= 1, got "
                f"{self.faint_visibility} and {self.min_visibility}; fix the style values"
            )
        if (self.banner_hold_s < 0 or self.sparkline_window_s <= 0 or self.max_banners < 0
                or self.input_notice_hold_s < 0 or self.clip_notice_s < 0):
            raise ConfigError(
                "overlay style needs banner_hold_s >= 0, sparkline_window_s > 0, "
                "max_banners >= 0, input_notice_hold_s >= 0 and clip_notice_s >= 0; fix the "
                "style values"
            )

    def severity_bgr(self, severity: str) -> BGR:
        return (self.mild_bgr, self.moderate_bgr, self.severe_bgr)[severity_rank(severity)]

    def code_bgr(self, code: int) -> BGR:
        if code == _CODE_NOT_ASSESSABLE:
            return self.not_assessable_bgr
        if code == _CODE_OK:
            return self.ok_bgr
        return (self.mild_bgr, self.moderate_bgr, self.severe_bgr)[code - 1]


class _Geometry:
    """What the overlay draws of frames ``[start, stop)`` of a pose sequence, in pixels: the
    drawn landmarks rounded as drawn (0 where not finite), which skeleton edges and joints are
    drawn (and solid), the trunk line's ends, the back outline rounded, and where each is
    finite. Every test is the same float32 comparison and every rounding the same as drawing
    made from the landmarks one frame at a time, so the pixels are the same."""

    def __init__(self, xy: np.ndarray, vis: np.ndarray, back: np.ndarray | None,
                 style: OverlayStyle) -> None:
        finite = np.isfinite(xy)
        self.person = finite.any(axis=(1, 2))
        ok_pt = finite.all(axis=2)
        pts = np.rint(xy[:, _DRAWN].astype(np.float64))
        self.points = np.where(ok_pt[:, _DRAWN, None], pts, 0.0).astype(np.int64)
        va, vb = vis[:, _EDGE_A], vis[:, _EDGE_B]
        v = np.where(vb < va, vb, va)  # min(va, vb) as Python's min takes it (NaN kept first)
        self.drawn = ok_pt[:, _EDGE_A] & ok_pt[:, _EDGE_B] & (v >= style.faint_visibility)
        self.solid = v >= style.min_visibility
        self.dots = ok_pt[:, _JOINT_IDX] & (vis[:, _JOINT_IDX] >= style.min_visibility)
        shoulder = xy[:, list(_SHOULDERS)].mean(axis=1)
        hip = xy[:, list(_HIPS)].mean(axis=1)
        ends = np.concatenate([shoulder, hip], axis=1)
        self.trunk_ok = np.isfinite(ends).all(axis=1)
        self.trunk = np.where(self.trunk_ok[:, None], np.round(ends.astype(np.float64)),
                              0.0).astype(np.int64)
        if back is None:
            self.back = self.back_ok = None
        else:
            self.back_ok = np.isfinite(back).all(axis=2)
            self.back = np.where(self.back_ok[..., None], np.round(back), 0).astype(np.int32)

    def flags(self) -> np.ndarray:
        """The yes/no facts of each frame in one row: person, trunk, edges drawn, edges solid,
        joints, back points."""
        parts = [self.person[:, None], self.trunk_ok[:, None], self.drawn, self.solid, self.dots]
        if self.back_ok is not None:
            parts.append(self.back_ok)
        return np.concatenate(parts, axis=1)


class DrawnPoses:
    """A pose sequence reduced to what the overlay draws, for a render pass over a long clip:
    the times, and per frame the drawn landmarks, trunk line and back outline as whole pixels
    (16-bit where they fit, as they do unless a point lies 32,767 px off the frame) and one bit
    for each yes/no fact (about 200 bytes a frame instead of the 540 the drawn float columns
    take: 3.7 instead of 9.7 MB for 10 minutes at 30 fps). Drawn with ``OverlayRenderer``, it
    gives the same pixels as the sequence it came from. The edges' and joints' visibility tests
    are made for one style's ``min_visibility`` and ``faint_visibility`` (the overlay refuses
    another)."""

    def __init__(self, seq: PoseSequence, style: OverlayStyle | None = None) -> None:
        style = style or OverlayStyle()
        self.t_s = seq.t_s
        self.width, self.height = seq.width, seq.height
        #: Frames where the picture jumps (``PoseSequence.picture_cut``; None: not known), for
        #: the picture-cut notice's moments.
        self.cut_frames = _cut_frames(seq)
        self.min_visibility = style.min_visibility
        self.faint_visibility = style.faint_visibility
        n = len(seq)
        k = None if seq.back_xy is None else seq.back_xy.shape[1]
        self._nflags = 2 + 2 * len(SKELETON_EDGES) + len(_JOINTS) + (k or 0)
        self.points = np.zeros((n, len(_DRAWN), 2), dtype=np.int16)
        self.trunk = np.zeros((n, 4), dtype=np.int16)
        self.back = None if k is None else np.zeros((n, k, 2), dtype=np.int16)
        self.flags = np.zeros((n, -(-self._nflags // 8)), dtype=np.uint8)
        for a in range(0, n, _PREPARE_CHUNK):
            b = min(n, a + _PREPARE_CHUNK)
            g = _Geometry(seq.image_xy[a:b], seq.visibility[a:b],
                          None if k is None else seq.back_xy[a:b], style)
            self.points = _put(self.points, a, g.points)
            self.trunk = _put(self.trunk, a, g.trunk)
            if k is not None:
                self.back = _put(self.back, a, g.back)
            self.flags[a:b] = np.packbits(g.flags(), axis=1)
        for arr in (self.points, self.trunk, self.back, self.flags):
            if arr is not None:
                arr.setflags(write=False)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held (the times included)."""
        return sum(a.nbytes for a in (self.t_s, self.points, self.trunk, self.back, self.flags,
                                      self.cut_frames) if a is not None)

    def torso_boxes(self, rows: np.ndarray | None = None) -> np.ndarray:
        """``(n, 4)`` box (x0, y0, x1, y1) of each frame's torso as drawn: the shoulders and
        hips drawn with a dot and the back outline's points (NaN: none). The same boxes as
        ``torso_boxes`` gives for the sequence these poses were made from. ``rows``: only
        these frames' boxes (frame indices), in that order."""
        sel = slice(None) if rows is None else rows
        bits = np.unpackbits(self.flags[sel], axis=1, count=self._nflags).astype(bool)
        e, j = len(SKELETON_EDGES), len(_JOINTS)
        joint_col = {lm: k for k, lm in enumerate(_JOINTS)}
        ok = bits[:, [2 + 2 * e + joint_col[int(lm)] for lm in _TORSO]]
        back = back_ok = None
        if self.back is not None:
            back, back_ok = self.back[sel], bits[:, 2 + 2 * e + j:]
        return _boxes(self.points[sel][:, _AT[_TORSO]], ok, back, back_ok)

    def frame(self, index: int) -> _Frame:
        bits = np.unpackbits(self.flags[index], count=self._nflags).astype(bool)
        return _Frame.of(bits, self.points[index], self.trunk[index],
                         None if self.back is None else self.back[index])


def _cut_frames(seq: PoseSequence | DrawnPoses) -> np.ndarray | None:
    """Indices of the frames where the picture jumps (None: the sequence does not say)."""
    if isinstance(seq, DrawnPoses):
        return seq.cut_frames
    cut = getattr(seq, "picture_cut", None)
    return None if cut is None else np.flatnonzero(np.asarray(cut, dtype=bool))


def torso_boxes(seq: PoseSequence | DrawnPoses, style: OverlayStyle,
                rows: np.ndarray | None = None) -> np.ndarray:
    """``(n, 4)`` box (x0, y0, x1, y1) in pixels of each frame's torso as the overlay draws
    it (NaN where none is drawn): shoulders and hips seen well enough for a dot, and the back
    outline, rounded as drawn. ``rows``: only these frames' boxes (frame indices), in that
    order."""
    if isinstance(seq, DrawnPoses):
        return seq.torso_boxes(rows)
    sel = slice(None) if rows is None else rows
    pts = np.rint(seq.image_xy[sel][:, _TORSO].astype(np.float64))
    ok = np.isfinite(pts).all(axis=2) & (seq.visibility[sel][:, _TORSO] >= style.min_visibility)
    back = back_ok = None
    if seq.back_xy is not None:
        back_xy = seq.back_xy[sel]
        back_ok = np.isfinite(back_xy).all(axis=2)
        back = np.round(back_xy)
    return _boxes(pts, ok, back, back_ok)


def head_boxes(seq: PoseSequence | DrawnPoses, style: OverlayStyle,
               rows: np.ndarray | None = None) -> np.ndarray:
    """``(n, 4)`` box (x0, y0, x1, y1) in pixels of each frame's head as the overlay draws it
    (NaN where none is drawn solid): the ends of the face's solid lines (ears, eyes, nose).
    The same from a sequence and from the poses drawn from it. ``rows``: only these
    frames."""
    sel = slice(None) if rows is None else rows
    e = len(SKELETON_EDGES)
    if isinstance(seq, DrawnPoses):
        bits = np.unpackbits(seq.flags[sel], axis=1, count=seq._nflags).astype(bool)
        points, drawn, solid = seq.points[sel], bits[:, 2:2 + e], bits[:, 2 + e:2 + 2 * e]
    else:
        g = _Geometry(seq.image_xy[sel], seq.visibility[sel], None, style)
        points, drawn, solid = g.points, g.drawn, g.solid
    on = drawn & solid
    ends, ok = [], []
    for k in _HEAD_EDGES:
        for at in _EDGE_AT[k]:
            ends.append(points[:, at])
            ok.append(on[:, k])
    return _boxes(np.stack(ends, axis=1).astype(np.float64), np.stack(ok, axis=1), None, None)


def _boxes(pts: np.ndarray, ok: np.ndarray, back: np.ndarray | None,
           back_ok: np.ndarray | None) -> np.ndarray:
    """Per row, the box around the points where ``ok`` (NaN: none)."""
    if back is not None:
        pts = np.concatenate([pts, back], axis=1)
        ok = np.concatenate([ok, back_ok], axis=1)
    x = np.where(ok, pts[..., 0], np.nan)
    y = np.where(ok, pts[..., 1], np.nan)
    return np.stack([np.fmin.reduce(x, axis=1), np.fmin.reduce(y, axis=1),
                     np.fmax.reduce(x, axis=1), np.fmax.reduce(y, axis=1)], axis=1)


def _put(dest: np.ndarray, at: int, rows: np.ndarray) -> np.ndarray:
    """``rows`` written into ``dest`` from row ``at``; ``dest`` is widened first (int16 →
    int32 → int64) if a value does not fit, so no value is ever cut."""
    if rows.size and (rows.min() < np.iinfo(dest.dtype).min
                      or rows.max() > np.iinfo(dest.dtype).max):
        wide = np.int32 if (rows.min() >= np.iinfo(np.int32).min
                            and rows.max() <= np.iinfo(np.int32).max) else np.int64
        if np.dtype(wide).itemsize > dest.itemsize:
            dest = dest.astype(wide)
    dest[at:at + len(rows)] = rows
    return dest


@dataclass(frozen=True)
class _Frame:
    """One frame's drawing facts as plain Python values (what the OpenCV calls take)."""

    person: bool
    points: list  # [x, y] per drawn landmark
    drawn: list
    solid: list
    dots: list
    trunk: tuple[tuple[int, int], tuple[int, int]] | None
    back: np.ndarray | None  # (K, 2) int32
    back_ok: np.ndarray | None

    @classmethod
    def of(cls, bits: np.ndarray, points: np.ndarray, trunk: np.ndarray,
           back: np.ndarray | None) -> _Frame:
        e, j = len(SKELETON_EDGES), len(_JOINTS)
        at = 2
        drawn, solid = bits[at:at + e].tolist(), bits[at + e:at + 2 * e].tolist()
        dots = bits[at + 2 * e:at + 2 * e + j].tolist()
        x0, y0, x1, y1 = trunk.tolist()
        return cls(person=bool(bits[0]), points=points.tolist(), drawn=drawn, solid=solid,
                   dots=dots, trunk=((x0, y0), (x1, y1)) if bits[1] else None,
                   back=None if back is None else back.astype(np.int32),
                   back_ok=None if back is None else bits[at + 2 * e + j:])


@dataclass(frozen=True)
class _Layout:
    """Pixel sizes for one frame size."""

    px: int
    line: int
    margin: int
    pad: int

    @classmethod
    def for_frame(cls, width: int, height: int, style: OverlayStyle) -> _Layout:
        short = min(width, height)
        px = max(style.min_text_px, round(style.text_frac * short))
        return cls(px=px, line=max(1, round(style.line_frac * short)),
                   margin=max(4, round(style.margin_frac * short)), pad=max(3, px // 4))


#: The widest rep counter the overlay draws in practice (top-left), for a caller that needs
#: to keep clear of it (the live window's status line).
WIDEST_COUNTER_TEXT = "Rep 10/10 · lowering"
#: The rep counter while its reps may not be the record's (``OverlayStyle.counter_numbers``
#: off): no number, no phase (both come from the guessed movement), and why. No wider than
#: ``WIDEST_COUNTER_TEXT``, so the room kept for the counter holds it.
UNCOUNTED_REPS_TEXT = "Reps: lift unknown"


def counter_room(width: int, height: int, style: OverlayStyle) -> int:
    """Pixels from the frame's left edge that the rep counter (``WIDEST_COUNTER_TEXT``) and
    the gap after it take on a ``width`` x ``height`` frame."""
    lay = _Layout.for_frame(width, height, style)
    w, _ = text_size(WIDEST_COUNTER_TEXT, round(lay.px * 1.15), True)
    return lay.margin + w + 2 * lay.pad + lay.pad


def _widened(box: tuple[int, int, int, int] | None, lay: _Layout
              ) -> tuple[int, int, int, int] | None:
    """A body part's box (x0, y0, x1, y1) widened by the thick lines drawn over it and a gap,
    the room a panel keeps from it (None: not seen)."""
    if box is None:
        return None
    g = lay.pad + 2 * lay.line
    return box[0] - g, box[1] - g, box[2] + g, box[3] + g


def left_out_text(not_judged: int, notes: int) -> str:
    """The line a narrow frame shows in place of the notices it has no room for outside the
    lifter's head and torso: what was left out and where to read it."""
    parts = ([capitalized(NOT_ASSESSABLE_WORDS)] if not_judged else []) + (
        [f"{notes} note{'s' if notes != 1 else ''}"] if notes else [])
    return ", ".join(parts) + ": see the report"


def _code_name(code: int) -> str:
    if code == _CODE_NOT_ASSESSABLE:
        return NOT_ASSESSABLE
    if code == _CODE_OK:
        return "ok"
    return ("mild", "moderate", "severe")[code - 1]


class OverlayRenderer:
    """Draws one report over the frames of the video it was computed from.

    ``draw(frame, i)`` draws in place on frame ``i`` (BGR uint8, ``seq.height x seq.width``) and
    returns it; copy the frame first if the original is still needed.
    """

    def __init__(self, report: Report, seq: PoseSequence | DrawnPoses,
                 series: dict[str, Series] | None = None, *,
                 style: OverlayStyle | None = None) -> None:
        self.report = report
        self.seq = seq
        self.series = {s.name: s for s in (series or {}).values()}
        self.style = style or OverlayStyle()
        if isinstance(seq, DrawnPoses) and (
                (seq.min_visibility, seq.faint_visibility)
                != (self.style.min_visibility, self.style.faint_visibility)):
            raise ConfigError(
                "the drawn poses were prepared for visibility limits "
                f"{seq.min_visibility}/{seq.faint_visibility}, the overlay style has "
                f"{self.style.min_visibility}/{self.style.faint_visibility}; prepare them "
                "with the same style")
        fit_cache_to_frame(seq.width, seq.height)
        #: Panels' texts as wrapped and measured (``_panel_box``); frames drawn on several
        #: threads at most lay out a text twice.
        self._laid_out: dict[tuple, tuple[tuple[str, ...], int, int, int]] = {}
        t = seq.t_s
        reps = report.reps

        # Rep and phase of every frame (-1: none), and how many reps ended before it.
        self._rep_of_frame, self._phase_of_frame, self._phase_names = frame_reps(report, t)
        ends = np.sort(np.array([r.end_s for r in reps], dtype=np.float64))
        # Where the torso was in each rep (and outside them): the panels keep clear of it.
        # Filled per rep context when first asked (``torso_box_at``): the live window makes a
        # renderer for each frame and draws only that one frame's rep.
        self._torso_box: dict[int, tuple[int, int, int, int] | None] = {}
        self._body_box: dict[int, tuple[int, int, int, int] | None] = {}  # head + torso
        # (int32 tables: a long clip's frames, not its reps, make them large.)
        self._reps_done = np.searchsorted(ends, t, side="left").astype(np.int32)

        # Findings: shown from start_s; held banner_hold_s past end_s, but a held banner gives
        # way as soon as a later finding starts, so two reps' banners never mix.
        fs = report.findings
        self._f_start = np.array([f.start_s for f in fs], dtype=np.float64) - _TIME_TOLERANCE_S
        self._f_end = np.array([max(f.end_s, f.start_s) for f in fs],
                               dtype=np.float64) + _TIME_TOLERANCE_S
        hold_end = self._f_end + self.style.banner_hold_s
        for i in range(len(fs)):
            later = self._f_start[self._f_start > self._f_start[i]]
            if later.size:
                hold_end[i] = max(self._f_end[i], min(hold_end[i], later.min()))
        self._f_show_end = hold_end

        # The report's notices about the input: each one's line and the frames it shows on.
        self._input_notices, self._input_notice_on, self._input_notices_short = (
            self._input_notice_table())

        # Per-frame status of the back (trunk line, outline) and of the twist (shoulder/hip lines).
        self._back_code = self._status_table(BACK_FAULTS)
        self._twist_code = self._status_table(TWIST_FAULTS)

        # Notices and the default gauge per rep context (-1: outside any rep).
        # Caveats: the short form of what each judged verdict there cannot rule out.
        self._notices: dict[int, tuple[str, ...]] = {}
        #: Each notice's shorter forms (``not_judged_short_texts``), for when it is too long.
        self._notices_short: dict[int, tuple[tuple[str, str], ...]] = {}
        self._not_judged: dict[int, tuple[str, ...]] = {}  # their faults
        self._caveats: dict[int, tuple[str, ...]] = {}
        self._default_fault: dict[int, str | None] = {}
        self._series_by_fault = self._pick_series()
        for k in range(-1, len(reps)):
            rep_no = reps[k].index if k >= 0 else None
            notices, caveats, default, not_judged, short = [], [], None, [], {}
            for fault in FAULTS:
                a = assessment_for(report, fault, rep_no)
                if a is not None and not a.assessable:
                    notices.append(not_judged_text(fault, a.reason, video=True))
                    short[notices[-1]] = not_judged_short_texts(fault, a.reason)
                    not_judged.append(fault)
                    continue
                if a is not None and a.reason:
                    caveats.append(caveat_text(fault, a.reason))
                if default is None and fault in self._series_by_fault:
                    default = fault
            self._notices[k] = tuple(dict.fromkeys(notices))
            self._notices_short[k] = tuple(short[t] for t in self._notices[k])
            self._not_judged[k] = tuple(not_judged)
            self._caveats[k] = tuple(dict.fromkeys(caveats))
            self._default_fault[k] = default

        # Per gauge series: the sample shown at each frame, which samples lie in a finding
        # decided on it, and its vertical range (its limit and those findings' peaks in view).
        self._finding_series = [self.series_of_finding(i) for i in range(len(fs))]
        self._sample_of_frame: dict[str, np.ndarray] = {}
        self._sample_code: dict[str, np.ndarray] = {}
        self._y_range: dict[str, tuple[float, float]] = {}
        for name, s in self.series.items():
            if s.fault is None:
                continue
            self._sample_of_frame[name] = (np.searchsorted(s.t_s, t, side="right")
                                           - 1).astype(np.int32)
            code = np.zeros(s.t_s.shape, dtype=np.int8)
            peaks = []
            for f, on in zip(fs, self._finding_series, strict=True):
                if on == name:
                    inside = _within(s.t_s, f.start_s, f.end_s)
                    code[inside] = np.maximum(code[inside], 1 + severity_rank(f.severity))
                    peaks.append(f.value)
            if s.judged is not None:  # not judged there: drawn faint, whatever its value
                code[~s.judged & (code == _CODE_OK)] = _CODE_NOT_ASSESSABLE
            self._sample_code[name] = code
            self._y_range[name] = robust_range(s.values, [*(s.limit_span() or ()), *peaks])

    # ------------------------------------------------------------------ tables
    def _status_table(self, faults: tuple[str, ...]) -> np.ndarray:
        code = np.full(len(self.seq), _CODE_OK, dtype=np.int8)
        for k in range(-1, len(self.report.reps)):
            rep_no = self.report.reps[k].index if k >= 0 else None
            judged = [assessment_for(self.report, f, rep_no) for f in faults]
            if all(a is not None and not a.assessable for a in judged):
                code[self._rep_of_frame == k] = _CODE_NOT_ASSESSABLE
        # Inside a rep that is judged, a frame no rule of these faults judged (upright, the
        # elbows over the outline, outside every rep) is not drawn "ok": only a judged frame
        # can be. Where any of these faults has no series saying which frames it judged,
        # every frame keeps its rep's status.
        t = self.seq.t_s
        with_mask = [s for s in self.series.values() if s.fault in faults and s.judged is not None]
        if {s.fault for s in with_mask} == set(faults):
            judged = np.zeros(len(code), dtype=bool)
            for s in with_mask:  # by time: a live window draws the last frames of its series
                judged |= np.isin(t, s.t_s[s.judged])
            code[~judged & (code == _CODE_OK)] = _CODE_NOT_ASSESSABLE
        for f in self.report.findings:
            if f.fault in faults:
                inside = _within(t, f.start_s, f.end_s)
                code[inside] = np.maximum(code[inside], 1 + severity_rank(f.severity))
        return code

    def _input_notice_table(self) -> tuple[tuple[str, ...], np.ndarray, tuple[str, ...]]:
        """The video's line of each of the report's notices (``notice_text``: the page's
        words), per notice the frames it is drawn on, and each one's line on a narrow frame
        (its first clause). The frames: a stretch (``start_s``–``end_s``:
        the lifter out of view, a gap in the recording, frames read upside down) from its
        start to ``input_notice_hold_s`` past its end; a picture cut at each jump the sequence
        marks (else at the first and last the notice gives) and that long after; a single
        time (the file cut short, at its last frame) that long either side; a notice about
        the whole clip over its first ``clip_notice_s``; frames posed scaled down
        (``POSED_AT_KEY``) on none: it says how the pose model read them, not what they show."""
        st = self.style
        t = self.seq.t_s
        notices = self.report.notices
        on = np.zeros((len(notices), len(t)), dtype=bool)
        if not len(t):
            return tuple(notice_text(n.message) for n in notices), on, ()
        hold = st.input_notice_hold_s
        cuts = _cut_frames(self.seq)
        for k, n in enumerate(notices):
            if n.kind == POSED_AT_KEY:
                continue  # how the pose pass read the frames: the page's and the record's
            if n.kind == "picture_cut" and n.start_s is not None:
                at = (t[cuts] if cuts is not None and cuts.size
                      else [x for x in (n.start_s, n.end_s) if x is not None])
                for c in at:
                    on[k, _span(t, float(c), float(c) + hold)] = True
            elif n.start_s is not None and n.end_s is not None:
                on[k, _span(t, n.start_s, max(n.end_s, n.start_s) + hold)] = True
            elif n.start_s is not None:
                on[k, _span(t, n.start_s - hold, n.start_s + hold)] = True
            else:
                on[k, _span(t, float(t[0]), float(t[0]) + st.clip_notice_s)] = True
        return (tuple(notice_text(n.message) for n in notices), on,
                tuple(notice_text(n.message, short=True) for n in notices))

    def _pick_series(self) -> dict[str, Series]:
        """The signal drawn for each fault between findings: of its series with a threshold,
        the one that came closest to its limit on the frames it judged (a fault decided two
        ways has two); else its first series."""
        out: dict[str, Series] = {}
        for fault in FAULTS:
            cands = [s for s in self.series.values() if s.fault == fault]
            with_thr = [s for s in cands if s.has_limit]
            if with_thr:
                out[fault] = max(with_thr, key=_closest_to_limit)  # first on ties
            elif cands:
                out[fault] = cands[0]
        return out

    def series_of_finding(self, i: int) -> str | None:
        """Name of the series finding ``i`` was decided on (``evidence["series"]``), else its
        fault's default gauge; None when neither was given."""
        f = self.report.findings[i]
        name = f.evidence.get("series") if isinstance(f.evidence, dict) else None
        if name in self.series and self.series[name].fault == f.fault:
            return name
        default = self._series_by_fault.get(f.fault)
        return default.name if default is not None else None

    # ------------------------------------------------------------------ queries
    def banners_at(self, index: int) -> tuple[int, ...]:
        """Indices into ``report.findings`` whose banner shows on frame ``index``: findings in
        progress first (oldest first), then held ones (most recently ended first)."""
        if not len(self._f_start):
            return ()
        t = self.seq.t_s[index]
        active = np.flatnonzero((self._f_start <= t) & (t <= self._f_end))
        held = np.flatnonzero((self._f_end < t) & (t <= self._f_show_end))
        active = active[np.argsort(self._f_start[active], kind="stable")]
        held = held[np.argsort(-self._f_end[held], kind="stable")]
        order = [int(i) for i in np.concatenate([active, held])]
        return tuple(order[: self.style.max_banners])

    def input_notices_at(self, index: int, short: bool = False) -> tuple[str, ...]:
        """The lines (``notice_text``) of the report's notices about the input drawn on frame
        ``index`` (``_input_notice_table`` says which frames each one concerns); ``short``:
        their first clauses, for a narrow frame."""
        if not len(self._input_notices):
            return ()
        texts = self._input_notices_short if short else self._input_notices
        return tuple(texts[k] for k in np.flatnonzero(self._input_notice_on[:, index]).tolist())

    def notices_at(self, index: int) -> tuple[str, ...]:
        """"… not assessable: reason" lines (``not_judged_text``) for the faults this frame's rep
        cannot be judged on."""
        return self._notices[int(self._rep_of_frame[index])]

    def narrow(self, width: int, lay: _Layout) -> bool:
        """Whether a frame ``width`` wide gets the narrow layout (``narrow_max_em``)."""
        return width < self.style.narrow_max_em * lay.px

    def narrow_notice_at(self, index: int) -> str | None:
        """The narrow layout's one notice: the faults this frame's rep cannot be judged on."""
        faults = self._not_judged[int(self._rep_of_frame[index])]
        names = ", ".join(fault_title(f) for f in faults)
        return f"{capitalized(NOT_ASSESSABLE_WORDS)}: {names}" if faults else None

    def caveats_at(self, index: int) -> tuple[str, ...]:
        """The short form (``caveat_text``) of the caveats on the faults this frame's rep (or,
        outside the reps, the clip) was judged on."""
        return self._caveats[int(self._rep_of_frame[index])]

    def status_at(self, index: int) -> dict[str, str]:
        """Colour status of the back and the twist lines: ok, mild/moderate/severe or
        not_assessable."""
        return {"back": _code_name(int(self._back_code[index])),
                "twist": _code_name(int(self._twist_code[index]))}

    def gauge_fault_at(self, index: int) -> str | None:
        """The fault whose signal the sparkline shows: the top banner's, else the first judged."""
        name = self.gauge_series_at(index)
        return self.series[name].fault if name is not None else None

    def gauge_series_at(self, index: int) -> str | None:
        """The series the sparkline shows: the one the top banner's finding was decided on
        (so the gauge shows that finding's quantity and limit), else the first judged fault's
        default."""
        for i in self.banners_at(index):
            if self._finding_series[i] is not None:
                return self._finding_series[i]
        fault = self._default_fault[int(self._rep_of_frame[index])]
        return self._series_by_fault[fault].name if fault is not None else None

    # ------------------------------------------------------------------ drawing
    def draw(self, frame_bgr: np.ndarray, index: int) -> np.ndarray:
        """Draw frame ``index``'s overlay onto ``frame_bgr`` (in place) and return it."""
        self._check(frame_bgr, index)
        h, w = frame_bgr.shape[:2]
        lay = _Layout.for_frame(w, h, self.style)
        self._draw_body(frame_bgr, index, lay)
        self._draw_hud(frame_bgr, index, lay)
        gauge = self.gauge_series_at(index)
        if gauge is not None:
            self._draw_sparkline(frame_bgr, index, gauge, lay)
        return frame_bgr

    def _check(self, frame: np.ndarray, index: int) -> None:
        want = (self.seq.height, self.seq.width, 3)
        sized = self.seq.width > 0 and self.seq.height > 0
        if (frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8
                or (sized and frame.shape != want)):
            size = f"({want[0]}, {want[1]}, 3)" if sized else "(H, W, 3)"
            raise ShapeError(f"overlay frame must be uint8 of shape {size}, "
                             f"got {frame.dtype} {frame.shape}")
        if not 0 <= index < len(self.seq):
            raise ShapeError(f"frame index {index} is outside the sequence's "
                             f"{len(self.seq)} frames")

    def _frame(self, index: int) -> _Frame:
        seq = self.seq
        if isinstance(seq, DrawnPoses):
            return seq.frame(index)
        back = None if seq.back_xy is None else seq.back_xy[index:index + 1]
        g = _Geometry(seq.image_xy[index:index + 1], seq.visibility[index:index + 1], back,
                      self.style)
        return _Frame.of(g.flags()[0], g.points[0], g.trunk[0],
                         None if back is None else g.back[0])

    def _draw_body(self, frame: np.ndarray, index: int, lay: _Layout) -> None:
        import cv2

        st = self.style
        g = self._frame(index)
        if not g.person:
            return  # no person in this frame
        twist = int(self._twist_code[index])
        back_bgr = st.code_bgr(int(self._back_code[index]))
        # The per-edge and per-joint tests were made on whole arrays (``_Geometry``), so the
        # loops below only draw.
        ipts = g.points
        thin = max(1, lay.line // 2)
        twist_bgr = st.code_bgr(twist) if twist > _CODE_OK else None
        for k, (a, b) in enumerate(_EDGE_AT):
            if not g.drawn[k]:
                continue
            solid = g.solid[k]
            bgr = st.skeleton_bgr if solid else st.faint_bgr
            if twist_bgr is not None and _IS_TWIST_EDGE[k]:
                bgr = twist_bgr
            cv2.line(frame, ipts[a], ipts[b], bgr, lay.line if solid else thin, cv2.LINE_AA)
        for j, on in zip(_JOINT_AT, g.dots, strict=True):
            if on:
                cv2.circle(frame, ipts[j], lay.line + 1, st.joint_bgr, -1, cv2.LINE_AA)
        if g.trunk is not None:
            cv2.line(frame, g.trunk[0], g.trunk[1], back_bgr, 2 * lay.line + 1, cv2.LINE_AA)
        if g.back is not None:
            for run in _finite_runs(g.back, g.back_ok):
                cv2.polylines(frame, [run], False, back_bgr, 2 * lay.line + 1, cv2.LINE_AA)

    def _panel(self, frame: np.ndarray, text: str, x: int, y: int, px: int, lay: _Layout, *,
               bold: bool, text_bgr: BGR, bg_bgr: BGR, alpha: float, max_w: int | None = None,
               upward: bool = False, max_lines: int = 2) -> int:
        """Text on a translucent box with its top-left (or, ``upward``, bottom-left) corner at
        (x, y), wrapped onto up to ``max_lines`` lines and shrunk to fit; returns the box
        height."""
        return self._panel_box(frame, text, x, y, px, lay, bold=bold, text_bgr=text_bgr,
                               bg_bgr=bg_bgr, alpha=alpha, max_w=max_w, upward=upward,
                               max_lines=max_lines)[1]

    def _panel_box(self, frame: np.ndarray, text: str, x: int, y: int, px: int, lay: _Layout,
                   *, bold: bool, text_bgr: BGR, bg_bgr: BGR, alpha: float,
                   max_w: int | None = None, upward: bool = False, max_lines: int = 2,
                   right: bool = False) -> tuple[int, int]:
        """``_panel``, returning the box's width and height; ``right``: (x, y) is its top-right
        corner."""
        if max_w is None:
            max_w = frame.shape[1] - x - lay.margin
        lines, px, text_w, text_h = self._laid(text, px, max_w, lay, bold, max_lines)
        box_w = text_w + 2 * lay.pad
        box_h = text_h + 2 * lay.pad
        if upward:
            y -= box_h
        if right:
            x -= box_w
        fill_rect(frame, x, y, x + box_w, y + box_h, bg_bgr, alpha)
        put_lines(frame, lines, x + lay.pad, y + lay.pad, px, text_bgr, bold)
        return box_w, box_h

    def _laid(self, text: str, px: int, max_w: int, lay: _Layout, bold: bool,
              max_lines: int) -> tuple[tuple[str, ...], int, int, int]:
        """(lines, size, text width, text height) of a panel's text in a box ``max_w``
        wide."""
        key = (text, px, max_w, lay.pad, bold, max_lines)
        laid = self._laid_out.get(key)
        if laid is None:  # the same few texts on most frames: wrapped and measured once
            lines, px = self.wrap(text, px, max_w, lay, bold, max_lines)
            sizes = [text_size(ln, px, bold) for ln in lines]
            laid = self._laid_out[key] = (tuple(lines), px, max(w for w, _ in sizes),
                                          sum(h for _, h in sizes))
            if len(self._laid_out) > _LAID_OUT_SIZE:
                self._laid_out.clear()
        return laid

    def _stack(self, texts: tuple[str, ...], max_w: int, max_lines: int,
               lay: _Layout) -> tuple[int, int]:
        """(widest box, total height with the gaps) of ``texts`` as notice-sized panels."""
        boxes = [self._laid(t, self.notice_px(lay), max_w, lay, False, max_lines)
                 for t in texts]
        return (max(b[2] for b in boxes) + 2 * lay.pad,
                sum(b[3] + 2 * lay.pad + lay.pad for b in boxes))

    def torso_box_at(self, index: int) -> tuple[int, int, int, int] | None:
        """The box (x0, y0, x1, y1, pixels) the torso fills in this frame's rep (or outside
        the reps), which the caveats and notices keep clear of when the frame has room."""
        k = int(self._rep_of_frame[index])
        if k not in self._torso_box:  # threads racing here compute the same box
            rows = np.flatnonzero(self._rep_of_frame == k)
            self._torso_box[k] = _context_box(torso_boxes(self.seq, self.style, rows))
        return self._torso_box[k]

    def body_box_at(self, index: int) -> tuple[int, int, int, int] | None:
        """The box the head and torso fill in this frame's rep (or outside the reps): what a
        narrow frame's banners keep clear of when the frame has room above or below it."""
        k = int(self._rep_of_frame[index])
        if k not in self._body_box:
            rows = np.flatnonzero(self._rep_of_frame == k)
            both = np.stack([torso_boxes(self.seq, self.style, rows),
                             head_boxes(self.seq, self.style, rows)])
            box = np.concatenate([np.fmin.reduce(both[:, :, :2], axis=0),
                                  np.fmax.reduce(both[:, :, 2:], axis=0)], axis=1)
            self._body_box[k] = _context_box(box)
        return self._body_box[k]

    def _body_span(self, index: int, lay: _Layout) -> tuple[int, int] | None:
        """Top and bottom rows of ``body_box_at`` widened by its thick lines and a gap (None:
        no body seen)."""
        body = self.body_box_at(index)
        if body is None:
            return None
        g = lay.pad + 2 * lay.line
        return body[1] - g, body[3] + g

    def narrow_gauge_on_top(self, index: int, lay: _Layout, width: int, height: int) -> bool:
        """Whether a narrow frame's gauge goes across the top rather than the bottom: when
        across the bottom it would meet the head and torso (a squatter who fills the frame,
        his hips low) and across the top it ends above them."""
        if not self.narrow(width, lay):
            return False
        gauge = self.gauge_series_at(index)
        body = self.body_box_at(index)
        if gauge is None or body is None:
            return False
        gh = self.gauge_height(gauge, index, lay, width)
        top = lay.margin + max(0, self.style.top_reserve_px)
        return (height - lay.margin - gh < body[3] + lay.line
                and top + gh + lay.pad <= body[1] - lay.line)

    def _narrow_bottom(self, index: int, lay: _Layout, width: int, height: int) -> int:
        """The lowest row a narrow frame's panels may reach: above the gauge where it spans
        the bottom, else the frame's margin."""
        bottom = height - lay.margin
        gauge = self.gauge_series_at(index)
        if gauge is not None and not self.narrow_gauge_on_top(index, lay, width, height):
            bottom -= lay.pad + self.gauge_height(gauge, index, lay, width)
        return bottom

    def narrow_counter_place(self, index: int, lay: _Layout, width: int, height: int,
                             top: int, text: str) -> tuple[int, int]:
        """Where a narrow frame's rep counter goes (its top-left corner): top-left unless it
        meets the head and torso there (a lifter who fills the frame, his head at its top);
        then top-right when clear of them there, else just above the gauge when under the
        torso there; else top-left (no room outside them)."""
        x = lay.margin
        body = self.body_box_at(index)
        if body is None:
            return x, top
        # (the box and its drawn lines: a counter that only comes near the head stays put)
        rect = (body[0] - lay.line, body[1] - lay.line, body[2] + lay.line, body[3] + lay.line)
        _, _, tw, th = self._laid(text, round(lay.px * 1.15), width - 2 * lay.margin, lay,
                                  True, 2)
        bw, bh = tw + 2 * lay.pad, th + 2 * lay.pad
        if not _overlaps((x, top, x + bw, top + bh), rect):
            return x, top
        xr = width - lay.margin - bw
        if not _overlaps((xr, top, xr + bw, top + bh), rect):
            return xr, top
        bottom = self._narrow_bottom(index, lay, width, height)
        if bottom - bh >= rect[3] + lay.pad:
            return x, bottom - bh
        return x, top

    def narrow_banner_top(self, index: int, lay: _Layout, width: int, height: int, top: int,
                          texts: list[str], max_w: int, max_lines: int,
                          reserve: int = 0) -> int:
        """Where a narrow frame's banners start (their top): under the rep counter (``top``)
        when they end above the head; else just above the gauge (and the counter when it
        went there: ``reserve`` pixels) when they start under the torso there; else wherever
        they cover less of the head and torso (a frame the lifter fills: the banner is the
        warning)."""
        span = self._body_span(index, lay)
        if span is None or not texts:
            return top
        b0, b1 = span
        px = round(lay.px * 1.1)
        tall = sum(self._laid(t, px, max_w, lay, True, max_lines)[3] + 2 * lay.pad + lay.pad
                   for t in texts)
        if top + tall - lay.pad <= b0:
            return top
        low = self._narrow_bottom(index, lay, width, height) - reserve - tall
        if low >= b1:
            return low

        def cover(y: int) -> int:
            return max(0, min(y + tall, b1) - max(y, b0))

        return low if low >= top and cover(low) < cover(top) else top

    def _torso_rect(self, index: int, lay: _Layout) -> tuple[int, int, int, int] | None:
        """``torso_box_at`` widened by the thick trunk and outline lines and a gap."""
        return _widened(self.torso_box_at(index), lay)

    def side_room(self, index: int, width: int, lay: _Layout) -> tuple[int, int] | None:
        """Widths free left and right of this frame's torso (its box, its lines and a gap)
        for a panel (None: no torso seen)."""
        rect = self._torso_rect(index, lay)
        if rect is None:
            return None
        return rect[0] - lay.margin, width - lay.margin - rect[2]

    def _min_side_width(self, px: int) -> int:
        """The narrowest room beside the torso a panel of ``px``-high text moves into."""
        return round(self.style.side_min_width_em * max(px, self.style.min_text_px))

    def _clear_of_torso(self, rect: tuple[int, int, int, int], index: int,
                        lay: _Layout) -> bool:
        torso = self._torso_rect(index, lay)
        return torso is None or not _overlaps(rect, torso)

    def caveat_place(self, index: int, width: int, lay: _Layout, top: int, left_top: int,
                     height: int = 0) -> tuple[bool, int, int]:
        """Where the caveats go on this frame: (right-aligned?, column width, top). Top-right
        under any banner reaching there (``top``); when that covers the torso, narrowed to the
        room right of it, else moved left (under the rep counter and banners, ``left_top``) into
        the room left of it; if neither side has room, they stay top-right. On a portrait
        frame (``height`` over ``width``) they keep clear of the head as well as the torso
        (``body_box_at``): a head at the top of a tall frame is where that column goes (QA,
        session 26: a 492x720 deadlift's three caveats covered his head on every rep); where
        neither side has room there the column width is 0: no room for them
        (``caveat_lines_at``)."""
        cw = self.caveat_width(width, lay)
        texts = self.caveats_at(index)
        if not texts:
            return True, cw, top
        wide, tall = self._stack(texts, cw, self.style.caveat_max_lines, lay)
        portrait = height > width
        keep = self._body_rect(index, lay) if portrait else self._torso_rect(index, lay)
        rect = (width - lay.margin - wide, top, width - lay.margin, top + tall)
        if keep is None or not _overlaps(rect, keep):
            return True, cw, top
        left, right = keep[0] - lay.margin, width - lay.margin - keep[2]
        need = self._min_side_width(self.notice_px(lay))
        if right >= need:
            return True, min(cw, right), top
        if left >= need:
            return False, min(cw, left), left_top
        return True, 0 if portrait else cw, top

    def caveat_lines_at(self, index: int, cw: int) -> tuple[str, ...]:
        """The caveats drawn on this frame in a column ``cw`` wide (``caveat_place``): their
        short forms, or, with no room (0), one line saying how many there are and where to
        read them (``left_out_text``), as a narrow frame says of the notices it leaves out."""
        texts = self.caveats_at(index)
        return texts if cw or not texts else (left_out_text(0, len(texts)),)

    def left_out_caveats_top(self, index: int, lay: _Layout, width: int, height: int,
                             top: int, text: str, cw: int) -> int:
        """Where the line saying the caveats had no room (``caveat_lines_at``) goes, right-
        aligned: at ``top`` when clear of the head and torso there, else just above the gauge
        (bottom-right) when clear there, else at ``top``."""
        _, _, tw, th = self._laid(text, self.notice_px(lay), cw, lay, False, 1)
        bw, bh = tw + 2 * lay.pad, th + 2 * lay.pad
        keep = self._body_rect(index, lay)
        x1 = width - lay.margin
        if keep is None or not _overlaps((x1 - bw, top, x1, top + bh), keep):
            return top
        gauge = self.gauge_series_at(index)
        low = height - lay.margin - bh - (
            lay.pad + self.gauge_height(gauge, index, lay, width) if gauge is not None else 0)
        return low if not _overlaps((x1 - bw, low, x1, low + bh), keep) else top

    def _body_rect(self, index: int, lay: _Layout) -> tuple[int, int, int, int] | None:
        """``body_box_at`` (head and torso) widened by the thick lines and a gap."""
        return _widened(self.body_box_at(index), lay)

    def notice_place(self, index: int, width: int, height: int, lay: _Layout) -> int:
        """Width of the notices' column, bottom-left: beside the gauge and, when that covers
        the torso and the room left of it is wide enough, narrowed to that room. On a narrow
        frame: the frame's width (above the gauge)."""
        if self.narrow(width, lay):
            return width - 2 * lay.margin
        nw = self.notice_width(width, lay)
        texts = (*self.input_notices_at(index), *self.notices_at(index))
        if not texts:
            return nw
        wide, tall = self._stack(texts, nw, self.style.notice_max_lines, lay)
        rect = (lay.margin, height - lay.margin - tall, lay.margin + wide, height - lay.margin)
        room = self.side_room(index, width, lay)
        if (room is None or self._clear_of_torso(rect, index, lay)
                or room[0] < self._min_side_width(self.notice_px(lay))):
            return nw
        return min(nw, room[0])

    def wrap(self, text: str, px: int, max_w: int, lay: _Layout, bold: bool,
             max_lines: int) -> tuple[list[str], int]:
        """The lines and size ``_panel`` draws ``text`` with inside a box ``max_w`` wide."""
        return wrap_text(text, max(px, self.style.min_text_px), max_w - 2 * lay.pad,
                         self.style.min_text_px, bold, max_lines=max_lines)

    def notice_width(self, width: int, lay: _Layout) -> int:
        """Width left for the notices, bottom-left, beside the sparkline."""
        return width - 3 * lay.margin - self._sparkline_width(width, lay)

    def _draw_hud(self, frame: np.ndarray, index: int, lay: _Layout) -> None:
        st = self.style
        x = lay.margin
        y = lay.margin + max(0, st.top_reserve_px)
        gap = lay.pad
        h, w = frame.shape[:2]
        if self.narrow_gauge_on_top(index, lay, w, h):  # the panels start under the gauge
            y += gap + self.gauge_height(self.gauge_series_at(index), index, lay, w)
        col_x = w - lay.margin - self.caveat_width(w, lay)  # the caveats' column, top-right
        reach_y = y  # the left stack reaches into that column down to here
        text = self.counter_text(index)
        narrow = self.narrow(w, lay)
        counter_low = 0  # a narrow frame's counter moved down, above the gauge: its height
        if text is not None and narrow:
            cx, cy = self.narrow_counter_place(index, lay, w, h, y, text)
            right = cx != x
            box_w, box_h = self._panel_box(frame, text, w - lay.margin if right else x, cy,
                                           round(lay.px * 1.15), lay, bold=True,
                                           text_bgr=st.text_bgr, bg_bgr=st.panel_bgr,
                                           alpha=st.panel_alpha, max_w=w - 2 * lay.margin,
                                           right=right)
            if cy != y:
                counter_low = gap + box_h
            else:
                y += gap + box_h
                if right or x + box_w > col_x:
                    reach_y = y
        elif text is not None:
            box_w, box_h = self._panel_box(frame, text, x, y, round(lay.px * 1.15), lay,
                                           bold=True, text_bgr=st.text_bgr,
                                           bg_bgr=st.panel_bgr, alpha=st.panel_alpha)
            y += gap + box_h
            if x + box_w > col_x:
                reach_y = y
        t = self.seq.t_s[index]
        bw, b_lines = self.banner_place(index, w, lay, y)
        shown = self.banners_at(index)
        texts = [self.banner_text(i, w, lay, bw, b_lines) for i in shown]
        under_counter = y
        low = None  # a narrow frame's banners moved down, above the gauge: their top
        if narrow:
            by = self.narrow_banner_top(index, lay, w, h, y, texts, bw, b_lines,
                                        reserve=counter_low)
            if by != y:
                low = y = by
        for i, text in zip(shown, texts, strict=True):
            f = self.report.findings[i]
            held = t > self._f_end[i]  # over, still shown so it can be read: drawn dimmer
            box_w, box_h = self._panel_box(
                frame, text, x, y, round(lay.px * 1.1),
                lay, bold=True, text_bgr=st.text_bgr, bg_bgr=st.severity_bgr(f.severity),
                alpha=st.held_banner_alpha if held else st.banner_alpha, max_w=bw,
                max_lines=b_lines)
            y += gap + box_h
            if x + box_w > col_x:
                reach_y = y
        # Caveats on what was judged sit top-right, under any banner wide enough to reach
        # there, or beside the torso if that corner would cover it (``caveat_place``).
        left_bottom = y if low is None else under_counter  # where the top-left panels end
        if self.caveats_at(index) and not narrow:
            right, cw, cy = self.caveat_place(index, w, lay, max(reach_y, st.caveat_top_px),
                                              y, h)
            cx = w - lay.margin if right else x
            texts = self.caveat_lines_at(index, cw)
            if not cw:  # no room beside the head and torso: one line, where it is clear
                cw = self.caveat_width(w, lay)
                cy = self.left_out_caveats_top(index, lay, w, h, cy, texts[0], cw)
            for text in texts:
                cy += gap + self._panel_box(
                    frame, text, cx, cy, self.notice_px(lay), lay, bold=False,
                    text_bgr=st.muted_text_bgr, bg_bgr=st.panel_bgr, alpha=st.panel_alpha,
                    max_w=cw, max_lines=st.caveat_max_lines, right=right)[1]
            if not right:
                left_bottom = cy
        # Notices sit bottom-left, left of the sparkline and, where there is room, of the torso;
        # on a narrow frame, one panel above the gauge. The notices about the input, which
        # come and go with the moments they concern, sit above the "not assessable" ones, which
        # stay put.
        y = h - lay.margin
        max_w = self.notice_place(index, w, h, lay)
        notices = self.notices_at(index)
        if narrow:
            one = self.narrow_notice_at(index)
            notices = (one,) if one else ()
            gauge = self.gauge_series_at(index)
            if gauge is not None and not self.narrow_gauge_on_top(index, lay, w, h):
                y -= gap + self.gauge_height(gauge, index, lay, w)
            y -= counter_low
            if low is not None:  # the banners sit above the gauge: the notices above them
                y = low - gap
        inputs = self.input_notices_at(index, short=narrow)
        px = self.notice_px(lay)
        if not narrow:  # a notice too long for its lines gives a shorter form, never a cut one

            def whole(*forms: str) -> str:
                """The first of ``forms`` its lines hold uncut, else the last (the shortest)."""
                return next((t for t in forms if not self._laid(
                    t, px, max_w, lay, False, st.notice_max_lines)[0][-1].endswith("…")),
                    forms[-1])

            notices = tuple(whole(text, *shorter) for text, shorter in zip(
                notices, self._notices_short[int(self._rep_of_frame[index])], strict=True))
            inputs = tuple(whole(text, short) for text, short in zip(
                inputs, self.input_notices_at(index, short=True), strict=True))
        # A narrow frame's notice that would reach into the head and torso goes under the
        # counter and banners if it fits above them, else is left out and one short line says
        # what was and where to read it (``left_out_text``). Planned before drawn: where that
        # line would find no room clear of the head and torso either, it takes the place of
        # the notices about the input drawn last (QA session 26: "Not assessable: jerky
        # twist", a line longer than "Not judged: …", pushed the line over a 166 px lifter).
        body = self._body_span(index, lay) if narrow else None
        stack = [*((t, st.muted_text_bgr) for t in reversed(notices)),
                 *((t, st.text_bgr) for t in reversed(inputs))]

        bottom = y

        def tall_of(text: str) -> int:
            return self._laid(text, px, max_w, lay, False, st.notice_max_lines)[3] + 2 * lay.pad

        def plan(dropped: int):
            """(text, colour, y, upward) per notice drawn, per one left out whether it is a
            "not assessable" one, and the lowest and highest free rows left; the last
            ``dropped`` notices about the input are left out wherever they would go."""
            low, high, drawn, out = bottom, left_bottom, [], []
            for k, (text, bgr) in enumerate(stack):
                tall = tall_of(text)
                if body is not None and (k >= len(stack) - dropped or low - gap - tall < body[1]):
                    if k < len(stack) - dropped and high + tall <= body[0]:
                        drawn.append((text, bgr, high, False))
                        high += gap + tall
                    else:
                        out.append(bgr == st.muted_text_bgr)
                    continue
                if bgr == st.text_bgr and low - gap - tall < left_bottom:
                    break  # a notice about the input never covers the counter or a banner
                drawn.append((text, bgr, low, True))
                low -= gap + tall
            return drawn, out, low, high

        dropped = 0
        drawn, left_out, y, top_y = plan(dropped)
        while left_out and body is not None and dropped < len(inputs):
            tall = tall_of(left_out_text(sum(left_out), len(left_out) - sum(left_out)))
            if y - gap - tall >= body[1] or top_y + tall <= body[0]:
                break
            dropped += 1
            drawn, left_out, y, top_y = plan(dropped)
        for text, bgr, at, upward in drawn:
            self._panel(frame, text, x, at, px, lay, bold=False, text_bgr=bgr,
                        bg_bgr=st.panel_bgr, alpha=st.panel_alpha, max_w=max_w,
                        upward=upward, max_lines=st.notice_max_lines)
        if left_out:
            text = left_out_text(sum(left_out), len(left_out) - sum(left_out))
            tall = tall_of(text)
            if y - gap - tall < body[1] and top_y + tall <= body[0]:
                self._panel(frame, text, x, top_y, px, lay, bold=False, text_bgr=st.text_bgr,
                            bg_bgr=st.panel_bgr, alpha=st.panel_alpha, max_w=max_w,
                            max_lines=st.notice_max_lines)
            else:  # below the torso, or where the frame has no room: as low as it goes
                self._panel(frame, text, x, y, px, lay, bold=False, text_bgr=st.text_bgr,
                            bg_bgr=st.panel_bgr, alpha=st.panel_alpha, max_w=max_w,
                            upward=True, max_lines=st.notice_max_lines)

    def counter_text(self, index: int) -> str | None:
        """The rep counter on frame ``index`` (top-left), or None before any rep."""
        reps = self.report.reps
        if not reps:
            return None
        if not self.style.counter_numbers:
            return UNCOUNTED_REPS_TEXT
        k = int(self._rep_of_frame[index])
        if k < 0:
            return f"{int(self._reps_done[index])}/{len(reps)} reps done"
        text = f"Rep {reps[k].index}/{len(reps)}"
        ph = int(self._phase_of_frame[index])
        return text + f" · {self._phase_names[ph]}" if ph >= 0 else text

    def banner_text(self, i: int, width: int, lay: _Layout, max_w: int | None = None,
                    max_lines: int | None = None) -> str:
        """Finding ``i``'s banner: its message, or, when the frame (or the banners' column,
        ``max_w`` wide) is too narrow for the message to fit the banner's lines uncut, its
        short form (``finding_short_text``), so the fault, the rep, the value and the grade
        are never the part cut off."""
        f = self.report.findings[i]
        text = finding_text(f)
        lines = self._laid(text, round(lay.px * 1.1), max_w or width - 2 * lay.margin, lay,
                           True, max_lines or self.style.banner_max_lines)[0]
        if lines[-1].endswith("…") and not text.endswith("…"):
            return finding_short_text(f, rep=self.style.banner_rep_numbers)
        return text

    def banner_place(self, index: int, width: int, lay: _Layout, top: int) -> tuple[int, int]:
        """The banners' column on this frame: (width, lines a banner may take). Across the
        frame from the left; when that covers the torso and the room left of it is wide
        enough, narrowed to that room, with twice the lines (a warning must not hide the
        back it is about; past those lines ``banner_text`` gives its short form)."""
        full, lines = width - 2 * lay.margin, self.style.banner_max_lines
        shown = self.banners_at(index)
        room = self.side_room(index, width, lay)
        if not shown or room is None:
            return full, lines
        px = round(lay.px * 1.1)
        laid = [self._laid(self.banner_text(i, width, lay), px, full, lay, True, lines)
                for i in shown]
        rect = (lay.margin, top, lay.margin + max(b[2] for b in laid) + 2 * lay.pad,
                top + sum(b[3] + 3 * lay.pad for b in laid))
        if self._clear_of_torso(rect, index, lay) or room[0] < self._min_side_width(px):
            return full, lines
        return min(full, room[0]), 2 * lines

    def caveat_width(self, width: int, lay: _Layout) -> int:
        """Width of the caveats' column, top-right: as wide as the gauge's text allows
        (``lay.px * 16``), and under half the frame so it keeps to the side."""
        return min(round(width * 0.45), lay.px * 16)

    @staticmethod
    def notice_px(lay: _Layout) -> int:
        return round(lay.px * 0.68)

    def gauge_finding_at(self, name: str, index: int) -> int | None:
        """The finding (index into ``report.findings``) decided on series ``name`` that frame
        ``index`` lies in (its ``start_s``..``end_s``), the worst if several; None: none."""
        t = self.seq.t_s[index]
        on = [i for i, s in enumerate(self._finding_series)
              if s == name and self._f_start[i] <= t <= self._f_end[i]]
        if not on:
            return None
        fs = self.report.findings
        return max(on, key=lambda i: (severity_rank(fs[i].severity),
                                      abs(fs[i].graded_value)))

    def holding_text(self, i: int, frame_limit: float | None) -> str:
        """The gauge's line while finding ``i`` lasts: ``holding: peak 24° (severe)``, the
        value the rule graded and its grade (and the limit it was graded against, when this
        frame's limit reads otherwise: a per-frame limit). A finding lasts until its signal
        falls well under the limit (the rule's release level), so a frame inside one can read
        under the limit beside the banner; this line says the finding holds and what it was
        graded on, the same numbers as the banner, the page and the CSV."""
        f = self.report.findings[i]
        unit = "%" if f.unit.startswith("%") else f.unit
        text = f"holding: peak {value_text(f, unit)}"
        if frame_limit is None or format_limit(frame_limit, unit) != format_limit(
                f.threshold, unit):
            text += f", limit {format_limit(f.threshold, unit)}"
        return f"{text} ({f.severity})"

    def gauge_text(self, name: str, index: int, lay: _Layout, width: int,
                   ) -> tuple[list[str], int]:
        """The gauge's lines (its label, wrapped, then ``now X · limit Y`` with the unit
        written once, then, inside a finding decided on this signal, ``holding_text``) and
        their size, fitted to the box without cutting a word."""
        lines, size, _ = self._gauge_lines(name, index, lay, width)
        return lines, size

    def _gauge_lines(self, name: str, index: int, lay: _Layout, width: int,
                     ) -> tuple[list[str], int, int]:
        """``gauge_text``'s lines and size, and how many of the last lines are the holding
        line's (0: none)."""
        lines, size = self._reading_lines(name, index, lay, width)
        i = self.gauge_finding_at(name, index)
        if i is None:
            return lines, size, 0
        s = self.series[name]
        j = int(self._sample_of_frame[name][index])
        limit = s.limit_at(j) if j >= 0 or s.threshold_t is None else None
        max_w = self._sparkline_width(width, lay) - 2 * lay.pad
        if self.narrow(width, lay):
            # The banner's short form (a frame this narrow) gives the peak and the grade: the
            # gauge only says the finding holds, on the reading's line where it fits.
            joined = f"{lines[-1]} · holding"
            if text_size(joined, size)[0] <= max_w:
                return [*lines[:-1], joined], size, 0
            return [*lines, "holding"], size, 1
        held, size2 = wrap_text(self.holding_text(i, limit), size, max_w,
                                self.style.min_text_px, max_lines=3)
        return [*lines, *held], min(size, size2), len(held)

    def _reading_lines(self, name: str, index: int, lay: _Layout, width: int,
                       ) -> tuple[list[str], int]:
        st = self.style
        s = self.series[name]
        j = int(self._sample_of_frame[name][index])
        now = s.values[j] if j >= 0 else float("nan")
        short = "%" if s.unit.startswith("%") else s.unit  # "% of torso" goes in the label
        # A value the rule did not judge (drawn muted) is no reading against the limit: a
        # lockout-only angle reads -127° while bent over.
        judged = j >= 0 and (s.judged is None or bool(s.judged[j]))
        # This frame's limit (a per-frame one: the one this frame was judged against); the
        # reading is shown to the decimals the limit needs (``format_value``).
        limit = s.limit_at(j) if j >= 0 or s.threshold_t is None else None
        parts = [f"now {format_reading(now, short, limit, s.checked_to)}" if judged
                 else "not judged"]
        if limit is not None:
            parts.append(f"limit {format_limit(limit, short)}")
        narrow = self.narrow(width, lay)
        # Narrow: the fault's name (the banner's words) for the long signal name.
        label = (fault_title(s.fault).capitalize() if narrow and s.fault else s.label or s.name)
        if short != s.unit:
            label += f" ({s.unit})"
        small = max(st.min_text_px, round(lay.px * 0.75))
        max_w = self._sparkline_width(width, lay) - 2 * lay.pad
        title, size = wrap_text(label, small, max_w, st.min_text_px, max_lines=3)
        reading = " · ".join(parts)
        last, size2 = fit_text(reading, size, max_w, st.min_text_px)
        if last != reading:  # never a cut number: the limit on its own line
            return [*title, *parts], size
        if size2 != size:
            title, size = wrap_text(label, size2, max_w, st.min_text_px, max_lines=3)
        return [*title, last], min(size, size2)

    def gauge_height(self, name: str, index: int, lay: _Layout, width: int) -> int:
        """Height of the gauge's box (its text and plot) on this frame."""
        lines, size = self.gauge_text(name, index, lay, width)
        return round(lay.px * 2.6) + len(lines) * text_size("Ag", size)[1] + 3 * lay.pad

    def _sparkline_width(self, width: int, lay: _Layout) -> int:
        if self.narrow(width, lay):  # the bottom row is the gauge's
            return width - 2 * lay.margin
        return min(round(width * 0.4), lay.px * 16)

    def _draw_sparkline(self, frame: np.ndarray, index: int, name: str, lay: _Layout) -> None:
        import cv2

        st = self.style
        s = self.series[name]
        fault = name
        h, w = frame.shape[:2]
        box_w = self._sparkline_width(w, lay)
        j = int(self._sample_of_frame[name][index])
        lines, size, held = self._gauge_lines(name, index, lay, w)
        _, row_h = text_size("Ag", size)
        x1, y1 = w - lay.margin, h - lay.margin
        x0, y0 = x1 - box_w, y1 - self.gauge_height(name, index, lay, w)
        if self.narrow_gauge_on_top(index, lay, w, h):
            y0 = lay.margin + max(0, st.top_reserve_px)
            y1 = y0 + self.gauge_height(name, index, lay, w)
        fill_rect(frame, x0, y0, x1, y1, st.panel_bgr, st.panel_alpha)
        reading = len(lines) - 1 - held  # the reading's (last) line, in white
        held_bgr = (st.severity_bgr(self.report.findings[self.gauge_finding_at(name, index)]
                                    .severity) if held else st.text_bgr)
        for row, text in enumerate(lines):
            bgr = (held_bgr if row > reading else st.text_bgr if row == reading
                   else st.muted_text_bgr)
            put_text(frame, text, x0 + lay.pad, y0 + lay.pad + row * row_h, size, bgr)

        px0, px1 = x0 + lay.pad, x1 - lay.pad
        py0, py1 = y0 + len(lines) * row_h + 2 * lay.pad, y1 - lay.pad
        lo, hi = self._y_range[fault]

        def ymap(v: np.ndarray | float) -> np.ndarray:  # clipped to the box: spikes stay inside
            return np.clip(py1 - (np.asarray(v) - lo) / (hi - lo) * (py1 - py0), py0, py1)

        dash = max(4, lay.px // 2)
        if s.threshold is not None:
            yt = int(round(float(ymap(s.threshold))))
            for xd in range(px0, px1, 2 * dash):
                cv2.line(frame, (xd, yt), (min(xd + dash, px1), yt), st.threshold_bgr,
                         max(1, lay.line // 2), cv2.LINE_AA)
        if j < 0:
            return
        t_now = self.seq.t_s[index]
        t_from = t_now - st.sparkline_window_s
        j0 = int(np.searchsorted(s.t_s, t_from, side="left"))
        if s.threshold_t is not None:
            self._draw_limit_steps(frame, s, j, t_from, (px0, px1), ymap, dash,
                                   max(1, lay.line // 2))
        ts, vs = s.t_s[j0:j + 1], s.values[j0:j + 1]
        codes = self._sample_code[fault][j0:j + 1]
        xs = px0 + (ts - t_from) / st.sparkline_window_s * (px1 - px0)
        ys = ymap(vs)
        thick = max(1, lay.line)
        # Points as Python ints (truncated, as int() does) and the tests made once per
        # window, so the loop only draws: one segment per pair of finite samples.
        finite = np.isfinite(ys)
        ix = xs.astype(np.int64).tolist()
        iy = np.where(finite, ys, 0.0).astype(np.int64).tolist()
        both = (finite[1:] & finite[:-1]).tolist()
        colours = {}
        for q, code in enumerate(codes[1:].tolist(), start=1):
            if not both[q - 1]:
                continue
            bgr = colours.get(code)
            if bgr is None:
                bgr = colours[code] = st.curve_bgr if code == _CODE_OK else (
                    st.faint_bgr if code == _CODE_NOT_ASSESSABLE else st.code_bgr(code))
            cv2.line(frame, (ix[q - 1], iy[q - 1]), (ix[q], iy[q]), bgr, thick, cv2.LINE_AA)
        if finite[-1]:
            cv2.circle(frame, (ix[-1], iy[-1]), thick + 2, st.text_bgr, -1, cv2.LINE_AA)

    def _draw_limit_steps(self, frame: np.ndarray, s: Series, j: int, t_from: float,
                          xs: tuple[int, int], ymap, dash: int, thick: int) -> None:
        """A per-frame limit (``Series.threshold_t``) across the gauge's window, dashed: each
        pixel column holds the limit of the sample at or before its time (a step line, up to
        the current sample ``j``), in the limit's colour where the rule judged that sample
        and faint where it did not, as the curve is."""
        import cv2

        st = self.style
        px0, px1 = xs
        cols = np.arange(px0, px1 + 1)
        t_col = t_from + (cols - px0) / max(px1 - px0, 1) * st.sparkline_window_s
        k = np.minimum(np.searchsorted(s.t_s, t_col, side="right") - 1, j)
        ok = k >= 0
        k = np.maximum(k, 0)
        lim = s.threshold_t[k]
        ok &= np.isfinite(lim) & (((cols - px0) // dash) % 2 == 0)
        if not ok.any():
            return
        ys = np.where(ok, np.rint(ymap(np.where(ok, lim, 0.0))), 0).astype(np.int64)
        faint = np.zeros(len(cols), bool) if s.judged is None else ~s.judged[k]
        # Runs of drawn columns at one height and colour: one segment each, joined to the run
        # before by an upright step where the limit changed between neighbouring columns.
        new = ok.copy()
        new[1:] &= ~ok[:-1] | (ys[1:] != ys[:-1]) | (faint[1:] != faint[:-1])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:] - 1, len(cols) - 1)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            while not ok[b]:
                b -= 1
            bgr = st.faint_bgr if faint[a] else st.threshold_bgr
            y = int(ys[a])
            if a > 0 and ok[a - 1]:
                cv2.line(frame, (int(cols[a]), int(ys[a - 1])), (int(cols[a]), y), bgr, thick,
                         cv2.LINE_AA)
            cv2.line(frame, (int(cols[a]), y), (int(cols[b]), y), bgr, thick, cv2.LINE_AA)


#: Percentiles of a rep's per-frame torso boxes taken as its extent: a few frames of a pose
#: jumping off the body do not stretch it over the whole frame.
_BOX_PERCENTILES = (2.0, 98.0)


def _context_box(boxes: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box one rep context's (a rep's, or outside the reps') frames' torso boxes fill
    (None: no torso drawn in any of them)."""
    lo, hi = _BOX_PERCENTILES
    rows = boxes[np.isfinite(boxes[:, 0])]
    if not len(rows):
        return None
    x0, y0 = np.percentile(rows[:, :2], lo, axis=0)
    x1, y1 = np.percentile(rows[:, 2:], hi, axis=0)
    return int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1))


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _closest_to_limit(s: Series) -> float:
    """Largest ``value / limit`` over the frames the series was judged on, each frame against
    its own limit (``Series.limit_t``) (-inf: none)."""
    v, lim = s.values, s.limit_t
    if s.judged is not None:
        v, lim = v[s.judged], lim[s.judged]
    ok = np.isfinite(v) & np.isfinite(lim) & (lim != 0)
    if not ok.any():
        return -np.inf
    return float(np.max(v[ok] / np.abs(lim[ok])))


def _span(t: np.ndarray, start_s: float, end_s: float) -> slice:
    """The frames (of sorted times ``t``) of the closed span ``start_s``..``end_s``, as
    ``_within`` takes it."""
    return slice(int(np.searchsorted(t, start_s - _TIME_TOLERANCE_S, side="left")),
                 int(np.searchsorted(t, end_s + _TIME_TOLERANCE_S, side="right")))


def frame_reps(report: Report, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each frame's rep (its position in ``report.reps``; -1: none) and phase (its position
    in the list of phase names returned; -1: none), for frames at times ``t`` (sorted).

    A rep is the closed span ``start_s``..``end_s`` (its ``end_frame`` is inclusive) and
    consecutive reps may share a frame: one rep's last is the next one's first. That frame is
    the earlier rep's, as the page's rep table and the CSV list it (rep 1 "0.0–3.0 s", rep 2
    "3.0–5.3 s": read in order, the first rep holding 3.0 s is rep 1; a rep is not over
    before its end frame, which the counter's "N reps done" already counts so). Within a rep
    a frame two phases share is likewise the earlier phase's, as ``analysis.reps.phase_at``
    names the phase of a finding's peak on the page."""
    n = len(t)
    rep_of = np.full(n, -1, dtype=np.int32)
    phase_of = np.full(n, -1, dtype=np.int32)
    names: list[str] = []
    spans = [_span(t, r.start_s, r.end_s) for r in report.reps]
    for k in range(len(spans) - 1, -1, -1):  # the earlier rep written last: it wins
        rep_of[spans[k]] = k
    for k, rep in enumerate(report.reps):
        first = len(names)
        names.extend(ph.name for ph in rep.phases)
        own = np.flatnonzero(rep_of[spans[k]] == k) + spans[k].start
        if not own.size or not rep.phases:
            continue
        tk = t[own]
        for q in range(len(rep.phases) - 1, -1, -1):  # the earlier phase wins, as above
            ph = rep.phases[q]
            phase_of[own[_span(tk, ph.start_s, ph.end_s)]] = first + q
    return rep_of, phase_of, names


def _within(t: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return (t >= start_s - _TIME_TOLERANCE_S) & (t <= end_s + _TIME_TOLERANCE_S)


def _finite_runs(pts: np.ndarray, ok: np.ndarray) -> list[np.ndarray]:
    """Consecutive runs (>= 2 points) of the points of a ``(K, 2)`` polyline where ``ok``."""
    runs, start = [], None
    for k, good in enumerate([*ok.tolist(), False]):
        if good and start is None:
            start = k
        elif not good and start is not None:
            if k - start >= 2:
                runs.append(pts[start:k])
            start = None
    return runs


def select_thumbnail_frames(report: Report, seq: PoseSequence | DrawnPoses) -> dict[int, int]:
    """Finding index → frame index nearest its ``peak_s`` (the worst moment), for thumbnails.
    A peak on the frame a rep shares with the next (the video counts it in the earlier rep,
    ``frame_reps``) takes the neighbouring frame inside the finding's own rep when the
    nearest frame's rep is another, so the thumbnail's counter names the rep the finding's
    card does (QA: rep 1's card showed "Rep 2/5")."""
    n = len(seq)
    if n == 0:
        return {}
    t = seq.t_s
    rep_of = frame_reps(report, t)[0]
    number = np.array([r.index for r in report.reps] + [0], dtype=np.int64)[rep_of]  # 0: none
    out: dict[int, int] = {}
    for i, f in enumerate(report.findings):
        j = int(np.clip(np.searchsorted(t, f.peak_s), 1, n - 1)) if n > 1 else 0
        if n > 1 and abs(t[j - 1] - f.peak_s) <= abs(t[j] - f.peak_s):
            j -= 1
        if f.rep is not None and number[j] != f.rep and rep_of[j] >= 0:
            # The shared frame: the one next to it on the finding's side is its rep's alone.
            for k in (j + 1, j - 1):
                if 0 <= k < n and number[k] == f.rep:
                    j = k
                    break
        out[i] = j
    return out
