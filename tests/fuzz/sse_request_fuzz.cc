// ParseSseRequest takes a browser's query string and Last-Event-ID header. The input is the
// query, then after the first LF the header. What it accepts is a request the session can
// serve as is: named topics, valid and distinct, within the limit.
#include <algorithm>
#include <string>
#include <string_view>

#include "broker/core/topic.h"
#include "broker/edge/sse/sse_request.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  herald::edge::Request request(boost::beast::http::verb::get,
                                std::string("/v1/sse?").append(input.substr(0, newline)), 11);
  if (newline != std::string_view::npos) {
    std::string header(input.substr(newline + 1));
    // A header value cannot hold a line break or NUL on the wire.
    std::erase_if(header, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
    request.set("Last-Event-ID", header);
  }
  herald::edge::EdgeOptions options;
  options.max_topics_per_subscription = 4;
  absl::StatusOr<herald::edge::sse::SseRequest> parsed =
      herald::edge::sse::ParseSseRequest(options, request);
  if (!parsed.ok()) {
    HERALD_FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument,
                      "a bad request is InvalidArgument (no Origin here)");
    HERALD_FUZZ_CHECK(!parsed.status().message().empty(), "a bad request says why");
    return 0;
  }
  HERALD_FUZZ_CHECK(!parsed->topics.empty() && parsed->topics.size() <= 4,
                    "between one topic and the limit");
  std::vector<std::string> sorted = parsed->topics;
  std::sort(sorted.begin(), sorted.end());
  HERALD_FUZZ_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
                    "no topic twice");
  for (const std::string& topic : parsed->topics) {
    HERALD_FUZZ_CHECK(herald::ValidateTopicName(topic).ok(), "every topic name is valid");
  }
  return 0;
}
