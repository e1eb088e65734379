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
  python3-pycryptodome hashcat
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

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
