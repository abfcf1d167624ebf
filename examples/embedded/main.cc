// A whole Herald broker in-process: create a topic, subscribe, publish, resume from a cursor.
#include <cstdio>
#include <future>
#include <string>

#include "broker/broker.h"

int main() {
  absl::StatusOr<std::unique_ptr<herald::Broker>> broker = herald::Broker::Start({});
  if (!broker.ok()) {
    std::fprintf(stderr, "start: %s\n", broker.status().ToString().c_str());
    return 1;
  }
  herald::Broker& herald = **broker;
  if (absl::Status s = herald.CreateTopic({.name = "greetings"}).status(); !s.ok()) {
    std::fprintf(stderr, "create: %s\n", s.ToString().c_str());
    return 1;
  }

  // Callbacks run on a broker thread; this one hands the third event back to main.
  std::promise<std::string> third;
  int seen = 0;
  auto subscription =
      herald.Subscribe({"greetings"}, /*from=*/"", [&](const herald::SubscriberEvent& e) {
        std::printf("live:    offset %llu  %s\n", static_cast<unsigned long long>(e.event->offset),
                    e.event->data.c_str());
        if (++seen == 3) third.set_value(e.cursor);
      });
  if (!subscription.ok()) {
    std::fprintf(stderr, "subscribe: %s\n", subscription.status().ToString().c_str());
    return 1;
  }

  std::string first_cursor;
  for (const char* word : {"hello", "bonjour", "hallo"}) {
    absl::StatusOr<herald::PublishResult> r = herald.Publish({.topic = "greetings", .data = word});
    if (!r.ok()) {
      std::fprintf(stderr, "publish: %s\n", r.status().ToString().c_str());
      return 1;
    }
    if (first_cursor.empty()) first_cursor = r->cursor;
  }
  third.get_future().wait();
  (*subscription)->Cancel();

  // A client that saw only the first event resumes from its cursor and gets the rest once.
  std::promise<void> caught_up;
  int replayed = 0;
  auto resumed =
      herald.Subscribe({"greetings"}, first_cursor, [&](const herald::SubscriberEvent& e) {
        std::printf("resumed: offset %llu  %s\n", static_cast<unsigned long long>(e.event->offset),
                    e.event->data.c_str());
        if (++replayed == 2) caught_up.set_value();
      });
  if (!resumed.ok()) return 1;
  caught_up.get_future().wait();
  return 0;
}
