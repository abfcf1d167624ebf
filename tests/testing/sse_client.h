// A blocking Server-Sent Events client for tests: raw TCP, an HTTP/1.1 GET, and a parser of
// the event stream that follows the WHATWG rules (CR, LF and CRLF line endings; `data:`
// lines joined by LF; a blank line dispatches; comments kept for heartbeat checks).
//
//   absl::StatusOr<std::unique_ptr<SseClient>> client =
//       SseClient::Connect(port, "/v1/sse?topic=a", {{"Last-Event-ID", cursor}});
//   ASSERT_EQ((*client)->status(), 200);
//   std::optional<SseEvent> event = (*client)->Next(absl::Seconds(5));
#ifndef HERALD_TESTS_TESTING_SSE_CLIENT_H_
#define HERALD_TESTS_TESTING_SSE_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace herald::testing {

struct SseEvent {
  // The last event id in effect when the event was dispatched.
  std::string id;
  // "message" when the stream named no type.
  std::string type;
  std::string data;
};

// Distinct objects: safe. Shared objects: unsafe.
class SseClient {
 public:
  // Connects to 127.0.0.1:`port` (from `local_address` when set, e.g. "127.0.0.2" to be
  // another client), sends `GET target` with `headers`, and reads the response head.
  // Unavailable when it cannot connect or the head does not arrive in 5 s.
  static absl::StatusOr<std::unique_ptr<SseClient>> Connect(
      uint16_t port, const std::string& target,
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      int receive_buffer_bytes = 0, const std::string& local_address = "");
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }
  // The response head, status line to blank line.
  const std::string& head() const { return head_; }

  // The next event, or nullopt when none is dispatched within `timeout` or the server closed.
  std::optional<SseEvent> Next(absl::Duration timeout);
  // The rest of the body until the server closes (for error responses).
  std::string ReadToEnd(absl::Duration timeout);
  // Comment lines seen so far, without the leading ':'.
  const std::vector<std::string>& comments() const { return comments_; }
  // The last `retry:` value seen, in milliseconds.
  std::optional<int> retry() const { return retry_; }
  // True once the server closed the stream.
  bool closed() const { return closed_; }

 private:
  explicit SseClient(int fd) : fd_(fd) {}
  // Reads more bytes into buffer_; false on timeout or close.
  bool Fill(absl::Time deadline);
  // Takes one complete line out of buffer_.
  std::optional<std::string> TakeLine();

  int fd_;
  int status_ = 0;
  std::string head_;
  std::string buffer_;
  std::vector<std::string> comments_;
  std::optional<int> retry_;
  std::string last_id_;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  bool closed_ = false;
};

}  // namespace herald::testing

#endif  // HERALD_TESTS_TESTING_SSE_CLIENT_H_
