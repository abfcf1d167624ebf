#!/usr/bin/env bash
# Builds heraldd and heraldctl and runs the Chromium end-to-end test against them.
# Last line: "browser_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! bazel build //broker/heraldd //admin:heraldctl >/dev/null 2>&1; then
  echo "browser_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl failed)"
  exit 1
fi
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node tests/e2e/browser.test.js
