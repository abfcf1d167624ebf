#!/usr/bin/env bash
# Installs what is missing, builds heraldd and heraldctl, and runs heraldd on its embedded
# default with the demo page. Stop it with Ctrl-C (SIGINT drains like SIGTERM).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools/setup.sh
bazel build -c opt //broker/heraldd //admin:heraldctl 2>&1 | grep -E 'ERROR|error:' && exit 1
cat <<MSG
Herald is starting:
  demo page    http://127.0.0.1:8080/
  SSE          http://127.0.0.1:8080/v1/sse?topic=demo
  WebSocket    ws://127.0.0.1:8080/v1/ws
  gRPC         127.0.0.1:50051
  heraldctl    bazel-bin/admin/heraldctl topics create demo
               bazel-bin/admin/heraldctl publish demo 'hello'
MSG
exec bazel-bin/broker/heraldd/heraldd --static_dir="$root/examples/demo" "$@"
