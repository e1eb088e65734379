#!/usr/bin/env bash
# Set up, build, and run the whole test suite, then every fuzz target for a few seconds
# (scripts/fuzz.sh; the corpus regressions are ctests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)")
scripts/fuzz.sh 5
