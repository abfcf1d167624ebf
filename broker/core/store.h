// The store interface: where a topic's history is kept.
//
// Implementations: store/memory (a bounded ring per topic, the library's default) and, next,
// store/rocksdb (durable). The local engine (engine/local) assigns offsets and enforces
// retention; a store only keeps what it is given, in order, and gives it back.
//
//   HERALD_RETURN_IF_ERROR(store.CreateTopic(config, epoch));
//   HERALD_RETURN_IF_ERROR(store.Append(event));       // returns once stored
//   auto events = store.Read("orders", /*from=*/5, /*max_events=*/100);
#ifndef HERALD_BROKER_CORE_STORE_H_
#define HERALD_BROKER_CORE_STORE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/core/event.h"
#include "broker/core/topic.h"

namespace herald {

// A topic as a store holds it when the broker starts.
struct StoredTopic {
  TopicConfig config;
  uint32_t epoch = 0;
  // Every retained event, oldest first, so retention accounting can be rebuilt.
  std::vector<EventPtr> events;
};

// Thread-safe: every method may be called from any thread. Calls for one topic are
// serialized by the caller (the topic log's lock), so offsets arrive in order.
class Store {
 public:
  virtual ~Store() = default;

  // Every topic the store held before this process started (none for a memory store).
  virtual absl::StatusOr<std::vector<StoredTopic>> LoadTopics() = 0;
  // AlreadyExists when the topic exists; Unavailable when the store cannot write.
  virtual absl::Status CreateTopic(const TopicConfig& config, uint32_t epoch) = 0;
  // NotFound when the topic does not exist.
  virtual absl::Status UpdateTopic(const TopicConfig& config) = 0;
  // Removes the topic and its history. NotFound when it does not exist.
  virtual absl::Status DeleteTopic(std::string_view topic) = 0;

  // Stores `event` (its offset is one past the newest stored) and returns once it is stored
  // as durably as this store promises. NotFound for an unknown topic.
  virtual absl::Status Append(const EventPtr& event) = 0;
  // Forgets the events of `topic` with offsets below `first_kept`.
  virtual absl::Status TrimBefore(std::string_view topic, uint64_t first_kept) = 0;
  // Up to `max_events` events of `topic` with offsets >= `from`, oldest first; fewer (or
  // none) when the history ends. NotFound for an unknown topic.
  virtual absl::StatusOr<std::vector<EventPtr>> Read(std::string_view topic, uint64_t from,
                                                     size_t max_events) const = 0;
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_STORE_H_
