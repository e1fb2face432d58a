"""The suite's property tests draw the same examples wherever they run (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_profile_is_the_same_with_and_without_ci():
    # conftest.py run in a fresh interpreter, once with CI set and once without (hypothesis
    # loads its own "ci" profile when it sees CI): the settings in force must be the same.
    code = ("import runpy; runpy.run_path('tests/conftest.py'); "
            "from hypothesis import settings; print(repr(settings.default))")
    seen = []
    for ci in ("true", None):
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        if ci:
            env["CI"] = ci
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, cwd=REPO, check=True)
        seen.append(out.stdout.strip())
    assert seen[0] == seen[1]
    assert "derandomize=True" in seen[0] and "database=None" in seen[0]
