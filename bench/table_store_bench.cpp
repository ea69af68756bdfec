// What the table store promises, measured in-process through the SQL executor:
//   - streaming reads: `SELECT … LIMIT 10` on a large scope reads about ten rows, and
//     `SELECT COUNT(*)` over it grows the process's memory by little (rows_read and
//     rss_growth_mib counters; the scope has KALAM_BENCH_ROWS rows, 1,000,000 by default);
//   - UNIQUE checks by index look-up: a single-row INSERT into a table with a UNIQUE
//     column costs the same with 10,000 and with KALAM_BENCH_ROWS rows in the scope;
//   - the chat read: the latest 50 messages of a conversation through an index.
// Filling a scope of 1,000,000 rows takes a minute or so; KALAM_BENCH_ROWS=100000 (what
// bench/run_benchmarks.sh --quick sets) is quicker.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "bench_support.h"
#include "table_store/table_store.h"

namespace kalam {
namespace {

int64_t bench_rows() {
  const char* env = std::getenv("KALAM_BENCH_ROWS");
  int64_t rows = env == nullptr ? 1000000 : std::atoll(env);
  return rows < 1000 ? 1000 : rows;
}

// Resident set size and its peak (VmRSS, VmHWM) in KiB.
std::pair<int64_t, int64_t> rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  int64_t rss = 0, peak = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::atoll(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) peak = std::atoll(line.c_str() + 6);
  }
  return {rss, peak};
}

// Resets VmHWM to the current RSS (Linux: "5" > /proc/self/clear_refs).
void reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

// One table per size, filled once per process with multi-row INSERTs of 1,000 rows. main()
// closes them before exit: as a function-local static the map would be destroyed after
// RocksDB's own statics, and closing a database then crashes.
std::map<int64_t, std::unique_ptr<bench::SqlBench>>& filled_tables() {
  static std::map<int64_t, std::unique_ptr<bench::SqlBench>> benches;
  return benches;
}

bench::SqlBench& filled(int64_t rows) {
  auto& slot = filled_tables()[rows];
  if (slot) return *slot;
  slot = std::make_unique<bench::SqlBench>(
      "CREATE NAMESPACE chat; CREATE USER TABLE chat.messages (id BIGINT PRIMARY KEY, conversation_id "
      "BIGINT, "
      "handle TEXT UNIQUE, body TEXT); CREATE INDEX messages_conversation ON chat.messages "
      "(conversation_id)");
  std::string body(100, 'x');
  for (int64_t first = 0; first < rows; first += 1000) {
    std::string sql = "INSERT INTO chat.messages (id, conversation_id, handle, body) VALUES ";
    for (int64_t id = first; id < std::min(rows, first + 1000); ++id) {
      if (id != first) sql += ", ";
      sql += "(" + std::to_string(id) + ", " + std::to_string(id % 100) + ", 'h" + std::to_string(id) +
             "', '" + body + "')";
    }
    slot->request(sql);
  }
  // A settled tree: no compaction of the fill competes with what is measured.
  Status settled = slot->env.storage->compact_all();
  if (!settled.is_ok()) throw std::runtime_error(settled.to_string());
  return *slot;
}

void BM_SelectLimit10(benchmark::State& state) {
  bench::SqlBench& bench = filled(bench_rows());
  const TableStore& store = *bench.env.tables;
  uint64_t before = store.entries_read();
  int64_t queries = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bench.request("SELECT id, body FROM chat.messages LIMIT 10"));
    ++queries;
  }
  state.counters["scope_rows"] = static_cast<double>(bench_rows());
  state.counters["rows_read"] =
      static_cast<double>(store.entries_read() - before) / static_cast<double>(queries);
}
BENCHMARK(BM_SelectLimit10)->Unit(benchmark::kMicrosecond);

void BM_CountStar(benchmark::State& state) {
  bench::SqlBench& bench = filled(bench_rows());
  const TableStore& store = *bench.env.tables;
  int64_t growth_kib = 0;
  uint64_t read = 0;
  for (auto _ : state) {
    reset_peak_rss();
    auto [rss_before, ignored] = rss_kib();
    uint64_t before = store.entries_read();
    benchmark::DoNotOptimize(bench.request("SELECT COUNT(*) FROM chat.messages"));
    read = store.entries_read() - before;
    auto [rss_after, peak] = rss_kib();
    growth_kib = std::max(growth_kib, peak - rss_before);
  }
  state.counters["scope_rows"] = static_cast<double>(bench_rows());
  state.counters["rows_read"] = static_cast<double>(read);
  state.counters["rss_growth_mib"] = static_cast<double>(growth_kib) / 1024.0;
}
BENCHMARK(BM_CountStar)->Unit(benchmark::kMillisecond)->Iterations(3);

// A single-row INSERT into a table whose UNIQUE column (and index) holds `rows` values in
// the scope: the UNIQUE check is one index look-up, whatever the size.
void BM_UniqueInsert(benchmark::State& state) {
  const int64_t rows = state.range(0) == 0 ? bench_rows() : state.range(0);
  bench::SqlBench& bench = filled(rows);
  static int64_t id = int64_t{1} << 40;  // above every filled id, never reused across runs
  for (auto _ : state) {
    ++id;
    benchmark::DoNotOptimize(
        bench.request("INSERT INTO chat.messages (id, conversation_id, handle, body) VALUES ($1, 7, $2, 'x')",
                      {ParamValue(id), ParamValue("u" + std::to_string(id))}));
  }
  state.counters["scope_rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_UniqueInsert)->Arg(10000)->Arg(0)->Unit(benchmark::kMicrosecond);

// The chat read: the latest 50 messages of one conversation (1% of the scope), through
// the conversation index in reverse order with the LIMIT pushed down.
void BM_ChatSelect(benchmark::State& state) {
  bench::SqlBench& bench = filled(10000);
  int64_t conversation = 0;
  for (auto _ : state) {
    conversation = (conversation + 1) % 100;
    benchmark::DoNotOptimize(bench.request(
        "SELECT id, body FROM chat.messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT 50",
        {ParamValue(conversation)}));
  }
}
BENCHMARK(BM_ChatSelect)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kalam

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  kalam::filled_tables().clear();
  return 0;
}
