#include "broker/fanout/subscription.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/core/status_macros.h"

namespace herald::fanout {

std::string_view NoticeName(Notice::Kind kind) {
  switch (kind) {
    case Notice::Kind::kGap:
      return "herald.gap";
    case Notice::Kind::kReset:
      return "herald.reset";
  }
  return "herald.notice";
}

Subscription::Subscription(Shard& shard, const Engine& engine, Delivery& delivery, CursorMode mode)
    : shard_(shard), engine_(engine), delivery_(delivery), mode_(mode) {}

Subscription::~Subscription() {
  for (const TopicState& state : topics_) {
    shard_.index().Remove(state.name, this);
    shard_.audience().Leave(state.name);
  }
}

Subscription::TopicState* Subscription::Find(std::string_view topic) {
  auto it = std::find_if(topics_.begin(), topics_.end(),
                         [topic](const TopicState& s) { return s.name == topic; });
  return it == topics_.end() ? nullptr : &*it;
}

absl::Status Subscription::Add(const std::string& topic, const CursorEntry* from) {
  if (Find(topic)) {
    return absl::AlreadyExistsError(absl::StrCat("already subscribed to topic '", topic, "'"));
  }
  if (topics_.size() >= Cursor::kMaxEntries) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a subscription holds at most ", Cursor::kMaxEntries, " topics; open another stream"));
  }
  const uint32_t hash = TopicHash(topic);
  for (const TopicState& state : topics_) {
    if (TopicHash(state.name) == hash) {
      return absl::InvalidArgumentError(absl::StrCat("topics '", state.name, "' and '", topic,
                                                     "' cannot share one subscription; use two"));
    }
  }
  HERALD_ASSIGN_OR_RETURN(const TopicInfo info, engine_.GetTopic(topic));
  HERALD_RETURN_IF_ERROR(shard_.audience().Join(topic, info.config.max_subscribers));
  TopicState& state = topics_.emplace_back();
  state.name = topic;
  state.epoch = info.epoch;
  state.next = info.last_offset + 1;
  shard_.index().Add(topic, this);
  if (from != nullptr) NoteResume(topic, *from);
  if (from == nullptr) {
    // Everything up to last_offset was appended before this point; anything later reaches
    // this shard's index after the Add above, so nothing falls between.
    state.live = true;
    return absl::OkStatus();
  }
  if (from->epoch != info.epoch) {
    state.next = info.first_offset;
    state.pending_notice = std::make_unique<Notice>(
        Notice{Notice::Kind::kReset, topic,
               absl::StrCat("cursor is from another history of topic '", topic,
                            "' (recreated or its store was wiped); restarting from its oldest "
                            "retained event")});
  } else if (from->offset > info.last_offset && !engine_.CatchUp(topic, info.epoch, from->offset)) {
    state.next = info.first_offset;
    state.pending_notice = std::make_unique<Notice>(Notice{
        Notice::Kind::kReset, topic,
        absl::StrCat("cursor is ahead of topic '", topic, "' (offset ", from->offset, ", newest ",
                     info.last_offset, "); restarting from its oldest retained event")});
  } else {
    // Past last_offset only while the engine catches up with the node that issued the
    // cursor: the events after it arrive live.
    state.next = from->offset + 1;
    state.live = state.next > info.last_offset;
  }
  return absl::OkStatus();
}

absl::Status Subscription::Remove(std::string_view topic) {
  auto it = std::find_if(topics_.begin(), topics_.end(),
                         [topic](const TopicState& s) { return s.name == topic; });
  if (it == topics_.end()) {
    return absl::NotFoundError(absl::StrFormat("not subscribed to topic '%s'", topic));
  }
  shard_.index().Remove(it->name, this);
  shard_.audience().Leave(it->name);
  topics_.erase(it);
  return absl::OkStatus();
}

void Subscription::Restart(TopicState& state, uint32_t epoch, uint64_t first, std::string message) {
  state.epoch = epoch;
  state.live = false;
  Notify(state, Notice::Kind::kReset, first, std::move(message));
}

void Subscription::Notify(TopicState& state, Notice::Kind kind, uint64_t next,
                          std::string message) {
  state.next = next;
  if (observe::Metrics* metrics = shard_.metrics()) {
    (kind == Notice::Kind::kGap ? metrics->gaps() : metrics->resets()).Increment();
  }
  if (mode_ == CursorMode::kCombined) {
    combined_id_ = cursor().Encode();
  } else {
    combined_id_ = EncodeTopicCursor(state.name, state.epoch, next - 1);
  }
  delivery_.DeliverNotice({kind, state.name, std::move(message)}, combined_id_);
}

Cursor Subscription::cursor() const {
  // Built on demand: the hot path (one-topic streams) never needs it.
  Cursor cursor;
  for (const TopicState& state : topics_) cursor.Set(state.name, state.epoch, state.next - 1);
  return cursor;
}

std::vector<std::string> Subscription::topic_names() const {
  std::vector<std::string> names;
  names.reserve(topics_.size());
  for (const TopicState& state : topics_) names.push_back(state.name);
  return names;
}

bool Subscription::replaying() const {
  return std::any_of(topics_.begin(), topics_.end(), [](const TopicState& s) { return !s.live; });
}

void Subscription::Pump() {
  for (TopicState& state : topics_) {
    if (!state.live && !PumpTopic(state)) return;
  }
  if (resume_ && !replaying()) FinishResume();
}

void Subscription::NoteResume(const std::string& topic, const CursorEntry& from) {
  observe::Metrics* metrics = shard_.metrics();
  if (metrics == nullptr) return;
  if (!resume_) {
    resume_ = std::make_unique<Resume>();
    metrics->resumes().Increment();
  }
  // The event the cursor names: one read per resumed topic, none on the live path.
  if (from.offset == 0) return;
  absl::StatusOr<EncodedRead> read = shard_.history().Read(engine_, topic, from.offset - 1, 1);
  if (!read.ok() || read->epoch != from.epoch || read->events.empty() ||
      read->events.front()->event->offset != from.offset) {
    return;
  }
  const absl::Time published = read->events.front()->event->publish_time;
  if (!resume_->cursor_time || published > *resume_->cursor_time) {
    resume_->cursor_time = published;
  }
}

void Subscription::FinishResume() {
  observe::Metrics& metrics = *shard_.metrics();
  if (resume_->cursor_time) {
    metrics.resume_away_seconds().Observe(
        std::max(0.0, absl::ToDoubleSeconds(resume_->resumed_at - *resume_->cursor_time)));
  }
  metrics.resume_replayed_events().Observe(static_cast<double>(resume_->replayed));
  resume_.reset();
}

bool Subscription::PumpTopic(TopicState& state) {
  if (state.pending_notice) {
    const std::unique_ptr<Notice> notice = std::move(state.pending_notice);
    Notify(state, notice->kind, state.next, std::move(notice->message));
  }
  while (!state.live && !overflowed_) {
    if (!delivery_.HasRoom()) return false;
    absl::StatusOr<EncodedRead> read =
        shard_.history().Read(engine_, state.name, state.next - 1, kReplayBatch);
    if (!read.ok()) {
      // Deleted while subscribed: nothing to replay; should it be created again, its first
      // live event carries a new epoch and restarts this topic.
      state.live = true;
      return true;
    }
    if (read->epoch != state.epoch) {
      Restart(state, read->epoch, read->first_offset,
              absl::StrCat("topic '", state.name,
                           "' was recreated; restarting from its oldest "
                           "retained event"));
      continue;
    }
    if (read->first_offset > state.next) {
      Notify(
          state, Notice::Kind::kGap, read->first_offset,
          absl::StrCat("events ", state.next, "..", read->first_offset - 1, " of topic '",
                       state.name, "' are past retention; continuing from ", read->first_offset));
    }
    for (const std::shared_ptr<const EncodedEvent>& event : read->events) {
      if (event->event->offset != state.next) continue;
      Emit(state, event);
      if (resume_) ++resume_->replayed;
    }
    // Caught up with what the topic held when read; later events reach the index live.
    if (state.next > read->last_offset || read->events.empty()) state.live = true;
  }
  return !overflowed_;
}

void Subscription::OnLive(const std::shared_ptr<const EncodedEvent>& encoded) {
  if (overflowed_) return;
  // The index calls a subscription only for topics it follows: with one, there is no name to
  // compare (the comparison and its cache miss were 2.4 % of a shard's time in scenario B).
  TopicState* state = topics_.size() == 1 ? &topics_.front() : Find(encoded->event->topic);
  if (state == nullptr) return;
  const Event& event = *encoded->event;
  if (event.epoch != state->epoch) {
    absl::StatusOr<TopicInfo> info = engine_.GetTopic(state->name);
    if (!info.ok() || info->epoch != event.epoch) return;
    Restart(*state, info->epoch, info->first_offset,
            absl::StrCat("topic '", state->name,
                         "' was recreated; restarting from its oldest "
                         "retained event"));
    PumpTopic(*state);
    return;
  }
  if (event.offset < state->next || !state->live) return;
  if (event.offset > state->next) {
    // Behind the live stream (cannot happen while the engine keeps its ordering promise):
    // fetch the difference from the store rather than skip it.
    state->live = false;
    PumpTopic(*state);
    return;
  }
  if (!delivery_.HasRoom()) {
    overflowed_ = true;
    delivery_.Overflow();
    return;
  }
  Emit(*state, encoded);
}

void Subscription::Emit(TopicState& state, const std::shared_ptr<const EncodedEvent>& event) {
  state.next = event->event->offset + 1;
  delivery_.Deliver(event, IdFor(event));
}

const std::string& Subscription::IdFor(const std::shared_ptr<const EncodedEvent>& event) {
  if (mode_ == CursorMode::kPerTopic || topics_.size() == 1) return event->cursor;
  combined_id_ = cursor().Encode();
  return combined_id_;
}

}  // namespace herald::fanout
