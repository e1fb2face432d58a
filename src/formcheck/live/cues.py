"""Sound and spoken cues for a lifter who cannot watch the screen.

A warning plays a short two-tone beep (``--sound``) and/or says "Rep 2: rounded back" with
espeak-ng, offline (``--voice``; Debian's ``espeak-ng`` package). Cues go to the audio device
(``sounddevice``, the ``live`` extra) or, with ``--cue-wav FILE``, into a WAV file laid out on
the session's clock (written atomically when the session ends), which is how tests hear them.
Synthesis and playback run on a worker thread: a cue never delays a frame.
"""

from __future__ import annotations

import io
import queue
import shutil
import subprocess
import threading
import time
import wave
from pathlib import Path

import numpy as np

from formcheck.errors import ConfigError
from formcheck.fsutil import write_bytes_atomic

#: espeak-ng writes 22.05 kHz mono; beeps are made at the same rate so one stream holds both.
SAMPLE_RATE_HZ = 22_050
BEEP_TONES_HZ = (880.0, 1320.0)
BEEP_TONE_S = 0.09
BEEP_LEVEL = 0.5  # of full scale
VOICE_WORDS_PER_MIN = 175


def beep(rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Two short rising tones with 5 ms fades (no clicks), int16 mono."""
    n = int(BEEP_TONE_S * rate_hz)
    t = np.arange(n) / rate_hz
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.005)
    tones = [np.sin(2 * np.pi * f * t) * fade for f in BEEP_TONES_HZ]
    gap = np.zeros(int(0.03 * rate_hz))
    wave_f = np.concatenate([tones[0], gap, tones[1]]) * BEEP_LEVEL
    return (wave_f * 32767).astype(np.int16)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str) -> np.ndarray:
    """``text`` spoken by espeak-ng, int16 mono at ``SAMPLE_RATE_HZ``."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError("--voice needs espeak-ng (Debian/Ubuntu: `apt-get install espeak-ng`)")
    out = subprocess.run([exe, "--stdout", "-s", str(VOICE_WORDS_PER_MIN), text],
                         capture_output=True, check=False, timeout=20)
    if out.returncode != 0 or not out.stdout:
        raise ConfigError(f"espeak-ng failed: {out.stderr.decode(errors='replace').strip()}")
    with wave.open(io.BytesIO(out.stdout)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        rate = w.getframerate()
    if rate != SAMPLE_RATE_HZ:  # resample (linear) so every cue shares one rate
        n = int(round(len(data) * SAMPLE_RATE_HZ / rate))
        data = np.interp(np.linspace(0, len(data) - 1, n), np.arange(len(data)),
                         data).astype(np.int16)
    return data


def audio_device_available() -> bool:
    """An audio output device exists (PortAudio through ``sounddevice``)."""
    try:
        import sounddevice as sd

        return any(d.get("max_output_channels", 0) > 0 for d in sd.query_devices())
    except Exception:  # noqa: BLE001 - no library, no PortAudio, no device: all mean "none"
        return False


class WavTimeline:
    """Cues placed at their time since the session started; ``close()`` writes the WAV."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._start = time.monotonic()
        self._clips: list[tuple[int, np.ndarray]] = []

    def play(self, samples: np.ndarray) -> None:
        at = int((time.monotonic() - self._start) * SAMPLE_RATE_HZ)
        if self._clips:  # never overlap the previous cue
            prev_at, prev = self._clips[-1]
            at = max(at, prev_at + len(prev))
        self._clips.append((at, samples))

    def close(self) -> Path:
        end = max((a + len(s) for a, s in self._clips), default=0)
        track = np.zeros(end, np.int16)
        for at, s in self._clips:
            track[at:at + len(s)] = s
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE_HZ)
            w.writeframes(track.tobytes())
        return write_bytes_atomic(self.path, buf.getvalue())


class DeviceOutput:
    """The default audio output device."""

    def play(self, samples: np.ndarray) -> None:
        import sounddevice as sd

        sd.play(samples, SAMPLE_RATE_HZ, blocking=True)

    def close(self) -> None:
        return None


class CuePlayer:
    """Turns warnings into cues on a worker thread. ``warn(text)`` returns at once."""

    def __init__(self, *, sound: bool, voice: bool, wav_path: Path | None = None) -> None:
        self.sound, self.voice = sound, voice
        if voice and not espeak_available():
            raise ConfigError("--voice needs espeak-ng (Debian/Ubuntu: "
                              "`apt-get install espeak-ng`); or run with --no-voice")
        self.output = WavTimeline(wav_path) if wav_path else DeviceOutput()
        self.played: list[str] = []
        self._q: queue.Queue = queue.Queue()
        self._beep = beep()
        self._thread = threading.Thread(target=self._run, name="formcheck-cues", daemon=True)
        self._thread.start()

    @property
    def enabled(self) -> bool:
        return self.sound or self.voice

    def warn(self, text: str) -> None:
        if self.enabled:
            self._q.put(text)

    def _run(self) -> None:
        while True:
            text = self._q.get()
            if text is None:
                return
            try:
                parts = []
                if self.sound:
                    parts.append(self._beep)
                if self.voice:
                    parts.append(speak(text))
                self.output.play(np.concatenate(parts))
                self.played.append(text)
            except Exception:  # noqa: BLE001 - a cue that cannot play must not stop the set
                continue

    def close(self) -> Path | None:
        """Play what is queued, then stop; returns the WAV written, if any."""
        self._q.put(None)
        self._thread.join(timeout=30.0)
        return self.output.close()
