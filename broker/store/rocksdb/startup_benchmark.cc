// startup_benchmark: how long opening the RocksDB store takes with many retained events.
// Fills a data directory with --events events of --payload bytes in one topic (once; kept
// for later runs), then opens it --runs times and prints each open's time and the median.
// Start-up reads topic records only, so the time should not grow with the events.
//
//   bazel run -c opt //broker/store/rocksdb:startup_benchmark -- --dir=/tmp/s10m --events=10000000
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "broker/core/outcome.h"
#include "broker/store/rocksdb/rocksdb_store.h"

ABSL_FLAG(std::string, dir, "/tmp/herald_startup", "data directory (filled when empty)");
ABSL_FLAG(uint64_t, events, 1'000'000, "retained events to fill in");
ABSL_FLAG(int, payload, 64, "bytes per event");
ABSL_FLAG(int, runs, 3, "timed opens");

namespace herald::store {
namespace {

constexpr size_t kBatch = 4096;

int Fill(const std::string& dir, uint64_t events, int payload) {
  absl::StatusOr<std::unique_ptr<RocksDbStore>> store = RocksDbStore::Open({.path = dir});
  if (!store.ok()) {
    std::fprintf(stderr, "startup_benchmark: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const RetentionPolicy retention{.max_events = events};
  if (absl::Status s = (*store)->CreateTopic({.name = "big", .retention = retention}, 1); !s.ok()) {
    std::fprintf(stderr, "startup_benchmark: %s\n", s.ToString().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string data(payload, 'x');
  for (uint64_t next = 1; next <= events;) {
    AppendBatch batch{.topic = "big", .retention = retention, .now = absl::Now()};
    for (size_t i = 0; i < kBatch && next <= events; ++i, ++next) {
      batch.events.push_back(std::make_shared<Event>(Event{
          .topic = "big", .offset = next, .epoch = 1, .data = data, .publish_time = batch.now}));
      batch.dedup_keys.emplace_back();
    }
    auto done = std::make_shared<Outcome<absl::Status>>();
    (*store)->Append(std::move(batch),
                     [done](absl::StatusOr<StoredBounds> bounds) { done->Set(bounds.status()); });
    if (absl::Status s = done->Wait(); !s.ok()) {
      std::fprintf(stderr, "startup_benchmark: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("filled %llu events of %d bytes in %.1f s (%.0f events/s)\n",
              static_cast<unsigned long long>(events), payload, seconds, events / seconds);
  return 0;
}

int Run() {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    if (int status = Fill(dir, absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_payload))) {
      return status;
    }
  }
  std::vector<double> millis;
  for (int run = 0; run < absl::GetFlag(FLAGS_runs); ++run) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::unique_ptr<RocksDbStore>> store = RocksDbStore::Open({.path = dir});
    if (!store.ok()) {
      std::fprintf(stderr, "startup_benchmark: %s\n", store.status().ToString().c_str());
      return 1;
    }
    absl::StatusOr<std::vector<StoredTopic>> topics = (*store)->LoadTopics();
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    const StoredBounds& bounds = topics->front().bounds;
    std::printf("open %d: %.1f ms (%zu topic, offsets %llu..%llu)\n", run + 1, millis.back(),
                topics->size(), static_cast<unsigned long long>(bounds.first_offset),
                static_cast<unsigned long long>(bounds.next_offset - 1));
  }
  std::sort(millis.begin(), millis.end());
  std::printf("median open: %.1f ms\n", millis[millis.size() / 2]);
  return 0;
}

}  // namespace
}  // namespace herald::store

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return herald::store::Run();
}
