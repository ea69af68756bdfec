#!/usr/bin/env bash
# Runs the micro-benchmarks and prints their numbers. `--quick` runs each for a
# short time (CI smoke run) and fills the table-store benchmark's scope with 100,000
# rows instead of 1,000,000; without it the default Google Benchmark timing.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=()
if [ "${1:-}" = "--quick" ]; then
  extra=(--benchmark_min_time=0.05)
  export KALAM_BENCH_ROWS="${KALAM_BENCH_ROWS:-100000}"
fi
benches=(handler_dispatch_bench parameter_validation_bench schema_registry_bench dml_path_bench table_store_bench)
cmake --build build -j2 --target "${benches[@]}"
for bench in "${benches[@]}"; do
  echo "== $bench"
  ./build/bench/$bench "${extra[@]}"
done
