// A backend publisher: N events over one PublishStream, each acknowledged once stored.
//
// Every event carries a dedup_key, so a stream that breaks before all its acks arrived is
// retried by sending the unacknowledged events again with the same keys: the broker answers
// any it already stored with that event's first offset instead of storing it twice.
//
//   bazel run //examples/publishers/cpp:publish -- --server=127.0.0.1:50051 --count=100
//   ... --break_after=40    # ends the first stream after 40 acks, to show a retry
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <grpcpp/grpcpp.h>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/herald/v1/publish.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "heraldd's gRPC address");
ABSL_FLAG(std::string, topic, "orders", "the topic to publish to");
ABSL_FLAG(int, count, 100, "how many events to publish");
ABSL_FLAG(int, break_after, 0, "end the first stream after this many acks (0: never)");
ABSL_FLAG(int, attempts, 5, "streams to try before giving up");

namespace {

namespace v1 = herald::v1;

// Events sent once more after all were acked, to show a retry is answered from its key.
constexpr int kReplayed = 10;

struct Event {
  std::string dedup_key;
  std::string data;
};

// Sends `pending` (sequence numbers into `events`) on one stream and records each ack's
// offset in `acks`. Returns the stream's status; OK once every pending event was acked.
grpc::Status PublishAttempt(v1::PublishService::Stub& stub, const std::string& topic,
                            const std::map<int, Event>& events, const std::vector<int>& pending,
                            std::map<int, uint64_t>& acks, int break_after) {
  grpc::ClientContext context;
  auto stream = stub.PublishStream(&context);
  // Acks are read beside the writes: the server reads ahead of its acks only within a
  // bounded window, so a writer that never read would stall there.
  size_t received = 0;
  std::thread reader([&] {
    v1::PublishResponse ack;
    // Acks come in request order: the i-th ack is for the i-th event sent.
    while (received < pending.size() && stream->Read(&ack)) {
      acks[pending[received++]] = ack.offset();
      if (static_cast<int>(received) == break_after) {
        // Events past this one are on their way or stored already, but not acked to us.
        context.TryCancel();
        return;
      }
    }
  });
  for (int seq : pending) {
    v1::PublishRequest request;
    request.set_topic(topic);
    request.set_event("order");
    request.set_data(events.at(seq).data);
    request.set_dedup_key(events.at(seq).dedup_key);
    if (!stream->Write(request)) break;  // the stream ended: Finish says why
  }
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  if (status.ok() && received < pending.size()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream ended before every ack");
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const int count = absl::GetFlag(FLAGS_count);

  // The key names the event, not the attempt: the same event keeps it on every retry.
  const std::string run = absl::StrFormat("%08x", std::random_device()());
  std::map<int, Event> events;
  for (int seq = 1; seq <= count; ++seq) {
    events[seq] = {absl::StrCat(run, "-", seq),
                   absl::StrFormat(R"({"order":%d,"run":"%s"})", seq, run)};
  }

  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials());
  auto stub = v1::PublishService::NewStub(channel);
  std::map<int, uint64_t> acks;
  for (int attempt = 1; attempt <= absl::GetFlag(FLAGS_attempts); ++attempt) {
    std::vector<int> pending;
    for (const auto& [seq, event] : events) {
      if (!acks.contains(seq)) pending.push_back(seq);
    }
    if (pending.empty()) break;
    const grpc::Status status = PublishAttempt(*stub, topic, events, pending, acks,
                                               attempt == 1 ? absl::GetFlag(FLAGS_break_after) : 0);
    if (status.ok()) break;
    std::cerr << absl::StrFormat(
        "attempt %d: %d of %d acked (%s); sending the other %d again with the same dedup keys\n",
        attempt, acks.size(), count, status.error_message(), count - acks.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }

  if (static_cast<int>(acks.size()) != count) {
    std::cerr << absl::StrFormat("publish: only %d of %d events acked\n", acks.size(), count);
    return 1;
  }
  // A retry of events already acked, as a publisher that lost only the acks would send: each
  // must be answered with the offset it was first stored at, and nothing appended.
  std::vector<int> replay;
  for (int seq = 1; seq <= std::min(count, kReplayed); ++seq) replay.push_back(seq);
  std::map<int, uint64_t> replay_acks;
  if (const grpc::Status status = PublishAttempt(*stub, topic, events, replay, replay_acks, 0);
      !status.ok()) {
    std::cerr << "publish: the replay failed: " << status.error_message() << "\n";
    return 1;
  }
  for (int seq : replay) {
    if (replay_acks[seq] != acks[seq]) {
      std::cerr << absl::StrFormat("publish: event %d, sent again, got offset %d, not %d\n", seq,
                                   replay_acks[seq], acks[seq]);
      return 1;
    }
  }
  std::cout << absl::StrFormat(
      "sent %d acked events again with their keys: each answered with its first offset\n",
      replay.size());

  uint64_t first = UINT64_MAX;
  uint64_t last = 0;
  for (const auto& [seq, offset] : acks) {
    first = std::min(first, offset);
    last = std::max(last, offset);
  }
  // On a topic this publisher alone writes to, an event stored twice would leave a hole in
  // the acked offsets (its first copy's offset, acked to nobody).
  std::cout << absl::StrFormat(
      "published %d events to '%s': acked offsets %d..%d, %s\n", count, topic, first, last,
      last - first + 1 == static_cast<uint64_t>(count) ? "without a gap" : "WITH GAPS");
  return 0;
}
