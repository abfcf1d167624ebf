#include "broker/fanout/outbound_queue.h"

#include <utility>

namespace herald::fanout {

void OutboundQueue::PushShared(std::shared_ptr<const void> owner, std::string_view bytes) {
  pending_bytes_ += bytes.size();
  pending_.push_back({std::move(owner), {}, bytes});
}

void OutboundQueue::PushOwned(std::string bytes) {
  pending_bytes_ += bytes.size();
  // The view is set in Prepare(): moving chunks would leave it pointing into a moved-from
  // small string.
  pending_.push_back({nullptr, std::move(bytes), {}});
}

const std::vector<boost::asio::const_buffer>& OutboundQueue::Prepare() {
  in_flight_.swap(pending_);
  in_flight_bytes_ += pending_bytes_;
  pending_bytes_ = 0;
  buffers_.clear();
  buffers_.reserve(in_flight_.size());
  for (const Chunk& chunk : in_flight_) {
    const std::string_view bytes = chunk.owner ? chunk.bytes : std::string_view(chunk.owned);
    buffers_.emplace_back(bytes.data(), bytes.size());
  }
  return buffers_;
}

void OutboundQueue::Consume() {
  in_flight_.clear();
  in_flight_bytes_ = 0;
  buffers_.clear();
}

}  // namespace herald::fanout
