// SUBSCRIBE TO over HTTP, KILL LIVE QUERY, SHOW LIVE QUERIES.
#include "sql/executor/handlers/live/live_handlers.h"

#include "common/ids.h"
#include "config/server_config.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/engine/system_tables.h"

namespace kalam {
namespace {

// The WebSocket URL for a client of this request: [server] public_origin with its scheme
// turned into ws/wss, else the request's Host.
std::string websocket_url(const ExecutionContext& ctx, const ServerConfig* config) {
  std::string origin = config != nullptr ? config->server.public_origin : std::string();
  if (!origin.empty()) {
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    if (origin.rfind("https://", 0) == 0) {
      origin = "wss://" + origin.substr(8);
    } else if (origin.rfind("http://", 0) == 0) {
      origin = "ws://" + origin.substr(7);
    }
    return origin + "/v1/ws";
  }
  std::string host = ctx.request_host;
  if (host.empty() || host.find_first_of(" /\\\"<>") != std::string::npos) host = "127.0.0.1";
  return "ws://" + host + "/v1/ws";
}

Status live_unavailable() {
  return Status(ErrorCode::kServiceUnavailable, "live queries are not available on this server");
}

}  // namespace

Status SubscribeHandler::check_authorization(const ExecutionContext&, const SubscribeStmt&) const {
  return Status::ok();  // table access is checked with the query (NOT_FOUND_TABLE when not readable)
}

Result<ExecutionResult> SubscribeHandler::execute(ExecutionContext& ctx, const SubscribeStmt& stmt) {
  if (services_.live == nullptr) return live_unavailable();
  KALAM_ASSIGN_OR_RETURN(std::string table, services_.live->validate_subscription(
                                                stmt.sql, ctx.user_id, ctx.role, ctx.default_namespace));
  SubscriptionResult result;
  result.rows.schema = {{"subscription_id", DataType::kText, {"nn"}},
                        {"ws_url", DataType::kText, {"nn"}},
                        {"sql", DataType::kText, {"nn"}},
                        {"message", DataType::kText, {"nn"}}};
  std::string id = "sub-" + std::to_string(services_.ids->next());
  result.message =
      "Open the WebSocket at ws_url, authenticate, then send {\"type\": \"subscribe\", \"id\": \"" + id +
      "\", \"sql\": <sql>} to receive " + table + "'s rows and changes";
  result.rows.rows.push_back(
      {Value(id), Value(websocket_url(ctx, services_.config)), Value(stmt.sql), Value(result.message)});
  return ExecutionResult(std::move(result));
}

Status KillLiveQueryHandler::check_authorization(const ExecutionContext&, const KillLiveQueryStmt&) const {
  return Status::ok();  // per subscription, in execute: others' look missing
}

Result<ExecutionResult> KillLiveQueryHandler::execute(ExecutionContext& ctx, const KillLiveQueryStmt& stmt) {
  if (services_.live == nullptr) return live_unavailable();
  KALAM_RETURN_IF_ERROR(services_.live->kill(stmt.live_id, ctx.user_id, ctx.is_admin()));
  KALAM_RETURN_IF_ERROR(
      log_auth_event(ctx, services_, "KILL_LIVE_QUERY", "live:" + stmt.live_id, "{}", true));
  SuccessResult result;
  result.message = "Live query " + stmt.live_id + " killed";
  result.rows_affected = 1;
  return ExecutionResult(std::move(result));
}

Status ShowLiveQueriesHandler::check_authorization(const ExecutionContext&,
                                                   const ShowLiveQueriesStmt&) const {
  return Status::ok();  // everyone sees the subscriptions they may see
}

Result<ExecutionResult> ShowLiveQueriesHandler::execute(ExecutionContext& ctx, const ShowLiveQueriesStmt&) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, read_system_table("live", ctx, services_));
  return ExecutionResult(std::move(rows));
}

}  // namespace kalam
