// An incremental reader of an HTTP/1.1 response carrying an event stream: the status line and
// headers, a chunked or close-delimited body, and the WHATWG event-stream format inside it.
// Bytes may arrive split anywhere. Used by the load tool; no I/O.
//
//   SseStreamParser parser([](const SseEvent& e) { ... });
//   if (!parser.Feed(bytes)) fail(parser.error());
#ifndef HERALD_TESTS_LOAD_SSE_STREAM_PARSER_H_
#define HERALD_TESTS_LOAD_SSE_STREAM_PARSER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace herald::load {

struct SseEvent {
  std::string_view id;
  std::string_view type;
  // Data lines joined with '\n', as EventSource's MessageEvent.data.
  std::string_view data;
};

class SseStreamParser {
 public:
  using EventCallback = std::function<void(const SseEvent&)>;

  explicit SseStreamParser(EventCallback on_event) : on_event_(std::move(on_event)) {}

  // Consumes `bytes`; false once the stream is malformed (see error()).
  bool Feed(std::string_view bytes);

  int status() const { return status_; }
  bool headers_done() const { return state_ != State::kHeaders; }
  const std::string& error() const { return error_; }
  uint64_t comments() const { return comments_; }

 private:
  enum class State { kHeaders, kChunkSize, kChunkData, kChunkDataEnd, kBody, kFailed };

  bool ParseHeaders();
  bool Fail(std::string why);
  void FeedBody(std::string_view bytes);
  void Line(std::string_view line);

  EventCallback on_event_;
  State state_ = State::kHeaders;
  std::string head_;
  int status_ = 0;
  bool chunked_ = false;
  uint64_t chunk_left_ = 0;
  std::string chunk_size_line_;
  // Event-stream state.
  std::string line_;
  bool last_was_cr_ = false;
  std::string id_;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  uint64_t comments_ = 0;
  std::string error_;
};

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_SSE_STREAM_PARSER_H_
