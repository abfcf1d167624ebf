// The session layer's counts on /metrics, per transport: streams open, opened, closed by
// reason, ended without an event, stalled, and events delivered.
#ifndef HERALD_BROKER_SESSION_SESSION_COLLECTOR_H_
#define HERALD_BROKER_SESSION_SESSION_COLLECTOR_H_

#include <vector>

#include "broker/session/session_registry.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace herald::session {

// Thread-safe; `sessions` must outlive it while it is registered.
class SessionCollector final : public prometheus::Collectable {
 public:
  explicit SessionCollector(const SessionRegistry& sessions) : sessions_(sessions) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const SessionRegistry& sessions_;
};

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_SESSION_COLLECTOR_H_
