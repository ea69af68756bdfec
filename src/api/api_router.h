// ApiRouter: the HTTP routes of api.md (/v1/api/sql, /v1/api/auth/*, /health,
// /metrics). Parsing, auth and encoding run on a worker pool so that slow bcrypt
// checks and statements never block the network threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "api/http_server.h"
#include "api/metrics.h"

namespace kalam {

struct ServerConfig;
class AuthService;
class SqlExecutor;

struct ApiContext {
  const ServerConfig* config = nullptr;
  AuthService* auth = nullptr;
  SqlExecutor* executor = nullptr;
  ApiMetrics* metrics = nullptr;
  std::function<size_t()> active_connections;
  // How many requests may run at once on the I/O thread that read them instead of being
  // handed to the worker pool (each hand-off costs two thread wake-ups). An I/O thread
  // owns its connections: a request run there holds all of them until it ends, so the
  // server keeps this at 0 (tests may raise it).
  unsigned inline_limit = 0;
  // A single SELECT sent with a Bearer token and a small body is first tried on the I/O
  // thread, for at most this long; past it the statement stops and the request runs
  // again on a worker. 0 = never (docs/decisions.md, "The request path").
  std::chrono::microseconds inline_select_budget{0};
  std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
};

class ApiRouter {
 public:
  ApiRouter(ApiContext context, unsigned worker_threads);
  ~ApiRouter();

  // HttpHandler entry point; thread-safe.
  void handle(HttpRequest&& request, HttpResponder respond);

  // Finishes queued work and joins the worker threads. Idempotent.
  void shutdown();

  // Runs `task` on the worker pool (slow work of other endpoints: WebSocket logins).
  void run_in_background(std::function<void()> task);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam
