// The standard process_* metrics of a Linux process, read from /proc/self on each scrape:
// CPU seconds, resident and virtual memory, open and maximum file descriptors, start time.
#ifndef HERALD_BROKER_OBSERVE_PROCESS_COLLECTOR_H_
#define HERALD_BROKER_OBSERVE_PROCESS_COLLECTOR_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace herald::observe {

// Thread-safe (it keeps no state). What /proc does not answer is left out of the scrape.
class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace herald::observe

#endif  // HERALD_BROKER_OBSERVE_PROCESS_COLLECTOR_H_
