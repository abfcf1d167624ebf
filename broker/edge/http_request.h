// Pure pieces of HTTP request handling shared by the edge's routes: request targets and
// query strings, the Origin allow-list, the WebSocket key check, and which socket errors are
// a connection's normal end. No I/O.
//
//   RequestTarget target = ParseTarget("/v1/sse?topic=a&topic=b%2Fc");
//   target.path == "/v1/sse";  target.All("topic") == {"a", "b/c"}
#ifndef HERALD_BROKER_EDGE_HTTP_REQUEST_H_
#define HERALD_BROKER_EDGE_HTTP_REQUEST_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/system/error_code.hpp"

namespace herald::edge {

struct RequestTarget {
  std::string path;
  // Decoded name/value pairs in request order; names may repeat.
  std::vector<std::pair<std::string, std::string>> query;

  // Every value of `name`, in order.
  std::vector<std::string> All(std::string_view name) const;
  // The first value of `name`.
  std::optional<std::string> First(std::string_view name) const;
};

// Splits `target` at '?' and decodes the query ('+' is a space, %XX a byte). A malformed
// escape is kept literally: the values it produces are then rejected by whoever validates
// them (a topic name, a cursor), with a message naming the value.
RequestTarget ParseTarget(std::string_view target);

// Decodes %XX escapes and, when `plus_is_space`, '+'.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// True when `origin` may use the edge: `allowed` is empty (no allow-list), holds "*", or
// holds `origin` exactly (scheme, host and port, as browsers send it).
bool IsOriginAllowed(const std::vector<std::string>& allowed, std::string_view origin);
// The connected peer's address (unspecified when the socket has none).
boost::asio::ip::tcp::endpoint PeerOf(const boost::asio::ip::tcp::socket& socket);
// "ipv4:127.0.0.1:5000", as gRPC names its peers, so listings read alike.
std::string FormatPeer(const boost::asio::ip::tcp::endpoint& peer);

// PermissionDenied, saying what to do, unless IsOriginAllowed(). Requests that may come
// without an Origin (not from a browser page) check only a non-empty one.
absl::Status CheckOrigin(const std::vector<std::string>& allowed, std::string_view origin);

// RFC 6455 4.2.1: Sec-WebSocket-Key must be base64 of 16 bytes (24 characters, "==" at the
// end).
bool IsValidWebSocketKey(std::string_view key);

// The ways a connection normally ends (peer closed, we cancelled, end of stream); errors that
// are not counted as failures.
bool IsExpectedClose(const boost::system::error_code& ec);

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_HTTP_REQUEST_H_
