#include "broker/edge/ws/ws_handshake.h"

#include <array>
#include <openssl/evp.h>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "broker/core/string_view.h"
#include "broker/edge/http_request.h"
#include "broker/wire/ws_frames.h"

namespace herald::edge::ws {

namespace http = boost::beast::http;

namespace {

// RFC 6455 1.3: the GUID every server appends to the client's key.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

absl::string_view Trimmed(absl::string_view text) { return absl::StripAsciiWhitespace(text); }

// A window size parameter's value: 8 to 15, bare or quoted (RFC 7692 7.1.2).
std::optional<int> WindowBits(absl::string_view value) {
  value = Trimmed(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  int bits = 0;
  if (!absl::SimpleAtoi(value, &bits) || bits < 8 || bits > 15) return std::nullopt;
  return bits;
}

// Whether one permessage-deflate offer's parameters are valid (RFC 7692 7: known, each at
// most once, values in range) and leave the server a window for the shared frames.
bool AcceptsOffer(const std::vector<absl::string_view>& params) {
  bool server_no_context = false, client_no_context = false;
  bool server_window = false, client_window = false;
  for (absl::string_view param : params) {
    const size_t equals = param.find('=');
    const absl::string_view name = Trimmed(param.substr(0, equals));
    const std::optional<absl::string_view> value =
        equals == absl::string_view::npos ? std::nullopt : std::optional(param.substr(equals + 1));
    bool* seen = nullptr;
    if (absl::EqualsIgnoreCase(name, "server_no_context_takeover")) {
      if (value) return false;
      seen = &server_no_context;
    } else if (absl::EqualsIgnoreCase(name, "client_no_context_takeover")) {
      if (value) return false;
      seen = &client_no_context;
    } else if (absl::EqualsIgnoreCase(name, "server_max_window_bits")) {
      // A window smaller than the one events are compressed with would exclude them.
      const std::optional<int> bits = value ? WindowBits(*value) : std::nullopt;
      if (!bits || *bits < wire::kWsDeflateWindowBits) return false;
      seen = &server_window;
    } else if (absl::EqualsIgnoreCase(name, "client_max_window_bits")) {
      // Any client window inflates (the server's inflater has 15 bits): the value only needs
      // to be valid.
      if (value && !WindowBits(*value)) return false;
      seen = &client_window;
    } else {
      return false;
    }
    if (*seen) return false;
    *seen = true;
  }
  return true;
}

}  // namespace

bool OffersSubprotocol(std::string_view header) {
  for (absl::string_view item : absl::StrSplit(AbslView(header), ',')) {
    if (StdView(Trimmed(item)) == kSubprotocol) return true;
  }
  return false;
}

std::optional<Response> RefuseUpgrade(const EdgeOptions& options, EdgeMetrics& metrics,
                                      const Request& request) {
  auto refuse = [&](http::status status, std::string why, Refusal refusal) {
    metrics.Refuse(refusal);
    return TextResponse(request.version(), false, status, std::move(why));
  };
  if (request[http::field::host].empty()) {
    return refuse(http::status::bad_request, "an upgrade request needs a Host header",
                  Refusal::kBadRequest);
  }
  const std::string_view key = request[http::field::sec_websocket_key];
  if (!IsValidWebSocketKey(key)) {
    return refuse(http::status::bad_request,
                  "Sec-WebSocket-Key must be the base64 of 16 random bytes", Refusal::kBadRequest);
  }
  const std::string_view version = request[http::field::sec_websocket_version];
  if (version.empty()) {
    return refuse(http::status::bad_request, "an upgrade request needs Sec-WebSocket-Version: 13",
                  Refusal::kBadRequest);
  }
  if (Trimmed(AbslView(version)) != AbslView(kWebSocketVersion)) {
    Response response =
        refuse(http::status::upgrade_required, "this server speaks WebSocket version 13 (RFC 6455)",
               Refusal::kBadRequest);
    response.set(http::field::sec_websocket_version, kWebSocketVersion);
    return response;
  }
  if (const std::string_view origin = request[http::field::origin]; !origin.empty()) {
    if (absl::Status allowed = CheckOrigin(options.allowed_origins, origin); !allowed.ok()) {
      return refuse(http::status::forbidden, std::string(allowed.message()), Refusal::kOrigin);
    }
  }
  return std::nullopt;
}

std::string WsAcceptKey(std::string_view key) {
  const std::string keyed = absl::StrCat(AbslView(key), AbslView(kAcceptGuid));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(keyed.data(), keyed.size(), digest.data(), &size, EVP_sha1(), nullptr);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(digest.data()), size));
}

std::optional<std::string> NegotiateDeflate(std::string_view offers) {
  for (absl::string_view offer : absl::StrSplit(AbslView(offers), ',')) {
    std::vector<absl::string_view> params = absl::StrSplit(offer, ';');
    if (!absl::EqualsIgnoreCase(Trimmed(params.front()), "permessage-deflate")) continue;
    params.erase(params.begin());
    if (!AcceptsOffer(params)) continue;
    // The server may always ask the client to compress each message on its own (RFC 7692
    // 7.1.1.2): then no connection keeps inflate state between messages.
    return absl::StrCat(
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=",
        wire::kWsDeflateWindowBits);
  }
  return std::nullopt;
}

Handshake AcceptUpgrade(const Request& request) {
  std::string offers;
  const auto [begin, end] = request.equal_range(http::field::sec_websocket_extensions);
  for (auto field = begin; field != end; ++field) {
    absl::StrAppend(&offers, offers.empty() ? "" : ",", AbslView(field->value()));
  }
  const std::optional<std::string> deflate = NegotiateDeflate(offers);
  std::string response = absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\nServer: herald\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Accept: ",
      WsAcceptKey(request[http::field::sec_websocket_key]), "\r\n");
  if (OffersSubprotocol(request[http::field::sec_websocket_protocol])) {
    absl::StrAppend(&response, "Sec-WebSocket-Protocol: ", AbslView(kSubprotocol), "\r\n");
  }
  if (deflate) absl::StrAppend(&response, "Sec-WebSocket-Extensions: ", *deflate, "\r\n");
  response += "\r\n";
  return {.response = std::move(response), .deflate = deflate.has_value()};
}

}  // namespace herald::edge::ws
