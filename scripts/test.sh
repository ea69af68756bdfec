#!/usr/bin/env bash
# Runs every test suite (unit tests and integration tests against the real server
# binary) and exits non-zero on any failure. Builds first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${KALAM_BUILD_TYPE:-RelWithDebInfo}" \
    -DKALAM_BUILD_TESTS=ON -DKALAM_BUILD_BENCH=ON
fi
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2 "$@"
