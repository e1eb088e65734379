#!/usr/bin/env bash
# The proof family's hashing beside its anchors on this machine: hashcat's benchmark kernels
# (-b -m 1400 SHA-256, -m 17800 Keccak-256) on the same OpenCL runtime, OpenSSL's SHA-256
# (`openssl speed`, one core, 16 KiB messages), libsodium's Ed25519 verification on one core and
# on all, and strata's kernels (`strata bench proof`: compressions/s with the data on the device,
# and with packing and transfers counted; Ed25519 verifications/s). Prints
# each rate and the ratios. hashcat's figure is hashes of short candidates it makes on the
# device, one compression each, with the shortcuts its optimized kernels take (most message
# words are zero); strata's hashes real messages.
#
#   bench/proof_compare.sh [DEVICE]     (default opencl)
set -euo pipefail
cd "$(dirname "$0")/.."
device=${1:-opencl}
strata=${STRATA:-build/cli/strata}
[[ -x $strata ]] || scripts/build.sh >/dev/null
command -v hashcat >/dev/null || { echo "hashcat is missing: apt-get install hashcat" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# hashcat -b prints "Speed.#1.........:   163.7 MH/s ..."; to hashes per second.
hashcat_rate() {
  (cd "$work" && hashcat -b -m "$1" --force --quiet 2>/dev/null) | awk '/^Speed/ {
      v = $2; u = $3; m = 1
      if (u ~ /^kH/) m = 1e3; else if (u ~ /^MH/) m = 1e6; else if (u ~ /^GH/) m = 1e9
      printf "%.0f\n", v * m; exit }'
}
openssl_sha256() {  # bytes per second of 16 KiB messages, one core, over 64 = compressions per second
  openssl speed -seconds 2 -bytes 16384 sha256 2>/dev/null | awk '/^sha256/ { v = $2; sub(/k$/, "", v); printf "%.0f\n", v * 1000 / 64 }'
}

echo "# $(nproc) cores; strata on $device; $(date -u +%F)"
$strata bench proof --devices "$device" --items 262144 --long-items 64 --leaves 262144 --repeats 3 --algos sha256,keccak256 \
  --signatures 16384 | tee "$work/strata.txt"
kernel() { awk -v a="$1" '$2 == "kernel" && $3 == a { print $NF }' "$work/strata.txt"; }
long() { awk -v a="$1" '$2 == "hash-long" && $3 == a { print $NF }' "$work/strata.txt"; }
hc_sha=$(hashcat_rate 1400)
hc_keccak=$(hashcat_rate 17800)
ossl=$(openssl_sha256)
printf "%-44s %14s\n" "anchor" "per second"
printf "%-44s %14.4g\n" "hashcat -b -m 1400 (SHA-256)" "$hc_sha" "hashcat -b -m 17800 (Keccak-256)" "$hc_keccak" \
  "openssl speed sha256, 16 KiB (compressions)" "$ossl"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'; }
echo "ratio sha256 kernel / hashcat:       $(ratio "$(kernel sha256)" "$hc_sha")"
echo "ratio keccak256 kernel / hashcat:    $(ratio "$(kernel keccak256)" "$hc_keccak")"
echo "ratio sha256 long items / hashcat:   $(ratio "$(long sha256)" "$hc_sha")"
echo "ratio keccak256 long items / hashcat: $(ratio "$(long keccak256)" "$hc_keccak")"
echo "ratio sha256 kernel / openssl (1 core): $(ratio "$(kernel sha256)" "$ossl")"
# "# libsodium crypto_sign_verify_detached, 64-byte messages: A/s on one core, B/s on N"
sodium_one=$(awk '/^# libsodium/ { v = $(NF - 6); sub(/\/s$/, "", v); print v }' "$work/strata.txt")
sodium_all=$(awk '/^# libsodium/ { v = $(NF - 2); sub(/\/s$/, "", v); print v }' "$work/strata.txt")
ours=$(awk '$2 == "ed25519" { print $(NF - 1) }' "$work/strata.txt")
echo "ed25519: strata $ours/s, libsodium $sodium_one/s on one core, $sodium_all/s on all"
echo "ratio ed25519 / libsodium (all cores):  $(ratio "$ours" "$sodium_all")"
echo "ratio ed25519 / libsodium (one core):   $(ratio "$ours" "$sodium_one")"
