#!/usr/bin/env bash
# Runs every test suite and exits non-zero on any failure:
#   1. the unit and integration tests and the SQL logic tests (build/), building first;
#   2. the same unit and integration tests built with AddressSanitizer and UBSan
#      (build-asan/; the sqllogictest corpus is left to step 1);
#   3. a short run of every fuzz target (scripts/fuzz.sh, 25 s each; build-fuzz/).
# KALAM_TEST_QUICK=1 runs step 1 only. Extra arguments go to the ctest of step 1.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${KALAM_BUILD_TYPE:-RelWithDebInfo}" \
    -DKALAM_BUILD_TESTS=ON -DKALAM_BUILD_BENCH=ON
fi
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2 "$@"

if [ "${KALAM_TEST_QUICK:-0}" = "1" ]; then
  exit 0
fi

echo "test: AddressSanitizer + UBSan build (build-asan/)"
if [ ! -f build-asan/build.ninja ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKALAM_ENABLE_ASAN=ON \
    -DKALAM_BUILD_TESTS=ON -DKALAM_BUILD_BENCH=OFF
fi
cmake --build build-asan -j2
ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=16" UBSAN_OPTIONS="print_stacktrace=1" \
  ctest --test-dir build-asan --output-on-failure -j2 -E sql_logic_corpus

echo "test: fuzz smoke (build-fuzz/)"
./scripts/fuzz.sh --duration 25
