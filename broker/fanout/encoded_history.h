// The newest events of each topic, kept as fan-out encoded them, so that live delivery and
// short resumes never touch the store and a replayed event is encoded once, however many
// subscribers resume through it (a reconnect storm after a restart).
//
//   EncodedHistory history;
//   history.Record(EncodeEvent(event));                  // as each event is fanned out
//   EncodedRead read = history.Read(engine, "orders", /*after=*/41, /*max_events=*/256);
#ifndef HERALD_BROKER_FANOUT_ENCODED_HISTORY_H_
#define HERALD_BROKER_FANOUT_ENCODED_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "broker/core/engine.h"
#include "broker/core/mutex.h"
#include "broker/fanout/encoded_event.h"

namespace herald::fanout {

// Like ReadResult, with the events encoded.
struct EncodedRead {
  uint32_t epoch = 0;
  uint64_t first_offset = 1;
  uint64_t last_offset = 0;
  std::vector<std::shared_ptr<const EncodedEvent>> events;
};

struct EncodedHistoryLimits {
  // Per topic: the newest events kept, and the encoded bytes they may hold.
  size_t events_per_topic = 1024;
  size_t bytes_per_topic = 1 << 20;
  // All topics together; past it a topic that records drops its own oldest first.
  size_t total_bytes = 64 << 20;
  // Older history read from the store is encoded in blocks of block_events aligned offsets,
  // and the most recently used blocks kept up to block_cache_bytes, so subscribers resuming
  // from nearby cursors share one read and one encoding.
  size_t block_events = 256;
  size_t block_cache_bytes = 32 << 20;
};

// Thread-safe.
class EncodedHistory {
 public:
  explicit EncodedHistory(EncodedHistoryLimits limits = {});

  // Keeps `event` as its topic's newest. Events of a topic arrive in offset order (they are
  // fanned out so); one of a new epoch starts the topic afresh.
  void Record(std::shared_ptr<const EncodedEvent> event);

  // See Engine::ReadAfter: up to `max_events` retained events of `topic` after `after`, from
  // the kept events where they reach that far back, else from the engine (encoded here).
  // NotFound for an unknown topic; what the store reports when it cannot read.
  absl::StatusOr<EncodedRead> Read(const Engine& engine, std::string_view topic, uint64_t after,
                                   size_t max_events);

 private:
  struct Tail {
    uint32_t epoch = 0;
    // events[i] has offset first + i.
    uint64_t first = 0;
    size_t bytes = 0;
    std::deque<std::shared_ptr<const EncodedEvent>> events;
  };

  // Topic, epoch, first offset.
  using BlockKey = std::tuple<std::string, uint32_t, uint64_t>;
  struct Block {
    BlockKey key;
    size_t bytes = 0;
    std::vector<std::shared_ptr<const EncodedEvent>> events;
  };
  using Blocks = std::list<Block>;

  // Copies into `read` the kept events in [from, to]; false when they do not start at `from`.
  bool ReadTail(std::string_view topic, uint32_t epoch, uint64_t from, uint64_t to,
                size_t max_events, EncodedRead& read);
  void DropOldest(Tail& tail) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The encoded events of the block holding `from`, from the cache or the engine (cached
  // when whole), and the bounds the engine reported.
  absl::StatusOr<EncodedRead> ReadBlock(const Engine& engine, std::string_view topic,
                                        const TopicInfo& info, uint64_t from);

  const EncodedHistoryLimits limits_;
  Mutex mu_;
  absl::flat_hash_map<std::string, Tail> tails_ ABSL_GUARDED_BY(mu_);
  size_t total_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Most recently used first.
  Blocks blocks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<BlockKey, Blocks::iterator> block_index_ ABSL_GUARDED_BY(mu_);
  size_t block_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// What an encoded event holds in memory, for the limits above.
size_t EncodedBytes(const EncodedEvent& event);

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_ENCODED_HISTORY_H_
