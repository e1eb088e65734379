#!/usr/bin/env bash
# Runs on the GPU machine over what scripts/pack-device.sh packed: the device list and
# self-tests, the whole test suite (cuda included), a demo render, the render benchmark, the
# verifier's cost and catch rate, and the proof family's rates (hashing, Merkle trees, Ed25519)
# on cuda.
set -uo pipefail
cd "$(dirname "$0")/.."
export LD_LIBRARY_PATH=$PWD/.devcarry/lib
export STRATA_SOURCE_DIR=$PWD STRATA_BINARY=$PWD/.devcarry/bin/strata STRATA_ASSIMP_MODELS=$PWD/.devcarry/models
B=.devcarry/bin
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
nvidia-smi -L
$B/strata devices --self-test
STRATA_REQUIRE_OPENCL=0 $B/strata_tests > "$OUT/tests.log" 2>&1; echo "tests exit $?"; grep -E "FAILED|Failure|PASSED" -A3 "$OUT/tests.log" | head -n 60
$B/strata render --device cuda:0 --size 1280x720 --spp 1024 -o "$OUT/demo-cuda.png"
$B/strata bench render --devices cuda:0 --size 1280x720 --spp 64 "$@" | tee "$OUT/bench-cuda.txt"
$B/verify_bench --device cuda:0 --size 1920x1080 --spp 256 | tee "$OUT/verify-cuda.txt"
$B/strata bench proof --devices cuda:0 --items 4194304 --long-items 4096 --leaves 4194304 --signatures 1048576 | tee "$OUT/bench-proof-cuda.txt"
