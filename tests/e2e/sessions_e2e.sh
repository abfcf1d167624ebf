#!/usr/bin/env bash
# Builds heraldd and heraldctl and runs the session-layer end-to-end test (sessions.test.js):
# listing, kicking and draining SSE, WebSocket and gRPC subscribers with heraldctl, and
# resuming each of them from its first byte and across a drain and restart.
#
#   tests/e2e/sessions_e2e.sh       (needs tests/e2e/node_modules: tools/setup.sh)
#
# Last line: "sessions_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! bazel build //broker/heraldd //admin:heraldctl >/dev/null 2>&1; then
  echo "sessions_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl failed)"
  exit 1
fi
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node tests/e2e/sessions.test.js
