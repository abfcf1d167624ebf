// A file system for tests that fails the way disks do: a power cut that loses every byte
// not yet synced, and a full disk.
//
//   auto fs = std::make_shared<FaultFileSystem>(rocksdb::FileSystem::Default());
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   ... open a RocksDbStore with env.get(), publish ...
//   fs->CutPower();            // nothing reaches the disk any more
//   store.reset();             // the process "dies"
//   fs->DropUnsyncedData();    // the disk as it is after the power comes back
#ifndef HERALD_BROKER_STORE_ROCKSDB_FAULT_FILE_SYSTEM_H_
#define HERALD_BROKER_STORE_ROCKSDB_FAULT_FILE_SYSTEM_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "broker/core/mutex.h"
#include "rocksdb/file_system.h"

namespace herald::store {

// Thread-safe.
class FaultFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base);

  static const char* kClassName() { return "HeraldFaultFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // From now on every write, sync, rename and delete fails and changes nothing.
  void CutPower() { power_cut_ = true; }
  // Truncates every file written through this file system to what its last sync covered.
  void DropUnsyncedData();
  // While full, appends fail with NoSpace.
  void SetDiskFull(bool full) { disk_full_ = full; }

 private:
  class File;
  struct Written {
    uint64_t size = 0;
    uint64_t synced = 0;
  };

  rocksdb::IOStatus Refusal() const;
  void Grew(const std::string& name, uint64_t bytes);
  void Synced(const std::string& name);

  std::atomic<bool> power_cut_{false};
  std::atomic<bool> disk_full_{false};
  Mutex mu_;
  std::map<std::string, Written> files_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_ROCKSDB_FAULT_FILE_SYSTEM_H_
