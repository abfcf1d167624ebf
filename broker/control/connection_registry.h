// The open streaming connections of this node, for AdminService's ListConnections,
// DisconnectConnection, Drain and GetStats. Transports register a connection when its
// stream starts and unregister it before the connection object dies.
//
//   std::string id = registry.Register({.transport = "grpc", .kind = "subscribe", ...},
//       [this](const absl::Status& why) { Disconnect(why); }, &events_);
//   ...
//   registry.Unregister(id);  // before `this` dies
#ifndef HERALD_BROKER_CONTROL_CONNECTION_REGISTRY_H_
#define HERALD_BROKER_CONTROL_CONNECTION_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "broker/core/mutex.h"

namespace herald::control {

struct ConnectionInfo {
  std::string transport;
  std::string kind;
  std::string peer;
  std::vector<std::string> topics;
  absl::Time connected_at;
};

struct ConnectionSnapshot {
  std::string id;
  ConnectionInfo info;
  uint64_t events = 0;
};

// Asks a connection to close with a reason. Called with the registry locked: it must not
// block or call back into the registry (post the work to the connection's own thread).
using DisconnectFn = std::function<void(const absl::Status& reason)>;

// Thread-safe.
class ConnectionRegistry {
 public:
  // `events` counts what the connection sent or acknowledged; it must stay valid until
  // Unregister(id) returns. Returns the connection's id.
  std::string Register(ConnectionInfo info, DisconnectFn disconnect,
                       const std::atomic<uint64_t>* events);
  // After it returns, the connection's DisconnectFn is not called again.
  void Unregister(const std::string& id);

  // Ordered by id; empty filters match everything.
  std::vector<ConnectionSnapshot> List(std::string_view topic, std::string_view transport) const;
  // NotFound when no open connection has `id`.
  absl::Status Disconnect(const std::string& id, const absl::Status& reason);
  // Returns how many connections were asked to close.
  size_t DisconnectAll(const absl::Status& reason);
  std::map<std::string, uint64_t> CountByTransport() const;

 private:
  struct Entry {
    ConnectionInfo info;
    DisconnectFn disconnect;
    const std::atomic<uint64_t>* events;
  };

  mutable Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Keyed by a fixed-width id so that map order is creation order.
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace herald::control

#endif  // HERALD_BROKER_CONTROL_CONNECTION_REGISTRY_H_
