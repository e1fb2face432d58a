"""The copies bench/filmed_otherwise.py and bench/mirror_samples.py write: turned, shrunk,
thinned, compressed again or flipped, each as the docstring says (no shared clip needed: a
small made-up video)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import av
import numpy as np
import pytest


def _video(path, n=12, w=64, h=48, rate=24):
    """A video whose left half is white and right half black, so a flip shows."""
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=rate)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "10"}
        img = np.zeros((h, w, 3), np.uint8)
        img[:, : w // 2] = 255
        for _ in range(n):
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


def _frames(path):
    with av.open(str(path)) as inp:
        vs = inp.streams.video[0]
        rate = float(vs.average_rate)
        return [f.to_ndarray(format="bgr24") for f in inp.decode(vs)], rate


@pytest.mark.parametrize("kind, value, frames, size, rate", [
    ("every", 2, 6, (48, 64), 12.0),
    ("scale", 0.5, 12, (24, 32), 24.0),
    ("crf", 35, 12, (48, 64), 24.0),
    ("turn", 6, 12, (48, 64), 24.0),
    ("tilt", 15, 12, (48, 64), 24.0),
    ("flip", 1, 12, (48, 64), 24.0),
])
def test_copies_change_what_they_say(tmp_path, bench_modules, kind, value, frames, size, rate):
    fo = bench_modules("filmed_otherwise")
    src, dst = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _video(src)
    assert fo.make_copy(src, dst, kind, float(value))
    got, got_rate = _frames(dst)
    assert len(got) == frames
    assert got[0].shape[:2] == size
    assert got_rate == pytest.approx(rate)
    if kind in ("turn", "tilt"):  # the white half's edge now slants: not the frame as filmed
        assert not np.array_equal(got[0], _frames(src)[0][0])
    if kind == "flip":  # the white half now on the right
        assert got[0][:, :24].mean() < 20 and got[0][:, 40:].mean() > 235


def test_a_flipped_sample_is_mirrored(tmp_path, bench_modules):
    ms = bench_modules("mirror_samples")
    src, dst = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _video(src)
    ms.flipped_copy(src, dst)
    got, _ = _frames(dst)
    assert len(got) == 12
    assert got[0][:, :24].mean() < 20 and got[0][:, 40:].mean() > 235  # white now on the right


def test_only_labelled_verdicts_that_moved_are_counted(tmp_path, bench_modules, capsys,
                                                       monkeypatch):
    fo = bench_modules("filmed_otherwise")
    clips, filmed, copies = tmp_path / "clips", tmp_path / "filmed", tmp_path / "copies"
    for d in (clips, filmed, copies):
        d.mkdir()
    labels = [{"file": "a.mp4", "faults": {"rounded_back": True, "lumbar_overextension": None,
                                           "jerky_twist": False}},
              {"file": "b.mp4", "faults": {"rounded_back": False, "lumbar_overextension": False,
                                           "jerky_twist": None}}]
    (clips / "labels.json").write_text(json.dumps(labels))
    for d in (filmed, copies):
        for name in ("a.mp4", "b.mp4"):
            (d / f"{name}.npz").write_bytes(b"")
    (copies / "c.mp4.npz").write_bytes(b"")  # not labelled: skipped
    as_filmed = {"rounded_back": (True, True, 25.0), "lumbar_overextension": (True, False, None),
                 "jerky_twist": (True, False, None)}
    # a: the labelled rounding missed, the unlabelled over-extension now warned
    # b: unchanged
    copied = {"a": {**as_filmed, "rounded_back": (True, False, None),
                    "lumbar_overextension": (True, True, 12.0)}, "b": as_filmed}
    calls = []

    def load(path):
        calls.append(path)
        return SimpleNamespace(extra={}, path=path)

    monkeypatch.setattr(fo.PoseSequence, "load", staticmethod(load))
    monkeypatch.setattr(fo, "verdicts", lambda seq, config=None: copied[seq.path.name[0]]
                        if seq.path.parent == copies else as_filmed)
    assert fo.main(["--clips", str(clips), "--poses", str(filmed), "--copies",
                    str(copies)]) == 0
    out = capsys.readouterr().out
    assert "label=True  as filmed warned 25.0     copy not warned" in out
    assert "lumbar_overextension  label=None" not in out  # not labelled: shown with -v only
    assert "2 clips with poses in both (level: as-posed)" in out
    assert "rounded_back          labelled verdicts changed: 1 of 2" in out
    assert "lumbar_overextension  labelled verdicts changed: 0 of 1" in out
    # The labelled verdicts tallied per version (the rounding's lines first): a's rounding
    # found as filmed and missed in the copy, b's clean lift warned in both.
    assert "as filmed labelled clean: warned 1 of 1 judged; labelled faulty: found 1 of 1" in out
    assert "copy      labelled clean: warned 1 of 1 judged; labelled faulty: found 0 of 1" in out


@pytest.mark.parametrize("deg", [15.0, -15.0])
def test_a_tilted_camera_keeps_the_centre_and_converges_the_verticals(bench_modules, deg):
    """``--change tilt=DEG``: a camera tilted up sees the scene's top farther away (vertical
    edges converge upwards, the top row maps narrower than the bottom); tilted down, the
    reverse. The picture's centre stays put."""
    tilt_homography = bench_modules("filmed_otherwise").tilt_homography
    w, h = 640, 480
    hom = tilt_homography(w, h, deg)

    def at(x, y):
        p = hom @ np.array([x, y, 1.0])
        return p[:2] / p[2]

    np.testing.assert_allclose(at(w / 2, h / 2), (w / 2, h / 2), atol=1e-9)
    top = at(w, 0)[0] - at(0, 0)[0]
    bottom = at(w, h)[0] - at(0, h)[0]
    assert (top < w < bottom) if deg > 0 else (bottom < w < top)
    assert np.allclose(tilt_homography(w, h, 0.0), np.eye(3))
