#!/usr/bin/env bash
# Builds heraldd and heraldctl and runs the browser client's own tests (clients/js/test, on
# Node's test runner) against them: subscribe and resume on WebSocket and SSE across SIGKILLs,
# stalls and node rotation, WebSocket-to-SSE fallback, publishes queued while disconnected,
# access tokens refreshed on reconnect, binary payloads, and the plain-script build.
#
#   tests/e2e/js_client_e2e.sh       (Node 22+, or Node 20.10+ with its WebSocket behind a flag)
#
# Last line: "js_client_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! bazel build //broker/heraldd //admin:heraldctl >/dev/null 2>&1; then
  echo "js_client_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl failed)"
  exit 1
fi
# Node 20 has its WebSocket (undici's) behind a flag; 22 and later have it on.
has_websocket='process.exit(typeof WebSocket === "function" ? 0 : 1)'
node_flags=()
if ! node -e "$has_websocket"; then
  node_flags+=(--experimental-websocket)
fi
if ! node "${node_flags[@]}" -e "$has_websocket" 2>/dev/null; then
  echo "SKIP js_client_e2e: node $(node --version) has no WebSocket (needs 20.10 or later)"
  echo "js_client_e2e: 0 passed, 0 failed"
  exit 0
fi
log="$(mktemp)"
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node "${node_flags[@]}" --test \
  --test-reporter=tap clients/js/test/*.test.js 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
rm -f "$log"
# A runner that died before its summary counts as a failure.
if [[ -z "$pass" || -z "$fail" ]]; then
  echo "js_client_e2e: ${pass:-0} passed, 1 failed (node --test printed no summary; exit $status)"
  exit 1
fi
echo "js_client_e2e: $pass passed, $fail failed"
((status == 0 && fail == 0))
