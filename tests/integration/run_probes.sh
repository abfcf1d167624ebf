#!/usr/bin/env bash
# Runs the protocol probes (shared/probes: ws_probe.py, sse_probe.py) against a live heraldd
# on free ports, creating and publishing with heraldctl; 2 s heartbeat and ping, 3 s handshake
# timeout so the timing cases run quickly.
#
#   bazel build //broker/heraldd //admin:heraldctl
#   PROBES=../shared/probes tests/integration/run_probes.sh
#
# Exit status 0 only when no probe case failed.
set -euo pipefail

cd "$(dirname "$0")/../.."
PROBES="${PROBES:-../shared/probes}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT="$(free_port)"
GRPC_PORT="$(free_port)"
HEARTBEAT=2
PING=2
HANDSHAKE=3
LOG="$(mktemp -t herald_probes.XXXXXX.log)"
CTL="bazel-bin/admin/heraldctl --server 127.0.0.1:$GRPC_PORT"
CREATE="$CTL topics create {topic} >/dev/null"
SMALL_CREATE="$CTL topics create {topic} --max-events 5 >/dev/null"
PUBLISH="$CTL publish {topic} {data} --event {event} >/dev/null"

DATA_DIR="$(mktemp -d -t herald_probes_data.XXXXXX)"
# The probes are one client opening hundreds of connections in bursts: per-client limits off,
# as for the load tool (hostile_e2e and edge_test check those limits).
bazel-bin/broker/heraldd/heraldd --http_port="$HTTP_PORT" --grpc_port="$GRPC_PORT" \
  --data_dir="$DATA_DIR" --max_connections_per_ip=0 --max_new_connections_per_second_per_ip=0 \
  --sse_heartbeat="${HEARTBEAT}s" --ws_ping_interval="${PING}s" \
  --handshake_timeout="${HANDSHAKE}s" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA_DIR"' EXIT

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null && break
  sleep 0.1
done

status=0
python3 "$PROBES/ws_probe.py" --url "ws://127.0.0.1:$HTTP_PORT/v1/ws" \
  --create-cmd "$CREATE" --publish-cmd "$PUBLISH" \
  --ping-interval "$PING" --handshake-timeout "$HANDSHAKE" || status=1
python3 "$PROBES/sse_probe.py" --url "http://127.0.0.1:$HTTP_PORT/v1/sse" \
  --create-cmd "$CREATE" --publish-cmd "$PUBLISH" --small-create-cmd "$SMALL_CREATE" \
  --heartbeat "$HEARTBEAT" || status=1
echo "server log: $LOG"
exit "$status"
