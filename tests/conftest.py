"""Shared fixtures. Tests never need ../shared; those that can use it skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Keep MediaPipe/TFLite's C++ logging out of test output.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def lite_model() -> Path:
    """The lite pose bundle, found the way users' runs find it (``formcheck models get lite``
    puts it in models/; tests/run.sh does that before pytest)."""
    from formcheck.pose.models import resolve_model

    return resolve_model("lite").path


@pytest.fixture(scope="session")
def person_image() -> np.ndarray:
    """A real photo of a person (BGR), shipped with scikit-image."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut()[..., ::-1])


@pytest.fixture(scope="session")
def person_clip(tmp_path_factory, person_image) -> Path:
    """A 2 s, 10 fps clip of the person photo drifting sideways (a real person, moving)."""
    from formcheck.io.video import VideoSink

    path = tmp_path_factory.mktemp("clips") / "astronaut.mp4"
    h, w = person_image.shape[:2]
    canvas_w = w + 64
    with VideoSink(path, canvas_w, h, 10.0) as sink:
        for i in range(20):
            frame = np.full((h, canvas_w, 3), 90, np.uint8)
            frame[:, i * 3:i * 3 + w] = person_image
            sink.write(frame, i / 10.0)
    return path
