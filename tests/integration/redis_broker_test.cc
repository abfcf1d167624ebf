// herald::Broker on the Redis engine, through the real gRPC control plane and a real
// redis-server: what the engine's asynchronous answers and several nodes change for the
// services above it.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/grpc/health/v1/health.grpc.pb.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "api/herald/v1/subscribe.grpc.pb.h"
#include "api/herald/v1/topic.grpc.pb.h"
#include "broker/broker.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/wait_for.h"

namespace herald {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::herald::testing::RedisServer;
using ::herald::testing::WaitFor;

// One node: a broker on the shared Redis and a channel to its control plane.
struct Node {
  explicit Node(const std::string& redis_url) {
    BrokerOptions options;
    options.shards = 2;
    options.engine_kind = EngineKind::kRedis;
    options.redis.address = *engine::ParseRedisUrl(redis_url);
    options.redis.prefix = "it:";
    options.redis.check_interval = absl::Milliseconds(100);
    options.serve_control = true;
    options.control.port = 0;
    options.control.shutdown_grace = absl::Milliseconds(200);
    broker = *Broker::Start(std::move(options));
    channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", broker->control_port()),
                                  grpc::InsecureChannelCredentials());
    publish = v1::PublishService::NewStub(channel);
    subscribe = v1::SubscribeService::NewStub(channel);
    health = grpc::health::v1::Health::NewStub(channel);
  }

  HealthCheckResponse::ServingStatus Health() {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    HealthCheckResponse response;
    if (!health->Check(&context, {}, &response).ok()) return HealthCheckResponse::UNKNOWN;
    return response.status();
  }

  std::unique_ptr<Broker> broker;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::PublishService::Stub> publish;
  std::unique_ptr<v1::SubscribeService::Stub> subscribe;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
};

class RedisBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
    if (absl::IsNotFound(server.status())) GTEST_SKIP() << server.status();
    ASSERT_TRUE(server.ok()) << server.status();
    redis_ = *std::move(server);
  }

  std::unique_ptr<RedisServer> redis_;
};

// A publisher whose window is full waits for acks and sends nothing more: when Redis goes,
// the failure must end its stream rather than wait for a request that never comes.
TEST_F(RedisBrokerTest, PublishStreamEndsUnavailableWhenRedisGoesWhileItsWindowIsFull) {
  Node node(redis_->url());
  ASSERT_TRUE(node.broker->CreateTopic({.name = "t"}).ok());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto stream = node.publish->PublishStream(&context);
  v1::PublishRequest request;
  request.set_topic("t");
  constexpr int kWindow = 16;
  int unacked = 0;
  int acked = 0;
  v1::PublishResponse ack;
  while (true) {
    while (unacked < kWindow && stream->Write(request)) ++unacked;
    if (acked == 500) redis_->Stop();
    if (!stream->Read(&ack)) break;
    --unacked;
    ++acked;
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("Redis at 127.0.0.1"), std::string::npos)
      << status.error_message();
  EXPECT_GE(acked, 500);
}

TEST_F(RedisBrokerTest, HealthFollowsRedis) {
  Node node(redis_->url());
  EXPECT_EQ(node.Health(), HealthCheckResponse::SERVING);
  redis_->Stop();
  EXPECT_TRUE(
      WaitFor([&] { return node.Health() == HealthCheckResponse::NOT_SERVING; }, absl::Seconds(5)));
  EXPECT_TRUE(absl::IsUnavailable(node.broker->Readiness()));
  ASSERT_TRUE(redis_->Restart(/*wipe=*/false).ok());
  EXPECT_TRUE(
      WaitFor([&] { return node.Health() == HealthCheckResponse::SERVING; }, absl::Seconds(10)));
}

// A cursor acknowledged by node A resumes on node B at once, while A keeps publishing: B may
// not have the cursor's event yet, and must wait for it rather than reset.
TEST_F(RedisBrokerTest, ACursorFromOneNodeResumesOnAnotherExactlyOnceWhilePublishesRace) {
  Node a(redis_->url());
  Node b(redis_->url());
  ASSERT_TRUE(a.broker->CreateTopic({.name = "t", .retention = {.max_events = 100000}}).ok());
  ASSERT_TRUE(WaitFor([&] { return b.broker->GetTopic("t").ok(); }, absl::Seconds(5)));
  for (int round = 0; round < 20; ++round) {
    absl::StatusOr<PublishResult> mark = a.broker->Publish({.topic = "t", .data = "mark"});
    ASSERT_TRUE(mark.ok()) << mark.status();
    v1::SubscribeRequest subscribe;
    subscribe.add_topics("t");
    subscribe.set_from(mark->cursor);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto reader = b.subscribe->Subscribe(&context, subscribe);
    std::vector<uint64_t> want;
    for (int i = 0; i < 5; ++i) {
      absl::StatusOr<PublishResult> next = a.broker->Publish({.topic = "t", .data = "x"});
      ASSERT_TRUE(next.ok());
      want.push_back(next->offset);
    }
    std::vector<uint64_t> got;
    v1::Event event;
    while (got.size() < want.size() && reader->Read(&event)) {
      EXPECT_EQ(event.event(), "") << "round " << round << ": " << event.data();
      got.push_back(event.offset());
    }
    EXPECT_EQ(got, want) << "round " << round;
    context.TryCancel();
  }
}

}  // namespace
}  // namespace herald
