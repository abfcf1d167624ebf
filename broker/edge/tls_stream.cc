#include "broker/edge/tls_stream.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <openssl/err.h>
#include <sys/socket.h>

#include "boost/asio/ssl/error.hpp"

namespace herald::edge {

namespace asio = boost::asio;

namespace {

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE on a connection the peer
// reset; this one sends with MSG_NOSIGNAL, as Asio does. The descriptor is the BIO's data.
int Fd(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

int WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

int SocketWrite(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t sent = ::send(Fd(bio), data, static_cast<size_t>(size), MSG_NOSIGNAL);
  if (sent < 0 && WouldBlock()) BIO_set_retry_write(bio);
  return static_cast<int>(sent);
}

int SocketRead(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t received = ::recv(Fd(bio), data, static_cast<size_t>(size), 0);
  if (received < 0 && WouldBlock()) BIO_set_retry_read(bio);
  return static_cast<int>(received);
}

long SocketControl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

const BIO_METHOD* SocketMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "herald socket");
    BIO_meth_set_write(m, &SocketWrite);
    BIO_meth_set_read(m, &SocketRead);
    BIO_meth_set_ctrl(m, &SocketControl);
    return m;
  }();
  return method;
}

}  // namespace

TlsStream::TlsStream(asio::ip::tcp::socket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  BIO* bio = BIO_new(SocketMethod());
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(socket_.native_handle())));
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);
  SSL_set_accept_state(ssl_);
  // Idle connections keep no record buffers; a write may be retried from a moved copy of its
  // bytes (SerializedSocket's flattened buffer) and may take one record at a time.
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_ENABLE_PARTIAL_WRITE);
}

TlsStream::~TlsStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

void TlsStream::ShutdownNow() {
  if (ssl_ == nullptr || !socket_.is_open() || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

TlsStream::Progress TlsStream::Attempt(Kind kind, void* data, size_t size, size_t& transferred,
                                       boost::system::error_code& ec) {
  // OpenSSL holds the descriptor's number, which a closed socket may have passed on to a new
  // connection already.
  if (!socket_.is_open()) {
    ec = asio::error::bad_descriptor;
    return Progress::kFailed;
  }
  ERR_clear_error();
  // A socket error is read from errno below: not one left by an earlier call.
  errno = 0;
  const int length = static_cast<int>(std::min<size_t>(size, INT_MAX));
  int result = 0;
  switch (kind) {
    case kHandshake:
      result = SSL_do_handshake(ssl_);
      break;
    case kRead:
      result = SSL_read(ssl_, data, length);
      break;
    case kWrite:
      result = SSL_write(ssl_, data, length);
      break;
  }
  const int saved_errno = errno;
  if (result > 0) {
    transferred = kind == kHandshake ? 0 : static_cast<size_t>(result);
    return Progress::kDone;
  }
  const int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ) return Progress::kWantRead;
  if (error == SSL_ERROR_WANT_WRITE) return Progress::kWantWrite;
  const unsigned long queued = ERR_get_error();
  ERR_clear_error();
  if (error == SSL_ERROR_ZERO_RETURN) {
    ec = asio::error::eof;
  } else if (error == SSL_ERROR_SYSCALL && queued == 0) {
    // No TLS error: the socket's, or an end of the connection without close_notify.
    ec = saved_errno != 0 ? boost::system::error_code(saved_errno, boost::system::system_category())
                          : asio::ssl::error::stream_truncated;
  } else if (ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ec = asio::ssl::error::stream_truncated;
  } else {
    ec = boost::system::error_code(static_cast<int>(queued), asio::error::get_ssl_category());
  }
  return Progress::kFailed;
}

}  // namespace herald::edge
