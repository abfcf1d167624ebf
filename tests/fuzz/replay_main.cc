// Runs a fuzz target without libFuzzer, as a test: every file of its seed corpus, then
// mutations of them, deterministic for a given seed.
//
//   cursor_fuzz tests/fuzz/corpus/cursor_fuzz      (bazel test //tests/fuzz:cursor_fuzz)
//   HERALD_FUZZ_SEED=7 HERALD_FUZZ_RUNS=1000000 bazel-bin/tests/fuzz/cursor_fuzz DIR
//
// A failing property aborts (so does a crash or a sanitizer report); the input that did it is
// then written to `fuzz-crash` in Bazel's test outputs directory (else the working
// directory) and its run number printed.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace {

// Bytes that matter to the formats under test: JSON, percent-encoding, base64url, SSE and
// HTTP line ends, and UTF-8 lead and continuation bytes.
constexpr std::string_view kInteresting[] = {
    "\"",   "\\",          "\\u",      "\\ud800",
    "{",    "}",           "[",        "]",
    ":",    ",",           "%",        "%2",
    "%zz",  "+",           "&",        "=",
    "?",    "-",           "_",        "~",
    "\r",   "\n",          "\r\n",     std::string_view("\0", 1),
    "\xff", "\xc3",        "\xe2\x82", "\xf0\x9f\x98\x80",
    "\x80", "null",        "true",     "1e999",
    "-0",   "AAAAAAAAAAAA"};

std::vector<std::string> ReadCorpus(const std::filesystem::path& dir) {
  std::vector<std::string> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  return inputs;
}

std::string Mutate(const std::vector<std::string>& corpus, std::mt19937_64& random) {
  auto pick = [&random](size_t n) { return n == 0 ? 0 : static_cast<size_t>(random() % n); };
  std::string input = corpus[pick(corpus.size())];
  const int edits = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < edits; ++i) {
    switch (pick(6)) {
      case 0:  // flip a bit
        if (!input.empty()) input[pick(input.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 1:  // insert a random byte
        input.insert(input.begin() + pick(input.size() + 1), static_cast<char>(random()));
        break;
      case 2:  // erase a run
        if (!input.empty()) {
          const size_t at = pick(input.size());
          input.erase(at, 1 + pick(std::min<size_t>(8, input.size() - at)));
        }
        break;
      case 3:  // insert an interesting token
        input.insert(pick(input.size() + 1), kInteresting[pick(std::size(kInteresting))]);
        break;
      case 4: {  // splice in part of another input
        const std::string& other = corpus[pick(corpus.size())];
        const size_t from = pick(other.size() + 1);
        input.insert(pick(input.size() + 1), other.substr(from, pick(other.size() - from + 1)));
        break;
      }
      default:  // truncate
        input.resize(pick(input.size() + 1));
        break;
    }
  }
  return input;
}

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

// The input being run, for the failure handler.
const std::string* current_input = nullptr;
uint64_t current_run = 0;
std::string crash_path;

// Runs in a signal handler: only async-signal-safe calls.
void SaveCurrentInput() {
  if (current_input == nullptr) return;
  char digits[24];
  int n = 0;
  for (uint64_t run = current_run; n == 0 || run > 0; run /= 10) digits[n++] = '0' + run % 10;
  constexpr char kPrefix[] = "\nfuzz: property failed or crashed at run ";
  [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  while (n > 0) ignored = write(STDERR_FILENO, &digits[--n], 1);
  ignored = write(STDERR_FILENO, "; input saved as fuzz-crash\n", 28);
  const int fd = open(crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  ignored = write(fd, current_input->data(), current_input->size());
  close(fd);
}

void OnFatalSignal(int signal) {
  SaveCurrentInput();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void Run(const std::string& input, uint64_t run) {
  current_input = &input;
  current_run = run;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  current_input = nullptr;
}

}  // namespace

// Set under the sanitizers (their runtime defines it), absent otherwise.
extern "C" [[gnu::weak]] void __sanitizer_set_death_callback(void (*callback)());

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::vector<std::string> corpus = ReadCorpus(argv[1]);
  if (corpus.empty()) {
    std::fprintf(stderr, "no seed inputs in %s\n", argv[1]);
    return 2;
  }
  const char* out_dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  crash_path = (out_dir == nullptr ? std::filesystem::path("fuzz-crash")
                                   : std::filesystem::path(out_dir) / "fuzz-crash")
                   .string();
  for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(signal, OnFatalSignal);
  if (__sanitizer_set_death_callback != nullptr) {
    __sanitizer_set_death_callback(SaveCurrentInput);
  }
  const uint64_t seed = EnvOr("HERALD_FUZZ_SEED", 1);
  const uint64_t runs = EnvOr("HERALD_FUZZ_RUNS", 50'000);
  std::mt19937_64 random(seed);
  uint64_t run = 0;
  for (const std::string& input : corpus) Run(input, run++);
  for (uint64_t i = 0; i < runs; ++i) Run(Mutate(corpus, random), run++);
  std::printf("%s: %zu seed inputs and %llu mutations (seed %llu), every property held\n", argv[0],
              corpus.size(), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(seed));
  return 0;
}
