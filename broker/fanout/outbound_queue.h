// A session's bounded queue of bytes to send, drained by one gathered write at a time.
//
//   OutboundQueue queue(/*max_bytes=*/1 << 20);
//   queue.PushShared(encoded, encoded->sse_frame);   // no copy: shares the encoded event
//   queue.PushOwned(wire::EncodeSseComment("hb"));
//   co_await asio::async_write(socket, queue.Prepare(), ...);
//   queue.Consume();
#ifndef HERALD_BROKER_FANOUT_OUTBOUND_QUEUE_H_
#define HERALD_BROKER_FANOUT_OUTBOUND_QUEUE_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boost/asio/buffer.hpp"

namespace herald::fanout {

// How far behind a shard's sessions are, summed over their queues (each to within
// kReportStep): the overload signal that pauses publishers while fan-out cannot keep up.
// Each queue counts at most kCapPerQueue bytes, so a few stalled clients (each headed for an
// overflow close) cannot pause publishing; only a shard whose sessions are behind across the
// board does. Thread-safe.
class QueueGauge {
 public:
  static constexpr int64_t kCapPerQueue = 64 * 1024;
  // A queue reports its size when it moved by this much, or reached empty or the cap.
  static constexpr int64_t kReportStep = 2 * 1024;

  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  int64_t queues() const { return queues_.load(std::memory_order_relaxed); }
  void AddBytes(int64_t delta) { bytes_.fetch_add(delta, std::memory_order_relaxed); }
  void AddQueues(int64_t delta) { queues_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> queues_{0};
};

// Distinct objects: safe. Shared objects: unsafe; use only on the owning shard.
class OutboundQueue {
 public:
  // `gauge` (may be null) is the owning shard's, and must outlive the queue.
  explicit OutboundQueue(size_t max_bytes, QueueGauge* gauge = nullptr);
  ~OutboundQueue();
  OutboundQueue(const OutboundQueue&) = delete;
  OutboundQueue& operator=(const OutboundQueue&) = delete;

  // Queues `bytes`, which `owner` keeps alive until they are written.
  void PushShared(std::shared_ptr<const void> owner, std::string_view bytes);
  // Queues a copy-free move of `bytes`.
  void PushOwned(std::string bytes);

  // Bytes queued and not yet handed to Prepare().
  size_t pending_bytes() const { return pending_bytes_; }
  bool has_pending() const { return !pending_.empty(); }
  // Bytes handed to Prepare() and not yet consumed.
  size_t in_flight_bytes() const { return in_flight_bytes_; }
  // True while the bytes queued, including those in flight, are under the bound.
  bool has_room() const { return pending_bytes_ + in_flight_bytes_ < max_bytes_; }

  // Moves everything pending into flight and returns one buffer per chunk for a single
  // gathered write. The buffers stay valid until Consume().
  const std::vector<boost::asio::const_buffer>& Prepare();
  // Releases the chunks of the completed write.
  void Consume();
  // Drops what is pending (not what is in flight): a session that closes sends its close
  // ahead of events its client will resume from.
  void DropPending();

 private:
  struct Chunk {
    std::shared_ptr<const void> owner;
    std::string owned;
    std::string_view bytes;
  };

  // Reports this queue's share of the gauge after its size changed.
  void Report();

  const size_t max_bytes_;
  QueueGauge* const gauge_;
  int64_t reported_ = 0;
  std::vector<Chunk> pending_;
  std::vector<Chunk> in_flight_;
  std::vector<boost::asio::const_buffer> buffers_;
  size_t pending_bytes_ = 0;
  size_t in_flight_bytes_ = 0;
};

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_OUTBOUND_QUEUE_H_
