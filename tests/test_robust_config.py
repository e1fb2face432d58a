"""Every setting has a documented range; out-of-range values are one-line ConfigErrors naming the
setting and the range, before any work starts (issue 16, items 2 and 6)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.config import RANGES, Config, load_config, range_of, validate_config
from formcheck.errors import ConfigError
from formcheck.pose.sequence import BACK_PROFILE_POINTS


def _leaf_fields(cfg) -> list[tuple[str, type, dataclasses.Field]]:
    out = []
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            out.extend(_leaf_fields(value))
        else:
            out.append((f"{type(cfg).__name__}.{f.name}", type(cfg), f))
    return out


LEAVES = _leaf_fields(Config())


def test_every_setting_has_a_range_and_every_range_a_setting():
    keys = {key for key, _, _ in LEAVES}
    missing = sorted(keys - set(RANGES))
    assert not missing, f"add these to formcheck.config.RANGES: {missing}"
    assert not sorted(set(RANGES) - keys), "RANGES names settings that no longer exist"


def test_defaults_lie_in_their_ranges():
    validate_config(Config())
    for key, kind, f in LEAVES:
        assert f.default is dataclasses.MISSING or f.default in range_of(kind, f.name), key


def test_back_point_range_matches_the_pose_data():
    assert RANGES["SignalConfig.back_profile_last_point"].hi == BACK_PROFILE_POINTS - 1


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("signal.smooth_cutoff_hz=0", "signal.smooth_cutoff_hz"),
        ("signal.twist_cutoff_hz=-3", "signal.twist_cutoff_hz"),
        ("signal.filter_order=1000", "[1, 8]"),
        ("signal.filter_order=0", "[1, 8]"),
        ("signal.back_profile_last_point=99", "[0, 16]"),
        ("signal.min_visibility=5", "[0, 1]"),
        ("rounded_back.flexion_deg_per_pct=inf", "rounded_back.flexion_deg_per_pct"),
        ("reps.enter_level_frac=0", "reps.enter_level_frac"),
        ("reps.lockout_level_frac=1.5", "reps.lockout_level_frac"),
        ("assess.min_frames=0", "assess.min_frames"),
        ("view.window_s=0", "view.window_s"),
        ("signal.back_profile_first_point=13", "at least 3 outline points"),
        ("reps.exit_level_frac=0.9", "must not exceed reps.enter_level_frac"),
        ("view.front_max_yaw_deg=100", "must not exceed view.oblique_max_yaw_deg"),
    ],
)
def test_out_of_range_overrides_name_the_setting(override, needle):
    with pytest.raises(ConfigError) as info:
        load_config(overrides=[override])
    message = str(info.value)
    assert needle in message and "\n" not in message
    assert info.value.exit_code == 7


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "-0.5"])
def test_toml_non_finite_and_negative_values_are_config_errors(tmp_path, value):
    path = tmp_path / "bad.toml"
    path.write_text(f"[signal]\nsmooth_cutoff_hz = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="smooth_cutoff_hz"):
        load_config(path)


def test_range_checks_after_all_layers(tmp_path):
    # Raising both ends in one file is fine even though the first line alone would cross.
    path = tmp_path / "ok.toml"
    path.write_text("[reps]\nexit_level_frac = 0.7\nenter_level_frac = 0.8\n", encoding="utf-8")
    cfg = load_config(path)
    assert (cfg.reps.exit_level_frac, cfg.reps.enter_level_frac) == (0.7, 0.8)


def test_infinity_allowed_only_where_it_means_no_limit():
    assert load_config(overrides=["rounded_back.max_elbow_behind_back_frac=inf"]) \
        .squat.rounded_back.max_elbow_behind_back_frac == math.inf


_NUMERIC = [(key, kind, f) for key, kind, f in LEAVES if f.type in ("float", "int", float, int)]


def _section_path(kind: type) -> str:
    for key, section in (("signal", "SignalConfig"), ("view", "ViewConfig"),
                         ("reps", "RepConfig"), ("assess", "AssessConfig"),
                         ("exercise", "ExerciseConfig"), ("pose", "PoseConfig")):
        if kind.__name__ == section:
            return key
    for f in dataclasses.fields(Config().unknown):
        if type(getattr(Config().unknown, f.name)) is kind:
            return f"unknown.{f.name}"
    raise AssertionError(kind)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_NUMERIC), st.floats(allow_nan=True, allow_infinity=True))
def test_any_value_is_accepted_exactly_when_in_range(leaf, value):
    """Property: a single override either loads (and then lies in its range) or is a
    ConfigError naming the setting; nothing else escapes."""
    key, kind, f = leaf
    name = f"{_section_path(kind)}.{f.name}"
    text = repr(int(value)) if f.type in ("int", int) and math.isfinite(value) else repr(value)
    try:
        cfg = load_config(overrides=[f"{name}={text}"])
    except ConfigError as err:
        assert name in str(err) or f.name in str(err)
        return
    section = cfg
    for part in name.split("."):
        section = getattr(section, part)
    assert section in range_of(kind, f.name)
