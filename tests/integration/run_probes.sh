#!/usr/bin/env bash
# Runs the protocol probes (shared/probes/ws_probe.py and sse_probe.py) against a live server.
#
# Default: starts bazel-bin/tests/integration/probe_server (the broker with its browser edge
# plus a test-only HTTP control port) and creates/publishes through that port with curl.
# With --heraldd: starts bazel-bin/broker/heraldd/heraldd and uses the command templates given
# (e.g. heraldctl's), which the probes run with `sh -c` after substituting {topic} {data} {event}.
#
#   bazel build //tests/integration:probe_server //broker/heraldd
#   tests/integration/run_probes.sh
#   tests/integration/run_probes.sh --heraldd \
#     --create-cmd 'bazel-bin/admin/heraldctl topics create {topic}' \
#     --small-create-cmd 'bazel-bin/admin/heraldctl topics create {topic} --max_events=5' \
#     --publish-cmd 'bazel-bin/admin/heraldctl publish {topic} {data} --event={event}'
#
#   tests/integration/run_probes.sh --heraldctl   # heraldd, with bazel-bin/admin/heraldctl templates
#
# Exit status 0 only when no probe case failed.
set -euo pipefail

cd "$(dirname "$0")/../.."
PROBES="${PROBES:-/work/shared/probes}"
MODE=probe_server
CREATE=""
PUBLISH=""
SMALL_CREATE=""
EXTRA_HERALDD_FLAGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --heraldd) MODE=heraldd; shift ;;
    --heraldctl) MODE=heraldctl; shift ;;
    --create-cmd) CREATE="$2"; shift 2 ;;
    --publish-cmd) PUBLISH="$2"; shift 2 ;;
    --small-create-cmd) SMALL_CREATE="$2"; shift 2 ;;
    --heraldd-flag) EXTRA_HERALDD_FLAGS+=("$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT="$(free_port)"
HEARTBEAT=2
PING=2
HANDSHAKE=3
LOG="$(mktemp -t herald_probes.XXXXXX.log)"

if [[ "$MODE" == probe_server ]]; then
  CONTROL_PORT="$(free_port)"
  bazel-bin/tests/integration/probe_server --http_port="$HTTP_PORT" \
    --control_port="$CONTROL_PORT" --heartbeat="${HEARTBEAT}s" --ws_ping="${PING}s" \
    --handshake_timeout="${HANDSHAKE}s" >"$LOG" 2>&1 &
  CONTROL="http://127.0.0.1:$CONTROL_PORT"
  CREATE="curl -fsS -o /dev/null -X POST \"$CONTROL/create?topic=\"{topic}"
  SMALL_CREATE="curl -fsS -o /dev/null -X POST \"$CONTROL/create?max_events=5&topic=\"{topic}"
  PUBLISH="curl -fsS -o /dev/null -X POST --data-binary {data} \"$CONTROL/publish?topic=\"{topic}\"&event=\"{event}"
else
  if [[ "$MODE" == heraldctl ]]; then
    GRPC_PORT="$(free_port)"
    EXTRA_HERALDD_FLAGS+=("--grpc_port=$GRPC_PORT")
    CTL="bazel-bin/admin/heraldctl --server 127.0.0.1:$GRPC_PORT"
    CREATE="$CTL topics create {topic} >/dev/null"
    SMALL_CREATE="$CTL topics create {topic} --max-events 5 >/dev/null"
    PUBLISH="$CTL publish {topic} {data} --event {event} >/dev/null"
  fi
  if [[ -z "$CREATE" || -z "$PUBLISH" ]]; then
    echo "--heraldd needs --create-cmd and --publish-cmd (heraldctl templates)" >&2
    exit 2
  fi
  bazel-bin/broker/heraldd/heraldd --http_port="$HTTP_PORT" --sse_heartbeat="${HEARTBEAT}s" \
    --ws_ping_interval="${PING}s" --handshake_timeout="${HANDSHAKE}s" \
    "${EXTRA_HERALDD_FLAGS[@]}" >"$LOG" 2>&1 &
fi
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null && break
  sleep 0.1
done

status=0
python3 "$PROBES/ws_probe.py" --url "ws://127.0.0.1:$HTTP_PORT/v1/ws" \
  --create-cmd "$CREATE" --publish-cmd "$PUBLISH" \
  --ping-interval "$PING" --handshake-timeout "$HANDSHAKE" || status=1
SSE_ARGS=(--url "http://127.0.0.1:$HTTP_PORT/v1/sse" --create-cmd "$CREATE"
          --publish-cmd "$PUBLISH" --heartbeat "$HEARTBEAT")
[[ -n "$SMALL_CREATE" ]] && SSE_ARGS+=(--small-create-cmd "$SMALL_CREATE")
python3 "$PROBES/sse_probe.py" "${SSE_ARGS[@]}" || status=1
echo "server log: $LOG"
exit "$status"
