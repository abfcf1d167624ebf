// A value one thread hands to another that waits for it.
//
//   auto outcome = std::make_shared<Outcome<absl::Status>>();
//   StartAsync([outcome](absl::Status s) { outcome->Set(std::move(s)); });
//   absl::Status status = outcome->Wait();
//
// Shared by both sides, so neither frees it under the other: std::promise's set_value can
// still touch its state (a futex wake) after the waiter has returned and destroyed it.
#ifndef HERALD_BROKER_CORE_OUTCOME_H_
#define HERALD_BROKER_CORE_OUTCOME_H_

#include <optional>
#include <utility>

#include "broker/core/mutex.h"

namespace herald {

// Thread-safe. Set once; Wait once.
template <typename T>
class Outcome {
 public:
  void Set(T value) {
    MutexLock lock(mu_);
    value_ = std::move(value);
    ready_.SignalAll();
  }

  T Wait() {
    MutexLock lock(mu_);
    while (!value_) ready_.Wait(mu_);
    return *std::move(value_);
  }

 private:
  Mutex mu_;
  CondVar ready_;
  std::optional<T> value_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_OUTCOME_H_
