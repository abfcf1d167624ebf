// A WebSocket client for tests on Boost.Beast: connects with subprotocol herald.v1.json
// (optionally offering permessage-deflate), sends text, and reads messages with a timeout.
//
//   absl::StatusOr<std::unique_ptr<WsClient>> ws = WsClient::Connect(port);
//   (*ws)->Send(R"({"op":"subscribe","topic":"a"})");
//   WsMessage m = (*ws)->Read(absl::Seconds(5));   // m.text, or m.close_code once closed
#ifndef HERALD_TESTS_TESTING_WS_CLIENT_H_
#define HERALD_TESTS_TESTING_WS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/websocket/stream.hpp"

namespace herald::testing {

struct WsMessage {
  enum class Kind { kText, kBinary, kClosed, kTimeout, kError };
  Kind kind = Kind::kTimeout;
  std::string text;
  // For kClosed and kError: the code of the server's close frame, if one arrived (1005
  // when it had none, 0 when none arrived).
  int close_code = 0;
};

struct WsConnectOptions {
  std::string target = "/v1/ws";
  std::string subprotocol = "herald.v1.json";
  std::string origin;
  bool deflate = false;
  int receive_buffer_bytes = 0;
  // The client's own address (e.g. "127.0.0.2", to be another client of the server);
  // empty lets the system pick.
  std::string local_address;
};

// Distinct objects: safe. Shared objects: unsafe.
class WsClient {
 public:
  // Unavailable when the connection or the handshake fails (the message says which).
  static absl::StatusOr<std::unique_ptr<WsClient>> Connect(uint16_t port,
                                                           WsConnectOptions options = {});

  // Writes one text message. After a timed-out Read the stream is not usable.
  absl::Status Send(const std::string& text);
  // The next message, the close, or kTimeout (after which the client is unusable).
  WsMessage Read(absl::Duration timeout);
  // Closes with `code` and waits for the server's close.
  void Close(int code = 1000);
  // The Sec-WebSocket-Protocol the server chose.
  const std::string& subprotocol() const { return subprotocol_; }

 private:
  WsClient() = default;

  boost::asio::io_context context_;
  std::unique_ptr<boost::beast::websocket::stream<boost::asio::ip::tcp::socket>> ws_;
  boost::beast::flat_buffer buffer_;
  std::string subprotocol_;
};

}  // namespace herald::testing

#endif  // HERALD_TESTS_TESTING_WS_CLIENT_H_
