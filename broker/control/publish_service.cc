#include "broker/control/publish_service.h"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "broker/control/grpc_status.h"
#include "broker/core/cursor.h"
#include "broker/core/mutex.h"
#include "broker/core/status_macros.h"

namespace herald::control {
namespace {

// How long a publish held back by fan-out overload waits before looking again.
constexpr auto kOverloadRecheck = std::chrono::microseconds(200);

// Stores one event and fills its ack. The engine returns once the event is stored, so the
// ack never runs ahead of durability.
absl::Status PublishOne(ServiceEnvironment& env, const v1::PublishRequest& request,
                        v1::PublishResponse& response) {
  if (request.topic().empty()) {
    return absl::InvalidArgumentError("topic is required: the topic to publish to");
  }
  HERALD_ASSIGN_OR_RETURN(EventPtr event, env.engine.Publish({.topic = request.topic(),
                                                              .type = request.event(),
                                                              .data = request.data(),
                                                              .dedup_key = request.dedup_key()}));
  env.stats.RecordPublish(env.clock.Now());
  response.set_id(EncodeTopicCursor(event->topic, event->epoch, event->offset));
  response.set_offset(event->offset);
  response.set_epoch(event->epoch);
  return absl::OkStatus();
}

// One PublishStream call. Owns itself: deleted, on its home shard, after OnDone.
//
// All state changes go through Step(), which decides under the lock what to start next
// (a read, a write, the finish) and starts it after unlocking, so no gRPC operation is
// started with the lock held and at most one read and one write are ever in flight.
class PublishStreamReactor final
    : public grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse> {
 public:
  PublishStreamReactor(ServiceEnvironment& env, grpc::CallbackServerContext* context)
      : env_(env), home_(env.shards.Next()), resume_(home_.context()) {
    absl::Status status = env_.Authorize(*context, auth::Action::kPublish);
    if (status.ok()) status = env_.CheckAcceptingStreams();
    if (!status.ok()) {
      MutexLock lock(mu_);
      failure_ = ToGrpcStatus(status);
      read_closed_ = true;
    } else {
      id_ = env_.connections.Register(
          {.transport = "grpc",
           .kind = "publish_stream",
           .peer = context->peer(),
           .connected_at = env_.clock.Now()},
          [this](const absl::Status& reason) { Disconnect(reason); }, &acked_);
    }
    Step();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed (or went away): finish once every ack is written.
      MutexLock lock(mu_);
      reading_ = false;
      read_closed_ = true;
    } else {
      {
        // Abandoned meanwhile (cancelled, kicked): the stream is over, store nothing more.
        MutexLock lock(mu_);
        if (abandon_acks_) {
          reading_ = false;
          return;
        }
      }
      ++requests_;
      v1::PublishResponse ack;
      // Published inline: the engine's append is short, and a reaction that returned before
      // the event was stored could not ack in order.
      absl::Status status = PublishOne(env_, request_, ack);
      MutexLock lock(mu_);
      reading_ = false;
      if (status.ok()) {
        acks_.push_back(std::move(ack));
      } else if (!failure_) {
        failure_ = grpc::Status(ToGrpcStatus(status).error_code(),
                                absl::StrFormat("request %d: %s", requests_, status.message()));
      }
    }
    Step();
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(mu_);
      writing_ = false;
      acks_.pop_front();
      if (ok) {
        acked_.fetch_add(1, std::memory_order_relaxed);
      } else if (!failure_) {
        // The stream is broken; nothing more can be sent.
        failure_ = grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
        abandon_acks_ = true;
      }
    }
    Step();
  }

  void OnCancel() override { StopWith(grpc::Status::CANCELLED); }

  void OnDone() override {
    if (!id_.empty()) env_.connections.Unregister(id_);
    // Disconnect() and PauseForFanOut() post to the home shard; deleting there too keeps
    // those posts safe. A pending resume timer deletes instead, once it has fired.
    boost::asio::post(home_.context(), [this] {
      if (resume_pending_) {
        delete_on_resume_ = true;
      } else {
        delete this;
      }
    });
  }

 private:
  // Called by the registry (under its lock): hand the work to the home shard.
  void Disconnect(const absl::Status& reason) {
    boost::asio::post(home_.context(), [this, status = ToGrpcStatus(reason)] { StopWith(status); });
  }

  // Ends the stream with `status` without waiting for the client or for unsent acks.
  void StopWith(const grpc::Status& status) {
    {
      MutexLock lock(mu_);
      if (!failure_) failure_ = status;
      abandon_acks_ = true;
    }
    Step();
  }

  void Step() {
    const v1::PublishResponse* write = nullptr;
    bool read = false;
    bool pause = false;
    std::optional<grpc::Status> finish;
    {
      MutexLock lock(mu_);
      if (finished_) return;
      if (abandon_acks_) {
        // Keep only the ack being written: gRPC still points at it.
        while (acks_.size() > (writing_ ? 1u : 0u)) acks_.pop_back();
      }
      if (!writing_ && !acks_.empty()) {
        writing_ = true;
        write = &acks_.front();
      }
      const bool ending = failure_.has_value() || read_closed_;
      // An abandoned stream finishes even with a read or write in flight: its client may
      // never complete them. Otherwise every ack is written first.
      if (abandon_acks_ || (ending && !writing_ && acks_.empty() && !reading_)) {
        finished_ = true;
        finish = failure_.value_or(grpc::Status::OK);
      } else if (!ending && !reading_ && !paused_ &&
                 acks_.size() < env_.options.publish_window) {
        // Overload: while the shards are behind on fan-out, reading more only grows their
        // backlog and takes the CPU they need; stop reading until they catch up.
        if (env_.shards.Overloaded()) {
          paused_ = true;
          pause = true;
        } else {
          reading_ = true;
          read = true;
        }
      }
    }
    if (write != nullptr) StartWrite(write);
    if (read) StartRead(&request_);
    if (pause) boost::asio::post(home_.context(), [this] { PauseForFanOut(); });
    if (finish) Finish(*finish);
  }

  // On the home shard: looks again at the shards' backlog shortly.
  void PauseForFanOut() {
    resume_pending_ = true;
    resume_.expires_after(kOverloadRecheck);
    resume_.async_wait([this](const boost::system::error_code&) {
      resume_pending_ = false;
      if (delete_on_resume_) {
        delete this;
        return;
      }
      {
        MutexLock lock(mu_);
        paused_ = false;
      }
      Step();
    });
  }

  ServiceEnvironment& env_;
  fanout::Shard& home_;
  // Home shard only: the overload pause's timer and the reactor's end while it is pending.
  boost::asio::steady_timer resume_;
  bool resume_pending_ = false;
  bool delete_on_resume_ = false;
  std::string id_;
  std::atomic<uint64_t> acked_{0};
  // Only the reaction that completed a read touches it, before starting the next read.
  v1::PublishRequest request_;
  int requests_ = 0;

  Mutex mu_;
  // Acks not yet written; the front one is in flight while writing_.
  std::deque<v1::PublishResponse> acks_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // Reading stopped while the shards are overloaded; PauseForFanOut() resumes it.
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;
  // Set: the stream ends with this status once the acks before it are written.
  std::optional<grpc::Status> failure_ ABSL_GUARDED_BY(mu_);
  // Set by cancellation and disconnects: end now, dropping unwritten acks.
  bool abandon_acks_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A unary Publish that arrived while the shards are behind on fan-out. It is stored once
// they have caught up, or not at all if the call is cancelled first (its deadline passed,
// the client cancelled): clients that publish as fast as they are answered get the
// backpressure PublishStream gets from pausing its reads, and a call given up while held
// does not store behind its client's back. (A deadline can still pass after the store, as
// with any call; dedup_key makes the retry safe.)
// Owns itself: deleted after finishing, on the shard whose timer it uses.
class HeldPublish {
 public:
  HeldPublish(ServiceEnvironment& env, grpc::CallbackServerContext* context,
              const v1::PublishRequest* request, v1::PublishResponse* response,
              grpc::ServerUnaryReactor* reactor)
      : env_(env),
        context_(context),
        request_(request),
        response_(response),
        reactor_(reactor),
        recheck_(env.shards.Next().context()) {}

  // Looks again at the shards shortly; finishes the call when they have caught up.
  void Wait() {
    recheck_.expires_after(kOverloadRecheck);
    recheck_.async_wait([this](const boost::system::error_code&) {
      if (context_->IsCancelled()) {
        reactor_->Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                      "the client gave up while fan-out was behind; not stored"));
      } else if (env_.shards.Overloaded()) {
        Wait();
        return;
      } else {
        reactor_->Finish(ToGrpcStatus(PublishOne(env_, *request_, *response_)));
      }
      delete this;
    });
  }

 private:
  ServiceEnvironment& env_;
  grpc::CallbackServerContext* const context_;
  const v1::PublishRequest* const request_;
  v1::PublishResponse* const response_;
  grpc::ServerUnaryReactor* const reactor_;
  boost::asio::steady_timer recheck_;
};

}  // namespace

grpc::ServerUnaryReactor* PublishService::Publish(grpc::CallbackServerContext* context,
                                                  const v1::PublishRequest* request,
                                                  v1::PublishResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = env_.Authorize(*context, auth::Action::kPublish);
  if (status.ok() && env_.shards.Overloaded()) {
    (new HeldPublish(env_, context, request, response, reactor))->Wait();
    return reactor;
  }
  if (status.ok()) status = PublishOne(env_, *request, *response);
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse>* PublishService::PublishStream(
    grpc::CallbackServerContext* context) {
  return new PublishStreamReactor(env_, context);
}

}  // namespace herald::control
