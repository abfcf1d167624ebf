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

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/control/options.h"
#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/core/event.h"
#include "broker/core/topic.h"
#include "broker/edge/edge_options.h"
#include "broker/engine/options.h"
#include "broker/engine/redis/options.h"
#include "broker/observe/log.h"
#include "broker/observe/metrics.h"
#include "broker/store/options.h"

namespace herald {

// Where topics live.
enum class EngineKind {
  // In this process, over `store`.
  kLocal,
  // In Redis, shared with every node that uses the same Redis and prefix.
  kRedis,
};

struct BrokerOptions {
  // I/O shards (event loops, one thread each); 0 means one per hardware thread.
  size_t shards = 0;
  engine::EngineOptions engine;
  EngineKind engine_kind = EngineKind::kLocal;
  // Local engine: where history is kept: the memory store by default; RocksDB in
  // store.data_dir for history that survives restarts (heraldd's default).
  store::StoreOptions store;
  // Redis engine: which Redis, and how.
  engine::RedisEngineOptions redis;
  // Time source for publish times and retention; tests inject a FakeClock.
  const Clock* clock = &SystemClock();
  // The browser edge (SSE, WebSocket, health, metrics) on edge.address:edge.port.
  bool serve_edge = false;
  edge::EdgeOptions edge;
  // The gRPC control plane (topics, publish, subscribe, admin, health) on
  // control.address:control.port.
  bool serve_control = false;
  control::ControlOptions control;
  // The process's logging (level, format, access log): applied by Start(), for the whole
  // process (the last broker started sets it).
  observe::LogOptions log;
  // The metrics listener (metrics_port()) and per-topic labels.
  observe::MetricsOptions metrics;
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
using PublishResultCallback = absl::AnyInvocable<void(absl::StatusOr<PublishResult>) &&>;

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
  // InvalidArgument for bad options; whatever the store reports when it cannot open;
  // Unavailable when a listener cannot bind. FailedPrecondition (protected mode) for a
  // control plane on an address other than loopback without API keys or client
  // certificates, and for an edge there without access tokens unless
  // edge.allow_anonymous_browsers.
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
  // ResourceExhausted past the event size limit, Unavailable when the store cannot write.
  // Blocks the calling thread for the store: never call it from a subscription callback.
  absl::StatusOr<PublishResult> Publish(PublishRequest request);
  // Like Publish, without blocking: `done` runs once the event is stored (or is refused), on
  // the calling thread or a store's thread, and must be quick.
  void PublishAsync(PublishRequest request, PublishResultCallback done);

  // Delivers every event of `topics` after `from` (a cursor; empty: only new events), then
  // live, on one of the broker's threads, one call at a time. `callback` must not block.
  // InvalidArgument for a bad cursor or topic list; NotFound for an unknown topic.
  // Must not be called from inside a subscription callback.
  absl::StatusOr<std::unique_ptr<SubscriptionHandle>> Subscribe(std::vector<std::string> topics,
                                                                std::string_view from,
                                                                SubscribeCallback callback);

  // The browser edge's bound port (the one picked when edge.port was 0); 0 without an edge.
  uint16_t edge_port() const;
  // The browser edge's bound TLS port (the one picked when edge.tls_port was 0); 0 without
  // an edge or without TLS.
  uint16_t edge_tls_port() const;
  // The control plane's bound port (the one picked when control.port was 0); 0 without one.
  uint16_t control_port() const;
  // The metrics listener's bound port; 0 without one.
  uint16_t metrics_port() const;
  // What the engine found at start that risks losing events (Redis persistence settings).
  std::vector<std::string> warnings() const;
  // OK while the engine can store publishes; Unavailable saying why (Redis unreachable).
  absl::Status Readiness() const;

  // Re-reads the files that may change while the node runs (heraldd does on SIGHUP): the
  // edge's TLS certificate and key, and the browser access token keys. New connections get what
  // was read; open ones keep their certificate, and sessions keep the grants they were opened
  // (or refreshed) with. On an error (InvalidArgument naming the file and why) what was loaded
  // before stays in use.
  absl::Status Reload();

  // Takes the node out of service, as SIGTERM and AdminService.Drain do: first /readyz
  // answers 503 and gRPC health NOT_SERVING and nothing new is accepted, then every session
  // is told to reconnect elsewhere and resume from its cursor (SSE `retry:` and close,
  // WebSocket close 1012, gRPC UNAVAILABLE; publish streams once their acks are written).
  // Sessions still open after edge.drain_timeout are closed. Returns at once with how many
  // sessions were told; idempotent (0 after the first call). Publishing through this object
  // still works.
  size_t Drain();
  // True once no session is left; false after `timeout`.
  bool WaitUntilDrained(absl::Duration timeout) const;

 private:
  struct Impl;
  explicit Broker(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace herald

#endif  // HERALD_BROKER_BROKER_H_
