"""``Series``: a named signal over time, with its threshold — what plots and gauges draw."""

from __future__ import annotations

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
        threshold: the value past which the rule warns (None when the signal is context only).
        fault: the fault this signal decides (one of ``report.FAULTS``) or None.
        baseline: the lifter's own neutral subtracted from the raw signal, if any.
        judged: ``(T,)`` bool, the frames on which the rule decided (None: all); a value past
            the threshold elsewhere (standing, out of view, a view that cannot show the
            fault) was not judged and is drawn muted.
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
