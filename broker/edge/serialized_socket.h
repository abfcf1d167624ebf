// A TCP socket whose writes never interleave, for a WebSocket stream that is written by two
// parties: Beast (pongs and close replies from inside a read, pings and closes) and the
// session, which writes whole pre-encoded frames straight to the socket so that a subscriber
// that is behind gets all its pending frames in one gathered write.
//
//   beast::websocket::stream<SerializedSocket> ws(std::move(socket));
//   co_await ws.next_layer().async_write_some(frames, token);   // frames Beast never sees
//   n = ws.next_layer().WriteNow(frames, ec);   // or as much as fits now, without waiting
//
// Each async_write_some writes all of its bytes before it completes, and starts only after
// the write before it has completed, so frames from both parties reach the wire whole.
// Shared objects: unsafe; use only on the socket's executor.
#ifndef HERALD_BROKER_EDGE_SERIALIZED_SOCKET_H_
#define HERALD_BROKER_EDGE_SERIALIZED_SOCKET_H_

#include <cstddef>
#include <memory>
#include <utility>

#include "boost/asio/compose.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/websocket/teardown.hpp"

namespace herald::edge {

class SerializedSocket {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using next_layer_type = socket_type;

  explicit SerializedSocket(socket_type socket) : socket_(std::move(socket)) {}

  executor_type get_executor() { return socket_.get_executor(); }
  socket_type& next_layer() { return socket_; }
  const socket_type& next_layer() const { return socket_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Writes what fits in the socket's send buffer now, without waiting: the bytes written.
  // would_block when nothing fits or another write is on the wire. The socket must be in
  // non-blocking mode. Whatever is left must be handed to async_write_some before the caller
  // returns to the event loop, so that no other write can come between.
  template <class ConstBuffers>
  size_t WriteNow(const ConstBuffers& buffers, boost::system::error_code& ec) {
    if (writing_) {
      ec = boost::asio::error::would_block;
      return 0;
    }
    return socket_.write_some(buffers, ec);
  }

  // Completes with all of `buffers` written, or an error.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        WriteOp<ConstBuffers>{*this, buffers}, token, socket_);
  }

 private:
  template <class ConstBuffers>
  struct WriteOp {
    SerializedSocket& owner;
    ConstBuffers buffers;
    bool writing = false;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t written = 0) {
      if (writing) {
        owner.writing_ = false;
        if (owner.idle_) owner.idle_->cancel();
        self.complete(ec, written);
        return;
      }
      // Woken (or first called) while another write is on the wire: wait for its end.
      if (owner.writing_) {
        owner.IdleTimer().async_wait(std::move(self));
        return;
      }
      writing = true;
      owner.writing_ = true;
      boost::asio::async_write(owner.socket_, buffers, std::move(self));
    }
  };

  // Made on the first overlap only: most connections never have one.
  boost::asio::steady_timer& IdleTimer() {
    if (!idle_) {
      idle_ = std::make_unique<boost::asio::steady_timer>(
          socket_.get_executor(), boost::asio::steady_timer::time_point::max());
    }
    return *idle_;
  }

  socket_type socket_;
  // Never expires: cancelled when a write ends, to wake the writes waiting for it.
  std::unique_ptr<boost::asio::steady_timer> idle_;
  bool writing_ = false;
};

// The closing handshake's TCP teardown, as for a plain socket (Beast finds these by ADL).
inline void teardown(boost::beast::role_type role, SerializedSocket& socket,
                     boost::system::error_code& ec) {
  boost::beast::websocket::teardown(role, socket.next_layer(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, SerializedSocket& socket,
                    TeardownHandler&& handler) {
  boost::beast::websocket::async_teardown(role, socket.next_layer(),
                                          std::forward<TeardownHandler>(handler));
}

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_SERIALIZED_SOCKET_H_
