#include "broker/fanout/encoded_history.h"

#include <algorithm>
#include <utility>

#include "broker/core/string_view.h"

namespace herald::fanout {

size_t EncodedBytes(const EncodedEvent& event) {
  return event.cursor.size() + event.sse_fields.size() + event.sse_frame.size() +
         event.ws_frame.size() + event.event->Bytes() + sizeof(EncodedEvent) + sizeof(Event);
}

EncodedHistory::EncodedHistory(EncodedHistoryLimits limits) : limits_(limits) {}

void EncodedHistory::Record(std::shared_ptr<const EncodedEvent> event) {
  const Event& e = *event->event;
  const size_t bytes = EncodedBytes(*event);
  MutexLock lock(mu_);
  Tail& tail = tails_[e.topic];
  if (tail.epoch != e.epoch || tail.first + tail.events.size() != e.offset) {
    // A new history, or a gap (kept events would no longer be consecutive): start afresh.
    total_bytes_ -= tail.bytes;
    tail = Tail{.epoch = e.epoch, .first = e.offset};
  }
  tail.events.push_back(std::move(event));
  tail.bytes += bytes;
  total_bytes_ += bytes;
  while (!tail.events.empty() &&
         (tail.events.size() > limits_.events_per_topic || tail.bytes > limits_.bytes_per_topic ||
          total_bytes_ > limits_.total_bytes)) {
    DropOldest(tail);
  }
}

void EncodedHistory::DropOldest(Tail& tail) {
  const size_t bytes = EncodedBytes(*tail.events.front());
  tail.bytes -= bytes;
  total_bytes_ -= bytes;
  tail.events.pop_front();
  ++tail.first;
}

bool EncodedHistory::ReadTail(std::string_view topic, uint32_t epoch, uint64_t from, uint64_t to,
                              size_t max_events, EncodedRead& read) {
  MutexLock lock(mu_);
  auto it = tails_.find(AbslView(topic));
  if (it == tails_.end()) return false;
  const Tail& tail = it->second;
  if (tail.epoch != epoch || from < tail.first) return false;
  const uint64_t end = std::min<uint64_t>(to + 1, tail.first + tail.events.size());
  for (uint64_t offset = from; offset < end && read.events.size() < max_events; ++offset) {
    read.events.push_back(tail.events[offset - tail.first]);
  }
  return true;
}

absl::StatusOr<EncodedRead> EncodedHistory::Read(const Engine& engine, std::string_view topic,
                                                 uint64_t after, size_t max_events) {
  absl::StatusOr<TopicInfo> info = engine.GetTopic(topic);
  if (!info.ok()) return info.status();
  EncodedRead read{
      .epoch = info->epoch, .first_offset = info->first_offset, .last_offset = info->last_offset};
  const uint64_t from = std::max(after + 1, info->first_offset);
  // Every event up to last_offset has been recorded by the time the engine reports it (the
  // sink records under the topic's lock), so kept events that reach back to `from` are the
  // whole answer.
  if (from > info->last_offset ||
      ReadTail(topic, info->epoch, from, info->last_offset, max_events, read)) {
    return read;
  }
  absl::StatusOr<EncodedRead> block = ReadBlock(engine, topic, *info, from);
  if (!block.ok()) return block.status();
  read = EncodedRead{.epoch = block->epoch,
                     .first_offset = block->first_offset,
                     .last_offset = block->last_offset};
  for (std::shared_ptr<const EncodedEvent>& event : block->events) {
    if (read.events.size() == max_events) break;
    if (event->event->offset >= from) read.events.push_back(std::move(event));
  }
  return read;
}

absl::StatusOr<EncodedRead> EncodedHistory::ReadBlock(const Engine& engine, std::string_view topic,
                                                      const TopicInfo& info, uint64_t from) {
  const uint64_t block_first = (from - 1) / limits_.block_events * limits_.block_events + 1;
  const BlockKey key{std::string(topic), info.epoch, block_first};
  {
    MutexLock lock(mu_);
    if (auto it = block_index_.find(key); it != block_index_.end()) {
      blocks_.splice(blocks_.begin(), blocks_, it->second);
      return EncodedRead{.epoch = info.epoch,
                         .first_offset = info.first_offset,
                         .last_offset = info.last_offset,
                         .events = it->second->events};
    }
  }
  absl::StatusOr<ReadResult> stored =
      engine.ReadAfter(topic, block_first - 1, limits_.block_events);
  if (!stored.ok()) return stored.status();
  EncodedRead read{.epoch = stored->epoch,
                   .first_offset = stored->first_offset,
                   .last_offset = stored->last_offset};
  read.events.reserve(stored->events.size());
  Block block{.key = key};
  for (EventPtr& event : stored->events) {
    read.events.push_back(EncodeEvent(std::move(event)));
    block.bytes += EncodedBytes(*read.events.back());
  }
  // Only whole blocks of the epoch asked for are kept: a partial one would grow or shrink.
  const bool whole = stored->epoch == info.epoch && read.events.size() == limits_.block_events &&
                     read.events.front()->event->offset == block_first;
  if (whole && block.bytes <= limits_.block_cache_bytes) {
    block.events = read.events;
    MutexLock lock(mu_);
    if (!block_index_.contains(key)) {
      block_bytes_ += block.bytes;
      blocks_.push_front(std::move(block));
      block_index_[key] = blocks_.begin();
      while (block_bytes_ > limits_.block_cache_bytes) {
        block_bytes_ -= blocks_.back().bytes;
        block_index_.erase(blocks_.back().key);
        blocks_.pop_back();
      }
    }
  }
  return read;
}

}  // namespace herald::fanout
