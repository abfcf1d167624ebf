#include "broker/engine/redis/redis_engine.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "broker/core/outcome.h"
#include "broker/core/status_macros.h"
#include "broker/core/string_view.h"
#include "broker/core/topic_log.h"
#include "broker/engine/redis/redis_messages.h"

namespace herald::engine {
namespace {

// herald.lua, embedded at build time.
constexpr char kFunctions[] =
#include "broker/engine/redis/herald_lua.inc"
    ;

// Events read from Redis per call when a mirror catches up.
constexpr size_t kSyncBatch = 512;
// How often a node whose fan-out is behind looks again before taking more events.
constexpr std::chrono::milliseconds kFanoutRecheck{2};
// How often nodes tell each other through Redis whether their fan-out is behind, and how
// long a node's word lasts (a node that dies stops holding publishers back).
constexpr std::chrono::milliseconds kPressureInterval{20};
constexpr int kPressureTtlMs = 200;

// A topic's configuration as herald.lua's functions take it.
std::vector<std::string> ConfigArgs(const TopicConfig& config) {
  return {absl::StrCat(config.retention.max_events), absl::StrCat(config.retention.max_bytes),
          absl::StrCat(absl::ToInt64Milliseconds(config.retention.max_age)),
          config.allow_browser_publish ? "1" : "0", absl::StrCat(config.max_subscribers)};
}

// A topic function's error reply as the Engine interface words it for `topic`.
absl::Status TopicFunctionError(const RedisValue& reply, const std::string& topic) {
  absl::Status error = FunctionError(reply);
  if (absl::IsNotFound(error)) return TopicNotFound(topic);
  if (absl::IsAlreadyExists(error)) {
    return absl::AlreadyExistsError(absl::StrCat("topic '", topic, "' already exists"));
  }
  return error;
}

std::string RandomMarker() {
  std::random_device device;
  return absl::StrCat(device(), "-", device(), "-", absl::ToUnixMicros(absl::Now()));
}

}  // namespace

// This node's copy of one topic. The engine's thread changes it; fields marked so are read
// by other threads under the engine's mu_, the rest belongs to the engine's thread alone.
struct RedisEngine::Mirror {
  // Under mu_. `known` is false until Redis told this node the topic's state: other threads
  // do not see the topic before.
  bool known = false;
  TopicConfig config;
  uint32_t epoch = 0;
  // events[i] has offset first + i; next is one past the newest.
  uint64_t first = 1;
  uint64_t next = 1;
  uint64_t bytes = 0;
  std::deque<EventPtr> events;

  // The engine's thread only.
  // Events that arrived ahead of `next`, delivered once the gap before them is refilled.
  std::map<uint64_t, EventPtr> early;
  // Publishes stored by Redis, answered once this node delivered their event.
  std::deque<Ack> acks;
  bool syncing = false;
  bool sync_again = false;
  // A subscriber's cursor is at this offset minus one: Redis must reach it too.
  uint64_t wanted_next = 0;
  // Redis's next offset at the last periodic check.
  uint64_t checked_next = 0;
  // Redis's data-loss marker when this node last found the topic there.
  std::string marker;

  // A history that begins at `offset` with nothing retained yet. Under mu_.
  void RestartAt(uint64_t offset) {
    events.clear();
    bytes = 0;
    first = next = offset;
  }

  // Under mu_.
  TopicInfo Info() const {
    return {.config = config,
            .epoch = epoch,
            .first_offset = first,
            .last_offset = next - 1,
            .retained_bytes = bytes};
  }
};

RedisEngine::RedisEngine(EngineOptions rules, RedisEngineOptions options)
    : rules_(std::move(rules)),
      options_(std::move(options)),
      channel_(options_.prefix + "events"),
      topics_key_(options_.prefix + "topics"),
      marker_key_(options_.prefix + "marker"),
      work_(boost::asio::make_work_guard(io_)),
      commands_(io_, options_.address, options_.timeout),
      pubsub_(io_, options_.address, options_.timeout),
      check_timer_(io_),
      pressure_timer_(io_),
      node_id_(RandomMarker()),
      behind_key_(options_.prefix + "behind"),
      commands_retry_(io_),
      pubsub_retry_(io_),
      commands_backoff_(options_.reconnect_delay),
      pubsub_backoff_(options_.reconnect_delay) {}

absl::StatusOr<std::unique_ptr<RedisEngine>> RedisEngine::Start(EngineOptions rules,
                                                                RedisEngineOptions options) {
  if (options.prefix.find_first_of("{}") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("Redis key prefix '", options.prefix,
                                                   "' has a brace; topic names are the hash tags"));
  }
  if (options.timeout <= absl::ZeroDuration() || options.check_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("Redis timeout and check interval must be positive");
  }
  std::unique_ptr<RedisEngine> engine(new RedisEngine(std::move(rules), std::move(options)));
  {
    MutexLock lock(engine->mu_);
    engine->unavailable_ =
        absl::StrCat("Redis at ", engine->options_.address.ToString(), ": not connected yet");
  }
  engine->thread_ = std::thread([e = engine.get()] {
    // hiredis writes with write(2): to a Redis that went away that raises SIGPIPE, which
    // ends the process. Blocked in this thread, the write fails with EPIPE instead.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    e->io_.run();
  });
  boost::asio::post(engine->io_, [e = engine.get()] {
    e->ConnectCommands();
    e->ConnectPubSub();
    e->SharePressure();
  });
  const absl::Time deadline = absl::Now() + engine->options_.timeout;
  while (!engine->loaded_.load() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  return engine;
}

RedisEngine::~RedisEngine() {
  boost::asio::post(io_, [this] {
    stopping_ = true;
    check_timer_.cancel();
    pressure_timer_.cancel();
    commands_retry_.cancel();
    pubsub_retry_.cancel();
    commands_.Close();
    pubsub_.Close();
    MutexLock lock(mu_);
    for (auto& [name, mirror] : mirrors_) {
      // Stored by Redis: the publisher gets its event, though this node delivers no more.
      for (Ack& ack : mirror->acks) std::move(ack.done)(ack.event);
      mirror->acks.clear();
    }
    work_.reset();
  });
  thread_.join();
}

std::vector<std::string> RedisEngine::warnings() const {
  MutexLock lock(mu_);
  return warnings_;
}

void RedisEngine::SetSink(EventSink sink) {
  // The sink is the engine thread's: set there, before anything posted after this call.
  RunAndWait<bool>([this, sink = std::move(sink)](absl::AnyInvocable<void(bool) &&> done) mutable {
    sink_ = std::move(sink);
    std::move(done)(true);
  });
}

std::string RedisEngine::Key(const std::string& topic, std::string_view part) const {
  return absl::StrCat(options_.prefix, "{", topic, "}:", AbslView(part));
}

// Connections --------------------------------------------------------------------------------

void RedisEngine::ConnectCommands() {
  if (stopping_) return;
  commands_.Connect(
      [this](absl::Status status) {
        if (status.ok()) {
          OnCommandsReady();
        } else {
          RetryCommands(std::string(status.message()));
        }
      },
      [this](absl::Status lost) {
        {
          MutexLock lock(mu_);
          unavailable_ = std::string(lost.message());
        }
        SetReady(false, pubsub_ready_);
        ConnectCommands();
      });
}

void RedisEngine::ConnectPubSub() {
  if (stopping_) return;
  pubsub_.Connect(
      [this](absl::Status status) {
        if (status.ok()) {
          pubsub_backoff_ = options_.reconnect_delay;
          pubsub_.Subscribe(channel_, [this](const RedisValue& message) { OnMessage(message); });
          return;
        }
        RetryAfter(pubsub_retry_, pubsub_backoff_, &RedisEngine::ConnectPubSub);
      },
      [this](absl::Status lost) {
        {
          MutexLock lock(mu_);
          unavailable_ = std::string(lost.message());
        }
        // Redis drops a subscriber that falls behind: what it missed is refilled from the
        // Streams once the connection is back (OnMessage's subscribe confirmation).
        SetReady(commands_ready_, false);
        ConnectPubSub();
      });
}

void RedisEngine::RetryCommands(std::string why) {
  {
    MutexLock lock(mu_);
    unavailable_ = std::move(why);
  }
  commands_.Close();
  RetryAfter(commands_retry_, commands_backoff_, &RedisEngine::ConnectCommands);
}

void RedisEngine::RetryAfter(boost::asio::steady_timer& timer, absl::Duration& backoff,
                             void (RedisEngine::*connect)()) {
  timer.expires_after(absl::ToChronoMilliseconds(backoff));
  backoff = std::min(backoff * 2, options_.max_reconnect_delay);
  timer.async_wait([this, connect](const boost::system::error_code& ec) {
    if (!ec) (this->*connect)();
  });
}

void RedisEngine::OnCommandsReady() {
  commands_.Command(
      {"FUNCTION", "LOAD", "REPLACE", kFunctions}, [this](absl::StatusOr<RedisValue> reply) {
        if (!reply.ok()) return;
        if (reply->is_error()) {
          // Also while a restarted Redis still loads its data (LOADING).
          RetryCommands(absl::StrCat(
              "Redis at ", options_.address.ToString(),
              " refused Herald's functions (Redis 7 or later is needed): ", reply->str));
          return;
        }
        commands_backoff_ = options_.reconnect_delay;
        CheckSettings();
        SetReady(true, pubsub_ready_);
        CheckAll(/*read_events=*/true);
        ScheduleCheck();
      });
}

void RedisEngine::CheckSettings() {
  if (std::exchange(settings_checked_, true)) return;
  commands_.Command({"CONFIG", "GET", "appendonly"}, [this](absl::StatusOr<RedisValue> reply) {
    if (!reply.ok() || reply->elements.size() != 2 || reply->elements[1].str == "yes") return;
    MutexLock lock(mu_);
    warnings_.push_back(absl::StrCat(
        "Redis at ", options_.address.ToString(),
        " has appendonly off: a Redis restart loses acknowledged events (set appendonly yes)"));
  });
  commands_.Command(
      {"CONFIG", "GET", "maxmemory-policy"}, [this](absl::StatusOr<RedisValue> reply) {
        if (!reply.ok() || reply->elements.size() != 2 || reply->elements[1].str == "noeviction") {
          return;
        }
        MutexLock lock(mu_);
        warnings_.push_back(absl::StrCat("Redis at ", options_.address.ToString(),
                                         " has maxmemory-policy ", reply->elements[1].str,
                                         ": it may evict topics (set noeviction)"));
      });
}

void RedisEngine::SetReady(bool commands, bool pubsub) {
  commands_ready_ = commands;
  pubsub_ready_ = pubsub;
  const bool ready = commands && pubsub && loaded_.load();
  if (ready_.exchange(ready) != ready && readiness_listener_) readiness_listener_(ready);
}

absl::Status RedisEngine::Readiness() const {
  if (ready_.load()) return absl::OkStatus();
  MutexLock lock(mu_);
  return absl::UnavailableError(unavailable_);
}

absl::Status RedisEngine::UnavailableNow() const {
  MutexLock lock(mu_);
  return absl::UnavailableError(
      absl::StrCat(unavailable_, "; nothing was stored, retry when Redis is back"));
}

void RedisEngine::SetReadinessListener(std::function<void(bool ready)> listener) {
  boost::asio::post(io_, [this, listener = std::move(listener)] {
    readiness_listener_ = listener;
    readiness_listener_(ready_.load());
  });
}

// Pub/sub and the periodic check -------------------------------------------------------------

void RedisEngine::OnMessage(const RedisValue& message) {
  if (message.elements.size() != 3) return;
  const std::string& kind = message.elements[0].str;
  if (kind == "subscribe") {
    // Whatever was published while this node was not subscribed is in the Streams.
    SetReady(commands_ready_, true);
    if (commands_ready_) CheckAll(/*read_events=*/true);
    return;
  }
  if (kind != "message") return;
  const std::string& payload = message.elements[2].str;
  if (payload.rfind("T|", 0) == 0) {
    Sync(payload.substr(2));
    return;
  }
  absl::StatusOr<StoredEvent> stored = ParseEventMessage(payload);
  if (stored.ok()) Arrived(std::move(stored->event), stored->first_retained, std::nullopt);
  // Publishers elsewhere learn at once that this node fell behind, not at the next tick:
  // events they send meanwhile queue here.
  if (const bool behind = FanoutBehind(); behind != reported_behind_) ReportPressure(behind);
}

bool RedisEngine::FanoutBehind() const {
  return options_.fanout_behind && options_.fanout_behind();
}

void RedisEngine::WhenFanoutKeepsUp(std::function<void()> then) {
  if (stopping_ || !FanoutBehind()) {
    if (!stopping_) then();
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, kFanoutRecheck);
  timer->async_wait([this, timer, then = std::move(then)](const boost::system::error_code& ec) {
    if (!ec) WhenFanoutKeepsUp(then);
  });
}

void RedisEngine::SharePressure() {
  pressure_timer_.expires_after(kPressureInterval);
  pressure_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    ReportPressure(FanoutBehind());
    SharePressure();
  });
}

void RedisEngine::ReportPressure(bool behind) {
  if (!commands_.connected()) {
    peers_behind_.store(false, std::memory_order_relaxed);
    return;
  }
  reported_behind_ = behind;
  commands_.Command({"FCALL", "herald_v2_pressure", "1", behind_key_, node_id_, behind ? "1" : "0",
                     absl::StrCat(kPressureTtlMs)},
                    [this](absl::StatusOr<RedisValue> reply) {
                      peers_behind_.store(reply.ok() && reply->AsInt() > 0,
                                          std::memory_order_relaxed);
                    });
}

void RedisEngine::ScheduleCheck() {
  check_timer_.expires_after(absl::ToChronoMilliseconds(options_.check_interval));
  check_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    if (commands_.connected()) CheckAll(/*read_events=*/false);
    ScheduleCheck();
  });
}

void RedisEngine::CheckAll(bool read_events) {
  // A marker for herald_v2_read to report; a new one after Redis lost its data.
  commands_.Command({"SET", marker_key_, RandomMarker(), "NX"}, [](absl::StatusOr<RedisValue>) {});
  commands_.Command({"SMEMBERS", topics_key_},
                    [this, read_events](absl::StatusOr<RedisValue> reply) {
                      if (!reply.ok() || reply->is_error()) return;
                      std::set<std::string> names;
                      for (const RedisValue& name : reply->elements) names.insert(name.str);
                      {
                        MutexLock lock(mu_);
                        for (const auto& [name, mirror] : mirrors_) names.insert(name);
                      }
                      if (!catalog_read_) {
                        catalog_read_ = true;
                        loading_ = names;
                        LoadedIfDone();
                      }
                      for (const std::string& name : names) Sync(name, read_events);
                    });
}

// Mirrors ------------------------------------------------------------------------------------

RedisEngine::Mirror& RedisEngine::MirrorOf(const std::string& topic) {
  MutexLock lock(mu_);
  std::unique_ptr<Mirror>& mirror = mirrors_[topic];
  if (!mirror) mirror = std::make_unique<Mirror>();
  return *mirror;
}

void RedisEngine::Sync(const std::string& topic, bool read_events) {
  if (stopping_) return;
  Mirror& mirror = MirrorOf(topic);
  if (mirror.syncing) {
    mirror.sync_again = true;
    return;
  }
  mirror.syncing = true;
  // A topic new to this node is read from its oldest retained event.
  const bool check = !read_events && mirror.known;
  const uint64_t after = mirror.known ? mirror.next - 1 : 0;
  commands_.Command({"FCALL_RO", "herald_v2_read", "3", Key(topic, "meta"), Key(topic, "log"),
                     marker_key_, absl::StrCat(after), check ? "0" : absl::StrCat(kSyncBatch)},
                    [this, topic, check](absl::StatusOr<RedisValue> reply) {
                      OnSynced(topic, check, std::move(reply));
                    });
}

void RedisEngine::OnSynced(const std::string& topic, bool check, absl::StatusOr<RedisValue> reply) {
  Mirror* found;
  {
    MutexLock lock(mu_);
    auto it = mirrors_.find(topic);
    if (it == mirrors_.end()) return;
    found = it->second.get();
  }
  Mirror& mirror = *found;
  mirror.syncing = false;
  // Unreachable: the check after reconnecting syncs again.
  if (!reply.ok() || reply->is_error()) return;
  absl::StatusOr<TopicState> state = ParseTopicState(topic, *reply);
  if (!state.ok()) return;
  const TopicState& now = *state;
  if (!now.exists) {
    // Gone, with the marker this node saw it under: deleted. With another marker (or none):
    // Redis lost its data, and the topic is written back in a new epoch.
    if (mirror.known && now.marker != mirror.marker) {
      Recreate(mirror);
    } else {
      Forget(topic);
    }
    return;
  }
  mirror.marker = now.marker;
  bool reset = false;
  {
    MutexLock lock(mu_);
    mirror.config = now.config;
    if (!mirror.known || mirror.epoch != now.epoch) {
      // A topic new to this node, or a new history: start from what Redis retains.
      reset = mirror.known;
      mirror.known = true;
      mirror.epoch = now.epoch;
      mirror.RestartAt(now.first_retained);
    }
  }
  if (reset) {
    // The events read were after the old history's position: read the new one afresh.
    mirror.sync_again = true;
  } else if (now.next_offset < mirror.next) {
    // Redis is behind what this node delivered in the same epoch: it lost events.
    Rotate(mirror, mirror.next, /*force=*/false);
    return;
  } else {
    ApplyEvents(mirror, now);
    if (check) {
      // Events in flight make Redis a little ahead at any moment; one that was ahead at the
      // last check too, and still is, lost a message (the last of a burst, typically).
      if (mirror.next < mirror.checked_next) mirror.sync_again = true;
      mirror.checked_next = now.next_offset;
    } else if (mirror.next < now.next_offset) {
      mirror.sync_again = true;
    }
    if (mirror.next >= now.next_offset && mirror.wanted_next > mirror.next) {
      // Caught up, and a cursor from another node is ahead of Redis too.
      const uint64_t wanted = std::exchange(mirror.wanted_next, 0);
      Rotate(mirror, wanted, /*force=*/false);
      return;
    }
  }
  DeliverEarly(mirror);
  AnswerAcks(mirror);
  if (std::exchange(mirror.sync_again, false)) {
    WhenFanoutKeepsUp([this, topic] { Sync(topic); });
  } else {
    Loaded(topic);
  }
}

void RedisEngine::Loaded(const std::string& topic) {
  loading_.erase(topic);
  LoadedIfDone();
}

void RedisEngine::LoadedIfDone() {
  if (loaded_.load() || !catalog_read_ || !loading_.empty()) return;
  loaded_.store(true);
  SetReady(commands_ready_, pubsub_ready_);
}

void RedisEngine::ApplyEvents(Mirror& mirror, const TopicState& state) {
  for (const EventPtr& event : state.events) {
    if (event->offset < mirror.next) continue;
    if (event->offset > mirror.next) {
      // Redis trimmed what this node had not read yet: the mirror continues after the gap,
      // which subscribers are told about as herald.gap.
      MutexLock lock(mu_);
      mirror.RestartAt(event->offset);
    }
    Append(mirror, event);
  }
  TrimTo(mirror, state.first_retained);
}

void RedisEngine::Rotate(Mirror& mirror, uint64_t min_next, bool force) {
  const std::string topic = mirror.config.name;
  FunctionCall("herald_v2_rotate", topic,
               {absl::StrCat(mirror.epoch), absl::StrCat(min_next), absl::StrCat(NewEpoch()),
                force ? "1" : "0"},
               [this, topic](absl::StatusOr<RedisValue>) { Sync(topic); });
}

void RedisEngine::Recreate(Mirror& mirror) {
  const std::string topic = mirror.config.name;
  std::vector<std::string> args = {absl::StrCat(NewEpoch()), absl::StrCat(mirror.next)};
  for (std::string& arg : ConfigArgs(mirror.config)) args.push_back(std::move(arg));
  FunctionCall("herald_v2_create", topic, std::move(args),
               [this, topic](absl::StatusOr<RedisValue>) { Sync(topic); });
}

void RedisEngine::Forget(const std::string& topic) {
  std::unique_ptr<Mirror> gone;
  {
    MutexLock lock(mu_);
    auto it = mirrors_.find(topic);
    if (it == mirrors_.end()) return;
    gone = std::move(it->second);
    mirrors_.erase(it);
  }
  for (Ack& ack : gone->acks) std::move(ack.done)(ack.event);
  Loaded(topic);
}

// Publishing ---------------------------------------------------------------------------------

void RedisEngine::Publish(PublishRequest request, PublishCallback done) {
  if (absl::Status status = CheckPublish(request, rules_); !status.ok()) {
    std::move(done)(status);
    return;
  }
  boost::asio::post(io_, [this, request = std::move(request), done = std::move(done)]() mutable {
    StartPublish(std::move(request), std::move(done));
  });
}

void RedisEngine::StartPublish(PublishRequest request, PublishCallback done) {
  if (!commands_.connected() || stopping_) {
    std::move(done)(UnavailableNow());
    return;
  }
  uint32_t seen_epoch = 0;
  uint64_t seen_next = 0;
  {
    MutexLock lock(mu_);
    if (auto it = mirrors_.find(request.topic); it != mirrors_.end() && it->second->known) {
      seen_epoch = it->second->epoch;
      seen_next = it->second->next;
    }
  }
  const RetentionPolicy& retention = rules_.default_retention;
  std::vector<std::string> args = {request.type,
                                   request.data,
                                   request.dedup_key,
                                   absl::StrCat(seen_epoch),
                                   absl::StrCat(seen_next),
                                   absl::StrCat(NewEpoch()),
                                   rules_.auto_create_topics ? "1" : "0",
                                   absl::StrCat(retention.max_events),
                                   absl::StrCat(retention.max_bytes),
                                   absl::StrCat(absl::ToInt64Milliseconds(retention.max_age))};
  const std::string topic = request.topic;
  FunctionCall("herald_v2_publish", topic, std::move(args),
               [this, request = std::move(request),
                done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                 if (!reply.ok()) {
                   std::move(done)(absl::UnavailableError(absl::StrCat(
                       reply.status().message(),
                       "; the event may or may not be stored: retry with the same dedup_key")));
                   return;
                 }
                 if (reply->is_error()) {
                   std::move(done)(TopicFunctionError(*reply, request.topic));
                   return;
                 }
                 absl::StatusOr<StoredEvent> stored =
                     ParsePublishReply(*reply, std::move(request.topic), std::move(request.type),
                                       std::move(request.data));
                 if (!stored.ok()) {
                   std::move(done)(stored.status());
                   return;
                 }
                 Arrived(std::move(stored->event), stored->first_retained, std::move(done));
               });
}

void RedisEngine::FunctionCall(const std::string& function, const std::string& topic,
                               std::vector<std::string> args, RedisReplyCallback done) {
  std::vector<std::string> command = {"FCALL",
                                      function,
                                      "5",
                                      Key(topic, "meta"),
                                      Key(topic, "log"),
                                      Key(topic, "dedup"),
                                      topics_key_,
                                      marker_key_,
                                      channel_,
                                      topic};
  for (std::string& arg : args) command.push_back(std::move(arg));
  commands_.Command(command, std::move(done));
}

void RedisEngine::Arrived(EventPtr event, uint64_t first_retained,
                          std::optional<PublishCallback> done) {
  const std::string topic = event->topic;
  Mirror& mirror = MirrorOf(topic);
  if (done) mirror.acks.push_back({event, *std::move(done)});
  if (!mirror.known || event->epoch != mirror.epoch) {
    // A topic or a history this node has not loaded yet: Sync reads it from the Stream.
    mirror.early[event->offset] = std::move(event);
    Sync(topic);
    return;
  }
  if (event->offset < mirror.next) {
    if (event->offset >= mirror.first) {
      const EventPtr& mine = mirror.events[event->offset - mirror.first];
      // Redis handed out an offset this node already delivered, for another event: it went
      // back in time (restarted from an older snapshot).
      if (mine->publish_time != event->publish_time) Rotate(mirror, mirror.next, /*force=*/true);
    }
  } else if (event->offset == mirror.next) {
    Append(mirror, std::move(event));
    DeliverEarly(mirror);
  } else {
    mirror.early[event->offset] = std::move(event);
    Sync(topic);
  }
  TrimTo(mirror, first_retained);
  AnswerAcks(mirror);
}

void RedisEngine::Append(Mirror& mirror, EventPtr event) {
  {
    MutexLock lock(mu_);
    mirror.bytes += event->Bytes();
    mirror.events.push_back(event);
    ++mirror.next;
  }
  // Outside the lock: a subscriber that read the new bounds and then sees the event drops it
  // by offset, and one that read the old bounds gets it.
  if (sink_) sink_(event);
}

void RedisEngine::DeliverEarly(Mirror& mirror) {
  while (!mirror.early.empty()) {
    auto it = mirror.early.begin();
    if (it->second->epoch != mirror.epoch || it->first < mirror.next) {
      mirror.early.erase(it);
      continue;
    }
    if (it->first != mirror.next) return;
    EventPtr event = std::move(it->second);
    mirror.early.erase(it);
    Append(mirror, std::move(event));
  }
}

void RedisEngine::TrimTo(Mirror& mirror, uint64_t first_retained) {
  MutexLock lock(mu_);
  while (mirror.first < first_retained && !mirror.events.empty()) {
    mirror.bytes -= mirror.events.front()->Bytes();
    mirror.events.pop_front();
    ++mirror.first;
  }
  if (mirror.events.empty()) mirror.first = mirror.next;
}

void RedisEngine::AnswerAcks(Mirror& mirror) {
  while (!mirror.acks.empty()) {
    Ack& ack = mirror.acks.front();
    const bool delivered = ack.event->epoch == mirror.epoch && ack.event->offset < mirror.next;
    // Of a history this node has moved past: stored, though no longer delivered here.
    const bool superseded = ack.event->epoch != mirror.epoch && !mirror.syncing;
    if (!delivered && !superseded) return;
    Ack answered = std::move(ack);
    mirror.acks.pop_front();
    std::move(answered.done)(std::move(answered.event));
  }
}

// Topics -------------------------------------------------------------------------------------

template <typename T>
T RedisEngine::RunAndWait(absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>) &&> call) {
  auto outcome = std::make_shared<Outcome<T>>();
  boost::asio::post(io_, [call = std::move(call), outcome]() mutable {
    std::move(call)([outcome](T value) { outcome->Set(std::move(value)); });
  });
  return outcome->Wait();
}

absl::Status RedisEngine::TopicCall(const std::string& function, const std::string& topic,
                                    std::vector<std::string> args,
                                    absl::AnyInvocable<void(const RedisValue&) &&> stored) {
  using Answer = absl::AnyInvocable<void(absl::Status) &&>;
  return RunAndWait<absl::Status>([&](Answer answer) mutable {
    if (!commands_.connected()) {
      std::move(answer)(UnavailableNow());
      return;
    }
    FunctionCall(
        function, topic, std::move(args),
        [&topic, &stored, answer = std::move(answer)](absl::StatusOr<RedisValue> reply) mutable {
          std::move(answer)([&]() -> absl::Status {
            if (!reply.ok()) return reply.status();
            if (!reply->is_error()) {
              std::move(stored)(*reply);
              return absl::OkStatus();
            }
            return TopicFunctionError(*reply, topic);
          }());
        });
  });
}

absl::StatusOr<TopicInfo> RedisEngine::CreateTopic(const TopicConfig& config) {
  HERALD_RETURN_IF_ERROR(ValidateTopicConfig(config));
  const uint32_t epoch = NewEpoch();
  std::vector<std::string> args = {absl::StrCat(epoch), "1"};
  for (std::string& arg : ConfigArgs(config)) args.push_back(std::move(arg));
  HERALD_RETURN_IF_ERROR(
      TopicCall("herald_v2_create", config.name, std::move(args), [&](const RedisValue& reply) {
        Mirror& mirror = MirrorOf(config.name);
        if (reply.elements.size() == 2) mirror.marker = reply.elements[1].str;
        MutexLock lock(mu_);
        // Unless pub/sub's notice of the creation came first.
        if (!mirror.known || mirror.epoch != epoch) {
          mirror.known = true;
          mirror.config = config;
          mirror.epoch = epoch;
          mirror.RestartAt(1);
        }
      }));
  return GetTopic(config.name);
}

absl::StatusOr<TopicInfo> RedisEngine::UpdateTopic(const TopicConfig& config) {
  HERALD_RETURN_IF_ERROR(ValidateTopicConfig(config));
  HERALD_RETURN_IF_ERROR(
      TopicCall("herald_v2_update", config.name, ConfigArgs(config), [&](const RedisValue&) {
        Mirror& mirror = MirrorOf(config.name);
        {
          MutexLock lock(mu_);
          mirror.config = config;
        }
        // A tighter retention trimmed the Stream: the mirror follows.
        Sync(config.name);
      }));
  return GetTopic(config.name);
}

absl::Status RedisEngine::DeleteTopic(std::string_view name) {
  const std::string topic(name);
  return TopicCall("herald_v2_delete", topic, {}, [&](const RedisValue&) { Forget(topic); });
}

// Reads from the mirrors ---------------------------------------------------------------------

const RedisEngine::Mirror* RedisEngine::KnownMirror(std::string_view topic) const {
  auto it = mirrors_.find(topic);
  return it == mirrors_.end() || !it->second->known ? nullptr : it->second.get();
}

absl::StatusOr<TopicInfo> RedisEngine::GetTopic(std::string_view name) const {
  MutexLock lock(mu_);
  const Mirror* mirror = KnownMirror(name);
  if (mirror == nullptr) return TopicNotFound(name);
  return mirror->Info();
}

std::vector<TopicInfo> RedisEngine::ListTopics(std::string_view after, size_t limit) const {
  std::vector<TopicInfo> infos;
  MutexLock lock(mu_);
  auto it = after.empty() ? mirrors_.begin() : mirrors_.upper_bound(after);
  for (; it != mirrors_.end() && infos.size() < limit; ++it) {
    if (it->second->known) infos.push_back(it->second->Info());
  }
  return infos;
}

size_t RedisEngine::TopicCount() const {
  MutexLock lock(mu_);
  return static_cast<size_t>(std::count_if(mirrors_.begin(), mirrors_.end(),
                                           [](const auto& entry) { return entry.second->known; }));
}

absl::StatusOr<ReadResult> RedisEngine::ReadAfter(std::string_view topic, uint64_t after,
                                                  size_t max_events) const {
  MutexLock lock(mu_);
  const Mirror* m = KnownMirror(topic);
  if (m == nullptr) return TopicNotFound(topic);
  ReadResult result{.epoch = m->epoch, .first_offset = m->first, .last_offset = m->next - 1};
  for (uint64_t offset = std::max(after + 1, m->first);
       offset < m->next && result.events.size() < max_events; ++offset) {
    result.events.push_back(m->events[offset - m->first]);
  }
  return result;
}

bool RedisEngine::CatchUp(std::string_view topic, uint32_t epoch, uint64_t offset) const {
  // Posting changes only the engine thread's state; the const interface is the fan-out's.
  auto* self = const_cast<RedisEngine*>(this);
  boost::asio::post(self->io_, [self, topic = std::string(topic), epoch, offset] {
    Mirror& mirror = self->MirrorOf(topic);
    if (!mirror.known || mirror.epoch != epoch || offset < mirror.next) return;
    mirror.wanted_next = std::max(mirror.wanted_next, offset + 1);
    self->Sync(topic);
  });
  return true;
}

}  // namespace herald::engine
