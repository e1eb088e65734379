#!/usr/bin/env bash
# Installs every dependency of Strata from Debian 12's packages (as root, or through sudo);
# idempotent and quiet when everything is already present. CUDA is not installed here: the
# build uses nvcc where the machine has it (/usr/local/cuda or on PATH).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  clang libclang-rt-14-dev
  opencl-headers ocl-icd-opencl-dev pocl-opencl-icd clinfo
  libboost-dev libboost-system-dev
  libflatbuffers-dev flatbuffers-compiler
  librocksdb-dev libsodium-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtinygltf-dev libtinyobjloader-dev libstb-dev nlohmann-json3-dev
  libcli11-dev libspdlog-dev libfmt-dev
  embree-tools assimp-testmodels bc nats-server
  python3-pycryptodome hashcat nodejs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm comes with some builds of nodejs (NodeSource's), as Debian's own package elsewhere.
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# DuckDB for bench/analytics_compare.sh, from npm at a pinned version, into .tools/ (not tracked).
duckdb_version=1.5.6-r.1
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f $root/.tools/node_modules/@duckdb/node-api/package.json ]] ||
   ! grep -q "\"version\": \"$duckdb_version\"" "$root/.tools/node_modules/@duckdb/node-api/package.json"; then
  echo "setup: installing @duckdb/node-api@$duckdb_version from npm into .tools/"
  mkdir -p "$root/.tools"
  for attempt in 1 2 3; do
    npm install --prefix "$root/.tools" --no-audit --no-fund --silent "@duckdb/node-api@$duckdb_version" && break
    [[ $attempt == 3 ]] && { echo "setup: npm install @duckdb/node-api failed" >&2; exit 1; }
    sleep 5
  done
fi
