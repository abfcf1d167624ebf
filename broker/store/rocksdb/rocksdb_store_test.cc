#include "broker/store/rocksdb/rocksdb_store.h"

#include <spawn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/core/clock.h"
#include "broker/engine/local/local_engine.h"
#include "broker/store/rocksdb/fault_file_system.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"

namespace herald::store {
namespace {

namespace fs = std::filesystem;

class RocksDbStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    boot_id_file_ = dir_.string() + ".boot_id";
    SetBootId("boot-1");
  }

  void SetBootId(const std::string& id) { std::ofstream(boot_id_file_) << id << "\n"; }

  RocksDbOptions Options(Durability durability = Durability::kProcess) {
    return {.path = (dir_ / "data").string(),
            .durability = durability,
            .env = env_.get(),
            .boot_id_path = boot_id_file_};
  }

  // Opens the store and an engine over it, as the broker does.
  void Open(Durability durability = Durability::kProcess) {
    absl::StatusOr<std::unique_ptr<RocksDbStore>> store = RocksDbStore::Open(Options(durability));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    sunk_.clear();
    engine_ = std::make_unique<engine::LocalEngine>(*store_, clock_, engine::EngineOptions{});
    engine_->SetSink([this](const EventPtr& e) { sunk_.push_back(e->offset); });
    ASSERT_TRUE(engine_->Load().ok());
  }

  void Close() {
    engine_.reset();
    store_.reset();
  }

  EventPtr Publish(const std::string& topic, const std::string& data,
                   const std::string& dedup = "") {
    absl::StatusOr<EventPtr> event =
        PublishAndWait(*engine_, {.topic = topic, .data = data, .dedup_key = dedup});
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? *event : nullptr;
  }

  std::vector<std::string> ReadAll(const std::string& topic) {
    absl::StatusOr<ReadResult> read = engine_->ReadAfter(topic, 0, 1'000'000);
    EXPECT_TRUE(read.ok()) << read.status();
    std::vector<std::string> data;
    if (read.ok()) {
      for (const EventPtr& e : read->events) data.push_back(absl::StrCat(e->offset, ":", e->data));
    }
    return data;
  }

  fs::path dir_;
  std::string boot_id_file_;
  std::shared_ptr<FaultFileSystem> faults_ =
      std::make_shared<FaultFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(faults_);
  FakeClock clock_{absl::FromUnixSeconds(1'000'000)};
  std::unique_ptr<RocksDbStore> store_;
  std::unique_ptr<engine::LocalEngine> engine_;
  std::vector<uint64_t> sunk_;
};

TEST_F(RocksDbStoreTest, HistoryOffsetsAndEpochsSurviveAReopen) {
  Open();
  ASSERT_TRUE(engine_->CreateTopic({.name = "orders", .retention = {.max_events = 100}}).ok());
  const uint32_t epoch = engine_->GetTopic("orders")->epoch;
  Publish("orders", "a");
  Publish("orders", "b");
  Close();
  Open();
  absl::StatusOr<TopicInfo> info = engine_->GetTopic("orders");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->epoch, epoch);
  EXPECT_EQ(info->config.retention.max_events, 100u);
  EXPECT_EQ(info->last_offset, 2u);
  EXPECT_EQ(ReadAll("orders"), (std::vector<std::string>{"1:a", "2:b"}));
  EXPECT_EQ(Publish("orders", "c")->offset, 3u);
  EXPECT_EQ(sunk_, (std::vector<uint64_t>{3}));
}

TEST_F(RocksDbStoreTest, RetentionTrimsOnDiskAndATrimmedEventStaysGoneAfterReopen) {
  Open();
  ASSERT_TRUE(engine_->CreateTopic({.name = "count", .retention = {.max_events = 3}}).ok());
  ASSERT_TRUE(
      engine_->CreateTopic({.name = "bytes", .retention = {.max_events = 100, .max_bytes = 4}})
          .ok());
  ASSERT_TRUE(engine_
                  ->CreateTopic({.name = "age",
                                 .retention = {.max_events = 100, .max_age = absl::Seconds(10)}})
                  .ok());
  for (int i = 1; i <= 2000; ++i) Publish("count", absl::StrCat(i));
  for (const char* data : {"aa", "bb", "cc"}) Publish("bytes", data);
  Publish("age", "old");
  clock_.Advance(absl::Seconds(8));
  Publish("age", "new");
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(ReadAll("count"), (std::vector<std::string>{"1998:1998", "1999:1999", "2000:2000"}));
  EXPECT_EQ(ReadAll("bytes"), (std::vector<std::string>{"2:bb", "3:cc"}));
  EXPECT_EQ(engine_->GetTopic("bytes")->retained_bytes, 4u);
  EXPECT_EQ(ReadAll("age"), (std::vector<std::string>{"2:new"}));
  Close();
  Open();
  EXPECT_EQ(ReadAll("count"), (std::vector<std::string>{"1998:1998", "1999:1999", "2000:2000"}));
  EXPECT_EQ(engine_->GetTopic("count")->first_offset, 1998u);
  EXPECT_EQ(ReadAll("bytes"), (std::vector<std::string>{"2:bb", "3:cc"}));
  EXPECT_EQ(ReadAll("age"), (std::vector<std::string>{"2:new"}));
  // A tighter retention trims at once, by a range too large for point deletes.
  ASSERT_TRUE(engine_->UpdateTopic({.name = "count", .retention = {.max_events = 1}}).ok());
  EXPECT_EQ(ReadAll("count"), (std::vector<std::string>{"2000:2000"}));
}

TEST_F(RocksDbStoreTest, RetentionHoldsUnderConcurrentPublishers) {
  Open(Durability::kFsync);
  ASSERT_TRUE(engine_->CreateTopic({.name = "busy", .retention = {.max_events = 100}}).ok());
  std::vector<std::thread> publishers;
  for (int p = 0; p < 4; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < 500; ++i) Publish("busy", absl::StrCat(p, "-", i));
    });
  }
  for (std::thread& t : publishers) t.join();
  for (int reopen = 0; reopen < 2; ++reopen) {
    absl::StatusOr<ReadResult> read = engine_->ReadAfter("busy", 0, 1000);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->first_offset, 1901u);
    EXPECT_EQ(read->last_offset, 2000u);
    ASSERT_EQ(read->events.size(), 100u);
    for (size_t i = 0; i < read->events.size(); ++i) {
      EXPECT_EQ(read->events[i]->offset, 1901 + i);
    }
    Close();
    Open(Durability::kFsync);
  }
}

TEST_F(RocksDbStoreTest, DedupKeysWorkAcrossAReopenWhileTheirEventIsRetained) {
  Open();
  ASSERT_TRUE(engine_->CreateTopic({.name = "pay", .retention = {.max_events = 2}}).ok());
  EventPtr first = Publish("pay", "charge", "order-1");
  Close();
  Open();
  EXPECT_EQ(Publish("pay", "charge again", "order-1")->offset, first->offset);
  EXPECT_EQ(engine_->GetTopic("pay")->last_offset, 1u);
  Publish("pay", "x");
  Publish("pay", "y");  // order-1's event is trimmed now
  EXPECT_EQ(Publish("pay", "charge", "order-1")->offset, 4u);
}

TEST_F(RocksDbStoreTest, ConcurrentDuplicatesOfAPendingPublishGetItsEvent) {
  Open(Durability::kFsync);
  ASSERT_TRUE(engine_->CreateTopic({.name = "t"}).ok());
  std::vector<std::thread> publishers;
  std::vector<uint64_t> offsets(8);
  for (int i = 0; i < 8; ++i) {
    publishers.emplace_back([&, i] { offsets[i] = Publish("t", "once", "same-key")->offset; });
  }
  for (std::thread& t : publishers) t.join();
  for (uint64_t offset : offsets) EXPECT_EQ(offset, 1u);
  EXPECT_EQ(engine_->GetTopic("t")->last_offset, 1u);
}

TEST_F(RocksDbStoreTest, ADeletedAndRecreatedTopicHasANewEpochAndNoOldEvents) {
  Open();
  ASSERT_TRUE(engine_->CreateTopic({.name = "room"}).ok());
  const uint32_t epoch = engine_->GetTopic("room")->epoch;
  Publish("room", "old");
  ASSERT_TRUE(engine_->DeleteTopic("room").ok());
  ASSERT_TRUE(engine_->CreateTopic({.name = "room"}).ok());
  EXPECT_NE(engine_->GetTopic("room")->epoch, epoch);
  EXPECT_TRUE(ReadAll("room").empty());
  Close();
  Open();
  EXPECT_TRUE(ReadAll("room").empty());
  EXPECT_EQ(Publish("room", "new")->offset, 1u);
}

TEST_F(RocksDbStoreTest, ASecondOpenOfTheDirectoryIsRefusedNamingIt) {
  Open();
  absl::StatusOr<std::unique_ptr<RocksDbStore>> second = RocksDbStore::Open(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(Options().path), std::string::npos);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status();
}

TEST_F(RocksDbStoreTest, ForeignAndCorruptDirectoriesAreRefused) {
  fs::create_directories(dir_ / "data");
  std::ofstream(dir_ / "data" / "notes.txt") << "not a database";
  absl::StatusOr<std::unique_ptr<RocksDbStore>> foreign = RocksDbStore::Open(Options());
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("no Herald database"), std::string::npos)
      << foreign.status();
  fs::remove(dir_ / "data" / "notes.txt");

  Open();
  Close();
  std::ofstream(dir_ / "data" / "CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  absl::StatusOr<std::unique_ptr<RocksDbStore>> corrupt = RocksDbStore::Open(Options());
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find(Options().path), std::string::npos) << corrupt.status();

  std::ofstream(dir_ / "file") << "x";
  absl::StatusOr<std::unique_ptr<RocksDbStore>> file =
      RocksDbStore::Open({.path = (dir_ / "file").string()});
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
}

// The child process of PublishAndDie: publishes to the store in the directory the
// environment names and exits without closing it, as after kill -9. A fresh exec of this
// test binary, started from main() (fork would copy the test's threads).
constexpr char kDieEnv[] = "HERALD_TEST_PUBLISH_AND_DIE";

[[noreturn]] void PublishAndDieChild(const std::string& path) {
  FakeClock clock(absl::FromUnixSeconds(1));
  absl::StatusOr<std::unique_ptr<RocksDbStore>> store =
      RocksDbStore::Open({.path = path, .boot_id_path = path + ".boot_id"});
  if (!store.ok()) _exit(2);
  engine::LocalEngine engine(**store, clock, {});
  if (!engine.Load().ok()) _exit(3);
  if (!PublishAndWait(engine, {.topic = "t", .data = "acked"}).ok()) _exit(4);
  _exit(0);
}

void PublishAndDie(const RocksDbOptions& options) {
  std::filesystem::copy_file(options.boot_id_path, options.path + ".boot_id",
                             std::filesystem::copy_options::overwrite_existing);
  const std::string env = absl::StrCat(kDieEnv, "=", options.path);
  char* const argv[] = {const_cast<char*>("child"), nullptr};
  // The child is RocksDB alone, whose prebuilt locking ThreadSanitizer cannot see (BAZEL.md);
  // under TSan it would report RocksDB's internals and exit 66.
  char* const envp[] = {const_cast<char*>(env.c_str()),
                        const_cast<char*>("TSAN_OPTIONS=report_bugs=0"), nullptr};
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, "/proc/self/exe", nullptr, nullptr, argv, envp), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(RocksDbStoreTest, AnUncleanStopKeepsTheEpochUntilTheMachineRebooted) {
  Open();
  ASSERT_TRUE(engine_->CreateTopic({.name = "t"}).ok());
  const uint32_t epoch = engine_->GetTopic("t")->epoch;
  Close();
  PublishAndDie(Options());
  Open();
  // Same boot: what the OS had survives the process; the history goes on.
  EXPECT_EQ(engine_->GetTopic("t")->epoch, epoch);
  EXPECT_EQ(ReadAll("t"), (std::vector<std::string>{"1:acked"}));
  Close();
  PublishAndDie(Options());
  SetBootId("boot-2");
  Open();
  EXPECT_NE(engine_->GetTopic("t")->epoch, epoch);
  const uint32_t rotated = engine_->GetTopic("t")->epoch;
  Close();
  // A clean stop never rotates.
  SetBootId("boot-3");
  Open();
  EXPECT_EQ(engine_->GetTopic("t")->epoch, rotated);
}

TEST_F(RocksDbStoreTest, FsyncModeLosesNothingAcknowledgedAtAPowerCut) {
  Open(Durability::kFsync);
  ASSERT_TRUE(engine_->CreateTopic({.name = "t", .retention = {.max_events = 100'000}}).ok());
  std::atomic<int> acked_count{0};
  std::vector<std::vector<EventPtr>> acked(4);
  std::vector<std::thread> publishers;
  for (int p = 0; p < 4; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0;; ++i) {
        absl::StatusOr<EventPtr> event =
            PublishAndWait(*engine_, {.topic = "t", .data = absl::StrCat(p, "-", i)});
        if (!event.ok()) {
          EXPECT_EQ(event.status().code(), absl::StatusCode::kUnavailable) << event.status();
          return;
        }
        acked[p].push_back(*event);
        if (++acked_count == 400) faults_->CutPower();
      }
    });
  }
  for (std::thread& t : publishers) t.join();
  Close();
  faults_->DropUnsyncedData();
  env_ = nullptr;
  Open(Durability::kFsync);
  absl::StatusOr<ReadResult> read = engine_->ReadAfter("t", 0, 1'000'000);
  ASSERT_TRUE(read.ok()) << read.status();
  size_t checked = 0;
  for (const std::vector<EventPtr>& events : acked) {
    for (const EventPtr& event : events) {
      ASSERT_GE(read->events.size(), event->offset) << "acknowledged offset lost";
      EXPECT_EQ(read->events[event->offset - 1]->data, event->data);
      ++checked;
    }
  }
  EXPECT_GE(checked, 400u);
}

TEST_F(RocksDbStoreTest, AFullDiskFailsPublishesWithoutLosingReadsAndRecovers) {
  Open();
  ASSERT_TRUE(engine_->CreateTopic({.name = "t"}).ok());
  Publish("t", "before");
  faults_->SetDiskFull(true);
  absl::StatusOr<EventPtr> refused = PublishAndWait(*engine_, {.topic = "t", .data = "lost"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(ReadAll("t"), (std::vector<std::string>{"1:before"}));
  EXPECT_EQ(sunk_, (std::vector<uint64_t>{1}));
  faults_->SetDiskFull(false);
  // RocksDB may still be resuming from the error; a publisher retries.
  absl::StatusOr<EventPtr> after = refused;
  for (int attempt = 0; attempt < 100 && !after.ok(); ++attempt) {
    after = PublishAndWait(*engine_, {.topic = "t", .data = "after"});
    if (!after.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ((*after)->offset, 2u);
  EXPECT_EQ(ReadAll("t"), (std::vector<std::string>{"1:before", "2:after"}));
}

}  // namespace
}  // namespace herald::store

int main(int argc, char** argv) {
  if (const char* path = std::getenv(herald::store::kDieEnv)) {
    herald::store::PublishAndDieChild(path);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
