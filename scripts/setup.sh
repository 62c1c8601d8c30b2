#!/usr/bin/env bash
# Installs what nimbus needs to build (Debian's packages) and, with --test,
# what the client suites need too (the pinned JavaScript SDK and the official
# Node runtime interface client, from npm). Idempotent: installs only what
# is missing, so a second run is quick. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ clang libclang-rt-14-dev lld pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librocksdb-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev libpugixml-dev libzip-dev libpcre2-dev libisal-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-botocore python3-boto3 wrk zip ccache
  make autoconf automake libtool
)
# Tools that may come from elsewhere on a developer's machine (a pyenv
# python3, a NodeSource node with its own npm, a pip-installed AWS CLI):
# install Debian's only when the command is missing, since Debian's npm
# conflicts with other Node.js builds.
command -v python3 >/dev/null 2>&1 || packages+=(python3)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
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

[ "${1:-}" = "--test" ] || exit 0

# Debian's Chromium for the browser test (tests/js/browser, driven by
# playwright-core, which never downloads a browser of its own).
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: installing chromium"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
fi

# The JavaScript SDK v3, pinned by tests/js/package-lock.json.
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
  echo "setup: npm ci in tests/js"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  touch tests/js/node_modules
fi

# aws-lambda-ric for tests/ric, pinned by its package-lock.json. npm ci builds
# its native client (bundled curl and aws-lambda-cpp: make, autoconf,
# automake, libtool above) against the host node's headers, never downloaded.
if [ ! -f tests/ric/node_modules/aws-lambda-ric/dist/rapid-client.node ] ||
  [ tests/ric/package-lock.json -nt tests/ric/node_modules ]; then
  echo "setup: npm ci in tests/ric (builds aws-lambda-ric's native client, a few minutes)"
  nodedir=$(dirname "$(dirname "$(command -v node)")")
  (cd tests/ric && npm_config_nodedir="$nodedir" MAKEFLAGS="-j$(nproc)" \
    npm ci --no-audit --no-fund --loglevel=error)
  touch tests/ric/node_modules
fi
