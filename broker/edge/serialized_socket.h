// The socket a browser session writes through its QueuedWriter: as much as fits now without
// waiting (WriteNow), and the rest asynchronously, whole (async_write_some). Over a plain TCP
// socket (SerializedSocket) or a TLS stream over one (TlsSerializedSocket). The session's
// writer keeps one write in flight, so writes never interleave: it is the only writer (both
// sessions frame what they send themselves).
//
//   n = socket.WriteNow(frames, ec);                 // what fits in the send buffer now
//   socket.async_write_some(rest, token);            // completes with all of `rest` written
//
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
#include "boost/asio/write.hpp"
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

  // Writes what fits in the socket's send buffer now, without waiting: the bytes written, or
  // would_block when nothing fits. The socket must be in non-blocking mode. Call with no
  // write in flight; whatever is left must be handed to async_write_some before the caller
  // returns to the event loop. Over TLS always would_block: OpenSSL that meets a full socket
  // has already encrypted (and so consumed) bytes it could not send, which only a retry of
  // the same write may finish.
  template <class ConstBuffers>
  size_t WriteNow(const ConstBuffers& buffers, boost::system::error_code& ec) {
    if constexpr (kTls) {
      ec = boost::asio::error::would_block;
      return 0;
    } else {
      return stream_.write_some(buffers, ec);
    }
  }

  // Completes with all of `buffers` written, or an error. One at a time.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if constexpr (kTls) {
      return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
          FlatWriteOp<ConstBuffers>{*this, buffers}, token, stream_);
    } else {
      return boost::asio::async_write(stream_, buffers, std::forward<Token>(token));
    }
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // The buffers copied into one, written and freed with the operation: a TLS stream writes
  // one buffer per record, so a gathered write of many small frames would cost a record and
  // a system call each.
  template <class ConstBuffers>
  struct FlatWriteOp {
    BasicSerializedSocket& owner;
    ConstBuffers buffers;
    std::unique_ptr<char[]> flat;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t written = 0) {
      if (flat) {
        flat.reset();
        self.complete(ec, written);
        return;
      }
      const size_t size = boost::asio::buffer_size(buffers);
      flat.reset(new char[size]);
      boost::asio::buffer_copy(boost::asio::buffer(flat.get(), size), buffers);
      boost::asio::async_write(owner.stream_, boost::asio::buffer(flat.get(), size),
                               std::move(self));
    }
  };

  Stream stream_;
};

using SerializedSocket = BasicSerializedSocket<boost::asio::ip::tcp::socket>;
using TlsSerializedSocket = BasicSerializedSocket<TlsStream>;

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_SERIALIZED_SOCKET_H_
