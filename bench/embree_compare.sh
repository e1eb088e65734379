#!/usr/bin/env bash
# Renders the same OBJ scene with strata (cpu and opencl backends) and with Embree's pathtracer
# (Debian's embree-tools) at the same size, samples per pixel and path length, lit by the same
# uniform sky, and prints the wall times (load, BVH build and render) and their ratio.
#
#   bench/embree_compare.sh [TRIANGLES] [WIDTHxHEIGHT] [SPP] [EMBREE_PATH_LENGTH]
#
# Embree counts path length as bounces (1 = primary + shadow ray); strata counts segments, so
# strata's --depth is one more.
set -euo pipefail
cd "$(dirname "$0")/.."
tris=${1:-1000000}
size=${2:-512x512}
spp=${3:-16}
len=${4:-4}
strata=${STRATA:-build/cli/strata}
[[ -x $strata ]] || scripts/build.sh >/dev/null
command -v pathtracer >/dev/null || scripts/setup.sh
work=$(mktemp -d)
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$work"' EXIT; echo "work dir: $work"
$strata bench render --export "$work" --triangles "$tris" >/dev/null
obj=$(ls "$work"/*.obj)
source "${obj%.obj}.args"
w=${size%x*}
h=${size#*x}

wall() {  # seconds taken by the command
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

echo "scene: $tris triangles, ${w}x${h}, $spp spp, path length $len (Embree) = $((len + 1)) segments (strata), $(nproc) cores"
t_embree=$(wall pathtracer -i "$obj" --size "$w" "$h" --spp "$spp" --max-path-length "$len" $EMBREE_ARGS -o "$work/embree.tga")
printf "%-28s %8.2f s\n" "embree pathtracer" "$t_embree"
best=""
for dev in cpu opencl; do
  t=$(wall $strata render "$obj" -o "$work/strata-$dev.png" --size "$size" --spp "$spp" --depth $((len + 1)) --device "$dev" $STRATA_ARGS) || continue
  printf "%-28s %8.2f s   %s\n" "strata --device $dev" "$t" "$(grep -o 'rays/s' "$work/log" >/dev/null && grep '^time' "$work/log")"
  if [[ -z $best ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
done
printf "ratio (faster strata backend / embree): %.2f\n" "$(echo "$best / $t_embree" | bc -l)"
