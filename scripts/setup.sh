#!/usr/bin/env bash
# Installs what nimbus needs to build and test, from Debian's packages and,
# for the JavaScript SDK tests, npm. Idempotent: installs only what is
# missing, so a second run is quick. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librocksdb-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev libpugixml-dev libzip-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-botocore python3-boto3
  nodejs npm wrk
)
command -v aws >/dev/null 2>&1 || packages+=(awscli)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The JavaScript SDK v3, pinned by tests/js/package-lock.json.
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
  echo "setup: npm ci in tests/js"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  touch tests/js/node_modules
fi
