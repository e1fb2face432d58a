from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.errors import DataFormatError, InputNotFoundError, ShapeError
from formcheck.pose.landmarks import LEFT_RIGHT_PAIRS, Landmark, mirror_index
from formcheck.pose.sequence import BACK_PROFILE_POINTS, PoseSequence


def make_seq(n: int = 5, back: bool = True, nan_rows=()) -> PoseSequence:
    rng = np.random.default_rng(0)
    world = rng.normal(size=(n, 33, 3))
    image = rng.uniform(0, 100, size=(n, 33, 2))
    back_xy = rng.uniform(0, 100, size=(n, BACK_PROFILE_POINTS, 2)) if back else None
    for i in nan_rows:
        world[i] = np.nan
        image[i] = np.nan
    return PoseSequence(t_s=np.arange(n) / 30.0, image_xy=image, world_xyz=world,
                        visibility=np.ones((n, 33)), presence=np.ones((n, 33)), back_xy=back_xy,
                        width=100, height=100, source="x.mp4", model="lite")


@pytest.mark.parametrize("field,bad,expected", [
    ("image_xy", np.zeros((5, 32, 2)), "image_xy must have shape (5, 33, 2), got (5, 32, 2)"),
    ("world_xyz", np.zeros((5, 33, 2)), "world_xyz must have shape (5, 33, 3)"),
    ("visibility", np.zeros((4, 33)), "visibility must have shape (5, 33)"),
    ("presence", np.zeros(5), "presence must have shape (5, 33)"),
    ("back_xy", np.zeros((5, 3)), "back_xy must have shape (5, T, 2)"),
])
def test_shape_errors_name_expected_and_received(field, bad, expected):
    good = make_seq()
    kwargs = dict(t_s=good.t_s, image_xy=good.image_xy, world_xyz=good.world_xyz,
                  visibility=good.visibility, presence=good.presence, back_xy=good.back_xy)
    kwargs[field] = bad
    with pytest.raises(ShapeError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        PoseSequence(**kwargs)


@pytest.mark.parametrize("t", [[0.0, 0.1, 0.1], [0.0, 0.2, 0.1], [0.0, np.nan, 0.2]])
def test_time_must_increase(t):
    with pytest.raises(ShapeError):
        PoseSequence(t_s=t, image_xy=np.zeros((3, 33, 2)), world_xyz=np.zeros((3, 33, 3)),
                     visibility=np.zeros((3, 33)), presence=np.zeros((3, 33)))


def test_nan_rows_are_kept_and_reported_as_not_detected():
    seq = make_seq(6, nan_rows=(2, 3))
    assert len(seq) == 6
    assert seq.detected.tolist() == [True, True, False, False, True, True]
    assert seq.fps == pytest.approx(30.0)


def test_arrays_are_read_only():
    seq = make_seq()
    with pytest.raises(ValueError):
        seq.world_xyz[0, 0, 0] = 1.0


@pytest.mark.parametrize("back", [True, False])
def test_save_load_roundtrip(tmp_path, back):
    seq = make_seq(7, back=back, nan_rows=(1,))
    seq.extra["video"] = {"fps": 30.0}
    path = seq.save(tmp_path / "sub" / "a.pose.npz")
    assert [p.name for p in path.parent.iterdir()] == ["a.pose.npz"]  # no temp file left
    got = PoseSequence.load(path)
    for name in ("t_s", "image_xy", "world_xyz", "visibility", "presence"):
        np.testing.assert_array_equal(getattr(got, name), getattr(seq, name))
    assert (got.back_xy is None) == (not back)
    assert (got.width, got.height, got.source, got.model) == (100, 100, "x.mp4", "lite")
    assert got.extra == {"video": {"fps": 30.0}}


def test_load_errors(tmp_path):
    with pytest.raises(InputNotFoundError):
        PoseSequence.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataFormatError):
        PoseSequence.load(bad)


def test_load_refuses_other_versions(tmp_path):
    import json

    path = make_seq().save(tmp_path / "a.npz")
    with np.load(path) as z:
        arrays = dict(z)
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["format_version"] = 999
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(DataFormatError, match="version 999"):
        PoseSequence.load(path)


def test_slice_and_empty():
    seq = make_seq(10)
    part = seq.slice(2, 5)
    assert len(part) == 3
    np.testing.assert_array_equal(part.t_s, seq.t_s[2:5])
    assert len(PoseSequence.empty()) == 0


def test_resized_scales_every_pixel_valued_array_and_nothing_else():
    rng = np.random.default_rng(1)
    n = 3
    seq = PoseSequence(t_s=np.arange(n) / 30.0, image_xy=rng.random((n, 33, 2)) * 400,
                       world_xyz=rng.random((n, 33, 3)), visibility=np.ones((n, 33)),
                       presence=np.ones((n, 33)), back_xy=rng.random((n, 17, 2)) * 400,
                       width=400, height=800, image_z=rng.random((n, 33)),
                       torso_flow=rng.random((n, 2)))
    half = seq.resized(200, 200)
    assert (half.width, half.height) == (200, 200)
    np.testing.assert_allclose(half.image_xy, seq.image_xy * [0.5, 0.25], rtol=1e-6)
    np.testing.assert_allclose(half.back_xy, seq.back_xy * [0.5, 0.25], rtol=1e-6)
    np.testing.assert_allclose(half.image_z, seq.image_z * 0.5, rtol=1e-6)
    np.testing.assert_allclose(half.torso_flow, seq.torso_flow * 0.5, rtol=1e-6)
    np.testing.assert_array_equal(half.world_xyz, seq.world_xyz)
    np.testing.assert_array_equal(half.t_s, seq.t_s)


def test_landmark_enum_and_mirror():
    assert len(Landmark) == 33
    assert Landmark.LEFT_HIP == 23 and Landmark.RIGHT_FOOT_INDEX == 32
    assert len(LEFT_RIGHT_PAIRS) == 16
    m = mirror_index()
    assert m[Landmark.LEFT_SHOULDER] == Landmark.RIGHT_SHOULDER
    assert m[Landmark.NOSE] == Landmark.NOSE
    np.testing.assert_array_equal(m[m], np.arange(33))


# ------------------------------------------------- optional per-frame fields (image_z, flow)
OPTIONAL_FIELDS = {"image_z": (33,), "torso_flow": (2,)}


def _with_optional(name: str | None, n: int = 4) -> PoseSequence:
    rng = np.random.default_rng(0)
    extra = {name: rng.random((n, *OPTIONAL_FIELDS[name]))} if name else {}
    return PoseSequence(
        t_s=np.arange(n) / 30.0, image_xy=rng.random((n, 33, 2)),
        world_xyz=rng.random((n, 33, 3)), visibility=np.ones((n, 33)),
        presence=np.ones((n, 33)), **extra)


@pytest.mark.parametrize("name", sorted(OPTIONAL_FIELDS))
def test_optional_fields_round_trip_slice_and_old_files_load_without_them(tmp_path, name):
    seq = _with_optional(name)
    back = PoseSequence.load(seq.save(tmp_path / "with.npz"))
    np.testing.assert_array_equal(getattr(back, name), getattr(seq, name))
    assert getattr(back.slice(1, 3), name).shape == (2, *OPTIONAL_FIELDS[name])
    old = PoseSequence.load(_with_optional(None).save(tmp_path / "old.npz"))
    assert getattr(old, name) is None


@pytest.mark.parametrize("name", sorted(OPTIONAL_FIELDS))
def test_optional_fields_shape_is_checked(name):
    wrong = np.zeros((4, OPTIONAL_FIELDS[name][0] + 1))
    with pytest.raises(ShapeError, match=name):
        replace(_with_optional(name), **{name: wrong})
