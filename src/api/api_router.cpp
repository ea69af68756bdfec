// Route handling: request ids, envelopes, JSON request validation, auth, metrics.
#include "api/api_router.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <latch>
#include <mutex>
#include <unordered_map>

#include "api/request/sql_request.h"
#include "api/result_encoding.h"
#include "auth/auth_service.h"
#include "common/ids.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "config/server_config.h"
#include "sql/engine/query_engine.h"
#include "sql/executor/sql_executor.h"
#include "sql/parser/sql_parser.h"

namespace kalam {
namespace json = boost::json;
namespace {

// The client's X-Request-Id when it is well-formed (1..128 of [A-Za-z0-9._-]), else a UUID v4.
std::string choose_request_id(const HttpRequest& request) {
  if (const std::string* given = request.header("x-request-id")) {
    bool ok = !given->empty() && given->size() <= 128;
    for (char ch : *given) {
      bool allowed = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                     ch == '-' || ch == '_' || ch == '.';
      ok = ok && allowed;
    }
    if (ok) return *given;
  }
  return request_uuid();
}

// Token bucket per user for `[rate_limit] max_queries_per_sec`.
class RateLimiter {
 public:
  explicit RateLimiter(int64_t per_second) : per_second_(static_cast<double>(per_second)) {}
  // 0 when allowed, else milliseconds until a token is available.
  int64_t acquire(const std::string& user_id) {
    if (per_second_ <= 0) return 0;
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    Bucket& bucket = buckets_.try_emplace(user_id, Bucket{per_second_, now}).first->second;
    double refill = std::chrono::duration<double>(now - bucket.updated).count() * per_second_;
    bucket.tokens = std::min(per_second_, bucket.tokens + refill);
    bucket.updated = now;
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      return 0;
    }
    return static_cast<int64_t>((1.0 - bucket.tokens) / per_second_ * 1000.0) + 1;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  double per_second_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace

class ApiRouter::Impl {
 public:
  Impl(ApiContext context, unsigned worker_threads)
      : ctx_(std::move(context)),
        pool_(worker_threads == 0 ? 1 : worker_threads),
        rate_limiter_(ctx_.config->rate_limit.max_queries_per_sec) {
    // Every worker opens its SQLite connection before the first request: one task per
    // thread (each waits until all have started, so no thread takes two).
    unsigned workers = worker_threads == 0 ? 1 : worker_threads;
    auto started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(workers));
    std::latch opened(static_cast<std::ptrdiff_t>(workers));
    for (unsigned worker = 0; worker < workers; ++worker) {
      boost::asio::post(pool_, [started, &opened] {
        started->arrive_and_wait();
        QueryEngine::open_thread_connection().permit_unchecked();  // a failure shows on the first request
        opened.count_down();
      });
    }
    opened.wait();
  }

  void handle(HttpRequest&& request, HttpResponder respond) {
    auto started = std::chrono::steady_clock::now();
    std::string request_id = choose_request_id(request);
    auto finish = [this, respond = std::move(respond), request_id, started](HttpResponse response) mutable {
      response.headers.emplace_back("X-Request-Id", request_id);
      ctx_.metrics->record_request(response.status);
      respond(std::move(response));
    };
    std::string path = request.target.substr(0, request.target.find('?'));

    if (request.body_too_large) {
      auto max = static_cast<int64_t>(ctx_.config->limits.max_request_body_bytes);
      Status status = Status(ErrorCode::kPayloadTooLarge,
                             "request body exceeds the limit of " + std::to_string(max) + " bytes")
                          .with_detail("max_bytes", max);
      finish(error_response(status, request_id, started));
      return;
    }
    if (path == "/health") {
      if (!method_is(request, "GET", finish, request_id, started)) return;
      // The same bytes Boost.JSON would write for this object, without building one.
      std::string body = R"({"status":"ok","version":")";
      append_json_escaped(body, KALAM_VERSION);
      body += R"(","uptime_seconds":)";
      body += std::to_string(static_cast<int64_t>(uptime_seconds()));
      body += '}';
      finish(HttpResponse{200, "application/json", std::move(body), {}});
      return;
    }
    if (path == "/metrics") {
      if (!method_is(request, "GET", finish, request_id, started)) return;
      finish(HttpResponse{
          200,
          "text/plain; version=0.0.4",
          ctx_.metrics->render(ctx_.active_connections ? ctx_.active_connections() : 0, uptime_seconds()),
          {}});
      return;
    }
    using RouteFn = void (Impl::*)(HttpRequest&, const std::string&, std::chrono::steady_clock::time_point,
                                   std::function<void(HttpResponse)>);
    RouteFn route = nullptr;
    const char* method = "POST";
    if (path == "/v1/api/sql") {
      route = &Impl::handle_sql;
    } else if (path == "/v1/api/auth/login") {
      route = &Impl::handle_login;
    } else if (path == "/v1/api/auth/refresh") {
      route = &Impl::handle_refresh;
    } else if (path == "/v1/api/auth/me") {
      route = &Impl::handle_me;
      method = "GET";
    }
    if (route == nullptr) {
      Status status(ErrorCode::kNotFoundRoute, "no such endpoint: " + path.substr(0, 200));
      finish(error_response(status, request_id, started));
      return;
    }
    if (!method_is(request, method, finish, request_id, started)) return;
    if (route == &Impl::handle_sql && may_try_inline(request)) {
      std::function<void(HttpResponse)> respond_fn = std::move(finish);
      if (run_sql_request(request, request_id, started, respond_fn, true, false)) return;
      ctx_.metrics->record_moved_to_worker();
      // The attempt stopped (or was not a single SELECT): run it again on a worker,
      // without counting it against the rate limit a second time.
      boost::asio::post(pool_, [this, request = std::move(request), request_id, started,
                                respond_fn = std::move(respond_fn)]() mutable {
        run_sql_request(request, request_id, started, respond_fn, false, true);
      });
      return;
    }
    // Run on this I/O thread while another one stays free; else on the worker pool.
    if (inline_running_.fetch_add(1, std::memory_order_acq_rel) < ctx_.inline_limit) {
      struct Release {
        std::atomic<unsigned>& counter;
        ~Release() { counter.fetch_sub(1, std::memory_order_acq_rel); }
      } release{inline_running_};
      (this->*route)(request, request_id, started, std::move(finish));
      return;
    }
    inline_running_.fetch_sub(1, std::memory_order_acq_rel);
    boost::asio::post(pool_, [this, route, request = std::move(request), request_id, started,
                              finish = std::move(finish)]() mutable {
      (this->*route)(request, request_id, started, std::move(finish));
    });
  }

  void shutdown() {
    std::call_once(shutdown_once_, [this] { pool_.join(); });
  }

  void run_in_background(std::function<void()> task) { boost::asio::post(pool_, std::move(task)); }

 private:
  double uptime_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx_.started_at).count();
  }

  static double elapsed_ms(std::chrono::steady_clock::time_point started) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  }

  // The error envelope; a RATE_LIMIT_EXCEEDED with retry_after_ms also carries Retry-After.
  static HttpResponse error_response(const Status& status, const std::string& request_id,
                                     std::chrono::steady_clock::time_point started) {
    HttpResponse response{error_code_http_status(status.code()),
                          "application/json",
                          encode_error_response(status, request_id, elapsed_ms(started)),
                          {}};
    const DetailValue* retry =
        status.code() == ErrorCode::kRateLimitExceeded ? status.detail("retry_after_ms") : nullptr;
    if (const auto* retry_ms = retry == nullptr ? nullptr : std::get_if<int64_t>(retry)) {
      response.headers.emplace_back("Retry-After", std::to_string((*retry_ms + 999) / 1000));
    }
    return response;
  }

  template <typename Finish>
  bool method_is(const HttpRequest& request, std::string_view method, Finish& finish,
                 const std::string& request_id, std::chrono::steady_clock::time_point started) {
    if (request.method == method || (method == "GET" && request.method == "HEAD")) return true;
    Status status(ErrorCode::kMethodNotAllowed, "use " + std::string(method) + " for this endpoint");
    HttpResponse response = error_response(status, request_id, started);
    response.headers.emplace_back("Allow", std::string(method));
    finish(std::move(response));
    return false;
  }

  static RequestOrigin origin_of(const HttpRequest& request, const std::string& request_id) {
    return RequestOrigin{request.remote_ip, request_id, is_loopback_address(request.remote_ip)};
  }

  RequestLimits request_limits() const {
    return RequestLimits{ctx_.config->limits.max_sql_bytes, ctx_.config->limits.max_json_depth};
  }

  // Parses a JSON object body with the depth limit; checks the content type.
  Result<json::object> parse_body(const HttpRequest& request) const {
    return parse_json_object_body(request.body, request.header("content-type"), request_limits());
  }

  // Whether a /v1/api/sql request may be tried on the I/O thread: Bearer (a Basic
  // credential not in the cache costs a bcrypt check) and a small body (its JSON parse is
  // cheap). Whether it is a single SELECT is decided after parsing.
  bool may_try_inline(const HttpRequest& request) const {
    if (ctx_.inline_select_budget.count() <= 0 || request.body.size() > kInlineBodyBytes) return false;
    const std::string* authorization = request.header("authorization");
    return authorization != nullptr && authorization->size() > 7 &&
           iequals(std::string_view(*authorization).substr(0, 7), "bearer ");
  }

  void handle_sql(HttpRequest& request, const std::string& request_id,
                  std::chrono::steady_clock::time_point started, std::function<void(HttpResponse)> finish) {
    run_sql_request(request, request_id, started, finish, false, false);
  }

  // POST /v1/api/sql. `inline_attempt`: on an I/O thread with the inline budget; returns
  // false, without answering, when the request must run again on a worker (it was not a
  // single SELECT, or the SELECT outran the budget: a SELECT has nothing to undo). True
  // once `finish` was called. `rate_checked`: the rate limit was applied by an attempt.
  bool run_sql_request(HttpRequest& request, const std::string& request_id,
                       std::chrono::steady_clock::time_point started,
                       std::function<void(HttpResponse)>& finish, bool inline_attempt, bool rate_checked) {
    RequestOrigin origin = origin_of(request, request_id);
    auto user = ctx_.auth->authenticate(request.header("authorization"), origin);
    if (!user.is_ok()) {
      finish(error_response(user.status(), request_id, started));
      return true;
    }
    if (int64_t retry_after = rate_checked ? 0 : rate_limiter_.acquire(user->user_id); retry_after > 0) {
      Status status = Status(ErrorCode::kRateLimitExceeded, "query rate limit exceeded")
                          .with_detail("retry_after_ms", retry_after);
      finish(error_response(status, request_id, started));
      return true;
    }
    auto decoded = decode_sql_request(request.body, request.header("content-type"), request_limits());
    if (!decoded.is_ok()) {
      finish(error_response(decoded.status(), request_id, started));
      return true;
    }

    ExecutionContext ctx;
    ctx.user_id = user->user_id;
    ctx.role = user->role;
    ctx.effective_user_id = user->user_id;
    ctx.request_id = request_id;
    ctx.ip_address = request.remote_ip;
    if (const std::string* host = request.header("host")) ctx.request_host = *host;
    ctx.timestamp_us = now_unix_micros();
    ctx.client_gone = request.client_gone;
    // The first look at the connection comes after one poll interval: a request that
    // finishes sooner is answered even when its client half-closed after sending it.
    ctx.next_cancel_poll = std::chrono::steady_clock::now() + ExecutionContext::kCancelPollInterval;
    ctx.params = std::move(decoded->params);
    if (decoded->namespace_id) ctx.default_namespace = std::move(*decoded->namespace_id);
    if (inline_attempt) ctx.inline_until = std::chrono::steady_clock::now() + ctx_.inline_select_budget;
    const std::string& sql_text = decoded->sql;

    BatchOutcome outcome =
        ctx_.executor->execute_batch(ctx, std::string_view(sql_text.data(), sql_text.size()));
    if (ctx.moved_to_worker) return false;
    int status = outcome.error ? error_code_http_status(outcome.error->code()) : 200;
    if (outcome.error && (outcome.error->code() == ErrorCode::kInternalError ||
                          outcome.error->code() == ErrorCode::kInternalStorageError)) {
      spdlog::error("request {} failed: {}", request_id, outcome.error->to_string());
    }
    finish(HttpResponse{
        status, "application/json", encode_sql_response(outcome, request_id, elapsed_ms(started)), {}});
    return true;
  }

  static std::string encode_tokens(const IssuedTokens& tokens) {
    json::object user{
        {"user_id", tokens.user.user_id},
        {"role", role_name(tokens.user.role)},
        {"email", tokens.user.email.empty() ? json::value(nullptr) : json::value(tokens.user.email)}};
    json::object body{{"access_token", tokens.access_token},
                      {"refresh_token", tokens.refresh_token},
                      {"token_type", "Bearer"},
                      {"expires_at", format_timestamp_micros(tokens.expires_at * 1000000)},
                      {"refresh_expires_at", format_timestamp_micros(tokens.refresh_expires_at * 1000000)},
                      {"user", std::move(user)}};
    return json::serialize(body);
  }

  void handle_login(HttpRequest& request, const std::string& request_id,
                    std::chrono::steady_clock::time_point started, std::function<void(HttpResponse)> finish) {
    auto body = parse_body(request);
    if (!body.is_ok()) return finish(error_response(body.status(), request_id, started));
    const json::value* user = body->if_contains("user");
    if (user == nullptr) user = body->if_contains("username");
    const json::value* password = body->if_contains("password");
    if (user == nullptr || !user->is_string() || password == nullptr || !password->is_string()) {
      return finish(
          error_response(invalid_request("the body must be {\"user\": string, \"password\": string}", "body"),
                         request_id, started));
    }
    auto tokens = ctx_.auth->login(std::string_view(user->get_string()),
                                   std::string_view(password->get_string()), origin_of(request, request_id));
    if (!tokens.is_ok()) return finish(error_response(tokens.status(), request_id, started));
    finish(HttpResponse{200, "application/json", encode_tokens(*tokens), {}});
  }

  void handle_refresh(HttpRequest& request, const std::string& request_id,
                      std::chrono::steady_clock::time_point started,
                      std::function<void(HttpResponse)> finish) {
    const std::string* header = request.header("authorization");
    std::string_view token;
    if (header != nullptr && header->size() > 7 && iequals(header->substr(0, 7), "bearer ")) {
      token = std::string_view(*header).substr(7);
    }
    if (token.empty()) {
      Status status(ErrorCode::kAuthRequired, "send the refresh token as 'Authorization: Bearer <token>'");
      return finish(error_response(status, request_id, started));
    }
    auto tokens = ctx_.auth->refresh(token, origin_of(request, request_id));
    if (!tokens.is_ok()) return finish(error_response(tokens.status(), request_id, started));
    finish(HttpResponse{200, "application/json", encode_tokens(*tokens), {}});
  }

  void handle_me(HttpRequest& request, const std::string& request_id,
                 std::chrono::steady_clock::time_point started, std::function<void(HttpResponse)> finish) {
    auto user = ctx_.auth->authenticate(request.header("authorization"), origin_of(request, request_id));
    if (!user.is_ok()) return finish(error_response(user.status(), request_id, started));
    json::object body{{"user_id", user->user_id},
                      {"role", role_name(user->role)},
                      {"email", user->email.empty() ? json::value(nullptr) : json::value(user->email)},
                      {"created_at", format_timestamp_micros(user->created_at_us)}};
    finish(HttpResponse{200, "application/json", json::serialize(body), {}});
  }

  static constexpr size_t kInlineBodyBytes = 16 * 1024;

  ApiContext ctx_;
  boost::asio::thread_pool pool_;
  std::atomic<unsigned> inline_running_{0};  // requests running on I/O threads now
  RateLimiter rate_limiter_;
  std::once_flag shutdown_once_;
};

ApiRouter::ApiRouter(ApiContext context, unsigned worker_threads)
    : impl_(std::make_unique<Impl>(std::move(context), worker_threads)) {}

ApiRouter::~ApiRouter() { impl_->shutdown(); }

void ApiRouter::handle(HttpRequest&& request, HttpResponder respond) {
  impl_->handle(std::move(request), std::move(respond));
}

void ApiRouter::shutdown() { impl_->shutdown(); }

void ApiRouter::run_in_background(std::function<void()> task) { impl_->run_in_background(std::move(task)); }

}  // namespace kalam
