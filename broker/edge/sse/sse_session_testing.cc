#include "broker/edge/sse/sse_session_testing.h"

#include <optional>
#include <utility>

#include "broker/edge/sse/sse_session_impl.h"

namespace herald::edge::sse {

namespace {

// Where the opening of `received` ends, once all of it is there.
std::optional<size_t> OpeningEnd(std::string_view received) {
  const size_t id = received.find("\n\nid: ");
  if (id == received.npos) return std::nullopt;
  const size_t end = received.find("\n\n", id + 2);
  if (end == received.npos) return std::nullopt;
  return end + 2;
}

}  // namespace

testing::Peer& OpenSse(testing::SessionHarness& harness, const std::string& target,
                       testing::ConnectionOptions options) {
  const Request request(boost::beast::http::verb::get, target, 11);
  return harness.Connect(
      [&request](const SessionContext& context, testing::SessionStream stream,
                 ConnectionLease lease) {
        internal::StartSseSession(context, nullptr, std::move(stream), request, std::move(lease));
      },
      options);
}

size_t WaitForOpening(testing::Peer& peer) {
  if (!peer.WaitUntil(
          [](std::string_view received, bool) { return OpeningEnd(received).has_value(); })) {
    return 0;
  }
  return *OpeningEnd(peer.received());
}

std::vector<std::string> EventData(std::string_view received) {
  std::vector<std::string> events;
  std::string data;
  bool has_data = false;
  for (size_t end = received.find('\n'); end != received.npos; end = received.find('\n')) {
    const std::string_view line = received.substr(0, end);
    received.remove_prefix(end + 1);
    if (line.empty()) {
      if (has_data) events.push_back(std::move(data));
      data.clear();
      has_data = false;
    } else if (line.starts_with("data: ")) {
      if (has_data) data.push_back('\n');
      data.append(line.substr(6));
      has_data = true;
    }
  }
  return events;
}

size_t Occurrences(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != text.npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace herald::edge::sse
