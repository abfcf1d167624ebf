// What a fuzz target needs: the libFuzzer entry point it defines, and a check that stops the
// run with a message when a property fails (libFuzzer and the replay driver both report the
// input that did it).
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     HERALD_FUZZ_CHECK(Parse(Encode(x)) == x, "round trip");
//     return 0;
//   }
#ifndef HERALD_TESTS_FUZZ_FUZZ_TARGET_H_
#define HERALD_TESTS_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#define HERALD_FUZZ_CHECK(condition, what)                                                \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                           \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

#endif  // HERALD_TESTS_FUZZ_FUZZ_TARGET_H_
