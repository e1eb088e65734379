#!/usr/bin/env bash
# The main job on embedded defaults: set up, build, then render the bundled demo scene on the
# best device present. Extra arguments go to `strata render`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build/cli/strata render -o strata-demo.png "$@"
