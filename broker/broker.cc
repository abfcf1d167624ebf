#include "broker/broker.h"

#include <algorithm>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/post.hpp"
#include "broker/control/control_server.h"
#include "broker/core/cursor.h"
#include "broker/core/status_macros.h"
#include "broker/edge/edge_server.h"
#include "broker/engine/local/local_engine.h"
#include "broker/engine/redis/redis_engine.h"
#include "broker/fanout/encoded_event.h"
#include "broker/fanout/shard.h"
#include "broker/fanout/subscription.h"
#include "broker/observe/log.h"
#include "broker/observe/metrics.h"
#include "broker/session/session_collector.h"
#include "broker/session/session_registry.h"
#include "broker/session/subscribe_request.h"
#include "broker/store/open_store.h"
#include "prometheus/exposer.h"

namespace herald {
namespace {

PublishResult ResultOf(const Event& event) {
  return {EncodeTopicCursor(event.topic, event.epoch, event.offset), event.offset, event.epoch};
}

// Runs `fn` on `shard`'s thread and waits for it; inline when already there.
template <typename Fn>
auto RunOnShard(fanout::Shard& shard, Fn fn) -> decltype(fn()) {
  if (shard.running_in_this_thread()) return fn();
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  boost::asio::post(shard.context(), [&task] { task(); });
  return result.get();
}

// A subscription whose deliveries are calls to a user callback. Lives on one shard.
class CallbackSubscription final : public SubscriptionHandle, public fanout::Delivery {
 public:
  CallbackSubscription(fanout::Shard& shard, const Engine& engine, SubscribeCallback callback)
      : shard_(shard),
        callback_(std::move(callback)),
        subscription_(std::make_unique<fanout::Subscription>(shard, engine, *this,
                                                             fanout::CursorMode::kCombined)) {}

  ~CallbackSubscription() override { Cancel(); }

  absl::Status Add(const std::vector<std::string>& topics, const Cursor& from) {
    return RunOnShard(shard_, [&]() -> absl::Status {
      for (const std::string& topic : topics) {
        HERALD_RETURN_IF_ERROR(
            subscription_->Add(topic, from.empty() ? nullptr : from.Find(topic)));
      }
      subscription_->Pump();
      return absl::OkStatus();
    });
  }

  void Cancel() override {
    if (cancelled_.exchange(true)) return;
    if (shard_.running_in_this_thread()) {
      // Inside a delivery: the subscription is on the stack above us; free it afterwards.
      boost::asio::post(shard_.context(),
                        [s = std::shared_ptr<fanout::Subscription>(std::move(subscription_))] {});
      return;
    }
    RunOnShard(shard_, [this] { subscription_.reset(); });
  }

 private:
  bool HasRoom() const override { return true; }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& event,
               const std::string& id) override {
    if (cancelled_) return;
    callback_({.kind = SubscriberEvent::Kind::kEvent,
               .event = event->event,
               .topic = event->event->topic,
               .cursor = id});
  }

  void DeliverNotice(const fanout::Notice& notice, const std::string& id) override {
    if (cancelled_) return;
    callback_({.kind = notice.kind == fanout::Notice::Kind::kGap ? SubscriberEvent::Kind::kGap
                                                                 : SubscriberEvent::Kind::kReset,
               .topic = notice.topic,
               .message = notice.message,
               .cursor = id});
  }

  // Callbacks take events synchronously: there is no queue to overflow.
  void Overflow() override {}

  fanout::Shard& shard_;
  SubscribeCallback callback_;
  std::atomic<bool> cancelled_{false};
  std::unique_ptr<fanout::Subscription> subscription_;
};

}  // namespace

struct Broker::Impl {
  explicit Impl(BrokerOptions o) : options(std::move(o)) {}

  BrokerOptions options;
  // The node's metrics, which everything below records into: declared first, destroyed
  // last. Shared with publishes in flight and the metrics port's exposer.
  std::shared_ptr<observe::Metrics> metrics;
  std::shared_ptr<session::SessionCollector> session_collector;
  // The local engine's; none with Redis.
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> warnings;
  std::unique_ptr<fanout::ShardPool> shards;
  // Every session of every transport, and the node's drain; lives on the shards.
  std::unique_ptr<session::SessionRegistry> sessions;
  // Declared after the registry: destroyed first, while it still drives their sessions.
  std::unique_ptr<edge::EdgeServer> edge;
  std::unique_ptr<control::ControlServer> control;
  std::unique_ptr<prometheus::Exposer> metrics_listener;
  // The control server the engine's readiness reaches, while it serves.
  Mutex health_mu;
  control::ControlServer* health_target ABSL_GUARDED_BY(health_mu) = nullptr;
};

namespace {

absl::StatusOr<std::unique_ptr<Engine>> StartEngine(const BrokerOptions& options,
                                                    fanout::ShardPool& shards,
                                                    observe::Metrics& metrics,
                                                    std::unique_ptr<Store>& store,
                                                    std::vector<std::string>& warnings) {
  if (options.engine_kind == EngineKind::kRedis) {
    engine::RedisEngineOptions redis_options = options.redis;
    redis_options.fanout_behind = [&shards] { return shards.Overloaded(); };
    HERALD_ASSIGN_OR_RETURN(std::unique_ptr<engine::RedisEngine> redis,
                            engine::RedisEngine::Start(options.engine, redis_options));
    warnings = redis->warnings();
    return redis;
  }
  HERALD_ASSIGN_OR_RETURN(store, store::OpenStore(options.store, &metrics));
  auto local = std::make_unique<engine::LocalEngine>(*store, *options.clock, options.engine);
  HERALD_RETURN_IF_ERROR(local->Load());
  return local;
}

// A host name or address that only this machine reaches.
bool IsLoopback(std::string_view address) {
  return address == "localhost" || address.starts_with("127.") || address == "::1" ||
         address == "[::1]";
}

// Redis's protected mode, for both listeners: reachable beyond this host means credentials.
absl::Status CheckProtectedMode(const BrokerOptions& options) {
  const control::ControlOptions& control = options.control;
  if (options.serve_control && !IsLoopback(control.address) && control.api_keys.empty() &&
      control.api_keys_file.empty() && control.tls_client_ca_file.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "protected mode: the control plane would listen on %s with no API keys, so anyone who "
        "reaches it could publish, delete topics and drain the node; set --api_keys_file (or "
        "require client certificates with --grpc_tls_client_ca), or listen on 127.0.0.1",
        control.address));
  }
  if (options.serve_edge && !IsLoopback(options.edge.address) && !options.edge.access_tokens &&
      !options.edge.allow_anonymous_browsers) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "protected mode: the browser edge would listen on %s with no access tokens, so any "
        "browser could follow every topic; set --access_token_secret_file or "
        "--access_token_keys_file, or --allow_anonymous_browsers if public streams are meant",
        options.edge.address));
  }
  return absl::OkStatus();
}

// Serves `metrics` at http://`address`/metrics on threads of its own (prometheus-cpp's
// Exposer). Unavailable when the address cannot be bound.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& address, const std::shared_ptr<observe::Metrics>& metrics) {
  std::unique_ptr<prometheus::Exposer> listener;
  try {
    // One thread: scrapes come every few seconds.
    listener = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on '", address, "' (",
                                               e.what(), "); use host:port with a free port"));
  }
  listener->RegisterCollectable(metrics);
  return listener;
}

}  // namespace

Broker::Broker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::Status Broker::Reload() {
  // Each file set is tried even when another fails, so one bad file holds back only itself.
  absl::Status status;
  const std::shared_ptr<auth::BrowserTokenVerifier>& tokens = impl_->options.edge.access_tokens;
  if (tokens) status.Update(tokens->Reload());
  if (impl_->edge) status.Update(impl_->edge->ReloadTls());
  return status;
}

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(BrokerOptions options) {
  if (options.clock == nullptr) return absl::InvalidArgumentError("BrokerOptions.clock is null");
  auth::BrowserTokenOptions& tokens = options.edge.access_token_options;
  if (!options.edge.access_tokens && tokens.HasKeys()) {
    HERALD_ASSIGN_OR_RETURN(options.edge.access_tokens, auth::BrowserTokenVerifier::Create(tokens));
  }
  HERALD_RETURN_IF_ERROR(CheckProtectedMode(options));
  if (options.edge.sweep_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("EdgeOptions.sweep_interval must be positive");
  }
  HERALD_RETURN_IF_ERROR(observe::ConfigureLogging(options.log));
  HERALD_ASSIGN_OR_RETURN(std::shared_ptr<observe::Metrics> metrics,
                          observe::Metrics::Create(options.metrics));
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& b = *impl;
  b.metrics = std::move(metrics);
  std::unique_ptr<Broker> broker(new Broker(std::move(impl)));
  b.shards = std::make_unique<fanout::ShardPool>(
      b.options.shards, fanout::ShardPool::kDefaultMaxBacklog, b.metrics.get());
  HERALD_ASSIGN_OR_RETURN(b.engine,
                          StartEngine(b.options, *b.shards, *b.metrics, b.store, b.warnings));
  b.engine->SetSink([shards = b.shards.get()](const EventPtr& event) {
    shards->Publish(fanout::EncodeEvent(event));
  });
  b.sessions = std::make_unique<session::SessionRegistry>(
      *b.shards, *b.options.clock,
      session::RegistryOptions{.sweep_interval = b.options.edge.sweep_interval,
                               .drain_timeout = b.options.edge.drain_timeout});
  b.session_collector = std::make_shared<session::SessionCollector>(*b.sessions);
  b.metrics->Add(b.session_collector);
  if (b.options.serve_edge) {
    HERALD_ASSIGN_OR_RETURN(
        b.edge, edge::EdgeServer::Start(b.options.edge, *b.engine, *b.shards, *b.sessions,
                                        *b.metrics, *b.options.clock));
  }
  if (b.options.serve_control) {
    HERALD_ASSIGN_OR_RETURN(
        b.control, control::ControlServer::Start(b.options.control, *b.engine, *b.shards,
                                                 *b.sessions, *b.metrics, *b.options.clock));
    MutexLock lock(b.health_mu);
    b.health_target = b.control.get();
  }
  if (!b.options.metrics.address.empty()) {
    HERALD_ASSIGN_OR_RETURN(b.metrics_listener, ServeMetrics(b.options.metrics.address, b.metrics));
  }
  b.engine->SetReadinessListener([&b](bool ready) {
    MutexLock lock(b.health_mu);
    if (b.health_target) b.health_target->SetEngineReady(ready);
  });
  return broker;
}

Broker::~Broker() {
  Impl& b = *impl_;
  // Scrapes end first: nothing reads the servers' counters while they go.
  b.metrics_listener.reset();
  if (b.sessions) {
    // Clients are told to go and get the drain timeout to leave, as on SIGTERM.
    b.sessions->Drain();
    b.sessions->WaitUntilNoSessions(b.options.edge.drain_timeout);
    observe::Log(observe::LogLevel::kInfo, "drain_finished",
                 {{"sessions_left", b.sessions->open_sessions()}});
    b.metrics->Remove(b.session_collector.get());
  }
  {
    MutexLock lock(b.health_mu);
    b.health_target = nullptr;
  }
  // gRPC calls live on the shards too: finish them while the shards still run.
  if (b.control) {
    b.control->Shutdown();
    b.control.reset();
  }
  // Closes what is left of the edge's connections and waits for their sessions to end.
  b.edge.reset();
  if (b.sessions) b.sessions->Stop();
  // Appends still at the store (or Redis) hand their events to the shards: let them finish
  // first.
  if (b.store) b.store->Flush();
  b.engine.reset();
  if (b.shards) b.shards->Stop();
  b.sessions.reset();
}

uint16_t Broker::edge_port() const { return impl_->edge ? impl_->edge->port() : 0; }

uint16_t Broker::edge_tls_port() const { return impl_->edge ? impl_->edge->tls_port() : 0; }
uint16_t Broker::metrics_port() const {
  if (!impl_->metrics_listener) return 0;
  const std::vector<int> ports = impl_->metrics_listener->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
}

uint16_t Broker::control_port() const {
  return impl_->control ? static_cast<uint16_t>(impl_->control->port()) : 0;
}

std::vector<std::string> Broker::warnings() const { return impl_->warnings; }

absl::Status Broker::Readiness() const { return impl_->engine->Readiness(); }

size_t Broker::Drain() { return impl_->sessions->Drain(); }

bool Broker::WaitUntilDrained(absl::Duration timeout) const {
  return impl_->sessions->WaitUntilNoSessions(timeout);
}

absl::StatusOr<TopicInfo> Broker::CreateTopic(const TopicConfig& config) {
  return impl_->engine->CreateTopic(config);
}

absl::StatusOr<TopicInfo> Broker::GetTopic(std::string_view name) const {
  return impl_->engine->GetTopic(name);
}

std::vector<TopicInfo> Broker::ListTopics(std::string_view after, size_t limit) const {
  return impl_->engine->ListTopics(after, limit);
}

absl::StatusOr<TopicInfo> Broker::UpdateTopic(const TopicConfig& config) {
  return impl_->engine->UpdateTopic(config);
}

absl::Status Broker::DeleteTopic(std::string_view name) { return impl_->engine->DeleteTopic(name); }

absl::StatusOr<PublishResult> Broker::Publish(PublishRequest request) {
  const observe::Stopwatch received;
  absl::StatusOr<EventPtr> event = PublishAndWait(*impl_->engine, std::move(request));
  impl_->metrics->RecordPublish(received, event);
  if (!event.ok()) return event.status();
  return ResultOf(**event);
}

void Broker::PublishAsync(PublishRequest request, PublishResultCallback done) {
  const observe::Stopwatch received;
  impl_->engine->Publish(std::move(request),
                         [metrics = impl_->metrics, received,
                          done = std::move(done)](absl::StatusOr<EventPtr> event) mutable {
                           metrics->RecordPublish(received, event);
                           if (event.ok()) {
                             std::move(done)(ResultOf(**event));
                           } else {
                             std::move(done)(event.status());
                           }
                         });
}

absl::StatusOr<std::unique_ptr<SubscriptionHandle>> Broker::Subscribe(
    std::vector<std::string> topics, std::string_view from, SubscribeCallback callback) {
  if (!callback) return absl::InvalidArgumentError("subscribe needs a callback");
  HERALD_ASSIGN_OR_RETURN(
      session::SubscribeRequest request,
      session::ParseSubscribeRequest(std::move(topics), from, {.metrics = impl_->metrics.get()}));
  auto subscription = std::make_unique<CallbackSubscription>(impl_->shards->Next(), *impl_->engine,
                                                             std::move(callback));
  HERALD_RETURN_IF_ERROR(subscription->Add(request.topics, request.from));
  return subscription;
}

}  // namespace herald
