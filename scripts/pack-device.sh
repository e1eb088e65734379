#!/usr/bin/env bash
# Packs the built binaries, the shared libraries they need beyond glibc, and the test models into
# .devcarry/ so that the suite and benchmarks can run on a GPU machine without Debian's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .devcarry && mkdir -p .devcarry/bin .devcarry/lib .devcarry/models
cp build/cli/strata build/tests/strata_tests build/bench/verify_bench build/bench/schedule_bench .devcarry/bin/
for lib in $(ldd build/tests/strata_tests build/cli/strata | awk '/=>/{print $3}' | sort -u); do
  case "$(basename "$lib")" in libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*) ;; *) cp -L "$lib" .devcarry/lib/ ;; esac
done
cp -r /usr/share/assimp/models/glTF2 /usr/share/assimp/models/invalid .devcarry/models/
du -sh .devcarry
