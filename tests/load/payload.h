// The load tools' event payloads, stamped so that a receiver can account each delivery and
// time it without a side channel: "<seq> <send time in MonotonicNanos> " padded with 'x' to a
// size, or a JSON object of that size that starts with the same two numbers and goes on with
// the repeated keys of an ordinary event (what permessage-deflate is measured on).
//
//   std::string data = MakePayload(seq, 64);       // or MakeJsonPayload(seq, 512)
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

// Event `seq` stamped now as a JSON object of `size` bytes, or of its first fields alone when
// `size` is too small for them:
//   {"seq":7,"sent_ns":123,"type":"order.updated","items":[{"sku":...},...],"note":"..."}
std::string MakeJsonPayload(uint64_t seq, size_t size);

// False when `data` was made by neither MakePayload nor MakeJsonPayload.
bool ParsePayload(std::string_view data, uint64_t& seq, uint64_t& sent);

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_PAYLOAD_H_
