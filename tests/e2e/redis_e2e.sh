#!/usr/bin/env bash
# Builds heraldd, heraldctl and crash_driver and runs the multi-node test on Redis
# (redis.test.mjs): three nodes on one redis-server it starts itself, with a node killed,
# Redis restarted, pub/sub cut and Redis wiped under a streaming publisher and browser
# clients on SSE and WebSocket.
#
#   tests/e2e/redis_e2e.sh          (needs redis-server: tools/setup.sh)
#
# Last line: "redis_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! command -v redis-server >/dev/null; then
  echo "redis_e2e: 0 passed, 1 failed (redis-server is not installed: run tools/setup.sh)"
  exit 1
fi
if ! bazel build //broker/heraldd //admin:heraldctl //tests/e2e:crash_driver >/dev/null 2>&1; then
  echo "redis_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl/crash_driver failed)"
  exit 1
fi
# Node 20 has WebSocket behind a flag; later versions have it by default.
node_flags=()
node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' ||
  node_flags+=(--experimental-websocket --no-warnings)
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
HERALD_BIN="$(bazel info bazel-bin 2>/dev/null)" node "${node_flags[@]}" tests/e2e/redis.test.mjs
