#include "broker/engine/local/local_engine.h"

#include <string>
#include <thread>
#include <vector>

#include "broker/store/memory/memory_store.h"
#include "gtest/gtest.h"

namespace herald::engine {
namespace {

class LocalEngineTest : public testing::Test {
 protected:
  store::MemoryStore store_;
  FakeClock clock_{absl::FromUnixSeconds(1000)};
};

TEST_F(LocalEngineTest, CreateGetListUpdateDelete) {
  LocalEngine engine(store_, clock_, {});
  ASSERT_TRUE(engine.CreateTopic({.name = "b"}).ok());
  ASSERT_TRUE(engine.CreateTopic({.name = "a"}).ok());
  ASSERT_TRUE(engine.CreateTopic({.name = "c"}).ok());
  EXPECT_EQ(engine.TopicCount(), 3u);
  std::vector<TopicInfo> page = engine.ListTopics("", 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].config.name, "a");
  EXPECT_EQ(page[1].config.name, "b");
  page = engine.ListTopics("b", 2);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].config.name, "c");

  absl::StatusOr<TopicInfo> updated =
      engine.UpdateTopic({.name = "a", .retention = {.max_events = 7}});
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(engine.GetTopic("a")->config.retention.max_events, 7u);

  ASSERT_TRUE(engine.DeleteTopic("a").ok());
  EXPECT_EQ(engine.GetTopic("a").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LocalEngineTest, ErrorsNameTheProblem) {
  LocalEngine engine(store_, clock_, {.max_event_bytes = 8});
  EXPECT_EQ(engine.CreateTopic({.name = "bad name"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(engine.CreateTopic({.name = "t"}).ok());
  absl::Status exists = engine.CreateTopic({.name = "t"}).status();
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  absl::Status missing = PublishAndWait(engine, {.topic = "nope", .data = "x"}).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("heraldctl topics create nope"), std::string::npos);
  EXPECT_EQ(PublishAndWait(engine, {.topic = "t", .data = "123456789"}).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(PublishAndWait(engine, {.topic = "t", .type = "a\nb", .data = "x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.UpdateTopic({.name = "nope"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine.DeleteTopic("nope").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine.ReadAfter("nope", 0, 1).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LocalEngineTest, AutoCreateMakesTheTopicOnFirstPublish) {
  LocalEngine engine(store_, clock_,
                     {.auto_create_topics = true, .default_retention = {.max_events = 3}});
  absl::StatusOr<EventPtr> event = PublishAndWait(engine, {.topic = "fresh", .data = "x"});
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ((*event)->offset, 1u);
  EXPECT_EQ(engine.GetTopic("fresh")->config.retention.max_events, 3u);
}

TEST_F(LocalEngineTest, RecreatedTopicGetsANewEpochAndStartsAtOne) {
  LocalEngine engine(store_, clock_, {});
  const uint32_t first_epoch = engine.CreateTopic({.name = "t"})->epoch;
  ASSERT_TRUE(PublishAndWait(engine, {.topic = "t", .data = "x"}).ok());
  ASSERT_TRUE(engine.DeleteTopic("t").ok());
  const uint32_t second_epoch = engine.CreateTopic({.name = "t"})->epoch;
  EXPECT_NE(first_epoch, second_epoch);
  EXPECT_EQ((*PublishAndWait(engine, {.topic = "t", .data = "y"}))->offset, 1u);
}

TEST_F(LocalEngineTest, SinkSeesEveryEventInOffsetOrderUnderConcurrentPublishers) {
  LocalEngine engine(store_, clock_, {.max_event_bytes = 1024});
  ASSERT_TRUE(engine.CreateTopic({.name = "t", .retention = {.max_events = 100000}}).ok());
  std::vector<uint64_t> seen;
  engine.SetSink([&seen](const EventPtr& e) { seen.push_back(e->offset); });
  std::vector<std::thread> publishers;
  for (int p = 0; p < 4; ++p) {
    publishers.emplace_back([&engine] {
      for (int i = 0; i < 2000; ++i)
        ASSERT_TRUE(PublishAndWait(engine, {.topic = "t", .data = "x"}).ok());
    });
  }
  for (auto& t : publishers) t.join();
  ASSERT_EQ(seen.size(), 8000u);
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1);
}

}  // namespace
}  // namespace herald::engine
