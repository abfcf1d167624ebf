#include "broker/edge/http_request.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "boost/asio/error.hpp"
#include "boost/asio/ssl/error.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http/error.hpp"

namespace herald::edge {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::vector<std::string> RequestTarget::All(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query) {
    if (key == name) values.push_back(value);
  }
  return values;
}

std::optional<std::string> RequestTarget::First(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

RequestTarget ParseTarget(std::string_view target) {
  RequestTarget result;
  const size_t question = target.find('?');
  result.path = PercentDecode(target.substr(0, question), /*plus_is_space=*/false);
  if (question == std::string_view::npos) return result;
  std::string_view query = target.substr(question + 1);
  // A fragment never reaches a server, but a hand-written client may send one.
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : PercentDecode(pair.substr(eq + 1), /*plus_is_space=*/true);
    result.query.emplace_back(std::move(name), std::move(value));
  }
  return result;
}

bool IsOriginAllowed(const std::vector<std::string>& allowed, std::string_view origin) {
  if (allowed.empty()) return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [origin](const std::string& a) { return a == "*" || a == origin; });
}

boost::asio::ip::tcp::endpoint PeerOf(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  return socket.remote_endpoint(ignored);
}

std::string FormatPeer(const boost::asio::ip::tcp::endpoint& peer) {
  return absl::StrFormat("ipv%d:%s:%d", peer.address().is_v4() ? 4 : 6, peer.address().to_string(),
                         peer.port());
}

absl::Status CheckOrigin(const std::vector<std::string>& allowed, std::string_view origin) {
  if (IsOriginAllowed(allowed, origin)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrFormat(
      "origin '%s' is not allowed on this server; add it to the allowed origins", origin));
}

bool IsValidWebSocketKey(std::string_view key) {
  // 16 bytes encode to 22 characters and "==" padding; the last character carries only
  // two meaningful bits, so it must be one of the four letters whose low bits are zero.
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  if (!std::all_of(key.begin(), key.begin() + 22, IsBase64Char)) return false;
  return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

bool IsExpectedClose(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  return ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::not_connected || ec == asio::error::bad_descriptor ||
         ec == asio::ssl::error::stream_truncated || ec == boost::beast::http::error::end_of_stream;
}

}  // namespace herald::edge
