// The load tools' event payload: "<seq> <send time in MonotonicNanos> " padded with 'x' to
// a size, so that a receiver can account each delivery and time it without a side channel.
//
//   std::string data = MakePayload(seq, 64);
//   uint64_t seq, sent;
//   if (ParsePayload(data, seq, sent)) latency = MonotonicNanos() - sent;
#ifndef HERALD_TESTS_LOAD_PAYLOAD_H_
#define HERALD_TESTS_LOAD_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::load {

// Event `seq` stamped now, at least `size` bytes.
std::string MakePayload(uint64_t seq, size_t size);

// False when `data` was not made by MakePayload.
bool ParsePayload(std::string_view data, uint64_t& seq, uint64_t& sent);

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_PAYLOAD_H_
