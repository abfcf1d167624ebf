// What the load tools measure with: the monotonic clock that stamps events, the measured
// window shared by the threads that record, and a server's CPU time and RSS read from /proc.
//
//   Window window;
//   window.begin = MonotonicNanos() + warmup_ns;
//   window.end = window.begin + duration_ns;
//   if (window.Contains(MonotonicNanos())) histogram.Record(latency);
#ifndef HERALD_TESTS_LOAD_MEASURE_H_
#define HERALD_TESTS_LOAD_MEASURE_H_

#include <atomic>
#include <cstdint>
#include <optional>

namespace herald::load {

// CLOCK_MONOTONIC in nanoseconds: the clock events are stamped with, comparable across the
// load tool's threads.
uint64_t MonotonicNanos();

// The measured interval in MonotonicNanos(); empty until both ends are set. Thread-safe.
struct Window {
  std::atomic<uint64_t> begin{~uint64_t{0}};
  std::atomic<uint64_t> end{~uint64_t{0}};
  bool Contains(uint64_t t) const { return t >= begin.load() && t < end.load(); }
};

struct ProcessSample {
  double cpu_seconds = 0;  // user + system, all threads
  uint64_t rss_bytes = 0;
};

// The CPU time and RSS of process `pid` from /proc/PID/stat; nothing when `pid` <= 0 or the
// process is gone.
std::optional<ProcessSample> SampleProcess(int pid);

// Raises this process's open file limit to its hard limit: thousands of sockets need it.
void RaiseFileLimit();

}  // namespace herald::load

#endif  // HERALD_TESTS_LOAD_MEASURE_H_
