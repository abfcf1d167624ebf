#include "broker/store/memory/memory_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

absl::Status MemoryStore::Append(const EventPtr& event) {
  std::shared_ptr<Ring> ring = Find(event->topic);
  if (!ring) return TopicNotFound(event->topic);
  MutexLock lock(ring->mu);
  if (ring->events.empty()) ring->first_offset = event->offset;
  ring->events.push_back(event);
  return absl::OkStatus();
}

absl::Status MemoryStore::TrimBefore(std::string_view topic, uint64_t first_kept) {
  std::shared_ptr<Ring> ring = Find(topic);
  if (!ring) return TopicNotFound(topic);
  MutexLock lock(ring->mu);
  while (!ring->events.empty() && ring->first_offset < first_kept) {
    ring->events.pop_front();
    ++ring->first_offset;
  }
  if (ring->events.empty()) ring->first_offset = first_kept;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventPtr>> MemoryStore::Read(std::string_view topic, uint64_t from,
                                                        size_t max_events) const {
  std::shared_ptr<Ring> ring = Find(topic);
  if (!ring) return TopicNotFound(topic);
  MutexLock lock(ring->mu);
  std::vector<EventPtr> events;
  const uint64_t start = std::max(from, ring->first_offset);
  const uint64_t end = ring->first_offset + ring->events.size();
  if (start >= end) return events;
  const uint64_t count = std::min<uint64_t>(end - start, max_events);
  events.reserve(count);
  auto first = ring->events.begin() + static_cast<ptrdiff_t>(start - ring->first_offset);
  events.assign(first, first + static_cast<ptrdiff_t>(count));
  return events;
}

}  // namespace herald::store
