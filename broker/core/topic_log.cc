#include "broker/core/topic_log.h"

#include <memory>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"

namespace herald {

uint32_t NewEpoch() {
  static Mutex mu;
  static std::mt19937 gen ABSL_GUARDED_BY(mu){std::random_device{}()};
  MutexLock lock(mu);
  uint32_t epoch = 0;
  while (epoch == 0) epoch = static_cast<uint32_t>(gen());
  return epoch;
}

TopicLog::TopicLog(TopicConfig config, uint32_t epoch, Store& store, const Clock& clock,
                   const std::vector<EventPtr>& stored)
    : store_(store), clock_(clock), epoch_(epoch), config_(std::move(config)) {
  MutexLock lock(mu_);
  if (!stored.empty()) {
    first_offset_ = stored.front()->offset;
    next_offset_ = first_offset_;
  }
  for (const EventPtr& event : stored) {
    Remember(*event, "");
    ++next_offset_;
  }
  EnforceRetention();
}

absl::StatusOr<EventPtr> TopicLog::Append(PublishRequest request, const EventSink& sink) {
  MutexLock lock(mu_);
  if (!request.dedup_key.empty()) {
    if (auto it = dedup_offsets_.find(request.dedup_key); it != dedup_offsets_.end()) {
      absl::StatusOr<std::vector<EventPtr>> previous =
          store_.Read(config_.name, it->second, 1);
      if (!previous.ok()) return previous.status();
      if (!previous->empty()) return previous->front();
    }
  }
  auto event = std::make_shared<Event>();
  event->topic = std::move(request.topic);
  event->offset = next_offset_;
  event->epoch = epoch_;
  event->type = std::move(request.type);
  event->data = std::move(request.data);
  event->publish_time = clock_.Now();
  EventPtr stored = std::move(event);
  if (absl::Status status = store_.Append(stored); !status.ok()) return status;
  ++next_offset_;
  Remember(*stored, std::move(request.dedup_key));
  EnforceRetention();
  if (sink) sink(stored);
  return stored;
}

void TopicLog::Remember(const Event& event, std::string dedup_key) {
  retained_bytes_ += event.Bytes();
  if (!dedup_key.empty()) dedup_offsets_[dedup_key] = event.offset;
  retained_.push_back({event.Bytes(), event.publish_time, std::move(dedup_key)});
}

void TopicLog::EnforceRetention() {
  const RetentionPolicy& policy = config_.retention;
  const bool age_bounded = policy.max_age > absl::ZeroDuration();
  const absl::Time oldest_allowed = age_bounded ? clock_.Now() - policy.max_age
                                                : absl::InfinitePast();
  const uint64_t first_before = first_offset_;
  while (!retained_.empty()) {
    const Retained& oldest = retained_.front();
    const bool over = retained_.size() > policy.max_events ||
                      (policy.max_bytes > 0 && retained_bytes_ > policy.max_bytes) ||
                      (age_bounded && oldest.publish_time < oldest_allowed);
    if (!over) break;
    retained_bytes_ -= oldest.bytes;
    if (!oldest.dedup_key.empty()) {
      auto it = dedup_offsets_.find(oldest.dedup_key);
      if (it != dedup_offsets_.end() && it->second == first_offset_) dedup_offsets_.erase(it);
    }
    retained_.pop_front();
    ++first_offset_;
  }
  if (first_offset_ != first_before) {
    // A failed trim leaves extra history in the store, which costs space but never
    // correctness: reads start from first_offset_.
    store_.TrimBefore(config_.name, first_offset_).IgnoreError();
  }
}

absl::StatusOr<ReadResult> TopicLog::ReadAfter(uint64_t after, size_t max_events) {
  MutexLock lock(mu_);
  EnforceRetention();
  ReadResult result;
  result.epoch = epoch_;
  result.first_offset = first_offset_;
  result.last_offset = next_offset_ - 1;
  const uint64_t from = std::max(after + 1, first_offset_);
  if (from < next_offset_ && max_events > 0) {
    absl::StatusOr<std::vector<EventPtr>> events = store_.Read(config_.name, from, max_events);
    if (!events.ok()) return events.status();
    result.events = *std::move(events);
  }
  return result;
}

TopicInfo TopicLog::Info() {
  MutexLock lock(mu_);
  EnforceRetention();
  return InfoLocked();
}

TopicInfo TopicLog::InfoLocked() const {
  TopicInfo info;
  info.config = config_;
  info.epoch = epoch_;
  info.first_offset = first_offset_;
  info.last_offset = next_offset_ - 1;
  info.retained_bytes = retained_bytes_;
  return info;
}

absl::Status TopicLog::SetConfig(const TopicConfig& config) {
  MutexLock lock(mu_);
  if (config.name != config_.name) {
    return absl::InvalidArgumentError(absl::StrCat("cannot rename topic '", config_.name,
                                                   "' to '", config.name, "'"));
  }
  config_ = config;
  EnforceRetention();
  return absl::OkStatus();
}

}  // namespace herald
