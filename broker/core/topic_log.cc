#include "broker/core/topic_log.h"

#include <algorithm>
#include <optional>
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

TopicLog::TopicLog(TopicConfig config, uint32_t epoch, herald::Store& store, const Clock& clock,
                   const EventSink& sink, StoredBounds bounds)
    : store_(store),
      clock_(clock),
      sink_(sink),
      epoch_(epoch),
      name_(config.name),
      config_(std::move(config)),
      bounds_(bounds),
      assigned_next_(bounds.next_offset) {}

void TopicLog::Append(PublishRequest request, PublishCallback done) {
  std::optional<absl::StatusOr<EventPtr>> answer;
  std::optional<Batch> batch;
  {
    MutexLock lock(mu_);
    bool waits_for_first = false;
    if (!request.dedup_key.empty()) {
      if (auto it = pending_dedup_.find(request.dedup_key); it != pending_dedup_.end()) {
        // The first publish is not stored yet: answer this one when it is.
        queued_.push_back({it->second, std::move(done), "", /*duplicate=*/true});
        waits_for_first = true;
      } else if (absl::StatusOr<EventPtr> stored = FindDuplicate(request.dedup_key);
                 !stored.ok() || *stored != nullptr) {
        answer = std::move(stored);
      }
    }
    if (!waits_for_first && !answer) {
      auto event = std::make_shared<Event>();
      event->topic = std::move(request.topic);
      event->offset = assigned_next_++;
      event->epoch = epoch_;
      event->type = std::move(request.type);
      event->data = std::move(request.data);
      last_publish_time_ = std::max(last_publish_time_, clock_.Now());
      event->publish_time = last_publish_time_;
      if (!request.dedup_key.empty()) pending_dedup_[request.dedup_key] = event;
      queued_.push_back({std::move(event), std::move(done), std::move(request.dedup_key)});
    }
    if (!answer) batch = TakeBatch();
  }
  if (answer) {
    std::move(done)(*std::move(answer));
    return;
  }
  if (batch) Store(*std::move(batch));
}

absl::StatusOr<EventPtr> TopicLog::FindDuplicate(const std::string& dedup_key) {
  absl::StatusOr<std::optional<uint64_t>> offset = store_.FindDedup(name_, dedup_key);
  if (!offset.ok()) return offset.status();
  if (!offset->has_value() || **offset < bounds_.first_offset) return nullptr;
  absl::StatusOr<std::vector<EventPtr>> events =
      store_.Read(name_, **offset, bounds_.next_offset, 1);
  if (!events.ok()) return events.status();
  return events->empty() ? nullptr : events->front();
}

std::optional<TopicLog::Batch> TopicLog::TakeBatch() {
  if (at_store_ || (queued_.empty() && !trim_due_ && !ExpiryDue())) return std::nullopt;
  at_store_ = true;
  trim_due_ = false;
  return std::exchange(queued_, {});
}

bool TopicLog::ExpiryDue() const {
  const absl::Duration max_age = config_.retention.max_age;
  return max_age > absl::ZeroDuration() && bounds_.oldest_time < clock_.Now() - max_age;
}

void TopicLog::Store(Batch batch) {
  // The store answers inline (memory) or later on its own thread (disk). Whoever sees the
  // answer second carries on: the caller's loop for an inline answer, which keeps the stack
  // flat under a steady stream of publishes, the store's thread otherwise.
  struct Handoff {
    Mutex mu;
    bool returned ABSL_GUARDED_BY(mu) = false;
    std::optional<absl::StatusOr<StoredBounds>> bounds ABSL_GUARDED_BY(mu);
    Batch batch;
  };
  std::shared_ptr<TopicLog> self = shared_from_this();
  for (;;) {
    AppendBatch append{.topic = name_};
    {
      MutexLock lock(mu_);
      append.retention = config_.retention;
    }
    append.now = clock_.Now();
    for (const Pending& pending : batch) {
      if (pending.duplicate) continue;
      append.events.push_back(pending.event);
      append.dedup_keys.push_back(pending.dedup_key);
    }
    auto handoff = std::make_shared<Handoff>();
    handoff->batch = std::move(batch);
    store_.Append(std::move(append), [self, handoff](absl::StatusOr<StoredBounds> bounds) {
      {
        MutexLock lock(handoff->mu);
        if (!handoff->returned) {
          handoff->bounds = std::move(bounds);
          return;
        }
      }
      if (std::optional<Batch> next = self->Stored(std::move(handoff->batch), std::move(bounds))) {
        self->Store(*std::move(next));
      }
    });
    std::optional<absl::StatusOr<StoredBounds>> bounds;
    {
      MutexLock lock(handoff->mu);
      handoff->returned = true;
      bounds = std::move(handoff->bounds);
    }
    if (!bounds) return;
    std::optional<Batch> next = Stored(std::move(handoff->batch), *std::move(bounds));
    if (!next) return;
    batch = *std::move(next);
  }
}

std::optional<TopicLog::Batch> TopicLog::Stored(Batch batch, absl::StatusOr<StoredBounds> bounds) {
  std::optional<Batch> next;
  {
    MutexLock lock(mu_);
    at_store_ = false;
    if (bounds.ok()) {
      bounds_ = *bounds;
      for (const Pending& pending : batch) {
        if (pending.duplicate) continue;
        if (!pending.dedup_key.empty()) {
          auto it = pending_dedup_.find(pending.dedup_key);
          if (it != pending_dedup_.end() && it->second == pending.event) pending_dedup_.erase(it);
        }
        if (sink_) sink_(pending.event);
      }
    } else {
      // Publishes queued behind the failed batch hold the offsets after it: fail them too, so
      // the next publish takes the first failed offset and no offset is ever skipped.
      for (Pending& pending : queued_) batch.push_back(std::move(pending));
      queued_.clear();
      pending_dedup_.clear();
      assigned_next_ = bounds_.next_offset;
    }
    next = TakeBatch();
  }
  for (Pending& pending : batch) {
    if (bounds.ok()) {
      std::move(pending.done)(pending.event);
    } else {
      std::move(pending.done)(bounds.status());
    }
  }
  return next;
}

void TopicLog::StartDueAppend() {
  std::optional<Batch> batch;
  {
    MutexLock lock(mu_);
    batch = TakeBatch();
  }
  if (batch) Store(*std::move(batch));
}

absl::StatusOr<ReadResult> TopicLog::ReadAfter(uint64_t after, size_t max_events) {
  StartDueAppend();
  StoredBounds bounds;
  RetentionPolicy retention;
  {
    MutexLock lock(mu_);
    bounds = bounds_;
    retention = config_.retention;
  }
  ReadResult result;
  result.epoch = epoch_;
  result.first_offset = FirstReadable(bounds, retention);
  result.last_offset = bounds.next_offset - 1;
  const uint64_t from = std::max(after + 1, result.first_offset);
  if (from < bounds.next_offset && max_events > 0) {
    absl::StatusOr<std::vector<EventPtr>> events =
        store_.Read(name_, from, bounds.next_offset, max_events);
    if (!events.ok()) return events.status();
    result.events = *std::move(events);
    // Trimmed between taking the bounds and reading: report the bound the read found.
    if (!result.events.empty() && result.events.front()->offset > from) {
      result.first_offset = result.events.front()->offset;
    }
    // A trim the store has not finished yet (age) still hides what it will remove.
    if (retention.max_age > absl::ZeroDuration()) {
      const absl::Time oldest_allowed = clock_.Now() - retention.max_age;
      auto kept = std::find_if(result.events.begin(), result.events.end(), [&](const EventPtr& e) {
        return e->publish_time >= oldest_allowed;
      });
      if (kept != result.events.begin()) {
        result.first_offset = (*(kept - 1))->offset + 1;
        result.events.erase(result.events.begin(), kept);
      }
    }
  }
  return result;
}

uint64_t TopicLog::FirstReadable(const StoredBounds& bounds, const RetentionPolicy& retention) {
  // A trim the store has not finished yet (a tighter max_events) already counts.
  const uint64_t retained = bounds.next_offset - bounds.first_offset;
  if (retained <= retention.max_events) return bounds.first_offset;
  return bounds.next_offset - retention.max_events;
}

TopicInfo TopicLog::Info() {
  StartDueAppend();
  MutexLock lock(mu_);
  return InfoLocked();
}

TopicInfo TopicLog::InfoLocked() const {
  TopicInfo info;
  info.config = config_;
  info.epoch = epoch_;
  info.first_offset = FirstReadable(bounds_, config_.retention);
  info.last_offset = bounds_.next_offset - 1;
  info.retained_bytes = bounds_.retained_bytes;
  return info;
}

absl::Status TopicLog::SetConfig(const TopicConfig& config) {
  {
    MutexLock lock(mu_);
    if (config.name != config_.name) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot rename topic '", config_.name, "' to '", config.name, "'"));
    }
    trim_due_ = trim_due_ || config.retention != config_.retention;
    config_ = config;
  }
  StartDueAppend();
  return absl::OkStatus();
}

}  // namespace herald
