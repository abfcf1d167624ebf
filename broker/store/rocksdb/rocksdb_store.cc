#include "broker/store/rocksdb/rocksdb_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sys/statvfs.h>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "broker/core/outcome.h"
#include "broker/core/retention.h"
#include "broker/core/string_view.h"
#include "broker/core/topic_log.h"
#include "broker/observe/metrics.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace herald::store {
namespace {

constexpr char kTopicsFamily[] = "topics";
constexpr char kEventsFamily[] = "events";
constexpr char kDedupFamily[] = "dedup";
// Default column family keys.
constexpr char kFormatKey[] = "herald.format";
constexpr char kFormat[] = "1";
constexpr char kNextTopicIdKey[] = "herald.next_topic_id";
// Present while a process has the directory open: "<boot id> <durability>".
constexpr char kOpenKey[] = "herald.open";
// Trims of up to this many events delete each key: point tombstones cost a read that seeks
// past them nothing, where many small range tombstones would be fragmented by every new
// iterator. Larger trims (a tightened retention) delete the range at once.
constexpr uint64_t kPointDeleteLimit = 1024;

absl::Status TopicNotFound(std::string_view topic) {
  return absl::NotFoundError(absl::StrFormat("topic '%s' not found in the RocksDB store", topic));
}

absl::Status WriteFailed(const rocksdb::Status& status) {
  return absl::UnavailableError(absl::StrCat(
      "the store could not write (", status.ToString(),
      "); nothing of this publish is stored; retry once the data directory is writable"));
}

// Topic changes answer through AppendDone too; their bounds say nothing.
absl::StatusOr<StoredBounds> AsOutcome(absl::Status status) {
  if (status.ok()) return StoredBounds{};
  return status;
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

std::string DurabilityName(Durability durability) {
  return durability == Durability::kFsync ? "fsync" : "process";
}

std::string ReadBootId(const std::string& path) {
  std::ifstream in(path);
  std::string id;
  std::getline(in, id);
  return std::string(absl::StripAsciiWhitespace(id));
}

absl::Status OpenError(const std::string& path, const rocksdb::Status& status) {
  const std::string cause = status.ToString();
  if (status.IsIOError() && absl::StrContains(cause, "lock")) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data directory '%s' is in use by another heraldd (%s); stop it or use another "
        "--data_dir",
        path, cause));
  }
  if (status.IsCorruption()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data directory '%s' is corrupt (%s); restore it from a backup or move it aside", path,
        cause));
  }
  return absl::UnavailableError(
      absl::StrFormat("cannot open data directory '%s': %s", path, cause));
}

// Refuses directories that are not ours before RocksDB writes anything into them.
absl::Status CheckDirectory(const std::string& path, bool& has_database) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_directory(path, ec)) {
    return absl::FailedPreconditionError(
        absl::StrFormat("data directory '%s' is a file, not a directory", path));
  }
  fs::create_directories(path, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrFormat("cannot create data directory '%s': %s", path, ec.message()));
  }
  has_database = fs::exists(fs::path(path) / "CURRENT", ec);
  if (!has_database && !fs::is_empty(path, ec)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data directory '%s' holds files but no Herald database; give heraldd an empty "
        "directory or one it created",
        path));
  }
  return absl::OkStatus();
}

rocksdb::ColumnFamilyOptions EventFamilyOptions() {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

// The topic records as one group of changes leaves them, and the WriteBatch that makes
// them so. Writer thread only.
class RocksDbStore::Group {
 public:
  explicit Group(RocksDbStore& store) : store_(store) {}

  rocksdb::WriteBatch& batch() { return batch_; }

  absl::StatusOr<StoredBounds> Append(AppendBatch& append) {
    TopicRecord* record = Find(append.topic);
    if (record == nullptr) return TopicNotFound(append.topic);
    for (size_t i = 0; i < append.events.size(); ++i) {
      if (append.events[i]->offset != record->next_offset + i) {
        return absl::InternalError(
            absl::StrFormat("append of offset %d to topic '%s' whose next offset is %d",
                            append.events[i]->offset, append.topic, record->next_offset + i));
      }
    }
    // Marks of this batch's events, which are not in the database yet.
    std::vector<RetainedMark> marks;
    marks.reserve(append.events.size());
    const uint64_t batch_first = record->next_offset;
    for (size_t i = 0; i < append.events.size(); ++i) {
      const Event& event = *append.events[i];
      marks.push_back({record->total_bytes, event.publish_time});
      batch_.Put(
          store_.events_family_, EventKey(record->id, event.offset),
          EncodeEventRecord(event.publish_time, record->total_bytes, event.type, event.data));
      if (!append.dedup_keys[i].empty()) {
        batch_.Put(store_.dedup_family_, DedupKey(record->id, append.dedup_keys[i]),
                   EncodeFixed64(event.offset));
      }
      if (record->first_offset == record->next_offset) {
        record->first_bytes_before = record->total_bytes;
        record->oldest_time = event.publish_time;
      }
      record->total_bytes += event.Bytes();
      ++record->next_offset;
    }
    auto mark = [&](uint64_t offset) {
      if (offset >= batch_first) return marks[offset - batch_first];
      if (offset == record->first_offset) {
        return RetainedMark{record->first_bytes_before, record->oldest_time};
      }
      return store_.ReadMark(*record, offset);
    };
    const uint64_t first = FirstRetained(append.retention, append.now,
                                         {.first = record->first_offset,
                                          .next = record->next_offset,
                                          .total_bytes = record->total_bytes},
                                         mark);
    if (first > record->first_offset) {
      Trim(*record, first);
      const RetainedMark kept = first < record->next_offset
                                    ? mark(first)
                                    : RetainedMark{record->total_bytes, absl::InfiniteFuture()};
      record->first_offset = first;
      record->first_bytes_before = kept.bytes_before;
      record->oldest_time = kept.publish_time;
    }
    Put(*record);
    return StoredBounds{.first_offset = record->first_offset,
                        .next_offset = record->next_offset,
                        .retained_bytes = record->total_bytes - record->first_bytes_before,
                        .oldest_time = record->oldest_time};
  }

  absl::Status Create(const TopicConfig& config, uint32_t epoch) {
    if (Find(config.name) != nullptr) {
      return absl::AlreadyExistsError(absl::StrCat("topic '", config.name, "' already exists"));
    }
    TopicRecord& record = staged_[config.name].emplace();
    record.id = store_.next_topic_id_++;
    record.config = config;
    record.epoch = epoch;
    batch_.Put(store_.default_family_, kNextTopicIdKey, EncodeFixed64(store_.next_topic_id_));
    Put(record);
    return absl::OkStatus();
  }

  absl::Status Update(const TopicConfig& config) {
    TopicRecord* record = Find(config.name);
    if (record == nullptr) return TopicNotFound(config.name);
    record->config = config;
    Put(*record);
    return absl::OkStatus();
  }

  absl::Status Delete(const std::string& name) {
    TopicRecord* record = Find(name);
    if (record == nullptr) return TopicNotFound(name);
    const std::string end = TopicKeysEnd(record->id);
    batch_.DeleteRange(store_.events_family_, EventKey(record->id, 0), end);
    batch_.DeleteRange(store_.dedup_family_, DedupKey(record->id, ""), end);
    batch_.Delete(store_.topics_family_, name);
    staged_[name].reset();
    return absl::OkStatus();
  }

  // After a successful write: the staged records become the store's.
  void Publish() {
    MutexLock lock(store_.records_mu_);
    for (auto& [name, record] : staged_) {
      if (record) {
        store_.records_[name] = *std::move(record);
      } else {
        store_.records_.erase(name);
      }
    }
  }

 private:
  TopicRecord* Find(const std::string& name) {
    auto it = staged_.find(name);
    if (it == staged_.end()) {
      std::optional<TopicRecord> committed = store_.FindRecord(name);
      if (!committed) return nullptr;
      it = staged_.emplace(name, std::move(committed)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  void Put(const TopicRecord& record) {
    batch_.Put(store_.topics_family_, record.config.name, EncodeTopicRecord(record));
  }

  void Trim(const TopicRecord& record, uint64_t first) {
    if (first - record.first_offset <= kPointDeleteLimit) {
      for (uint64_t offset = record.first_offset; offset < first; ++offset) {
        batch_.Delete(store_.events_family_, EventKey(record.id, offset));
      }
    } else {
      batch_.DeleteRange(store_.events_family_, EventKey(record.id, record.first_offset),
                         EventKey(record.id, first));
    }
  }

  RocksDbStore& store_;
  rocksdb::WriteBatch batch_;
  // nullopt: deleted by this group.
  absl::flat_hash_map<std::string, std::optional<TopicRecord>> staged_;
};

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const RocksDbOptions& options) {
  const std::string& path = options.path;
  bool has_database = false;
  if (absl::Status status = CheckDirectory(path, has_database); !status.ok()) return status;

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.max_background_jobs = 2;
  if (options.env != nullptr) db_options.env = options.env;
  if (has_database) {
    std::vector<std::string> names;
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, path, &names);
    if (!listed.ok()) return OpenError(path, listed);
    if (std::find(names.begin(), names.end(), kEventsFamily) == names.end()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "data directory '%s' is a RocksDB database of another program; give heraldd its own "
          "--data_dir",
          path));
    }
  }
  const std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kTopicsFamily, rocksdb::ColumnFamilyOptions()},
      {kEventsFamily, EventFamilyOptions()},
      {kDedupFamily, rocksdb::ColumnFamilyOptions()},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(db_options, path, descriptors, &families, &raw);
  if (!opened.ok()) return OpenError(path, opened);
  std::unique_ptr<RocksDbStore> store(
      new RocksDbStore(options, std::unique_ptr<rocksdb::DB>(raw), std::move(families)));

  std::string format;
  rocksdb::Status read = store->db_->Get({}, store->default_family_, kFormatKey, &format);
  if (read.IsNotFound() && !has_database) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    read = store->db_->Put(sync, store->default_family_, kFormatKey, kFormat);
    format = kFormat;
  }
  if (!read.ok()) return OpenError(path, read);
  if (format != kFormat) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data directory '%s' has Herald store format '%s'; this heraldd reads format '%s'", path,
        format, kFormat));
  }
  if (absl::Status status = store->LoadRecords(); !status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("data directory '%s' is corrupt: %s", path, status.message()));
  }
  if (absl::Status status = store->CheckLastStop(); !status.ok()) return status;
  store->writer_ = std::thread([s = store.get()] { s->RunWriter(); });
  return store;
}

RocksDbStore::RocksDbStore(RocksDbOptions options, std::unique_ptr<rocksdb::DB> db,
                           std::vector<rocksdb::ColumnFamilyHandle*> families)
    : options_(std::move(options)),
      db_(std::move(db)),
      default_family_(families[0]),
      topics_family_(families[1]),
      events_family_(families[2]),
      dedup_family_(families[3]),
      families_(std::move(families)) {}

RocksDbStore::~RocksDbStore() {
  if (writer_.joinable()) {
    {
      MutexLock lock(queue_mu_);
      stopping_ = true;
    }
    queue_changed_.SignalAll();
    writer_.join();
    // What is in the memtables would otherwise be replayed from the log at the next start.
    db_->Flush(rocksdb::FlushOptions(), families_).PermitUncheckedError();
    rocksdb::WriteOptions sync;
    sync.sync = true;
    // A clean stop: the next start need not doubt what was acknowledged.
    db_->Delete(sync, default_family_, kOpenKey).PermitUncheckedError();
  }
  for (rocksdb::ColumnFamilyHandle* family : families_) {
    db_->DestroyColumnFamilyHandle(family).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::Status RocksDbStore::LoadRecords() {
  std::string next_id;
  rocksdb::Status read = db_->Get({}, default_family_, kNextTopicIdKey, &next_id);
  if (read.ok()) {
    absl::StatusOr<uint64_t> id = DecodeFixed64(next_id);
    if (!id.ok()) return id.status();
    next_topic_id_ = *id;
  } else if (!read.IsNotFound()) {
    return absl::DataLossError(read.ToString());
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, topics_family_));
  MutexLock lock(records_mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StatusOr<TopicRecord> record = DecodeTopicRecord(ToView(it->key()), ToView(it->value()));
    if (!record.ok()) return record.status();
    records_[record->config.name] = *std::move(record);
  }
  if (!it->status().ok()) return absl::DataLossError(it->status().ToString());
  return absl::OkStatus();
}

absl::Status RocksDbStore::CheckLastStop() {
  const std::string boot_id = ReadBootId(options_.boot_id_path);
  std::string last_open;
  rocksdb::Status read = db_->Get({}, default_family_, kOpenKey, &last_open);
  if (!read.ok() && !read.IsNotFound()) return OpenError(options_.path, read);
  rocksdb::WriteBatch batch;
  // An unclean stop (the key is still there) in process mode, then a reboot: acknowledged
  // events that were only with the OS may be gone, and offsets clients saw could be given
  // to other events. A new epoch makes every client's cursor announce a reset instead.
  if (read.ok()) {
    const std::pair<std::string, std::string> last =
        absl::StrSplit(last_open, absl::MaxSplits(' ', 1));
    if (last.first != boot_id && last.second != DurabilityName(Durability::kFsync)) {
      MutexLock lock(records_mu_);
      for (auto& [name, record] : records_) {
        record.epoch = NewEpoch();
        batch.Put(topics_family_, name, EncodeTopicRecord(record));
      }
    }
  }
  batch.Put(default_family_, kOpenKey,
            absl::StrCat(boot_id, " ", DurabilityName(options_.durability)));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::Status written = db_->Write(sync, &batch);
  if (!written.ok()) return OpenError(options_.path, written);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredTopic>> RocksDbStore::LoadTopics() {
  MutexLock lock(records_mu_);
  std::vector<StoredTopic> topics;
  topics.reserve(records_.size());
  for (const auto& [name, record] : records_) {
    topics.push_back({.config = record.config,
                      .epoch = record.epoch,
                      .bounds = {.first_offset = record.first_offset,
                                 .next_offset = record.next_offset,
                                 .retained_bytes = record.total_bytes - record.first_bytes_before,
                                 .oldest_time = record.oldest_time}});
  }
  return topics;
}

absl::Status RocksDbStore::ChangeAndWait(Change change) {
  auto outcome = std::make_shared<Outcome<absl::Status>>();
  change.done = [outcome](absl::StatusOr<StoredBounds> bounds) { outcome->Set(bounds.status()); };
  Enqueue(std::move(change));
  return outcome->Wait();
}

absl::Status RocksDbStore::CreateTopic(const TopicConfig& config, uint32_t epoch) {
  return ChangeAndWait({.kind = Change::Kind::kCreate, .config = config, .epoch = epoch});
}

absl::Status RocksDbStore::UpdateTopic(const TopicConfig& config) {
  return ChangeAndWait({.kind = Change::Kind::kUpdate, .config = config});
}

absl::Status RocksDbStore::DeleteTopic(std::string_view topic) {
  return ChangeAndWait({.kind = Change::Kind::kDelete, .config = {.name = std::string(topic)}});
}

void RocksDbStore::Append(AppendBatch batch, AppendDone done) {
  Enqueue({.kind = Change::Kind::kAppend, .batch = std::move(batch), .done = std::move(done)});
}

void RocksDbStore::Enqueue(Change change) {
  {
    MutexLock lock(queue_mu_);
    queue_.push_back(std::move(change));
  }
  queue_changed_.SignalAll();
}

void RocksDbStore::Flush() {
  MutexLock lock(queue_mu_);
  while (!queue_.empty() || committing_) queue_changed_.Wait(queue_mu_);
}

void RocksDbStore::RunWriter() {
  std::vector<Change> changes;
  for (;;) {
    {
      MutexLock lock(queue_mu_);
      committing_ = false;
      if (queue_.empty()) queue_changed_.SignalAll();
      while (queue_.empty() && !stopping_) queue_changed_.Wait(queue_mu_);
      if (queue_.empty()) return;
      changes.swap(queue_);
      committing_ = true;
    }
    Commit(changes);
    changes.clear();
  }
}

void RocksDbStore::Commit(std::vector<Change>& changes) {
  std::vector<absl::StatusOr<StoredBounds>> outcomes;
  outcomes.reserve(changes.size());
  Group group(*this);
  for (Change& change : changes) {
    switch (change.kind) {
      case Change::Kind::kAppend:
        outcomes.push_back(group.Append(change.batch));
        break;
      case Change::Kind::kCreate:
        outcomes.push_back(AsOutcome(group.Create(change.config, change.epoch)));
        break;
      case Change::Kind::kUpdate:
        outcomes.push_back(AsOutcome(group.Update(change.config)));
        break;
      case Change::Kind::kDelete:
        outcomes.push_back(AsOutcome(group.Delete(change.config.name)));
        break;
    }
  }
  rocksdb::Status written;
  if (needs_resume_) {
    // A failed write (a full disk) stops RocksDB's writes until it is resumed (Busy: it is
    // resuming by itself). Nothing is written before that: a log writer that failed must
    // not be written to again.
    written = db_->Resume();
    needs_resume_ = !written.ok();
  }
  absl::Status room = CheckFreeSpace(group.batch().GetDataSize());
  if (written.ok() && room.ok()) {
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.durability == Durability::kFsync;
    const observe::Stopwatch started;
    written = db_->Write(write_options, &group.batch());
    if (options_.write_seconds != nullptr) started.Stop(*options_.write_seconds);
  }
  if (!room.ok()) {
    for (absl::StatusOr<StoredBounds>& outcome : outcomes) {
      if (outcome.ok()) outcome = room;
    }
  } else if (written.ok()) {
    group.Publish();
  } else {
    needs_resume_ = true;
    for (absl::StatusOr<StoredBounds>& outcome : outcomes) {
      if (outcome.ok()) outcome = WriteFailed(written);
    }
  }
  for (size_t i = 0; i < changes.size(); ++i) std::move(changes[i].done)(std::move(outcomes[i]));
}

absl::Status RocksDbStore::CheckFreeSpace(uint64_t bytes) const {
  struct statvfs stats;
  // A file system that cannot say is not refused: the write itself reports a real fault.
  if (statvfs(options_.path.c_str(), &stats) != 0) return absl::OkStatus();
  const uint64_t free_bytes = static_cast<uint64_t>(stats.f_bavail) * stats.f_frsize;
  if (free_bytes >= bytes + options_.min_free_bytes) return absl::OkStatus();
  return absl::UnavailableError(absl::StrFormat(
      "data directory '%s' has %d bytes free, below the %d the store keeps for flushes and "
      "compactions; nothing of this publish is stored; free disk space and retry",
      options_.path, free_bytes, options_.min_free_bytes));
}

std::optional<TopicRecord> RocksDbStore::FindRecord(std::string_view topic) const {
  MutexLock lock(records_mu_);
  auto it = records_.find(AbslView(topic));
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

RetainedMark RocksDbStore::ReadMark(const TopicRecord& record, uint64_t offset) const {
  std::string value;
  rocksdb::Status read = db_->Get({}, events_family_, EventKey(record.id, offset), &value);
  absl::StatusOr<EventRecord> event =
      read.ok() ? DecodeEventRecord(value) : absl::DataLossError(read.ToString());
  // Unreadable: keep it, as if it were as old and large as the oldest retained event, so a
  // fault never trims more than retention asks.
  if (!event.ok()) return {record.first_bytes_before, record.oldest_time};
  return {event->bytes_before, event->publish_time};
}

absl::StatusOr<std::optional<uint64_t>> RocksDbStore::FindDedup(std::string_view topic,
                                                                std::string_view dedup_key) const {
  std::optional<TopicRecord> record = FindRecord(topic);
  if (!record) return TopicNotFound(topic);
  std::string value;
  rocksdb::Status read = db_->Get({}, dedup_family_, DedupKey(record->id, dedup_key), &value);
  if (read.IsNotFound()) return std::nullopt;
  if (!read.ok())
    return absl::UnavailableError(absl::StrCat("dedup lookup failed: ", read.ToString()));
  absl::StatusOr<uint64_t> offset = DecodeFixed64(value);
  if (!offset.ok()) return offset.status();
  // Dedup keys of trimmed events linger on disk but no longer count.
  if (*offset < record->first_offset) return std::nullopt;
  return *offset;
}

absl::StatusOr<std::vector<EventPtr>> RocksDbStore::Read(std::string_view topic, uint64_t from,
                                                         uint64_t end, size_t max_events) const {
  std::optional<TopicRecord> record = FindRecord(topic);
  if (!record) return TopicNotFound(topic);
  std::vector<EventPtr> events;
  const uint64_t start = std::max(from, record->first_offset);
  const uint64_t stop = std::min(end, record->next_offset);
  if (start >= stop || max_events == 0) return events;
  events.reserve(std::min<uint64_t>(stop - start, max_events));
  const std::string upper = EventKey(record->id, stop);
  const rocksdb::Slice upper_slice = ToSlice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, events_family_));
  for (it->Seek(EventKey(record->id, start)); it->Valid() && events.size() < max_events;
       it->Next()) {
    absl::StatusOr<EventRecord> stored = DecodeEventRecord(ToView(it->value()));
    if (!stored.ok()) return stored.status();
    auto event = std::make_shared<Event>();
    event->topic = record->config.name;
    event->offset = OffsetOfEventKey(ToView(it->key()));
    event->epoch = record->epoch;
    event->type = std::move(stored->type);
    event->data = std::move(stored->data);
    event->publish_time = stored->publish_time;
    events.push_back(std::move(event));
  }
  if (!it->status().ok()) {
    return absl::UnavailableError(
        absl::StrFormat("reading topic '%s' failed: %s", topic, it->status().ToString()));
  }
  return events;
}

}  // namespace herald::store
