#include "tests/testing/sse_client.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace herald::testing {

absl::StatusOr<std::unique_ptr<SseClient>> SseClient::Connect(
    uint16_t port, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, int receive_buffer_bytes,
    const std::string& local_address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::UnavailableError("socket() failed");
  std::unique_ptr<SseClient> client(new SseClient(fd));
  if (receive_buffer_bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
  }
  if (!local_address.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, local_address.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot bind to ", local_address));
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port));
  }
  std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                                     "Accept: text/event-stream\r\nConnection: close\r\n");
  for (const auto& [name, value] : headers) absl::StrAppend(&request, name, ": ", value, "\r\n");
  request += "\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError("cannot send the request");
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  size_t end;
  while ((end = client->buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!client->Fill(deadline)) return absl::UnavailableError("no response head");
  }
  client->head_ = client->buffer_.substr(0, end + 4);
  client->buffer_.erase(0, end + 4);
  // "HTTP/1.1 200 OK"
  if (client->head_.size() < 12 ||
      !absl::SimpleAtoi(client->head_.substr(9, 3), &client->status_)) {
    return absl::UnavailableError(absl::StrCat("bad status line: ", client->head_));
  }
  return client;
}

SseClient::~SseClient() { ::close(fd_); }

bool SseClient::Fill(absl::Time deadline) {
  if (closed_) return false;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) return false;
  char chunk[64 << 10];
  const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> SseClient::TakeLine() {
  const size_t end = buffer_.find_first_of("\r\n");
  if (end == std::string::npos) return std::nullopt;
  size_t next = end + 1;
  if (buffer_[end] == '\r') {
    // A CR at the end of what arrived may be the first half of a CRLF.
    if (next == buffer_.size() && !closed_) return std::nullopt;
    if (next < buffer_.size() && buffer_[next] == '\n') ++next;
  }
  std::string line = buffer_.substr(0, end);
  buffer_.erase(0, next);
  return line;
}

std::optional<SseEvent> SseClient::Next(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::optional<std::string> line = TakeLine();
    if (!line) {
      if (!Fill(deadline)) return std::nullopt;
      continue;
    }
    if (line->empty()) {
      if (!has_data_) {
        type_.clear();
        continue;
      }
      SseEvent event{last_id_, type_.empty() ? "message" : type_, data_};
      type_.clear();
      data_.clear();
      has_data_ = false;
      return event;
    }
    if ((*line)[0] == ':') {
      comments_.push_back(line->substr(1));
      continue;
    }
    const size_t colon = line->find(':');
    const std::string field = line->substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line->substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (field == "data") {
      if (has_data_) data_ += '\n';
      data_ += value;
      has_data_ = true;
    } else if (field == "event") {
      type_ = value;
    } else if (field == "id") {
      if (value.find('\0') == std::string::npos) last_id_ = value;
    } else if (field == "retry") {
      int ms;
      if (!value.empty() && std::all_of(value.begin(), value.end(), ::isdigit) &&
          absl::SimpleAtoi(value, &ms)) {
        retry_ = ms;
      }
    }
  }
}

std::string SseClient::ReadToEnd(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (Fill(deadline)) {
  }
  return std::exchange(buffer_, {});
}

}  // namespace herald::testing
