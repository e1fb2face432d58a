"""Frames in and out: the only place video is decoded or encoded.

``FileSource`` decodes a file with PyAV (FFmpeg): it honours the display-rotation flag, reports
the container's own presentation times, and decodes AV1 through FFmpeg's dav1d. ``CameraSource``
reads a webcam with OpenCV. Both yield ``Frame``s (BGR uint8, upright; ``FileSource(...,
channels="rgb")`` gives C-contiguous RGB instead, the layout MediaPipe copies in, so the pose pass
needs no colour conversion). ``VideoSink`` encodes H.264 in an MP4 that browsers play, to a temp
file renamed into place on success.
"""

from __future__ import annotations

import functools
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from formcheck.errors import CameraError, InputNotFoundError, OutputError, VideoDecodeError
from formcheck.fsutil import link_problem, publish, temp_path_for
from formcheck.report import VideoInfo

#: A file that decodes this much less than its header promises counts as truncated (a few
#: frames short is normal: B-frame edits, an unfinished last GOP).
TRUNCATION_TOLERANCE_FRAC = 0.02
TRUNCATION_TOLERANCE_S = 0.5

#: Time base used when writing: fine enough for any real frame rate, exact for 30000/1001.
OUTPUT_TIME_BASE = Fraction(1, 90_000)

#: Bytes of pictures a ``FileSource``'s frame-threaded decoder may hold in flight: each decode
#: thread holds its own frame, so FFmpeg's default (one thread per core, and one) held 17 frames
#: of 50 MB on a 16-core machine at 8K. Fewer threads decode the same pictures (measured on a
#: 2-core machine, 30 frames of 7680x4320: 3 threads 753 MiB, 2 threads 692 MiB, 8 threads
#: 1138 MiB); frames up to 4K keep one thread per core up to 10.
DECODE_THREADS_BUDGET_BYTES = 128 << 20


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def decode_threads(width: int, height: int, cores: int | None = None) -> int:
    """Decode threads for ``width`` x ``height`` pictures: 0 (FFmpeg's choice: a thread per
    core, and one) where that many frames fit ``DECODE_THREADS_BUDGET_BYTES``, else as many as
    fit (at least 1). A YUV 4:2:0 picture is 1.5 bytes a pixel."""
    if cores is None:
        cores = usable_cores()
    fit = max(1, int(DECODE_THREADS_BUDGET_BYTES // max(1, int(width * height * 1.5))))
    return 0 if fit >= cores + 1 else fit


#: Pixel layouts a ``FileSource`` decodes to, and the FFmpeg pixel format of each.
CHANNEL_FORMATS = {"bgr": "bgr24", "rgb": "rgb24"}


@dataclass(frozen=True)
class Frame:
    """One decoded, upright frame."""

    index: int  # 0-based position in decode order
    t_s: float  # presentation time, seconds
    image: np.ndarray  # (H, W, 3) uint8, BGR unless ``channels`` says "rgb"
    channels: str = "bgr"  # channel order of ``image``: "bgr" or "rgb"


class Decoded(NamedTuple):
    """A frame as the decoder gave it (``FileSource.decoded``), not yet a picture in memory."""

    index: int  # 0-based position in decode order
    t_s: float  # presentation time, seconds
    video_frame: Any  # PyAV's VideoFrame


def _rotate(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display-matrix rotation (degrees counter-clockwise, as FFmpeg reports it)."""
    k = (int(round(rotation_deg / 90.0))) % 4
    return np.ascontiguousarray(np.rot90(image, k)) if k else image


def _fit(vf, width: int, height: int, fmt: str) -> np.ndarray:
    """``vf``'s picture in ``fmt``, scaled to fit ``width`` x ``height`` with its aspect kept
    and centred on black: a stream whose picture size changes part-way keeps one frame size,
    and the body's proportions, for the pose pass, the analysis and the annotated video."""
    scale = min(width / vf.width, height / vf.height)
    w = max(1, min(width, round(vf.width * scale)))
    h = max(1, min(height, round(vf.height * scale)))
    image = vf.reformat(width=w, height=h, format=fmt).to_ndarray()
    if (w, h) == (width, height):
        return image
    out = np.zeros((height, width) + image.shape[2:], dtype=image.dtype)
    y0, x0 = (height - h) // 2, (width - w) // 2
    out[y0:y0 + h, x0:x0 + w] = image
    return out


def size_change_fact(change: tuple[float, tuple[int, int], tuple[int, int]] | None
                     ) -> dict | None:
    """``FileSource.size_change`` as kept in a pose sequence's ``extra["decode"]``."""
    if change is None:
        return None
    at, before, after = change
    return {"t_s": float(at), "from": list(before), "to": list(after)}


def check_readable(path: str | os.PathLike) -> Path:
    """``path`` as a Path if it is a file this process can read, else InputNotFoundError
    (exit 3): missing, a folder, or unreadable (also inside a folder the user may not read,
    where even ``exists()`` raises PermissionError)."""
    path = Path(path)
    try:
        if (why := link_problem(path)) is not None:
            raise InputNotFoundError(f"cannot read {path}: {why}; point it at the video")
        if not path.exists():
            raise InputNotFoundError(f"video not found: {path}")
        if not path.is_file():
            raise InputNotFoundError(f"not a file: {path}")
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputNotFoundError(f"cannot read {path}: {exc.strerror or exc}; "
                                 "check its permissions") from exc
    return path


class FileSource:
    """Decoded frames of a video file, upright, with the container's timestamps.

    ``channels`` picks the frames' layout: "bgr" (OpenCV's, the default; rows may be padded)
    or "rgb" (C-contiguous, ready for MediaPipe without a conversion or another copy).

    Usage::

        with FileSource(path) as src:
            info = src.info
            for frame in src:
                ...
    """

    def __init__(self, path: str | os.PathLike, *, channels: str = "bgr") -> None:
        import av  # heavy import kept out of CLI start-up

        if channels not in CHANNEL_FORMATS:
            raise ValueError(f"channels must be one of {sorted(CHANNEL_FORMATS)}, got {channels!r}")
        self.channels = channels
        self.path = check_readable(path)
        try:
            self._container = av.open(str(self.path), mode="r")
        except av.error.FFmpegError as exc:
            if self.path.stat().st_size == 0:
                raise VideoDecodeError(
                    f"cannot open {self.path.name} as video: the file is empty (0 bytes); "
                    "copy or download it again whole") from exc
            if _mp4_index_missing(self.path):
                raise VideoDecodeError(
                    f"cannot open {self.path.name} as video: it looks cut short (an MP4 whose "
                    "index is missing: moov atom not found); copy or download it again whole"
                ) from exc
            raise VideoDecodeError(
                f"cannot open {self.path.name} as video ({_ff_reason(exc)}); is it a video file?"
            ) from exc
        if not self._container.streams.video:
            self._container.close()
            raise VideoDecodeError(f"{self.path.name} has no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._stream.codec_context.thread_count = decode_threads(self._stream.width,
                                                                 self._stream.height)
        self._first: object | None = None
        self._rotation = 0
        # One decode generator for the whole file: the first frame (probed here) and the rest
        # come from it, so frames the decoder still holds (frame threads, the final flush) are
        # not lost and the decoder is flushed once. Two generators lost short clips.
        self._decoded = self._container.decode(self._stream)
        #: Frames yielded so far, and whether the file ended before its header's promise.
        self.frames_decoded = 0
        self._last_t = 0.0
        #: The first frame whose picture size differs from the first one's, as
        #: ``(t_s, (width, height) before, (width, height) after)``, upright; None if none.
        self.size_change: tuple[float, tuple[int, int], tuple[int, int]] | None = None
        self._info = self._probe()

    # ------------------------------------------------------------------ facts
    def _probe(self) -> VideoInfo:
        import av

        s = self._stream
        try:
            first = next(self._decoded)
        except StopIteration:
            self.close()
            raise VideoDecodeError(f"{self.path.name} contains no decodable frames") from None
        except av.error.FFmpegError as exc:
            codec = s.codec_context.name if s.codec_context else "unknown"
            self.close()
            raise VideoDecodeError(
                f"cannot decode {self.path.name} (codec {codec}: {_ff_reason(exc)}); "
                "re-encode it to H.264, e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`"
            ) from exc
        self._first = first
        #: The first frame's picture size as coded (before rotation): every frame's.
        self._coded_size = (first.width, first.height)
        self._rotation = int(round(first.rotation or 0))
        w, h = first.width, first.height
        if self._rotation % 180:
            w, h = h, w
        rate = s.average_rate or s.guessed_rate or s.base_rate
        fps = float(rate) if rate else 0.0
        frames = int(s.frames or 0)
        if s.duration is not None and s.time_base is not None:
            duration = float(s.duration * s.time_base)
        elif self._container.duration:
            duration = self._container.duration / 1_000_000
        else:
            duration = frames / fps if fps else 0.0
        if not frames and fps and duration:
            frames = int(round(duration * fps))
        return VideoInfo(
            path=str(self.path), width=int(w), height=int(h), fps=fps, frame_count=frames,
            duration_s=duration, rotation=self._rotation,
            codec=s.codec_context.name if s.codec_context else "",
        )

    @property
    def info(self) -> VideoInfo:
        return self._info

    @property
    def has_audio(self) -> bool:
        return bool(self._container.streams.audio)

    # ------------------------------------------------------------------ frames
    def __iter__(self) -> Iterator[Frame]:
        for decoded in self.decoded():
            yield self.picture(decoded)

    def decoded(self) -> Iterator[Decoded]:
        """The file's frames as the decoder gives them, numbered and timed, each still in the
        decoder's own layout: ``picture`` makes one a ``Frame``. A reader that passes over
        frames (a realtime replay that fell behind: ``live.capture.ReplaySource``) converts
        only those it keeps; the conversion to BGR costs about as much as the decoding
        (session 26, 1920x1440 H.264: 20 ms of 43 ms a frame)."""
        import av

        if self._first is None:
            raise VideoDecodeError(f"{self.path.name}: frames can be read once per FileSource")
        s = self._stream
        tb = float(s.time_base) if s.time_base else 0.0
        step = 1.0 / self._info.fps if self._info.fps > 0 else 1.0 / 30.0
        last_t: float | None = None
        index = 0
        size = self._coded_size

        def upright(wh: tuple[int, int]) -> tuple[int, int]:
            return (wh[1], wh[0]) if self._rotation % 180 else wh

        def frames():
            first, self._first = self._first, None
            yield first
            yield from self._decoded

        try:
            for vf in frames():
                if vf.pts is not None and tb:
                    t = vf.pts * tb
                elif last_t is not None:
                    t = last_t + step
                else:
                    t = 0.0
                # Variable-rate and damaged files can repeat a timestamp; keep order strict.
                if last_t is not None and t <= last_t:
                    t = last_t + 1e-6
                last_t = t
                if (vf.width, vf.height) != size and self.size_change is None:
                    self.size_change = (float(t), upright(size),
                                        upright((vf.width, vf.height)))
                yield Decoded(index, float(t), vf)
                index += 1
                self.frames_decoded = index
                self._last_t = float(t)
        except av.error.FFmpegError as exc:
            raise VideoDecodeError(
                f"{self.path.name}: decoding failed at frame {index} ({_ff_reason(exc)})"
            ) from exc

    def picture(self, decoded: Decoded) -> Frame:
        """``decoded`` (from ``decoded``) as a ``Frame``: in this source's channel order,
        upright, at the first frame's size (a later frame of another size fitted to it)."""
        import av

        vf = decoded.video_frame
        fmt = CHANNEL_FORMATS[self.channels]
        try:
            if (vf.width, vf.height) == self._coded_size:
                image = vf.to_ndarray(format=fmt)
            else:
                image = _fit(vf, *self._coded_size, fmt)
        except av.error.FFmpegError as exc:
            raise VideoDecodeError(f"{self.path.name}: decoding failed at frame "
                                   f"{decoded.index} ({_ff_reason(exc)})") from exc
        image = _rotate(image, self._rotation)
        # FFmpeg pads rows (854 px of RGB is 2562 bytes, stored in 2592): MediaPipe reads its
        # input as packed rows, so RGB frames are made contiguous here, in the decode thread.
        if self.channels == "rgb":
            image = np.ascontiguousarray(image)
        return Frame(index=decoded.index, t_s=decoded.t_s, image=image,
                     channels=self.channels)

    @property
    def truncation(self) -> str | None:
        """After reading every frame: why the file looks cut short (fewer frames than its
        header lists, or the frames stop well before the stream's stated duration), else None.
        A truncated file still gives the frames that decode; the report says it is cut."""
        return self.truncation_after(self.frames_decoded, self._last_t)

    def truncation_after(self, n: int, last_t: float) -> str | None:
        """``truncation`` for ``n`` frames decoded elsewhere (the pose pass' segments), the
        last at ``last_t`` seconds."""
        info = self._info
        expected = int(self._stream.frames or 0)
        if expected > 0 and n < expected - max(1, int(TRUNCATION_TOLERANCE_FRAC * expected)):
            return (f"the file is truncated: only {n} of the {expected} frames its header "
                    "lists could be decoded")
        if expected == 0 and n and info.duration_s > 0 and info.fps > 0:
            step = 1.0 / info.fps
            start = float(self._stream.start_time * self._stream.time_base) \
                if self._stream.start_time is not None and self._stream.time_base else 0.0
            covered = last_t - start + step
            if covered < info.duration_s - max(TRUNCATION_TOLERANCE_S, 3 * step):
                return (f"the file is truncated: frames stop at {covered:.1f} s of the "
                        f"{info.duration_s:.1f} s its header states")
        return None

    def close(self) -> None:
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - closing a broken container must not mask the cause
            pass

    def __enter__(self) -> FileSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CameraSource:
    """Frames from a webcam (OpenCV): a device index (``0``), a device path (``/dev/video2``)
    or a stream URL (an IP camera's ``http://.../video.mjpg``).

    ``t_s`` is the capture time: seconds on the monotonic clock since the source was opened,
    taken when the frame was read, so derivatives stay right at whatever rate frames arrive.
    ``read()`` gives one frame or None when the camera stopped delivering; ``reopen()`` tries
    to get it back (a replugged webcam, a stream that restarted). Iterating yields frames
    until the camera stops.
    """

    def __init__(self, device: int | str = 0, width: int | None = None,
                 height: int | None = None, fps: float | None = None) -> None:
        self.device = _camera_device(device)
        self._size = (width, height, fps)
        self._t0 = time.monotonic()
        self._last = -1.0
        self._index = 0
        self._cap = None
        if not self._open():
            raise CameraError(
                f"cannot open camera {self.device}: it does not exist, is unplugged or is used "
                "by another program; close that program or pass --camera with another index"
            )
        w = int(self._cap.get(_cv2().CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(_cv2().CAP_PROP_FRAME_HEIGHT))
        rate = float(self._cap.get(_cv2().CAP_PROP_FPS) or 0.0)
        self._info = VideoInfo(path=f"camera:{self.device}", width=w, height=h,
                               fps=rate if 0.0 < rate < 1000.0 else 0.0,
                               frame_count=0, duration_s=0.0)

    def _open(self) -> bool:
        cv2 = _cv2()
        if self._cap is not None:
            self._cap.release()
        self._cap = cv2.VideoCapture(self.device)
        if not self._cap.isOpened():
            return False
        width, height, fps = self._size
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if fps:
            self._cap.set(cv2.CAP_PROP_FPS, fps)
        return True

    @property
    def info(self) -> VideoInfo:
        return self._info

    def read(self) -> Frame | None:
        """The next frame, or None when the camera returned none (unplugged, stream ended)."""
        try:
            ok, image = self._cap.read()
        except Exception:  # noqa: BLE001 - OpenCV backends raise cv2.error on a lost device
            ok, image = False, None
        if not ok or image is None:
            return None
        t = time.monotonic() - self._t0
        if t <= self._last:
            t = self._last + 1e-6
        self._last = t
        frame = Frame(index=self._index, t_s=t, image=image)
        self._index += 1
        return frame

    def reopen(self) -> bool:
        """Try once to open the camera again; True when it delivers frames."""
        return self._open()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self.read()
            if frame is None:
                if self._index == 0:
                    raise CameraError(f"camera {self.device} opened but returned no frames")
                return
            yield frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _cv2():
    """OpenCV with its own log lines silenced (a missing camera would print several, a
    stream that ends FFmpeg's errors): the user gets formcheck's one-line message instead."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET, read on first use
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2


def _camera_device(device: int | str) -> int | str:
    """``"0"`` → 0; a path or URL stays a string."""
    if isinstance(device, str) and device.strip().isdigit():
        return int(device.strip())
    return device


def probe_video(path: str | os.PathLike) -> VideoInfo:
    with FileSource(path) as src:
        return src.info


class VideoSink:
    """H.264 (yuv420p) MP4 writer with ``+faststart``, written atomically.

    Frames go to a temp file in the destination folder; ``close()`` after success renames it
    into place, while leaving the ``with`` block through an exception deletes it, so a crash
    never leaves a half-written video under the final name. Odd frame sizes are padded by one
    edge pixel (H.264 4:2:0 needs even sizes). ``threads=1`` (default) makes the bytes
    reproducible; ``threads=0`` lets x264 choose (faster on big frames, not reproducible).
    ``write(frame, t_s)`` keeps the source's presentation times when given, so the output has
    the same timing as the input.
    ``audio_from`` copies the audio stream of another file (the source video) unchanged.
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, fps: float, *,
                 crf: int = 23, preset: str = "veryfast", threads: int = 1,
                 audio_from: str | os.PathLike | None = None) -> None:
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self._w2, self._h2 = self.width + self.width % 2, self.height + self.height % 2
        self._fps = float(fps) if fps and fps > 0 else 30.0
        self._audio_from = Path(audio_from) if audio_from else None
        self._threads = int(threads)
        self._frames = 0
        self._last_pts = -1
        self._tmp = temp_path_for(self.path, suffix=".tmp.mp4")
        self._audio_in = None
        try:
            self._open(crf, preset)
        except BaseException:
            if self._audio_in is not None:
                self._audio_in.close()
            self._tmp.unlink(missing_ok=True)
            raise
        self._closed = False

    def _open(self, crf: int, preset: str) -> None:
        import av

        self._container = av.open(str(self._tmp), mode="w", format="mp4",
                                  options={"movflags": "+faststart"})
        # Deterministic bytes: no encoder/muxer version strings or creation times.
        self._container.flags |= av.container.Flags.bitexact.value
        rate = Fraction(self._fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self._w2, self._h2
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = OUTPUT_TIME_BASE
        self._stream.codec_context.time_base = OUTPUT_TIME_BASE
        # x264 with several threads is not byte-reproducible; one thread (the default) is,
        # once it is told its CPU's capabilities by name (see _x264_reproducible_asm).
        options = {"crf": str(crf), "preset": preset, "threads": str(self._threads)}
        asm = _x264_reproducible_asm() if self._threads == 1 else None
        if asm:
            options["x264-params"] = f"asm={asm}"
        self._stream.options = options
        # PyAV hands libavcodec its own thread count (0: as many as there are cores) over the
        # "threads" option above; under load the bytes then differed between two encodes of
        # the same frames (tests/test_synth.py's determinism test, session 20).
        self._stream.codec_context.thread_count = self._threads
        self._stream.codec_context.flags |= av.codec.context.Flags.bitexact.value
        self._audio_out = None
        if self._audio_from is not None:
            src = av.open(str(self._audio_from))
            if src.streams.audio:
                self._audio_in = src
                self._audio_out = self._container.add_stream_from_template(src.streams.audio[0])
            else:
                src.close()

    @property
    def frames_written(self) -> int:
        return self._frames

    def prepare(self, image: np.ndarray):
        """Check one BGR frame and convert it to the encoder's input (edge-padded to even
        size, yuv420p). The costly part of ``write``, and safe to call from several threads
        at once, so frames can be converted beside the encoder; pass the result to ``write``."""
        import av

        if image.shape[0] != self.height or image.shape[1] != self.width:
            raise OutputError(
                f"frame of size {image.shape[1]}x{image.shape[0]} written to a "
                f"{self.width}x{self.height} video"
            )
        if (self._w2, self._h2) != (self.width, self.height):
            image = np.pad(image, ((0, self._h2 - self.height), (0, self._w2 - self.width),
                                   (0, 0)), mode="edge")
        # Wrapped, not copied (rows may be padded): the conversion below reads it once. A
        # copy into a new frame (``from_ndarray``) cost 2-3 times the conversion itself.
        if image.dtype != np.uint8 or image.strides[1:] != (3, 1) or image.strides[0] <= 0:
            image = np.ascontiguousarray(image, dtype=np.uint8)
        frame = av.VideoFrame.from_numpy_buffer(image, format="bgr24")
        # The same swscale conversion the encoder would make itself (bilinear, the frame's
        # colourspace), done here so it can run in the caller's thread.
        return frame.reformat(format="yuv420p", threads=1)

    def write(self, image, t_s: float | None = None) -> None:
        """Encode one frame: a BGR ``(height, width, 3)`` uint8 array, or what ``prepare``
        made of one. ``t_s`` is its presentation time (default: frame count / fps)."""
        frame = image if not isinstance(image, np.ndarray) else self.prepare(image)
        if t_s is None:
            t_s = self._frames / self._fps
        pts = int(round(t_s / OUTPUT_TIME_BASE))
        if pts <= self._last_pts:
            pts = self._last_pts + 1
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = OUTPUT_TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._frames += 1

    def close(self) -> Path:
        """Flush, copy audio, and move the finished file into place."""
        if self._closed:
            return self.path
        self._closed = True
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
            if self._audio_in is not None:
                for packet in self._audio_in.demux(self._audio_in.streams.audio[0]):
                    if packet.dts is None:
                        continue
                    packet.stream = self._audio_out
                    self._container.mux(packet)
                self._audio_in.close()
            self._container.close()
        except BaseException as exc:
            # Also Ctrl-C while the encoder flushes (a second one, as `live` saves a set): the
            # temp file must not stay behind in the output folder.
            self._discard()
            if isinstance(exc, OSError):
                raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
            raise
        return publish(self._tmp, self.path)

    def abort(self) -> None:
        """Discard everything written so far."""
        if self._closed:
            return
        self._closed = True
        self._discard()

    def _discard(self) -> None:
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - already failing; the temp file goes regardless
            pass
        if self._audio_in is not None:
            try:
                self._audio_in.close()
            except Exception:  # noqa: BLE001 - as above
                pass
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@functools.lru_cache(maxsize=1)
def _x264_reproducible_asm() -> str | None:
    """x264's own CPU capabilities, named, less its AVX-512 ones, as a value for its ``asm``
    option; ``None`` where x264 does not say them (it then detects them itself).

    On an AVX-512 machine one x264 thread left to detect its CPU itself still made different
    bytes from the same frames now and then: re-rendering one synth clip in a process, 7 of
    560 renders differed from the first (a few pixels of one frame's bottom-right corner),
    none under glibc's ``MALLOC_PERTURB_`` (0 of 40: uninitialised memory read somewhere).
    With the capabilities given by name none differed: the AVX2 set 0 of 500, the detected set
    with AVX-512 0 of 180 (with Cache64 added, 3 of 160), this one 0 of 400. Which routine reads
    the memory is not known (valgrind, which cannot run AVX-512, found none on the others), so
    the AVX-512 ones, which it could not check, are left out too. x264's routines are
    bit-exact with one another: the bytes are those the stable runs gave. Read once per
    process from x264's log line as it opens a 16x16 encoder."""
    import av
    import av.logging

    previous = av.logging.get_level()
    av.logging.set_level(av.logging.INFO)
    try:
        with av.logging.Capture() as logs:
            with av.open(io.BytesIO(), mode="w", format="h264") as out:
                stream = out.add_stream("libx264", rate=1)
                stream.width = stream.height = 16
                stream.pix_fmt = "yuv420p"
                stream.options = {"threads": "1"}
                frame = av.VideoFrame(16, 16, "yuv420p")
                for packet in stream.encode(frame):
                    out.mux(packet)
                for packet in stream.encode():
                    out.mux(packet)
    except av.error.FFmpegError:
        return None
    finally:
        av.logging.set_level(previous)
    prefix = "using cpu capabilities:"
    for _level, _name, message in logs:
        if message.startswith(prefix):
            caps = message[len(prefix):].split()
            if not caps or any(c.startswith("none") for c in caps):  # "none!": plain C
                return None
            return ",".join(c for c in caps if not c.startswith("AVX512"))
    return None


def _ff_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _mp4_index_missing(path: Path) -> bool:
    """Whether ``path`` starts as an MP4 (an ``ftyp`` box) and FFmpeg, opening it, says its
    index is missing ("moov atom not found"): a recording or copy cut off before the index
    that most writers put at the end. Asked only after an open failed, by opening it once more
    with FFmpeg's log on, to read its own words."""
    import av
    import av.logging

    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    if head[4:8] != b"ftyp":
        return False
    # With FFmpeg's log on, PyAV appends the last error logged to the exception ("...; last
    # error log: [mov,...] moov atom not found"); the capture keeps that line off stderr.
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture():
            av.open(str(path), mode="r").close()
    except av.error.FFmpegError as exc:
        return "moov atom not found" in str(exc)
    finally:
        av.logging.set_level(previous)
    return False
