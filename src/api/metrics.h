// Prometheus metrics of the HTTP API: requests by status, statement latency
// histogram by statement kind, active connections. Lock-free counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "sql/parser/statement_kind.h"

namespace kalam {

class ApiMetrics {
 public:
  static constexpr std::array<double, 12> kLatencyBucketsMs = {0.05, 0.1, 0.25, 0.5, 1,    2.5,
                                                               5,    10,  50,   250, 1000, 5000};

  void record_request(int http_status);
  void observe_statement(StatementKind kind, double elapsed_ms, bool success);
  // A request tried on an I/O thread that had to run again on a worker.
  void record_moved_to_worker() { moved_to_worker_.fetch_add(1, std::memory_order_relaxed); }
  // Prometheus text exposition format (version 0.0.4).
  std::string render(size_t active_connections, double uptime_seconds) const;

 private:
  struct KindLatency {
    std::array<std::atomic<uint64_t>, kLatencyBucketsMs.size()> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> sum_micros{0};
  };
  std::array<std::atomic<uint64_t>, 600> requests_by_status_{};
  std::array<KindLatency, kStatementKindCount> statements_{};
  std::atomic<uint64_t> moved_to_worker_{0};
};

}  // namespace kalam
