// ExecutionContext: everything a handler may know about who runs a statement, for
// whom, where from, with which parameters and until when.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/role.h"
#include "common/status.h"
#include "sql/parser/param_value.h"

namespace kalam {

struct TransactionState;  // sql/engine/engine_state.h

struct ExecutionContext {
  std::string user_id;            // the authenticated caller
  Role role = Role::kAnonymous;   // re-read from system.users for this request
  std::string effective_user_id;  // whose USER/STREAM rows statements touch (EXECUTE AS USER)
  std::string request_id;
  std::string ip_address;
  std::string request_host;       // the request's Host header (SUBSCRIBE TO builds ws_url from it)
  int64_t timestamp_us = 0;       // request start, microseconds since epoch
  std::string default_namespace;  // request namespace_id, changed by USE
  std::vector<ParamValue> params;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  int64_t timeout_seconds = 30;
  // The open explicit transaction of this request (BEGIN … COMMIT), if any.
  std::shared_ptr<TransactionState> transaction;
  // True once the client is gone (it closed its connection): the running statement
  // stops (CANCELLED) and the rest of the batch does not run. Empty = never cancelled.
  std::function<bool()> client_gone;

  bool is_admin() const { return role_at_least(role, Role::kDba); }

  // TIMEOUT_HANDLER_EXECUTION once the statement's deadline has passed; CANCELLED once
  // the client is gone (polled at most every kCancelPollInterval).
  Status check_deadline(std::string_view statement_type) const;

  // Whether the statement must stop now (deadline passed or client gone). Cheap: the
  // client is polled at most every kCancelPollInterval. Not thread-safe (one statement,
  // one thread).
  bool should_stop() const;

  // A single SELECT tried on an I/O thread (docs/decisions.md, "The request path"): past
  // this instant it stops, `moved_to_worker` is set, and the caller runs the request again
  // on a worker. max() = not an inline attempt.
  std::chrono::steady_clock::time_point inline_until = std::chrono::steady_clock::time_point::max();
  mutable bool moved_to_worker = false;
  bool inline_attempt() const { return inline_until != std::chrono::steady_clock::time_point::max(); }

  static constexpr std::chrono::milliseconds kCancelPollInterval{10};
  mutable std::chrono::steady_clock::time_point next_cancel_poll{};
  mutable bool cancelled = false;  // set by should_stop/check_deadline when the client is gone
};

}  // namespace kalam
