#include "broker/store/rocksdb/fault_file_system.h"

#include <filesystem>
#include <utility>

namespace herald::store {

// Forwards to the real file and reports what reached it and what a sync covered.
class FaultFileSystem::File final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(FaultFileSystem& fs, std::string name, std::unique_ptr<rocksdb::FSWritableFile> target)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus refused = fs_.Refusal(); !refused.ok()) return refused;
    if (fs_.disk_full_) return rocksdb::IOStatus::NoSpace("disk full (injected)");
    rocksdb::IOStatus status = target()->Append(data, options, dbg);
    if (status.ok()) fs_.Grew(name_, data.size());
    return status;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus refused = fs_.Refusal(); !refused.ok()) return refused;
    return target()->Flush(options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return SyncWith([&] { return target()->Sync(options, dbg); });
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    return SyncWith([&] { return target()->Fsync(options, dbg); });
  }

 private:
  template <typename Fn>
  rocksdb::IOStatus SyncWith(Fn sync) {
    if (rocksdb::IOStatus refused = fs_.Refusal(); !refused.ok()) return refused;
    rocksdb::IOStatus status = sync();
    if (status.ok()) fs_.Synced(name_);
    return status;
  }

  FaultFileSystem& fs_;
  const std::string name_;
};

FaultFileSystem::FaultFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base)
    : FileSystemWrapper(base) {}

rocksdb::IOStatus FaultFileSystem::Refusal() const {
  return power_cut_ ? rocksdb::IOStatus::IOError("power cut (injected)") : rocksdb::IOStatus::OK();
}

rocksdb::IOStatus FaultFileSystem::NewWritableFile(const std::string& name,
                                                   const rocksdb::FileOptions& options,
                                                   std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                   rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus refused = Refusal(); !refused.ok()) return refused;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus status = target()->NewWritableFile(name, options, &file, dbg);
  if (!status.ok()) return status;
  {
    MutexLock lock(mu_);
    files_[name] = {};
  }
  *result = std::make_unique<File>(*this, name, std::move(file));
  return status;
}

rocksdb::IOStatus FaultFileSystem::DeleteFile(const std::string& name,
                                              const rocksdb::IOOptions& options,
                                              rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus refused = Refusal(); !refused.ok()) return refused;
  rocksdb::IOStatus status = target()->DeleteFile(name, options, dbg);
  if (status.ok()) {
    MutexLock lock(mu_);
    files_.erase(name);
  }
  return status;
}

rocksdb::IOStatus FaultFileSystem::RenameFile(const std::string& from, const std::string& to,
                                              const rocksdb::IOOptions& options,
                                              rocksdb::IODebugContext* dbg) {
  if (rocksdb::IOStatus refused = Refusal(); !refused.ok()) return refused;
  rocksdb::IOStatus status = target()->RenameFile(from, to, options, dbg);
  if (status.ok()) {
    MutexLock lock(mu_);
    if (auto it = files_.find(from); it != files_.end()) {
      files_[to] = it->second;
      files_.erase(from);
    }
  }
  return status;
}

void FaultFileSystem::Grew(const std::string& name, uint64_t bytes) {
  MutexLock lock(mu_);
  files_[name].size += bytes;
}

void FaultFileSystem::Synced(const std::string& name) {
  MutexLock lock(mu_);
  Written& written = files_[name];
  written.synced = written.size;
}

void FaultFileSystem::DropUnsyncedData() {
  MutexLock lock(mu_);
  for (const auto& [name, written] : files_) {
    std::error_code ec;
    if (std::filesystem::exists(name, ec)) std::filesystem::resize_file(name, written.synced, ec);
  }
}

}  // namespace herald::store
