"""The threshold reference (``docs/thresholds.md``), generated from ``formcheck.config`` so it
cannot drift: every setting, its unit, its default per exercise and what it means (the ``#:``
comment above the field), and the severity grades.

    python -m formcheck.thresholds_doc            # rewrite docs/thresholds.md
    python -m formcheck.thresholds_doc --check    # exit 1 if the file is stale
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
import sys
from pathlib import Path

from formcheck import config as cfgmod

#: Where the reference lives in a source checkout.
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "thresholds.md"

#: Unit suffixes of setting names, longest first, and how the table names them.
_UNITS: tuple[tuple[str, str], ...] = (
    ("_deg_s3", "deg/s³"), ("_deg_s", "deg/s"), ("_deg", "degrees"), ("_pct", "% of torso"),
    ("_hz", "Hz"), ("_s", "seconds"), ("_frac", "fraction"), ("_ratio", "leg lengths"),
    ("_torso_s", "torso lengths/s"), ("_leg_lengths", "leg lengths"),
    ("_arm_lengths", "arm lengths"), ("_px", "pixels"),
)
_COMMENT = re.compile(r"^\s*#:\s?(.*)$")
_FIELD = re.compile(r"^\s*(\w+)\s*:\s*[\w\[\]| .]+(=.*)?$")


def unit_of(name: str) -> str:
    for suffix, unit in sorted(_UNITS, key=lambda u: -len(u[0])):
        if name.endswith(suffix):
            return unit
    return ""


def field_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comment lines right above each field of dataclass ``cls``, joined."""
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        m = _COMMENT.match(line)
        if m:
            pending.append(m.group(1).strip())
            continue
        f = _FIELD.match(line)
        if f and pending:
            out[f.group(1)] = " ".join(pending)
        if line.strip() and not line.strip().startswith("#"):
            pending = []
    return out


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "off (inf)"
        return f"{value:g}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _section_rows(path: str, obj: object) -> list[str]:
    docs = field_docs(type(obj))
    rows = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            continue
        rows.append(f"| `{path}.{f.name}` | {unit_of(f.name)} | {_fmt(value)} | "
                    f"{_cell(docs.get(f.name, ''))} |")
    return rows


def render() -> str:
    """The whole reference as Markdown (deterministic)."""
    base = cfgmod.Config()
    lines = [
        "# Threshold reference",
        "",
        "Generated from `src/formcheck/config.py` by `python -m formcheck.thresholds_doc`; a "
        "test fails when this file is stale. Change a value for one run with "
        "`--set SECTION.FIELD=VALUE` (e.g. `--set rounded_back.min_held_flexion_deg=15`), for one "
        "exercise with `--set deadlift.rounded_back.min_held_flexion_deg=15`, or in a TOML file "
        "passed with `--config` (`[rounded_back]`, `[deadlift.rounded_back]`, ...).",
        "",
        "Units: **% of torso** is how far the back's outline bows away from the straight "
        "shoulder-hip line, as a share of that line's length (not an angle); **degrees** are "
        "angles of the trunk from the pose model's 3-D landmarks, or, for the rounded back, "
        "spinal flexion estimated from that bow (`flexion_deg_per_pct`); **leg lengths** are "
        "distances divided by the lifter's hip-to-ankle length; twist rates are in measured "
        "(landmark) degrees per second, which keep only part of a real rotation.",
        "",
        "## Severity grades",
        "",
        "A finding is graded by its value divided by the limit it crossed "
        "(`formcheck.config.SEVERITY`; one table for every surface).",
        "",
        "| fault | value judged | mild | moderate | severe |",
        "|---|---|---|---|---|",
    ]
    for fault, b in cfgmod.SEVERITY.items():
        lines.append(f"| {fault} | {_cell(b.measures)} | 1× to {b.moderate_x_limit:g}× the "
                     f"limit | {b.moderate_x_limit:g}× to {b.severe_x_limit:g}× | "
                     f"{b.severe_x_limit:g}× or more |")
    for section in cfgmod._TOP_SECTIONS:
        obj = getattr(base, section)
        lines += ["", f"## `[{section}]`", "", _cell(inspect.getdoc(type(obj)) or ""), "",
                  "| setting | unit | default | meaning |", "|---|---|---|---|",
                  *_section_rows(section, obj)]
    for fault_field in dataclasses.fields(cfgmod.FaultThresholds):
        fault = fault_field.name
        per_ex = {ex: getattr(base.faults_for(ex), fault) for ex in cfgmod.PROFILES}
        ref = per_ex["unknown"]
        docs = field_docs(type(ref))
        lines += ["", f"## `[{fault}]` (per exercise: `[squat.{fault}]`, ...)", "",
                  _cell(inspect.getdoc(type(ref)) or ""), "",
                  "| setting | unit | " + " | ".join(cfgmod.PROFILES) + " | meaning |",
                  "|---|---|" + "---|" * len(cfgmod.PROFILES) + "---|"]
        for f in dataclasses.fields(ref):
            vals = " | ".join(_fmt(getattr(per_ex[ex], f.name)) for ex in cfgmod.PROFILES)
            lines.append(f"| `{fault}.{f.name}` | {unit_of(f.name)} | {vals} | "
                         f"{_cell(docs.get(f.name, ''))} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.is_file() else ""
        if current != text:
            print(f"error: {DOC_PATH} is stale; run `python -m formcheck.thresholds_doc`",
                  file=sys.stderr)
            return 1
        return 0
    from formcheck.fsutil import write_text_atomic

    write_text_atomic(DOC_PATH, text)
    print(DOC_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
