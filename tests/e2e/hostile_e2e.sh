#!/usr/bin/env bash
# heraldd under hostile input (hostile.py: malformed HTTP, oversized headers, slowloris,
# truncated and malformed WebSocket frames, compression bombs, bad cursors, a flood of
# subscribes, one client opening past its limit) while a well-behaved client, from an address
# of its own, follows a topic. heraldd must stay up, within a memory bound, and deliver the
# calm client every event exactly once and in order. Then a trusted proxy's X-Forwarded-For
# names the client that `heraldctl connections list` shows.
#
#   tests/e2e/hostile_e2e.sh       (from tools/test.sh; builds what it needs)
#
# Last line: "hostile_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
start_suite hostile_e2e

# What the barrage may add to heraldd's resident memory, all of it over.
max_growth_kib=$((16 << 10))
events=300
per_client=16
handshake_timeout=2
proxy=127.0.0.20

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

http_port=$(free_port)
grpc_port=$(free_port)
"$heraldd" --store=memory --data_dir="$tmp/data" --http_port="$http_port" \
  --grpc_port="$grpc_port" --handshake_timeout="${handshake_timeout}s" \
  --max_ws_message_bytes=65536 --max_connections_per_ip="$per_client" \
  --trusted_proxies="$proxy" >"$tmp/heraldd.log" 2>&1 &
pid=$!
pids+=("$pid")
answers_healthz "$http_port" "$pid"
check $? "heraldd starts" "$(tail -5 "$tmp/heraldd.log")" || {
  echo "hostile_e2e: $passed passed, $failed failed"
  exit 1
}
ctl() { "$heraldctl" --server="127.0.0.1:$grpc_port" "$@"; }
ctl topics create calm --max-events 10000 >/dev/null
check $? "the calm topic is created"
rss_before=$(rss_kib "$pid")

# The calm client subscribes, then events are published one every 20 ms, across the barrage.
python3 tests/e2e/hostile.py subscribe "$http_port" calm "$events" "$tmp/calm.txt" &
calm=$!
pids+=("$calm")
for _ in $(seq 100); do [[ -f "$tmp/calm.txt.ready" ]] && break; sleep 0.05; done
(for i in $(seq "$events"); do echo "event-$i"; sleep 0.02; done) |
  ctl publish calm --stream >"$tmp/acks.txt" 2>"$tmp/publish.err" &
publisher=$!
pids+=("$publisher")

python3 tests/e2e/hostile.py barrage "$http_port" "$handshake_timeout" "$per_client" \
  >"$tmp/barrage.txt" 2>&1
cat "$tmp/barrage.txt"
passed=$((passed + $(grep -c '^PASS ' "$tmp/barrage.txt")))
failed=$((failed + $(grep -c '^FAIL ' "$tmp/barrage.txt")))
# A barrage that died early reports less than it should.
! grep -q Traceback "$tmp/barrage.txt"
check $? "the barrage ran to its end"

wait "$publisher"
check $? "every publish is acknowledged" "$(cat "$tmp/publish.err")"
wait "$calm"
seq "$events" | sed 's/^/event-/' >"$tmp/want.txt"
diff -q "$tmp/want.txt" "$tmp/calm.txt" >/dev/null
check $? "the calm client got all $events events, once each and in order" \
  "got $(wc -l <"$tmp/calm.txt") lines, $(sort "$tmp/calm.txt" | uniq -d | wc -l) repeated"

curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz"
check $? "heraldd still answers /healthz"
kill -0 "$pid" 2>/dev/null
check $? "heraldd is still running"
rss_after=$(rss_kib "$pid")
growth=$((rss_after - rss_before))
echo "heraldd RSS: $rss_before KiB before the barrage, $rss_after KiB after (+$growth KiB)"
((growth < max_growth_kib))
check $? "heraldd's memory grew less than $((max_growth_kib >> 10)) MiB" "+$growth KiB"
metrics=$(curl -fsS "http://127.0.0.1:$http_port/metrics")
grep -qE '^herald_edge_refused_total\{reason="client_connection_limit"\} [1-9]' <<<"$metrics"
check $? "the refusal past the client's limit is counted"

# Behind the trusted proxy, the forwarded client is who the listing names; from anyone else
# the header is ignored.
python3 - "$http_port" "$proxy" <<'EOF' &
import socket, sys, time
port, proxy = int(sys.argv[1]), sys.argv[2]
held = []
for source, forwarded in [(proxy, "203.0.113.1, 198.51.100.77"), ("127.0.0.21", "192.0.2.99")]:
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    s.sendall(f"GET /v1/sse?topic=calm HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {forwarded}"
              "\r\n\r\n".encode())
    held.append(s)
time.sleep(30)
EOF
proxied=$!
pids+=("$proxied")
listing=""
for _ in $(seq 100); do
  listing=$(ctl connections list 2>/dev/null)
  grep -q "127.0.0.21" <<<"$listing" && break
  sleep 0.1
done
grep -q "ipv4:198.51.100.77" <<<"$listing"
check $? "the listing names the client a trusted proxy forwards" "$listing"
! grep -q "192.0.2.99" <<<"$listing" && grep -q "ipv4:127.0.0.21:" <<<"$listing"
check $? "an untrusted peer's X-Forwarded-For is ignored" "$listing"
kill "$proxied" 2>/dev/null

kill -TERM "$pid"
wait "$pid"
check $? "heraldd drains and exits 0 on SIGTERM" "$(tail -5 "$tmp/heraldd.log")"

echo "hostile_e2e: $passed passed, $failed failed"
((failed == 0))
