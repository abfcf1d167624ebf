// A server-side TLS stream for the edge: OpenSSL reading and writing the non-blocking TCP
// socket itself, driven by Asio's readiness waits. Asio's ssl::stream keeps four 17 KiB
// buffers per connection (its own two and a BIO pair's) for life, 68 KiB measured per idle
// connection; here OpenSSL's own buffers are the only ones, and SSL_MODE_RELEASE_BUFFERS
// frees them while a connection is idle.
//
//   TlsStream stream(std::move(socket), context);   // an accepted socket, a server context
//   co_await stream.async_handshake(boost::asio::ssl::stream_base::server, token);
//   stream.async_read_some(buffers, token);  stream.async_write_some(buffers, token);
//
// An Asio AsyncStream (Beast's HTTP code runs over it): one read and one write
// may be in flight at once. Each completes with OpenSSL's error mapped to Asio's (eof for the
// peer's close_notify, ssl::error::stream_truncated for a close without one). An operation
// never completes inside the call that starts it. Reads and writes take the first non-empty
// buffer of a sequence (a write, one TLS record of at most 16 KiB).
// Shared objects: unsafe; use only on the socket's executor.
#ifndef HERALD_BROKER_EDGE_TLS_STREAM_H_
#define HERALD_BROKER_EDGE_TLS_STREAM_H_

#include <cstddef>
#include <openssl/ssl.h>
#include <utility>

#include "boost/asio/buffer.hpp"
#include "boost/asio/compose.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/ssl/stream_base.hpp"

namespace herald::edge {

class TlsStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using next_layer_type = boost::asio::ip::tcp::socket;

  // A server connection on `socket` with the certificate and policy of `context`, which
  // OpenSSL keeps (by its reference count) for the connection's life.
  TlsStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context);
  TlsStream(TlsStream&& other) noexcept
      : socket_(std::move(other.socket_)), ssl_(std::exchange(other.ssl_, nullptr)) {}
  TlsStream& operator=(TlsStream&&) = delete;
  ~TlsStream();

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& next_layer() { return socket_; }
  const boost::asio::ip::tcp::socket& next_layer() const { return socket_; }
  SSL* native_handle() { return ssl_; }

  // Completes with the handshake done, or its error. Only `server` is supported.
  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        Op<kHandshake, boost::asio::mutable_buffer>{*this, {}}, token, socket_);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        Op<kRead, boost::asio::mutable_buffer>{*this, First<boost::asio::mutable_buffer>(buffers)},
        token, socket_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        Op<kWrite, boost::asio::const_buffer>{*this, First<boost::asio::const_buffer>(buffers)},
        token, socket_);
  }

  // Sends close_notify if the socket takes it now; never waits for the peer's.
  void ShutdownNow();

 private:
  enum Kind { kHandshake, kRead, kWrite };

  template <class Buffer, class Buffers>
  static Buffer First(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (Buffer(*it).size() != 0) return Buffer(*it);
    }
    return Buffer();
  }

  enum class Progress { kDone, kWantRead, kWantWrite, kFailed };
  // One OpenSSL call. kDone with the bytes moved in `transferred`, or kFailed with `ec` set.
  Progress Attempt(Kind kind, void* data, size_t size, size_t& transferred,
                   boost::system::error_code& ec);

  // Calls OpenSSL until it succeeds or fails, waiting for the socket in between.
  template <Kind kKind, class Buffer>
  struct Op {
    TlsStream& stream;
    Buffer buffer;
    bool started = false;
    bool done = false;
    boost::system::error_code result;
    size_t transferred = 0;

    template <class Self>
    void operator()(Self& self, boost::system::error_code wait_error = {}) {
      if (done) return Complete(self);
      const bool first = !started;
      started = true;
      if (wait_error) {
        result = wait_error;
      } else if (kKind == kHandshake || buffer.size() != 0) {
        const Progress progress =
            stream.Attempt(kKind, const_cast<void*>(static_cast<const void*>(buffer.data())),
                           buffer.size(), transferred, result);
        if (progress == Progress::kWantRead || progress == Progress::kWantWrite) {
          stream.socket_.async_wait(progress == Progress::kWantRead
                                        ? boost::asio::socket_base::wait_read
                                        : boost::asio::socket_base::wait_write,
                                    std::move(self));
          return;
        }
      }
      done = true;
      // Never inside the initiating call: a reader that starts the next read from its
      // handler would otherwise recurse for as long as data is buffered.
      if (first) {
        boost::asio::post(stream.get_executor(), std::move(self));
        return;
      }
      Complete(self);
    }

    template <class Self>
    void Complete(Self& self) {
      if constexpr (kKind == kHandshake) {
        self.complete(result);
      } else {
        self.complete(result, transferred);
      }
    }
  };

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_TLS_STREAM_H_
