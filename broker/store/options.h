// Which store keeps the broker's history, and how durably. Assembled by config (heraldd's
// flags); read by OpenStore.
//
//   StoreOptions options{.kind = StoreKind::kRocksDb, .data_dir = "./data"};
#ifndef HERALD_BROKER_STORE_OPTIONS_H_
#define HERALD_BROKER_STORE_OPTIONS_H_

#include <cstdint>
#include <string>

namespace herald::store {

enum class StoreKind {
  // A ring per topic in RAM: nothing survives the process (the library's default).
  kMemory,
  // RocksDB in data_dir: history, offsets, epochs and dedup keys survive restarts.
  kRocksDb,
};

enum class Durability {
  // Acknowledged once the write-ahead log record is with the OS: survives kill -9 of the
  // process, not a power loss.
  kProcess,
  // Acknowledged once a WAL sync covers it; syncs are shared by every write finished before
  // one starts (group commit).
  kFsync,
};

struct StoreOptions {
  StoreKind kind = StoreKind::kMemory;
  std::string data_dir = "./data";
  Durability durability = Durability::kProcess;
  // RocksDB: publishes are refused while the data directory has less free space (see
  // RocksDbOptions::min_free_bytes).
  uint64_t min_free_bytes = 128 << 20;
};

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_OPTIONS_H_
