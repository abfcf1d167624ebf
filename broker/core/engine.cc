#include "broker/core/engine.h"

#include <memory>
#include <utility>

#include "broker/core/outcome.h"

namespace herald {

absl::StatusOr<EventPtr> PublishAndWait(Engine& engine, PublishRequest request) {
  auto outcome = std::make_shared<Outcome<absl::StatusOr<EventPtr>>>();
  engine.Publish(std::move(request),
                 [outcome](absl::StatusOr<EventPtr> event) { outcome->Set(std::move(event)); });
  return outcome->Wait();
}

}  // namespace herald
