// The Redis engine: several nodes share topics, offsets and history through one Redis.
//
// Redis holds the truth: per topic a metadata hash, a Stream of the retained events and the
// dedup keys, changed only by the functions in herald.lua (atomic, and they survive a Redis
// restart). Every node keeps a mirror of each topic's retained events, fed in offset order by
// pub/sub and refilled from the Stream whenever a message was lost, so subscribers and
// resumes are served from memory and nothing on a shard or gRPC thread waits for Redis. The
// node's own publishes enter its mirror from their reply, without waiting for pub/sub.
//
//   auto engine = engine::RedisEngine::Start({}, {.address = *ParseRedisUrl(url)});
//   (*engine)->SetSink([&](const EventPtr& e) { fanout.Publish(e); });
//   (*engine)->Publish({.topic = "orders", .data = "x"}, [](absl::StatusOr<EventPtr> e) {});
#ifndef HERALD_BROKER_ENGINE_REDIS_REDIS_ENGINE_H_
#define HERALD_BROKER_ENGINE_REDIS_REDIS_ENGINE_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "broker/core/engine.h"
#include "broker/core/mutex.h"
#include "broker/engine/options.h"
#include "broker/engine/redis/options.h"
#include "broker/engine/redis/redis_connection.h"
#include "broker/engine/redis/redis_messages.h"

namespace herald::engine {

// Thread-safe. Redis I/O, the mirrors' updates and the sink run on the engine's own thread.
class RedisEngine final : public Engine {
 public:
  // Starts the engine's thread and waits (up to options.timeout) until Redis answers and
  // every topic's state is loaded. An unreachable Redis is not an error: the engine starts
  // unready, refuses publishes with Unavailable and keeps reconnecting.
  // InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<RedisEngine>> Start(EngineOptions rules,
                                                            RedisEngineOptions options);
  // Answers publishes in flight (stored ones with their event) and stops the thread.
  ~RedisEngine() override;

  // What Start found wrong with Redis's settings for no loss (persistence off, an eviction
  // policy that may drop keys); empty when none.
  std::vector<std::string> warnings() const;

  void SetSink(EventSink sink) override;
  absl::StatusOr<TopicInfo> CreateTopic(const TopicConfig& config) override;
  absl::StatusOr<TopicInfo> GetTopic(std::string_view name) const override;
  std::vector<TopicInfo> ListTopics(std::string_view after, size_t limit) const override;
  size_t TopicCount() const override;
  absl::StatusOr<TopicInfo> UpdateTopic(const TopicConfig& config) override;
  absl::Status DeleteTopic(std::string_view name) override;
  void Publish(PublishRequest request, PublishCallback done) override;
  absl::StatusOr<ReadResult> ReadAfter(std::string_view topic, uint64_t after,
                                       size_t max_events) const override;
  bool CatchUp(std::string_view topic, uint32_t epoch, uint64_t offset) const override;
  bool PeersBehind() const override { return peers_behind_.load(std::memory_order_relaxed); }
  absl::Status Readiness() const override;
  void SetReadinessListener(std::function<void(bool ready)> listener) override;

 private:
  struct Mirror;
  struct Ack {
    EventPtr event;
    PublishCallback done;
  };

  RedisEngine(EngineOptions rules, RedisEngineOptions options);

  // Everything below runs on the engine's thread.
  void ConnectCommands();
  void ConnectPubSub();
  void OnCommandsReady();
  // Reconnects the command connection after a delay that doubles with each failure.
  void RetryCommands(std::string why);
  // Runs `connect` once `backoff` has passed on `timer`, and doubles `backoff`.
  void RetryAfter(boost::asio::steady_timer& timer, absl::Duration& backoff,
                  void (RedisEngine::*connect)());
  // Warns about Redis settings that lose acknowledged events.
  void CheckSettings();
  void OnMessage(const RedisValue& message);
  void ScheduleCheck();
  // Every kPressureInterval: ReportPressure.
  void SharePressure();
  // Tells Redis whether this node's fan-out is behind and learns whether any node's is.
  void ReportPressure(bool behind);
  // Compares every topic with Redis: learns new topics, refills what pub/sub lost, notices
  // deletions, data loss and a Redis that went back in time. `read_events` after a
  // reconnect, when events were surely missed; the periodic check reads states only.
  void CheckAll(bool read_events);

  Mirror& MirrorOf(const std::string& topic);
  // Reads the topic's state and events after the mirror's newest from Redis, once at a time;
  // without `read_events`, the state alone (the periodic check), reading events only when
  // it shows a message was lost.
  void Sync(const std::string& topic, bool read_events = true);
  void OnSynced(const std::string& topic, bool check, absl::StatusOr<RedisValue> reply);
  bool FanoutBehind() const;
  // Runs `then` once the fan-out keeps up (at once when it does).
  void WhenFanoutKeepsUp(std::function<void()> then);
  void ApplyEvents(Mirror& mirror, const TopicState& state);
  // The topic moves to a new epoch in Redis (see herald.lua rotate_topic), then resyncs.
  void Rotate(Mirror& mirror, uint64_t min_next, bool force);
  // Writes the mirror's topic back after Redis lost its data.
  void Recreate(Mirror& mirror);
  void Forget(const std::string& topic);
  // Start waits for every topic of the first catalog read: `topic` is one that is done.
  void Loaded(const std::string& topic);
  void LoadedIfDone();
  // The mirror of `topic` once Redis described it, or nullptr. Under mu_.
  const Mirror* KnownMirror(std::string_view topic) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void StartPublish(PublishRequest request, PublishCallback done);
  // An event Redis stored: from a publish reply (with its publisher's `done`) or pub/sub.
  void Arrived(EventPtr event, uint64_t first_retained, std::optional<PublishCallback> done);
  // Appends `event` (the mirror's next offset) and hands it to the sink.
  void Append(Mirror& mirror, EventPtr event);
  void DeliverEarly(Mirror& mirror);
  void TrimTo(Mirror& mirror, uint64_t first_retained);
  void AnswerAcks(Mirror& mirror);

  // Runs `call` on the engine's thread with a callback for its outcome, and waits for it.
  template <typename T>
  T RunAndWait(absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>) &&> call);
  void FunctionCall(const std::string& function, const std::string& topic,
                    std::vector<std::string> args, RedisReplyCallback done);
  // Calls a topic function from another thread and waits: `stored` runs on the engine's
  // thread with its reply when it succeeded. Unavailable, NotFound or AlreadyExists (naming
  // the topic), or the function's error.
  absl::Status TopicCall(const std::string& function, const std::string& topic,
                         std::vector<std::string> args,
                         absl::AnyInvocable<void(const RedisValue&) &&> stored);
  std::string Key(const std::string& topic, std::string_view part) const;
  absl::Status UnavailableNow() const;
  void SetReady(bool commands, bool pubsub);

  const EngineOptions rules_;
  const RedisEngineOptions options_;
  const std::string channel_;
  const std::string topics_key_;
  const std::string marker_key_;
  EventSink sink_;

  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  RedisConnection commands_;
  RedisConnection pubsub_;
  boost::asio::steady_timer check_timer_;
  boost::asio::steady_timer pressure_timer_;
  // Names this node in Redis's set of nodes that are behind.
  const std::string node_id_;
  const std::string behind_key_;
  std::atomic<bool> peers_behind_{false};
  boost::asio::steady_timer commands_retry_;
  boost::asio::steady_timer pubsub_retry_;
  absl::Duration commands_backoff_;
  absl::Duration pubsub_backoff_;
  bool commands_ready_ = false;
  bool pubsub_ready_ = false;
  bool stopping_ = false;
  // What this node last told Redis about its fan-out.
  bool reported_behind_ = false;
  // Redis's persistence settings are checked once, at the first connection.
  bool settings_checked_ = false;
  // Topics whose first load Start waits for.
  std::set<std::string> loading_;
  bool catalog_read_ = false;
  std::function<void(bool)> readiness_listener_;

  mutable Mutex mu_;
  // Guarded by mu_ wherever other threads read them: see Mirror.
  std::map<std::string, std::unique_ptr<Mirror>, std::less<>> mirrors_ ABSL_GUARDED_BY(mu_);
  std::string unavailable_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> warnings_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> ready_{false};
  std::atomic<bool> loaded_{false};
  std::thread thread_;
};

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_REDIS_REDIS_ENGINE_H_
