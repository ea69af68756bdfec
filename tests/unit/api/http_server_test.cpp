// Tests for HttpServer: a real server on an ephemeral port driven by real TCP clients
// (Beast over Asio, every client operation bounded by a timeout).
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kalam {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr std::chrono::seconds kClientTimeout{10};

// A blocking HTTP client whose every operation gives up after kClientTimeout (the tcp_stream
// timeout closes the socket), so a misbehaving server fails a test instead of hanging it.
class TestClient {
 public:
  beast::error_code connect(uint16_t port) {
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    return run(
        [&](auto done) { stream_.async_connect(endpoint, [done](beast::error_code ec) { done(ec, 0); }); });
  }

  beast::error_code write_raw(std::string_view data) {
    return run([&](auto done) { net::async_write(stream_, net::buffer(data.data(), data.size()), done); });
  }

  beast::error_code send(http::request<http::string_body> request) {
    request.prepare_payload();
    return run([&](auto done) { http::async_write(stream_, request, done); });
  }

  // Reads one response; `head` for the answer to a HEAD request (no body follows the header).
  beast::error_code read(http::response<http::string_body>& response, bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    const beast::error_code ec = run([&](auto done) { http::async_read(stream_, buffer_, parser, done); });
    if (!ec) response = parser.release();
    return ec;
  }

  // Sends a request and reads its response; the status is 0 when anything failed.
  http::response<http::string_body> roundtrip(http::request<http::string_body> request) {
    http::response<http::string_body> response;
    response.result(0);
    if (send(std::move(request))) return response;
    if (read(response)) response.result(0);
    return response;
  }

  // Reads until the server closes the connection; returns how the read ended (eof when the
  // server closed it) and appends whatever arrived to `received`.
  beast::error_code read_until_closed(std::string* received = nullptr) {
    if (received != nullptr) *received += beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    for (;;) {
      char chunk[4096];
      const beast::error_code ec =
          run([&](auto done) { stream_.async_read_some(net::buffer(chunk, sizeof(chunk)), done); });
      if (ec) return ec;
      if (received != nullptr) received->append(chunk, last_bytes_);
    }
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  template <typename Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = net::error::would_block;
    bool completed = false;
    last_bytes_ = 0;
    stream_.expires_after(kClientTimeout);
    start([&](beast::error_code ec, std::size_t bytes) {
      result = ec;
      last_bytes_ = bytes;
      completed = true;
    });
    ioc_.restart();
    ioc_.run();
    return completed ? result : beast::error_code(net::error::timed_out);
  }

  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  std::size_t last_bytes_ = 0;
};

bool closed_by_peer(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset;
}

http::request<http::string_body> make_request(http::verb verb, std::string target, std::string body = "") {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "localhost");
  request.body() = std::move(body);
  return request;
}

HttpServerOptions test_options() {
  HttpServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.idle_timeout = 10s;
  return options;
}

HttpResponse text_response(std::string body, int status = 200) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

// Polls `predicate` until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Threads the handlers spawn to complete responders later; joined by the test.
class LateResponders {
 public:
  ~LateResponders() { join(); }
  void spawn(std::function<void()> job) {
    std::lock_guard lock(mu_);
    threads_.emplace_back(std::move(job));
  }
  void join() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// One worker thread running posted jobs in order (stands in for the execution pool).
class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return done_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

TEST(HttpServerTest, EchoesGetAndPostWithHeadersAndRemoteIp) {
  std::mutex mu;
  std::vector<HttpRequest> seen;
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    HttpResponse response = text_response(request.method + "|" + request.target + "|" + request.body,
                                          request.method == "POST" ? 201 : 200);
    if (const std::string* custom = request.header("x-custom"))
      response.headers.emplace_back("X-Echo", *custom);
    {
      std::lock_guard lock(mu);
      seen.push_back(std::move(request));
    }
    respond(std::move(response));
  });
  ASSERT_TRUE(server.start().is_ok());
  ASSERT_NE(server.port(), 0);

  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  auto get = make_request(http::verb::get, "/v1/echo?x=1&y=two");
  get.set("X-Custom", "Hello There");
  auto response = client.roundtrip(std::move(get));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "GET|/v1/echo?x=1&y=two|");
  EXPECT_EQ(response[http::field::server], "kalamdb");
  EXPECT_EQ(response[http::field::content_type], "text/plain");
  EXPECT_EQ(response[http::field::content_length], std::to_string(response.body().size()));
  EXPECT_EQ(response["X-Echo"], "Hello There");

  response = client.roundtrip(make_request(http::verb::post, "/v1/api/sql", R"({"sql":"SELECT 1"})"));
  EXPECT_EQ(response.result_int(), 201u);
  EXPECT_EQ(response.body(), R"(POST|/v1/api/sql|{"sql":"SELECT 1"})");

  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  const HttpRequest& first = seen[0];
  EXPECT_EQ(first.remote_ip, "127.0.0.1");
  ASSERT_NE(first.header("x-custom"), nullptr);
  EXPECT_EQ(*first.header("x-custom"), "Hello There");
  EXPECT_EQ(first.header("X-Custom"), nullptr);  // lookups use lower-case names
  ASSERT_NE(first.header("host"), nullptr);
  for (const auto& [name, value] : first.headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  EXPECT_TRUE(first.keep_alive);
  EXPECT_FALSE(first.body_too_large);
  EXPECT_EQ(seen[1].body, R"({"sql":"SELECT 1"})");
  ASSERT_NE(seen[1].header("content-length"), nullptr);
  EXPECT_EQ(*seen[1].header("content-length"), "18");
}

TEST(HttpServerTest, KeepAliveServesManyRequestsOnOneConnectionInOrder) {
  LateResponders late;
  std::atomic<int> handled{0};
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    ++handled;
    // The first pipelined request answers last in wall-clock terms unless the server serializes.
    const auto delay = request.target == "/p1" ? 100ms : 0ms;
    late.spawn([delay, target = request.target, respond = std::move(respond)] {
      std::this_thread::sleep_for(delay);
      respond(text_response("echo" + target));
    });
  });
  ASSERT_TRUE(server.start().is_ok());

  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  for (int request_idx = 0; request_idx < 5; ++request_idx) {
    const std::string target = "/seq" + std::to_string(request_idx);
    auto response = client.roundtrip(make_request(http::verb::get, target));
    ASSERT_EQ(response.result_int(), 200u) << request_idx;
    EXPECT_EQ(response.body(), "echo" + target);
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(server.active_connections(), 1u);
  }

  // Three pipelined requests in one write: answered in order on the same connection.
  ASSERT_FALSE(
      client.write_raw("GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\nGET /p3 "
                       "HTTP/1.1\r\nHost: a\r\n\r\n"));
  for (const char* target : {"/p1", "/p2", "/p3"}) {
    http::response<http::string_body> response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.body(), std::string("echo") + target);
  }
  EXPECT_EQ(handled.load(), 8);
  EXPECT_EQ(server.active_connections(), 1u);
}

TEST(HttpServerTest, ResponderCompletesLaterFromAnotherThreadAndOnlyOnce) {
  LateResponders late;
  std::mutex mu;
  std::thread::id handler_thread;
  std::thread::id responder_thread;
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    if (request.target == "/twice") {
      respond(text_response("first"));
      respond(text_response("duplicate"));  // must be ignored
      return;
    }
    {
      std::lock_guard lock(mu);
      handler_thread = std::this_thread::get_id();
    }
    late.spawn([&, respond = std::move(respond), target = request.target] {
      std::this_thread::sleep_for(150ms);
      {
        std::lock_guard lock(mu);
        responder_thread = std::this_thread::get_id();
      }
      respond(text_response("late" + target));
    });
  });
  ASSERT_TRUE(server.start().is_ok());

  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  const auto started = std::chrono::steady_clock::now();
  auto response = client.roundtrip(make_request(http::verb::get, "/slow"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 140ms);
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "late/slow");
  {
    std::lock_guard lock(mu);
    EXPECT_NE(handler_thread, responder_thread);
  }

  response = client.roundtrip(make_request(http::verb::get, "/twice"));
  EXPECT_EQ(response.body(), "first");
  // The duplicate call must neither answer this request nor break the connection.
  response = client.roundtrip(make_request(http::verb::get, "/next"));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "late/next");
}

TEST(HttpServerTest, BodyOverLimitIsFlaggedNotBufferedAndClosesConnection) {
  HttpServerOptions options = test_options();
  options.max_body_bytes = 1024;
  std::mutex mu;
  std::vector<std::pair<bool, size_t>> seen;  // (body_too_large, body size)
  HttpServer server(options, [&](HttpRequest&& request, HttpResponder respond) {
    {
      std::lock_guard lock(mu);
      seen.emplace_back(request.body_too_large, request.body.size());
    }
    if (request.body_too_large) {
      HttpResponse response;
      response.status = 413;
      response.body = R"({"status":"error","error":{"code":"PAYLOAD_TOO_LARGE"}})";
      return respond(std::move(response));
    }
    respond(text_response("size=" + std::to_string(request.body.size())));
  });
  ASSERT_TRUE(server.start().is_ok());

  {  // Exactly at the limit: accepted, connection stays usable.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    auto response = client.roundtrip(make_request(http::verb::post, "/at-limit", std::string(1024, 'a')));
    EXPECT_EQ(response.result_int(), 200u);
    EXPECT_EQ(response.body(), "size=1024");
    response = client.roundtrip(make_request(http::verb::get, "/again"));
    EXPECT_EQ(response.body(), "size=0");
  }
  {  // Content-Length over the limit: 413 from the handler, then the server closes.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    auto response = client.roundtrip(make_request(http::verb::post, "/too-big", std::string(4096, 'b')));
    EXPECT_EQ(response.result_int(), 413u);
    EXPECT_NE(response.body().find("PAYLOAD_TOO_LARGE"), std::string::npos);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_TRUE(closed_by_peer(client.read_until_closed()));
  }
  {  // A client that writes its whole 2 MiB body before reading still gets the 413: the server
     // drains what it will not parse instead of resetting the connection under the response.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    const std::string body(2 * 1024 * 1024, 'd');
    ASSERT_FALSE(client.write_raw("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.result_int(), 413u);
    EXPECT_TRUE(closed_by_peer(client.read_until_closed()));
  }
  {  // Chunked body that grows over the limit.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    const std::string chunk(800, 'c');
    ASSERT_FALSE(
        client.write_raw("POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
                         chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.result_int(), 413u);
    EXPECT_TRUE(closed_by_peer(client.read_until_closed()));
  }
  {  // A 100 MB declared body with Expect: 100-continue is refused without waiting for the body.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    ASSERT_FALSE(client.write_raw(
        "POST /huge HTTP/1.1\r\nHost: a\r\nContent-Length: 104857600\r\nExpect: 100-continue\r\n\r\n"));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.result_int(), 413u);
    EXPECT_TRUE(closed_by_peer(client.read_until_closed()));
  }
  {  // Expect: 100-continue within the limit gets the interim response, then the body is read.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    ASSERT_FALSE(client.write_raw(
        "POST /expect HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    http::response<http::string_body> interim;
    ASSERT_FALSE(client.read(interim));
    EXPECT_EQ(interim.result_int(), 100u);
    ASSERT_FALSE(client.write_raw("hello"));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.read(response));
    EXPECT_EQ(response.body(), "size=5");
  }

  std::lock_guard lock(mu);
  const std::vector<std::pair<bool, size_t>> expected = {{false, 1024}, {false, 0}, {true, 0}, {true, 0},
                                                         {true, 0},     {true, 0},  {false, 5}};
  EXPECT_EQ(seen, expected);
}

TEST(HttpServerTest, MalformedRequestsGet400AndClose) {
  HttpServerOptions options = test_options();
  options.max_header_bytes = 1024;
  std::atomic<int> handled{0};
  HttpServer server(options, [&](HttpRequest&&, HttpResponder respond) {
    ++handled;
    respond(text_response("ok"));
  });
  ASSERT_TRUE(server.start().is_ok());

  for (const std::string& raw :
       {std::string("GARBAGE\r\n\r\n"),
        std::string("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"),
        "GET /big HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'x') + "\r\n\r\n"}) {
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    ASSERT_FALSE(client.write_raw(raw));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.read(response)) << raw.substr(0, 40);
    EXPECT_EQ(response.result_int(), 400u) << raw.substr(0, 40);
    EXPECT_EQ(response[http::field::content_type], "application/json");
    const std::string request_id(response["X-Request-Id"]);
    EXPECT_EQ(request_id.size(), 36u) << "every response carries a request id";
    EXPECT_EQ(response.body(), R"({"status":"error","request_id":")" + request_id +
                                   R"(","elapsed_ms":0.000,"results":[],"error":{"code":"INVALID_ARGUMENT",)"
                                   R"("message":"malformed HTTP request","details":null}})");
    EXPECT_EQ(response[http::field::server], "kalamdb");
    EXPECT_TRUE(closed_by_peer(client.read_until_closed())) << raw.substr(0, 40);
  }
  EXPECT_EQ(handled.load(), 0);

  TestClient client;  // the server still works
  ASSERT_FALSE(client.connect(server.port()));
  EXPECT_EQ(client.roundtrip(make_request(http::verb::get, "/fine")).body(), "ok");
}

TEST(HttpServerTest, SurvivesClientsDisconnectingMidBodyAndBeforeResponse) {
  LateResponders late;
  std::promise<HttpResponder> held;
  std::atomic<int> handled{0};
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    ++handled;
    if (request.target == "/hold") return held.set_value(std::move(respond));
    respond(text_response("ok"));
  });
  ASSERT_TRUE(server.start().is_ok());

  {  // Declares 1000 bytes, sends 10, leaves.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    ASSERT_FALSE(
        client.write_raw("POST /partial HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n0123456789"));
    ASSERT_TRUE(wait_until([&] { return server.active_connections() == 1; }));
    client.close();
  }
  {  // Leaves while the handler still holds the responder; the response goes nowhere.
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    ASSERT_FALSE(client.send(make_request(http::verb::get, "/hold")));
    auto responder_future = held.get_future();
    ASSERT_EQ(responder_future.wait_for(5s), std::future_status::ready);
    HttpResponder responder = responder_future.get();
    client.close();
    std::this_thread::sleep_for(50ms);
    late.spawn(
        [responder = std::move(responder)] { responder(text_response(std::string(256 * 1024, 'z'))); });
    late.join();
  }
  {
    TestClient client;
    ASSERT_FALSE(client.connect(server.port()));
    EXPECT_EQ(client.roundtrip(make_request(http::verb::get, "/after")).body(), "ok");
  }
  EXPECT_TRUE(wait_until([&] { return server.active_connections() == 0; }))
      << "active connections: " << server.active_connections();
  EXPECT_EQ(handled.load(), 2);  // /hold and /after; the partial request never reached the handler
}

TEST(HttpServerTest, FiftyConnectionsTwentyRequestsEach) {
  constexpr int kConnections = 50;
  constexpr int kRequestsPerConnection = 20;
  HttpServerOptions options = test_options();
  options.io_threads = 4;
  Worker worker;
  std::atomic<int> handled{0};
  HttpServer server(options, [&](HttpRequest&& request, HttpResponder respond) {
    ++handled;
    HttpResponse response = text_response("echo:" + request.body);
    // Half the answers come straight from the io thread, half later from the worker.
    if (request.body.back() % 2 == 0) return respond(std::move(response));
    worker.post([respond = std::move(respond), response = std::move(response)]() mutable {
      respond(std::move(response));
    });
  });
  ASSERT_TRUE(server.start().is_ok());

  std::atomic<int> correct{0};
  std::vector<std::thread> clients;
  for (int connection_idx = 0; connection_idx < kConnections; ++connection_idx) {
    clients.emplace_back([&, connection_idx] {
      TestClient client;
      if (client.connect(server.port())) return;
      for (int request_idx = 0; request_idx < kRequestsPerConnection; ++request_idx) {
        const std::string body = "c" + std::to_string(connection_idx) + "-r" + std::to_string(request_idx);
        auto response = client.roundtrip(make_request(http::verb::post, "/echo", body));
        if (response.result_int() == 200 && response.body() == "echo:" + body) ++correct;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(correct.load(), kConnections * kRequestsPerConnection);
  EXPECT_EQ(handled.load(), kConnections * kRequestsPerConnection);
  EXPECT_TRUE(wait_until([&] { return server.active_connections() == 0; }));
}

TEST(HttpServerTest, StopLetsInFlightRequestFinishThenRefusesConnections) {
  LateResponders late;
  std::promise<void> slow_started;
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    if (request.target != "/slow") return respond(text_response("fast"));
    slow_started.set_value();
    late.spawn([respond = std::move(respond)] {
      std::this_thread::sleep_for(300ms);
      respond(text_response("done"));
    });
  });
  ASSERT_TRUE(server.start().is_ok());
  const uint16_t port = server.port();

  TestClient idle_client;  // keep-alive connection, idle when stop() begins
  ASSERT_FALSE(idle_client.connect(port));
  ASSERT_EQ(idle_client.roundtrip(make_request(http::verb::get, "/fast")).body(), "fast");

  http::response<http::string_body> slow_response;
  std::thread slow_client([&] {
    TestClient client;
    if (client.connect(port)) return;
    slow_response = client.roundtrip(make_request(http::verb::get, "/slow"));
  });
  ASSERT_EQ(slow_started.get_future().wait_for(5s), std::future_status::ready);

  const auto stop_started = std::chrono::steady_clock::now();
  server.stop(5s);
  const auto stop_took = std::chrono::steady_clock::now() - stop_started;
  slow_client.join();

  EXPECT_EQ(slow_response.result_int(), 200u);
  EXPECT_EQ(slow_response.body(), "done");
  EXPECT_FALSE(slow_response.keep_alive());  // announced Connection: close
  EXPECT_GE(stop_took, 200ms);               // it waited for the in-flight request
  EXPECT_LT(stop_took, 5s);                  // but not for the idle connection
  EXPECT_TRUE(closed_by_peer(idle_client.read_until_closed()));
  EXPECT_EQ(server.active_connections(), 0u);

  TestClient refused;
  EXPECT_EQ(refused.connect(port), net::error::connection_refused);
  server.stop();  // idempotent
}

TEST(HttpServerTest, IdleConnectionTimesOut) {
  HttpServerOptions options = test_options();
  options.idle_timeout = 1s;
  HttpServer server(options, [](HttpRequest&&, HttpResponder respond) { respond(text_response("ok")); });
  ASSERT_TRUE(server.start().is_ok());

  // One connection that never sends a byte, one idle after a response.
  TestClient silent;
  ASSERT_FALSE(silent.connect(server.port()));
  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  EXPECT_EQ(client.roundtrip(make_request(http::verb::get, "/")).body(), "ok");
  const auto started = std::chrono::steady_clock::now();
  for (TestClient* idle : {&silent, &client}) EXPECT_TRUE(closed_by_peer(idle->read_until_closed()));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(wait_until([&] { return server.active_connections() == 0; }));
}

TEST(HttpServerTest, HeadAnswerCarriesContentLengthButNoBody) {
  std::mutex mu;
  std::vector<std::string> methods;
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    {
      std::lock_guard lock(mu);
      methods.push_back(request.method);
    }
    respond(text_response("hello world"));
  });
  ASSERT_TRUE(server.start().is_ok());

  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.write_raw("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /g HTTP/1.1\r\nHost: a\r\n\r\n"));
  http::response<http::string_body> head;
  ASSERT_FALSE(client.read(head, /*head=*/true));
  EXPECT_EQ(head[http::field::content_length], "11");
  // Had the server sent the body after the HEAD header, this parse would see it instead.
  http::response<http::string_body> get;
  ASSERT_FALSE(client.read(get));
  EXPECT_EQ(get.result_int(), 200u);
  EXPECT_EQ(get.body(), "hello world");
  std::lock_guard lock(mu);
  EXPECT_EQ(methods, (std::vector<std::string>{"HEAD", "GET"}));
}

TEST(HttpServerTest, HandlerExceptionBecomes500AndConnectionContinues) {
  HttpServer server(test_options(), [](HttpRequest&& request, HttpResponder respond) {
    if (request.target == "/throw") throw std::runtime_error("boom");
    respond(text_response("ok"));
  });
  ASSERT_TRUE(server.start().is_ok());

  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  auto response = client.roundtrip(make_request(http::verb::get, "/throw"));
  EXPECT_EQ(response.result_int(), 500u);
  EXPECT_NE(response.body().find("INTERNAL_ERROR"), std::string::npos);
  EXPECT_EQ(client.roundtrip(make_request(http::verb::get, "/fine")).body(), "ok");
}

TEST(HttpServerTest, Http10WithoutKeepAliveIsClosedAfterResponse) {
  std::atomic<bool> keep_alive_seen{true};
  HttpServer server(test_options(), [&](HttpRequest&& request, HttpResponder respond) {
    keep_alive_seen = request.keep_alive;
    respond(text_response("ok"));
  });
  ASSERT_TRUE(server.start().is_ok());

  TestClient client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.write_raw("GET /old HTTP/1.0\r\n\r\n"));
  std::string received;
  EXPECT_TRUE(closed_by_peer(client.read_until_closed(&received)));
  EXPECT_EQ(received.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("\r\n\r\nok"), std::string::npos) << received;
  EXPECT_FALSE(keep_alive_seen.load());
}

TEST(HttpServerTest, ResponseBytesAreExactlyThoseOfTheWireFormat) {
  // The server serializes responses itself: the same bytes Beast's serializer wrote, in
  // this order (status line, Server, Content-Type, the handler's headers, Connection when
  // it differs from the version's default, Content-Length, body).
  HttpServer server(test_options(), [](HttpRequest&& request, HttpResponder respond) {
    HttpResponse response = text_response("body!");
    if (request.target == "/headers") {
      response.headers = {{"X-Request-Id", "r1"},  {"Allow", "POST"},  {"Content-Length", "99"},
                          {"Bad\r\nName", "x"},    {"Bad Name", "x"},  {"X-Split", "a\r\nb"},
                          {"Content-Type", "a/b"}, {"Server", "other"}};
    }
    if (request.target == "/empty") response.status = 204;
    if (request.target == "/close") response.headers = {{"Connection", "close"}};
    respond(std::move(response));
  });
  ASSERT_TRUE(server.start().is_ok());
  auto exchange = [&](std::string_view request) {
    TestClient client;
    EXPECT_FALSE(client.connect(server.port()));
    EXPECT_FALSE(client.write_raw(request));
    std::string received;
    client.read_until_closed(&received);  // every request below ends its connection
    return received;
  };
  EXPECT_EQ(exchange("GET /a HTTP/1.1\r\nConnection: close\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nServer: kalamdb\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            "Content-Length: 5\r\n\r\nbody!");
  EXPECT_EQ(exchange("GET /headers HTTP/1.0\r\n\r\n"),
            "HTTP/1.0 200 OK\r\nServer: other\r\nContent-Type: a/b\r\nX-Request-Id: r1\r\nAllow: POST\r\n"
            "Content-Length: 5\r\n\r\nbody!");
  EXPECT_EQ(exchange("HEAD /a HTTP/1.1\r\nConnection: close\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nServer: kalamdb\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            "Content-Length: 5\r\n\r\n");
  EXPECT_EQ(
      exchange("GET /empty HTTP/1.1\r\nConnection: close\r\n\r\n"),
      "HTTP/1.1 204 No Content\r\nServer: kalamdb\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
  // A keep-alive HTTP/1.0 client is told so; the handler's Connection: close ends it.
  EXPECT_EQ(exchange("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /close HTTP/1.1\r\n\r\n"),
            "HTTP/1.0 200 OK\r\nServer: kalamdb\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n"
            "Content-Length: 5\r\n\r\nbody!"
            "HTTP/1.1 200 OK\r\nServer: kalamdb\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            "Content-Length: 5\r\n\r\nbody!");
}

TEST(HttpServerTest, StartReportsBindFailureAndDoubleStart) {
  HttpServer first(test_options(),
                   [](HttpRequest&&, HttpResponder respond) { respond(text_response("ok")); });
  ASSERT_TRUE(first.start().is_ok());
  const Status again = first.start();
  EXPECT_FALSE(again.is_ok());

  HttpServerOptions options = test_options();
  options.port = first.port();
  HttpServer second(options, [](HttpRequest&&, HttpResponder respond) { respond(text_response("ok")); });
  const Status status = second.start();
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), ErrorCode::kInternalError);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << status.message();
  EXPECT_EQ(second.port(), 0);
  second.stop();  // no-op on a server that never started

  TestClient client;  // the first server is unaffected
  ASSERT_FALSE(client.connect(first.port()));
  EXPECT_EQ(client.roundtrip(make_request(http::verb::get, "/")).body(), "ok");
}

}  // namespace
}  // namespace kalam
