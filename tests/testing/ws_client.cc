#include "tests/testing/ws_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/http/field.hpp"
#include "boost/beast/websocket.hpp"

namespace herald::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

absl::StatusOr<std::unique_ptr<WsClient>> WsClient::Connect(uint16_t port,
                                                            WsConnectOptions options) {
  std::unique_ptr<WsClient> client(new WsClient());
  client->ws_ = std::make_unique<websocket::stream<tcp::socket>>(client->context_);
  boost::system::error_code ec;
  tcp::socket& socket = client->ws_->next_layer();
  socket.open(tcp::v4(), ec);
  if (!ec && options.receive_buffer_bytes > 0) {
    socket.set_option(asio::socket_base::receive_buffer_size(options.receive_buffer_bytes), ec);
  }
  if (!ec && !options.local_address.empty()) {
    const asio::ip::address local = asio::ip::make_address(options.local_address, ec);
    if (!ec) socket.bind({local, 0}, ec);
  }
  if (!ec) socket.connect({asio::ip::address_v4::loopback(), port}, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
  if (options.deflate) {
    websocket::permessage_deflate deflate;
    deflate.client_enable = true;
    client->ws_->set_option(deflate);
  }
  client->ws_->set_option(websocket::stream_base::decorator([options](websocket::request_type& r) {
    if (!options.subprotocol.empty()) {
      r.set(beast::http::field::sec_websocket_protocol, options.subprotocol);
    }
    if (!options.origin.empty()) r.set(beast::http::field::origin, options.origin);
  }));
  websocket::response_type response;
  client->ws_->handshake(response, "127.0.0.1", options.target, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("handshake: ", ec.message(), " (HTTP ", response.result_int(), ")"));
  }
  client->subprotocol_ = std::string(response[beast::http::field::sec_websocket_protocol]);
  client->ws_->text(true);
  return client;
}

absl::Status WsClient::Send(const std::string& text) {
  boost::system::error_code ec;
  ws_->write(asio::buffer(text), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("write: ", ec.message()));
  return absl::OkStatus();
}

WsMessage WsClient::Read(absl::Duration timeout) {
  WsMessage message;
  bool done = false;
  buffer_.consume(buffer_.size());
  ws_->async_read(buffer_, [&](boost::system::error_code ec, size_t) {
    done = true;
    if (ec == websocket::error::closed) {
      message.kind = WsMessage::Kind::kClosed;
      message.close_code = ws_->reason().code;
    } else if (ec) {
      message.kind = WsMessage::Kind::kError;
      message.text = ec.message();
      // A server that closes TCP right after its close frame can fail our close reply;
      // the code it sent was read all the same.
      message.close_code = ws_->reason().code;
    } else {
      message.kind = ws_->got_text() ? WsMessage::Kind::kText : WsMessage::Kind::kBinary;
      message.text = beast::buffers_to_string(buffer_.data());
    }
  });
  context_.restart();
  context_.run_for(absl::ToChronoNanoseconds(timeout));
  if (!done) {
    boost::system::error_code ignored;
    ws_->next_layer().cancel(ignored);
    context_.restart();
    context_.run();
    message = WsMessage{};
  }
  return message;
}

void WsClient::Close(int code) {
  boost::system::error_code ec;
  ws_->close(websocket::close_reason(static_cast<uint16_t>(code)), ec);
}

}  // namespace herald::testing
