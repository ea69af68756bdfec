// The /v1/ws endpoint (live.md § Connection): one LiveEndpoint per WebSocket connection.
#include "api/live_endpoint.h"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>

#include "auth/auth_service.h"
#include "auth/jwt.h"
#include "catalog/json_value.h"
#include "common/base64.h"
#include "common/time_util.h"
#include "config/server_config.h"
#include "live/live_service.h"

namespace kalam {
namespace json = boost::json;
namespace {

using Clock = std::chrono::steady_clock;

// Close codes (RFC 6455 § 7.4.1).
constexpr uint16_t kClosePolicy = 1008;

// Above the message limit the request is refused; this far above it the transport
// closes the connection without reading the message (1009).
constexpr size_t kHardLimitFactor = 4;

const json::string* string_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value != nullptr ? value->if_string() : nullptr;
}

// An integer option given as a JSON number or a string of digits (a _seq exceeds 2^53).
Result<std::optional<int64_t>> integer_option(const json::object& options, std::string_view name) {
  const json::value* value = options.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  auto invalid = [&] {
    return Status(ErrorCode::kInvalidArgument, "option " + std::string(name) + " must be an integer")
        .with_detail("argument", std::string(name));
  };
  if (const auto* integer = value->if_int64()) return std::optional<int64_t>(*integer);
  if (const auto* unsigned_integer = value->if_uint64()) {
    if (*unsigned_integer > static_cast<uint64_t>(INT64_MAX)) return invalid();
    return std::optional<int64_t>(static_cast<int64_t>(*unsigned_integer));
  }
  if (const auto* text = value->if_string()) {
    if (text->empty() || text->size() > 19) return invalid();
    int64_t number = 0;
    for (char ch : *text) {
      if (ch < '0' || ch > '9') return invalid();
      number = number * 10 + (ch - '0');
    }
    return std::optional<int64_t>(number);
  }
  return invalid();
}

Result<SubscriptionOptions> read_options(const json::object& request) {
  SubscriptionOptions options;
  const json::value* value = request.if_contains("options");
  if (value == nullptr || value->is_null()) return options;
  const json::object* object = value->if_object();
  if (object == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "options must be an object")
        .with_detail("argument", std::string("options"));
  }
  for (const auto& entry : *object) {
    std::string_view key = entry.key();
    if (key != "last_rows" && key != "batch_size" && key != "from") {
      return Status(ErrorCode::kInvalidArgument,
                    "unknown option '" + std::string(key) + "' (last_rows, batch_size, from)")
          .with_detail("argument", std::string(key));
    }
  }
  KALAM_ASSIGN_OR_RETURN(auto last_rows, integer_option(*object, "last_rows"));
  KALAM_ASSIGN_OR_RETURN(auto batch_size, integer_option(*object, "batch_size"));
  KALAM_ASSIGN_OR_RETURN(auto from, integer_option(*object, "from"));
  auto positive = [](std::optional<int64_t> number, const char* name) -> Result<std::optional<uint64_t>> {
    if (!number) return std::optional<uint64_t>();
    if (*number < 1) {
      return Status(ErrorCode::kInvalidArgument, std::string("option ") + name + " must be at least 1")
          .with_detail("argument", std::string(name));
    }
    return std::optional<uint64_t>(static_cast<uint64_t>(*number));
  };
  KALAM_ASSIGN_OR_RETURN(options.last_rows, positive(last_rows, "last_rows"));
  KALAM_ASSIGN_OR_RETURN(options.batch_size, positive(batch_size, "batch_size"));
  options.from = from;
  KALAM_RETURN_IF_ERROR(options.validate());
  return options;
}

class LiveEndpoint final : public WebSocketEndpoint {
 public:
  LiveEndpoint(std::shared_ptr<const LiveEndpointContext> context, std::string remote_ip)
      : ctx_(std::move(context)), remote_ip_(std::move(remote_ip)), auth_(std::make_shared<PendingAuth>()) {}

  void on_open(std::shared_ptr<WebSocketChannel> channel) override { channel_ = std::move(channel); }

  void on_message(std::string&& text) override {
    if (closing_) return;
    const auto& limits = ctx_->config->websocket;
    // Messages per second: over the limit the request is refused; at twice it the
    // connection is closed.
    Clock::time_point now = Clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      window_count_ = 0;
    }
    ++window_count_;
    if (window_count_ > static_cast<uint64_t>(limits.max_messages_per_second)) {
      if (window_count_ > 2 * static_cast<uint64_t>(limits.max_messages_per_second)) {
        return close_with("error", "RATE_LIMIT_EXCEEDED", "too many messages: closing the connection");
      }
      return reply(live_error_message("error", std::nullopt, "RATE_LIMIT_EXCEEDED",
                                      "more than " + std::to_string(limits.max_messages_per_second) +
                                          " messages per second: request refused"));
    }
    if (text.size() > static_cast<size_t>(limits.max_message_bytes)) {
      return reply(
          live_error_message("error", std::nullopt, "PAYLOAD_TOO_LARGE",
                             "message exceeds " + std::to_string(limits.max_message_bytes) + " bytes"));
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(text, ec);
    const json::object* request = ec ? nullptr : parsed.if_object();
    const json::string* type = request != nullptr ? string_field(*request, "type") : nullptr;
    if (type == nullptr) {
      if (!connection_ && !authenticating_) {
        return close_with("auth_error", "INVALID_ARGUMENT",
                          "the first message must be {\"type\": \"authenticate\", …}");
      }
      return reply(live_error_message(
          "error", std::nullopt, "INVALID_ARGUMENT",
          ec ? "malformed JSON message" : "a message is an object with a string \"type\""));
    }
    if (!connection_) {
      if (authenticating_) {
        return reply(live_error_message("error", std::nullopt, "INVALID_ARGUMENT", "wait for auth_success"));
      }
      if (*type != "authenticate") {
        return close_with("auth_error", "AUTH_REQUIRED", "authenticate first");
      }
      return authenticate(*request);
    }
    if (*type == "ping") return connection_->send("{\"type\":\"pong\"}");
    if (*type == "authenticate") {
      return reply(live_error_message("error", std::nullopt, "INVALID_ARGUMENT", "already authenticated"));
    }
    const json::string* id = string_field(*request, "id");
    if (*type != "subscribe" && *type != "unsubscribe") {
      return reply(live_error_message("error", id ? std::optional<std::string_view>(*id) : std::nullopt,
                                      "INVALID_ARGUMENT",
                                      "unknown message type '" + std::string(type->c_str()) +
                                          "' (authenticate, subscribe, unsubscribe, ping)"));
    }
    if (id == nullptr || id->empty() || id->size() > 128) {
      return reply(live_error_message("error", std::nullopt, "INVALID_ARGUMENT",
                                      "\"id\" must be a string of 1 to 128 characters"));
    }
    if (*type == "unsubscribe") return connection_->unsubscribe(std::string(*id));
    const json::string* sql = string_field(*request, "sql");
    if (sql == nullptr || sql->empty()) {
      return reply(live_error_message("error", std::string_view(*id), "INVALID_ARGUMENT",
                                      "\"sql\" must be a non-empty string"));
    }
    auto options = read_options(*request);
    if (!options.is_ok()) {
      return reply(live_error_message("error", std::string_view(*id),
                                      error_code_name(options.status().code()), options.status().message()));
    }
    const json::string* ns = string_field(*request, "namespace_id");
    connection_->subscribe(std::string(*id), std::string(*sql), options.value(),
                           ns ? std::string(*ns) : std::string());
  }

  std::optional<std::string> next_message() override {
    if (authenticating_) finish_authentication();
    if (!local_.empty()) {
      std::string text = std::move(local_.front());
      local_.pop_front();
      return text;
    }
    if (connection_) return connection_->next_message();
    return std::nullopt;
  }

  void on_auth_timeout() override {
    if (connection_ || authenticating_) return;
    close_with("auth_error", "AUTH_REQUIRED",
               "no authenticate message within " +
                   std::to_string(ctx_->config->websocket.auth_timeout_seconds) + " s");
  }

  void on_closed() override {
    if (connection_) connection_->closed();
    connection_.reset();
  }

 private:
  // A login running on the worker pool; its outcome is taken on the connection's loop.
  struct PendingAuth {
    std::mutex mu;
    bool done = false;
    std::optional<Status> error;
    AuthenticatedUser user;
    int64_t expires_at_us = 0;
  };

  void reply(std::string text) {
    if (connection_) return connection_->send(std::move(text));
    local_.push_back(std::move(text));
    if (channel_) channel_->wake();
  }

  void close_with(std::string_view type, std::string_view code, std::string_view message) {
    if (closing_) return;
    closing_ = true;
    reply(live_error_message(type, std::nullopt, code, message));
    if (channel_) channel_->close(kClosePolicy, std::string(code));
  }

  void authenticate(const json::object& request) {
    std::string header;
    const json::string* token = string_field(request, "token");
    const json::string* user = string_field(request, "user");
    const json::string* password = string_field(request, "password");
    if (token != nullptr) {
      header = "Bearer " + std::string(*token);
    } else if (user != nullptr && password != nullptr) {
      header = "Basic " + base64_encode(std::string(*user) + ":" + std::string(*password));
    } else {
      return close_with("auth_error", "AUTH_REQUIRED",
                        "authenticate needs \"token\", or \"user\" and \"password\"");
    }
    authenticating_ = true;
    bool bearer = token != nullptr;
    RequestOrigin origin{remote_ip_, "", is_loopback_address(remote_ip_)};
    ctx_->run_in_background([ctx = ctx_, pending = auth_, channel = channel_, header = std::move(header),
                             origin, bearer]() mutable {
      auto result = ctx->auth->authenticate(&header, origin);
      int64_t expires_at_us = 0;
      if (result.is_ok() && bearer) {
        auto claims = jwt_verify(std::string_view(header).substr(7), ctx->auth->settings().jwt_secret,
                                 now_unix_micros() / 1'000'000);
        if (claims.is_ok()) expires_at_us = claims.value().exp * 1'000'000;
      }
      {
        std::lock_guard<std::mutex> lock(pending->mu);
        pending->done = true;
        if (result.is_ok()) {
          pending->user = result.value();
          pending->expires_at_us = expires_at_us;
        } else {
          pending->error = result.status();
        }
      }
      if (channel) channel->wake();  // the outcome is taken in next_message()
    });
  }

  void finish_authentication() {
    std::optional<Status> error;
    AuthenticatedUser user;
    int64_t expires_at_us = 0;
    {
      std::lock_guard<std::mutex> lock(auth_->mu);
      if (!auth_->done) return;
      error = auth_->error;
      user = auth_->user;
      expires_at_us = auth_->expires_at_us;
    }
    authenticating_ = false;
    if (error) {
      return close_with("auth_error", error_code_name(error->code()), error->message());
    }
    channel_->authenticated();
    std::weak_ptr<WebSocketChannel> weak = channel_;
    connection_ = ctx_->live->connect(
        user.user_id, user.role, expires_at_us,
        [weak] {
          if (auto channel = weak.lock()) channel->wake();
        },
        [weak](uint16_t code, std::string reason) {
          if (auto channel = weak.lock()) channel->close(code, std::move(reason));
        });
    std::string out = "{\"type\":\"auth_success\",\"user_id\":";
    append_json_string(out, user.user_id);
    out += ",\"role\":";
    append_json_string(out, role_name(user.role));
    out += '}';
    local_.push_back(std::move(out));
  }

  const std::shared_ptr<const LiveEndpointContext> ctx_;
  const std::string remote_ip_;
  std::shared_ptr<WebSocketChannel> channel_;
  std::shared_ptr<PendingAuth> auth_;
  bool authenticating_ = false;
  bool closing_ = false;
  std::shared_ptr<LiveConnection> connection_;
  std::deque<std::string> local_;  // replies before (and instead of) the live connection's queue
  Clock::time_point window_start_ = Clock::now();
  uint64_t window_count_ = 0;
};

}  // namespace

std::unique_ptr<WebSocketEndpoint> make_live_endpoint(std::shared_ptr<const LiveEndpointContext> context,
                                                      const HttpRequest& request) {
  return std::make_unique<LiveEndpoint>(std::move(context), request.remote_ip);
}

WebSocketOptions live_websocket_options(const ServerConfig& config) {
  WebSocketOptions options;
  options.path = "/v1/ws";
  options.max_message_bytes = static_cast<size_t>(config.websocket.max_message_bytes) * kHardLimitFactor;
  options.ping_interval = std::chrono::seconds(config.websocket.heartbeat_seconds);
  options.client_timeout = std::chrono::seconds(config.websocket.client_timeout_seconds);
  options.auth_timeout = std::chrono::seconds(config.websocket.auth_timeout_seconds);
  options.max_connections = static_cast<size_t>(config.websocket.max_connections);
  return options;
}

}  // namespace kalam
