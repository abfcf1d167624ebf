#include "broker/core/engine.h"

#include <future>
#include <utility>

namespace herald {

absl::StatusOr<EventPtr> PublishAndWait(Engine& engine, PublishRequest request) {
  std::promise<absl::StatusOr<EventPtr>> outcome;
  std::future<absl::StatusOr<EventPtr>> result = outcome.get_future();
  engine.Publish(std::move(request), [&outcome](absl::StatusOr<EventPtr> event) {
    outcome.set_value(std::move(event));
  });
  return result.get();
}

}  // namespace herald
