"""Live coaching: a camera (or a file replayed as one), pose on the newest frame, the same
analysis as for files run incrementally, a window with the file mode's overlay, and cues.

- ``capture``: the capture thread that keeps only the newest frame (drops counted).
- ``incremental``: the growing set and the analysis thread (settled reps only).
- ``guidance``: what the camera sees before the set (in frame, light, view).
- ``cues``: sound and spoken cues, to a device or a WAV file.
- ``display``: the window (OpenCV) and the live heads-up lines.
- ``session``: the loop that joins them and writes the file mode's outputs after each set.
"""
