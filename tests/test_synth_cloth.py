"""Loose clothing on synthetic lifters (``synth.cloth``): the cloth spans the lower back's
hollow, hangs under gravity, is sized per body, stays out of files when off, and the CLI
renders it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import ConfigError
from formcheck.synth.body import load_body, skin
from formcheck.synth.catalog import TEMPI
from formcheck.synth.clip import ClipRenderer, spine_angles
from formcheck.synth.cloth import (
    RING_S,
    SEGMENTS,
    SIZE_RANGES,
    clothing_sizes,
    shell_profile,
)
from formcheck.synth.motion import Poser
from formcheck.synth.scenario import (
    Camera,
    Exercise,
    Fault,
    FaultKind,
    Scenario,
    Scene,
    load_scenario,
)

BACK = 3 * SEGMENTS // 4  # the direction straight back from the trunk axis
FRONT = SEGMENTS // 4


def _deadlift(clothing: str = "none", flexion: float = 0.0, **cam) -> Scenario:
    faults = (Fault(FaultKind.FLEXION, flexion),) if flexion else ()
    return Scenario(exercise=Exercise.DEADLIFT, reps=1, body="m_avg",
                    tempo=TEMPI[Exercise.DEADLIFT],
                    camera=Camera(width=96, height=72, fps=10.0, **cam),
                    scene=Scene(clothing=clothing), faults=faults)


def _under_taut(body_r: np.ndarray, r: np.ndarray) -> float:
    """How far (m) profile ``r`` along the trunk falls below the body's profile pulled taut
    (its concave majorant: straight over the lower back's hollow), at worst."""
    from formcheck.synth.cloth import _concave_majorant

    return float(np.max(_concave_majorant(RING_S, body_r) - r))


def _bent_and_standing(sc: Scenario):
    body = load_body(sc.body)
    poser = Poser(sc, body)
    t = np.arange(0.0, 3.2, 0.1)
    frames, _ = poser.frames(t)
    lean = spine_angles(body, frames)["trunk_inclination_deg"]
    return body, frames[int(np.argmax(lean))], frames[int(np.argmin(np.abs(lean)))]


@pytest.mark.parametrize("kind", ["tee", "hoodie"])
def test_the_cloth_spans_the_lower_backs_hollow_and_never_cuts_into_the_body(kind: str) -> None:
    sc = _deadlift(kind)
    body, bent, standing = _bent_and_standing(sc)
    size = clothing_sizes(kind, sc.body)
    for frame in (bent, standing):
        prof = shell_profile(body, frame.posed, skin(body, frame.posed), size)
        assert np.all(prof.cloth_r >= prof.body_r + size.thickness_m - 1e-9)
        body_r, cloth_r = prof.body_r[:, BACK], prof.cloth_r[:, BACK]
        hollow = _under_taut(body_r, body_r)
        assert hollow > 0.02  # the body has a lumbar hollow (two centimetres or more) ...
        assert _under_taut(body_r, cloth_r) < 0.3 * hollow  # ... the cloth spans most of it


def test_slack_hangs_below_a_bent_trunk_and_lies_flat_on_top() -> None:
    sc = _deadlift("tee")
    body, bent, standing = _bent_and_standing(sc)
    size = clothing_sizes("tee", sc.body)
    mid = np.argmin(np.abs(RING_S - 0.4))  # the belly and the lower back, clear of the ends
    gaps = {}
    for name, frame in (("bent", bent), ("standing", standing)):
        prof = shell_profile(body, frame.posed, skin(body, frame.posed), size)
        gap = prof.cloth_r - prof.body_r
        gaps[name] = (gap[mid, FRONT], gap[mid, BACK])
        # Straight back really is behind the lifter: the posed direction points at -z.
        assert prof.dirs[BACK][2] < -0.5
    front_bent, back_bent = gaps["bent"]
    front_up, _ = gaps["standing"]
    assert front_bent > front_up  # the belly's slack hangs further once bent over


def test_sizes_are_drawn_per_body_the_same_every_time() -> None:
    a = clothing_sizes("tee", "m_avg")
    assert a == clothing_sizes("tee", "m_avg")
    assert a != clothing_sizes("tee", "f_short") and a != clothing_sizes("tee", "m_avg", 1)
    for kind, ranges in SIZE_RANGES.items():
        for body in ("m_avg", "f_short", "m_tall", "f_heavy"):
            d = clothing_sizes(kind, body).to_dict()
            for key, (lo, hi) in ranges.items():
                assert lo - 1e-4 <= d[key] <= hi + 1e-4
    assert clothing_sizes("tee", "m_avg").hood_m == 0 < clothing_sizes("hoodie", "m_avg").hood_m


def test_clothing_round_trips_and_stays_out_of_files_when_off(tmp_path: Path) -> None:
    bare = _deadlift().to_dict()
    assert "clothing" not in bare["scene"] and "clothing_seed" not in bare["scene"]
    sc = _deadlift("hoodie")
    d = sc.to_dict()
    assert d["scene"]["clothing"] == "hoodie" and d["scene"]["clothing_seed"] == 0
    (tmp_path / "s.json").write_text(json.dumps(d))
    assert load_scenario(tmp_path / "s.json") == sc
    with pytest.raises(ConfigError, match="clothing must be one of"):
        Scenario(scene=Scene(clothing="coat"))


def test_clothing_changes_the_torsos_outline_not_the_truth() -> None:
    sc = _deadlift("tee", flexion=20.0)
    bare, worn = ClipRenderer(replace(sc, scene=Scene())), ClipRenderer(sc)
    i = len(bare.t_s) // 4  # bent over
    img_bare, v_bare = bare.render_frame(i)
    img_worn, v_worn = worn.render_frame(i)
    assert np.array_equal(v_bare, v_worn)  # the body underneath is the same
    assert np.abs(img_bare.astype(int) - img_worn.astype(int)).sum(axis=2).astype(bool).mean() \
        > 0.005
    lms = [np.zeros((33, 3))] * len(bare.t_s)
    t_bare, t_worn = bare.truth(lms), worn.truth(lms)
    assert t_bare["per_frame"]["flexion_deg"] == t_worn["per_frame"]["flexion_deg"]
    assert "clothing" not in t_bare and t_worn["clothing"]["kind"] == "tee"
    assert t_worn["clothing"] == clothing_sizes("tee", "m_avg").to_dict()


def test_cli_renders_a_hoodie(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from formcheck.commands.synth import app

    out = tmp_path / "h.mp4"
    res = CliRunner().invoke(app, ["render", "--out", str(out), "--exercise", "row", "--reps",
                                   "1", "--width", "64", "--height", "48", "--fps", "5",
                                   "--clothing", "hoodie", "--clothing-seed", "2"])
    assert res.exit_code == 0, res.output
    truth = json.loads(out.with_suffix(".json").read_text())
    assert truth["scenario"]["scene"]["clothing"] == "hoodie"
    assert truth["clothing"] == clothing_sizes("hoodie", "m_avg", 2).to_dict()
    bad = CliRunner().invoke(app, ["render", "--out", str(tmp_path / "b.mp4"),
                                   "--clothing", "coat"])
    assert bad.exit_code == 7 and "clothing must be one of" in bad.output
