// The memory store: each topic's retained events in a ring in RAM. Nothing survives the
// process; the library's default and the fastest store. Appends complete inline.
//
//   MemoryStore store;
//   LocalEngine engine(store, SystemClock(), {});
#ifndef HERALD_BROKER_STORE_MEMORY_MEMORY_STORE_H_
#define HERALD_BROKER_STORE_MEMORY_MEMORY_STORE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
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
  void Append(AppendBatch batch, AppendDone done) override;
  void Flush() override {}
  absl::StatusOr<std::optional<uint64_t>> FindDedup(std::string_view topic,
                                                    std::string_view dedup_key) const override;
  absl::StatusOr<std::vector<EventPtr>> Read(std::string_view topic, uint64_t from, uint64_t end,
                                             size_t max_events) const override;

 private:
  struct Retained {
    EventPtr event;
    uint64_t bytes_before;
    std::string dedup_key;
  };
  struct Ring {
    mutable Mutex mu;
    // events[i] has offset first_offset + i.
    uint64_t first_offset ABSL_GUARDED_BY(mu) = 1;
    uint64_t total_bytes ABSL_GUARDED_BY(mu) = 0;
    std::deque<Retained> events ABSL_GUARDED_BY(mu);
    absl::flat_hash_map<std::string, uint64_t> dedup_offsets ABSL_GUARDED_BY(mu);
  };

  std::shared_ptr<Ring> Find(std::string_view topic) const;
  static absl::StatusOr<StoredBounds> AppendToRing(Ring& ring, AppendBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(ring.mu);

  mutable Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Ring>> rings_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_MEMORY_MEMORY_STORE_H_
