// One topic's ordered log: assigns offsets, stores events, and enforces retention.
//
// Offsets are gap-free and strictly increasing within an epoch. Retention (count, bytes, age)
// is enforced as events arrive, in amortized O(1) per append: the log keeps a small record
// per retained event (its size and time) so trimming never scans the history.
//
//   TopicLog log(config, NewEpoch(), store, SystemClock());
//   HERALD_ASSIGN_OR_RETURN(EventPtr e, log.Append({.topic = "t", .data = "x"}, sink));
#ifndef HERALD_BROKER_CORE_TOPIC_LOG_H_
#define HERALD_BROKER_CORE_TOPIC_LOG_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/core/event.h"
#include "broker/core/mutex.h"
#include "broker/core/store.h"
#include "broker/core/topic.h"

namespace herald {

// A fresh, non-zero epoch for a new history.
uint32_t NewEpoch();

// Thread-safe: appends are serialized by the log's own lock, which is also held while the
// sink runs so that live delivery sees events in offset order.
class TopicLog {
 public:
  // `store` and `clock` must outlive the log. `stored` is the history found in the store at
  // start (oldest first), empty for a new topic.
  TopicLog(TopicConfig config, uint32_t epoch, Store& store, const Clock& clock,
           const std::vector<EventPtr>& stored = {});
  TopicLog(const TopicLog&) = delete;
  TopicLog& operator=(const TopicLog&) = delete;

  // Stores the event under the next offset, trims by retention and then calls `sink`. With a
  // dedup key seen among retained events, returns that event and appends nothing.
  // Unavailable (from the store) when it could not be stored; nothing is consumed then.
  absl::StatusOr<EventPtr> Append(PublishRequest request, const EventSink& sink);
  // See Engine::ReadAfter.
  absl::StatusOr<ReadResult> ReadAfter(uint64_t after, size_t max_events);
  TopicInfo Info();
  // Replaces the configuration (the name must stay); a tighter retention trims at once.
  absl::Status SetConfig(const TopicConfig& config);

 private:
  struct Retained {
    uint64_t bytes;
    absl::Time publish_time;
    std::string dedup_key;
  };

  void Remember(const Event& event, std::string dedup_key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the oldest events while any retention bound is exceeded.
  void EnforceRetention() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  TopicInfo InfoLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store& store_;
  const Clock& clock_;
  const uint32_t epoch_;

  Mutex mu_;
  TopicConfig config_ ABSL_GUARDED_BY(mu_);
  uint64_t first_offset_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_offset_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t retained_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // retained_[i] describes the event at offset first_offset_ + i.
  std::deque<Retained> retained_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> dedup_offsets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_TOPIC_LOG_H_
