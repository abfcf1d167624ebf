#include "broker/engine/local/local_engine.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/core/status_macros.h"

namespace herald::engine {

LocalEngine::LocalEngine(Store& store, const Clock& clock, EngineOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

absl::Status LocalEngine::Load() {
  HERALD_ASSIGN_OR_RETURN(std::vector<StoredTopic> stored, store_.LoadTopics());
  MutexLock lock(mu_);
  for (const StoredTopic& topic : stored) {
    topics_[topic.config.name] =
        std::make_shared<TopicLog>(topic.config, topic.epoch, store_, clock_, sink_, topic.bounds);
  }
  return absl::OkStatus();
}

void LocalEngine::SetSink(EventSink sink) { sink_ = std::move(sink); }

absl::StatusOr<TopicInfo> LocalEngine::CreateTopic(const TopicConfig& config) {
  HERALD_RETURN_IF_ERROR(ValidateTopicConfig(config));
  std::shared_ptr<TopicLog> log;
  {
    MutexLock lock(mu_);
    if (topics_.contains(config.name)) {
      return absl::AlreadyExistsError(absl::StrCat("topic '", config.name, "' already exists"));
    }
    const uint32_t epoch = NewEpoch();
    HERALD_RETURN_IF_ERROR(store_.CreateTopic(config, epoch));
    log = std::make_shared<TopicLog>(config, epoch, store_, clock_, sink_);
    topics_.emplace(config.name, log);
  }
  return log->Info();
}

absl::StatusOr<std::shared_ptr<TopicLog>> LocalEngine::Find(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return TopicNotFound(name);
  return it->second;
}

absl::StatusOr<std::shared_ptr<TopicLog>> LocalEngine::FindOrCreate(std::string_view name) {
  absl::StatusOr<std::shared_ptr<TopicLog>> log = Find(name);
  if (log.ok() || !options_.auto_create_topics || !absl::IsNotFound(log.status())) return log;
  absl::StatusOr<TopicInfo> created =
      CreateTopic({.name = std::string(name), .retention = options_.default_retention});
  // Another publisher may have created it first; either way it exists now.
  if (!created.ok() && !absl::IsAlreadyExists(created.status())) return created.status();
  return Find(name);
}

absl::StatusOr<TopicInfo> LocalEngine::GetTopic(std::string_view name) const {
  HERALD_ASSIGN_OR_RETURN(std::shared_ptr<TopicLog> log, Find(name));
  return log->Info();
}

std::vector<TopicInfo> LocalEngine::ListTopics(std::string_view after, size_t limit) const {
  std::vector<std::shared_ptr<TopicLog>> logs;
  {
    MutexLock lock(mu_);
    auto it = after.empty() ? topics_.begin() : topics_.upper_bound(after);
    for (; it != topics_.end() && logs.size() < limit; ++it) logs.push_back(it->second);
  }
  std::vector<TopicInfo> infos;
  infos.reserve(logs.size());
  for (const auto& log : logs) infos.push_back(log->Info());
  return infos;
}

size_t LocalEngine::TopicCount() const {
  MutexLock lock(mu_);
  return topics_.size();
}

absl::StatusOr<TopicInfo> LocalEngine::UpdateTopic(const TopicConfig& config) {
  HERALD_RETURN_IF_ERROR(ValidateTopicConfig(config));
  HERALD_ASSIGN_OR_RETURN(std::shared_ptr<TopicLog> log, Find(config.name));
  HERALD_RETURN_IF_ERROR(store_.UpdateTopic(config));
  HERALD_RETURN_IF_ERROR(log->SetConfig(config));
  return log->Info();
}

absl::Status LocalEngine::DeleteTopic(std::string_view name) {
  MutexLock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return TopicNotFound(name);
  HERALD_RETURN_IF_ERROR(store_.DeleteTopic(name));
  topics_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<TopicLog>> LocalEngine::FindForPublish(
    const PublishRequest& request) {
  HERALD_RETURN_IF_ERROR(CheckPublish(request, options_));
  return FindOrCreate(request.topic);
}

void LocalEngine::Publish(PublishRequest request, PublishCallback done) {
  absl::StatusOr<std::shared_ptr<TopicLog>> log = FindForPublish(request);
  if (!log.ok()) {
    std::move(done)(log.status());
    return;
  }
  (*log)->Append(std::move(request), std::move(done));
}

absl::StatusOr<ReadResult> LocalEngine::ReadAfter(std::string_view topic, uint64_t after,
                                                  size_t max_events) const {
  HERALD_ASSIGN_OR_RETURN(std::shared_ptr<TopicLog> log, Find(topic));
  return log->ReadAfter(after, max_events);
}

}  // namespace herald::engine
