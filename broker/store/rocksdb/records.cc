#include "broker/store/rocksdb/records.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace herald::store {
namespace {

// Version 2 added max subscribers; version 1 records (without it) are still read.
constexpr uint8_t kTopicRecordVersion = 2;
// version, id, epoch, first, next, total bytes, first bytes before, oldest time,
// max events, max bytes, max age, browser publish, max subscribers.
constexpr size_t kTopicRecordSize = 1 + 8 + 4 + 8 * 8 + 1 + 4;
constexpr size_t kTopicRecordV1Size = kTopicRecordSize - 4;
constexpr size_t kEventHeaderSize = 8 + 8 + 4;

void PutBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t GetBigEndian(std::string_view& in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(bytes);
  return value;
}

// Times as Unix nanoseconds; the infinite future (nothing retained) as INT64_MAX.
uint64_t TimeBits(absl::Time time) {
  if (time == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  return static_cast<uint64_t>(absl::ToUnixNanos(time));
}

absl::Time TimeFromBits(uint64_t bits) {
  const auto nanos = static_cast<int64_t>(bits);
  if (nanos == std::numeric_limits<int64_t>::max()) return absl::InfiniteFuture();
  return absl::FromUnixNanos(nanos);
}

}  // namespace

std::string EventKey(uint64_t topic_id, uint64_t offset) {
  std::string key;
  key.reserve(16);
  PutBigEndian(key, topic_id, 8);
  PutBigEndian(key, offset, 8);
  return key;
}

uint64_t OffsetOfEventKey(std::string_view key) {
  if (key.size() != 16) return 0;
  key.remove_prefix(8);
  return GetBigEndian(key, 8);
}

std::string DedupKey(uint64_t topic_id, std::string_view dedup_key) {
  std::string key;
  key.reserve(8 + dedup_key.size());
  PutBigEndian(key, topic_id, 8);
  key.append(dedup_key);
  return key;
}

std::string TopicKeysEnd(uint64_t topic_id) {
  std::string key;
  PutBigEndian(key, topic_id + 1, 8);
  return key;
}

std::string EncodeFixed64(uint64_t value) {
  std::string out;
  PutBigEndian(out, value, 8);
  return out;
}

absl::StatusOr<uint64_t> DecodeFixed64(std::string_view bytes) {
  if (bytes.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("expected an 8-byte number, found ", bytes.size(), " bytes"));
  }
  return GetBigEndian(bytes, 8);
}

std::string EncodeTopicRecord(const TopicRecord& record) {
  std::string out;
  out.reserve(kTopicRecordSize);
  out.push_back(static_cast<char>(kTopicRecordVersion));
  PutBigEndian(out, record.id, 8);
  PutBigEndian(out, record.epoch, 4);
  PutBigEndian(out, record.first_offset, 8);
  PutBigEndian(out, record.next_offset, 8);
  PutBigEndian(out, record.total_bytes, 8);
  PutBigEndian(out, record.first_bytes_before, 8);
  PutBigEndian(out, TimeBits(record.oldest_time), 8);
  const RetentionPolicy& retention = record.config.retention;
  PutBigEndian(out, retention.max_events, 8);
  PutBigEndian(out, retention.max_bytes, 8);
  PutBigEndian(out, static_cast<uint64_t>(absl::ToInt64Nanoseconds(retention.max_age)), 8);
  out.push_back(record.config.allow_browser_publish ? 1 : 0);
  PutBigEndian(out, record.config.max_subscribers, 4);
  return out;
}

absl::StatusOr<TopicRecord> DecodeTopicRecord(std::string_view name, std::string_view bytes) {
  const uint8_t version = bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]);
  if (!(version == kTopicRecordVersion && bytes.size() == kTopicRecordSize) &&
      !(version == 1 && bytes.size() == kTopicRecordV1Size)) {
    return absl::DataLossError(absl::StrFormat(
        "topic record of '%s' is %d bytes of an unknown version", name, bytes.size()));
  }
  bytes.remove_prefix(1);
  TopicRecord record;
  record.config.name = std::string(name);
  record.id = GetBigEndian(bytes, 8);
  record.epoch = static_cast<uint32_t>(GetBigEndian(bytes, 4));
  record.first_offset = GetBigEndian(bytes, 8);
  record.next_offset = GetBigEndian(bytes, 8);
  record.total_bytes = GetBigEndian(bytes, 8);
  record.first_bytes_before = GetBigEndian(bytes, 8);
  record.oldest_time = TimeFromBits(GetBigEndian(bytes, 8));
  RetentionPolicy& retention = record.config.retention;
  retention.max_events = GetBigEndian(bytes, 8);
  retention.max_bytes = GetBigEndian(bytes, 8);
  retention.max_age = absl::Nanoseconds(static_cast<int64_t>(GetBigEndian(bytes, 8)));
  record.config.allow_browser_publish = bytes[0] != 0;
  bytes.remove_prefix(1);
  if (version >= 2) record.config.max_subscribers = static_cast<uint32_t>(GetBigEndian(bytes, 4));
  return record;
}

std::string EncodeEventRecord(absl::Time publish_time, uint64_t bytes_before, std::string_view type,
                              std::string_view data) {
  std::string out;
  out.reserve(kEventHeaderSize + type.size() + data.size());
  PutBigEndian(out, TimeBits(publish_time), 8);
  PutBigEndian(out, bytes_before, 8);
  PutBigEndian(out, type.size(), 4);
  out.append(type);
  out.append(data);
  return out;
}

absl::StatusOr<EventRecord> DecodeEventRecord(std::string_view bytes) {
  if (bytes.size() < kEventHeaderSize) {
    return absl::DataLossError(
        absl::StrCat("event record of ", bytes.size(), " bytes is truncated"));
  }
  EventRecord record;
  record.publish_time = TimeFromBits(GetBigEndian(bytes, 8));
  record.bytes_before = GetBigEndian(bytes, 8);
  const uint64_t type_size = GetBigEndian(bytes, 4);
  if (type_size > bytes.size()) {
    return absl::DataLossError("event record's type runs past its end");
  }
  record.type = std::string(bytes.substr(0, type_size));
  record.data = std::string(bytes.substr(type_size));
  return record;
}

}  // namespace herald::store
