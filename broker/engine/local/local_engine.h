// The local engine: every topic in this process, over one Store.
//
//   store::MemoryStore store;
//   engine::LocalEngine engine(store, SystemClock(), {});
//   HERALD_RETURN_IF_ERROR(engine.CreateTopic({.name = "orders"}).status());
#ifndef HERALD_BROKER_ENGINE_LOCAL_LOCAL_ENGINE_H_
#define HERALD_BROKER_ENGINE_LOCAL_LOCAL_ENGINE_H_

#include <map>
#include <memory>
#include <string>

#include "broker/core/clock.h"
#include "broker/core/engine.h"
#include "broker/core/mutex.h"
#include "broker/core/store.h"
#include "broker/core/topic_log.h"
#include "broker/engine/options.h"

namespace herald::engine {

// Thread-safe. Publishes to different topics proceed in parallel; the registry lock is held
// only to find a topic.
class LocalEngine final : public Engine {
 public:
  // `store` and `clock` must outlive the engine. Call Load() before use when the store may
  // hold topics from an earlier run.
  LocalEngine(Store& store, const Clock& clock, EngineOptions options);

  // Rebuilds the registry from the store's topic metadata (no events are read).
  absl::Status Load();

  void SetSink(EventSink sink) override;
  absl::StatusOr<TopicInfo> CreateTopic(const TopicConfig& config) override;
  absl::StatusOr<TopicInfo> GetTopic(std::string_view name) const override;
  std::vector<TopicInfo> ListTopics(std::string_view after, size_t limit) const override;
  size_t TopicCount() const override;
  absl::StatusOr<TopicInfo> UpdateTopic(const TopicConfig& config) override;
  absl::Status DeleteTopic(std::string_view name) override;
  void Publish(PublishRequest request, PublishCallback done) override;
  absl::StatusOr<ReadResult> ReadAfter(std::string_view topic, uint64_t after,
                                       size_t max_events) const override;

 private:
  absl::StatusOr<std::shared_ptr<TopicLog>> Find(std::string_view name) const;
  absl::StatusOr<std::shared_ptr<TopicLog>> FindOrCreate(std::string_view name);
  // The topic a publish goes to, once the request passed validation.
  absl::StatusOr<std::shared_ptr<TopicLog>> FindForPublish(const PublishRequest& request);

  Store& store_;
  const Clock& clock_;
  const EngineOptions options_;
  EventSink sink_;

  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<TopicLog>, std::less<>> topics_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::engine

#endif  // HERALD_BROKER_ENGINE_LOCAL_LOCAL_ENGINE_H_
