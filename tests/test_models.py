"""Pose model bundles: checking, locating, downloading (from a loopback server) and the CLI.

The offline build from registry packages lives in test_models_build.py (it downloads once).
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.commands.models import app as models_app
from formcheck.errors import ModelFetchError, ModelInvalidError, ModelNotFoundError
from formcheck.pose import models as registry

REPO = Path(__file__).resolve().parents[1]


# --- synthetic bundles -----------------------------------------------------------------------


def tiny_tflite(tag: bytes) -> bytes:
    """Bytes that look like a TFLite flatbuffer to a structure check: root offset, ``TFL3``."""
    return (28).to_bytes(4, "little") + b"TFL3" + tag.ljust(24, b"\0")


def make_bundle(
    members: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_STORED
) -> bytes:
    if members is None:
        members = {
            "pose_detector.tflite": tiny_tflite(b"detector"),
            "pose_landmarks_detector.tflite": tiny_tflite(b"landmarks"),
        }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


GOOD_BUNDLE = make_bundle()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- verify_bundle ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected_size", "problem"),
    [
        (GOOD_BUNDLE, None, None),
        (GOOD_BUNDLE, len(GOOD_BUNDLE), None),
        (GOOD_BUNDLE, len(GOOD_BUNDLE) + 1, "bytes, expected"),
        (b"<html>not found</html>", None, "not a valid zip"),
        (GOOD_BUNDLE[: len(GOOD_BUNDLE) // 2], None, "not a valid zip"),
        (make_bundle({"pose_detector.tflite": tiny_tflite(b"d")}), None, "lacks"),
        (make_bundle(compression=zipfile.ZIP_DEFLATED), None, "compressed"),
        (
            make_bundle(
                {
                    "pose_detector.tflite": tiny_tflite(b"d"),
                    "pose_landmarks_detector.tflite": b"\0\0\0\0ONNX" + bytes(24),
                }
            ),
            None,
            "not a TFLite model",
        ),
    ],
    ids=["ok", "ok-size", "wrong-size", "html", "cut", "no-landmarks", "deflated", "not-tflite"],
)
def test_verify_bundle(tmp_path, data, expected_size, problem):
    path = write(tmp_path / "m.task", data)
    if problem is None:
        registry.verify_bundle(path, expected_size=expected_size)
        return
    with pytest.raises(ModelInvalidError, match=problem) as err:
        registry.verify_bundle(path, expected_size=expected_size)
    assert "\n" not in str(err.value)
    assert "formcheck models" in str(err.value)


def test_verify_bundle_missing_file(tmp_path):
    with pytest.raises(ModelInvalidError, match="cannot be read"):
        registry.verify_bundle(tmp_path / "absent.task")


# --- the deterministic zip writer ------------------------------------------------------------


@pytest.mark.parametrize("name_lengths", [(20, 30), (1, 2), (3, 5, 7), (4,)])
def test_stored_zip_is_aligned_stored_and_readable(name_lengths):
    members = tuple(
        ("n" * n, bytes(range(i * 7 % 256, 256)) * (i + 1)) for i, n in enumerate(name_lengths)
    )
    data = registry.stored_zip(members)
    assert data == registry.stored_zip(members), "same input, same bytes"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        for (name, payload), info in zip(members, zf.infolist(), strict=True):
            assert info.filename == name
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == registry.ZIP_DATE_TIME
            start = info.header_offset + 30 + len(name)
            assert start % registry.ZIP_DATA_ALIGN_BYTES == 0
            assert data[start : start + len(payload)] == payload
            assert zf.read(name) == payload


# --- TFLite metadata on a synthetic landmark model -------------------------------------------


def synthetic_landmark_model(output_shapes) -> bytes:
    """A minimal TFLite flatbuffer with one input and the given outputs, built with the schema
    module the build itself uses (so no model download is needed)."""
    import flatbuffers
    import numpy as np

    schema = registry._load_generated_schema("schema_py_generated")
    tensors = []
    for i, shape in enumerate([(1, 256, 256, 3), *output_shapes]):
        t = schema.TensorT()
        t.shape = list(shape)
        t.name = f"t{i}"
        t.buffer = i + 1
        tensors.append(t)
    graph = schema.SubGraphT()
    graph.tensors = tensors
    graph.inputs = [0]
    graph.outputs = list(range(1, len(tensors)))
    graph.operators = []
    buffers = [schema.BufferT()]
    for i in range(len(tensors)):
        b = schema.BufferT()
        b.data = np.arange(5 + 3 * i, dtype=np.uint8)  # odd lengths: alignment matters
        buffers.append(b)
    model = schema.ModelT()
    model.version = 3
    model.subgraphs = [graph]
    model.buffers = buffers
    model.operatorCodes = []
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def buffer_bytes(model, i: int) -> bytes:
    buf = model.Buffers(i)
    return buf.DataAsNumpy().tobytes() if buf.DataLength() else b""


LANDMARK_SHAPES = [shape for _name, shape in registry.LANDMARK_OUTPUTS]


def test_add_landmark_metadata_keeps_buffers_and_sets_normalisation():
    schema = registry._load_generated_schema("schema_py_generated")
    md = registry._load_generated_schema("metadata_schema_py_generated")
    raw = synthetic_landmark_model(LANDMARK_SHAPES)
    out = registry.add_landmark_metadata(raw)
    assert out == registry.add_landmark_metadata(raw), "deterministic"
    assert out[4:8] == b"TFL3"

    before = schema.Model.GetRootAs(raw, 0)
    after = schema.Model.GetRootAs(out, 0)
    assert after.BuffersLength() == before.BuffersLength() + 1
    for i in range(before.BuffersLength()):
        assert buffer_bytes(after, i) == buffer_bytes(before, i)
        if after.Buffers(i).DataLength():
            tab = after.Buffers(i)._tab
            start = tab.Vector(tab.Offset(4))
            assert start % registry.TFLITE_BUFFER_ALIGN_BYTES == 0

    entry = after.Metadata(after.MetadataLength() - 1)
    assert entry.Name().decode() == registry.TFLITE_METADATA_NAME
    blob = after.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    assert blob[4:8] == b"M001"
    meta = md.ModelMetadataT.InitFromObj(md.ModelMetadata.GetRootAs(blob, 0))
    image = meta.subgraphMetadata[0].inputTensorMetadata[0]
    norm = image.processUnits[0].options
    assert list(norm.mean) == [0.0] and list(norm.std) == [255.0]
    assert image.content.contentProperties.colorSpace == md.ColorSpaceType.RGB
    assert len(meta.subgraphMetadata[0].outputTensorMetadata) == len(registry.LANDMARK_OUTPUTS)


@pytest.mark.parametrize(
    "shapes",
    [LANDMARK_SHAPES[:4], LANDMARK_SHAPES[::-1], [(1, 195), (1, 1)]],
    ids=["four-outputs", "reversed", "two-outputs"],
)
def test_add_landmark_metadata_rejects_other_models(shapes):
    from formcheck.errors import ModelBuildError

    with pytest.raises(ModelBuildError, match="outputs"):
        registry.add_landmark_metadata(synthetic_landmark_model(shapes))


# --- manifest --------------------------------------------------------------------------------


def test_manifest_json_matches_the_table():
    committed = json.loads((REPO / "models" / "manifest.json").read_text(encoding="utf-8"))
    assert committed == registry.manifest_dict(), (
        "models/manifest.json is stale: run "
        "python -c 'from formcheck.pose.models import write_manifest; write_manifest()'"
    )


def test_table_is_consistent():
    assert set(registry.MODELS) == set(registry.MODEL_NAMES)
    assert registry.DEFAULT_MODEL in registry.MODELS
    for name, spec in registry.MODELS.items():
        assert spec.name == name
        assert spec.file == f"pose_landmarker_{name}.task"
        assert f"/float16/1/{spec.file}" in spec.url  # pinned version
        for member in (spec.detector, spec.landmarks):
            assert member.package in registry.PACKAGES


# --- locating models -------------------------------------------------------------------------


@pytest.fixture
def dirs(tmp_path, monkeypatch) -> dict[str, Path]:
    """Three empty search folders standing for $FORMCHECK_MODEL_DIR, the checkout's models/ and
    the user cache; the environment points at them."""
    d = {"env": tmp_path / "env", "repo": tmp_path / "repo" / "models", "xdg": tmp_path / "xdg"}
    for p in d.values():
        p.mkdir(parents=True)
    d["cache"] = d["xdg"] / "formcheck" / "models"
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(d["env"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(d["xdg"]))
    monkeypatch.delenv("FORMCHECK_MODEL_BASE_URL", raising=False)
    monkeypatch.setattr(registry, "_source_checkout_model_dir", lambda: d["repo"])
    return d


@pytest.mark.parametrize(
    ("present_in", "expected"),
    [
        (("env", "repo", "cache"), "env"),
        (("repo", "cache"), "repo"),
        (("env", "cache"), "env"),
        (("cache",), "cache"),
    ],
)
def test_resolve_order(dirs, present_in, expected):
    for where in present_in:
        write(dirs[where] / "pose_landmarker_lite.task", GOOD_BUNDLE)
    got = registry.resolve_model("lite")
    assert got == registry.ResolvedModel("lite", dirs[expected] / "pose_landmarker_lite.task")


def test_resolve_default_is_full(dirs):
    write(dirs["cache"] / "pose_landmarker_full.task", GOOD_BUNDLE)
    assert registry.resolve_model(None).name == registry.DEFAULT_MODEL == "full"


def test_resolve_explicit_path_wins(dirs, tmp_path):
    write(dirs["env"] / "pose_landmarker_lite.task", GOOD_BUNDLE)
    mine = write(tmp_path / "elsewhere" / "mine.task", GOOD_BUNDLE)
    assert registry.resolve_model(str(mine)) == registry.ResolvedModel("mine", mine)


def test_a_file_is_named_by_its_bytes_not_its_name(lite_model, dirs, tmp_path):
    """Review (session 9): a custom bundle called ``full.task`` or ``pose_landmarker_full.task``
    ran as "full" and was shown full's measured exercise confidence. A path is named after a
    model only when its bytes are that model's."""
    for fname in ("full.task", "pose_landmarker_full.task"):
        fake = write(tmp_path / fname, GOOD_BUNDLE)  # a valid bundle, not full's weights
        assert registry.resolve_model(str(fake)).name == fname
    lite = tmp_path / "renamed" / "full.task"  # lite's own bytes under full's name
    lite.parent.mkdir()
    shutil.copyfile(lite_model, lite)
    if registry._sha256_file(lite) != registry.MODELS["lite"].build_sha256:
        pytest.skip("the lite bundle here is not the pinned offline build")
    assert registry.resolve_model(str(lite)) == registry.ResolvedModel("lite", lite)


def test_resolve_missing_names_both_commands(dirs):
    with pytest.raises(ModelNotFoundError) as err:
        registry.resolve_model("heavy")
    msg = str(err.value)
    assert "\n" not in msg
    assert "formcheck models fetch heavy" in msg and "formcheck models build heavy" in msg
    assert str(dirs["env"]) in msg and str(dirs["cache"]) in msg


@pytest.mark.parametrize(
    ("spec", "match"),
    [("medium", "unknown pose model"), ("nope/missing.task", "does not exist"),
     ("missing.task", "does not exist")],
)
def test_resolve_bad_specs(dirs, spec, match):
    with pytest.raises(ModelNotFoundError, match=match):
        registry.resolve_model(spec)


def test_resolve_invalid_file_is_reported_not_skipped(dirs):
    write(dirs["env"] / "pose_landmarker_lite.task", b"garbage")
    write(dirs["cache"] / "pose_landmarker_lite.task", GOOD_BUNDLE)
    with pytest.raises(ModelInvalidError, match="not a valid zip"):
        registry.resolve_model("lite")


@pytest.mark.parametrize(
    ("env_dir", "repo_dir", "expected"),
    [(True, True, "env"), (False, True, "repo"), (False, False, "cache")],
)
def test_default_model_dir(dirs, monkeypatch, env_dir, repo_dir, expected):
    if not env_dir:
        monkeypatch.delenv("FORMCHECK_MODEL_DIR")
    if not repo_dir:
        monkeypatch.setattr(registry, "_source_checkout_model_dir", lambda: None)
    assert registry.default_model_dir() == dirs[expected]


def test_source_checkout_is_detected_here():
    # This test file sits in the checkout, so the package must be found under <repo>/src.
    if not (REPO / "src" / "formcheck" / "pose" / "models.py").samefile(registry.__file__):
        pytest.skip("formcheck is not installed from this checkout")
    assert registry._source_checkout_model_dir() == REPO / "models"


# --- fetch from a loopback server ------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        route = self.path.strip("/").split("/")[0]
        self.routes[route](self)

    def log_message(self, *args):
        pass


def _send(handler, body: bytes, status: int = 200, length: int | None = -1) -> None:
    handler.send_response(status)
    if length is not None:
        handler.send_header("Content-Length", str(len(body) if length == -1 else length))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


ROUTES = {
    "ok": lambda h: _send(h, GOOD_BUNDLE),
    "nolength": lambda h: _send(h, GOOD_BUNDLE, length=None),
    "truncated": lambda h: _send(h, GOOD_BUNDLE[:100], length=len(GOOD_BUNDLE)),
    "truncated-nolength": lambda h: _send(h, GOOD_BUNDLE[:100], length=None),
    "error": lambda h: _send(h, b"oops", status=500),
    "missing": lambda h: _send(h, b"no such file", status=404),
    "notzip": lambda h: _send(h, b"<html>a captive portal</html>"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _Handler.routes = ROUTES
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/x.task"


@pytest.mark.parametrize("route", ["ok", "nolength"])
def test_fetch_installs_the_bundle(server, tmp_path, route):
    got = registry.fetch_model(
        "lite", dest_dir=tmp_path, url=f"{server}/{route}/x.task", progress=False
    )
    assert got == tmp_path / "pose_landmarker_lite.task"
    assert got.read_bytes() == GOOD_BUNDLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pose_landmarker_lite.task"]


@pytest.mark.parametrize("force_terminal", ["1", None])
def test_fetch_tells_the_size_and_progress(server, tmp_path, capsys, monkeypatch,
                                           force_terminal):
    """A bar on a terminal; plain lines (size first, then each quarter) in logs and pipes."""
    if force_terminal:
        monkeypatch.setenv("FORCE_COLOR", force_terminal)  # rich then treats stderr as a tty
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
    got = registry.fetch_model("full", dest_dir=tmp_path, url=f"{server}/ok/x", progress=True)
    assert got.read_bytes() == GOOD_BUNDLE
    err = capsys.readouterr().err
    size = f"{len(GOOD_BUNDLE) / 1e3:.1f} kB"
    assert err.startswith(f"downloading pose_landmarker_full.task ({size}) from {server}/ok/x")
    if not force_terminal:
        assert f"fetch pose_landmarker_full.task: 100% ({size} of {size})" in err
        assert "\x1b" not in err  # no bar drawing in a log



def test_fetch_uses_mirror_from_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", f"{server}/ok/")
    assert registry.model_url("heavy") == f"{server}/ok/pose_landmarker_heavy.task"
    got = registry.fetch_model("heavy", dest_dir=tmp_path, progress=False)
    assert got.read_bytes() == GOOD_BUNDLE


FAILURES = [
    ("truncated", ModelFetchError, "truncated"),
    ("truncated-nolength", ModelInvalidError, "not a valid zip"),
    ("error", ModelFetchError, "HTTP 500"),
    ("missing", ModelFetchError, "HTTP 404"),
    ("notzip", ModelInvalidError, "not a valid zip"),
    ("refused", ModelFetchError, "refused"),
]


def _url(server: str, refused_url: str, route: str) -> str:
    return refused_url if route == "refused" else f"{server}/{route}/x.task"


@pytest.mark.parametrize(("route", "error", "match"), FAILURES)
def test_fetch_failure_leaves_nothing(server, refused_url, tmp_path, route, error, match):
    with pytest.raises(error, match=match) as err:
        registry.fetch_model(
            "lite", dest_dir=tmp_path, url=_url(server, refused_url, route), progress=False
        )
    assert "\n" not in str(err.value)
    assert "formcheck models build lite" in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("route", "error", "match"), FAILURES)
def test_failed_fetch_keeps_existing_model(server, refused_url, tmp_path, route, error, match):
    good = write(tmp_path / "pose_landmarker_lite.task", GOOD_BUNDLE + b"")
    with pytest.raises(error, match=match):
        registry.fetch_model(
            "lite", dest_dir=tmp_path, url=_url(server, refused_url, route), progress=False
        )
    assert good.read_bytes() == GOOD_BUNDLE
    assert [p.name for p in tmp_path.iterdir()] == [good.name]


@pytest.mark.parametrize(
    ("route", "size_delta", "match"),
    [("ok", 0, None), ("ok", 1, "announces"), ("nolength", 1, "truncated")],
)
def test_fetch_checks_the_manifest_size(server, tmp_path, monkeypatch, route, size_delta, match):
    spec = dataclasses.replace(
        registry.MODELS["lite"], official_size_bytes=len(GOOD_BUNDLE) + size_delta
    )
    monkeypatch.setitem(registry.MODELS, "lite", spec)
    url = f"{server}/{route}/x.task"
    if match is None:
        assert registry.fetch_model("lite", tmp_path, url, progress=False).is_file()
        return
    with pytest.raises(ModelFetchError, match=match):
        registry.fetch_model("lite", tmp_path, url, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_fetch_unknown_name(tmp_path):
    with pytest.raises(ModelNotFoundError, match="unknown pose model"):
        registry.fetch_model("medium", dest_dir=tmp_path, url="http://127.0.0.1:1/")


# --- ensure_model (get) ----------------------------------------------------------------------


def test_ensure_uses_present_model_without_network(dirs, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", "http://127.0.0.1:1")
    present = write(dirs["repo"] / "pose_landmarker_lite.task", GOOD_BUNDLE)
    assert registry.ensure_model("lite", progress=False) == present


def test_ensure_fetches_when_missing(dirs, server, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", f"{server}/ok")
    got = registry.ensure_model("full", progress=False)
    assert got == dirs["env"] / "pose_landmarker_full.task"
    assert got.read_bytes() == GOOD_BUNDLE


def test_ensure_prefers_dest_dir_copy(dirs, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", "http://127.0.0.1:1")
    mine = write(tmp_path / "mine" / "pose_landmarker_heavy.task", GOOD_BUNDLE)
    assert registry.ensure_model("heavy", dest_dir=mine.parent, progress=False) == mine


def test_get_says_it_builds_without_telling_to_run_the_build(dirs, refused_url, capsys,
                                                              monkeypatch):
    """``models get`` falls back to the build itself: its message gives the download's cause,
    never "run `formcheck models build`"; when the build fails too, both causes."""
    monkeypatch.setenv("FORMCHECK_MODEL_BASE_URL", refused_url)

    def failing_build(name, dest_dir=None, progress=True):
        raise registry.ModelBuildError("npm is not installed")

    monkeypatch.setattr(registry, "build_model", failing_build)
    with pytest.raises(registry.ModelBuildError) as err:
        registry.ensure_model("heavy", progress=True)
    said = capsys.readouterr().err
    assert "building the heavy model offline from PyPI/npm instead" in said
    assert "formcheck models build" not in said and "formcheck models build" not in str(err.value)
    assert "could neither download the heavy model (download from" in str(err.value)
    assert "nor build it offline: npm is not installed" in str(err.value)


# --- CLI -------------------------------------------------------------------------------------


def test_cli_list(dirs):
    write(dirs["repo"] / "pose_landmarker_lite.task", GOOD_BUNDLE)
    write(dirs["cache"] / "pose_landmarker_heavy.task", b"garbage")
    result = CliRunner().invoke(models_app, ["list"])
    assert result.exit_code == 0, result.output
    lines = {ln.split()[1]: ln for ln in result.stdout.splitlines() if "pose_landmarker_" in ln}
    assert str(dirs["repo"] / "pose_landmarker_lite.task") in lines["lite"]
    assert "missing" in lines["full"]
    assert "invalid" in lines["heavy"]


@pytest.mark.parametrize(
    ("argv", "code", "match"),
    [
        (["fetch", "lite", "--url", "REFUSED"], 6, "refused"),
        (["fetch", "lite", "--url", "SERVER/notzip/x.task"], 5, "not a valid zip"),
        (["fetch", "lite", "--url", "SERVER/error/x.task"], 6, "HTTP 500"),
    ],
)
def test_cli_fetch_failure_is_one_line(server, refused_url, tmp_path, argv, code, match):
    argv = [a.replace("REFUSED", refused_url).replace("SERVER", server) for a in argv]
    result = CliRunner().invoke(models_app, [*argv, "--dir", str(tmp_path)])
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()  # download progress lines may come first
    assert lines[-1].startswith("error: ") and match in lines[-1]
    assert sum(ln.startswith("error") for ln in lines) == 1
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_fetch_prints_path(server, tmp_path):
    result = CliRunner().invoke(
        models_app, ["fetch", "heavy", "--url", f"{server}/ok/x", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "pose_landmarker_heavy.task")


def test_cli_rejects_unknown_name():
    result = CliRunner().invoke(models_app, ["fetch", "medium"])
    assert result.exit_code == 2
