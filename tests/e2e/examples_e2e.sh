#!/usr/bin/env bash
# Builds heraldd and heraldctl and runs each example the way its README says
# (examples.test.js): the chat and the ticker in Chromium, the publishers against a heraldd.
#
#   tests/e2e/examples_e2e.sh       (needs tests/e2e/node_modules: tools/setup.sh)
#
# Last line: "examples_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! bazel build //broker/heraldd //admin:heraldctl //examples/publishers/cpp:publish \
  >/dev/null 2>&1; then
  echo "examples_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl/publish failed)"
  exit 1
fi
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last. The
# examples' run.sh scripts take these binaries (the C++ publisher's too) instead of building
# their own, optimized ones.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node tests/e2e/examples.test.js
