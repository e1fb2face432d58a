"""The live loop: newest frame → pose → (set) → incremental analysis → overlay → window.

States: ``getting set`` (guidance; no reps counted) → ``countdown`` → ``lifting`` (frames go
into the set) ⇄ ``paused``. A set ends on ``n`` (new set), ``q``, Ctrl-C, the end of a replayed
file, or a camera that stays disconnected; its outputs are then written exactly as
``formcheck analyze`` writes them (the same pipeline functions on the same ``PoseSequence``),
each file atomically.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

import numpy as np

from formcheck import pipeline
from formcheck.config import Config, FaultThresholds
from formcheck.errors import FormcheckError
from formcheck.fsutil import file_sha256
from formcheck.io.video import size_change_fact
from formcheck.live.capture import Captured, FrameGrabber, Source
from formcheck.live.cues import CuePlayer
from formcheck.live.display import WARN_BGR, Window, draw_countdown, draw_hud, hud_layout
from formcheck.live.guidance import Guidance, assess_picture
from formcheck.live.incremental import (
    GrowingSet,
    LiveAnalyzer,
    LiveView,
    movement_end_s,
    view_of,
)
from formcheck.live.settings import LiveSettings
from formcheck.live.told import Correction, LiveWarnings, with_corrections
from formcheck.pose.estimator import (
    FramePose,
    PoseEstimator,
    _quiet_native_stderr,
    posed_size,
)
from formcheck.pose.people import PeopleTally, PersonSelector
from formcheck.pose.plausible import without_upside_down
from formcheck.pose.scene_level import EXTRA_KEY as SCENE_LEVEL_KEY
from formcheck.pose.scene_level import LevelSampler, SceneLevel, level_of_file
from formcheck.pose.sequence import POSE_PASS_VERSION, PoseSequence
from formcheck.render._common import capitalized, finding_text
from formcheck.report import FAULT_TITLES, OUTSIDE_REPS_WORDS, Notice, Report, VideoInfo, counted

#: Live banners stay until a later warning replaces them: a warning shown after its rep ended
#: must stay readable however long before the rep's end the fault itself was over.
LIVE_BANNER_HOLD_S = 1e9
#: Frames of the set handed to the overlay for the newest frame (8.5 s at 60 fps).
DRAW_WINDOW_FRAMES = 512


class State(str, Enum):
    getting_set = "getting set"
    countdown = "countdown"
    lifting = "lifting"
    paused = "paused"


@dataclass(frozen=True)
class LiveOptions:
    out_dir: Path
    model: str | None = None
    exercise: str | None = None
    config: Config | None = None
    #: Where ``config`` came from (``--config FILE``, ``--set SECTION.FIELD=VALUE``), as
    #: given: the rebuild hint after a second Ctrl-C passes them on to ``analyze``.
    config_file: Path | None = None
    set_values: tuple[str, ...] = ()
    record: bool = False
    headless: bool = False
    sound: bool = False
    voice: bool = False
    cue_wav: Path | None = None
    settings: LiveSettings = field(default_factory=LiveSettings)
    stem: str | None = None  # output name of the first set (later sets: STEM-setN)
    person: str = "auto"  # which of several people is the lifter (pose.people.PERSON_RULES)


@dataclass
class SetResult:
    stem: str
    report: Report
    written: dict[str, Path]
    #: (fault, rep) → seconds from the capture of the rep's last frame to the first frame
    #: that showed the warning; None for a final finding never told live (``LiveWarnings.told``:
    #: the same fault and moment, as the set's end decides what it still has to tell).
    warning_delay_s: dict[tuple[str, int | None], float | None]
    shown_not_final: list[tuple[str, int | None]]
    problems: list[str] = field(default_factory=list)  # outputs that could not be made
    #: Warnings given live that the whole set's record does not confirm (each is a notice of
    #: the record, and was said once at the set's end).
    corrections: list[Correction] = field(default_factory=list)


@dataclass
class SessionStats:
    latency_ms: list[float] = field(default_factory=list)  # capture → displayed
    inference_ms: list[float] = field(default_factory=list)
    draw_ms: list[float] = field(default_factory=list)  # overlay + heads-up panel
    displayed: int = 0
    read: int = 0  # frames the source delivered to the loop (a camera's, the replay's)
    dropped: int = 0  # of ``read``: replaced before the loop took them
    #: Not among ``read``: frames a realtime replay decoded after their time had passed and
    #: skipped (``ReplaySource.skipped_indices``), as a camera's not read in time are lost
    #: (a camera's are never counted: nothing tells of them).
    skipped: int = 0
    reconnects: int = 0
    first_display_s: float | None = None
    last_display_s: float | None = None
    pauses: int = 0

    @property
    def fps(self) -> float:
        if self.first_display_s is None or self.displayed < 2:
            return 0.0
        span = self.last_display_s - self.first_display_s
        return (self.displayed - 1) / span if span > 0 else 0.0

    @property
    def sent(self) -> int:
        """Frames the source sent: read, or skipped by a realtime replay."""
        return self.read + self.skipped

    @property
    def not_analysed(self) -> int:
        """Frames sent and never analysed: dropped, or skipped by a realtime replay."""
        return self.dropped + self.skipped

    @property
    def dropped_share(self) -> float:
        """The share of the frames sent that were not analysed (as a set's record counts
        its own, and the window shows it)."""
        return self.not_analysed / self.sent if self.sent else 0.0


@dataclass
class SessionResult:
    sets: list[SetResult]
    stats: SessionStats
    error: FormcheckError | None  # the camera stayed disconnected
    cue_wav: Path | None = None


class _Recorder:
    """Encodes the set's raw frames (exactly those in its pose data) on its own thread."""

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        from formcheck.io.video import VideoSink

        # x264 on the machine's cores, as before the sink's thread count was honoured (a
        # live recording need not be byte-reproducible).
        self._sink = VideoSink(path, width, height, fps, threads=0)
        self._q: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        #: Asked before each frame while the set's end is encoded: True stops it (the saving
        #: of the set was given up).
        self.stop: Callable[[], bool] | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-record", daemon=True)
        self._thread.start()

    def write(self, image: np.ndarray, t_s: float) -> None:
        self._q.put((image, t_s))

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            if self._error is None and self.stop is not None and self.stop():
                self._error = _Abandoned()  # a second Ctrl-C: the rest is not encoded
            if self._error is None:
                try:
                    self._sink.write(*item)
                except BaseException as exc:  # noqa: BLE001 - re-raised by close()
                    self._error = exc

    def finish(self) -> None:
        """Encode the frames still queued (stopped early by ``stop``); ``close`` publishes."""
        self._q.put(None)
        self._thread.join()

    def close(self) -> Path:
        self.finish()
        if self._error is not None:
            self._sink.abort()
            raise self._error
        return self._sink.close()

    def abort(self) -> None:
        self._q.put(None)
        self._thread.join()
        self._sink.abort()


class _Abandoned(Exception):
    """The saving of a set was given up (a second Ctrl-C): raised on the writer thread at its
    next step; what it had published stays."""


class SaveInterrupted(FormcheckError):
    """Ctrl-C (or SIGTERM) while sets were being saved: the message says what was kept."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.exit_code = 128 + int(signum)


def stopped_words(signum: int) -> str:
    """How a message names the signal that stopped live: "interrupted (Ctrl-C)" or
    "terminated (SIGTERM)"."""
    import signal

    if signum == signal.SIGINT:
        return "interrupted (Ctrl-C)"
    return f"terminated ({signal.Signals(signum).name})"


def _sets_words(sets: list[_Set]) -> str:
    """``set 1 (STEM)``, ``set 1 (A) and set 2 (B)``, …"""
    names = [f"set {c.number} ({c.stem})" for c in sets]
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]


class _Set:
    """One set being lifted: its poses, analysis thread, recorder and shown warnings."""

    def __init__(self, session: LiveSession, stem: str, origin_s: float,
                 first_index: int) -> None:
        opts = session.opts
        self.stem = stem
        self.number = session._set_no
        self.origin_s = origin_s
        self.paths = pipeline.output_paths(opts.out_dir, stem)
        info = session.info
        self.growing = GrowingSet(width=info.width, height=info.height,
                                  source=session.source_name, model=session.model_name,
                                  extra=session.scene_extra)
        self.analyzer = LiveAnalyzer(self.growing, config=opts.config, exercise=opts.exercise,
                                     interval_s=opts.settings.analysis_interval_s,
                                     settle_s=opts.settings.settle_s).start()
        self.recording_path = opts.out_dir / f"{stem}.recording.mp4"
        # Source frame numbers: the set is "aligned" with a replayed file while it holds its
        # frames 0, 1, 2, … without a gap (no pause, not a later set).
        self.first_index = first_index
        self.last_index = first_index - 1
        self.contiguous = True
        self.reached_end = False  # the source ended during this set
        from_file = session.lockstep_replay and first_index == 0
        self.recorder = (_Recorder(self.recording_path, info.width, info.height,
                                   info.fps or 30.0)
                         if opts.record and not from_file else None)
        #: Every warning given live, so the set's end tells what the lifter was not told and
        #: corrects what the whole set does not confirm.
        self.warnings = LiveWarnings(opts.settings.same_warning_s)
        self.last_t: float | None = None
        self.people_tally: PeopleTally | None = None
        self.was_paused = False  # frames skipped while paused are not dropped ones

    @property
    def aligned(self) -> bool:
        return self.first_index == 0 and self.contiguous

    def add(self, cap: Captured, pose: FramePose) -> None:
        if cap.frame.index != self.last_index + 1:
            self.contiguous = False
        self.last_index = cap.frame.index
        t = cap.frame.t_s - self.origin_s
        if self.last_t is not None and t <= self.last_t:
            t = self.last_t + 1e-6
        self.last_t = t
        self.growing.append(t, pose, cap.captured_s)
        if self.recorder is not None:
            self.recorder.write(cap.frame.image, t)
        self.analyzer.poke()

    def count_people(self, selector: PersonSelector) -> None:
        """Count the people the estimator saw on this set's newest frame (its own counts run
        over every frame it posed: before the set, while paused, earlier sets)."""
        if self.people_tally is None:
            self.people_tally = PeopleTally(selector.rule)
        self.people_tally.add(selector)


def _key(f) -> tuple[str, int | None]:
    return (f.fault, f.rep if f.rep is not None else None)


def warning_text(f, rep_numbers: bool = True) -> str:
    """What the voice says: short, rep first, with the severity the rule gave; without the
    rep's number while the set so far cannot tell it (``LiveView.rep_numbers``)."""
    where = (f"{capitalized(OUTSIDE_REPS_WORDS)}: " if f.rep is None
             else f"Rep {f.rep}: " if rep_numbers else "")
    title = FAULT_TITLES.get(f.fault, f.fault)
    return f"{where}{title if where else capitalized(title)}, {f.severity}"


#: What the window's status line, each set's record (its ``frames_dropped`` notice) and the
#: session's summary say of the frames sent and never analysed: dropped while the pose model
#: caught up, or skipped by a realtime replay that fell behind (the window had said "dropped"
#: of both).
NOT_ANALYSED_WORDS = "not analysed"


def replay_skipped(source: Source | None, first: int = 0, last: int | None = None) -> int:
    """Frames of a realtime replay (its frames ``first`` … ``last``; to its newest when
    ``last`` is None) decoded after their time had passed and skipped; 0 for a camera."""
    between = getattr(source, "skipped_between", None)
    if between is None:
        return 0
    return between(first, last if last is not None else 1 << 62)


def _session_frames(session) -> SessionStats:
    """The session's frame counts so far (``read``, ``dropped``, ``skipped``), as its
    summary and its window give them. A camera's frames sent before the loop took its first
    were skipped while the models loaded, not dropped by a loop that could not keep up: left
    out. A realtime replay's frames skipped (decoded too late) were never read, as a camera's
    not read in time; they were sent and not analysed all the same, as a set's record counts
    them (``SessionStats.sent``, ``not_analysed``)."""
    grabber = session.grabber
    early = session.is_camera and not grabber.lockstep and session._first_seq is not None
    loading = session._first_seq if early else 0
    return SessionStats(read=grabber.read_count - loading,
                        dropped=max(0, grabber.dropped - loading),
                        skipped=replay_skipped(session.source))


class LiveSession:
    """Runs one live session on ``source`` until quit, Ctrl-C or the source's end."""

    def __init__(self, source: Source, opts: LiveOptions, *, is_camera: bool,
                 lockstep: bool = False, replay_path: Path | None = None,
                 window: Window | None = None,
                 log: Callable[[str], None] | None = None,
                 notice: Callable[[str], None] | None = None) -> None:
        """``log``: one line per event of the session (stdout); ``notice``: what a Ctrl-C
        starts (stderr, said at once)."""
        from formcheck.pose.models import resolve_model

        self.source = source
        self.opts = opts
        self.is_camera = is_camera
        self.info: VideoInfo = source.info
        self.replay_path = replay_path
        self.resolved = resolve_model(opts.model)
        self.model_name = self.resolved.name
        # Frames are posed under the same cap as `formcheck analyze` poses them (the one
        # config's ``pose.max_side_px``), and each set's pose data records it alike.
        self.max_side = pipeline.pose_max_side(opts.config)
        self.source_name = replay_path.name if replay_path else self.info.path
        # Replaying every frame of a file: a set that holds its frames from the first one on
        # is drawn from the file itself, exactly as `formcheck analyze` draws it.
        self.lockstep_replay = bool(replay_path and lockstep)
        # A replayed file's scene level (the camera's roll its straight lines show), read as
        # the pose pass of `formcheck analyze` reads it, so every analysis of its sets is
        # levelled alike. A camera's is read from its first frames (one every 0.25 s, eight):
        # the set under way then and every later one are levelled by it.
        self.scene_extra = ({SCENE_LEVEL_KEY: level_of_file(
            replay_path, getattr(self.info, "rotation", 0) or 0).as_extra()}
            if replay_path else {})
        self._level_sampler = LevelSampler() if replay_path is None else None
        self.grabber = FrameGrabber(source, lockstep=lockstep,
                                    reconnect_attempts=opts.settings.reconnect_attempts,
                                    reconnect_delay_s=opts.settings.reconnect_delay_s,
                                    is_camera=is_camera,
                                    fresh_wait=opts.settings.fresh_wait)
        self.window: Window | None = None if opts.headless else (window or Window())
        self.cues = (CuePlayer(sound=opts.sound, voice=opts.voice, wav_path=opts.cue_wav)
                     if (opts.sound or opts.voice) else None)
        self.stats = SessionStats()
        self.state = State.getting_set if opts.settings.countdown_s > 0 else State.lifting
        self.current: _Set | None = None
        self.sets: list[SetResult] = []
        self._set_no = 0
        self._ready_since: float | None = None
        self._countdown_end: float | None = None
        self._warmup: deque[tuple[float, FramePose]] = deque()
        self._view: str | None = None
        self._yaw: float | None = None  # the body's median yaw over the view window
        self._view_at = -1e9
        self._guidance: Guidance | None = None
        self._recent_lat: deque[float] = deque(maxlen=opts.settings.stats_window_frames)
        self._recent_disp: deque[float] = deque(maxlen=opts.settings.stats_window_frames)
        self._log = log or (lambda text: None)
        self._quit = False
        self._seen_person = False
        self._writer: threading.Thread | None = None
        self._to_write: queue.Queue = queue.Queue()
        self._write_error: BaseException | None = None
        # A set's saving: its primary record (recording, pose data) is published first, then
        # its derived outputs together (one OutputGeneration); a second Ctrl-C sets _abandon
        # under _publish_lock, so nothing is published after it, and says what was kept.
        self._publish_lock = threading.Lock()
        # Set when the writer thread has finished. Waited on instead of Thread.join: a join
        # interrupted by Ctrl-C marks the thread stopped while it runs on (CPython's
        # bpo-45274 handling), so a second join returned at once and the process left
        # mid-save (a staging folder left behind; on main, a crash at exit).
        self._writer_done = threading.Event()
        self._abandon = False
        self._saving: list[_Set] = []  # sets ended and not yet saved, in order
        self._kept: dict[str, list[str]] = {}  # set stem → kinds published so far
        self._stages: list = []  # derived outputs' staging folders not yet published
        self._notice = notice or (lambda text: None)
        self._paused_from: State | None = None
        self._est: PoseEstimator | None = None
        self._stems: set[str] = set()  # the output names of this session's sets
        self._first_seq: int | None = None  # the grabber's count of the loop's first frame

    # ------------------------------------------------------------------ loop
    def run(self) -> SessionResult:
        self.opts.out_dir.mkdir(parents=True, exist_ok=True)
        # A camera sends frames from the moment it is opened: they are read from then on, as
        # they arrive (the newest kept), while the models load. Left unread, they piled up (an
        # IP camera's stream) and came in a burst when the loop began: seconds of movement
        # stamped a fraction of a second apart, all but a few dropped, and the record blamed
        # the pose model. A replayed file's clock starts at its first read: after the warm-up.
        early = self.is_camera and not self.grabber.lockstep
        try:
            if early:
                self.grabber.start()
            with PoseEstimator(self.resolved.path, person=self.opts.person,
                               max_side=self.max_side) as est:
                blank = np.zeros((self.info.height or 480, self.info.width or 640, 3),
                                 np.uint8)
                if not self.grabber.lockstep:
                    # The models' first calls set them up (slow): not on a lifter's frame.
                    # The frames keep their own times, and nothing of the warm-up is carried
                    # into them (a replayed file's record said "the picture jumps at 0.00 s":
                    # its first frame was compared with the blank). At the size the frames
                    # are posed at: a 4K camera's are scaled down first.
                    w, h = posed_size(blank.shape[1], blank.shape[0], self.max_side)
                    est.warm_up(w, h, person_picture(w, h))
                _warm_up(blank)
                if not early:
                    self.grabber.start()
                self._loop(est)
        except KeyboardInterrupt:
            stopped = True  # Ctrl-C: end the set normally, below
        else:
            stopped = False
        finally:
            self.grabber.stop()
            if self.window is not None:
                self.window.close()
        self._end_set()
        self._finish_writing(stopped)
        counts = _session_frames(self)
        self.stats.read, self.stats.dropped, self.stats.skipped = (
            counts.read, counts.dropped, counts.skipped)
        self.stats.reconnects = self.grabber.reconnects
        wav = self.cues.close() if self.cues is not None else None
        return SessionResult(sets=self.sets, stats=self.stats, error=self.grabber.error,
                             cue_wav=wav)

    def _loop(self, est: PoseEstimator) -> None:
        self._est = est
        while not self._quit:
            cap = self.grabber.get(timeout=0.1)
            if cap is None:
                if self.window is not None:
                    self._handle_key(self.window.poll())
                if self.grabber.finished:
                    if self._level_sampler is not None:  # the camera stopped before a reading
                        self._use_level(self._level_sampler.finish())
                    return
                continue
            if self._first_seq is None:
                self._first_seq = cap.seq_no
            t0 = time.perf_counter()
            # MediaPipe's C++ side prints notices on the first frames with a person (the
            # estimator hides those of its first call, which here was the warm-up).
            with _quiet_native_stderr(not self._seen_person):
                pose = est.process(cap.frame.image, cap.frame.t_s)
            self._seen_person = self._seen_person or pose.detected
            self.stats.inference_ms.append((time.perf_counter() - t0) * 1000.0)
            if self._level_sampler is not None:
                self._read_level(cap)
            self._advance(cap, pose)
            t1 = time.perf_counter()
            image = self._draw(cap, pose)
            self.stats.draw_ms.append((time.perf_counter() - t1) * 1000.0)
            key = self.window.show(image) if self.window is not None else None
            shown = time.monotonic()
            self._account(cap, shown)
            self._handle_key(key)
            if self.current is not None:
                self.current.analyzer.check()

    def _read_level(self, cap: Captured) -> None:
        """Feed the camera's frame to the scene-level reading; once read, it holds for the
        set under way (from its next analysis on) and every later set."""
        self._use_level(self._level_sampler.offer(cap.frame.t_s, cap.frame.image))

    def _use_level(self, got: SceneLevel | None) -> None:
        """Once the scene's level is read (``got``; None: not yet), it holds for the set
        under way and every later set."""
        if got is None:
            return
        self._level_sampler = None
        self.scene_extra = {SCENE_LEVEL_KEY: got.as_extra()}
        if self.current is not None:  # a new dict: the analysis thread may be reading it
            self.current.growing.extra = {**self.current.growing.extra, **self.scene_extra}

    def _faults_before_set(self) -> FaultThresholds:
        """The thresholds the set will be judged with, for the view advice: the chosen
        exercise's, or (exercise not chosen yet) the ``unknown`` table's."""
        return (self.opts.config or Config()).faults_for(self.opts.exercise or "unknown")

    # ------------------------------------------------------------------ states
    def _advance(self, cap: Captured, pose: FramePose) -> None:
        s = self.opts.settings
        now = cap.frame.t_s  # the source's clock: a replayed file counts down in file time
        if self.state is State.paused:
            return
        if self.state in (State.getting_set, State.countdown):
            self._warmup.append((cap.frame.t_s, pose))
            while self._warmup and self._warmup[0][0] < cap.frame.t_s - s.view_window_s:
                self._warmup.popleft()
            if now - self._view_at >= 0.5:  # the view, twice a second
                self._view, self._yaw = view_of(self._warmup_seq(), self.opts.config)
                self._view_at = now
            self._guidance = assess_picture(cap.frame.image, pose.image_xy, pose.visibility,
                                            self._view, s, self._faults_before_set(),
                                            self._yaw)
            if not self._guidance.ready:
                self._ready_since = None
                self.state = State.getting_set
                return
            if self._ready_since is None:
                self._ready_since = now
            if self.state is State.getting_set and now - self._ready_since >= s.ready_hold_s:
                self.state = State.countdown
                self._countdown_end = now + s.countdown_s
            if self.state is State.countdown and now >= self._countdown_end:
                self.state = State.lifting
            if self.state is not State.lifting:
                return
        if self.current is None:
            self._start_set(cap)
        self.current.add(cap, pose)
        if self._est is not None:
            self.current.count_people(self._est.people)

    def _warmup_seq(self) -> PoseSequence:
        from formcheck.pose.estimator import to_sequence

        t = [t for t, _ in self._warmup]
        return to_sequence(t, [p for _, p in self._warmup], width=self.info.width,
                           height=self.info.height)

    def _start_set(self, cap: Captured) -> None:
        self._set_no += 1
        stem = set_stem(self.opts.stem, self._set_no, self.opts.out_dir, self._stems,
                        datetime.now(timezone.utc))
        self._stems.add(stem)
        # A camera's set starts at 0 s; a replayed file keeps its own times.
        origin = cap.frame.t_s if self.is_camera else 0.0
        self.current = _Set(self, stem, origin, cap.frame.index)
        self._log(f"set {self._set_no} started ({stem})")

    def _handle_key(self, key: str | None) -> None:
        if key is None:
            return
        if key == "q":
            self._quit = True
        elif key == "p":
            if self.state is State.paused:
                self.state = self._paused_from or State.lifting
                self._log("resumed")
            else:
                self._paused_from = self.state
                self.state = State.paused
                if self.current is not None:
                    self.current.was_paused = True
                self.stats.pauses += 1
                self._log("paused")
        elif key == "n":
            self._end_set()
            s = self.opts.settings
            self.state = State.getting_set if s.countdown_s > 0 else State.lifting
            self._ready_since = None

    # ------------------------------------------------------------------ drawing
    def _draw(self, cap: Captured, pose: FramePose) -> np.ndarray:
        cur = self.current
        lines: list[tuple[str, tuple[int, int, int]]] = []
        countdown_s = None
        rep_numbers = True
        view: LiveView | None = None
        lifting = cur is not None and self.state is State.lifting and len(cur.growing)
        if lifting:
            view = cur.analyzer.view
            report = view.report if view is not None else _empty_report()
            # The overlay of the newest frame needs only the recent past (its sparkline shows
            # 3 s); a trailing window keeps the cost flat however long the set. No skeleton
            # where the pose is upside down, as in the analysis (each frame judged alone).
            seq = without_upside_down(cur.growing.snapshot(last=DRAW_WINDOW_FRAMES))
            series = view.series if view else {}
            rep_numbers = view.rep_numbers if view else True
        else:
            report, seq, series = (_empty_report(),
                                   without_upside_down(_one_frame(pose, self.info)), {})
            if self.state in (State.getting_set, State.countdown) and self._guidance:
                g = self._guidance
                lines += [(ln, (255, 255, 255) if g.ready or ln.startswith("View") else WARN_BGR)
                          for ln in g.lines()]
            if self.state is State.countdown and self._countdown_end is not None:
                countdown_s = max(0.0, self._countdown_end - cap.frame.t_s)
        if self.state is State.paused:
            lines.insert(0, ("Paused: press p to go on", WARN_BGR))
        image = cap.frame.image.copy()
        if self.window is not None:  # drawn at the size shown, so the text keeps its size
            fit = self.window.fit(image.shape[1], image.shape[0])
            if fit != (image.shape[1], image.shape[0]):
                import cv2

                image = cv2.resize(image, fit, interpolation=cv2.INTER_AREA)
                seq = seq.resized(*fit)
        image = live_frame(image, report, seq, series, self._status_line(),
                           lines, countdown_s, rep_numbers=rep_numbers)
        if lifting:
            self._note_shown(cur, view)
        return image

    def _status_line(self) -> str:
        lat = float(np.median(self._recent_lat)) if self._recent_lat else float("nan")
        d = self._recent_disp
        fps = (len(d) - 1) / (d[-1] - d[0]) if len(d) > 1 and d[-1] > d[0] else 0.0
        lat_txt = f"{lat:.0f} ms" if np.isfinite(lat) else "–"
        # Short, top-right: the overlay's rep counter sits top-left. Keys: window title.
        return f"{self.state.value} · {fps:.0f} fps · {lat_txt} · {self._not_analysed_text()}"

    def _not_analysed_text(self) -> str:
        """The status line's share of the frames sent that were not analysed
        (``NOT_ANALYSED_WORDS``, the set's record's and the session's summary's words: a
        realtime replay's skipped frames are not "dropped"), saying whose: during a set, the
        set's own, counted as its record counts them; QA read "62% dropped" on the screen
        (the session's, from its start, set-up and earlier sets included) beside a record's
        6%. Between sets, the session's so far (frames a camera sent while the models loaded
        left out, as the session's summary does)."""
        cur = self.current
        if cur is not None and cur.last_index >= cur.first_index:
            sent = cur.last_index - cur.first_index + 1
            return f"{(sent - len(cur.growing)) / sent:.0%} {NOT_ANALYSED_WORDS} in set"
        return f"{_session_frames(self).dropped_share:.0%} {NOT_ANALYSED_WORDS} in session"

    def _note_shown(self, cur: _Set, view: LiveView | None) -> None:
        if view is None:
            return
        said_s = cur.last_t if cur.last_t is not None else 0.0
        for f in cur.warnings.note(view.report.findings, view.rep_numbers, said_s,
                                   time.monotonic()):
            self._log(f"warning: {finding_text(f)}")
            if self.cues is not None:
                self.cues.warn(warning_text(f, view.rep_numbers))

    def _account(self, cap: Captured, shown_s: float) -> None:
        st = self.stats
        lat = (shown_s - cap.captured_s) * 1000.0
        st.latency_ms.append(lat)
        self._recent_lat.append(lat)
        self._recent_disp.append(shown_s)
        st.displayed += 1
        if st.first_display_s is None:
            st.first_display_s = shown_s
        st.last_display_s = shown_s

    # ------------------------------------------------------------------ outputs
    def _end_set(self) -> None:
        """Close the current set; its outputs are written on the writer thread, so the
        window stays live while a finished set is saved."""
        cur, self.current = self.current, None
        if cur is None:
            return
        cur.analyzer.stop()
        cur.reached_end = self.grabber.finished and self.grabber.error is None
        # Who was followed on this set's frames (the estimator goes on into the next set).
        cur.people = cur.people_tally.summary() if cur.people_tally is not None else None
        if len(cur.growing) == 0:
            if cur.recorder is not None:
                cur.recorder.abort()
            return
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_sets, name="formcheck-write",
                                            daemon=True)
            self._writer.start()
        if cur.recorder is not None:
            cur.recorder.stop = lambda: self._abandon
        self._saving.append(cur)
        self._to_write.put(cur)

    def _write_sets(self) -> None:
        try:
            self._write_each_set()
        finally:
            self._writer_done.set()

    def _write_each_set(self) -> None:
        while True:
            cur = self._to_write.get()
            if cur is None:
                return
            try:
                done = self._write_set(cur)
                self.sets.append(done)
                self._saving.remove(cur)
                self._log(f"saved {done.stem}: {counted(len(done.report.reps), 'rep')}, "
                          f"{counted(len(done.report.findings), 'finding')}")
            except _Abandoned:
                pass
            except BaseException as exc:  # noqa: BLE001 - re-raised by _finish_writing()
                if cur in self._saving:
                    self._saving.remove(cur)
                self._write_error = self._write_error or exc

    def _finish_writing(self, stopped: bool = False) -> None:
        """Wait for the sets ended to be saved; ``stopped``: by a Ctrl-C, which the first
        line says. A second Ctrl-C from then on gives up what is not yet saved."""
        if self._writer is not None:
            try:
                saving = list(self._saving)  # the writer takes sets off as it saves them
                if stopped and saving:
                    # Saving takes seconds (analysis, page, annotated video): said at once,
                    # so a second Ctrl-C is not pressed to get an answer.
                    self._notice(f"stopping: saving {_sets_words(saving)} (Ctrl-C again to "
                                 "stop saving: what is saved by then is kept)")
                self._to_write.put(None)
                self._writer_done.wait()
            except KeyboardInterrupt as stop:
                lost = self._give_up_saving(getattr(stop, "signum", 2))
                if lost is not None:  # else every set was saved by then: a normal end
                    raise lost from None
        if self._write_error is not None:
            raise self._write_error

    def _check_going(self, *_) -> None:
        """Raise ``_Abandoned`` on the writer thread once the saving was given up."""
        if self._abandon:
            raise _Abandoned()

    def _give_up_saving(self, signum: int) -> SaveInterrupted | None:
        """A second Ctrl-C while sets were being saved: publish nothing more, let the writer
        drop what it had not published (a third Ctrl-C leaves at once), and say exactly what
        each set unsaved kept and how to make the rest."""
        with self._publish_lock:  # waits for a publication under way: files are whole sets
            self._abandon = True
        self._writer_done.wait(timeout=30.0)
        for gen in list(self._stages):
            gen.discard()
        out = self.opts.out_dir
        if not self._saving:
            return None
        parts = []
        for cur in self._saving:
            kept = [k for k in self._kept.get(cur.stem, []) if k in ("recording", "pose")]
            name = f"set {cur.number} ({cur.stem})"
            if not kept:
                parts.append(f"{name}: nothing of it was saved")
                continue
            what = " and ".join("its recording" if k == "recording" else "its pose data"
                                for k in kept)
            missing = ["report", "CSV", "page"] + (["annotated video"] if self.opts.record
                                                   else [])
            parts.append(f"{name}: kept {what} in {out}, not its "
                         f"{', '.join(missing[:-1])} or {missing[-1]}"
                         f"{self._rebuild_hint(cur, kept, out)}")
        return SaveInterrupted(f"{stopped_words(signum)} while saving: " + "; ".join(parts),
                               signum)

    def _rebuild_hint(self, cur: _Set, kept: list[str], out: Path) -> str:
        """``; `formcheck analyze …` makes them …`` for a set not saved whole, naming the
        files it writes. ``analyze`` names its outputs after the file it reads (QA: the hint
        `formcheck analyze DIR/STEM.recording.mp4 --out DIR` wrote STEM.recording.report.html
        and the rest where STEM.report.html was missing, and said nothing of it), so none of
        them replaces a file live kept: the recording's go beside it as STEM.recording.*; a
        replayed file's, named after the file as set 1's are, into a folder of their own. The
        set's model, exercise, person rule and settings (``--config``, each ``--set``) go with
        it."""
        import shlex

        from formcheck.outputs import output_paths

        if "recording" in kept:
            video, where, whence = out / f"{cur.stem}.recording.mp4", out, "the recording"
        elif self.replay_path is not None:
            video, where = Path(self.replay_path), out / f"{cur.stem}-whole-file"
            whence = "the whole file"
        else:
            return ""
        o = self.opts
        options = "".join(f" --{key} {shlex.quote(str(value))}" for key, value in (
            ("model", o.model), ("exercise", o.exercise),
            ("person", None if o.person == "auto" else o.person), ("config", o.config_file),
            *(("set", value) for value in o.set_values)) if value)
        made = output_paths(where, video.stem)
        names = ", ".join(made[k].name for k in ("report", "csv", "html", "video"))
        return (f"; `formcheck analyze {shlex.quote(str(video))} --out "
                f"{shlex.quote(str(where))}{options}` makes them from {whence}, named after "
                f"it: {names} in {where} (with its own pose data, {made['pose'].name})")

    def _publish(self, cur: _Set, kind: str, make: Callable[[], object]):
        """Publish the set's output ``kind`` with ``make()`` unless the saving was given up
        (then ``_Abandoned``); noted as kept."""
        with self._publish_lock:
            self._check_going()
            got = make()
            self._kept.setdefault(cur.stem, []).append(kind)
            return got

    def _write_set(self, cur: _Set) -> SetResult:
        """Save a set: first its primary record (the recording, then the pose data), each
        published as soon as it is whole, then its derived outputs (report, CSV, page,
        annotated video) staged and published together, so they are all there or none. A
        second Ctrl-C stops it at its next step (``_Abandoned``), keeping what was published.
        """
        from formcheck.outputs import OutputGeneration

        seq = cur.growing.snapshot()
        recording = None
        if cur.recorder is not None:
            cur.recorder.finish()
            if self._abandon:
                cur.recorder.abort()
                raise _Abandoned()
            recording = self._publish(cur, "recording", cur.recorder.close)
        from_file = self.lockstep_replay and cur.aligned
        if from_file and cur.reached_end:
            # Every frame of the file was analysed: its pose data is the file's own.
            info = self.info
            seq.extra["decode"] = {"frames_decoded": len(seq),
                                   "truncation": getattr(self.source, "truncation", None)}
            change = size_change_fact(getattr(self.source, "size_change", None))
            if change is not None:
                seq.extra["decode"]["size_change"] = change
            seq.extra["source_sha256"] = file_sha256(self.replay_path)
        else:
            # A camera, a file replayed in real time (frames dropped) or in part: the data
            # belongs to the frames analysed, i.e. to the recording if there is one.
            dur = float(seq.t_s[-1] - seq.t_s[0]) if len(seq) > 1 else 0.0
            info = VideoInfo(path=str(recording) if recording else self.info.path,
                             width=self.info.width, height=self.info.height,
                             fps=seq.fps, frame_count=len(seq), duration_s=dur)
            if recording is not None:
                seq.extra["source_sha256"] = file_sha256(recording)
        seq.extra["video"] = asdict(info)
        if getattr(cur, "people", None) is not None:
            seq.extra["people"] = cur.people
        seq.extra["model_sha256"] = file_sha256(self.resolved.path)
        seq.extra["pose_pass"] = POSE_PASS_VERSION
        pipeline.record_posed_at(seq, self.max_side)
        written = {"pose": self._publish(cur, "pose", lambda: seq.save(cur.paths["pose"]))}
        with OutputGeneration(self.opts.out_dir, cur.stem, keep=("pose",)) as gen:
            self._stages.append(gen)
            try:
                derived, report, result, problems, corrections = self._write_derived(
                    cur, seq, recording, gen.paths, from_file)
                self._check_going()
                written.update(self._publish(cur, "derived", lambda: gen.commit(derived)))
            finally:
                self._stages.remove(gen)
        if recording is not None:
            written["recording"] = recording
        self._announce_unshown(cur, report)
        self._announce_corrections(corrections)
        return self._set_result(cur, seq, report, written, problems, corrections)

    def _write_derived(self, cur: _Set, seq: PoseSequence, recording: Path | None,
                       paths: dict[str, Path], from_file: bool):
        """The set's report, CSV, page and annotated video, written to ``paths`` (a staging
        folder); stops at its next step once the saving is given up."""
        from formcheck.render.html import render_html

        report, result = pipeline.analyse(seq, exercise=self.opts.exercise,
                                          config=self.opts.config)
        self._check_going()
        # The record holds every warning the lifter was given: as one of its findings, or as a
        # notice saying why the whole set does not keep it.
        corrections = cur.warnings.corrections(report, result.series)
        report = with_corrections(report, corrections)
        if not from_file:
            span = float(seq.t_s[-1] - seq.t_s[0]) if len(seq) > 1 else 0.0
            report = self._with_frames_not_analysed(cur, report, len(seq), span)
        written = {"report": report.save_json(paths["report"]),
                   "csv": report.save_csv(paths["csv"])}
        video = self.replay_path if from_file and self.opts.record else recording
        problems: list[str] = []
        if self.opts.record and video is None:
            problems.append("annotated video not drawn (frames of the file were skipped, "
                            "by a pause, and none were recorded); replay with --realtime "
                            "--record to record the frames analysed")
        if video is not None:
            try:
                drawn = pipeline.render_view(seq, self.opts.config)
                written.update(pipeline.render_outputs(video, drawn, report, result.series,
                                                       paths, progress=self._check_going))
            except FormcheckError as exc:  # the set's data is safe; say what is missing
                problems.append(f"annotated video not drawn ({exc})")
        self._check_going()
        if "html" not in written:
            written["html"] = render_html(report, result.series, {}, paths["html"])
        return written, report, result, problems, corrections

    def _set_result(self, cur: _Set, seq: PoseSequence, report: Report,
                    written: dict[str, Path], problems: list[str],
                    corrections: list[Correction]) -> SetResult:
        delays: dict[tuple[str, int | None], float | None] = {}
        captured = cur.growing.captured_s
        final_keys = set()
        for f in report.findings:
            k = _key(f)
            final_keys.add(k)
            rep = next((r for r in report.reps if r.index == f.rep), None)
            # From when the warning could first be given: the rep's movement back at rest (its
            # still finish may run on for a second), or the fault's end if later.
            fault_end = int(f.evidence.get("frames", [0, len(seq) - 1])[-1])
            end_frame = fault_end if rep is None else max(fault_end, int(np.searchsorted(
                seq.t_s, movement_end_s(rep) - 1e-9)))
            shown = cur.warnings.told(f)
            delays[k] = None if shown is None else shown - captured[min(end_frame,
                                                                        len(captured) - 1)]
        return SetResult(stem=cur.stem, report=report, written=written,
                         warning_delay_s=delays,
                         shown_not_final=[k for k in cur.warnings.shown_keys
                                          if k not in final_keys],
                         problems=problems, corrections=corrections)

    def _with_frames_not_analysed(self, cur: _Set, report: Report, analysed: int,
                                  span_s: float) -> Report:
        """The record of a camera's set or a file replayed in real time says how many of the
        frames sent during the set were not analysed (dropped while inference caught up, or
        skipped while paused): its results, e.g. a frame rate too low to judge a twist, are
        those of fewer frames than the camera or file gave (``formcheck analyze`` of the file
        reads them all, and for a file the record says so: its reps can be counted
        otherwise). The rate it gives is of the frames analysed over the set's ``span_s``
        seconds, so it shows the frames dropped (the frames' median step did not: QA read
        "(30.0 fps; the file sent 30.0)" beside "6%" dropped)."""
        sent = cur.last_index - cur.first_index + 1
        skipped = sent - analysed
        if skipped <= 0:
            return report
        what = "camera" if self.is_camera else "file"
        late = replay_skipped(self.source, cur.first_index, cur.last_index)
        why = ("the pose model could not keep up, so frames it could not take were dropped"
               if late == 0 else
               "the replay skipped them, decoded only after their time had passed (as a "
               "camera's frames not read in time are lost)" if late == skipped else
               f"the replay skipped {late} of them, decoded only after their time had passed "
               "(as a camera's frames not read in time are lost), and the pose model could "
               f"not keep up with {skipped - late}, which were dropped")
        if cur.was_paused:
            why += ", or the set was paused"
        rate = (f" ({(analysed - 1) / span_s:.1f} a second on average over the set's "
                f"{span_s:.1f} s; the {what} sent {self.info.fps:.1f} fps)"
                if self.info.fps and span_s > 0 and analysed > 1 else "")
        message = (f"frames {NOT_ANALYSED_WORDS}: {skipped} of the {sent} the {what} sent "
                   f"during this set ({skipped / sent:.0%}): {why}; this record is of the "
                   f"{analysed} frames analysed{rate}")
        if not self.is_camera:
            # QA: a real clip replayed in real time lost 2 frames and its record counted 2
            # reps where `formcheck analyze` counted 5 (the lift not recognised, its reps are
            # counted on the part that moves most, a close call those 2 frames tipped).
            message += ("; `formcheck analyze` of the file reads every frame and can count "
                        "the reps otherwise: a few frames can hold a rep's peak or tip a close "
                        "call")
        return replace(report, notices=report.notices + (Notice("frames_dropped", message),))

    def _announce_corrections(self, corrections: list[Correction]) -> None:
        """Say, once each, which warnings given live the whole set does not keep (after what
        the record adds: ``_announce_unshown``)."""
        for c in corrections:
            self._log(f"correction (at the set's end): {c.text}")
            if self.cues is not None:
                self.cues.warn(c.spoken)

    def _announce_unshown(self, cur: _Set, report: Report) -> None:
        """Warn, once, of each finding of the set's report that was never shown live: its rep
        ended with the set (the file ran out, or the lifter quit at lockout), it lies outside
        any rep, or the warning given live under its fault and rep number was of another
        moment (the set so far was cut into reps differently). Without this such a set's
        record holds a warning the lifter never heard. A warning said without a rep number
        (``LiveView.rep_numbers``) of the same fault and moment counts as told
        (``LiveWarnings.told``)."""
        told: set[tuple[str, int | None]] = set()
        for f in report.findings:
            k = _key(f)
            if k in told or cur.warnings.told(f) is not None:
                continue
            told.add(k)
            self._log(f"warning (at the set's end): {finding_text(f)}")
            if self.cues is not None:
                self.cues.warn(warning_text(f))


def set_stem(stem: str | None, set_no: int, out_dir: Path, taken: set[str],
             now: datetime) -> str:
    """The output name of the session's set ``set_no``: the replayed file's stem (later sets
    ``STEM-setN``), or for a camera ``live-YYYYMMDD-HHMMSS`` of the set's start; a camera's set
    started within the same second as another (a false start ended with ``n``), or whose name
    a set in ``out_dir`` already has, is ``…-setN``, so it never overwrites another set's
    files."""
    if stem:
        return stem if set_no == 1 else f"{stem}-set{set_no}"
    base = f"live-{now.strftime('%Y%m%d-%H%M%S')}"

    def free(name: str) -> bool:
        return name not in taken and not any(out_dir.glob(f"{name}.*"))

    if free(base):
        return base
    name, k = f"{base}-set{set_no}", 1
    while not free(name):
        k += 1
        name = f"{base}-set{set_no}-{k}"
    return name


def live_frame(image: np.ndarray, report: Report, seq: PoseSequence, series: dict,
               status: str, lines: list[tuple[str, tuple[int, int, int]]],
               countdown_s: float | None = None, *, rep_numbers: bool = True) -> np.ndarray:
    """The window's picture (drawn on ``image`` in place): the file mode's overlay of
    ``seq``'s newest frame, any countdown, and the heads-up panel (``draw_hud``) with the
    status line beside the rep counter, or across the top with the overlay's panels under it
    when the frame is too narrow for both on one row; the caveats on the verdicts judged so
    far (the file mode's short forms, ``caveat_text``) top-right under the status line.
    ``rep_numbers`` False: a banner's
    short form names no rep either, and the rep counter numbers none
    (``LiveView.rep_numbers``)."""
    from formcheck.render.overlay import OverlayRenderer, OverlayStyle, counter_room

    h, w = image.shape[:2]
    style = OverlayStyle(banner_hold_s=LIVE_BANNER_HOLD_S,
                         banner_rep_numbers=rep_numbers, counter_numbers=rep_numbers)
    hud = hud_layout(w, h, status, counter_room(w, h, style))
    # The caveats on the verdicts judged so far (the file mode's short forms) go top-right,
    # under the status line.
    style = replace(style, top_reserve_px=hud.reserve_px if hud.stacked else 0,
                    caveat_top_px=hud.beside_px)
    OverlayRenderer(report, seq, series, style=style).draw(image, len(seq) - 1)
    if countdown_s is not None:
        draw_countdown(image, countdown_s)
    return draw_hud(image, lines, status, hud)


def person_picture(width: int, height: int) -> np.ndarray:
    """A ``width`` x ``height`` BGR picture of a standing lifter (rendered, no footage),
    for the pose models' warm-up."""
    import cv2

    from formcheck.synth.clip import ClipRenderer
    from formcheck.synth.scenario import Camera, Scenario

    sc = Scenario(reps=1, camera=Camera(width=192, height=256, fps=1.0, distance_m=3.0))
    lifter, _ = ClipRenderer(sc).render_frame(0)
    scale = min(width / lifter.shape[1], height / lifter.shape[0])
    w, h = max(1, round(lifter.shape[1] * scale)), max(1, round(lifter.shape[0] * scale))
    out = np.full((height, width, 3), 96, np.uint8)
    y, x = (height - h) // 2, (width - w) // 2
    out[y:y + h, x:x + w] = cv2.resize(lifter, (w, h), interpolation=cv2.INTER_AREA)
    return out


def _warm_up(blank: np.ndarray) -> None:
    """Import and run once what the loop needs (SciPy's filters, the fonts) before the first
    frame, so a lifter's first seconds are not spent loading libraries."""
    from formcheck.analysis import analyze_sequence
    from formcheck.analysis.synthetic import SynthSpec, synthesize

    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(), setup_s=1.0))
    analyze_sequence(seq)
    draw_hud(blank.copy(), [("warm-up", (255, 255, 255))], "warm-up")
    draw_countdown(blank.copy(), 1.0)


def _empty_report() -> Report:
    return Report(video=None, model="", frames_total=0, frames_with_person=0)


def _one_frame(pose: FramePose, info: VideoInfo) -> PoseSequence:
    return PoseSequence(t_s=np.zeros(1), image_xy=pose.image_xy[None],
                        world_xyz=pose.world_xyz[None], visibility=pose.visibility[None],
                        presence=pose.presence[None],
                        back_xy=None if pose.back_xy is None else pose.back_xy[None],
                        width=info.width, height=info.height)
