#include "broker/fanout/subscription_index.h"

#include <algorithm>

#include "broker/core/string_view.h"
#include "broker/fanout/subscription.h"

namespace herald::fanout {

void SubscriptionIndex::Add(const std::string& topic, Subscription* subscription) {
  Followers& followers = by_topic_[topic];
  followers.list.push_back(subscription);
  ++followers.live;
}

void SubscriptionIndex::Remove(const std::string& topic, Subscription* subscription) {
  auto it = by_topic_.find(AbslView(topic));
  if (it == by_topic_.end()) return;
  Followers& followers = it->second;
  auto slot = std::find(followers.list.begin(), followers.list.end(), subscription);
  if (slot == followers.list.end()) return;
  --followers.live;
  if (followers.dispatching) {
    *slot = nullptr;
    return;
  }
  followers.list.erase(slot);
  if (followers.list.empty()) by_topic_.erase(it);
}

void SubscriptionIndex::Dispatch(const std::shared_ptr<const EncodedEvent>& event) {
  auto it = by_topic_.find(event->event->topic);
  if (it == by_topic_.end()) return;
  Followers& followers = it->second;
  followers.dispatching = true;
  // Indexing, not iterators: a delivery may Add() to this very list, growing it.
  for (size_t i = 0; i < followers.list.size(); ++i) {
    if (Subscription* subscription = followers.list[i]) subscription->OnLive(event);
  }
  followers.dispatching = false;
  if (followers.live != followers.list.size()) {
    std::erase(followers.list, nullptr);
    if (followers.list.empty()) by_topic_.erase(it);
  }
}

size_t SubscriptionIndex::subscriptions(std::string_view topic) const {
  auto it = by_topic_.find(AbslView(topic));
  return it == by_topic_.end() ? 0 : it->second.live;
}

}  // namespace herald::fanout
