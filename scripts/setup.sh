#!/usr/bin/env bash
# Installs every build/test dependency from Debian 12 packages (idempotent,
# non-interactive) and builds KalamDB with two parallel jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format curl
  clang libclang-rt-14-dev
  librocksdb-dev libsqlite3-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev
  libssl-dev libcrypt-dev libsnappy-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-websockets
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# Node.js runs the test helper that reads our Parquet files with DuckDB
# (tests/parquet, npm @duckdb/node-api). A machine with Node.js already (for example from
# NodeSource, whose package conflicts with Debian's npm) keeps it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
(cd tests/parquet && npm ci --no-audit --no-fund --loglevel=error)

BUILD_TYPE="${KALAM_BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DKALAM_BUILD_TESTS=ON -DKALAM_BUILD_BENCH=ON
cmake --build build -j2
echo "setup: done. Start the server with ./build/kalamdb-server"
