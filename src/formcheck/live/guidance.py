"""Before the set: what the camera sees. Is the whole body in the picture, is it lit, and which
faults can this view show (read from the analysis' own ``VIEW_SHOWS`` table, so the advice
and the report's "not assessable" always agree)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.view import VIEW_SHOWS, judged_from
from formcheck.config import FaultThresholds
from formcheck.live.settings import LiveSettings
from formcheck.pose.landmarks import Landmark
from formcheck.report import CUT_OFF, FAULTS, IN_PICTURE

_L = Landmark
#: Body parts that must be in the picture, each seen on at least one side.
BODY_PARTS: dict[str, tuple[int, ...]] = {
    "head": (_L.NOSE, _L.LEFT_EAR, _L.RIGHT_EAR),
    "shoulders": (_L.LEFT_SHOULDER, _L.RIGHT_SHOULDER),
    "hips": (_L.LEFT_HIP, _L.RIGHT_HIP),
    "knees": (_L.LEFT_KNEE, _L.RIGHT_KNEE),
    "feet": (_L.LEFT_ANKLE, _L.RIGHT_ANKLE),
}

#: What to do so that a view can show a fault it cannot show now.
VIEW_ADVICE: dict[str, str] = {
    "rounded_back": "turn side-on to check back rounding",
    "lumbar_overextension": "turn side-on or to 45° to check over-arching",
    # Shown from the side only: there the twist is read (by default) for large turns only.
    "jerky_twist": "face the camera to check twisting best (at 45° about half of 20° twists "
                   "are found, from the side few)",
}


@dataclass(frozen=True)
class Guidance:
    """What to tell the lifter about the current picture."""

    person: bool
    missing_parts: tuple[str, ...]  # body parts not (fully) in the picture
    brightness: float  # mean grey level, 0-255
    too_dark: bool
    view: str | None  # front | oblique | side | rear, None while unknown
    advice: tuple[str, ...]  # faults this view cannot show, as things to do

    @property
    def ready(self) -> bool:
        """The whole body is in the picture and lit (the view is advice, not a condition)."""
        return self.person and not self.missing_parts and not self.too_dark

    def lines(self) -> list[str]:
        out = []
        if self.too_dark:
            out.append("Too dark: turn on a light or face a window")
        if not self.person:
            out.append(f"No one {IN_PICTURE}: step in, whole body {IN_PICTURE}")
        elif self.missing_parts:
            out.append(f"{CUT_OFF[0].upper()}{CUT_OFF[1:]} or hidden: "
                       f"{', '.join(self.missing_parts)}; step back or tilt the camera")
        if self.ready:
            out.append(f"Whole body {IN_PICTURE}: get set")
        if self.view is not None:
            out.append(f"View: {self.view}" + (f"; {'; '.join(self.advice)}"
                                                if self.advice else "; every fault can be checked"))
        return out


def brightness(image_bgr: np.ndarray) -> float:
    """Mean grey level (ITU-R BT.601 weights) of a BGR frame, on a subsample for speed."""
    small = image_bgr[::4, ::4].astype(np.float32)
    return float((small @ np.array([0.114, 0.587, 0.299], np.float32)).mean())


def missing_parts(image_xy: np.ndarray, visibility: np.ndarray, width: int, height: int,
                  settings: LiveSettings) -> tuple[str, ...]:
    """Body parts with no landmark seen inside the picture (``image_xy`` (33, 2) pixels)."""
    mx, my = settings.frame_margin_frac * width, settings.frame_margin_frac * height
    x, y = image_xy[:, 0], image_xy[:, 1]
    inside = (np.isfinite(x) & (x >= mx) & (x <= width - mx) & (y >= my) & (y <= height - my)
              & (visibility >= settings.min_visibility))
    return tuple(name for name, ids in BODY_PARTS.items() if not inside[list(ids)].any())


def view_advice(view: str | None, faults: FaultThresholds | None = None,
                yaw_deg: float | None = None) -> tuple[str, ...]:
    """What to do for each fault the rules would not judge from ``view`` (the body's yaw
    ``yaw_deg`` when known) under the thresholds ``faults`` (those the live analysis runs
    with; the defaults when None)."""
    if view is None or view not in {v for shows in VIEW_SHOWS.values() for v in shows}:
        return ()
    return tuple(VIEW_ADVICE[f] for f in FAULTS if not judged_from(f, view, yaw_deg, faults))


def assess_picture(image_bgr: np.ndarray, image_xy: np.ndarray, visibility: np.ndarray,
                   view: str | None, settings: LiveSettings,
                   faults: FaultThresholds | None = None,
                   yaw_deg: float | None = None) -> Guidance:
    h, w = image_bgr.shape[:2]
    level = brightness(image_bgr)
    person = bool(np.isfinite(image_xy).all(axis=1).any())
    missing = missing_parts(image_xy, visibility, w, h, settings) if person else tuple(
        BODY_PARTS)
    return Guidance(person=person, missing_parts=missing, brightness=level,
                    too_dark=level < settings.min_brightness, view=view,
                    advice=view_advice(view, faults, yaw_deg))
