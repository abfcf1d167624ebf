// The browser edge end to end on real sockets: an in-process herald::Broker serving on port 0,
// a raw-socket SSE client that parses per WHATWG, and Beast WebSocket clients.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "broker/auth/browser_token.h"
#include "broker/auth/test_tokens.h"
#include "broker/broker.h"
#include "broker/core/cursor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/sse_client.h"
#include "tests/testing/wait_for.h"
#include "tests/testing/ws_client.h"

namespace herald {
namespace {

using ::herald::testing::SseClient;
using ::herald::testing::SseEvent;
using ::herald::testing::WaitFor;
using ::herald::testing::WsClient;
using ::herald::testing::WsConnectOptions;
using ::herald::testing::WsMessage;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kWait = absl::Seconds(10);

boost::json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return {};
  return value.as_object();
}

std::string Field(const boost::json::object& object, const char* name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->as_string().c_str());
}

class EdgeTest : public ::testing::Test {
 public:
  Broker& broker() { return *broker_; }

 protected:
  void Start(const std::function<void(BrokerOptions&)>& tweak = {}) {
    BrokerOptions options;
    options.shards = 2;
    options.serve_edge = true;
    options.edge.port = 0;
    options.edge.sweep_interval = absl::Milliseconds(20);
    options.edge.drain_timeout = absl::Seconds(2);
    // Every connection of these tests comes from one client, the loopback: the tests of
    // per-client limits set them.
    options.edge.max_connections_per_ip = 0;
    options.edge.max_new_connections_per_second_per_ip = 0;
    if (tweak) tweak(options);
    absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    port_ = broker_->edge_port();
    ASSERT_NE(port_, 0);
  }

  void Create(const std::string& topic, bool browser_publish = false) {
    ASSERT_TRUE(
        broker_->CreateTopic({.name = topic, .allow_browser_publish = browser_publish}).ok());
  }

  std::string Publish(const std::string& topic, const std::string& data,
                      const std::string& type = "") {
    absl::StatusOr<PublishResult> result =
        broker_->Publish({.topic = topic, .type = type, .data = data});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->cursor : "";
  }

  std::unique_ptr<SseClient> Sse(const std::string& target,
                                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    absl::StatusOr<std::unique_ptr<SseClient>> client = SseClient::Connect(port_, target, headers);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::unique_ptr<WsClient> Ws(WsConnectOptions options = {}) {
    absl::StatusOr<std::unique_ptr<WsClient>> client = WsClient::Connect(port_, options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // The next message as JSON; an empty object on a close or timeout.
  static boost::json::object NextOp(WsClient& ws) {
    WsMessage message = ws.Read(kWait);
    EXPECT_EQ(message.kind, WsMessage::Kind::kText) << message.text;
    return ParseObject(message.text);
  }

  std::string Metrics() {
    std::unique_ptr<SseClient> http = Sse("/metrics");
    return http ? http->ReadToEnd(kWait) : "";
  }

  // Declared before broker_, which reads it until it is destroyed.
  FakeClock fake_clock_{absl::FromUnixSeconds(1'000'000)};
  std::unique_ptr<Broker> broker_;
  uint16_t port_ = 0;
};

TEST_F(EdgeTest, HealthReadinessAndMetricsAnswer) {
  Start();
  std::unique_ptr<SseClient> health = Sse("/healthz");
  ASSERT_NE(health, nullptr);
  EXPECT_EQ(health->status(), 200);
  std::unique_ptr<SseClient> ready = Sse("/readyz");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status(), 200);
  EXPECT_THAT(Metrics(), HasSubstr("herald_edge_connections_total "));
  std::unique_ptr<SseClient> missing = Sse("/nope");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->status(), 404);
}

TEST_F(EdgeTest, SseStreamsPublishedEventsWithIdsTypesAndRetry) {
  Start();
  Create("orders");
  std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=orders");
  ASSERT_NE(sse, nullptr);
  ASSERT_EQ(sse->status(), 200);
  EXPECT_THAT(sse->head(), HasSubstr("Content-Type: text/event-stream"));
  EXPECT_THAT(sse->head(), HasSubstr("Cache-Control: no-cache"));
  EXPECT_THAT(sse->head(), HasSubstr("X-Accel-Buffering: no"));
  EXPECT_THAT(sse->head(), Not(HasSubstr("Content-Length")));
  const std::string first = Publish("orders", "one");
  const std::string second = Publish("orders", "two\r\nlines\rhere", "price");
  std::optional<SseEvent> a = sse->Next(kWait);
  std::optional<SseEvent> b = sse->Next(kWait);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->data, "one");
  EXPECT_EQ(a->type, "message");
  EXPECT_EQ(a->id, first);
  EXPECT_EQ(b->data, "two\nlines\nhere");
  EXPECT_EQ(b->type, "price");
  EXPECT_EQ(b->id, second);
  EXPECT_TRUE(sse->retry().has_value());
}

TEST_F(EdgeTest, SseRefusesUnknownTopicsMissingTopicsAndMalformedCursors) {
  Start();
  Create("a");
  std::unique_ptr<SseClient> unknown = Sse("/v1/sse?topic=missing");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->status(), 404);
  EXPECT_THAT(unknown->ReadToEnd(kWait), HasSubstr("'missing' not found"));
  std::unique_ptr<SseClient> none = Sse("/v1/sse");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->status(), 400);
  std::unique_ptr<SseClient> header = Sse("/v1/sse?topic=a", {{"Last-Event-ID", "garbage"}});
  ASSERT_NE(header, nullptr);
  EXPECT_EQ(header->status(), 400);
  std::unique_ptr<SseClient> query = Sse("/v1/sse?topic=a&last_event_id=garbage");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->status(), 400);
}

// Reconnects at random points while a publisher runs, resuming each time from the last id
// seen, and checks every topic's events arrive exactly once and in order.
void ResumeAcrossRandomDisconnects(EdgeTest* test, uint16_t port,
                                   const std::vector<std::string>& topics, int per_topic,
                                   const std::function<void(const std::string&, int)>& publish) {
  std::thread publisher;
  // Joined however the test ends: an ASSERT returning early must not terminate the process.
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{publisher};
  publisher = std::thread([&] {
    for (int i = 1; i <= per_topic; ++i) {
      for (const std::string& topic : topics) publish(topic, i);
    }
  });
  std::string target = "/v1/sse?";
  for (const std::string& topic : topics) absl::StrAppend(&target, "topic=", topic, "&");
  std::map<std::string, std::vector<std::string>> received;
  std::mt19937 random(20261125);
  // Positioned before every topic's first event, so nothing published before the first
  // connection is missed.
  Cursor start;
  for (const std::string& topic : topics) {
    absl::StatusOr<TopicInfo> info = test->broker().GetTopic(topic);
    ASSERT_TRUE(info.ok()) << info.status();
    start.Set(topic, info->epoch, 0);
  }
  std::string last_id = start.Encode();
  size_t total = 0;
  const size_t expected = topics.size() * static_cast<size_t>(per_topic);
  int connections = 0;
  while (total < expected) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
    absl::StatusOr<std::unique_ptr<SseClient>> sse = SseClient::Connect(port, target, headers);
    ASSERT_TRUE(sse.ok()) << sse.status();
    ASSERT_EQ((*sse)->status(), 200);
    ++connections;
    const int take = std::uniform_int_distribution<int>(1, 25)(random);
    for (int i = 0; i < take && total < expected; ++i) {
      std::optional<SseEvent> event = (*sse)->Next(kWait);
      ASSERT_TRUE(event.has_value()) << "stalled after " << total << " events";
      const size_t dash = event->data.rfind('-');
      received[event->data.substr(0, dash)].push_back(event->data);
      last_id = event->id;
      ++total;
    }
  }
  EXPECT_GT(connections, 1);
  for (const std::string& topic : topics) {
    std::vector<std::string> want;
    for (int i = 1; i <= per_topic; ++i) want.push_back(absl::StrCat(topic, "-", i));
    EXPECT_EQ(received[topic], want) << topic;
  }
}

TEST_F(EdgeTest, SseResumesOneTopicExactlyOnceAcrossRandomDisconnects) {
  Start();
  Create("solo");
  ResumeAcrossRandomDisconnects(this, port_, {"solo"}, 300, [&](const std::string& t, int i) {
    Publish(t, absl::StrCat(t, "-", i));
  });
}

TEST_F(EdgeTest, SseResumesSeveralTopicsExactlyOnceAcrossRandomDisconnects) {
  Start();
  Create("ta");
  Create("tb");
  Create("tc");
  ResumeAcrossRandomDisconnects(
      this, port_, {"ta", "tb", "tc"}, 150,
      [&](const std::string& t, int i) { Publish(t, absl::StrCat(t, "-", i)); });
}

TEST_F(EdgeTest, SseTellsOfAGapPastRetention) {
  Start();
  ASSERT_TRUE(broker_->CreateTopic({.name = "short", .retention = {.max_events = 3}}).ok());
  const std::string first = Publish("short", "short-1");
  for (int i = 2; i <= 8; ++i) Publish("short", absl::StrCat("short-", i));
  std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=short", {{"Last-Event-ID", first}});
  ASSERT_NE(sse, nullptr);
  std::optional<SseEvent> gap = sse->Next(kWait);
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(gap->type, "herald.gap");
  for (int i = 6; i <= 8; ++i) {
    std::optional<SseEvent> event = sse->Next(kWait);
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->data, absl::StrCat("short-", i));
  }
}

TEST_F(EdgeTest, SseResetNoticeOnAMultiTopicStreamCarriesEveryTopicsPosition) {
  Start();
  Create("ra");
  Create("rb");
  std::unique_ptr<SseClient> first = Sse("/v1/sse?topic=ra&topic=rb");
  ASSERT_NE(first, nullptr);
  Publish("ra", "ra-1");
  Publish("rb", "rb-1");
  std::optional<SseEvent> a = first->Next(kWait);
  std::optional<SseEvent> b = first->Next(kWait);
  ASSERT_TRUE(a && b);
  first.reset();
  ASSERT_TRUE(broker_->DeleteTopic("ra").ok());
  Create("ra");
  Publish("ra", "ra-new-1");

  std::unique_ptr<SseClient> resumed = Sse("/v1/sse?topic=ra&topic=rb", {{"Last-Event-ID", b->id}});
  ASSERT_NE(resumed, nullptr);
  std::optional<SseEvent> reset = resumed->Next(kWait);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->type, "herald.reset");
  std::optional<SseEvent> fresh = resumed->Next(kWait);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->data, "ra-new-1");
  resumed.reset();
  // Published while no one listens: resuming from the notice's id must replay it, which it
  // does only if that id holds rb's position too.
  Publish("rb", "rb-2");

  // Resuming from the notice's id replays the new history of ra, then what rb missed.
  std::unique_ptr<SseClient> again =
      Sse("/v1/sse?topic=ra&topic=rb", {{"Last-Event-ID", reset->id}});
  ASSERT_NE(again, nullptr);
  std::optional<SseEvent> replayed = again->Next(kWait);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(replayed->data, "ra-new-1");
  std::optional<SseEvent> next = again->Next(kWait);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->data, "rb-2");
}

TEST_F(EdgeTest, SseSendsAHeartbeatAfterSilence) {
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.heartbeat_interval = absl::Seconds(15);
  });
  Create("quiet");
  std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=quiet");
  ASSERT_NE(sse, nullptr);
  sse->Next(absl::Milliseconds(100));
  const size_t before = sse->comments().size();
  fake_clock_.Advance(absl::Seconds(16));
  EXPECT_TRUE(WaitFor(
      [&] {
        sse->Next(absl::Milliseconds(10));
        return sse->comments().size() > before && sse->comments().back() == " hb";
      },
      kWait));
}

TEST_F(EdgeTest, NeverReadingSubscriberDoesNotDelayAnotherOf20Megabytes) {
  Start([](BrokerOptions& o) { o.edge.outbound_queue_bytes = 512 << 10; });
  Create("firehose");
  absl::StatusOr<std::unique_ptr<SseClient>> slow =
      SseClient::Connect(port_, "/v1/sse?topic=firehose", {}, /*receive_buffer_bytes=*/4096);
  ASSERT_TRUE(slow.ok()) << slow.status();
  std::unique_ptr<SseClient> fast = Sse("/v1/sse?topic=firehose");
  ASSERT_NE(fast, nullptr);
  constexpr int kEvents = 640;  // 640 × 32 KiB = 20 MiB
  std::thread publisher([&] {
    for (int i = 0; i < kEvents; ++i) {
      Publish("firehose", absl::StrCat(i, ":", std::string(32 << 10, 'x')));
    }
  });
  for (int i = 0; i < kEvents; ++i) {
    std::optional<SseEvent> event = fast->Next(kWait);
    ASSERT_TRUE(event.has_value()) << "fast subscriber stalled at event " << i;
    ASSERT_TRUE(absl::StartsWith(event->data, absl::StrCat(i, ":"))) << i;
  }
  publisher.join();
  // A close of the session, not a refusal: the stream had begun.
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(
            Metrics(),
            "herald_sessions_closed_total{transport=\"sse\",reason=\"slow_consumer\"} 1\n");
      },
      kWait));
  EXPECT_THAT(Metrics(), Not(HasSubstr("herald_edge_refused_total{reason=\"slow")));
}

TEST_F(EdgeTest, SseStreamsAreCountedUntilTheirClientsLeave) {
  Start();
  Create("c");
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(Sse("/v1/sse?topic=c"));
    ASSERT_NE(streams.back(), nullptr);
  }
  // True once the gauges read `sessions` SSE sessions and, counting the /metrics request's
  // own connection, one connection more.
  auto counted = [&](int sessions) {
    return WaitFor(
        [&] {
          const std::string metrics = Metrics();
          return absl::StrContains(metrics, absl::StrCat("herald_edge_sessions{transport=\"sse\"} ",
                                                         sessions, "\n")) &&
                 absl::StrContains(metrics,
                                   absl::StrCat("herald_edge_connections ", sessions + 1, "\n"));
        },
        kWait);
  };
  EXPECT_TRUE(counted(3));
  streams.resize(1);
  EXPECT_TRUE(counted(1));
  // The one left still streams; the broker stops with it open (see the fixture's teardown).
  Publish("c", "still here");
  std::optional<SseEvent> event = streams[0]->Next(kWait);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->data, "still here");
  EXPECT_THAT(Metrics(), HasSubstr("herald_edge_io_errors_total 0\n"));
}

TEST_F(EdgeTest, SseDrainSendsRetryThenCloses) {
  Start();
  Create("d");
  std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=d");
  ASSERT_NE(sse, nullptr);
  sse->Next(absl::Milliseconds(50));
  EXPECT_EQ(broker_->Drain(), 1u);
  EXPECT_TRUE(WaitFor(
      [&] {
        sse->Next(absl::Milliseconds(10));
        return sse->closed();
      },
      kWait));
  EXPECT_TRUE(broker_->WaitUntilDrained(kWait));
  EXPECT_TRUE(sse->retry().has_value());
}

TEST_F(EdgeTest, WsSubscribesReceivesInOrderAndResumesFromACursor) {
  Start();
  Create("ws.a");
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->subprotocol(), "herald.v1.json");
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.a"})").ok());
  boost::json::object subscribed = NextOp(*ws);
  EXPECT_EQ(Field(subscribed, "op"), "subscribed");
  EXPECT_FALSE(Field(subscribed, "cursor").empty());
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) Publish("ws.a", absl::StrCat("e", i), "kind");
  for (int i = 1; i <= 5; ++i) {
    boost::json::object event = NextOp(*ws);
    EXPECT_EQ(Field(event, "op"), "event");
    EXPECT_EQ(Field(event, "topic"), "ws.a");
    EXPECT_EQ(Field(event, "data"), absl::StrCat("e", i));
    EXPECT_EQ(Field(event, "event"), "kind");
    ids.push_back(Field(event, "id"));
  }
  ws->Close();

  std::unique_ptr<WsClient> again = Ws();
  ASSERT_NE(again, nullptr);
  ASSERT_TRUE(
      again->Send(absl::StrCat(R"({"op":"subscribe","topic":"ws.a","from":")", ids[1], R"("})"))
          .ok());
  EXPECT_EQ(Field(NextOp(*again), "op"), "subscribed");
  for (int i = 3; i <= 5; ++i) {
    boost::json::object event = NextOp(*again);
    EXPECT_EQ(Field(event, "data"), absl::StrCat("e", i));
    EXPECT_EQ(Field(event, "id"), ids[i - 1]);
  }
  Publish("ws.a", "e6");
  EXPECT_EQ(Field(NextOp(*again), "data"), "e6");
}

TEST_F(EdgeTest, WsAnswersEveryBadOpWithAnErrorFrameAndStaysOpen) {
  Start();
  Create("ws.b");
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  const std::pair<std::string, std::string> cases[] = {
      {"{not json", "bad_request"},
      {R"({"op":"dance","topic":"ws.b"})", "unknown_op"},
      {R"({"op":"subscribe","topic":"ws.missing"})", "not_found"},
      {R"({"op":"subscribe","topic":"bad name"})", "bad_request"},
      {R"({"op":"subscribe","topic":"ws.b","from":"garbage"})", "bad_cursor"},
      {R"({"op":"unsubscribe","topic":"ws.b"})", "not_subscribed"},
      {R"({"op":"publish","topic":"ws.b","data":"x"})", "permission_denied"},
  };
  for (const auto& [op, code] : cases) {
    ASSERT_TRUE(ws->Send(op).ok());
    boost::json::object error = NextOp(*ws);
    EXPECT_EQ(Field(error, "op"), "error") << op;
    EXPECT_EQ(Field(error, "code"), code) << op;
    EXPECT_FALSE(Field(error, "message").empty()) << op;
  }
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.b"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.b"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "code"), "already_subscribed");
  ASSERT_TRUE(ws->Send(R"({"op":"ping"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "pong");
}

TEST_F(EdgeTest, CursorsThatDoNotParseAreCountedAsRefusedResumesOnEveryTransport) {
  Start();
  Create("resume.bad");
  std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=resume.bad", {{"Last-Event-ID", "garbage"}});
  ASSERT_NE(sse, nullptr);
  EXPECT_EQ(sse->status(), 400);
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"resume.bad","from":"garbage"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "code"), "bad_cursor");
  EXPECT_EQ(
      broker_->Subscribe({"resume.bad"}, "garbage", [](const SubscriberEvent&) {}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Metrics(), HasSubstr("\nherald_resumes_refused_total 3\n"));
}

TEST_F(EdgeTest, WsPublishesWhereTheTopicAllowsBrowsers) {
  Start();
  Create("ws.open", /*browser_publish=*/true);
  std::unique_ptr<WsClient> ws = Ws({.deflate = true});
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.open"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"ws.open","data":"hé","event":"chat"})").ok());
  boost::json::object event = NextOp(*ws);
  EXPECT_EQ(Field(event, "op"), "event");
  EXPECT_EQ(Field(event, "data"), "hé");
  EXPECT_EQ(Field(event, "event"), "chat");
}

TEST_F(EdgeTest, WsAnswersAPublishThatCarriesARefWithItsCursorOrItsError) {
  Start();
  Create("ws.acked", /*browser_publish=*/true);
  Create("ws.closed");
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.acked"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"ws.acked","data":"x","ref":"p1"})").ok());
  // The event and the answer come from different threads: either may arrive first.
  std::map<std::string, boost::json::object> by_op;
  for (int i = 0; i < 2; ++i) {
    boost::json::object frame = NextOp(*ws);
    by_op[Field(frame, "op")] = frame;
  }
  ASSERT_TRUE(by_op.contains("published") && by_op.contains("event"));
  EXPECT_EQ(Field(by_op["published"], "ref"), "p1");
  EXPECT_EQ(Field(by_op["published"], "topic"), "ws.acked");
  EXPECT_EQ(Field(by_op["published"], "id"), Field(by_op["event"], "id"));

  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"ws.closed","data":"x","ref":"p2"})").ok());
  boost::json::object refused = NextOp(*ws);
  EXPECT_EQ(Field(refused, "code"), "permission_denied");
  EXPECT_EQ(Field(refused, "ref"), "p2");
}

// Client messages are read a chunk at a time, and events of 126 bytes and more take the
// longer frame headers (16- and 64-bit lengths), plain and compressed.
TEST_F(EdgeTest, WsCarriesLargeMessagesBothWaysWithAndWithoutDeflate) {
  Start();
  Create("ws.big", /*browser_publish=*/true);
  std::mt19937 random(7);
  for (const bool deflate : {false, true}) {
    std::unique_ptr<WsClient> ws = Ws({.deflate = deflate});
    ASSERT_NE(ws, nullptr);
    ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.big"})").ok());
    EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
    for (const size_t size : {200u, 5'000u, 70'000u}) {
      std::string data(size, ' ');
      for (char& c : data) c = static_cast<char>('a' + random() % 26);
      ASSERT_TRUE(
          ws->Send(absl::StrCat(R"({"op":"publish","topic":"ws.big","data":")", data, R"("})"))
              .ok());
      boost::json::object event = NextOp(*ws);
      EXPECT_EQ(Field(event, "op"), "event") << deflate << " " << size;
      EXPECT_EQ(Field(event, "data"), data) << deflate << " " << size;
    }
  }
}

TEST_F(EdgeTest, WsClosesOversizeOrBombMessagesWith1009AndBadUtf8With1007) {
  Start([](BrokerOptions& o) { o.edge.max_ws_message_bytes = 1024; });
  std::unique_ptr<WsClient> big = Ws();
  ASSERT_NE(big, nullptr);
  ASSERT_TRUE(big->Send(std::string(2000, 'x')).ok());
  WsMessage closed = big->Read(kWait);
  EXPECT_NE(closed.kind, WsMessage::Kind::kTimeout);
  EXPECT_EQ(closed.close_code, 1009);

  // A compression bomb: 64 KiB of one letter deflate to under 100 bytes, one small frame on
  // the wire, and inflate past the 1 KiB limit on the server, which stops inflating there.
  std::unique_ptr<WsClient> bomb = Ws({.deflate = true});
  ASSERT_NE(bomb, nullptr);
  ASSERT_TRUE(bomb->Send(std::string(64 << 10, 'x')).ok());
  closed = bomb->Read(kWait);
  EXPECT_NE(closed.kind, WsMessage::Kind::kTimeout);
  EXPECT_EQ(closed.close_code, 1009);

  std::unique_ptr<WsClient> bad = Ws();
  ASSERT_NE(bad, nullptr);
  ASSERT_TRUE(bad->Send("{\"op\":\"\xed\xa0\x80\"}").ok());
  closed = bad->Read(kWait);
  EXPECT_NE(closed.kind, WsMessage::Kind::kTimeout);
  EXPECT_EQ(closed.close_code, 1007);
}

TEST_F(EdgeTest, WsDrainClosesWith1012) {
  Start();
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  // Not counting the sessions told: the client may see the handshake's answer before the
  // server has listed the session as a stream; the drain reaches it either way.
  broker_->Drain();
  WsMessage closed = ws->Read(kWait);
  EXPECT_EQ(closed.kind, WsMessage::Kind::kClosed) << closed.text;
  EXPECT_EQ(closed.close_code, 1012);
}

TEST_F(EdgeTest, WsSlowConsumerIsClosedWith1008) {
  Start([](BrokerOptions& o) { o.edge.outbound_queue_bytes = 64 << 10; });
  Create("ws.flood");
  std::unique_ptr<WsClient> ws = Ws({.receive_buffer_bytes = 4096});
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"ws.flood"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
  constexpr int kEvents = 300;
  for (int i = 0; i < kEvents; ++i) Publish("ws.flood", std::string(16 << 10, 'y'));
  int events = 0;
  WsMessage message;
  while ((message = ws->Read(kWait)).kind == WsMessage::Kind::kText) ++events;
  EXPECT_EQ(message.kind, WsMessage::Kind::kClosed);
  EXPECT_EQ(message.close_code, 1008);
  EXPECT_LT(events, kEvents);
}

TEST_F(EdgeTest, WsClosesAClientPastTheMessageRateWith1008) {
  // The fake clock never moves, so the sweep never opens a new one-second window.
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.max_ws_messages_per_second = 5;
  });
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ws->Send(R"({"op":"unsubscribe","topic":"x"})").ok());
    EXPECT_EQ(Field(NextOp(*ws), "code"), "not_subscribed");
  }
  ASSERT_TRUE(ws->Send(R"({"op":"unsubscribe","topic":"x"})").ok());
  WsMessage closed = ws->Read(kWait);
  EXPECT_NE(closed.kind, WsMessage::Kind::kTimeout);
  EXPECT_EQ(closed.close_code, 1008);
}

TEST_F(EdgeTest, WsClosesAClientThatLeavesTwoPingsUnanswered) {
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.ws_ping_interval = absl::Seconds(30);
  });
  // Beast answers pings only while a read is pending: this client never reads.
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  EXPECT_TRUE(WaitFor(
      [&] {
        fake_clock_.Advance(absl::Seconds(31));
        return absl::StrContains(
            Metrics(),
            "herald_sessions_closed_total{transport=\"ws\",reason=\"ping_timeout\"} 1\n");
      },
      kWait));
  WsMessage after = ws->Read(kWait);
  EXPECT_NE(after.kind, WsMessage::Kind::kText);
  EXPECT_NE(after.kind, WsMessage::Kind::kTimeout);
}

TEST_F(EdgeTest, WsAnsweringPongsStaysOpen) {
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.ws_ping_interval = absl::Seconds(30);
  });
  Create("alive");
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"alive"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
  // Each read lets Beast answer the pings sent meanwhile.
  for (int i = 0; i < 5; ++i) {
    fake_clock_.Advance(absl::Seconds(31));
    Publish("alive", absl::StrCat("beat-", i));
    EXPECT_EQ(Field(NextOp(*ws), "data"), absl::StrCat("beat-", i));
  }
  EXPECT_THAT(
      Metrics(),
      HasSubstr("herald_sessions_closed_total{transport=\"ws\",reason=\"ping_timeout\"} 0\n"));
}

TEST_F(EdgeTest, ServesTheStaticDirectoryAndCorsForSse) {
  const std::string root = ::testing::TempDir() + "/edge_static";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/index.html") << "<h1>herald</h1>";
  Start([&](BrokerOptions& o) {
    o.edge.static_dir = root;
    o.edge.allowed_origins = {"https://app.example"};
  });
  Create("cors");
  std::unique_ptr<SseClient> page = Sse("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->status(), 200);
  EXPECT_THAT(page->ReadToEnd(kWait), HasSubstr("<h1>herald</h1>"));

  std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=cors", {{"Origin", "https://app.example"}});
  ASSERT_NE(sse, nullptr);
  EXPECT_EQ(sse->status(), 200);
  EXPECT_THAT(sse->head(), HasSubstr("Access-Control-Allow-Origin: https://app.example"));
  EXPECT_THAT(sse->head(), HasSubstr("Access-Control-Allow-Credentials: true"));
  std::unique_ptr<SseClient> other =
      Sse("/v1/sse?topic=cors", {{"Origin", "https://other.example"}});
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->status(), 403);
}

TEST_F(EdgeTest, WsRefusesOriginsOffTheAllowList) {
  Start([](BrokerOptions& o) { o.edge.allowed_origins = {"https://app.example"}; });
  EXPECT_FALSE(WsClient::Connect(port_, {.origin = "https://evil.example"}).ok());
  EXPECT_TRUE(WsClient::Connect(port_, {.origin = "https://app.example"}).ok());
}

TEST_F(EdgeTest, ConnectionsPastTheLimitGet503) {
  Start([](BrokerOptions& o) { o.edge.max_connections = 1; });
  std::unique_ptr<WsClient> first = Ws();
  ASSERT_NE(first, nullptr);
  std::unique_ptr<SseClient> second = Sse("/healthz");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->status(), 503);
  EXPECT_THAT(second->ReadToEnd(kWait), HasSubstr("connection limit"));
}

// The same client's address on both connections: the loopback's second address is another
// client.
constexpr char kOtherClient[] = "127.0.0.2";

TEST_F(EdgeTest, AClientPastItsOpenConnectionsGets429WhileAnotherClientConnects) {
  Start([](BrokerOptions& o) { o.edge.max_connections_per_ip = 2; });
  std::unique_ptr<WsClient> first = Ws();
  std::unique_ptr<WsClient> second = Ws();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::unique_ptr<SseClient> refused = Sse("/healthz");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->status(), 429);
  EXPECT_THAT(refused->head(), HasSubstr("Retry-After: 1"));
  EXPECT_THAT(refused->ReadToEnd(kWait), HasSubstr("connections open"));
  EXPECT_FALSE(WsClient::Connect(port_).ok());

  absl::StatusOr<std::unique_ptr<SseClient>> other =
      SseClient::Connect(port_, "/healthz", {}, 0, kOtherClient);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ((*other)->status(), 200);
  absl::StatusOr<std::unique_ptr<WsClient>> other_ws =
      WsClient::Connect(port_, {.local_address = kOtherClient});
  EXPECT_TRUE(other_ws.ok()) << other_ws.status();
  absl::StatusOr<std::unique_ptr<SseClient>> metrics =
      SseClient::Connect(port_, "/metrics", {}, 0, kOtherClient);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT((*metrics)->ReadToEnd(kWait), HasSubstr("{reason=\"client_connection_limit\"} 2"));

  // A connection closed is a place free again.
  first->Close();
  EXPECT_TRUE(WaitFor([&] { return WsClient::Connect(port_).ok(); }, kWait));
}

TEST_F(EdgeTest, AClientOpeningConnectionsPastTheRateGets429UntilItsBucketRefills) {
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.max_new_connections_per_second_per_ip = 2;
    o.edge.new_connection_burst_per_ip = 3;
  });
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<SseClient> health = Sse("/healthz");
    ASSERT_NE(health, nullptr);
    EXPECT_EQ(health->status(), 200);
  }
  std::unique_ptr<SseClient> refused = Sse("/v1/sse?topic=any");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->status(), 429);
  EXPECT_THAT(refused->head(), HasSubstr("Retry-After: 1"));
  EXPECT_THAT(refused->ReadToEnd(kWait), HasSubstr("faster than 2 per second"));
  // A second refills two tokens: one for the metrics, one for the client.
  fake_clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(Metrics(), HasSubstr("{reason=\"client_connection_rate\"} 1"));
  std::unique_ptr<SseClient> later = Sse("/healthz");
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->status(), 200);
}

TEST_F(EdgeTest, BehindATrustedProxyTheForwardedClientIsTheOneLimited) {
  Start([](BrokerOptions& o) {
    o.edge.trusted_proxies = {"127.0.0.1"};
    o.edge.max_connections_per_ip = 1;
    o.edge.max_new_connections_per_second_per_ip = 20;
  });
  Create("proxied");
  const std::string stream = "/v1/sse?topic=proxied";
  std::unique_ptr<SseClient> alice = Sse(stream, {{"X-Forwarded-For", "198.51.100.7"}});
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->status(), 200);
  // What the client wrote itself, left of what the proxy saw, does not make it someone else.
  std::unique_ptr<SseClient> again =
      Sse(stream, {{"X-Forwarded-For", "203.0.113.1"}, {"X-Forwarded-For", "198.51.100.7"}});
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->status(), 429);
  std::unique_ptr<SseClient> bob = Sse(stream, {{"X-Forwarded-For", "203.0.113.1, 198.51.100.8"}});
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->status(), 200);
  // The proxy's own plain requests are not counted against anyone.
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<SseClient> health = Sse("/healthz");
    ASSERT_NE(health, nullptr);
    EXPECT_EQ(health->status(), 200);
  }
  // From an untrusted peer the header is ignored: it is limited as itself.
  absl::StatusOr<std::unique_ptr<SseClient>> direct =
      SseClient::Connect(port_, stream, {{"X-Forwarded-For", "198.51.100.9"}}, 0, kOtherClient);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ((*direct)->status(), 200);
  absl::StatusOr<std::unique_ptr<SseClient>> direct_again =
      SseClient::Connect(port_, stream, {{"X-Forwarded-For", "198.51.100.10"}}, 0, kOtherClient);
  ASSERT_TRUE(direct_again.ok()) << direct_again.status();
  EXPECT_EQ((*direct_again)->status(), 429);
}

TEST_F(EdgeTest, StartRefusesATrustedProxyThatIsNotANetwork) {
  BrokerOptions options;
  options.serve_edge = true;
  options.edge.port = 0;
  options.edge.trusted_proxies = {"10.0.0.0/99"};
  absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start(options);
  EXPECT_EQ(broker.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broker.status().message()), HasSubstr("10.0.0.0/99"));
}

TEST_F(EdgeTest, ATopicAtItsMaxSubscribersRefusesSseWith429AndWsWithAnErrorFrame) {
  Start();
  ASSERT_TRUE(broker().CreateTopic({.name = "room", .max_subscribers = 2}).ok());
  std::unique_ptr<SseClient> first = Sse("/v1/sse?topic=room");
  std::unique_ptr<WsClient> second = Ws();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->status(), 200);
  ASSERT_TRUE(second->Send(R"({"op":"subscribe","topic":"room"})").ok());
  EXPECT_EQ(Field(NextOp(*second), "op"), "subscribed");

  std::unique_ptr<SseClient> third = Sse("/v1/sse?topic=room");
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->status(), 429);
  EXPECT_THAT(third->head(), HasSubstr("Retry-After: 1"));
  EXPECT_THAT(third->ReadToEnd(kWait), HasSubstr("max_subscribers"));
  std::unique_ptr<WsClient> fourth = Ws();
  ASSERT_NE(fourth, nullptr);
  ASSERT_TRUE(fourth->Send(R"({"op":"subscribe","topic":"room"})").ok());
  boost::json::object refused = NextOp(*fourth);
  EXPECT_EQ(Field(refused, "code"), "resource_exhausted");
  EXPECT_EQ(Field(refused, "topic"), "room");
  EXPECT_THAT(Metrics(), HasSubstr("{reason=\"topic_max_subscribers\"} 2"));

  // Once one leaves, the room has a place again.
  ASSERT_TRUE(second->Send(R"({"op":"unsubscribe","topic":"room"})").ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        if (!fourth->Send(R"({"op":"subscribe","topic":"room"})").ok()) return false;
        return Field(NextOp(*fourth), "op") == "subscribed";
      },
      kWait));
  Publish("room", "hello");
  EXPECT_EQ(Field(NextOp(*fourth), "data"), "hello");
  std::optional<SseEvent> event = first->Next(kWait);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->data, "hello");
}

TEST_F(EdgeTest, WsClosesAClientPastTheByteRateWith1008) {
  // The fake clock never moves, so the sweep never opens a new one-second window.
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.max_ws_bytes_per_second = 1000;
  });
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  const std::string padded =
      absl::StrCat(R"({"op":"unsubscribe","topic":"x","pad":")", std::string(500, 'p'), R"("})");
  ASSERT_TRUE(ws->Send(padded).ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "error");
  ASSERT_TRUE(ws->Send(padded).ok());
  WsMessage closed = ws->Read(kWait);
  EXPECT_EQ(closed.kind, WsMessage::Kind::kClosed);
  EXPECT_EQ(closed.close_code, 1008);
  // Counted once the session has gone, which may be a moment after the client saw the end.
  EXPECT_TRUE(WaitFor(
      [&] { return absl::StrContains(Metrics(), "{transport=\"ws\",reason=\"rate_limit\"} 1"); },
      kWait));
}

TEST_F(EdgeTest, WsAnswersPublishesPastTheRateWithAnErrorFrameAndStaysOpen) {
  Start([&](BrokerOptions& o) {
    o.clock = &fake_clock_;
    o.edge.max_ws_publishes_per_second = 2;
  });
  Create("chat", /*browser_publish=*/true);
  std::unique_ptr<WsClient> ws = Ws();
  ASSERT_NE(ws, nullptr);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        ws->Send(absl::StrCat(R"({"op":"publish","topic":"chat","data":"hi","ref":"r)", i, R"("})"))
            .ok());
    EXPECT_EQ(Field(NextOp(*ws), "op"), "published");
  }
  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"chat","data":"hi","ref":"r2"})").ok());
  boost::json::object refused = NextOp(*ws);
  EXPECT_EQ(Field(refused, "code"), "resource_exhausted");
  EXPECT_EQ(Field(refused, "ref"), "r2");
  EXPECT_THAT(Field(refused, "message"), HasSubstr("publishes per second"));
  // A new second, a new allowance.
  fake_clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(WaitFor(
      [&] {
        if (!ws->Send(R"({"op":"publish","topic":"chat","data":"hi","ref":"r3"})").ok()) {
          return false;
        }
        return Field(NextOp(*ws), "op") == "published";
      },
      kWait));
  EXPECT_THAT(Metrics(), Not(HasSubstr("{reason=\"ws_publish_rate\"} 0")));
}

}  // namespace
}  // namespace herald

namespace herald {
namespace {

const std::string kTokenSecret = "edge-test-secret-of-32-bytes-or-more";

// An HS256 access token as a backend would sign it, in the first claims' form, valid for an
// hour.
std::string AccessToken(const char* topics, bool publish) {
  return auth::TestSigner::Hs256(kTokenSecret)
      .Token(absl::StrCat(R"({"topics":")", topics, R"(","publish":)", publish ? "true" : "false",
                          R"(,"exp":)", absl::ToUnixSeconds(absl::Now() + absl::Hours(1)), "}"));
}

void RequireTokens(BrokerOptions& options) {
  options.edge.access_token_options.hs256_secret = kTokenSecret;
}

TEST_F(EdgeTest, SseWithAccessTokensNeedsOneThatGrantsTheTopic) {
  Start(RequireTokens);
  Create("granted");
  Create("other");
  std::unique_ptr<SseClient> anonymous = Sse("/v1/sse?topic=granted");
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(anonymous->status(), 401);
  EXPECT_THAT(anonymous->ReadToEnd(kWait), HasSubstr("Authorization: Bearer"));

  const std::string token = AccessToken("granted", false);
  std::unique_ptr<SseClient> denied =
      Sse("/v1/sse?topic=other", {{"Authorization", "Bearer " + token}});
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ(denied->status(), 403);

  // EventSource cannot set headers: the query parameter serves.
  std::unique_ptr<SseClient> allowed = Sse("/v1/sse?topic=granted&access_token=" + token);
  ASSERT_NE(allowed, nullptr);
  ASSERT_EQ(allowed->status(), 200);
  Publish("granted", "hello");
  std::optional<SseEvent> event = allowed->Next(kWait);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, "hello");
}

TEST_F(EdgeTest, WsWithAccessTokensChecksTheHandshakeEachTopicAndPublish) {
  Start(RequireTokens);
  Create("granted", /*browser_publish=*/true);
  Create("other", /*browser_publish=*/true);
  EXPECT_FALSE(WsClient::Connect(port_, {}).ok());

  std::unique_ptr<WsClient> ws =
      Ws({.target = "/v1/ws?access_token=" + AccessToken("granted", false)});
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"other"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "code"), "permission_denied");
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"granted"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"granted","data":"x"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "code"), "permission_denied");

  std::unique_ptr<WsClient> publisher =
      Ws({.target = "/v1/ws?access_token=" + AccessToken("granted", true)});
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(
      publisher->Send(R"({"op":"publish","topic":"granted","data":"from a browser"})").ok());
  boost::json::object event = NextOp(*ws);
  EXPECT_EQ(Field(event, "op"), "event");
  EXPECT_EQ(Field(event, "data"), "from a browser");
}

// Tokens whose expiry the tests control: the broker runs on the fake clock, without leeway.
class EdgeTokenTest : public EdgeTest {
 protected:
  void StartWithTokens() {
    Start([&](BrokerOptions& o) {
      o.clock = &fake_clock_;
      o.edge.access_token_options = {.keys_file = keys_file_, .leeway = absl::ZeroDuration()};
    });
  }

  // An ES256 token of the JWKS's key "k1" for `claims` (a JSON object's members) that
  // expires `ttl` after the fake clock's now.
  std::string Token(std::string_view claims, absl::Duration ttl) {
    return signer_.Token(absl::StrCat("{", std::string(claims), R"(,"exp":)",
                                      absl::ToUnixSeconds(fake_clock_.Now() + ttl), "}"),
                         "k1");
  }

  int64_t ExpiresAt(absl::Duration ttl) { return absl::ToUnixSeconds(fake_clock_.Now() + ttl); }

  // A WebSocket whose token grants `topic` for `ttl`, subscribed to it.
  std::unique_ptr<WsClient> SubscribedWs(const std::string& topic, absl::Duration ttl) {
    std::unique_ptr<WsClient> ws =
        Ws({.target = "/v1/ws?access_token=" +
                      Token(absl::StrCat(R"("subscribe":[")", topic, R"("])"), ttl)});
    if (ws == nullptr) return nullptr;
    EXPECT_TRUE(ws->Send(absl::StrCat(R"({"op":"subscribe","topic":")", topic, R"("})")).ok());
    EXPECT_EQ(Field(NextOp(*ws), "op"), "subscribed");
    return ws;
  }

  static void ExpectTokenExpiryClose(WsClient& ws) {
    WsMessage closed = ws.Read(kWait);
    EXPECT_EQ(closed.kind, WsMessage::Kind::kClosed) << closed.text;
    EXPECT_EQ(closed.close_code, 4001);
  }

  const auth::TestSigner signer_ = auth::TestSigner::EcP256();
  const std::string keys_file_ = [this] {
    const std::string path = ::testing::TempDir() + "/edge_jwks.json";
    std::ofstream(path) << auth::Jwks({signer_.Jwk("k1")});
    return path;
  }();
};

TEST_F(EdgeTokenTest, RefusalsSayWhatIsWrongAndAreCountedByReason) {
  StartWithTokens();
  Create("t");
  const struct {
    std::string token;
    const char* says;
    const char* reason;
  } cases[] = {
      {Token(R"("subscribe":["t"])", -absl::Seconds(1)), "expired", "token_expired"},
      {auth::TestSigner::EcP256().Token(
           absl::StrCat(R"({"subscribe":["t"],"exp":)", ExpiresAt(absl::Hours(1)), "}"), "k1"),
       "bad signature", "token_bad_signature"},
      {signer_.Token(absl::StrCat(R"({"subscribe":["t"],"exp":)", ExpiresAt(absl::Hours(1)), "}"),
                     "k2"),
       "unknown key 'k2'", "token_unknown_key"},
      {signer_.Token(absl::StrCat(R"({"subscribe":["t"],"nbf":)", ExpiresAt(absl::Hours(1)),
                                  R"(,"exp":)", ExpiresAt(absl::Hours(2)), "}"),
                     "k1"),
       "not valid before", "token_not_yet_valid"},
  };
  for (const auto& c : cases) {
    std::unique_ptr<SseClient> sse = Sse("/v1/sse?topic=t&access_token=" + c.token);
    ASSERT_NE(sse, nullptr);
    EXPECT_EQ(sse->status(), 401);
    EXPECT_THAT(sse->ReadToEnd(kWait), HasSubstr(c.says));
    EXPECT_THAT(Metrics(), HasSubstr(absl::StrCat("{reason=\"", c.reason, "\"} 1")));
  }
  std::unique_ptr<SseClient> denied =
      Sse("/v1/sse?topic=t&access_token=" + Token(R"("subscribe":["u"])", absl::Hours(1)));
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ(denied->status(), 403);
  EXPECT_THAT(denied->ReadToEnd(kWait), HasSubstr("topic not granted"));
  EXPECT_THAT(Metrics(), HasSubstr("{reason=\"topic_not_granted\"} 1"));
}

TEST_F(EdgeTokenTest, SubscribeAndPublishClaimsAreApart) {
  StartWithTokens();
  Create("feed", /*browser_publish=*/true);
  Create("chat", /*browser_publish=*/true);
  std::unique_ptr<WsClient> ws =
      Ws({.target = "/v1/ws?access_token=" +
                    Token(R"("subscribe":["feed"],"publish":["chat"])", absl::Hours(1))});
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(R"({"op":"subscribe","topic":"chat"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "code"), "permission_denied");
  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"feed","data":"x"})").ok());
  boost::json::object denied = NextOp(*ws);
  EXPECT_EQ(Field(denied, "code"), "permission_denied");
  EXPECT_THAT(Field(denied, "message"), HasSubstr("publishing to topic 'feed'"));
  ASSERT_TRUE(ws->Send(R"({"op":"publish","topic":"chat","data":"x","ref":"1"})").ok());
  EXPECT_EQ(Field(NextOp(*ws), "op"), "published");
}

TEST_F(EdgeTokenTest, SseEndsWithHeraldExpiredWhenItsTokenExpires) {
  StartWithTokens();
  Create("news");
  std::unique_ptr<SseClient> sse =
      Sse("/v1/sse?topic=news&access_token=" + Token(R"("subscribe":["news"])", absl::Seconds(2)));
  ASSERT_NE(sse, nullptr);
  ASSERT_EQ(sse->status(), 200);
  Publish("news", "before");
  std::optional<SseEvent> event = sse->Next(kWait);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, "before");
  fake_clock_.Advance(absl::Seconds(1));
  Publish("news", "still valid");
  event = sse->Next(kWait);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, "still valid");
  fake_clock_.Advance(absl::Seconds(1));
  event = sse->Next(kWait);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "herald.expired");
  EXPECT_THAT(event->data, HasSubstr("access token expired"));
  EXPECT_FALSE(sse->Next(kWait)) << "the stream ends after herald.expired";
  // Counted once the session has gone, which may be a moment after the client saw the end.
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(Metrics(), "{transport=\"sse\",reason=\"token_expired\"} 1");
      },
      kWait));
}

TEST_F(EdgeTokenTest, WsClosesWith4001WhenItsTokenExpires) {
  StartWithTokens();
  Create("news");
  std::unique_ptr<WsClient> ws = SubscribedWs("news", absl::Seconds(1));
  ASSERT_NE(ws, nullptr);
  fake_clock_.Advance(absl::Seconds(1));
  ExpectTokenExpiryClose(*ws);
}

TEST_F(EdgeTokenTest, WsRefreshExtendsTheSessionOnlyWithAValidTokenForItsTopics) {
  StartWithTokens();
  Create("news");
  std::unique_ptr<WsClient> ws = SubscribedWs("news", absl::Seconds(2));
  ASSERT_NE(ws, nullptr);

  const auto refresh = [&](const std::string& token) {
    EXPECT_TRUE(ws->Send(absl::StrCat(R"({"op":"refresh","token":")", token, R"("})")).ok());
    return NextOp(*ws);
  };
  boost::json::object wrong_topics = refresh(Token(R"("subscribe":["other"])", absl::Hours(1)));
  EXPECT_EQ(Field(wrong_topics, "code"), "permission_denied");
  EXPECT_THAT(Field(wrong_topics, "message"), HasSubstr("topic 'news'"));
  EXPECT_EQ(Field(wrong_topics, "topic"), "") << "the subscription stands";
  boost::json::object expired = refresh(Token(R"("subscribe":["news"])", -absl::Seconds(1)));
  EXPECT_EQ(Field(expired, "code"), "unauthenticated");
  EXPECT_THAT(Field(expired, "message"), HasSubstr("expired"));
  EXPECT_EQ(Field(refresh("garbage"), "code"), "unauthenticated");

  boost::json::object refreshed = refresh(Token(R"("subscribe":["news*"])", absl::Seconds(60)));
  EXPECT_EQ(Field(refreshed, "op"), "refreshed");
  ASSERT_TRUE(refreshed.contains("expires_at"));
  EXPECT_EQ(refreshed.at("expires_at").as_int64(), ExpiresAt(absl::Seconds(60)));

  // Past the first token's expiry, the session goes on under the new one.
  fake_clock_.Advance(absl::Seconds(5));
  Publish("news", "after refresh");
  boost::json::object event = NextOp(*ws);
  EXPECT_EQ(Field(event, "op"), "event");
  EXPECT_EQ(Field(event, "data"), "after refresh");
  // Until that one expires too.
  fake_clock_.Advance(absl::Seconds(60));
  ExpectTokenExpiryClose(*ws);
}

TEST(BrokerProtectedModeTest, RefusesListenersBeyondLoopbackWithoutCredentials) {
  BrokerOptions edge;
  edge.serve_edge = true;
  edge.edge.address = "0.0.0.0";
  edge.edge.port = 0;
  absl::Status refused = Broker::Start(edge).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("--allow_anonymous_browsers"));
  edge.edge.allow_anonymous_browsers = true;
  EXPECT_TRUE(Broker::Start(edge).ok());

  BrokerOptions control;
  control.serve_control = true;
  control.control.address = "0.0.0.0";
  control.control.port = 0;
  refused = Broker::Start(control).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("--api_keys_file"));
}

}  // namespace
}  // namespace herald
