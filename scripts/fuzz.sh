#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang, AddressSanitizer and UBSan into
# build-fuzz/ and runs each for SECONDS (default 60), seeded from a copy of its corpus
# (tests/fuzz/corpus/<target>/ is never written). Prints one line per target and exits non-zero
# on a finding (a crash, a sanitizer report, a leak, a timeout or running out of memory), naming
# the input that found it; its log is next to it.
#
#   scripts/fuzz.sh [SECONDS]     FUZZ_TARGETS="frame scene" to run some only,
#                                 FUZZ_JOBS=N targets at once (default: the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

scripts/setup.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSTRATA_FUZZ=ON -DSTRATA_CUDA=OFF -DSTRATA_BENCH=OFF >/dev/null
cmake --build build-fuzz --target strata_fuzz_targets

all=(frame render_messages task_messages market blob_service stream_message stream_registry scene_manifest scene
     api_request proof_items proof_messages analytics_events)
read -r -a targets <<<"${FUZZ_TARGETS:-${all[*]}}"
jobs=${FUZZ_JOBS:-$(nproc)}
runs=build-fuzz/fuzz-runs
mkdir -p "$runs"

# One target: a fresh copy of its corpus, then libFuzzer for `seconds`.
fuzz_one() {
  local name=$1 dir="$runs/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/findings"
  cp -r "tests/fuzz/corpus/$name/." "$dir/corpus/"
  local extra=()
  [[ -f tests/fuzz/$name.dict ]] && extra+=("-dict=tests/fuzz/$name.dict")
  [[ $name == scene ]] && extra+=(-max_len=65536)  # files with their buffers and textures
  local rc=0
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/tests/fuzz/fuzz_$name" "$dir/corpus" "${extra[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=30 -print_final_stats=1 -artifact_prefix="$dir/findings/" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

running=0
for name in "${targets[@]}"; do
  [[ -x build-fuzz/tests/fuzz/fuzz_$name ]] || { echo "fuzz: no target '$name'" >&2; exit 2; }
  fuzz_one "$name" &
  if ((++running >= jobs)); then
    wait -n
    ((running--))
  fi
done
wait

found=0
for name in "${targets[@]}"; do
  dir="$runs/$name"
  rc=$(cat "$dir/rc")
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$dir/log" | tail -1)
  corpus=$(find "$dir/corpus" -type f | wc -l)
  # Slow units (over 10 s, under -timeout) are kept for a look, but are no finding.
  finding=$(find "$dir/findings" -type f ! -name 'slow-unit-*' | head -1)
  slow=$(find "$dir/findings" -type f -name 'slow-unit-*' | head -1)
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$dir/log" | tail -1)
  if [[ $rc -eq 0 && -z $finding ]]; then
    printf 'fuzz: %-16s %10s runs in %4s s, corpus %5s, slowest input %3s s, no finding\n' "$name" "${executed:-?}" \
      "${took:-?}" "$corpus" "${slowest:-?}"
    [[ -z $slow ]] || echo "      the slowest input is kept as $slow"
  else
    found=1
    kind=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [A-Za-z-]+( signal)?|runtime error|fuzz property violated' "$dir/log" || true)
    printf 'fuzz: %-16s FINDING (%s) after %s runs: %s (log: %s)\n' "$name" "${kind:-exit $rc}" "${executed:-?}" \
      "${finding:-none written}" "$dir/log"
    grep -m1 -E 'SUMMARY:|runtime error|fuzz property violated' "$dir/log" | sed 's/^/      /' || true
  fi
done
exit "$found"
