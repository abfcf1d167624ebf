// The SSE session as a template on its stream, for sse_session.cc's two streams (TCP, TLS)
// and for the session tests' in-memory stream. Everyone else starts sessions through
// sse_session.h.
//
//   internal::StartSseSession(context, grant, std::move(stream), request, std::move(lease));
#ifndef HERALD_BROKER_EDGE_SSE_SSE_SESSION_IMPL_H_
#define HERALD_BROKER_EDGE_SSE_SSE_SESSION_IMPL_H_

#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/http/write.hpp"
#include "broker/core/status_macros.h"
#include "broker/core/string_view.h"
#include "broker/edge/connection_lease.h"
#include "broker/edge/http_request.h"
#include "broker/edge/http_response.h"
#include "broker/edge/queued_writer.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"
#include "broker/edge/sse/sse_request.h"
#include "broker/fanout/outbound_queue.h"
#include "broker/fanout/subscription.h"
#include "broker/session/access.h"
#include "broker/session/session.h"
#include "broker/wire/json.h"
#include "broker/wire/sse.h"

namespace herald::edge::sse::internal {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

inline int Milliseconds(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

// The events an operator's kick and an expired access token end a stream with: data
// {"message": why}.
inline constexpr std::string_view kDisconnectEvent = "herald.disconnect";
inline constexpr std::string_view kExpiredEvent = "herald.expired";

// One SSE stream, driven by completion callbacks alone: an idle stream costs its session
// object and one pending read, and no coroutine frames. Owned by the handlers of its pending
// operations (shared_from_this); ends when the last of them completes. Lives on one shard.
// `Stream` is tcp::socket or TlsStream (tests: an in-memory stream).
// Shared objects: unsafe; use only on the owning shard.
template <class Stream>
class SseSession final : public fanout::Delivery,
                         public session::Session,
                         public std::enable_shared_from_this<SseSession<Stream>> {
 public:
  SseSession(const SessionContext& context, Stream socket, ConnectionLease lease)
      : lease_(std::move(lease)),
        context_(context),
        socket_(std::move(socket)),
        writer_(socket_, context_, session::Transport::kSse) {
    // Until it streams, a connection answering a refusal: swept and stopped, not listed.
    context_.sessions.Add(this, session::Transport::kHttp);
  }

  ~SseSession() override {
    // First, while its topics can still be described for the close's log line.
    context_.sessions.Remove(this);
    // Before the socket closes: no delivery may reach a half-destroyed session.
    subscription_.reset();
    ShutdownStream(socket_.next_layer(), tcp::socket::shutdown_both);
  }

  // Answers a request that cannot be served (400/403/404 and close), or subscribes and
  // starts streaming. `grant` is the request's access grant (null when none is checked).
  void Start(const Request& request, const auth::BrowserGrant* grant) {
    // In the shard's table since construction: the node may have stopped or drained.
    if (closed_) return;
    if (finishing_) {
      Refuse(absl::UnavailableError("the server is draining; reconnect"));
      return;
    }
    absl::StatusOr<SseRequest> parsed =
        ParseSseRequest(context_.options, request, context_.sessions.shard().metrics());
    if (!parsed.ok()) {
      Refuse(parsed.status());
      return;
    }
    // Answer 404 before any 200 head is queued: after the head, an error can only close.
    if (absl::Status found = FindTopics(parsed->topics, grant); !found.ok()) {
      Refuse(found);
      return;
    }
    single_topic_ = parsed->topics.size() == 1;
    if (grant != nullptr) {
      token_ = std::make_unique<const TokenHold>(
          TokenHold{.subject = grant->subject, .expires_at = grant->expires_at});
    }
    subscription_ = std::make_unique<fanout::Subscription>(context_.shard, context_.engine, *this,
                                                           fanout::CursorMode::kCombined);
    for (const std::string& topic : parsed->topics) {
      if (absl::Status added = subscription_->Add(topic, parsed->from.Find(topic)); !added.ok()) {
        // Deleted between the check above and here, or at its max_subscribers.
        subscription_.reset();
        Refuse(added);
        return;
      }
    }
    writer_.queue().PushOwned(absl::StrCat(
        "HTTP/1.1 200 OK\r\nServer: herald\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n",
        CorsHeaderLines(parsed->origin), "\r\n",
        // Sent at once so a client knows it is connected before the first event; the retry
        // comes with it, ahead of every event.
        ": herald\n", wire::EncodeSseRetry(Milliseconds(context_.options.sse_retry)), "\n",
        // A stream opened without a cursor starts with an id-only block: it sets the
        // EventSource's last event id to where every topic stands, without firing an event,
        // so a client that drops before its first event resumes with nothing lost.
        parsed->from.empty()
            ? absl::StrCat(wire::EncodeSseId(subscription_->cursor().Encode()), "\n")
            : std::string()));
    streaming_ = true;
    context_.sessions.Promote(this, session::Transport::kSse);
    // Every topic has joined: notices and replayed events carry all their positions.
    subscription_->Pump();
    Read();
    Write();
  }

  // fanout::Delivery

  bool HasRoom() const override { return writer_.queue().has_room(); }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& event,
               const std::string& id) override {
    // Fast path: a one-topic stream's id is the event's own cursor, so the frame encoded
    // once for every subscriber goes out as is. Several topics: only the id line is ours.
    if (single_topic_) {
      writer_.queue().PushShared(event, event->sse_frame);
    } else {
      writer_.queue().PushOwned(wire::EncodeSseId(id));
      writer_.queue().PushShared(event, event->sse_fields);
    }
    writer_.CountEvent(*event);
    ScheduleWrite();
  }

  void DeliverNotice(const fanout::Notice& notice, const std::string& id) override {
    QueueNotice(notice, id);
  }

  void Overflow() override {
    NoteClose(session::CloseReason::kSlowConsumer);
    Close();
  }

  // session::Session

  void Describe(session::SessionSnapshot& out) const override {
    out.kind = "subscribe";
    // Asked of the lease when listed: a forwarded client is known there.
    out.peer = lease_.Peer();
    if (token_ != nullptr) out.subject = token_->subject;
    if (subscription_) out.topics = subscription_->topic_names();
    out.delivered = writer_.delivered();
    out.queued_bytes = writer_.queued_bytes();
  }

  void OnSweep(absl::Time now) override {
    if (streaming_ && token_ != nullptr && now >= token_->expires_at && !finishing_) {
      NoteClose(session::CloseReason::kTokenExpired);
      End(kExpiredEvent, "access token expired; reconnect with a new token");
      return;
    }
    if (streaming_) writer_.CheckStall(now);
    if (streaming_ && !writer_.queue().has_pending() && !writer_.in_flight() &&
        now - writer_.last_write() >= context_.options.heartbeat_interval) {
      writer_.queue().PushOwned(wire::EncodeSseComment("hb"));
      // Counted as written now so that a stalled client gets one heartbeat per interval.
      writer_.set_last_write(now);
      ScheduleWrite();
    }
  }

  void Drain() override {
    if (finishing_) return;
    finishing_ = true;
    // Before Start(), which then refuses the request.
    if (!streaming_) return;
    // No more events: the client reconnects elsewhere and resumes from its last id.
    subscription_.reset();
    writer_.queue().PushOwned(
        absl::StrCat(wire::EncodeSseRetry(Milliseconds(context_.options.sse_retry)), "\n"));
    ScheduleWrite();
  }

  void Disconnect(const absl::Status& reason) override {
    if (finishing_) return;
    End(kDisconnectEvent, StdView(reason.message()));
  }

  void Abort() override {
    closed_ = true;
    CloseStream(socket_.next_layer());
  }

 private:
  friend class edge::QueuedWriter<BasicSerializedSocket<Stream>>;
  // NotFound for the first topic that does not exist, PermissionDenied for the first one
  // the grant does not cover.
  absl::Status FindTopics(const std::vector<std::string>& topics,
                          const auth::BrowserGrant* grant) const {
    for (const std::string& topic : topics) {
      HERALD_RETURN_IF_ERROR(CheckGranted(context_, grant, topic, session::Access::kSubscribe));
      if (absl::StatusOr<TopicInfo> info = context_.engine.GetTopic(topic); !info.ok()) {
        return info.status();
      }
    }
    return absl::OkStatus();
  }

  // The stream's last event, then the end of the connection. An event without an id: the
  // client sees why, and its last event id stays where it was.
  void End(std::string_view event, std::string_view message) {
    finishing_ = true;
    subscription_.reset();
    std::string data = R"({"message":)";
    wire::AppendJsonString(data, message);
    data.push_back('}');
    writer_.queue().PushOwned(wire::EncodeSseFields(event, data));
    ScheduleWrite();
  }

  // An error response, then the end of the connection.
  void Refuse(const absl::Status& status) {
    context_.metrics.Refuse(RefusalOf(status));
    Response refusal = TextResponse(11, false, HttpStatusOf(status), std::string(status.message()));
    // A topic at its max_subscribers: someone may have left in a moment.
    if (absl::IsResourceExhausted(status)) refusal.set(http::field::retry_after, "1");
    std::ostringstream response;
    response << refusal;
    writer_.queue().PushOwned(std::move(response).str());
    finishing_ = true;
    Write();
  }

  void QueueNotice(const fanout::Notice& notice, const std::string& id) {
    std::string data = R"({"topic":)";
    wire::AppendJsonString(data, notice.topic);
    data += R"(,"message":)";
    wire::AppendJsonString(data, notice.message);
    data.push_back('}');
    writer_.queue().PushOwned(absl::StrCat(
        wire::EncodeSseId(id), wire::EncodeSseFields(fanout::NoticeName(notice.kind), data)));
    ScheduleWrite();
  }

  // Stops the stream: pending operations complete with operation_aborted and release the
  // session.
  void Close() {
    if (closed_) return;
    closed_ = true;
    CancelStream(socket_.next_layer());
  }

  // SSE clients send nothing after the request: what they send is ignored, and EOF or an
  // error ends the session.
  void Read() {
    socket_.async_read_some(
        asio::buffer(&read_byte_, 1),
        [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
          if (!ec && !self->closed_) {
            self->Read();
            return;
          }
          if (ec && !IsExpectedClose(ec)) {
            self->context_.metrics.io_errors.fetch_add(1);
            self->NoteClose(session::CloseReason::kError);
          }
          self->Close();
        });
  }

  void ScheduleWrite() {
    if (!closed_) writer_.Schedule(*this);
  }

  // Everything queued, in one gathered write (see QueuedWriter).
  void Write() {
    if (closed_) return;
    if (!writer_.Write(*this) && !writer_.in_flight() && finishing_) Finish();
  }

  // From the writer, once a write ended.
  void Written(boost::system::error_code ec) {
    if (ec) {
      Close();
      return;
    }
    if (subscription_ && subscription_->replaying()) subscription_->Pump();
    // What was queued meanwhile (a replay batch) goes out on a later turn, so that one fast
    // reader cannot hold the shard. Nothing queued: nothing to schedule.
    if (writer_.queue().has_pending() || finishing_) ScheduleWrite();
  }

  // All is written after a refusal or a drain: the client sees the end of the response. Over
  // TLS a close_notify goes first, without waiting for the peer's, which would keep a session
  // of a client that never sends one.
  void Finish() {
    SendCloseNotify(socket_.next_layer());
    ShutdownStream(socket_.next_layer(), tcp::socket::shutdown_send);
    Close();
  }

  // First, so released last: once it is, the server may be gone.
  ConnectionLease lease_;
  const SessionContext& context_;
  BasicSerializedSocket<Stream> socket_;
  QueuedWriter<BasicSerializedSocket<Stream>> writer_;
  std::unique_ptr<fanout::Subscription> subscription_;
  // What the stream keeps of its access token; null when the edge checks no tokens.
  struct TokenHold {
    std::string subject;
    absl::Time expires_at;
  };
  std::unique_ptr<const TokenHold> token_;
  char read_byte_ = 0;
  bool single_topic_ = true;
  // The 200 head is queued: events, heartbeats and drains may follow.
  bool streaming_ = false;
  // Close once everything queued is written (after a refusal or a drain).
  bool finishing_ = false;
  bool closed_ = false;
};

// Answers or serves `request` on `stream` (see StartSseSession in sse_session.h).
template <class Stream>
void StartSseSession(const SessionContext& context, const auth::BrowserGrant* grant, Stream stream,
                     const Request& request, ConnectionLease lease) {
  std::make_shared<SseSession<Stream>>(context, std::move(stream), std::move(lease))
      ->Start(request, grant);
}

}  // namespace herald::edge::sse::internal

#endif  // HERALD_BROKER_EDGE_SSE_SSE_SESSION_IMPL_H_
