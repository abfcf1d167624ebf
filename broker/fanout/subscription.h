// One subscriber's subscription: which topics it follows, where it stands in each, and the
// replay-then-live state machine that delivers every retained event exactly once, in order.
//
// Resume without gap or duplicate while publishes race: each topic's position is the next
// offset owed. A subscription replays from the engine while it is behind; live events ahead
// of its position are ignored then (the replay reads them from the store), live events at or
// below it are duplicates and dropped, and once a replay read comes up short of its batch the
// topic is live and takes events as the shard dispatches them.
//
//   class MySession : public Delivery { ... };
//   Subscription sub(shard, engine, session, CursorMode::kCombined);
//   HERALD_RETURN_IF_ERROR(sub.Add("orders", cursor.Find("orders")));
//   sub.Pump();                       // once every topic has joined
//   ...after each completed write: if (sub.replaying()) sub.Pump();
#ifndef HERALD_BROKER_FANOUT_SUBSCRIPTION_H_
#define HERALD_BROKER_FANOUT_SUBSCRIPTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "broker/core/cursor.h"
#include "broker/core/engine.h"
#include "broker/fanout/encoded_event.h"
#include "broker/fanout/shard.h"

namespace herald::fanout {

// Why a subscriber did not get the events it asked for.
struct Notice {
  enum class Kind {
    // The cursor is older than retention: events between it and the oldest retained are gone.
    kGap,
    // The cursor is of another history of the topic (recreated, store wiped): delivery
    // restarts at the oldest retained event of the current epoch.
    kReset,
  };
  Kind kind;
  std::string topic;
  std::string message;
};

// Event names of the notices on SSE and WS ("herald.gap", "herald.reset").
std::string_view NoticeName(Notice::Kind kind);

// Where a subscription's events go: implemented by the transports' sessions. Called on the
// subscription's shard thread. Implementations must not destroy the subscription from inside
// these calls (post the teardown instead).
class Delivery {
 public:
  virtual ~Delivery() = default;
  // Whether the session's outbound queue is under its bound.
  virtual bool HasRoom() const = 0;
  // `id` is what the client resumes from: the event's own cursor (`event.cursor`) for
  // per-topic cursors, or the subscription's combined cursor after this event.
  virtual void Deliver(const std::shared_ptr<const EncodedEvent>& event, const std::string& id) = 0;
  // `id` is the cursor after the notice.
  virtual void DeliverNotice(const Notice& notice, const std::string& id) = 0;
  // A live event found the queue full: the session must close with a reason; the client
  // resumes from its last cursor.
  virtual void Overflow() = 0;
};

enum class CursorMode {
  // Each event carries its own topic's cursor (WebSocket: subscriptions are per topic).
  kPerTopic,
  // Each event carries one cursor of every topic of the subscription (SSE, gRPC).
  kCombined,
};

// Shared objects: unsafe; create, use and destroy on the shard's thread.
class Subscription {
 public:
  // How many events one replay step reads from the engine.
  static constexpr size_t kReplayBatch = 256;

  // `shard`, `engine` and `delivery` must outlive the subscription.
  Subscription(Shard& shard, const Engine& engine, Delivery& delivery, CursorMode mode);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Follows `topic` from `from` (nullptr: from the next event published). Delivers nothing:
  // call Pump() once every topic of the subscription has joined, so that every id and notice
  // carries the position of every topic (an id missing a topic would resume it from "now",
  // losing its history). NotFound for an unknown topic; InvalidArgument past
  // Cursor::kMaxEntries topics or when two topics' hashes collide; AlreadyExists when the
  // topic is followed already; ResourceExhausted when the topic has its max_subscribers on
  // this node.
  absl::Status Add(const std::string& topic, const CursorEntry* from);
  // Stops following `topic`; NotFound when it was not followed.
  absl::Status Remove(std::string_view topic);

  // Delivers the notices owed since Add() and replays while the delivery has room. Call
  // after adding topics and whenever the delivery has drained.
  void Pump();
  // True while some topic still has history to replay.
  bool replaying() const;

  // A live event of a followed topic (called by the shard's index).
  void OnLive(const std::shared_ptr<const EncodedEvent>& event);

  // Where the subscriber stands: every followed topic's epoch and last delivered offset.
  Cursor cursor() const;
  size_t topics() const { return topics_.size(); }
  // The followed topics, in the order they were added.
  std::vector<std::string> topic_names() const;

 private:
  struct TopicState {
    std::string name;
    uint32_t epoch = 0;
    // The next offset owed to the subscriber.
    uint64_t next = 1;
    bool live = false;
    // A notice found by Add(), delivered by the first Pump(). Apart: it is rare, and every
    // subscription of every idle connection holds its topics' states.
    std::unique_ptr<Notice> pending_notice;
  };
  // What a resume is measured by, from Add() until every topic is live.
  struct Resume {
    // Publish times are the node's wall-clock times, and so is this.
    absl::Time resumed_at = absl::Now();
    // The publish time of the newest event the cursor names, when retained.
    std::optional<absl::Time> cursor_time;
    uint64_t replayed = 0;
  };

  TopicState* Find(std::string_view topic);
  // Replays one topic while there is room; returns false when it hit a full queue.
  bool PumpTopic(TopicState& state);
  // Moves `state` to a new epoch, owing from `first`, and tells the subscriber.
  void Restart(TopicState& state, uint32_t epoch, uint64_t first, std::string message);
  // Moves `state` to owe from `next` and delivers a notice with the cursor after it.
  void Notify(TopicState& state, Notice::Kind kind, uint64_t next, std::string message);
  void Emit(TopicState& state, const std::shared_ptr<const EncodedEvent>& event);
  const std::string& IdFor(const std::shared_ptr<const EncodedEvent>& event);
  // Add() of a topic resuming from `from`: counts the resume once per subscription.
  void NoteResume(const std::string& topic, const CursorEntry& from);
  // Once every topic is live: how long the subscriber was away and how much it replayed.
  void FinishResume();

  Shard& shard_;
  const Engine& engine_;
  Delivery& delivery_;
  const CursorMode mode_;
  std::vector<TopicState> topics_;
  std::string combined_id_;
  // Set once Overflow() was reported: nothing more is delivered.
  bool overflowed_ = false;
  // Set while a resume is replayed.
  std::unique_ptr<Resume> resume_;
};

}  // namespace herald::fanout

#endif  // HERALD_BROKER_FANOUT_SUBSCRIPTION_H_
