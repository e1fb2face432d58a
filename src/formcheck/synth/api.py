"""Public API of the synthetic-clip generator: render one scenario, the samples, the matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from formcheck.synth.scenario import Exercise, Scenario, TwistShape

MANIFEST_VERSION = 1


def render(sc: Scenario, video: Path, truth: Path | None = None):
    """Render ``sc`` to ``video`` (H.264 mp4) and ``truth`` (JSON; default: beside the video)."""
    from formcheck.synth.clip import render_clip

    return render_clip(sc, video, truth if truth is not None else video.with_suffix(".json"))


def _render_set(scenarios: dict[str, Scenario], out: Path, kind: str, skip_existing: bool,
                progress: Callable[[str, int, int], None] | None) -> Path:
    from formcheck.synth.clip import render_clip, write_json

    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    for i, (name, sc) in enumerate(scenarios.items()):
        video, truth = out / f"{name}.mp4", out / f"{name}.json"
        if progress is not None:
            progress(name, i, len(scenarios))
        if not (skip_existing and video.is_file() and truth.is_file()):
            render_clip(sc, video, truth)
        entries.append({"name": name, "video": video.name, "truth": truth.name,
                        "exercise": sc.exercise.value, "body": sc.body,
                        "azimuth_deg": sc.camera.azimuth_deg,
                        **({"camera": asdict(sc.camera)} if kind == "placements" else {}),
                        "faults": [{"kind": f.kind.value, "magnitude_deg": f.magnitude_deg,
                                    "duration_s": f.duration_s, "reps": list(f.reps),
                                    **({"twist_shape": f.twist_shape.value}
                                       if f.twist_shape is not TwistShape.JERK else {})}
                                   for f in sc.faults]})
    manifest = out / "manifest.json"
    # Pretty-printed: people read it.
    write_json(manifest, {"version": MANIFEST_VERSION, "kind": kind, "clips": entries}, indent=1)
    return manifest


def render_samples(out: Path, *, progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Render the committed sample set into ``out``; returns the manifest's path."""
    from formcheck.synth.catalog import sample_scenarios

    return _render_set(sample_scenarios(), out, "samples", False, progress)


def render_matrix(out: Path, *, bodies: tuple[str, ...] | None = None,
                  exercises: tuple[Exercise, ...] = tuple(Exercise),
                  azimuths: tuple[float, ...] | None = None, reps: int = 3,
                  limit: int | None = None, skip_existing: bool = True,
                  progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Render the evaluation matrix (bodies x views x fault sizes); returns the manifest."""
    from formcheck.synth.body import body_names
    from formcheck.synth.catalog import MATRIX_AZIMUTHS, matrix_scenarios

    scen = matrix_scenarios(bodies or body_names(), exercises,
                            azimuths if azimuths else MATRIX_AZIMUTHS, reps)
    if limit is not None:
        scen = dict(list(scen.items())[:limit])
    return _render_set(scen, out, "matrix", skip_existing, progress)


def render_placements(out: Path, scenarios: dict[str, Scenario], *,
                      progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Render a camera-placement set (``catalog.placement_scenarios``), skipping clips already
    rendered; returns the manifest (the same layout as the matrix's)."""
    return _render_set(scenarios, out, "placements", True, progress)
