// Work a server has started and must see end before it is destroyed.
//
//   tasks.Begin();  ...  tasks.End();   // from whichever thread the work ends on
//   tasks.WaitForZero();                // in the destructor
#ifndef HERALD_BROKER_SESSION_TASK_COUNT_H_
#define HERALD_BROKER_SESSION_TASK_COUNT_H_

#include <atomic>
#include <cstdint>

namespace herald::session {

// Thread-safe.
class TaskCount {
 public:
  void Begin() { count_.fetch_add(1); }
  void End() {
    if (count_.fetch_sub(1) == 1) count_.notify_all();
  }
  void WaitForZero() {
    for (int64_t n = count_.load(); n != 0; n = count_.load()) count_.wait(n);
  }

 private:
  std::atomic<int64_t> count_{0};
};

}  // namespace herald::session

#endif  // HERALD_BROKER_SESSION_TASK_COUNT_H_
