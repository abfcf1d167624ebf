#!/usr/bin/env bash
# Observability end to end: the alerting rules (promtool check rules, and their unit tests
# with promtool test rules), then a live heraldd's metrics and logs under a scripted workload
# (observability.test.js).
#
#   tests/e2e/observability_e2e.sh
#
# Last line: "observability_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh

rules="$(promtool check rules deploy/prometheus/alerts.yml 2>&1)"
check $? "promtool check rules deploy/prometheus/alerts.yml" "$rules"
tested="$(cd deploy/prometheus && promtool test rules alerts_test.yml 2>&1)"
check $? "promtool test rules deploy/prometheus/alerts_test.yml" "$tested"

if ! bazel build //broker/heraldd //admin:heraldctl >/dev/null 2>&1; then
  echo "observability_e2e: $passed passed, $((failed + 1)) failed (bazel build of heraldd/heraldctl failed)"
  exit 1
fi
log="$(mktemp)"
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node --experimental-websocket \
  tests/e2e/observability.test.js 2>&1 | grep -v "ExperimentalWarning\|node --trace-warnings" | tee "$log"
if [[ "$(tail -1 "$log")" =~ ^observability_e2e:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
else
  failed=$((failed + 1))
fi
rm -f "$log"
echo "observability_e2e: $passed passed, $failed failed"
((failed == 0))
