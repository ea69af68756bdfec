// Out-of-line parts of the executor models: result accessors, parameter sizes,
// the deadline check.
#include <type_traits>

#include "sql/context/execution_context.h"
#include "sql/context/execution_result.h"
#include "sql/parser/param_value.h"

namespace kalam {

uint64_t row_count(const ExecutionResult& result) {
  const RowsResult* rows = result_rows(result);
  return rows == nullptr ? 0 : rows->rows.size();
}

uint64_t rows_affected(const ExecutionResult& result) {
  return std::visit(
      [](const auto& variant) -> uint64_t {
        using T = std::decay_t<decltype(variant)>;
        if constexpr (std::is_same_v<T, RowsResult> || std::is_same_v<T, SubscriptionResult>) {
          return 0;
        } else if constexpr (std::is_same_v<T, FlushedResult>) {
          return variant.jobs_created;
        } else if constexpr (std::is_same_v<T, JobKilledResult>) {
          return 1;
        } else {
          return variant.rows_affected;
        }
      },
      result);
}

const RowsResult* result_rows(const ExecutionResult& result) {
  if (const auto* rows = std::get_if<RowsResult>(&result)) return rows;
  if (const auto* flushed = std::get_if<FlushedResult>(&result)) return &flushed->rows;
  if (const auto* subscription = std::get_if<SubscriptionResult>(&result)) return &subscription->rows;
  const std::optional<RowsResult>* returning = nullptr;
  if (const auto* inserted = std::get_if<InsertedResult>(&result)) returning = &inserted->returning;
  if (const auto* updated = std::get_if<UpdatedResult>(&result)) returning = &updated->returning;
  if (const auto* deleted = std::get_if<DeletedResult>(&result)) returning = &deleted->returning;
  return returning != nullptr && returning->has_value() ? &**returning : nullptr;
}

std::optional<std::string> result_message(const ExecutionResult& result) {
  return std::visit(
      [](const auto& variant) -> std::optional<std::string> {
        using T = std::decay_t<decltype(variant)>;
        if constexpr (std::is_same_v<T, RowsResult>) {
          return variant.message;
        } else if constexpr (std::is_same_v<T, InsertedResult>) {
          if (variant.updated == 0) return "Inserted " + std::to_string(variant.rows_affected) + " row(s)";
          return "Inserted " + std::to_string(variant.rows_affected - variant.updated) + " row(s), updated " +
                 std::to_string(variant.updated) + " row(s)";
        } else if constexpr (std::is_same_v<T, UpdatedResult>) {
          return "Updated " + std::to_string(variant.rows_affected) + " row(s)";
        } else if constexpr (std::is_same_v<T, DeletedResult>) {
          return "Deleted " + std::to_string(variant.rows_affected) + " row(s)";
        } else if constexpr (std::is_same_v<T, JobKilledResult> || std::is_same_v<T, SuccessResult> ||
                             std::is_same_v<T, FlushedResult> || std::is_same_v<T, SubscriptionResult>) {
          return variant.message;
        }
      },
      result);
}

bool ExecutionContext::should_stop() const {
  if (cancelled || moved_to_worker) return true;
  auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return true;
  if (now >= inline_until) {
    moved_to_worker = true;
    return true;
  }
  if (client_gone && now >= next_cancel_poll) {
    next_cancel_poll = now + kCancelPollInterval;
    cancelled = client_gone();
  }
  return cancelled;
}

Status ExecutionContext::check_deadline(std::string_view statement_type) const {
  auto now = std::chrono::steady_clock::now();
  if (moved_to_worker || now >= inline_until) {
    // Never reaches the client: the request runs again on a worker.
    moved_to_worker = true;
    return Status(ErrorCode::kCancelled, "the statement outran its time on the I/O thread")
        .with_detail("statement_type", std::string(statement_type));
  }
  if (!cancelled && client_gone && now >= next_cancel_poll) {
    next_cancel_poll = now + kCancelPollInterval;
    cancelled = client_gone();
  }
  if (cancelled) {
    return Status(ErrorCode::kCancelled, "the client closed its connection: the statement was stopped")
        .with_detail("statement_type", std::string(statement_type));
  }
  if (now < deadline) return Status::ok();
  auto started = deadline - std::chrono::seconds(timeout_seconds);
  double elapsed_ms = std::chrono::duration<double, std::milli>(now - started).count();
  return Status(ErrorCode::kTimeoutHandlerExecution,
                "statement exceeded the handler timeout of " + std::to_string(timeout_seconds) + " s")
      .with_detail("timeout_seconds", timeout_seconds)
      .with_detail("elapsed_ms", elapsed_ms)
      .with_detail("statement_type", std::string(statement_type));
}

}  // namespace kalam
