"""Shared fixtures. Tests never need ../shared; those that can use it skip when it is absent."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# The property tests draw the same examples on every run, wherever they run (.ci/run does not
# set CI, and a developer's run should fail exactly when CI's does): a failure means the code
# changed. The settings of hypothesis' own "ci" profile (derandomized, no deadline, no example
# database, slow data generation tolerated), written out so that any hypothesis 6 gives them
# (the built-in profile is recent), and loaded whether or not CI is set.
settings.register_profile("formcheck", derandomize=True, deadline=None, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("formcheck")

# Keep MediaPipe/TFLite's C++ logging out of test output.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def bench_modules() -> Iterator[Callable[[str], ModuleType]]:
    """A loader of ``bench/<name>.py`` scripts as modules (``bench_modules("fit_arch")``),
    with bench/ importable while the tests run (the scripts import each other).

    Each module is registered in ``sys.modules`` before it runs, as ``import`` does: a
    dataclass looks its module up there while it is being defined. The modules are taken out
    again at the end of the session (those already imported before are left as they were)."""
    bench = str(REPO / "bench")
    sys.path.insert(0, bench)
    before = set(sys.modules)
    loaded: dict[str, ModuleType] = {}

    def load(name: str) -> ModuleType:
        if name not in loaded:
            if name in sys.modules:  # already imported (by a script that imports it)
                loaded[name] = sys.modules[name]
                return loaded[name]
            spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            loaded[name] = module
        return loaded[name]

    try:
        yield load
    finally:
        sys.path.remove(bench)
        for name in set(sys.modules) - before:
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(bench):
                del sys.modules[name]


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
def full_model() -> Path:
    """The full pose bundle (the default model; ``tests/run.sh`` gets it too): for tests that
    need the back and twist verdicts, which lite poses are not judged for."""
    from formcheck.pose.models import resolve_model

    return resolve_model("full").path


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
