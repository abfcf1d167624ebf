#include "broker/control/subscribe_service.h"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/post.hpp"
#include "broker/control/grpc_status.h"
#include "broker/core/cursor.h"
#include "broker/core/mutex.h"
#include "broker/core/status_macros.h"
#include "broker/fanout/subscription.h"
#include "broker/session/subscribe_request.h"

namespace herald::control {
namespace {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp& out) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  out.set_seconds(seconds);
  out.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

// The metadata key of the cursor a stream starts from: a client that drops before its first
// event resumes from it with nothing lost.
constexpr char kCursorMetadata[] = "herald-cursor";

// One Subscribe call. Owns itself: after OnDone it is deleted on its shard, after every
// earlier post to that shard. The Subscription is created, used and destroyed on the shard;
// the queue is shared between the shard (producer) and gRPC's reactions (consumer) under mu_.
class SubscribeReactor final : public grpc::ServerWriteReactor<v1::Event>,
                               public fanout::Delivery,
                               public session::Session {
 public:
  SubscribeReactor(ServiceEnvironment& env, grpc::CallbackServerContext* context,
                   const v1::SubscribeRequest& request)
      : env_(env),
        context_(context),
        shard_(env.shards.Next()),
        limit_(env.options.subscriber_queue_events),
        peer_(context->peer()) {
    absl::StatusOr<session::SubscribeRequest> parsed = Accept(*context, request);
    if (!parsed.ok()) {
      {
        MutexLock lock(mu_);
        failure_ = ToGrpcStatus(parsed.status());
      }
      Step();
      return;
    }
    boost::asio::post(shard_.context(),
                      [this, parsed = *std::move(parsed)] { StartOnShard(parsed); });
  }

  // The request, once the caller may subscribe and the node takes new streams.
  absl::StatusOr<session::SubscribeRequest> Accept(const grpc::CallbackServerContext& context,
                                                   const v1::SubscribeRequest& request) const {
    HERALD_ASSIGN_OR_RETURN(const auth::ApiKey* key,
                            env_.AuthorizeKey(context, auth::Action::kSubscribe));
    for (const std::string& topic : request.topics()) {
      HERALD_RETURN_IF_ERROR(auth::CheckPermitted(key, auth::Action::kSubscribe, topic));
    }
    HERALD_RETURN_IF_ERROR(env_.CheckAcceptingStreams());
    return session::ParseSubscribeRequest(
        std::vector<std::string>(request.topics().begin(), request.topics().end()), request.from(),
        {.cursor_field = "from", .metrics = &env_.metrics});
  }

  void OnWriteDone(bool ok) override {
    bool pump = false;
    {
      MutexLock lock(mu_);
      writing_ = false;
      queued_bytes_ -= queue_.front().data().size();
      queue_.pop_front();
      if (ok) {
        sent_.fetch_add(1, std::memory_order_relaxed);
        env_.sessions.RecordDelivered(session::Transport::kGrpc, 1);
      } else if (!failure_) {
        failure_ = grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      }
      // Replay stopped when the queue filled; resume it once there is room for a batch.
      if (replay_blocked_ && !failure_ && !pump_posted_ && queue_.size() <= Limit() / 2) {
        replay_blocked_ = false;
        pump_posted_ = true;
        pump = true;
      }
    }
    if (pump) {
      boost::asio::post(shard_.context(), [this] {
        {
          MutexLock lock(mu_);
          pump_posted_ = false;
        }
        if (subscription_ != nullptr && subscription_->replaying()) subscription_->Pump();
      });
    }
    Step();
  }

  void OnCancel() override { StopWith(grpc::Status::CANCELLED); }

  void OnDone() override {
    boost::asio::post(shard_.context(), [this] {
      env_.sessions.shard(shard_.id()).Remove(this);
      subscription_.reset();
      delete this;
    });
  }

  // session::Session, on the shard's thread.

  void Describe(session::SessionSnapshot& out) const override {
    out.kind = "subscribe";
    out.peer = peer_;
    if (subscription_ != nullptr) out.topics = subscription_->topic_names();
    out.delivered = sent_.load(std::memory_order_relaxed);
    MutexLock lock(mu_);
    out.queued_bytes = queued_bytes_;
  }

  void Drain() override {
    StopWith(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "this node is draining; connect to another node and resume from your "
                          "last cursor"));
  }

  void Disconnect(const absl::Status& reason) override { StopWith(ToGrpcStatus(reason)); }

  void Abort() override {
    StopWith(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is stopping; resume from your last cursor elsewhere"));
  }

  // fanout::Delivery, on the shard's thread.
  bool HasRoom() const override {
    MutexLock lock(mu_);
    // An ending stream takes nothing more: replay stops instead of reading into the void.
    if (failure_ || finished_) return false;
    if (queue_.size() < Limit()) return true;
    replay_blocked_ = true;
    return false;
  }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& encoded,
               const std::string& id) override {
    const Event& event = *encoded->event;
    v1::Event out;
    out.set_topic(event.topic);
    out.set_id(id);
    out.set_offset(event.offset);
    out.set_event(event.type);
    out.set_data(event.data);
    SetTimestamp(event.publish_time, *out.mutable_publish_time());
    out.set_epoch(event.epoch);
    Enqueue(std::move(out));
  }

  void DeliverNotice(const fanout::Notice& notice, const std::string& id) override {
    v1::Event out;
    out.set_topic(notice.topic);
    out.set_id(id);
    out.set_event(std::string(fanout::NoticeName(notice.kind)));
    out.set_data(notice.message);
    SetTimestamp(env_.clock.Now(), *out.mutable_publish_time());
    Enqueue(std::move(out));
  }

  void Overflow() override {
    NoteClose(session::CloseReason::kSlowConsumer);
    StopWith(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "subscriber too slow: its queue of events filled; resubscribe "
                          "from the id of the last event received"));
  }

 private:
  size_t Limit() const { return limit_; }

  void StartOnShard(const session::SubscribeRequest& request) {
    {
      // Cancelled or disconnected before the shard got to it: nothing to set up.
      MutexLock lock(mu_);
      if (failure_) return;
    }
    subscription_ = std::make_unique<fanout::Subscription>(shard_, env_.engine, *this,
                                                           fanout::CursorMode::kCombined);
    for (const std::string& topic : request.topics) {
      const CursorEntry* entry = request.from.empty() ? nullptr : request.from.Find(topic);
      if (absl::Status status = subscription_->Add(topic, entry); !status.ok()) {
        StopWith(ToGrpcStatus(status));
        subscription_.reset();
        return;
      }
    }
    // Listed, swept and drained from here; removed on this shard before it is deleted.
    env_.sessions.shard(shard_.id()).Add(this, session::Transport::kGrpc);
    // Before any write, which sends the initial metadata with it.
    context_->AddInitialMetadata(kCursorMetadata, subscription_->cursor().Encode());
    subscription_->Pump();
    // Initial metadata tells the client it is subscribed, so events it publishes next are
    // delivered. A replay write already carried it; sending it twice is an error.
    bool send_metadata = false;
    {
      MutexLock lock(mu_);
      if (!wrote_ && !finished_ && !failure_) {
        wrote_ = true;
        metadata_in_flight_ = true;
        send_metadata = true;
      }
    }
    if (send_metadata) StartSendInitialMetadata();
  }

  void OnSendInitialMetadataDone(bool /*ok*/) override {
    {
      MutexLock lock(mu_);
      metadata_in_flight_ = false;
    }
    // Events queued meanwhile, or a failure, were held back for the metadata.
    Step();
  }

  void Enqueue(v1::Event event) {
    {
      MutexLock lock(mu_);
      if (failure_ || finished_) return;
      queued_bytes_ += event.data().size();
      queue_.push_back(std::move(event));
    }
    Step();
  }

  // Ends the stream with `status`, dropping events not yet written.
  void StopWith(const grpc::Status& status) {
    {
      MutexLock lock(mu_);
      if (!failure_) failure_ = status;
    }
    Step();
  }

  // Decides under the lock what to start next and starts it after unlocking: at most one
  // write in flight, and nothing after Finish.
  void Step() {
    const v1::Event* write = nullptr;
    std::optional<grpc::Status> finish;
    {
      MutexLock lock(mu_);
      // gRPC allows one operation of each kind at a time; metadata, writes and the finish all
      // touch the initial-metadata state, so none starts while the metadata is in flight.
      if (finished_ || metadata_in_flight_) return;
      if (failure_) {
        // Keep only the event being written: gRPC still points at it.
        while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
        // Finish even with a write in flight: a client that stopped reading never completes
        // it, and gRPC sends the status after the data it already took.
        finished_ = true;
        finish = *failure_;
      } else if (!writing_ && !queue_.empty()) {
        writing_ = true;
        wrote_ = true;
        write = &queue_.front();
      }
    }
    if (write != nullptr) StartWrite(write);
    if (finish) Finish(*finish);
  }

  ServiceEnvironment& env_;
  grpc::CallbackServerContext* const context_;
  fanout::Shard& shard_;
  const size_t limit_;
  const std::string peer_;
  std::atomic<uint64_t> sent_{0};
  // Shard thread only.
  std::unique_ptr<fanout::Subscription> subscription_;

  mutable Mutex mu_;
  // Events not yet written; the front one is in flight while writing_.
  std::deque<v1::Event> queue_ ABSL_GUARDED_BY(mu_);
  // Data bytes of queue_.
  uint64_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // Whether initial metadata went out (alone or with the first write).
  bool wrote_ ABSL_GUARDED_BY(mu_) = false;
  bool metadata_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  // HasRoom() said no during replay: Pump() once the queue drains to half.
  mutable bool replay_blocked_ ABSL_GUARDED_BY(mu_) = false;
  bool pump_posted_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> failure_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerWriteReactor<v1::Event>* SubscribeService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  return new SubscribeReactor(env_, context, *request);
}

}  // namespace herald::control
