#include "broker/core/cursor.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/core/string_view.h"

namespace herald {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kChecksumBytes = 4;
// The longest cursor text Parse() looks at: kMaxEntries entries of at most 18 bytes each.
constexpr size_t kMaxEncodedLength = 1600;

uint32_t Fnv1a(std::string_view bytes, uint32_t hash = 2166136261u) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

// The checksum starts from a different basis than topic hashes so that a cursor's bytes
// never checksum to a topic hash by construction.
uint32_t Checksum(std::string_view bytes) { return Fnv1a(bytes, 0x9e3779b9u); }

void PutFixed32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads the binary form front to back; every getter fails rather than read past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return bytes_.empty(); }

  bool GetFixed32(uint32_t& v) {
    if (bytes_.size() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes_[i]);
    bytes_.remove_prefix(4);
    return true;
  }

  bool GetVarint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && !bytes_.empty(); shift += 7) {
      const auto byte = static_cast<unsigned char>(bytes_.front());
      bytes_.remove_prefix(1);
      // The tenth byte may hold only the top bit of a 64-bit value.
      if (shift == 63 && byte > 1) return false;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

 private:
  std::string_view bytes_;
};

absl::Status Malformed(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "malformed cursor: %s; resume from the id of an event Herald delivered, or omit it", why));
}

}  // namespace

uint32_t TopicHash(std::string_view topic) { return Fnv1a(topic); }

std::string EncodeTopicCursor(std::string_view topic, uint32_t epoch, uint64_t offset) {
  Cursor cursor;
  cursor.Set(topic, epoch, offset);
  return cursor.Encode();
}

void Cursor::Set(std::string_view topic, uint32_t epoch, uint64_t offset) {
  const uint32_t hash = TopicHash(topic);
  for (CursorEntry& entry : entries_) {
    if (entry.topic_hash == hash) {
      entry.epoch = epoch;
      entry.offset = offset;
      return;
    }
  }
  entries_.push_back({hash, epoch, offset});
}

const CursorEntry* Cursor::Find(std::string_view topic) const {
  const uint32_t hash = TopicHash(topic);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [hash](const CursorEntry& e) { return e.topic_hash == hash; });
  return it == entries_.end() ? nullptr : &*it;
}

std::string Cursor::Encode() const {
  std::string bytes;
  bytes.reserve(1 + entries_.size() * 18 + kChecksumBytes);
  bytes.push_back(static_cast<char>(kVersion));
  for (const CursorEntry& entry : entries_) {
    PutFixed32(bytes, entry.topic_hash);
    PutFixed32(bytes, entry.epoch);
    PutVarint(bytes, entry.offset);
  }
  PutFixed32(bytes, Checksum(bytes));
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<Cursor> Cursor::Parse(std::string_view text) {
  if (text.empty()) return Malformed("it is empty");
  if (text.size() > kMaxEncodedLength) {
    return Malformed(absl::StrCat("it is ", text.size(), " characters long"));
  }
  std::string bytes;
  // absl's decoder also skips whitespace and takes padding and stray low bits: only the
  // canonical text Encode() writes is a cursor, so one position has one id.
  if (!absl::WebSafeBase64Unescape(AbslView(text), &bytes) ||
      absl::WebSafeBase64Escape(bytes) != AbslView(text)) {
    return Malformed("it is not unpadded base64url (A-Z a-z 0-9 - _)");
  }
  if (bytes.size() < 1 + kChecksumBytes) return Malformed("it is too short");
  const std::string_view body(bytes.data(), bytes.size() - kChecksumBytes);
  uint32_t stored_checksum = 0;
  Reader(std::string_view(bytes).substr(body.size())).GetFixed32(stored_checksum);
  if (stored_checksum != Checksum(body)) return Malformed("its checksum does not match");
  if (static_cast<uint8_t>(body[0]) != kVersion) {
    return Malformed(absl::StrCat("unknown version ", static_cast<int>(body[0])));
  }
  Cursor cursor;
  Reader reader(body.substr(1));
  while (!reader.done()) {
    CursorEntry entry;
    if (!reader.GetFixed32(entry.topic_hash) || !reader.GetFixed32(entry.epoch) ||
        !reader.GetVarint(entry.offset)) {
      return Malformed("an entry is truncated");
    }
    for (const CursorEntry& seen : cursor.entries_) {
      if (seen.topic_hash == entry.topic_hash) return Malformed("a topic appears twice");
    }
    if (cursor.entries_.size() == kMaxEntries) {
      return Malformed(absl::StrCat("it has more than ", kMaxEntries, " topics"));
    }
    cursor.entries_.push_back(entry);
  }
  return cursor;
}

}  // namespace herald
