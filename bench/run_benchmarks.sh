#!/usr/bin/env bash
# Runs the micro-benchmarks and prints their numbers. `--quick` runs each for a
# short time (CI smoke run); without it the default Google Benchmark timing.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=()
if [ "${1:-}" = "--quick" ]; then
  extra=(--benchmark_min_time=0.05)
fi
cmake --build build -j2 --target handler_dispatch_bench parameter_validation_bench schema_registry_bench dml_path_bench
for bench in handler_dispatch_bench parameter_validation_bench schema_registry_bench dml_path_bench; do
  echo "== $bench"
  ./build/bench/$bench "${extra[@]}"
done
