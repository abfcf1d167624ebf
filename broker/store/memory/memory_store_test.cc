#include "broker/store/memory/memory_store.h"

#include <memory>
#include <optional>

#include "gtest/gtest.h"

namespace herald::store {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000);

EventPtr MakeEvent(uint64_t offset, std::string data = "d") {
  return std::make_shared<Event>(Event{.topic = "t",
                                       .offset = offset,
                                       .epoch = 1,
                                       .data = std::move(data),
                                       .publish_time = kStart + absl::Seconds(offset)});
}

// Appends offsets [from, to) and returns the bounds the store answered with.
absl::StatusOr<StoredBounds> AppendRange(MemoryStore& store, uint64_t from, uint64_t to,
                                         RetentionPolicy retention = {}) {
  AppendBatch batch{.topic = "t", .retention = retention, .now = kStart + absl::Seconds(to)};
  for (uint64_t offset = from; offset < to; ++offset) {
    batch.events.push_back(MakeEvent(offset));
    batch.dedup_keys.push_back("key-" + std::to_string(offset));
  }
  std::optional<absl::StatusOr<StoredBounds>> outcome;
  store.Append(std::move(batch), [&](absl::StatusOr<StoredBounds> b) { outcome = std::move(b); });
  EXPECT_TRUE(outcome.has_value()) << "the memory store answers inline";
  return outcome.value_or(absl::InternalError("no answer"));
}

TEST(MemoryStoreTest, ReadsBackARangeInOrder) {
  MemoryStore store;
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  absl::StatusOr<StoredBounds> bounds = AppendRange(store, 1, 6);
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->first_offset, 1u);
  EXPECT_EQ(bounds->next_offset, 6u);
  EXPECT_EQ(bounds->retained_bytes, 5u);
  EXPECT_EQ(bounds->oldest_time, kStart + absl::Seconds(1));
  absl::StatusOr<std::vector<EventPtr>> events = store.Read("t", 2, 100, 3);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0]->offset, 2u);
  EXPECT_EQ((*events)[2]->offset, 4u);
  EXPECT_EQ(store.Read("t", 2, 4, 10)->size(), 2u);
  EXPECT_TRUE(store.Read("t", 6, 100, 10)->empty());
}

TEST(MemoryStoreTest, RetentionTrimsInTheSameAppendAndForgetsDedupKeys) {
  MemoryStore store;
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  absl::StatusOr<StoredBounds> bounds = AppendRange(store, 1, 6, {.max_events = 2});
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->first_offset, 4u);
  EXPECT_EQ(bounds->retained_bytes, 2u);
  EXPECT_EQ(store.Read("t", 1, 100, 10)->front()->offset, 4u);
  EXPECT_EQ(store.FindDedup("t", "key-2").value(), std::nullopt);
  EXPECT_EQ(store.FindDedup("t", "key-5").value(), std::optional<uint64_t>(5));
}

TEST(MemoryStoreTest, AnEmptyBatchTrimsByAge) {
  MemoryStore store;
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  ASSERT_TRUE(AppendRange(store, 1, 4).ok());
  // Now is start + 4 s; events were published at start + 1, 2, 3 s.
  absl::StatusOr<StoredBounds> bounds =
      AppendRange(store, 4, 4, {.max_events = 100, .max_age = absl::Milliseconds(1500)});
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->first_offset, 3u);
  EXPECT_EQ(bounds->next_offset, 4u);
  bounds = AppendRange(store, 4, 4, {.max_events = 100, .max_age = absl::Milliseconds(1)});
  EXPECT_EQ(bounds->first_offset, 4u);
  EXPECT_EQ(bounds->retained_bytes, 0u);
  EXPECT_EQ(bounds->oldest_time, absl::InfiniteFuture());
}

TEST(MemoryStoreTest, UnknownTopicsAreNotFoundAndDuplicatesAlreadyExist) {
  MemoryStore store;
  EXPECT_EQ(AppendRange(store, 1, 2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Read("t", 1, 2, 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.FindDedup("t", "k").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.DeleteTopic("t").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.UpdateTopic({.name = "t"}).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store.CreateTopic({.name = "t"}, 1).ok());
  EXPECT_EQ(store.CreateTopic({.name = "t"}, 2).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(store.LoadTopics()->empty());
}

}  // namespace
}  // namespace herald::store
