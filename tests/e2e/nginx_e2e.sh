#!/usr/bin/env bash
# deploy/nginx/herald.conf run for real: nginx (TLS with a CA this script makes) in front of
# heraldd. An SSE event reaches the client through nginx while the stream stays open (no
# proxy buffering), a resume through nginx with Last-Event-ID replays what was missed, and a
# WebSocket upgrades through it and receives an event.
#
#   tests/e2e/nginx_e2e.sh       (from tools/test.sh; builds what it needs)
#
# Last line: "nginx_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
if ! command -v nginx >/dev/null || ! command -v openssl >/dev/null; then
  echo "SKIP nginx_e2e: nginx or openssl is not installed (tools/setup.sh installs both)"
  echo "nginx_e2e: 0 passed, 0 failed"
  exit 0
fi
start_suite nginx_e2e
# nginx runs as a daemon of its own: stopped by its pid file.
trap '[[ -f "$tmp/nginx.pid" ]] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; end_suite' EXIT

# A CA and a certificate for localhost signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Herald test CA" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tmp/key.pem" \
  -out "$tmp/cert.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/cert.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 2 -extfile "$tmp/ext" -out "$tmp/cert.pem" 2>/dev/null
check $? "a test CA and a localhost certificate"

http_port=$(free_port)
grpc_port=$(free_port)
nginx_port=$(free_port)
"$heraldd" --store=memory --http_port="$http_port" --grpc_port="$grpc_port" \
  --sse_heartbeat=60s 2>"$tmp/heraldd.log" &
pids+=($!)
answers_healthz "$http_port" "${pids[-1]}"
check $? "heraldd starts"
"$heraldctl" --server "127.0.0.1:$grpc_port" topics create news >/dev/null
check $? "topic news is created"

# The shipped file with this run's ports and files; nothing else changed.
sed -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$http_port;|" \
  -e "s|listen 443 ssl;|listen 127.0.0.1:$nginx_port ssl;|" \
  -e "s|/etc/ssl/herald/fullchain.pem|$tmp/cert.pem|" \
  -e "s|/etc/ssl/herald/privkey.pem|$tmp/key.pem|" deploy/nginx/herald.conf >"$tmp/herald.conf"
cat >"$tmp/nginx.conf" <<CONF
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events {}
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    include $tmp/herald.conf;
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf" 2>"$tmp/nginx-start.log"
check $? "nginx starts on deploy/nginx/herald.conf" "$(cat "$tmp/nginx-start.log")"
for _ in $(seq 50); do
  curl -fsS --cacert "$tmp/ca.pem" -o /dev/null "https://localhost:$nginx_port/healthz" && break
  sleep 0.1
done
base="https://localhost:$nginx_port"

# An SSE stream stays open while an event is published; the event must be in the output
# before the stream ends (curl is killed later), which buffering would prevent (heraldd also
# sends X-Accel-Buffering: no, which alone turns nginx's buffering off for the stream).
curl -sN --cacert "$tmp/ca.pem" "$base/v1/sse?topic=news" >"$tmp/sse.out" &
curl_pid=$!
pids+=("$curl_pid")
for _ in $(seq 50); do grep -q '^id:' "$tmp/sse.out" && break; sleep 0.1; done
"$heraldctl" --server "127.0.0.1:$grpc_port" publish news "through nginx" >/dev/null
for _ in $(seq 50); do grep -q '^data: through nginx' "$tmp/sse.out" && break; sleep 0.1; done
grep -q '^data: through nginx' "$tmp/sse.out" && kill -0 "$curl_pid"
check $? "an SSE event arrives through nginx while the stream is open" "$(cat "$tmp/sse.out")"
kill "$curl_pid" 2>/dev/null

cursor="$(grep '^id:' "$tmp/sse.out" | tail -1 | cut -c5-)"
"$heraldctl" --server "127.0.0.1:$grpc_port" publish news "while away" >/dev/null
curl -sN --max-time 2 --cacert "$tmp/ca.pem" -H "Last-Event-ID:$cursor" \
  "$base/v1/sse?topic=news" >"$tmp/resume.out"
grep -q '^data: while away' "$tmp/resume.out" && ! grep -q '^data: through nginx' "$tmp/resume.out"
check $? "a resume through nginx replays only what was missed" "$(cat "$tmp/resume.out")"

# WebSocket through nginx: the upgrade, a subscribe, and an event (a minimal client).
python3 - "$nginx_port" "$tmp/ca.pem" "$heraldctl" "$grpc_port" <<'PY'
import json, os, socket, ssl, struct, subprocess, sys
port, ca, heraldctl, grpc_port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
context = ssl.create_default_context(cafile=ca)
sock = context.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=5),
                           server_hostname="localhost")
sock.sendall(("GET /v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    head += sock.recv(1)
assert head.startswith(b"HTTP/1.1 101"), head

def send(text):
    payload, mask = text.encode(), os.urandom(4)
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask +
                 bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

def recv_exact(n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data

def frame():
    first, second = recv_exact(2)
    size = second & 0x7F
    if size == 126:
        size = struct.unpack("!H", recv_exact(2))[0]
    elif size == 127:
        size = struct.unpack("!Q", recv_exact(8))[0]
    return first & 0x0F, recv_exact(size)

send(json.dumps({"op": "subscribe", "topic": "news"}))
while True:
    opcode, payload = frame()
    if opcode == 1 and json.loads(payload).get("op") == "subscribed":
        break
subprocess.run([heraldctl, "--server", "127.0.0.1:" + grpc_port, "publish", "news", "over ws"],
               check=True, stdout=subprocess.DEVNULL)
while True:
    opcode, payload = frame()
    if opcode == 1 and json.loads(payload).get("data") == "over ws":
        break
PY
check $? "a WebSocket upgrades through nginx and receives an event"

echo "nginx_e2e: $passed passed, $failed failed"
((failed == 0))
