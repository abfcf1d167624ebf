#include "broker/store/rocksdb/records.h"

#include "gtest/gtest.h"

namespace herald::store {
namespace {

TEST(RecordsTest, EventKeysSortByTopicThenOffset) {
  EXPECT_LT(EventKey(1, 255), EventKey(1, 256));
  EXPECT_LT(EventKey(1, ~uint64_t{0}), EventKey(2, 0));
  EXPECT_LT(EventKey(1, ~uint64_t{0}), TopicKeysEnd(1));
  EXPECT_LT(DedupKey(1, "\xff\xff"), TopicKeysEnd(1));
  EXPECT_EQ(OffsetOfEventKey(EventKey(7, 123456789)), 123456789u);
  EXPECT_EQ(OffsetOfEventKey("short"), 0u);
}

TEST(RecordsTest, TopicRecordsRoundTrip) {
  TopicRecord record{
      .id = 3,
      .config = {.name = "orders",
                 .retention = {.max_events = 10, .max_bytes = 2048, .max_age = absl::Minutes(5)},
                 .allow_browser_publish = true,
                 .max_subscribers = 70'000},
      .epoch = 0xdeadbeef,
      .first_offset = 4,
      .next_offset = 9,
      .total_bytes = 90,
      .first_bytes_before = 30,
      .oldest_time = absl::FromUnixNanos(1'700'000'000'123'456'789)};
  absl::StatusOr<TopicRecord> decoded = DecodeTopicRecord("orders", EncodeTopicRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->id, 3u);
  EXPECT_EQ(decoded->config, record.config);
  EXPECT_EQ(decoded->epoch, record.epoch);
  EXPECT_EQ(decoded->first_offset, 4u);
  EXPECT_EQ(decoded->next_offset, 9u);
  EXPECT_EQ(decoded->total_bytes, 90u);
  EXPECT_EQ(decoded->first_bytes_before, 30u);
  EXPECT_EQ(decoded->oldest_time, record.oldest_time);
  record.oldest_time = absl::InfiniteFuture();
  EXPECT_EQ(DecodeTopicRecord("orders", EncodeTopicRecord(record))->oldest_time,
            absl::InfiniteFuture());
}

TEST(RecordsTest, TopicRecordsOfVersion1ReadWithoutASubscriberLimit) {
  TopicRecord record{
      .id = 3, .config = {.name = "orders", .max_subscribers = 5}, .epoch = 7, .next_offset = 9};
  // Version 1 is version 2 without the trailing 4-byte subscriber limit.
  std::string v1 = EncodeTopicRecord(record);
  v1.resize(v1.size() - 4);
  v1[0] = 1;
  absl::StatusOr<TopicRecord> decoded = DecodeTopicRecord("orders", v1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->config.max_subscribers, 0u);
  EXPECT_EQ(decoded->epoch, 7u);
  EXPECT_EQ(decoded->next_offset, 9u);
  // A version 1 record of version 2's size is neither.
  std::string mixed = EncodeTopicRecord(record);
  mixed[0] = 1;
  EXPECT_EQ(DecodeTopicRecord("orders", mixed).status().code(), absl::StatusCode::kDataLoss);
}

TEST(RecordsTest, EventRecordsRoundTripAndTruncationIsDataLoss) {
  const std::string bytes =
      EncodeEventRecord(absl::FromUnixSeconds(5), 42, "price", std::string("a\0b", 3));
  absl::StatusOr<EventRecord> decoded = DecodeEventRecord(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->publish_time, absl::FromUnixSeconds(5));
  EXPECT_EQ(decoded->bytes_before, 42u);
  EXPECT_EQ(decoded->type, "price");
  EXPECT_EQ(decoded->data, std::string("a\0b", 3));
  for (size_t size : {0, 10, 19, 22}) {
    EXPECT_EQ(DecodeEventRecord(bytes.substr(0, size)).status().code(), absl::StatusCode::kDataLoss)
        << size;
  }
  EXPECT_EQ(DecodeTopicRecord("t", "garbage").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeFixed64("1234567").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace herald::store
