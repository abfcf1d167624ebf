#include "broker/control/connection_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "broker/core/string_view.h"

namespace herald::control {

std::string ConnectionRegistry::Register(ConnectionInfo info, DisconnectFn disconnect,
                                         const std::atomic<uint64_t>* events) {
  MutexLock lock(mu_);
  std::string id = absl::StrFormat("c%08d", next_id_++);
  entries_.emplace(id, Entry{std::move(info), std::move(disconnect), events});
  return id;
}

void ConnectionRegistry::Unregister(const std::string& id) {
  MutexLock lock(mu_);
  entries_.erase(id);
}

std::vector<ConnectionSnapshot> ConnectionRegistry::List(std::string_view topic,
                                                         std::string_view transport) const {
  std::vector<ConnectionSnapshot> result;
  MutexLock lock(mu_);
  for (const auto& [id, entry] : entries_) {
    if (!transport.empty() && entry.info.transport != transport) continue;
    if (!topic.empty() && std::find(entry.info.topics.begin(), entry.info.topics.end(), topic) ==
                              entry.info.topics.end()) {
      continue;
    }
    result.push_back({.id = id,
                      .info = entry.info,
                      .events = entry.events == nullptr ? 0 : entry.events->load()});
  }
  return result;
}

absl::Status ConnectionRegistry::Disconnect(const std::string& id, const absl::Status& reason) {
  MutexLock lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return absl::NotFoundError(
        absl::StrFormat("no open connection '%s'; list them with heraldctl connections list", id));
  }
  // Called under the lock so that the connection cannot unregister and die meanwhile.
  it->second.disconnect(reason);
  return absl::OkStatus();
}

size_t ConnectionRegistry::DisconnectAll(const absl::Status& reason) {
  MutexLock lock(mu_);
  for (auto& [id, entry] : entries_) entry.disconnect(reason);
  return entries_.size();
}

std::map<std::string, uint64_t> ConnectionRegistry::CountByTransport() const {
  std::map<std::string, uint64_t> counts;
  MutexLock lock(mu_);
  for (const auto& [id, entry] : entries_) ++counts[entry.info.transport];
  return counts;
}

}  // namespace herald::control
