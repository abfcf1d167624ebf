// A std::mutex that thread-safety analysis understands.
//
// Herald uses std::mutex rather than absl::Mutex because Debian's abseil is built without
// ThreadSanitizer hooks: TSan cannot see absl::Mutex locking and reports false races.
// Wrapping it once keeps ABSL_GUARDED_BY meaningful to clang.
//
//   herald::Mutex mu_;
//   int count_ ABSL_GUARDED_BY(mu_);
//   { herald::MutexLock lock(mu_); ++count_; }
#ifndef HERALD_BROKER_CORE_MUTEX_H_
#define HERALD_BROKER_CORE_MUTEX_H_

#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace herald {

class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// A condition variable over Mutex.
//
//   MutexLock lock(mu_);
//   while (queue_.empty()) ready_.Wait(mu_);
class CondVar {
 public:
  // Releases `mu` while waiting; holds it again on return. May wake spuriously.
  void Wait(Mutex& mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace herald

#endif  // HERALD_BROKER_CORE_MUTEX_H_
