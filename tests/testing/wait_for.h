// Waiting in tests without sleeping for a fixed time: poll a predicate until it holds or a
// deadline passes.
//
//   ASSERT_TRUE(WaitFor([&] { return received.size() == 10; }, absl::Seconds(10)));
#ifndef HERALD_TESTS_TESTING_WAIT_FOR_H_
#define HERALD_TESTS_TESTING_WAIT_FOR_H_

#include <functional>

#include "absl/time/time.h"

namespace herald::testing {

// True as soon as `predicate` returns true; false when `timeout` passes first.
bool WaitFor(const std::function<bool()>& predicate, absl::Duration timeout);

}  // namespace herald::testing

#endif  // HERALD_TESTS_TESTING_WAIT_FOR_H_
