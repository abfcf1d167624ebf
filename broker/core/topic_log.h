// One topic's ordered log: assigns offsets, hands events to the store in batches, and tells
// the sink and the publishers once they are stored.
//
// Offsets are gap-free and strictly increasing within an epoch. At most one append of a topic
// is at the store at a time; what arrives meanwhile waits and goes in the next batch, so a
// store that syncs covers a whole batch of one topic with one sync, and no lock is held while
// the store works. The sink sees each stored event once, in offset order, before its
// publisher is answered; no event is delivered before it is stored.
//
//   auto log = std::make_shared<TopicLog>(config, NewEpoch(), store, SystemClock(), sink);
//   log->Append({.topic = "t", .data = "x"}, [](absl::StatusOr<EventPtr> e) { ... });
#ifndef HERALD_BROKER_CORE_TOPIC_LOG_H_
#define HERALD_BROKER_CORE_TOPIC_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
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

// Thread-safe. Create with std::make_shared: appends at the store keep the log alive.
class TopicLog : public std::enable_shared_from_this<TopicLog> {
 public:
  // `store`, `clock` and `sink` must outlive the log (and its appends at the store).
  // `bounds`: where the stored history stands (a new topic: empty at offset 1).
  TopicLog(TopicConfig config, uint32_t epoch, herald::Store& store, const Clock& clock,
           const EventSink& sink, StoredBounds bounds = {});
  TopicLog(const TopicLog&) = delete;
  TopicLog& operator=(const TopicLog&) = delete;

  // Stores the event under the next offset, trims by retention, hands it to the sink and
  // then calls `done`. With the dedup key of a retained (or pending) event, answers with that
  // event once it is stored and appends nothing. On a store failure (Unavailable) nothing
  // is delivered, and every publish waiting behind the failed one fails too, so no offset
  // is skipped.
  void Append(PublishRequest request, PublishCallback done);
  // See Engine::ReadAfter. Only stored events are read.
  absl::StatusOr<ReadResult> ReadAfter(uint64_t after, size_t max_events);
  TopicInfo Info();
  // Replaces the configuration (the name must stay); a tighter retention trims with the
  // next append, which it starts at once.
  absl::Status SetConfig(const TopicConfig& config);

 private:
  struct Pending {
    EventPtr event;
    PublishCallback done;
    std::string dedup_key;
    // Answers with `event`, appended by an earlier publish with the same dedup key.
    bool duplicate = false;
  };
  using Batch = std::vector<Pending>;

  // Takes everything queued as the next batch to store (empty: a trim alone); nullopt when
  // an append is at the store already or nothing is due.
  std::optional<Batch> TakeBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether age retention has events to drop although nothing is published.
  bool ExpiryDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Hands batches to the store until none is due. Called without the lock.
  void Store(Batch batch);
  // Records a store outcome and answers the batch's publishers; returns the next batch.
  std::optional<Batch> Stored(Batch batch, absl::StatusOr<StoredBounds> bounds);
  // Starts a trim that retention owes (a tighter config, age), if nothing is at the store.
  void StartDueAppend();
  // A dedup key's stored event, if any. Called with the lock held (reads the store).
  absl::StatusOr<EventPtr> FindDuplicate(const std::string& dedup_key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  TopicInfo InfoLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The oldest offset a reader may see under `retention`.
  static uint64_t FirstReadable(const StoredBounds& bounds, const RetentionPolicy& retention);

  herald::Store& store_;
  const Clock& clock_;
  const EventSink& sink_;
  const uint32_t epoch_;
  const std::string name_;

  Mutex mu_;
  TopicConfig config_ ABSL_GUARDED_BY(mu_);
  // What is stored.
  StoredBounds bounds_ ABSL_GUARDED_BY(mu_);
  // The offset the next publish gets: bounds_.next_offset plus what is pending.
  uint64_t assigned_next_ ABSL_GUARDED_BY(mu_);
  // Publish times never go backwards within a topic, so age retention can binary search.
  absl::Time last_publish_time_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool at_store_ ABSL_GUARDED_BY(mu_) = false;
  // Set by SetConfig: the next append trims even without events.
  bool trim_due_ ABSL_GUARDED_BY(mu_) = false;
  Batch queued_ ABSL_GUARDED_BY(mu_);
  // Dedup keys of events queued or at the store.
  absl::flat_hash_map<std::string, EventPtr> pending_dedup_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_TOPIC_LOG_H_
