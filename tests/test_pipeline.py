from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

from formcheck.pipeline import prefetch


def test_prefetch_keeps_order_and_runs_ahead():
    produced = []

    def gen():
        for i in range(50):
            produced.append(i)
            yield i

    assert list(prefetch(gen(), depth=4)) == list(range(50))
    assert produced == list(range(50))


def test_prefetch_reraises_producer_errors_in_consumer():
    def gen():
        yield 1
        raise ValueError("broken frame")

    got = []
    with pytest.raises(ValueError, match="broken frame"):
        for x in prefetch(gen()):
            got.append(x)
    assert got == [1]


def test_prefetch_stops_producer_when_consumer_stops():
    pulled = []

    def gen():
        for i in range(10_000):
            pulled.append(i)
            yield i

    it = prefetch(gen(), depth=2)
    assert next(it) == 0
    it.close()
    assert len(pulled) < 10  # the producer stopped a few items ahead, not at the end
    assert not any(t.name == "formcheck-prefetch" and t.is_alive()
                   for t in threading.enumerate())


def test_cli_start_up_imports_nothing_heavy():
    code = ("import sys, formcheck.cli; "
            "heavy = {'mediapipe', 'cv2', 'av', 'matplotlib', 'torch', 'scipy'} "
            "& set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "formcheck", "--help"], capture_output=True,
                         text=True, check=True)
    assert "analyze" in out.stdout


@pytest.mark.slow
def test_cached_pose_matches_only_the_same_clip_and_model(tmp_path, person_clip, lite_model):
    import shutil

    from formcheck.pipeline import cached_pose, extract_pose

    seq = extract_pose(person_clip, str(lite_model))
    assert len(seq.extra["source_sha256"]) == 64 and len(seq.extra["model_sha256"]) == 64
    pose = seq.save(tmp_path / "clip.pose.npz")
    copy = shutil.copy(person_clip, tmp_path / "renamed.mp4")  # same bytes, other name
    assert cached_pose(copy, pose, str(lite_model)) is not None
    other = tmp_path / "other.mp4"
    other.write_bytes(person_clip.read_bytes() + b"\0")  # one byte more: another clip
    assert cached_pose(other, pose, str(lite_model)) is None
    # A caller that already hashed the clip passes the hash; it is what gets compared.
    from formcheck.fsutil import file_sha256

    assert cached_pose(other, pose, str(lite_model),
                       source_sha256=file_sha256(person_clip)) is not None
    assert cached_pose(person_clip, pose, str(lite_model),
                       source_sha256=file_sha256(other)) is None
    other_model = tmp_path / "other.task"
    other_model.write_bytes(lite_model.read_bytes() + b"\0")
    assert cached_pose(person_clip, pose, str(other_model)) is None
    assert cached_pose(person_clip, tmp_path / "missing.npz", str(lite_model)) is None
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    assert cached_pose(person_clip, tmp_path / "broken.npz", str(lite_model)) is None
    from dataclasses import replace

    for older in ("image_z", "torso_flow"):  # files from before a twist cue was kept
        stale = replace(seq, **{older: None}).save(tmp_path / f"no_{older}.pose.npz")
        assert cached_pose(person_clip, stale, str(lite_model)) is None, older
    # Made by another pose pass (before the back's outline asked the feet): not reused.
    from formcheck.pose.sequence import POSE_PASS_VERSION

    assert seq.extra["pose_pass"] == POSE_PASS_VERSION
    for version in (None, POSE_PASS_VERSION - 1):
        extra = {k: v for k, v in seq.extra.items() if k != "pose_pass"}
        if version is not None:
            extra["pose_pass"] = version
        stale = replace(seq, extra=extra).save(tmp_path / f"pass_{version}.pose.npz")
        assert cached_pose(person_clip, stale, str(lite_model)) is None, version
    # The flow's gate (pose.flow.FlowGate) stores NaN on frames turned from square-on: a
    # side-on clip's file carries a flow of NaN only, and it is reused; so is a file made
    # before the gate, with the flow on every frame.
    for name, flow in (("gated", np.full((len(seq), 2), np.nan, np.float32)),
                       ("every frame", np.zeros((len(seq), 2), np.float32))):
        kept = replace(seq, torso_flow=flow).save(tmp_path / f"{name}.pose.npz")
        again = cached_pose(person_clip, kept, str(lite_model))
        assert again is not None, name
        np.testing.assert_array_equal(again.torso_flow, flow)


def test_cached_pose_removed_between_the_look_and_the_read_is_a_miss(tmp_path, monkeypatch):
    """A shared cache pruned by another run: the entry exists when looked at and is gone when
    read. The real load then raises InputNotFoundError; the cache treats it as a miss."""
    from formcheck.analysis.synthetic import SynthSpec, synthesize
    from formcheck.pipeline import cached_pose
    from formcheck.pose.sequence import PoseSequence

    seq, _ = synthesize(SynthSpec(exercise="squat"))
    entry = seq.save(tmp_path / "entry.pose.npz")
    real_load = PoseSequence.load.__func__

    def pruned_meanwhile(cls, path):
        entry.unlink()  # another run's prune, just after this one looked
        return real_load(cls, path)

    monkeypatch.setattr(PoseSequence, "load", classmethod(pruned_meanwhile))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    assert cached_pose(clip, entry, None) is None
    assert not entry.exists()
