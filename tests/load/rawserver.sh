#!/usr/bin/env bash
# Starts herald_rawserver (raw_server.cc), the baseline the load tool measures Herald and nchan
# against: one thread, epoll, one write per event per subscriber, no history.
#   tests/load/rawserver.sh start PORT [CPU]   prints its pid (builds it with -c opt first)
#   tests/load/rawserver.sh stop
# Publish:   POST http://127.0.0.1:PORT/pub              (body = event data)
# Subscribe: GET  http://127.0.0.1:PORT/v1/sse?topic=... (text/event-stream; one stream for all)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${TMPDIR:-/tmp}/herald-rawserver"
case "${1:-}" in
  start)
    port="${2:?port}"
    cpu="${3:-}"
    mkdir -p "$dir"
    cd "$root"
    bazel build -c opt //tests/load:herald_rawserver >/dev/null 2>&1 ||
      bazel build -c opt //tests/load:herald_rawserver
    server="$(bazel info -c opt bazel-bin 2>/dev/null)/tests/load/herald_rawserver"
    ulimit -n "$(ulimit -Hn)"
    # Its own output file: the caller's $(...) would otherwise wait for the server to end.
    if [[ -n "$cpu" ]]; then
      taskset -c "$cpu" "$server" "$port" >"$dir/rawserver.log" 2>&1 &
    else
      "$server" "$port" >"$dir/rawserver.log" 2>&1 &
    fi
    echo $! >"$dir/rawserver.pid"
    for _ in $(seq 50); do
      curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
      if ! kill -0 "$(cat "$dir/rawserver.pid")" 2>/dev/null; then
        cat "$dir/rawserver.log" >&2
        exit 1
      fi
      sleep 0.1
    done
    cat "$dir/rawserver.pid"
    ;;
  stop)
    [[ -s "$dir/rawserver.pid" ]] || exit 0
    pid="$(cat "$dir/rawserver.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$dir/rawserver.pid"
    ;;
  *)
    echo "usage: $0 start PORT [CPU] | stop" >&2
    exit 2
    ;;
esac
