// The one writer of both browser sessions: it drains a session's bounded OutboundQueue to its
// socket with one gathered write in flight, counts what went out, and tells the session when
// the write ended.
//
//   QueuedWriter<SerializedSocket> writer(socket, context, session::Transport::kSse);
//   writer.queue().PushShared(event, event->sse_frame);
//   writer.CountEvent();
//   writer.Schedule(*this);   // this->Write() after the dispatch pass, which calls
//   writer.Write(*this);      // and then this->Written(ec) once the write ended
#ifndef HERALD_BROKER_EDGE_QUEUED_WRITER_H_
#define HERALD_BROKER_EDGE_QUEUED_WRITER_H_

#include <cstdint>
#include <span>
#include <utility>

#include "absl/time/time.h"
#include "boost/asio/error.hpp"
#include "boost/beast/core/buffers_suffix.hpp"
#include "broker/edge/http_request.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"
#include "broker/fanout/encoded_event.h"
#include "broker/fanout/outbound_queue.h"
#include "broker/session/session.h"

namespace herald::edge {

// `Socket` is SerializedSocket or TlsSerializedSocket: a template rather than an interface, so
// that a plain connection's writes make no virtual call and carry nothing for TLS.
// Shared objects: unsafe; use only on the session's shard. `socket` and `context` must outlive
// the writer.
template <class Socket>
class QueuedWriter {
 public:
  QueuedWriter(Socket& socket, const SessionContext& context, session::Transport transport)
      : socket_(socket),
        context_(context),
        queue_(context.options.outbound_queue_bytes, &context.shard.queue_gauge()),
        last_write_(context.sessions.clock().Now()),
        transport_(transport) {
    // Writes are tried at once; they must never block the shard.
    SetNonBlocking(socket_.next_layer());
  }
  ~QueuedWriter() { CountEvents(); }
  QueuedWriter(const QueuedWriter&) = delete;
  QueuedWriter& operator=(const QueuedWriter&) = delete;

  fanout::OutboundQueue& queue() { return queue_; }
  const fanout::OutboundQueue& queue() const { return queue_; }
  bool in_flight() const { return in_flight_; }
  // When the last write ended (or the writer was made): heartbeats are timed from it.
  absl::Time last_write() const { return last_write_; }
  void set_last_write(absl::Time time) { last_write_ = time; }

  // One more event queued: counted with the next write rather than one atomic add per
  // delivery, which took 8 % of a shard's time in scenario A. The shard's sampled deliveries
  // are timed from their publish to the end of the write that carries them.
  void CountEvent(const fanout::EncodedEvent& event) {
    ++uncounted_events_;
    if (context_.shard.SampleDelivery() && sampled_publish_nanos_ == 0) {
      sampled_publish_nanos_ = absl::ToUnixNanos(event.event->publish_time);
    }
  }
  uint64_t delivered() const { return delivered_ + uncounted_events_; }
  uint64_t queued_bytes() const { return queue_.pending_bytes() + queue_.in_flight_bytes(); }

  // From the sweep: counts a stall once when what is queued has waited longer than a
  // heartbeat interval for the socket (the client reads too slowly, or not at all).
  void CheckStall(absl::Time now) {
    const bool waiting = queue_.has_pending() || in_flight_;
    if (!waiting) {
      stalled_ = false;
    } else if (!stalled_ && now - last_write_ > context_.options.heartbeat_interval) {
      stalled_ = true;
      context_.sessions.registry().RecordStall(transport_);
    }
  }

  // Deliveries come in bursts (a shard hands over a batch of events at a time): calls
  // `session.Write()` once the burst is queued, right after the shard's dispatch pass, so that
  // it goes out in one gathered write without a post per session. Nothing while a write is in
  // flight or already scheduled (the end of a write looks at the queue again).
  template <typename Session>
  void Schedule(Session& session) {
    if (scheduled_ || in_flight_) return;
    scheduled_ = true;
    // Only the session's reference is captured, which the shard's task fits without an
    // allocation. Sessions name their writer `writer_` and befriend it.
    context_.shard.AfterDispatch([self = session.shared_from_this()] {
      self->writer_.scheduled_ = false;
      self->Write();
    });
  }

  // Writes everything queued in one gathered write and then calls `session.Written(ec)`: at
  // once when it all fit in the socket's send buffer (most writes do, and skipping the
  // asynchronous operation and its completion is most of a delivery's user-space cost), or
  // from the completion of an asynchronous write of the rest, which alone holds a reference
  // to the session (shared_from_this): the common case costs no reference count. False, and
  // nothing is called, while a write is in flight or nothing is queued.
  template <typename Session>
  bool Write(Session& session) {
    if (in_flight_ || !queue_.has_pending()) return false;
    CountEvents();
    const std::vector<boost::asio::const_buffer>& buffers = queue_.Prepare();
    boost::system::error_code ec;
    const size_t written = socket_.WriteNow(buffers, ec);
    if (ec == boost::asio::error::would_block || (!ec && written < queue_.in_flight_bytes())) {
      in_flight_ = true;
      boost::beast::buffers_suffix<std::span<const boost::asio::const_buffer>> rest(buffers);
      rest.consume(written);
      socket_.async_write_some(rest, [this, written, self = session.shared_from_this()](
                                         boost::system::error_code ec, size_t more) {
        in_flight_ = false;
        Consumed(ec, written + more);
        self->Written(ec);
      });
      return true;
    }
    Consumed(ec, written);
    session.Written(ec);
    return true;
  }

 private:
  void Consumed(boost::system::error_code ec, size_t written) {
    queue_.Consume();
    if (ec) {
      if (!IsExpectedClose(ec)) context_.metrics.io_errors.fetch_add(1);
      return;
    }
    context_.metrics.bytes_sent.fetch_add(written, std::memory_order_relaxed);
    last_write_ = context_.sessions.clock().Now();
    if (sampled_publish_nanos_ != 0) {
      // The write may have carried events queued after the sampled one: it is written by
      // now either way.
      if (context_.metrics.delivery_seconds != nullptr) {
        context_.metrics.delivery_seconds->Observe(
            absl::ToDoubleSeconds(last_write_ - absl::FromUnixNanos(sampled_publish_nanos_)));
      }
      sampled_publish_nanos_ = 0;
    }
  }

  void CountEvents() {
    context_.sessions.registry().RecordDelivered(transport_, uncounted_events_);
    delivered_ += uncounted_events_;
    uncounted_events_ = 0;
  }

  Socket& socket_;
  const SessionContext& context_;
  fanout::OutboundQueue queue_;
  absl::Time last_write_;
  uint64_t delivered_ = 0;
  uint64_t uncounted_events_ = 0;
  // The publish time (Unix nanoseconds) of a sampled delivery queued and not yet written; 0
  // when none is. Every idle connection holds it: 8 bytes rather than an optional's 24.
  int64_t sampled_publish_nanos_ = 0;
  const session::Transport transport_;
  bool in_flight_ = false;
  bool stalled_ = false;
  bool scheduled_ = false;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_QUEUED_WRITER_H_
