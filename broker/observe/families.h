// Builds Prometheus metric families from counts kept elsewhere (relaxed atomics of the hot
// path), for a prometheus::Collectable to return on each scrape.
//
//   Families out;
//   out.Counter("herald_edge_refused_total", "Connections refused, by reason.");
//   out.Sample(42, {{"reason", "origin"}});
//   return out.Take();
#ifndef HERALD_BROKER_OBSERVE_FAMILIES_H_
#define HERALD_BROKER_OBSERVE_FAMILIES_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"

namespace herald::observe {

using Label = std::pair<std::string_view, std::string_view>;

// Distinct objects: safe. Shared objects: unsafe.
class Families {
 public:
  // Starts a family; the samples that follow belong to it.
  void Counter(std::string name, std::string help);
  void Gauge(std::string name, std::string help);
  // One sample of the current family.
  void Sample(double value, std::initializer_list<Label> labels = {});

  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  void Start(std::string name, std::string help, prometheus::MetricType type);

  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace herald::observe

#endif  // HERALD_BROKER_OBSERVE_FAMILIES_H_
