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

namespace herald::control {
namespace {

// How long a publish held back by fan-out overload waits before looking again.
constexpr auto kOverloadRecheck = std::chrono::microseconds(200);

using AckCallback = absl::AnyInvocable<void(absl::StatusOr<v1::PublishResponse>) &&>;

// Stores one event; `done` gets its ack once it is stored (the engine answers only then, so
// an ack never runs ahead of durability), or why it is not.
// `key` is the caller's (null with auth off): it must reach the request's topic.
void PublishOne(ServiceEnvironment& env, const auth::ApiKey* key, v1::PublishRequest& request,
                AckCallback done) {
  if (request.topic().empty()) {
    std::move(done)(absl::InvalidArgumentError("topic is required: the topic to publish to"));
    return;
  }
  if (absl::Status permitted = auth::CheckPermitted(key, auth::Action::kPublish, request.topic());
      !permitted.ok()) {
    std::move(done)(permitted);
    return;
  }
  const observe::Stopwatch received;
  env.engine.Publish(
      {.topic = std::move(*request.mutable_topic()),
       .type = std::move(*request.mutable_event()),
       .data = std::move(*request.mutable_data()),
       .dedup_key = std::move(*request.mutable_dedup_key())},
      [&env, received, done = std::move(done)](absl::StatusOr<EventPtr> event) mutable {
        env.metrics.RecordPublish(received, event);
        if (!event.ok()) {
          std::move(done)(event.status());
          return;
        }
        env.stats.RecordPublish(env.clock.Now());
        v1::PublishResponse ack;
        ack.set_id(EncodeTopicCursor((*event)->topic, (*event)->epoch, (*event)->offset));
        ack.set_offset((*event)->offset);
        ack.set_epoch((*event)->epoch);
        std::move(done)(std::move(ack));
      });
}

// One PublishStream call. Owns itself: deleted, on its home shard, after OnDone.
//
// Requests are read ahead of their acks within the publish window and stored concurrently;
// each gets a slot in arrival order, filled when the store answers, and acks are written from
// the front, so they stay in request order however the stores finish. All state changes go
// through Step(), which decides under the lock what to start next (a read, a write, the
// finish) and starts it after unlocking, so no gRPC operation is started with the lock held
// and at most one read and one write are ever in flight.
class PublishStreamReactor final
    : public grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse>,
      public session::Session {
 public:
  PublishStreamReactor(ServiceEnvironment& env, grpc::CallbackServerContext* context)
      : env_(env), home_(env.shards.Next()), resume_(home_.context()), peer_(context->peer()) {
    absl::StatusOr<const auth::ApiKey*> key = env_.AuthorizeKey(*context, auth::Action::kPublish);
    absl::Status status = key.status();
    if (status.ok()) {
      key_ = *key;
      status = env_.CheckAcceptingStreams();
    }
    if (!status.ok()) {
      MutexLock lock(mu_);
      failure_ = ToGrpcStatus(status);
      read_closed_ = true;
    } else {
      // Listed, swept and drained on its home shard, where it is also deleted.
      boost::asio::post(home_.context(), [this] {
        env_.sessions.shard(home_.id()).Add(this, session::Transport::kGrpc);
      });
    }
    Step();
  }

  void OnReadDone(bool ok) override {
    Slot* slot = nullptr;
    {
      MutexLock lock(mu_);
      if (!ok) {
        // The client half-closed (or went away): finish once every ack is written.
        read_closed_ = true;
      } else if (!abandon_acks_ && !draining_) {
        // (Abandoned or drained meanwhile: the stream is over, store nothing more. A request
        // read after a drain began is not acked, so its client sends it again elsewhere.)
        slot = &slots_.emplace_back();
        slot->request = ++requests_;
        ++at_store_;
      }
      // Still reading while a slot is set: no other reaction may start the next read into
      // request_ before PublishOne has taken the request out of it.
      if (slot == nullptr) reading_ = false;
    }
    if (slot != nullptr) {
      PublishOne(env_, key_, request_, [this, slot](absl::StatusOr<v1::PublishResponse> ack) {
        {
          MutexLock lock(mu_);
          --at_store_;
          slot->stored = true;
          if (ack.ok()) {
            slot->ack = *std::move(ack);
          } else {
            slot->status = ack.status();
          }
        }
        Step();
      });
      MutexLock lock(mu_);
      reading_ = false;
    }
    Step();
  }

  void OnWriteDone(bool ok) override {
    {
      MutexLock lock(mu_);
      writing_ = false;
      slots_.pop_front();
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
    // The session table and PauseForFanOut() live on the home shard; deleting there too
    // keeps their posts safe. A pending resume timer deletes instead, once it has fired.
    boost::asio::post(home_.context(), [this] {
      env_.sessions.shard(home_.id()).Remove(this);
      if (resume_pending_) {
        delete_on_resume_ = true;
      } else {
        delete this;
      }
    });
  }

 private:
  // One request, from its read to its ack.
  struct Slot {
    int request = 0;
    bool stored = false;
    absl::Status status;
    v1::PublishResponse ack;
  };

  // session::Session, on the home shard.

  void Describe(session::SessionSnapshot& out) const override {
    out.kind = "publish_stream";
    out.peer = peer_;
    out.delivered = acked_.load(std::memory_order_relaxed);
  }

  // In-flight publishes finish: what was read is stored and acked, nothing more is read, and
  // the stream ends with UNAVAILABLE once the last ack is written.
  void Drain() override {
    {
      MutexLock lock(mu_);
      draining_ = true;
    }
    Step();
  }

  void Disconnect(const absl::Status& reason) override { StopWith(ToGrpcStatus(reason)); }

  void Abort() override {
    StopWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is stopping"));
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
      if (!abandon_acks_ && !failure_ && !writing_ && !slots_.empty() && slots_.front().stored) {
        Slot& front = slots_.front();
        if (front.status.ok()) {
          writing_ = true;
          write = &front.ack;
        } else {
          // Every ack before it is written: end the stream with this request's error.
          failure_ = grpc::Status(
              ToGrpcStatus(front.status).error_code(),
              absl::StrFormat("request %d: %s", front.request, front.status.message()));
        }
      }
      const bool ending = failure_.has_value() || read_closed_ || draining_;
      // Store answers call back into this reactor: it finishes only once none is pending.
      // An abandoned stream finishes even with a read or write in flight: its client may
      // never complete them. Otherwise every ack is written first; a drained or failed
      // stream does not wait for a read, which a client waiting for acks (its window full)
      // or an idle one never completes.
      const bool settled = at_store_ == 0;
      const bool read_settled = !reading_ || draining_ || failure_.has_value();
      if (settled && (abandon_acks_ || (ending && !writing_ && read_settled &&
                                        (failure_.has_value() || slots_.empty())))) {
        finished_ = true;
        finish = failure_.value_or(
            draining_ ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                     "this node is draining: every request sent before this "
                                     "status is acked; send the rest to another node")
                      : grpc::Status::OK);
      } else if (!ending && !reading_ && !paused_ && slots_.size() < env_.options.publish_window) {
        // Overload: while the shards are behind on fan-out, reading more only grows their
        // backlog and takes the CPU they need; stop reading until they catch up.
        if (env_.FanoutBehind()) {
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
  const std::string peer_;
  std::atomic<uint64_t> acked_{0};
  // Only the reaction that completed a read touches it, before starting the next read.
  v1::PublishRequest request_;

  Mutex mu_;
  int requests_ ABSL_GUARDED_BY(mu_) = 0;
  // Requests read and not yet acked, in order; the front one's ack is in flight while
  // writing_. A deque keeps each slot in place while its store is pending.
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
  // The caller's API key; null with auth off.
  const auth::ApiKey* key_ = nullptr;
  // Publishes handed to the engine and not yet answered.
  int at_store_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // Reading stopped while the shards are overloaded; PauseForFanOut() resumes it.
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  // The node drains (see Drain()).
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;
  // Set: the stream ends with this status once the acks before it are written.
  std::optional<grpc::Status> failure_ ABSL_GUARDED_BY(mu_);
  // Set by cancellation and disconnects: end now, dropping unwritten acks.
  bool abandon_acks_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Stores a unary Publish's event and finishes the call once it is stored (or refused).
void FinishWhenStored(ServiceEnvironment& env, const auth::ApiKey* key, v1::PublishRequest request,
                      v1::PublishResponse* response, grpc::ServerUnaryReactor* reactor) {
  PublishOne(env, key, request, [response, reactor](absl::StatusOr<v1::PublishResponse> ack) {
    if (ack.ok()) *response = *std::move(ack);
    reactor->Finish(ToGrpcStatus(ack.status()));
  });
}

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
              const auth::ApiKey* key, v1::PublishRequest request, v1::PublishResponse* response,
              grpc::ServerUnaryReactor* reactor)
      : env_(env),
        context_(context),
        key_(key),
        request_(std::move(request)),
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
      } else if (env_.FanoutBehind()) {
        Wait();
        return;
      } else {
        FinishWhenStored(env_, key_, request_, response_, reactor_);
      }
      delete this;
    });
  }

 private:
  ServiceEnvironment& env_;
  grpc::CallbackServerContext* const context_;
  const auth::ApiKey* const key_;
  v1::PublishRequest request_;
  v1::PublishResponse* const response_;
  grpc::ServerUnaryReactor* const reactor_;
  boost::asio::steady_timer recheck_;
};

}  // namespace

grpc::ServerUnaryReactor* PublishService::Publish(grpc::CallbackServerContext* context,
                                                  const v1::PublishRequest* request,
                                                  v1::PublishResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<const auth::ApiKey*> key = env_.AuthorizeKey(*context, auth::Action::kPublish);
  if (!key.ok()) {
    reactor->Finish(ToGrpcStatus(key.status()));
  } else if (env_.FanoutBehind()) {
    (new HeldPublish(env_, context, *key, *request, response, reactor))->Wait();
  } else {
    FinishWhenStored(env_, *key, *request, response, reactor);
  }
  return reactor;
}

grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishResponse>* PublishService::PublishStream(
    grpc::CallbackServerContext* context) {
  return new PublishStreamReactor(env_, context);
}

}  // namespace herald::control
