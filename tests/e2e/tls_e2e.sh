#!/usr/bin/env bash
# heraldd's TLS port as operators run it: a CA and certificates made here with the openssl
# CLI, curl and openssl s_client trusting only that CA. Checks HTTPS health and an SSE stream
# over TLS, the protocol policy (no TLS 1.1, ALPN http/1.1), Chromium on an https page
# (EventSource and wss://, tls_browser.test.js), and SIGHUP: a new certificate is
# served to new connections while an open stream keeps streaming, and a bad one is refused
# with a message while the old one stays.
#
#   tests/e2e/tls_e2e.sh       (from tools/test.sh; builds what it needs)
#
# Last line: "tls_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
start_suite tls_e2e

tests/testing/test_certs.sh "$tmp" 1 2
cp "$tmp/cert-1.pem" "$tmp/cert.pem"
cp "$tmp/key-1.pem" "$tmp/key.pem"

http_port=$(free_port)
https_port=$(free_port)
grpc_port=$(free_port)
"$heraldd" --http_port="$http_port" --https_port="$https_port" --grpc_port="$grpc_port" \
  --http_tls_cert="$tmp/cert.pem" --http_tls_key="$tmp/key.pem" --store=memory \
  2>"$tmp/heraldd.log" &
pid=$!
pids+=("$pid")
answers_healthz "$http_port" "$pid"
check $? "heraldd starts with a TLS port" "$(cat "$tmp/heraldd.log")"
grep -q "heraldd_ready .*edge_tls=https://127.0.0.1:$https_port" "$tmp/heraldd.log"
check $? "heraldd reports its TLS port"

tls=(--cacert "$tmp/ca.pem" --resolve "localhost:$https_port:127.0.0.1")
body=$(curl -fsS "${tls[@]}" "https://localhost:$https_port/healthz" 2>&1)
check $? "GET /healthz over TLS, verified against the test CA" "$body"

# The serial of the certificate a new connection is served.
served_serial() {
  openssl s_client -connect "127.0.0.1:$https_port" -servername localhost \
    -CAfile "$tmp/ca.pem" </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}
[[ "$(served_serial)" == "serial=01" ]]
check $? "the first certificate is served"

out=$(openssl s_client -connect "127.0.0.1:$https_port" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
  </dev/null 2>&1)
[[ $? != 0 && "$out" == *"alert protocol version"* ]]
check $? "TLS 1.1 is refused with a protocol_version alert" "$out"
out=$(openssl s_client -connect "127.0.0.1:$https_port" -alpn h2,http/1.1 -CAfile "$tmp/ca.pem" \
  </dev/null 2>&1)
[[ "$out" == *"ALPN protocol: http/1.1"* ]]
check $? "ALPN selects http/1.1 from h2,http/1.1"

ctl=("$heraldctl" --server="127.0.0.1:$grpc_port")
"${ctl[@]}" topics create news >/dev/null
curl -fsSN "${tls[@]}" "https://localhost:$https_port/v1/sse?topic=news" >"$tmp/stream" 2>&1 &
stream_pid=$!
pids+=("$stream_pid")
# waits up to 10 s for FILE to hold TEXT.
holds() {
  for _ in $(seq 200); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
holds "$tmp/stream" ': herald'
"${ctl[@]}" publish news before-reload >/dev/null
holds "$tmp/stream" 'data: before-reload'
check $? "an SSE stream over TLS delivers events" "$(cat "$tmp/stream")"

# Chromium, trusting only the served key (its SPKI hash).
spki=$(openssl x509 -in "$tmp/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)
browser=$(HTTPS_PORT="$https_port" SPKI="$spki" HERALDCTL="$heraldctl" GRPC_PORT="$grpc_port" \
  node tests/e2e/tls_browser.test.js 2>&1)
echo "$browser" | grep -E '^(PASS|FAIL) '
browser_passed=$(echo "$browser" | grep -c '^PASS ')
browser_failed=$(echo "$browser" | grep -c '^FAIL ')
[[ "$browser" == *"tls_browser: "* ]] || browser_failed=$((browser_failed + 1))
passed=$((passed + browser_passed))
failed=$((failed + browser_failed))

cp "$tmp/cert-2.pem" "$tmp/cert.pem"
cp "$tmp/key-2.pem" "$tmp/key.pem"
kill -HUP "$pid"
holds "$tmp/heraldd.log" 'reloaded signal=SIGHUP'
check $? "SIGHUP reloads the certificate" "$(cat "$tmp/heraldd.log")"
[[ "$(served_serial)" == "serial=02" ]]
check $? "a new connection is served the new certificate"
"${ctl[@]}" publish news after-reload >/dev/null
holds "$tmp/stream" 'data: after-reload'
check $? "the stream opened before the reload keeps streaming"

printf 'not a certificate\n' >"$tmp/cert.pem"
kill -HUP "$pid"
holds "$tmp/heraldd.log" 'reload_failed signal=SIGHUP kept="what was loaded" error="cannot read the TLS certificate chain'
check $? "a bad certificate is refused on SIGHUP, saying why" "$(tail -3 "$tmp/heraldd.log")"
[[ "$(served_serial)" == "serial=02" ]]
check $? "after a failed reload the last good certificate is served"
body=$(curl -fsS "${tls[@]}" "https://localhost:$https_port/readyz" 2>&1)
check $? "heraldd serves on after a failed reload" "$body"

kill -TERM "$pid"
wait "$pid"
check $? "heraldd exits 0 on SIGTERM after reloads"

echo "tls_e2e: $passed passed, $failed failed"
[[ "$failed" == 0 ]]
