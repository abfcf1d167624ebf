// Cursors: where a subscriber stands in each topic of its subscription.
//
// A cursor is opaque to clients and stateless: it carries, per topic, a hash of the topic's
// name, the epoch of the history it was read from, and the last offset delivered. Any node
// can resume it. It is short (about 18 characters per topic) and checksummed, so a truncated
// or edited cursor is rejected rather than silently restarting from zero.
//
//   Cursor cursor;
//   cursor.Set("orders", epoch, 42);
//   std::string text = cursor.Encode();
//   absl::StatusOr<Cursor> back = Cursor::Parse(text);
//   const CursorEntry* entry = back->Find("orders");  // entry->offset == 42
#ifndef HERALD_BROKER_CORE_CURSOR_H_
#define HERALD_BROKER_CORE_CURSOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace herald {

// A stable 32-bit hash of a topic name (FNV-1a): the same on every node and every build.
uint32_t TopicHash(std::string_view topic);

struct CursorEntry {
  uint32_t topic_hash = 0;
  uint32_t epoch = 0;
  // The last offset delivered; resume continues after it. 0: nothing delivered yet.
  uint64_t offset = 0;

  friend bool operator==(const CursorEntry&, const CursorEntry&) = default;
};

// The encoded cursor of one topic positioned at `offset` of history `epoch`: the id of a
// one-topic event, a publish acknowledgement, or a subscription's starting point.
std::string EncodeTopicCursor(std::string_view topic, uint32_t epoch, uint64_t offset);

// A value type. Distinct objects: safe. Shared objects: unsafe.
class Cursor {
 public:
  // The most topics one cursor (and so one subscription) holds.
  static constexpr size_t kMaxEntries = 64;

  // Records the position of `topic`, replacing any earlier one.
  void Set(std::string_view topic, uint32_t epoch, uint64_t offset);
  // The entry for `topic`, or nullptr when the cursor does not mention it.
  const CursorEntry* Find(std::string_view topic) const;
  const std::vector<CursorEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // URL-safe base64 without padding: fits in an SSE id, a query parameter and JSON as is.
  std::string Encode() const;
  // InvalidArgument, saying what is wrong, for anything Encode() did not produce.
  static absl::StatusOr<Cursor> Parse(std::string_view text);

  friend bool operator==(const Cursor&, const Cursor&) = default;

 private:
  std::vector<CursorEntry> entries_;
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_CURSOR_H_
