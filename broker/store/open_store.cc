#include "broker/store/open_store.h"

#include "broker/store/memory/memory_store.h"
#include "broker/store/rocksdb/rocksdb_store.h"

namespace herald::store {

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  if (options.kind == StoreKind::kMemory) return std::make_unique<MemoryStore>();
  absl::StatusOr<std::unique_ptr<RocksDbStore>> store =
      RocksDbStore::Open({.path = options.data_dir,
                          .durability = options.durability,
                          .min_free_bytes = options.min_free_bytes});
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(*std::move(store));
}

}  // namespace herald::store
