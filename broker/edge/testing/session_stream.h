// The server's end of an in-memory connection, for session tests without sockets: Beast's
// test::stream, with what a socket has and test::stream lacks: a send buffer that fills when
// the client stops reading, and a record of the writes that reached it (a Link).
//
//   auto link = std::make_shared<Link>(shard.context().get_executor());
//   boost::beast::test::stream client(shard.context());
//   SessionStream server(boost::beast::test::connect(client), link);
//   internal::StartSseSession(context, nullptr, std::move(server), request, std::move(lease));
//   link->TakeMore(0);   // on the shard: the client stops reading
#ifndef HERALD_BROKER_EDGE_TESTING_SESSION_STREAM_H_
#define HERALD_BROKER_EDGE_TESTING_SESSION_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/compose.hpp"
#include "boost/asio/error.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/_experimental/test/stream.hpp"
#include "boost/beast/core/buffers_prefix.hpp"

namespace herald::edge::testing {

// What a test controls and sees of one connection's server end. Use on the connection's
// executor only.
struct Link {
  explicit Link(const boost::asio::any_io_executor& executor)
      : wake(executor, boost::asio::steady_timer::time_point::max()) {}

  // The connection takes `bytes` more than it has room for now (with no limit so far: from
  // now on) and then nothing, as a socket whose buffers filled: the client stopped reading.
  void TakeMore(size_t bytes) {
    room = room.value_or(0) + bytes;
    wake.cancel();
  }

  // What the connection still takes; nullopt: everything.
  std::optional<size_t> room;
  // Writes that carried bytes to the client.
  int writes = 0;
  // Writes begun while another had not completed: 0 for a writer that keeps one in flight.
  int overlapping_writes = 0;
  bool writing = false;
  // Set when the session closes its end: writes end with operation_aborted.
  bool closed = false;
  // Cancelled to wake a write waiting for room; never expires.
  boost::asio::steady_timer wake;
};

// An AsyncStream for the session templates (SseSession<SessionStream>) with a non-blocking
// write_some, as BasicSerializedSocket::WriteNow expects of a socket. Shared objects: unsafe;
// use only on its executor.
class SessionStream {
 public:
  using executor_type = boost::beast::test::stream::executor_type;

  SessionStream(boost::beast::test::stream stream, std::shared_ptr<Link> link)
      : stream_(std::move(stream)), link_(std::move(link)) {}

  executor_type get_executor() { return stream_.get_executor(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return stream_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Writes what the connection takes now; would_block when it takes nothing.
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    Begin();
    size_t written = 0;
    if (link_->room == 0) {
      ec = boost::asio::error::would_block;
    } else {
      written = stream_.write_some(Fitting(buffers), ec);
    }
    End(written);
    return written;
  }

  // Waits until the connection takes bytes, then writes what it takes.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        WriteOp<ConstBuffers>{*this, buffers}, token, stream_);
  }

  // The session's end of the connection: its pending read and write complete with
  // operation_aborted, and the client reads to the end of what was written.
  void close() {
    link_->closed = true;
    link_->wake.cancel();
    stream_.close();
  }

 private:
  template <class ConstBuffers>
  struct WriteOp {
    SessionStream& stream;
    ConstBuffers buffers;
    enum class Step { kStart, kWaiting, kWriting } step = Step::kStart;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t written = 0) {
      Link& link = *stream.link_;
      if (step == Step::kWriting) {
        stream.End(written);
        self.complete(ec, written);
        return;
      }
      if (step == Step::kStart) stream.Begin();
      if (link.closed) {
        stream.End(0);
        self.complete(boost::asio::error::operation_aborted, 0);
        return;
      }
      if (link.room == 0) {
        step = Step::kWaiting;
        link.wake.async_wait(std::move(self));
        return;
      }
      step = Step::kWriting;
      stream.stream_.async_write_some(stream.Fitting(buffers), std::move(self));
    }
  };

  template <class ConstBuffers>
  auto Fitting(const ConstBuffers& buffers) const {
    return boost::beast::buffers_prefix(link_->room.value_or(SIZE_MAX), buffers);
  }
  void Begin() {
    if (link_->writing) ++link_->overlapping_writes;
    link_->writing = true;
  }
  void End(size_t written) {
    link_->writing = false;
    if (written == 0) return;
    ++link_->writes;
    if (link_->room) *link_->room -= written;
  }

  boost::beast::test::stream stream_;
  std::shared_ptr<Link> link_;
};

// serialized_socket.h's stream seams for the in-memory stream. test::stream cannot cancel a
// read without closing, so a cancel closes: a session cancels only to end.
inline void SetNonBlocking(SessionStream&) {}
inline void CancelStream(SessionStream& stream) { stream.close(); }
inline void ShutdownStream(SessionStream& stream, boost::asio::socket_base::shutdown_type) {
  stream.close();
}
inline void CloseStream(SessionStream& stream) { stream.close(); }
inline void SendCloseNotify(SessionStream&) {}

}  // namespace herald::edge::testing

#endif  // HERALD_BROKER_EDGE_TESTING_SESSION_STREAM_H_
