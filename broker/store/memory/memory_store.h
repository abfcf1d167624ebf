// The memory store: each topic's retained events in a ring in RAM. Nothing survives the
// process; the library's default and the fastest store.
//
//   MemoryStore store;
//   LocalEngine engine(store, SystemClock(), {});
#ifndef HERALD_BROKER_STORE_MEMORY_MEMORY_STORE_H_
#define HERALD_BROKER_STORE_MEMORY_MEMORY_STORE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "broker/core/mutex.h"
#include "broker/core/store.h"

namespace herald::store {

// Thread-safe.
class MemoryStore final : public Store {
 public:
  absl::StatusOr<std::vector<StoredTopic>> LoadTopics() override;
  absl::Status CreateTopic(const TopicConfig& config, uint32_t epoch) override;
  absl::Status UpdateTopic(const TopicConfig& config) override;
  absl::Status DeleteTopic(std::string_view topic) override;
  absl::Status Append(const EventPtr& event) override;
  absl::Status TrimBefore(std::string_view topic, uint64_t first_kept) override;
  absl::StatusOr<std::vector<EventPtr>> Read(std::string_view topic, uint64_t from,
                                             size_t max_events) const override;

 private:
  struct Ring {
    mutable Mutex mu;
    // events[i] has offset first_offset + i.
    uint64_t first_offset ABSL_GUARDED_BY(mu) = 1;
    std::deque<EventPtr> events ABSL_GUARDED_BY(mu);
  };

  std::shared_ptr<Ring> Find(std::string_view topic) const;

  mutable Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Ring>> rings_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_MEMORY_MEMORY_STORE_H_
