#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and builds Strata into build/ (Release, Ninja, ccache).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
