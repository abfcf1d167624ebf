// The store interface: where a topic's history is kept.
//
// Implementations: store/memory (a ring per topic, the library's default) and store/rocksdb
// (durable, the daemon's default). The topic log (core/topic_log.h) assigns offsets and
// orders appends; a store keeps what it is given, applies retention (core/retention.h) in
// the same step, and reports where the history stands.
//
//   HERALD_RETURN_IF_ERROR(store.CreateTopic(config, epoch));
//   store.Append({.topic = "orders", .events = {e}, .retention = config.retention, .now = now},
//                [](absl::StatusOr<StoredBounds> bounds) { /* stored, or why not */ });
//   auto events = store.Read("orders", /*from=*/5, /*max_events=*/100);
#ifndef HERALD_BROKER_CORE_STORE_H_
#define HERALD_BROKER_CORE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "broker/core/event.h"
#include "broker/core/topic.h"

namespace herald {

// Where a topic's retained history stands.
struct StoredBounds {
  // The oldest retained offset and one past the newest; equal when nothing is retained.
  uint64_t first_offset = 1;
  uint64_t next_offset = 1;
  uint64_t retained_bytes = 0;
  // Publish time of the oldest retained event; InfiniteFuture when none is retained.
  absl::Time oldest_time = absl::InfiniteFuture();
};

// A topic as a store holds it when the broker starts: its metadata, not its events.
struct StoredTopic {
  TopicConfig config;
  uint32_t epoch = 0;
  StoredBounds bounds;
};

// Events of one topic to store together, then trim by `retention` at `now`. An empty batch
// only trims (age retention on an idle topic).
struct AppendBatch {
  std::string topic;
  // Consecutive offsets starting at the topic's next offset.
  std::vector<EventPtr> events;
  // Parallel to `events`; empty strings for events without a dedup key.
  std::vector<std::string> dedup_keys;
  RetentionPolicy retention;
  absl::Time now;
};

// Receives the bounds after the append, once it is stored as durably as the store promises,
// or why it is not stored (then none of the batch is). Unavailable when the store cannot
// write; NotFound for an unknown topic.
using AppendDone = absl::AnyInvocable<void(absl::StatusOr<StoredBounds>) &&>;

// Thread-safe: every method may be called from any thread. Appends of one topic are issued
// one at a time by its topic log, each after the previous one's `done`.
class Store {
 public:
  virtual ~Store() = default;

  // Every topic the store held before this process started, without reading its events.
  virtual absl::StatusOr<std::vector<StoredTopic>> LoadTopics() = 0;
  // AlreadyExists when the topic exists; Unavailable when the store cannot write.
  virtual absl::Status CreateTopic(const TopicConfig& config, uint32_t epoch) = 0;
  // NotFound when the topic does not exist.
  virtual absl::Status UpdateTopic(const TopicConfig& config) = 0;
  // Removes the topic and its history. NotFound when it does not exist.
  virtual absl::Status DeleteTopic(std::string_view topic) = 0;

  // Stores `batch` and calls `done`, inline or later on a thread of the store's. Never
  // blocks on a disk sync.
  virtual void Append(AppendBatch batch, AppendDone done) = 0;
  // Waits until every append issued before the call has called its `done`.
  virtual void Flush() = 0;

  // The offset of the retained event of `topic` stored with `dedup_key`, if any.
  virtual absl::StatusOr<std::optional<uint64_t>> FindDedup(std::string_view topic,
                                                            std::string_view dedup_key) const = 0;
  // Up to `max_events` stored events of `topic` with offsets in [from, end), oldest first;
  // fewer (or none) when the history ends. NotFound for an unknown topic.
  virtual absl::StatusOr<std::vector<EventPtr>> Read(std::string_view topic, uint64_t from,
                                                     uint64_t end, size_t max_events) const = 0;
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_STORE_H_
