"""Camera view (front / oblique / side / rear) from the body's yaw to the camera.

Yaw 0 deg: the lifter faces the camera; 90: side on; 180: back to the camera. Which faults a
view can show is data (``VIEW_SHOWS``), read by the fault rules' assessability checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.config import FaultThresholds, ViewConfig
from formcheck.report import Estimate

VIEWS: tuple[str, ...] = ("front", "oblique", "side", "rear")
UNKNOWN_VIEW = "unknown"

#: Per fault, the views in which the footage can show it.
VIEW_SHOWS: dict[str, frozenset[str]] = {
    # Oblique: a neutral back's outline bows +16% at the floor and -7% half-way up at
    # 45 deg; the rule judges it only when ``RoundedBackThresholds.oblique_min_flexion_deg``
    # is set (off by default: measured too uncertain, README "Back warnings").
    "rounded_back": frozenset({"side"}),
    "lumbar_overextension": frozenset({"side", "oblique"}),
    "jerky_twist": frozenset({"front", "oblique", "rear"}),
}


def views_showing(fault: str, faults: FaultThresholds | None = None) -> frozenset[str]:
    """The views in which ``fault`` is judged under the thresholds ``faults``: ``VIEW_SHOWS``,
    plus the 45° view for a rounded back when ``rounded_back.oblique_min_flexion_deg`` is
    set."""
    views = VIEW_SHOWS[fault]
    if (fault == "rounded_back" and faults is not None
            and np.isfinite(faults.rounded_back.oblique_min_flexion_deg)):
        views = views | {"oblique"}
    return views


def judged_from(fault: str, view: str, yaw_deg: float | None = None,
                 faults: FaultThresholds | None = None) -> bool:
    """Whether ``fault`` is judged from ``view`` (``views_showing``) and, for a rounded back
    seen from the side, whether the body's yaw ``yaw_deg`` (0..180, 90 side-on; None: not
    known) is within ``rounded_back.side_min_yaw_deg`` of side-on, the rule's own side bin."""
    if view not in views_showing(fault, faults):
        return False
    if fault == "rounded_back" and view == "side" and yaw_deg is not None \
            and np.isfinite(yaw_deg):
        side_min = (faults or FaultThresholds()).rounded_back.side_min_yaw_deg
        return abs(90.0 - float(yaw_deg)) <= 90.0 - side_min
    return True


VIEW_REASONS: dict[str, str] = {
    "rounded_back": "the back's curve cannot be judged from the {view} view (the outline changes "
                    "with the hip hinge as much as with rounding); film from the side",
    "lumbar_overextension": "a {view} view cannot show leaning back; film from the side or at 45°",
    "jerky_twist": "a {view} view cannot show rotation about the spine well; film from the "
                   "front or at 45°",
}


@dataclass(frozen=True)
class ViewWindow:
    start_s: float
    end_s: float
    view: str
    yaw_deg: float


_VIEW_NAMES = np.array(["front", "oblique", "side", "oblique", "rear", UNKNOWN_VIEW])


def _yaw_bins(yaw_deg: np.ndarray | float, cfg: ViewConfig) -> np.ndarray:
    """Index into ``_VIEW_NAMES`` per yaw value (the last one for NaN): the number of bin
    edges at or below the value (as ``np.searchsorted``'s "right" side; the edges ascend,
    ``config.ORDERED``), counted by comparisons: 1.5-1.7x faster than the binary search on
    1,000,000 values, 1.2x on 5,000, 1.4 us slower on one (``bench/yaw_bins_speed.py``). NaN
    compares false everywhere, so it is given the last index apart."""
    y = np.asarray(yaw_deg, dtype=np.float64)
    edges = (cfg.front_max_yaw_deg, cfg.oblique_max_yaw_deg, cfg.side_max_yaw_deg,
             cfg.rear_oblique_max_yaw_deg)
    idx = np.full(y.shape, len(_VIEW_NAMES) - 1, dtype=np.intp)
    count = (y >= edges[0]).astype(np.intp)
    for edge in edges[1:]:
        count += y >= edge
    np.copyto(idx, count, where=np.isfinite(y))
    return idx


def yaw_in_views(yaw_deg: np.ndarray, views: frozenset[str] | set[str], cfg: ViewConfig
                 ) -> np.ndarray:
    """``np.isin(classify_yaw(yaw_deg, cfg), views)`` without the per-value names."""
    return _in_bins(yaw_deg, np.flatnonzero(np.isin(_VIEW_NAMES, sorted(views))), cfg)


def _in_bins(yaw_deg: np.ndarray, wanted: np.ndarray, cfg: ViewConfig) -> np.ndarray:
    """``np.isin(_yaw_bins(yaw_deg, cfg), wanted)``: with ascending edges, each run of
    neighbouring wanted bins is one interval of yaw, tested by two comparisons (a third of
    the passes over the values); NaN and infinite values fall in the last bin only, as
    there."""
    y = np.asarray(yaw_deg, dtype=np.float64)
    edges = (cfg.front_max_yaw_deg, cfg.oblique_max_yaw_deg, cfg.side_max_yaw_deg,
             cfg.rear_oblique_max_yaw_deg)
    if any(b < a for a, b in zip(edges[:-1], edges[1:], strict=True)):  # not intervals: count
        return np.isin(_yaw_bins(y, cfg), wanted)
    unknown = len(_VIEW_NAMES) - 1
    bins = sorted(int(j) for j in wanted if j != unknown)
    out = ~np.isfinite(y) if unknown in wanted else np.zeros(y.shape, dtype=bool)
    while bins:
        lo = hi = bins.pop(0)
        while bins and bins[0] == hi + 1:
            hi = bins.pop(0)
        # bin j holds edges[j - 1] <= y < edges[j] (the first from -inf, the last to +inf,
        # both open: an infinite value is unknown)
        inside = y >= edges[lo - 1] if lo > 0 else y > -np.inf
        inside &= y < edges[hi] if hi < len(edges) else y < np.inf
        out |= inside
    return out


def classify_yaw(yaw_deg: np.ndarray | float, cfg: ViewConfig) -> np.ndarray:
    """View name per yaw value (``unknown`` for NaN)."""
    return _VIEW_NAMES[_yaw_bins(yaw_deg, cfg)]


def usable_yaw(yaw_deg: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """The known yaw values of the ``usable`` frames (a copy): the one selection the overall
    view reads (``median_of``, ``estimate_view``, and ``rounded_back`` for its own side
    bin)."""
    y = np.asarray(yaw_deg, dtype=np.float64)[np.asarray(usable, dtype=bool)]
    return y[np.isfinite(y)]


def median_of(seen_yaw_deg: np.ndarray, reorder: bool = False) -> float:
    """Median of known yaw values (``usable_yaw``; NaN if none): the overall view's. With
    ``reorder`` the values are partly sorted in place (no copy)."""
    if not seen_yaw_deg.size:
        return float("nan")
    return float(np.median(seen_yaw_deg, overwrite_input=reorder))


def estimate_view(yaw_deg: np.ndarray, usable: np.ndarray, cfg: ViewConfig,
                  median_yaw_deg: float | None = None) -> Estimate:
    """Overall view: the median yaw of the usable frames (``median_yaw_deg`` if the caller
    has it already); confidence = share of frames whose own view agrees."""
    return view_of_yaw(usable_yaw(yaw_deg, usable), cfg, median_yaw_deg)


def view_of_yaw(yaw_deg: np.ndarray, cfg: ViewConfig,
                median_yaw_deg: float | None = None) -> Estimate:
    """``estimate_view`` of the usable frames' known yaw values ``yaw_deg`` (``usable_yaw``),
    for a caller that has selected them already."""
    if yaw_deg.size == 0:
        return Estimate(UNKNOWN_VIEW, 0.0)
    median = float(np.median(yaw_deg)) if median_yaw_deg is None else median_yaw_deg
    name = str(classify_yaw(median, cfg))
    # Agreement by name: the two oblique bins (front and rear oblique) are one view.
    same = np.flatnonzero(_VIEW_NAMES == name)
    agree = float(np.mean(_in_bins(yaw_deg, same, cfg)))
    return Estimate(name, round(agree, 4))


def view_windows(t_s: np.ndarray, yaw_deg: np.ndarray, usable: np.ndarray,
                 cfg: ViewConfig) -> tuple[ViewWindow, ...]:
    """The view per window of ``cfg.window_s`` (camera cuts and turning lifters change it)."""
    t = np.asarray(t_s, dtype=np.float64)
    if t.size == 0:
        return ()
    y = np.where(np.asarray(usable, dtype=bool), yaw_deg, np.nan)
    bins = np.floor((t - t[0]) / cfg.window_s).astype(np.int64)
    edges = np.flatnonzero(np.diff(bins)) + 1
    out = []
    for seg_t, seg_y in zip(np.split(t, edges), np.split(y, edges), strict=True):
        fin = seg_y[np.isfinite(seg_y)]
        yaw = float(np.median(fin)) if fin.size else float("nan")
        out.append(ViewWindow(float(seg_t[0]), float(seg_t[-1]), str(classify_yaw(yaw, cfg)),
                              yaw))
    return tuple(out)
