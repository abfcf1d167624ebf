#include "broker/fanout/topic_audience.h"

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "broker/core/string_view.h"

namespace herald::fanout {

TopicAudience::Part& TopicAudience::PartOf(std::string_view topic) {
  return parts_[absl::Hash<absl::string_view>()(AbslView(topic)) % kParts];
}

absl::Status TopicAudience::Join(std::string_view topic, uint32_t limit) {
  Part& part = PartOf(topic);
  MutexLock lock(part.mu);
  uint32_t& count = part.counts[AbslView(topic)];
  if (limit > 0 && count >= limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("topic '", AbslView(topic), "' has ", count,
                     " subscribers on this node, its max_subscribers; try again later or on "
                     "another node"));
  }
  ++count;
  return absl::OkStatus();
}

void TopicAudience::Leave(std::string_view topic) {
  Part& part = PartOf(topic);
  MutexLock lock(part.mu);
  auto it = part.counts.find(AbslView(topic));
  if (it != part.counts.end() && --it->second == 0) part.counts.erase(it);
}

uint32_t TopicAudience::Count(std::string_view topic) {
  Part& part = PartOf(topic);
  MutexLock lock(part.mu);
  auto it = part.counts.find(AbslView(topic));
  return it == part.counts.end() ? 0 : it->second;
}

}  // namespace herald::fanout
