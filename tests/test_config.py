"""Config: defaults < TOML file < overrides; bad keys and values are one-line ConfigErrors."""

from __future__ import annotations

import dataclasses

import pytest

from formcheck.config import EXERCISES, PROFILES, Config, load_config
from formcheck.errors import ConfigError, InputNotFoundError


def test_defaults_are_frozen_and_per_exercise():
    cfg = load_config()
    assert cfg == Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.signal.max_gap_s = 1.0  # type: ignore[misc]
    for ex in EXERCISES:
        assert cfg.faults_for(ex) is getattr(cfg, ex)
    assert cfg.faults_for("bench") is cfg.unknown
    squat, deadlift = cfg.squat.rounded_back, cfg.deadlift.rounded_back
    assert squat.judge_min_trunk_deg != deadlift.judge_min_trunk_deg


@pytest.mark.parametrize(
    ("override", "getter", "value"),
    [
        ("rounded_back.min_held_flexion_deg=6",
         lambda c: [c.faults_for(p).rounded_back.min_held_flexion_deg for p in PROFILES],
         [6.0] * 4),
        ("deadlift.jerky_twist.min_twist_rate_deg_s=90.5",
         lambda c: (c.deadlift.jerky_twist.min_twist_rate_deg_s,
                    c.squat.jerky_twist.min_twist_rate_deg_s), (90.5, 250.0)),
        ("reps.min_rep_duration_s = 0.8", lambda c: c.reps.min_rep_duration_s, 0.8),
        ("signal.filter_order=3", lambda c: c.signal.filter_order, 3),
        ("assess.min_frames=25", lambda c: c.assess.min_frames, 25),
    ],
)
def test_overrides(override, getter, value):
    assert getter(load_config(overrides=[override])) == value


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ("rounded_back.min_bulge=6", "unknown setting"),
        ("roundedback.min_held_flexion_deg=6", "unknown config section"),
        ("rounded_back.min_held_flexion_deg=six", "must be a number"),
        ("rounded_back.min_held_flexion_deg=nan", "must be a number"),
        ("rounded_back.min_held_flexion_deg=-1", "out of range"),
        ("signal.filter_order=2.5", "must be a whole number"),
        ("rounded_back.judge_lite_poses=maybe", "must be true or false"),
        ("rounded_back=3", "is a section"),
        ("rounded_back.min_held_flexion_deg", "use SECTION.FIELD=VALUE"),
        ("rounded_back.min_held_flexion_deg=", "use SECTION.FIELD=VALUE"),
        ("reps..min_rep_duration_s=1", "bad setting name"),
        ("reps.min_rep_duration_s.x=1", "is a value, not a section"),
        # A profile ramp's ends: equal ones would divide by zero, swapped ones would make
        # straight knees count for a squat.
        ("exercise.squat_knee_full_deg=130", "squat_knee_full_deg=130 must be below"),
        ("exercise.row_reach_range_full_arm_lengths=0.1", "must be above"),
        ("exercise.row_hip_zero_ratio=0.1", "row_hip_full_ratio=0.12 must be below"),
        ("exercise.hands_ramp_leg_lengths=0", "out of range"),
        ("exercise.hands_low_percentile=95", "must not exceed"),
    ],
)
def test_bad_overrides_raise_config_error(override, match):
    with pytest.raises(ConfigError, match=match) as info:
        load_config(overrides=[override])
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 7


def test_toml_layers_exercise_tables_win_and_overrides_win_last(tmp_path):
    path = tmp_path / "formcheck.toml"
    path.write_text(
        "[deadlift.rounded_back]\nmin_held_flexion_deg = 5.0\n\n"
        "[rounded_back]\nmin_held_flexion_deg = 7\n\n"
        "[signal]\nsmooth_cutoff_hz = 5.0\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.deadlift.rounded_back.min_held_flexion_deg == 5.0
    assert cfg.squat.rounded_back.min_held_flexion_deg == 7.0
    assert cfg.signal.smooth_cutoff_hz == 5.0
    cfg = load_config(path, ["deadlift.rounded_back.min_held_flexion_deg=9"])
    assert cfg.deadlift.rounded_back.min_held_flexion_deg == 9.0


@pytest.mark.parametrize(
    ("text", "match"),
    [("[rounded_back\nx=1", "not valid TOML"),
     ("[rounded_back]\nmin_held_flexion_deg = 'a'", "must be a number"),
     ("[nope]\nx = 1", "unknown config section"),
     ("[signal]\nmax_gap_s = true", "must be a number")],
)
def test_bad_toml_files(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [("[rounded_back\nx=1", "is not valid TOML"),
     ("[nope]\nx = 1", ": unknown config section 'nope'"),
     ("[rounded_back]\nmin_held_flexion_deg = 'a'", ": rounded_back.min_held_flexion_deg must"),
     ("[rounded_back]\nmin_flexion_deg = -5", ": rounded_back.min_flexion_deg=-5.0 is out of"),
     ("[reps]\nexit_level_frac = 0.9", ": reps.exit_level_frac=0.9 must not exceed")],
)
def test_an_error_from_a_config_file_names_the_file(tmp_path, text, words):
    """A bad section, value or TOML syntax said what was wrong but not in which file (the
    same words come from a --set); every one now starts with the file, on one line."""
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"config file {path}") and words in message
    assert "\n" not in message and info.value.exit_code == 7


def test_a_crossing_made_by_a_set_does_not_blame_the_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[reps]\nexit_level_frac = 0.5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, ["reps.enter_level_frac=0.4"])
    assert str(info.value).startswith("reps.exit_level_frac=0.5 must not exceed")
    # ...and a --set that mends the file's crossing is still fine (checked after all layers)
    path.write_text("[reps]\nexit_level_frac = 0.9\n", encoding="utf-8")
    assert load_config(path, ["reps.enter_level_frac=0.95"]).reps.exit_level_frac == 0.9


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputNotFoundError, match="config file not found"):
        load_config(tmp_path / "absent.toml")


def test_a_folder_given_as_config_file_says_so(tmp_path):
    """QA (session 24): `--config some_folder` read "config file not found" (it is there)."""
    with pytest.raises(InputNotFoundError, match=r"^config file .* is a folder; give the TOML "
                       "file to --config$"):
        load_config(tmp_path)


def test_a_ramp_s_ends_are_checked_on_the_final_settings(tmp_path):
    """Moving both ends of a ramp past each other is one change made in two settings: it
    holds in either order (only the result is checked, as ``ORDERED``); a file and a
    ``--set`` that together leave the ends crossed are refused."""
    pair = ["exercise.squat_knee_zero_deg=100", "exercise.squat_knee_full_deg=80"]
    for overrides in (pair, pair[::-1]):
        ec = load_config(overrides=overrides).exercise
        assert (ec.squat_knee_zero_deg, ec.squat_knee_full_deg) == (100.0, 80.0)
    # Each layer alone is fine (the file's full end 120 is below the default zero end 130);
    # the --set then moves the zero end under it: crossed.
    path = tmp_path / "ramp.toml"
    path.write_text("[exercise]\nsquat_knee_full_deg = 120.0\n")
    assert load_config(path).exercise.squat_knee_full_deg == 120.0
    with pytest.raises(ConfigError, match="squat_knee"):
        load_config(path, overrides=["exercise.squat_knee_zero_deg=110"])
