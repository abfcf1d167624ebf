// A socket whose writes never interleave, for a WebSocket stream that is written by two
// parties: Beast (pongs and close replies from inside a read, pings and closes) and the
// session, which writes whole pre-encoded frames straight to the socket so that a subscriber
// that is behind gets all its pending frames in one gathered write. Over a plain TCP socket
// (SerializedSocket) or a TLS stream over one (TlsSerializedSocket).
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
#include <type_traits>
#include <utility>

#include "boost/asio/buffer.hpp"
#include "boost/asio/compose.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/websocket/teardown.hpp"
#include "broker/edge/http_request.h"
#include "broker/edge/tls_stream.h"

namespace herald::edge {

// The TCP socket under a connection's stream, for what only a socket does (close, shutdown,
// cancel, its peer).
inline boost::asio::ip::tcp::socket& TcpSocket(boost::asio::ip::tcp::socket& socket) {
  return socket;
}
inline const boost::asio::ip::tcp::socket& TcpSocket(const boost::asio::ip::tcp::socket& socket) {
  return socket;
}
inline boost::asio::ip::tcp::socket& TcpSocket(TlsStream& stream) { return stream.next_layer(); }
inline const boost::asio::ip::tcp::socket& TcpSocket(const TlsStream& stream) {
  return stream.next_layer();
}

// TLS's close_notify when the socket takes it now (nothing over plain TCP): the peer learns
// the connection ends on purpose. Call with no write in flight.
inline void SendCloseNotify(boost::asio::ip::tcp::socket&) {}
inline void SendCloseNotify(TlsStream& stream) { stream.ShutdownNow(); }

// A stream over a TCP socket: tcp::socket itself, or TlsStream.
template <class Stream>
concept OverTcp = requires(Stream& stream) {
  TcpSocket(stream);
};

// What a session does to the connection under its stream, overloaded on the stream: these for
// every stream over TCP, and a test's in-memory stream has its own beside it (found by
// argument-dependent lookup), so a session compiles unchanged on either. Sessions call them
// rather than tcp() for that reason alone; over TCP each is the socket call it names.

// The connected peer's address (unspecified when there is none).
template <OverTcp Stream>
boost::asio::ip::tcp::endpoint PeerAddress(const Stream& stream) {
  return PeerOf(TcpSocket(stream));
}
// Non-blocking mode, which WriteNow needs.
template <OverTcp Stream>
void SetNonBlocking(Stream& stream) {
  boost::system::error_code ignored;
  TcpSocket(stream).non_blocking(true, ignored);
}
// Pending operations complete with operation_aborted; the connection stays open.
template <OverTcp Stream>
void CancelStream(Stream& stream) {
  boost::system::error_code ignored;
  TcpSocket(stream).cancel(ignored);
}
template <OverTcp Stream>
void ShutdownStream(Stream& stream, boost::asio::socket_base::shutdown_type what) {
  boost::system::error_code ignored;
  TcpSocket(stream).shutdown(what, ignored);
}
template <OverTcp Stream>
void CloseStream(Stream& stream) {
  boost::system::error_code ignored;
  TcpSocket(stream).close(ignored);
}

// `Stream` is boost::asio::ip::tcp::socket or TlsStream.
template <class Stream>
class BasicSerializedSocket {
 public:
  using executor_type = typename Stream::executor_type;
  using next_layer_type = Stream;

  explicit BasicSerializedSocket(Stream stream) : stream_(std::move(stream)) {}

  executor_type get_executor() { return stream_.get_executor(); }
  Stream& next_layer() { return stream_; }
  const Stream& next_layer() const { return stream_; }
  boost::asio::ip::tcp::socket& tcp() { return TcpSocket(stream_); }
  const boost::asio::ip::tcp::socket& tcp() const { return TcpSocket(stream_); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return stream_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Writes what fits in the socket's send buffer now, without waiting: the bytes written.
  // would_block when nothing fits or another write is on the wire. The socket must be in
  // non-blocking mode. Whatever is left must be handed to async_write_some before the caller
  // returns to the event loop, so that no other write can come between. Over TLS always
  // would_block: OpenSSL that meets a full socket has already encrypted (and so consumed)
  // bytes it could not send, which only a retry of the same write may finish.
  template <class ConstBuffers>
  size_t WriteNow(const ConstBuffers& buffers, boost::system::error_code& ec) {
    if constexpr (kTls) {
      ec = boost::asio::error::would_block;
      return 0;
    } else {
      if (writing_) {
        ec = boost::asio::error::would_block;
        return 0;
      }
      return stream_.write_some(buffers, ec);
    }
  }

  // Completes with all of `buffers` written, or an error.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        WriteOp<ConstBuffers>{*this, buffers}, token, stream_);
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class ConstBuffers>
  struct WriteOp {
    BasicSerializedSocket& owner;
    ConstBuffers buffers;
    bool writing = false;
    // TLS: the buffers copied into one, written and freed with the operation. A TLS stream
    // writes one buffer per record, so a gathered write of many small frames would cost a
    // record and a system call each.
    std::unique_ptr<char[]> flat;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t written = 0) {
      if (writing) {
        owner.writing_ = false;
        if (owner.idle_) owner.idle_->cancel();
        flat.reset();
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
      if constexpr (kTls) {
        const size_t size = boost::asio::buffer_size(buffers);
        flat.reset(new char[size]);
        boost::asio::buffer_copy(boost::asio::buffer(flat.get(), size), buffers);
        boost::asio::async_write(owner.stream_, boost::asio::buffer(flat.get(), size),
                                 std::move(self));
      } else {
        boost::asio::async_write(owner.stream_, buffers, std::move(self));
      }
    }
  };

  // Made on the first overlap only: most connections never have one.
  boost::asio::steady_timer& IdleTimer() {
    if (!idle_) {
      idle_ = std::make_unique<boost::asio::steady_timer>(
          stream_.get_executor(), boost::asio::steady_timer::time_point::max());
    }
    return *idle_;
  }

  Stream stream_;
  // Never expires: cancelled when a write ends, to wake the writes waiting for it.
  std::unique_ptr<boost::asio::steady_timer> idle_;
  bool writing_ = false;
};

using SerializedSocket = BasicSerializedSocket<boost::asio::ip::tcp::socket>;
using TlsSerializedSocket = BasicSerializedSocket<TlsStream>;

// The closing handshake's teardown, as for the stream beneath (Beast finds these by ADL):
// TCP's, or TLS's close_notify (when the socket takes it) and then TCP's.
template <class Stream>
void teardown(boost::beast::role_type role, BasicSerializedSocket<Stream>& socket,
              boost::system::error_code& ec) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    herald::edge::teardown(role, socket.next_layer(), ec);
  } else {
    boost::beast::websocket::teardown(role, socket.next_layer(), ec);
  }
}

template <class Stream, class TeardownHandler>
void async_teardown(boost::beast::role_type role, BasicSerializedSocket<Stream>& socket,
                    TeardownHandler&& handler) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    herald::edge::async_teardown(role, socket.next_layer(), std::forward<TeardownHandler>(handler));
  } else {
    boost::beast::websocket::async_teardown(role, socket.next_layer(),
                                            std::forward<TeardownHandler>(handler));
  }
}

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_SERIALIZED_SOCKET_H_
