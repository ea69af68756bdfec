// The ceiling of the HTTP benchmarks (bench/http_ceiling.sh): the least an HTTP/1.1
// keep-alive server can do on this machine. One epoll loop per thread on its own
// SO_REUSEPORT listening socket; every complete request (headers up to CRLFCRLF, plus a
// Content-Length body) is answered with the same 15-byte JSON body. No routing, no
// parsing beyond finding the end of each request, pipelined requests answered in order.
//
//   raw_http_responder [--port P] [--threads N]     (127.0.0.1 only; runs until killed)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}";

struct Connection {
  std::string in;   // bytes received, not yet answered
  std::string out;  // bytes to send
};

// Case-insensitive search of a header's value in [head, head + size).
size_t content_length(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (size_t pos = 0; pos + kName.size() <= head.size(); ++pos) {
    size_t idx = 0;
    while (idx < kName.size() && std::tolower(static_cast<unsigned char>(head[pos + idx])) == kName[idx])
      ++idx;
    if (idx == kName.size()) return std::strtoull(head.data() + pos + kName.size(), nullptr, 10);
  }
  return 0;
}

int listen_on(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 1024) != 0) {
    std::perror("raw_http_responder: bind/listen");
    std::exit(1);
  }
  return fd;
}

// Sends what it can of `conn.out`; false when the connection failed.
bool flush(int fd, Connection& conn) {
  while (!conn.out.empty()) {
    ssize_t sent = send(fd, conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
    if (sent < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    conn.out.erase(0, static_cast<size_t>(sent));
  }
  return true;
}

void serve(uint16_t port) {
  int listener = listen_on(port);
  int epoll = epoll_create1(0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  std::vector<Connection> connections(1024);
  std::vector<epoll_event> events(256);
  char buffer[16384];
  for (;;) {
    int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
    for (int idx = 0; idx < ready; ++idx) {
      int fd = events[idx].data.fd;
      if (fd == listener) {
        for (;;) {
          int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (client < 0) break;
          int one = 1;
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          epoll_event client_event{};
          client_event.events = EPOLLIN | EPOLLRDHUP;
          client_event.data.fd = client;
          epoll_ctl(epoll, EPOLL_CTL_ADD, client, &client_event);
          if (static_cast<size_t>(client) >= connections.size())
            connections.resize(static_cast<size_t>(client) * 2);
          connections[static_cast<size_t>(client)] = Connection{};
        }
        continue;
      }
      Connection& conn = connections[static_cast<size_t>(fd)];
      // One recv per readiness event (epoll is level-triggered: what is left wakes us again).
      ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
      bool alive = got > 0 || (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
      if (got > 0) conn.in.append(buffer, static_cast<size_t>(got));
      // Answer every complete request in the buffer.
      for (;;) {
        size_t end = conn.in.find("\r\n\r\n");
        if (end == std::string::npos) break;
        size_t total = end + 4 + content_length(std::string_view(conn.in).substr(0, end + 2));
        if (conn.in.size() < total) break;
        conn.in.erase(0, total);
        conn.out.append(kResponse);
      }
      if (alive) alive = flush(fd, conn);
      if (!alive) {
        close(fd);
        conn = Connection{};
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint16_t port = 18080;
  unsigned threads = 2;
  for (int idx = 1; idx + 1 < argc; idx += 2) {
    if (std::strcmp(argv[idx], "--port") == 0) port = static_cast<uint16_t>(std::atoi(argv[idx + 1]));
    if (std::strcmp(argv[idx], "--threads") == 0) threads = static_cast<unsigned>(std::atoi(argv[idx + 1]));
  }
  std::vector<std::thread> workers;
  for (unsigned idx = 0; idx < (threads == 0 ? 1 : threads); ++idx) workers.emplace_back(serve, port);
  for (std::thread& worker : workers) worker.join();
}
