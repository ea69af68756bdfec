#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and UBSan (in
# build-fuzz/) and runs each one for a while on a working copy of its seed corpus.
#   ./scripts/fuzz.sh                  # every target, 25 s each (the smoke run of test.sh)
#   ./scripts/fuzz.sh --duration 3600  # the long run (docs/security.md records results)
#   ./scripts/fuzz.sh --duration 60 sql_parser_fuzz
# Exits non-zero when a target crashes, leaks, hangs or trips a sanitizer; the input that
# did it is kept in build-fuzz/findings/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=25
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if [ "${#TARGETS[@]}" -eq 0 ]; then
  TARGETS=(sql_parser_fuzz sql_request_fuzz row_codec_fuzz key_decoder_fuzz parquet_reader_fuzz)
fi

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKALAM_BUILD_TESTS=OFF -DKALAM_BUILD_BENCH=OFF -DKALAM_BUILD_FUZZERS=ON
fi
cmake --build build-fuzz -j2 --target "${TARGETS[@]}"

status=0
for target in "${TARGETS[@]}"; do
  seeds="fuzz/corpus/${target%_fuzz}"
  corpus="build-fuzz/corpus/$target"
  findings="build-fuzz/findings/$target"
  mkdir -p "$corpus" "$findings"
  cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  log="build-fuzz/$target.log"
  echo "fuzz: $target for ${DURATION}s"
  if ASAN_OPTIONS=detect_leaks=1 "build-fuzz/fuzz/$target" "$corpus" -max_total_time="$DURATION" \
      -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$findings/" \
      >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    echo "fuzz: $target ok: $runs executions, coverage $cov edges, corpus $(ls "$corpus" | wc -l) inputs"
  else
    status=1
    echo "fuzz: $target FAILED (input kept in $findings/):"
    grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$log" | head -20 || tail -20 "$log"
  fi
done
exit $status
