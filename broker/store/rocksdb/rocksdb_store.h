// The RocksDB store: durable history, offsets, epochs and dedup keys in a data directory.
//
// Every change goes through one writer thread, which takes all that is queued, writes it as
// one WriteBatch (events, trims, topic metadata and dedup keys together) and answers each
// caller after the write: in fsync mode one WAL sync covers every append queued before it
// started (group commit), and no caller's thread ever waits on a sync. Reads go to RocksDB
// directly. Start-up reads the topic records only, never the events.
//
//   absl::StatusOr<std::unique_ptr<RocksDbStore>> store =
//       RocksDbStore::Open({.path = "./data", .durability = Durability::kFsync});
//   LocalEngine engine(**store, SystemClock(), {});
#ifndef HERALD_BROKER_STORE_ROCKSDB_ROCKSDB_STORE_H_
#define HERALD_BROKER_STORE_ROCKSDB_ROCKSDB_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "broker/core/mutex.h"
#include "broker/core/retention.h"
#include "broker/core/store.h"
#include "broker/store/options.h"
#include "broker/store/rocksdb/records.h"
#include "prometheus/histogram.h"
#include "rocksdb/db.h"

namespace herald::store {

struct RocksDbOptions {
  std::string path;
  Durability durability = Durability::kProcess;
  // Writes are refused (Unavailable) while the data directory's file system has less free
  // space than this: RocksDB needs room to flush and compact, and a write that hits a full
  // disk leaves its log writer unusable.
  uint64_t min_free_bytes = 128 << 20;
  // Where each group write's time is observed (herald_store_sync_seconds); null: nowhere.
  prometheus::Histogram* write_seconds = nullptr;
  // The file system under RocksDB (tests inject faults); nullptr: the default.
  rocksdb::Env* env = nullptr;
  // Where the machine's boot id is read: an unclean stop in process mode before a reboot
  // may have lost acknowledged events, so every topic then starts a new epoch.
  std::string boot_id_path = "/proc/sys/kernel/random/boot_id";
};

// Thread-safe.
class RocksDbStore final : public Store {
 public:
  // Opens (or creates) the database in options.path. FailedPrecondition naming the path and
  // the cause for a directory that is not a Herald data directory, is in use by another
  // process, or is corrupt; Unavailable when it cannot be read or written.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(const RocksDbOptions& options);
  // Answers every queued append, then closes the database cleanly.
  ~RocksDbStore() override;

  absl::StatusOr<std::vector<StoredTopic>> LoadTopics() override;
  absl::Status CreateTopic(const TopicConfig& config, uint32_t epoch) override;
  absl::Status UpdateTopic(const TopicConfig& config) override;
  absl::Status DeleteTopic(std::string_view topic) override;
  void Append(AppendBatch batch, AppendDone done) override;
  void Flush() override;
  absl::StatusOr<std::optional<uint64_t>> FindDedup(std::string_view topic,
                                                    std::string_view dedup_key) const override;
  absl::StatusOr<std::vector<EventPtr>> Read(std::string_view topic, uint64_t from, uint64_t end,
                                             size_t max_events) const override;

 private:
  // One change for the writer thread.
  struct Change {
    enum class Kind { kAppend, kCreate, kUpdate, kDelete } kind;
    AppendBatch batch;
    TopicConfig config;
    uint32_t epoch = 0;
    AppendDone done;
  };
  // What one group of changes does to the topic records before it is written.
  class Group;

  RocksDbStore(RocksDbOptions options, std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> families);

  absl::Status LoadRecords();
  // Starts a new epoch for every topic when an unclean stop may have lost acknowledged
  // events (process mode, then a reboot); marks the directory open for this boot.
  absl::Status CheckLastStop();
  // Queues a topic change and waits for its outcome.
  absl::Status ChangeAndWait(Change change);
  void Enqueue(Change change);
  void RunWriter();
  void Commit(std::vector<Change>& changes);
  // OK while the data directory has room for `bytes` above options_.min_free_bytes.
  absl::Status CheckFreeSpace(uint64_t bytes) const;
  std::optional<TopicRecord> FindRecord(std::string_view topic) const;
  // What retention needs of one stored event of `record`.
  RetainedMark ReadMark(const TopicRecord& record, uint64_t offset) const;

  const RocksDbOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_family_;
  rocksdb::ColumnFamilyHandle* topics_family_;
  rocksdb::ColumnFamilyHandle* events_family_;
  rocksdb::ColumnFamilyHandle* dedup_family_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;

  // The committed topic records; the writer thread changes them after each write.
  mutable Mutex records_mu_;
  absl::flat_hash_map<std::string, TopicRecord> records_ ABSL_GUARDED_BY(records_mu_);
  // Writer thread only.
  uint64_t next_topic_id_ = 1;
  bool needs_resume_ = false;

  Mutex queue_mu_;
  CondVar queue_changed_;
  std::vector<Change> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool committing_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread writer_;
};

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_ROCKSDB_ROCKSDB_STORE_H_
