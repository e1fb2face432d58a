"""Live mode's own thresholds and timings (typed, units in the names). The analysis
thresholds are the file mode's ``formcheck.config.Config``, unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.errors import ConfigError


@dataclass(frozen=True)
class LiveSettings:
    #: Countdown between "ready" and the start of the set; 0 starts the set at once.
    countdown_s: float = 3.0
    #: Before the countdown, the body must be fully in frame and lit for this long.
    ready_hold_s: float = 1.0
    #: Mean frame brightness (0-255 grey) below which the picture is "too dark".
    min_brightness: float = 45.0
    #: A landmark counts as seen at or above this visibility.
    min_visibility: float = 0.5
    #: Seen landmarks must lie this far inside the picture (fraction of its size).
    frame_margin_frac: float = 0.01
    #: Poses kept to judge the camera's view while getting set.
    view_window_s: float = 2.0
    #: Least time between two incremental analyses (leaves the CPU to the pose model).
    analysis_interval_s: float = 0.05
    #: A rep counts as finished once it has ended this long before the newest frame (the
    #: zero-phase filter's edge must not move its end).
    settle_s: float = 0.1
    #: At the set's end, a finding of the final report counts as already warned of when a
    #: live warning named the same fault and rep with its peak at most this far away; else
    #: it is announced then (a rep number given live can belong to another rep later, when
    #: the set so far was cut into reps differently).
    same_warning_s: float = 0.5
    #: Reconnect attempts after a camera stops delivering frames, and the pause between them.
    reconnect_attempts: int = 3
    reconnect_delay_s: float = 0.5
    #: Swap a frame that has waited over half a frame interval for the next one when that is
    #: due sooner (lower latency for a little throughput; see ``FrameGrabber.get``).
    fresh_wait: bool = True
    #: Frames kept to compute the fps and latency shown in the window.
    stats_window_frames: int = 30

    def __post_init__(self) -> None:
        for name in ("countdown_s", "ready_hold_s", "view_window_s", "analysis_interval_s",
                     "settle_s", "reconnect_delay_s", "same_warning_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"live setting {name} must be >= 0, got {getattr(self, name)}")
        if self.reconnect_attempts < 0 or self.stats_window_frames < 1:
            raise ConfigError("live settings need reconnect_attempts >= 0 and "
                              "stats_window_frames >= 1")
