#!/usr/bin/env bash
# The cold-tier benchmark (bench/README.md, "The cold tier"): our flush against DuckDB's
# Parquet writer on the same rows in the same minute, cold scans against hot scans, and
# INSERT throughput with 100 cold segments against none. Prints each figure and ratio.
#   ./bench/cold_storage.sh            # 1,000,000 rows (about a minute and a half)
#   ./bench/cold_storage.sh --quick    # 100,000 rows, 20 segments (CI may run this)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=1000000 SEGMENTS=100 INSERTS=20000
if [ "${1:-}" = "--quick" ]; then ROWS=100000 SEGMENTS=20 INSERTS=2000; fi
[ -x build/bench/kalam_cold_bench ] || cmake --build build -j2 --target kalam_cold_bench
[ -d tests/parquet/node_modules ] || (cd tests/parquet && npm ci --no-audit --no-fund --loglevel=error)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ours=$(./build/bench/kalam_cold_bench --rows "$ROWS" --segments "$SEGMENTS" --inserts "$INSERTS" --out "$WORK")
file=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["file"])' "$ours")
duck=$(node bench/duckdb_parquet_write.mjs "$file" "$WORK/duckdb.parquet")
python3 - "$ours" "$duck" <<'PY'
import json, sys
ours, duck = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert ours["rows"] == duck["rows"], (ours["rows"], duck["rows"])
ours_rate = ours["rows"] / ours["flush_seconds"]
duck_rate = duck["rows"] / duck["seconds"]
print("rows in the scope                   %d" % ours["rows"])
print("flush (ours, zstd)                  %.3f s  %.0f rows/s  %d bytes" % (ours["flush_seconds"], ours_rate, ours["file_bytes"]))
print("DuckDB COPY (zstd, threads = 1)     %.3f s  %.0f rows/s  %d bytes" % (duck["seconds"], duck_rate, duck["bytes"]))
print("flush throughput / DuckDB           %.2f   (target >= 0.5)" % (ours_rate / duck_rate))
print("file size / DuckDB                  %.2f   (target <= 1.2)" % (ours["file_bytes"] / duck["bytes"]))
print("full scan hot / cold                %.3f s / %.3f s = %.2f (target >= 0.8)" % (
    ours["hot_full_scan_seconds"], ours["cold_full_scan_seconds"], ours["hot_full_scan_seconds"] / ours["cold_full_scan_seconds"]))
print("filtered scan hot / cold            %.3f s / %.3f s = %.2f" % (
    ours["hot_filtered_scan_seconds"], ours["cold_filtered_scan_seconds"],
    ours["hot_filtered_scan_seconds"] / ours["cold_filtered_scan_seconds"]))
print("INSERT with %d cold segments / none %.0f / %.0f rows/s = %.2f (target >= 0.9)" % (
    ours["cold_segments"], ours["insert_rate_with_segments"], ours["insert_rate_no_segments"],
    ours["insert_rate_with_segments"] / ours["insert_rate_no_segments"]))
PY
