#include "broker/edge/sse/sse_session.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/write.hpp"
#include "broker/core/status_macros.h"
#include "broker/core/topic.h"
#include "broker/edge/http_request.h"
#include "broker/fanout/outbound_queue.h"
#include "broker/fanout/subscription.h"
#include "broker/wire/json.h"
#include "broker/wire/sse.h"

namespace herald::edge::sse {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

int Milliseconds(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

// One SSE stream. Owned by RunSseSession's coroutine frame; lives on one shard.
// Shared objects: unsafe; use only on the owning shard.
class SseSession final : public fanout::Delivery, public SweptConnection {
 public:
  SseSession(SessionContext& context, tcp::socket socket)
      : context_(context),
        socket_(std::move(socket)),
        queue_(context.options.outbound_queue_bytes, &context.shard.queue_gauge()),
        wake_(socket_.get_executor()),
        last_write_(context.sweep.clock().Now()) {}

  // Subscribes and streams until the session ends.
  asio::awaitable<void> Run(const SseRequest& request) {
    // Answer 404 before any 200 head is queued: after the head, an error can only close.
    if (absl::Status found = FindTopics(request.topics); !found.ok()) {
      co_await WriteError(found);
      co_return;
    }
    queue_.PushOwned(absl::StrCat(
        "HTTP/1.1 200 OK\r\nServer: herald\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n",
        CorsHeaderLines(request.origin), "\r\n",
        // Sent at once so a client knows it is connected before the first event; the retry
        // comes with it, ahead of every event.
        ": herald\n", wire::EncodeSseRetry(Milliseconds(context_.options.sse_retry)), "\n"));
    single_topic_ = request.topics.size() == 1;
    subscription_ = std::make_unique<fanout::Subscription>(context_.shard, context_.engine,
                                                           *this, fanout::CursorMode::kCombined);
    for (const std::string& topic : request.topics) {
      if (absl::Status added = subscription_->Add(topic, request.from.Find(topic));
          !added.ok()) {
        // Deleted between the check above and here; the head is not sent yet.
        co_await WriteError(added);
        co_return;
      }
    }
    // Every topic has joined: notices and replayed events carry all their positions.
    subscription_->Pump();
    SweepRegistration registration(context_.sweep, this);
    context_.metrics.sse_sessions_open.fetch_add(1, std::memory_order_relaxed);
    context_.metrics.sse_sessions_total.fetch_add(1, std::memory_order_relaxed);
    // The first to end stops the other: a client that leaves stops the writer, a writer that
    // closes (overflow, drain, error) stops the reader.
    reading_ = true;
    Read();
    co_await WriteLoop();
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    // The reader refers to this session: wait for it to end.
    while (reading_) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(kAwait);
    }
    context_.metrics.sse_sessions_open.fetch_sub(1, std::memory_order_relaxed);
    // Before the socket closes: no delivery may reach a half-destroyed session.
    subscription_.reset();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::awaitable<void> WriteError(const absl::Status& status) {
    Response response = TextResponse(11, false, HttpStatusOf(status),
                                     std::string(status.message()));
    co_await http::async_write(socket_, response, kAwait);
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // fanout::Delivery

  bool HasRoom() const override { return queue_.has_room(); }

  void Deliver(const std::shared_ptr<const fanout::EncodedEvent>& event,
               const std::string& id) override {
    // Fast path: a one-topic stream's id is the event's own cursor, so the frame encoded
    // once for every subscriber goes out as is. Several topics: only the id line is ours.
    if (single_topic_) {
      queue_.PushShared(event, event->sse_frame);
    } else {
      queue_.PushOwned(wire::EncodeSseId(id));
      queue_.PushShared(event, event->sse_fields);
    }
    context_.metrics.events_sent.fetch_add(1, std::memory_order_relaxed);
    Wake();
  }

  void DeliverNotice(const fanout::Notice& notice, const std::string& id) override {
    QueueNotice(notice, id);
  }

  void Overflow() override {
    context_.metrics.slow_subscriber_closes.fetch_add(1, std::memory_order_relaxed);
    closing_ = true;
    Wake();
  }

  // SweptConnection

  void OnSweep(absl::Time now) override {
    if (!queue_.has_pending() && !write_in_flight_ &&
        now - last_write_ >= context_.options.heartbeat_interval) {
      queue_.PushOwned(wire::EncodeSseComment("hb"));
      // Counted as written now so that a stalled client gets one heartbeat per interval.
      last_write_ = now;
      Wake();
    }
  }

  void Drain() override {
    if (draining_) return;
    draining_ = true;
    // No more events: the client reconnects elsewhere and resumes from its last id.
    subscription_.reset();
    queue_.PushOwned(absl::StrCat(
        wire::EncodeSseRetry(Milliseconds(context_.options.sse_retry)), "\n"));
    Wake();
  }

  void Abort() override {
    closing_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    Wake();
  }

 private:
  void Wake() { wake_.cancel(); }

  // NotFound for the first topic that does not exist. Not inline in Run(): a TopicInfo
  // there would take room in the coroutine frame of every stream.
  absl::Status FindTopics(const std::vector<std::string>& topics) const {
    for (const std::string& topic : topics) {
      if (context_.grant != nullptr && !context_.grant->AllowsTopic(topic)) {
        return absl::PermissionDeniedError(
            absl::StrCat("the access token does not grant topic '", topic, "'"));
      }
      if (absl::StatusOr<TopicInfo> info = context_.engine.GetTopic(topic); !info.ok()) {
        return info.status();
      }
    }
    return absl::OkStatus();
  }

  void QueueNotice(const fanout::Notice& notice, const std::string& id) {
    std::string data = R"({"topic":)";
    wire::AppendJsonString(data, notice.topic);
    data += R"(,"message":)";
    wire::AppendJsonString(data, notice.message);
    data.push_back('}');
    queue_.PushOwned(absl::StrCat(wire::EncodeSseId(id),
                                  wire::EncodeSseFields(fanout::NoticeName(notice.kind), data)));
    Wake();
  }

  // SSE clients send nothing after the request: what they send is ignored, and EOF or an
  // error ends the session. A plain callback rather than a coroutine beside the writer: the
  // pending read of an idle stream then costs one small operation instead of a spawned
  // coroutine's frames (about 1.2 KiB).
  void Read() {
    socket_.async_read_some(asio::buffer(&read_byte_, 1),
                            [this](boost::system::error_code ec, size_t) {
                              if (!ec) {
                                Read();
                                return;
                              }
                              if (!IsExpectedClose(ec)) context_.metrics.io_errors.fetch_add(1);
                              reading_ = false;
                              closing_ = true;
                              boost::system::error_code ignored;
                              socket_.cancel(ignored);
                              Wake();
                            });
  }

  // One gathered write in flight, of everything queued.
  asio::awaitable<void> WriteLoop() {
    while (!closing_) {
      if (!queue_.has_pending()) {
        if (draining_) break;
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(kAwait);
        continue;
      }
      write_in_flight_ = true;
      auto [ec, written] = co_await asio::async_write(socket_, queue_.Prepare(), kAwait);
      write_in_flight_ = false;
      queue_.Consume();
      if (ec) {
        if (!IsExpectedClose(ec)) context_.metrics.io_errors.fetch_add(1);
        break;
      }
      context_.metrics.bytes_sent.fetch_add(written, std::memory_order_relaxed);
      last_write_ = context_.sweep.clock().Now();
      if (subscription_ && subscription_->replaying()) subscription_->Pump();
    }
  }

  SessionContext& context_;
  tcp::socket socket_;
  fanout::OutboundQueue queue_;
  // Never expires: cancelled to wake the writer.
  asio::steady_timer wake_;
  std::unique_ptr<fanout::Subscription> subscription_;
  absl::Time last_write_;
  char read_byte_ = 0;
  bool single_topic_ = true;
  bool write_in_flight_ = false;
  // While a Read() is pending (see Run()).
  bool reading_ = false;
  bool draining_ = false;
  bool closing_ = false;
};

}  // namespace

absl::StatusOr<SseRequest> ParseSseRequest(const EdgeOptions& options, const Request& request) {
  SseRequest result;
  result.origin = std::string(request[http::field::origin]);
  if (!result.origin.empty() && !IsOriginAllowed(options.allowed_origins, result.origin)) {
    return absl::PermissionDeniedError(
        absl::StrCat("origin '", result.origin, "' is not allowed; add it to the allowed origins"));
  }
  const RequestTarget target = ParseTarget(request.target());
  result.topics = target.All("topic");
  if (result.topics.empty()) {
    return absl::InvalidArgumentError(
        "name at least one topic: /v1/sse?topic=A[&topic=B...]");
  }
  if (result.topics.size() > options.max_topics_per_subscription) {
    return absl::InvalidArgumentError(
        absl::StrCat("a stream takes at most ", options.max_topics_per_subscription,
                     " topics (got ", result.topics.size(), "); open another stream"));
  }
  std::vector<std::string> sorted = result.topics;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    HERALD_RETURN_IF_ERROR(ValidateTopicName(sorted[i]));
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic '", sorted[i], "' is named twice; name each topic once"));
    }
  }
  std::string from(request["Last-Event-ID"]);
  if (from.empty()) from = target.First("last_event_id").value_or("");
  if (!from.empty()) {
    absl::StatusOr<Cursor> cursor = Cursor::Parse(from);
    if (!cursor.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "bad Last-Event-ID / last_event_id: %s; reconnect without it to start from new events",
          cursor.status().message()));
    }
    result.from = *std::move(cursor);
  }
  return result;
}

asio::awaitable<void> RunSseSession(SessionContext& context, tcp::socket& socket,
                                    Request& request) {
  SseSession session(context, std::move(socket));
  absl::StatusOr<SseRequest> parsed = ParseSseRequest(context.options, request);
  // Nothing more is read from the request: its headers are not kept for the stream's life.
  request = Request();
  if (!parsed.ok()) {
    context.metrics.refused_bad_request.fetch_add(1, std::memory_order_relaxed);
    co_await session.WriteError(parsed.status());
    co_return;
  }
  co_await session.Run(*parsed);
}

}  // namespace herald::edge::sse
