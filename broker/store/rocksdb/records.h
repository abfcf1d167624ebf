// The RocksDB store's on-disk records: keys and values of its column families.
//
//   topics  column family: topic name                  -> TopicRecord
//   events  column family: topic id (8, big-endian) + offset (8, big-endian) -> EventRecord
//   dedup   column family: topic id (8, big-endian) + dedup key -> offset (8, big-endian)
//
// Big-endian ids and offsets sort a topic's events together and in offset order, so a
// range read is one seek and a trim one range delete. Topic ids are never reused, so a
// deleted topic's leftovers can never be read as a new topic's history.
//
//   std::string key = EventKey(topic_id, offset);
//   absl::StatusOr<TopicRecord> record = DecodeTopicRecord(value);
#ifndef HERALD_BROKER_STORE_ROCKSDB_RECORDS_H_
#define HERALD_BROKER_STORE_ROCKSDB_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "broker/core/topic.h"

namespace herald::store {

// One topic's metadata. Changes in the same WriteBatch as the events it describes.
struct TopicRecord {
  uint64_t id = 0;
  TopicConfig config;
  uint32_t epoch = 0;
  // Retained offsets are [first_offset, next_offset).
  uint64_t first_offset = 1;
  uint64_t next_offset = 1;
  // Bytes of every event of the epoch before next_offset, and before first_offset.
  uint64_t total_bytes = 0;
  uint64_t first_bytes_before = 0;
  // Publish time of the event at first_offset; InfiniteFuture when none is retained.
  absl::Time oldest_time = absl::InfiniteFuture();
};

// An event as stored; its topic, offset and epoch come from the key and the topic record.
struct EventRecord {
  absl::Time publish_time;
  // Bytes of every earlier event of the epoch (see core/retention.h).
  uint64_t bytes_before = 0;
  std::string type;
  std::string data;
};

std::string EventKey(uint64_t topic_id, uint64_t offset);
// The offset in an events key; 0 for a key of another shape.
uint64_t OffsetOfEventKey(std::string_view key);
std::string DedupKey(uint64_t topic_id, std::string_view dedup_key);
// The first key past every key of `topic_id` in the events and dedup families.
std::string TopicKeysEnd(uint64_t topic_id);

std::string EncodeFixed64(uint64_t value);
// DataLoss when `bytes` is not 8 bytes long.
absl::StatusOr<uint64_t> DecodeFixed64(std::string_view bytes);

std::string EncodeTopicRecord(const TopicRecord& record);
// DataLoss for a record of another length or version; the name comes from the key.
absl::StatusOr<TopicRecord> DecodeTopicRecord(std::string_view name, std::string_view bytes);

std::string EncodeEventRecord(absl::Time publish_time, uint64_t bytes_before, std::string_view type,
                              std::string_view data);
// DataLoss for a truncated record.
absl::StatusOr<EventRecord> DecodeEventRecord(std::string_view bytes);

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_ROCKSDB_RECORDS_H_
