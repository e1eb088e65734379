#!/usr/bin/env bash
# The main job on embedded defaults: set up, build, start a local cluster on loopback (a requestor
# node and three provider processes), submit the bundled demo render to it and write
# strata-demo.png. Extra arguments go to `strata submit render` (see scripts/local-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec scripts/local-cluster.sh "$@"
