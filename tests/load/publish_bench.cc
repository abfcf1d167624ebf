// herald_publishbench: how fast Herald acknowledges publishes, and how long each ack takes.
// N concurrent gRPC PublishStreams each keep --window requests unacknowledged (or, with
// --unary, N callers each keep one unary Publish in flight); after --warmup, it counts the
// acks received during --duration and times each from its request's write to its ack.
//
//   herald_publishbench --grpc=127.0.0.1:50051 --topic=bench --streams=16
//   herald_publishbench --unary --streams=16 --topics=4 --server_pid=$(pidof heraldd)
//       --json=/tmp/unary16.json
//
// The callers are gRPC callback reactors on gRPC's own threads, not a thread each: the load
// tool shares a 2-core machine with the server it measures.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "api/herald/v1/publish.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/load/latency_histogram.h"
#include "tests/load/measure.h"
#include "tests/load/payload.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "Herald gRPC address");
ABSL_FLAG(std::string, token, "", "bearer token for Herald's gRPC API");
ABSL_FLAG(std::string, topic, "bench",
          "topic to publish to; with --topics=K > 1, the prefix of topics TOPIC-0..TOPIC-(K-1)");
ABSL_FLAG(int, topics, 1, "topics the publishes are spread over, round robin");
ABSL_FLAG(int, streams, 1, "concurrent PublishStreams, or unary callers with --unary");
ABSL_FLAG(int, window, 64, "unacknowledged requests per PublishStream");
ABSL_FLAG(bool, unary, false, "publish with unary Publish calls, one in flight per caller");
ABSL_FLAG(int, payload, 64, "bytes per event");
ABSL_FLAG(double, warmup, 2, "seconds of publishing before measuring");
ABSL_FLAG(double, duration, 10, "seconds measured");
ABSL_FLAG(int, server_pid, 0, "server process for its CPU figure (0: none)");
ABSL_FLAG(std::string, label, "", "name of this run in the summary");
ABSL_FLAG(std::string, json, "", "also write the results as JSON to this file");

namespace herald::load {
namespace {

using v1::PublishRequest;
using v1::PublishResponse;
using v1::PublishService;

// What every caller shares. Owned by Main; outlives the callers.
struct Bench {
  PublishService::Stub* stub = nullptr;
  std::vector<std::string> topics;
  size_t payload = 0;
  size_t window = 0;
  std::string token;
  Window measured;
  // Set at the end of the measured window: callers send nothing more and wind down.
  std::atomic<bool> stop{false};

  // Callers that have not finished; each counts itself out from its last reaction.
  std::mutex mu;
  std::condition_variable finished;
  int running = 0;

  // Request `seq` of caller `caller`. Callers start on different topics so that even one
  // request each spreads over all of them.
  void Fill(PublishRequest& request, uint64_t seq, int caller) const {
    request.set_topic(topics[(seq + static_cast<uint64_t>(caller)) % topics.size()]);
    request.set_data(MakePayload(seq, payload));
  }

  void CallerDone() {
    std::lock_guard lock(mu);
    --running;
    finished.notify_all();
  }
};

// One caller's figures.
struct Tally {
  LatencyHistogram latency;  // of the acks received in the measured window
  uint64_t measured_acks = 0;
  std::string error;  // why the caller ended early; empty when it ran to the stop

  void Ack(const Window& measured, uint64_t sent_ns) {
    const uint64_t now = MonotonicNanos();
    if (!measured.Contains(now)) return;
    latency.Record(now - sent_ns);
    ++measured_acks;
  }
};

// One PublishStream holding up to Bench::window requests unacknowledged. gRPC allows one write
// in flight per stream, so the next request goes out when the last write is done and the
// window has room; the server acks in request order, so the oldest send time is the one an
// ack answers. Owned by Main, alive until OnDone. Read and write reactions may run at once on
// two of gRPC's threads, hence the lock; no Start* is called under it, as gRPC may run a
// reaction inline.
class StreamCaller final : public grpc::ClientBidiReactor<PublishRequest, PublishResponse> {
 public:
  StreamCaller(Bench& bench, int index) : bench_(bench), index_(index) {}

  void Start() {
    if (!bench_.token.empty()) context_.AddMetadata("authorization", "Bearer " + bench_.token);
    bench_.stub->async()->PublishStream(&context_, this);
    StartRead(&response_);
    WriteNext();
    StartCall();
  }

  // After OnDone.
  const Tally& tally() const { return tally_; }

  void OnWriteDone(bool ok) override {
    // Not ok: the stream is broken; the failed read and OnDone say why.
    if (!ok) return;
    {
      std::lock_guard lock(mu_);
      writing_ = false;
    }
    WriteNext();
  }

  void OnReadDone(bool ok) override {
    // Not ok: the server ended the stream; OnDone follows.
    if (!ok) return;
    {
      std::lock_guard lock(mu_);
      tally_.Ack(bench_.measured, sent_ns_.front());
      sent_ns_.pop_front();
    }
    StartRead(&response_);
    WriteNext();
  }

  void OnDone(const grpc::Status& status) override {
    if (!status.ok()) tally_.error = status.error_message();
    bench_.CallerDone();
  }

 private:
  // Writes the next request, or ends the writes once stopped; nothing while a write is in
  // flight or the window is full (the next ack or write completion calls again).
  void WriteNext() {
    bool end = false;
    {
      std::lock_guard lock(mu_);
      if (writing_ || writes_done_) return;
      if (bench_.stop) {
        writes_done_ = true;
        end = true;
      } else if (sent_ns_.size() >= bench_.window) {
        return;
      } else {
        writing_ = true;
        bench_.Fill(request_, ++seq_, index_);
        sent_ns_.push_back(MonotonicNanos());
      }
    }
    // The server acks what it has and ends the stream OK once it sees the writes end.
    if (end) {
      StartWritesDone();
    } else {
      StartWrite(&request_);
    }
  }

  Bench& bench_;
  const int index_;
  grpc::ClientContext context_;
  PublishResponse response_;
  std::mutex mu_;
  PublishRequest request_;        // guarded by mu_ while !writing_, by gRPC while writing_
  std::deque<uint64_t> sent_ns_;  // guarded by mu_: send times of the unacknowledged requests
  uint64_t seq_ = 0;              // guarded by mu_
  bool writing_ = false;          // guarded by mu_
  bool writes_done_ = false;      // guarded by mu_
  Tally tally_;                   // guarded by mu_ until OnDone
};

// One unary caller: one Publish in flight, the next started from the last one's completion,
// so its state needs no lock (gRPC orders each completion after the start of its call).
class UnaryCaller {
 public:
  UnaryCaller(Bench& bench, int index) : bench_(bench), index_(index) {}

  void Start() { Publish(); }

  // After Bench::CallerDone.
  const Tally& tally() const { return tally_; }

 private:
  struct Call {
    grpc::ClientContext context;
    PublishRequest request;
    PublishResponse response;
    uint64_t sent_ns = 0;
  };

  void Publish() {
    // Replaces the finished call from within its own callback: gRPC holds a reference to the
    // call until the callback returns.
    call_ = std::make_unique<Call>();
    if (!bench_.token.empty()) {
      call_->context.AddMetadata("authorization", "Bearer " + bench_.token);
    }
    bench_.Fill(call_->request, ++seq_, index_);
    call_->sent_ns = MonotonicNanos();
    bench_.stub->async()->Publish(&call_->context, &call_->request, &call_->response,
                                  [this](grpc::Status status) { OnDone(status); });
  }

  void OnDone(const grpc::Status& status) {
    if (!status.ok()) {
      tally_.error = status.error_message();
      bench_.CallerDone();
      return;
    }
    tally_.Ack(bench_.measured, call_->sent_ns);
    if (bench_.stop) {
      bench_.CallerDone();
      return;
    }
    Publish();
  }

  Bench& bench_;
  const int index_;
  std::unique_ptr<Call> call_;
  uint64_t seq_ = 0;
  Tally tally_;
};

void SleepUntil(uint64_t monotonic_ns) {
  const uint64_t now = MonotonicNanos();
  if (monotonic_ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(monotonic_ns - now));
}

int Main() {
  const int callers = std::max(1, absl::GetFlag(FLAGS_streams));
  const bool unary = absl::GetFlag(FLAGS_unary);
  const int pid = absl::GetFlag(FLAGS_server_pid);
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials());
  std::unique_ptr<PublishService::Stub> stub = PublishService::NewStub(channel);

  Bench bench;
  bench.stub = stub.get();
  const int topics = std::max(1, absl::GetFlag(FLAGS_topics));
  for (int i = 0; i < topics; ++i) {
    bench.topics.push_back(topics == 1 ? absl::GetFlag(FLAGS_topic)
                                       : absl::GetFlag(FLAGS_topic) + "-" + std::to_string(i));
  }
  bench.payload = static_cast<size_t>(absl::GetFlag(FLAGS_payload));
  bench.window = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_window)));
  bench.token = absl::GetFlag(FLAGS_token);
  bench.running = callers;

  const double duration = absl::GetFlag(FLAGS_duration);
  const uint64_t start = MonotonicNanos();
  bench.measured.begin = start + static_cast<uint64_t>(absl::GetFlag(FLAGS_warmup) * 1e9);
  bench.measured.end = bench.measured.begin + static_cast<uint64_t>(duration * 1e9);

  std::vector<std::unique_ptr<StreamCaller>> streams;
  std::vector<std::unique_ptr<UnaryCaller>> unaries;
  for (int i = 0; i < callers; ++i) {
    if (unary) {
      unaries.push_back(std::make_unique<UnaryCaller>(bench, i));
      unaries.back()->Start();
    } else {
      streams.push_back(std::make_unique<StreamCaller>(bench, i));
      streams.back()->Start();
    }
  }
  SleepUntil(bench.measured.begin);
  const std::optional<ProcessSample> before = SampleProcess(pid);
  const std::optional<ProcessSample> self_before = SampleProcess(getpid());
  SleepUntil(bench.measured.end);
  const std::optional<ProcessSample> after = SampleProcess(pid);
  const std::optional<ProcessSample> self_after = SampleProcess(getpid());
  bench.stop = true;
  {
    std::unique_lock lock(bench.mu);
    if (!bench.finished.wait_for(lock, std::chrono::seconds(30),
                                 [&] { return bench.running == 0; })) {
      // A caller still in flight owns gRPC state that must not be destroyed under it.
      std::fprintf(stderr, "publishbench: %d callers did not finish; exiting\n", bench.running);
      std::fflush(stderr);
      _exit(1);
    }
  }

  LatencyHistogram latency;
  uint64_t acks = 0;
  int failed = 0;
  std::string first_error;
  auto merge = [&](const Tally& t) {
    latency.Merge(t.latency);
    acks += t.measured_acks;
    if (t.error.empty()) return;
    ++failed;
    if (first_error.empty()) first_error = t.error;
  };
  for (const auto& s : streams) merge(s->tally());
  for (const auto& u : unaries) merge(u->tally());

  const double rate = static_cast<double>(acks) / duration;
  const double cpu =
      before && after ? 100.0 * (after->cpu_seconds - before->cpu_seconds) / duration : -1;
  const double self_cpu =
      self_before && self_after
          ? 100.0 * (self_after->cpu_seconds - self_before->cpu_seconds) / duration
          : -1;
  const char* mode = unary ? "unary" : "stream";
  const double p50 = static_cast<double>(latency.Percentile(0.5)) / 1e3;
  const double p99 = static_cast<double>(latency.Percentile(0.99)) / 1e3;
  const double p999 = static_cast<double>(latency.Percentile(0.999)) / 1e3;
  const double max = static_cast<double>(latency.max()) / 1e3;
  std::printf(
      "publishbench %s mode=%s callers=%d window=%zu topics=%d acked=%llu acked_per_s=%.0f "
      "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f server_cpu_pct=%.1f "
      "loadgen_cpu_pct=%.1f failed=%d%s%s\n",
      absl::GetFlag(FLAGS_label).c_str(), mode, callers, unary ? size_t{1} : bench.window, topics,
      static_cast<unsigned long long>(acks), rate, p50, p99, p999, max, cpu, self_cpu, failed,
      first_error.empty() ? "" : " error=", first_error.c_str());
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream out(path);
    out << "{\"label\":\"" << absl::GetFlag(FLAGS_label) << "\",\"mode\":\"" << mode
        << "\",\"callers\":" << callers << ",\"topics\":" << topics << ",\"acked\":" << acks
        << ",\"acked_per_s\":" << rate << ",\"p50_us\":" << p50 << ",\"p99_us\":" << p99
        << ",\"p999_us\":" << p999 << ",\"max_us\":" << max << ",\"server_cpu_pct\":" << cpu
        << ",\"loadgen_cpu_pct\":" << self_cpu << ",\"failed\":" << failed << "}\n";
  }
  return failed == callers ? 1 : 0;
}

}  // namespace
}  // namespace herald::load

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("herald_publishbench: publish throughput and ack latency");
  absl::ParseCommandLine(argc, argv);
  return herald::load::Main();
}
