// The engine interface: where topics live and how every event reaches this node's fan-out.
//
// Implementations: engine/local (one process, over a Store) and engine/redis (several nodes
// sharing topics, offsets and history through Redis). The broker talks only to this
// interface, so fan-out, the browser edge and the control plane do not change between them.
//
//   engine.SetSink([&](const EventPtr& e) { fanout.Publish(e); });
//   HERALD_ASSIGN_OR_RETURN(TopicInfo info, engine.CreateTopic({.name = "orders"}));
//   engine.Publish({.topic = "orders", .data = "x"}, [](absl::StatusOr<EventPtr> event) {
//     // Stored (and handed to the sink), or why not.
//   });
#ifndef HERALD_BROKER_CORE_ENGINE_H_
#define HERALD_BROKER_CORE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/core/event.h"
#include "broker/core/topic.h"

namespace herald {

struct PublishRequest {
  std::string topic;
  std::string type;
  std::string data;
  // A retried publish with the same non-empty key returns the first publish's event instead
  // of appending again, for as long as that event is retained.
  std::string dedup_key;
};

struct ReadResult {
  uint32_t epoch = 0;
  uint64_t first_offset = 1;
  uint64_t last_offset = 0;
  std::vector<EventPtr> events;
};

// Receives every event appended to any topic, exactly once and in offset order per topic,
// once it is stored. Runs on the publishing thread or a store's thread while the topic is
// locked, so it must be quick and must not call back into the engine.
using EventSink = std::function<void(const EventPtr&)>;

// Receives a publish's outcome: the stored event, or why it is not stored. Runs on the
// calling thread (errors found at once, stores that complete inline) or a store's thread,
// after the sink has seen the event; must be quick.
using PublishCallback = absl::AnyInvocable<void(absl::StatusOr<EventPtr>) &&>;

// Thread-safe.
class Engine {
 public:
  virtual ~Engine() = default;

  // Set once, before the first publish.
  virtual void SetSink(EventSink sink) = 0;

  // InvalidArgument for a bad config; AlreadyExists when the topic exists.
  virtual absl::StatusOr<TopicInfo> CreateTopic(const TopicConfig& config) = 0;
  // NotFound when the topic does not exist.
  virtual absl::StatusOr<TopicInfo> GetTopic(std::string_view name) const = 0;
  // Topics ordered by name, starting after `after` (empty: from the first), at most `limit`.
  virtual std::vector<TopicInfo> ListTopics(std::string_view after, size_t limit) const = 0;
  virtual size_t TopicCount() const = 0;
  // Replaces the topic's configuration; a tighter retention applies at once.
  // NotFound, InvalidArgument.
  virtual absl::StatusOr<TopicInfo> UpdateTopic(const TopicConfig& config) = 0;
  // NotFound when the topic does not exist. A topic created again later gets a new epoch.
  virtual absl::Status DeleteTopic(std::string_view name) = 0;

  // Appends; `done` runs once the event is stored. NotFound for an unknown topic (unless
  // the engine auto-creates), InvalidArgument for a bad name, ResourceExhausted past the
  // message size limit, Unavailable when the store cannot write.
  virtual void Publish(PublishRequest request, PublishCallback done) = 0;
  // Up to `max_events` retained events of `topic` with offsets above `after`, with the
  // topic's current epoch and bounds. NotFound for an unknown topic.
  virtual absl::StatusOr<ReadResult> ReadAfter(std::string_view topic, uint64_t after,
                                               size_t max_events) const = 0;

  // A subscriber resumes from `offset` of `topic`'s current `epoch`, past the newest event
  // this node has. An engine shared by several nodes may be behind the node that issued the
  // cursor: it catches up, and the subscriber waits for the events after `offset` (true).
  // Should the shared history be behind the cursor too, it lost events, and the topic moves
  // to a new epoch, announced with herald.reset. An engine that sees every event (one node)
  // answers false: the cursor cannot be valid. Any thread; does not block.
  virtual bool CatchUp(std::string_view /*topic*/, uint32_t /*epoch*/, uint64_t /*offset*/) const {
    return false;
  }

  // True while a node sharing this engine's topics is behind on fan-out: publishers pause,
  // as they do while this node's own shards are behind, rather than bury it. Any thread;
  // cheap (read on every publish).
  virtual bool PeersBehind() const { return false; }

  // OK while publishes can be stored; Unavailable, saying why, while they cannot (Redis
  // unreachable). Any thread.
  virtual absl::Status Readiness() const { return absl::OkStatus(); }
  // `listener` learns each change of Readiness() (true: OK), and the current state at once.
  // Set once; it runs on an engine thread and must be quick.
  virtual void SetReadinessListener(std::function<void(bool ready)> listener) { listener(true); }
};

// Publishes and waits for the outcome: for tests, tools and callers that own their thread.
// Never call it on a thread the store completes appends on.
absl::StatusOr<EventPtr> PublishAndWait(Engine& engine, PublishRequest request);

}  // namespace herald

#endif  // HERALD_BROKER_CORE_ENGINE_H_
