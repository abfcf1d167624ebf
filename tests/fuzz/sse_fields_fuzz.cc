// EncodeSseFields writes every SSE event. Read back as a browser reads a stream, split
// anywhere, it is exactly one event with its name and its data: line breaks (CR, LF, CRLF)
// as LF when the data is UTF-8, else the data base64-encoded.
// Input: event name NUL data (the data may hold NULs), then the split point from its size.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "broker/core/string_view.h"
#include "broker/core/topic.h"
#include "broker/core/utf8.h"
#include "broker/wire/sse.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/load/sse_stream_parser.h"

namespace {

// What EventSource makes of data lines: CR, LF and CRLF all end a line; lines join with LF.
std::string NormalizeLineBreaks(std::string_view data) {
  std::string out;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
    } else {
      out.push_back(data[i]);
    }
  }
  return out;
}

struct Received {
  std::string type;
  std::string data;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const size_t nul = input.find('\0');
  const std::string_view type = input.substr(0, nul);
  const std::string_view data =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  // Event names are validated before they get here.
  if (!herald::ValidateEventType(type).ok()) return 0;

  const std::string stream = std::string("HTTP/1.1 200 OK\r\n\r\n") +
                             herald::wire::EncodeSseId("c") +
                             herald::wire::EncodeSseFields(type, data);
  std::vector<Received> events;
  herald::load::SseStreamParser parser([&events](const herald::load::SseEvent& event) {
    events.push_back({std::string(event.type), std::string(event.data)});
  });
  const size_t split = stream.size() == 0 ? 0 : size % stream.size();
  HERALD_FUZZ_CHECK(parser.Feed(std::string_view(stream).substr(0, split)) &&
                        parser.Feed(std::string_view(stream).substr(split)),
                    "the stream parses");
  HERALD_FUZZ_CHECK(events.size() == 1, "exactly one event");
  HERALD_FUZZ_CHECK(events[0].type == (type.empty() ? "message" : type), "the event name");
  if (herald::IsValidUtf8(data)) {
    HERALD_FUZZ_CHECK(events[0].data == NormalizeLineBreaks(data), "UTF-8 data, line by line");
  } else {
    std::string decoded;
    HERALD_FUZZ_CHECK(absl::Base64Unescape(herald::AbslView(events[0].data), &decoded),
                      "binary data is base64");
    HERALD_FUZZ_CHECK(decoded == data, "binary data round-trips");
  }
  return 0;
}
