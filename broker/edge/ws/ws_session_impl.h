// The WebSocket session as a template on its stream, for ws_session.cc's two streams (TCP,
// TLS) and for the session tests' in-memory stream. Everyone else starts sessions through
// ws_session.h.
//
//   internal::StartWsSession(context, grant, std::move(stream), request, std::move(lease));
#ifndef HERALD_BROKER_EDGE_WS_WS_SESSION_IMPL_H_
#define HERALD_BROKER_EDGE_WS_WS_SESSION_IMPL_H_

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "broker/core/cursor.h"
#include "broker/core/event.h"
#include "broker/core/string_view.h"
#include "broker/core/topic.h"
#include "broker/edge/connection_lease.h"
#include "broker/edge/http_request.h"
#include "broker/edge/queued_writer.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/session_context.h"
#include "broker/edge/ws/ws_handshake.h"
#include "broker/edge/ws/ws_ops.h"
#include "broker/fanout/subscription.h"
#include "broker/session/access.h"
#include "broker/session/subscribe_request.h"
#include "broker/wire/ws_frames.h"
#include "broker/wire/ws_reader.h"

namespace herald::edge::ws::internal {

namespace asio = boost::asio;
using asio::ip::tcp;

// Pings a connection may leave unanswered; at the next ping time it is closed.
inline constexpr int kMaxMissedPongs = 2;

// The close code of a session whose access token expired (the 4000s are the application's,
// RFC 6455 7.4.2): the client gets a new token and reconnects.
inline constexpr uint16_t kTokenExpiredCloseCode = 4001;

// RFC 6455 7.4.1's codes, as the server sends them.
inline constexpr uint16_t kNormalClosure = 1000;
inline constexpr uint16_t kPolicyViolation = 1008;
inline constexpr uint16_t kServiceRestart = 1012;

// Plain TCP waits for the socket to be readable and reads into the shard thread's buffer, so
// that an idle connection holds no read buffer. TLS reads through OpenSSL, which may hold
// decrypted bytes the socket no longer signals: it reads into a buffer of the session's own.
template <class Stream>
struct ReadBuffer {
  std::array<char, 512> bytes;
};
template <>
struct ReadBuffer<tcp::socket> {};

// One WebSocket connection, driven by completion callbacks alone, as SSE sessions are: an
// idle connection costs its session object and one pending wait for the socket. Frames are
// read by wire::WsReader and written whole through the QueuedWriter (events' frames built once
// for every subscriber, control frames and the close in the same queue).
// Owned by the handlers of its pending operations (shared_from_this); ends when the last of
// them completes. Lives on one shard.
// `Stream` is tcp::socket or TlsStream.
// Shared objects: unsafe; use only on the owning shard.
template <class Stream>
class WsSession final : public fanout::Delivery,
                        public session::Session,
                        public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  // `grant`: what the request's access token grants (null when the edge checks none), copied.
  // `deflate`: the handshake agreed to permessage-deflate.
  WsSession(const SessionContext& context, const auth::BrowserGrant* grant, Stream stream,
            ConnectionLease lease, bool deflate)
      : lease_(std::move(lease)),
        context_(context),
        grant_(grant != nullptr ? std::make_unique<auth::BrowserGrant>(*grant) : nullptr),
        socket_(std::move(stream)),
        writer_(socket_, context_, session::Transport::kWs),
        reader_({.max_message_bytes = context.options.max_ws_message_bytes, .deflate = deflate}),
        last_ping_(context.sessions.clock().Now()),
        rate_window_start_(last_ping_),
        shared_deflate_(deflate) {
    // Listed once its 101 is queued; swept and stopped from the start.
    context_.sessions.Add(this, session::Transport::kHttp);
  }

  ~WsSession() override {
    // First, while its topics can still be described for the close's log line.
    context_.sessions.Remove(this);
    // Before the socket closes: no delivery may reach a half-destroyed session.
    subscription_.reset();
  }

  // Sends the handshake's 101 `response` (before any frame) and serves the session.
  void Start(std::string response) {
    if (closed_) return;
    started_ = true;
    writer_.queue().PushOwned(std::move(response));
    subscription_ = std::make_unique<fanout::Subscription>(context_.shard, context_.engine, *this,
                                                           fanout::CursorMode::kPerTopic);
    // Listed as a stream: a drain or stop under way reaches it now.
    context_.sessions.Promote(this, session::Transport::kWs);
    if (closed_) return;
    ScheduleWrite();
    Read();
  }

  // fanout::Delivery

  bool HasRoom() const override { return writer_.queue().has_room(); }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& event,
               const std::string&) override {
    // Per-topic cursors: the frame encoded once for every subscriber carries the right id.
    writer_.queue().PushShared(event,
                               shared_deflate_ ? event->ws_deflated_frame() : event->ws_frame);
    writer_.CountEvent(*event);
    ScheduleWrite();
  }

  void DeliverNotice(const fanout::Notice& notice, const std::string& id) override {
    SendError(fanout::NoticeName(notice.kind), notice.message, notice.topic, id);
  }

  void Overflow() override {
    NoteClose(session::CloseReason::kSlowConsumer);
    Close(kPolicyViolation, "slow consumer; resume from your last ids");
  }

  // session::Session

  void Describe(session::SessionSnapshot& out) const override {
    out.kind = "subscribe";
    // Asked of the lease when listed: a forwarded client is known there.
    out.peer = lease_.Peer();
    if (grant_ != nullptr) out.subject = grant_->subject;
    out.topics = topics_;
    out.delivered = writer_.delivered();
    out.queued_bytes = writer_.queued_bytes();
  }

  void OnSweep(absl::Time now) override {
    if (closed_) return;
    writer_.CheckStall(now);
    if (now - rate_window_start_ >= absl::Seconds(1)) {
      rate_window_start_ = now;
      messages_in_window_ = 0;
      bytes_in_window_ = 0;
      publishes_in_window_ = 0;
    }
    if (closing()) {
      // The peer has had a drain timeout to answer our close, or to end TCP after it.
      if (now - closing_->started >= context_.options.drain_timeout) Abort();
      return;
    }
    if (grant_ != nullptr && now >= grant_->expires_at) {
      NoteClose(session::CloseReason::kTokenExpired);
      subscription_.reset();
      Close(kTokenExpiredCloseCode,
            "access token expired; reconnect with a new token, or send a refresh before expiry");
      return;
    }
    if (now - last_ping_ < context_.options.ws_ping_interval) return;
    if (missed_pongs_ >= kMaxMissedPongs) {
      NoteClose(session::CloseReason::kPingTimeout);
      Abort();
      return;
    }
    ++missed_pongs_;
    last_ping_ = now;
    Send(wire::WsPingFrame());
  }

  void Drain() override {
    subscription_.reset();
    Close(kServiceRestart, "draining; reconnect and resume");
  }

  void Disconnect(const absl::Status& reason) override {
    subscription_.reset();
    // Cut to what a close frame holds (wire::WsCloseFrame); the code says why in any case.
    Close(kPolicyViolation, StdView(reason.message()));
  }

  void Abort() override {
    closed_ = true;
    CloseStream(socket_.next_layer());
  }

 private:
  friend class edge::QueuedWriter<BasicSerializedSocket<Stream>>;
  bool closing() const { return closing_ != nullptr; }

  // Decides the close: it goes out with the next write, ahead of what is still queued.
  void Close(uint16_t code, std::string_view reason) {
    if (closing() || closed_) return;
    closing_ = std::make_unique<const Closing>(Closing{.frame = wire::WsCloseFrame(code, reason),
                                                       .started = context_.sessions.clock().Now()});
    ScheduleWrite();
  }

  // Our close is on the wire and the peer's has come (or its frames broke the protocol): the
  // server ends TCP first (RFC 6455 7.1.1) and reads on until the peer's end, so that nothing
  // unread turns the close into a reset.
  void MaybeShutdown() {
    if (!close_written_ || !reader_.done() || shut_down_) return;
    shut_down_ = true;
    SendCloseNotify(socket_.next_layer());
    ShutdownStream(socket_.next_layer(), tcp::socket::shutdown_send);
  }

  // Queues a frame behind what is queued and schedules the write.
  void Send(std::string frame) {
    writer_.queue().PushOwned(std::move(frame));
    ScheduleWrite();
  }

  void SendError(std::string_view code, std::string_view message, std::string_view topic = {},
                 std::string_view id = {}, std::string_view ref = {}) {
    context_.metrics.ws_error_frames.fetch_add(1, std::memory_order_relaxed);
    Send(wire::FrameWsText(wire::EncodeWsError(code, message, topic, id, ref)));
  }

  void SendError(const absl::Status& status, std::string_view topic = {},
                 std::string_view ref = {}) {
    SendError(WsErrorCode(status), StdView(status.message()), topic, {}, ref);
  }

  // The store's answer to a publish: an error always, a success only to a publish that
  // carried a ref (no client without one waits for it). Runs on the owning shard.
  void AnswerPublish(const absl::StatusOr<EventPtr>& published, const std::string& topic,
                     const std::string& ref) {
    if (!published.ok()) {
      SendError(published.status(), topic, ref);
      return;
    }
    if (ref.empty()) return;
    const Event& event = **published;
    Send(wire::FrameWsText(wire::EncodeWsPublished(
        topic, EncodeTopicCursor(topic, event.epoch, event.offset), event.offset, ref)));
  }

  void HandleText(std::string_view text) {
    absl::StatusOr<ClientOp> op = ParseClientOp(text);
    if (!op.ok()) {
      SendError(op.status());
      return;
    }
    if (op->kind == ClientOp::Kind::kPing) {
      Send(wire::FrameWsText(wire::EncodeWsPong()));
      return;
    }
    if (op->kind == ClientOp::Kind::kRefresh) {
      Refresh(op->token);
      return;
    }
    if (!subscription_) {
      SendError("unavailable", "the server is draining; reconnect", op->topic);
      return;
    }
    switch (op->kind) {
      case ClientOp::Kind::kSubscribe:
        Subscribe(*op);
        return;
      case ClientOp::Kind::kUnsubscribe:
        if (absl::Status removed = subscription_->Remove(op->topic); !removed.ok()) {
          SendError("not_subscribed", StdView(removed.message()), op->topic);
          return;
        }
        topics_.erase(std::find(topics_.begin(), topics_.end(), op->topic));
        return;
      case ClientOp::Kind::kPublish:
        Publish(*op);
        return;
      case ClientOp::Kind::kPing:
      case ClientOp::Kind::kRefresh:
        return;
    }
  }

  // A new token replaces the session's when it is valid and grants every topic followed;
  // otherwise the session keeps its token, and its deadline, and gets an error frame.
  void Refresh(std::string_view token) {
    if (grant_ == nullptr) {
      SendError("bad_request", "this server checks no access tokens; there is nothing to refresh");
      return;
    }
    auth::TokenRefusal refusal;
    absl::StatusOr<auth::BrowserGrant> grant =
        context_.options.access_tokens->Verify(token, context_.sessions.clock().Now(), &refusal);
    if (!grant.ok()) {
      context_.metrics.CountRefused(refusal);
      SendError(grant.status());
      return;
    }
    for (const std::string& topic : topics_) {
      if (absl::Status allowed =
              CheckGranted(context_, &*grant, topic, session::Access::kSubscribe);
          !allowed.ok()) {
        // Without the topic: the subscription stands; only the refresh failed.
        SendError(allowed);
        return;
      }
    }
    grant_ = std::make_unique<const auth::BrowserGrant>(*std::move(grant));
    Send(wire::FrameWsText(wire::EncodeWsRefreshed(absl::ToUnixSeconds(grant_->expires_at))));
  }

  void Subscribe(const ClientOp& op) {
    if (std::find(topics_.begin(), topics_.end(), op.topic) != topics_.end()) {
      SendError("already_subscribed", absl::StrCat("already subscribed to topic '", op.topic, "'"),
                op.topic);
      return;
    }
    // The topics the connection would follow, checked by the rules every transport applies.
    std::vector<std::string> topics = topics_;
    topics.push_back(op.topic);
    if (absl::StatusOr<session::SubscribeRequest> valid = session::ParseSubscribeRequest(
            std::move(topics), "", {.max_topics = context_.options.max_topics_per_subscription});
        !valid.ok()) {
      SendError(valid.status(), op.topic);
      return;
    }
    if (absl::Status allowed =
            CheckGranted(context_, grant_.get(), op.topic, session::Access::kSubscribe);
        !allowed.ok()) {
      SendError(allowed, op.topic);
      return;
    }
    absl::StatusOr<TopicInfo> info = context_.engine.GetTopic(op.topic);
    if (!info.ok()) {
      SendError(info.status(), op.topic);
      return;
    }
    absl::StatusOr<Cursor> from =
        session::ParseSubscribeCursor(op.from, "\"from\"", context_.sessions.shard().metrics());
    if (!from.ok()) {
      SendError("bad_cursor", StdView(from.status().message()), op.topic);
      return;
    }
    const CursorEntry* entry = nullptr;
    if (!from->empty()) {
      entry = from->Find(op.topic);
      if (entry == nullptr) {
        SendError("bad_cursor",
                  absl::StrCat("cursor in \"from\" is not a position in topic '", op.topic,
                               "'; use an id of an event of this topic"),
                  op.topic);
        return;
      }
    }
    if (absl::Status added = subscription_->Add(op.topic, entry); !added.ok()) {
      if (absl::IsResourceExhausted(added)) context_.metrics.Refuse(Refusal::kTopicFull);
      SendError(added, op.topic);
      return;
    }
    // Queued before Pump, which replays what the cursor is owed right behind it (Add
    // delivers nothing).
    const std::string start =
        op.from.empty() ? EncodeTopicCursor(op.topic, info->epoch, info->last_offset) : op.from;
    Send(wire::FrameWsText(wire::EncodeWsSubscribed(op.topic, start)));
    topics_.push_back(op.topic);
    subscription_->Pump();
  }

  void Publish(const ClientOp& op) {
    const uint32_t limit = context_.options.max_ws_publishes_per_second;
    if (limit > 0 && ++publishes_in_window_ > limit) {
      context_.metrics.Refuse(Refusal::kWsPublishRate);
      SendError(absl::ResourceExhaustedError(absl::StrCat(
                    "more than ", limit, " publishes per second on this connection; slow down")),
                op.topic, op.ref);
      return;
    }
    absl::StatusOr<TopicInfo> info = context_.engine.GetTopic(op.topic);
    if (!info.ok()) {
      SendError(info.status(), op.topic, op.ref);
      return;
    }
    if (absl::Status allowed =
            CheckGranted(context_, grant_.get(), op.topic, session::Access::kPublish);
        !allowed.ok()) {
      SendError(allowed, op.topic, op.ref);
      return;
    }
    if (!info->config.allow_browser_publish) {
      SendError("permission_denied",
                absl::StrCat("topic '", op.topic,
                             "' does not allow publishing from browsers; publish through the "
                             "gRPC PublishService"),
                op.topic, {}, op.ref);
      return;
    }
    // The store answers on its own thread, maybe after this session ended: the answer comes
    // back to the shard and finds the session only while it lives. Without a ref, a success
    // needs no trip back.
    context_.engine.Publish({.topic = op.topic, .type = op.event, .data = op.data},
                            [weak = this->weak_from_this(), shard = &context_.shard,
                             topic = op.topic, ref = op.ref](absl::StatusOr<EventPtr> published) {
                              if (published.ok() && ref.empty()) return;
                              asio::post(shard->context(),
                                         [weak, topic, ref, published = std::move(published)] {
                                           if (std::shared_ptr<WsSession> self = weak.lock())
                                             self->AnswerPublish(published, topic, ref);
                                         });
                            });
  }

  void Read() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      socket_.tcp().async_wait(
          tcp::socket::wait_read,
          [self = this->shared_from_this()](boost::system::error_code ec) { self->Readable(ec); });
    } else {
      socket_.async_read_some(
          asio::buffer(read_buffer_.bytes),
          [self = this->shared_from_this()](boost::system::error_code ec, size_t n) {
            self->Received(ec, std::string_view(self->read_buffer_.bytes.data(), n));
          });
    }
  }

  void Readable(boost::system::error_code ec) {
    // One buffer per shard thread: its bytes are parsed before the handler returns.
    thread_local std::array<char, 16 * 1024> buffer;
    size_t n = 0;
    if (!ec) n = socket_.tcp().read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block) {
      Read();
      return;
    }
    Received(ec, std::string_view(buffer.data(), n));
  }

  void Received(boost::system::error_code ec, std::string_view bytes) {
    if (ec) {
      // The peer's end of TCP (after the closing handshake, or without one), or an error.
      if (!IsExpectedClose(ec)) {
        context_.metrics.io_errors.fetch_add(1);
        NoteClose(session::CloseReason::kError);
      }
      Abort();
      return;
    }
    // After the peer's close, or a violation, the reader takes nothing more.
    if (std::optional<wire::WsViolation> violation =
            reader_.Consume(bytes, [this](const wire::WsMessage& m) { HandleFrame(m); })) {
      NoteClose(session::CloseReason::kProtocolError);
      Close(violation->code, violation->reason);
      MaybeShutdown();
    }
    if (!closed_) Read();
  }

  void HandleFrame(const wire::WsMessage& frame) {
    // What a client sends counts once it is whole (a message after inflating): a message past
    // its size limit is refused by the reader first, with 1009.
    bytes_in_window_ += frame.payload.size();
    LimitRate(bytes_in_window_, context_.options.max_ws_bytes_per_second, "bytes");
    switch (frame.opcode) {
      case wire::WsOpcode::kText:
      case wire::WsOpcode::kBinary:
        HandleMessage(frame);
        return;
      case wire::WsOpcode::kPing:
        // Nothing follows our close on the wire, a pong neither.
        if (closing()) return;
        Send(wire::WsPongFrame(frame.payload));
        return;
      case wire::WsOpcode::kPong:
        missed_pongs_ = 0;
        return;
      case wire::WsOpcode::kClose:
        subscription_.reset();
        // Answered with its own code (RFC 6455 5.5.1), unless our close went first.
        Close(frame.close_code != 0 ? frame.close_code : kNormalClosure, "");
        MaybeShutdown();
        return;
      case wire::WsOpcode::kContinuation:
        return;
    }
  }

  // Closes the session (1008, rate_limit) once `used` in this second's window passes `limit`
  // (0: no limit).
  void LimitRate(uint64_t used, uint64_t limit, std::string_view what) {
    if (limit == 0 || used <= limit || closing()) return;
    NoteClose(session::CloseReason::kRateLimit);
    Close(kPolicyViolation,
          absl::StrCat("more than ", limit, " ", AbslView(what), " per second; slow down"));
  }

  void HandleMessage(const wire::WsMessage& message) {
    // Any message proves the peer alive, like a pong.
    missed_pongs_ = 0;
    LimitRate(++messages_in_window_, context_.options.max_ws_messages_per_second, "messages");
    // After our close, messages are dropped while we wait for the peer's close: the read that
    // receives it ends the session.
    if (closing()) return;
    if (message.opcode == wire::WsOpcode::kText) {
      HandleText(message.payload);
    } else {
      SendError("bad_request", "binary messages are not part of herald.v1.json; send text");
    }
  }

  // From Start() on: a drain that reaches the session as it joins its table (in the
  // constructor) decides the close, which Start()'s write then sends.
  void ScheduleWrite() {
    if (!closed_ && started_) writer_.Schedule(*this);
  }

  // One write in flight: everything queued, or once a close is decided, the close frame
  // ahead of what is still queued (the client resumes from its cursors). Nothing after it.
  // The 101 goes first in any case: the close follows it once it is written.
  void Write() {
    if (closed_ || writer_.in_flight() || close_written_) return;
    if (closing() && !close_in_flight_ && opened_) {
      writer_.queue().DropPending();
      writer_.queue().PushOwned(closing_->frame);
      close_in_flight_ = true;
    }
    writer_.Write(*this);
  }

  // From the writer, once a write ended.
  void Written(boost::system::error_code ec) {
    if (ec) {
      Abort();
      return;
    }
    opened_ = true;
    if (close_in_flight_) {
      close_written_ = true;
      MaybeShutdown();
      return;
    }
    if (subscription_ && subscription_->replaying()) subscription_->Pump();
    if (writer_.queue().has_pending() || closing()) ScheduleWrite();
  }

  // First, so released last: once it is, the server may be gone.
  ConnectionLease lease_;
  const SessionContext& context_;
  // What the access token grants (the latest refresh's); null when the edge checks no tokens.
  std::unique_ptr<const auth::BrowserGrant> grant_;
  BasicSerializedSocket<Stream> socket_;
  QueuedWriter<BasicSerializedSocket<Stream>> writer_;
  wire::WsReader reader_;
  absl::Time last_ping_;
  // Client messages, their bytes and publish ops since rate_window_start_ (the sweep starts a
  // new window each second).
  absl::Time rate_window_start_;
  uint32_t messages_in_window_ = 0;
  uint32_t publishes_in_window_ = 0;
  size_t bytes_in_window_ = 0;
  std::unique_ptr<fanout::Subscription> subscription_;
  // The topics followed, in subscribe order (a client follows a handful).
  std::vector<std::string> topics_;
  // Once a close is decided: its frame, and when (the peer has a drain timeout to answer).
  struct Closing {
    std::string frame;
    absl::Time started;
  };
  std::unique_ptr<const Closing> closing_;
  [[no_unique_address]] ReadBuffer<Stream> read_buffer_;
  int missed_pongs_ = 0;
  // The connection takes the compressed frames shared by all (permessage-deflate agreed).
  const bool shared_deflate_;
  // Start() has run; the 101 is written.
  bool started_ = false;
  bool opened_ = false;
  bool close_in_flight_ = false;
  bool close_written_ = false;
  bool shut_down_ = false;
  bool closed_ = false;
};

// Answers the upgrade `request` and serves the session on `stream` (see StartWsSession in
// ws_session.h).
template <class Stream>
void StartWsSession(const SessionContext& context, const auth::BrowserGrant* grant, Stream stream,
                    const Request& request, ConnectionLease lease) {
  Handshake handshake = AcceptUpgrade(request);
  std::make_shared<WsSession<Stream>>(context, grant, std::move(stream), std::move(lease),
                                      handshake.deflate)
      ->Start(std::move(handshake.response));
}

}  // namespace herald::edge::ws::internal

#endif  // HERALD_BROKER_EDGE_WS_WS_SESSION_IMPL_H_
