#!/usr/bin/env bash
# Builds heraldd, heraldctl and crash_driver and runs the Chromium crash-and-restart test
# (restart.test.js) against them. Last line: "restart_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! bazel build //broker/heraldd //admin:heraldctl //tests/e2e:crash_driver >/dev/null 2>&1; then
  echo "restart_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl/crash_driver failed)"
  exit 1
fi
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node tests/e2e/restart.test.js
