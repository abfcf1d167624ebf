#include "broker/edge/ws/ws_session.h"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/post.hpp"
#include "boost/beast/websocket.hpp"
#include "broker/core/cursor.h"
#include "broker/core/event.h"
#include "broker/core/string_view.h"
#include "broker/core/topic.h"
#include "broker/edge/http_request.h"
#include "broker/edge/queued_writer.h"
#include "broker/edge/serialized_socket.h"
#include "broker/edge/ws/ws_ops.h"
#include "broker/fanout/subscription.h"
#include "broker/session/access.h"
#include "broker/session/subscribe_request.h"
#include "broker/wire/ws_frames.h"

namespace herald::edge::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

// Pings a connection may leave unanswered; at the next ping time it is closed.
constexpr int kMaxMissedPongs = 2;

// The close code of a session whose access token expired (the 4000s are the application's,
// RFC 6455 7.4.2): the client gets a new token and reconnects.
constexpr uint16_t kTokenExpiredCloseCode = 4001;

// permessage-deflate for an edge of many mostly idle browsers. Events are compressed once for
// every subscriber (fanout::EncodedEvent::ws_deflated_frame), which needs each message to
// stand alone: the server promises server_no_context_takeover, which every browser accepts.
// Beast compresses nothing of ours (replies go out plain, as a deflate connection may send
// them), so it never allocates deflate state; its inflate window for compressed client
// messages is kept at 1 KiB (10 bits) where the offer lets the server choose it.
constexpr int kClientWindowBits = 10;

// Beast declines the extension when it wants a smaller client window than 15 bits and the
// offer does not let the server choose one (RFC 7692 7.1.2.2): ask only when it does.
bool OffersClientWindowBits(std::string_view extensions) {
  return extensions.find("client_max_window_bits") != std::string_view::npos;
}

// Whether the extensions Beast agreed to in its handshake response let this connection be
// sent the shared compressed frames: deflate without context takeover, and a server window no
// smaller than the one they were compressed with.
bool TakesSharedDeflate(std::string_view response_extensions) {
  if (response_extensions.find("permessage-deflate") == std::string_view::npos ||
      response_extensions.find("server_no_context_takeover") == std::string_view::npos) {
    return false;
  }
  constexpr std::string_view kWindow = "server_max_window_bits=";
  const size_t at = response_extensions.find(kWindow);
  if (at == std::string_view::npos) return true;
  std::string_view digits = response_extensions.substr(at + kWindow.size());
  digits = digits.substr(0, digits.find_first_not_of("0123456789"));
  int bits = 0;
  return absl::SimpleAtoi(AbslView(digits), &bits) && bits >= wire::kWsDeflateWindowBits;
}

// One WebSocket connection, driven by completion callbacks alone, as SSE sessions are: an
// idle connection costs its session object, Beast's stream state and one pending read.
// Owned by the handlers of its pending operations (shared_from_this); ends when the last of
// them completes. Lives on one shard.
// `Stream` is tcp::socket or TlsStream.
// Shared objects: unsafe; use only on the owning shard.
template <class Stream>
class WsSession final : public fanout::Delivery,
                        public session::Session,
                        public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(const SessionContext& context, Stream socket, ConnectionLease lease)
      : lease_(std::move(lease)),
        context_(context),
        grant_(context.grant != nullptr ? std::make_unique<auth::BrowserGrant>(*context.grant)
                                        : nullptr),
        ws_(std::move(socket)),
        writer_(ws_.next_layer(), context_, session::Transport::kWs),
        peer_(PeerOf(ws_.next_layer().tcp())),
        last_ping_(context.sessions.clock().Now()),
        rate_window_start_(last_ping_) {
    // The caller's grant lives only for the call; the session keeps its own copy.
    context_.grant = nullptr;
    // Listed once the handshake is done; swept and stopped from the start.
    context_.sessions.Add(this, session::Transport::kHttp);
  }

  ~WsSession() override {
    // First, while its topics can still be described for the close's log line.
    context_.sessions.Remove(this);
    // Before the socket closes: no delivery may reach a half-destroyed session.
    subscription_.reset();
  }

  // The opening handshake. Takes the request so that its headers end with the handshake
  // rather than live with the stream.
  void Start(Request request) {
    if (closed_) return;
    const std::string_view extensions = request[http::field::sec_websocket_extensions];
    const bool offered = OffersSubprotocol(request[http::field::sec_websocket_protocol]);
    ws_.set_option(
        websocket::stream_base::decorator([this, offered](websocket::response_type& res) {
          res.set(http::field::server, "herald");
          if (offered) res.set(http::field::sec_websocket_protocol, kSubprotocol);
          // Beast has written what it agreed to by now (see TakesSharedDeflate).
          shared_deflate_ = TakesSharedDeflate(res[http::field::sec_websocket_extensions]);
        }));
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    deflate.server_no_context_takeover = true;
    deflate.server_max_window_bits = wire::kWsDeflateWindowBits;
    // Beast's own compression stays unused: nothing it writes reaches this threshold.
    deflate.msg_size_threshold = std::numeric_limits<size_t>::max();
    if (OffersClientWindowBits(extensions)) deflate.client_max_window_bits = kClientWindowBits;
    ws_.set_option(deflate);
    ws_.read_message_max(context_.options.max_ws_message_bytes);
    ws_.auto_fragment(false);
    ws_.control_callback([this](websocket::frame_type kind, std::string_view) {
      if (kind == websocket::frame_type::pong) missed_pongs_ = 0;
    });
    auto handshake = std::make_shared<Request>(std::move(request));
    ws_.async_accept(*handshake, [self = this->shared_from_this(),
                                  handshake](boost::system::error_code ec) { self->Accepted(ec); });
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
    Close(websocket::close_code::policy_error, "slow consumer; resume from your last ids");
  }

  // session::Session

  void Describe(session::SessionSnapshot& out) const override {
    out.kind = "subscribe";
    // Asked of the lease when listed: a forwarded client is known there.
    out.peer = lease_.Peer(peer_);
    if (grant_ != nullptr) out.subject = grant_->subject;
    out.topics = topics_;
    out.delivered = writer_.delivered();
    out.queued_bytes = writer_.queued_bytes();
  }

  void OnSweep(absl::Time now) override {
    if (!handshake_done_ || closed_) return;
    writer_.CheckStall(now);
    if (now - rate_window_start_ >= absl::Seconds(1)) {
      rate_window_start_ = now;
      messages_in_window_ = 0;
      bytes_in_window_ = 0;
      publishes_in_window_ = 0;
    }
    if (close_reason_) {
      // The peer has had a drain timeout to answer our close.
      if (now - close_started_ >= context_.options.drain_timeout) Abort();
      return;
    }
    if (grant_ != nullptr && now >= grant_->expires_at) {
      NoteClose(session::CloseReason::kTokenExpired);
      subscription_.reset();
      Close(static_cast<websocket::close_code>(kTokenExpiredCloseCode),
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
    writer_.queue().PushOwned(wire::WsPingFrame());
    ScheduleWrite();
  }

  void Drain() override {
    draining_ = true;
    subscription_.reset();
    // Mid-handshake, the close goes out once the handshake completes (see Accepted()).
    if (handshake_done_)
      Close(websocket::close_code::service_restart, "draining; reconnect and resume");
  }

  void Disconnect(const absl::Status& reason) override {
    subscription_.reset();
    // A close reason is at most 123 bytes (RFC 6455 5.5); the code says why in any case.
    Close(websocket::close_code::policy_error, StdView(reason.message()).substr(0, 123));
  }

  void Abort() override {
    closed_ = true;
    boost::system::error_code ignored;
    ws_.next_layer().tcp().close(ignored);
  }

 private:
  friend class edge::QueuedWriter<BasicSerializedSocket<Stream>>;
  void Accepted(boost::system::error_code ec) {
    if (ec) {
      // Beast has answered the bad handshake (400, 426) already, unless it was aborted.
      if (!closed_) context_.metrics.Refuse(Refusal::kBadRequest);
      return;
    }
    handshake_done_ = true;
    ws_.text(true);
    if (!draining_) {
      subscription_ = std::make_unique<fanout::Subscription>(context_.shard, context_.engine, *this,
                                                             fanout::CursorMode::kPerTopic);
    }
    // Listed as a stream: a drain or stop under way reaches it now.
    context_.sessions.Promote(this, session::Transport::kWs);
    if (draining_) Drain();
    if (closed_) return;
    Read();
  }

  void Close(websocket::close_code code, std::string_view reason) {
    if (close_reason_ || closed_) return;
    close_reason_.emplace(code, reason);
    close_started_ = context_.sessions.clock().Now();
    ScheduleWrite();
  }

  void SendError(std::string_view code, std::string_view message, std::string_view topic = {},
                 std::string_view id = {}, std::string_view ref = {}) {
    writer_.queue().PushOwned(
        wire::FrameWsText(wire::EncodeWsError(code, message, topic, id, ref)));
    context_.metrics.ws_error_frames.fetch_add(1, std::memory_order_relaxed);
    ScheduleWrite();
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
    writer_.queue().PushOwned(wire::FrameWsText(wire::EncodeWsPublished(
        topic, EncodeTopicCursor(topic, event.epoch, event.offset), event.offset, ref)));
    ScheduleWrite();
  }

  void HandleText(std::string_view text) {
    absl::StatusOr<ClientOp> op = ParseClientOp(text);
    if (!op.ok()) {
      SendError(op.status());
      return;
    }
    if (op->kind == ClientOp::Kind::kPing) {
      writer_.queue().PushOwned(wire::FrameWsText(wire::EncodeWsPong()));
      ScheduleWrite();
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
    writer_.queue().PushOwned(
        wire::FrameWsText(wire::EncodeWsRefreshed(absl::ToUnixSeconds(grant_->expires_at))));
    ScheduleWrite();
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
    writer_.queue().PushOwned(wire::FrameWsText(wire::EncodeWsSubscribed(op.topic, start)));
    ScheduleWrite();
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

  // Reads the next piece of a client message into a small chunk: Beast's whole-message read
  // prepares 1.5 KiB in the caller's buffer before any byte arrives.
  void Read() {
    ws_.async_read_some(asio::buffer(chunk_),
                        [self = this->shared_from_this()](boost::system::error_code ec, size_t n) {
                          self->ReadSome(ec, n);
                        });
  }

  void ReadSome(boost::system::error_code ec, size_t n) {
    if (ec) {
      // The peer's close (answered by Beast), a protocol error (Beast has sent its close) or
      // the socket's end: the session ends once its last operation completes.
      if (ec.category() == boost::system::error_code(websocket::error::closed).category()) {
        // Beast refused a frame (bad UTF-8, oversize, protocol) and sent its close.
        if (ec != websocket::error::closed) NoteClose(session::CloseReason::kProtocolError);
      } else if (!IsExpectedClose(ec)) {
        context_.metrics.io_errors.fetch_add(1);
        NoteClose(session::CloseReason::kError);
      }
      Abort();
      return;
    }
    const size_t byte_limit = context_.options.max_ws_bytes_per_second;
    bytes_in_window_ += n;
    if (byte_limit > 0 && bytes_in_window_ > byte_limit && !close_reason_) {
      NoteClose(session::CloseReason::kRateLimit);
      Close(websocket::close_code::policy_error,
            absl::StrCat("more than ", byte_limit, " bytes per second; slow down"));
    }
    // After our close, what arrives is dropped (see HandleMessage): nothing is kept of it.
    if (!close_reason_) message_.append(chunk_.data(), n);
    if (ws_.is_message_done()) {
      HandleMessage();
      // An idle connection keeps no buffer from its last message.
      message_ = std::string();
    }
    if (!closed_) Read();
  }

  void HandleMessage() {
    // Any message proves the peer alive, like a pong.
    missed_pongs_ = 0;
    const uint32_t limit = context_.options.max_ws_messages_per_second;
    if (limit > 0 && ++messages_in_window_ > limit && !close_reason_) {
      NoteClose(session::CloseReason::kRateLimit);
      Close(websocket::close_code::policy_error,
            absl::StrCat("more than ", limit, " messages per second; slow down"));
    }
    // After our close, messages are dropped while we wait for the peer's close: the read that
    // receives it ends the session.
    if (close_reason_) return;
    if (ws_.got_text()) {
      HandleText(message_);
    } else {
      SendError("bad_request", "binary messages are not part of herald.v1.json; send text");
    }
  }

  void ScheduleWrite() {
    if (!closed_ && handshake_done_) writer_.Schedule(*this);
  }

  // One write in flight: everything queued (frames Beast never sees), or the close, which a
  // close decided meanwhile (overflow, drain, a kick) sends ahead of what is still queued.
  void Write() {
    if (closed_ || writer_.in_flight() || close_sent_) return;
    if (close_reason_) {
      close_sent_ = true;
      ws_.async_close(*close_reason_,
                      [self = this->shared_from_this()](boost::system::error_code ec) {
                        // The reader gets the peer's close and ends the session; a peer that never
                        // answers is aborted by the sweep after the drain timeout.
                        if (ec) self->Abort();
                      });
      return;
    }
    // The peer's close arrived: the reader answers it and ends the session.
    if (!ws_.is_open()) return;
    writer_.Write(*this);
  }

  // From the writer, once a write ended.
  void Written(boost::system::error_code ec) {
    if (ec) {
      Abort();
      return;
    }
    if (subscription_ && subscription_->replaying()) subscription_->Pump();
    if (writer_.queue().has_pending() || close_reason_) ScheduleWrite();
  }

  // First, so released last: once it is, the server may be gone.
  ConnectionLease lease_;
  SessionContext context_;
  // What the access token grants (the latest refresh's); null when the edge checks no tokens.
  std::unique_ptr<const auth::BrowserGrant> grant_;
  websocket::stream<BasicSerializedSocket<Stream>> ws_;
  QueuedWriter<BasicSerializedSocket<Stream>> writer_;
  // Kept (28 bytes) rather than asked of the socket: the close's log line names it after
  // the socket has closed.
  const tcp::endpoint peer_;
  absl::Time last_ping_;
  absl::Time close_started_;
  // Client messages, their bytes and publish ops since rate_window_start_ (the sweep starts a
  // new window each second).
  absl::Time rate_window_start_;
  uint32_t messages_in_window_ = 0;
  uint32_t publishes_in_window_ = 0;
  size_t bytes_in_window_ = 0;
  std::unique_ptr<fanout::Subscription> subscription_;
  // The topics followed, in subscribe order (a client follows a handful).
  std::vector<std::string> topics_;
  std::optional<websocket::close_reason> close_reason_;
  // The client message being read, a chunk at a time (see Read()).
  std::string message_;
  std::array<char, 256> chunk_;
  int missed_pongs_ = 0;
  // The connection takes the compressed frames shared by all (see TakesSharedDeflate()).
  bool shared_deflate_ = false;
  bool handshake_done_ = false;
  bool draining_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
};

}  // namespace

bool OffersSubprotocol(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == kSubprotocol) return true;
  }
  return false;
}

std::optional<Response> RefuseUpgrade(const EdgeOptions& options, EdgeMetrics& metrics,
                                      const Request& request) {
  const std::string_view key = request[http::field::sec_websocket_key];
  if (!key.empty() && !IsValidWebSocketKey(key)) {
    metrics.Refuse(Refusal::kBadRequest);
    return TextResponse(request.version(), false, http::status::bad_request,
                        "Sec-WebSocket-Key must be the base64 of 16 random bytes");
  }
  if (const std::string_view origin = request[http::field::origin]; !origin.empty()) {
    if (absl::Status allowed = CheckOrigin(options.allowed_origins, origin); !allowed.ok()) {
      metrics.Refuse(Refusal::kOrigin);
      return TextResponse(request.version(), false, http::status::forbidden,
                          std::string(allowed.message()));
    }
  }
  return std::nullopt;
}

void StartWsSession(const SessionContext& context, tcp::socket socket, Request request,
                    ConnectionLease lease) {
  std::make_shared<WsSession<tcp::socket>>(context, std::move(socket), std::move(lease))
      ->Start(std::move(request));
}

void StartWsSession(const SessionContext& context, TlsStream stream, Request request,
                    ConnectionLease lease) {
  std::make_shared<WsSession<TlsStream>>(context, std::move(stream), std::move(lease))
      ->Start(std::move(request));
}

}  // namespace herald::edge::ws
