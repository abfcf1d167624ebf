// Per-client limits of the edge: connections open at once and new connections per second
// (a token bucket) for each client (see client_address.h for what one client is). Checked
// when a connection is accepted, or when a trusted proxy names its client; never on delivery.
//
//   ClientLimits limits({.max_connections = 100, .new_per_second = 20, .burst = 40}, clock);
//   ClientAdmission admission = limits.Admit(client);
//   if (!admission.refusal.ok()) { /* 429, Retry-After: admission.retry_after */ }
//   lease.Hold(std::move(admission.slot));   // counted until the connection ends
#ifndef HERALD_BROKER_EDGE_CLIENT_LIMITS_H_
#define HERALD_BROKER_EDGE_CLIENT_LIMITS_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/ip/address.hpp"
#include "broker/core/clock.h"
#include "broker/core/mutex.h"
#include "broker/edge/client_address.h"

namespace herald::edge {

// `rate` tokens a second, at most `capacity` saved up; starts full. Time is the caller's.
// Shared objects: unsafe.
class TokenBucket {
 public:
  TokenBucket(double rate, double capacity, absl::Time now)
      : rate_(rate), capacity_(capacity), tokens_(capacity), updated_(now) {}

  // Takes a token if one is there.
  bool TryTake(absl::Time now);
  // How long until a token is there (zero when one is).
  absl::Duration TimeToNext(absl::Time now);
  // Whether the bucket has refilled completely: forgetting it then loses nothing.
  bool IsFull(absl::Time now);

 private:
  void Refill(absl::Time now);

  double rate_;
  double capacity_;
  double tokens_;
  absl::Time updated_;
};

struct ClientLimitOptions {
  // Connections one client may hold open; 0 means no limit.
  size_t max_connections = 0;
  // New connections one client may open per second, and how many it may open at once after
  // a quiet spell; 0 per second means no limit.
  double new_per_second = 0;
  double burst = 1;
};

class ClientLimits;

// One admitted connection of a client, counted until the slot is destroyed. Move-only. An
// empty slot (default-constructed, or of limits that count nothing) counts nothing.
class ClientSlot {
 public:
  ClientSlot() = default;
  ClientSlot(ClientSlot&& other) noexcept : limits_(other.limits_), key_(other.key_) {
    other.limits_ = nullptr;
  }
  ClientSlot& operator=(ClientSlot&& other) noexcept;
  ~ClientSlot();

 private:
  friend class ClientLimits;
  ClientSlot(ClientLimits* limits, ClientKey key) : limits_(limits), key_(key) {}

  ClientLimits* limits_ = nullptr;
  ClientKey key_;
};

struct ClientAdmission {
  // OK with a slot to hold, or ResourceExhausted saying which limit refused.
  absl::Status refusal;
  ClientSlot slot;
  // When refused: when the client may try again.
  absl::Duration retry_after;
  // When refused: whether by the rate (else by the connections open).
  bool by_rate = false;
};

// Thread-safe. The table is split in parts, each under its own lock, so that shards
// admitting and releasing at once rarely meet. An entry lives while its client has
// connections open or its bucket has not refilled; others are swept, a part at a time, as
// admissions pass through it (at most once a second per part). Must outlive its slots.
class ClientLimits {
 public:
  // `clock` must outlive the limits.
  ClientLimits(ClientLimitOptions options, const Clock& clock) : options_(options), clock_(clock) {}
  ClientLimits(const ClientLimits&) = delete;
  ClientLimits& operator=(const ClientLimits&) = delete;

  // Counts a new connection of `client` or says why not.
  ClientAdmission Admit(const boost::asio::ip::address& client);

  // Clients with an entry (for tests and the memory bound).
  size_t TrackedClients();

 private:
  friend class ClientSlot;
  struct Entry {
    uint32_t connections = 0;
    TokenBucket bucket;
  };
  struct Part {
    Mutex mu;
    absl::flat_hash_map<ClientKey, Entry> entries ABSL_GUARDED_BY(mu);
    absl::Time swept ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  };
  static constexpr size_t kParts = 16;

  Part& PartOf(const ClientKey& key);
  void Release(const ClientKey& key);
  bool counts_anything() const {
    return options_.max_connections > 0 || options_.new_per_second > 0;
  }

  const ClientLimitOptions options_;
  const Clock& clock_;
  std::array<Part, kParts> parts_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_CLIENT_LIMITS_H_
