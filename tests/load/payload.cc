#include "tests/load/payload.h"

#include <charconv>
#include <cstdio>

#include "tests/load/measure.h"

namespace herald::load {
namespace {

constexpr std::string_view kJsonSeq = "{\"seq\":";
constexpr std::string_view kJsonSent = ",\"sent_ns\":";

// Line `i` of order `seq`: the same keys every time, values that vary as real ones do.
std::string OrderItem(uint64_t seq, uint64_t i) {
  char item[160];
  std::snprintf(item, sizeof item,
                R"({"sku":"SKU-%05llu","quantity":%llu,"unit_price_cents":%llu,"currency":"EUR"})",
                static_cast<unsigned long long>((seq * 31 + i * 7) % 100000),
                static_cast<unsigned long long>((seq + i) % 9 + 1),
                static_cast<unsigned long long>((seq * 7919 + i * 104729) % 100000));
  return item;
}

}  // namespace

std::string MakePayload(uint64_t seq, size_t size) {
  std::string data = std::to_string(seq) + " " + std::to_string(MonotonicNanos()) + " ";
  if (data.size() < size) data.append(size - data.size(), 'x');
  return data;
}

std::string MakeJsonPayload(uint64_t seq, size_t size) {
  std::string data = std::string(kJsonSeq) + std::to_string(seq) + std::string(kJsonSent) +
                     std::to_string(MonotonicNanos());
  constexpr std::string_view kType = ",\"type\":\"order.updated\",\"items\":[";
  constexpr std::string_view kEnd = "],\"note\":\"\"}";
  if (data.size() + kType.size() + kEnd.size() > size) return data + "}";
  data += kType;
  for (uint64_t i = 0;; ++i) {
    const std::string item = (i == 0 ? "" : ",") + OrderItem(seq, i);
    if (data.size() + item.size() + kEnd.size() > size) break;
    data += item;
  }
  data += "],\"note\":\"";
  // Less than an item's length is left: fill it with words rather than one repeated byte.
  constexpr std::string_view kNote = "leave the parcel at the front desk, ";
  for (size_t i = 0; data.size() + 2 < size; ++i) data.push_back(kNote[i % kNote.size()]);
  return data + "\"}";
}

bool ParsePayload(std::string_view data, uint64_t& seq, uint64_t& sent) {
  const bool json = data.starts_with(kJsonSeq);
  if (json) data.remove_prefix(kJsonSeq.size());
  const char* end = data.data() + data.size();
  auto r = std::from_chars(data.data(), end, seq);
  if (r.ec != std::errc() || r.ptr == end) return false;
  const std::string_view rest(r.ptr, static_cast<size_t>(end - r.ptr));
  const size_t separator = json ? kJsonSent.size() : 1;
  if (json && !rest.starts_with(kJsonSent)) return false;
  if (rest.size() <= separator) return false;
  r = std::from_chars(r.ptr + separator, end, sent);
  return r.ec == std::errc();
}

}  // namespace herald::load
