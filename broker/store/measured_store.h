// A Store that times what the node waits for: appends (call to `done`, which includes the
// sync under fsync durability) into herald_store_append_seconds, and reads of history (the
// replays that the in-memory history cannot serve) into herald_replay_read_seconds.
//
//   std::unique_ptr<Store> store = std::make_unique<MeasuredStore>(std::move(inner), metrics);
#ifndef HERALD_BROKER_STORE_MEASURED_STORE_H_
#define HERALD_BROKER_STORE_MEASURED_STORE_H_

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/core/store.h"
#include "broker/observe/metrics.h"

namespace herald::store {

// Thread-safe as the store it wraps. `metrics` must outlive it.
class MeasuredStore final : public Store {
 public:
  MeasuredStore(std::unique_ptr<Store> inner, observe::Metrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  absl::StatusOr<std::vector<StoredTopic>> LoadTopics() override { return inner_->LoadTopics(); }
  absl::Status CreateTopic(const TopicConfig& config, uint32_t epoch) override {
    return inner_->CreateTopic(config, epoch);
  }
  absl::Status UpdateTopic(const TopicConfig& config) override {
    return inner_->UpdateTopic(config);
  }
  absl::Status DeleteTopic(std::string_view topic) override { return inner_->DeleteTopic(topic); }
  void Append(AppendBatch batch, AppendDone done) override;
  void Flush() override { inner_->Flush(); }
  absl::StatusOr<std::optional<uint64_t>> FindDedup(std::string_view topic,
                                                    std::string_view dedup_key) const override {
    return inner_->FindDedup(topic, dedup_key);
  }
  absl::StatusOr<std::vector<EventPtr>> Read(std::string_view topic, uint64_t from, uint64_t end,
                                             size_t max_events) const override;

 private:
  const std::unique_ptr<Store> inner_;
  observe::Metrics& metrics_;
};

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_MEASURED_STORE_H_
