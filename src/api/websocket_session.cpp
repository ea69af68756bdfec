// WebSocket connections (RFC 6455) on Boost.Beast, taken over from an HTTP session after
// an upgrade request: the handshake, one read loop, one write at a time pulled from the
// application's endpoint, server pings and the client timeout, the auth deadline, and
// closing with a close frame. Like an HTTP session, a WebSocket session lives on one
// loop and is touched only there; the channel the application holds posts to it.
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>

#include "api/http_server_internal.h"

namespace kalam {
namespace http_internal {
namespace {

namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kHandshakeTimeout{10};
// A read buffer that grew for a large message is given back above this.
constexpr size_t kReadBufferKeepBytes = 16 * 1024;

class WebSocketSession;

// What the application holds: posts to the session, which may be gone already.
class Channel final : public WebSocketChannel {
 public:
  Channel(std::shared_ptr<HttpServer::Impl> server, LoopExecutor executor,
          std::weak_ptr<WebSocketSession> session)
      : server_(std::move(server)), executor_(std::move(executor)), session_(std::move(session)) {}

  void wake() override;
  void close(uint16_t code, std::string reason) override;
  void authenticated() override;

 private:
  template <typename Fn>
  void post(Fn&& fn);

  const std::shared_ptr<HttpServer::Impl> server_;
  const LoopExecutor executor_;
  const std::weak_ptr<WebSocketSession> session_;
};

class WebSocketSession final : public ServerSession, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(std::shared_ptr<HttpServer::Impl> server, LoopStream&& stream,
                   std::unique_ptr<WebSocketEndpoint> endpoint, std::string remote_ip)
      : server_(std::move(server)),
        executor_(stream.get_executor()),
        ws_(std::move(stream)),
        endpoint_(std::move(endpoint)),
        remote_ip_(std::move(remote_ip)),
        heartbeat_(executor_),
        auth_deadline_(executor_) {
    server_->on_connection_opened();
  }

  ~WebSocketSession() override {
    server_->unregister_session(this);
    if (!finished_) {  // never ran (e.g. the loop stopped before start)
      server_->on_websocket_closed();
      server_->on_connection_closed();
    }
  }

  void start(http::request<http::string_body>&& request) {
    server_->register_session(this, weak_from_this());
    const WebSocketOptions& options = server_->options().websocket;
    ws_.next_layer().expires_never();  // the websocket stream keeps its own timeouts
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the heartbeat below decides
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "kalamdb"); }));
    ws_.read_message_max(options.max_message_bytes);
    ws_.auto_fragment(false);
    ws_.control_callback(
        [this](websocket::frame_type, beast::string_view) { last_received_ = Clock::now(); });
    request_ = std::move(request);
    ws_.async_accept(request_, beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
  }

  void notify_server_stopping() override {
    net::post(executor_, [self = shared_from_this()] { self->request_close(1001, "server shutting down"); });
  }

  void force_close() override {
    net::post(executor_, [self = shared_from_this()] { self->finish(); });
  }

  // ---- called through the channel, on the loop ----
  void pump_writes() {
    if (finished_ || !open_ || writing_ || close_sent_) return;
    if (std::optional<std::string> message = endpoint_->next_message()) {
      out_ = std::move(*message);
      writing_ = true;
      ws_.text(true);
      ws_.async_write(net::buffer(out_),
                      beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
      return;
    }
    if (close_requested_) {
      close_sent_ = true;
      ws_.async_close(close_reason_,
                      beast::bind_front_handler(&WebSocketSession::on_close, shared_from_this()));
    }
  }

  void request_close(uint16_t code, std::string reason) {
    if (finished_ || close_requested_) return;
    close_requested_ = true;
    if (reason.size() > 120) reason.resize(120);  // a close frame's reason fits 123 bytes
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!open_) return finish();  // still in the handshake
    pump_writes();
  }

  void mark_authenticated() {
    authenticated_ = true;
    auth_deadline_.cancel();
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("ws: handshake with {} failed: {}", remote_ip_, ec.message());
      return finish();
    }
    http::request<http::string_body>().swap(request_);
    open_ = true;
    last_received_ = Clock::now();
    const WebSocketOptions& options = server_->options().websocket;
    endpoint_->on_open(std::make_shared<Channel>(server_, executor_, weak_from_this()));
    if (!authenticated_) {
      auth_deadline_.expires_after(options.auth_timeout);
      auth_deadline_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && !self->authenticated_ && !self->finished_ && !self->close_requested_)
          self->endpoint_->on_auth_timeout();
      });
    }
    arm_heartbeat();
    do_read();
    pump_writes();
  }

  void do_read() {
    ws_.async_read(in_, beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t /*bytes*/) {
    if (finished_) return;
    if (ec) {
      if (ec != websocket::error::closed)
        spdlog::debug("ws: connection from {} ended: {}", remote_ip_, ec.message());
      return finish();
    }
    last_received_ = Clock::now();
    if (!ws_.got_text()) {
      in_.consume(in_.size());
      request_close(static_cast<uint16_t>(websocket::close_code::unknown_data),
                    "binary frames are not supported");
      return do_read();
    }
    std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    if (in_.capacity() > kReadBufferKeepBytes) in_.shrink_to_fit();
    if (!close_requested_) endpoint_->on_message(std::move(text));
    do_read();
  }

  void on_write(beast::error_code ec, size_t /*bytes*/) {
    writing_ = false;
    std::string().swap(out_);
    if (finished_) return;
    if (ec) {
      spdlog::debug("ws: write to {} failed: {}", remote_ip_, ec.message());
      return finish();
    }
    pump_writes();
  }

  void on_close(beast::error_code ec) {
    // The close frame is sent; the pending read completes when the peer answers (or the
    // heartbeat gives up on it).
    if (ec) finish();
  }

  void arm_heartbeat() {
    const WebSocketOptions& options = server_->options().websocket;
    heartbeat_.expires_after(options.ping_interval);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->on_heartbeat();
    });
  }

  void on_heartbeat() {
    const WebSocketOptions& options = server_->options().websocket;
    if (Clock::now() - last_received_ > options.client_timeout) {
      spdlog::debug("ws: client {} silent for {} ms: closing", remote_ip_, options.client_timeout.count());
      return finish();
    }
    if (!ping_pending_ && !close_sent_) {
      ping_pending_ = true;
      ws_.async_ping({}, [self = shared_from_this()](beast::error_code ec) {
        self->ping_pending_ = false;
        if (ec) self->finish();
      });
    }
    arm_heartbeat();
  }

  // Idempotent: closes the socket and tells the application, once.
  void finish() {
    if (finished_) return;
    finished_ = true;
    heartbeat_.cancel();
    auth_deadline_.cancel();
    beast::error_code ignored;
    ws_.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    ws_.next_layer().close();
    if (open_) endpoint_->on_closed();
    server_->on_websocket_closed();
    server_->on_connection_closed();
  }

  const std::shared_ptr<HttpServer::Impl> server_;  // first member: outlives the socket below
  const LoopExecutor executor_;
  websocket::stream<LoopStream> ws_;
  std::unique_ptr<WebSocketEndpoint> endpoint_;
  const std::string remote_ip_;
  net::steady_timer heartbeat_;
  net::steady_timer auth_deadline_;
  http::request<http::string_body> request_;  // kept until the handshake answered it
  beast::flat_buffer in_;
  std::string out_;  // the frame being written
  websocket::close_reason close_reason_;
  Clock::time_point last_received_ = Clock::now();
  bool open_ = false;  // the handshake completed
  bool authenticated_ = false;
  bool writing_ = false;
  bool ping_pending_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
};

template <typename Fn>
void Channel::post(Fn&& fn) {
  server_->post_unless_closed(executor_, [weak = session_, fn = std::forward<Fn>(fn)]() mutable {
    if (auto session = weak.lock()) fn(*session);
  });
}

void Channel::wake() {
  post([](WebSocketSession& session) { session.pump_writes(); });
}

void Channel::close(uint16_t code, std::string reason) {
  post([code, reason = std::move(reason)](WebSocketSession& session) mutable {
    session.request_close(code, std::move(reason));
  });
}

void Channel::authenticated() {
  post([](WebSocketSession& session) { session.mark_authenticated(); });
}

}  // namespace

void start_websocket_session(std::shared_ptr<HttpServer::Impl> server, LoopStream&& stream,
                             http::request<http::string_body>&& request,
                             std::unique_ptr<WebSocketEndpoint> endpoint, std::string remote_ip) {
  auto session = std::make_shared<WebSocketSession>(std::move(server), std::move(stream), std::move(endpoint),
                                                    std::move(remote_ip));
  session->start(std::move(request));
}

}  // namespace http_internal
}  // namespace kalam
