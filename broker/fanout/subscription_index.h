// One shard's map from topic to the subscriptions on that shard that follow it.
#ifndef HERALD_BROKER_FANOUT_SUBSCRIPTION_INDEX_H_
#define HERALD_BROKER_FANOUT_SUBSCRIPTION_INDEX_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "broker/fanout/encoded_event.h"

namespace herald::fanout {

class Subscription;

// Shared objects: unsafe; use only on the owning shard's thread.
class SubscriptionIndex {
 public:
  // Adds `subscription` to `topic`'s followers.
  void Add(const std::string& topic, Subscription* subscription);
  // Safe to call while Dispatch() runs (a subscription may leave from inside its delivery).
  void Remove(const std::string& topic, Subscription* subscription);
  // Hands `event` to every subscription of its topic, in the order they joined.
  void Dispatch(const std::shared_ptr<const EncodedEvent>& event);

  size_t subscriptions(std::string_view topic) const;
  size_t topics() const { return by_topic_.size(); }

 private:
  struct Followers {
    // Removed entries become nullptr while a dispatch is walking the list; it compacts after.
    std::vector<Subscription*> list;
    size_t live = 0;
    bool dispatching = false;
  };

  // Node-based: a delivery may subscribe elsewhere mid-dispatch without moving this entry.
  absl::node_hash_map<std::string, Followers> by_topic_;
};

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_SUBSCRIPTION_INDEX_H_
