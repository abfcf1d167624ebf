#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite: unit,
# integration and end-to-end tests (bazel test //...), the core under AddressSanitizer and
# ThreadSanitizer, and the end-to-end suites under tests/e2e. The last line is the total:
# "N passed, M failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools/setup.sh || exit 1

passed=0
failed=0
log_dir="$(mktemp -d)"

# Counts the per-target lines of a `bazel test` summary ("//x:y  PASSED in 0.1s").
count_bazel() {
  local log="$1"
  local p f
  p=$(grep -cE '^//\S+\s+(\(cached\) )?PASSED' "$log")
  f=$(grep -cE '^//\S+\s+.*(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log")
  passed=$((passed + p))
  failed=$((failed + f))
  # A build failure runs no test at all: count it, or the run would look green.
  if ((p + f == 0)); then failed=$((failed + 1)); fi
}

run_bazel() {
  local name="$1"
  shift
  echo "== $name"
  bazel test --nocache_test_results --test_summary=short "$@" 2>&1 | tee "$log_dir/$name.log" |
    grep -E '^//|^(ERROR|FAIL)|error:' || true
  count_bazel "$log_dir/$name.log"
}

run_bazel unit-integration //...
core_targets=(//broker/core/... //broker/wire/... //broker/auth/... //broker/store/... //broker/engine/...
  //broker/fanout/... //broker/session/... //broker/edge:serialized_socket_test //broker:broker_test
  //broker:broker_property_test)
# The edge's sessions own themselves through their pending operations: ASan checks their
# lifetimes against real sockets too.
run_bazel asan --config=asan "${core_targets[@]}" //tests/integration:edge_test
run_bazel tsan --config=tsan "${core_targets[@]}"

# End-to-end suites: each prints its own "N passed, M failed" last line.
for suite in tests/e2e/*_e2e.sh; do
  [[ -e "$suite" ]] || continue
  echo "== $suite"
  bash "$suite" 2>&1 | tee "$log_dir/e2e.log"
  grep -E '^SKIP ' "$log_dir/e2e.log" >>"$log_dir/skipped" || true
  totals=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log_dir/e2e.log" | tail -1)
  if [[ "$totals" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
  fi
done

# Suites that need something outside the repository say so, and count neither way.
[[ -s "$log_dir/skipped" ]] && sed 's/^/skipped: /' "$log_dir/skipped"
rm -rf "$log_dir"
echo "$passed passed, $failed failed"
((failed == 0))
