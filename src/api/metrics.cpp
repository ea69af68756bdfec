// ApiMetrics: counters and the Prometheus rendering.
#include "api/metrics.h"

#include <fmt/format.h>

namespace kalam {

void ApiMetrics::record_request(int http_status) {
  if (http_status >= 100 && http_status < static_cast<int>(requests_by_status_.size())) {
    requests_by_status_[static_cast<size_t>(http_status)].fetch_add(1, std::memory_order_relaxed);
  }
}

void ApiMetrics::observe_statement(StatementKind kind, double elapsed_ms, bool success) {
  KindLatency& latency = statements_[static_cast<size_t>(kind)];
  for (size_t idx = 0; idx < kLatencyBucketsMs.size(); ++idx) {
    if (elapsed_ms <= kLatencyBucketsMs[idx]) {
      latency.buckets[idx].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  latency.count.fetch_add(1, std::memory_order_relaxed);
  if (!success) latency.errors.fetch_add(1, std::memory_order_relaxed);
  latency.sum_micros.fetch_add(static_cast<uint64_t>(elapsed_ms * 1000.0), std::memory_order_relaxed);
}

std::string ApiMetrics::render(size_t active_connections, double uptime_seconds) const {
  std::string out;
  out += "# HELP kalamdb_http_requests_total HTTP requests answered, by status code.\n";
  out += "# TYPE kalamdb_http_requests_total counter\n";
  for (size_t status = 0; status < requests_by_status_.size(); ++status) {
    uint64_t count = requests_by_status_[status].load(std::memory_order_relaxed);
    if (count != 0) out += fmt::format("kalamdb_http_requests_total{{status=\"{}\"}} {}\n", status, count);
  }
  out += "# HELP kalamdb_statement_duration_seconds Statement execution time, by statement kind.\n";
  out += "# TYPE kalamdb_statement_duration_seconds histogram\n";
  for (size_t kind_idx = 0; kind_idx < statements_.size(); ++kind_idx) {
    const KindLatency& latency = statements_[kind_idx];
    uint64_t count = latency.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string kind(statement_kind_name(static_cast<StatementKind>(kind_idx)));
    uint64_t cumulative = 0;
    for (size_t idx = 0; idx < kLatencyBucketsMs.size(); ++idx) {
      cumulative += latency.buckets[idx].load(std::memory_order_relaxed);
      out += fmt::format("kalamdb_statement_duration_seconds_bucket{{kind=\"{}\",le=\"{}\"}} {}\n", kind,
                         kLatencyBucketsMs[idx] / 1000.0, cumulative);
    }
    out +=
        fmt::format("kalamdb_statement_duration_seconds_bucket{{kind=\"{}\",le=\"+Inf\"}} {}\n", kind, count);
    out += fmt::format("kalamdb_statement_duration_seconds_sum{{kind=\"{}\"}} {}\n", kind,
                       static_cast<double>(latency.sum_micros.load(std::memory_order_relaxed)) / 1e6);
    out += fmt::format("kalamdb_statement_duration_seconds_count{{kind=\"{}\"}} {}\n", kind, count);
  }
  out += "# HELP kalamdb_statement_errors_total Statements that failed, by statement kind.\n";
  out += "# TYPE kalamdb_statement_errors_total counter\n";
  for (size_t kind_idx = 0; kind_idx < statements_.size(); ++kind_idx) {
    uint64_t errors = statements_[kind_idx].errors.load(std::memory_order_relaxed);
    if (errors != 0) {
      out += fmt::format("kalamdb_statement_errors_total{{kind=\"{}\"}} {}\n",
                         statement_kind_name(static_cast<StatementKind>(kind_idx)), errors);
    }
  }
  out +=
      "# HELP kalamdb_requests_moved_to_worker_total Requests tried on an I/O thread and run again on a "
      "worker (not a single SELECT, or over the inline budget).\n";
  out += "# TYPE kalamdb_requests_moved_to_worker_total counter\n";
  out += fmt::format("kalamdb_requests_moved_to_worker_total {}\n",
                     moved_to_worker_.load(std::memory_order_relaxed));
  out += "# HELP kalamdb_active_connections Open HTTP connections.\n";
  out += "# TYPE kalamdb_active_connections gauge\n";
  out += fmt::format("kalamdb_active_connections {}\n", active_connections);
  out += "# HELP kalamdb_uptime_seconds Seconds since the server started.\n";
  out += "# TYPE kalamdb_uptime_seconds gauge\n";
  out += fmt::format("kalamdb_uptime_seconds {:.3f}\n", uptime_seconds);
  return out;
}

}  // namespace kalam
