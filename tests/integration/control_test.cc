// The gRPC control plane end to end: every RPC through a real channel to an in-process
// herald::Broker serving on an ephemeral port, including each error code and auth case.
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/grpc/health/v1/health.grpc.pb.h"
#include "api/herald/v1/admin.grpc.pb.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "api/herald/v1/subscribe.grpc.pb.h"
#include "api/herald/v1/topic.grpc.pb.h"
#include "broker/broker.h"
#include "broker/fanout/shard.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/testing/sse_client.h"
#include "tests/testing/wait_for.h"

namespace herald {
namespace {

using ::grpc::StatusCode;
using ::herald::testing::WaitFor;

constexpr char kAdminKey[] = "admin-key-0123456789";
constexpr char kPublisherKey[] = "publisher-key-0123456789";
constexpr char kSubscriberKey[] = "subscriber-key-0123456789";
constexpr char kOrdersKey[] = "orders-service-key-0123456789";
constexpr size_t kMaxEventBytes = 1024;

class ControlTest : public ::testing::Test {
 protected:
  void StartBroker(std::vector<auth::ApiKey> keys = {}) {
    BrokerOptions options;
    options.shards = 2;
    options.engine.max_event_bytes = kMaxEventBytes;
    options.serve_control = true;
    options.control.port = 0;
    options.control.api_keys = std::move(keys);
    options.control.shutdown_grace = absl::Milliseconds(200);
    options.control.subscriber_queue_events = queue_events_;
    options.serve_edge = serve_edge_;
    options.edge.port = 0;
    absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Start(std::move(options));
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    ASSERT_NE(broker_->control_port(), 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", broker_->control_port()),
                                   grpc::InsecureChannelCredentials());
    topics_ = v1::TopicService::NewStub(channel_);
    publish_ = v1::PublishService::NewStub(channel_);
    subscribe_ = v1::SubscribeService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
  }

  void SetUp() override {
    if (!::testing::Test::HasFatalFailure()) StartBroker();
  }

  // A context with a deadline (so a broken server fails the test instead of hanging it) and,
  // when given, an API key.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& key = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!key.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", key));
    return context;
  }

  grpc::Status CreateTopic(const std::string& name, const std::string& key = "") {
    v1::CreateTopicRequest request;
    request.mutable_topic()->set_name(name);
    v1::Topic topic;
    return topics_->CreateTopic(Context(key).get(), request, &topic);
  }

  v1::PublishResponse MustPublish(const std::string& topic, const std::string& data) {
    v1::PublishRequest request;
    request.set_topic(topic);
    request.set_data(data);
    v1::PublishResponse response;
    grpc::Status status = publish_->Publish(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Reads `n` events from `reader`, or fewer when the stream ends.
  static std::vector<v1::Event> Read(grpc::ClientReader<v1::Event>& reader, size_t n) {
    std::vector<v1::Event> events;
    v1::Event event;
    while (events.size() < n && reader.Read(&event)) events.push_back(event);
    return events;
  }

  size_t queue_events_ = 1024;
  bool serve_edge_ = false;
  std::unique_ptr<Broker> broker_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TopicService::Stub> topics_;
  std::unique_ptr<v1::PublishService::Stub> publish_;
  std::unique_ptr<v1::SubscribeService::Stub> subscribe_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(ControlTest, TopicLifecycleRoundTrips) {
  v1::CreateTopicRequest create;
  create.mutable_topic()->set_name("orders");
  create.mutable_topic()->mutable_retention()->set_max_events(50);
  create.mutable_topic()->mutable_retention()->mutable_max_age()->set_seconds(3600);
  v1::Topic created;
  ASSERT_TRUE(topics_->CreateTopic(Context().get(), create, &created).ok());
  EXPECT_EQ(created.name(), "orders");
  EXPECT_EQ(created.retention().max_events(), 50u);
  EXPECT_EQ(created.retention().max_age().seconds(), 3600);

  MustPublish("orders", "a");
  v1::GetTopicRequest get;
  get.set_name("orders");
  v1::Topic got;
  ASSERT_TRUE(topics_->GetTopic(Context().get(), get, &got).ok());
  EXPECT_EQ(got.last_offset(), 1u);
  EXPECT_EQ(got.epoch(), created.epoch());

  // Only the masked field changes.
  v1::UpdateTopicRequest update;
  update.mutable_topic()->set_name("orders");
  update.mutable_topic()->mutable_retention()->set_max_events(7);
  update.mutable_topic()->set_allow_browser_publish(true);
  update.mutable_update_mask()->add_paths("retention.max_events");
  v1::Topic updated;
  ASSERT_TRUE(topics_->UpdateTopic(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.retention().max_events(), 7u);
  EXPECT_EQ(updated.retention().max_age().seconds(), 3600);
  EXPECT_FALSE(updated.allow_browser_publish());

  v1::DeleteTopicRequest del;
  del.set_name("orders");
  v1::DeleteTopicResponse deleted;
  ASSERT_TRUE(topics_->DeleteTopic(Context().get(), del, &deleted).ok());
  EXPECT_EQ(topics_->GetTopic(Context().get(), get, &got).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(topics_->DeleteTopic(Context().get(), del, &deleted).error_code(),
            StatusCode::NOT_FOUND);
}

TEST_F(ControlTest, ListTopicsPagesThroughEveryTopicOnce) {
  for (const char* name : {"e", "a", "d", "b", "c"}) ASSERT_TRUE(CreateTopic(name).ok());
  std::vector<std::string> seen;
  v1::ListTopicsRequest request;
  request.set_page_size(2);
  int pages = 0;
  do {
    v1::ListTopicsResponse response;
    ASSERT_TRUE(topics_->ListTopics(Context().get(), request, &response).ok());
    for (const v1::Topic& topic : response.topics()) seen.push_back(topic.name());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(ControlTest, ErrorsCarryTheRightCodeAndNameTheField) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  EXPECT_EQ(CreateTopic("orders").error_code(), StatusCode::ALREADY_EXISTS);

  grpc::Status bad_name = CreateTopic("bad name");
  EXPECT_EQ(bad_name.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_name.error_message().find("topic name"), std::string::npos)
      << bad_name.error_message();

  v1::ListTopicsRequest list;
  list.set_page_size(-1);
  v1::ListTopicsResponse listed;
  grpc::Status bad_page = topics_->ListTopics(Context().get(), list, &listed);
  EXPECT_EQ(bad_page.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_page.error_message().find("page_size"), std::string::npos);
  list.set_page_size(0);
  list.set_page_token("garbage!");
  bad_page = topics_->ListTopics(Context().get(), list, &listed);
  EXPECT_EQ(bad_page.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_page.error_message().find("page_token"), std::string::npos);

  v1::UpdateTopicRequest update;
  update.mutable_topic()->set_name("orders");
  update.mutable_update_mask()->add_paths("colour");
  v1::Topic topic;
  grpc::Status bad_mask = topics_->UpdateTopic(Context().get(), update, &topic);
  EXPECT_EQ(bad_mask.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_mask.error_message().find("update_mask"), std::string::npos);
  EXPECT_NE(bad_mask.error_message().find("colour"), std::string::npos);

  v1::CreateTopicRequest negative_age;
  negative_age.mutable_topic()->set_name("aged");
  negative_age.mutable_topic()->mutable_retention()->mutable_max_age()->set_seconds(-5);
  grpc::Status bad_age = topics_->CreateTopic(Context().get(), negative_age, &topic);
  EXPECT_EQ(bad_age.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_age.error_message().find("topic.retention.max_age"), std::string::npos);

  v1::PublishRequest publish;
  v1::PublishResponse ack;
  publish.set_topic("missing");
  EXPECT_EQ(publish_->Publish(Context().get(), publish, &ack).error_code(), StatusCode::NOT_FOUND);
  publish.set_topic("orders");
  publish.set_data(std::string(kMaxEventBytes + 1, 'x'));
  EXPECT_EQ(publish_->Publish(Context().get(), publish, &ack).error_code(),
            StatusCode::RESOURCE_EXHAUSTED);
  publish.set_data("ok");
  publish.set_event("two\nlines");
  EXPECT_EQ(publish_->Publish(Context().get(), publish, &ack).error_code(),
            StatusCode::INVALID_ARGUMENT);

  v1::SubscribeRequest subscribe;
  subscribe.add_topics("orders");
  subscribe.set_from("not-a-cursor");
  auto context = Context();
  auto reader = subscribe_->Subscribe(context.get(), subscribe);
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status bad_cursor = reader->Finish();
  EXPECT_EQ(bad_cursor.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_cursor.error_message().find("from"), std::string::npos);

  subscribe.set_from("");
  subscribe.set_topics(0, "missing");
  auto context2 = Context();
  auto reader2 = subscribe_->Subscribe(context2.get(), subscribe);
  EXPECT_FALSE(reader2->Read(&event));
  EXPECT_EQ(reader2->Finish().error_code(), StatusCode::NOT_FOUND);
}

TEST_F(ControlTest, RetriedPublishWithTheSameDedupKeyIsStoredOnce) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  v1::PublishRequest request;
  request.set_topic("orders");
  request.set_data("charge #42");
  request.set_event("charged");
  request.set_dedup_key("charge-42");
  v1::PublishResponse first, retry;
  ASSERT_TRUE(publish_->Publish(Context().get(), request, &first).ok());
  ASSERT_TRUE(publish_->Publish(Context().get(), request, &retry).ok());
  EXPECT_EQ(retry.offset(), first.offset());
  EXPECT_EQ(retry.id(), first.id());
  EXPECT_EQ(MustPublish("orders", "next").offset(), first.offset() + 1);
}

// A unary Publish that arrives while fan-out is behind waits for it before it is stored, as
// PublishStream stops reading: a publisher that sends as fast as it is answered cannot
// outrun delivery. One whose deadline passes meanwhile is not stored.
TEST_F(ControlTest, UnaryPublishWaitsWhileFanOutIsBehind) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // A subscriber whose callback holds its shard's thread (callbacks must not block; this one
  // does on purpose) lets that shard's inbox fill past the backlog limit.
  std::promise<void> holding;
  auto held = broker_->Subscribe({"orders"}, "", [&, first = true](const SubscriberEvent&) mutable {
    if (!std::exchange(first, false)) return;
    holding.set_value();
    released.wait();
  });
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_TRUE(broker_->Publish({.topic = "orders", .data = "hold"}).ok());
  holding.get_future().wait();
  constexpr uint64_t kFill = fanout::ShardPool::kDefaultMaxBacklog + 1;
  for (uint64_t i = 0; i < kFill; ++i) {
    ASSERT_TRUE(broker_->Publish({.topic = "orders", .data = "fill"}).ok());
  }

  v1::PublishRequest request;
  request.set_topic("orders");
  request.set_data("held");
  grpc::ClientContext impatient;
  impatient.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(300)));
  v1::PublishResponse dropped;
  EXPECT_EQ(publish_->Publish(&impatient, request, &dropped).error_code(),
            StatusCode::DEADLINE_EXCEEDED);
  // The server's deadline runs from when the call reached it (grpc-timeout is relative), a
  // little after the client's: give it time to pass before fan-out catches up.
  absl::SleepFor(absl::Seconds(1));

  grpc::Status status;
  v1::PublishResponse stored;
  std::thread patient([&] { status = publish_->Publish(Context().get(), request, &stored); });
  release.set_value();
  patient.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(stored.offset(), kFill + 2) << "the publish the client gave up on was stored";
}

TEST_F(ControlTest, PublishStreamAcksEachRequestInOrder) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  auto context = Context();
  auto stream = publish_->PublishStream(context.get());
  constexpr int kEvents = 300;  // several times the server's read-ahead window
  for (int i = 0; i < kEvents; ++i) {
    v1::PublishRequest request;
    request.set_topic("orders");
    request.set_data(absl::StrCat("event ", i));
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  v1::PublishResponse ack;
  uint64_t expected = 1;
  while (stream->Read(&ack)) {
    EXPECT_EQ(ack.offset(), expected);
    ++expected;
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(expected, kEvents + 1u);
}

TEST_F(ControlTest, PublishStreamStopsAtTheFirstFailureNamingTheRequest) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  auto context = Context();
  auto stream = publish_->PublishStream(context.get());
  v1::PublishRequest request;
  request.set_topic("orders");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Write(request));
  request.set_topic("missing");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  std::vector<uint64_t> offsets;
  v1::PublishResponse ack;
  while (stream->Read(&ack)) offsets.push_back(ack.offset());
  grpc::Status status = stream->Finish();
  EXPECT_EQ(offsets, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("request 3"), std::string::npos) << status.error_message();
}

TEST_F(ControlTest, SubscribeDeliversLiveEventsAfterInitialMetadata) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  MustPublish("orders", "before");
  v1::SubscribeRequest request;
  request.add_topics("orders");
  auto context = Context();
  auto reader = subscribe_->Subscribe(context.get(), request);
  reader->WaitForInitialMetadata();
  MustPublish("orders", "after");
  std::vector<v1::Event> events = Read(*reader, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data(), "after");
  EXPECT_EQ(events[0].offset(), 2u);
  EXPECT_EQ(events[0].topic(), "orders");
  EXPECT_GT(events[0].publish_time().seconds(), 0);
  context->TryCancel();
}

TEST_F(ControlTest, ATopicAtItsMaxSubscribersRefusesAnotherStreamWithResourceExhausted) {
  v1::CreateTopicRequest create;
  create.mutable_topic()->set_name("room");
  create.mutable_topic()->set_max_subscribers(1);
  v1::Topic created;
  ASSERT_TRUE(topics_->CreateTopic(Context().get(), create, &created).ok());
  EXPECT_EQ(created.max_subscribers(), 1u);
  v1::SubscribeRequest request;
  request.add_topics("room");
  auto first_context = Context();
  auto first = subscribe_->Subscribe(first_context.get(), request);
  first->WaitForInitialMetadata();
  auto second_context = Context();
  auto second = subscribe_->Subscribe(second_context.get(), request);
  v1::Event event;
  EXPECT_FALSE(second->Read(&event));
  grpc::Status refused = second->Finish();
  EXPECT_EQ(refused.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("max_subscribers"), std::string::npos);

  // Raised through the mask, the room takes another.
  v1::UpdateTopicRequest update;
  update.mutable_topic()->set_name("room");
  update.mutable_topic()->set_max_subscribers(2);
  update.mutable_update_mask()->add_paths("max_subscribers");
  v1::Topic updated;
  ASSERT_TRUE(topics_->UpdateTopic(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.max_subscribers(), 2u);
  auto third_context = Context();
  auto third = subscribe_->Subscribe(third_context.get(), request);
  third->WaitForInitialMetadata();
  MustPublish("room", "hello");
  std::vector<v1::Event> events = Read(*third, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data(), "hello");
  first_context->TryCancel();
  third_context->TryCancel();
}

TEST_F(ControlTest, SubscribeResumesFromACursorExactlyOnce) {
  ASSERT_TRUE(CreateTopic("a").ok());
  ASSERT_TRUE(CreateTopic("b").ok());
  for (int i = 1; i <= 3; ++i) {
    MustPublish("a", absl::StrCat("a", i));
    MustPublish("b", absl::StrCat("b", i));
  }
  // A publish ack's id is a cursor: resuming from it delivers what follows.
  v1::PublishResponse a3 = MustPublish("a", "a4");
  MustPublish("a", "a5");

  v1::SubscribeRequest request;
  request.add_topics("a");
  request.set_from(a3.id());
  auto context = Context();
  auto reader = subscribe_->Subscribe(context.get(), request);
  std::vector<v1::Event> events = Read(*reader, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data(), "a5");
  context->TryCancel();
  reader->Finish();

  // A two-topic subscription from an empty-position cursor of both: take three events,
  // drop the stream, resume from the last id and get the remaining ones once each.
  v1::SubscribeRequest both;
  both.add_topics("a");
  both.add_topics("b");
  auto first_context = Context();
  auto first = subscribe_->Subscribe(first_context.get(), both);
  first->WaitForInitialMetadata();
  MustPublish("a", "a6");
  MustPublish("b", "b4");
  MustPublish("a", "a7");
  std::vector<v1::Event> head = Read(*first, 2);
  ASSERT_EQ(head.size(), 2u);
  first_context->TryCancel();
  first->Finish();

  both.set_from(head.back().id());
  auto second_context = Context();
  auto second = subscribe_->Subscribe(second_context.get(), both);
  second->WaitForInitialMetadata();
  MustPublish("b", "b5");
  std::vector<v1::Event> tail = Read(*second, 2);
  ASSERT_EQ(tail.size(), 2u);
  std::vector<std::string> all;
  for (const auto& e : head) all.push_back(e.data());
  for (const auto& e : tail) all.push_back(e.data());
  EXPECT_EQ(all, (std::vector<std::string>{"a6", "b4", "a7", "b5"}));
  second_context->TryCancel();
  second->Finish();
}

TEST_F(ControlTest, AdminListsKicksAndDrainsStreams) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  v1::SubscribeRequest request;
  request.add_topics("orders");
  auto context = Context();
  auto reader = subscribe_->Subscribe(context.get(), request);
  reader->WaitForInitialMetadata();
  MustPublish("orders", "x");
  ASSERT_EQ(Read(*reader, 1).size(), 1u);

  v1::GetStatsResponse stats;
  ASSERT_TRUE(admin_->GetStats(Context().get(), {}, &stats).ok());
  EXPECT_EQ(stats.topics(), 1u);
  EXPECT_EQ(stats.connections().at("grpc"), 1u);
  EXPECT_EQ(stats.events_published_total(), 1u);
  EXPECT_FALSE(stats.draining());

  v1::ListConnectionsRequest list;
  list.set_topic("orders");
  v1::ListConnectionsResponse connections;
  // Counted when the server's write completes, which may be just after the client read it.
  EXPECT_TRUE(WaitFor(
      [&] {
        return admin_->ListConnections(Context().get(), list, &connections).ok() &&
               connections.connections_size() == 1 && connections.connections(0).events() == 1;
      },
      absl::Seconds(5)));
  ASSERT_EQ(connections.connections_size(), 1);
  EXPECT_EQ(connections.connections(0).kind(), "subscribe");
  list.set_topic("other");
  ASSERT_TRUE(admin_->ListConnections(Context().get(), list, &connections).ok());
  EXPECT_EQ(connections.connections_size(), 0);

  v1::DisconnectConnectionRequest kick;
  v1::DisconnectConnectionResponse kicked;
  kick.set_id("c-nope");
  EXPECT_EQ(admin_->DisconnectConnection(Context().get(), kick, &kicked).error_code(),
            StatusCode::NOT_FOUND);
  list.set_topic("");
  ASSERT_TRUE(admin_->ListConnections(Context().get(), list, &connections).ok());
  kick.set_id(connections.connections(0).id());
  kick.set_reason("maintenance");
  ASSERT_TRUE(admin_->DisconnectConnection(Context().get(), kick, &kicked).ok());
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), StatusCode::UNAVAILABLE);
  EXPECT_NE(ended.error_message().find("maintenance"), std::string::npos);
  EXPECT_TRUE(WaitFor(
      [&] {
        v1::ListConnectionsResponse now;
        return admin_->ListConnections(Context().get(), {}, &now).ok() &&
               now.connections_size() == 0;
      },
      absl::Seconds(5)));

  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(health->Check(Context().get(), {}, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto open_context = Context();
  auto open = subscribe_->Subscribe(open_context.get(), request);
  open->WaitForInitialMetadata();
  v1::DrainResponse drained;
  ASSERT_TRUE(admin_->Drain(Context().get(), {}, &drained).ok());
  EXPECT_EQ(drained.closed_connections(), 1u);
  EXPECT_FALSE(open->Read(&event));
  EXPECT_EQ(open->Finish().error_code(), StatusCode::UNAVAILABLE);

  ASSERT_TRUE(health->Check(Context().get(), {}, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  auto late_context = Context();
  auto late = subscribe_->Subscribe(late_context.get(), request);
  EXPECT_FALSE(late->Read(&event));
  EXPECT_EQ(late->Finish().error_code(), StatusCode::UNAVAILABLE);
  // Unary calls still work while draining.
  EXPECT_EQ(MustPublish("orders", "y").offset(), 2u);
  ASSERT_TRUE(admin_->GetStats(Context().get(), {}, &stats).ok());
  EXPECT_TRUE(stats.draining());
}

TEST_F(ControlTest, PublishStreamThatStopsReadingAcksDoesNotStallOtherPublishers) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  auto context = Context();
  auto stuck = publish_->PublishStream(context.get());
  v1::PublishRequest request;
  request.set_topic("orders");
  request.set_data(std::string(512, 'x'));
  // The server reads only a window ahead of the acks this client never takes; these writes
  // fill the window and the transport's buffers, not the server's memory.
  for (int i = 0; i < 2000; ++i) {
    grpc::WriteOptions options;
    stuck->Write(request, options.set_buffer_hint());
  }
  // Meanwhile everyone else publishes to the same topic at once.
  for (int i = 0; i < 20; ++i) {
    v1::PublishResponse ack = MustPublish("orders", "other");
    EXPECT_GT(ack.offset(), 0u);
  }
  context->TryCancel();
  stuck->Finish();
}

// The reflection service answers list_services with every herald.v1 service. Spoken as raw
// bytes through a generic stub: the reflection protos are linked into gRPC's own library,
// and a second copy here would clash with them.
TEST_F(ControlTest, ServerReflectionListsTheServices) {
  grpc::GenericStub stub(channel_);
  grpc::CompletionQueue cq;
  auto context = Context();
  auto call = stub.PrepareCall(
      context.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto await = [&cq](intptr_t want) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), want);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(await(1));
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  const std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  ASSERT_TRUE(await(2));
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  ASSERT_TRUE(await(3));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(in.Dump(&slices).ok());
  std::string response;
  for (const grpc::Slice& s : slices)
    response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  for (const char* service :
       {"herald.v1.TopicService", "herald.v1.PublishService", "herald.v1.SubscribeService",
        "herald.v1.AdminService", "grpc.health.v1.Health"}) {
    EXPECT_NE(response.find(service), std::string::npos) << service;
  }
  call->WritesDone(reinterpret_cast<void*>(4));
  await(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  await(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

// With the browser edge on, GetStats counts its sessions per transport beside gRPC's.
class ControlWithEdgeTest : public ControlTest {
 protected:
  void SetUp() override {
    serve_edge_ = true;
    StartBroker();
  }
};

TEST_F(ControlWithEdgeTest, StatsCountConnectionsOfEveryTransport) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  absl::StatusOr<std::unique_ptr<testing::SseClient>> sse =
      testing::SseClient::Connect(broker_->edge_port(), "/v1/sse?topic=orders");
  ASSERT_TRUE(sse.ok()) << sse.status();
  ASSERT_EQ((*sse)->status(), 200);
  v1::GetStatsResponse stats;
  EXPECT_TRUE(WaitFor(
      [&] {
        return admin_->GetStats(Context().get(), {}, &stats).ok() &&
               stats.connections().count("sse") == 1 && stats.connections().at("sse") == 1;
      },
      absl::Seconds(5)));
  EXPECT_EQ(stats.connections().at("ws"), 0u);
  EXPECT_EQ(stats.connections().at("grpc"), 0u);
}

// A tiny subscriber queue: replay must stop and resume many times, and a subscriber that
// does not read overflows soon.
class ControlSmallQueueTest : public ControlTest {
 protected:
  void SetUp() override {
    queue_events_ = 8;
    StartBroker();
  }
};

TEST_F(ControlSmallQueueTest, ReplayLongerThanTheQueueDeliversEveryEventInOrder) {
  v1::CreateTopicRequest create;
  create.mutable_topic()->set_name("orders");
  create.mutable_topic()->mutable_retention()->set_max_events(5000);
  v1::Topic topic;
  ASSERT_TRUE(topics_->CreateTopic(Context().get(), create, &topic).ok());
  constexpr int kEvents = 2000;
  std::string first_id;
  for (int i = 1; i <= kEvents; ++i) {
    v1::PublishResponse ack = MustPublish("orders", absl::StrCat(i));
    if (i == 1) first_id = ack.id();
  }
  v1::SubscribeRequest request;
  request.add_topics("orders");
  request.set_from(first_id);
  auto context = Context();
  auto reader = subscribe_->Subscribe(context.get(), request);
  std::vector<v1::Event> events = Read(*reader, kEvents - 1);
  ASSERT_EQ(events.size(), kEvents - 1u);
  for (int i = 0; i < kEvents - 1; ++i) {
    ASSERT_EQ(events[i].offset(), static_cast<uint64_t>(i + 2));
  }
  context->TryCancel();
  reader->Finish();
}

TEST_F(ControlSmallQueueTest, CancellingMidReplayFreesTheStream) {
  v1::CreateTopicRequest create;
  create.mutable_topic()->set_name("orders");
  create.mutable_topic()->mutable_retention()->set_max_events(5000);
  v1::Topic topic;
  ASSERT_TRUE(topics_->CreateTopic(Context().get(), create, &topic).ok());
  std::string first_id;
  for (int i = 1; i <= 1000; ++i) {
    v1::PublishResponse ack = MustPublish("orders", absl::StrCat(i));
    if (i == 1) first_id = ack.id();
  }
  for (int round = 0; round < 5; ++round) {
    v1::SubscribeRequest request;
    request.add_topics("orders");
    request.set_from(first_id);
    auto context = Context();
    auto reader = subscribe_->Subscribe(context.get(), request);
    ASSERT_EQ(Read(*reader, 3).size(), 3u);
    context->TryCancel();
    reader->Finish();
  }
  EXPECT_TRUE(WaitFor(
      [&] {
        v1::ListConnectionsResponse now;
        return admin_->ListConnections(Context().get(), {}, &now).ok() &&
               now.connections_size() == 0;
      },
      absl::Seconds(5)));
}

TEST_F(ControlTest, KickedPublishStreamEndsWithTheReasonAfterItsAcks) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  auto context = Context();
  auto stream = publish_->PublishStream(context.get());
  v1::PublishRequest request;
  request.set_topic("orders");
  ASSERT_TRUE(stream->Write(request));
  v1::PublishResponse ack;
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.offset(), 1u);

  // The server counts an ack once its write completes, which may be just after the client
  // read it.
  v1::ListConnectionsResponse connections;
  EXPECT_TRUE(WaitFor(
      [&] {
        return admin_->ListConnections(Context().get(), {}, &connections).ok() &&
               connections.connections_size() == 1 && connections.connections(0).events() == 1;
      },
      absl::Seconds(5)));
  ASSERT_EQ(connections.connections_size(), 1);
  EXPECT_EQ(connections.connections(0).kind(), "publish_stream");
  v1::DisconnectConnectionRequest kick;
  kick.set_id(connections.connections(0).id());
  v1::DisconnectConnectionResponse kicked;
  ASSERT_TRUE(admin_->DisconnectConnection(Context().get(), kick, &kicked).ok());
  EXPECT_FALSE(stream->Read(&ack));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("operator"), std::string::npos);
}

TEST_F(ControlSmallQueueTest, SubscriberThatStopsReadingIsEndedWithResourceExhausted) {
  ASSERT_TRUE(CreateTopic("orders").ok());
  v1::SubscribeRequest request;
  request.add_topics("orders");
  auto context = Context();
  auto reader = subscribe_->Subscribe(context.get(), request);
  reader->WaitForInitialMetadata();
  // Far more than HTTP/2 flow-control windows and gRPC's buffers hold, so the server's queue
  // fills while the client reads nothing, and the publisher is never slowed by it.
  const std::string payload(kMaxEventBytes - 16, 'x');
  constexpr int kEvents = 8000;
  for (int i = 0; i < kEvents; ++i) MustPublish("orders", payload);
  // Reading now drains what was sent before the overflow, then the status.
  int received = 0;
  v1::Event event;
  while (reader->Read(&event)) {
    ASSERT_EQ(event.offset(), static_cast<uint64_t>(received + 1));
    ++received;
  }
  grpc::Status ended = reader->Finish();
  EXPECT_LT(received, kEvents);
  EXPECT_EQ(ended.error_code(), StatusCode::RESOURCE_EXHAUSTED) << ended.error_message();
  EXPECT_NE(ended.error_message().find("resubscribe"), std::string::npos) << ended.error_message();
}

class ControlAuthTest : public ControlTest {
 protected:
  void SetUp() override {
    // As an operator writes them: hashes with scopes, and the first format's roles.
    absl::StatusOr<std::vector<auth::ApiKey>> keys = auth::ParseApiKeys(absl::StrCat(
        auth::HashApiKey(kAdminKey), " allow=admin name=ops\n", "publisher ", kPublisherKey,
        "\nsubscriber ", kSubscriberKey, "\n", auth::HashApiKey(kOrdersKey),
        " allow=publish,subscribe topics=orders.* name=orders-service\n"));
    ASSERT_TRUE(keys.ok()) << keys.status();
    StartBroker(*std::move(keys));
  }
};

TEST_F(ControlAuthTest, MissingOrUnknownKeysAreUnauthenticated) {
  grpc::Status missing = CreateTopic("orders");
  EXPECT_EQ(missing.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_NE(missing.error_message().find("authorization: Bearer"), std::string::npos)
      << missing.error_message();
  EXPECT_EQ(CreateTopic("orders", "wrong-key-0123456789").error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(CreateTopic("orders", kAdminKey).ok());
}

TEST_F(ControlAuthTest, RolesAllowOnlyTheirActions) {
  grpc::Status denied = CreateTopic("orders", kPublisherKey);
  EXPECT_EQ(denied.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(denied.error_message().find("admin"), std::string::npos) << denied.error_message();
  ASSERT_TRUE(CreateTopic("orders", kAdminKey).ok());

  v1::PublishRequest publish;
  publish.set_topic("orders");
  v1::PublishResponse ack;
  EXPECT_TRUE(publish_->Publish(Context(kPublisherKey).get(), publish, &ack).ok());
  EXPECT_EQ(publish_->Publish(Context(kSubscriberKey).get(), publish, &ack).error_code(),
            StatusCode::PERMISSION_DENIED);

  v1::GetTopicRequest get;
  get.set_name("orders");
  v1::Topic topic;
  EXPECT_TRUE(topics_->GetTopic(Context(kSubscriberKey).get(), get, &topic).ok());

  v1::SubscribeRequest subscribe;
  subscribe.add_topics("orders");
  subscribe.set_from(ack.id());
  auto publisher_context = Context(kPublisherKey);
  auto publisher_reader = subscribe_->Subscribe(publisher_context.get(), subscribe);
  v1::Event event;
  EXPECT_FALSE(publisher_reader->Read(&event));
  EXPECT_EQ(publisher_reader->Finish().error_code(), StatusCode::PERMISSION_DENIED);

  auto subscriber_context = Context(kSubscriberKey);
  auto subscriber_reader = subscribe_->Subscribe(subscriber_context.get(), subscribe);
  subscriber_reader->WaitForInitialMetadata();
  subscriber_context->TryCancel();
  EXPECT_EQ(subscriber_reader->Finish().error_code(), StatusCode::CANCELLED);

  auto stream_context = Context(kSubscriberKey);
  auto stream = publish_->PublishStream(stream_context.get());
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(), StatusCode::PERMISSION_DENIED);

  v1::GetStatsResponse stats;
  EXPECT_EQ(admin_->GetStats(Context(kPublisherKey).get(), {}, &stats).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(admin_->GetStats(Context(kAdminKey).get(), {}, &stats).ok());
}

TEST_F(ControlAuthTest, AScopedKeyPublishesToItsTopicsAndNothingElse) {
  ASSERT_TRUE(CreateTopic("orders.eu", kAdminKey).ok());
  ASSERT_TRUE(CreateTopic("payments", kAdminKey).ok());

  v1::PublishRequest publish;
  publish.set_topic("orders.eu");
  publish.set_data("order 1");
  v1::PublishResponse ack;
  EXPECT_TRUE(publish_->Publish(Context(kOrdersKey).get(), publish, &ack).ok());
  publish.set_topic("payments");
  grpc::Status elsewhere = publish_->Publish(Context(kOrdersKey).get(), publish, &ack);
  EXPECT_EQ(elsewhere.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(elsewhere.error_message(),
            "api key 'orders-service' lacks publish on topic 'payments'; it may publish on "
            "orders.*");

  // A stream's publishes are checked one by one: the first is stored, the second ends it.
  auto stream_context = Context(kOrdersKey);
  auto stream = publish_->PublishStream(stream_context.get());
  publish.set_topic("orders.eu");
  ASSERT_TRUE(stream->Write(publish));
  publish.set_topic("payments");
  stream->Write(publish);
  stream->WritesDone();
  ASSERT_TRUE(stream->Read(&ack));
  grpc::Status stream_ended = stream->Finish();
  EXPECT_EQ(stream_ended.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(stream_ended.error_message().find("topic 'payments'"), std::string::npos)
      << stream_ended.error_message();

  v1::SubscribeRequest subscribe;
  subscribe.add_topics("orders.eu");
  subscribe.add_topics("payments");
  auto subscribe_context = Context(kOrdersKey);
  auto reader = subscribe_->Subscribe(subscribe_context.get(), subscribe);
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status subscribe_ended = reader->Finish();
  EXPECT_EQ(subscribe_ended.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(subscribe_ended.error_message().find("lacks subscribe on topic 'payments'"),
            std::string::npos)
      << subscribe_ended.error_message();

  grpc::Status manage = CreateTopic("orders.us", kOrdersKey);
  EXPECT_EQ(manage.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(manage.error_message().find("lacks manage"), std::string::npos)
      << manage.error_message();
  v1::DeleteTopicRequest remove;
  remove.set_name("orders.eu");
  v1::DeleteTopicResponse removed;
  EXPECT_EQ(topics_->DeleteTopic(Context(kOrdersKey).get(), remove, &removed).error_code(),
            StatusCode::PERMISSION_DENIED);

  v1::GetStatsResponse stats;
  grpc::Status admin = admin_->GetStats(Context(kOrdersKey).get(), {}, &stats);
  EXPECT_EQ(admin.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(admin.error_message().find("lacks admin"), std::string::npos) << admin.error_message();
  v1::DrainRequest drain;
  v1::DrainResponse drained;
  EXPECT_EQ(admin_->Drain(Context(kOrdersKey).get(), drain, &drained).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(admin_->GetStats(Context(kAdminKey).get(), {}, &stats).ok());
}

}  // namespace
}  // namespace herald
