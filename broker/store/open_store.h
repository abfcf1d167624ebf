// Opens the store StoreOptions describe.
//
//   HERALD_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(options.store));
#ifndef HERALD_BROKER_STORE_OPEN_STORE_H_
#define HERALD_BROKER_STORE_OPEN_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "broker/core/store.h"
#include "broker/observe/metrics.h"
#include "broker/store/options.h"

namespace herald::store {

// See RocksDbStore::Open for the errors of a data directory that cannot be used. With
// `metrics`, the store's appends, writes and reads are timed into it (MeasuredStore); it must
// outlive the store.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options,
                                                 observe::Metrics* metrics = nullptr);

}  // namespace herald::store

#endif  // HERALD_BROKER_STORE_OPEN_STORE_H_
