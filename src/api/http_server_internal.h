// Internals shared by the HTTP server's translation units (http_server.cpp and
// websocket_session.cpp): the server object every session holds, and the session base
// that graceful shutdown reaches. Includes Boost.Asio/Beast: never include it from a
// public header.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http_server.h"

namespace kalam {
namespace http_internal {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
// Concrete executor types (no type erasure on the per-request path): a connection's
// socket, stream and posted work all belong to its loop's io_context.
using LoopExecutor = net::io_context::executor_type;
using LoopSocket = net::basic_stream_socket<tcp, LoopExecutor>;
using LoopStream = beast::basic_stream<tcp, LoopExecutor>;

// A connection the server can reach at shutdown (HTTP or WebSocket).
class ServerSession {
 public:
  virtual ~ServerSession() = default;
  // The server is stopping: finish what is in flight, then close.
  virtual void notify_server_stopping() = 0;
  // Close now.
  virtual void force_close() = 0;
};

// Takes over an upgraded connection: performs the WebSocket handshake answering
// `request` and runs the connection with `endpoint` (websocket_session.cpp).
void start_websocket_session(std::shared_ptr<HttpServer::Impl> server, LoopStream&& stream,
                             boost::beast::http::request<boost::beast::http::string_body>&& request,
                             std::unique_ptr<WebSocketEndpoint> endpoint, std::string remote_ip);

}  // namespace http_internal

using http_internal::LoopExecutor;
using http_internal::LoopSocket;
using http_internal::LoopStream;
using http_internal::ServerSession;

// Shared by HttpServer and every session: sessions (and responders the application still holds)
// keep it, and so the io_context their sockets belong to, alive.
class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(HttpServerOptions options, HttpHandler handler);

  Status start();
  void stop(std::chrono::milliseconds drain_timeout);
  uint16_t port() const { return bound_port_.load(); }
  size_t active_connections() const { return active_.load(); }

  // --- used by sessions ---
  const HttpServerOptions& options() const { return options_; }
  const HttpHandler& handler() const { return handler_; }
  bool stopping() const { return stopping_.load(); }

  // One io thread: its own io_context, run by that thread only.
  struct Loop {
    boost::asio::io_context ioc{1};
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_guard;
  };
  void on_connection_opened() { active_.fetch_add(1); }
  void on_connection_closed();
  void register_session(ServerSession* session, std::weak_ptr<ServerSession> weak);
  void unregister_session(ServerSession* session);
  // WebSocket connections: counted separately against WebSocketOptions::max_connections.
  bool try_open_websocket();
  void on_websocket_closed() { websockets_.fetch_sub(1); }
  size_t websocket_connections() const { return websockets_.load(); }

  // Posts `fn` to `executor` unless stop() has finished draining (the io threads are gone, so it
  // would never run); responders go through here because they may be called at any time.
  template <typename Fn>
  void post_unless_closed(const LoopExecutor& executor, Fn&& fn) {
    std::lock_guard lock(post_mu_);
    if (closed_) return;
    boost::asio::post(executor, std::forward<Fn>(fn));
  }

 private:
  enum class State { kNew, kRunning, kStopped };

  void run_io_thread(Loop& loop);
  void do_accept();
  void on_accept(boost::beast::error_code ec, LoopSocket socket);
  std::vector<std::shared_ptr<ServerSession>> live_sessions();
  void join_io_threads();

  const HttpServerOptions options_;
  const HttpHandler handler_;

  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> bound_port_{0};
  std::atomic<size_t> active_{0};
  std::atomic<size_t> websockets_{0};

  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;  // signalled when a connection closes
  std::unordered_map<ServerSession*, std::weak_ptr<ServerSession>> sessions_;  // guarded by sessions_mu_

  std::mutex post_mu_;
  bool closed_ = false;  // guarded by post_mu_

  std::mutex lifecycle_mu_;           // serializes start() and stop()
  State state_ = State::kNew;         // guarded by lifecycle_mu_
  std::vector<std::thread> threads_;  // guarded by lifecycle_mu_

  // The loops, then the objects bound to them (destroyed before them). No session can outlive
  // them: each one holds a shared_ptr to this Impl.
  std::vector<std::unique_ptr<Loop>> loops_;
  size_t next_loop_ = 0;  // the loop the next accepted connection goes to (accept loop only)
  boost::asio::ip::tcp::acceptor acceptor_;  // on loops_[0], used only there once running
  boost::asio::steady_timer accept_retry_timer_;
};

}  // namespace kalam
