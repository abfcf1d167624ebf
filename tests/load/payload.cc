#include "tests/load/payload.h"

#include <charconv>

#include "tests/load/measure.h"

namespace herald::load {

std::string MakePayload(uint64_t seq, size_t size) {
  std::string data = std::to_string(seq) + " " + std::to_string(MonotonicNanos()) + " ";
  if (data.size() < size) data.append(size - data.size(), 'x');
  return data;
}

bool ParsePayload(std::string_view data, uint64_t& seq, uint64_t& sent) {
  const char* p = data.data();
  const char* end = p + data.size();
  auto r = std::from_chars(p, end, seq);
  if (r.ec != std::errc() || r.ptr == end) return false;
  r = std::from_chars(r.ptr + 1, end, sent);
  return r.ec == std::errc();
}

}  // namespace herald::load
