#include "broker/broker.h"

#include <algorithm>
#include <future>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "broker/core/cursor.h"
#include "broker/core/status_macros.h"
#include "broker/control/control_server.h"
#include "broker/edge/edge_server.h"
#include "broker/fanout/encoded_event.h"
#include "broker/fanout/subscription.h"
#include "broker/store/open_store.h"

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
      boost::asio::post(shard_.context(), [s = std::shared_ptr<fanout::Subscription>(
                                               std::move(subscription_))] {});
      return;
    }
    RunOnShard(shard_, [this] { subscription_.reset(); });
  }

 private:
  bool HasRoom() const override { return true; }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& event,
               const std::string& id) override {
    if (cancelled_) return;
    callback_({.kind = SubscriberEvent::Kind::kEvent, .event = event->event,
               .topic = event->event->topic, .cursor = id});
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

Broker::Broker(BrokerOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(BrokerOptions options) {
  if (options.clock == nullptr) return absl::InvalidArgumentError("BrokerOptions.clock is null");
  std::unique_ptr<Broker> broker(new Broker(std::move(options)));
  HERALD_ASSIGN_OR_RETURN(broker->store_, store::OpenStore(broker->options_.store));
  broker->engine_ = std::make_unique<engine::LocalEngine>(*broker->store_, *broker->options_.clock,
                                                          broker->options_.engine);
  HERALD_RETURN_IF_ERROR(broker->engine_->Load());
  broker->shards_ = std::make_unique<fanout::ShardPool>(broker->options_.shards);
  broker->engine_->SetSink([shards = broker->shards_.get()](const EventPtr& event) {
    shards->Publish(fanout::EncodeEvent(event));
  });
  if (broker->options_.serve_edge) {
    HERALD_ASSIGN_OR_RETURN(broker->edge_,
                            edge::EdgeServer::Start(broker->options_.edge, *broker->engine_,
                                                    *broker->shards_, *broker->options_.clock));
  }
  if (broker->options_.serve_control) {
    if (broker->edge_ != nullptr && !broker->options_.control.other_connections) {
      // The edge outlives the control plane (~Broker shuts the control plane down first).
      broker->options_.control.other_connections = [edge = broker->edge_.get()] {
        auto open = [](const std::atomic<int64_t>& gauge) {
          return static_cast<uint64_t>(std::max<int64_t>(gauge.load(), 0));
        };
        return std::map<std::string, uint64_t>{{"sse", open(edge->metrics().sse_sessions_open)},
                                               {"ws", open(edge->metrics().ws_sessions_open)}};
      };
    }
    HERALD_ASSIGN_OR_RETURN(
        broker->control_,
        control::ControlServer::Start(broker->options_.control, *broker->engine_,
                                      *broker->shards_, *broker->options_.clock));
  }
  return broker;
}

Broker::~Broker() {
  // gRPC streams live on the shards too: finish them while the shards still run.
  if (control_) {
    control_->Shutdown();
    control_.reset();
  }
  // Sessions run on the shards: drain and end them while the shards still run.
  if (edge_) {
    edge_->Drain();
    edge_.reset();
  }
  // Appends still at the store hand their events to the shards: let them finish first.
  if (store_) store_->Flush();
  if (shards_) shards_->Stop();
}

uint16_t Broker::edge_port() const { return edge_ ? edge_->port() : 0; }

uint16_t Broker::control_port() const {
  return control_ ? static_cast<uint16_t>(control_->port()) : 0;
}

void Broker::DrainControl() {
  if (control_) control_->Drain();
}

void Broker::DrainEdge() {
  if (edge_) edge_->Drain();
}

absl::StatusOr<TopicInfo> Broker::CreateTopic(const TopicConfig& config) {
  return engine_->CreateTopic(config);
}

absl::StatusOr<TopicInfo> Broker::GetTopic(std::string_view name) const {
  return engine_->GetTopic(name);
}

std::vector<TopicInfo> Broker::ListTopics(std::string_view after, size_t limit) const {
  return engine_->ListTopics(after, limit);
}

absl::StatusOr<TopicInfo> Broker::UpdateTopic(const TopicConfig& config) {
  return engine_->UpdateTopic(config);
}

absl::Status Broker::DeleteTopic(std::string_view name) { return engine_->DeleteTopic(name); }

absl::StatusOr<PublishResult> Broker::Publish(PublishRequest request) {
  HERALD_ASSIGN_OR_RETURN(EventPtr event, PublishAndWait(*engine_, std::move(request)));
  return ResultOf(*event);
}

void Broker::PublishAsync(PublishRequest request, PublishResultCallback done) {
  engine_->Publish(std::move(request),
                   [done = std::move(done)](absl::StatusOr<EventPtr> event) mutable {
                     if (event.ok()) {
                       std::move(done)(ResultOf(**event));
                     } else {
                       std::move(done)(event.status());
                     }
                   });
}

absl::StatusOr<std::unique_ptr<SubscriptionHandle>> Broker::Subscribe(
    std::vector<std::string> topics, std::string_view from, SubscribeCallback callback) {
  if (topics.empty()) return absl::InvalidArgumentError("subscribe to at least one topic");
  if (!callback) return absl::InvalidArgumentError("subscribe needs a callback");
  Cursor cursor;
  if (!from.empty()) {
    HERALD_ASSIGN_OR_RETURN(cursor, Cursor::Parse(from));
  }
  auto subscription = std::make_unique<CallbackSubscription>(shards_->Next(), *engine_,
                                                             std::move(callback));
  HERALD_RETURN_IF_ERROR(subscription->Add(topics, cursor));
  return subscription;
}

}  // namespace herald
