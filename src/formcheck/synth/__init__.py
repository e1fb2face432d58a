"""Synthetic lifters with exact ground truth: posed Anny bodies rendered in a plain gym.

Public API: ``Scenario`` (with ``Camera``, ``Tempo``, ``Scene``, ``Fault``, ``TwistShape``),
``render``, ``render_samples``, ``render_matrix``, ``load_scenario``. Only numpy (and
OpenCV/PyAV for the shadow blur and the video) are needed at run time; ``export_anny`` needs
torch and anny.
"""

from formcheck.synth.api import render, render_matrix, render_samples
from formcheck.synth.scenario import (
    Camera,
    Exercise,
    Fault,
    FaultKind,
    Scenario,
    Scene,
    Tempo,
    TwistShape,
    load_scenario,
)

__all__ = ["Camera", "Exercise", "Fault", "FaultKind", "Scenario", "Scene", "Tempo",
           "TwistShape", "load_scenario", "render", "render_matrix", "render_samples"]
