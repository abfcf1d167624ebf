#include "broker/observe/families.h"

#include <cassert>

namespace herald::observe {

void Families::Counter(std::string name, std::string help) {
  Start(std::move(name), std::move(help), prometheus::MetricType::Counter);
}

void Families::Gauge(std::string name, std::string help) {
  Start(std::move(name), std::move(help), prometheus::MetricType::Gauge);
}

void Families::Start(std::string name, std::string help, prometheus::MetricType type) {
  families_.push_back({.name = std::move(name), .help = std::move(help), .type = type});
}

void Families::Sample(double value, std::initializer_list<Label> labels) {
  assert(!families_.empty() && "Sample() before Counter() or Gauge()");
  prometheus::MetricFamily& family = families_.back();
  prometheus::ClientMetric& metric = family.metric.emplace_back();
  for (const auto& [name, label_value] : labels) {
    metric.label.push_back({std::string(name), std::string(label_value)});
  }
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
}

}  // namespace herald::observe
