// HTTP/1.1 server on Boost.Beast: one event loop (a single-threaded io_context) per io thread,
// connections handed to the loops in turn by the acceptor, one session per connection living
// on its loop (read → handler → write → read next), and the start/graceful-stop lifecycle.
// A connection never moves between threads, so its session needs no strand or lock.
#include "api/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <condition_variable>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "api/http_server_internal.h"
#include "common/ids.h"

namespace kalam {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::string_view kServerName = "kalamdb";
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";
// Errors the server answers itself (before or instead of the application) still use the
// API error envelope and carry a request id (api.md: every response has X-Request-Id).
HttpResponse server_error_response(int status, std::string_view code, std::string_view message) {
  std::string request_id = request_uuid();
  HttpResponse response;
  response.status = status;
  response.body = "{\"status\":\"error\",\"request_id\":\"" + request_id +
                  "\",\"elapsed_ms\":0.000,\"results\":[],\"error\":{\"code\":\"" + std::string(code) +
                  "\",\"message\":\"" + std::string(message) + "\",\"details\":null}}";
  response.headers.emplace_back("X-Request-Id", std::move(request_id));
  return response;
}

// After a response that ends the connection we stop sending and discard what the client still
// sends for a while: closing a socket with unread input makes the kernel send RST, which can
// destroy the response before the client reads it (e.g. a rejected oversized upload).
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr size_t kLingerMaxBytes = 16 * 1024 * 1024;
constexpr size_t kLingerChunkBytes = 16 * 1024;
// An idle keep-alive connection gives back read-buffer memory above this.
constexpr size_t kBufferShrinkThreshold = 64 * 1024;
// Back-off before accepting again after a resource error (EMFILE …), to avoid a busy loop.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// A header name: RFC 9110 token characters only.
bool is_token(std::string_view name) {
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Beast refused header fields above 64 KiB; so do we (the header is dropped and logged).
constexpr size_t kMaxHeaderFieldBytes = 64 * 1024;

std::string endpoint_ip(const tcp::endpoint& endpoint) {
  net::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

// A malformed request (bad syntax, header too large …) as opposed to a transport event
// (peer closed, timeout, reset) after which nothing can be answered.
bool is_protocol_error(const beast::error_code& ec) {
  static const boost::system::error_category& http_category =
      beast::error_code(http::error::end_of_stream).category();
  return ec.category() == http_category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

// The server whose io_context the current thread runs (nullptr elsewhere): stop() must not
// join the thread it runs on.
thread_local const void* t_io_thread_owner = nullptr;

}  // namespace

namespace {

class HttpSession;
// The session whose handler is running on this thread (its responder may be called
// inline; see post_response).
thread_local HttpSession* t_in_handler = nullptr;

// One connection. All members are touched only on the connection's loop (executor_), except
// executor_ itself (immutable) and server_ (thread-safe).
class HttpSession final : public ServerSession, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<HttpServer::Impl> server, LoopSocket&& socket)
      : server_(std::move(server)), executor_(socket.get_executor()), stream_(std::move(socket)) {
    server_->on_connection_opened();
    beast::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ip_ = endpoint_ip(remote);
    stream_.socket().set_option(tcp::no_delay(true), ec);  // latency over packet count
  }

  ~HttpSession() {
    server_->unregister_session(this);
    if (counted_) server_->on_connection_closed();  // e.g. a responder dropped without a call
  }

  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void start() {
    server_->register_session(this, weak_from_this());
    net::dispatch(executor_, [self = shared_from_this()] { self->do_read_header(); });
  }

  // The server is stopping: an idle keep-alive connection closes now; a busy one closes after
  // its current response (do_read_header and write_response check stopping()).
  void notify_server_stopping() override {
    net::post(executor_, [self = shared_from_this()] {
      if (self->state_ == State::kReadingHeader && self->buffer_.size() == 0) self->do_close();
    });
  }

  void force_close() override {
    net::post(executor_, [self = shared_from_this()] { self->do_close(); });
  }

 private:
  enum class State {
    kNew,
    kReadingHeader,
    kWritingContinue,
    kReadingBody,
    kAwaitingResponse,  // the handler owns the request; waiting for the responder
    kWriting,
    kLingering,
    kClosed,
  };

  const HttpServerOptions& options() const { return server_->options(); }

  void do_read_header() {
    if (state_ == State::kClosed) return;
    if (server_->stopping()) return do_close();
    if (buffer_.size() == 0 && buffer_.capacity() > kBufferShrinkThreshold) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(options().max_header_bytes, std::numeric_limits<uint32_t>::max())));
    // No body limit while reading the header: a declared Content-Length above the limit must
    // still give us the complete header (on_read_header checks it), which Beast would not.
    parser_->body_limit(boost::none);
    state_ = State::kReadingHeader;
    stream_.expires_after(options().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_read_header, shared_from_this()));
  }

  void on_read_header(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    if (is_websocket_upgrade()) return upgrade_to_websocket();
    const boost::optional<uint64_t> declared_length = parser_->content_length();
    if (declared_length && *declared_length > options().max_body_bytes) return dispatch_request(true);
    if (parser_->is_done()) return dispatch_request(false);
    parser_->body_limit(static_cast<uint64_t>(options().max_body_bytes));  // bounds chunked bodies
    if (parser_->get().version() >= 11 && iequals(parser_->get()[http::field::expect], "100-continue")) {
      state_ = State::kWritingContinue;
      return net::async_write(stream_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                              beast::bind_front_handler(&HttpSession::on_write_continue, shared_from_this()));
    }
    do_read_body();
  }

  // A GET to WebSocketOptions::path asking for "Upgrade: websocket" (RFC 6455 § 4.2.1),
  // with an application that accepts WebSocket connections.
  bool is_websocket_upgrade() const {
    const auto& message = parser_->get();
    const WebSocketOptions& ws = options().websocket;
    if (!ws.accept || message.method() != http::verb::get || !parser_->is_done()) return false;
    std::string_view target = message.target();
    target = target.substr(0, target.find('?'));
    if (target != ws.path) return false;
    if (!iequals(message[http::field::upgrade], "websocket")) return false;
    std::string_view connection = message[http::field::connection];
    return to_lower(connection).find("upgrade") != std::string::npos;
  }

  // Hands the connection to a WebSocket session (this session then ends), or answers the
  // refusal: 503 over WebSocketOptions::max_connections or while stopping, whatever the
  // application's accept() answers (null endpoint: 400).
  void upgrade_to_websocket() {
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    request_version_ = message.version();
    request_is_head_ = false;
    close_after_response_ = true;
    if (server_->stopping()) {
      return write_response(server_error_response(503, "SERVICE_UNAVAILABLE", "server shutting down"));
    }
    if (!server_->try_open_websocket()) {
      return write_response(
          server_error_response(503, "SERVICE_UNAVAILABLE", "too many WebSocket connections"));
    }
    HttpRequest request;
    request.method = "GET";
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(to_lower(field.name_string()), std::string(field.value()));
    }
    request.remote_ip = remote_ip_;
    std::unique_ptr<WebSocketEndpoint> endpoint;
    try {
      endpoint = options().websocket.accept(request);
    } catch (const std::exception& e) {
      spdlog::error("http: WebSocket accept threw for {}: {}", remote_ip_, e.what());
    }
    if (!endpoint) {
      server_->on_websocket_closed();
      return write_response(server_error_response(400, "INVALID_ARGUMENT", "WebSocket upgrade refused"));
    }
    // From here the WebSocket session owns the socket and counts the connection itself.
    state_ = State::kClosed;
    counted_ = false;
    server_->on_connection_closed();
    {
      std::lock_guard<std::mutex> lock(closed_->mutex);
      closed_->closed = true;
    }
    http_internal::start_websocket_session(server_, std::move(stream_), std::move(message),
                                           std::move(endpoint), remote_ip_);
  }

  void on_write_continue(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return do_close();
    do_read_body();
  }

  void do_read_body() {
    if (state_ == State::kClosed) return;
    state_ = State::kReadingBody;
    stream_.expires_after(options().idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read_body, shared_from_this()));
  }

  void on_read_body(beast::error_code ec, size_t /*bytes*/) {
    // A chunked body over the limit: what was read is dropped, the handler answers 413.
    if (ec == http::error::body_limit) return dispatch_request(true);
    if (ec) return on_read_error(ec);
    dispatch_request(false);
  }

  void on_read_error(const beast::error_code& ec) {
    if (state_ == State::kClosed) return;  // we closed the socket ourselves
    if (!is_protocol_error(ec)) {
      // Peer closed (possibly mid-request), reset or timed out: nobody to answer.
      spdlog::debug("http: connection from {} ended: {}", remote_ip_, ec.message());
      return do_close();
    }
    spdlog::debug("http: malformed request from {}: {}", remote_ip_, ec.message());
    parser_.reset();
    request_version_ = 11;
    request_is_head_ = false;
    close_after_response_ = true;
    write_response(server_error_response(400, "INVALID_ARGUMENT", "malformed HTTP request"));
  }

  // Hands the parsed request (or, when too large, just its header) to the application.
  void dispatch_request(bool body_too_large) {
    http::request<http::string_body>& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(to_lower(field.name_string()), std::string(field.value()));
    }
    request.remote_ip = remote_ip_;
    request.keep_alive = message.keep_alive();
    request.client_gone = [closed = closed_, fd = stream_.socket().native_handle()] {
      // Under the lock do_close takes before closing: the descriptor cannot be closed
      // (and its number reused by another connection) while it is peeked at.
      std::lock_guard<std::mutex> lock(closed->mutex);
      return closed->closed || peer_closed(fd);
    };
    request.body_too_large = body_too_large;
    if (!body_too_large) request.body = std::move(message.body());

    request_version_ = message.version();
    request_is_head_ = message.method() == http::verb::head;
    // After an oversized body the stream position is unknown (the body was not read): close.
    close_after_response_ = body_too_large || !message.keep_alive();
    parser_.reset();

    state_ = State::kAwaitingResponse;
    const uint64_t seq = ++request_seq_;
    stream_.expires_never();  // the handler may take long; the write re-arms the timeout
    HttpResponder responder = [self = shared_from_this(), seq](HttpResponse response) {
      self->post_response(seq, std::move(response));
    };
    HttpSession* outer = t_in_handler;
    t_in_handler = this;
    try {
      server_->handler()(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      spdlog::error("http: handler threw for {}: {}", remote_ip_, e.what());
      post_response(seq, handler_failed_response());
    } catch (...) {
      spdlog::error("http: handler threw a non-standard exception for {}", remote_ip_);
      post_response(seq, handler_failed_response());
    }
    t_in_handler = outer;
    // A response given inside the handler is written now, on this thread: no hand-off.
    if (inline_response_) {
      HttpResponse response = std::move(*inline_response_);
      inline_response_.reset();
      on_response(seq, std::move(response));
    }
  }

  static HttpResponse handler_failed_response() {
    return server_error_response(500, "INTERNAL_ERROR", "internal error");
  }

  // Any thread. Called from inside the handler (on this session's thread), the response
  // is kept and written when the handler returns, so that the session never re-enters
  // itself; from elsewhere it is posted to the connection's loop.
  void post_response(uint64_t seq, HttpResponse response) {
    if (t_in_handler == this) {
      if (!inline_response_ && seq == request_seq_) inline_response_ = std::move(response);
      return;
    }
    server_->post_unless_closed(executor_,
                                [self = shared_from_this(), seq, response = std::move(response)]() mutable {
                                  self->on_response(seq, std::move(response));
                                });
  }

  void on_response(uint64_t seq, HttpResponse response) {
    // A second call of the same responder, or the connection was force-closed meanwhile.
    if (state_ != State::kAwaitingResponse || seq != request_seq_) return;
    write_response(std::move(response));
  }

  // Serializes the status line and headers into `head_` (reused) and writes them with the
  // body in one gathered write. The bytes are those Beast's serializer wrote before:
  // Server, Content-Type, the handler's headers in order, Connection when it differs from
  // the version's default, Content-Length (not for 204/304), then the body (not for HEAD).
  void write_response(HttpResponse&& source) {
    int status = source.status;
    if (status < 200 || status > 599) {
      spdlog::error("http: handler returned invalid status {}, sending 500", status);
      status = 500;
    }
    std::string content_type = std::move(source.content_type);
    std::string server_name(kServerName);
    head_.clear();
    std::string& extra = extra_headers_;
    extra.clear();
    for (const auto& [name, value] : source.headers) {
      if (name.empty() || has_line_break(name) || has_line_break(value) || !is_token(name)) {
        spdlog::warn("http: dropping response header with a line break or an invalid name");
        continue;
      }
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;  // ours
      if (iequals(name, "connection")) {
        if (iequals(value, "close")) close_after_response_ = true;
        continue;
      }
      if (name.size() + value.size() > kMaxHeaderFieldBytes) {
        spdlog::warn("http: dropping response header '{}': too large", name.substr(0, 64));
        continue;
      }
      if (iequals(name, "content-type")) {
        content_type = value;
      } else if (iequals(name, "server")) {
        server_name = value;
      } else {
        extra.append(name).append(": ").append(value).append("\r\n");
      }
    }
    if (server_->stopping()) close_after_response_ = true;
    const bool http10 = request_version_ < 11;
    head_.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(status)).append(" ");
    const std::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
    head_.append(reason.data(), reason.size()).append("\r\n");
    head_.append("Server: ").append(server_name).append("\r\n");
    head_.append("Content-Type: ").append(content_type).append("\r\n");
    head_.append(extra);
    if (!http10 && close_after_response_) head_.append("Connection: close\r\n");
    if (http10 && !close_after_response_) head_.append("Connection: keep-alive\r\n");
    const bool bodyless_status = status == 204 || status == 304;
    body_.clear();
    if (!bodyless_status) {
      head_.append("Content-Length: ").append(std::to_string(source.body.size())).append("\r\n");
      if (!request_is_head_) body_ = std::move(source.body);
    }
    head_.append("\r\n");

    state_ = State::kWriting;
    stream_.expires_after(options().idle_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    net::async_write(stream_, buffers, beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t /*bytes*/) {
    // Release the body now rather than at the next response (and a large header buffer).
    std::string().swap(body_);
    if (head_.capacity() > kBufferShrinkThreshold) std::string().swap(head_);
    if (state_ == State::kClosed) return;
    if (ec) {
      spdlog::debug("http: write to {} failed: {}", remote_ip_, ec.message());
      return do_close();
    }
    if (close_after_response_) return do_lingering_close();
    do_read_header();
  }

  void do_lingering_close() {
    state_ = State::kLingering;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return do_close();
    buffer_.clear();
    lingered_bytes_ = 0;
    stream_.expires_after(kLingerTimeout);
    do_linger_read();
  }

  void do_linger_read() {
    stream_.async_read_some(buffer_.prepare(kLingerChunkBytes),
                            beast::bind_front_handler(&HttpSession::on_linger_read, shared_from_this()));
  }

  void on_linger_read(beast::error_code ec, size_t bytes) {
    lingered_bytes_ += bytes;
    if (ec || state_ != State::kLingering || lingered_bytes_ > kLingerMaxBytes) return do_close();
    do_linger_read();
  }

  // Idempotent; pending operations complete with operation_aborted and see kClosed.
  void do_close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    {
      std::lock_guard<std::mutex> lock(closed_->mutex);
      closed_->closed = true;
    }
    parser_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    if (counted_) {
      counted_ = false;
      server_->on_connection_closed();
    }
  }

  // Whether the peer of socket `fd` has closed or reset the connection: a non-blocking
  // one-byte peek (0 = orderly close; pending data is a pipelined request, not a close).
  static bool peer_closed(int fd) {
    char byte = 0;
    ssize_t received = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (received > 0) return false;
    if (received == 0) return true;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }

  const std::shared_ptr<HttpServer::Impl> server_;  // first member: outlives the socket below
  // Set when this session closes its socket: client_gone() stops peeking at the descriptor.
  struct ClosedFlag {
    std::mutex mutex;
    bool closed = false;  // guarded by mutex
  };
  const std::shared_ptr<ClosedFlag> closed_ = std::make_shared<ClosedFlag>();
  const LoopExecutor executor_;                  // the connection's loop
  std::optional<HttpResponse> inline_response_;  // given inside the handler, not yet written
  LoopStream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;           // the response's status line and headers (reused)
  std::string extra_headers_;  // the handler's headers, serialized (reused)
  std::string body_;           // the response's body; both live until the write completes
  std::string remote_ip_;
  State state_ = State::kNew;
  uint64_t request_seq_ = 0;  // identifies the request a responder belongs to
  unsigned request_version_ = 11;
  bool request_is_head_ = false;
  bool close_after_response_ = false;
  size_t lingered_bytes_ = 0;
  bool counted_ = true;  // still included in the server's active connection count
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// HttpServer::Impl

namespace {

std::vector<std::unique_ptr<HttpServer::Impl::Loop>> make_loops(unsigned count) {
  std::vector<std::unique_ptr<HttpServer::Impl::Loop>> loops;
  for (unsigned idx = 0; idx < std::max(1u, count); ++idx)
    loops.push_back(std::make_unique<HttpServer::Impl::Loop>());
  return loops;
}

}  // namespace

HttpServer::Impl::Impl(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      loops_(make_loops(options_.io_threads)),
      acceptor_(loops_.front()->ioc),
      accept_retry_timer_(loops_.front()->ioc) {}

Status HttpServer::Impl::start() {
  std::lock_guard lifecycle_lock(lifecycle_mu_);
  if (state_ != State::kNew) return Status(ErrorCode::kInternalError, "HTTP server was already started");

  const std::string where = options_.host + ":" + std::to_string(options_.port);
  auto fail = [&](std::string_view what, const beast::error_code& ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Status(ErrorCode::kInternalError, "cannot " + std::string(what) + " HTTP server address " + where +
                                                 ": " +
                                                 (ec ? ec.message() : std::string("no address found")));
  };

  beast::error_code ec;
  tcp::endpoint endpoint;
  const net::ip::address address = net::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(loops_.front()->ioc);
    const auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) return fail("resolve", ec);
    endpoint = results.begin()->endpoint();
  }
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for", ec);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure", ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind", ec);
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on", ec);
  const tcp::endpoint local = acceptor_.local_endpoint(ec);
  if (ec) return fail("query", ec);
  bound_port_.store(local.port());

  const size_t thread_count = loops_.size();
  try {
    for (const auto& loop : loops_) {
      loop->work_guard.emplace(loop->ioc.get_executor());
      threads_.emplace_back([this, &loop = *loop] { run_io_thread(loop); });
    }
  } catch (const std::exception& e) {
    for (const auto& loop : loops_) {
      loop->work_guard.reset();
      loop->ioc.stop();
    }
    join_io_threads();
    beast::error_code ignored;
    acceptor_.close(ignored);
    bound_port_.store(0);
    return Status(ErrorCode::kInternalError, std::string("cannot start HTTP io threads: ") + e.what());
  }
  net::post(loops_.front()->ioc, [this] { do_accept(); });
  state_ = State::kRunning;
  spdlog::info("HTTP server listening on {}:{} ({} io threads)", local.address().to_string(), local.port(),
               thread_count);
  return Status::ok();
}

void HttpServer::Impl::run_io_thread(Loop& loop) {
  t_io_thread_owner = this;
  for (;;) {
    try {
      loop.ioc.run();
      return;
    } catch (const std::exception& e) {  // handlers do not throw; this is a last line of defence
      spdlog::error("http: io thread caught exception: {}", e.what());
    } catch (...) {
      spdlog::error("http: io thread caught a non-standard exception");
    }
  }
}

void HttpServer::Impl::join_io_threads() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void HttpServer::Impl::do_accept() {
  // The loops take connections in turn; the socket's loop is its session's executor.
  Loop& loop = *loops_[next_loop_];
  next_loop_ = (next_loop_ + 1) % loops_.size();
  acceptor_.async_accept(
      loop.ioc, [this](beast::error_code ec, LoopSocket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(beast::error_code ec, LoopSocket socket) {
  if (stopping_.load() || !acceptor_.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    if (ec == net::error::connection_aborted) return do_accept();  // that client gave up; next
    spdlog::warn("http: accept failed: {}; retrying", ec.message());
    accept_retry_timer_.expires_after(kAcceptRetryDelay);
    accept_retry_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping_.load()) do_accept();
    });
    return;
  }
  std::make_shared<HttpSession>(shared_from_this(), std::move(socket))->start();
  do_accept();
}

void HttpServer::Impl::register_session(ServerSession* session, std::weak_ptr<ServerSession> weak) {
  std::lock_guard lock(sessions_mu_);
  sessions_.emplace(session, std::move(weak));
}

void HttpServer::Impl::unregister_session(ServerSession* session) {
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(session);
}

bool HttpServer::Impl::try_open_websocket() {
  size_t current = websockets_.load();
  do {
    if (current >= options_.websocket.max_connections) return false;
  } while (!websockets_.compare_exchange_weak(current, current + 1));
  return true;
}

void HttpServer::Impl::on_connection_closed() {
  {
    std::lock_guard lock(sessions_mu_);  // pairs with the wait in stop(): no lost wake-up
    active_.fetch_sub(1);
  }
  sessions_cv_.notify_all();
}

std::vector<std::shared_ptr<ServerSession>> HttpServer::Impl::live_sessions() {
  std::vector<std::shared_ptr<ServerSession>> out;
  std::lock_guard lock(sessions_mu_);
  out.reserve(sessions_.size());
  for (const auto& [raw, weak] : sessions_) {
    if (auto session = weak.lock()) out.push_back(std::move(session));
  }
  return out;
}

void HttpServer::Impl::stop(std::chrono::milliseconds drain_timeout) {
  if (t_io_thread_owner == this) {  // would join itself; a programmer error, see the header
    spdlog::error("http: HttpServer::stop() called from one of its own io threads; ignored");
    return;
  }
  std::lock_guard lifecycle_lock(lifecycle_mu_);
  if (state_ != State::kRunning) return;
  stopping_.store(true);

  // 1. Stop accepting. Waiting for the close means every connection accepted before it already
  //    registered its session, so step 2 reaches all of them.
  auto acceptor_closed = std::make_shared<std::promise<void>>();
  std::future<void> acceptor_closed_future = acceptor_closed->get_future();
  net::post(loops_.front()->ioc, [this, acceptor_closed] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
    acceptor_closed->set_value();
  });
  acceptor_closed_future.wait_for(drain_timeout);

  // 2. Idle keep-alive connections close now; busy ones after their response; WebSocket
  //    connections after what they have queued, with a close frame.
  for (const auto& session : live_sessions()) session->notify_server_stopping();

  // 3. Wait for in-flight requests to be answered.
  {
    std::unique_lock lock(sessions_mu_);
    sessions_cv_.wait_for(lock, drain_timeout, [this] { return active_.load() == 0; });
  }
  if (const size_t busy = active_.load(); busy > 0) {
    spdlog::warn("http: {} connection(s) still busy after {} ms; closing them", busy, drain_timeout.count());
    for (const auto& session : live_sessions()) session->force_close();
  }

  // 4. From now on responders are ignored; the io threads return once the remaining operations
  //    (closing sockets, lingering reads, all bounded by timeouts) have completed.
  {
    std::lock_guard lock(post_mu_);
    closed_ = true;
  }
  for (const auto& loop : loops_) loop->work_guard.reset();
  join_io_threads();
  state_ = State::kStopped;
  spdlog::info("HTTP server stopped");
}

// ---------------------------------------------------------------------------------------------
// HttpServer and HttpRequest

const std::string* HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { impl_->stop(std::chrono::seconds(10)); }

Status HttpServer::start() { return impl_->start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::stop(std::chrono::milliseconds drain_timeout) { impl_->stop(drain_timeout); }

size_t HttpServer::active_connections() const { return impl_->active_connections(); }

size_t HttpServer::websocket_connections() const { return impl_->websocket_connections(); }

}  // namespace kalam
