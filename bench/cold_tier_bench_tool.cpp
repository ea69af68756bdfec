// kalam_cold_bench: the cold-tier figures of bench/README.md ("The cold tier"), printed
// as one JSON object for bench/cold_storage.sh:
//   - flush throughput and file size of one scope of a chat table (Zstd, as DuckDB's side);
//   - a full scan and a filtered scan through SQL, hot (before the flush) and cold (after);
//   - single-row INSERT throughput into a table with 100 cold segments and one with none.
//
//   kalam_cold_bench [--rows N] [--segments N] [--inserts N] --out DIR
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>

#include "bench/bench_support.h"
#include "table_store/cold_segments.h"

using namespace kalam;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const char* kWords[] = {"hey",     "are",   "you",   "coming", "tonight", "the",    "meeting", "moved",
                        "to",      "at",    "three", "thanks", "sounds",  "good",   "let",     "me",
                        "know",    "when",  "done",  "see",    "lunch",   "deploy", "review",  "ticket",
                        "coffee",  "later", "great", "idea",   "ship",    "it",     "what",    "about",
                        "weekend", "plans", "ok",    "sure"};

// A chat message row: id, room (100), sender (1,000), body (5-25 words), at, edited, reactions.
std::string row_values(int64_t id, std::mt19937& rng) {
  std::string body;
  const int words = 5 + static_cast<int>(rng() % 21);
  for (int word = 0; word < words; ++word) {
    if (word > 0) body += ' ';
    body += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
  }
  char text[512];
  std::snprintf(text, sizeof(text), "(%lld, 'room-%u', 'user-%u', '%s', %lld, %s, %u)",
                static_cast<long long>(id), static_cast<unsigned>(rng() % 100),
                static_cast<unsigned>(rng() % 1000), body.c_str(),
                static_cast<long long>(1764000000000000LL + id * 1000003LL),
                rng() % 10 == 0 ? "TRUE" : "FALSE", static_cast<unsigned>(rng() % 5 == 0 ? rng() % 20 : 0));
  return text;
}

void fill(bench::SqlBench& sql, const char* table, int64_t first, int64_t count, std::mt19937& rng) {
  for (int64_t start = first; start < first + count; start += 1000) {
    std::string statement =
        std::string("INSERT INTO ") + table + " (id, room, sender, body, at, edited, reactions) VALUES ";
    for (int64_t id = start; id < std::min(first + count, start + 1000); ++id) {
      if (id > start) statement += ", ";
      statement += row_values(id, rng);
    }
    sql.request(statement);
  }
}

// Best of `runs` timings of one query.
double best_seconds(bench::SqlBench& sql, const std::string& query, int runs) {
  double best = 1e9;
  for (int run = 0; run < runs; ++run) {
    auto start = Clock::now();
    sql.request(query);
    best = std::min(best, seconds_since(start));
  }
  return best;
}

TableStore::FlushOutcome flush(bench::SqlBench& sql, const std::string& table, const std::string& directory) {
  auto catalog = sql.env.registry->snapshot();
  TableStore::FlushRequest request;
  request.schema = catalog->find_table("chat", table)->schema;
  request.scope = "bench";
  request.directory = directory;
  request.compression = parquet::Compression::kZstd;
  auto outcome = sql.env.tables->flush_scope(request);
  if (!outcome.is_ok()) throw std::runtime_error(outcome.status().to_string());
  return *outcome;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1'000'000;
  int64_t segments = 100;
  int64_t inserts = 20'000;
  std::string out;
  for (int idx = 1; idx + 1 < argc; idx += 2) {
    if (std::strcmp(argv[idx], "--rows") == 0) rows = std::atoll(argv[idx + 1]);
    if (std::strcmp(argv[idx], "--segments") == 0) segments = std::atoll(argv[idx + 1]);
    if (std::strcmp(argv[idx], "--inserts") == 0) inserts = std::atoll(argv[idx + 1]);
    if (std::strcmp(argv[idx], "--out") == 0) out = argv[idx + 1];
  }
  spdlog::set_level(spdlog::level::off);  // stdout carries the JSON result only
  if (out.empty()) {
    std::cerr << "usage: kalam_cold_bench [--rows N] [--segments N] [--inserts N] --out DIR\n";
    return 2;
  }
  const char* ddl =
      "CREATE NAMESPACE chat; "
      "CREATE USER TABLE chat.messages (id BIGINT PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL, "
      "body TEXT, at TIMESTAMP NOT NULL, edited BOOLEAN, reactions INT); "
      "CREATE USER TABLE chat.plain (id BIGINT PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL, "
      "body TEXT, at TIMESTAMP NOT NULL, edited BOOLEAN, reactions INT); "
      "CREATE USER TABLE chat.segmented (id BIGINT PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL, "
      "body TEXT, at TIMESTAMP NOT NULL, edited BOOLEAN, reactions INT)";
  bench::SqlBench sql(ddl);
  std::mt19937 rng(42);
  fill(sql, "chat.messages", 0, rows, rng);

  const std::string full = "SELECT count(*), sum(length(body)), max(reactions) FROM chat.messages";
  const std::string filtered = "SELECT count(*) FROM chat.messages WHERE room = 'room-7'";
  const double hot_full = best_seconds(sql, full, 3);
  const double hot_filtered = best_seconds(sql, filtered, 3);

  auto start = Clock::now();
  TableStore::FlushOutcome flushed = flush(sql, "messages", out + "/messages");
  const double flush_seconds = seconds_since(start);
  const double cold_full = best_seconds(sql, full, 3);
  const double cold_filtered = best_seconds(sql, filtered, 3);

  // INSERT with many cold segments: 100 flushes of 1,000 rows each, then timed inserts.
  fill(sql, "chat.plain", 0, segments * 1000, rng);
  for (int64_t segment = 0; segment < segments; ++segment) {
    fill(sql, "chat.segmented", segment * 1000, 1000, rng);
    flush(sql, "segmented", out + "/segmented");
  }
  auto insert_rate = [&](const char* table, int64_t first) {
    auto begin = Clock::now();
    for (int64_t id = first; id < first + inserts; ++id) {
      sql.request(std::string("INSERT INTO ") + table +
                  " (id, room, sender, body, at, edited, reactions) VALUES " + row_values(id, rng));
    }
    return static_cast<double>(inserts) / seconds_since(begin);
  };
  // Interleaved rounds, best of each: both tables see the same machine state.
  double plain_rate = 0, segmented_rate = 0;
  for (int round = 0; round < 3; ++round) {
    plain_rate = std::max(plain_rate, insert_rate("chat.plain", 10'000'000 + round * inserts));
    segmented_rate = std::max(segmented_rate, insert_rate("chat.segmented", 10'000'000 + round * inserts));
  }
  auto segment_count = sql.env.tables->cold().segments_of_table(
      sql.env.registry->snapshot()->find_table("chat", "segmented")->schema->table_id);

  std::printf(
      "{\"rows\": %lld, \"flush_seconds\": %.4f, \"flush_rows_per_second\": %.0f, \"file\": \"%s\", "
      "\"file_bytes\": %llu, \"hot_full_scan_seconds\": %.4f, \"cold_full_scan_seconds\": %.4f, "
      "\"hot_filtered_scan_seconds\": %.4f, \"cold_filtered_scan_seconds\": %.4f, \"cold_segments\": %zu, "
      "\"insert_rate_no_segments\": %.0f, \"insert_rate_with_segments\": %.0f}\n",
      static_cast<long long>(rows), flush_seconds, static_cast<double>(flushed.rows) / flush_seconds,
      flushed.path.c_str(), static_cast<unsigned long long>(flushed.bytes), hot_full, cold_full, hot_filtered,
      cold_filtered, segment_count.is_ok() ? segment_count->size() : 0, plain_rate, segmented_rate);
  return 0;
}
