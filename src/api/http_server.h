// Reusable asynchronous HTTP/1.1 server (keep-alive, body limits, graceful stop).
// Boost.Beast/Asio stay behind a pimpl so that includers do not compile the network stack.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kalam {

// One parsed HTTP request, handed to the HttpHandler.
struct HttpRequest {
  std::string method;                                        // as sent, e.g. "GET", "POST", "HEAD"
  std::string target;                                        // path + query, e.g. "/v1/api/sql?x=1"
  std::string body;                                          // empty when body_too_large
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in wire order
  std::string remote_ip;
  // The declared or streamed body exceeded HttpServerOptions::max_body_bytes; the body was not
  // buffered and the connection is closed after the response (answer 413).
  bool body_too_large = false;
  // The client asked for a persistent connection (HTTP/1.1 default, HTTP/1.0 opt-in).
  bool keep_alive = true;
  // True once the client has closed or reset its connection while the request runs (a
  // non-blocking peek at the socket; callable from any thread, cheap enough to poll
  // every few milliseconds). Set by the server for every request.
  std::function<bool()> client_gone;

  // Value of the first header with this (lower-case) name, or nullptr.
  const std::string* header(std::string_view lower_name) const;
};

// The response the application produces. Server, Content-Length and Connection are set by the
// server; an entry in `headers` named content-type or server overrides the default, and a
// `Connection: close` entry closes the connection after the response.
struct HttpResponse {
  int status = 200;  // outside 200..599 is sent as 500
  std::string content_type = "application/json";
  std::string body;  // not sent for HEAD requests (Content-Length still describes it)
  std::vector<std::pair<std::string, std::string>> headers;  // entries containing CR/LF are dropped
};

// Completes one request. Call exactly once, from any thread; later calls are ignored. Dropping it
// without calling closes the connection.
using HttpResponder = std::function<void(HttpResponse)>;

// Invoked on an io thread (possibly several concurrently, for different connections); must not
// block for long: post slow work elsewhere and complete the responder from there. An exception
// thrown by the handler is answered with a 500.
using HttpHandler = std::function<void(HttpRequest&&, HttpResponder)>;

// ---- WebSocket (RFC 6455) ------------------------------------------------------------

// The server side of one upgraded connection, as the application holds it. Thread-safe:
// every method may be called from any thread, also after the connection closed (then it
// does nothing).
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // There are messages to send: the server pulls them with WebSocketEndpoint::next_message
  // on the connection's loop until it returns nothing.
  virtual void wake() = 0;
  // Sends what next_message still gives, then a close frame (`code`, `reason`), then
  // closes the connection.
  virtual void close(uint16_t code, std::string reason) = 0;
  // The client authenticated: the auth deadline no longer applies.
  virtual void authenticated() = 0;
};

// The application side of one upgraded connection. Its methods run on the connection's
// loop, one at a time (never concurrently with each other).
class WebSocketEndpoint {
 public:
  virtual ~WebSocketEndpoint() = default;
  // Right after the handshake, before any message.
  virtual void on_open(std::shared_ptr<WebSocketChannel> channel) = 0;
  // One complete text frame (binary frames close the connection with 1003).
  virtual void on_message(std::string&& text) = 0;
  // The next text frame to send, if any (called after wake() and after each write).
  virtual std::optional<std::string> next_message() = 0;
  // No authenticated() within WebSocketOptions::auth_timeout: answer and close.
  virtual void on_auth_timeout() = 0;
  // Once, when the connection is gone (closed by either side, timed out or failed).
  virtual void on_closed() = 0;
};

struct WebSocketOptions {
  std::string path = "/v1/ws";                      // upgrade requests to this path (query string ignored)
  size_t max_message_bytes = 1 << 20;               // a larger incoming frame closes with 1009
  std::chrono::milliseconds ping_interval{5000};    // server pings this often
  std::chrono::milliseconds client_timeout{30000};  // nothing received this long → closed
  std::chrono::milliseconds auth_timeout{3000};     // see WebSocketEndpoint::on_auth_timeout
  size_t max_connections = 25000;                   // more upgrades are answered 503
  // Creates the endpoint of an accepted upgrade. Null: /v1/ws is an ordinary request.
  std::function<std::unique_ptr<WebSocketEndpoint>(const HttpRequest&)> accept;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // IP literal or resolvable name
  uint16_t port = 8080;            // 0 = ephemeral, see HttpServer::port()
  unsigned io_threads = 1;         // 0 is treated as 1
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;    // request line + headers; above → 400 and close
  std::chrono::seconds idle_timeout{60};  // per read/write; a keep-alive connection idle this long is closed
  WebSocketOptions websocket;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  // Calls stop(). REQUIRES: not called from inside the handler (an io thread).
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the io threads. Returns kInternalError with a message naming the
  // address on resolve/bind/listen failure, or when called twice. Never throws.
  Status start();

  // The bound port (useful with port 0); 0 before a successful start().
  uint16_t port() const;

  // Graceful shutdown: stops accepting, closes idle keep-alive connections, lets requests in
  // flight write their response (each then closes) for up to `drain_timeout`, then closes whatever
  // is left and joins the io threads. WebSocket connections send what is queued and a close
  // frame (1001, "server shutting down"). Responders called after stop() returns are ignored.
  // Idempotent; concurrent callers block until the first one is done.
  // REQUIRES: not called from inside the handler (an io thread).
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));

  // Connections currently open (including those waiting for a responder and WebSocket
  // connections). Thread-safe.
  size_t active_connections() const;
  // WebSocket connections currently open. Thread-safe.
  size_t websocket_connections() const;

  class Impl;  // opaque: defined in http_server.cpp, where the connection sessions share it

 private:
  std::shared_ptr<Impl> impl_;  // shared with sessions, so late responders stay memory-safe
};

}  // namespace kalam
