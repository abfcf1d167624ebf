#include "broker/store/memory/memory_store.h"

#include <memory>

#include "gtest/gtest.h"

namespace herald::store {
namespace {

EventPtr MakeEvent(uint64_t offset) {
  return std::make_shared<Event>(Event{.topic = "t", .offset = offset, .epoch = 1, .data = "d"});
}

TEST(MemoryStoreTest, ReadsBackARangeInOrder) {
  MemoryStore store;
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(store.Append(MakeEvent(i)).ok());
  absl::StatusOr<std::vector<EventPtr>> events = store.Read("t", 2, 3);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0]->offset, 2u);
  EXPECT_EQ((*events)[2]->offset, 4u);
  EXPECT_TRUE(store.Read("t", 6, 10)->empty());
}

TEST(MemoryStoreTest, TrimBeforeForgetsOlderEvents) {
  MemoryStore store;
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(store.Append(MakeEvent(i)).ok());
  ASSERT_TRUE(store.TrimBefore("t", 4).ok());
  absl::StatusOr<std::vector<EventPtr>> events = store.Read("t", 1, 10);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0]->offset, 4u);
  ASSERT_TRUE(store.TrimBefore("t", 100).ok());
  EXPECT_TRUE(store.Read("t", 1, 10)->empty());
  ASSERT_TRUE(store.Append(MakeEvent(100)).ok());
  EXPECT_EQ(store.Read("t", 1, 10)->front()->offset, 100u);
}

TEST(MemoryStoreTest, UnknownTopicsAreNotFoundAndDuplicatesAlreadyExist) {
  MemoryStore store;
  EXPECT_EQ(store.Append(MakeEvent(1)).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Read("t", 1, 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.TrimBefore("t", 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.DeleteTopic("t").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.UpdateTopic({.name = "t"}).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  EXPECT_EQ(store.CreateTopic({.name = "t"}, 2).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(store.LoadTopics()->empty());
}

}  // namespace
}  // namespace herald::store
