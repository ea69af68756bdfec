// kalam_load: end-to-end load generator for a KalamDB server on this machine.
//
// Keep-alive HTTP/1.1 (Boost.Beast, asynchronous) over N connections with one request in
// flight each, Bearer tokens (logged in once per user; never Basic, whose per-request bcrypt
// would dominate), a bounded duration or operation count per workload, and exact latency
// percentiles from every recorded sample. It only ever connects to a loopback address.
// Usage and measured numbers: bench/README.md, section "End-to-end load tool".
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kSqlPath = "/v1/api/sql";
constexpr const char* kLoginPath = "/v1/api/auth/login";
constexpr std::string_view kSuccessPrefix = R"({"status":"success")";

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "kalam_load: %s\n", message.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string url = "http://127.0.0.1:8080";
  std::string host_header;
  tcp::endpoint endpoint;
  int connections = 16;
  double duration_s = 10;
  int64_t requests = 0;  // operations per workload; 0 = bounded by --duration only
  std::string workload = "all";
  int users = 50;
  int conversations = 10;
  int prepopulate = 100;  // rows per user written before point-select
  int content_bytes = 64;
  bool setup = true;
  std::string root_user = "root";
  std::string root_password;
  std::string user_password = "load-pass-0001";
  int client_threads = 1;
  double timeout_s = 60;  // per request
  int show_errors = 5;
  long server_pid = 0;
  uint64_t seed = 42;
  bool quick = false;
  // chat: "id" = messages keyed by id (the conversation is a plain column), or
  // "conversation" = conversation_messages keyed by (conversation_id, id).
  std::string chat_key = "id";
};

// The table the chat workload writes and reads.
std::string chat_table(const Options& opt) {
  return opt.chat_key == "conversation" ? "loadtest.conversation_messages" : "loadtest.messages";
}

void print_usage() {
  std::printf(
      "usage: kalam_load [options]\n"
      "  --url URL               server, loopback only (default http://127.0.0.1:8080)\n"
      "  --workload W            insert | point-select | chat | health | all (default all: the first three)\n"
      "  --connections N         keep-alive connections, one request in flight each (16)\n"
      "  --duration S            seconds per workload (10; 300 as a bound when --requests is given)\n"
      "  --requests N            stop a workload after N operations (chat: 1 op = 2 requests)\n"
      "  --users U               users load_u0..load_u<U-1> (50)\n"
      "  --conversations C       conversations per user (10)\n"
      "  --prepopulate R         rows per user written before point-select (100)\n"
      "  --content-bytes B       size of each message's content (64)\n"
      "  --chat-key K            chat table key: id (messages, PRIMARY KEY (id)) or conversation\n"
      "                          (conversation_messages, PRIMARY KEY (conversation_id, id)) (id)\n"
      "  --setup / --no-setup    create namespace, tables and users as root first (on)\n"
      "  --root-password P       root's password (else env KALAMDB_ROOT_PASSWORD)\n"
      "  --user-password P       password of the load users (load-pass-0001)\n"
      "  --client-threads T      client io threads (1)\n"
      "  --timeout S             per-request timeout in seconds (60)\n"
      "  --show-errors N         error bodies printed per workload (5)\n"
      "  --server-pid PID        also report the server's CPU time per workload\n"
      "  --seed N                random seed (42)\n"
      "  --quick                 3 s per workload, 8 connections, 10 users (flags given win)\n"
      "exit status: 0 all requests succeeded, 1 setup or usage failure, 3 some requests failed\n");
}

// Accepts http://HOST[:PORT][/] where HOST is a loopback address or "localhost".
void parse_url(Options& opt) {
  std::string_view url = opt.url;
  if (!url.starts_with("http://")) die("--url must start with http:// (got '" + opt.url + "')");
  url.remove_prefix(7);
  if (url.ends_with("/")) url.remove_suffix(1);
  if (url.find('/') != std::string_view::npos || url.find('@') != std::string_view::npos) {
    die("--url must be http://HOST:PORT without a path or user info (got '" + opt.url + "')");
  }
  std::string host;
  std::string port = "80";
  if (url.starts_with("[")) {
    size_t close = url.find(']');
    if (close == std::string_view::npos) die("bad IPv6 address in --url");
    host = std::string(url.substr(1, close - 1));
    std::string_view rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(":")) die("bad --url");
      port = std::string(rest.substr(1));
    }
  } else {
    size_t colon = url.find(':');
    host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(url.substr(colon + 1));
  }
  std::string host_for_address = host == "localhost" ? "127.0.0.1" : host;
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(host_for_address, ec);
  if (ec || !address.is_loopback()) {
    die("refusing to load '" + host + "': kalam_load only targets loopback (127.0.0.0/8, ::1, localhost)");
  }
  char* end = nullptr;
  long port_number = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || port_number <= 0 || port_number > 65535)
    die("bad port in --url: " + port);
  opt.endpoint = tcp::endpoint(address, static_cast<unsigned short>(port_number));
  opt.host_header = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" + port;
}

Options parse_options(int argc, char** argv) {
  Options opt;
  bool set_connections = false, set_duration = false, set_users = false;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) die(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto integer = [&](int& i, int64_t min, int64_t max) -> int64_t {
    std::string name = argv[i];
    std::string text = value(i);
    char* end = nullptr;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < min || n > max) {
      die(name + " needs an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return n;
  };
  auto real = [&](int& i, double min, double max) -> double {
    std::string name = argv[i];
    std::string text = value(i);
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(d >= min && d <= max)) die(name + " needs a number in range");
    return d;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage();
      std::exit(0);
    } else if (arg == "--url") {
      opt.url = value(i);
    } else if (arg == "--workload") {
      opt.workload = value(i);
    } else if (arg == "--connections") {
      opt.connections = static_cast<int>(integer(i, 1, 1024));
      set_connections = true;
    } else if (arg == "--duration") {
      opt.duration_s = real(i, 0.1, 3600);
      set_duration = true;
    } else if (arg == "--requests") {
      opt.requests = integer(i, 1, int64_t{1} << 40);
    } else if (arg == "--users") {
      opt.users = static_cast<int>(integer(i, 1, 100000));
      set_users = true;
    } else if (arg == "--conversations") {
      opt.conversations = static_cast<int>(integer(i, 1, 1000000));
    } else if (arg == "--prepopulate") {
      opt.prepopulate = static_cast<int>(integer(i, 1, 1000000));
    } else if (arg == "--content-bytes") {
      opt.content_bytes = static_cast<int>(integer(i, 1, 1 << 20));
    } else if (arg == "--setup") {
      opt.setup = true;
    } else if (arg == "--no-setup") {
      opt.setup = false;
    } else if (arg == "--root-password") {
      opt.root_password = value(i);
    } else if (arg == "--user-password") {
      opt.user_password = value(i);
    } else if (arg == "--client-threads") {
      opt.client_threads = static_cast<int>(integer(i, 1, 64));
    } else if (arg == "--timeout") {
      opt.timeout_s = real(i, 0.1, 3600);
    } else if (arg == "--show-errors") {
      opt.show_errors = static_cast<int>(integer(i, 0, 1000));
    } else if (arg == "--server-pid") {
      opt.server_pid = static_cast<long>(integer(i, 1, 1 << 30));
    } else if (arg == "--seed") {
      opt.seed = static_cast<uint64_t>(integer(i, 0, INT64_MAX));
    } else if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--chat-key") {
      opt.chat_key = value(i);
      if (opt.chat_key != "id" && opt.chat_key != "conversation")
        die("--chat-key must be id or conversation");
    } else {
      print_usage();
      die("unknown option " + arg);
    }
  }
  if (opt.quick) {
    if (!set_connections) opt.connections = 8;
    if (!set_duration) opt.duration_s = 3;
    if (!set_users) opt.users = 10;
  }
  if (opt.requests > 0 && !set_duration && !opt.quick) opt.duration_s = 300;
  if (opt.workload != "insert" && opt.workload != "point-select" && opt.workload != "chat" &&
      opt.workload != "health" && opt.workload != "all") {
    die("--workload must be insert, point-select, chat, health or all");
  }
  if (opt.root_password.empty()) {
    if (const char* env = std::getenv("KALAMDB_ROOT_PASSWORD")) opt.root_password = env;
  }
  if (opt.setup && opt.root_password.empty()) {
    die("--setup needs root's password: --root-password or KALAMDB_ROOT_PASSWORD");
  }
  parse_url(opt);
  return opt;
}

// ---------------------------------------------------------------------------------------------
// HTTP client core

struct Outgoing {
  http::verb method = http::verb::post;
  std::string target;
  std::string body;    // moved into the request when sent
  std::string bearer;  // access token, empty for none
  int kind = 0;        // workload-defined
  size_t tag = 0;      // workload-defined
  int64_t id = 0;      // workload-defined
};

struct Reply {
  bool transport_ok = false;
  int http_status = 0;
  std::string body;  // response body, or the transport error
  double latency_ms = 0;
};

// Reports whether the reply is HTTP 200 with a top-level "status": "success".
bool is_success(const Reply& reply) {
  if (!reply.transport_ok || reply.http_status != 200) return false;
  if (reply.body.starts_with(kSuccessPrefix)) return true;  // the server writes "status" first
  boost::system::error_code ec;
  json::value value = json::parse(reply.body, ec);
  if (ec || !value.is_object()) return false;
  const json::value* status = value.as_object().if_contains("status");
  return status != nullptr && status->is_string() && status->get_string() == "success";
}

// The server's own "elapsed_ms" of a reply, or -1.
double server_elapsed_ms(const Reply& reply) {
  if (!reply.transport_ok) return -1;
  size_t pos = reply.body.find("\"elapsed_ms\":");
  if (pos == std::string::npos || pos > 200) return -1;
  return std::strtod(reply.body.c_str() + pos + 13, nullptr);
}

class Workload {
 public:
  virtual ~Workload() = default;
  // Called once the connections are open, just before the first request.
  virtual void on_start(Clock::time_point start) {}
  // Fills `out` with connection `conn`'s next request; false when the connection is done.
  // Called on the io thread that owns `conn`.
  virtual bool next(int conn, Outgoing& out) = 0;
  virtual void done(int conn, const Outgoing& out, Reply& reply) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& ioc, const Options& opt, Workload& workload, int index,
             Clock::time_point hard_end)
      : stream_(ioc), timer_(ioc), opt_(opt), workload_(workload), index_(index), hard_end_(hard_end) {}

  bool connect_now() {
    beast::error_code ec;
    stream_.socket().connect(opt_.endpoint, ec);
    if (ec) {
      std::fprintf(stderr, "kalam_load: cannot connect to %s: %s\n", opt_.url.c_str(), ec.message().c_str());
      return false;
    }
    stream_.socket().set_option(tcp::no_delay(true), ec);
    return true;
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  void issue() {
    out_ = Outgoing{};
    if (!workload_.next(index_, out_)) {
      close();
      return;
    }
    request_ = {};
    request_.version(11);
    request_.method(out_.method);
    request_.target(out_.target);
    request_.set(http::field::host, opt_.host_header);
    request_.set(http::field::user_agent, "kalam_load");
    if (!out_.bearer.empty()) request_.set(http::field::authorization, "Bearer " + out_.bearer);
    if (out_.method == http::verb::post) request_.set(http::field::content_type, "application/json");
    request_.body() = std::move(out_.body);
    request_.keep_alive(true);
    request_.prepare_payload();
    started_ = Clock::now();
    stream_.expires_after(timeout());
    http::async_write(stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
  }

 private:
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(static_cast<int64_t>(opt_.timeout_s * 1000));
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail(ec, "write");
    parser_.emplace();
    parser_->body_limit(1ull << 30);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec, "read");
    http::response<http::string_body> response = parser_->release();
    Reply reply;
    reply.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    reply.transport_ok = true;
    reply.http_status = static_cast<int>(response.result_int());
    reply.body = std::move(response.body());
    const bool keep_alive = response.keep_alive();
    workload_.done(index_, out_, reply);
    if (keep_alive) {
      issue();
    } else {
      reconnect();
    }
  }

  void fail(beast::error_code ec, const char* what) {
    Reply reply;
    reply.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    reply.body = std::string(what) + ": " + ec.message();
    workload_.done(index_, out_, reply);
    reconnect();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  void reconnect() {
    close();
    buffer_.consume(buffer_.size());
    if (Clock::now() >= hard_end_ || ++reconnects_ > 1000) {
      std::fprintf(stderr, "kalam_load: connection %d gives up\n", index_);
      return;
    }
    stream_.expires_after(timeout());
    stream_.async_connect(opt_.endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) {
        beast::error_code ignored;
        self->stream_.socket().set_option(tcp::no_delay(true), ignored);
        self->issue();
        return;
      }
      std::fprintf(stderr, "kalam_load: connection %d: reconnect failed: %s\n", self->index_,
                   ec.message().c_str());
      self->timer_.expires_after(std::chrono::milliseconds(100));
      self->timer_.async_wait([self](beast::error_code) { self->reconnect(); });
    });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  const Options& opt_;
  Workload& workload_;
  int index_;
  Clock::time_point hard_end_;
  Clock::time_point started_;
  Outgoing out_;
  int reconnects_ = 0;
};

// Runs `workload` over `connections` keep-alive connections until every connection's next()
// says done. Connections are opened before the clock starts; returns the wall time in seconds.
double run_workload(const Options& opt, Workload& workload, int connections, Clock::time_point hard_end) {
  const int thread_count = std::min(opt.client_threads, connections);
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int t = 0; t < thread_count; ++t) contexts.push_back(std::make_unique<asio::io_context>(1));
  std::vector<std::shared_ptr<Connection>> conns;
  for (int c = 0; c < connections; ++c) {
    auto conn = std::make_shared<Connection>(*contexts[c % thread_count], opt, workload, c, hard_end);
    if (!conn->connect_now()) die("is the server running?");
    conns.push_back(std::move(conn));
  }
  const Clock::time_point start = Clock::now();
  workload.on_start(start);
  for (auto& conn : conns) asio::post(conn->executor(), [conn] { conn->issue(); });
  conns.clear();  // the handlers keep them alive
  std::vector<std::thread> threads;
  for (int t = 1; t < thread_count; ++t) threads.emplace_back([&contexts, t] { contexts[t]->run(); });
  contexts[0]->run();
  for (auto& thread : threads) thread.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Recording and reporting

struct Series {
  std::vector<double> ok_latency_ms;  // successful requests only
  std::vector<double> server_ms;      // the server's "elapsed_ms" of successful requests
  int64_t requests = 0;
  int64_t errors = 0;

  void merge(const Series& other) {
    ok_latency_ms.insert(ok_latency_ms.end(), other.ok_latency_ms.begin(), other.ok_latency_ms.end());
    server_ms.insert(server_ms.end(), other.server_ms.begin(), other.server_ms.end());
    requests += other.requests;
    errors += other.errors;
  }
};

// Exact nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void print_result(const std::string& name, Series series, double duration_s) {
  std::sort(series.ok_latency_ms.begin(), series.ok_latency_ms.end());
  std::sort(series.server_ms.begin(), series.server_ms.end());
  const auto& lat = series.ok_latency_ms;
  const int64_t ok = series.requests - series.errors;
  std::printf("RESULT workload=%s requests=%" PRId64 " errors=%" PRId64
              " duration_s=%.3f throughput_rps=%.1f "
              "p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f srv_p50_ms=%.3f srv_p99_ms=%.3f\n",
              name.c_str(), series.requests, series.errors, duration_s,
              duration_s > 0 ? ok / duration_s : 0.0, percentile(lat, 0.50), percentile(lat, 0.95),
              percentile(lat, 0.99), lat.empty() ? 0.0 : lat.back(), percentile(series.server_ms, 0.50),
              percentile(series.server_ms, 0.99));
  std::fflush(stdout);
}

double client_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// utime + stime of a process from /proc/PID/stat, or -1.
double process_cpu_seconds(long pid) {
  if (pid <= 0) return -1;
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {  // field 3 is the state
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Busy (non-idle, non-iowait) CPU seconds of the whole machine, all cores, from /proc/stat.
double machine_busy_seconds() {
  std::ifstream file("/proc/stat");
  std::string cpu;
  file >> cpu;
  if (cpu != "cpu") return -1;
  unsigned long long total = 0, idle = 0, value = 0;
  for (int index = 0; index < 8 && file >> value;
       ++index) {  // user nice system idle iowait irq softirq steal
    total += value;
    if (index == 3 || index == 4) idle += value;
  }
  return static_cast<double>(total - idle) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// ---------------------------------------------------------------------------------------------
// Request bodies

std::string sql_body(const std::string& sql, json::array params = {}) {
  json::object body;
  body["sql"] = sql;
  if (!params.empty()) body["params"] = std::move(params);
  return json::serialize(body);
}

Outgoing sql_call(const std::string& sql, const std::string& token, json::array params = {}) {
  Outgoing out;
  out.target = kSqlPath;
  out.body = sql_body(sql, std::move(params));
  out.bearer = token;
  return out;
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string make_content(int64_t id, int bytes) {
  static constexpr std::string_view kFiller = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
  std::string text = "message " + std::to_string(id) + " ";
  while (static_cast<int>(text.size()) < bytes) text += kFiller;
  text.resize(static_cast<size_t>(bytes));
  return text;
}

std::string conversation_name(int conversation) { return "conv-" + std::to_string(conversation); }

std::string truncate_for_print(const std::string& text, size_t limit = 400) {
  std::string out = text.size() > limit ? text.substr(0, limit) + "..." : text;
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workloads

// A fixed list of calls spread over the connections; replies are kept in list order.
class ListWorkload : public Workload {
 public:
  explicit ListWorkload(std::vector<Outgoing> calls) : calls_(std::move(calls)), replies_(calls_.size()) {}

  bool next(int, Outgoing& out) override {
    size_t index = next_.fetch_add(1);
    if (index >= calls_.size()) return false;
    out = calls_[index];
    out.tag = index;
    return true;
  }
  void done(int, const Outgoing& out, Reply& reply) override { replies_[out.tag] = std::move(reply); }
  std::vector<Reply>& replies() { return replies_; }

 private:
  std::vector<Outgoing> calls_;
  std::vector<Reply> replies_;
  std::atomic<size_t> next_{0};
};

std::vector<Reply> call_all(const Options& opt, std::vector<Outgoing> calls, int connections) {
  if (calls.empty()) return {};
  ListWorkload list(std::move(calls));
  const int conns = std::max(1, std::min<int>(connections, static_cast<int>(list.replies().size())));
  run_workload(opt, list, conns, Clock::now() + std::chrono::seconds(3600));
  return std::move(list.replies());
}

// Shared by the measured workloads.
struct LoadState {
  std::vector<std::string> tokens;                 // access token per user
  std::vector<std::vector<int64_t>> existing_ids;  // per user, rows known to exist
  std::atomic<int64_t> next_id{0};                 // unique message ids across runs
};

// Base of the measured workloads: bounded by time and operation count, per-connection series.
class MeasuredWorkload : public Workload {
 public:
  MeasuredWorkload(const Options& opt, LoadState& state, std::string name,
                   std::vector<std::string> series_names)
      : opt_(opt), state_(state), name_(std::move(name)), series_names_(std::move(series_names)) {
    series_.resize(static_cast<size_t>(opt.connections));
    rngs_.reserve(static_cast<size_t>(opt.connections));
    const uint64_t salt = std::hash<std::string>{}(name_);
    for (int c = 0; c < opt.connections; ++c) {
      series_[static_cast<size_t>(c)].resize(series_names_.size());
      rngs_.emplace_back(opt.seed ^ salt ^ (static_cast<uint64_t>(c) * 0x9E3779B97F4A7C15ull));
    }
  }

  void on_start(Clock::time_point start) override {
    deadline_ = start + std::chrono::microseconds(static_cast<int64_t>(opt_.duration_s * 1e6));
  }

  // Prints one RESULT line per series; returns the number of failed requests.
  int64_t report(double duration_s) const {
    int64_t errors = 0;
    for (size_t s = 0; s < series_names_.size(); ++s) {
      Series merged;
      for (const auto& per_conn : series_) merged.merge(per_conn[s]);
      if (s == 0) errors = merged.errors;
      print_result(series_names_[s], std::move(merged), duration_s);
    }
    return errors;
  }

  const std::string& name() const { return name_; }

 protected:
  bool begin_op() {
    if (Clock::now() >= deadline_) return false;
    if (opt_.requests > 0 && ops_started_.fetch_add(1) >= opt_.requests) return false;
    return true;
  }

  int random_user(int conn) { return static_cast<int>(rng(conn)() % static_cast<uint64_t>(opt_.users)); }
  std::mt19937_64& rng(int conn) { return rngs_[static_cast<size_t>(conn)]; }

  void record(int conn, size_t series, bool ok, double latency_ms, double server_ms) {
    Series& s = series_[static_cast<size_t>(conn)][series];
    ++s.requests;
    if (!ok) {
      ++s.errors;
      return;
    }
    s.ok_latency_ms.push_back(latency_ms);
    if (server_ms >= 0) s.server_ms.push_back(server_ms);
  }

  void note_error(const Reply& reply, const char* what) {
    std::lock_guard lock(error_mu_);
    if (errors_printed_ >= opt_.show_errors) return;
    ++errors_printed_;
    std::printf("ERROR workload=%s request=%s http_status=%d latency_ms=%.3f body=%s\n", name_.c_str(), what,
                reply.http_status, reply.latency_ms, truncate_for_print(reply.body).c_str());
  }

  Outgoing insert_call(int user, int conversation, const std::string& table = "loadtest.messages") {
    const int64_t id = state_.next_id.fetch_add(1);
    Outgoing out =
        sql_call("INSERT INTO " + table + " (id, conversation_id, content) VALUES ($1, $2, $3)",
                 state_.tokens[static_cast<size_t>(user)],
                 json::array{id, conversation_name(conversation), make_content(id, opt_.content_bytes)});
    out.id = id;
    return out;
  }

  const Options& opt_;
  LoadState& state_;

 private:
  std::string name_;
  std::vector<std::string> series_names_;
  std::vector<std::vector<Series>> series_;  // [connection][series]
  std::vector<std::mt19937_64> rngs_;
  Clock::time_point deadline_{};
  std::atomic<int64_t> ops_started_{0};
  std::mutex error_mu_;
  int errors_printed_ = 0;
};

class InsertWorkload : public MeasuredWorkload {
 public:
  InsertWorkload(const Options& opt, LoadState& state) : MeasuredWorkload(opt, state, "insert", {"insert"}) {}

  bool next(int conn, Outgoing& out) override {
    if (!begin_op()) return false;
    const int user = random_user(conn);
    out = insert_call(user, static_cast<int>(rng(conn)() % static_cast<uint64_t>(opt_.conversations)));
    return true;
  }

  void done(int conn, const Outgoing&, Reply& reply) override {
    const bool ok = is_success(reply);
    if (!ok) note_error(reply, "insert");
    record(conn, 0, ok, reply.latency_ms, server_elapsed_ms(reply));
  }
};

class PointSelectWorkload : public MeasuredWorkload {
 public:
  PointSelectWorkload(const Options& opt, LoadState& state)
      : MeasuredWorkload(opt, state, "point-select", {"point-select"}) {}

  bool next(int conn, Outgoing& out) override {
    if (!begin_op()) return false;
    const int user = random_user(conn);
    const auto& ids = state_.existing_ids[static_cast<size_t>(user)];
    const int64_t id = ids[rng(conn)() % ids.size()];
    out = sql_call("SELECT id, content FROM loadtest.messages WHERE id = $1",
                   state_.tokens[static_cast<size_t>(user)], json::array{id});
    out.id = id;
    return true;
  }

  void done(int conn, const Outgoing& out, Reply& reply) override {
    bool ok = is_success(reply);
    if (ok && !returns_row(reply, out.id)) {
      ok = false;
      reply.body = "expected exactly the row id=" + std::to_string(out.id) + ", got: " + reply.body;
    }
    if (!ok) note_error(reply, "point-select");
    record(conn, 0, ok, reply.latency_ms, server_elapsed_ms(reply));
  }

 private:
  // True when the reply holds exactly one row whose first column is `id` (BIGINT as a string).
  static bool returns_row(const Reply& reply, int64_t id) {
    boost::system::error_code ec;
    json::value value = json::parse(reply.body, ec);
    if (ec) return false;
    const json::value* results = value.as_object().if_contains("results");
    if (results == nullptr || !results->is_array() || results->as_array().size() != 1) return false;
    const json::value* rows = results->as_array()[0].as_object().if_contains("rows");
    if (rows == nullptr || !rows->is_array() || rows->as_array().size() != 1) return false;
    const json::value& row = rows->as_array()[0];
    if (!row.is_array() || row.as_array().empty()) return false;
    const json::value& first = row.as_array()[0];
    return first.is_string() && first.get_string() == std::to_string(id);
  }
};

// GET /health: what the HTTP layer costs with the same client and connections (the
// ceiling a request that does nothing reaches).
class HealthWorkload : public MeasuredWorkload {
 public:
  HealthWorkload(const Options& opt, LoadState& state) : MeasuredWorkload(opt, state, "health", {"health"}) {}

  bool next(int, Outgoing& out) override {
    if (!begin_op()) return false;
    out = Outgoing{};
    out.method = http::verb::get;
    out.target = "/health";
    return true;
  }

  void done(int conn, const Outgoing&, Reply& reply) override {
    const bool ok = reply.transport_ok && reply.http_status == 200;
    if (!ok) note_error(reply, "health");
    record(conn, 0, ok, reply.latency_ms, -1);
  }
};

// One op = INSERT of one message into a conversation, then the conversation's latest 50.
class ChatWorkload : public MeasuredWorkload {
 public:
  ChatWorkload(const Options& opt, LoadState& state)
      : MeasuredWorkload(opt, state, "chat", {"chat", "chat.insert", "chat.select", "chat.op"}),
        conns_(static_cast<size_t>(opt.connections)) {}

  bool next(int conn, Outgoing& out) override {
    ConnState& cs = conns_[static_cast<size_t>(conn)];
    if (cs.select_pending) {
      cs.select_pending = false;
      out = sql_call("SELECT id, content FROM " + chat_table(opt_) +
                         " WHERE conversation_id = $1 ORDER BY id DESC LIMIT 50",
                     state_.tokens[static_cast<size_t>(cs.user)],
                     json::array{conversation_name(cs.conversation)});
      out.kind = kSelect;
      return true;
    }
    if (!begin_op()) return false;
    cs.user = random_user(conn);
    cs.conversation = static_cast<int>(rng(conn)() % static_cast<uint64_t>(opt_.conversations));
    cs.op_start = Clock::now();
    out = insert_call(cs.user, cs.conversation, chat_table(opt_));
    out.kind = kInsert;
    return true;
  }

  void done(int conn, const Outgoing& out, Reply& reply) override {
    ConnState& cs = conns_[static_cast<size_t>(conn)];
    const bool ok = is_success(reply);
    const double server_ms = server_elapsed_ms(reply);
    if (!ok) note_error(reply, out.kind == kInsert ? "chat.insert" : "chat.select");
    record(conn, 0, ok, reply.latency_ms, server_ms);
    record(conn, out.kind == kInsert ? 1 : 2, ok, reply.latency_ms, server_ms);
    if (out.kind == kInsert) {
      cs.op_ok = ok;
      cs.op_server_ms = server_ms;
      cs.select_pending = true;
    } else {
      const double op_ms = std::chrono::duration<double, std::milli>(Clock::now() - cs.op_start).count();
      const double op_server_ms = cs.op_server_ms >= 0 && server_ms >= 0 ? cs.op_server_ms + server_ms : -1;
      record(conn, 3, cs.op_ok && ok, op_ms, op_server_ms);
    }
  }

 private:
  static constexpr int kInsert = 1;
  static constexpr int kSelect = 2;
  struct ConnState {
    int user = 0;
    int conversation = 0;
    bool select_pending = false;
    bool op_ok = false;
    double op_server_ms = -1;
    Clock::time_point op_start;
  };
  std::vector<ConnState> conns_;
};

// ---------------------------------------------------------------------------------------------
// Setup

std::string user_name(int index) { return "load_u" + std::to_string(index); }

Outgoing login_call(const std::string& user, const std::string& password) {
  Outgoing out;
  out.target = kLoginPath;
  out.body = json::serialize(json::object{{"user", user}, {"password", password}});
  return out;
}

std::string access_token(const Reply& reply, const std::string& user) {
  if (reply.transport_ok && reply.http_status == 200) {
    boost::system::error_code ec;
    json::value value = json::parse(reply.body, ec);
    if (!ec && value.is_object()) {
      const json::value* token = value.as_object().if_contains("access_token");
      if (token != nullptr && token->is_string()) return std::string(token->get_string());
    }
  }
  die("login of '" + user + "' failed (HTTP " + std::to_string(reply.http_status) +
      "): " + truncate_for_print(reply.body));
}

void require_success(const Reply& reply, const std::string& what) {
  if (!is_success(reply)) {
    die(what + " failed (HTTP " + std::to_string(reply.http_status) + "): " + truncate_for_print(reply.body));
  }
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void run_setup(const Options& opt) {
  Clock::time_point start = Clock::now();
  const std::string root_token =
      access_token(call_all(opt, {login_call(opt.root_user, opt.root_password)}, 1).at(0), opt.root_user);
  const std::vector<std::string> ddl = {
      "CREATE NAMESPACE IF NOT EXISTS loadtest",
      "CREATE SHARED TABLE IF NOT EXISTS loadtest.kv (id BIGINT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = "
      "'PUBLIC')",
      "CREATE USER TABLE IF NOT EXISTS loadtest.messages (id BIGINT PRIMARY KEY, conversation_id TEXT NOT "
      "NULL, "
      "content TEXT, created_at TIMESTAMP DEFAULT NOW())",
      "CREATE USER TABLE IF NOT EXISTS loadtest.conversation_messages (conversation_id TEXT NOT NULL, id "
      "BIGINT, "
      "content TEXT, created_at TIMESTAMP DEFAULT NOW(), PRIMARY KEY (conversation_id, id))",
      // the chat select's index: per user (USER table), conversation, then id
      "CREATE INDEX IF NOT EXISTS messages_conversation ON loadtest.messages (conversation_id)",
  };
  for (const std::string& sql : ddl) {  // in order: each depends on the one before
    require_success(call_all(opt, {sql_call(sql, root_token)}, 1).at(0), sql);
  }
  std::vector<Outgoing> create_users;
  for (int u = 0; u < opt.users; ++u) {
    create_users.push_back(sql_call(
        "CREATE USER IF NOT EXISTS " + user_name(u) + " WITH PASSWORD " + quote_literal(opt.user_password),
        root_token));
  }
  std::vector<Reply> replies = call_all(opt, std::move(create_users), std::min(opt.connections, 4));
  for (int u = 0; u < opt.users; ++u)
    require_success(replies[static_cast<size_t>(u)], "CREATE USER " + user_name(u));
  std::printf("SETUP namespace=loadtest tables=kv,messages,conversation_messages users=%d seconds=%.3f\n",
              opt.users, seconds_since(start));
}

void login_users(const Options& opt, LoadState& state) {
  Clock::time_point start = Clock::now();
  std::vector<Outgoing> calls;
  for (int u = 0; u < opt.users; ++u) calls.push_back(login_call(user_name(u), opt.user_password));
  std::vector<Reply> replies = call_all(opt, std::move(calls), std::min(opt.connections, 4));
  state.tokens.clear();
  for (int u = 0; u < opt.users; ++u) {
    state.tokens.push_back(access_token(replies[static_cast<size_t>(u)], user_name(u)));
  }
  std::printf("LOGIN users=%d seconds=%.3f\n", opt.users, seconds_since(start));
}

// Writes --prepopulate rows per user (multi-row INSERTs of 100 rows) for point-select.
void prepopulate(const Options& opt, LoadState& state) {
  Clock::time_point start = Clock::now();
  constexpr int kBatch = 100;
  state.existing_ids.assign(static_cast<size_t>(opt.users), {});
  std::vector<Outgoing> calls;
  for (int u = 0; u < opt.users; ++u) {
    for (int first = 0; first < opt.prepopulate; first += kBatch) {
      std::string sql = "INSERT INTO loadtest.messages (id, conversation_id, content) VALUES ";
      for (int r = first; r < std::min(opt.prepopulate, first + kBatch); ++r) {
        const int64_t id = state.next_id.fetch_add(1);
        state.existing_ids[static_cast<size_t>(u)].push_back(id);
        if (r != first) sql += ", ";
        sql += "(" + std::to_string(id) + ", " + quote_literal(conversation_name(r % opt.conversations)) +
               ", " + quote_literal(make_content(id, opt.content_bytes)) + ")";
      }
      calls.push_back(sql_call(sql, state.tokens[static_cast<size_t>(u)]));
    }
  }
  const size_t batches = calls.size();
  std::vector<Reply> replies = call_all(opt, std::move(calls), std::min(opt.connections, 4));
  for (const Reply& reply : replies) require_success(reply, "pre-populating loadtest.messages");
  std::printf("PREPOPULATE rows=%" PRId64 " batches=%zu seconds=%.3f\n",
              static_cast<int64_t>(opt.users) * opt.prepopulate, batches, seconds_since(start));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // line by line, also into a pipe or file
  const Options opt = parse_options(argc, argv);
  std::printf("CONFIG url=%s workload=%s connections=%d duration_s=%.1f requests=%" PRId64
              " users=%d conversations=%d prepopulate=%d content_bytes=%d client_threads=%d\n",
              opt.url.c_str(), opt.workload.c_str(), opt.connections, opt.duration_s, opt.requests, opt.users,
              opt.conversations, opt.prepopulate, opt.content_bytes, opt.client_threads);
  std::fflush(stdout);

  LoadState state;
  // Ids start at the current time in microseconds: later runs against the same data never
  // reuse an id, since no run inserts more than one row per microsecond.
  state.next_id = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  if (opt.setup) run_setup(opt);
  login_users(opt, state);

  std::vector<std::string> workloads;
  if (opt.workload == "all") {
    workloads = {"insert", "point-select", "chat"};
  } else {
    workloads = {opt.workload};
  }
  int64_t total_errors = 0;
  for (const std::string& name : workloads) {
    if (name == "point-select" && state.existing_ids.empty()) prepopulate(opt, state);
    std::unique_ptr<MeasuredWorkload> workload;
    if (name == "insert") workload = std::make_unique<InsertWorkload>(opt, state);
    if (name == "point-select") workload = std::make_unique<PointSelectWorkload>(opt, state);
    if (name == "chat") workload = std::make_unique<ChatWorkload>(opt, state);
    if (name == "health") workload = std::make_unique<HealthWorkload>(opt, state);
    const double client_cpu_before = client_cpu_seconds();
    const double server_cpu_before = process_cpu_seconds(opt.server_pid);
    const double machine_before = machine_busy_seconds();
    const Clock::time_point hard_end =
        Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(opt.duration_s * 1000)) +
        std::chrono::milliseconds(static_cast<int64_t>(opt.timeout_s * 1000)) + std::chrono::seconds(5);
    const double duration_s = run_workload(opt, *workload, opt.connections, hard_end);
    total_errors += workload->report(duration_s);
    const double client_cpu = client_cpu_seconds() - client_cpu_before;
    const double machine_busy = machine_busy_seconds() - machine_before;
    // CPU seconds used during the run: this client, the server (with --server-pid), the
    // whole machine, and everything else on it (other processes competing for the cores).
    std::printf("CPU workload=%s client_cpu_s=%.2f", name.c_str(), client_cpu);
    double other = machine_busy - client_cpu;
    if (opt.server_pid > 0) {
      const double server_cpu = process_cpu_seconds(opt.server_pid) - server_cpu_before;
      std::printf(" server_cpu_s=%.2f", server_cpu);
      other -= server_cpu;
    }
    std::printf(" machine_busy_s=%.2f other_cpu_s=%.2f cores=%u wall_s=%.3f\n", machine_busy,
                std::max(0.0, other), std::thread::hardware_concurrency(), duration_s);
    std::fflush(stdout);
  }
  return total_errors == 0 ? 0 : 3;
}
