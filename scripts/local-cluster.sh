#!/usr/bin/env bash
# A local cluster on loopback with nothing to configure: a requestor node and $PROVIDERS provider
# processes (default 3, each offering --device $DEVICE, default auto), then `strata submit render`
# of the bundled demo scene through the requestor, writing strata-demo.png. Arguments go to
# `strata submit render` (a scene, --size, --spp, -o ...). The nodes stop when it ends; their logs
# and data stay in $KEEP if that is set. SHARE=1 makes each provider's devices share every
# subtask's samples (--share-samples; give DEVICE a list, e.g. DEVICE=cpu,opencl).
set -euo pipefail
cd "$(dirname "$0")/.."
STRATA=${STRATA:-build/cli/strata}
PROVIDERS=${PROVIDERS:-3}
DEVICE=${DEVICE:-auto}
SHARE=${SHARE:-0}
share=()
if [ "$SHARE" = 1 ]; then share=(--share-samples); fi
work=${KEEP:-$(mktemp -d /tmp/strata-cluster.XXXXXX)}
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

start_node() {
  local name=$1
  shift
  "$STRATA" node --data "$work/$name" --listen 127.0.0.1:0 --api 127.0.0.1:0 "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
# Prints the first match of the regex in the log once it appears (60 s at most).
wait_for() {
  local log=$1 pattern=$2 m
  for _ in $(seq 1 600); do
    if m=$(grep -m1 -oE "$pattern" "$log"); then
      echo "$m"
      return 0
    fi
    sleep 0.1
  done
  echo "local-cluster: timed out waiting for '$pattern' in $log:" >&2
  cat "$log" >&2
  return 1
}

start_node requestor
transport=$(wait_for "$work/requestor.log" 'listening on 127\.0\.0\.1:[0-9]+' | sed 's/.*://')
api=$(wait_for "$work/requestor.log" 'http://127\.0\.0\.1:[0-9]+' | sed 's|http://||')
echo "requestor node: transport 127.0.0.1:$transport, API $api (data in $work; its API token in $work/requestor/api.token)"
for i in $(seq 1 "$PROVIDERS"); do
  start_node "provider$i" --bootstrap "127.0.0.1:$transport" --provide --device "$DEVICE" "${share[@]}"
done
for i in $(seq 1 "$PROVIDERS"); do
  echo "provider $i: $(wait_for "$work/provider$i.log" 'providing .*')"
done

output=(-o strata-demo.png)
for a in "$@"; do
  [[ "$a" == -o || "$a" == --output || "$a" == -o* || "$a" == --output=* ]] && output=()
done
# The client reads the node's API token from its data directory (or STRATA_API_TOKEN, --token-file).
"$STRATA" submit render --api "$api" --data "$work/requestor" "${output[@]}" "$@"
