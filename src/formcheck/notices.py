"""Notices: facts about the input that bear on every result, stated once in the report (and so
on the terminal and the page): a truncated file, a picture size that changes part-way, a single
frame, gaps in the recording, jumps in the picture (camera cuts), frames whose pose was upside
down, stretches where the lifter was out of the picture, more than one person in it, a camera
off level that the analysis levelled, and frames the pose model was given scaled down (a fact
of the pose pass, never drawn on the video).

Pure functions of a ``PoseSequence`` (its timestamps, detections and the facts the decoder and
estimator stored in ``seq.extra``) and the config; no I/O.
"""

from __future__ import annotations

import numpy as np

from formcheck.analysis.level import roll_to_undo
from formcheck.analysis.signal import runs, time_gaps
from formcheck.config import Config
from formcheck.pose.plausible import EXTRA_KEY
from formcheck.pose.sequence import POSED_AT_KEY, PoseSequence
from formcheck.report import CUT_OFF, OUT_OF_PICTURE, Notice


def _truncation(seq: PoseSequence) -> list[Notice]:
    decode = seq.extra.get("decode")
    reason = decode.get("truncation") if isinstance(decode, dict) else None
    if not reason:
        return []
    end = float(seq.t_s[-1]) if len(seq) else None
    return [Notice("truncated", f"{reason}; the frames that decode were analysed", end, None)]


def _size_change(seq: PoseSequence) -> list[Notice]:
    decode = seq.extra.get("decode")
    change = decode.get("size_change") if isinstance(decode, dict) else None
    if not isinstance(change, dict):
        return []
    (w0, h0), (w1, h1) = change["from"], change["to"]
    at = float(change["t_s"])
    return [Notice("size_change", f"the picture's size changes at {at:.2f} s, from {w0}×{h0} "
                   f"to {w1}×{h1}: frames of another size were scaled to fit the first size, "
                   "with black borders, the body's proportions kept", at, None)]


def posed_at_text(posed: tuple[int, int], video: tuple[int, int]) -> str:
    """The one line every surface gives for frames posed scaled down (``config.PoseConfig.
    max_side_px``): the size the pose model was given and the video's own."""
    return (f"posed at {posed[0]}×{posed[1]} (the video is {video[0]}×{video[1]}): the pose "
            "model read each frame scaled down; positions are in the video's pixels")


def _posed_at(seq: PoseSequence) -> list[Notice]:
    posed = seq.extra.get(POSED_AT_KEY)
    if not isinstance(posed, dict):
        return []
    size = (int(posed["width"]), int(posed["height"]))
    if size == (seq.width, seq.height):
        return []
    return [Notice(POSED_AT_KEY, posed_at_text(size, (seq.width, seq.height)))]


def _time_gaps(seq: PoseSequence) -> list[Notice]:
    return [
        Notice("time_gap", f"the recording has no frames from {a:.2f} s to {b:.2f} s "
               f"({b - a:.3g} s); the stretches on either side were analysed separately", a, b)
        for a, b in time_gaps(seq.t_s)
    ]


#: Most jump times a picture-cut notice lists (then "and N more").
_MAX_CUT_TIMES = 5


def _picture_cuts(seq: PoseSequence) -> list[Notice]:
    """Frames the pose pass flagged as a change of picture since the previous one
    (``PoseSequence.picture_cut``): a camera cut in an edited video, or frames missing from
    the footage. The twist rule treats them as tracking breaks; a rep spanning one is read
    from both sides of it."""
    if seq.picture_cut is None:
        return []
    at = seq.t_s[np.asarray(seq.picture_cut, dtype=bool)]
    if at.size == 0:
        return []
    shown = ", ".join(f"{float(x):.2f} s" for x in at[:_MAX_CUT_TIMES])
    more = f" and {at.size - _MAX_CUT_TIMES} more" if at.size > _MAX_CUT_TIMES else ""
    where = "at" if at.size == 1 else f"{at.size} times: at"
    return [Notice("picture_cut", f"the picture jumps {where} {shown}{more} (a camera cut, or "
                   "frames missing from the footage): no twist is judged across a jump or on "
                   "the frames around it that smoothing blurs it into, and "
                   "a rep that spans one is read from both sides of it",
                   float(at[0]), float(at[-1]))]


def _out_of_view(seq: PoseSequence, config: Config) -> list[Notice]:
    """Interior stretches without the lifter that the analysis does not bridge (longer than
    ``signal.max_gap_s``): reps on either side are counted, none inside. Frames emptied for an
    upside-down pose had the lifter in the picture: their own notice says so."""
    detected = seq.detected | np.isin(seq.t_s, seq.extra.get(EXTRA_KEY, ()))
    if not detected.any():
        return []
    seen = np.flatnonzero(detected)
    starts, ends = runs(~detected)
    t = seq.t_s
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if a <= seen[0] or b > seen[-1]:
            continue  # before the lifter first appears or after they leave for good
        last_seen, back_at = float(t[a - 1]), float(t[b])
        if back_at - last_seen <= config.signal.max_gap_s:
            continue
        out.append(Notice("out_of_view", f"the lifter was {OUT_OF_PICTURE} from {last_seen:.2f} s "
                          f"to {back_at:.2f} s; nothing in that stretch was judged",
                          last_seen, back_at))
    return out


def _upside_down(seq: PoseSequence) -> list[Notice]:
    """Frames left out because the pose network put the body upside down there
    (``pose.plausible.without_upside_down`` recorded their times)."""
    at = seq.extra.get(EXTRA_KEY)
    if not at:
        return []
    shown = f"at {at[0]:.2f} s" if len(at) == 1 else f"on {len(at)} frames from {at[0]:.2f} s " \
        f"to {at[-1]:.2f} s"
    # Most of the set upside down is more likely the picture itself (a phone's rotation
    # that the file does not record) than close-ups.
    why = ("most of the set: is the picture itself upside down? (a phone's rotation the file "
           "does not record)" if len(at) > 0.5 * (len(at) + int(seq.detected.sum())) else
           f"as it does with the lifter too close, partly {CUT_OFF} or hidden")
    return [Notice("upside_down", f"the pose model put the body upside down {shown} ({why}): "
                   "those frames were read as frames without the lifter",
                   float(at[0]), float(at[-1]))]


def _people(seq: PoseSequence) -> list[Notice]:
    people = seq.extra.get("people")
    if not isinstance(people, dict) or not people.get("message"):
        return []
    return [Notice("people", str(people["message"]))]


def _single_frame(seq: PoseSequence) -> list[Notice]:
    if len(seq) != 1:
        return []
    return [Notice("single_frame", "this is a single frame (a still image): every fault here "
                   "is judged over movement and reps, so none can be; film the set")]


def _camera_roll(seq: PoseSequence, config: Config) -> list[Notice]:
    roll = roll_to_undo(seq, config.signal)
    if roll is None:
        return []
    way = "anticlockwise" if roll > 0 else "clockwise"
    return [Notice("camera_roll", f"the picture is tilted {abs(roll):.0f}° {way} off level (the "
                   "scene's straight lines, such as where the wall meets the floor, lean so): "
                   "the trunk's lean and the body's heights are read against that level, not "
                   "the picture's edges")]


def notices_for(seq: PoseSequence, config: Config | None = None) -> tuple[Notice, ...]:
    """Every notice for ``seq``, in a fixed order (input, time, people)."""
    config = config or Config()
    if len(seq) == 0:
        return tuple(_truncation(seq) + _people(seq))
    return tuple(_truncation(seq) + _size_change(seq) + _posed_at(seq) + _single_frame(seq)
                 + _time_gaps(seq)
                 + _picture_cuts(seq) + _camera_roll(seq, config) + _upside_down(seq)
                 + _out_of_view(seq, config) + _people(seq))
