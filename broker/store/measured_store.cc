#include "broker/store/measured_store.h"

#include <utility>

namespace herald::store {

void MeasuredStore::Append(AppendBatch batch, AppendDone done) {
  inner_->Append(std::move(batch),
                 [&metrics = metrics_, started = observe::Stopwatch(),
                  done = std::move(done)](absl::StatusOr<StoredBounds> bounds) mutable {
                   started.Stop(metrics.store_append_seconds());
                   std::move(done)(std::move(bounds));
                 });
}

absl::StatusOr<std::vector<EventPtr>> MeasuredStore::Read(std::string_view topic, uint64_t from,
                                                          uint64_t end, size_t max_events) const {
  const observe::Stopwatch started;
  absl::StatusOr<std::vector<EventPtr>> events = inner_->Read(topic, from, end, max_events);
  started.Stop(metrics_.replay_read_seconds());
  return events;
}

}  // namespace herald::store
