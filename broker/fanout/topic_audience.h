// How many subscribers of each topic this node serves, across its shards: what a topic's
// max_subscribers is held to. Subscriptions join and leave when they add and remove a topic;
// delivery never looks at it.
//
//   HERALD_RETURN_IF_ERROR(audience.Join("room", /*limit=*/50));   // ResourceExhausted if full
//   audience.Leave("room");
#ifndef HERALD_BROKER_FANOUT_TOPIC_AUDIENCE_H_
#define HERALD_BROKER_FANOUT_TOPIC_AUDIENCE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "broker/core/mutex.h"

namespace herald::fanout {

// Thread-safe. Split in parts, each under its own lock, so that shards subscribing at once
// rarely meet. A topic has an entry only while someone on this node follows it.
class TopicAudience {
 public:
  // Counts one more subscriber of `topic`, unless `limit` of them are there already (0: no
  // limit): ResourceExhausted, saying so, then.
  absl::Status Join(std::string_view topic, uint32_t limit);
  // One subscriber of `topic` fewer; each Join that succeeded needs one.
  void Leave(std::string_view topic);
  // Subscribers of `topic` on this node.
  uint32_t Count(std::string_view topic);

 private:
  struct Part {
    Mutex mu;
    absl::flat_hash_map<std::string, uint32_t> counts ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kParts = 16;
  Part& PartOf(std::string_view topic);

  std::array<Part, kParts> parts_;
};

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_TOPIC_AUDIENCE_H_
