#include "broker/edge/client_limits.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace herald::edge {

void TokenBucket::Refill(absl::Time now) {
  if (now <= updated_) return;
  tokens_ = std::min(capacity_, tokens_ + absl::ToDoubleSeconds(now - updated_) * rate_);
  updated_ = now;
}

bool TokenBucket::TryTake(absl::Time now) {
  Refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

absl::Duration TokenBucket::TimeToNext(absl::Time now) {
  Refill(now);
  if (tokens_ >= 1) return absl::ZeroDuration();
  return absl::Seconds((1 - tokens_) / rate_);
}

bool TokenBucket::IsFull(absl::Time now) {
  Refill(now);
  return tokens_ >= capacity_;
}

ClientSlot& ClientSlot::operator=(ClientSlot&& other) noexcept {
  if (this != &other) {
    if (limits_ != nullptr) limits_->Release(key_);
    limits_ = std::exchange(other.limits_, nullptr);
    key_ = other.key_;
  }
  return *this;
}

ClientSlot::~ClientSlot() {
  if (limits_ != nullptr) limits_->Release(key_);
}

ClientLimits::Part& ClientLimits::PartOf(const ClientKey& key) {
  return parts_[absl::Hash<ClientKey>()(key) % kParts];
}

ClientAdmission ClientLimits::Admit(const boost::asio::ip::address& client) {
  if (!counts_anything()) return {};
  const absl::Time now = clock_.Now();
  const ClientKey key = ClientKeyOf(client);
  Part& part = PartOf(key);
  MutexLock lock(part.mu);
  if (now - part.swept >= absl::Seconds(1)) {
    part.swept = now;
    absl::erase_if(part.entries, [now](auto& entry) {
      return entry.second.connections == 0 && entry.second.bucket.IsFull(now);
    });
  }
  // A limit of no rate still needs a bucket in the entry: one that never runs dry.
  const double rate = options_.new_per_second > 0 ? options_.new_per_second : 1;
  const double burst = options_.new_per_second > 0 ? std::max(options_.burst, 1.0) : 1;
  Entry& entry =
      part.entries.try_emplace(key, Entry{.bucket = TokenBucket(rate, burst, now)}).first->second;
  if (options_.max_connections > 0 && entry.connections >= options_.max_connections) {
    return {.refusal = absl::ResourceExhaustedError(absl::StrCat(
                "client ", client.to_string(), " has ", entry.connections,
                " connections open, the most one client may; close some before opening more")),
            .retry_after = absl::Seconds(1)};
  }
  if (options_.new_per_second > 0 && !entry.bucket.TryTake(now)) {
    return {.refusal = absl::ResourceExhaustedError(
                absl::StrCat("client ", client.to_string(), " opens connections faster than ",
                             options_.new_per_second, " per second; slow down")),
            .retry_after = entry.bucket.TimeToNext(now),
            .by_rate = true};
  }
  ++entry.connections;
  return {.slot = ClientSlot(this, key)};
}

void ClientLimits::Release(const ClientKey& key) {
  Part& part = PartOf(key);
  MutexLock lock(part.mu);
  auto it = part.entries.find(key);
  if (it == part.entries.end()) return;
  Entry& entry = it->second;
  if (--entry.connections == 0 && entry.bucket.IsFull(clock_.Now())) part.entries.erase(it);
}

size_t ClientLimits::TrackedClients() {
  size_t count = 0;
  for (Part& part : parts_) {
    MutexLock lock(part.mu);
    count += part.entries.size();
  }
  return count;
}

}  // namespace herald::edge
