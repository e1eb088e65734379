#!/usr/bin/env bash
# The same tumbling-window aggregation (count/sum/min/max GROUP BY 10 s window, key over 16-byte
# events) with DuckDB (npm @duckdb/node-api, in memory, every core), a single-threaded C++
# hash-map loop, and strata's devices; prints each rate and the ratios.
#
#   bench/analytics_compare.sh [EVENTS] [KEYS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-16777216}
keys=${2:-10000}
strata=${STRATA:-build/cli/strata}
[[ -x $strata ]] || scripts/build.sh >/dev/null
[[ -f .tools/node_modules/@duckdb/node-api/package.json ]] || scripts/setup.sh
work=$(mktemp -d)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$work"' EXIT

$strata bench analytics --export "$work/events.csv" --events "$events" --keys "$keys"
# An ES module finds its packages from where it lies: beside .tools/node_modules.
cp bench/analytics_duckdb.mjs .tools/
duck=$(node .tools/analytics_duckdb.mjs "$work/events.csv" 10000)
echo "$duck"
ours=$($strata bench analytics --events "$events" --keys "$keys" --query-events 1000 --seconds 1)
echo "$ours"
duck_rate=$(sed -n 's/.* \([0-9]*\) events\/s/\1/p' <<<"$duck")
map_rate=$(awk '/hash-map loop/ {print $(NF-2) * 1e6; exit}' <<<"$ours")
best=$(awk '/resident|with transfers/ {if ($(NF-2) > b) b = $(NF-2)} END {print b * 1e6}' <<<"$ours")
best_transfers=$(awk '/with transfers/ {if ($(NF-2) > b) b = $(NF-2)} END {print b * 1e6}' <<<"$ours")
awk -v d="$duck_rate" -v m="$map_rate" -v b="$best" -v t="$best_transfers" 'BEGIN {
  printf "ratio (best strata device, resident / duckdb): %.2f\n", b / d
  printf "ratio (best strata device, with transfers / duckdb): %.2f\n", t / d
  printf "ratio (best strata device, resident / hash-map loop): %.2f\n", b / m
}'
