#include "broker/edge/ws/ws_session.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/core/buffers_suffix.hpp"
#include "boost/beast/websocket.hpp"
#include "broker/core/cursor.h"
#include "broker/core/topic.h"
#include "broker/edge/http_request.h"
#include "broker/edge/ws/serialized_socket.h"
#include "broker/edge/ws/ws_ops.h"
#include "broker/fanout/outbound_queue.h"
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

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Status messages are Debian abseil's own string_view.
std::string_view MessageOf(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

// Pings a connection may leave unanswered; at the next ping time it is closed.
constexpr int kMaxMissedPongs = 2;

// permessage-deflate sized for an edge of many mostly idle browsers. Beast's defaults (15
// window bits, memLevel 4) allocate 136 KiB of deflate state per connection on its first
// compressed message, and 32 KiB of inflate window on the first compressed client message.
// A 1 KiB window (10 bits) and memLevel 1 keep the deflate state at 5 KiB and the inflate
// window at 1 KiB, and still compress the repeated JSON of an event; replies shorter than
// kDeflateMinBytes gain little and go out as they are, so a connection that only got such
// replies allocates no deflate state at all.
constexpr int kDeflateWindowBits = 10;
constexpr int kDeflateMemLevel = 1;
constexpr size_t kDeflateMinBytes = 256;

// Beast declines the extension when it wants a smaller client window than 15 bits and the
// offer does not let the server choose one (RFC 7692 7.1.2.2): ask only when it does.
bool OffersClientWindowBits(std::string_view extensions) {
  return extensions.find("client_max_window_bits") != std::string_view::npos;
}

bool OffersDeflate(std::string_view extensions) {
  return extensions.find("permessage-deflate") != std::string_view::npos;
}

// The text of a frame queued whole (see wire::FrameWsText).
asio::const_buffer FrameText(const asio::const_buffer& frame) {
  const std::string_view bytes(static_cast<const char*>(frame.data()), frame.size());
  return asio::buffer(bytes.substr(wire::WsFrameHeaderSize(bytes)));
}

// How many frames lead `frames` before the first one worth compressing.
size_t LeadingSmallFrames(std::span<const asio::const_buffer> frames) {
  size_t n = 0;
  while (n < frames.size() && FrameText(frames[n]).size() < kDeflateMinBytes) ++n;
  return n;
}

// One WebSocket connection. Owned by RunWsSession's coroutine frame; lives on one shard.
// Shared objects: unsafe; use only on the owning shard.
class WsSession final : public fanout::Delivery, public session::Session {
 public:
  WsSession(SessionContext& context, tcp::socket socket)
      : context_(context),
        peer_(PeerOf(socket)),
        subject_(context.grant != nullptr ? context.grant->subject : std::string()),
        ws_(std::move(socket)),
        queue_(context.options.outbound_queue_bytes, &context.shard.queue_gauge()),
        wake_(ws_.get_executor(), asio::steady_timer::time_point::max()),
        last_ping_(context.sessions.clock().Now()),
        rate_window_start_(last_ping_),
        subscription_(std::make_unique<fanout::Subscription>(
            context.shard, context.engine, *this, fanout::CursorMode::kPerTopic)) {
    // WriteFrames() tries each write at once; it must never block the shard.
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).non_blocking(true, ignored);
  }

  // The opening handshake; false when it failed (Beast has answered it). Takes the request
  // by value so that its headers end with the handshake rather than live with the stream.
  asio::awaitable<bool> Accept(Request request) {
    const bool offered = OffersSubprotocol(request[http::field::sec_websocket_protocol]);
    ws_.set_option(websocket::stream_base::decorator([offered](websocket::response_type& res) {
      res.set(http::field::server, "herald");
      if (offered) res.set(http::field::sec_websocket_protocol, kSubprotocol);
    }));
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    deflate.server_max_window_bits = kDeflateWindowBits;
    deflate.memLevel = kDeflateMemLevel;
    deflate.msg_size_threshold = kDeflateMinBytes;
    if (OffersClientWindowBits(request[http::field::sec_websocket_extensions])) {
      deflate.client_max_window_bits = kDeflateWindowBits;
    }
    ws_.set_option(deflate);
    compress_ = OffersDeflate(request[http::field::sec_websocket_extensions]);
    ws_.read_message_max(context_.options.max_ws_message_bytes);
    ws_.auto_fragment(false);
    ws_.control_callback([this](websocket::frame_type kind, std::string_view) {
      if (kind == websocket::frame_type::pong) missed_pongs_ = 0;
    });
    auto [ec] = co_await ws_.async_accept(request, kAwait);
    if (ec) {
      // Beast has answered the bad handshake (400, 426) already.
      context_.metrics.refused_bad_request.fetch_add(1, std::memory_order_relaxed);
      co_return false;
    }
    handshake_done_ = true;
    co_return true;
  }

  // Streams until the session ends; after a successful Accept().
  asio::awaitable<void> Run() {
    ws_.text(true);
    if (draining_) CloseForDrain();
    context_.metrics.ws_sessions_total.fetch_add(1, std::memory_order_relaxed);
    // The first of the reader and the writer to end stops the other.
    reading_ = true;
    Read();
    co_await WriteLoop();
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).cancel(ignored);
    // The reader refers to this session: wait for it to end.
    while (reading_) co_await Sleep();
    CountEvents();
    subscription_.reset();
  }

  // fanout::Delivery

  bool HasRoom() const override { return queue_.has_room(); }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& event,
               const std::string&) override {
    // Per-topic cursors: the frame encoded once for every subscriber carries the right id.
    queue_.PushShared(event, event->ws_frame);
    ++uncounted_events_;
    Wake();
  }

  void DeliverNotice(const fanout::Notice& notice, const std::string& id) override {
    SendError(fanout::NoticeName(notice.kind), notice.message, notice.topic, id);
  }

  void Overflow() override {
    context_.metrics.slow_subscriber_closes.fetch_add(1, std::memory_order_relaxed);
    Close(websocket::close_code::policy_error, "slow consumer; resume from your last ids");
  }

  // session::Session

  void Describe(session::SessionSnapshot& out) const override {
    out.kind = "subscribe";
    out.peer = FormatPeer(peer_);
    out.subject = subject_;
    out.topics = topics_;
    out.delivered = delivered_ + uncounted_events_;
    out.queued_bytes = queue_.pending_bytes() + queue_.in_flight_bytes();
  }

  void OnSweep(absl::Time now) override {
    if (!handshake_done_) return;
    if (now - rate_window_start_ >= absl::Seconds(1)) {
      rate_window_start_ = now;
      messages_in_window_ = 0;
    }
    if (close_reason_) {
      // The peer has had a drain timeout to answer our close.
      if (now - close_started_ >= context_.options.drain_timeout) Abort();
      return;
    }
    if (now - last_ping_ < context_.options.ws_ping_interval) return;
    if (missed_pongs_ >= kMaxMissedPongs) {
      context_.metrics.ping_timeouts.fetch_add(1, std::memory_order_relaxed);
      Abort();
      return;
    }
    ++missed_pongs_;
    last_ping_ = now;
    ping_due_ = true;
    Wake();
  }

  void Drain() override {
    draining_ = true;
    subscription_.reset();
    // Mid-handshake, the close goes out once the handshake completes (see Run()).
    if (handshake_done_) CloseForDrain();
  }

  void Disconnect(const absl::Status& reason) override {
    subscription_.reset();
    // A close reason is at most 123 bytes (RFC 6455 5.5); the code says why in any case.
    Close(websocket::close_code::policy_error, MessageOf(reason).substr(0, 123));
  }

  void Abort() override {
    aborted_ = true;
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    Wake();
  }

 private:
  // Suspends the writer until Wake().
  asio::awaitable<std::tuple<boost::system::error_code>> Sleep() {
    sleeping_ = true;
    return wake_.async_wait(kAwait);
  }
  // Only a sleeping writer needs the timer cancelled: most deliveries find it busy writing.
  void Wake() {
    if (!sleeping_) return;
    sleeping_ = false;
    wake_.cancel();
  }

  void CloseForDrain() {
    Close(websocket::close_code::service_restart, "draining; reconnect and resume");
  }

  void Close(websocket::close_code code, std::string_view reason) {
    if (close_reason_) return;
    close_reason_.emplace(code, reason);
    close_started_ = context_.sessions.clock().Now();
    Wake();
  }

  void SendError(std::string_view code, std::string_view message, std::string_view topic = {},
                 std::string_view id = {}) {
    queue_.PushOwned(wire::FrameWsText(wire::EncodeWsError(code, message, topic, id)));
    context_.metrics.ws_error_frames.fetch_add(1, std::memory_order_relaxed);
    Wake();
  }

  void SendError(const absl::Status& status, std::string_view topic = {}) {
    SendError(WsErrorCode(status), MessageOf(status), topic);
  }

  void HandleText(std::string_view text) {
    absl::StatusOr<ClientOp> op = ParseClientOp(text);
    if (!op.ok()) {
      SendError(op.status());
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
          SendError("not_subscribed", MessageOf(removed), op->topic);
          return;
        }
        topics_.erase(std::find(topics_.begin(), topics_.end(), op->topic));
        return;
      case ClientOp::Kind::kPublish:
        Publish(*op);
        return;
    }
  }

  void Subscribe(const ClientOp& op) {
    if (std::find(topics_.begin(), topics_.end(), op.topic) != topics_.end()) {
      SendError("already_subscribed",
                absl::StrCat("already subscribed to topic '", op.topic, "'"), op.topic);
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
            session::CheckAccess(context_.grant, op.topic, session::Access::kSubscribe);
        !allowed.ok()) {
      SendError(allowed, op.topic);
      return;
    }
    absl::StatusOr<TopicInfo> info = context_.engine.GetTopic(op.topic);
    if (!info.ok()) {
      SendError(info.status(), op.topic);
      return;
    }
    absl::StatusOr<Cursor> from = session::ParseSubscribeCursor(op.from, "\"from\"");
    if (!from.ok()) {
      SendError("bad_cursor", MessageOf(from.status()), op.topic);
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
    // Queued before Add, which replays what the cursor is owed right behind it.
    const std::string start =
        op.from.empty() ? EncodeTopicCursor(op.topic, info->epoch, info->last_offset) : op.from;
    queue_.PushOwned(wire::FrameWsText(wire::EncodeWsSubscribed(op.topic, start)));
    Wake();
    if (absl::Status added = subscription_->Add(op.topic, entry); !added.ok()) {
      SendError(added, op.topic);
      return;
    }
    topics_.push_back(op.topic);
    subscription_->Pump();
  }

  void Publish(const ClientOp& op) {
    absl::StatusOr<TopicInfo> info = context_.engine.GetTopic(op.topic);
    if (!info.ok()) {
      SendError(info.status(), op.topic);
      return;
    }
    if (absl::Status allowed =
            session::CheckAccess(context_.grant, op.topic, session::Access::kPublish);
        !allowed.ok()) {
      SendError(allowed, op.topic);
      return;
    }
    if (!info->config.allow_browser_publish) {
      SendError("permission_denied",
                absl::StrCat("topic '", op.topic,
                             "' does not allow publishing from browsers; publish through the "
                             "gRPC PublishService"),
                op.topic);
      return;
    }
    // The store answers on its own thread, maybe after this session ended: the refusal comes
    // back to the shard and finds the session only while it lives.
    context_.engine.Publish(
        {.topic = op.topic, .type = op.event, .data = op.data},
        [this, alive = std::weak_ptr<const bool>(alive_), shard = &context_.shard,
         topic = op.topic](absl::StatusOr<EventPtr> published) {
          if (published.ok()) return;
          asio::post(shard->context(), [this, alive, topic, status = published.status()] {
            if (alive.lock()) SendError(status, topic);
          });
        });
  }

  // Reads the next piece of a client message. A callback reading into a small chunk rather
  // than a coroutine reading whole messages: Beast's whole-message read prepares 1.5 KiB in
  // the caller's buffer before any byte arrives, and a spawned coroutine costs its frames;
  // together about 2 KiB on every idle connection.
  void Read() {
    ws_.async_read_some(asio::buffer(chunk_), [this](boost::system::error_code ec, size_t n) {
      if (ec) {
        if (!IsExpectedClose(ec)) context_.metrics.io_errors.fetch_add(1);
        reading_ = false;
        boost::system::error_code ignored;
        beast::get_lowest_layer(ws_).cancel(ignored);
        Wake();
        return;
      }
      message_.append(chunk_.data(), n);
      if (ws_.is_message_done()) {
        HandleMessage();
        // An idle connection keeps no buffer from its last message.
        message_ = std::string();
      }
      Read();
    });
  }

  void HandleMessage() {
    // Any message proves the peer alive, like a pong.
    missed_pongs_ = 0;
    const uint32_t limit = context_.options.max_ws_messages_per_second;
    if (limit > 0 && ++messages_in_window_ > limit && !close_reason_) {
      context_.metrics.refused_rate_limit.fetch_add(1, std::memory_order_relaxed);
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

  // One write in flight: everything queued, then a ping or the close.
  asio::awaitable<void> WriteLoop() {
    while (!aborted_ && reading_) {
      if (close_reason_) {
        auto [ec] = co_await ws_.async_close(*close_reason_, kAwait);
        if (ec) co_return;
        // The reader gets the peer's close and ends the session; a peer that never answers
        // is aborted by the sweep after the drain timeout.
        co_await AwaitReaderEnd();
        co_return;
      }
      if (!ws_.is_open()) {
        // The peer's close arrived: the reader answers it and ends the session.
        co_await AwaitReaderEnd();
        co_return;
      }
      if (ping_due_) {
        ping_due_ = false;
        auto [ec] = co_await ws_.async_ping({}, kAwait);
        if (ec) co_return;
        continue;
      }
      if (!queue_.has_pending()) {
        co_await Sleep();
        continue;
      }
      const boost::system::error_code ec = co_await WriteQueued();
      queue_.Consume();
      if (ec) {
        if (!IsExpectedClose(ec)) context_.metrics.io_errors.fetch_add(1);
        co_return;
      }
      if (subscription_ && subscription_->replaying()) subscription_->Pump();
    }
  }

  // Writes the queued frames: each run of them in one gathered write, straight to the socket.
  // When the client negotiated permessage-deflate, a message long enough to gain from
  // compression goes through Beast on its own instead.
  asio::awaitable<boost::system::error_code> WriteQueued() {
    CountEvents();
    std::span<const asio::const_buffer> frames = queue_.Prepare();
    while (!frames.empty()) {
      const size_t run = compress_ ? LeadingSmallFrames(frames) : frames.size();
      size_t written = 0;
      boost::system::error_code ec;
      if (run > 0) {
        std::tie(ec, written) = co_await WriteFrames(frames.first(run));
        frames = frames.subspan(run);
      } else {
        std::tie(ec, written) = co_await ws_.async_write(FrameText(frames.front()), kAwait);
        frames = frames.subspan(1);
      }
      if (ec) co_return ec;
      context_.metrics.bytes_sent.fetch_add(written, std::memory_order_relaxed);
      // A close decided meanwhile (overflow, drain, the peer's) goes out before the rest.
      if (close_reason_ || aborted_ || !ws_.is_open()) break;
    }
    co_return boost::system::error_code();
  }

  // Writes `frames` at once where they fit in the socket's send buffer, as SSE sessions do,
  // and waits for the socket only for the rest.
  asio::awaitable<std::tuple<boost::system::error_code, size_t>> WriteFrames(
      std::span<const asio::const_buffer> frames) {
    boost::system::error_code ec;
    size_t written = ws_.next_layer().WriteNow(frames, ec);
    if (ec == asio::error::would_block) ec = {};
    if (ec || written == asio::buffer_size(frames)) co_return std::tuple(ec, written);
    beast::buffers_suffix<std::span<const asio::const_buffer>> rest(frames);
    rest.consume(written);
    auto [rest_ec, more] = co_await ws_.next_layer().async_write_some(rest, kAwait);
    co_return std::tuple(rest_ec, written + more);
  }

  // Adds the events queued since the last call to the shared counter, once per write rather
  // than once per event: an atomic add per delivery took 8 % of a shard's time in scenario A.
  void CountEvents() {
    context_.sessions.registry().RecordDelivered(session::Transport::kWs, uncounted_events_);
    delivered_ += uncounted_events_;
    uncounted_events_ = 0;
  }

  asio::awaitable<void> AwaitReaderEnd() {
    while (!aborted_ && reading_) co_await Sleep();
  }

  SessionContext& context_;
  const boost::asio::ip::tcp::endpoint peer_;
  // The access token's subject; empty when the edge checks no tokens.
  const std::string subject_;
  websocket::stream<SerializedSocket> ws_;
  fanout::OutboundQueue queue_;
  // Never expires: cancelled to wake the writer.
  asio::steady_timer wake_;
  absl::Time last_ping_;
  absl::Time close_started_;
  // Client messages since rate_window_start_ (the sweep starts a new window each second).
  absl::Time rate_window_start_;
  uint32_t messages_in_window_ = 0;
  std::unique_ptr<fanout::Subscription> subscription_;
  // Expires with the session: answers that arrive later (publishes) look at it first.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
  // The topics followed, in subscribe order (a client follows a handful).
  std::vector<std::string> topics_;
  std::optional<websocket::close_reason> close_reason_;
  // The client message being read, a chunk at a time (see Read()).
  std::string message_;
  std::array<char, 256> chunk_;
  int missed_pongs_ = 0;
  bool ping_due_ = false;
  bool sleeping_ = false;
  // Events written, and events queued since (see CountEvents()).
  uint64_t delivered_ = 0;
  uint64_t uncounted_events_ = 0;
  // The client offered permessage-deflate (see WriteQueued()).
  bool compress_ = false;
  bool handshake_done_ = false;
  bool draining_ = false;
  bool aborted_ = false;
  // While a Read() is pending (see Run()); the writer ends when the reader does.
  bool reading_ = false;
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

namespace {

// The checks of an upgrade request that Beast leaves to us; false when the request was refused
// (answered here). A coroutine of its own so that a refusal takes no room in the frame of
// every connection.
asio::awaitable<bool> CheckUpgrade(SessionContext& context, tcp::socket& socket,
                                   const Request& request) {
  const std::string_view key = request[http::field::sec_websocket_key];
  std::optional<Response> refusal;
  // Beast checks only that the key is there and short; RFC 6455 4.2.1 wants 16 bytes.
  if (!key.empty() && !IsValidWebSocketKey(key)) {
    refusal = TextResponse(request.version(), false, http::status::bad_request,
                           "Sec-WebSocket-Key must be the base64 of 16 random bytes");
    context.metrics.refused_bad_request.fetch_add(1, std::memory_order_relaxed);
  } else if (const std::string_view origin = request[http::field::origin]; !origin.empty()) {
    if (absl::Status allowed = CheckOrigin(context.options.allowed_origins, origin);
        !allowed.ok()) {
      refusal = TextResponse(request.version(), false, http::status::forbidden,
                             std::string(MessageOf(allowed)));
      context.metrics.refused_origin.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (refusal) {
    co_await http::async_write(socket, *refusal, kAwait);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<void> RunWsSession(SessionContext& context, tcp::socket& socket, Request& request) {
  if (!co_await CheckUpgrade(context, socket, request)) co_return;
  WsSession session(context, std::move(socket));
  // Listed once the handshake is done; swept and stopped from the start.
  context.sessions.Add(&session, session::Transport::kHttp);
  if (co_await session.Accept(std::move(request))) {
    context.sessions.Remove(&session);
    context.sessions.Add(&session, session::Transport::kWs);
    co_await session.Run();
  }
  context.sessions.Remove(&session);
}

}  // namespace herald::edge::ws
