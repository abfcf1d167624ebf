// herald_rawserver: the baseline the load tool measures Herald and nchan against, the least a
// server can do for a fan-out scenario. One thread, one epoll loop, plain POSIX sockets; each
// published event is formatted once and written with one send() to every subscriber. No
// topics, no history, no queues: a subscriber whose socket cannot take an event at once is
// dropped (its client reconnects and counts the events it missed as lost).
//
//   herald_rawserver PORT            listens on 127.0.0.1:PORT until SIGTERM or SIGINT
//   GET  /v1/sse?...                 200 text/event-stream; the connection is a subscriber
//   POST <any path>                  the body is an event's data; 200, then the fan-out
//   GET  /healthz                    200
//
// Events go out as "id: <n>\ndata: <body>\n\n" with n = 1, 2, ...; a Last-Event-ID is ignored.
// Publishes may be pipelined on a keep-alive connection, as herald_loadgen --publish_url does.
// Each is acknowledged before its fan-out, as a broker acknowledges an append: the publisher
// keeps its pace, so a fan-out slower than the publish rate shows as latency, not as fewer
// events published.
#include <signal.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <vector>

namespace herald::load {
namespace {

constexpr std::string_view kSseHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
constexpr std::string_view kNotFound = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
// A client that sends more than this without completing a request is closed.
constexpr size_t kMaxRequestBytes = 1 << 20;

// One HTTP/1.1 request at the front of a connection's input; views into that input.
struct Request {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  size_t size = 0;  // bytes of head and body
};

bool StartsWithNoCase(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != lower_prefix[i]) return false;
  }
  return true;
}

// The request at the front of `in`; nothing until all of it has arrived. A body is framed by
// Content-Length only (no chunked uploads): that is how the load tool publishes.
std::optional<Request> TakeRequest(std::string_view in) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return std::nullopt;
  std::string_view head = in.substr(0, head_end + 2);
  Request request;
  const size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.find(' ', sp1 + 1);
  request.method = line.substr(0, sp1);
  if (sp1 != std::string_view::npos) request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t length = 0;
  for (head.remove_prefix(line_end + 2); !head.empty();) {
    const size_t end = head.find("\r\n");
    const std::string_view field = head.substr(0, end);
    head.remove_prefix(end + 2);
    if (!StartsWithNoCase(field, "content-length:")) continue;
    std::string_view value = field.substr(15);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    std::from_chars(value.data(), value.data() + value.size(), length);
  }
  const size_t body_start = head_end + 4;
  if (in.size() - body_start < length) return std::nullopt;
  request.body = in.substr(body_start, length);
  request.size = body_start + length;
  return request;
}

struct Connection {
  std::string in;  // received bytes not yet handled as requests
  bool subscriber = false;
  size_t subscriber_index = 0;  // its place in RawServer::subscribers_ while a subscriber
};

// The server. Single-threaded: everything runs in Run()'s loop.
class RawServer {
 public:
  // False (errno set) when the port cannot be listened on.
  bool Listen(uint16_t port) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener_ < 0) return false;
    const int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      return false;
    }
    // Scenario B connects 10,000 subscribers in bursts of --connect_concurrency.
    if (listen(listener_, 16384) != 0) return false;
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    signals_ = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
    return epoll_ >= 0 && signals_ >= 0 && Watch(listener_) && Watch(signals_);
  }

  // Serves until SIGTERM or SIGINT, then reports what it did on stderr.
  void Run() {
    epoll_event events[256];
    while (true) {
      const int n = epoll_wait(epoll_, events, 256, -1);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == signals_) {
          std::fprintf(stderr, "herald_rawserver: %llu events, %llu subscribers dropped\n",
                       static_cast<unsigned long long>(next_id_ - 1),
                       static_cast<unsigned long long>(dropped_));
          return;
        }
        if (fd == listener_) {
          Accept();
        } else {
          Read(fd);
        }
      }
    }
  }

 private:
  // Level-triggered: a socket with unread input is reported again by the next epoll_wait.
  bool Watch(int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void Accept() {
    while (true) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      // Events are small writes that must leave at once, not wait for the previous one's ACK.
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (!Watch(fd)) {
        close(fd);
        continue;
      }
      if (connections_.size() <= static_cast<size_t>(fd)) connections_.resize(fd + 1);
      connections_[fd] = std::make_unique<Connection>();
    }
  }

  // One read per readiness report (level-triggered, so the rest comes on the next round).
  void Read(int fd) {
    if (static_cast<size_t>(fd) >= connections_.size() || !connections_[fd]) return;
    Connection& connection = *connections_[fd];
    char buffer[64 * 1024];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      Close(fd);
      return;
    }
    // A subscriber has nothing more to say; only its end of stream matters.
    if (connection.subscriber) return;
    connection.in.append(buffer, static_cast<size_t>(n));
    HandleRequests(fd, connection);
  }

  void HandleRequests(int fd, Connection& connection) {
    size_t used = 0;
    bool ok = true;
    while (std::optional<Request> request =
               TakeRequest(std::string_view(connection.in).substr(used))) {
      used += request->size;
      if (request->method == "POST") {
        ok = WriteAll(fd, kOk);
        if (!ok) break;
        Publish(request->body);
      } else if (request->method == "GET" && request->target.starts_with("/v1/sse")) {
        connection.subscriber = true;
        connection.subscriber_index = subscribers_.size();
        subscribers_.push_back(fd);
        ok = WriteAll(fd, kSseHead);
        break;
      } else {
        ok = WriteAll(fd,
                      request->method == "GET" && request->target == "/healthz" ? kOk : kNotFound);
        if (!ok) break;
      }
    }
    connection.in.erase(0, used);
    if (connection.subscriber) connection.in = std::string();
    // A client that cannot take a short reply at once is treated as a full subscriber is.
    if (!ok || connection.in.size() > kMaxRequestBytes) Close(fd);
  }

  // Fast path: the event's bytes are built once and each subscriber costs one send().
  void Publish(std::string_view data) {
    event_ = "id: " + std::to_string(next_id_++) + "\ndata: ";
    event_.append(data);
    event_.append("\n\n");
    for (size_t i = 0; i < subscribers_.size();) {
      const int fd = subscribers_[i];
      if (WriteAll(fd, event_)) {
        ++i;
      } else {
        // A partial write would leave half an event in the stream: drop the subscriber.
        ++dropped_;
        Close(fd);  // moves the last subscriber into place i
      }
    }
  }

  // False unless all of `bytes` went into the socket at once.
  static bool WriteAll(int fd, std::string_view bytes) {
    if (bytes.empty()) return true;
    return send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }

  void Close(int fd) {
    const Connection& connection = *connections_[fd];
    if (connection.subscriber) {
      const int last = subscribers_.back();
      subscribers_[connection.subscriber_index] = last;
      connections_[last]->subscriber_index = connection.subscriber_index;
      subscribers_.pop_back();
    }
    close(fd);
    connections_[fd].reset();
  }

  int listener_ = -1;
  int epoll_ = -1;
  int signals_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;  // indexed by fd
  std::vector<int> subscribers_;                          // fds, in no order
  // The event being fanned out; its capacity is reused.
  std::string event_;
  uint64_t next_id_ = 1;
  uint64_t dropped_ = 0;
};

}  // namespace
}  // namespace herald::load

int main(int argc, char** argv) {
  uint16_t port = 0;
  const std::string_view arg = argc == 2 ? argv[1] : "";
  if (std::from_chars(arg.data(), arg.data() + arg.size(), port).ec != std::errc() || port == 0) {
    std::fprintf(stderr, "usage: herald_rawserver PORT\n");
    return 2;
  }
  herald::load::RawServer server;
  if (!server.Listen(port)) {
    std::fprintf(stderr, "herald_rawserver: port %u: %s\n", port, std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "herald_rawserver: listening on 127.0.0.1:%u\n", port);
  server.Run();
  return 0;
}
