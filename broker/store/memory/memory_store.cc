#include "broker/store/memory/memory_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/core/retention.h"
#include "broker/core/string_view.h"

namespace herald::store {
namespace {

absl::Status TopicNotFound(std::string_view topic) {
  return absl::NotFoundError(absl::StrFormat("topic '%s' not found in the memory store", topic));
}

}  // namespace

absl::StatusOr<std::vector<StoredTopic>> MemoryStore::LoadTopics() {
  return std::vector<StoredTopic>{};
}

absl::Status MemoryStore::CreateTopic(const TopicConfig& config, uint32_t) {
  MutexLock lock(mu_);
  auto [it, inserted] = rings_.try_emplace(config.name, std::make_shared<Ring>());
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("topic '", config.name, "' already exists"));
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::UpdateTopic(const TopicConfig& config) {
  return Find(config.name) ? absl::OkStatus() : TopicNotFound(config.name);
}

absl::Status MemoryStore::DeleteTopic(std::string_view topic) {
  MutexLock lock(mu_);
  return rings_.erase(AbslView(topic)) ? absl::OkStatus() : TopicNotFound(topic);
}

std::shared_ptr<MemoryStore::Ring> MemoryStore::Find(std::string_view topic) const {
  MutexLock lock(mu_);
  auto it = rings_.find(AbslView(topic));
  return it == rings_.end() ? nullptr : it->second;
}

void MemoryStore::Append(AppendBatch batch, AppendDone done) {
  std::shared_ptr<Ring> ring = Find(batch.topic);
  absl::StatusOr<StoredBounds> bounds = TopicNotFound(batch.topic);
  if (ring) {
    MutexLock lock(ring->mu);
    bounds = AppendToRing(*ring, batch);
  }
  // Answered without the ring's lock: the topic log carries on from inside `done`.
  std::move(done)(std::move(bounds));
}

absl::StatusOr<StoredBounds> MemoryStore::AppendToRing(Ring& ring, AppendBatch& batch) {
  for (size_t i = 0; i < batch.events.size(); ++i) {
    EventPtr& event = batch.events[i];
    if (ring.events.empty()) ring.first_offset = event->offset;
    if (!batch.dedup_keys[i].empty()) ring.dedup_offsets[batch.dedup_keys[i]] = event->offset;
    const uint64_t bytes = event->Bytes();
    ring.events.push_back({std::move(event), ring.total_bytes, std::move(batch.dedup_keys[i])});
    ring.total_bytes += bytes;
  }
  const uint64_t next = ring.first_offset + ring.events.size();
  const uint64_t first =
      FirstRetained(batch.retention, batch.now,
                    {.first = ring.first_offset, .next = next, .total_bytes = ring.total_bytes},
                    [&ring](uint64_t offset) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                      const Retained& retained = ring.events[offset - ring.first_offset];
                      return RetainedMark{retained.bytes_before, retained.event->publish_time};
                    });
  while (ring.first_offset < first) {
    Retained& oldest = ring.events.front();
    if (!oldest.dedup_key.empty()) {
      auto it = ring.dedup_offsets.find(oldest.dedup_key);
      if (it != ring.dedup_offsets.end() && it->second == ring.first_offset) {
        ring.dedup_offsets.erase(it);
      }
    }
    ring.events.pop_front();
    ++ring.first_offset;
  }
  StoredBounds bounds{.first_offset = ring.first_offset, .next_offset = next};
  if (!ring.events.empty()) {
    bounds.retained_bytes = ring.total_bytes - ring.events.front().bytes_before;
    bounds.oldest_time = ring.events.front().event->publish_time;
  }
  return bounds;
}

absl::StatusOr<std::optional<uint64_t>> MemoryStore::FindDedup(std::string_view topic,
                                                               std::string_view dedup_key) const {
  std::shared_ptr<Ring> ring = Find(topic);
  if (!ring) return TopicNotFound(topic);
  MutexLock lock(ring->mu);
  auto it = ring->dedup_offsets.find(AbslView(dedup_key));
  if (it == ring->dedup_offsets.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::vector<EventPtr>> MemoryStore::Read(std::string_view topic, uint64_t from,
                                                        uint64_t end, size_t max_events) const {
  std::shared_ptr<Ring> ring = Find(topic);
  if (!ring) return TopicNotFound(topic);
  MutexLock lock(ring->mu);
  std::vector<EventPtr> events;
  const uint64_t start = std::max(from, ring->first_offset);
  const uint64_t stop = std::min<uint64_t>(end, ring->first_offset + ring->events.size());
  if (start >= stop) return events;
  const uint64_t count = std::min<uint64_t>(stop - start, max_events);
  events.reserve(count);
  auto it = ring->events.begin() + static_cast<ptrdiff_t>(start - ring->first_offset);
  for (uint64_t i = 0; i < count; ++i, ++it) events.push_back(it->event);
  return events;
}

}  // namespace herald::store
