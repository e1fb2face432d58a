"""``Series``: a named signal over time, with its limit — what plots and gauges draw."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Series:
    """One signal over the frames of a ``PoseSequence``.

    Attributes:
        name: machine name, e.g. ``back_bulge`` or ``twist_rate``.
        label: human label, e.g. ``"Back rounding past neutral"``.
        unit: e.g. ``"deg"``, ``"deg/s"``, ``"% of torso"``.
        t_s: ``(T,)`` timestamps (the sequence's own).
        values: ``(T,)`` values, NaN where unknown.
        threshold: the value past which the rule warns on every frame (None when the signal is
            context only, or when the limit differs by frame: ``threshold_t``).
        fault: the fault this signal decides (one of ``report.FAULTS``) or None.
        baseline: the lifter's own neutral subtracted from the raw signal, if any.
        judged: ``(T,)`` bool, the frames on which the rule decided (None: all); a value past
            the threshold elsewhere (standing, out of view, a view that cannot show the
            fault) was not judged and is drawn muted.
        threshold_t: ``(T,)`` the limit that applies at each frame when it differs by frame
            (the jerky twist's, blended by how well the view shows the turn: a fast stretch is
            a finding when its peak passes the limit at the peak's frame), NaN where there is
            none; None when ``threshold`` (one limit, or none) says it. At most one of the
            two is given. Surfaces read it through ``limit_t``, ``limit_at`` and
            ``judged_limits``, never a summary of it: a frame is compared with its own limit.
        limit_by: with ``threshold_t``, what the limit varies with, in a few words a page can
            put after the range ("by how well the view shows the turn").
        checked_to: the largest value the estimate was checked on (the rounded back's
            degrees, ``faults.FLEXION_CHECKED_TO_DEG``): a reading past it is stated as "more
            than" it (``report.format_reading``); None: no such end.
    """

    name: str
    label: str
    unit: str
    t_s: np.ndarray
    values: np.ndarray
    threshold: float | None = None
    fault: str | None = None
    baseline: float | None = None
    judged: np.ndarray | None = None
    threshold_t: np.ndarray | None = None
    limit_by: str | None = None
    checked_to: float | None = None

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        v = np.asarray(self.values, dtype=np.float64)
        if t.ndim != 1 or v.shape != t.shape:
            raise ValueError(f"Series {self.name}: t_s (T,) and values (T,) expected, "
                             f"got {t.shape} and {v.shape}")
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "values", v)
        if self.judged is not None:
            j = np.asarray(self.judged, dtype=bool)
            if j.shape != t.shape:
                raise ValueError(f"Series {self.name}: judged (T,) expected, got {j.shape}")
            object.__setattr__(self, "judged", j)
        if self.threshold_t is not None:
            if self.threshold is not None:
                raise ValueError(f"Series {self.name}: give threshold (one limit) or "
                                 "threshold_t (per frame), not both")
            lim = np.asarray(self.threshold_t, dtype=np.float64)
            if lim.shape != t.shape:
                raise ValueError(f"Series {self.name}: threshold_t (T,) expected, "
                                 f"got {lim.shape}")
            object.__setattr__(self, "threshold_t", lim)

    @property
    def has_limit(self) -> bool:
        """Whether the rule compares this signal with a limit (one, or one per frame)."""
        return self.threshold is not None or self.threshold_t is not None

    @property
    def limit_t(self) -> np.ndarray:
        """``(T,)`` the limit of each frame: ``threshold_t``, else ``threshold`` on every
        frame, else NaN."""
        if self.threshold_t is not None:
            return self.threshold_t
        fill = np.nan if self.threshold is None else float(self.threshold)
        return np.full(self.t_s.shape, fill)

    def limit_at(self, index: int) -> float | None:
        """The limit of frame (sample) ``index``; None where there is none."""
        if self.threshold_t is None:
            return None if self.threshold is None else float(self.threshold)
        v = float(self.threshold_t[index])
        return v if math.isfinite(v) else None

    def judged_limits(self) -> tuple[float, float] | None:
        """(lowest, highest) limit over the frames the rule judged (all frames when ``judged``
        is None) that have one: the range a surface states; None when no judged frame had one
        (or the signal has no limit)."""
        if self.threshold_t is None:
            return None if self.threshold is None or (
                self.judged is not None and not self.judged.any()) else (
                float(self.threshold), float(self.threshold))
        lim = self.threshold_t if self.judged is None else self.threshold_t[self.judged]
        lim = lim[np.isfinite(lim)]
        return (float(lim.min()), float(lim.max())) if lim.size else None

    def limit_span(self) -> tuple[float, float] | None:
        """(lowest, highest) limit over every frame that has one (what a plot's range must
        hold to draw the limit line whole); None when the signal has no limit."""
        lim = self.limit_t
        lim = lim[np.isfinite(lim)]
        return (float(lim.min()), float(lim.max())) if lim.size else None
