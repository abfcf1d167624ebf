#include "broker/store/open_store.h"

#include "broker/store/measured_store.h"
#include "broker/store/memory/memory_store.h"
#include "broker/store/rocksdb/rocksdb_store.h"

namespace herald::store {

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options,
                                                 observe::Metrics* metrics) {
  std::unique_ptr<Store> store;
  if (options.kind == StoreKind::kMemory) {
    store = std::make_unique<MemoryStore>();
  } else {
    absl::StatusOr<std::unique_ptr<RocksDbStore>> rocksdb = RocksDbStore::Open(
        {.path = options.data_dir,
         .durability = options.durability,
         .min_free_bytes = options.min_free_bytes,
         .write_seconds = metrics != nullptr ? &metrics->store_sync_seconds() : nullptr});
    if (!rocksdb.ok()) return rocksdb.status();
    store = *std::move(rocksdb);
  }
  if (metrics == nullptr) return store;
  return std::make_unique<MeasuredStore>(std::move(store), *metrics);
}

}  // namespace herald::store
