// herald::Broker: the whole broker in-process. The one public C++ target (//broker).
//
//   absl::StatusOr<std::unique_ptr<herald::Broker>> broker = herald::Broker::Start({});
//   (*broker)->CreateTopic({.name = "orders"});
//   auto sub = (*broker)->Subscribe({"orders"}, /*from=*/"",
//       [](const herald::SubscriberEvent& e) { std::cout << e.event->data << "\n"; });
//   (*broker)->Publish({.topic = "orders", .data = "hello"});
#ifndef HERALD_BROKER_BROKER_H_
#define HERALD_BROKER_BROKER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/core/event.h"
#include "broker/core/store.h"
#include "broker/core/topic.h"
#include "broker/engine/local/local_engine.h"
#include "broker/fanout/shard.h"

namespace herald {

struct BrokerOptions {
  // I/O shards (event loops, one thread each); 0 means one per hardware thread.
  size_t shards = 0;
  engine::LocalEngineOptions engine;
  // Time source for publish times and retention; tests inject a FakeClock.
  const Clock* clock = &SystemClock();
};

struct PublishResult {
  // The single-topic cursor positioned at the event: resuming from it delivers what follows.
  std::string cursor;
  uint64_t offset = 0;
  uint32_t epoch = 0;
};

// What a subscriber callback receives.
struct SubscriberEvent {
  enum class Kind { kEvent, kGap, kReset };
  Kind kind = Kind::kEvent;
  // Set for kEvent.
  EventPtr event;
  // The topic and a human-readable explanation, for kGap and kReset.
  std::string topic;
  std::string message;
  // Resume from here to continue after this event or notice.
  std::string cursor;
};

using SubscribeCallback = std::function<void(const SubscriberEvent&)>;

// Keeps a subscription alive; destroying it (or Cancel()) stops delivery.
class SubscriptionHandle {
 public:
  virtual ~SubscriptionHandle() = default;
  // After Cancel() returns the callback is not called again, except when Cancel() is called
  // from inside the callback itself, which then returns normally.
  virtual void Cancel() = 0;
};

// Thread-safe.
class Broker {
 public:
  // InvalidArgument for bad options; whatever the store reports when it cannot open.
  static absl::StatusOr<std::unique_ptr<Broker>> Start(BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // See Engine: InvalidArgument, AlreadyExists, NotFound.
  absl::StatusOr<TopicInfo> CreateTopic(const TopicConfig& config);
  absl::StatusOr<TopicInfo> GetTopic(std::string_view name) const;
  // Topics by name after `after`, at most `limit`.
  std::vector<TopicInfo> ListTopics(std::string_view after = {}, size_t limit = 1000) const;
  absl::StatusOr<TopicInfo> UpdateTopic(const TopicConfig& config);
  absl::Status DeleteTopic(std::string_view name);

  // Returns once the event is stored. NotFound for an unknown topic, InvalidArgument,
  // ResourceExhausted past the event size limit.
  absl::StatusOr<PublishResult> Publish(PublishRequest request);

  // Delivers every event of `topics` after `from` (a cursor; empty: only new events), then
  // live, on one of the broker's threads, one call at a time. `callback` must not block.
  // InvalidArgument for a bad cursor or topic list; NotFound for an unknown topic.
  // Must not be called from inside a subscription callback.
  absl::StatusOr<std::unique_ptr<SubscriptionHandle>> Subscribe(std::vector<std::string> topics,
                                                                 std::string_view from,
                                                                 SubscribeCallback callback);

  // The layers the transports are built on.
  Engine& engine() { return *engine_; }
  fanout::ShardPool& shards() { return *shards_; }

 private:
  explicit Broker(BrokerOptions options);

  BrokerOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<engine::LocalEngine> engine_;
  std::unique_ptr<fanout::ShardPool> shards_;
};

}  // namespace herald

#endif  // HERALD_BROKER_BROKER_H_
