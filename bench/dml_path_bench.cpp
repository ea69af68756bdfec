// Budget: single-row INSERT, server-side < 50 µs (spec/architecture.md). Measures the
// part of a request that runs after the HTTP layer: batch execution (parse, parameter
// validation, authorization, the SQLite engine over RocksDB with the WAL, the audit
// row) and encoding the JSON response. The HTTP/auth share is measured end to end by
// kalam_load (bench/README.md).
#include <benchmark/benchmark.h>

#include "bench_support.h"

namespace kalam {
namespace {

using DmlBench = bench::SqlBench;

constexpr const char* kSchema =
    "CREATE NAMESPACE chat; CREATE USER TABLE chat.messages (id BIGINT PRIMARY KEY, conversation_id BIGINT, "
    "body TEXT, sent_at TIMESTAMP DEFAULT NOW())";

// `cold`: the caches are evicted before each request (a busy server rarely runs a request
// with warm caches); the eviction itself is not timed.
void BM_SingleRowInsert(benchmark::State& state, bool cold) {
  DmlBench bench(kSchema);
  int64_t id = 0;
  std::vector<char> junk(cold ? 8 << 20 : 0);  // larger than the caches
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      for (size_t i = 0; i < junk.size(); i += 64) junk[i]++;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(
        bench.request("INSERT INTO chat.messages (id, conversation_id, body) VALUES ($1, $2, $3)",
                      {ParamValue(++id), ParamValue(int64_t{7}), ParamValue(std::string("hello there"))}));
  }
}
BENCHMARK_CAPTURE(BM_SingleRowInsert, warm_cache, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SingleRowInsert, cold_cache, true)->Unit(benchmark::kMicrosecond);

void BM_PrimaryKeySelect(benchmark::State& state) {
  DmlBench bench(kSchema);
  for (int64_t id = 1; id <= 1000; ++id) {
    bench.request("INSERT INTO chat.messages (id, conversation_id, body) VALUES ($1, 7, 'x')",
                  {ParamValue(id)});
  }
  int64_t id = 0;
  for (auto _ : state) {
    id = id % 1000 + 1;
    benchmark::DoNotOptimize(
        bench.request("SELECT id, body FROM chat.messages WHERE id = $1", {ParamValue(id)}));
  }
}
BENCHMARK(BM_PrimaryKeySelect)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kalam
