// Cursor encode/parse cost: paid per delivered event on multi-topic streams and per resume.
#include <string>

#include "benchmark/benchmark.h"
#include "broker/core/cursor.h"

namespace herald {
namespace {

Cursor MakeCursor(int topics) {
  Cursor cursor;
  for (int i = 0; i < topics; ++i) {
    cursor.Set("topic-" + std::to_string(i), 0x9abcdef0u, 1'000'000 + i);
  }
  return cursor;
}

void BM_CursorEncode(benchmark::State& state) {
  const Cursor cursor = MakeCursor(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(cursor.Encode());
}
BENCHMARK(BM_CursorEncode)->Arg(1)->Arg(4);

void BM_CursorParse(benchmark::State& state) {
  const std::string text = MakeCursor(static_cast<int>(state.range(0))).Encode();
  for (auto _ : state) benchmark::DoNotOptimize(Cursor::Parse(text));
}
BENCHMARK(BM_CursorParse)->Arg(1)->Arg(4);

}  // namespace
}  // namespace herald
